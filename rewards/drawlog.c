/* drawlog.c — the exported form of a campaign's draw log (JSON Lines). */
#include "rewards/drawlog.h"
#include "rewards/draw.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "common/tz.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Kind names. */
const char *
drawlog_kind_name(int kind)
{
	switch (kind) {
	case STORE_DRAW_ONLINE:
		return "online";
	case STORE_DRAW_OPEN:
		return "open";
	case STORE_DRAW_REFUSED:
		return "refused";
	case STORE_DRAW_GRANT:
		return "grant";
	default:
		return "?";
	}
}

/* Reason names: refusals, and a miss of the shared ledger. */
const char *
drawlog_reason_name(int reason)
{
	switch (reason) {
	case DRAW_REFUSE_VISITOR_DAY:
		return "visitor_day";
	case DRAW_REFUSE_IP_HOUR:
		return "ip_hour";
	case DRAW_REFUSE_VISITOR_WINS:
		return "visitor_wins";
	case DRAW_MISS_LEDGER:
		return "ledger_empty";
	case DRAW_MISS_STOCK:
		return "out_of_stock";
	default:
		return NULL;
	}
}

/* An outcome byte as text. */
const char *
drawlog_outcome_name(const struct campaign *c, unsigned outcome)
{
	if (outcome == STORE_OUTCOME_MISS)
		return "miss";
	if (outcome == STORE_OUTCOME_TICKET)
		return "ticket";
	if (outcome == STORE_OUTCOME_REFUSED)
		return "refused";
	if (outcome - 1 < c->ntiers)
		return c->tiers[outcome - 1].id;
	return "(no such tier)";
}

/* Days since the epoch of the first local day. */
int
drawlog_day0(const struct campaign *c, int64_t *day0)
{
	time_t t = (time_t)(c->day_starts[0] / 1000000);
	struct tm tm;
	char *old;
	int ret;

	if (!tz_known(c->tz))
		return -ENOENT;
	if ((ret = tz_push(c->tz, &old)) < 0)
		return ret;
	localtime_r(&t, &tm);
	tz_pop(old);
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	*day0 = (int64_t)timegm(&tm) / 86400;
	return 0;
}

/* The local date of a day index. */
void
drawlog_date_text(int64_t day0, uint32_t day, char out[DRAWLOG_DATE_LEN])
{
	time_t t = (time_t)((day0 + day) * 86400 + 43200);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, DRAWLOG_DATE_LEN, "%Y-%m-%d", &tm) == 0)
		snprintf(out, DRAWLOG_DATE_LEN, "?");
}

/* The header object of a campaign's log. */
json_t *
drawlog_header_json(const struct store_campaign *hdr, const char *config,
    size_t len)
{
	char hex[65];
	json_t *cfg, *o;

	if ((cfg = json_loadb(config, len, 0, NULL)) == NULL)
		return NULL;
	sodium_bin2hex(hex, sizeof(hex), hdr->commitment, 32);
	o = json_object();
	json_object_set_new(o, "type", json_string("campaign"));
	json_object_set_new(o, "campaign", json_string(hdr->id));
	json_object_set_new(o, "commitment", json_string(hex));
	json_object_set_new(o, "draws", json_integer((json_int_t)hdr->draws));
	json_object_set_new(o, "config", cfg);
	return o;
}

/* One draw as an object. */
json_t *
drawlog_draw_json(const struct campaign *c, const struct store_draw *d,
    const char *date)
{
	char when[CLOCK_ISO8601_US_LEN], sn[CODE_SERIAL_CHARS + 1], rnd[17];
	char claim[BASE32_LEN(STORE_CLAIM_ID_BYTES) + 1];
	const char *reason = drawlog_reason_name(d->reason);
	bool tier = d->outcome != STORE_OUTCOME_MISS &&
	    d->outcome != STORE_OUTCOME_TICKET &&
	    d->outcome != STORE_OUTCOME_REFUSED;
	json_t *o = json_object();

	clock_format_iso8601_us(d->time, when);
	code_serial_text(d->serial, sn);
	snprintf(rnd, sizeof(rnd), "%016" PRIx64, d->rnd);
	json_object_set_new(o, "type", json_string("draw"));
	json_object_set_new(o, "campaign", json_string(c->id));
	json_object_set_new(o, "seq", json_integer((json_int_t)d->seq));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "day", json_integer(d->day));
	if (date != NULL)
		json_object_set_new(o, "date", json_string(date));
	json_object_set_new(o, "kind", json_string(drawlog_kind_name(d->kind)));
	json_object_set_new(o, "serial", json_string(sn));
	json_object_set_new(o, "outcome",
	    json_string(drawlog_outcome_name(c, d->outcome)));
	json_object_set_new(o, "tier", tier ?
	    json_integer(d->outcome - 1) : json_null());
	json_object_set_new(o, "rnd", json_string(rnd));
	json_object_set_new(o, "reason", reason ? json_string(reason) :
	    json_null());
	if (d->has_claim) {
		base32_encode(claim, d->claim_id, STORE_CLAIM_ID_BYTES);
		json_object_set_new(o, "claim", json_string(claim));
	} else
		json_object_set_new(o, "claim", json_null());
	json_object_set_new(o, "ticket_seq", d->kind == STORE_DRAW_OPEN ?
	    json_integer((json_int_t)d->ticket_seq) : json_null());
	json_object_set_new(o, "shop", d->shop[0] != '\0' ?
	    json_string(d->shop) : json_null());
	json_object_set_new(o, "points", json_integer(d->points));
	json_object_set_new(o, "event_id",
	    json_integer((json_int_t)d->event_id));
	return o;
}

/* Reads a non-negative integer member. */
static bool
drawlog_json_uint(json_t *o, const char *key, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

/* Reads a draw object back. */
int
drawlog_draw_from_json(const struct campaign *c, json_t *o,
    struct store_draw *d, char *why, size_t whylen)
{
	const char *s, *field;
	json_t *v;
	uint64_t n;
	int64_t us;

	memset(d, 0, sizeof(*d));
#define BAD(f) do { field = (f); goto bad; } while (0)
	if (!json_is_object(o))
		BAD("(line)");
	if ((s = json_string_value(json_object_get(o, "type"))) == NULL ||
	    strcmp(s, "draw") != 0)
		BAD("type");
	if ((s = json_string_value(json_object_get(o, "campaign"))) == NULL ||
	    strcmp(s, c->id) != 0)
		BAD("campaign");
	if (!drawlog_json_uint(o, "seq", INT64_MAX, &d->seq) || d->seq == 0)
		BAD("seq");
	if ((s = json_string_value(json_object_get(o, "time"))) == NULL ||
	    campaign_parse_time(s, &us) < 0)
		BAD("time");
	d->time = us;
	if (!drawlog_json_uint(o, "day", UINT32_MAX, &n))
		BAD("day");
	d->day = (uint32_t)n;
	if ((s = json_string_value(json_object_get(o, "kind"))) == NULL)
		BAD("kind");
	if (strcmp(s, "online") == 0)
		d->kind = STORE_DRAW_ONLINE;
	else if (strcmp(s, "open") == 0)
		d->kind = STORE_DRAW_OPEN;
	else if (strcmp(s, "refused") == 0)
		d->kind = STORE_DRAW_REFUSED;
	else if (strcmp(s, "grant") == 0)
		d->kind = STORE_DRAW_GRANT;
	else
		BAD("kind");
	if ((s = json_string_value(json_object_get(o, "serial"))) == NULL ||
	    code_serial_parse(s, strlen(s), d->serial) < 0)
		BAD("serial");
	/* The tier index decides; the outcome text must agree with it. */
	s = json_string_value(json_object_get(o, "outcome"));
	v = json_object_get(o, "tier");
	if (s == NULL)
		BAD("outcome");
	if (json_is_null(v)) {
		if (strcmp(s, "miss") == 0)
			d->outcome = STORE_OUTCOME_MISS;
		else if (strcmp(s, "ticket") == 0)
			d->outcome = STORE_OUTCOME_TICKET;
		else if (strcmp(s, "refused") == 0)
			d->outcome = STORE_OUTCOME_REFUSED;
		else
			BAD("outcome");
	} else {
		if (!drawlog_json_uint(o, "tier", c->ntiers - 1, &n))
			BAD("tier");
		if (strcmp(s, c->tiers[n].id) != 0)
			BAD("outcome");
		d->outcome = (uint8_t)(n + 1);
	}
	if ((s = json_string_value(json_object_get(o, "rnd"))) == NULL ||
	    strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
		BAD("rnd");
	d->rnd = strtoull(s, NULL, 16);
	v = json_object_get(o, "reason");
	if (!json_is_null(v)) {
		if ((s = json_string_value(v)) == NULL)
			BAD("reason");
		for (d->reason = 1; d->reason <= DRAW_MISS_STOCK;
		    d->reason++)
			if (drawlog_reason_name(d->reason) != NULL &&
			    strcmp(s, drawlog_reason_name(d->reason)) == 0)
				break;
		if (d->reason > DRAW_MISS_STOCK)
			BAD("reason");
	}
	v = json_object_get(o, "claim");
	if (!json_is_null(v)) {
		if ((s = json_string_value(v)) == NULL ||
		    base32_decode(d->claim_id, STORE_CLAIM_ID_BYTES, s,
		    strlen(s)) < 0)
			BAD("claim");
		d->has_claim = 1;
	}
	/* Only an opening names the draw of its ticket (the export writes
	 * null for the others, and so must read them). */
	v = json_object_get(o, "ticket_seq");
	if (!json_is_null(v) && (d->kind != STORE_DRAW_OPEN ||
	    !drawlog_json_uint(o, "ticket_seq", INT64_MAX, &d->ticket_seq)))
		BAD("ticket_seq");
	v = json_object_get(o, "shop");
	if (!json_is_null(v)) {
		if ((s = json_string_value(v)) == NULL || strlen(s) >
		    STORE_ID_MAX)
			BAD("shop");
		snprintf(d->shop, sizeof(d->shop), "%s", s);
	}
	if (!drawlog_json_uint(o, "points", UINT32_MAX, &n))
		BAD("points");
	d->points = (uint32_t)n;
	if (!drawlog_json_uint(o, "event_id", INT64_MAX, &d->event_id))
		BAD("event_id");
#undef BAD
	return 0;
bad:
	snprintf(why, whylen, "%s: missing or invalid", field);
	return -EINVAL;
}

