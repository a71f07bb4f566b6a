/*
 * bots_rules.h — the project's own bot rules, next to the public list:
 * the rules that apply with or without it, and the list's patterns that
 * are dropped because they flag people. Data only; bots.c reads it, and
 * docs/server.md section 10 lists the same. Measured by tests/unit/
 * test_bots.c against tests/fixtures/ua/ (crawlers the list was not built
 * from, browsers, in-app browsers and app clients).
 */
#ifndef SCANLOOP_BOTS_RULES_H
#define SCANLOOP_BOTS_RULES_H

struct bots_own_rule {
	const char *name;
	const char *pattern;		/* PCRE2 */
};

/*
 * Always applied. The list names crawlers one by one and cannot know a new
 * one; these catch what crawlers have in common. Alone (no list) they are
 * the built-in fallback. A QR code is opened by a phone's browser, an
 * in-app browser or an app's HTTP client: each of them names its platform.
 */
static const struct bots_own_rule bots_own_rules[] = {
	/* A word ending in "bot" (Googlebot, AhrefsBot/7, robot), except the
	 * Cubot phones' model names. */
	{ "bot-word", "(?i)(?<!cu)bot(?![a-z])" },
	/* What crawlers, scrapers, monitors and previewers call themselves. */
	{ "crawler-word", "(?i)crawl|spider|scrap(?:er|y|ing)|slurp|fetcher|"
	    "archiver|indexer|checker|monitor|uptime|validator|preview|"
	    "headless|phantomjs|lighthouse|probe" },
	/* A URL or an e-mail address: a crawler names its owner; browsers
	 * and apps do not. */
	{ "contact", "(?i)https?://|\\bwww\\.|@[a-z0-9-]+\\.[a-z]{2,}" },
	/* HTTP tools and libraries by their own name. */
	{ "http-tool", "(?i)^(?:curl|wget|python|java/|go-http|libwww|lwp|"
	    "perl|ruby|php|node-fetch|axios|httpie|apache-httpclient)" },
	/* Neither Mozilla-compatible nor naming a platform or an app
	 * framework (okhttp, Dalvik, CFNetwork, Dart): a tool. */
	{ "no-platform", "(?i)^(?!mozilla/|opera/)(?!.*?(?:dalvik/|cfnetwork/|"
	    "okhttp/|dart/|darwin/|android|iphone|ipad|ipod|ios|harmonyos|"
	    "linux|windows|macintosh|mac os|cros|midp|up\\.browser|symbian|"
	    "blackberry|kaios))" },
	/* "Mozilla/5.0" without any rendering engine: a disguise. */
	{ "no-engine", "(?i)^mozilla/\\d+\\.\\d+(?!.*?(?:applewebkit|gecko|"
	    "trident|presto|khtml|msie|opera))" },
	/* Link previews and AI fetchers that say none of the above. */
	{ "named", "facebookexternalhit|ChatGPT-User|Perplexity-User|"
	    "meta-externalagent|Bytespider|Google-[A-Z]" },
};

/*
 * Patterns of the list that are dropped, each with why: they flag people.
 * Matched against the list's "pattern" text exactly; bots_info.ignored
 * counts those found.
 */
static const char *const bots_list_ignored[] = {
	/* The HTTP library of most Android apps: a mini program's or an
	 * app's own request for a code is a person's scan. */
	"okhttp",
	/* An Android 15 build id that every phone on that release sends
	 * (OPPO, realme, OnePlus); its example is an Instagram in-app
	 * browser. */
	"AP3A\\.240617\\.008",
	/* Also matches Sogou Mobile Browser (SogouMobileBrowser, SogouMSE), a
	 * browser in China; Sogou's crawlers call themselves "spider", which
	 * crawler-word flags. */
	"Sogou",
};

#endif
