/*
 * bots.h — which User-Agents are bots: the public crawler-user-agents list
 * (a JSON array of {"pattern": ...}, installed by tools/setup.sh), loaded
 * at start, plus the project's own rules (bots_rules.h). docs/server.md
 * section 10 states the rules.
 *
 * A pattern that is a plain string (after "\/"-style escapes) is found
 * through an index of its first three bytes; the rest are PCRE2 regular
 * expressions, JIT-compiled once. A verdict is cached per thread, keyed by
 * the User-Agent's bytes: a repeated User-Agent costs a hash and a compare.
 *
 * Thread safety: after bots_load, any number of threads may call
 * bots_match and bots_rule at once. Each thread's cache is freed when the
 * thread exits; bots_free frees the calling thread's.
 */
#ifndef SCANLOOP_BOTS_H
#define SCANLOOP_BOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The installed list (tools/setup.sh), the default of serve --bots. */
#ifndef SCANLOOP_BOTS_LIST
#define SCANLOOP_BOTS_LIST "var/lib/crawler-user-agents/crawler-user-agents.json"
#endif

#define BOTS_CACHE_SLOTS 1024		/* per thread, a power of two */
#define BOTS_CACHE_UA_MAX 512		/* longer User-Agents are not cached */
#define BOTS_MATCH_LIMIT 200000		/* PCRE2 steps per pattern and UA */

struct bots;

struct bots_info {
	bool builtin_only;		/* no list: the own rules alone */
	unsigned list_patterns;		/* entries of the list */
	unsigned literals;		/* of those, searched as strings */
	unsigned regexes;		/* of those, PCRE2 expressions */
	unsigned ignored;		/* dropped by bots_list_ignored */
	unsigned invalid;		/* that PCRE2 rejects (logged) */
	unsigned own_rules;		/* bots_rules.h */
};

/* Loads the list at path, or only the own rules if path is NULL. Returns
 * 0, or -ENOENT (no such file), -EINVAL (not the list's format: why says
 * what) or -ENOMEM. */
int bots_load(const char *path, struct bots **out, char *why,
    size_t why_cap) __attribute__((warn_unused_result));
void bots_free(struct bots *b);
void bots_get_info(const struct bots *b, struct bots_info *info);

/* True if the User-Agent is a bot's: empty, or flagged by a rule. A NULL
 * b means the own rules alone (built once for the process). */
bool bots_match(struct bots *b, const char *ua, size_t len);

/* The rule that flags ua, as "list:PATTERN", "rule:NAME" or "empty", or
 * NULL for a human User-Agent. Not cached: for tests and explanations. */
const char *bots_rule(struct bots *b, const char *ua, size_t len);

/* The calling thread's cache hits and misses on b so far. */
void bots_cache_stats(struct bots *b, uint64_t *hits, uint64_t *misses);

#endif
