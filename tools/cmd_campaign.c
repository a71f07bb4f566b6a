/* cmd_campaign.c — scanloop campaign load | list | show | pause | resume |
 * end | reveal | audit (reconcile: cmd_pg.c). */
#include "tools/cli.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/tz.h"
#include "common/xmalloc.h"
#include "rewards/audit.h"
#include "rewards/campaign.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAMPAIGN_FILE_MAX (4 << 20)

static const char campaign_help[] =
"NAME\n"
"     scanloop campaign — prize campaigns: load, inspect, pause, end, audit\n"
"\n"
"SYNOPSIS\n"
"     scanloop campaign load FILE [--start now|TIME] [--db DIR]\n"
"     scanloop campaign list [--db DIR]\n"
"     scanloop campaign show ID [--db DIR]\n"
"     scanloop campaign pause ID [--db DIR]\n"
"     scanloop campaign resume ID [--db DIR]\n"
"     scanloop campaign end ID [--db DIR]\n"
"     scanloop campaign reveal ID [--force] [--db DIR]\n"
"     scanloop campaign audit ID --seed HEX [--log FILE] [--db DIR]\n"
"     scanloop campaign reconcile ID --pg CONNINFO [--node N [--return]]\n"
"                    [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     load validates a campaign file (docs/draws.md; examples in\n"
"     samples/campaigns/) and stores it. Every problem is reported as\n"
"     'field: problem', one a line, and a bad file changes nothing. A\n"
"     campaign is refused when its id exists, or when its scope (a batch,\n"
"     a product, or a batch of that product) overlaps a campaign that has\n"
"     not ended and whose time window overlaps. load draws the campaign's\n"
"     secret 32-byte seed and prints its BLAKE2b-256 commitment: publish\n"
"     it, with the campaign file, before the campaign starts. --start\n"
"     moves the file's window to begin now (or at TIME, ISO 8601): end\n"
"     and the coupons' valid_from and valid_to move with it, so a sample\n"
"     campaign runs on the day it is loaded.\n"
"\n"
"     list prints each campaign's state (scheduled, running, paused,\n"
"     ended), window, draws and wins. show prints one campaign: its rules,\n"
"     stock left and awarded today per tier, draws, tickets, refusals,\n"
"     claims, redemptions and points.\n"
"\n"
"     pause stops draws until resume; end stops them for good (an ended\n"
"     campaign cannot resume). Claims stay redeemable until they expire.\n"
"\n"
"     reveal prints the seed, once the campaign has ended (its end time\n"
"     passed, or 'campaign end'); --force reveals it earlier, which lets\n"
"     anyone predict the remaining draws. audit checks that the seed\n"
"     matches the commitment and replays every draw: its random number,\n"
"     its outcome under the tiers' odds and caps, the order of the log,\n"
"     one draw per code, one opening per ticket. It reads the store, or\n"
"     with --log a file written by 'scanloop export draws --format\n"
"     jsonl'. The first failure is reported precisely.\n"
"\n"
"     reconcile shows a campaign's stock in the PostgreSQL ledger that\n"
"     nodes serving with --pg share (docs/scale-out.md): per tier, for\n"
"     the whole campaign and per day of a daily cap, the stock, what is\n"
"     left, and per node what it leased, used (awarded, as it last\n"
"     reported) and holds; it checks that left plus leased is the stock.\n"
"     With --node N, --db is node N's store: its own lease and awards are\n"
"     shown beside the ledger's. --return gives back what node N holds\n"
"     (its server stopped: after a crash, for a node that is not coming\n"
"     back): the store's lease comes down to what it awarded, and the\n"
"     rest returns to the ledger for the other nodes.\n"
"\n"
"OPTIONS\n"
"     -s, --seed HEX     the revealed seed (64 hex digits), for audit\n"
"     -l, --log FILE     audit this exported JSONL log ('-': stdin)\n"
"     -f, --force        reveal before the campaign has ended\n"
"         --start WHEN   load: begin the campaign now, or at WHEN\n"
"         --pg CONNINFO  reconcile: the ledger (libpq's connection string)\n"
"         --node N       reconcile: the node whose store --db is\n"
"         --return       reconcile: give back what node N holds\n"
"     -D, --db DIR       the store (default ./var/scanloop)\n"
"     -h, --help         this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success (audit: the log is sound; reconcile: the figures add\n"
"     up), 1 when rejected (a bad file, an unknown campaign, an overlap, a\n"
"     failed audit, a ledger that does not add up...), 2 on a usage\n"
"     error.\n";

/* The state a person means: from the header and the time window. */
static const char *
campaign_state(const struct store_campaign *h, int64_t now)
{
	return campaign_phase_name(campaign_phase(h, now));
}

/* Reads a summary counter. */
static uint64_t
campaign_sum(struct store_txn *t, const char *id, uint8_t which)
{
	uint8_t subject[16] = { 0 };
	uint64_t v = 0;

	subject[0] = which;
	if (store_counter_get_txn(t, id, STORE_COUNT_SUMMARY, subject, 0, &v) < 0)
		return 0;
	return v;
}

/* Formats a time in the campaign's zone ("2027-03-01 00:00 +0800"), or
 * "" when the zone is not installed. */
static const char *
campaign_local(const char *tz, int64_t us, char buf[48])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char *old;

	buf[0] = '\0';
	if (!tz_known(tz) || tz_push(tz, &old) < 0)
		return buf;
	localtime_r(&t, &tm);
	strftime(buf, 48, "%Y-%m-%d %H:%M %z", &tm);
	tz_pop(old);
	return buf;
}

/* Prints one tier's rules on one line. */
static void
campaign_print_tier(const struct campaign_tier *t, size_t i)
{
	char cap[32];

	if (t->daily_cap != 0)
		snprintf(cap, sizeof(cap), "%" PRIu64, t->daily_cap);
	else
		strcpy(cap, "-");
	printf("  tier %zu %-16s %-8s total %-8" PRIu64 " daily_cap %-6s odds "
	    "%u/1000000 (%.4f%%) reveal %s", i, t->id, campaign_kind_name(t->kind),
	    t->total, cap, t->odds, t->odds / 10000.0,
	    campaign_reveal_name(t->reveal));
	if (t->kind == CAMPAIGN_POINTS)
		printf(" points %" PRId64, t->points);
	printf("\n      %s", t->name);
	if (t->kind == CAMPAIGN_COUPON) {
		char from[40], to[40];

		printf(" — coupon %s %s, %s", t->face_value, t->currency,
		    t->condition);
		if (t->valid_to != 0)
			printf(", valid %s to %s", t->valid_from ?
			    cli_time(t->valid_from, from) : "from the draw",
			    cli_time(t->valid_to, to));
		else
			printf(", valid %u days%s%s", t->valid_days,
			    t->valid_from ? " from " : " from the draw",
			    t->valid_from ? cli_time(t->valid_from, from) : "");
	}
	printf("\n");
}

/* Prints the window of a campaign. */
static void
campaign_print_window(const struct campaign *c)
{
	char a[40], b[40], la[48], lb[48];

	printf("time_zone: %s (%zu local days, claim window included)\n", c->tz,
	    c->ndays);
	campaign_local(c->tz, c->start, la);
	campaign_local(c->tz, c->end, lb);
	printf("start: %s%s%s%s\n", cli_time(c->start, a), *la ? " (" : "", la,
	    *la ? ")" : "");
	printf("end: %s%s%s%s\n", cli_time(c->end, b), *lb ? " (" : "", lb,
	    *lb ? ")" : "");
}

/* Prints the rules of a parsed campaign. */
static void
campaign_print_rules(const struct campaign *c)
{
	printf("campaign: %s\nname: %s\n", c->id, c->name);
	campaign_print_window(c);
	printf("scope:");
	for (size_t i = 0; i < c->nbatches; i++)
		printf(" batch %u", c->batches[i]);
	for (size_t i = 0; i < c->nproducts; i++)
		printf(" product %s", c->products[i]);
	printf("\ndraw_on: %s\n", c->draw_on == CAMPAIGN_DRAW_INNER ? "inner" :
	    c->draw_on == CAMPAIGN_DRAW_OUTER ? "outer" :
	    "auto (inner when the batch has draw codes)");
	printf("claim: within %u days, at ", c->claim_days);
	if (c->all_shops)
		printf("any store\n");
	else {
		for (size_t i = 0; i < c->nshops; i++)
			printf("%s%s", i ? ", " : "", c->shops[i]);
		printf("\n");
	}
	printf("limits: draws per visitor per day %s%.0u, per IP prefix per "
	    "hour %s%.0u, wins per visitor %s%.0u\n",
	    c->lim_visitor_day ? "" : "-", c->lim_visitor_day,
	    c->lim_ip_hour ? "" : "-", c->lim_ip_hour,
	    c->lim_visitor_wins ? "" : "-", c->lim_visitor_wins);
}

/* Warns about scope batches that are missing or lack draw codes. */
static int
campaign_warn_scope(const char *cmd, struct store_txn *t,
    const struct campaign *c)
{
	struct store_batch b;
	int ret;

	for (size_t i = 0; i < c->nbatches; i++) {
		ret = store_batch_get_txn(t, c->batches[i], &b);
		if (ret == -ENOENT) {
			fprintf(stderr, "scanloop %s: warning: scope.batches[%zu]: "
			    "batch %u does not exist (yet)\n", cmd, i,
			    c->batches[i]);
			continue;
		}
		if (ret < 0)
			return ret;
		if (c->draw_on == CAMPAIGN_DRAW_INNER &&
		    !(b.flags & STORE_BATCH_F_DRAW_CODES))
			fprintf(stderr, "scanloop %s: warning: draw_on is inner, "
			    "but batch %u has no draw codes: its codes cannot "
			    "draw\n", cmd, b.id);
	}
	return 0;
}

/* campaign load FILE [--start WHEN]. */
static int
campaign_load(const char *cmd, const char *path, const char *start)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	struct store_campaign hdr, old, oh;
	struct store *st = NULL;
	struct store_txn t;
	char *text = NULL, hex[65], a[40], b[40], why[256];
	size_t len;
	int64_t now = clock_now_us(), when = 0;
	int ret, rc = EXIT_REJECTED;
	bool open_txn = false;

	if (start != NULL && strcmp(start, "now") != 0 &&
	    campaign_parse_time(start, &when) < 0)
		return cli_usage(cmd, "--start takes 'now' or an ISO 8601 time "
		    "with an offset");
	if ((ret = fsutil_read_file(path, CAMPAIGN_FILE_MAX, &text, &len)) < 0)
		return cli_reject(cmd, "cannot read %s: %s", path,
		    ret == -EFBIG ? "file too large" : strerror(-ret));
	if (start != NULL) {
		char *moved;
		const char *why2;

		if ((ret = campaign_shift(text, len, strcmp(start, "now") == 0 ?
		    now : when, &moved, &why2)) == -ENOMEM)
			fatalx("out of memory");
		if (ret < 0) {
			cli_reject(cmd, "%s: %s", path, why2);
			goto out;
		}
		free(text);
		text = moved;
		len = strlen(text);
	}
	ret = campaign_parse(text, len, true, &c, &errs);
	if (ret == -ENOMEM)
		fatalx("out of memory");
	if (ret < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "scanloop %s: %s: %s\n", cmd, path,
			    errs.msgs[i]);
		fprintf(stderr, "scanloop %s: %s: %zu problem%s; nothing was "
		    "loaded\n", cmd, path, errs.n, errs.n == 1 ? "" : "s");
		goto out;
	}
	if ((rc = cli_store_open(cmd, 0, &st)) != 0)
		goto out;
	rc = EXIT_REJECTED;
	if ((ret = store_txn_begin(st, false, &t)) < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	open_txn = true;
	if ((ret = store_campaign_get_txn(&t, c->id, &old)) == 0) {
		cli_reject(cmd, "%s: campaign %s exists (loaded %s); a loaded "
		    "campaign never changes: give the new one another id", path,
		    c->id, cli_time(old.loaded, a));
		goto out;
	} else if (ret != -ENOENT) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if ((ret = campaign_overlap_txn(&t, c, &oh, why, sizeof(why))) < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if (ret > 0) {
		cli_reject(cmd, "%s: scope overlaps campaign %s (%s to %s, %s): "
		    "%s; nothing was loaded", path, oh.id, cli_time(oh.start, a),
		    cli_time(oh.end, b), campaign_state(&oh, now), why);
		goto out;
	}
	if ((ret = campaign_warn_scope(cmd, &t, c)) < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "%s", c->id);
	hdr.state = STORE_CAMPAIGN_ACTIVE;
	hdr.loaded = now;
	hdr.changed = now;
	hdr.start = c->start;
	hdr.end = c->end;
	randombytes_buf(hdr.seed, sizeof(hdr.seed));
	crypto_generichash(hdr.commitment, sizeof(hdr.commitment), hdr.seed,
	    sizeof(hdr.seed), NULL, 0);
	ret = store_campaign_add_txn(&t, &hdr, c->config, c->config_len);
	sodium_memzero(hdr.seed, sizeof(hdr.seed));
	if (ret == 0)
		ret = store_txn_commit(&t);
	else
		store_txn_abort(&t);
	open_txn = false;
	if (ret < 0) {
		cli_reject(cmd, "cannot store campaign %s: %s", c->id,
		    store_strerror(ret));
		goto out;
	}
	printf("loaded campaign %s\n", c->id);
	campaign_print_rules(c);
	printf("tiers:\n");
	for (size_t i = 0; i < c->ntiers; i++)
		campaign_print_tier(&c->tiers[i], i);
	sodium_bin2hex(hex, sizeof(hex), hdr.commitment, 32);
	printf("commitment: %s\n", hex);
	printf("Publish this commitment (BLAKE2b-256 of the secret seed) with "
	    "the campaign file before the campaign starts; after it ends,\n"
	    "'scanloop campaign reveal %s' prints the seed and anyone can "
	    "audit every draw.\n", c->id);
	rc = 0;
out:
	if (open_txn)
		store_txn_abort(&t);
	campaign_errors_free(&errs);
	campaign_unref(c, __func__);
	free(text);
	store_close(st);
	return rc;
}

struct campaign_list {
	struct store_txn *t;
	int64_t now;
};

/* Prints one campaign row. */
static int
campaign_list_cb(const struct store_campaign *h, void *arg)
{
	struct campaign_list *l = arg;
	char a[40], b[40];

	printf("%-24s %-9s %-23s %-23s %-8" PRIu64 " %" PRIu64 "\n", h->id,
	    campaign_state(h, l->now), cli_time(h->start, a),
	    cli_time(h->end, b), campaign_sum(l->t, h->id, STORE_SUM_DRAWS),
	    campaign_sum(l->t, h->id, STORE_SUM_WINS));
	return 0;
}

/* Prints one campaign in full. */
static int
campaign_show_txn(struct store_txn *t, const struct campaign *c, int64_t now)
{
	const struct store_campaign *h = &c->hdr;
	int day = campaign_day(c, now);
	char hex[65], when[40];

	campaign_print_rules(c);
	printf("state: %s (%s)\n", campaign_state(h, now),
	    h->state == STORE_CAMPAIGN_ACTIVE ? "active" :
	    h->state == STORE_CAMPAIGN_PAUSED ? "paused" : "ended");
	printf("loaded: %s\n", cli_time(h->loaded, when));
	printf("changed: %s\n", cli_time(h->changed, when));
	sodium_bin2hex(hex, sizeof(hex), h->commitment, 32);
	printf("commitment: %s\n", hex);
	if (h->revealed != 0)
		printf("seed: revealed %s\n", cli_time(h->revealed, when));
	else
		printf("seed: secret (not revealed)\n");
	if (day >= 0)
		printf("today: local day %d\n", day);
	else
		printf("today: outside the campaign's days\n");
	printf("tiers:\n");
	for (size_t i = 0; i < c->ntiers; i++) {
		const struct campaign_tier *tier = &c->tiers[i];
		uint8_t subject[16] = { 0 };
		uint64_t awarded = 0, today = 0;
		int ret;

		subject[0] = (uint8_t)i;
		if ((ret = store_counter_get_txn(t, c->id, STORE_COUNT_STOCK,
		    subject, 0, &awarded)) < 0)
			return ret;
		if (day >= 0 && (ret = store_counter_get_txn(t, c->id,
		    STORE_COUNT_STOCK, subject, (uint32_t)day + 1, &today)) < 0)
			return ret;
		campaign_print_tier(tier, i);
		printf("      awarded %" PRIu64 ", left %" PRIu64 ", today %"
		    PRIu64, awarded, awarded < tier->total ? tier->total -
		    awarded : 0, today);
		if (tier->daily_cap != 0)
			printf(" of %" PRIu64, tier->daily_cap);
		printf("\n");
	}
	printf("draws: %" PRIu64 "\n", campaign_sum(t, c->id, STORE_SUM_DRAWS));
	printf("wins: %" PRIu64 "\n", campaign_sum(t, c->id, STORE_SUM_WINS));
	printf("tickets: %" PRIu64 "\n", campaign_sum(t, c->id,
	    STORE_SUM_TICKETS));
	printf("refused: %" PRIu64 "\n", campaign_sum(t, c->id,
	    STORE_SUM_REFUSED));
	printf("claims: %" PRIu64 "\n", campaign_sum(t, c->id, STORE_SUM_CLAIMS));
	printf("redeemed: %" PRIu64 "\n", campaign_sum(t, c->id,
	    STORE_SUM_REDEEMED));
	printf("points: %" PRIu64 "\n", campaign_sum(t, c->id, STORE_SUM_POINTS));
	if (c->checkin.streak_reward.prize != 0)
		printf("grants: %" PRIu64 " (streak prizes; %" PRIu64 " more "
		    "found none in stock)\n", campaign_sum(t, c->id,
		    STORE_SUM_GRANTS), campaign_sum(t, c->id,
		    STORE_SUM_GRANTS_MISSED));
	printf("log: %" PRIu64 " entries\n", h->draws);
	return 0;
}

/* campaign list and show. */
static int
campaign_read(const char *cmd, const char *sub, const char *id)
{
	struct campaign_list l;
	struct campaign *c = NULL;
	struct store *st = NULL;
	struct store_txn t;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, STORE_RDONLY, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	l.t = &t;
	l.now = clock_now_us();
	if (strcmp(sub, "list") == 0) {
		printf("%-24s %-9s %-23s %-23s %-8s %s\n", "id", "state",
		    "start", "end", "draws", "wins");
		ret = store_campaign_foreach_txn(&t, campaign_list_cb, &l);
	} else if ((ret = campaign_load_txn(&t, id, &c, NULL, 0)) == 0)
		ret = campaign_show_txn(&t, c, l.now);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		cli_reject(cmd, "no campaign %s", id);
	else if (ret < 0)
		cli_reject(cmd, "%s", store_strerror(ret));
	else
		rc = 0;
	campaign_unref(c, __func__);
	store_close(st);
	return rc;
}

/* campaign pause, resume, end and reveal: header changes. */
static int
campaign_change(const char *cmd, const char *sub, const char *id, bool force)
{
	struct store_campaign h;
	struct store *st = NULL;
	struct store_txn t;
	int64_t now = clock_now_us();
	bool ended, bump = true;
	char when[40], hex[65], seed[65];
	const char *msg = NULL;
	int ret, rc;

	if ((rc = cli_store_begin(cmd, 0, &st, &t)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	if ((ret = store_campaign_get_txn(&t, id, &h)) < 0) {
		store_txn_abort(&t);
		if (ret == -ENOENT)
			cli_reject(cmd, "no campaign %s", id);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	ended = h.state == STORE_CAMPAIGN_ENDED || now >= h.end;
	if (strcmp(sub, "pause") == 0 || strcmp(sub, "resume") == 0) {
		int want = sub[0] == 'p' ? STORE_CAMPAIGN_PAUSED :
		    STORE_CAMPAIGN_ACTIVE;

		if (ended) {
			store_txn_abort(&t);
			cli_reject(cmd, "campaign %s has ended (%s); it cannot "
			    "%s", id, h.state == STORE_CAMPAIGN_ENDED ?
			    "campaign end" : "its end time passed", sub);
			goto out;
		}
		if (h.state == want) {
			store_txn_abort(&t);
			printf("campaign %s is already %s\n", id, want ==
			    STORE_CAMPAIGN_PAUSED ? "paused" : "active");
			rc = 0;
			goto out;
		}
		h.state = (uint8_t)want;
		msg = want == STORE_CAMPAIGN_PAUSED ? "paused: no draws until "
		    "'campaign resume'" : "resumed";
	} else if (strcmp(sub, "end") == 0) {
		if (h.state == STORE_CAMPAIGN_ENDED) {
			store_txn_abort(&t);
			printf("campaign %s has already ended\n", id);
			rc = 0;
			goto out;
		}
		h.state = STORE_CAMPAIGN_ENDED;
		msg = "ended for good: no more draws; open claims stay "
		    "redeemable until they expire";
	} else {			/* reveal */
		if (!ended && !force) {
			store_txn_abort(&t);
			cli_reject(cmd, "campaign %s has not ended (it ends %s); "
			    "the seed would let anyone predict its draws "
			    "(--force reveals it anyway)", id,
			    cli_time(h.end, when));
			goto out;
		}
		if (h.revealed == 0)
			h.revealed = now;
		bump = false;
	}
	if (strcmp(sub, "reveal") != 0)
		h.changed = now;
	if ((ret = store_campaign_put_txn(&t, &h, bump)) < 0) {
		store_txn_abort(&t);
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if ((ret = store_txn_commit(&t)) < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if (msg != NULL)
		printf("campaign %s %s\n", id, msg);
	else {
		sodium_bin2hex(seed, sizeof(seed), h.seed, 32);
		sodium_bin2hex(hex, sizeof(hex), h.commitment, 32);
		printf("campaign: %s\nseed: %s\ncommitment: %s\n", id, seed, hex);
		if (!ended)
			fprintf(stderr, "scanloop %s: warning: campaign %s is "
			    "still running; its remaining draws are now "
			    "predictable\n", cmd, id);
		sodium_memzero(seed, sizeof(seed));
	}
	rc = 0;
out:
	sodium_memzero(h.seed, sizeof(h.seed));
	store_close(st);
	return rc;
}

/* Prints a passed audit. */
static void
campaign_audit_print(const struct audit_report *rep)
{
	const struct campaign *c = rep->c;
	const struct audit_summary *s = &rep->sum;
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), rep->commitment, 32);
	printf("campaign: %s\n", c->id);
	printf("commitment: %s (matches the seed)\n", hex);
	if (rep->days_checked == 1)
		printf("day_starts: local midnights of %s\n", c->tz);
	else
		printf("day_starts: not checked (time zone %s not installed)\n",
		    c->tz);
	printf("draws: %" PRIu64 " (online %" PRIu64 ", ticket openings %"
	    PRIu64 ", refused %" PRIu64, s->entries, s->online, s->openings,
	    s->refused);
	if (s->grants + s->grant_misses != 0)
		printf(", grants %" PRIu64, s->grants + s->grant_misses);
	printf(")\n");
	printf("tickets: %" PRIu64 "\n", s->tickets);
	if (c->checkin.streak_reward.prize != 0)
		printf("grants: %" PRIu64 " (streak prizes; %" PRIu64 " more "
		    "found none in stock)\n", s->grants, s->grant_misses);
	printf("misses: %" PRIu64 " (%" PRIu64 " of them because a tier was "
	    "out of stock)\n", s->misses, s->capped);
	for (size_t i = 0; i < c->ntiers; i++) {
		printf("wins %s: %" PRIu64 " of %" PRIu64, c->tiers[i].id,
		    s->wins[i], c->tiers[i].total);
		if (c->tiers[i].daily_cap != 0)
			printf(" (at most %" PRIu64 " a day)",
			    c->tiers[i].daily_cap);
		printf("\n");
	}
	printf("points: %" PRIu64 "\n", s->points);
	printf("audit: passed\n");
}

/* campaign audit ID --seed HEX [--log FILE]. */
static int
campaign_audit(const char *cmd, const char *id, const char *seedhex,
    const char *log)
{
	struct audit_report rep;
	struct store *st = NULL;
	struct store_txn t;
	uint8_t seed[32];
	size_t n = 0;
	FILE *f = NULL;
	int ret, rc = EXIT_REJECTED;

	memset(&rep, 0, sizeof(rep));
	if (strlen(seedhex) != 64 || sodium_hex2bin(seed, sizeof(seed), seedhex,
	    64, NULL, &n, NULL) != 0 || n != 32)
		return cli_usage(cmd, "--seed must be 64 hex digits");
	if (log != NULL) {
		f = strcmp(log, "-") == 0 ? stdin : fopen(log, "r");
		if (f == NULL)
			return cli_reject(cmd, "cannot read %s: %s", log,
			    strerror(errno));
		ret = audit_run_jsonl(f, id, seed, &rep);
		if (f != stdin)
			fclose(f);
		if (ret == -ENOENT) {
			cli_reject(cmd, "%s holds no campaign %s", log, id);
			goto out;
		}
	} else {
		if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
			goto out;
		rc = EXIT_REJECTED;
		if ((ret = store_txn_begin(st, true, &t)) < 0) {
			cli_reject(cmd, "%s", store_strerror(ret));
			goto out;
		}
		ret = audit_run_store(&t, id, seed, &rep);
		store_txn_abort(&t);
		if (ret == -ENOENT) {
			cli_reject(cmd, "no campaign %s", id);
			goto out;
		}
	}
	if (ret < 0) {
		cli_reject(cmd, "%s", store_strerror(ret));
		goto out;
	}
	if (!rep.passed) {
		printf("audit: FAILED\n");
		cli_reject(cmd, "%s: FAILED: %s", id, rep.error);
		goto out;
	}
	campaign_audit_print(&rep);
	rc = 0;
out:
	sodium_memzero(seed, sizeof(seed));
	audit_report_free(&rep);
	store_close(st);
	return rc;
}

/* Runs the campaign command. */
int
cmd_campaign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ "start", required_argument, NULL, 'S' },
		{ "pg", required_argument, NULL, 'P' },
		{ "node", required_argument, NULL, 'N' },
		{ "return", no_argument, NULL, 'R' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "load", "list", "show", "pause",
	    "resume", "end", "reveal", "audit", "reconcile", NULL };
	const char *sub, *seed = NULL, *log = NULL, *arg, *start = NULL;
	const char *pg = NULL;
	bool force = false, give_back = false;
	uint64_t node = 0;
	char cmd[CLI_CMD_MAX];
	int ch, rc;

	if ((sub = cli_subcommand("campaign", campaign_help, "subcommand", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, campaign_help, argc, argv,
	    ":s:l:fS:P:N:RD:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 's':
			seed = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'S':
			start = optarg;
			break;
		case 'P':
			pg = optarg;
			break;
		case 'N':
			if ((rc = cli_node_arg(cmd, optarg, &node)) != 0)
				return rc;
			break;
		case 'R':
			give_back = true;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if ((rc = cli_operand(cmd, strcmp(sub, "list") == 0 ? NULL :
	    strcmp(sub, "load") == 0 ? "a campaign FILE" : "a campaign ID",
	    argc, argv, &arg)) != 0)
		return rc;
	if ((seed != NULL || log != NULL) && strcmp(sub, "audit") != 0)
		return cli_usage(cmd, "--seed and --log belong to 'campaign "
		    "audit'");
	if (force && strcmp(sub, "reveal") != 0)
		return cli_usage(cmd, "--force belongs to 'campaign reveal'");
	if (strcmp(sub, "audit") == 0 && seed == NULL)
		return cli_usage(cmd, "--seed HEX is required (the seed printed "
		    "by 'campaign reveal')");
	if (start != NULL && strcmp(sub, "load") != 0)
		return cli_usage(cmd, "--start belongs to 'campaign load'");
	if ((pg != NULL || node != 0 || give_back) &&
	    strcmp(sub, "reconcile") != 0)
		return cli_usage(cmd, "--pg, --node and --return belong to "
		    "'campaign reconcile'");
	if (strcmp(sub, "reconcile") == 0) {
		if (pg == NULL)
			return cli_usage(cmd, "--pg CONNINFO is required");
		if (give_back && node == 0)
			return cli_usage(cmd, "--return wants --node N");
		return cli_campaign_reconcile(cmd, arg, pg, (int64_t)node,
		    give_back);
	}
	if (strcmp(sub, "load") == 0)
		return campaign_load(cmd, arg, start);
	if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0)
		return campaign_read(cmd, sub, arg);
	if (strcmp(sub, "audit") == 0)
		return campaign_audit(cmd, arg, seed, log);
	return campaign_change(cmd, sub, arg, force);
}
