/*
 * page_fast.c — the genuine verdict pages as pieces for one writev: the
 * text every such page of a language and kind shares, rendered once, and
 * the page's own fields (GTIN, serial, batch, counts, time, location
 * button, language link) rendered per request between the pieces.
 *
 * The shared text is not written twice: a page's template is what
 * page_render_scan makes of a page whose variable fields hold sentinels
 * (values no page text holds), cut at the sentinels. The template of a
 * kind of page is made the first time a loop needs it. Pages this file
 * does not make (other verdicts, prize draws, a first scan's location
 * shown with its time) come from page_render_scan, which makes every
 * page: the two agree byte for byte (the unit test compares them).
 */
#include "scanner/pages.h"
#include "scanner/pages_internal.h"
#include "scanner/verify.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The kinds of genuine page (the branches of scan_genuine). */
enum page_fast_kind {
	PAGE_FAST_FIRST,	/* the code's first human scan */
	PAGE_FAST_CHECKED,	/* known code, no repeat to tell */
	PAGE_FAST_AGAIN,	/* scanned before by another visitor */
	PAGE_FAST_SELF,		/* scanned before by this visitor only */
};

/* What a template leaves to each page. */
enum page_fast_var {
	PAGE_VAR_GTIN,
	PAGE_VAR_SERIAL,
	PAGE_VAR_BATCH,
	PAGE_VAR_SCANS,
	PAGE_VAR_TIME,
	PAGE_VAR_EVENT,
	PAGE_VAR_TOKEN,
	PAGE_VAR_LINK,		/* the language link (page_lang_link) */
	PAGE_VARS,
	PAGE_VAR_TEXT = -1,	/* a piece of the template's own text */
};

/* The sentinels: values of the fields that no page's text holds. */
#define PAGE_SENT_GTIN "\001G\001"
#define PAGE_SENT_SERIAL "\001S\001"
#define PAGE_SENT_TOKEN "\001T\001"
#define PAGE_SENT_BATCH 4294967291u		/* the largest 32-bit prime */
#define PAGE_SENT_SCANS 4294967279u
#define PAGE_SENT_EVENT 18446744073709551557u	/* the largest 64-bit one */
#define PAGE_SENT_TIME 4102444800000000LL	/* 2100-01-01 00:00 UTC */

/* Key bits: language, kind (2 bits), batch, time, location button. */
#define PAGE_FAST_KEYS 64

/* A piece of a page: the template's text, or a field. */
struct page_piece {
	int var;		/* enum page_fast_var, or PAGE_VAR_TEXT */
	size_t off, len;	/* in the template's text (PAGE_VAR_TEXT) */
};

/* One kind of page: its text, and the pieces that make a page of it. */
struct page_tpl {
	struct buf text;
	unsigned npieces;
	struct page_piece piece[2 * PAGE_VARS + 1];
};

/* A sentinel found in a template's text. */
struct page_sent_at {
	size_t off, len;
	int var;
};

/* A kind of page whose template could not be made: page_render_scan
 * makes its pages. */
static struct page_tpl page_tpl_none;

static _Atomic(struct page_tpl *) page_tpls[PAGE_FAST_KEYS];

/* The kind of a genuine page. */
static enum page_fast_kind
page_fast_kind(const struct page_scan *p)
{
	if (p->repeat == PAGE_REPEAT_SELF)
		return PAGE_FAST_SELF;
	if (p->repeat == PAGE_REPEAT_OTHER)
		return PAGE_FAST_AGAIN;
	return p->this_is_first ? PAGE_FAST_FIRST : PAGE_FAST_CHECKED;
}

/* The time a page of kind k shows (0: none). */
static int64_t
page_fast_time(const struct page_scan *p, enum page_fast_kind k)
{
	switch (k) {
	case PAGE_FAST_SELF:
		return p->repeat_since;
	case PAGE_FAST_FIRST:
	case PAGE_FAST_AGAIN:
		return p->first_time;
	default:
		return 0;
	}
}

/* True when the page shows the location button. */
static bool
page_fast_has_button(const struct page_scan *p)
{
	return p->event_id != 0 && p->location_token != NULL;
}

/* The key of p's template, or -1 when p is not a page made here. */
static int
page_fast_key(const struct page_scan *p)
{
	enum page_fast_kind k;

	if (p->verdict != VERDICT_GENUINE || page_scan_has_draw(p) ||
	    p->gtin == NULL || *p->gtin == '\0' || p->serial == NULL ||
	    *p->serial == '\0' || (unsigned)p->lang > 1)
		return -1;
	k = page_fast_kind(p);
	/* Where a first scan was made: rare, and formatted with %.2f. */
	if (k == PAGE_FAST_AGAIN && p->first_time != 0 &&
	    p->first_has_location)
		return -1;
	return (int)p->lang | (int)k << 1 | (p->batch_id != 0) << 3 |
	    (page_fast_time(p, k) != 0) << 4 | page_fast_has_button(p) << 5;
}

/* Finds text's one occurrence of s (n bytes); returns its offset, -1 if
 * absent, -2 if it occurs more than once. */
static long
page_fast_find(const struct buf *text, const char *s, size_t n)
{
	const char *data = (const char *)text->data;
	const char *hit = NULL, *at = data, *end = data + text->len;

	while ((size_t)(end - at) >= n &&
	    (at = memmem(at, (size_t)(end - at), s, n)) != NULL) {
		if (hit != NULL)
			return -2;
		hit = at;
		at += n;
	}
	return hit != NULL ? (long)(hit - data) : -1;
}

/* Renders p's field v into o. */
static void
page_fast_var(struct page_out *o, const struct page_scan *p, int v)
{
	switch (v) {
	case PAGE_VAR_GTIN:
		put_esc(o, p->gtin, PAGE_FIELD_MAX);
		break;
	case PAGE_VAR_SERIAL:
		put_esc(o, p->serial, PAGE_FIELD_MAX);
		break;
	case PAGE_VAR_BATCH:
		page_put_dec(o, p->batch_id, false);
		break;
	case PAGE_VAR_SCANS:
		page_put_dec(o, p->scans, false);
		break;
	case PAGE_VAR_TIME:
		page_put_time(o, page_fast_time(p, page_fast_kind(p)));
		break;
	case PAGE_VAR_EVENT:
		page_put_dec(o, p->event_id, false);
		break;
	case PAGE_VAR_TOKEN:
		put_esc(o, p->location_token, PAGE_TOKEN_MAX);
		break;
	case PAGE_VAR_LINK:
		page_lang_link(o, p->lang, p->self_path);
		break;
	}
}

/* Makes the template of key: renders a page of that kind with sentinels
 * and cuts it at them. NULL on failure (no memory, or a sentinel that
 * does not occur exactly once where the kind shows it). */
static struct page_tpl *
page_tpl_make(int key)
{
	enum page_fast_kind k = (enum page_fast_kind)(key >> 1 & 3);
	struct page_scan p, sp;
	struct page_tpl *t;
	struct page_sent_at at[PAGE_VARS], tmp;
	char sent[PAGE_VARS][96];
	size_t sent_len[PAGE_VARS], pos = 0, n = 0;
	struct buf b = { 0 };
	struct page_out o = { &b, 0 };

	memset(&p, 0, sizeof(p));
	p.lang = (enum page_lang)(key & 1);
	p.verdict = VERDICT_GENUINE;
	p.gtin = PAGE_SENT_GTIN;
	p.serial = PAGE_SENT_SERIAL;
	p.batch_id = key & 8 ? PAGE_SENT_BATCH : 0;
	p.scans = PAGE_SENT_SCANS;
	p.repeat = k == PAGE_FAST_SELF ? PAGE_REPEAT_SELF :
	    k == PAGE_FAST_AGAIN ? PAGE_REPEAT_OTHER : PAGE_REPEAT_NONE;
	p.this_is_first = k == PAGE_FAST_FIRST;
	if (key & 16) {
		if (k == PAGE_FAST_SELF)
			p.repeat_since = PAGE_SENT_TIME;
		else
			p.first_time = PAGE_SENT_TIME;
	}
	if (key & 32) {
		p.event_id = PAGE_SENT_EVENT;
		p.location_token = PAGE_SENT_TOKEN;
	}
	p.self_path = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (page_render_scan(&p, &t->text) < 0)
		goto fail;
	/* Each sentinel as the renderer writes it: the fields of a page
	 * that holds every sentinel (a first scan's, which shows its time). */
	sp = p;
	sp.repeat = PAGE_REPEAT_NONE;
	sp.this_is_first = true;
	sp.batch_id = PAGE_SENT_BATCH;
	sp.first_time = PAGE_SENT_TIME;
	sp.event_id = PAGE_SENT_EVENT;
	sp.location_token = PAGE_SENT_TOKEN;
	for (int v = 0; v < PAGE_VARS; v++) {
		buf_reset(&b);
		page_fast_var(&o, &sp, v);
		if (o.ret != 0 || b.len >= sizeof(sent[v]))
			goto fail;
		memcpy(sent[v], b.data, b.len);
		sent_len[v] = b.len;
	}
	for (int v = 0; v < PAGE_VARS; v++) {
		long off = page_fast_find(&t->text, sent[v], sent_len[v]);

		if (off == -2)
			goto fail;
		if (off >= 0)
			at[n++] = (struct page_sent_at){ (size_t)off,
			    sent_len[v], v };
	}
	/* The pieces in the order of the text (insertion sort). */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && at[j - 1].off > at[j].off; j--) {
			tmp = at[j];
			at[j] = at[j - 1];
			at[j - 1] = tmp;
		}
	for (size_t i = 0; i < n; i++) {
		if (at[i].off < pos)
			goto fail;	/* overlapping sentinels */
		if (at[i].off > pos)
			t->piece[t->npieces++] = (struct page_piece){
			    PAGE_VAR_TEXT, pos, at[i].off - pos };
		t->piece[t->npieces++] = (struct page_piece){ at[i].var, 0,
		    0 };
		pos = at[i].off + at[i].len;
	}
	if (t->text.len > pos)
		t->piece[t->npieces++] = (struct page_piece){ PAGE_VAR_TEXT,
		    pos, t->text.len - pos };
	buf_free(&b);
	return t;
fail:
	buf_free(&b);
	buf_free(&t->text);
	free(t);
	return NULL;
}

/* The template of key: made on first use (by whichever loop gets there
 * first), &page_tpl_none when it cannot be made. */
static struct page_tpl *
page_tpl_get(int key)
{
	struct page_tpl *t = atomic_load_explicit(&page_tpls[key],
	    memory_order_acquire), *expected = NULL;

	if (t != NULL)
		return t;
	if ((t = page_tpl_make(key)) == NULL)
		t = &page_tpl_none;
	if (!atomic_compare_exchange_strong_explicit(&page_tpls[key],
	    &expected, t, memory_order_acq_rel, memory_order_acquire)) {
		if (t != &page_tpl_none) {
			buf_free(&t->text);
			free(t);
		}
		t = expected;
	}
	return t;
}

/* The verdict page of p as pieces. */
int
page_render_scan_iov(const struct page_scan *p, struct buf *scratch,
    struct iovec *iov, size_t *total)
{
	struct page_out o = { scratch, 0 };
	size_t start = scratch->len, off[PAGE_IOV_MAX];
	struct page_tpl *t;
	int key = page_fast_key(p);

	if (key < 0 || (t = page_tpl_get(key)) == &page_tpl_none ||
	    t->npieces > PAGE_IOV_MAX)
		return -ENOTSUP;
	/* The fields first (the scratch buffer may move as it grows)... */
	for (unsigned i = 0; i < t->npieces; i++) {
		off[i] = scratch->len;
		if (t->piece[i].var != PAGE_VAR_TEXT)
			page_fast_var(&o, p, t->piece[i].var);
	}
	if (page_finish(&o, start) < 0)
		return o.ret;
	/* ...then the pieces. */
	*total = 0;
	for (unsigned i = 0; i < t->npieces; i++) {
		if (t->piece[i].var == PAGE_VAR_TEXT)
			iov[i] = (struct iovec){ t->text.data + t->piece[i].off,
			    t->piece[i].len };
		else
			iov[i] = (struct iovec){ scratch->data + off[i],
			    (i + 1 < t->npieces ? off[i + 1] : scratch->len) -
			    off[i] };
		*total += iov[i].iov_len;
	}
	return (int)t->npieces;
}
