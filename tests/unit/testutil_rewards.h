/*
 * testutil_rewards.h — campaign fixtures for the rewards tests: campaign
 * files under tests/fixtures/campaigns/, loaded and stored as the CLI
 * would, with a fixed seed so that every run draws the same numbers.
 */
#ifndef SCANLOOP_TESTUTIL_REWARDS_H
#define SCANLOOP_TESTUTIL_REWARDS_H

#include <jansson.h>
#include <stdint.h>

#include "testutil.h"
#include "rewards/campaign.h"
#include "rewards/redeem.h"
#include "store/store.h"

/* Path of tests/fixtures/NAME (from SCANLOOP_SRC or the cwd). */
const char *tu_fixture_path(char out[TU_PATH_MAX], const char *name);
/* Parses tests/fixtures/campaigns/NAME.json as `campaign load` does (its
 * time zone resolved into local days); fails the test, printing every
 * problem, when it does not parse. */
struct campaign *tu_campaign_file(const char *name);
/* Parses root (a campaign file's object) as `campaign load` does and
 * expects a problem containing want (NULL: that it parses), printing the
 * problems. */
void tu_campaign_expect(json_t *root, const char *want);
/* Stores c as loaded and active, its seed seed_byte repeated, and sets
 * c->hdr. Returns c. */
struct campaign *tu_campaign_install(struct store *st, struct campaign *c,
    uint8_t seed_byte);
/* Parses campaigns/NAME.json and stores it with the seed seed_byte
 * repeated: tu_campaign_install(st, tu_campaign_file(name), seed_byte). */
struct campaign *tu_campaign_load(struct store *st, const char *name,
    uint8_t seed_byte);
/* Redeems claim at the shop of shop_token at now, as the server does with
 * c its only campaign, in a write transaction of its own that commits only
 * when the result is REDEEM_OK. Returns the result, its campaign reference
 * already dropped. */
struct redeem_result tu_redeem(struct store *st, struct campaign *c,
    const char *claim, const char *shop_token, int64_t now,
    const uint8_t claim_key[32]);

#endif
