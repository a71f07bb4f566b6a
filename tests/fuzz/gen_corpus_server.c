/*
 * gen_corpus_server.c — writes the seed corpora of the scan server's fuzz
 * targets: corpus/router (whole connections: requests of every route,
 * pipelined and broken ones) and corpus/http_parse (the same bytes; the
 * parser reads the first head).
 *
 *   ninja -C BUILD tests/fuzz/gen_corpus_server
 *   BUILD/tests/fuzz/gen_corpus_server tests/fuzz/corpus
 *
 * Code URLs, draw codes, claims and the location, draw, shop and claim
 * tokens are those of fuzz_fixture.c (whose store it builds in a temporary
 * directory, with the same deterministic randomness as the router
 * target), so that the router target's server finds genuine, not active
 * and void codes, draws, and redeems. The output is deterministic; files
 * of the same names are replaced, others (inputs that fuzzing found,
 * added by hand) are left alone.
 */
#include "fuzz.h"
#include "fuzz_fixture.h"
#include "codegen/base32.h"
#include "rewards/checkin.h"
#include "rewards/group.h"
#include "common/fsutil.h"

#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#define GEN_UA "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) " \
    "Mobile/15E148"
#define GEN_MAX 32768

static const char *gen_root;
static int gen_count;
static char gen_path[FX_BATCHES][FX_CODES][CODE_TEXT_MAX + 1];
static struct code gen_code[FX_BATCHES][FX_CODES];
static struct fx_rewards gen_rw;

/* Writes one seed into both corpora. */
static void
gen_put(const char *name, const char *data, size_t len)
{
	static const char *const targets[] = { "router", "http_parse" };
	char path[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", gen_root, targets[i]);
		FUZZ_CHECK(fsutil_mkdirs(path, 0755) == 0);
		FUZZ_CHECK(snprintf(path, sizeof(path), "%s/%s/%s", gen_root,
		    targets[i], name) < (int)sizeof(path));
		fuzz_write_file(path, data, len);
		chmod(path, 0644);
		gen_count++;
	}
}

/* Writes a seed from a format. */
static void __attribute__((format(printf, 2, 3)))
gen_printf(const char *name, const char *fmt, ...)
{
	static char buf[GEN_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	FUZZ_CHECK(n > 0 && n < (int)sizeof(buf));
	gen_put(name, buf, (size_t)n);
}

/* A GET of path as a phone sends it. */
static void
gen_get(const char *name, const char *method, const char *path,
    const char *lang)
{
	gen_printf(name, "%s %s HTTP/1.1\r\nHost: s.example.com\r\n"
	    "User-Agent: %s\r\nAccept: text/html,*/*;q=0.8\r\n"
	    "Accept-Language: %s\r\nConnection: close\r\n\r\n", method, path,
	    GEN_UA, lang);
}

/* A JSON POST. */
static void
gen_post(const char *name, const char *path, const char *type,
    const char *body)
{
	/* A form (not the API) comes from the server's own page in a
	 * browser, which says so: other form posts are refused. */
	bool form = strncmp(path, "/api/", 5) != 0;

	gen_printf(name, "POST %s HTTP/1.1\r\nHost: s.example.com\r\n"
	    "User-Agent: MiniProgram/1.0\r\nContent-Type: %s\r\n%s"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, type,
	    form ? "Sec-Fetch-Site: same-origin\r\n" : "", strlen(body), body);
}

/* Lowercases a copy of s. */
static const char *
gen_lower(const char *s)
{
	static char buf[CODE_TEXT_MAX + 1];
	size_t i;

	for (i = 0; s[i] != '\0' && i < CODE_TEXT_MAX; i++)
		buf[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	buf[i] = '\0';
	return buf;
}

/* The 13-character serial of a code path ("/01/G/21/SERIAL?S=..."). */
static const char *
gen_serial(const char *path)
{
	static char buf[CODE_SERIAL_CHARS + 1];
	const char *s = strstr(path, "/21/");

	FUZZ_CHECK(s != NULL);
	memcpy(buf, s + 4, CODE_SERIAL_CHARS);
	buf[CODE_SERIAL_CHARS] = '\0';
	return buf;
}

/* Code pages of every verdict, both schemes, both letter cases. */
static void
gen_codes(void)
{
	char v[CODE_TEXT_MAX + 64], *q;
	const char *ed = gen_path[FX_ACTIVE_ED][0];
	const char *mac = gen_path[FX_ACTIVE_MAC][0];

	gen_get("code-ed-genuine", "GET", ed, "zh-CN,zh;q=0.9,en;q=0.8");
	gen_get("code-ed-genuine-lower", "GET", gen_lower(ed), "en-US,en");
	gen_get("code-ed-genuine-2", "GET", gen_path[FX_ACTIVE_ED][1], "en");
	gen_get("code-mac-genuine", "GET", mac, "en-GB");
	gen_get("code-mac-genuine-lower", "GET", gen_lower(mac), "zh-TW");
	gen_get("code-ed-not-active", "GET", gen_path[FX_READY_ED][0], "en");
	gen_get("code-ed-void-damaged", "GET",
	    gen_path[FX_ACTIVE_ED][FX_VOIDED_CODE], "zh");
	gen_get("code-mac-batch-void", "GET", gen_path[FX_VOID_MAC][1], "en");
	gen_get("code-head", "HEAD", gen_path[FX_ACTIVE_MAC][2], "en");
	gen_printf("code-post-405", "POST %s HTTP/1.1\r\nHost: s\r\n"
	    "Content-Length: 0\r\n\r\n", ed);
	snprintf(v, sizeof(v), "%s", ed);
	q = strstr(v, "?S=");
	q[5] = q[5] == 'A' ? 'B' : 'A';
	gen_get("code-forged-signature", "GET", v, "en");
	snprintf(v, sizeof(v), "/shop%s&from=timeline&lang=en", ed);
	gen_get("code-prefix-shared", "GET", v, "zh");
	snprintf(v, sizeof(v), "%.*s?from=singlemessage&S=%s",
	    (int)(strchr(ed, '?') - ed), ed, strchr(ed, '?') + 3);
	gen_get("code-param-first", "GET", v, "en");
	gen_get("code-malformed", "GET", "/01/123/21/NOTASERIAL?S=XYZ", "en");
	gen_get("code-no-signature", "GET",
	    "/01/09506000134352/21/AAAAAAAAAAAAA", "en");
	gen_get("code-lang-query", "GET",
	    "/01/09506000134352/21/AAAAAAAAAAAAA?S=AAAA&lang=zh", "en");
	/* Markers that fuzz_router looks for live in HTML answers. */
	snprintf(v, sizeof(v), "%s&lang=zh&x=\"x-fuzz=1'x-fuzz=<x-fuzz>", ed);
	gen_get("code-reflect-markers", "GET", v, "<x-fuzz>,\"x-fuzz");
	gen_get("code-forged-reflect-markers", "GET", "/01/09506000134352/21/"
	    "AAAAAAAAAAAAA?S=<x-fuzz>&lang=en\"x-fuzz", "'x-fuzz");
	gen_get("product-reflect-markers", "GET", "/01/<x-fuzz>?lang=\"x-fuzz",
	    "en");
	gen_get("product-gtin14", "GET", "/01/09506000134352", "en");
	gen_get("product-gtin13-lang", "GET", "/01/9506000134352?lang=zh", "en");
	gen_get("product-bad-gtin", "GET", "/01/09506000134353", "zh");
	gen_get("product-trailing", "GET", "/01/09506000134352/10/LOT1", "en");
	/* GS1 Digital Link forms (docs/code-format.md 9.1). */
	snprintf(v, sizeof(v), "/01/%.14s/22/2A/10/L%%2F1%s&17=261231&s=20",
	    strstr(ed, "/01/") + 4, strstr(ed, "/21/"));
	gen_get("gs1-code-qualifiers", "GET", v, "en");
	snprintf(v, sizeof(v), "%.*s%%%02X%s", (int)(strstr(ed, "/21/") + 4 -
	    ed), ed, (unsigned char)gen_serial(ed)[0], strstr(ed, "/21/") + 5);
	gen_get("gs1-code-percent-serial", "GET", v, "zh");
	gen_get("gs1-product-attributes", "GET",
	    "/01/09506000134352/235/T?10=L&3103=000195", "en");
	gen_get("gs1-reject-duplicate", "GET",
	    "/01/09506000134352?99=A&99=A", "en");
	gen_get("gs1-reject-empty-lot", "GET", "/01/09506000134352/10/", "zh");
	/* A bot, a link preview and a returning visitor. */
	gen_printf("code-bot-preview", "GET %s HTTP/1.1\r\nHost: s\r\n"
	    "User-Agent: WhatsApp/2.23 preview\r\n\r\n", ed);
	gen_printf("code-visitor-cookie", "GET %s HTTP/1.1\r\nHost: s\r\n"
	    "User-Agent: %s\r\nCookie: a=b; sl_vid=AAAAAAAAAAAAAAAAAAAAAAAAAA; "
	    "c\r\nConnection: close\r\n\r\n", mac, GEN_UA);
	gen_printf("code-visitor-cookie-bad", "GET %s HTTP/1.1\r\nHost: s\r\n"
	    "User-Agent: %s\r\nCookie: sl_vid=0189\r\n\r\n", mac, GEN_UA);
}

/* The JSON API. */
static void
gen_api(void)
{
	char body[2 * CODE_TEXT_MAX], url[CODE_TEXT_MAX + 64];
	const char *ed = gen_path[FX_ACTIVE_ED][1];

	snprintf(url, sizeof(url), "%s%s", CODE_DEFAULT_BASE_URL, ed);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"lat\":31.2304,"
	    "\"lon\":121.4737,\"accuracy\":12.5}", url);
	gen_post("api-scan-location", "/api/v1/scans", "application/json",
	    body);
	snprintf(body, sizeof(body), "{\"code\":\"%s%s\"}",
	    CODE_DEFAULT_BASE_URL, gen_path[FX_ACTIVE_MAC][1]);
	gen_post("api-scan-mac", "/api/v1/scans",
	    "application/json; charset=utf-8", body);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"lat\":null,"
	    "\"lon\":null}", gen_lower(url));
	gen_post("api-scan-lower-null-location", "/api/v1/scans",
	    "application/json", body);
	snprintf(body, sizeof(body), "{\"code\":\"%s%s\",\"lat\":1,\"lon\":2}",
	    CODE_DEFAULT_BASE_URL, gen_path[FX_VOID_MAC][0]);
	gen_post("api-scan-void", "/api/v1/scans", "application/json", body);
	snprintf(body, sizeof(body), "{\"code\":\"%s%s\"}",
	    CODE_DEFAULT_BASE_URL, gen_path[FX_READY_ED][1]);
	gen_post("api-scan-not-active", "/api/v1/scans", "application/json",
	    body);
	gen_post("api-scan-forged", "/api/v1/scans", "application/json",
	    "{\"code\":\"https://s.example.com/01/09506000134352/21/"
	    "AAAAAAAAAAAAA?S=CEAAAA\"}");
	gen_post("api-scan-not-a-url", "/api/v1/scans", "application/json",
	    "{\"code\":\"hello \\u0000 world\",\"lat\":-90,\"lon\":180,"
	    "\"accuracy\":0}");
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"lat\":91,\"lon\":0}",
	    url);
	gen_post("api-scan-lat-range", "/api/v1/scans", "application/json",
	    body);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"lat\":10}", url);
	gen_post("api-scan-lat-only", "/api/v1/scans", "application/json",
	    body);
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"lat\":\"10\","
	    "\"lon\":1e999,\"accuracy\":-1}", url);
	gen_post("api-scan-bad-numbers", "/api/v1/scans", "application/json",
	    body);
	gen_post("api-scan-duplicate-keys", "/api/v1/scans",
	    "application/json", "{\"code\":\"a\",\"code\":\"b\"}");
	gen_post("api-scan-not-object", "/api/v1/scans", "application/json",
	    "[\"code\",1,2.5,true,null,{\"a\":{}}]");
	gen_post("api-scan-code-number", "/api/v1/scans", "application/json",
	    "{\"code\":12345,\"lat\":1,\"lon\":1}");
	gen_post("api-scan-bad-json", "/api/v1/scans", "application/json",
	    "{\"code\":\"x\",");
	gen_post("api-scan-text-plain", "/api/v1/scans", "text/plain",
	    "{\"code\":\"x\"}");
	gen_post("api-scan-empty-body", "/api/v1/scans", "application/json",
	    "");
	gen_printf("api-scan-get-405", "GET /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	gen_printf("api-scan-expect-continue", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nExpect: 100-continue\r\nContent-Type: application/json"
	    "\r\nContent-Length: 11\r\n\r\n{\"code\":\"\"}");
	gen_printf("api-code-genuine", "GET /api/v1/codes/%s HTTP/1.1\r\n"
	    "Host: s\r\n\r\n", gen_serial(ed));
	gen_printf("api-code-lower", "GET /api/v1/codes/%s HTTP/1.1\r\n"
	    "Host: s\r\nConnection: close\r\n\r\n",
	    gen_lower(gen_serial(gen_path[FX_ACTIVE_MAC][0])));
	gen_printf("api-code-void", "HEAD /api/v1/codes/%s HTTP/1.1\r\n"
	    "Host: s\r\n\r\n", gen_serial(gen_path[FX_VOID_MAC][1]));
	gen_printf("api-code-not-active", "GET /api/v1/codes/%s HTTP/1.0\r\n"
	    "\r\n", gen_serial(gen_path[FX_READY_ED][0]));
	gen_printf("api-code-unknown", "GET /api/v1/codes/AAAAAAAAAAAAA "
	    "HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("api-code-bad", "GET /api/v1/codes/0189%%00 HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	gen_printf("api-code-post-405", "POST /api/v1/codes/AAAAAAAAAAAAA "
	    "HTTP/1.1\r\nHost: s\r\nContent-Length: 0\r\n\r\n");
	gen_printf("api-unknown", "GET /api/v1/draws HTTP/1.1\r\nHost: s\r\n"
	    "\r\n");
	gen_printf("api-other-method", "DELETE /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
}

/* Location posts with the fixture's tokens. */
static void
gen_location(void)
{
	char token[FX_TOKEN_CHARS + 1], body[256], name[64], path[64];

	for (uint64_t id = 1; id <= 4; id++) {
		fx_token(id, token);
		snprintf(body, sizeof(body), "{\"token\":\"%s\",\"lat\":39.9042,"
		    "\"lon\":116.4074,\"accuracy\":25}", token);
		snprintf(name, sizeof(name), "location-%u", (unsigned)id);
		snprintf(path, sizeof(path), "/api/v1/scans/%u/location",
		    (unsigned)id);
		gen_post(name, path, "application/json", body);
	}
	fx_token(2, token);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"lat\":1}", token);
	gen_post("location-lat-only", "/api/v1/scans/2/location",
	    "application/json", body);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"lat\":1,\"lon\":2}",
	    token);
	gen_post("location-wrong-id", "/api/v1/scans/3/location",
	    "application/json", body);
	fx_token(1000000, token);
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"lat\":1,\"lon\":2}",
	    token);
	gen_post("location-no-such-event", "/api/v1/scans/1000000/location",
	    "application/json", body);
	gen_post("location-bad-json", "/api/v1/scans/1/location",
	    "application/json", "{\"token\":");
	gen_post("location-text-plain", "/api/v1/scans/1/location",
	    "text/plain", "{}");
	gen_post("location-bad-token", "/api/v1/scans/1/location",
	    "application/json", "{\"token\":\"AAAAAAAAAAAAAAAAAAAAAAAAAA\","
	    "\"lat\":1,\"lon\":2}");
	gen_post("location-token-number", "/api/v1/scans/1/location",
	    "application/json", "{\"token\":7,\"lat\":1,\"lon\":2}");
	gen_post("location-id-huge", "/api/v1/scans/99999999999999999999/"
	    "location", "application/json", "{}");
	gen_post("location-id-letters", "/api/v1/scans/12a/location",
	    "application/json", "{}");
	gen_printf("location-get-405", "GET /api/v1/scans/1/location HTTP/1.1"
	    "\r\nHost: s\r\n\r\n");
}

/* Percent-encodes a form value as a browser does. */
static const char *
gen_form(const char *s)
{
	static char buf[3 * CODE_TEXT_MAX + 1];
	size_t n = 0;

	for (; *s != '\0' && n + 4 < sizeof(buf); s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.')
			buf[n++] = *s;
		else
			n += (size_t)sprintf(buf + n, "%%%02X",
			    (unsigned char)*s);
	}
	buf[n] = '\0';
	return buf;
}

/* POST /draw as the page's button sends it: code c, event e and the
 * token of serial for e (a wrong token when bad). */
static void
gen_draw_form(const char *name, const char *c, const struct code *code,
    uint64_t e, bool bad)
{
	char body[4 * CODE_TEXT_MAX], token[FX_TOKEN_CHARS + 1];

	fx_draw_token(gen_rw.claim_key, code->serial, e, token);
	if (bad)
		token[0] = token[0] == 'A' ? 'B' : 'A';
	snprintf(body, sizeof(body), "c=%s&e=%llu&t=%s", gen_form(c),
	    (unsigned long long)e, token);
	gen_post(name, "/draw", "application/x-www-form-urlencoded", body);
}

/* POST /api/v1/draws with a code, from a visitor when cookie is set. */
static void
gen_draw_api(const char *name, const char *code, const char *cookie)
{
	char body[2 * CODE_TEXT_MAX];

	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	gen_printf(name, "POST /api/v1/draws HTTP/1.1\r\n"
	    "Host: s.example.com\r\nUser-Agent: MiniProgram/1.0\r\n"
	    "Content-Type: application/json\r\n%s%s%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
	    cookie ? "Cookie: sl_vid=" : "", cookie ? cookie : "",
	    cookie ? "\r\n" : "", strlen(body), body);
}

/* POST /api/v1/claims/{claim}/redeem with a shop's token (NULL: none). */
static void
gen_redeem(const char *name, const char *claim, const char *shop)
{
	gen_printf(name, "POST /api/v1/claims/%s/redeem HTTP/1.1\r\n"
	    "Host: s.example.com\r\n%s%s%sContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", claim,
	    shop ? "Authorization: Bearer " : "", shop ? shop : "",
	    shop ? "\r\n" : "");
}

/* Prize draws on the outer code (FX_ACTIVE_ED) and on inner draw codes
 * (FX_ACTIVE_MAC), with valid and wrong tokens, repeats and refusals. */
static void
gen_draws(void)
{
	const struct code *ed = gen_code[FX_ACTIVE_ED];
	const struct code *mac = gen_code[FX_ACTIVE_MAC];
	char dc[CODE_TEXT_MAX], url[CODE_TEXT_MAX + 64];
	char vid[FX_TOKEN_CHARS + 1];

	gen_draw_form("draw-form", gen_path[FX_ACTIVE_ED][0], &ed[0], 1, false);
	gen_draw_form("draw-form-bad-token", gen_path[FX_ACTIVE_ED][3], &ed[3],
	    2, true);
	gen_draw_form("draw-form-repeat-prize",
	    gen_path[FX_ACTIVE_ED][FX_PREDRAW_FIRST], &ed[FX_PREDRAW_FIRST], 3,
	    false);
	fx_drawcode(FX_ACTIVE_MAC, 1, false, dc, sizeof(dc));
	gen_draw_form("draw-form-drawcode", dc, &mac[1], 7, false);
	gen_post("draw-form-missing-token", "/draw",
	    "application/x-www-form-urlencoded", "c=%2Fd%2FAAAA&e=1");
	gen_printf("draw-form-get-405", "GET /draw HTTP/1.1\r\nHost: s\r\n"
	    "\r\n");
	/* Cross-site requests (403), and the API without a JSON type (415). */
	gen_printf("draw-form-cross-site", "POST /draw HTTP/1.1\r\n"
	    "Host: s.example.com\r\nSec-Fetch-Site: cross-site\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nc=x");
	gen_printf("draw-form-foreign-origin", "POST /draw HTTP/1.1\r\n"
	    "Host: s.example.com\r\nOrigin: https://evil.example\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nc=x");
	gen_printf("draw-form-own-origin", "POST /draw HTTP/1.1\r\n"
	    "Host: s.example.com\r\nOrigin: https://S.example.COM\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\nc=x");
	gen_printf("draw-api-no-type", "POST /api/v1/draws HTTP/1.1\r\n"
	    "Host: s.example.com\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\n{}");
	snprintf(url, sizeof(url), "%s%s", CODE_DEFAULT_BASE_URL,
	    gen_path[FX_ACTIVE_ED][1]);
	gen_draw_api("draw-api", url, NULL);
	fx_drawcode(FX_ACTIVE_MAC, 2, false, dc, sizeof(dc));
	snprintf(url, sizeof(url), "%s%s", CODE_DEFAULT_BASE_URL, dc);
	gen_draw_api("draw-api-drawcode-url", url, NULL);
	fx_drawcode(FX_ACTIVE_MAC, 3, true, dc, sizeof(dc));
	gen_draw_api("draw-api-drawcode-typed", dc, NULL);
	snprintf(url, sizeof(url), "%s%s", CODE_DEFAULT_BASE_URL,
	    gen_path[FX_ACTIVE_MAC][0]);
	gen_draw_api("draw-api-outer-of-inner", url, NULL);
	gen_draw_api("draw-api-repeat-ticket",
	    gen_path[FX_ACTIVE_ED][FX_PREDRAW_FIRST + FX_PREDRAWS - 1], NULL);
	/* The visitor who won points at start-up may win no more. */
	base32_encode(vid, gen_rw.points_visitor, STORE_VISITOR_BYTES);
	gen_draw_api("draw-api-refused-wins", gen_path[FX_ACTIVE_ED][2], vid);
	gen_draw_api("draw-api-void", gen_path[FX_VOID_MAC][2], NULL);
	fx_drawcode(FX_VOID_MAC, 0, false, dc, sizeof(dc));
	gen_draw_api("draw-api-drawcode-void", dc, NULL);
	gen_draw_api("draw-api-not-active", gen_path[FX_READY_ED][2], NULL);
	gen_draw_api("draw-api-unknown-drawcode", "/D/AAAAAAAAAAAAAAAA", NULL);
	/* Pages: a draw code offers the draw; an earlier draw shows its
	 * result (a prize's claim QR, a ticket). */
	fx_drawcode(FX_ACTIVE_MAC, 0, false, dc, sizeof(dc));
	gen_get("draw-code", "GET", dc, "zh-CN,zh;q=0.9");
	gen_get("draw-code-lower", "GET", gen_lower(dc), "en");
	gen_get("code-ed-drew-prize", "GET",
	    gen_path[FX_ACTIVE_ED][FX_PREDRAW_FIRST], "en");
	gen_get("code-ed-drew-ticket", "GET",
	    gen_path[FX_ACTIVE_ED][FX_PREDRAW_FIRST + FX_PREDRAWS - 1], "zh");
	gen_get("code-ed-drew-points", "GET",
	    gen_path[FX_ACTIVE_ED][FX_PREDRAW_FIRST + 3], "en");
}

/* Redemptions of the start-up draws' claims, points and staff pages. */
static void
gen_claims(void)
{
	const char *prize = gen_rw.claim_token[FX_CLAIM_PRIZE];
	const char *ok = gen_rw.shop_token[FX_SHOP_OK];
	char text[TOKEN_CLAIM_TEXT_LEN + 1], vid[FX_TOKEN_CHARS + 1];
	char body[2 * CODE_TEXT_MAX];

	gen_redeem("claim-redeem", prize, ok);
	token_claim_text(prize, text);
	gen_redeem("claim-redeem-grouped-lower", gen_lower(text), ok);
	gen_redeem("claim-open-ticket", gen_rw.claim_token[FX_CLAIM_TICKET],
	    ok);
	gen_redeem("claim-not-yet", gen_rw.claim_token[FX_CLAIM_LATER], ok);
	gen_redeem("claim-expired", gen_rw.claim_token[FX_CLAIM_GONE], ok);
	gen_redeem("claim-other-shop", gen_rw.claim_token[FX_CLAIM_LATER],
	    gen_rw.shop_token[FX_SHOP_OTHER]);
	gen_redeem("claim-revoked-shop", prize,
	    gen_rw.shop_token[FX_SHOP_REVOKED]);
	gen_redeem("claim-no-auth", prize, NULL);
	gen_redeem("claim-unknown", "AAAAAAAAAAAAAAAAAAAAAAAA", ok);
	gen_printf("claim-get-405", "GET /api/v1/claims/%s/redeem HTTP/1.1\r\n"
	    "Host: s\r\n\r\n", prize);
	base32_encode(vid, gen_rw.points_visitor, STORE_VISITOR_BYTES);
	gen_printf("points-me", "GET /api/v1/visitors/me/points HTTP/1.1\r\n"
	    "Host: s\r\nCookie: sl_vid=%s\r\n\r\n", vid);
	gen_printf("points-me-no-cookie", "HEAD /api/v1/visitors/me/points "
	    "HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("points-me-post-405", "POST /api/v1/visitors/me/points "
	    "HTTP/1.1\r\nHost: s\r\nContent-Length: 0\r\n\r\n");
	gen_printf("staff-store", "GET /store HTTP/1.1\r\nHost: s\r\n"
	    "Accept-Language: zh-CN\r\n\r\n");
	gen_printf("staff-store-claim", "GET /store?claim=%s&lang=en HTTP/1.1"
	    "\r\nHost: s\r\n\r\n", text);
	gen_printf("staff-claim", "GET /C/%s HTTP/1.1\r\nHost: s\r\n\r\n",
	    gen_rw.claim_token[FX_CLAIM_TICKET]);
	gen_printf("staff-claim-head-lower", "HEAD /c/%s HTTP/1.1\r\nHost: s"
	    "\r\n\r\n", gen_lower(prize));
	/* A draw, its redemption and the points, on one connection. */
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}",
	    gen_path[FX_ACTIVE_ED][3]);
	gen_printf("pipeline-draw-redeem", "POST /api/v1/draws HTTP/1.1\r\n"
	    "Host: s\r\nContent-Type: application/json\r\nContent-Length: %zu"
	    "\r\n\r\n%sPOST /api/v1/claims/%s/redeem HTTP/1.1\r\n"
	    "Host: s\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\n\r\n"
	    "GET /api/v1/visitors/me/points HTTP/1.1\r\nHost: s\r\n"
	    "Cookie: sl_vid=%s\r\nConnection: close\r\n\r\n", strlen(body),
	    body, prize, ok, vid);
}

/* A check-in POST with a JSON body, from visitor vid ("" for none). */
static void
gen_checkin(const char *name, const char *body, const char *vid)
{
	gen_printf(name, "POST /api/v1/checkins HTTP/1.1\r\nHost: s\r\n"
	    "Content-Type: application/json\r\n%s%s%sContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", vid[0] ? "Cookie: sl_vid=" : "",
	    vid, vid[0] ? "\r\n" : "", strlen(body), body);
}

/* Store check-ins: the store code's page, the API inside, outside, with
 * poor accuracy, by location alone, with exemption codes; the staff's
 * code page and API. */
static void
gen_checkins(void)
{
	char sig[CHECKIN_SIG_CHARS + 1], body[512], vid[FX_TOKEN_CHARS + 1];
	uint8_t key[32];

	checkin_key(gen_rw.claim_key, key);
	checkin_store_sig(key, FX_SHOP_ID, sig);
	base32_encode(vid, gen_rw.points_visitor, STORE_VISITOR_BYTES);
	gen_printf("checkin-page", "GET /K/" FX_SHOP_ID "/%s HTTP/1.1\r\n"
	    "Host: s\r\nAccept-Language: zh-CN\r\n\r\n", sig);
	gen_printf("checkin-page-lower", "GET /k/" FX_SHOP_ID "/%s"
	    "?lang=en HTTP/1.1\r\nHost: s\r\n\r\n", gen_lower(sig));
	gen_printf("checkin-page-other-shop", "GET /K/fx-other/%s HTTP/1.1\r\n"
	    "Host: s\r\n\r\n", sig);
	gen_printf("checkin-page-find", "GET /K/?lang=en HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	gen_printf("checkin-staff-page", "GET /store/checkin-code HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	snprintf(body, sizeof(body), "{\"store\":\"" FX_SHOP_ID "\","
	    "\"sig\":\"%s\",\"lat\":%.4f,\"lon\":%.4f,\"accuracy\":20,"
	    "\"lang\":\"en\"}", sig, FX_SHOP_LAT, FX_SHOP_LON);
	gen_checkin("checkin-inside", body, vid);
	snprintf(body, sizeof(body), "{\"store\":\"" FX_SHOP_ID "\","
	    "\"sig\":\"%s\",\"lat\":%.4f,\"lon\":%.4f,\"accuracy\":20}",
	    sig, FX_SHOP_LAT + 0.01, FX_SHOP_LON);
	gen_checkin("checkin-outside", body, "");
	snprintf(body, sizeof(body), "{\"store\":\"" FX_SHOP_ID "\","
	    "\"sig\":\"%s\",\"lat\":%.4f,\"lon\":%.4f,\"accuracy\":900}",
	    sig, FX_SHOP_LAT, FX_SHOP_LON);
	gen_checkin("checkin-inaccurate", body, "");
	snprintf(body, sizeof(body), "{\"lat\":%.4f,\"lon\":%.4f,"
	    "\"accuracy\":5,\"lang\":\"zh\"}", FX_SHOP_LAT, FX_SHOP_LON);
	gen_checkin("checkin-by-location", body, "");
	snprintf(body, sizeof(body), "{\"store\":\"" FX_SHOP_ID "\","
	    "\"sig\":\"%s\",\"exemption\":\"12345678\"}", sig);
	gen_checkin("checkin-exemption", body, vid);
	gen_checkin("checkin-bad-sig", "{\"store\":\"" FX_SHOP_ID "\","
	    "\"sig\":\"AAAAAAAAAAAAAAAA\",\"lat\":1,\"lon\":2,"
	    "\"accuracy\":3}", "");
	gen_checkin("checkin-no-accuracy", "{\"lat\":1,\"lon\":2}", "");
	gen_checkin("checkin-nothing", "{}", "");
	gen_printf("checkin-code", "POST /api/v1/stores/me/checkin-code "
	    "HTTP/1.1\r\nHost: s\r\nAuthorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	    gen_rw.shop_token[FX_SHOP_OK]);
	gen_printf("checkin-code-revoked", "POST /api/v1/stores/me/checkin-code "
	    "HTTP/1.1\r\nHost: s\r\nAuthorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n",
	    gen_rw.shop_token[FX_SHOP_REVOKED]);
	sodium_memzero(key, sizeof(key));
}

/* A POST of the group API with a JSON body, from visitor vid ("" for
 * none). */
static void
gen_group_post(const char *name, const char *path, const char *body,
    const char *vid)
{
	gen_printf(name, "POST %s HTTP/1.1\r\nHost: s\r\n"
	    "Content-Type: application/json\r\n%s%s%sContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", path, vid[0] ? "Cookie: sl_vid=" :
	    "", vid, vid[0] ? "\r\n" : "", strlen(body), body);
}

#define GEN_GROUP_JOINER "AAAAAAAAAAAAAAAAAAAAAAAAAA"

/* Groups (拼团): the pages, starting one, joining the start-up group (its
 * creator and another visitor, who fills it), drawing, and ids that are
 * none. */
static void
gen_groups(void)
{
	char id[GROUP_ID_CHARS + 1], vid[FX_TOKEN_CHARS + 1], path[96];

	group_id_text((const uint8_t *)FX_GROUP_ID, id);
	base32_encode(vid, gen_rw.points_visitor, STORE_VISITOR_BYTES);
	gen_printf("group-start-page", "GET /G/?campaign=" FX_CAMPAIGN
	    "&lang=en HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("group-start-page-unknown", "GET /G/?campaign=x-fuzz "
	    "HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_group_post("group-start", "/api/v1/groups", "{\"campaign\":\""
	    FX_CAMPAIGN "\",\"lang\":\"en\"}", vid);
	gen_group_post("group-start-bad", "/api/v1/groups",
	    "{\"campaign\":\"<x-fuzz>\"}", "");
	gen_printf("group-page", "GET /G/%s HTTP/1.1\r\nHost: s\r\n"
	    "Cookie: sl_vid=%s\r\n\r\nGET /g/%s?lang=en HTTP/1.1\r\n"
	    "Host: s\r\n\r\n", id, vid, gen_lower(id));
	gen_printf("group-page-unknown", "GET /G/AAAAAAAAAAAAAAAA HTTP/1.1\r\n"
	    "Host: s\r\n\r\nGET /G/x-fuzz HTTP/1.1\r\nHost: s\r\n\r\n");
	snprintf(path, sizeof(path), "/api/v1/groups/%s/join", id);
	gen_group_post("group-join-creator", path, "{}", vid);
	/* Another visitor fills it, then draws. */
	gen_printf("group-join", "POST %s HTTP/1.1\r\nHost: s\r\n"
	    "Content-Type: application/json\r\nCookie: sl_vid=%s\r\n"
	    "Content-Length: 13\r\n\r\n{\"lang\":\"zh\"}"
	    "POST /api/v1/groups/%s/draw HTTP/1.1\r\nHost: s\r\n"
	    "Content-Type: application/json\r\nCookie: sl_vid=%s\r\n"
	    "Content-Length: 2\r\nConnection: close\r\n\r\n{}", path,
	    GEN_GROUP_JOINER, id, GEN_GROUP_JOINER);
	snprintf(path, sizeof(path), "/api/v1/groups/%s/draw", id);
	gen_group_post("group-draw", path, "{}", vid);
	gen_group_post("group-draw-unknown", "/api/v1/groups/AAAAAAAAAAAAAAAA"
	    "/draw", "{}", vid);
	gen_printf("group-get", "GET /api/v1/groups/%s HTTP/1.1\r\n"
	    "Host: s\r\nCookie: sl_vid=%s\r\n\r\nGET /api/v1/groups/x "
	    "HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n", id, vid);
}

/* Operations, other routes, pipelines and protocol errors. */
static void
gen_misc(void)
{
	const char *ed = gen_path[FX_ACTIVE_ED][2];
	char big[GEN_MAX / 2];

	gen_printf("ops-healthz", "GET /healthz HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("ops-healthz-head-10", "HEAD /healthz HTTP/1.0\r\n\r\n");
	gen_printf("ops-metrics", "GET /metrics HTTP/1.1\r\nHost: s\r\n"
	    "Connection: close\r\n\r\n");
	gen_printf("ops-robots", "GET /robots.txt HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("ops-favicon", "GET /favicon.ico HTTP/1.1\r\nHost: s\r\n"
	    "\r\n");
	gen_printf("ops-not-found", "GET /nothing/here?x=1 HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	gen_printf("ops-root-options", "OPTIONS * HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("ops-absolute-form", "GET http://s.example.com/healthz "
	    "HTTP/1.1\r\nHost: s.example.com\r\n\r\n");
	gen_printf("ops-leading-empty-lines", "\r\n\r\nGET /healthz HTTP/1.1"
	    "\r\nHost: s\r\n\r\n");
	gen_printf("pipeline-mixed", "GET /healthz HTTP/1.1\r\nHost: s\r\n\r\n"
	    "GET %s HTTP/1.1\r\nHost: s\r\nUser-Agent: %s\r\n\r\n"
	    "HEAD /api/v1/codes/%s HTTP/1.1\r\nHost: s\r\n\r\n"
	    "POST /api/v1/scans HTTP/1.1\r\nHost: s\r\nContent-Length: 2\r\n"
	    "\r\n{}"
	    "GET /metrics HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
	    ed, GEN_UA, gen_serial(ed));
	gen_printf("pipeline-keep-alive-10", "GET /healthz HTTP/1.0\r\n"
	    "Connection: keep-alive\r\n\r\nGET /robots.txt HTTP/1.0\r\n\r\n"
	    "GET /healthz HTTP/1.0\r\n\r\n");
	gen_printf("pipeline-then-garbage", "GET /healthz HTTP/1.1\r\nHost: s"
	    "\r\n\r\n\x01\x02garbage\r\n\r\n");
	gen_printf("pipeline-then-partial", "GET /favicon.ico HTTP/1.1\r\n"
	    "Host: s\r\n\r\nGET /healthz HTTP/1.1\r\nHo");
	gen_printf("proxy-xff-v4", "GET %s HTTP/1.1\r\nHost: s\r\n"
	    "X-Forwarded-For: 198.51.100.7, 203.0.113.9\r\nUser-Agent: %s\r\n"
	    "\r\n", ed, GEN_UA);
	gen_printf("proxy-xff-v6", "GET /healthz HTTP/1.1\r\nHost: s\r\n"
	    "X-Forwarded-For: 2001:db8::1\r\n\r\nGET %s HTTP/1.1\r\nHost: s\r\n"
	    "X-Forwarded-For: ::ffff:10.1.2.3\r\n\r\n", ed);
	gen_printf("proxy-xff-garbage", "GET /metrics HTTP/1.1\r\nHost: s\r\n"
	    "X-Forwarded-For: ,,  not-an-ip  \r\n\r\n");
	/* Protocol errors. */
	gen_printf("bad-bare-lf", "GET / HTTP/1.1\nHost: s\n\n");
	gen_printf("bad-obs-fold", "GET / HTTP/1.1\r\nHost: s\r\nX: a\r\n b\r\n"
	    "\r\n");
	gen_printf("bad-no-host", "GET /healthz HTTP/1.1\r\n\r\n");
	gen_printf("bad-two-hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
	    "\r\n");
	gen_printf("bad-chunked", "POST /api/v1/scans HTTP/1.1\r\nHost: s\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
	gen_printf("bad-length-mismatch", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
	gen_printf("ok-length-repeated", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nContent-Length: 2\r\nContent-Length: 2\r\n"
	    "Content-Type: application/json\r\n\r\n{}");
	gen_printf("bad-length-garbage", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nContent-Length: 2x\r\n\r\n{}");
	gen_printf("bad-length-overflow", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nContent-Length: 18446744073709551617\r\n\r\n");
	gen_printf("bad-body-too-large", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\nContent-Length: 16385\r\n\r\n{}");
	gen_printf("bad-post-no-length", "POST /api/v1/scans HTTP/1.1\r\n"
	    "Host: s\r\n\r\n");
	gen_printf("bad-version-2", "GET / HTTP/2.0\r\nHost: s\r\n\r\n");
	gen_printf("bad-version-09", "GET /\r\n\r\n");
	{
		static const char nul[] = "GET / HTTP/1.1\r\nHost: s\r\n"
		    "X: a\0b\r\n\r\n";

		gen_put("bad-nul-in-header", nul, sizeof(nul) - 1);
	}
	gen_printf("bad-space-before-colon", "GET / HTTP/1.1\r\nHost : s\r\n"
	    "\r\n");
	gen_printf("bad-asterisk-get", "GET * HTTP/1.1\r\nHost: s\r\n\r\n");
	gen_printf("incomplete-body", "POST /api/v1/scans HTTP/1.1\r\nHost: s"
	    "\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n"
	    "{\"code\":");
	memset(big, 'A', 3000);
	big[3000] = '\0';
	gen_printf("bad-target-too-long", "GET /%s HTTP/1.1\r\nHost: s\r\n\r\n",
	    big);
	gen_printf("ok-long-method", "%.100s /%.2000s HTTP/1.1\r\nHost: s\r\n"
	    "\r\n", big, big);
	memset(big, 'a', 9000);
	big[9000] = '\0';
	gen_printf("bad-head-too-large", "GET / HTTP/1.1\r\nHost: s\r\n"
	    "X-Big: %s\r\n\r\n", big);
	{
		char many[70 * 12 + 1], *p = many;

		for (int i = 0; i < 70; i++)
			p += sprintf(p, "X-%02d: v\r\n", i);
		gen_printf("bad-too-many-headers", "GET / HTTP/1.1\r\n"
		    "Host: s\r\n%s\r\n", many);
	}
}

/* Writes the corpora under argv[1]. */
int
main(int argc, char **argv)
{
	struct keypair *ed = NULL, *mac = NULL;
	char db[PATH_MAX], secrets[PATH_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR\n", argv[0]);
		return 2;
	}
	gen_root = argv[1];
	fuzz_rng_install();
	FUZZ_CHECK(sodium_init() >= 0);
	/* The router target's store, for its tokens and claims. */
	fuzz_path(db, fuzz_tmpdir(), "db");
	fuzz_path(secrets, fuzz_tmpdir(), "server.secret");
	store_close(fx_store(db, secrets, &gen_rw));
	fx_keys(&ed, &mac);
	for (int b = 0; b < FX_BATCHES; b++)
		for (int i = 0; i < FX_CODES; i++) {
			fx_code(ed, mac, (enum fx_batch)b, i, &gen_code[b][i]);
			fx_path(&gen_code[b][i], gen_path[b][i],
			    sizeof(gen_path[b][i]));
		}
	gen_codes();
	gen_api();
	gen_location();
	gen_draws();
	gen_claims();
	gen_checkins();
	gen_groups();
	gen_misc();
	keys_free(ed);
	keys_free(mac);
	printf("%d seed files written under %s\n", gen_count, gen_root);
	return 0;
}
