/*
 * testutil_rewards.h — campaign fixtures for the rewards tests: campaign
 * files under tests/fixtures/campaigns/, loaded and stored as the CLI
 * would, with a fixed seed so that every run draws the same numbers.
 */
#ifndef SCANLOOP_TESTUTIL_REWARDS_H
#define SCANLOOP_TESTUTIL_REWARDS_H

#include <stdint.h>

#include "testutil.h"
#include "rewards/campaign.h"
#include "store/store.h"

/* Path of tests/fixtures/NAME (from SCANLOOP_SRC or the cwd). */
const char *tu_fixture_path(char out[TU_PATH_MAX], const char *name);
/* Parses tests/fixtures/campaigns/NAME.json as `campaign load` does (its
 * time zone resolved into local days); fails the test, printing every
 * problem, when it does not parse. */
struct campaign *tu_campaign_file(const char *name);
/* Stores c as loaded and active, its seed seed_byte repeated, and sets
 * c->hdr. Returns c. */
struct campaign *tu_campaign_install(struct store *st, struct campaign *c,
    uint8_t seed_byte);

#endif
