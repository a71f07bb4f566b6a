/* cmd_export.c — scanloop export draws | claims: the logs, as CSV or JSONL. */
#include "tools/cli.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/xmalloc.h"
#include "rewards/drawlog.h"
#include "rewards/campaign.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Draws read per read transaction, so that a long export never pins old
 * pages of a busy store for long (the log is append-only, so chunks read
 * one after another still form one consistent log up to its count). */
#define EXPORT_CHUNK 10000

static const char export_help[] =
"NAME\n"
"     scanloop export — write the draw and claim logs\n"
"\n"
"SYNOPSIS\n"
"     scanloop export draws [--campaign ID] [--format csv|jsonl]\n"
"                           [--out FILE] [--db DIR]\n"
"     scanloop export claims [--campaign ID] [--format csv|jsonl]\n"
"                            [--out FILE] [--db DIR]\n"
"\n"
"DESCRIPTION\n"
"     draws writes every entry of the campaigns' draw logs, in sequence\n"
"     order: campaign, seq, time (ISO 8601 UTC, microseconds), day (the\n"
"     campaign's local day index) and date (that local date), kind\n"
"     (online, open: a sealed ticket opened at a store, refused), serial,\n"
"     outcome (a tier id, miss, ticket, refused), tier (its index), rnd\n"
"     (the draw's random number, 16 hex digits), reason (of a refusal),\n"
"     claim (the claim's public id, never its token), ticket_seq (the\n"
"     draw that issued an opened ticket), shop, points, event_id.\n"
"\n"
"     In JSONL each campaign's draws follow a header object: {\"type\":\n"
"     \"campaign\", \"campaign\", \"commitment\", \"draws\", \"config\"},\n"
"     so that the file alone suffices for 'scanloop campaign audit ID\n"
"     --seed HEX --log FILE' and docs/audit_draws.py.\n"
"\n"
"     claims writes every claim: id, campaign, tier (a tier id; ticket:\n"
"     a sealed ticket not yet opened; miss: opened without a prize),\n"
"     ticket (1 for sealed tickets), state (open, redeemed, expired),\n"
"     serial, draw_seq, open_seq, created, expires, redeemed, shop.\n"
"\n"
"     CSV follows RFC 4180 (a header line, CRLF line ends, quotes where\n"
"     needed). The output goes to stdout, or with --out to FILE,\n"
"     atomically: a temporary file, fsync, rename.\n"
"\n"
"OPTIONS\n"
"     -c, --campaign ID    only this campaign\n"
"     -f, --format F       csv (default) or jsonl\n"
"     -o, --out FILE       write FILE instead of stdout\n"
"     -D, --db DIR         the store (default ./var/scanloop)\n"
"     -h, --help           this text\n"
"\n"
"EXIT STATUS\n"
"     0 on success, 1 when rejected (no such campaign, cannot write),\n"
"     2 on a usage error.\n";

struct export_campaign {
	struct campaign *c;		/* with its header */
	int64_t day0;
	bool has_day0;
};

struct export {
	const char *cmd;
	FILE *f;
	bool jsonl;
	struct export_campaign *list;
	size_t n;
	/* draws in progress */
	struct export_campaign *cur;
	uint64_t next, last, in_chunk;
	int64_t now;
};

/* Writes one CSV field (RFC 4180) and its separator. */
static void
export_csv(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		fputc('"', f);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else
		fputs(s, f);
	fputs(last ? "\r\n" : ",", f);
}

/* Writes a CSV field from a number. */
static void
export_csv_u64(FILE *f, uint64_t v, bool last)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	export_csv(f, buf, last);
}

/* Writes a JSON value on its own line. */
static void
export_jsonl(FILE *f, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s == NULL)
		fatalx("out of memory");
	fputs(s, f);
	fputc('\n', f);
	free(s);
	json_decref(o);
}

/* Finds a campaign's entry (for claims). */
static const struct campaign *
export_find(const struct export *x, const char *id)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->list[i].c->id, id) == 0)
			return x->list[i].c;
	return NULL;
}

/* Writes one draw. */
static int
export_draw_cb(const struct store_draw *d, void *arg)
{
	struct export *x = arg;
	const struct campaign *c = x->cur->c;
	char date[DRAWLOG_DATE_LEN] = "", when[CLOCK_ISO8601_US_LEN], rnd[17];
	char sn[CODE_SERIAL_CHARS + 1], claim[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1];
	const char *reason;
	bool tier;

	if (d->seq > x->last || x->in_chunk == EXPORT_CHUNK)
		return 1;
	x->in_chunk++;
	x->next = d->seq + 1;
	if (x->cur->has_day0)
		drawlog_date_text(x->cur->day0, d->day, date);
	if (x->jsonl) {
		export_jsonl(x->f, drawlog_draw_json(c, d, date[0] ? date : NULL));
		return 0;
	}
	clock_format_iso8601_us(d->time, when);
	code_serial_text(d->serial, sn);
	snprintf(rnd, sizeof(rnd), "%016" PRIx64, d->rnd);
	reason = drawlog_reason_name(d->reason);
	tier = d->outcome != STORE_OUTCOME_MISS &&
	    d->outcome != STORE_OUTCOME_TICKET &&
	    d->outcome != STORE_OUTCOME_REFUSED;
	if (d->has_claim)
		base32_encode(claim, d->claim_id, STORE_CLAIM_ID_BYTES);
	else
		claim[0] = '\0';
	export_csv(x->f, c->id, false);
	export_csv_u64(x->f, d->seq, false);
	export_csv(x->f, when, false);
	export_csv_u64(x->f, d->day, false);
	export_csv(x->f, date, false);
	export_csv(x->f, drawlog_kind_name(d->kind), false);
	export_csv(x->f, sn, false);
	export_csv(x->f, drawlog_outcome_name(c, d->outcome), false);
	if (tier)
		export_csv_u64(x->f, d->outcome - 1u, false);
	else
		export_csv(x->f, "", false);
	export_csv(x->f, rnd, false);
	export_csv(x->f, reason ? reason : "", false);
	export_csv(x->f, claim, false);
	if (d->kind == STORE_DRAW_OPEN)
		export_csv_u64(x->f, d->ticket_seq, false);
	else
		export_csv(x->f, "", false);
	export_csv(x->f, d->shop, false);
	export_csv_u64(x->f, d->points, false);
	export_csv_u64(x->f, d->event_id, true);
	return 0;
}

/* Writes one campaign's draws, in chunks of read transactions. */
static int
export_draws_of(struct store *st, struct export *x, struct export_campaign *e)
{
	struct store_txn t;
	int ret;

	x->cur = e;
	x->next = 1;
	x->last = e->c->hdr.draws;
	if (x->jsonl) {
		json_t *h = drawlog_header_json(&e->c->hdr, e->c->config,
		    e->c->config_len);

		if (h == NULL)
			return -EIO;
		export_jsonl(x->f, h);
	}
	while (x->next <= x->last) {
		uint64_t before = x->next;

		x->in_chunk = 0;
		if ((ret = store_txn_begin(st, true, &t)) < 0)
			return ret;
		ret = store_draw_foreach_txn(&t, e->c->id, x->next,
		    export_draw_cb, x);
		store_txn_abort(&t);
		if (ret < 0)
			return ret;
		if (x->next == before)
			return -EIO;	/* the log has a hole */
	}
	return 0;
}

/* Writes one claim. */
static int
export_claim_cb(const struct store_claim *cl, void *arg)
{
	struct export *x = arg;
	const struct campaign *c = export_find(x, cl->campaign);
	const struct campaign_tier *t = c != NULL && cl->tier > 0 ?
	    campaign_tier_at(c, cl->tier - 1u) : NULL;
	char id[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1], sn[CODE_SERIAL_CHARS + 1];
	char created[CLOCK_ISO8601_US_LEN], expires[CLOCK_ISO8601_US_LEN];
	char redeemed[CLOCK_ISO8601_US_LEN] = "", tierbuf[16];
	const char *tier, *state;

	base32_encode(id, cl->id, STORE_CLAIM_ID_BYTES);
	code_serial_text(cl->serial, sn);
	clock_format_iso8601_us(cl->created, created);
	clock_format_iso8601_us(cl->expires, expires);
	if (cl->redeemed != 0)
		clock_format_iso8601_us(cl->redeemed, redeemed);
	if (t != NULL)
		tier = t->id;
	else if (cl->tier > 0) {
		snprintf(tierbuf, sizeof(tierbuf), "#%u", cl->tier - 1u);
		tier = tierbuf;
	} else
		tier = cl->ticket && cl->open_seq != 0 ? "miss" : "ticket";
	state = cl->state == STORE_CLAIM_REDEEMED ? "redeemed" :
	    x->now >= cl->expires ? "expired" : "open";
	if (x->jsonl) {
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string("claim"));
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "campaign", json_string(cl->campaign));
		json_object_set_new(o, "tier", json_string(tier));
		json_object_set_new(o, "ticket", json_boolean(cl->ticket));
		json_object_set_new(o, "state", json_string(state));
		json_object_set_new(o, "serial", json_string(sn));
		json_object_set_new(o, "draw_seq",
		    json_integer((json_int_t)cl->draw_seq));
		json_object_set_new(o, "open_seq", cl->open_seq ?
		    json_integer((json_int_t)cl->open_seq) : json_null());
		json_object_set_new(o, "created", json_string(created));
		json_object_set_new(o, "expires", json_string(expires));
		json_object_set_new(o, "redeemed", redeemed[0] ?
		    json_string(redeemed) : json_null());
		json_object_set_new(o, "shop", cl->shop[0] ?
		    json_string(cl->shop) : json_null());
		export_jsonl(x->f, o);
		return 0;
	}
	export_csv(x->f, id, false);
	export_csv(x->f, cl->campaign, false);
	export_csv(x->f, tier, false);
	export_csv(x->f, cl->ticket ? "1" : "0", false);
	export_csv(x->f, state, false);
	export_csv(x->f, sn, false);
	export_csv_u64(x->f, cl->draw_seq, false);
	if (cl->open_seq != 0)
		export_csv_u64(x->f, cl->open_seq, false);
	else
		export_csv(x->f, "", false);
	export_csv(x->f, created, false);
	export_csv(x->f, expires, false);
	export_csv(x->f, redeemed, false);
	export_csv(x->f, cl->shop, true);
	return 0;
}

struct export_ids {
	char (*ids)[STORE_ID_MAX + 1];
	size_t n;
};

/* foreach callback: collects campaign ids. */
static int
export_ids_cb(const struct store_campaign *h, void *arg)
{
	struct export_ids *l = arg;

	l->ids = xreallocarray(l->ids, l->n + 1, sizeof(*l->ids));
	snprintf(l->ids[l->n++], STORE_ID_MAX + 1, "%s", h->id);
	return 0;
}

/* Reads the campaigns to export (one, or all) in one transaction. */
static int
export_load(struct store *st, struct export *x, const char *only)
{
	struct export_ids l = { NULL, 0 };
	struct store_txn t;
	int ret;

	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	if (only != NULL) {
		l.ids = xcalloc(1, sizeof(*l.ids));
		snprintf(l.ids[0], sizeof(l.ids[0]), "%s", only);
		l.n = 1;
	} else if ((ret = store_campaign_foreach_txn(&t, export_ids_cb,
	    &l)) < 0)
		goto out;
	x->list = xcalloc(l.n ? l.n : 1, sizeof(*x->list));
	for (size_t i = 0; i < l.n; i++) {
		struct export_campaign *e = &x->list[x->n];

		if ((ret = campaign_load_txn(&t, l.ids[i], &e->c, NULL, 0)) < 0)
			goto out;
		x->n++;
		e->has_day0 = drawlog_day0(e->c, &e->day0) == 0;
	}
out:
	store_txn_abort(&t);
	free(l.ids);
	return ret;
}

/* Opens the output: stdout, or a temporary file beside path. */
static int
export_open(const char *path, char **tmp, FILE **f)
{
	int fd;

	*tmp = NULL;
	if (path == NULL) {
		*f = stdout;
		return 0;
	}
	xasprintf(tmp, "%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(*tmp)) < 0) {
		free(*tmp);
		*tmp = NULL;
		return -errno;
	}
	if (fchmod(fd, 0644) < 0 || (*f = fdopen(fd, "w")) == NULL) {
		int err = -errno;

		close(fd);
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
		return err;
	}
	return 0;
}

/* Finishes the output: flush and, for a file, fsync and rename. */
static int
export_close(const char *path, char *tmp, FILE *f, bool ok)
{
	int ret = 0;

	if (fflush(f) != 0 || ferror(f))
		ret = errno ? -errno : -EIO;
	if (tmp == NULL)
		return ret;
	if (ret == 0 && ok && fsync(fileno(f)) < 0)
		ret = -errno;
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && ok && rename(tmp, path) < 0)
		ret = -errno;
	if (ret == 0 && ok)
		ret = fsutil_fsync_parent(path);
	if (ret < 0 || !ok)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* Runs the export command. */
int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "campaign", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "draws", "claims", NULL };
	const char *sub, *only = NULL, *out = NULL;
	struct export x;
	struct store *st = NULL;
	struct store_txn t;
	char cmd[CLI_CMD_MAX], *tmp = NULL;
	int ch, ret, rc;

	memset(&x, 0, sizeof(x));
	if ((sub = cli_subcommand("export", export_help, "log", subs,
	    &argc, &argv, cmd, &rc)) == NULL)
		return rc;
	while ((ch = cli_getopt(cmd, export_help, argc, argv,
	    ":c:f:o:D:h", longopts, &rc)) != -1) {
		switch (ch) {
		case 'c':
			if (!cli_id_ok(optarg))
				return cli_usage(cmd, "'%s' is not a campaign id",
				    optarg);
			only = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "jsonl") == 0)
				x.jsonl = true;
			else if (strcmp(optarg, "csv") == 0)
				x.jsonl = false;
			else
				return cli_usage(cmd, "--format must be csv or "
				    "jsonl, not '%s'", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case CLI_OPT_EXIT:
			return rc;
		}
	}
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	x.cmd = cmd;
	x.now = clock_now_us();
	if ((rc = cli_store_open(cmd, STORE_RDONLY, &st)) != 0)
		return rc;
	rc = EXIT_REJECTED;
	if ((ret = export_load(st, &x, only)) < 0) {
		if (ret == -ENOENT)
			cli_reject(cmd, "no campaign %s", only);
		else
			cli_reject(cmd, "%s", store_strerror(ret));
		goto done;
	}
	if ((ret = export_open(out, &tmp, &x.f)) < 0) {
		cli_reject(cmd, "cannot create a file beside %s: %s", out,
		    strerror(-ret));
		goto done;
	}
	if (strcmp(sub, "draws") == 0) {
		if (!x.jsonl)
			fputs("campaign,seq,time,day,date,kind,serial,outcome,"
			    "tier,rnd,reason,claim,ticket_seq,shop,points,"
			    "event_id\r\n", x.f);
		ret = 0;
		for (size_t i = 0; i < x.n && ret == 0; i++)
			ret = export_draws_of(st, &x, &x.list[i]);
	} else {
		if (!x.jsonl)
			fputs("id,campaign,tier,ticket,state,serial,draw_seq,"
			    "open_seq,created,expires,redeemed,shop\r\n", x.f);
		if ((ret = store_txn_begin(st, true, &t)) == 0) {
			ret = store_claim_foreach_txn(&t, only, export_claim_cb,
			    &x);
			store_txn_abort(&t);
		}
	}
	if (ret < 0) {
		export_close(out, tmp, x.f, false);
		cli_reject(cmd, "%s", store_strerror(ret));
		goto done;
	}
	if ((ret = export_close(out, tmp, x.f, true)) < 0) {
		cli_reject(cmd, "cannot write %s: %s", out ? out : "stdout",
		    strerror(-ret));
		goto done;
	}
	rc = 0;
done:
	for (size_t i = 0; i < x.n; i++)
		campaign_unref(x.list[i].c, __func__);
	free(x.list);
	store_close(st);
	return rc;
}
