/*
 * epcis.c — the streaming EPCISDocument writer (JSON-LD): the document
 * head, one ObjectEvent per scan or per step of a batch's life, and the
 * tail. Events are formatted by hand into one buffer that goes to the
 * sink in large pieces: no JSON tree per event, constant memory.
 */
#include "analytics/epcis.h"
#include "analytics/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegen/code.h"
#include "common/clock.h"
#include "common/tz.h"

/* Bytes the buffer collects before it goes to the sink. */
#define EPCIS_FLUSH_AT (256 * 1024)
/* Time zone offsets are looked up once per this many seconds: zones
 * change offsets at whole quarter hours. */
#define EPCIS_TZ_SLOT 900

/* What makes an event's parts (its hash among them), one per thread. */
struct epcis_maker {
	const struct epcis_opts *o;	/* the writer's */
	struct buf scratch;		/* pre-hash strings */
	int64_t slot;			/* cached offset's slot, or -1 */
	int offset;			/* its offset east of UTC, seconds */
	struct epcis_scan_memo memo;	/* epcis_scan.c */
	int64_t when_sec;		/* the local second of when_text */
	char when_text[20];		/* "2026-01-02T03:04:05" */
};

struct epcis_writer {
	struct epcis_opts o;
	epcis_sink_fn sink;
	void *arg;
	struct buf out;
	struct epcis_maker m;
	char *saved_tz;
	bool tz_pushed;
	int err;			/* sticky: the first error */
	uint64_t events;
	uint64_t flushed;		/* bytes given to the sink */
};

/* Hands the buffer to the sink; keeps the first error. */
static int
writer_flush(struct epcis_writer *w)
{
	int ret;

	if (w->err == 0 && w->out.len > 0 &&
	    (ret = w->sink(w->arg, w->out.data, w->out.len)) < 0)
		w->err = ret;
	w->flushed += w->out.len;
	buf_reset(&w->out);
	return w->err;
}

/* Writes the JSON string content of the n bytes at s, escaped (a control
 * character as \u00XX, a quote or backslash after a backslash; at most 6
 * bytes a byte); returns the end. */
static char *
escape_n_at(char *d, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	/* Mostly plain ASCII (an EPC, a visitor id), copied whole. */
	if (output_json_plain(s, n)) {
		memcpy(d, s, n);
		return d + n;
	}
	for (const char *end = s + n; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*d++ = (char)c;
			continue;
		}
		*d++ = '\\';
		if (c == '"' || c == '\\') {
			*d++ = (char)c;
			continue;
		}
		memcpy(d, "u00", 3);
		d[3] = hex[c >> 4];
		d[4] = hex[c & 15];
		d += 5;
	}
	return d;
}

/* The same for a string. */
static char *
escape_at(char *d, const char *s)
{
	return escape_n_at(d, s, strlen(s));
}

/* Appends a JSON string's content, escaped. */
static int
put_escaped(struct buf *b, const char *s)
{
	int ret;

	if ((ret = buf_reserve(b, 6 * strlen(s))) < 0)
		return ret;
	b->len = (size_t)(escape_at((char *)b->data + b->len, s) -
	    (char *)b->data);
	b->data[b->len] = '\0';
	return 0;
}

/* Writes the n bytes of a literal at d; returns the end. */
static inline char *
put_at(char *d, const char *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

#define PUT_LIT(d, lit) put_at(d, lit, sizeof(lit) - 1)

/* Writes two digits. */
static char *
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Writes v in decimal; returns its length. */
static size_t
format_u64(uint64_t v, char out[24])
{
	char tmp[24];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* Returns the zone's offset east of UTC at Unix second t. */
static int
maker_offset(struct epcis_maker *w, int64_t t)
{
	int64_t slot = t >= 0 ? t / EPCIS_TZ_SLOT : -1 - (-t - 1) / EPCIS_TZ_SLOT;
	time_t tt = (time_t)(slot * EPCIS_TZ_SLOT);
	struct tm tm;

	if (w->o->tz == NULL)
		return 0;
	if (slot != w->slot) {
		localtime_r(&tt, &tm);
		w->offset = (int)tm.tm_gmtoff;
		w->slot = slot;
	}
	return w->offset;
}

/* Formats an offset as "+08:00". */
static void
format_offset(int off, char out[7])
{
	int a = off < 0 ? -off : off;

	out[0] = off < 0 ? '-' : '+';
	put2(out + 1, a / 3600);
	out[3] = ':';
	put2(out + 4, a / 60 % 60);
	out[6] = '\0';
}

/* Formats Unix microseconds as local time with milliseconds and the
 * offset ("2026-01-02T03:04:05.678+08:00") and the offset alone. The
 * milliseconds are rounded as the event hash rounds them, so that the
 * text and the hash name the same instant. Returns the length of when. */
static size_t
format_time(struct epcis_maker *w, int64_t us, char when[40], char off[7])
{
	int64_t ms = us >= 0 ? (us + 500) / 1000 : -((-us + 499) / 1000);
	int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	int o = maker_offset(w, sec);
	time_t t = (time_t)(sec + o);
	int frac = (int)(ms - sec * 1000);
	struct tm tm;
	char *p = when, text[28];

	format_offset(o, off);
	if (t >= 0 && t < INT64_C(253402300800)) {
		/* Years 1970 to 9999, the local date and time of the last
		 * second kept: consecutive events mostly share it. */
		if (w->when_sec != t || w->when_text[0] == '\0') {
			output_format_time((int64_t)t * 1000000, text);
			memcpy(w->when_text, text, 19);
			w->when_sec = t;
		}
		memcpy(p, w->when_text, 19);
		p += 19;
	} else {
		gmtime_r(&t, &tm);
		p = put2(p, (tm.tm_year + 1900) / 100);
		p = put2(p, (tm.tm_year + 1900) % 100);
		*p++ = '-';
		p = put2(p, tm.tm_mon + 1);
		*p++ = '-';
		p = put2(p, tm.tm_mday);
		*p++ = 'T';
		p = put2(p, tm.tm_hour);
		*p++ = ':';
		p = put2(p, tm.tm_min);
		*p++ = ':';
		p = put2(p, tm.tm_sec);
	}
	*p++ = '.';
	*p++ = (char)('0' + frac / 100);
	p = put2(p, frac % 100);
	memcpy(p, off, 7);
	return (size_t)(p - when) + 6;
}

/* Writes an item's GS1 Digital Link URI: the key's base URL (scheme and
 * host in lower case, as RFC 3986 compares them; the path as printed)
 * or https://id.gs1.org, then /01/GTIN/21/SERIAL. Returns its length. */
static size_t
format_epc(const char *base_url, const char *gtin, const char *serial,
    char *out, size_t outlen)
{
	char base[STORE_URL_MAX + 1];
	size_t i = 0, slashes = 0, lg, ls;

	if (base_url == NULL || *base_url == '\0')
		base_url = EPCIS_DEFAULT_HOST;
	for (; base_url[i] != '\0' && i < STORE_URL_MAX; i++) {
		char c = base_url[i];

		if (c == '/')
			slashes++;
		base[i] = slashes < 3 && c >= 'A' && c <= 'Z' ?
		    (char)(c - 'A' + 'a') : c;
	}
	while (i > 0 && base[i - 1] == '/')
		i--;
	lg = strlen(gtin);
	ls = strlen(serial);
	if (i + 4 + lg + 4 + ls + 1 > outlen) {
		*out = '\0';	/* cannot happen: the callers' sizes hold it */
		return 0;
	}
	memcpy(out, base, i);
	memcpy(out + i, "/01/", 4);
	memcpy(out + i + 4, gtin, lg);
	memcpy(out + i + 4 + lg, "/21/", 4);
	memcpy(out + i + 8 + lg, serial, ls + 1);
	return i + 8 + lg + ls;
}

/* Opens a writer and writes the document head. */
int
epcis_open(const struct epcis_opts *o, epcis_sink_fn sink, void *arg,
    struct epcis_writer **out)
{
	struct epcis_writer *w;
	char created[CLOCK_ISO8601_US_LEN];
	int ret;

	*out = NULL;
	if (o->geo_digits < 0 || o->geo_digits > EPCIS_GEO_DIGITS_MAX ||
	    (o->tz != NULL && !tz_known(o->tz)) ||
	    (o->scan_step != EPCIS_SCAN_STEP_CONSUMER &&
	    o->scan_step != EPCIS_SCAN_STEP_INSPECTING))
		return -EINVAL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->o = *o;
	w->sink = sink;
	w->arg = arg;
	w->m.o = &w->o;
	w->m.slot = INT64_MIN;
	if (o->tz != NULL) {
		if ((ret = tz_push(o->tz, &w->saved_tz)) < 0)
			goto fail;
		w->tz_pushed = true;
	}
	clock_format_iso8601_us(o->created ? o->created : clock_now_us(),
	    created);
	if ((ret = buf_printf(&w->out, "{\"@context\":["
	    "\"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld\","
	    "{\"%s\":\"%s\"}],"
	    "\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\","
	    "\"creationDate\":\"%s\",\"epcisBody\":{\"eventList\":[",
	    EPCIS_NS_PREFIX, EPCIS_NS, created)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	epcis_free(w);
	return ret;
}

/* Starts an event: separator, type, times and eventID. */
static int
put_event_head(struct epcis_writer *w, const char *when, const char *off,
    const char *id)
{
	struct buf *b = &w->out;
	int ret;

	if ((ret = buf_puts(b, w->events > 0 ? ",\n{\"type\":\"ObjectEvent\","
	    "\"eventTime\":\"" : "\n{\"type\":\"ObjectEvent\",\"eventTime\":\""))
	    < 0 || (ret = buf_puts(b, when)) < 0 ||
	    (ret = buf_puts(b, "\",\"eventTimeZoneOffset\":\"")) < 0 ||
	    (ret = buf_puts(b, off)) < 0 ||
	    (ret = buf_puts(b, "\",\"eventID\":\"")) < 0 ||
	    (ret = buf_puts(b, id)) < 0)
		return ret;
	return buf_puts(b, "\"");
}

/* Formats "geo:LAT,LON" rounded to the writer's digits (no "-0");
 * returns its length. */
static size_t
format_geo(const struct epcis_maker *w, double lat, double lon,
    char out[80])
{
	char a[32], b[32];
	const char *pa = a, *pb = b;
	int d = w->o->geo_digits;
	size_t na, nb;

	/* Numbers cut at 31 characters (huge ones), as snprintf into 32
	 * bytes cut them: at most 67 bytes in all. */
	output_format_f(lat, d, a, sizeof(a));
	output_format_f(lon, d, b, sizeof(b));
	if (a[0] == '-' && strspn(a + 1, "0.") == strlen(a + 1))
		pa++;
	if (b[0] == '-' && strspn(b + 1, "0.") == strlen(b + 1))
		pb++;
	na = strlen(pa);
	nb = strlen(pb);
	memcpy(out, "geo:", 4);
	memcpy(out + 4, pa, na);
	out[4 + na] = ',';
	memcpy(out + 5 + na, pb, nb + 1);
	return 5 + na + nb;
}

/* A maker for another thread, over the writer's options. */
int
epcis_maker_new(const struct epcis_writer *w, struct epcis_maker **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return -ENOMEM;
	(*out)->o = &w->o;
	(*out)->slot = INT64_MIN;
	return 0;
}

/* Frees a maker. */
void
epcis_maker_free(struct epcis_maker *m)
{
	if (m == NULL)
		return;
	buf_free(&m->scratch);
	epcis_scan_memo_free(&m->memo);
	free(m);
}

/* Makes a scan's event parts: times, EPC, place, extensions, hash. */
int
epcis_scan_make(struct epcis_maker *m, const struct scan_record *r,
    struct epcis_scan *s)
{
	int ret;

	static const char inspecting[] = "inspecting",
	    consumer[] = EPCIS_BIZSTEP_SCAN;

	if (m->o->scan_step == EPCIS_SCAN_STEP_INSPECTING) {
		s->step = inspecting;
		s->step_len = sizeof(inspecting) - 1;
	} else {
		s->step = consumer;
		s->step_len = sizeof(consumer) - 1;
	}
	s->when_len = format_time(m, r->time, s->when, s->off);
	s->event_len = format_u64(r->event_id, s->event);
	s->has_epc = r->serial[0] != '\0' && r->gtin[0] != '\0';
	s->epc_len = s->has_epc ? format_epc(r->base_url, r->gtin, r->serial,
	    s->epc, sizeof(s->epc)) : 0;
	s->geo_len = r->has_location ? format_geo(m, r->lat, r->lon, s->geo) :
	    0;
	if ((ret = epcis_scan_prehash(&m->memo, r, s, &m->scratch)) < 0)
		return ret;
	return epcis_hash_text(&m->memo.sha, m->scratch.data, m->scratch.len,
	    s->id);
}

/* Writes one scan as an ObjectEvent. */
int
epcis_write_scan(struct epcis_writer *w, const struct scan_record *r)
{
	struct epcis_scan s;
	int ret;

	if (w->err != 0)
		return w->err;
	if ((ret = epcis_scan_make(&w->m, r, &s)) < 0)
		return w->err = ret;
	return epcis_write_made(w, r, &s);
}

/* Writes a scan whose parts are made: the texts of a scan are short, so
 * room is made once and the event written straight into it. */
int
epcis_write_made(struct epcis_writer *w, const struct scan_record *r,
    const struct epcis_scan *s)
{
	size_t nv = strlen(r->verdict), nw = strlen(r->who),
	    room = 6 * (s->epc_len + nv + nw + sizeof(r->visitor)) +
	    s->step_len + sizeof(s->when) + sizeof(s->off) + sizeof(s->id) +
	    sizeof(s->event) + sizeof(s->geo) + 512;
	char *d;
	int ret;

	if (w->err != 0)
		return w->err;
	if ((ret = buf_reserve(&w->out, room)) < 0) {
		w->err = ret;
		return ret;
	}
	d = (char *)w->out.data + w->out.len;
	if (w->events > 0)
		*d++ = ',';
	d = PUT_LIT(d, "\n{\"type\":\"ObjectEvent\",\"eventTime\":\"");
	d = put_at(d, s->when, s->when_len);
	d = PUT_LIT(d, "\",\"eventTimeZoneOffset\":\"");
	d = put_at(d, s->off, sizeof(s->off) - 1);
	d = PUT_LIT(d, "\",\"eventID\":\"");
	d = put_at(d, s->id, sizeof(s->id) - 1);
	d = PUT_LIT(d, "\",\"epcList\":[");
	if (s->has_epc) {
		*d++ = '"';
		d = escape_n_at(d, s->epc, s->epc_len);
		*d++ = '"';
	}
	d = PUT_LIT(d, "],\"action\":\"OBSERVE\",\"bizStep\":\"");
	d = put_at(d, s->step, s->step_len);
	*d++ = '"';
	if (r->has_location) {
		d = PUT_LIT(d, ",\"readPoint\":{\"id\":\"");
		d = put_at(d, s->geo, s->geo_len);
		d = PUT_LIT(d, "\"}");
	}
	d = PUT_LIT(d, ",\"" EPCIS_NS_PREFIX ":event\":");
	d = put_at(d, s->event, s->event_len);
	d = PUT_LIT(d, ",\"" EPCIS_NS_PREFIX ":verdict\":\"");
	d = escape_n_at(d, r->verdict, nv);
	d = PUT_LIT(d, "\",\"" EPCIS_NS_PREFIX ":who\":\"");
	d = escape_n_at(d, r->who, nw);
	*d++ = '"';
	if (r->visitor[0] != '\0') {
		d = PUT_LIT(d, ",\"" EPCIS_NS_PREFIX ":visitor\":\"");
		d = escape_at(d, r->visitor);
		*d++ = '"';
	}
	*d++ = '}';
	*d = '\0';
	w->out.len = (size_t)(d - (char *)w->out.data);
	w->events++;
	if (w->out.len >= EPCIS_FLUSH_AT)
		return writer_flush(w);
	return 0;
}

/* The action, bizStep and disposition of each life step. */
static const struct {
	const char *action, *step, *disposition;
} life_steps[] = {
	[EPCIS_LIFE_MINT] = { "ADD", "commissioning", "inactive" },
	[EPCIS_LIFE_ACTIVATE] = { "OBSERVE", EPCIS_BIZSTEP_ACTIVATE, "active" },
	[EPCIS_LIFE_VOID] = { "DELETE", "decommissioning", "inactive" },
};

/* Writes one life event over ev->n codes. */
int
epcis_write_life(struct epcis_writer *w, const struct epcis_life_event *ev)
{
	size_t epc_len = STORE_URL_MAX + 64;
	char when[40], off[7], id[EPCIS_HASH_LEN], batch[16];
	char serial[CODE_SERIAL_CHARS + 1];
	char *text = NULL;
	const char **epcs = NULL;
	struct epcis_ext ext[2];
	struct epcis_hash_event hev = { 0 };
	int ret = -ENOMEM;

	if (w->err != 0)
		return w->err;
	if (ev->step < EPCIS_LIFE_MINT || ev->step > EPCIS_LIFE_VOID ||
	    ev->n == 0 || ev->n > EPCIS_BATCH_CHUNK ||
	    (ev->step == EPCIS_LIFE_VOID && ev->void_reason == NULL))
		return -EINVAL;
	if ((text = malloc(ev->n * epc_len)) == NULL ||
	    (epcs = malloc(ev->n * sizeof(*epcs))) == NULL)
		goto fail;
	for (size_t i = 0; i < ev->n; i++) {
		code_serial_text(ev->serials[i], serial);
		epcs[i] = text + i * epc_len;
		format_epc(ev->base_url, ev->gtin, serial, text + i * epc_len,
		    epc_len);
	}
	format_time(&w->m, ev->time, when, off);
	snprintf(batch, sizeof(batch), "%u", ev->batch_id);
	ext[0] = (struct epcis_ext){ .ns = EPCIS_NS, .name = "batch",
	    .value = batch };
	ext[1] = (struct epcis_ext){ .ns = EPCIS_NS, .name = "voidReason",
	    .value = ev->void_reason };
	hev = (struct epcis_hash_event){ .type = "ObjectEvent",
	    .time_us = ev->time, .tz_offset = off, .epcs = epcs,
	    .n_epcs = ev->n, .action = life_steps[ev->step].action,
	    .biz_step = life_steps[ev->step].step,
	    .disposition = life_steps[ev->step].disposition, .ext = ext,
	    .n_ext = ev->step == EPCIS_LIFE_VOID ? 2 : 1 };
	if ((ret = epcis_event_hash(&hev, &w->m.scratch, id)) < 0 ||
	    (ret = put_event_head(w, when, off, id)) < 0 ||
	    (ret = buf_puts(&w->out, ",\"epcList\":[")) < 0)
		goto fail;
	for (size_t i = 0; i < ev->n; i++) {
		if ((ret = buf_puts(&w->out, i ? ",\"" : "\"")) < 0 ||
		    (ret = put_escaped(&w->out, epcs[i])) < 0 ||
		    (ret = buf_puts(&w->out, "\"")) < 0)
			goto fail;
		if (w->out.len >= EPCIS_FLUSH_AT && writer_flush(w) < 0)
			goto fail;
	}
	if ((ret = buf_printf(&w->out, "],\"action\":\"%s\",\"bizStep\":\"%s\","
	    "\"disposition\":\"%s\",\"" EPCIS_NS_PREFIX ":batch\":%s",
	    hev.action, hev.biz_step, hev.disposition, batch)) < 0)
		goto fail;
	if (ev->step == EPCIS_LIFE_VOID &&
	    ((ret = buf_puts(&w->out, ",\"" EPCIS_NS_PREFIX ":voidReason\":\""))
	    < 0 || (ret = put_escaped(&w->out, ev->void_reason)) < 0 ||
	    (ret = buf_puts(&w->out, "\"")) < 0))
		goto fail;
	if ((ret = buf_puts(&w->out, "}")) < 0)
		goto fail;
	free(text);
	free(epcs);
	w->events++;
	if (w->out.len >= EPCIS_FLUSH_AT)
		return writer_flush(w);
	return 0;
fail:
	free(text);
	free(epcs);
	if (w->err == 0)
		w->err = ret;
	return w->err;
}

/* Number of events written. */
uint64_t
epcis_events(const struct epcis_writer *w)
{
	return w->events;
}

/* Bytes so far. */
uint64_t
epcis_bytes(const struct epcis_writer *w)
{
	return w->flushed + w->out.len;
}

/* Flushes the buffer. */
int
epcis_flush(struct epcis_writer *w)
{
	return writer_flush(w);
}

/* Writes the tail and flushes. */
int
epcis_close(struct epcis_writer *w)
{
	int ret;

	if (w->err != 0)
		return w->err;
	if ((ret = buf_puts(&w->out, w->events > 0 ? "\n]}}\n" : "]}}\n")) < 0)
		return w->err = ret;
	return writer_flush(w);
}

/* Frees the writer and restores TZ. */
void
epcis_free(struct epcis_writer *w)
{
	if (w == NULL)
		return;
	if (w->tz_pushed)
		tz_pop(w->saved_tz);
	buf_free(&w->out);
	buf_free(&w->m.scratch);
	epcis_scan_memo_free(&w->m.memo);
	free(w);
}
