/* testutil_rewards.c — campaign fixtures for the rewards tests. */
#include "testutil_rewards.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/fixtures/NAME. */
const char *
tu_fixture_path(char out[TU_PATH_MAX], const char *name)
{
	const char *src = getenv("SCANLOOP_SRC");

	if (src != NULL && src[0] != '\0')
		snprintf(out, TU_PATH_MAX, "%s/tests/fixtures/%s", src, name);
	else
		snprintf(out, TU_PATH_MAX, "tests/fixtures/%s", name);
	return out;
}

/* Parses a campaign file. */
struct campaign *
tu_campaign_file(const char *name)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	char path[TU_PATH_MAX], file[TU_PATH_MAX];
	size_t len;
	char *text;

	snprintf(file, sizeof(file), "campaigns/%s.json", name);
	text = tu_read(tu_fixture_path(path, file), &len);
	if (campaign_parse(text, len, true, &c, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			print_message("%s: %s\n", path, errs.msgs[i]);
		fail_msg("%s does not parse", path);
	}
	campaign_errors_free(&errs);
	free(text);
	return c;
}

/* Parses a campaign object and expects a problem (or none). */
void
tu_campaign_expect(json_t *root, const char *want)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	bool found = false;
	char *text;
	int ret;

	assert_non_null(text = json_dumps(root, 0));
	ret = campaign_parse(text, strlen(text), true, &c, &errs);
	free(text);
	for (size_t i = 0; i < errs.n; i++) {
		print_message("# %s\n", errs.msgs[i]);
		found |= want != NULL && strstr(errs.msgs[i], want) != NULL;
	}
	if (want == NULL)
		assert_int_equal(ret, 0);
	else if (ret != -EINVAL || !found)
		fail_msg("expected the problem '%s'", want);
	campaign_errors_free(&errs);
	campaign_unref(c, __func__);
}

/* Stores a campaign with a fixed seed. */
struct campaign *
tu_campaign_install(struct store *st, struct campaign *c, uint8_t seed_byte)
{
	struct store_campaign hdr;
	struct store_txn t;

	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "%s", c->id);
	hdr.state = STORE_CAMPAIGN_ACTIVE;
	hdr.start = c->start;
	hdr.end = c->end;
	memset(hdr.seed, seed_byte, sizeof(hdr.seed));
	crypto_generichash(hdr.commitment, 32, hdr.seed, 32, NULL, 0);
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_campaign_add_txn(&t, &hdr, c->config,
	    c->config_len), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	c->hdr = hdr;
	return c;
}

/* Parses and stores a campaign file. */
struct campaign *
tu_campaign_load(struct store *st, const char *name, uint8_t seed_byte)
{
	return tu_campaign_install(st, tu_campaign_file(name), seed_byte);
}

/* The look-up tu_redeem passes: the one campaign, by its id. */
static struct campaign *
tu_campaign_lookup(const char *id, void *arg)
{
	struct campaign *c = arg;

	if (c == NULL || strcmp(c->id, id) != 0)
		return NULL;
	return campaign_ref(c, __func__);
}

/* One redemption in its own transaction (committed only when OK). */
struct redeem_result
tu_redeem(struct store *st, struct campaign *c, const char *claim,
    const char *shop_token, int64_t now, const uint8_t claim_key[32])
{
	struct redeem_request rq;
	struct redeem_result res;
	struct store_txn t;

	memset(&rq, 0, sizeof(rq));
	rq.claim_token = claim;
	rq.shop_token = shop_token;
	rq.now = now;
	rq.claim_key = claim_key;
	rq.lookup = tu_campaign_lookup;
	rq.lookup_arg = c;
	rq.tallies = &tallies_store;
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(redeem_txn(&t, &rq, &res), 0);
	if (res.status == REDEEM_OK)
		assert_int_equal(store_txn_commit(&t), 0);
	else
		store_txn_abort(&t);
	redeem_result_free(&res);
	return res;
}
