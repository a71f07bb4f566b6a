/*
 * page_draw.c — the prize-draw card of a code page: the notice to open the
 * package, the draw form, and what a draw gave (a prize and its claim, a
 * sealed ticket, points, no prize, a refusal, a closed campaign).
 */
#include "rewards/campaign.h"
#include "scanner/pages.h"
#include "scanner/pages_assets.h"
#include "scanner/pages_internal.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Appends the heading of a draw card: the gift icon and h2 in red, or
 * (no gift) a plain h2. */
static void
draw_heading(struct page_out *o, bool gift, const char *text)
{
	put(o, gift ? "<div class=\"dh\">" : "<div class=\"dh nt\">");
	if (gift)
		put(o, page_icon_gift);
	put(o, "<h2>");
	put(o, text);
	put(o, "</h2></div>\n");
}

/* Appends the campaign's name in quotes of the page's language, or a
 * generic name when it has none. */
static void
draw_campaign(struct page_out *o, enum page_lang lang, const char *name)
{
	if (name == NULL || *name == '\0') {
		put(o, TR(lang, "抽奖活动", "a prize campaign"));
		return;
	}
	put(o, TR(lang, "「", "“"));
	put_esc(o, name, PAGE_NAME_MAX);
	put(o, TR(lang, "」活动", "”"));
}

/* Appends "Campaign ends <time>" in small print, when the end is known. */
static void
draw_ends(struct page_out *o, enum page_lang lang, int64_t end)
{
	if (end == 0)
		return;
	put(o, "<p class=\"mu\">");
	put(o, TR(lang, "活动截止：", "The campaign ends "));
	page_put_time(o, end);
	put(o, TR(lang, "。", "."));
	put(o, "</p>\n");
}

/* Appends a coupon's face value: "¥10.00" for yuan, else "10.00 USD". */
static void
draw_money(struct page_out *o, const char *face, const char *currency)
{
	bool yuan = currency != NULL &&
	    (strcasecmp(currency, "CNY") == 0 ||
		strcasecmp(currency, "RMB") == 0);

	if (yuan)
		put(o, "¥");
	put_esc(o, face, PAGE_MONEY_MAX);
	if (!yuan && currency != NULL && *currency != '\0') {
		put(o, " ");
		put_esc(o, currency, PAGE_MONEY_MAX);
	}
}

/* Appends a <dt>/<dd> pair whose value is a deadline ("Claim by"), or
 * with a coupon's label a validity: "from to until", or "until until". */
static void
draw_time_field(struct page_out *o, enum page_lang lang, const char *label,
    bool coupon, int64_t from, int64_t until)
{
	put(o, "<dt>");
	put(o, label);
	put(o, "</dt><dd>");
	if (coupon && from != 0) {
		page_put_time(o, from);
		put(o, TR(lang, " 至 ", " to "));
	} else if (coupon) {
		put(o, TR(lang, "至 ", "until "));
	}
	page_put_time(o, until);
	put(o, "</dd>\n");
}

/* Appends a claim: its code as text and as a QR code with what to do at
 * the store, or when and where it was redeemed. */
static void
draw_claim(struct page_out *o, enum page_lang lang, const struct page_draw *d,
    bool ticket)
{
	if (d->claim_text != NULL && *d->claim_text != '\0') {
		put(o, "<p class=\"lb\">");
		put(o,
		    ticket ? TR(lang, "开奖券码", "Ticket code") :
			     TR(lang, "领奖码", "Claim code"));
		put(o, "</p>\n<p class=\"cl m\">");
		put_esc(o, d->claim_text, PAGE_CLAIM_MAX);
		put(o, "</p>\n");
	}
	if (d->claim_redeemed) {
		put(o, "<p class=\"hw dn\">");
		put(o,
		    ticket ?
			TR(lang, "此券已于 ", "This ticket was opened on ") :
			TR(lang, "此奖品已于 ", "Redeemed on "));
		page_put_time(o, d->claim_redeemed_at);
		if (d->claim_shop != NULL && *d->claim_shop != '\0') {
			put(o, TR(lang, " 在", " at "));
			put_esc(o, d->claim_shop, PAGE_NAME_MAX);
		}
		put(o,
		    ticket ? TR(lang, "开奖。", ".") : TR(lang, "核销。", "."));
		put(o, "</p>\n");
		return;
	}
	/* The server's own SVG: trusted, inserted as it is. */
	if (d->claim_qr_svg != NULL && *d->claim_qr_svg != '\0') {
		put(o, "<div class=\"qr\">");
		put(o, d->claim_qr_svg);
		put(o, "</div>\n");
	}
	put(o, "<p class=\"hw\">");
	put(o,
	    ticket ?
		TR(lang, "到店后出示此页面，店员扫描二维码或输入券码即可开奖。",
		    "At the store, show this page: staff scan the QR code or "
		    "type the code to open the ticket.") :
		TR(lang,
		    "请到活动门店出示此页面，店员扫描二维码或输入领奖码即可核销领奖。",
		    "Show this page at a participating store: staff scan the "
		    "QR code or type the code to hand over your prize."));
	put(o, "</p>\n<p class=\"mu\">");
	put(o,
	    ticket ?
		TR(lang, "券码只能使用一次，请勿分享给他人。可截图保存。",
		    "The code can be used once: keep it to yourself. A "
		    "screenshot works too.") :
		TR(lang, "领奖码只能使用一次，请勿分享给他人。可截图保存。",
		    "The code can be used once: keep it to yourself. A "
		    "screenshot works too."));
	put(o, "</p>\n");
}

/* Appends a won prize (physical or coupon) and its claim. */
static void
draw_win(struct page_out *o, enum page_lang lang, const struct page_draw *d)
{
	bool coupon = d->prize_kind == CAMPAIGN_COUPON;

	draw_heading(o, true,
	    TR(lang, "恭喜您中奖了！", "Congratulations, you won!"));
	if (d->prize_name != NULL && *d->prize_name != '\0') {
		put(o, "<p class=\"pz\">");
		put_esc(o, d->prize_name, PAGE_NAME_MAX);
		put(o, "</p>\n");
	}
	put(o, "<dl>\n");
	if (coupon && d->coupon_face != NULL && *d->coupon_face != '\0') {
		put(o,
		    TR(lang, "<dt>面值</dt><dd class=\"dn\">",
			"<dt>Value</dt><dd class=\"dn\">"));
		draw_money(o, d->coupon_face, d->coupon_currency);
		put(o, "</dd>\n");
	}
	if (coupon && d->coupon_condition != NULL &&
	    *d->coupon_condition != '\0') {
		put(o,
		    TR(lang, "<dt>使用条件</dt><dd>",
			"<dt>Condition</dt><dd>"));
		put_esc(o, d->coupon_condition, PAGE_TEXT_MAX);
		put(o, "</dd>\n");
	}
	if (d->claim_expires != 0 && !d->claim_redeemed)
		draw_time_field(o, lang,
		    coupon ? TR(lang, "有效期", "Valid") :
			     TR(lang, "领奖截止", "Claim by"),
		    coupon, d->coupon_valid_from, d->claim_expires);
	put(o, "</dl>\n");
	draw_claim(o, lang, d, false);
}

/* Appends a sealed ticket (到店开奖) and its claim. */
static void
draw_ticket(struct page_out *o, enum page_lang lang, const struct page_draw *d)
{
	draw_heading(o, true,
	    TR(lang, "您获得一张到店开奖券", "You have a sealed ticket"));
	put(o, "<p>");
	put(o,
	    TR(lang,
		"奖品在门店开奖：请带着此券到活动门店，店员开启时当场抽出奖品。",
		"Take it to a participating store; the prize is drawn when "
		"staff open it."));
	put(o, "</p>\n");
	if (d->claim_expires != 0 && !d->claim_redeemed) {
		put(o, "<dl>\n");
		draw_time_field(o, lang, TR(lang, "开奖截止", "Open by"), false,
		    0, d->claim_expires);
		put(o, "</dl>\n");
	}
	draw_claim(o, lang, d, true);
}

/* Appends points credited and the balance. */
static void
draw_points(struct page_out *o, enum page_lang lang, const struct page_draw *d)
{
	draw_heading(o, true,
	    TR(lang, "恭喜您获得积分！", "You earned points!"));
	if (d->prize_name != NULL && *d->prize_name != '\0') {
		put(o, "<p class=\"pz\">");
		put_esc(o, d->prize_name, PAGE_NAME_MAX);
		put(o, "</p>\n");
	}
	page_putf(o, "<p class=\"pt\">+%" PRId64 "%s</p>\n", d->points,
	    TR(lang, " 积分", d->points == 1 ? " point" : " points"));
	page_putf(o,
	    TR(lang, "<p>积分余额：%" PRId64 "</p>\n",
		"<p>Your balance: %" PRId64 "</p>\n"),
	    d->points_balance);
}

/* Appends the result of a draw (made now, or before: repeat). */
static void
draw_result(struct page_out *o, enum page_lang lang, const struct page_draw *d)
{
	if (d->repeat) {
		put(o, "<p class=\"rp\">");
		put(o,
		    TR(lang, "此码已参加过抽奖，以下是它的抽奖结果。",
			"This code has already been used for the draw; here is "
			"its result."));
		put(o, "</p>\n");
	}
	switch (d->outcome) {
	case PAGE_OUTCOME_WIN:
		draw_win(o, lang, d);
		break;
	case PAGE_OUTCOME_POINTS:
		draw_points(o, lang, d);
		break;
	case PAGE_OUTCOME_TICKET:
		draw_ticket(o, lang, d);
		break;
	case PAGE_OUTCOME_MISS:
		draw_heading(o, false,
		    TR(lang, "很遗憾，这次没有中奖", "Not this time"));
		put(o,
		    TR(lang, "<p>谢谢参与！祝您下次好运。</p>\n",
			"<p>Thank you for taking part, and good luck next "
			"time.</p>\n"));
		break;
	case PAGE_OUTCOME_REFUSED:
		draw_heading(o, false,
		    TR(lang, "本次未能抽奖", "No draw this time"));
		put(o, "<p>");
		if (d->refusal != NULL && *d->refusal != '\0')
			put_esc(o, d->refusal, PAGE_TEXT_MAX);
		else
			put(o,
			    TR(lang, "暂时无法抽奖。",
				"The draw is not available now."));
		put(o, "</p>\n<p class=\"mu\">");
		put(o,
		    TR(lang, "此码的抽奖机会仍然保留。",
			"This code keeps its draw."));
		put(o, "</p>\n");
		break;
	default: /* PAGE_OUTCOME_CLOSED and anything unknown */
		draw_heading(o, false,
		    TR(lang, "活动未在进行", "The campaign is not running"));
		put(o,
		    TR(lang,
			"<p>此活动已暂停、已结束或尚未开始，现在无法抽奖。</p>\n",
			"<p>It is paused, has ended or has not started yet, so "
			"there is no draw now.</p>\n"));
		break;
	}
}

/* Appends the prize-draw card: the notice to open the package, the draw
 * form, or the result. */
void
page_scan_draw(struct page_out *o, const struct page_scan *p)
{
	const struct page_draw *d = p->draw;
	enum page_lang lang = p->lang;

	if (!page_scan_has_draw(p))
		return;
	put(o, "<section class=\"cd dr\" id=\"draw\">\n");
	switch (d->mode) {
	case PAGE_DRAW_OPEN_PACKAGE:
		draw_heading(o, true,
		    TR(lang, "开盒扫码抽奖", "Open the package to draw"));
		put(o, TR(lang, "<p>本商品正在参加", "<p>This product is in "));
		if (d->campaign_name != NULL && *d->campaign_name != '\0')
			put(o, TR(lang, "", "the campaign "));
		draw_campaign(o, lang, d->campaign_name);
		put(o,
		    TR(lang,
			"。请打开包装，找到里面的抽奖码（在盒内或瓶盖下），"
			"扫描它即可抽奖。</p>\n",
			". Open the package to find your prize code (inside "
			"the box or under the cap) and scan it.</p>\n"));
		put(o, "<p class=\"mu\">");
		put(o,
		    TR(lang, "包装外的码只用于验证真伪，不能抽奖。",
			"The code on the outside of the package is for checking "
			"the product only."));
		put(o, "</p>\n");
		draw_ends(o, lang, d->campaign_end);
		break;
	case PAGE_DRAW_OFFER:
		if (d->campaign_name != NULL && *d->campaign_name != '\0') {
			put(o, "<p class=\"cp\">");
			put_esc(o, d->campaign_name, PAGE_NAME_MAX);
			put(o, "</p>\n");
		}
		draw_heading(o, true,
		    TR(lang, "您有一次抽奖机会", "You have a prize draw"));
		put(o,
		    TR(lang, "<p>点击下方按钮，立即查看您是否中奖。</p>\n",
			"<p>Tap the button to see whether you won.</p>\n"));
		/* A plain form POST: works without script, and links,
		 * prefetchers and GETs never draw. */
		put(o,
		    "<form method=\"post\" action=\"/draw\" id=\"dw\">\n"
		    "<input type=\"hidden\" name=\"c\" value=\"");
		put_esc(o, d->form_code, PAGE_SELF_MAX);
		page_putf(o,
		    "\">\n<input type=\"hidden\" name=\"e\" "
		    "value=\"%" PRIu64 "\">\n"
		    "<input type=\"hidden\" name=\"t\" value=\"",
		    d->form_event);
		put_esc(o, d->form_token, PAGE_FIELD_MAX);
		put(o,
		    TR(lang,
			"\">\n<button type=\"submit\" class=\"big\" "
			"data-wait=\"正在抽奖…\">立即抽奖</button>\n</form>\n",
			"\">\n<button type=\"submit\" class=\"big\" "
			"data-wait=\"Drawing…\">Draw now</button>\n</form>\n"));
		put(o, "<p class=\"mu hw\">");
		put(o, TR(lang, "每个码只能抽奖一次。", "One draw per code."));
		put(o, "</p>\n");
		draw_ends(o, lang, d->campaign_end);
		break;
	default: /* PAGE_DRAW_RESULT */
		if (d->campaign_name != NULL && *d->campaign_name != '\0') {
			put(o, "<p class=\"cp\">");
			put_esc(o, d->campaign_name, PAGE_NAME_MAX);
			put(o, "</p>\n");
		}
		draw_result(o, lang, d);
		break;
	}
	if (d->checkin)
		put(o, TR(lang,
		    "<p class=\"hw\"><a href=\"/K/\">到店打卡，赢积分和抽奖机会"
		    "</a></p>\n",
		    "<p class=\"hw\"><a href=\"/K/?lang=en\">Check in at a store "
		    "for points and draws</a></p>\n"));
	if (d->group_campaign != NULL) {
		put(o, "<p class=\"hw\"><a href=\"/G/?campaign=");
		put_esc(o, d->group_campaign, PAGE_FIELD_MAX);
		put(o, TR(lang, "\">发起拼团，人满后每人一次抽奖</a></p>\n",
		    "&amp;lang=en\">Start a group: once it fills, every member "
		    "draws</a></p>\n"));
	}
	put(o, "</section>\n");
}
