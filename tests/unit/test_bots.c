/* test_bots.c — the bot test (scanner/bots.c): the rules, the cache, the
 * list's loading, and the rates on the labelled User-Agents of
 * tests/fixtures/ua/ (README.md there names their sources). */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scanner/bots.h"

/* The targets of issue 11: crawlers flagged, browsers and apps not. */
#define RECALL_MIN 0.90
#define BROWSER_FP_MAX 0.01

struct corpus {
	char *text;
	char **line;
	size_t n;
};

static const char googlebot[] = "Mozilla/5.0 (compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html)";
static const char chrome[] = "Mozilla/5.0 (Linux; Android 13; Pixel 7) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile "
    "Safari/537.36";

/* People the old word list took for bots (issue 11), and app clients. */
static const char *const people[] = {
	/* Android apps' HTTP library. */
	"okhttp/4.9.0",
	"okhttp/3.12.1",
	/* Cubot phones (matomo-org/device-detector fixtures). */
	"Mozilla/5.0 (Linux; Android 11; Cubot X30) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/96.0.4664.104 Mobile Safari/537.36",
	"Dalvik/2.1.0 (Linux; U; Android 9; KING KONG 3 Build/PPR1.180610.011)",
	"Mozilla/5.0 (Linux; Android 10; CUBOT_X19) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/80.0.3987.99 Mobile Safari/537.36",
	/* The Pinterest in-app browser. */
	"Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) "
	    "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
	    "[Pinterest/iOS]",
	"Mozilla/5.0 (Linux; Android 12; SM-G991B Build/SP1A.210812.016; wv) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
	    "Chrome/110.0.5481.153 Mobile Safari/537.36 [Pinterest/Android]",
	/* iOS and Android app clients. */
	"Dalvik/2.1.0 (Linux; U; Android 13; MX10 Build/TQ2A.230305.008.F1)",
	"Pic%20Collage/7.31.14 CFNetwork/889.9 Darwin/17.2.0",
	/* The list's Android 15 build id and Sogou's browser (ignored). */
	"Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
	    "Chrome/142.0.7444.142 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 10; TLA001 Build/QP1A.190711.020; wv) "
	    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
	    "Chrome/80.0.3987.132 Safari/537.36 SogouMSE,SogouMobileBrowser/6.1.5",
	chrome,
};

/* Bots the old word list missed (issue 11). */
static const char *const bots[] = {
	googlebot,
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "ChatGPT-User/1.0; +https://openai.com/bot",
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; "
	    "Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)",
	"Scrapy/2.11.0 (+https://scrapy.org)",
	"Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like "
	    "Gecko) PhantomJS/2.1.1 Safari/538.1",
	"Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
	"kube-probe/1.27",
	"ELB-HealthChecker/2.0",
	"curl/7.88.1",
	"python-requests/2.31.0",
	"Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)",
	"WhatsApp/2.23.20.0 A",
};

/* Loads the installed list, or returns NULL (the test then skips). */
static struct bots *
load_list(void)
{
	struct bots *b;
	char why[512];
	int ret;

	if ((ret = bots_load(SCANLOOP_BOTS_LIST, &b, why, sizeof(why))) < 0) {
		printf("SKIP: no crawler list at %s (%s): run tools/setup.sh\n",
		    SCANLOOP_BOTS_LIST, why);
		return NULL;
	}
	return b;
}

/* The own rules alone (no list) flag the bots and none of the people. */
static void
test_bots_builtin(void **state)
{
	struct bots *b;
	struct bots_info in;
	char why[160];

	(void)state;
	assert_int_equal(bots_load(NULL, &b, why, sizeof(why)), 0);
	bots_get_info(b, &in);
	assert_true(in.builtin_only);
	assert_int_equal(in.list_patterns, 0);
	assert_true(in.own_rules >= 7);
	assert_true(bots_match(b, "", 0));
	assert_string_equal(bots_rule(b, "", 0), "empty");
	for (size_t i = 0; i < sizeof(bots) / sizeof(bots[0]); i++)
		if (!bots_match(b, bots[i], strlen(bots[i])))
			fail_msg("not flagged: %s", bots[i]);
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++)
		if (bots_match(b, people[i], strlen(people[i])))
			fail_msg("flagged by %s: %s", bots_rule(b, people[i],
			    strlen(people[i])), people[i]);
	assert_string_equal(bots_rule(b, "curl/8.0", 8), "rule:http-tool");
	assert_string_equal(bots_rule(b, "Hello, world", 12),
	    "rule:no-platform");
	assert_null(bots_rule(b, chrome, strlen(chrome)));
	/* NULL is the same rules, built once. */
	assert_true(bots_match(NULL, googlebot, strlen(googlebot)));
	assert_false(bots_match(NULL, chrome, strlen(chrome)));
	bots_free(b);
}

/* With the list: the same, the list's names, and its dropped patterns. */
static void
test_bots_list(void **state)
{
	struct bots *b = load_list();
	struct bots_info in;
	const char *r;

	(void)state;
	if (b == NULL)
		skip();
	bots_get_info(b, &in);
	assert_false(in.builtin_only);
	assert_true(in.list_patterns > 1000);
	assert_int_equal(in.literals + in.regexes + in.ignored + in.invalid,
	    in.list_patterns);
	assert_int_equal(in.ignored, 3);
	for (size_t i = 0; i < sizeof(bots) / sizeof(bots[0]); i++)
		assert_true(bots_match(b, bots[i], strlen(bots[i])));
	for (size_t i = 0; i < sizeof(people) / sizeof(people[0]); i++)
		if (bots_match(b, people[i], strlen(people[i])))
			fail_msg("flagged by %s: %s", bots_rule(b, people[i],
			    strlen(people[i])), people[i]);
	/* A plain pattern (the index) and an expression (PCRE2). */
	r = bots_rule(b, googlebot, strlen(googlebot));
	assert_non_null(r);
	assert_string_equal(r, "list:Googlebot\\/");
	r = bots_rule(b, "SemrushBot-BA", 13);
	assert_string_equal(r, "list:S[eE][mM]rushBot");
	bots_free(b);
}

/* A repeated User-Agent is a cache hit with the same verdict; one longer
 * than BOTS_CACHE_UA_MAX is never cached, and its end is still read. */
static void
test_bots_cache(void **state)
{
	char long_bot[BOTS_CACHE_UA_MAX + 200], long_human[sizeof(long_bot)];
	uint64_t hits, misses, h0, m0;
	struct bots *b;
	char why[160];
	size_t n;

	(void)state;
	assert_int_equal(bots_load(NULL, &b, why, sizeof(why)), 0);
	bots_cache_stats(b, &hits, &misses);
	assert_int_equal(hits + misses, 0);
	assert_true(bots_match(b, googlebot, strlen(googlebot)));
	assert_false(bots_match(b, chrome, strlen(chrome)));
	bots_cache_stats(b, &hits, &misses);
	assert_int_equal(hits, 0);
	assert_int_equal(misses, 2);
	for (int i = 0; i < 3; i++) {
		assert_true(bots_match(b, googlebot, strlen(googlebot)));
		assert_false(bots_match(b, chrome, strlen(chrome)));
	}
	bots_cache_stats(b, &hits, &misses);
	assert_int_equal(hits, 6);
	assert_int_equal(misses, 2);
	/* A cached human User-Agent that is the start of a bot's: the
	 * longer one is not the cached entry. */
	{
		static const char both[] = "Mozilla/5.0 (Linux; Android 13) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Mobile Googlebot";
		size_t short_len = sizeof(both) - 1 - strlen(" Googlebot");

		assert_false(bots_match(b, both, short_len));
		assert_true(bots_match(b, both, sizeof(both) - 1));
		assert_false(bots_match(b, both, short_len));
	}

	/* A browser User-Agent padded past the slot, with a bot's name after
	 * the first BOTS_CACHE_UA_MAX bytes. */
	memset(long_human, 0, sizeof(long_human));
	n = (size_t)snprintf(long_human, sizeof(long_human), "%s", chrome);
	for (; n < sizeof(long_human) - 40; n++)
		long_human[n] = n % 7 == 0 ? ' ' : 'x';
	long_human[n] = '\0';
	memcpy(long_bot, long_human, sizeof(long_bot));
	memcpy(long_bot + n - 10, " Googlebot", 10);
	assert_true(n > BOTS_CACHE_UA_MAX);
	bots_cache_stats(b, &h0, &m0);
	for (int i = 0; i < 2; i++) {
		assert_false(bots_match(b, long_human, n));
		assert_true(bots_match(b, long_bot, n));
	}
	bots_cache_stats(b, &hits, &misses);
	assert_int_equal(hits, h0);
	assert_int_equal(misses, m0 + 4);
	bots_free(b);
}

/* More distinct User-Agents than slots: evictions keep verdicts right. */
static void
test_bots_cache_evict(void **state)
{
	char ua[128];
	struct bots *b;
	char why[160];
	int n;

	(void)state;
	assert_int_equal(bots_load(NULL, &b, why, sizeof(why)), 0);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 4 * BOTS_CACHE_SLOTS; i++) {
			if (i % 2 == 0)
				n = snprintf(ua, sizeof(ua), "Mozilla/5.0 (Linux; "
				    "Android 14; M%d) AppleWebKit/537.36 (KHTML, "
				    "like Gecko) Chrome/120.0.%d Mobile", i, i);
			else
				n = snprintf(ua, sizeof(ua), "Crawler%d/1.0", i);
			assert_int_equal(bots_match(b, ua, (size_t)n), i % 2);
		}
	bots_free(b);
}

struct thread_arg {
	struct bots *b;
	const struct corpus *c;
	const bool *expect;
	size_t bad;
};

/* Matches a corpus three times from one thread. */
static void *
match_thread(void *p)
{
	struct thread_arg *a = p;

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < a->c->n; i++)
			if (bots_match(a->b, a->c->line[i],
			    strlen(a->c->line[i])) != a->expect[i])
				a->bad++;
	return NULL;
}

/* Reads one UA a line of a fixture file; '#' lines are comments. */
static void
corpus_read(struct corpus *c, const char *name)
{
	char path[TU_PATH_MAX];
	const char *src = getenv("SCANLOOP_SRC");
	size_t len, cap = 0;
	char *p, *nl;

	snprintf(path, sizeof(path), "%s/tests/fixtures/ua/%s",
	    src != NULL ? src : ".", name);
	memset(c, 0, sizeof(*c));
	c->text = tu_read(path, &len);
	for (p = c->text; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			fail_msg("%s: last line without newline", path);
		*nl = '\0';
		if (p[0] == '#' || p[0] == '\0')
			continue;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 256;
			c->line = realloc(c->line, cap * sizeof(*c->line));
			assert_non_null(c->line);
		}
		c->line[c->n++] = p;
	}
	assert_true(c->n > 0);
}

/* Frees a corpus. */
static void
corpus_free(struct corpus *c)
{
	free(c->line);
	free(c->text);
}

/* Counts the corpus lines that b flags, printing up to `show` of those
 * flagged (want_bot false) or missed (want_bot true). */
static size_t
corpus_count(struct bots *b, const struct corpus *c, bool want_bot,
    int show)
{
	size_t flagged = 0;

	for (size_t i = 0; i < c->n; i++) {
		bool bot = bots_match(b, c->line[i], strlen(c->line[i]));

		flagged += bot;
		if (bot != want_bot && show-- > 0)
			printf("    %s %s  [%s]\n", want_bot ? "missed:" :
			    "flagged:", c->line[i], bot ? bots_rule(b,
			    c->line[i], strlen(c->line[i])) : "-");
	}
	return flagged;
}

/* Prints and checks the rates of one configuration. */
static void
corpus_rates(struct bots *b, const char *what)
{
	struct corpus cr, br, ap, cn;
	size_t fc, fb, fa;
	double recall, fp;

	corpus_read(&cr, "crawlers.txt");
	corpus_read(&br, "browsers.txt");
	corpus_read(&ap, "apps.txt");
	corpus_read(&cn, "apps-cn.txt");
	printf("%s:\n", what);
	fc = corpus_count(b, &cr, true, 0);
	fb = corpus_count(b, &br, false, 20);
	fa = corpus_count(b, &ap, false, 20) + corpus_count(b, &cn, false, 20);
	recall = (double)fc / (double)cr.n;
	fp = (double)fb / (double)br.n;
	printf("  crawlers flagged  %zu of %zu = %.1f%% (target >= %.0f%%)\n",
	    fc, cr.n, 100 * recall, 100 * RECALL_MIN);
	printf("  browsers flagged  %zu of %zu = %.2f%% (target <= %.0f%%)\n",
	    fb, br.n, 100 * fp, 100 * BROWSER_FP_MAX);
	printf("  apps flagged      %zu of %zu (target 0)\n", fa, ap.n + cn.n);
	fflush(stdout);
	assert_true(recall >= RECALL_MIN);
	assert_true(fp <= BROWSER_FP_MAX);
	assert_int_equal(fa, 0);
	corpus_free(&cr);
	corpus_free(&br);
	corpus_free(&ap);
	corpus_free(&cn);
}

/* The rates with the list and with the own rules alone. */
static void
test_bots_rates(void **state)
{
	struct bots *b;
	char why[160];

	(void)state;
	assert_int_equal(bots_load(NULL, &b, why, sizeof(why)), 0);
	corpus_rates(b, "built-in rules alone (no list)");
	bots_free(b);
	if ((b = load_list()) == NULL)
		skip();
	corpus_rates(b, "crawler-user-agents and the own rules (served)");
	bots_free(b);
}

/* Threads share one bots: each has its own cache, verdicts agree. */
static void
test_bots_threads(void **state)
{
	struct thread_arg a[4];
	pthread_t th[4];
	struct corpus c;
	struct bots *b;
	bool *expect;
	char why[160];

	(void)state;
	assert_int_equal(bots_load(NULL, &b, why, sizeof(why)), 0);
	corpus_read(&c, "crawlers.txt");
	expect = calloc(c.n, sizeof(*expect));
	assert_non_null(expect);
	for (size_t i = 0; i < c.n; i++)
		expect[i] = bots_rule(b, c.line[i], strlen(c.line[i])) != NULL;
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ .b = b, .c = &c, .expect = expect };
		assert_int_equal(pthread_create(&th[i], NULL, match_thread,
		    &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].bad, 0);
	}
	free(expect);
	corpus_free(&c);
	bots_free(b);
}

/* Writes a string as a whole file. */
static void
write_str(const char *path, const char *s)
{
	tu_write(path, s, strlen(s));
}

/* Files that are not the list: a clear error, or a pattern skipped. */
static void
test_bots_bad_files(void **state)
{
	static const char zz[] = "Mozilla/5.0 (X11; Linux) Gecko Zz7x";
	char dir[TU_PATH_MAX], path[TU_PATH_MAX], why[512];
	struct bots_info in;
	struct bots *b;

	(void)state;
	tu_tmpdir(dir);
	tu_path(path, dir, "list.json");
	assert_int_equal(bots_load(path, &b, why, sizeof(why)), -ENOENT);
	assert_null(b);
	write_str(path, "{\"pattern\": \"x\"}");
	assert_int_equal(bots_load(path, &b, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a JSON array"));
	write_str(path, "[{\"pattern\": \"abc\"}, {\"url\": \"x\"}]");
	assert_int_equal(bots_load(path, &b, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "entry 2 has no pattern"));
	write_str(path, "[{\"pattern\": ");
	assert_int_equal(bots_load(path, &b, why, sizeof(why)), -EINVAL);
	/* An expression PCRE2 rejects is skipped; the rest load. */
	write_str(path, "[{\"pattern\": \"(unclosed\"}, {\"pattern\": "
	    "\"Zz[0-9]x\"}, {\"pattern\": \"ab\"}, {\"pattern\": "
	    "\"okhttp\"}]");
	assert_int_equal(bots_load(path, &b, why, sizeof(why)), 0);
	bots_get_info(b, &in);
	assert_int_equal(in.list_patterns, 4);
	assert_int_equal(in.invalid, 1);
	assert_int_equal(in.regexes, 2);	/* "ab" is too short to index */
	assert_int_equal(in.ignored, 1);
	assert_string_equal(bots_rule(b, zz, strlen(zz)), "list:Zz[0-9]x");
	bots_free(b);
	tu_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bots_builtin),
		cmocka_unit_test(test_bots_list),
		cmocka_unit_test(test_bots_cache),
		cmocka_unit_test(test_bots_cache_evict),
		cmocka_unit_test(test_bots_threads),
		cmocka_unit_test(test_bots_bad_files),
		cmocka_unit_test(test_bots_rates),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
