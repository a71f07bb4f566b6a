/*
 * fuzz_bots.c — the bot test of a User-Agent (bots_match, bots_rule): the
 * server runs it on every scan's User-Agent header.
 *
 * The matcher is loaded once with the own rules and a small list in the
 * crawler-user-agents format (plain strings that the three-byte index
 * finds, anchored and backtracking expressions, one dropped and one
 * invalid pattern), from a temporary file. Invariants: the input (an
 * exact-size copy: ASan sees a byte too far) gets the same verdict from
 * bots_match, cached or not, and bots_rule; a rule is named as documented;
 * an empty User-Agent is a bot; the input's first half gets its own
 * verdict, not the cached whole's.
 */
#include "fuzz.h"
#include "scanner/bots.h"

#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static const char fuzz_list[] =
    "[{\"pattern\": \"Googlebot\\\\/\"}, {\"pattern\": \"bingbot\"},"
    " {\"pattern\": \"^curl\"}, {\"pattern\": \"S[eE][mM]rushBot\"},"
    " {\"pattern\": \"ContextualBot[\\\\s\\\\S]*outcomes\\\\.net\"},"
    " {\"pattern\": \"AdsBot-Google([^-]|$)\"}, {\"pattern\": \"okhttp\"},"
    " {\"pattern\": \"(unclosed\"}, {\"pattern\": \"Yeti\"},"
    " {\"pattern\": \"Mozilla\\\\/5\\\\.0 \\\\(compatible; X\"}]";

/* The matcher, loaded on the first input. */
static struct bots *
fuzz_bots(void)
{
	static struct bots *b;
	char path[] = "/tmp/scanloop-fuzz-bots-XXXXXX", why[256];
	int fd;

	if (b != NULL)
		return b;
	fd = mkstemp(path);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write(fd, fuzz_list, sizeof(fuzz_list) - 1) ==
	    (ssize_t)(sizeof(fuzz_list) - 1));
	close(fd);
	FUZZ_CHECK(bots_load(path, &b, why, sizeof(why)) == 0);
	unlink(path);
	return b;
}

/* True if a rule name has one of the documented forms. */
static bool
fuzz_rule_ok(const char *r)
{
	return strcmp(r, "empty") == 0 || strncmp(r, "list:", 5) == 0 ||
	    strncmp(r, "rule:", 5) == 0;
}

/* One input: a User-Agent header's bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bots *b = fuzz_bots();
	char *ua = malloc(size ? size : 1);
	const char *rule;
	bool bot;

	FUZZ_CHECK(ua != NULL);
	memcpy(ua, data, size);
	rule = bots_rule(b, ua, size);
	bot = bots_match(b, ua, size);
	FUZZ_CHECK(bot == (rule != NULL));
	FUZZ_CHECK(rule == NULL || fuzz_rule_ok(rule));
	FUZZ_CHECK(bots_match(b, ua, size) == bot);	/* from the cache */
	FUZZ_CHECK(size > 0 || bot);
	FUZZ_CHECK(bots_match(b, ua, size / 2) ==
	    (bots_rule(b, ua, size / 2) != NULL));
	free(ua);
	return 0;
}
