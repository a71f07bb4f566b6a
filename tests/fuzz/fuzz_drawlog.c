/*
 * fuzz_drawlog.c — the draw log reader of the audit (rewards/audit.c, rewards/drawlog.c):
 * audit_run_jsonl over an exported JSONL log, a public file that anyone
 * may hand an auditor, and its line format, drawlog_draw_from_json and
 * drawlog_draw_json.
 *
 * The input is the log, read through fmemopen and audited with the fixed
 * seed FUZZ_DRAW_SEED, which the seed logs' campaigns were loaded with
 * (gen_corpus_rewards.c), so that real logs pass and the replay reaches
 * every check. Invariants: the audit answers 0, -ENOENT (no campaign in
 * the log) or -ENOMEM; its report has passed, or a non-empty error, never
 * both; a passed report counts every entry of the log, each once (online
 * draws, openings, refusals and grants; wins, misses and tickets), no
 * tier wins more than its total, the points add up, and auditing the
 * same log by the campaign's id gives the same report. Every line of the
 * input that drawlog_draw_from_json accepts for one of the sample
 * campaigns (parsed here as the CLI loads them) is written by
 * drawlog_draw_json as JSON text that reads back to the same struct
 * store_draw, and writes the same text again; a refused line names its
 * field. Nothing leaks.
 */
#include "fuzz.h"
#include "rewards/audit.h"
#include "rewards/drawlog.h"
#include "rewards/campaign.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#define DL_INPUT_MAX (1 << 20)

static struct campaign *dl_camp[FUZZ_SAMPLES];

/* Loads the sample campaigns once. */
static void
dl_init(void)
{
	if (dl_camp[0] != NULL)
		return;
	FUZZ_CHECK(sodium_init() >= 0);
	for (int i = 0; i < FUZZ_SAMPLES; i++)
		dl_camp[i] = fuzz_sample_campaign(fuzz_sample_names[i]);
}

/* Audits the input with the fixed seed; NULL id: the log's first. */
static int
dl_audit(const uint8_t *data, size_t size, const char *id,
    struct audit_report *rep)
{
	static const uint8_t seed[32] = FUZZ_DRAW_SEED;
	uint8_t *copy = malloc(size + 1);
	FILE *f;
	int ret;

	/* fmemopen takes a writable buffer, even to read: a copy. */
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	FUZZ_CHECK((f = fmemopen(copy, size, "r")) != NULL);
	ret = audit_run_jsonl(f, id, seed, rep);
	fclose(f);
	free(copy);
	return ret;
}

/* A report is passed or has an error; a passed one adds up. */
static void
dl_check_report(int ret, const struct audit_report *rep)
{
	const struct audit_summary *s = &rep->sum;
	uint64_t wins = 0, points = 0;

	FUZZ_CHECK(ret == 0 || ret == -ENOENT || ret == -ENOMEM);
	FUZZ_CHECK(memchr(rep->error, '\0', sizeof(rep->error)) != NULL);
	if (ret < 0) {
		FUZZ_CHECK(!rep->passed);
		return;
	}
	FUZZ_CHECK(rep->passed != (rep->error[0] != '\0'));
	if (!rep->passed)
		return;
	FUZZ_CHECK(rep->c != NULL);
	FUZZ_CHECK(rep->days_checked == 1 || rep->days_checked == -ENOENT);
	FUZZ_CHECK(s->entries == rep->expected);
	FUZZ_CHECK(s->online + s->openings + s->refused + s->grants +
	    s->grant_misses == s->entries);
	for (size_t i = 0; i < CAMPAIGN_TIERS_MAX; i++) {
		const struct campaign_tier *t = campaign_tier_at(rep->c, i);

		FUZZ_CHECK(t != NULL || s->wins[i] == 0);
		if (t == NULL)
			continue;
		FUZZ_CHECK(s->wins[i] <= t->total);
		wins += s->wins[i];
		if (t->kind == CAMPAIGN_POINTS)
			points += s->wins[i] * (uint64_t)t->points;
	}
	FUZZ_CHECK(wins + s->misses + s->tickets == s->online + s->openings +
	    s->grants);
	FUZZ_CHECK(s->openings <= s->tickets && s->tickets <= s->online);
	FUZZ_CHECK(s->capped <= s->misses + s->tickets);
	FUZZ_CHECK(s->points == points);
}

/* A draw line accepted for campaign c reads back the same after it is
 * written again; a refused one names its field. */
static void
dl_roundtrip(const struct campaign *c, json_t *o)
{
	struct store_draw d, again;
	char why[128], *text, *text2;
	json_t *w, *r;
	const char *tail;

	if (drawlog_draw_from_json(c, o, &d, why, sizeof(why)) < 0) {
		tail = strstr(why, ": missing or invalid");
		FUZZ_CHECK(tail != NULL && tail > why && tail[20] == '\0');
		return;
	}
	FUZZ_CHECK((w = drawlog_draw_json(c, &d, "2027-02-06")) != NULL);
	FUZZ_CHECK((text = json_dumps(w, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) != NULL);
	json_decref(w);
	FUZZ_CHECK((r = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) !=
	    NULL);
	if (drawlog_draw_from_json(c, r, &again, why, sizeof(why)) < 0) {
		fprintf(stderr, "written as %s\nreads back as: %s\n", text,
		    why);
		FUZZ_CHECK(!"a written draw reads back");
	}
	json_decref(r);
	if (memcmp(&d, &again, sizeof(d)) != 0)
		fprintf(stderr, "written as %s: another draw\n", text);
	FUZZ_CHECK(memcmp(&d, &again, sizeof(d)) == 0);
	FUZZ_CHECK((w = drawlog_draw_json(c, &again, "2027-02-06")) != NULL);
	FUZZ_CHECK((text2 = json_dumps(w, JSON_COMPACT |
	    JSON_PRESERVE_ORDER)) != NULL);
	json_decref(w);
	FUZZ_CHECK(strcmp(text, text2) == 0);
	free(text);
	free(text2);
}

/* The round trip of every line, as audit_run_jsonl splits them. */
static void
dl_lines(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *camp;
		json_t *o;

		while (len > 0 && p[len - 1] == '\r')
			len--;
		o = json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL);
		p += (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p));
		if (o == NULL)
			continue;
		camp = json_string_value(json_object_get(o, "campaign"));
		for (int i = 0; i < FUZZ_SAMPLES; i++)
			if (camp != NULL && strcmp(camp, dl_camp[i]->id) == 0)
				dl_roundtrip(dl_camp[i], o);
		/* Any line, read for the first sample: refused or sound. */
		dl_roundtrip(dl_camp[0], o);
		json_decref(o);
	}
}

/* One input: the audit, then each line. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_report rep, again;
	int ret, ret2;

	if (size > DL_INPUT_MAX)
		return 0;
	dl_init();
	ret = dl_audit(data, size, NULL, &rep);
	dl_check_report(ret, &rep);
	if (ret == 0 && rep.passed) {
		/* By the campaign's id: the same section, the same report. */
		ret2 = dl_audit(data, size, rep.c->id, &again);
		FUZZ_CHECK(ret2 == 0 && again.passed);
		FUZZ_CHECK(memcmp(&rep.sum, &again.sum, sizeof(rep.sum)) == 0 &&
		    again.expected == rep.expected);
		audit_report_free(&again);
	}
	audit_report_free(&rep);
	dl_lines(data, size);
	return 0;
}
