/*
 * page_checkin.c — the check-in pages: a store's (GET /K/{STORE}/{SIG}),
 * where a consumer checks in with the phone's location or a staff code,
 * and the staff's (GET /store/checkin-code), which shows that code. The
 * words of every answer come from the server in the page's language; the
 * script (page_checkin_script) adds the streak, points and prize lines
 * from the data- attributes here.
 */
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"

#include <string.h>

/* Appends a consumer's check-in page. */
int
page_render_checkin(const struct page_checkin *p, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	enum page_lang lang = p->lang;
	const char *title = TR(lang, "到店打卡", "Check in at the store");

	page_open(&o, lang, title, "info", page_css_checkin);
	page_hero(&o, page_icon_check, title);
	put(&o, "<p>");
	if (p->shop_name != NULL)
		put_esc(&o, p->shop_name, PAGE_NAME_MAX);
	else
		put(&o, TR(lang, "在门店内打卡，我们会根据您的位置找到门店。",
		    "Check in at the store you are in: your location tells "
		    "us which."));
	put(&o, "</p>\n</header>\n");
	put(&o, "<noscript><section class=\"cd adv\"><p>");
	put(&o, TR(lang, "打卡需要启用 JavaScript。",
	    "Checking in needs JavaScript."));
	put(&o, "</p></section></noscript>\n");
	put(&o, "<section class=\"cd\" id=\"ck\" hidden data-store=\"");
	put_esc(&o, p->shop, PAGE_FIELD_MAX);
	put(&o, "\" data-sig=\"");
	put_esc(&o, p->sig, PAGE_FIELD_MAX);
	put(&o, "\"");
	put(&o, TR(lang,
	    " data-wait=\"正在打卡…\" data-locating=\"正在获取位置…\""
	    " data-deny=\"您拒绝了位置权限，无法打卡。可请店员提供打卡码。\""
	    " data-noloc=\"无法获取位置，请到开阔处重试，或请店员提供打卡码。\""
	    " data-err=\"打卡失败，请稍后再试。\""
	    " data-net=\"网络错误，请检查网络后重试。\""
	    " data-streak=\"连续打卡进度：{n}/{N} 天\""
	    " data-streakz=\"连续打卡进度：{n}/{N} 天 → {z}\""
	    " data-grant=\"连续打卡奖励：{z}\""
	    " data-link=\"领奖链接（出示给店员核销）\""
	    " data-pts=\"获得 {p} 积分，当前余额 {b}。\""
	    " data-win=\"抽奖结果：{z}\" data-claim=\"领奖码：{c}\">\n",
	    " data-wait=\"Checking in…\" data-locating=\"Finding your "
	    "location…\""
	    " data-deny=\"Location permission was refused, so we cannot check "
	    "you in. Ask the staff for a check-in code.\""
	    " data-noloc=\"Your location is not available. Try again in the "
	    "open, or ask the staff for a check-in code.\""
	    " data-err=\"Not checked in. Please try again later.\""
	    " data-net=\"Network error. Please check the connection and try "
	    "again.\""
	    " data-streak=\"Streak: {n} of {N} days\""
	    " data-streakz=\"Streak: {n} of {N} days → {z}\""
	    " data-grant=\"Your streak's prize: {z}\""
	    " data-link=\"Claim link (show it to the staff)\""
	    " data-pts=\"{p} points added; your balance is {b}.\""
	    " data-win=\"Your draw: {z}\" data-claim=\"Claim code: {c}\">\n"));
	put(&o, TR(lang,
	    "<p>打卡时需要分享一次您的位置，仅用于确认您在店内。</p>\n"
	    "<button type=\"button\" id=\"ckb\">分享位置并打卡</button>\n",
	    "<p>Checking in shares your location once, only to show that you "
	    "are in the store.</p>\n"
	    "<button type=\"button\" id=\"ckb\">Share my location and check "
	    "in</button>\n"));
	if (p->shop != NULL)
		put(&o, TR(lang,
		    "<label for=\"ckc\">手机无法定位？请店员提供打卡码</label>"
		    "<input id=\"ckc\" inputmode=\"numeric\" autocomplete=\"off\" "
		    "maxlength=\"12\">"
		    "<button type=\"button\" id=\"ckxb\" class=\"b2\">用打卡码打卡"
		    "</button>\n",
		    "<label for=\"ckc\">No location on this phone? Ask the staff "
		    "for a check-in code</label>"
		    "<input id=\"ckc\" inputmode=\"numeric\" autocomplete=\"off\" "
		    "maxlength=\"12\">"
		    "<button type=\"button\" id=\"ckxb\" class=\"b2\">Check in "
		    "with the code</button>\n"));
	put(&o, "<div id=\"ckm\" role=\"status\" aria-live=\"polite\"></div>\n"
	    "</section>\n");
	page_close(&o, lang, p->self_path, PAGE_SCRIPT_CHECKIN);
	return page_finish(&o, start);
}

/* Appends the staff's check-in code page. */
int
page_render_checkin_staff(enum page_lang lang, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	const char *title = TR(lang, "打卡码", "Check-in code");

	page_open(&o, lang, title, "info", page_css_checkin);
	page_hero(&o, page_icon_scan, title);
	put(&o, TR(lang,
	    "<p>顾客手机无法定位时，出示打卡码让其输入。每个码只能用一次，"
	    "10 分钟内有效；新码生成后旧码作废。</p>\n",
	    "<p>For a customer whose phone cannot share its location: show "
	    "a code to type in. Each code works once, for 10 minutes; a new "
	    "code replaces the last.</p>\n"));
	put(&o, "</header>\n<noscript><section class=\"cd adv\"><p>");
	put(&o, TR(lang, "此页面需要启用 JavaScript。",
	    "This page needs JavaScript."));
	put(&o, "</p></section></noscript>\n");
	put(&o, TR(lang,
	    "<section class=\"cd\" id=\"xs\" hidden data-until=\"有效期至 {t}\""
	    " data-e401=\"门店令牌无效或已停用，请重新输入。\""
	    " data-e429=\"操作过于频繁，请稍后再试。\""
	    " data-err=\"无法生成打卡码，请稍后再试。\""
	    " data-net=\"网络错误，请检查网络后重试。\">\n"
	    "<div id=\"xtb\"><label for=\"xt\">门店令牌</label>"
	    "<input id=\"xt\" type=\"password\" autocomplete=\"off\" "
	    "autocapitalize=\"off\" spellcheck=\"false\"></div>\n"
	    "<button type=\"button\" id=\"xgo\">生成打卡码</button>\n",
	    "<section class=\"cd\" id=\"xs\" hidden data-until=\"Valid until "
	    "{t}\""
	    " data-e401=\"This store's token is not valid. Please enter it "
	    "again.\""
	    " data-e429=\"Too many attempts. Please wait a moment.\""
	    " data-err=\"No code could be made. Please try again later.\""
	    " data-net=\"Network error. Please check the connection and try "
	    "again.\">\n"
	    "<div id=\"xtb\"><label for=\"xt\">Store token</label>"
	    "<input id=\"xt\" type=\"password\" autocomplete=\"off\" "
	    "autocapitalize=\"off\" spellcheck=\"false\"></div>\n"
	    "<button type=\"button\" id=\"xgo\">Show a check-in code</button>\n"));
	put(&o, "<div id=\"xo\" role=\"status\" aria-live=\"polite\"></div>\n"
	    "</section>\n");
	page_close(&o, lang, NULL, PAGE_SCRIPT_CHECKIN);
	return page_finish(&o, start);
}
