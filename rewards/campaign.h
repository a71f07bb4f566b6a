/*
 * campaign.h — a prize campaign: its rules, checked field by field.
 *
 * A campaign file (JSON) names the campaign, its time window and time
 * zone, its scope (batches, products), its prize tiers (kind, stock, daily
 * cap, odds in wins per million draws, reveal online or at the store), its
 * claim rules and its risk limits. samples/campaigns/ has examples; the
 * full format is in docs/draws.md.
 *
 * At load the CLI resolves the time zone into the UTC start of every local
 * day of the campaign ("day_starts", stored with the configuration), so
 * daily caps roll over at local midnight, daylight saving included, and
 * servers need no time-zone database.
 *
 * A loaded campaign is shared by the server's threads and reference
 * counted (campaign_ref/campaign_unref).
 */
#ifndef SCANLOOP_CAMPAIGN_H
#define SCANLOOP_CAMPAIGN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/gtin.h"
#include "rewards/tags.h"
#include "store/store.h"

#define CAMPAIGN_TIERS_MAX 32
#define CAMPAIGN_SCOPE_MAX 1024
#define CAMPAIGN_SHOPS_MAX 4096
#define CAMPAIGN_DAYS_MAX 1100		/* three years */
#define CAMPAIGN_ODDS_SCALE 1000000u	/* odds are wins per million */
#define CAMPAIGN_TEXT_MAX 192		/* bytes of a name (UTF-8) */
#define CAMPAIGN_CONDITION_MAX 384
#define CAMPAIGN_GUARANTEE_MAX 1000000u	/* prizes or openings a day */

enum campaign_kind { CAMPAIGN_PHYSICAL, CAMPAIGN_COUPON, CAMPAIGN_POINTS };
enum campaign_reveal { CAMPAIGN_ONLINE, CAMPAIGN_AT_STORE };
enum campaign_draw_on { CAMPAIGN_DRAW_AUTO, CAMPAIGN_DRAW_INNER,
    CAMPAIGN_DRAW_OUTER };

struct campaign_tier {
	char id[STORE_ID_MAX + 1];
	char name[CAMPAIGN_TEXT_MAX + 1];
	int kind;			/* enum campaign_kind */
	int reveal;			/* enum campaign_reveal */
	uint64_t total;
	uint64_t daily_cap;		/* 0: none */
	uint32_t odds;			/* wins per million draws */
	int64_t points;			/* points tiers */
	/* coupon tiers; physical ones may have a face value too */
	char face_value[32];		/* decimal text, e.g. "10.00" */
	int64_t face;			/* it in hundredths (settlement) */
	char currency[8];
	char condition[CAMPAIGN_CONDITION_MAX + 1];
	int64_t valid_from;		/* 0: from the draw */
	int64_t valid_to;		/* 0: valid_days after the draw */
	uint32_t valid_days;
	/* daily_guarantee (at_store tiers, campaign_daily.c): guarantee
	 * prizes each local day among the day's openings; 0: none. */
	uint32_t guarantee;
	uint32_t expected;		/* openings expected a day */
	uint32_t opens_s;		/* seconds after local midnight */
	uint32_t last_call_s;
};

/* What a check-in (or a streak of them) earns: points, a draw, or both;
 * a streak may instead of the draw be granted a prize outright. */
struct campaign_reward {
	int64_t points;			/* 0: none */
	bool draw;			/* one online draw */
	int prize;			/* streaks: a tier granted (index + 1),
					 * 0: none */
};

/* The "checkin" rules (docs/checkin.md): where check-ins count, what they
 * earn, the per-store daily cap, and a streak rule. */
struct campaign_checkin {
	bool on;			/* the file has "checkin" */
	bool all_stores;
	char (*stores)[STORE_ID_MAX + 1];
	size_t nstores;
	struct campaign_reward reward;
	uint32_t per_store_per_day;	/* 0: no cap */
	uint32_t streak_days;		/* 0: no streak rule */
	char streak_store[STORE_ID_MAX + 1];	/* "": at any store */
	struct campaign_reward streak_reward;
};

/* The "group" rules (拼团, campaign_group.c): size members join a group
 * within window_us of its start, and then each has one draw. */
struct campaign_group {
	bool on;			/* the file has "group" */
	uint32_t size;
	int64_t window_us;
	uint32_t starts_per_day;	/* groups a visitor starts a local day */
};

/* The member tags a visitor must all carry to draw ("scope": {"tags"},
 * campaign_scope.c), and the sentences that say so to the others. */
#define CAMPAIGN_SCOPE_TAGS_MAX 8
struct campaign_tags {
	struct tags_tag tags[CAMPAIGN_SCOPE_TAGS_MAX];
	size_t n;			/* 0: every visitor */
	char text_en[1024];
	char text_zh[1024];
};

struct campaign {
	atomic_int refs;
	char id[STORE_ID_MAX + 1];
	char name[CAMPAIGN_TEXT_MAX + 1];
	char tz[64];
	int64_t start;			/* Unix µs */
	int64_t end;
	int draw_on;			/* enum campaign_draw_on */
	uint32_t *batches;
	size_t nbatches;
	char (*products)[GTIN_LEN + 1];
	size_t nproducts;
	struct campaign_tier tiers[CAMPAIGN_TIERS_MAX];
	size_t ntiers;
	bool has_online;		/* some tier reveals online */
	bool has_at_store;		/* some tier reveals at the store */
	uint32_t claim_days;
	bool all_shops;
	char (*shops)[STORE_ID_MAX + 1];
	size_t nshops;
	uint32_t lim_visitor_day;	/* 0: no limit */
	uint32_t lim_ip_hour;
	uint32_t lim_visitor_wins;
	struct campaign_checkin checkin;
	struct campaign_group group;
	struct campaign_tags scope_tags;
	int64_t *day_starts;		/* UTC µs of each local midnight */
	size_t ndays;			/* ndays + 1 entries in day_starts */
	char *config;			/* the stored configuration text */
	size_t config_len;
	/* The store header when the campaign was read (state, seed...). */
	struct store_campaign hdr;
};

/* Collects validation errors, one "field: problem" each. */
struct campaign_errors {
	char **msgs;
	size_t n;
};

/* Moves the window of a campaign file (JSON text) to begin at start (Unix
 * µs, whole seconds): start, end and every coupon's valid_from and
 * valid_to move by the same amount, so the campaign keeps its length and
 * shape (`campaign load --start now`). Sets *out to the new text
 * (malloc'd). Returns 0, -EINVAL with *why, or -ENOMEM. */
int campaign_shift(const char *json, size_t len, int64_t start, char **out,
    const char **why) __attribute__((warn_unused_result));
/* Parses and validates a campaign file. With resolve_days, resolves the
 * time zone into day_starts (the CLI, at load); otherwise day_starts must
 * be in the text (a stored configuration). Returns 0, -EINVAL with every
 * problem in errs, or -ENOMEM. */
int campaign_parse(const char *json, size_t len, bool resolve_days,
    struct campaign **out, struct campaign_errors *errs)
    __attribute__((warn_unused_result));
/* Frees the messages. */
void campaign_errors_free(struct campaign_errors *errs);
/* Takes a reference. */
struct campaign *campaign_ref(struct campaign *c, const char *who);
/* Drops a reference; the last frees it. NULL is allowed. */
void campaign_unref(struct campaign *c, const char *who);
/* Index of the local day that holds time t, or -1 outside the campaign. */
int campaign_day(const struct campaign *c, int64_t t);
/* True when the campaign covers a batch (by id or its product). */
bool campaign_covers(const struct campaign *c, uint32_t batch_id,
    const char *gtin);
/* True when the shop may redeem the campaign's claims. */
bool campaign_shop_allowed(const struct campaign *c, const char *shop);
/* True when check-ins at a store count in the campaign's check-in rules
 * (which it may lack: see c->checkin.on). */
bool campaign_checkin_store(const struct campaign_checkin *ck,
    const char *shop);
/* Sets *ok unless the campaign's scope names member tags the visitor
 * does not all carry, in t's snapshot (campaign_scope.c). */
int campaign_scope_check_txn(struct store_txn *t, const struct campaign *c,
    const uint8_t visitor[STORE_VISITOR_BYTES], bool *ok)
    __attribute__((warn_unused_result));
/* Says who a scoped campaign's draw is for, in Chinese or English. */
const char *campaign_scope_text(const struct campaign *c, bool zh);
/* Finds a tier by index (0-based). */
const struct campaign_tier *campaign_tier_at(const struct campaign *c,
    size_t index);
/* Names: "physical", "coupon", "points"; "online", "at_store". */
const char *campaign_kind_name(int kind);
const char *campaign_reveal_name(int reveal);
/* True for a campaign (or tier, store) id: 1 to 32 of [A-Za-z0-9_-]. */
bool campaign_id_ok(const char *s);
/* Parses "2027-03-01T00:00:00+08:00" (or Z) into Unix µs. */
int campaign_parse_time(const char *s, int64_t *us);

/* ---- stored campaigns (campaign_store.c) ---------------------------- */

enum campaign_phase {
	CAMPAIGN_SCHEDULED,		/* active, before its start */
	CAMPAIGN_RUNNING,		/* active, inside its window: draws */
	CAMPAIGN_PAUSED,
	CAMPAIGN_ENDED,			/* ended, or its end has passed */
};

/* The state a person means, from a stored header and the time now. */
int campaign_phase(const struct store_campaign *h, int64_t now);
/* "scheduled", "running", "paused", "ended". */
const char *campaign_phase_name(int phase);
/* True when the campaign draws now (campaign_phase() is running). */
bool campaign_running(const struct store_campaign *h, int64_t now);
/* Reads a stored campaign: its configuration parsed, with its header in
 * hdr. Returns 0, -ENOENT, -EBADMSG when the stored configuration does
 * not parse (why says how: it parsed when it was loaded, so the store is
 * damaged), -ENOMEM, or another negative errno from the store. why may be
 * NULL. */
int campaign_load_txn(struct store_txn *t, const char *id,
    struct campaign **out, char *why, size_t whylen)
    __attribute__((warn_unused_result));
/* Finds a stored campaign that c may not run beside: one that has not
 * ended, whose window overlaps c's and whose scope shares a batch or a
 * product with c's (a batch counts as its product). Returns 1 with its
 * header in other and why saying what they share, 0 when there is none,
 * or a negative errno. */
int campaign_overlap_txn(struct store_txn *t, const struct campaign *c,
    struct store_campaign *other, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
