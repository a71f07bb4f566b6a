/* test_registry.c — stored campaigns (their state, loading one, scope
 * overlaps) and the server's registry of them: reloads on a generation
 * change, look-ups by batch, product, time and id, references that outlive
 * a reload. */
#include "testutil_rewards.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "rewards/registry.h"
#include "store/store.h"

#define PRODUCT "09506000134352"
#define DAY_US (86400LL * 1000000)

struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
	struct campaign *batch7, *product, *later, *other;
};

/* A store holding batch 7 (of PRODUCT) and the fixture campaigns, parsed. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_batch b;
	struct store_txn t;

	assert_non_null(f);
	f->st = tu_store_new(f->dir, f->db);
	memset(&b, 0, sizeof(b));
	b.id = 7;
	b.state = STORE_BATCH_ACTIVE;
	snprintf(b.gtin, sizeof(b.gtin), "%s", PRODUCT);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_batch_put_txn(&t, &b), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	if (tz_known("Asia/Shanghai")) {
		f->batch7 = tu_campaign_file("registry-batch7");
		f->product = tu_campaign_file("registry-product");
		f->later = tu_campaign_file("registry-later");
		f->other = tu_campaign_file("registry-other");
	}
	*state = f;
	return 0;
}

/* Removes it all. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	campaign_unref(f->batch7, __func__);
	campaign_unref(f->product, __func__);
	campaign_unref(f->later, __func__);
	campaign_unref(f->other, __func__);
	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Changes a stored campaign's state, as `campaign pause|end` do. */
static void
set_state(struct fixture *f, const char *id, int state)
{
	struct store_campaign h;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_campaign_get_txn(&t, id, &h), 0);
	h.state = (uint8_t)state;
	assert_int_equal(store_campaign_put_txn(&t, &h, true), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* The state a person means, at every edge of the window. */
static void
test_phase(void **state)
{
	struct store_campaign h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.state = STORE_CAMPAIGN_ACTIVE;
	h.start = 1000;
	h.end = 2000;
	assert_int_equal(campaign_phase(&h, 999), CAMPAIGN_SCHEDULED);
	assert_int_equal(campaign_phase(&h, 1000), CAMPAIGN_RUNNING);
	assert_int_equal(campaign_phase(&h, 1999), CAMPAIGN_RUNNING);
	assert_int_equal(campaign_phase(&h, 2000), CAMPAIGN_ENDED);
	assert_true(campaign_running(&h, 1500));
	assert_false(campaign_running(&h, 999));
	assert_false(campaign_running(&h, 2000));
	h.state = STORE_CAMPAIGN_PAUSED;
	assert_int_equal(campaign_phase(&h, 1500), CAMPAIGN_PAUSED);
	assert_int_equal(campaign_phase(&h, 500), CAMPAIGN_PAUSED);
	assert_int_equal(campaign_phase(&h, 2500), CAMPAIGN_ENDED);
	assert_false(campaign_running(&h, 1500));
	h.state = STORE_CAMPAIGN_ENDED;
	assert_int_equal(campaign_phase(&h, 1500), CAMPAIGN_ENDED);
	assert_false(campaign_running(&h, 1500));
	assert_string_equal(campaign_phase_name(CAMPAIGN_SCHEDULED), "scheduled");
	assert_string_equal(campaign_phase_name(CAMPAIGN_RUNNING), "running");
	assert_string_equal(campaign_phase_name(CAMPAIGN_PAUSED), "paused");
	assert_string_equal(campaign_phase_name(CAMPAIGN_ENDED), "ended");
}

/* A stored campaign reads back whole; a damaged one says why. */
static void
test_load(void **state)
{
	struct fixture *f = *state;
	struct store_campaign h;
	struct campaign *c;
	struct store_txn t;
	char why[256];

	if (f->batch7 == NULL)
		skip();
	tu_campaign_install(f->st, f->batch7, 3);
	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "damaged");
	h.state = STORE_CAMPAIGN_ACTIVE;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_campaign_add_txn(&t, &h, "{\"id\":", 6), 0);
	assert_int_equal(store_txn_commit(&t), 0);

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(campaign_load_txn(&t, "reg-batch7", &c, why,
	    sizeof(why)), 0);
	assert_string_equal(c->id, "reg-batch7");
	assert_int_equal(c->nbatches, 1);
	assert_int_equal(c->batches[0], 7);
	assert_true(c->start == f->batch7->start && c->end == f->batch7->end);
	assert_int_equal(c->ndays, f->batch7->ndays);
	assert_memory_equal(c->hdr.commitment, f->batch7->hdr.commitment, 32);
	assert_int_equal(c->hdr.state, STORE_CAMPAIGN_ACTIVE);
	campaign_unref(c, __func__);
	assert_int_equal(campaign_load_txn(&t, "nope", &c, why, sizeof(why)),
	    -ENOENT);
	assert_null(c);
	why[0] = '\0';
	assert_int_equal(campaign_load_txn(&t, "damaged", &c, why, sizeof(why)),
	    -EBADMSG);
	assert_null(c);
	assert_true(strlen(why) > 0);
	assert_string_equal(store_strerror(-EBADMSG),
	    store_strerror(-EIO));
	store_txn_abort(&t);
}

/* Scopes overlap by batch, by product, and by a batch of a product; not
 * across windows that do not meet, nor with an ended campaign. */
static void
test_overlap(void **state)
{
	struct fixture *f = *state;
	struct store_campaign other;
	struct store_txn t;
	char why[256];

	if (f->batch7 == NULL)
		skip();
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(campaign_overlap_txn(&t, f->batch7, &other, why,
	    sizeof(why)), 0);
	store_txn_abort(&t);

	tu_campaign_install(f->st, f->batch7, 1);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	/* The same batch in April: the windows do not meet. */
	assert_int_equal(campaign_overlap_txn(&t, f->later, &other, why,
	    sizeof(why)), 0);
	/* Another batch, the same window. */
	assert_int_equal(campaign_overlap_txn(&t, f->other, &other, why,
	    sizeof(why)), 0);
	/* The product of batch 7, from March 5. */
	assert_int_equal(campaign_overlap_txn(&t, f->product, &other, why,
	    sizeof(why)), 1);
	assert_string_equal(other.id, "reg-batch7");
	assert_string_equal(why, "reg-batch7 covers batch 7, of product "
	    PRODUCT);
	store_txn_abort(&t);

	tu_campaign_install(f->st, f->product, 2);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	/* Batch 7 itself against both: the first in id order answers. */
	assert_int_equal(campaign_overlap_txn(&t, f->batch7, &other, why,
	    sizeof(why)), 1);
	assert_string_equal(other.id, "reg-batch7");
	assert_string_equal(why, "both cover batch 7");
	store_txn_abort(&t);

	/* Ended campaigns block nothing. */
	set_state(f, "reg-batch7", STORE_CAMPAIGN_ENDED);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(campaign_overlap_txn(&t, f->batch7, &other, why,
	    sizeof(why)), 1);
	assert_string_equal(other.id, "reg-product");
	assert_string_equal(why, "batch 7 is of product " PRODUCT ", which "
	    "reg-product covers");
	store_txn_abort(&t);
}

/* Syncs a registry with the store in a read transaction. */
static void
sync_registry(struct fixture *f, struct registry *r)
{
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(registry_sync_txn(r, &t), 0);
	store_txn_abort(&t);
}

/* Counts campaigns and checks their order. */
static int
count_cb(struct campaign *c, void *arg)
{
	char *last = arg;

	assert_true(strcmp(last, c->id) < 0);
	snprintf(last, STORE_ID_MAX + 1, "%s", c->id);
	return 0;
}

/* Stops at the first campaign. */
static int
stop_cb(struct campaign *c, void *arg)
{
	(void)c;
	(*(int *)arg)++;
	return 7;
}

/* What a server finds: running campaigns by batch or product and time,
 * the nearest one in any state, any one by id; damaged ones are skipped. */
static void
test_find(void **state)
{
	struct fixture *f = *state;
	struct store_campaign h;
	struct registry *r;
	struct campaign *c;
	struct store_txn t;
	int64_t mar2 = f->batch7 ? f->batch7->start + DAY_US : 0;
	char last[STORE_ID_MAX + 1] = "";
	int calls = 0;

	if (f->batch7 == NULL)
		skip();
	assert_int_equal(registry_new(&r), 0);
	sync_registry(f, r);		/* generation 0: nothing */
	assert_null(registry_find_any(r, 7, PRODUCT, mar2));
	tu_campaign_install(f->st, f->batch7, 1);
	tu_campaign_install(f->st, f->later, 2);
	tu_campaign_install(f->st, f->other, 3);
	memset(&h, 0, sizeof(h));
	snprintf(h.id, sizeof(h.id), "damaged");
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_campaign_add_txn(&t, &h, "[", 1), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	sync_registry(f, r);

	c = registry_find(r, 7, PRODUCT, mar2);
	assert_non_null(c);
	assert_string_equal(c->id, "reg-batch7");
	campaign_unref(c, __func__);
	c = registry_find(r, 9, "00000000000000", mar2);
	assert_non_null(c);
	assert_string_equal(c->id, "reg-other");
	campaign_unref(c, __func__);
	/* Between the March and April campaigns nothing runs; the nearest
	 * in time is shown. */
	assert_null(registry_find(r, 7, PRODUCT, f->later->start - DAY_US));
	c = registry_find_any(r, 7, PRODUCT, f->later->start - DAY_US);
	assert_non_null(c);
	assert_string_equal(c->id, "reg-later");
	campaign_unref(c, __func__);
	c = registry_find_any(r, 7, PRODUCT, f->batch7->end + DAY_US);
	assert_non_null(c);
	assert_string_equal(c->id, "reg-batch7");
	campaign_unref(c, __func__);
	assert_null(registry_find(r, 8, "00000000000000", mar2));
	c = registry_get(r, "reg-later");
	assert_non_null(c);
	assert_string_equal(c->id, "reg-later");
	campaign_unref(c, __func__);
	assert_null(registry_get(r, "damaged"));
	assert_null(registry_get(r, "nope"));
	assert_int_equal(registry_foreach(r, count_cb, last), 0);
	assert_string_equal(last, "reg-other");
	assert_int_equal(registry_foreach(r, stop_cb, &calls), 7);
	assert_int_equal(calls, 1);
	registry_free(r);
}

/* A state change reloads the list; a reference taken before keeps the
 * object it had. */
static void
test_reload(void **state)
{
	struct fixture *f = *state;
	struct registry *r;
	struct campaign *before, *c;
	int64_t mar2 = f->batch7 ? f->batch7->start + DAY_US : 0;

	if (f->batch7 == NULL)
		skip();
	assert_int_equal(registry_new(&r), 0);
	tu_campaign_install(f->st, f->batch7, 1);
	sync_registry(f, r);
	before = registry_find(r, 7, PRODUCT, mar2);
	assert_non_null(before);
	set_state(f, "reg-batch7", STORE_CAMPAIGN_PAUSED);
	/* Not synced yet: the registry still has the active one. */
	c = registry_find(r, 7, PRODUCT, mar2);
	assert_ptr_equal(c, before);
	campaign_unref(c, __func__);
	sync_registry(f, r);
	assert_null(registry_find(r, 7, PRODUCT, mar2));
	c = registry_find_any(r, 7, PRODUCT, mar2);
	assert_non_null(c);
	assert_ptr_not_equal(c, before);
	assert_int_equal(c->hdr.state, STORE_CAMPAIGN_PAUSED);
	campaign_unref(c, __func__);
	/* The old object is intact (ASan would see a use after free). */
	assert_int_equal(before->hdr.state, STORE_CAMPAIGN_ACTIVE);
	assert_string_equal(before->id, "reg-batch7");
	campaign_unref(before, __func__);
	/* Syncing again without a change keeps the same objects. */
	c = registry_find_any(r, 7, PRODUCT, mar2);
	sync_registry(f, r);
	before = registry_find_any(r, 7, PRODUCT, mar2);
	assert_ptr_equal(c, before);
	campaign_unref(c, __func__);
	campaign_unref(before, __func__);
	registry_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phase),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
