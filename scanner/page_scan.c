/*
 * page_scan.c — the verdict page of a code: genuine (first scan, scanned
 * before), not active, void, forged or malformed, with the code's details,
 * advice, the location button and (page_draw.c) the prize-draw card.
 */
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"
#include "scanner/verify.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdbool.h>

/* Appends the details of a code that the store knows. */
static void
scan_details(struct page_out *o, const struct page_scan *p, bool with_time)
{
	enum page_lang lang = p->lang;

	put(o, "<section class=\"cd\"><dl>\n");
	put_field(o, TR(lang, "商品编码", "Product (GTIN)"), p->gtin);
	put_field(o, TR(lang, "序列号", "Serial number"), p->serial);
	if (p->batch_id != 0) {
		put(o, TR(lang, "<dt>批次</dt>", "<dt>Batch</dt>"));
		page_putf(o, "<dd class=\"m\">%" PRIu32 "</dd>\n", p->batch_id);
	}
	if (with_time && p->first_time != 0) {
		put(o,
		    TR(lang, "<dt>扫描时间</dt><dd>", "<dt>Scanned</dt><dd>"));
		page_put_time(o, p->first_time);
		put(o, "</dd>\n");
	}
	put(o, "</dl></section>\n");
}

/* Appends an advice card. */
static void
scan_advice(struct page_out *o, const char *text)
{
	put(o, "<section class=\"cd adv\"><p>");
	put(o, text);
	put(o, "</p></section>\n");
}

/* Appends verify's reason in small print, in the page's language, for
 * support staff. */
static void
scan_reason(struct page_out *o, const struct page_scan *p)
{
	const char *text;

	if (p->reason == NULL || *p->reason == '\0' ||
	    (text = page_reason_text(p->lang, p->reason)) == NULL)
		return;
	put(o, "<p class=\"tx\">");
	put(o, TR(p->lang, "技术信息：", "Technical detail: "));
	put_esc(o, text, PAGE_FIELD_MAX);
	put(o, "</p>\n");
}

/* Appends the optional location section (shown by the script). */
static void
scan_location(struct page_out *o, const struct page_scan *p)
{
	enum page_lang lang = p->lang;

	if (p->event_id == 0 || p->location_token == NULL)
		return;
	put(o,
	    "<section class=\"cd\" id=\"loc-box\" hidden>\n<p class=\"mu\">");
	put(o,
	    TR(lang, "可选：告诉品牌您在哪里扫码，有助于打击假货和窜货。",
		"Optional: telling the brand where you scanned helps it fight "
		"counterfeits and diversion."));
	page_putf(o,
	    "</p>\n<button type=\"button\" id=\"loc\" "
	    "data-event=\"%" PRIu64 "\" data-token=\"",
	    p->event_id);
	put_esc(o, p->location_token, PAGE_TOKEN_MAX);
	put(o,
	    TR(lang,
		"\" data-wait=\"正在获取位置…\" "
		"data-ok=\"谢谢！位置已发送。\" "
		"data-elsewhere=\"谢谢！此码不久前也在很远的另一处被验证过，"
		"标签可能被复制。请向品牌方核实。\" "
		"data-deny=\"无法获取位置：未获授权或不可用。\" "
		"data-err=\"位置未能发送，请稍后再试。\">分享我的位置",
		"\" data-wait=\"Getting your location…\" "
		"data-ok=\"Thank you, your location was sent.\" "
		"data-elsewhere=\"Thank you. This code was also verified far "
		"from here a short while ago: the label may have been copied. "
		"Please check with the brand.\" "
		"data-deny=\"Location is unavailable or permission was denied.\" "
		"data-err=\"Your location could not be sent. Please try again "
		"later.\">Share my location"));
	put(o,
	    "</button>\n<p id=\"loc-msg\" role=\"status\" "
	    "aria-live=\"polite\"></p>\n</section>\n");
}

/* A coordinate to print with two decimals ("0.00", never "-0.00"). */
static double
page_coord(double v)
{
	return v > -0.005 && v < 0.005 ? 0.0 : v;
}

/* A void reason in words. */
static const char *
scan_void_reason(enum page_lang lang, int reason)
{
	switch (reason) {
	case STORE_VOID_MISPRINT:
		return TR(lang, "标签印刷错误", "misprinted label");
	case STORE_VOID_DAMAGED:
		return TR(lang, "标签损坏", "damaged label");
	case STORE_VOID_LOST:
		return TR(lang, "已报告遗失", "reported lost");
	case STORE_VOID_STOLEN:
		return TR(lang, "已报告被盗", "reported stolen");
	case STORE_VOID_OTHER:
		return TR(lang, "其他原因", "other");
	}
	return NULL;
}

/* page_open for a scan page: the draw's styles when it has a draw. */
static void
scan_open(struct page_out *o, const struct page_scan *p, const char *title,
    const char *cls)
{
	page_open(o, p->lang, title, cls,
	    page_scan_has_draw(p) ? page_css_draw : NULL);
}

/* Genuine, scanned before by this visitor only: not a copy sign. */
static void
scan_genuine_self(struct page_out *o, const struct page_scan *p)
{
	enum page_lang lang = p->lang;

	scan_open(o, p, TR(lang, "正品，您扫描过", "Genuine, scanned by you"),
	    "ok");
	page_hero(o, page_icon_check, TR(lang, "正品", "Genuine product"));
	put(o, TR(lang, "<p>您之前扫描过此码", "<p>You scanned this before"));
	if (p->repeat_since != 0) {
		put(o, TR(lang, "，时间：", ", on "));
		page_put_time(o, p->repeat_since);
	}
	put(o, TR(lang, "。</p>\n", ".</p>\n"));
	put(o, "</header>\n");
	page_scan_draw(o, p);
	scan_details(o, p, false);
	put(o, "<p class=\"tx\">");
	put(o,
	    TR(lang,
		"此码只在您的手机上扫描过。如果别人扫描它，页面会提醒您。",
		"Only your phone has scanned this code. If anyone else scans "
		"it, its page will say so."));
	put(o, "</p>\n");
}

/* Genuine, active, not void: first scan, scanned before (by this visitor
 * or another), or neither known (a preview bot's visit). */
static void
scan_genuine(struct page_out *o, const struct page_scan *p)
{
	enum page_lang lang = p->lang;
	bool again = p->repeat == PAGE_REPEAT_OTHER;

	if (p->repeat == PAGE_REPEAT_SELF) {
		scan_genuine_self(o, p);
		return;
	}
	if (!again) {
		scan_open(o, p, TR(lang, "正品", "Genuine product"), "ok");
		page_hero(o, page_icon_check,
		    TR(lang, "正品", "Genuine product"));
		put(o, "<p>");
		put(o,
		    p->this_is_first ?
			TR(lang, "这是该码第一次被扫描。",
			    "This is the first time this code has been scanned.") :
			TR(lang, "此码由品牌签发，验证通过。",
			    "This code was issued by the brand and checks out."));
		put(o, "</p>\n</header>\n");
		page_scan_draw(o, p);
		scan_details(o, p, p->this_is_first);
		put(o, "<p class=\"tx\">");
		put(o,
		    TR(lang,
			"每件商品的码都是唯一的。以后再扫此码，"
			"页面会显示它已被扫描过。",
			"Each package has its own code. If this code is scanned "
			"again, the page will say that it was scanned before."));
		put(o, "</p>\n");
		return;
	}
	scan_open(o, p, TR(lang, "正品，已被扫描过", "Genuine, scanned before"),
	    "warn");
	page_hero(o, page_icon_warn,
	    TR(lang, "正品码，但已被扫描过", "Genuine code, scanned before"));
	page_putf(o,
	    TR(lang, "<p>此码已被扫描 %" PRIu32 " 次。",
		"<p>This code has been scanned %" PRIu32 " times."),
	    p->scans);
	if (p->first_time != 0) {
		put(o, TR(lang, "首次扫描：", " First scan: "));
		page_put_time(o, p->first_time);
		/* The comparisons also turn NaN and infinities away. */
		if (p->first_has_location && p->first_lat >= -90 &&
		    p->first_lat <= 90 && p->first_lon >= -180 &&
		    p->first_lon <= 180)
			page_putf(o,
			    TR(lang, "，位置约 %.2f, %.2f",
				", near %.2f, %.2f"),
			    page_coord(p->first_lat), page_coord(p->first_lon));
		put(o, TR(lang, "。", "."));
	}
	put(o, "</p>\n</header>\n");
	scan_advice(o,
	    TR(lang,
		"如果之前不是您扫描的，此标签可能被复制。"
		"请先联系品牌方核实。",
		"If you did not scan it before, the label may have been copied. "
		"Please contact the brand to check."));
	page_scan_draw(o, p);
	scan_details(o, p, false);
}

/* Appends a scan page's body for every verdict. */
static void
scan_body(struct page_out *o, const struct page_scan *p)
{
	enum page_lang lang = p->lang;
	const char *why;

	switch (p->verdict) {
	case VERDICT_GENUINE:
		scan_genuine(o, p);
		break;
	case VERDICT_NOT_ACTIVE:
		scan_open(o, p,
		    TR(lang, "此码尚未激活", "Code not activated yet"), "warn");
		page_hero(o, page_icon_warn,
		    TR(lang, "此码尚未激活", "Code not activated yet"));
		put(o,
		    TR(lang,
			"<p>这是品牌签发的真实码，但尚未激活。"
			"商品可能未经正常渠道发货。</p>\n",
			"<p>This is a genuine code from the brand, but it has not "
			"been activated yet. The goods may not have come through "
			"the normal sales channel.</p>\n"));
		put(o, "</header>\n");
		scan_advice(o,
		    TR(lang, "请向品牌方或您购买商品的店铺咨询。",
			"Please ask the brand or the store where you bought it."));
		page_scan_draw(o, p);
		scan_details(o, p, false);
		break;
	case VERDICT_VOID:
		scan_open(o, p, TR(lang, "此码已作废", "Code voided"), "bad");
		page_hero(o, page_icon_cross,
		    TR(lang, "此码已作废", "Code voided"));
		put(o,
		    TR(lang, "<p>品牌已将此码作废",
			"<p>The brand has voided this code"));
		if ((why = scan_void_reason(lang, p->void_reason)) != NULL) {
			put(o, TR(lang, "（原因：", " (reason: "));
			put(o, why);
			put(o, TR(lang, "）", ")"));
		}
		put(o, TR(lang, "。</p>\n", ".</p>\n"));
		put(o, "</header>\n");
		scan_advice(o,
		    TR(lang,
			"请勿信任此商品。"
			"请联系品牌方或您购买商品的店铺。",
			"Do not trust this item. Please contact the brand or the "
			"store where you bought it."));
		page_scan_draw(o, p);
		scan_details(o, p, false);
		break;
	case VERDICT_FORGED:
		scan_open(o, p, TR(lang, "未通过验证", "Not verified"), "bad");
		page_hero(o, page_icon_cross,
		    TR(lang, "未通过验证", "Not verified"));
		put(o,
		    TR(lang,
			"<p>无法确认此码由品牌签发，"
			"商品可能不是正品。</p>\n",
			"<p>This code could not be verified as issued by the "
			"brand. The product may not be genuine.</p>\n"));
		put(o, "</header>\n");
		scan_advice(o,
		    TR(lang,
			"请勿信任此商品。请保留包装和购物凭证，"
			"并联系品牌方或您购买商品的店铺。",
			"Do not trust this item. Keep the package and the receipt, "
			"and contact the brand or the store where you bought it."));
		page_scan_draw(o, p);
		if (p->serial != NULL && *p->serial != '\0') {
			put(o, "<section class=\"cd\"><dl>\n");
			put_field(o,
			    TR(lang, "码上的序列号", "Serial on the code"),
			    p->serial);
			put(o, "</dl></section>\n");
		}
		scan_reason(o, p);
		break;
	default: /* VERDICT_MALFORMED and anything unknown */
		scan_open(o, p,
		    TR(lang, "无效的商品码", "Not a valid product code"),
		    "bad");
		page_hero(o, page_icon_question,
		    TR(lang, "无效的商品码", "Not a valid product code"));
		put(o,
		    TR(lang, "<p>扫描到的内容不是可以验证的商品码。</p>\n",
			"<p>What was scanned is not a product code that can be "
			"checked here.</p>\n"));
		put(o, "</header>\n");
		scan_advice(o,
		    TR(lang,
			"如果此码印在商品包装上，"
			"标签可能已损坏或不是正品。请联系品牌方或您购买商品的店铺。",
			"If it is printed on a product's package, the label may be "
			"damaged or not genuine. Please contact the brand or the "
			"store where you bought it."));
		page_scan_draw(o, p);
		scan_reason(o, p);
		break;
	}
}

/* Appends a verdict page. */
int
page_render_scan(const struct page_scan *p, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;

	scan_body(&o, p);
	scan_location(&o, p);
	page_close(&o, p->lang, p->self_path, PAGE_SCRIPT_CODE);
	return page_finish(&o, start);
}
