/*
 * handle_code.c — GET of a code: the code on the package (/01/…/21/…) or
 * the draw code inside it (/D/…), and of a product without a serial.
 *
 * The verdict comes from verify.c; the scan event goes to the writer. A
 * genuine (or not yet active) code is answered with 200 only once its
 * event is committed (scan_page_done); forged, malformed and void codes
 * are answered at once (404/410) and their events recorded behind the
 * answer.
 */
#include "scanner/scan_internal.h"

#include <stdio.h>
#include <string.h>

/* HTTP status of a verdict page. */
static int
scan_verdict_status(int verdict)
{
	switch (verdict) {
	case VERDICT_GENUINE:
	case VERDICT_NOT_ACTIVE:
		return 200;
	case VERDICT_VOID:
		return 410;
	default:
		return 404;
	}
}

/* The canonical path a draw form posts back: /01/…/21/…?S=… (upper
 * case) or /D/{TOKEN}. */
static void
scan_form_code(const struct http_req *req, struct scan_op *o)
{
	char *f = o->draw.form_code;
	size_t cap = sizeof(o->draw.form_code);

	if (!o->vr.drawcode) {
		if (code_format(&o->vr.code, "", f, cap) < 0)
			f[0] = '\0';
		return;
	}
	if (req->head.path.len >= cap) {
		f[0] = '\0';
		return;
	}
	for (size_t i = 0; i < req->head.path.len; i++) {
		char c = req->head.path.p[i];

		f[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	f[req->head.path.len] = '\0';
}

/* A code page's event is committed (or not: 503). */
static void
scan_page_done(struct scan_loop *sl, struct scan_op *o)
{
	if (o->op.ret < 0)
		scan_error_page(sl, o->req, 503, "Retry-After: 5\r\n");
	else
		scan_send_page(sl, o, 200);
}

/* A valid GS1 Digital Link of a product without a serial (GTIN g): the
 * product's page. */
static void
scan_product(struct scan_loop *sl, struct http_req *req, const char *g)
{
	enum page_lang lang = page_lang_pick(req->head.accept_language,
	    req->head.query);

	buf_reset(&sl->page);
	if (page_render_product(lang, g, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	scan_send_html(sl, req, "public, max-age=300",
	    "Vary: Accept-Language\r\n");
}

/* GET or HEAD of a code URL, or (drawcode) of an inner draw code. */
static void
scan_code(struct scan_loop *sl, struct http_req *req, bool drawcode)
{
	struct scan_server *srv = sl->srv;
	struct scan_op *o;
	int ret, status;

	if ((o = scan_op_new(sl, req)) == NULL) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		if (drawcode)
			ret = verify_drawcode_txn(&sl->rtxn, srv->core->secrets->drawcode,
			    req->head.path.p, req->head.path.len, &o->vr);
		else
			ret = verify_text_txn(&sl->rtxn, req->head.target.p,
			    req->head.target.len, 0, &o->vr);
		if (ret == 0 && o->vr.verdict == VERDICT_GENUINE)
			scan_draw_prepare(sl, &o->vr, &o->draw);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	if (o->vr.product) {
		char g[GTIN_LEN + 1];

		memcpy(g, o->vr.code.gtin, sizeof(g));
		scan_op_free(o);
		scan_product(sl, req, g);
		return;
	}
	o->lang = page_lang_pick(req->head.accept_language, req->head.query);
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	scan_event_verdict(sl, &o->ev, &o->vr, req->head.target);
	if (drawcode)
		o->ev.flags |= STORE_EVENT_F_DRAW;
	if (o->draw.mode == PAGE_DRAW_OFFER)
		scan_form_code(req, o);
	metrics_scan(srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	status = scan_verdict_status(o->vr.verdict);
	if (status != 200) {
		/* Not a 2xx: answer now, record behind the answer. */
		scan_record_detached(sl, &o->ev);
		o->ev.id = 0;
		scan_send_page(sl, o, status);
		scan_op_free(o);
		return;
	}
	if (scan_cluster_forward(sl, req, o, SCAN_FWD_SCAN, false,
	    scan_apply_event, scan_page_done))
		return;
	scan_op_submit(sl, req, o, scan_apply_event, scan_page_done, false);
}

/* GET or HEAD /D/{TOKEN}: the draw code inside the package. */
void
scan_drawcode_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	(void)param;
	scan_code(sl, req, true);
}

/* GET or HEAD of a path that holds "/01/": verify.c tells a code
 * (/01/{GTIN}/21/{SERIAL}?S=..., in any of its equivalent forms) from a
 * product's link (/01/{GTIN} and maybe /22/ or /10/) and from what the
 * GS1 Digital Link standard rejects (malformed, recorded). */
void
scan_gs1_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice after)
{
	(void)after;
	scan_code(sl, req, false);
}
