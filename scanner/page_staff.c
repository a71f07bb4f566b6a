/*
 * page_staff.c — the staff page (GET /store, GET /C/{TOKEN}): a form that
 * redeems a claim code with the shop's token; its script does the work.
 */
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"

#include <stdio.h>
#include <string.h>

/* Appends the staff page (GET /store, GET /C/{TOKEN}). */
int
page_render_staff(enum page_lang lang, const char *claim_prefill,
    struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	char self[PAGE_CLAIM_MAX + 8];
	const char *title = TR(lang, "门店核销", "Redeem a prize");

	page_open(&o, lang, title, "info", page_css_staff);
	page_hero(&o, page_icon_scan, title);
	put(&o,
	    TR(lang,
		"<p>扫描或输入顾客的领奖码，核销奖品或开启到店开奖券。</p>\n",
		"<p>Scan or type the customer's claim code to hand over a "
		"prize or open a sealed ticket.</p>\n"));
	put(&o, "</header>\n");
	put(&o, "<noscript><section class=\"cd adv\"><p>");
	put(&o,
	    TR(lang, "此页面需要启用 JavaScript。",
		"This page needs JavaScript."));
	put(&o, "</p></section></noscript>\n");
	/* The words for every answer travel in data- attributes; inputs
	 * have no name, so nothing is ever sent in a URL. */
	put(&o,
	    TR(lang,
		"<form class=\"cd\" id=\"rf\" hidden"
		" data-wait=\"正在核销…\""
		" data-ok=\"核销成功\""
		" data-code=\"领奖码：\""
		" data-prize=\"奖品：\""
		" data-face=\"面值：\""
		" data-done=\"此奖品已于 {t} 在门店「{s}」核销。\""
		" data-nowin=\"开奖结果：未中奖\""
		" data-need-token=\"请先输入门店令牌。\""
		" data-need-claim=\"请输入或扫描领奖码。\""
		" data-e-unauthorized=\"门店令牌无效或已停用，请重新输入。\""
		" data-e-forbidden=\"此奖品不能在本门店核销。\""
		" data-e-not_found=\"领奖码不存在，请核对后再试。\""
		" data-e-already_redeemed=\"此奖品已核销，不能再次核销。\""
		" data-e-not_yet_valid=\"此优惠券尚未到使用时间。\""
		" data-e-expired=\"领奖码已过期。\""
		" data-e-rate_limited=\"操作过于频繁，请稍后再试。\""
		" data-e-unavailable=\"服务暂时不可用，请稍后再试。\""
		" data-err=\"核销失败\""
		" data-net=\"网络错误，请检查网络后重试。\""
		" data-old=\"此浏览器版本过旧，无法核销。\""
		" data-nocam=\"无法使用相机，请手动输入领奖码。\""
		" data-cam=\"用相机扫码\""
		" data-stop=\"关闭相机\">\n",
		"<form class=\"cd\" id=\"rf\" hidden"
		" data-wait=\"Redeeming…\""
		" data-ok=\"Redeemed\""
		" data-code=\"Claim code: \""
		" data-prize=\"Prize: \""
		" data-face=\"Value: \""
		" data-done=\"Redeemed on {t} at {s}.\""
		" data-nowin=\"Ticket opened: no prize\""
		" data-need-token=\"Enter the store's token first.\""
		" data-need-claim=\"Type or scan a claim code.\""
		" data-e-unauthorized=\"This store's token is not valid. Please "
		"enter it again.\""
		" data-e-forbidden=\"This prize cannot be redeemed at this "
		"store.\""
		" data-e-not_found=\"Unknown claim code. Please check it and try "
		"again.\""
		" data-e-already_redeemed=\"This prize has already been "
		"redeemed.\""
		" data-e-not_yet_valid=\"This coupon is not valid yet.\""
		" data-e-expired=\"This claim code has expired.\""
		" data-e-rate_limited=\"Too many attempts. Please wait a "
		"moment.\""
		" data-e-unavailable=\"The service is unavailable. Please try "
		"again later.\""
		" data-err=\"Not redeemed\""
		" data-net=\"Network error. Please check the connection and "
		"try again.\""
		" data-old=\"This browser is too old to redeem prizes.\""
		" data-nocam=\"The camera is not available. Please type the "
		"code.\""
		" data-cam=\"Scan with camera\""
		" data-stop=\"Close camera\">\n"));
	put(&o,
	    TR(lang,
		"<div id=\"st-box\"><label for=\"st\">门店令牌</label>"
		"<input id=\"st\" type=\"password\" autocomplete=\"off\" "
		"autocapitalize=\"off\" spellcheck=\"false\">"
		"<p class=\"mu\">首次输入后保存在本机。</p></div>\n"
		"<p id=\"st-saved\" class=\"mu\" hidden>门店令牌已保存在本机。"
		"<a href=\"#\" id=\"st-chg\">更改</a></p>\n"
		"<label for=\"cl\">领奖码</label>",
		"<div id=\"st-box\"><label for=\"st\">Store token</label>"
		"<input id=\"st\" type=\"password\" autocomplete=\"off\" "
		"autocapitalize=\"off\" spellcheck=\"false\">"
		"<p class=\"mu\">Kept on this phone after its first use.</p>"
		"</div>\n"
		"<p id=\"st-saved\" class=\"mu\" hidden>The store's token is "
		"kept on this phone. <a href=\"#\" id=\"st-chg\">Change</a>"
		"</p>\n"
		"<label for=\"cl\">Claim code</label>"));
	put(&o,
	    "<input id=\"cl\" autocomplete=\"off\" autocapitalize=\"characters\" "
	    "spellcheck=\"false\" placeholder=\"XXXX-XXXX-…\" "
	    "value=\"");
	put_esc(&o, claim_prefill, PAGE_CLAIM_MAX);
	put(&o, "\">\n");
	put(&o,
	    TR(lang,
		"<button type=\"button\" id=\"cam\" class=\"b2\" hidden>"
		"用相机扫码</button>\n",
		"<button type=\"button\" id=\"cam\" class=\"b2\" hidden>"
		"Scan with camera</button>\n"));
	put(&o, "<video id=\"vid\" playsinline muted hidden></video>\n");
	put(&o,
	    TR(lang, "<button type=\"submit\" id=\"go\">核销</button>\n",
		"<button type=\"submit\" id=\"go\">Redeem</button>\n"));
	put(&o, "</form>\n");
	put(&o,
	    "<section class=\"cd\" id=\"out\" role=\"status\" "
	    "aria-live=\"polite\" hidden></section>\n");
	/* The language link keeps the claim code. */
	self[0] = '\0';
	if (claim_prefill != NULL && *claim_prefill != '\0' &&
	    strnlen(claim_prefill, PAGE_CLAIM_MAX + 1) <= PAGE_CLAIM_MAX)
		snprintf(self, sizeof(self), "?claim=%s", claim_prefill);
	page_close(&o, lang, self, PAGE_SCRIPT_STAFF);
	return page_finish(&o, start);
}
