/* audit_run.c — whole audits: from the store (with its check-in log)
 * or from an exported log, into a report. */
#include "rewards/audit.h"
#include "rewards/checkin.h"
#include "rewards/drawlog.h"
#include "codegen/code.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks the seed and the days, then makes the replay. */
static int
audit_prepare(struct audit_report *rep, const uint8_t seed[32],
    struct audit **a)
{
	char why[256];
	int ret;

	*a = NULL;
	if (!audit_commitment_ok(seed, rep->commitment)) {
		char hex[65], want[65];
		uint8_t h[32];

		crypto_generichash(h, sizeof(h), seed, 32, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, 32);
		sodium_bin2hex(want, sizeof(want), rep->commitment, 32);
		snprintf(rep->error, sizeof(rep->error), "seed: its BLAKE2b-256 "
		    "is %.16s..., not the commitment %.16s...", hex, want);
		return 0;
	}
	rep->days_checked = audit_check_days(rep->c, why, sizeof(why));
	if (rep->days_checked == -ENOMEM)
		return -ENOMEM;
	if (rep->days_checked == 0) {
		snprintf(rep->error, sizeof(rep->error), "day_starts: %s (the "
		    "local days must follow the time zone; its data may also "
		    "have changed since the load)", why);
		return 0;
	}
	if ((ret = audit_new(rep->c, seed, a)) < 0)
		return ret;
	return 0;
}

/* Copies the replay's verdict into the report. */
static void
audit_conclude(struct audit_report *rep, struct audit *a, uint64_t expected)
{
	rep->expected = expected;
	if (audit_finish(a, expected) < 0)
		snprintf(rep->error, sizeof(rep->error), "%s", audit_error(a));
	else
		rep->passed = true;
	rep->sum = *audit_summary_get(a);
}

/* Feeds one stored draw. */
static int
audit_store_cb(const struct store_draw *d, void *arg)
{
	return audit_feed(arg, d) < 0 ? 1 : 0;
}

/* Parses a log's configuration into rep->c. */
static int
audit_campaign(struct audit_report *rep, const char *config, size_t len)
{
	struct campaign_errors errs = { NULL, 0 };
	int ret;

	ret = campaign_parse(config, len, false, &rep->c, &errs);
	if (ret == -EINVAL)
		snprintf(rep->error, sizeof(rep->error), "config: %s",
		    errs.n > 0 ? errs.msgs[0] : "does not parse");
	campaign_errors_free(&errs);
	return ret;
}

struct audit_grants {
	struct store_txn *t;
	const struct campaign *c;
	uint64_t *seqs;			/* the grants check-ins name */
	size_t n, cap;
	char error[AUDIT_MSG_MAX];
};

/* Checks that a check-in's grant is the log's grant of its streak: its
 * visitor, store, day and serial, on a day that completed the streak. */
static int
audit_grant_checkin_cb(const struct store_checkin *ck, void *arg)
{
	struct audit_grants *w = arg;
	const struct campaign_checkin *rules = &w->c->checkin;
	uint8_t serial[STORE_SERIAL_BYTES];
	char sn[CODE_SERIAL_CHARS + 1];
	struct store_draw d;
	int ret;

	if (strcmp(ck->campaign, w->c->id) != 0 || ck->streak_draw_seq == 0)
		return 0;
	ret = store_draw_get_txn(w->t, w->c->id, ck->streak_draw_seq, &d);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	checkin_serial(ck->visitor, ck->shop, (int)ck->day,
	    CHECKIN_SERIAL_PRIZE, serial);
	code_serial_text(serial, sn);
	if (ret == -ENOENT || d.kind != STORE_DRAW_GRANT ||
	    memcmp(d.visitor, ck->visitor, STORE_VISITOR_BYTES) != 0 ||
	    strcmp(d.shop, ck->shop) != 0 || d.day != ck->day ||
	    memcmp(d.serial, serial, STORE_SERIAL_BYTES) != 0) {
		snprintf(w->error, sizeof(w->error), "check-in %" PRIu64 ": its "
		    "streak's prize is seq %" PRIu64 ", which is not a grant to "
		    "its visitor at store %s on day %u (serial %s)", ck->id,
		    ck->streak_draw_seq, ck->shop, ck->day, sn);
		return 1;
	}
	if (!ck->streak_rewarded || ck->streak < rules->streak_days ||
	    ck->streak % rules->streak_days != 0) {
		snprintf(w->error, sizeof(w->error), "check-in %" PRIu64 ": "
		    "granted seq %" PRIu64 " for a run of %u days, which does not "
		    "complete a streak of %u", ck->id, ck->streak_draw_seq,
		    ck->streak, rules->streak_days);
		return 1;
	}
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		uint64_t *p = realloc(w->seqs, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		w->seqs = p;
		w->cap = cap;
	}
	w->seqs[w->n++] = ck->streak_draw_seq;
	return 0;
}

/* Orders sequence numbers. */
static int
audit_seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * After a passed replay: every grant of the log is the prize of exactly
 * one check-in that completed a streak (store_checkin's streak_draw_seq),
 * so no grant was made without one, and none twice for one.
 */
static int
audit_grants_txn(struct store_txn *t, struct audit_report *rep)
{
	struct audit_grants w = { .t = t, .c = rep->c };
	uint64_t logged = rep->sum.grants + rep->sum.grant_misses;
	int ret;

	if (rep->c->checkin.streak_reward.prize == 0 || !rep->passed)
		return 0;
	if ((ret = store_checkin_foreach_txn(t, 0, audit_grant_checkin_cb,
	    &w)) < 0)
		goto out;
	if (ret == 0 && w.n > 0) {	/* qsort takes no NULL, even for 0 */
		qsort(w.seqs, w.n, sizeof(*w.seqs), audit_seq_cmp);
		for (size_t i = 1; i < w.n && ret == 0; i++)
			if (w.seqs[i] == w.seqs[i - 1]) {
				snprintf(w.error, sizeof(w.error), "two check-ins "
				    "name the grant of seq %" PRIu64, w.seqs[i]);
				ret = 1;
			}
	}
	if (ret == 0 && w.n != logged) {
		snprintf(w.error, sizeof(w.error), "the log holds %" PRIu64
		    " grants, but %zu check-ins completed a streak with one "
		    "(a grant without its check-in)", logged, w.n);
		ret = 1;
	}
	if (ret == 1) {
		rep->passed = false;
		snprintf(rep->error, sizeof(rep->error), "%s", w.error);
	}
	ret = 0;
out:
	free(w.seqs);
	return ret;
}

/* Audits from the store. */
int
audit_run_store(struct store_txn *t, const char *id, const uint8_t seed[32],
    struct audit_report *rep)
{
	struct audit *a = NULL;
	char why[AUDIT_MSG_MAX - 16];
	int ret;

	memset(rep, 0, sizeof(*rep));
	if ((ret = campaign_load_txn(t, id, &rep->c, why, sizeof(why))) ==
	    -EBADMSG) {
		snprintf(rep->error, sizeof(rep->error), "config: %s", why);
		return 0;
	}
	if (ret < 0)
		return ret;
	memcpy(rep->commitment, rep->c->hdr.commitment, 32);
	if ((ret = audit_prepare(rep, seed, &a)) < 0 || a == NULL)
		goto out;
	ret = store_draw_foreach_txn(t, id, 1, audit_store_cb, a);
	if (ret < 0)
		goto out;
	audit_conclude(rep, a, rep->c->hdr.draws);
	ret = audit_grants_txn(t, rep);
out:
	audit_free(a);
	return ret;
}

/* Reads the header object of a log section into the report. */
static int
audit_jsonl_header(struct audit_report *rep, json_t *o, unsigned long line)
{
	const char *hex = json_string_value(json_object_get(o, "commitment"));
	const char *camp;
	json_t *cfg = json_object_get(o, "config");
	char *text;
	int ret;

	if (hex == NULL || strlen(hex) != 64 || sodium_hex2bin(rep->commitment,
	    32, hex, 64, NULL, NULL, NULL) != 0 || !json_is_object(cfg) ||
	    !json_is_integer(json_object_get(o, "draws")) ||
	    json_integer_value(json_object_get(o, "draws")) < 0) {
		snprintf(rep->error, sizeof(rep->error), "line %lu: the campaign "
		    "header needs commitment (64 hex digits), draws and config",
		    line);
		return -EINVAL;
	}
	rep->expected = (uint64_t)json_integer_value(json_object_get(o,
	    "draws"));
	if ((text = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return -ENOMEM;
	ret = audit_campaign(rep, text, strlen(text));
	free(text);
	camp = json_string_value(json_object_get(o, "campaign"));
	if (ret == 0 && (camp == NULL || strcmp(rep->c->id, camp) != 0)) {
		snprintf(rep->error, sizeof(rep->error), "line %lu: the header "
		    "names another campaign than its config", line);
		ret = -EINVAL;
	}
	return ret;
}

/* Audits an exported JSONL log. */
int
audit_run_jsonl(FILE *f, const char *id, const uint8_t seed[32],
    struct audit_report *rep)
{
	struct audit *a = NULL;
	char *line = NULL, why[AUDIT_MSG_MAX - 64];
	size_t cap = 0;
	unsigned long lineno = 0;
	bool inside = false, found = false;
	ssize_t got;
	int ret = 0;

	memset(rep, 0, sizeof(*rep));
	while ((got = getline(&line, &cap, f)) >= 0) {
		const char *type, *camp;
		struct store_draw d;
		json_error_t jerr;
		json_t *o;

		lineno++;
		while (got > 0 && (line[got - 1] == '\n' ||
		    line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0)
			continue;
		if ((o = json_loadb(line, (size_t)got, JSON_REJECT_DUPLICATES,
		    &jerr)) == NULL || !json_is_object(o)) {
			json_decref(o);
			if (!inside)
				continue;
			audit_fail(a, "line %lu: not a JSON object", lineno);
			break;
		}
		type = json_string_value(json_object_get(o, "type"));
		camp = json_string_value(json_object_get(o, "campaign"));
		if (type != NULL && strcmp(type, "campaign") == 0) {
			if (inside) {		/* the next campaign's section */
				json_decref(o);
				break;
			}
			if (camp == NULL || (id != NULL && strcmp(camp, id) != 0)) {
				json_decref(o);
				continue;
			}
			found = inside = true;
			ret = audit_jsonl_header(rep, o, lineno);
			json_decref(o);
			if (ret == -EINVAL) {
				ret = 0;
				goto out;
			}
			if (ret < 0)
				goto out;
			if ((ret = audit_prepare(rep, seed, &a)) < 0 || a == NULL)
				goto out;
			continue;
		}
		if (!inside) {
			json_decref(o);
			continue;
		}
		if (type == NULL || strcmp(type, "draw") != 0 || camp == NULL ||
		    strcmp(camp, rep->c->id) != 0) {
			audit_fail(a, "line %lu: not a draw of campaign %s",
			    lineno, rep->c->id);
			json_decref(o);
			break;
		}
		ret = drawlog_draw_from_json(rep->c, o, &d, why, sizeof(why));
		json_decref(o);
		if (ret < 0) {
			ret = 0;
			audit_fail(a, "line %lu: %s", lineno, why);
			break;
		}
		if (audit_feed(a, &d) < 0)
			break;
	}
	if (!found) {
		ret = -ENOENT;
		goto out;
	}
	if (a != NULL)
		audit_conclude(rep, a, rep->expected);
out:
	free(line);
	audit_free(a);
	return ret;
}

/* Drops the report's reference. */
void
audit_report_free(struct audit_report *rep)
{
	campaign_unref(rep->c, __func__);
	rep->c = NULL;
}
