/* pages.c — the HTML a phone sees after scanning a code. */
#include "scanner/pages.h"
#include "rewards/campaign.h"
#include "scanner/pages_assets.h"
#include "scanner/verify.h"
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Longest self_path kept in the language link; a longer (hostile) one is
 * replaced by a bare "?lang=…", which keeps the page small. */
#define PAGE_SELF_MAX 512
/* Longest reason, GTIN or serial shown (they are short when honest). */
#define PAGE_FIELD_MAX 160
/* Longest location token kept whole (the server makes them short). */
#define PAGE_TOKEN_MAX 1024
/* Longest campaign, prize or shop name shown (campaign.h allows 192). */
#define PAGE_NAME_MAX 200
/* Longest coupon condition or refusal shown (campaign.h allows 384). */
#define PAGE_TEXT_MAX 400
/* Longest face value or currency shown (campaign.h keeps 31 and 7). */
#define PAGE_MONEY_MAX 32
/* Longest claim code shown (draw.h makes 29 characters). */
#define PAGE_CLAIM_MAX 64

/* Text in the page's language. */
#define TR(lang, zh, en) ((lang) == PAGE_LANG_EN ? (en) : (zh))

/* Output with a sticky error: after the first failure nothing is added. */
struct page_out {
	struct buf *b;
	int ret;
};

static pthread_once_t page_csp_once = PTHREAD_ONCE_INIT;
static char page_csp_text[512];

/* Appends a string. */
static void
put(struct page_out *o, const char *s)
{
	if (o->ret == 0)
		o->ret = buf_puts(o->b, s);
}

/* Appends formatted text. */
static void __attribute__((format(printf, 2, 3)))
putf(struct page_out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	if (o->ret != 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only short numbers are formatted here. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->ret = -EINVAL;
		return;
	}
	o->ret = buf_append(o->b, tmp, (size_t)n);
}

/* Appends a string HTML-escaped, cut at max bytes on a UTF-8 boundary. */
static void
put_esc(struct page_out *o, const char *s, size_t max)
{
	size_t len;

	if (o->ret != 0 || s == NULL)
		return;
	len = strnlen(s, max + 1);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	o->ret = page_escape(o->b, s, len);
}

/* Appends HTML-escaped text. */
int
page_escape(struct buf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	const char *rep;
	int ret;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\0':
			rep = ""; /* NUL is never valid in HTML text */
			break;
		default:
			continue;
		}
		if ((ret = buf_append(out, s + run, i - run)) < 0 ||
		    (ret = buf_puts(out, rep)) < 0)
			return ret;
		run = i + 1;
	}
	if ((ret = buf_append(out, s + run, len - run)) < 0)
		return ret;
	return 0;
}

/* Appends part of a URL for an href: characters a URL may not hold raw
 * are percent-encoded, the rest HTML-escaped. */
static void
put_url(struct page_out *o, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len && o->ret == 0; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '"' && c != '<' && c != '>' &&
		    c != '\\' && c != '`' && c != '#')
			continue;
		o->ret = page_escape(o->b, s + run, i - run);
		putf(o, "%%%02X", c);
		run = i + 1;
	}
	if (o->ret == 0)
		o->ret = page_escape(o->b, s + run, len - run);
}

/* Appends a Unix time in µs as <time>, in UTC until the script makes it
 * local. */
static void
put_time(struct page_out *o, int64_t us)
{
	char iso[48], human[48];
	time_t sec;
	struct tm tm;

	sec = (time_t)(us / 1000000 - (us % 1000000 < 0 ? 1 : 0));
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    strftime(human, sizeof(human), "%Y-%m-%d %H:%M UTC", &tm) == 0) {
		put(o, "?");
		return;
	}
	put(o, "<time datetime=\"");
	put(o, iso);
	put(o, "\">");
	put(o, human);
	put(o, "</time>");
}

/* "zh-CN" or "en". */
const char *
page_lang_tag(enum page_lang lang)
{
	return lang == PAGE_LANG_EN ? "en" : "zh-CN";
}

/* Appends everything up to and including <main class="cls">; css2 (or
 * NULL) follows the common style sheet. */
static void
page_open(struct page_out *o, enum page_lang lang, const char *title,
    const char *cls, const char *css2)
{
	put(o, "<!doctype html>\n<html lang=\"");
	put(o, page_lang_tag(lang));
	put(o,
	    "\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">\n"
	    "<meta name=\"format-detection\" content=\"telephone=no\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
	put(o, title);
	put(o, TR(lang, " · 扫码验证", " · Product check"));
	put(o, "</title>\n<style>");
	put(o, page_css);
	if (css2 != NULL)
		put(o, css2);
	put(o, "</style>\n</head>\n<body>\n<main class=\"");
	put(o, cls);
	put(o, "\">\n");
}

/* Appends the coloured header's icon and headline; the caller adds its
 * paragraphs and closes it with "</header>". */
static void
page_hero(struct page_out *o, const char *icon, const char *headline)
{
	put(o, "<header class=\"hd\">");
	put(o, icon);
	put(o, "<h1>");
	put(o, headline);
	put(o, "</h1>\n");
}

/* Appends the language link: self_path without its lang= parameters, plus
 * the other language's. */
static void
page_lang_link(struct page_out *o, enum page_lang lang, const char *self)
{
	const char *q = NULL, *p, *end;
	bool first = true;

	put(o, "<footer><a href=\"");
	if (self != NULL && strnlen(self, PAGE_SELF_MAX + 1) <= PAGE_SELF_MAX) {
		q = strchr(self, '?');
		/* Keep the path only when it cannot leave the site
		 * ("//host" and "/\host" are network paths to browsers). */
		if (self[0] == '/' && self[1] != '/' && self[1] != '\\')
			put_url(o, self,
			    q != NULL ? (size_t)(q - self) : strlen(self));
	}
	put(o, "?");
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0'; p = end) {
		size_t n;

		end = strchr(p, '&');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		end = end != NULL ? end + 1 : p + n;
		if (n == 0 ||
		    (n >= 4 && memcmp(p, "lang", 4) == 0 &&
			(n == 4 || p[4] == '=')))
			continue;
		if (!first)
			put(o, "&amp;");
		put_url(o, p, n);
		first = false;
	}
	if (!first)
		put(o, "&amp;");
	put(o,
	    TR(lang, "lang=en\" hreflang=\"en\" lang=\"en\">English",
		"lang=zh\" hreflang=\"zh-CN\" lang=\"zh-CN\">中文"));
	put(o, "</a></footer>\n");
}

/* Appends the end of every page: the language link and the script. */
static void
page_close(struct page_out *o, enum page_lang lang, const char *self,
    const char *script)
{
	page_lang_link(o, lang, self);
	put(o, "</main>\n<script>");
	put(o, script);
	put(o, "</script>\n</body>\n</html>\n");
}

/* Ends a render: on failure, out is left as it was. */
static int
page_finish(struct page_out *o, size_t start)
{
	if (o->ret != 0) {
		o->b->len = start;
		if (o->b->data != NULL)
			o->b->data[start] = '\0';
		return o->ret;
	}
	return 0;
}

/* Appends a <dt>/<dd> pair with an escaped, monospaced value. */
static void
put_field(struct page_out *o, const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	put(o, "<dt>");
	put(o, label);
	put(o, "</dt><dd class=\"m\">");
	put_esc(o, value, PAGE_FIELD_MAX);
	put(o, "</dd>\n");
}

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
		putf(o, "<dd class=\"m\">%" PRIu32 "</dd>\n", p->batch_id);
	}
	if (with_time && p->first_time != 0) {
		put(o,
		    TR(lang, "<dt>扫描时间</dt><dd>", "<dt>Scanned</dt><dd>"));
		put_time(o, p->first_time);
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

/* Appends verify's reason in small print, for support staff. */
static void
scan_reason(struct page_out *o, const struct page_scan *p)
{
	if (p->reason == NULL || *p->reason == '\0')
		return;
	put(o, "<p class=\"tx\">");
	put(o, TR(p->lang, "技术信息：", "Technical detail: "));
	put_esc(o, p->reason, PAGE_FIELD_MAX);
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
	putf(o,
	    "</p>\n<button type=\"button\" id=\"loc\" "
	    "data-event=\"%" PRIu64 "\" data-token=\"",
	    p->event_id);
	put_esc(o, p->location_token, PAGE_TOKEN_MAX);
	put(o,
	    TR(lang,
		"\" data-wait=\"正在获取位置…\" "
		"data-ok=\"谢谢！位置已发送。\" "
		"data-deny=\"无法获取位置：未获授权或不可用。\" "
		"data-err=\"位置未能发送，请稍后再试。\">分享我的位置",
		"\" data-wait=\"Getting your location…\" "
		"data-ok=\"Thank you, your location was sent.\" "
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

/* True when the page has a prize-draw part. */
static bool
scan_has_draw(const struct page_scan *p)
{
	return p->draw != NULL && p->draw->mode != PAGE_DRAW_NONE;
}

/* page_open for a scan page: the draw's styles when it has a draw. */
static void
scan_open(struct page_out *o, const struct page_scan *p, const char *title,
    const char *cls)
{
	page_open(o, p->lang, title, cls,
	    scan_has_draw(p) ? page_css_draw : NULL);
}

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
	put_time(o, end);
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
		put_time(o, from);
		put(o, TR(lang, " 至 ", " to "));
	} else if (coupon) {
		put(o, TR(lang, "至 ", "until "));
	}
	put_time(o, until);
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
		put_time(o, d->claim_redeemed_at);
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
	putf(o, "<p class=\"pt\">+%" PRId64 "%s</p>\n", d->points,
	    TR(lang, " 积分", d->points == 1 ? " point" : " points"));
	putf(o,
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
static void
scan_draw(struct page_out *o, const struct page_scan *p)
{
	const struct page_draw *d = p->draw;
	enum page_lang lang = p->lang;

	if (!scan_has_draw(p))
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
		putf(o,
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
	put(o, "</section>\n");
}

/* Genuine, active, not void: first scan, scanned before, or neither
 * known (a preview bot's visit). */
static void
scan_genuine(struct page_out *o, const struct page_scan *p)
{
	enum page_lang lang = p->lang;
	bool again = !p->this_is_first && p->scans > 1;

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
		scan_draw(o, p);
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
	putf(o,
	    TR(lang, "<p>此码已被扫描 %" PRIu32 " 次。",
		"<p>This code has been scanned %" PRIu32 " times."),
	    p->scans);
	if (p->first_time != 0) {
		put(o, TR(lang, "首次扫描：", " First scan: "));
		put_time(o, p->first_time);
		/* The comparisons also turn NaN and infinities away. */
		if (p->first_has_location && p->first_lat >= -90 &&
		    p->first_lat <= 90 && p->first_lon >= -180 &&
		    p->first_lon <= 180)
			putf(o,
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
	scan_draw(o, p);
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
		scan_draw(o, p);
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
		scan_draw(o, p);
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
		scan_draw(o, p);
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
		scan_draw(o, p);
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
	page_close(&o, p->lang, p->self_path, page_script);
	return page_finish(&o, start);
}

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
		" data-done=\"此奖品已于 {t} 在门店 {s} 核销。\""
		" data-notyet=\"此优惠券尚未到使用时间。\""
		" data-nowin=\"开奖结果：未中奖\""
		" data-need-token=\"请先输入门店令牌。\""
		" data-need-claim=\"请输入或扫描领奖码。\""
		" data-401=\"门店令牌无效或已停用，请重新输入。\""
		" data-403=\"此奖品不能在本门店核销。\""
		" data-404=\"领奖码不存在，请核对后再试。\""
		" data-409=\"无法核销\""
		" data-410=\"领奖码已过期。\""
		" data-429=\"操作过于频繁，请稍后再试。\""
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
		" data-done=\"Already redeemed on {t} at store {s}.\""
		" data-notyet=\"This coupon is not valid yet.\""
		" data-nowin=\"Ticket opened: no prize\""
		" data-need-token=\"Enter the store's token first.\""
		" data-need-claim=\"Type or scan a claim code.\""
		" data-401=\"This store's token is not valid. Please enter it "
		"again.\""
		" data-403=\"This prize cannot be redeemed at this store.\""
		" data-404=\"Unknown claim code. Please check it and try "
		"again.\""
		" data-409=\"Cannot be redeemed\""
		" data-410=\"This claim code has expired.\""
		" data-429=\"Too many attempts. Please wait a moment.\""
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
	page_close(&o, lang, self, page_staff_script);
	return page_finish(&o, start);
}

/* Appends the product page for GET /01/{GTIN}. */
int
page_render_product(enum page_lang lang, const char *gtin, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;

	page_open(&o, lang, TR(lang, "商品信息", "Product"), "info", NULL);
	page_hero(&o, page_icon_info, TR(lang, "商品信息", "Product"));
	put(&o,
	    TR(lang, "<p>此地址代表一种商品，而不是某一件商品。</p>\n",
		"<p>This address stands for a product, not for one item.</p>\n"));
	put(&o, "</header>\n");
	if (gtin != NULL && *gtin != '\0') {
		put(&o, "<section class=\"cd\"><dl>\n");
		put_field(&o, TR(lang, "商品编码", "Product (GTIN)"), gtin);
		put(&o, "</dl></section>\n");
	}
	put(&o, "<section class=\"cd\"><p>");
	put(&o,
	    TR(lang,
		"每件商品的包装上都有它自己的二维码。"
		"扫描包装上的二维码，即可验证这一件商品是否为正品。",
		"Each package carries its own code. Scan the QR code on the "
		"package to check that the item is genuine."));
	put(&o, "</p></section>\n");
	page_close(&o, lang, NULL, page_script);
	return page_finish(&o, start);
}

/* Appends a short page for an HTTP error status. */
int
page_render_error(enum page_lang lang, int status, struct buf *out)
{
	struct page_out o = { out, 0 };
	size_t start = out->len;
	const char *title, *text;

	switch (status) {
	case 400:
		title = TR(lang, "请求无效", "Bad request");
		text = TR(lang, "无法读取此链接。请重新扫描包装上的二维码。",
		    "This link could not be read. Please scan the code on "
		    "the package again.");
		break;
	case 404:
		title = TR(lang, "页面不存在", "Page not found");
		text = TR(lang, "请检查链接，或重新扫描包装上的二维码。",
		    "Please check the link, or scan the code on the package "
		    "again.");
		break;
	case 405:
		title = TR(lang, "不支持此操作", "Method not allowed");
		text = TR(lang, "此地址不支持这种请求。",
		    "This address does not accept this kind of request.");
		break;
	case 413:
		title = TR(lang, "请求过大", "Request too large");
		text = TR(lang, "发送的数据超过了允许的大小。",
		    "The request was larger than this service accepts.");
		break;
	case 429:
		title = TR(lang, "请求过于频繁", "Too many requests");
		text = TR(lang, "请稍等片刻再试。",
		    "Please slow down, wait a moment and try again.");
		break;
	case 500:
		title = TR(lang, "服务器出错", "Something went wrong");
		text = TR(lang, "服务器出现问题，请稍后再试。",
		    "The server had a problem. Please try again in a "
		    "moment.");
		break;
	case 503:
		title = TR(lang, "暂时无法服务", "Temporarily unavailable");
		text = TR(lang, "服务暂时繁忙或正在维护，请几分钟后再试。",
		    "The service is busy or under maintenance. Please try "
		    "again in a few minutes.");
		break;
	default:
		title = TR(lang, "出错了", "Error");
		text = TR(lang, "无法完成此请求。",
		    "The request could not be completed.");
		break;
	}
	page_open(&o, lang, title, "info", NULL);
	page_hero(&o, page_icon_info, title);
	put(&o, "<p>");
	put(&o, text);
	put(&o, "</p>\n");
	if (status >= 100 && status <= 999)
		putf(&o, "<p class=\"m st\">HTTP %d</p>\n", status);
	put(&o, "</header>\n");
	page_close(&o, lang, NULL, page_script);
	return page_finish(&o, start);
}

/* Parses a q-value ("1", "0.8", "0.125") into thousandths; -1 when
 * malformed. */
static int
lang_qvalue(const char *s, size_t len)
{
	int q, scale = 100;
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* True when range (a language range) names lang or one of its subtags. */
static bool
lang_range_is(const char *r, size_t len, const char *lang)
{
	size_t n = strlen(lang);

	return len >= n && strncasecmp(r, lang, n) == 0 &&
	    (len == n || r[n] == '-' || r[n] == '_');
}

/* The best of two (q, position) candidates: higher q, then earlier. */
struct lang_pick {
	int q; /* thousandths; -1 when not named */
	unsigned pos;
};

/* Keeps the better candidate in *best. */
static void
lang_better(struct lang_pick *best, int q, unsigned pos)
{
	if (q > best->q || (q == best->q && pos < best->pos)) {
		best->q = q;
		best->pos = pos;
	}
}

/* Picks the page language. */
enum page_lang
page_lang_pick(struct http_slice accept_language, struct http_slice query)
{
	struct lang_pick zh = { -1, 0 }, en = { -1, 0 }, star = { -1, 0 };
	struct http_slice v;
	const char *s = accept_language.p;
	size_t len = s != NULL ? accept_language.len : 0, i = 0;
	unsigned pos = 0;

	if (query.p != NULL && http_query_get(query, "lang", &v)) {
		if (v.len == 2 && memcmp(v.p, "zh", 2) == 0)
			return PAGE_LANG_ZH;
		if (v.len == 2 && memcmp(v.p, "en", 2) == 0)
			return PAGE_LANG_EN;
	}
	while (i < len) {
		size_t rs, re, end;
		int q = 1000;

		/* One element: range *(OWS ";" OWS param) up to ','. */
		for (end = i; end < len && s[end] != ','; end++)
			;
		while (i < end && (s[i] == ' ' || s[i] == '\t'))
			i++;
		rs = i;
		while (i < end && s[i] != ';' && s[i] != ' ' && s[i] != '\t')
			i++;
		re = i;
		while (i < end && q >= 0) {
			size_t ps, pe;

			while (i < end &&
			    (s[i] == ' ' || s[i] == '\t' || s[i] == ';'))
				i++;
			ps = i;
			while (i < end && s[i] != ';')
				i++;
			pe = i;
			while (
			    pe > ps && (s[pe - 1] == ' ' || s[pe - 1] == '\t'))
				pe--;
			if (pe - ps >= 2 && (s[ps] == 'q' || s[ps] == 'Q') &&
			    s[ps + 1] == '=')
				q = lang_qvalue(s + ps + 2, pe - ps - 2);
		}
		if (q >= 0 && re > rs) {
			if (lang_range_is(s + rs, re - rs, "zh"))
				lang_better(&zh, q, pos);
			else if (lang_range_is(s + rs, re - rs, "en"))
				lang_better(&en, q, pos);
			else if (re - rs == 1 && s[rs] == '*')
				lang_better(&star, q, pos);
		}
		pos++;
		i = end + 1;
	}
	/* "*" stands for every language not named. */
	if (zh.q < 0)
		zh = star;
	if (en.q < 0)
		en = star;
	if (en.q > 0 && (en.q > zh.q || (en.q == zh.q && en.pos < zh.pos)))
		return PAGE_LANG_EN;
	return PAGE_LANG_ZH;
}

/* Appends the CSP source of a script: 'sha256-BASE64'. Returns false
 * when it cannot be hashed. */
static bool
page_csp_hash(char *out, size_t outlen, const char *script, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t used = strlen(out);
	int n;

	if (crypto_hash_sha256(h, (const unsigned char *)script, len) != 0)
		return false;
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out + used, outlen - used, "%s'sha256-%s'",
	    used > 0 ? " " : "", b64);
	return n > 0 && (size_t)n < outlen - used;
}

/* Builds the policy once: the SHA-256 of both scripts in base64. */
static void
page_csp_init(void)
{
	char scripts[160] = "";

	if (sodium_init() < 0 ||
	    !page_csp_hash(scripts, sizeof(scripts), page_script,
		sizeof(page_script) - 1) ||
	    !page_csp_hash(scripts, sizeof(scripts), page_staff_script,
		sizeof(page_staff_script) - 1))
		strcpy(scripts, "'none'");
	/* Without the hashes the code pages still work: times stay in UTC
	 * and the location section stays hidden (the staff page says it
	 * needs JavaScript). */
	snprintf(page_csp_text, sizeof(page_csp_text),
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src %s; connect-src 'self'; img-src data:; "
	    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
	    scripts);
}

/* The Content-Security-Policy value; computed once, thread-safe. */
const char *
page_csp(void)
{
	(void)pthread_once(&page_csp_once, page_csp_init);
	return page_csp_text;
}
