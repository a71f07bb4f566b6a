/* test_pages.c — the verdict, product and error pages: content per
 * verdict and language, size, escaping, structure, the location button,
 * appending, and running out of memory. The prize-draw card and the staff
 * page are in test_page_draw.c; the language and the CSP in test_lang.c. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "rewards/campaign.h"
#include "rewards/group.h"
#include "scanner/pages.h"
#include "scanner/verify.h"
#include "store/store.h"
#include "pagecheck.h"

/* One page to render and what it must hold. */
struct pcase {
	const char *name;
	struct page_scan p;
	const char *cls;   /* class of <main> */
	const char *zh[3]; /* texts the Chinese page holds */
	const char *en[3]; /* texts the English page holds */
};

/* Every verdict and its variants. */
static struct pcase *
cases(size_t *n)
{
	static struct pcase c[20];
	size_t i = 0;

	c[i++] = (struct pcase){ "genuine-first",
		mk(VERDICT_GENUINE, 1, true, false, 41), "ok",
		{ "<h1>正品</h1>", "这是该码第一次被扫描。",
		    "<time datetime=\"2024-05-03T06:05:09Z\">"
		    "2024-05-03 06:05 UTC</time>" },
		{ "<h1>Genuine product</h1>",
		    "This is the first time this code has been scanned.",
		    "<time datetime=\"2024-05-03T06:05:09Z\">"
		    "2024-05-03 06:05 UTC</time>" } };
	c[i++] = (struct pcase){ "genuine-again-located",
		mk(VERDICT_GENUINE, 3, false, true, 42), "warn",
		{ "此码已被扫描 3 次。首次扫描：<time datetime=\""
		  "2024-05-03T06:05:09Z\">2024-05-03 06:05 UTC</time>"
		  "，位置约 31.23, 121.47。",
		    "此标签可能被复制", "品牌" },
		{ "This code has been scanned 3 times. First scan: <time "
		  "datetime=\"2024-05-03T06:05:09Z\">2024-05-03 06:05 UTC"
		  "</time>, near 31.23, 121.47.",
		    "If you did not scan it before, the label may have been "
		    "copied.",
		    "contact the brand" } };
	c[i] = (struct pcase){ "genuine-again-south-west",
		mk(VERDICT_GENUINE, 12, false, true, 0), "warn",
		{ "此码已被扫描 12 次。", "位置约 -33.87, 0.00。" },
		{ "scanned 12 times.", "near -33.87, 0.00." } };
	c[i].p.first_lat = -33.8688;
	c[i++].p.first_lon = -0.001;
	c[i++] = (struct pcase){ "genuine-again-no-location",
		mk(VERDICT_GENUINE, 2, false, false, 43), "warn",
		{ "此码已被扫描 2 次。首次扫描：" },
		{ "This code has been scanned 2 times. First scan: " } };
	c[i] = (struct pcase){ "genuine-again-self",
		mk(VERDICT_GENUINE, 3, false, false, 48), "ok",
		{ "您之前扫描过此码，时间：<time datetime=\"2024-05-03T06:05:09Z\">",
		    "此码只在您的手机上扫描过。" },
		{ "You scanned this before, on <time datetime=\""
		  "2024-05-03T06:05:09Z\">",
		    "Only your phone has scanned this code." } };
	c[i].p.repeat = PAGE_REPEAT_SELF;
	c[i++].p.repeat_since = 1714716309250000LL;
	c[i++] = (struct pcase){ "genuine-bot",
		mk(VERDICT_GENUINE, 0, false, false, 0), "ok",
		{ "<h1>正品</h1>", "验证通过" },
		{ "<h1>Genuine product</h1>", "checks out" } };
	c[i++] = (struct pcase){ "not-active",
		mk(VERDICT_NOT_ACTIVE, 1, true, false, 44), "warn",
		{ "此码尚未激活", "正常渠道", "店铺" },
		{ "Code not activated yet", "normal sales channel",
		    "the store where you bought it" } };
	c[i] = (struct pcase){ "void-stolen",
		mk(VERDICT_VOID, 1, false, false, 45), "bad",
		{ "此码已作废", "（原因：已报告被盗）", "请勿信任此商品" },
		{ "Code voided", "(reason: reported stolen)",
		    "Do not trust this item." } };
	c[i++].p.void_reason = STORE_VOID_STOLEN;
	c[i] = (struct pcase){ "void-misprint",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：标签印刷错误）" },
		{ "(reason: misprinted label)" } };
	c[i++].p.void_reason = STORE_VOID_MISPRINT;
	c[i] = (struct pcase){ "void-damaged",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：标签损坏）" }, { "(reason: damaged label)" } };
	c[i++].p.void_reason = STORE_VOID_DAMAGED;
	c[i] = (struct pcase){ "void-lost",
		mk(VERDICT_VOID, 1, false, false, 0), "bad",
		{ "（原因：已报告遗失）" }, { "(reason: reported lost)" } };
	c[i++].p.void_reason = STORE_VOID_LOST;
	c[i] =
	    (struct pcase){ "void-other", mk(VERDICT_VOID, 1, false, false, 0),
		    "bad", { "（原因：其他原因）" }, { "(reason: other)" } };
	c[i++].p.void_reason = STORE_VOID_OTHER;
	c[i] = (struct pcase){ "forged",
		mk(VERDICT_FORGED, 1, false, false, 46), "bad",
		{ "未通过验证", "技术信息：签名无效", "AB3DEFGHIJKLA" },
		{ "Not verified", "Technical detail: bad signature",
		    "Serial on the code" } };
	c[i].p.reason = "bad signature";
	c[i].p.gtin = NULL;
	c[i++].p.batch_id = 0;
	c[i] = (struct pcase){ "malformed",
		mk(VERDICT_MALFORMED, 0, false, false, 47), "bad",
		{ "无效的商品码", "扫描到的内容不是可以验证的商品码。" },
		{ "Not a valid product code",
		    "is not a product code that can be checked" } };
	c[i].p.reason = "not a code URL";
	c[i].p.gtin = NULL;
	c[i].p.serial = NULL;
	c[i++].p.batch_id = 0;
	assert_true(i <= sizeof(c) / sizeof(c[0]));
	*n = i;
	return c;
}

/* Every verdict in both languages. */
static void
test_scan_pages(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_scan p = c[i].p;
			const char *const *texts =
			    l == PAGE_LANG_EN ? c[i].en : c[i].zh;
			struct buf b = { 0 };
			char cls[64];
			const char *html;

			p.lang = (enum page_lang)l;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			preview(c[i].name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, p.lang);
			snprintf(cls, sizeof(cls), "<main class=\"%s\">",
			    c[i].cls);
			if (strstr(html, cls) == NULL)
				fail_msg("%s: no %s", c[i].name, cls);
			for (size_t k = 0; k < 3 && texts[k] != NULL; k++)
				if (strstr(html, texts[k]) == NULL)
					fail_msg("%s/%d: missing \"%s\"",
					    c[i].name, l, texts[k]);
			/* The other language's headline is not there. */
			if (strstr(html,
				(l == PAGE_LANG_EN ? c[i].zh : c[i].en)[0]) !=
			    NULL)
				fail_msg("%s/%d: other language", c[i].name, l);
			buf_free(&b);
		}
	}
}

/* A repeat by the same visitor is not a copy sign: no warning, no advice
 * card; the same counts scanned by others are. */
static void
test_scan_self_repeat(void **state)
{
	struct page_scan p = mk(VERDICT_GENUINE, 3, false, false, 48);

	(void)state;
	for (int r = PAGE_REPEAT_SELF; r <= PAGE_REPEAT_OTHER; r++)
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct buf b = { 0 };
			const char *html;

			p.repeat = r;
			p.repeat_since = 1714716309250000LL;
			p.lang = (enum page_lang)l;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			assert_int_equal(strstr(html, "<main class=\"warn\">")
			    != NULL, r == PAGE_REPEAT_OTHER);
			assert_int_equal(strstr(html, "class=\"cd adv\"") !=
			    NULL, r == PAGE_REPEAT_OTHER);
			assert_int_equal(strstr(html, l == PAGE_LANG_EN ?
			    "You scanned this before" : "您之前扫描过此码") !=
			    NULL, r == PAGE_REPEAT_SELF);
			buf_free(&b);
		}
}

/* What a genuine code's page shows and what a forged or malformed one
 * does not. */
static void
test_scan_fields(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct buf b = { 0 };
		struct page_scan p = c[i].p;
		const char *html;
		int v = p.verdict;

		/* All fields set: the verdict decides what is shown. */
		p.gtin = base.gtin;
		p.batch_id = base.batch_id;
		p.self_path = NULL; /* it holds the GTIN */
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		if (v == VERDICT_GENUINE || v == VERDICT_NOT_ACTIVE ||
		    v == VERDICT_VOID) {
			assert_non_null(strstr(html, "09506000134352"));
			assert_non_null(strstr(html, "AB3DEFGHIJKLA"));
			assert_non_null(strstr(html,
			    "<dt>批次</dt><dd class=\"m\">7</dd>"));
			assert_null(strstr(html, "技术信息"));
		} else {
			assert_null(strstr(html, "09506000134352"));
			assert_null(strstr(html, "批次"));
		}
		if (v == VERDICT_MALFORMED)
			assert_null(strstr(html, "AB3DEFGHIJKLA"));
		/* The scan time is shown on a first scan only. */
		assert_int_equal(strstr(html, "<dt>扫描时间</dt>") != NULL,
		    c[i].p.this_is_first && v == VERDICT_GENUINE);
		buf_free(&b);
	}
}

/* The location section: only with an event id and a token, with both in
 * data- attributes and the texts in the page's language. */
static void
test_location_button(void **state)
{
	struct page_scan p = mk(VERDICT_GENUINE, 1, true, false, 0);
	struct buf b = { 0 };
	const char *html;

	(void)state;
	for (int v = VERDICT_GENUINE; v <= VERDICT_MALFORMED; v++) {
		p.verdict = v;
		p.event_id = 0;
		p.location_token = "t";
		assert_int_equal(page_render_scan(&p, &b), 0);
		assert_null(strstr((const char *)b.data, "id=\"loc\""));
		assert_null(strstr((const char *)b.data, "data-token=\""));
		buf_reset(&b);
		p.event_id = 9;
		p.location_token = NULL;
		assert_int_equal(page_render_scan(&p, &b), 0);
		assert_null(strstr((const char *)b.data, "id=\"loc\""));
		buf_reset(&b);
		p.event_id = UINT64_MAX;
		p.location_token = "Zm9v_-";
		assert_int_equal(page_render_scan(&p, &b), 0);
		html = (const char *)b.data;
		assert_int_equal(count(html, "id=\"loc\""), 1);
		assert_non_null(strstr(html,
		    "<button type=\"button\" "
		    "id=\"loc\" data-event=\"18446744073709551615\" "
		    "data-token=\"Zm9v_-\""));
		assert_non_null(strstr(html, "分享我的位置</button>"));
		assert_non_null(strstr(html, "id=\"loc-box\" hidden"));
		assert_non_null(strstr(html, "id=\"loc-msg\""));
		for (const char *k = "wait\0ok\0deny\0err\0"; *k != '\0';
		     k += strlen(k) + 1) {
			char attr[32];

			snprintf(attr, sizeof(attr), " data-%s=\"", k);
			assert_non_null(strstr(html, attr));
		}
		buf_reset(&b);
	}
	p.lang = PAGE_LANG_EN;
	p.location_token = "a\"b<c>";
	assert_int_equal(page_render_scan(&p, &b), 0);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "data-token=\"a&quot;b&lt;c&gt;\""));
	assert_non_null(strstr(html, ">Share my location</button>"));
	assert_non_null(strstr(html, "fight counterfeits and diversion"));
	check_page(&b, PAGE_LANG_EN);
	buf_free(&b);
}

/* Hostile text from the request never reaches the page raw. */
static void
test_hostile_input(void **state)
{
	size_t n;
	struct pcase *c = cases(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			struct page_scan p = c[i].p;
			struct buf b = { 0 };
			const char *html;

			p.lang = (enum page_lang)l;
			p.self_path = "/01/1?a=" HOSTILE "&lang=zh&b='x'";
			p.reason = HOSTILE;
			p.location_token = p.event_id != 0 ? HOSTILE : NULL;
			if (p.verdict == VERDICT_FORGED)
				p.serial = HOSTILE;
			assert_int_equal(page_render_scan(&p, &b), 0);
			html = (const char *)b.data;
			check_page(&b, p.lang);
			assert_null(strstr(html, "alert(1)</script>"));
			assert_null(strstr(html, "<script>alert"));
			assert_null(strstr(html, "'x'"));
			assert_non_null(strstr(html,
			    l == PAGE_LANG_EN ?
				"href=\"/01/1?a=%22%3E%3Cscript%3Ealert(1)%3C/"
				"script%3E&amp;b=&#39;x&#39;&amp;lang=zh\"" :
				"href=\"/01/1?a=%22%3E%3Cscript%3Ealert(1)%3C/"
				"script%3E&amp;b=&#39;x&#39;&amp;lang=en\""));
			/* A reason verify does not give is not shown. */
			assert_null(strstr(html,
			    "script&gt;alert(1)&lt;/script&gt;</p>"));
			buf_free(&b);
		}
	}
}

/* The product page for GET /01/{GTIN}. */
static void
test_product_page(void **state)
{
	struct buf b = { 0 };
	const char *html;

	(void)state;
	assert_int_equal(
	    page_render_product(PAGE_LANG_ZH, "09506000134352", &b), 0);
	preview("product", "zh", &b);
	check_page(&b, PAGE_LANG_ZH);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "<dd class=\"m\">09506000134352</dd>"));
	assert_non_null(strstr(html, "每件商品的包装上都有它自己的二维码"));
	assert_null(strstr(html, "id=\"loc\""));
	assert_non_null(strstr(html, "<a href=\"?lang=en\""));
	buf_reset(&b);
	assert_int_equal(
	    page_render_product(PAGE_LANG_EN, "09506000134352", &b), 0);
	preview("product", "en", &b);
	check_page(&b, PAGE_LANG_EN);
	html = (const char *)b.data;
	assert_non_null(strstr(html, "Each package carries its own code"));
	assert_non_null(strstr(html, "09506000134352"));
	buf_reset(&b);
	assert_int_equal(page_render_product(PAGE_LANG_EN, HOSTILE, &b), 0);
	check_page(&b, PAGE_LANG_EN);
	assert_null(strstr((const char *)b.data, "alert(1)</script>"));
	buf_reset(&b);
	assert_int_equal(page_render_product(PAGE_LANG_EN, NULL, &b), 0);
	check_page(&b, PAGE_LANG_EN);
	buf_free(&b);
}

/* Error pages: a title per status, the status shown, generic otherwise. */
static void
test_error_pages(void **state)
{
	static const struct {
		int status;
		const char *zh, *en;
	} v[] = {
		{ 400, "请求无效", "Bad request" },
		{ 404, "页面不存在", "Page not found" },
		{ 405, "不支持此操作", "Method not allowed" },
		{ 413, "请求过大", "Request too large" },
		{ 429, "请求过于频繁", "Too many requests" },
		{ 500, "服务器出错", "Something went wrong" },
		{ 503, "暂时无法服务", "Temporarily unavailable" },
		{ 418, "出错了", "Error" },
		{ 502, "出错了", "Error" },
	};
	struct buf b = { 0 };
	char want[128], name[16];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int l = PAGE_LANG_ZH; l <= PAGE_LANG_EN; l++) {
			const char *t = l == PAGE_LANG_EN ? v[i].en : v[i].zh;

			assert_int_equal(page_render_error((enum page_lang)l,
					     v[i].status, &b),
			    0);
			snprintf(name, sizeof(name), "error-%d", v[i].status);
			preview(name, l == PAGE_LANG_EN ? "en" : "zh", &b);
			check_page(&b, (enum page_lang)l);
			snprintf(want, sizeof(want), "<h1>%s</h1>", t);
			assert_non_null(strstr((const char *)b.data, want));
			snprintf(want, sizeof(want), "<title>%s · ", t);
			assert_non_null(strstr((const char *)b.data, want));
			snprintf(want, sizeof(want), "HTTP %d", v[i].status);
			assert_non_null(strstr((const char *)b.data, want));
			buf_reset(&b);
		}
	}
	assert_int_equal(page_render_error(PAGE_LANG_EN, 429, &b), 0);
	assert_non_null(strstr((const char *)b.data, "slow down"));
	buf_reset(&b);
	assert_int_equal(page_render_error(PAGE_LANG_EN, 503, &b), 0);
	assert_non_null(strstr((const char *)b.data, "try again"));
	buf_free(&b);
}

/* A win with every field, for the out-of-memory child. */
static const struct page_draw draw_win_full = {
	.mode = PAGE_DRAW_RESULT,
	.campaign_name = "春季开盒有礼",
	.outcome = PAGE_OUTCOME_WIN,
	.prize_name = "保温杯",
	.prize_kind = CAMPAIGN_COUPON,
	.coupon_face = "10.00",
	.coupon_currency = "CNY",
	.coupon_condition = "满100元可用",
	.claim_text = CLAIM,
	.claim_qr_svg = "<svg viewBox=\"0 0 1 1\"></svg>",
	.claim_expires = T_EXP,
};

/* In a child whose address space is capped just above its use, renders
 * into a buffer that must grow by 8 MiB: each renderer must answer
 * -ENOMEM and leave the buffer as it was. Exit status: 0 pass, 1 + which
 * failed, 77 when the allocation could not be made to fail. */
static int
enomem_child(void)
{
	const size_t cap = 8u << 20;
	struct page_scan p = mk(VERDICT_GENUINE, 3, false, true, 5);
	struct rlimit rl;
	struct buf b = { 0 };
	unsigned long pages;
	FILE *f;
	void *probe;

	/* cap - 256 bytes, so that the buffer holds exactly cap bytes. */
	if (buf_reserve(&b, cap - 257) != 0 || b.cap != cap)
		return 1;
	memset(b.data, 'x', cap - 256);
	b.len = cap - 256;
	b.data[b.len] = '\0';
	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return 77;
	if (fscanf(f, "%lu", &pages) != 1) {
		fclose(f);
		return 77;
	}
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * (rlim_t)sysconf(_SC_PAGESIZE) +
	    (2u << 20);
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return 77;
	if ((probe = malloc(cap)) != NULL) {
		free(probe);
		return 77;
	}
	p.self_path = "/01/1/21/X?S=1";
	if (page_render_scan(&p, &b) != -ENOMEM)
		return 2;
	if (page_render_product(PAGE_LANG_EN, "09506000134352", &b) != -ENOMEM)
		return 3;
	if (page_render_error(PAGE_LANG_ZH, 503, &b) != -ENOMEM)
		return 4;
	if (page_escape(&b, (const char *)b.data, b.len) != -ENOMEM)
		return 5;
	if (page_render_staff(PAGE_LANG_ZH, "ABCD", &b) != -ENOMEM)
		return 8;
	p.draw = &draw_win_full;
	if (page_render_scan(&p, &b) != -ENOMEM)
		return 9;
	if (b.len != cap - 256 || b.data[b.len] != '\0' ||
	    memchr(b.data, 0, b.len) != NULL)
		return 6;
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] != 'x')
			return 7;
	return 0;
}

/* Out of memory: -ENOMEM, no crash, the buffer unchanged. */
/* The check-in pages: valid pages in both languages; a hostile store name
 * escaped; the exemption form only with a named store. */
static void
test_checkin_pages(void **state)
{
	struct page_checkin p = { PAGE_LANG_ZH, "s1", HOSTILE, "ABCDEFGHIJKLMNOP",
	    NULL };
	struct buf b = { 0 };

	(void)state;
	for (int l = 0; l < 2; l++) {
		p.lang = l ? PAGE_LANG_EN : PAGE_LANG_ZH;
		buf_reset(&b);
		assert_int_equal(page_render_checkin(&p, &b), 0);
		check_page(&b, p.lang);
		assert_non_null(strstr((char *)b.data, HOSTILE_ESC));
		assert_null(strstr((char *)b.data, HOSTILE));
		assert_non_null(strstr((char *)b.data, "data-store=\"s1\""));
		assert_non_null(strstr((char *)b.data,
		    "data-sig=\"ABCDEFGHIJKLMNOP\""));
		assert_non_null(strstr((char *)b.data, "id=\"ckc\""));
		preview("checkin", l ? "en" : "zh", &b);
		buf_reset(&b);
		assert_int_equal(page_render_checkin_staff(p.lang, &b), 0);
		check_page(&b, p.lang);
		assert_non_null(strstr((char *)b.data, "id=\"xgo\""));
	}
	p.shop = p.shop_name = p.sig = NULL;
	buf_reset(&b);
	assert_int_equal(page_render_checkin(&p, &b), 0);
	check_page(&b, p.lang);
	assert_null(strstr((char *)b.data, "id=\"ckc\""));
	buf_free(&b);
}

/* The group pages: the start page and a group in each state, valid in
 * both languages, a hostile campaign name escaped, the buttons a visitor
 * may use and no other. */
static void
test_group_pages(void **state)
{
	static const struct {
		int status;
		bool member, can_draw;
		const char *has, *lacks;
	} cases[] = {
		{ GROUP_OPEN, false, false, "id=\"gj\"", "id=\"gu\"" },
		{ GROUP_OPEN, true, false, "id=\"gu\"", "id=\"gj\"" },
		{ GROUP_UNLOCKED, true, true, "id=\"gd\"", "id=\"gj\"" },
		{ GROUP_UNLOCKED, true, false, "CLAIM-CODE", "id=\"gd\"" },
		{ GROUP_EXPIRED, true, false, "class=\"e\"", "id=\"gp\"" },
	};
	struct page_group p = { .campaign_id = "c1", .campaign_name = HOSTILE,
	    .size = 3, .window_hours = 24 };
	struct buf b = { 0 };

	(void)state;
	for (int l = 0; l < 2; l++) {
		p.lang = l ? PAGE_LANG_EN : PAGE_LANG_ZH;
		p.group_id = NULL;
		buf_reset(&b);
		assert_int_equal(page_render_group(&p, &b), 0);
		check_page(&b, p.lang);
		assert_non_null(strstr((char *)b.data, HOSTILE_ESC));
		assert_null(strstr((char *)b.data, HOSTILE));
		assert_non_null(strstr((char *)b.data, "data-campaign=\"c1\""));
		assert_non_null(strstr((char *)b.data, "id=\"gs\""));
		preview("group-start", l ? "en" : "zh", &b);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			p.group_id = "ABCDEFGHIJKLMNOP";
			p.status = cases[i].status;
			p.status_text = HOSTILE;
			p.member = cases[i].member;
			p.can_draw = cases[i].can_draw;
			p.joined = 2;
			p.deadline = 1800000000LL * 1000000;
			p.draw_text = cases[i].has[0] == 'C' ? "Prize" : NULL;
			p.claim_text = cases[i].has[0] == 'C' ? "CLAIM-CODE" :
			    NULL;
			buf_reset(&b);
			assert_int_equal(page_render_group(&p, &b), 0);
			check_page(&b, p.lang);
			assert_null(strstr((char *)b.data, HOSTILE));
			assert_non_null(strstr((char *)b.data, "2 / 3"));
			assert_non_null(strstr((char *)b.data,
			    "<time datetime=\"2027-01-15T08:00:00Z\">"));
			assert_non_null(strstr((char *)b.data, cases[i].has));
			assert_null(strstr((char *)b.data, cases[i].lacks));
			if (i == 0)
				preview("group", l ? "en" : "zh", &b);
		}
	}
	buf_free(&b);
}

static void
test_enomem(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	/* The sanitizers reserve terabytes of address space up front. */
	if (getenv("SCANLOOP_SANITIZED") != NULL)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(enomem_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Renders append to what the buffer holds. */
static void
test_append(void **state)
{
	struct page_scan p = mk(VERDICT_FORGED, 1, false, false, 0);
	struct buf b = { 0 }, alone = { 0 };

	(void)state;
	assert_int_equal(buf_puts(&b, "HTTP/1.1 200 OK\r\n\r\n"), 0);
	assert_int_equal(page_render_scan(&p, &b), 0);
	assert_int_equal(page_render_scan(&p, &alone), 0);
	assert_int_equal(b.len, 19 + alone.len);
	assert_memory_equal(b.data + 19, alone.data, alone.len);
	buf_reset(&b);
	assert_int_equal(page_render_error(PAGE_LANG_ZH, 404, &b), 0);
	assert_int_equal(page_render_error(PAGE_LANG_ZH, 404, &b), 0);
	assert_int_equal(count((const char *)b.data, "<!doctype html>"), 2);
	buf_free(&b);
	buf_free(&alone);
}

/* page_escape: the five characters, NUL dropped, the rest untouched. */
static void
test_escape(void **state)
{
	static const char in[] = "a&b<c>d\"e'f\0g 中文&";
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(page_escape(&b, in, sizeof(in) - 1), 0);
	assert_int_equal(b.len,
	    strlen("a&amp;b&lt;c&gt;d&quot;e&#39;fg 中文"
		   "&amp;"));
	assert_string_equal((const char *)b.data,
	    "a&amp;b&lt;c&gt;d&quot;e&#39;fg 中文&amp;");
	buf_reset(&b);
	assert_int_equal(page_escape(&b, "", 0), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(page_escape(&b, "plain", 5), 0);
	assert_string_equal((const char *)b.data, "plain");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_pages),
		cmocka_unit_test(test_scan_fields),
		cmocka_unit_test(test_scan_self_repeat),
		cmocka_unit_test(test_location_button),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_product_page),
		cmocka_unit_test(test_error_pages),
		cmocka_unit_test(test_checkin_pages),
		cmocka_unit_test(test_group_pages),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_escape),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
