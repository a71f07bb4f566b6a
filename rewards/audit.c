/* audit.c — replaying a draw log against the revealed seed. */
#include "rewards/audit.h"
#include "rewards/draw.h"
#include "rewards/drawlog.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "common/tz.h"

#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the replay remembers of a code. */
struct audit_code {
	uint8_t serial[STORE_SERIAL_BYTES];
	uint8_t used;
	uint8_t ticket;			/* 0 none, 1 issued, 2 opened */
	uint64_t seq;			/* its online draw */
	uint64_t opened;		/* the opening of its ticket */
	uint64_t granted;		/* its grant (a streak's prize) */
};

struct audit {
	const struct campaign *c;
	uint8_t seed[32];
	uint64_t next;			/* the sequence number expected */
	uint64_t *total;		/* per tier */
	uint64_t *daily;		/* per tier and local day */
	struct audit_code *codes;	/* open addressing, power of two */
	size_t ncodes, capcodes;
	struct audit_summary sum;
	bool failed;
	char msg[AUDIT_MSG_MAX];
};

/* Compares BLAKE2b-256(seed) with the commitment. */
bool
audit_commitment_ok(const uint8_t seed[32], const uint8_t commitment[32])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), seed, 32, NULL, 0);
	return sodium_memcmp(h, commitment, sizeof(h)) == 0;
}

/* Starts a replay. */
int
audit_new(const struct campaign *c, const uint8_t seed[32], struct audit **out)
{
	struct audit *a;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	a->c = c;
	memcpy(a->seed, seed, 32);
	a->next = 1;
	a->total = calloc(c->ntiers ? c->ntiers : 1, sizeof(*a->total));
	a->daily = calloc((c->ntiers ? c->ntiers : 1) * (c->ndays + 1),
	    sizeof(*a->daily));
	a->capcodes = 1024;
	a->codes = calloc(a->capcodes, sizeof(*a->codes));
	if (a->total == NULL || a->daily == NULL || a->codes == NULL) {
		audit_free(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

/* Frees a replay. */
void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a->seed, sizeof(a->seed));
	free(a->total);
	free(a->daily);
	free(a->codes);
	free(a);
}

/* Records the first failure. */
void
audit_fail(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	if (a->failed)
		return;
	a->failed = true;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
}

/* The first failure. */
const char *
audit_error(const struct audit *a)
{
	return a->failed ? a->msg : NULL;
}

/* The counts. */
const struct audit_summary *
audit_summary_get(const struct audit *a)
{
	return &a->sum;
}

/* FNV-1a over a serial, for the code table. */
static size_t
audit_hash(const uint8_t serial[STORE_SERIAL_BYTES])
{
	uint64_t h = 1469598103934665603ULL;

	for (int i = 0; i < STORE_SERIAL_BYTES; i++)
		h = (h ^ serial[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

/* Finds a code's slot (used or the free one where it would go). */
static struct audit_code *
audit_slot(struct audit_code *tab, size_t cap,
    const uint8_t serial[STORE_SERIAL_BYTES])
{
	size_t i = audit_hash(serial) & (cap - 1);

	while (tab[i].used && memcmp(tab[i].serial, serial,
	    STORE_SERIAL_BYTES) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Finds a code, or NULL. */
static struct audit_code *
audit_code_find(struct audit *a, const uint8_t serial[STORE_SERIAL_BYTES])
{
	struct audit_code *e = audit_slot(a->codes, a->capcodes, serial);

	return e->used ? e : NULL;
}

/* Finds or adds a code (NULL when out of memory). */
static struct audit_code *
audit_code_add(struct audit *a, const uint8_t serial[STORE_SERIAL_BYTES])
{
	struct audit_code *e;

	if ((a->ncodes + 1) * 2 > a->capcodes) {
		size_t cap = a->capcodes * 2;
		struct audit_code *tab = calloc(cap, sizeof(*tab));

		if (tab == NULL)
			return NULL;
		for (size_t i = 0; i < a->capcodes; i++)
			if (a->codes[i].used)
				*audit_slot(tab, cap, a->codes[i].serial) =
				    a->codes[i];
		free(a->codes);
		a->codes = tab;
		a->capcodes = cap;
	}
	e = audit_slot(a->codes, a->capcodes, serial);
	if (!e->used) {
		memset(e, 0, sizeof(*e));
		memcpy(e->serial, serial, STORE_SERIAL_BYTES);
		e->used = 1;
		a->ncodes++;
	}
	return e;
}

/* Whether tier i has stock on day in the replay; why says if not. */
static bool
audit_in_stock(struct audit *a, size_t i, int day, char *why, size_t n)
{
	const struct campaign_tier *t = &a->c->tiers[i];

	if (a->total[i] >= t->total) {
		snprintf(why, n, "its total of %" PRIu64 " was used up",
		    t->total);
		return false;
	}
	if (t->daily_cap != 0) {
		if (day < 0) {
			snprintf(why, n, "it has a daily cap and the draw is "
			    "outside the campaign's days");
			return false;
		}
		if (a->daily[i * (a->c->ndays + 1) + (size_t)day] >=
		    t->daily_cap) {
			snprintf(why, n, "its daily cap of %" PRIu64 " for day "
			    "%d was reached", t->daily_cap, day);
			return false;
		}
	}
	return true;
}

/* Takes one unit of tier i's stock, checking the caps once more. */
static int
audit_take(struct audit *a, const struct store_draw *d, size_t i, int day)
{
	const struct campaign_tier *t = &a->c->tiers[i];

	a->total[i]++;
	if (day >= 0)
		a->daily[i * (a->c->ndays + 1) + (size_t)day]++;
	if (a->total[i] > t->total || (t->daily_cap != 0 && day >= 0 &&
	    a->daily[i * (a->c->ndays + 1) + (size_t)day] > t->daily_cap)) {
		audit_fail(a, "seq %" PRIu64 ": tier '%s' exceeds its caps",
		    d->seq, t->id);
		return -EINVAL;
	}
	a->sum.wins[i]++;
	return 0;
}

/* Checks the fields every entry of a kind shares: day and points. */
static int
audit_common(struct audit *a, const struct store_draw *d, int day, int tier)
{
	const struct campaign *c = a->c;
	uint32_t want = day < 0 ? 0 : (uint32_t)day;
	uint32_t points = 0;

	if (d->day != want) {
		char when[CLOCK_ISO8601_US_LEN];

		clock_format_iso8601_us(d->time, when);
		audit_fail(a, "seq %" PRIu64 ": day: expected %u for time %s, "
		    "found %u", d->seq, want, when, d->day);
		return -EINVAL;
	}
	if (tier >= 0 && c->tiers[tier].kind == CAMPAIGN_POINTS)
		points = (uint32_t)c->tiers[tier].points;
	if (d->points != points) {
		audit_fail(a, "seq %" PRIu64 ": points: expected %u, found %u",
		    d->seq, points, d->points);
		return -EINVAL;
	}
	a->sum.points += points;
	return 0;
}

/* An opening's tier, the guaranteed tiers at their odds of the moment
 * under the replayed stock (draw_daily.c). */
static int
audit_pick_opening(const struct audit *a, const struct store_draw *d, int day,
    uint32_t u)
{
	uint32_t odds[CAMPAIGN_TIERS_MAX] = { 0 };
	const struct campaign *c = a->c;

	for (size_t i = 0; day >= 0 && i < c->ntiers; i++)
		if (c->tiers[i].guarantee != 0)
			odds[i] = draw_guarantee_odds(c, i, d->time, day,
			    a->daily[i * (c->ndays + 1) + (size_t)day],
			    a->total[i] < c->tiers[i].total);
	return draw_pick_opening(c, u, odds);
}

/* Checks an online or opening draw's random number and picks its tier. */
static int
audit_pick(struct audit *a, const struct store_draw *d, int reveal, int day,
    int *tier, char *why, size_t n)
{
	uint64_t rnd = draw_random(a->seed, a->c->id, d->serial, d->seq,
	    d->kind);
	uint32_t u;

	why[0] = '\0';
	if (rnd != d->rnd) {
		audit_fail(a, "seq %" PRIu64 ": rnd: expected %016" PRIx64
		    ", found %016" PRIx64 " (a changed serial, sequence number "
		    "or kind, or another seed)", d->seq, rnd, d->rnd);
		return -EINVAL;
	}
	u = draw_uniform(rnd);
	*tier = reveal == CAMPAIGN_AT_STORE ? audit_pick_opening(a, d, day, u) :
	    draw_pick(a->c, reveal, u);
	if (*tier >= 0) {
		char cap[160];

		if (!audit_in_stock(a, (size_t)*tier, day, cap, sizeof(cap))) {
			snprintf(why, n, " (u = %u picks tier '%s', but %s)", u,
			    a->c->tiers[*tier].id, cap);
			a->sum.capped++;
			*tier = -1;
		} else
			snprintf(why, n, " (u = %u)", u);
	} else
		snprintf(why, n, " (u = %u picks no tier)", u);
	return 0;
}

/*
 * A draw of nodes sharing a PostgreSQL ledger (serve --pg) may miss a tier
 * that the node's own log still had stock of: its reason says so, and the
 * replay takes it as capped. The ledger's figures across the nodes
 * (campaign reconcile) are what shows that no stock went unawarded
 * beyond it. Only a pick that the replay would award may carry it.
 */
static int
audit_ledger(struct audit *a, const struct store_draw *d, int *tier,
    char *why, size_t n)
{
	if (d->reason != DRAW_MISS_LEDGER)
		return 0;
	if (*tier < 0) {
		audit_fail(a, "seq %" PRIu64 ": reason: 'ledger_empty', but "
		    "the draw picks no tier in stock%s", d->seq, why);
		return -EINVAL;
	}
	snprintf(why, n, " (tier '%s' in stock here, none left in the "
	    "shared ledger)", a->c->tiers[*tier].id);
	*tier = -1;
	a->sum.capped++;
	return 0;
}

/* Checks the window of an online draw or a refusal. */
static int
audit_window(struct audit *a, const struct store_draw *d)
{
	char when[CLOCK_ISO8601_US_LEN];

	if (d->time >= a->c->start && d->time < a->c->end)
		return 0;
	clock_format_iso8601_us(d->time, when);
	audit_fail(a, "seq %" PRIu64 ": time %s is outside the campaign's "
	    "window", d->seq, when);
	return -EINVAL;
}

/* Replays an online draw. */
static int
audit_online(struct audit *a, const struct store_draw *d, int day)
{
	const struct campaign *c = a->c;
	struct audit_code *e;
	unsigned want;
	bool claim;
	char why[256], sn[CODE_SERIAL_CHARS + 1];
	int tier;

	code_serial_text(d->serial, sn);
	if (audit_window(a, d) < 0)
		return -EINVAL;
	if ((e = audit_code_find(a, d->serial)) != NULL && e->seq != 0) {
		audit_fail(a, "seq %" PRIu64 ": serial %s drew online before, "
		    "at seq %" PRIu64 " (a code draws once)", d->seq, sn,
		    e->seq);
		return -EINVAL;
	}
	if (audit_pick(a, d, CAMPAIGN_ONLINE, day, &tier, why,
	    sizeof(why)) < 0 || audit_ledger(a, d, &tier, why, sizeof(why)) < 0)
		return -EINVAL;
	want = tier >= 0 ? (unsigned)tier + 1 : c->has_at_store ?
	    STORE_OUTCOME_TICKET : STORE_OUTCOME_MISS;
	if (d->outcome != want) {
		audit_fail(a, "seq %" PRIu64 ": outcome of serial %s: expected "
		    "'%s'%s, found '%s'", d->seq, sn, drawlog_outcome_name(c, want),
		    why, drawlog_outcome_name(c, d->outcome));
		return -EINVAL;
	}
	if (d->reason != 0 && d->reason != DRAW_MISS_LEDGER) {
		audit_fail(a, "seq %" PRIu64 ": reason: an online draw has none",
		    d->seq);
		return -EINVAL;
	}
	claim = want == STORE_OUTCOME_TICKET ||
	    (tier >= 0 && c->tiers[tier].kind != CAMPAIGN_POINTS);
	if ((d->has_claim != 0) != claim) {
		audit_fail(a, "seq %" PRIu64 ": claim: expected %s, found %s",
		    d->seq, claim ? "a claim" : "none",
		    d->has_claim ? "a claim" : "none");
		return -EINVAL;
	}
	if (audit_common(a, d, day, tier) < 0)
		return -EINVAL;
	if (tier >= 0 && audit_take(a, d, (size_t)tier, day) < 0)
		return -EINVAL;
	if ((e = audit_code_add(a, d->serial)) == NULL) {
		audit_fail(a, "out of memory");
		return -EINVAL;
	}
	e->seq = d->seq;
	if (want == STORE_OUTCOME_TICKET) {
		e->ticket = 1;
		a->sum.tickets++;
	} else if (tier < 0)
		a->sum.misses++;
	a->sum.online++;
	return 0;
}

/* Replays the opening of a sealed ticket at a shop. */
static int
audit_open(struct audit *a, const struct store_draw *d, int day)
{
	const struct campaign *c = a->c;
	struct audit_code *e = audit_code_find(a, d->serial);
	char why[256], sn[CODE_SERIAL_CHARS + 1];
	unsigned want;
	int tier;

	code_serial_text(d->serial, sn);
	if (e == NULL || e->seq == 0 || e->seq != d->ticket_seq ||
	    d->ticket_seq >= d->seq) {
		audit_fail(a, "seq %" PRIu64 ": opens the ticket of seq %" PRIu64
		    ", which is not an earlier online draw of serial %s", d->seq,
		    d->ticket_seq, sn);
		return -EINVAL;
	}
	if (e->ticket == 0) {
		audit_fail(a, "seq %" PRIu64 ": opens a ticket, but the draw of "
		    "seq %" PRIu64 " (serial %s) issued none", d->seq, e->seq, sn);
		return -EINVAL;
	}
	if (e->ticket == 2) {
		audit_fail(a, "seq %" PRIu64 ": the ticket of seq %" PRIu64
		    " (serial %s) was opened before, at seq %" PRIu64, d->seq,
		    e->seq, sn, e->opened);
		return -EINVAL;
	}
	if (audit_pick(a, d, CAMPAIGN_AT_STORE, day, &tier, why,
	    sizeof(why)) < 0 || audit_ledger(a, d, &tier, why, sizeof(why)) < 0)
		return -EINVAL;
	want = tier >= 0 ? (unsigned)tier + 1 : STORE_OUTCOME_MISS;
	if (d->outcome != want) {
		audit_fail(a, "seq %" PRIu64 ": outcome of the ticket of serial "
		    "%s: expected '%s'%s, found '%s'", d->seq, sn,
		    drawlog_outcome_name(c, want), why,
		    drawlog_outcome_name(c, d->outcome));
		return -EINVAL;
	}
	if (!d->has_claim || (d->reason != 0 &&
	    d->reason != DRAW_MISS_LEDGER)) {
		audit_fail(a, "seq %" PRIu64 ": an opening names its claim and "
		    "has no reason", d->seq);
		return -EINVAL;
	}
	if (audit_common(a, d, day, tier) < 0)
		return -EINVAL;
	if (tier >= 0 && audit_take(a, d, (size_t)tier, day) < 0)
		return -EINVAL;
	if (tier < 0)
		a->sum.misses++;
	e->ticket = 2;
	e->opened = d->seq;
	a->sum.openings++;
	return 0;
}

/* Replays a refusal: no randomness, no stock. */
static int
audit_refused(struct audit *a, const struct store_draw *d, int day)
{
	struct audit_code *e = audit_code_find(a, d->serial);
	char sn[CODE_SERIAL_CHARS + 1];

	code_serial_text(d->serial, sn);
	if (audit_window(a, d) < 0)
		return -EINVAL;
	if (d->outcome != STORE_OUTCOME_REFUSED || d->rnd != 0 ||
	    d->has_claim || drawlog_reason_name(d->reason) == NULL ||
	    d->reason == DRAW_MISS_LEDGER) {
		audit_fail(a, "seq %" PRIu64 ": a refusal has outcome 'refused', "
		    "rnd 0, no claim and a reason", d->seq);
		return -EINVAL;
	}
	if (e != NULL && e->seq != 0) {
		audit_fail(a, "seq %" PRIu64 ": serial %s is refused after it "
		    "drew at seq %" PRIu64 " (a repeat shows the first result)",
		    d->seq, sn, e->seq);
		return -EINVAL;
	}
	if (audit_common(a, d, day, -1) < 0)
		return -EINVAL;
	a->sum.refused++;
	return 0;
}

/*
 * Replays a grant: a completed check-in streak's prize, given outright.
 * No randomness: the tier is the campaign's streak prize, awarded when
 * the replayed stock has it (total and today), else a miss whose reason
 * says why (out_of_stock, or ledger_empty where the log had stock). Its
 * serial is the check-in's (visitor, store, day), granted once; that a
 * check-in completed a streak for it is audit_run_store's check.
 */
static int
audit_grant(struct audit *a, const struct store_draw *d, int day)
{
	const struct campaign *c = a->c;
	const struct campaign_checkin *ck = &c->checkin;
	struct audit_code *e;
	char why[160], sn[CODE_SERIAL_CHARS + 1];
	int tier = ck->streak_reward.prize - 1;
	unsigned want;

	code_serial_text(d->serial, sn);
	if (audit_window(a, d) < 0)
		return -EINVAL;
	if (tier < 0) {
		audit_fail(a, "seq %" PRIu64 ": a grant, but the campaign's "
		    "check-in streak has no prize", d->seq);
		return -EINVAL;
	}
	if (d->rnd != 0 || d->ticket_seq != 0 || d->shop[0] == '\0' ||
	    !campaign_checkin_store(ck, d->shop) || (ck->streak_store[0] &&
	    strcmp(ck->streak_store, d->shop) != 0)) {
		audit_fail(a, "seq %" PRIu64 ": a grant has rnd 0, no ticket and "
		    "a store whose check-ins make the streak", d->seq);
		return -EINVAL;
	}
	if ((e = audit_code_find(a, d->serial)) != NULL && e->granted != 0) {
		audit_fail(a, "seq %" PRIu64 ": serial %s was granted before, at "
		    "seq %" PRIu64 " (a streak's prize is granted once a day)",
		    d->seq, sn, e->granted);
		return -EINVAL;
	}
	if (!audit_in_stock(a, (size_t)tier, day, why, sizeof(why)))
		tier = -1;
	if (d->reason == DRAW_MISS_LEDGER && tier >= 0) {
		snprintf(why, sizeof(why), "none left in the shared ledger");
		tier = -1;
	} else if (d->reason == DRAW_MISS_LEDGER || (d->reason != 0 &&
	    d->reason != DRAW_MISS_STOCK) || (d->reason == DRAW_MISS_STOCK) !=
	    (tier < 0)) {
		audit_fail(a, "seq %" PRIu64 ": reason of the grant to serial %s: "
		    "expected %s, found '%s'", d->seq, sn, tier < 0 ?
		    "'out_of_stock'" : "none", drawlog_reason_name(d->reason) ?
		    drawlog_reason_name(d->reason) : "none");
		return -EINVAL;
	}
	want = tier >= 0 ? (unsigned)tier + 1 : STORE_OUTCOME_MISS;
	if (d->outcome != want || (d->has_claim != 0) != (tier >= 0)) {
		audit_fail(a, "seq %" PRIu64 ": the grant to serial %s: expected "
		    "'%s'%s%s, found '%s' %s a claim", d->seq, sn,
		    drawlog_outcome_name(c, want), tier < 0 ? ": " : " with a "
		    "claim", tier < 0 ? why : "", drawlog_outcome_name(c,
		    d->outcome), d->has_claim ? "with" : "without");
		return -EINVAL;
	}
	if (audit_common(a, d, day, tier) < 0 ||
	    (tier >= 0 && audit_take(a, d, (size_t)tier, day) < 0))
		return -EINVAL;
	if ((e = audit_code_add(a, d->serial)) == NULL) {
		audit_fail(a, "out of memory");
		return -EINVAL;
	}
	e->granted = d->seq;
	if (tier >= 0)
		a->sum.grants++;
	else
		a->sum.grant_misses++;
	return 0;
}

/* Replays one entry. */
int
audit_feed(struct audit *a, const struct store_draw *d)
{
	int day;

	if (a->failed)
		return -EINVAL;
	if (d->seq != a->next) {
		audit_fail(a, "entry %" PRIu64 ": sequence: expected seq %"
		    PRIu64 ", found seq %" PRIu64 " (a draw is missing, "
		    "repeated or out of order)", a->next, a->next, d->seq);
		return -EINVAL;
	}
	a->next++;
	a->sum.entries++;
	day = campaign_day(a->c, d->time);
	switch (d->kind) {
	case STORE_DRAW_ONLINE:
		return audit_online(a, d, day);
	case STORE_DRAW_OPEN:
		return audit_open(a, d, day);
	case STORE_DRAW_REFUSED:
		return audit_refused(a, d, day);
	case STORE_DRAW_GRANT:
		return audit_grant(a, d, day);
	default:
		audit_fail(a, "seq %" PRIu64 ": kind: unknown kind %u", d->seq,
		    d->kind);
		return -EINVAL;
	}
}

/* Ends the replay. */
int
audit_finish(struct audit *a, uint64_t expected)
{
	const struct campaign *c = a->c;

	if (a->failed)
		return -EINVAL;
	if (a->next - 1 != expected) {
		audit_fail(a, "the log holds %" PRIu64 " draws, but the campaign "
		    "recorded %" PRIu64 " (draws are missing at the end, or "
		    "extra)", a->next - 1, expected);
		return -EINVAL;
	}
	/* Belt and braces: the replay never lets a tier past its caps. */
	for (size_t i = 0; i < c->ntiers; i++) {
		if (a->total[i] > c->tiers[i].total) {
			audit_fail(a, "tier '%s': %" PRIu64 " awarded, more than "
			    "its total %" PRIu64, c->tiers[i].id, a->total[i],
			    c->tiers[i].total);
			return -EINVAL;
		}
		for (size_t day = 0; c->tiers[i].daily_cap != 0 &&
		    day <= c->ndays; day++)
			if (a->daily[i * (c->ndays + 1) + day] >
			    c->tiers[i].daily_cap) {
				audit_fail(a, "tier '%s': more than its daily cap "
				    "on day %zu", c->tiers[i].id, day);
				return -EINVAL;
			}
	}
	return 0;
}

/* Resolves the time zone again and compares day_starts. */
int
audit_check_days(const struct campaign *c, char *why, size_t whylen)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *fresh = NULL;
	json_t *root;
	char *text;
	int ret;

	why[0] = '\0';
	if (!tz_known(c->tz))
		return -ENOENT;
	if ((root = json_loadb(c->config, c->config_len, 0, NULL)) == NULL)
		return -EINVAL;
	json_object_del(root, "day_starts");
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (text == NULL)
		return -ENOMEM;
	ret = campaign_parse(text, strlen(text), true, &fresh, &errs);
	free(text);
	if (ret < 0) {
		snprintf(why, whylen, "%s", errs.n > 0 ? errs.msgs[0] :
		    "cannot resolve the time zone");
		campaign_errors_free(&errs);
		return ret == -ENOMEM ? ret : 0;
	}
	ret = 1;
	if (fresh->ndays != c->ndays) {
		snprintf(why, whylen, "day_starts holds %zu days, %s gives %zu",
		    c->ndays, c->tz, fresh->ndays);
		ret = 0;
	} else
		for (size_t i = 0; i <= c->ndays; i++)
			if (fresh->day_starts[i] != c->day_starts[i]) {
				char a[CLOCK_ISO8601_US_LEN], b[CLOCK_ISO8601_US_LEN];

				clock_format_iso8601_us(c->day_starts[i], a);
				clock_format_iso8601_us(fresh->day_starts[i], b);
				snprintf(why, whylen, "day_starts[%zu] is %s, but "
				    "local midnight in %s is %s", i, a, c->tz, b);
				ret = 0;
				break;
			}
	campaign_unref(fresh, __func__);
	return ret;
}
