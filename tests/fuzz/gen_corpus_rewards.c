/*
 * gen_corpus_rewards.c — the seeds of the rewards targets, for gen_corpus:
 * corpus/campaign_parse (the sample campaigns as files and as stored
 * configurations, a compact campaign with every field, its variations
 * and one seed per kind of error) and corpus/drawlog (draw logs exported
 * as `scanloop export draws --format jsonl` writes them, of draws made in
 * a temporary store with the fixed seed FUZZ_DRAW_SEED, and broken
 * copies: a missing, changed, repeated or extra entry, a wrong header).
 *
 * Claim ids come from the harnesses' deterministic generator and the
 * draw times from the sample campaigns' windows, so the output is the
 * same on every run.
 */
#include "fuzz.h"
#include "gen_corpus.h"
#include "common/fsutil.h"
#include "rewards/audit.h"
#include "rewards/drawlog.h"
#include "rewards/campaign.h"
#include "rewards/draw.h"
#include "rewards/redeem.h"
#include "rewards/token.h"
#include "store/store.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>

#define GEN_LOG_LINES 256
#define GEN_HOUR_US (3600LL * 1000000)

/* A compact campaign with every field (Asia/Shanghai: no daylight
 * saving; Europe/Berlin below has it). */
static const char gen_campaign[] =
"{\"id\":\"fz-1\",\"name\":\"Fuzz \xe6\x8a\xbd\xe5\xa5\x96\","
"\"description\":\"d\",\"start\":\"2027-03-01T00:00:00+08:00\","
"\"end\":\"2027-03-08T00:00:00.5+08:00\",\"time_zone\":\"Asia/Shanghai\","
"\"scope\":{\"batches\":[1,2],\"products\":[\"09506000134352\","
"\"4006381333931\"]},\"draw_on\":\"outer\",\"tiers\":["
"{\"id\":\"gold\",\"name\":\"Gold\",\"kind\":\"physical\",\"total\":4,"
"\"daily_cap\":2,\"odds\":150000},"
"{\"id\":\"cpn\",\"name\":\"Coupon\",\"kind\":\"coupon\",\"total\":50,"
"\"odds\":100000,\"coupon\":{\"face_value\":\"5.00\",\"currency\":\"EUR\","
"\"condition\":\"any\",\"valid_from\":\"2027-03-01T00:00:00Z\","
"\"valid_days\":10}},"
"{\"id\":\"pts\",\"name\":\"Points\",\"kind\":\"points\",\"total\":1000,"
"\"odds\":200000,\"points\":10},"
"{\"id\":\"box\",\"name\":\"Box\",\"kind\":\"physical\",\"total\":6,"
"\"daily_cap\":2,\"odds\":300000,\"reveal\":\"at_store\"}],"
"\"claim\":{\"window_days\":5,\"stores\":[\"s1\",\"s-2\"]},"
"\"limits\":{\"draws_per_visitor_per_day\":3,"
"\"draws_per_ip_prefix_per_hour\":100,\"wins_per_visitor\":2},"
"\"checkin\":{\"stores\":[\"s1\",\"s-2\"],\"reward\":{\"points\":5,"
"\"draw\":true},\"per_store_per_day\":100,\"streak\":{\"days\":7,"
"\"store\":\"s1\",\"reward\":{\"points\":50}}}}";

/* Writes gen_campaign with the first occurrence of each from replaced by
 * its to (pairs of strings, NULL after the last). */
static void __attribute__((sentinel))
gen_campaign_edit(const char *name, ...)
{
	char *out = strdup(gen_campaign), *next;
	const char *from, *to, *at;
	va_list ap;

	FUZZ_CHECK(out != NULL);
	va_start(ap, name);
	while ((from = va_arg(ap, const char *)) != NULL) {
		to = va_arg(ap, const char *);
		FUZZ_CHECK((at = strstr(out, from)) != NULL);
		FUZZ_CHECK(asprintf(&next, "%.*s%s%s", (int)(at - out), out, to,
		    at + strlen(from)) > 0);
		free(out);
		out = next;
	}
	va_end(ap);
	gen_puts("campaign_parse", name, out);
	free(out);
}

/* Seeds of the campaign file parser. */
void
gen_campaign_parse(void)
{
	char name[64], big[4096];
	struct campaign *c;
	size_t len;
	int n;

	for (int i = 0; i < FUZZ_SAMPLES; i++) {
		char *text = fuzz_sample_read(fuzz_sample_names[i], &len);

		snprintf(name, sizeof(name), "sample-%s", fuzz_sample_names[i]);
		gen_put("campaign_parse", name, text, len);
		free(text);
		/* As the store keeps it: compact, with day_starts. */
		c = fuzz_sample_campaign(fuzz_sample_names[i]);
		snprintf(name, sizeof(name), "stored-%s", fuzz_sample_names[i]);
		gen_put("campaign_parse", name, c->config, c->config_len);
		campaign_unref(c, __func__);
	}
	gen_puts("campaign_parse", "every-field", gen_campaign);
	/* Valid variations. */
	gen_campaign_edit("coupon-number-valid-to", "\"face_value\":\"5.00\"",
	    "\"face_value\":7.5", NULL);
	gen_campaign_edit("valid-to", "\"valid_days\":10",
	    "\"valid_to\":\"2027-04-01T00:00:00-05:30\"", NULL);
	gen_campaign_edit("berlin-dst-inner", "Asia/Shanghai", "Europe/Berlin",
	    "\"batches\":[1,2],", "\"batches\":[4294967295],",
	    "\"outer\"", "\"inner\"", NULL);
	gen_campaign_edit("utc-all-stores-no-limits", "Asia/Shanghai", "UTC",
	    "[\"s1\",\"s-2\"]", "\"all\"",
	    ",\"limits\":{\"draws_per_visitor_per_day\":3,"
	    "\"draws_per_ip_prefix_per_hour\":100,\"wins_per_visitor\":2}", "",
	    NULL);
	/* Stored forms: day_starts in seconds. */
	gen_campaign_edit("stored-two-days", "\"limits\"", "\"day_starts\":"
	    "[1803830400,1803916800,1804435201],\"limits\"", NULL);
	gen_campaign_edit("reject-stored-not-increasing", "\"limits\"",
	    "\"day_starts\":[1803830400,1803830400,1804435201],\"limits\"",
	    NULL);
	gen_campaign_edit("reject-stored-not-covering", "\"limits\"",
	    "\"day_starts\":[1803830400,1803916800],\"limits\"", NULL);
	/* One seed per kind of problem (many messages in some). */
	gen_campaign_edit("reject-day-starts-at-load", "\"limits\"",
	    "\"day_starts\":[0,1],\"limits\"", NULL);
	gen_campaign_edit("reject-id-chars", "\"fz-1\"", "\"fz 1/\\u00e9\"",
	    NULL);
	gen_campaign_edit("reject-times", "2027-03-01T00:00:00+08:00",
	    "2027-02-30T00:00:00+08:00", "2027-03-08T00:00:00.5+08:00",
	    "2027-03-08 00:00", NULL);
	gen_campaign_edit("reject-end-before-start",
	    "2027-03-08T00:00:00.5+08:00", "2027-02-28T15:59:59Z", NULL);
	gen_campaign_edit("reject-span", "2027-03-08T00:00:00.5+08:00",
	    "2030-03-08T00:00:00+08:00", NULL);
	gen_campaign_edit("reject-claim-window-too-long", "\"window_days\":5",
	    "\"window_days\":3650", NULL);
	gen_campaign_edit("reject-time-zone", "Asia/Shanghai", "Mars/Olympus",
	    NULL);
	gen_campaign_edit("reject-time-zone-path", "Asia/Shanghai",
	    "../../etc/passwd", NULL);
	gen_campaign_edit("reject-scope", "[1,2]", "[0,-1,\"1\",4294967296]",
	    "\"09506000134352\",\"4006381333931\"]",
	    "\"09506000134353\",7,\"\"],\"lots\":[]", NULL);
	gen_campaign_edit("reject-scope-empty", "\"batches\":[1,2],"
	    "\"products\":[\"09506000134352\",\"4006381333931\"]",
	    "\"batches\":[]", NULL);
	gen_campaign_edit("scope-tags", "\"4006381333931\"]",
	    "\"4006381333931\"],\"tags\":[\"repeat_buyer\",\"checkin:s-2\","
	    "\"points:silver\"]", NULL);
	gen_campaign_edit("reject-scope-tags", "\"4006381333931\"]",
	    "\"4006381333931\"],\"tags\":[\"winner\",\"vip\",\"checkin:\","
	    "\"points:platinum\",7,\"winner\"]", NULL);
	gen_campaign_edit("reject-scope-tags-empty", "\"4006381333931\"]",
	    "\"4006381333931\"],\"tags\":[]", NULL);
	gen_campaign_edit("reject-tier-fields", "{\"id\":\"gold\","
	    "\"name\":\"Gold\",\"kind\":\"physical\",\"total\":4,"
	    "\"daily_cap\":2,\"odds\":150000}", "{\"id\":\"pts\",\"name\":\"\","
	    "\"kind\":\"gold\",\"total\":0,\"daily_cap\":5,\"odds\":1000001,"
	    "\"reveal\":\"later\",\"points\":1,\"coupon\":{},\"extra\":1}",
	    NULL);
	gen_campaign_edit("reject-odds-sum", "\"odds\":150000",
	    "\"odds\":800000", NULL);
	gen_campaign_edit("reject-coupon", "\"5.00\"", "\"-5\"",
	    "\"EUR\"", "\"EURO-DOLLAR\"", "\"condition\":\"any\",", "",
	    "\"valid_days\":10", "\"valid_to\":\"2027-02-01T00:00:00Z\","
	    "\"valid_days\":0,\"x\":1", NULL);
	gen_campaign_edit("reject-points-tier", "\"points\":10",
	    "\"points\":0,\"coupon\":null", NULL);
	gen_campaign_edit("reject-claim", "\"window_days\":5",
	    "\"window_days\":0,\"when\":1", "[\"s1\",\"s-2\"]",
	    "[\"s 1\",2]", NULL);
	gen_campaign_edit("reject-limits", "\"draws_per_visitor_per_day\":3",
	    "\"draws_per_visitor_per_day\":0,\"per_ip\":1", NULL);
	gen_campaign_edit("reject-unknown-and-wrong-types",
	    "\"description\":\"d\"", "\"description\":1,\"colour\":\"red\"",
	    "\"outer\"", "\"sideways\"", "\"Asia/Shanghai\"", "8", NULL);
	gen_campaign_edit("checkin-all-stores-draw-only",
	    "\"stores\":[\"s1\",\"s-2\"],\"reward\":{\"points\":5,",
	    "\"reward\":{", "\"store\":\"s1\",", "", NULL);
	gen_campaign_edit("reject-checkin", "\"draw\":true", "\"draw\":1",
	    "\"days\":7", "\"days\":1", "\"store\":\"s1\"",
	    "\"store\":\"s9\"", "\"per_store_per_day\":100",
	    "\"per_store_per_day\":0,\"x\":1", NULL);
	gen_campaign_edit("reject-checkin-reward-empty",
	    "\"reward\":{\"points\":5,\"draw\":true}", "\"reward\":{}", NULL);
	gen_campaign_edit("checkin-streak-prize", ",\"draw\":true}", "}",
	    "\"reward\":{\"points\":50}", "\"reward\":{\"points\":50,"
	    "\"prize\":\"cpn\"}", NULL);
	gen_campaign_edit("reject-streak-prize", "\"reward\":{\"points\":50}",
	    "\"reward\":{\"prize\":\"box\",\"draw\":true}",
	    "\"draw\":true}", "\"prize\":\"cpn\"}", NULL);
	gen_campaign_edit("daily-guarantee", "\"daily_cap\":2,\"odds\":300000,"
	    "\"reveal\":\"at_store\"", "\"odds\":0,\"reveal\":\"at_store\","
	    "\"daily_guarantee\":{\"per_day\":2,\"expected_openings\":30,"
	    "\"opens\":\"09:00\",\"last_call\":\"21:30\"}", NULL);
	gen_campaign_edit("reject-daily-guarantee", "\"daily_cap\":2,"
	    "\"odds\":300000,\"reveal\":\"at_store\"", "\"daily_cap\":1,"
	    "\"odds\":5,\"daily_guarantee\":{\"per_day\":7,"
	    "\"expected_openings\":0,\"opens\":\"9:00\","
	    "\"last_call\":\"24:00\",\"x\":1}", NULL);
	gen_campaign_edit("group", "\"checkin\":", "\"group\":{\"size\":3,"
	    "\"window_hours\":24,\"starts_per_visitor_per_day\":2},"
	    "\"checkin\":", NULL);
	gen_campaign_edit("reject-group", "\"checkin\":", "\"group\":{"
	    "\"size\":1,\"window_hours\":721,\"who\":1},\"checkin\":", NULL);
	gen_campaign_edit("reject-duplicate-key", "\"description\":\"d\"",
	    "\"description\":\"d\",\"description\":\"e\"", NULL);
	/* Thirty-three tiers, all of them odds 0. */
	n = snprintf(big, sizeof(big), "{\"id\":\"many\",\"name\":\"n\","
	    "\"start\":\"2027-03-01T00:00:00Z\","
	    "\"end\":\"2027-03-02T00:00:00Z\",\"time_zone\":\"UTC\","
	    "\"scope\":{\"batches\":[1]},\"tiers\":[");
	for (int i = 0; i < CAMPAIGN_TIERS_MAX + 1; i++)
		n += snprintf(big + n, sizeof(big) - (size_t)n, "%s{\"id\":"
		    "\"t%d\",\"name\":\"t\",\"kind\":\"physical\","
		    "\"total\":1,\"odds\":0}", i ? "," : "", i);
	snprintf(big + n, sizeof(big) - (size_t)n, "],\"claim\":"
	    "{\"window_days\":1}}");
	gen_puts("campaign_parse", "reject-33-tiers", big);
	gen_puts("campaign_parse", "reject-not-object", "[{\"id\":\"x\"}]");
	gen_puts("campaign_parse", "reject-bad-json", "{\"id\":\"x\",");
	gen_puts("campaign_parse", "empty-object", "{}");
}

/* ---- draw logs ------------------------------------------------------ */

static const uint8_t gen_claim_key[32] = "scanloop fuzz claim key, public";

/* A serial made from a number. */
static void
gen_serial_of(uint64_t n, uint8_t serial[STORE_SERIAL_BYTES])
{
	for (int i = 0; i < STORE_SERIAL_BYTES; i++)
		serial[i] = (uint8_t)((n >> (56 - 8 * i)) ^ 0x5c);
}

/* The campaign a redemption opens tickets of. */
static struct campaign *
gen_lookup(const char *id, void *arg)
{
	struct campaign *c = arg;

	return strcmp(c->id, id) == 0 ? campaign_ref(c, __func__) : NULL;
}

/* Opens the sealed tickets issued so far at shop, at time now. */
static void
gen_open_tickets(struct store *st, struct campaign *c, const char *shop,
    char (*tickets)[TOKEN_CLAIM_CHARS + 1], size_t *opened, size_t nt,
    int64_t now)
{
	struct redeem_request rq;
	struct redeem_result res;
	struct store_txn t;

	for (; *opened < nt; (*opened)++) {
		memset(&rq, 0, sizeof(rq));
		rq.claim_token = tickets[*opened];
		rq.shop_id = shop;
		rq.now = now++;
		rq.claim_key = gen_claim_key;
		rq.lookup = gen_lookup;
		rq.lookup_arg = c;
		rq.tallies = &tallies_store;
		FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
		FUZZ_CHECK(redeem_txn(&t, &rq, &res) == 0);
		FUZZ_CHECK(res.status == REDEEM_OK && res.opened);
		FUZZ_CHECK(store_txn_commit(&t) == 0);
		redeem_result_free(&res);
	}
}

/* Runs the draws of a log: on each of a few local days, one visitor
 * draws several codes (so that the risk limits refuse some), then the
 * tickets issued so far are opened at a shop. */
static void
gen_draws(struct store *st, struct campaign *c, int days, int per_day)
{
	static char tickets[64][TOKEN_CLAIM_CHARS + 1];
	const char *shop = c->all_shops ? "shop-1" : c->shops[0];
	size_t nt = 0, opened = 0;
	int64_t span = c->end - c->start;
	struct store_txn t;

	for (int d = 0; d < days; d++) {
		int64_t day = c->start + span / days * d;

		for (int i = 0; i < per_day; i++) {
			struct draw_request rq;
			struct draw_result res;

			memset(&rq, 0, sizeof(rq));
			rq.c = c;
			gen_serial_of((uint64_t)(d * 100 + i + 1), rq.serial);
			rq.visitor[0] = (uint8_t)(d + 1);
			rq.net[0] = 4;
			rq.net[1] = (uint8_t)i;
			rq.now = day + (i + 1) * GEN_HOUR_US;
			rq.event_id = (uint64_t)(d * 100 + i + 1);
			rq.claim_key = gen_claim_key;
			rq.tallies = &tallies_store;
			FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
			FUZZ_CHECK(draw_online_txn(&t, &rq, &res) == 0);
			FUZZ_CHECK(store_txn_commit(&t) == 0);
			if (res.status == DRAW_NEW && res.draw.outcome ==
			    STORE_OUTCOME_TICKET && nt < 64)
				memcpy(tickets[nt++], res.claim_token,
				    sizeof(tickets[0]));
		}
		gen_open_tickets(st, c, shop, tickets, &opened, nt,
		    day + 20 * GEN_HOUR_US);
	}
}

struct gen_export {
	const struct campaign *c;
	FILE *f;
	int64_t day0;
};

/* Writes one JSON object as a line. */
static void
gen_jsonl(FILE *f, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	FUZZ_CHECK(s != NULL);
	fprintf(f, "%s\n", s);
	free(s);
	json_decref(o);
}

/* Writes one draw as scanloop export does. */
static int
gen_export_cb(const struct store_draw *d, void *arg)
{
	struct gen_export *x = arg;
	char date[DRAWLOG_DATE_LEN];

	drawlog_date_text(x->day0, d->day, date);
	gen_jsonl(x->f, drawlog_draw_json(x->c, d, date));
	return 0;
}

/* Makes the exported log of a sample campaign's draws (malloc'd). */
static char *
gen_log(const char *tmp, const char *sample, int days, int per_day)
{
	struct store_campaign hdr;
	struct gen_export x;
	struct store_shop sh;
	struct store *st = NULL;
	struct store_txn t;
	struct campaign *c = fuzz_sample_campaign(sample);
	char dir[PATH_MAX], token[TOKEN_SHOP_CHARS + 1], *text = NULL;
	size_t len = 0;

	fuzz_path(dir, tmp, c->id);
	FUZZ_CHECK(store_open(dir, STORE_CREATE, &st) == 0);
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "%s", c->id);
	hdr.state = STORE_CAMPAIGN_ACTIVE;
	hdr.start = c->start;
	hdr.end = c->end;
	memcpy(hdr.seed, FUZZ_DRAW_SEED, 32);
	crypto_generichash(hdr.commitment, 32, hdr.seed, 32, NULL, 0);
	memset(&sh, 0, sizeof(sh));
	snprintf(sh.id, sizeof(sh.id), "%s", c->all_shops ? "shop-1" :
	    c->shops[0]);
	token_shop_new(&sh, token);
	FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
	FUZZ_CHECK(store_campaign_add_txn(&t, &hdr, c->config, c->config_len) ==
	    0);
	FUZZ_CHECK(store_shop_add_txn(&t, &sh) == 0);
	FUZZ_CHECK(store_txn_commit(&t) == 0);
	gen_draws(st, c, days, per_day);
	/* The export: the header, then every draw. */
	FUZZ_CHECK((x.f = open_memstream(&text, &len)) != NULL);
	x.c = c;
	FUZZ_CHECK(drawlog_day0(c, &x.day0) == 0);
	FUZZ_CHECK(store_txn_begin(st, true, &t) == 0);
	FUZZ_CHECK(store_campaign_get_txn(&t, c->id, &hdr) == 0);
	gen_jsonl(x.f, drawlog_header_json(&hdr, c->config, c->config_len));
	FUZZ_CHECK(store_draw_foreach_txn(&t, c->id, 1, gen_export_cb, &x) ==
	    0);
	store_txn_abort(&t);
	FUZZ_CHECK(fclose(x.f) == 0);
	store_close(st);
	fsutil_rmtree(dir);
	campaign_unref(c, __func__);
	return text;
}

/* A log as lines, to break. */
struct gen_lines {
	char *v[GEN_LOG_LINES];
	size_t n;
};

/* Splits text into lines (without their newlines). */
static void
gen_lines_split(const char *text, struct gen_lines *l)
{
	l->n = 0;
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");

		FUZZ_CHECK(l->n < GEN_LOG_LINES);
		FUZZ_CHECK((l->v[l->n++] = strndup(text, n)) != NULL);
		text += n + (text[n] == '\n');
	}
}

/* Frees the lines. */
static void
gen_lines_free(struct gen_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

/* Writes the lines as a drawlog seed, each ended by eol. */
static void
gen_lines_put(const char *name, const struct gen_lines *l, const char *eol)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	FUZZ_CHECK((f = open_memstream(&text, &len)) != NULL);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s%s", l->v[i], eol);
	FUZZ_CHECK(fclose(f) == 0);
	gen_put("drawlog", name, text, len);
	free(text);
}

/* The first line from start that holds s. */
static size_t
gen_lines_find(const struct gen_lines *l, size_t start, const char *s)
{
	for (size_t i = start; i < l->n; i++)
		if (strstr(l->v[i], s) != NULL)
			return i;
	fprintf(stderr, "gen_corpus: no log line holds %s\n", s);
	abort();
}

/* Replaces the first from in line i with to. */
static void
gen_lines_edit(struct gen_lines *l, size_t i, const char *from,
    const char *to)
{
	char *at = strstr(l->v[i], from), *out;

	FUZZ_CHECK(at != NULL);
	FUZZ_CHECK(asprintf(&out, "%.*s%s%s", (int)(at - l->v[i]), l->v[i], to,
	    at + strlen(from)) > 0);
	free(l->v[i]);
	l->v[i] = out;
}

/* Inserts a copy of text before line i. */
static void
gen_lines_insert(struct gen_lines *l, size_t i, const char *text)
{
	FUZZ_CHECK(l->n < GEN_LOG_LINES && i <= l->n);
	memmove(l->v + i + 1, l->v + i, (l->n - i) * sizeof(l->v[0]));
	FUZZ_CHECK((l->v[i] = strdup(text)) != NULL);
	l->n++;
}

/* Removes line i. */
static void
gen_lines_remove(struct gen_lines *l, size_t i)
{
	free(l->v[i]);
	memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

/* Changes the character after the first at in line i (0 ↔ 1, else 0). */
static void
gen_lines_flip(struct gen_lines *l, size_t i, const char *at)
{
	char *p = strstr(l->v[i], at);

	FUZZ_CHECK(p != NULL);
	p += strlen(at);
	*p = *p == '0' ? '1' : '0';
}

/* Writes a copy of the log with one line edited: the first draw line
 * holding line_has, or the header when line_has is NULL. */
static void
gen_log_edit(const char *name, const char *log, const char *line_has,
    const char *from, const char *to)
{
	struct gen_lines l;

	gen_lines_split(log, &l);
	gen_lines_edit(&l, line_has ? gen_lines_find(&l, 1, line_has) : 0,
	    from, to);
	gen_lines_put(name, &l, "\n");
	gen_lines_free(&l);
}

/* Broken copies of a log: the audit must fail each (lines hold their
 * seq: line 0 is the header). */
static void
gen_log_broken(const char *log)
{
	struct gen_lines l;
	char from[32], to[32];
	size_t i;

	/* One field of one entry changed. */
	gen_lines_split(log, &l);
	gen_lines_flip(&l, 3, "\"rnd\":\"");
	gen_lines_put("reject-changed-rnd", &l, "\n");
	gen_lines_free(&l);
	gen_log_edit("reject-outcome", log, "\"outcome\":\"ticket\"",
	    "\"outcome\":\"ticket\"", "\"outcome\":\"miss\"");
	gen_log_edit("reject-day", log, "\"seq\":5,", "\"day\":", "\"day\":1");
	gen_log_edit("reject-refusal-rnd", log, "\"kind\":\"refused\"",
	    "\"rnd\":\"0", "\"rnd\":\"1");
	gen_log_edit("reject-kind", log, "\"seq\":2,", "\"kind\":\"online\"",
	    "\"kind\":\"offline\"");
	gen_log_edit("reject-other-campaign-line", log, "\"seq\":4,",
	    "\"campaign\":\"", "\"campaign\":\"x");
	gen_log_edit("reject-time-outside", log, "\"seq\":1,",
	    "\"time\":\"2027", "\"time\":\"2028");
	/* The header changed: its commitment, its count, its rules. */
	gen_lines_split(log, &l);
	gen_lines_flip(&l, 0, "\"commitment\":\"");
	gen_lines_put("reject-header-commitment", &l, "\n");
	gen_lines_free(&l);
	gen_log_edit("reject-config-odds", log, NULL, "\"odds\":200000",
	    "\"odds\":900000");
	gen_log_edit("reject-config-day-starts", log, NULL, "\"day_starts\":[",
	    "\"day_starts\":[1,");
	/* Entries missing, repeated, in excess; a ticket opened twice. */
	gen_lines_split(log, &l);
	gen_lines_remove(&l, 6);
	gen_lines_put("reject-missing-seq", &l, "\n");
	gen_lines_free(&l);
	gen_lines_split(log, &l);
	gen_lines_insert(&l, 4, l.v[4]);
	gen_lines_put("reject-duplicate-draw", &l, "\n");
	gen_lines_free(&l);
	gen_lines_split(log, &l);
	snprintf(from, sizeof(from), "\"draws\":%zu,", l.n - 1);
	snprintf(to, sizeof(to), "\"draws\":%zu,", l.n);
	gen_lines_edit(&l, 0, from, to);
	gen_lines_put("reject-header-draws", &l, "\n");
	i = gen_lines_find(&l, 1, "\"kind\":\"open\"");
	gen_lines_insert(&l, l.n, l.v[i]);
	snprintf(from, sizeof(from), "\"seq\":%zu,", i);
	snprintf(to, sizeof(to), "\"seq\":%zu,", l.n - 1);
	gen_lines_edit(&l, l.n - 1, from, to);
	gen_lines_put("reject-ticket-opened-twice", &l, "\n");
	gen_lines_free(&l);
	/* Lines that are not draws; CRLF; a header alone. */
	gen_lines_split(log, &l);
	gen_lines_insert(&l, 8, "not json");
	gen_lines_put("reject-not-json-line", &l, "\n");
	gen_lines_free(&l);
	gen_lines_split(log, &l);
	gen_lines_insert(&l, 0, "{\"type\":\"campaign\"}");
	gen_lines_insert(&l, 0, "[\"preamble\"]");
	gen_lines_insert(&l, 0, "garbage");
	gen_lines_put("preamble-crlf", &l, "\r\n");
	gen_lines_free(&l);
	gen_lines_split(log, &l);
	snprintf(from, sizeof(from), "\"draws\":%zu,", l.n - 1);
	while (l.n > 1)
		gen_lines_remove(&l, l.n - 1);
	gen_lines_put("reject-header-only", &l, "\n");
	gen_lines_edit(&l, 0, from, "\"draws\":0,");
	gen_lines_put("header-only-no-draws", &l, "\n");
	gen_lines_free(&l);
}

/* Seeds of the draw log reader. */
void
gen_drawlog(const char *tmp)
{
	char *inner = gen_log(tmp, "inner-code.json", 3, 5);
	char *chunjie = gen_log(tmp, "spring-festival-zh.json", 5, 6);
	char *winter = gen_log(tmp, "winter-treats.json", 4, 6);
	char *both;

	gen_puts("drawlog", "log-inner-code", inner);
	gen_puts("drawlog", "log-spring-festival", chunjie);
	gen_puts("drawlog", "log-winter-treats", winter);
	/* Two campaigns: the audit takes the first. */
	FUZZ_CHECK(asprintf(&both, "%s%s", winter, inner) > 0);
	gen_puts("drawlog", "two-campaigns", both);
	gen_puts("drawlog", "empty", "");
	gen_log_broken(chunjie);
	free(both);
	free(inner);
	free(chunjie);
	free(winter);
}
