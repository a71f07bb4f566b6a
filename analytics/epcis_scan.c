/*
 * epcis_scan.c — the pre-hash string of a scan's ObjectEvent, made from
 * pieces kept between events.
 *
 * epcis_prehash canonicalises every value of an event and sorts its
 * lists: for a scan, most of that work gives what the event before gave.
 * The offset, the action and the bizStep are pieces kept until they
 * change. The extensions need no sorting: their names (event, verdict,
 * visitor, who) differ before any value begins, so their order is fixed.
 * The EPC, an item's GS1 Digital Link URI, is its head (the base URL, the
 * GTIN, "/21/") and the serial: when the head followed by a probe serial
 * canonicalises to https://id.gs1.org/01/GTIN/21/ and the probe, so does
 * the head followed by any serial of 1 to 20 characters of the set a
 * canonical URI keeps as it is (no '/', '?' or '#', which could change
 * what the head's parsing finds). Anything else (a serial outside that
 * set, a time outside years 1970 to 9999) takes epcis_prehash.
 * tests/unit/test_epcis_scan.c compares the two over random and hostile
 * events.
 */
#include "analytics/epcis.h"
#include "analytics/output.h"

#include <errno.h>
#include <string.h>

#define DL_HEAD "https://id.gs1.org/01/"
#define PROBE "A"

/* Frees a memo's pieces. */
void
epcis_scan_memo_free(struct epcis_scan_memo *m)
{
	buf_free(&m->off_piece);
	buf_free(&m->step_piece);
	buf_free(&m->action_piece);
	epcis_sha_free(m->sha);
	m->sha = NULL;
	m->ready = false;
}

/* The event of a scan, as epcis_prehash sees it. */
void
epcis_scan_event(const struct scan_record *r, const struct epcis_scan *s,
    struct epcis_ext ext[4], const char *epcs[1], struct epcis_hash_event *ev)
{
	size_t n_ext = 0;

	memset(ev, 0, sizeof(*ev));
	ext[n_ext++] = (struct epcis_ext){ .ns = EPCIS_NS, .name = "event",
	    .value = s->event };
	ext[n_ext++] = (struct epcis_ext){ .ns = EPCIS_NS, .name = "verdict",
	    .value = r->verdict };
	ext[n_ext++] = (struct epcis_ext){ .ns = EPCIS_NS, .name = "who",
	    .value = r->who };
	if (r->visitor[0] != '\0')
		ext[n_ext++] = (struct epcis_ext){ .ns = EPCIS_NS,
		    .name = "visitor", .value = r->visitor };
	ev->type = "ObjectEvent";
	ev->time_us = r->time;
	ev->tz_offset = s->off;
	if (s->has_epc) {
		epcs[0] = s->epc;
		ev->epcs = epcs;
		ev->n_epcs = 1;
	}
	ev->action = "OBSERVE";
	ev->biz_step = s->step;
	if (r->has_location)
		ev->read_point = s->geo;
	ev->ext = ext;
	ev->n_ext = n_ext;
}

/* True for a serial that a canonical GS1 Digital Link URI keeps as it is
 * and that cannot change how the URI before it parses: 1 to 20 of
 * "'-. 0-9 ;<=> A-Z _ a-z (the reference's set, without '?'). */
static bool
serial_plain(const char *s, size_t n)
{
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!(c == '"' || c == '\'' || c == '-' || c == '.' ||
		    (c >= '0' && c <= '9') || (c >= ';' && c <= '>') ||
		    (c >= 'A' && c <= 'Z') || c == '_' ||
		    (c >= 'a' && c <= 'z')))
			return false;
	}
	return true;
}

/* Learns whether an EPC head takes the fast path, and its canonical form
 * if so. Returns 0 or -ENOMEM. */
static int
memo_epc_head(struct epcis_scan_memo *m, const char *head, size_t n)
{
	char probe[sizeof(m->epc_head) + sizeof(PROBE)];
	struct buf canon = { 0 };
	size_t want = sizeof(DL_HEAD) - 1 + 14 + 4 + sizeof(PROBE) - 1;
	int ret;

	memcpy(m->epc_head, head, n);
	m->epc_head_len = n;
	m->canon_head_len = 0;
	memcpy(probe, head, n);
	memcpy(probe + n, PROBE, sizeof(PROBE));
	if ((ret = epcis_hash_canon_value(probe, &canon)) < 0)
		goto done;
	/* https://id.gs1.org/01/ + 14 digits + /21/ + the probe. */
	if (canon.len != want || memcmp(canon.data, DL_HEAD,
	    sizeof(DL_HEAD) - 1) != 0 || memcmp(canon.data + want -
	    (sizeof(PROBE) - 1) - 4, "/21/" PROBE, 4 + sizeof(PROBE) - 1) != 0)
		goto done;
	for (size_t i = sizeof(DL_HEAD) - 1; i < sizeof(DL_HEAD) - 1 + 14; i++)
		if (canon.data[i] < '0' || canon.data[i] > '9')
			goto done;
	m->canon_head_len = want - (sizeof(PROBE) - 1);
	memcpy(m->canon_head, canon.data, m->canon_head_len);
done:
	buf_free(&canon);
	return ret;
}

/* Makes the pieces that change only with the options. */
static int
memo_ready(struct epcis_scan_memo *m, const struct epcis_scan *s)
{
	int ret;

	buf_reset(&m->step_piece);
	buf_reset(&m->action_piece);
	if ((ret = epcis_prehash_field(&m->step_piece, "bizStep", "BizStep-",
	    s->step)) < 0 || (ret = epcis_prehash_field(&m->action_piece,
	    "action", NULL, "OBSERVE")) < 0)
		return ret;
	m->step = s->step;
	m->off[0] = '\0';
	m->epc_head_len = SIZE_MAX;
	m->ready = true;
	return 0;
}

/* Appends the EPC list; 1 if the EPC needs the slow path. */
static int
put_epc(struct epcis_scan_memo *m, const struct scan_record *r,
    const struct epcis_scan *s, struct buf *out)
{
	size_t sn = strlen(r->serial), en = strlen(s->epc), hn;
	int ret;

	if (!serial_plain(r->serial, sn) || en < sn ||
	    memcmp(s->epc + en - sn, r->serial, sn) != 0)
		return 1;
	hn = en - sn;
	if ((hn != m->epc_head_len || memcmp(s->epc, m->epc_head, hn) != 0) &&
	    (ret = memo_epc_head(m, s->epc, hn)) < 0)
		return ret;
	if (m->canon_head_len == 0)
		return 1;
	if ((ret = buf_append(out, "epcListepc=", 11)) < 0 ||
	    (ret = buf_append(out, m->canon_head, m->canon_head_len)) < 0)
		return ret;
	return buf_append(out, r->serial, sn);
}

/*
 * True when a value is its own canonical form for a plain reason: a
 * number's digits without a leading zero, at most 15 of them (what
 * canonicalising keeps of an integer); or else letters, digits and '_'
 * with something besides digits and 'e' (not a number then, and with no
 * ':' neither a URN nor a URI, no blank to trim).
 */
static bool
value_plain(const char *v, size_t n, bool number)
{
	/* Per byte: OK a digit, a letter or '_'; DIGIT a digit; OTHER a
	 * letter but 'e' or 'E', or '_'. The flags are ANDed and ORed over
	 * the value in two independent chains (this runs for every scan
	 * an EPCIS export writes). */
	enum { OK = 1, DIGIT = 2, OTHER = 4 };
	static const uint8_t cls[256] = {
		['0'] = OK | DIGIT, ['1'] = OK | DIGIT, ['2'] = OK | DIGIT,
		['3'] = OK | DIGIT, ['4'] = OK | DIGIT, ['5'] = OK | DIGIT,
		['6'] = OK | DIGIT, ['7'] = OK | DIGIT, ['8'] = OK | DIGIT,
		['9'] = OK | DIGIT, ['e'] = OK, ['E'] = OK, ['_'] = OK | OTHER,
		['a'] = OK | OTHER, ['b'] = OK | OTHER, ['c'] = OK | OTHER,
		['d'] = OK | OTHER, ['f'] = OK | OTHER, ['g'] = OK | OTHER,
		['h'] = OK | OTHER, ['i'] = OK | OTHER, ['j'] = OK | OTHER,
		['k'] = OK | OTHER, ['l'] = OK | OTHER, ['m'] = OK | OTHER,
		['n'] = OK | OTHER, ['o'] = OK | OTHER, ['p'] = OK | OTHER,
		['q'] = OK | OTHER, ['r'] = OK | OTHER, ['s'] = OK | OTHER,
		['t'] = OK | OTHER, ['u'] = OK | OTHER, ['v'] = OK | OTHER,
		['w'] = OK | OTHER, ['x'] = OK | OTHER, ['y'] = OK | OTHER,
		['z'] = OK | OTHER, ['A'] = OK | OTHER, ['B'] = OK | OTHER,
		['C'] = OK | OTHER, ['D'] = OK | OTHER, ['F'] = OK | OTHER,
		['G'] = OK | OTHER, ['H'] = OK | OTHER, ['I'] = OK | OTHER,
		['J'] = OK | OTHER, ['K'] = OK | OTHER, ['L'] = OK | OTHER,
		['M'] = OK | OTHER, ['N'] = OK | OTHER, ['O'] = OK | OTHER,
		['P'] = OK | OTHER, ['Q'] = OK | OTHER, ['R'] = OK | OTHER,
		['S'] = OK | OTHER, ['T'] = OK | OTHER, ['U'] = OK | OTHER,
		['V'] = OK | OTHER, ['W'] = OK | OTHER, ['X'] = OK | OTHER,
		['Y'] = OK | OTHER, ['Z'] = OK | OTHER,
	};
	unsigned all = OK | DIGIT | OTHER, any = 0;

	if (n == 0 || (number && (n > 15 || (v[0] == '0' && n > 1))))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned c = cls[(uint8_t)v[i]];

		all &= c;
		any |= c;
	}
	return number ? (all & DIGIT) != 0 : (all & OK) && (any & OTHER);
}

/* Appends an extension element of ours, "{ns}name=value", copying a plain
 * value as it is and canonicalising any other. */
static int
put_ext(struct buf *out, const char *name, const char *value, bool number)
{
	static const char ns[] = "{" EPCIS_NS "}";
	size_t nn = strlen(name), vn;
	uint8_t *d;
	int ret;

	if (value == NULL || !value_plain(value, vn = strlen(value), number))
		return epcis_prehash_ext(out, &(struct epcis_ext){
		    .ns = EPCIS_NS, .name = name, .value = value });
	if ((ret = buf_reserve(out, sizeof(ns) + nn + vn)) < 0)
		return ret;
	d = out->data + out->len;
	memcpy(d, ns, sizeof(ns) - 1);
	d += sizeof(ns) - 1;
	memcpy(d, name, nn);
	d += nn;
	*d++ = '=';
	memcpy(d, value, vn);
	d[vn] = '\0';
	out->len += sizeof(ns) - 1 + nn + 1 + vn;
	return 0;
}

/* The fast path: 0, 1 if the event needs the slow one, or -ENOMEM. */
static int
scan_prehash_fast(struct epcis_scan_memo *m, const struct scan_record *r,
    const struct epcis_scan *s, struct buf *out)
{
	int64_t ms = r->time >= 0 ? (r->time + 500) / 1000 :
	    -((-r->time + 499) / 1000);
	char when[28];
	size_t mark;
	int ret;

	/* Years 1970 to 9999, as epcis_prehash writes them without gmtime. */
	if (ms < 0 || ms / 1000 >= INT64_C(253402300800))
		return 1;
	if ((!m->ready || m->step != s->step) &&
	    (ret = memo_ready(m, s)) < 0)
		return ret;
	if (memcmp(m->off, s->off, sizeof(m->off)) != 0) {
		buf_reset(&m->off_piece);
		if ((ret = epcis_prehash_field(&m->off_piece,
		    "eventTimeZoneOffset", NULL, s->off)) < 0)
			return ret;
		memcpy(m->off, s->off, sizeof(m->off));
	}
	/* The date and time of the second before, mostly the same. */
	if (!m->utc_ready || m->utc_sec != ms / 1000) {
		output_format_time(ms / 1000 * 1000000, when);
		memcpy(m->utc_text, when, 19);
		m->utc_sec = ms / 1000;
		m->utc_ready = true;
	}
	memcpy(when, m->utc_text, 19);
	when[19] = '.';
	when[20] = (char)('0' + ms % 1000 / 100);
	when[21] = (char)('0' + ms % 100 / 10);
	when[22] = (char)('0' + ms % 10);
	when[23] = 'Z';
	if ((ret = buf_append(out, "eventType=ObjectEventeventTime=", 31)) < 0 ||
	    (ret = buf_append(out, when, 24)) < 0 ||
	    (ret = buf_append(out, m->off_piece.data, m->off_piece.len)) < 0)
		return ret;
	if (s->has_epc && (ret = put_epc(m, r, s, out)) != 0)
		return ret;
	if ((ret = buf_append(out, m->action_piece.data,
	    m->action_piece.len)) < 0 || (ret = buf_append(out,
	    m->step_piece.data, m->step_piece.len)) < 0)
		return ret;
	if (r->has_location) {
		mark = out->len;
		if ((ret = buf_append(out, "readPoint", 9)) < 0 ||
		    (ret = epcis_prehash_field(out, "id", NULL, s->geo)) < 0)
			return ret;
		if (out->len == mark + 9)
			out->len = mark;
	}
	/* The extensions in their fixed order. */
	if ((ret = put_ext(out, "event", s->event, true)) < 0 ||
	    (ret = put_ext(out, "verdict", r->verdict, false)) < 0)
		return ret;
	if (r->visitor[0] != '\0' &&
	    (ret = put_ext(out, "visitor", r->visitor, false)) < 0)
		return ret;
	return put_ext(out, "who", r->who, false);
}

/* The pre-hash string of a scan's event. */
int
epcis_scan_prehash(struct epcis_scan_memo *m, const struct scan_record *r,
    const struct epcis_scan *s, struct buf *out)
{
	struct epcis_ext ext[4];
	const char *epcs[1];
	struct epcis_hash_event ev;
	int ret;

	buf_reset(out);
	if (r->verdict != NULL && r->who != NULL &&
	    (ret = scan_prehash_fast(m, r, s, out)) <= 0)
		return ret;
	buf_reset(out);
	epcis_scan_event(r, s, ext, epcs, &ev);
	return epcis_prehash(&ev, out);
}
