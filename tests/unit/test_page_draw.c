/* test_page_draw.c — the prize-draw card of a code page (every mode and
 * outcome, the draw form, the claim's QR code, hostile and overlong
 * fields) and the staff page. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/render.h"
#include "common/buf.h"
#include "rewards/campaign.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "pagecheck.h"

/* The inline SVG of a claim URL as the server makes it: a version-4
 * symbol at one unit per module with the quiet zone. */
static void
claim_svg(struct buf *out)
{
	static const char url[] =
	    "HTTPS://S.EXAMPLE.COM/C/ABCDEFGHJKMNPQRSTVWXYZ23";
	const struct render_opts ro = { 1, RENDER_QUIET_ZONE };
	QRcode *q = NULL;

	assert_int_equal(render_qr(url, QR_ECLEVEL_Q, &q), 0);
	assert_int_equal(q->version, 4);
	assert_int_equal(render_svg_inline(q, &ro, out), 0);
	QRcode_free(q);
	assert_true(
	    strncmp((const char *)out->data, SVG_NS, strlen(SVG_NS)) == 0);
	/* Realistic: a few kilobytes of path. */
	assert_true(out->len > 2000);
}

/* A page with a draw and what it must hold. */
struct dcase {
	const char *name;
	struct page_draw d;
	bool again; /* the code was scanned before (warn page) */
	const char *zh[4];
	const char *en[4];
};

/* What every draw case starts from. */
static struct page_draw
dmk(int mode, int outcome)
{
	return (struct page_draw){
		.mode = mode,
		.campaign_name = "春季开盒有礼",
		.campaign_end = T_END,
		.form_code = "/D/ABCDEFGHJKMNPQRS",
		.form_event = 12345,
		.form_token = "dt_Zm9vYmFy-_",
		.outcome = outcome,
		.prize_name = "保温杯",
		.prize_kind = CAMPAIGN_PHYSICAL,
		.claim_text = CLAIM,
		.claim_expires = T_EXP,
		.claim_redeemed_at = T_RED,
		.claim_shop = "南京路店",
		.points = 50,
		.points_balance = 1250,
	};
}

/* Every draw mode and outcome with their variants. */
static struct dcase *
dcases(size_t *n)
{
	static struct dcase c[24];
	size_t i = 0;

	c[i++] = (struct dcase){
		"draw-open-package", dmk(PAGE_DRAW_OPEN_PACKAGE, 0), false,
		{ "<h2>开盒扫码抽奖</h2>",
		    "本商品正在参加「春季开盒有礼」活动。请打开包装，找到里面的"
		    "抽奖码（在盒内或瓶盖下），扫描它即可抽奖。",
		    "活动截止：<time datetime=\"2024-06-30T16:00:00Z\">" },
		{ "<h2>Open the package to draw</h2>",
		    "This product is in the campaign “春季开盒有礼”. Open the "
		    "package to find your prize code (inside the box or under "
		    "the cap) and scan it.",
		    "The campaign ends <time datetime=\"2024-06-30T16:00:00Z\">" }
	};
	c[i] = (struct dcase){
		"draw-open-package-unnamed", dmk(PAGE_DRAW_OPEN_PACKAGE, 0),
		true, { "<p>本商品正在参加抽奖活动。请打开包装" },
		{ "<p>This product is in a prize campaign. Open the package" }
	};
	c[i].d.campaign_name = NULL;
	c[i++].d.campaign_end = 0;
	c[i++] = (struct dcase){ "draw-offer", dmk(PAGE_DRAW_OFFER, 0), false,
		{ "<h2>您有一次抽奖机会</h2>",
		    "<p class=\"cp\">春季开盒有礼</p>", ">立即抽奖</button>",
		    "每个码只能抽奖一次。" },
		{ "<h2>You have a prize draw</h2>",
		    "<p class=\"cp\">春季开盒有礼</p>", ">Draw now</button>",
		    "One draw per code." } };
	c[i++] = (struct dcase){ "draw-offer-again", dmk(PAGE_DRAW_OFFER, 0),
		true, { "此码已被扫描 3 次", ">立即抽奖</button>" },
		{ "scanned 3 times", ">Draw now</button>" } };
	c[i++] = (struct dcase){ "draw-win",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<h2>恭喜您中奖了！</h2>", "<p class=\"pz\">保温杯</p>",
		    "<p class=\"cl m\">" CLAIM "</p>",
		    "<dt>领奖截止</dt><dd><time datetime=\""
		    "2024-06-03T00:00:00Z\">" },
		{ "<h2>Congratulations, you won!</h2>",
		    "<p class=\"cl m\">" CLAIM "</p>",
		    "<dt>Claim by</dt><dd><time datetime=\""
		    "2024-06-03T00:00:00Z\">",
		    "staff scan the QR code or type the code" } };
	c[i] = (struct dcase){ "draw-win-coupon",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<dt>面值</dt><dd class=\"dn\">¥10.00</dd>",
		    "<dt>使用条件</dt><dd>满100元可用</dd>",
		    "<dt>有效期</dt><dd><time datetime=\"2024-05-04T00:00:00Z\">"
		    "2024-05-04 00:00 UTC</time> 至 <time datetime=\""
		    "2024-06-03T00:00:00Z\">",
		    "<p class=\"pz\">满100减10元券</p>" },
		{ "<dt>Value</dt><dd class=\"dn\">¥10.00</dd>",
		    "<dt>Condition</dt><dd>满100元可用</dd>",
		    "<dt>Valid</dt><dd><time datetime=\"2024-05-04T00:00:00Z\">"
		    "2024-05-04 00:00 UTC</time> to <time datetime=\""
		    "2024-06-03T00:00:00Z\">" } };
	c[i].d.prize_kind = CAMPAIGN_COUPON;
	c[i].d.prize_name = "满100减10元券";
	c[i].d.coupon_face = "10.00";
	c[i].d.coupon_currency = "CNY";
	c[i].d.coupon_condition = "满100元可用";
	c[i++].d.coupon_valid_from = T_FROM;
	c[i] = (struct dcase){ "draw-win-coupon-usd",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<dt>有效期</dt><dd>至 <time",
		    "<dd class=\"dn\">5.00 USD</dd>" },
		{ "<dt>Valid</dt><dd>until <time",
		    "<dd class=\"dn\">5.00 USD</dd>" } };
	c[i].d.prize_kind = CAMPAIGN_COUPON;
	c[i].d.coupon_face = "5.00";
	c[i++].d.coupon_currency = "USD";
	c[i] = (struct dcase){ "draw-win-redeemed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "<h2>恭喜您中奖了！</h2>",
		    "此奖品已于 <time datetime=\"2024-05-10T03:04:00Z\">"
		    "2024-05-10 03:04 UTC</time> 在南京路店核销。" },
		{ "<h2>Congratulations, you won!</h2>",
		    "Redeemed on <time datetime=\"2024-05-10T03:04:00Z\">"
		    "2024-05-10 03:04 UTC</time> at 南京路店." } };
	c[i++].d.claim_redeemed = true;
	c[i] = (struct dcase){ "draw-win-redeemed-noshop",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), false,
		{ "2024-05-10 03:04 UTC</time>核销。" },
		{ "2024-05-10 03:04 UTC</time>." } };
	c[i].d.claim_shop = NULL;
	c[i++].d.claim_redeemed = true;
	c[i] = (struct dcase){ "draw-win-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_WIN), true,
		{ "<p class=\"rp\">此码已参加过抽奖，以下是它的抽奖结果。</p>",
		    "<h2>恭喜您中奖了！</h2>" },
		{ "<p class=\"rp\">This code has already been used for the "
		  "draw; here is its result.</p>",
		    "<h2>Congratulations, you won!</h2>" } };
	c[i++].d.repeat = true;
	c[i++] = (struct dcase){ "draw-ticket",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_TICKET), false,
		{ "<h2>您获得一张到店开奖券</h2>",
		    "<p class=\"lb\">开奖券码</p>", "<dt>开奖截止</dt><dd><time",
		    "店员开启时当场抽出奖品" },
		{ "<h2>You have a sealed ticket</h2>",
		    "Take it to a participating store; the prize is drawn when "
		    "staff open it.",
		    "<p class=\"lb\">Ticket code</p>", "<dt>Open by</dt><dd><time" } };
	c[i] = (struct dcase){ "draw-ticket-redeemed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_TICKET), false,
		{ "此券已于 <time", "在南京路店开奖。" },
		{ "This ticket was opened on <time", "at 南京路店." } };
	c[i++].d.claim_redeemed = true;
	c[i++] = (struct dcase){ "draw-points",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_POINTS), false,
		{ "<h2>恭喜您获得积分！</h2>", "<p class=\"pt\">+50 积分</p>",
		    "<p>积分余额：1250</p>" },
		{ "<h2>You earned points!</h2>",
		    "<p class=\"pt\">+50 points</p>",
		    "<p>Your balance: 1250</p>" } };
	c[i] = (struct dcase){ "draw-points-one-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_POINTS), true,
		{ "<p class=\"pt\">+1 积分</p>", "以下是它的抽奖结果" },
		{ "<p class=\"pt\">+1 point</p>", "here is its result" } };
	c[i].d.points = 1;
	c[i].d.prize_name = NULL;
	c[i++].d.repeat = true;
	c[i++] = (struct dcase){ "draw-miss",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_MISS), false,
		{ "<h2>很遗憾，这次没有中奖</h2>", "谢谢参与！祝您下次好运。" },
		{ "<h2>Not this time</h2>",
		    "Thank you for taking part, and good luck next time." } };
	c[i] = (struct dcase){ "draw-miss-repeat",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_MISS), true,
		{ "此码已参加过抽奖", "这次没有中奖" },
		{ "already been used for the draw", "Not this time" } };
	c[i++].d.repeat = true;
	/* The refusal is in the page's language (set per language below). */
	c[i++] = (struct dcase){ "draw-refused",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_REFUSED), false,
		{ "<h2>本次未能抽奖</h2>",
		    "<p>今天的抽奖次数已用完，请明天再来。</p>",
		    "此码的抽奖机会仍然保留。" },
		{ "<h2>No draw this time</h2>",
		    "<p>You have used today&#39;s draws. Please come back "
		    "tomorrow.</p>",
		    "This code keeps its draw." } };
	c[i] = (struct dcase){ "draw-refused-empty",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_REFUSED), false,
		{ "<p>暂时无法抽奖。</p>" },
		{ "<p>The draw is not available now.</p>" } };
	c[i++].d.refusal = "";
	c[i++] = (struct dcase){ "draw-closed",
		dmk(PAGE_DRAW_RESULT, PAGE_OUTCOME_CLOSED), false,
		{ "<h2>活动未在进行</h2>", "已暂停、已结束或尚未开始" },
		{ "<h2>The campaign is not running</h2>",
		    "paused, has ended or has not started yet" } };
	assert_true(i <= sizeof(c) / sizeof(c[0]));
	*n = i;
	return c;
}

/* The refusal words of a case, in a language. */
static const char *
refusal_for(const struct dcase *c, enum page_lang lang)
{
	if (c->d.outcome != PAGE_OUTCOME_REFUSED ||
	    c->d.mode != PAGE_DRAW_RESULT || c->d.refusal != NULL)
		return c->d.refusal;
	return lang == PAGE_LANG_EN ?
	    "You have used today's draws. Please come back tomorrow." :
	    "今天的抽奖次数已用完，请明天再来。";
}

/* True when the case shows a claim still to redeem (QR and how-to). */
static bool
shows_qr(const struct page_draw *d)
{
	return d->mode == PAGE_DRAW_RESULT && !d->claim_redeemed &&
	    (d->outcome == PAGE_OUTCOME_WIN ||
		d->outcome == PAGE_OUTCOME_TICKET);
}

/* Every draw mode and outcome in both languages: its texts, the QR code
 * where a claim waits, size, structure and place on the page. */
static void
test_draw_pages(void **state)
{
	struct buf svg = { 0 };
	size_t n;
	struct dcase *c = dcases(&n);

	(void)state;
	claim_svg(&svg);
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_draw d = c[i].d;
			struct page_scan p = c[i].again ?
			    mk(VERDICT_GENUINE, 3, false, true, 42) :
			    mk(VERDICT_GENUINE, 1, true, false, 41);
			const char *const *texts =
			    l == PAGE_LANG_EN ? c[i].en : c[i].zh;
			const char *html, *card, *details, *loc;
			struct buf b = { 0 };

			d.claim_qr_svg = (const char *)svg.data;
			d.refusal = refusal_for(&c[i], (enum page_lang)l);
			p.lang = (enum page_lang)l;
			p.draw = &d;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			preview(c[i].name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, p.lang);
			for (size_t k = 0; k < 4 && texts[k] != NULL; k++)
				if (strstr(html, texts[k]) == NULL)
					fail_msg("%s/%d: missing \"%s\"",
					    c[i].name, l, texts[k]);
			if (strstr(html,
				(l == PAGE_LANG_EN ? c[i].zh : c[i].en)[0]) !=
			    NULL)
				fail_msg("%s/%d: other language", c[i].name, l);
			/* The verdict stays: the card follows it. */
			assert_non_null(strstr(html,
			    c[i].again ? "<main class=\"warn\">" :
					 "<main class=\"ok\">"));
			assert_int_equal(count(html, "id=\"draw\""), 1);
			assert_int_equal(count(html, ".dr{"), 1);
			card = strstr(html,
			    "<section class=\"cd dr\" id=\"draw\">");
			details = strstr(html, "<section class=\"cd\"><dl>");
			loc = strstr(html, "id=\"loc-box\"");
			assert_non_null(card);
			assert_non_null(details);
			assert_non_null(loc);
			assert_true(strstr(html, "</header>") < card);
			assert_true(card < details && details < loc);
			/* The QR code (raw) and how to claim, only while a
			 * claim waits; the claim code as text always. */
			assert_int_equal(count(html, (const char *)svg.data),
			    shows_qr(&d) ? 1 : 0);
			assert_int_equal(count(html, SVG_NS), shows_qr(&d));
			assert_int_equal(count(html, "<div class=\"qr\">"),
			    shows_qr(&d));
			assert_int_equal(
			    count(html, "<p class=\"cl m\">" CLAIM "</p>"),
			    d.mode == PAGE_DRAW_RESULT &&
				(d.outcome == PAGE_OUTCOME_WIN ||
				    d.outcome == PAGE_OUTCOME_TICKET));
			assert_int_equal(count(html, "<p class=\"hw\">"),
			    shows_qr(&d));
			/* The deadline (or validity) while a claim waits. */
			assert_int_equal(count(html, "截止</dt>") +
				count(html, " by</dt>") +
				count(html, "<dt>有效期</dt>") +
				count(html, "<dt>Valid</dt>"),
			    shows_qr(&d));
			assert_int_equal(count(html, "class=\"rp\""),
			    d.mode == PAGE_DRAW_RESULT && d.repeat);
			/* Only the offer posts, and nothing links to /draw. */
			assert_int_equal(count(html, "<form"),
			    d.mode == PAGE_DRAW_OFFER);
			assert_int_equal(count(html, "/draw"),
			    d.mode == PAGE_DRAW_OFFER);
			assert_null(strstr(html, "href=\"/draw"));
			assert_int_equal(count(html, "<h2>"), 1);
			if (b.len >= PAGE_LIMIT)
				fail_msg("%s: %zu bytes", c[i].name, b.len);
			buf_free(&b);
		}
	}
	buf_free(&svg);
}

/* The offer is a plain form POST to /draw with the three hidden fields,
 * escaped; without a draw (or mode none) nothing of it is on the page. */
static void
test_draw_form(void **state)
{
	struct page_draw d = dmk(PAGE_DRAW_OFFER, 0);
	struct page_scan p = mk(VERDICT_GENUINE, 1, true, false, 41);
	struct buf b = { 0 };
	const char *html;

	(void)state;
	p.draw = &d;
	d.form_event = UINT64_MAX;
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	assert_non_null(strstr(html,
	    "<form method=\"post\" action=\"/draw\" id=\"dw\">\n"
	    "<input type=\"hidden\" name=\"c\" value=\"/D/ABCDEFGHJKMNPQRS\">\n"
	    "<input type=\"hidden\" name=\"e\" "
	    "value=\"18446744073709551615\">\n"
	    "<input type=\"hidden\" name=\"t\" value=\"dt_Zm9vYmFy-_\">\n"
	    "<button type=\"submit\" class=\"big\" data-wait=\"正在抽奖…\">"
	    "立即抽奖</button>\n</form>\n"));
	assert_int_equal(count(strstr(html, "<form"), " name=\""), 3);
	assert_int_equal(count(html, "<button"), 2); /* and the location */
	buf_reset(&b);
	/* Hostile fields stay inside their attributes. */
	d.form_code = "/01/1?x=" HOSTILE;
	d.form_token = HOSTILE;
	d.form_event = 0;
	p.lang = PAGE_LANG_EN;
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_EN);
	assert_non_null(
	    strstr(html, "name=\"c\" value=\"/01/1?x=" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html, "name=\"e\" value=\"0\">"));
	assert_non_null(strstr(html, "name=\"t\" value=\"" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html, "data-wait=\"Drawing…\">Draw now<"));
	assert_null(strstr(html, "<script>alert"));
	buf_reset(&b);
	/* No draw: no card, no form, no draw styles. */
	for (int mode = -1; mode <= PAGE_DRAW_NONE; mode++) {
		d = dmk(PAGE_DRAW_NONE, 0);
		p.draw = mode < 0 ? NULL : &d;
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		assert_null(strstr(html, "id=\"draw\""));
		assert_null(strstr(html, "<form"));
		assert_null(strstr(html, ".dr{"));
		assert_null(strstr(html, "春季开盒有礼"));
		buf_reset(&b);
	}
	buf_free(&b);
}

/* Sets every string of a draw to s (the QR code to svg). */
static void
draw_strings(struct page_draw *d, const char *s, const char *svg)
{
	d->campaign_name = s;
	d->form_code = s;
	d->form_token = s;
	d->refusal = s;
	d->prize_name = s;
	d->coupon_face = s;
	d->coupon_currency = s;
	d->coupon_condition = s;
	d->claim_text = s;
	d->claim_qr_svg = svg;
	d->claim_shop = s;
}

/* Hostile and overlong strings in every mode, outcome and variant, both
 * languages: escaped, never raw, and the page (with a real QR code) stays
 * under 20 KB. */
static void
test_draw_hostile(void **state)
{
	struct buf svg = { 0 };
	char *longs;
	size_t worst = 0;

	(void)state;
	claim_svg(&svg);
	longs = malloc(4001);
	assert_non_null(longs);
	memset(longs, '"', 4000);
	longs[4000] = '\0';
	for (int mode = PAGE_DRAW_OPEN_PACKAGE; mode <= PAGE_DRAW_RESULT;
	     mode++)
		for (int oc = PAGE_OUTCOME_WIN; oc <= PAGE_OUTCOME_CLOSED + 1;
		     oc++)
			for (int v = 0; v < 48; v++) {
				struct page_draw d = dmk(mode, oc);
				struct page_scan p = (v & 4) ?
				    mk(VERDICT_GENUINE, 3, false, true, 42) :
				    mk(VERDICT_GENUINE, 1, true, false, 41);
				struct buf b = { 0 };
				const char *html;

				d.repeat = v & 1;
				d.claim_redeemed = v & 2;
				d.prize_kind = v >> 4; /* every kind */
				p.lang = (v & 8) ? PAGE_LANG_EN : PAGE_LANG_ZH;
				p.draw = &d;
				draw_strings(&d, HOSTILE,
				    (const char *)svg.data);
				assert_int_equal(page_render_scan(&p, &b), 0);
				html = (const char *)b.data;
				check_page(&b, p.lang);
				assert_null(strstr(html, "<script>alert"));
				assert_null(strstr(html, "alert(1)</script>"));
				assert_true(count(html, HOSTILE_ESC) >= 1);
				buf_reset(&b);
				draw_strings(&d, longs, (const char *)svg.data);
				assert_int_equal(page_render_scan(&p, &b), 0);
				check_page(&b, p.lang);
				worst = b.len > worst ? b.len : worst;
				buf_free(&b);
			}
	printf("# largest draw page with overlong fields: %zu bytes\n", worst);
	free(longs);
	buf_free(&svg);
}

/* The staff page: both languages, the form and its words, no field that
 * a browser would put in a URL, the prefill escaped and bounded. */
static void
test_staff_page(void **state)
{
	static const char *ids[] = { "id=\"rf\" hidden", "id=\"st-box\"",
		"<input id=\"st\" type=\"password\"",
		"id=\"st-saved\" class=\"mu\" hidden",
		"<a href=\"#\" id=\"st-chg\">", "<input id=\"cl\"",
		"<button type=\"button\" id=\"cam\" class=\"b2\" hidden>",
		"<video id=\"vid\" playsinline muted hidden></video>",
		"<button type=\"submit\" id=\"go\">",
		"<section class=\"cd\" id=\"out\" role=\"status\"",
		"data-e-unauthorized=\"", "data-e-forbidden=\"",
		"data-e-not_found=\"", "data-e-already_redeemed=\"",
		"data-e-expired=\"", "data-net=\"", "data-ok=\"", "data-face=\"",
		"data-e-not_yet_valid=\"", "<noscript>",
		NULL };
	struct buf b = { 0 };
	char script[2][160], *longs;
	const char *html;

	(void)state;
	for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
		assert_int_equal(
		    page_render_staff((enum page_lang)l, CLAIM, &b), 0);
		preview("staff", l == PAGE_LANG_EN ? "en" : "zh", &b);
		check_page(&b, (enum page_lang)l);
		html = (const char *)b.data;
		for (size_t k = 0; ids[k] != NULL; k++)
			if (strstr(html, ids[k]) == NULL)
				fail_msg("staff/%d: no %s", l, ids[k]);
		assert_non_null(strstr(html, "value=\"" CLAIM "\">"));
		assert_null(strstr(strstr(html, "<form"), " name="));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ? "<h1>Redeem a prize</h1>" :
					"<h1>门店核销</h1>"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ? ">Redeem</button>" : ">核销</button>"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"data-e-unauthorized=\"This store's token is not valid." :
			"data-e-unauthorized=\"门店令牌无效"));
		assert_null(strstr(html,
		    l == PAGE_LANG_EN ? "门店核销" : "Redeem a prize"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"<a href=\"?claim=" CLAIM "&amp;lang=zh\"" :
			"<a href=\"?claim=" CLAIM "&amp;lang=en\""));
		/* The staff script: the redeem call, the stored token. */
		assert_non_null(strstr(html,
		    "fetch('/api/v1/claims/'+encodeURIComponent(c)+'/redeem',"
		    "{method:'POST'"));
		assert_non_null(strstr(html, "'Authorization':'Bearer '+t"));
		assert_non_null(strstr(html, "localStorage.setItem(K,t)"));
		assert_non_null(strstr(html, "'BarcodeDetector' in window"));
		assert_non_null(strstr(html,
		    l == PAGE_LANG_EN ?
			"data-done=\"Redeemed on {t} at {s}.\"" :
			"data-done=\"此奖品已于 {t} 在门店「{s}」核销。\""));
		assert_null(strstr(html, "innerHTML"));
		assert_null(strstr(html, "id=\"loc"));
		script_source(html, script[l], sizeof(script[l]));
		buf_reset(&b);
	}
	assert_string_equal(script[0], script[1]);
	/* No prefill. */
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, NULL, &b), 0);
	preview("staff-empty", "zh", &b);
	check_page(&b, PAGE_LANG_ZH);
	assert_non_null(strstr((const char *)b.data, "value=\"\">"));
	assert_non_null(strstr((const char *)b.data, "<a href=\"?lang=en\""));
	buf_reset(&b);
	/* Hostile: escaped in the field, percent-encoded in the link. */
	assert_int_equal(page_render_staff(PAGE_LANG_ZH, HOSTILE, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_ZH);
	assert_non_null(strstr(html, "value=\"" HOSTILE_ESC "\">"));
	assert_non_null(strstr(html,
	    "<a href=\"?claim=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"
	    "&amp;lang=en\""));
	assert_null(strstr(html, "<script>alert"));
	buf_reset(&b);
	/* Overlong: cut, and the link drops it. */
	longs = malloc(4001);
	assert_non_null(longs);
	memset(longs, '"', 4000);
	longs[4000] = '\0';
	assert_int_equal(page_render_staff(PAGE_LANG_EN, longs, &b), 0);
	html = (const char *)b.data;
	check_page(&b, PAGE_LANG_EN);
	assert_non_null(strstr(html, "<a href=\"?lang=zh\""));
	assert_true(count(html, "&quot;") <= 64);
	free(longs);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draw_pages),
		cmocka_unit_test(test_draw_form),
		cmocka_unit_test(test_draw_hostile),
		cmocka_unit_test(test_staff_page),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
