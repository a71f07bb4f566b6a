/*
 * export_row.c — a scan record as one CSV or JSON Lines row, written
 * straight into the writer's buffer: the inner loop of a scan export.
 *
 * It writes the same bytes as analytics_scan_fields_write and
 * output_row_end (field by field through output.c; tests/unit/
 * test_export_row.c compares the two over random and hostile records),
 * without their per-field work: one room check per row (for the texts'
 * lengths, each measured once), the keys and separators as constants,
 * and the texts that repeat from row to row (verdict, reason, GTIN, line,
 * who, language) copied from the row before when they are the same
 * bytes.
 */
#include "analytics/analytics_internal.h"

#include <math.h>
#include <string.h>

/* Room for a row besides its texts: keys, numbers, times, separators. */
#define ROW_FIXED 1024

/* The length of a text, 0 for NULL. */
static inline size_t
row_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Writes a key (JSON: ,"name": ; CSV: the comma); the first field's
 * has no comma. */
static inline uint8_t *
row_key(uint8_t *d, bool json, const char *key, size_t n)
{
	if (json) {
		memcpy(d, key, n);
		return d + n;
	}
	*d = ',';
	return d + 1;
}

#define ROW_KEY(d, json, lit) row_key(d, json, lit, sizeof(lit) - 1)

/* An absent value. */
static inline uint8_t *
row_null(uint8_t *d, bool json)
{
	if (!json)
		return d;
	memcpy(d, "null", 4);
	return d + 4;
}

/* A text that often repeats: copied from the last row's when the same. */
static uint8_t *
row_memo_put(struct scan_row_memo *m, enum output_format f, uint8_t *d,
    const char *s, size_t len)
{
	uint8_t *start = d;

	if (len == m->len && len <= sizeof(m->in) && m->out_len > 0 &&
	    memcmp(s, m->in, len) == 0) {
		memcpy(d, m->out, m->out_len);
		return d + m->out_len;
	}
	d = output_text_put(f, d, s, len);
	if (len <= sizeof(m->in) && (size_t)(d - start) <= sizeof(m->out)) {
		memcpy(m->in, s, len);
		m->len = len;
		memcpy(m->out, start, (size_t)(d - start));
		m->out_len = (size_t)(d - start);
	} else
		m->out_len = 0;
	return d;
}

/* A text of n bytes, absent when NULL (or when empty, with empty_null). */
static inline uint8_t *
row_text(struct output *o, uint8_t *d, const char *s, size_t n,
    bool empty_null)
{
	if (s == NULL || (empty_null && n == 0))
		return row_null(d, o->format == OUTPUT_JSONL);
	return output_text_put(o->format, d, s, n);
}

/* A text through a memo, absent as row_text says. */
static inline uint8_t *
row_memo(struct output *o, struct scan_row_memo *m, uint8_t *d,
    const char *s, size_t n, bool empty_null)
{
	if (s == NULL || (empty_null && n == 0))
		return row_null(d, o->format == OUTPUT_JSONL);
	return row_memo_put(m, o->format, d, s, n);
}

/* A number, absent when 0. */
static inline uint8_t *
row_opt_u64(uint8_t *d, bool json, uint64_t v)
{
	return v == 0 ? row_null(d, json) : output_u64_put(d, v);
}

/* A time. */
static inline uint8_t *
row_time(struct output *o, uint8_t *d, bool json, int64_t us)
{
	if (json)
		*d++ = '"';
	d = output_time_put(o, us, d);
	if (json)
		*d++ = '"';
	return d;
}

/* A time, absent when 0. */
static inline uint8_t *
row_opt_time(struct output *o, uint8_t *d, bool json, int64_t us)
{
	return us == 0 ? row_null(d, json) : row_time(o, d, json, us);
}

/* A finite number, absent otherwise. */
static inline uint8_t *
row_double(uint8_t *d, bool json, double v, bool is_float)
{
	return isfinite(v) ? output_double_put(d, v, is_float) :
	    row_null(d, json);
}

/* Writes one scan record as a row. */
void
analytics_scan_row_write(struct output *o, struct scan_row_memos *m,
    const struct scan_record *r)
{
	bool json = o->format == OUTPUT_JSONL;
	size_t verdict = row_len(r->verdict), reason = row_len(r->reason);
	size_t serial = strlen(r->serial), gtin = strlen(r->gtin);
	size_t line = row_len(r->line), who = row_len(r->who);
	size_t ip = strlen(r->ip), visitor = strlen(r->visitor);
	size_t lang = row_len(r->lang), ua = row_len(r->ua);
	size_t raw = row_len(r->raw);
	uint8_t *d;

	/* Every text escaped at 6 bytes a byte at most. */
	if ((d = output_row_reserve(o, 6 * (verdict + reason + serial + gtin +
	    line + who + ip + visitor + lang + ua + raw) + ROW_FIXED)) == NULL)
		return;
	if (json) {
		memcpy(d, "{\"event_id\":", 12);
		d += 12;
	}
	d = output_u64_put(d, r->event_id);
	d = ROW_KEY(d, json, ",\"time\":");
	d = row_time(o, d, json, r->time);
	d = ROW_KEY(d, json, ",\"verdict\":");
	d = row_memo(o, &m->verdict, d, r->verdict, verdict, false);
	d = ROW_KEY(d, json, ",\"reason\":");
	d = row_memo(o, &m->reason, d, r->reason, reason, false);
	d = ROW_KEY(d, json, ",\"serial\":");
	d = row_text(o, d, r->serial, serial, true);
	d = ROW_KEY(d, json, ",\"gtin\":");
	d = row_memo(o, &m->gtin, d, r->gtin, gtin, true);
	d = ROW_KEY(d, json, ",\"batch_id\":");
	d = row_opt_u64(d, json, r->batch_id);
	d = ROW_KEY(d, json, ",\"line\":");
	d = row_memo(o, &m->line, d, r->line, line, true);
	d = ROW_KEY(d, json, ",\"who\":");
	d = row_memo(o, &m->who, d, r->who, who, false);
	d = ROW_KEY(d, json, ",\"drawcode\":");
	*d++ = r->drawcode ? '1' : '0';
	d = ROW_KEY(d, json, ",\"ip\":");
	d = row_text(o, d, r->ip, ip, true);
	d = ROW_KEY(d, json, ",\"visitor\":");
	d = row_text(o, d, r->visitor, visitor, true);
	d = ROW_KEY(d, json, ",\"lat\":");
	if (r->has_location) {
		d = row_double(d, json, r->lat, false);
		d = ROW_KEY(d, json, ",\"lon\":");
		d = row_double(d, json, r->lon, false);
		d = ROW_KEY(d, json, ",\"accuracy\":");
		d = row_double(d, json, r->accuracy, true);
		d = ROW_KEY(d, json, ",\"location_time\":");
		d = row_opt_time(o, d, json, r->location_time);
	} else if (json) {
		static const char none[] = "null,\"lon\":null,"
		    "\"accuracy\":null,\"location_time\":null";

		memcpy(d, none, sizeof(none) - 1);
		d += sizeof(none) - 1;
	} else {
		memcpy(d, ",,,", 3);
		d += 3;
	}
	d = ROW_KEY(d, json, ",\"lang\":");
	d = row_memo(o, &m->lang, d, r->lang, lang, true);
	d = ROW_KEY(d, json, ",\"ua\":");
	d = row_text(o, d, r->ua, ua, true);
	d = ROW_KEY(d, json, ",\"raw\":");
	d = row_text(o, d, r->raw, raw, true);
	d = ROW_KEY(d, json, ",\"prev_event_id\":");
	d = row_opt_u64(d, json, r->prev_event_id);
	memcpy(d, json ? "}\n" : "\r\n", 2);
	output_row_commit(o, d + 2);
}
