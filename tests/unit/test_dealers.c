/*
 * test_dealers.c — dealers, case and pallet codes: SSCC check digits
 * against GS1's published example, case codes signed, formatted, parsed
 * and tampered with; the packing CSV (header, CRLF, quoting, a file cut
 * short, wrong rows); a packing table loaded all or nothing (a child
 * twice, an unknown code, a cycle, a child in another case: the store
 * unchanged) and its counts; unlink; a pallet of 10,000 items received in
 * one transaction, refused whole for another dealer; the dealer token;
 * the diversion signal by the dealer's region, naming the dealer.
 */
#include "store_fixture.h"

#include "analytics/signals.h"
#include "codegen/pack_csv.h"
#include "codegen/sscc.h"
#include "rewards/token.h"
#include "store/dealer.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "0614141"

/* GS1 General Specifications' SSCC example, and SSCCs numbered here. */
static void
test_sscc_digits(void **state)
{
	char s[SSCC_LEN + 1];

	(void)state;
	assert_true(sscc_valid("106141411234567897", 18));
	assert_false(sscc_valid("106141411234567898", 18));
	assert_false(sscc_valid("10614141123456789", 17));
	assert_false(sscc_valid("1061414112345678a7", 18));
	assert_int_equal(sscc_prefix_check("12345"), -EINVAL);
	assert_int_equal(sscc_prefix_check("1234567890123"), -EINVAL);
	assert_int_equal(sscc_prefix_check("12345a7"), -EINVAL);
	assert_int_equal(sscc_prefix_check(PREFIX), 0);
	assert_true(sscc_capacity(PREFIX) == 10000000000ULL);
	/* The serial reference counts first, then the extension digit. */
	sscc_make(PREFIX, 123456789, s);
	assert_string_equal(s, "006141411234567890");
	/* GS1's example: extension digit 1, serial reference 123456789. */
	sscc_make(PREFIX, 1000000000ULL + 123456789, s);
	assert_string_equal(s, "106141411234567897");
	sscc_from_u64(sscc_to_u64(s), s);
	assert_string_equal(s, "106141411234567897");
}

/* A case code round trip; a changed signature gives another digest, an
 * item code is no case code. */
static void
test_sscc_code(void **state)
{
	struct keypair *kp;
	struct sscc_code c, back;
	char url[CODE_TEXT_MAX];
	uint8_t d1[CODE_CHECK_BYTES], d2[CODE_CHECK_BYTES];
	const char *why;
	char *sig;

	(void)state;
	assert_int_equal(keys_generate(3, CODE_SCHEME_ED25519, &kp), 0);
	memset(&c, 0, sizeof(c));
	sscc_make(PREFIX, 42, c.sscc);
	sscc_sign(kp, &c);
	assert_true(sscc_format(&c, CODE_DEFAULT_BASE_URL, url,
	    sizeof(url)) > 0);
	assert_non_null(strstr(url, "/00/006141410000000425?S="));
	assert_int_equal(sscc_parse(url, strlen(url), &back, &why), 0);
	assert_string_equal(back.sscc, c.sscc);
	assert_int_equal(back.key_id, 3);
	sscc_check_digest(&c, d1);
	sscc_check_digest(&back, d2);
	assert_memory_equal(d1, d2, sizeof(d1));
	sig = strstr(url, "?S=") + 5;
	*sig = *sig == 'A' ? 'B' : 'A';
	if (sscc_parse(url, strlen(url), &back, &why) == 0) {
		sscc_check_digest(&back, d2);
		assert_memory_not_equal(d1, d2, sizeof(d1));
	}
	assert_int_equal(sscc_parse("/00/006141410000000426?S=AA", 27, &back,
	    &why), -EINVAL);
	assert_int_equal(sscc_parse("/00/006141410000000425", 22, &back, &why),
	    -EINVAL);
	assert_false(sscc_path_is("/01/09506000134352/21/ABC", 25));
	keys_free(kp);
}

/* Parses text as a packing file; returns the result, rows in *rows. */
static int
parse(const char *text, struct store_pack_row **rows, size_t *n,
    uint64_t *line)
{
	const char *why = NULL;
	int ret = pack_csv_parse(text, strlen(text), rows, n, line, &why);

	if (ret < 0)
		assert_non_null(why);
	return ret;
}

/* The CSV: what is read and what is refused. */
static void
test_pack_csv(void **state)
{
	struct store_pack_row *rows;
	size_t n;
	uint64_t line;

	(void)state;
	assert_int_equal(parse("parent_serial,child_serial\r\n"
	    "006141410000000005,6ERZA6M5DMMGY\r\n"
	    "\"106141411234567897\",006141410000000005\n", &rows, &n, &line), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].parent.kind, STORE_PACK_AGG);
	assert_int_equal(rows[0].child.kind, STORE_PACK_ITEM);
	assert_int_equal(rows[1].child.kind, STORE_PACK_AGG);
	assert_int_equal(rows[1].line, 3);
	free(rows);
	/* Cut short: the last row has no newline. */
	assert_int_equal(parse("006141410000000005,6ERZA6M5DMMGY\n"
	    "006141410000000005,6ERZA6M5D", &rows, &n, &line), -EINVAL);
	assert_int_equal(line, 2);
	assert_int_equal(parse("006141410000000005,6ERZA6M5DMMGY", &rows, &n,
	    &line), -EINVAL);
	/* One field, three fields, a bad check digit, an item as parent. */
	assert_int_equal(parse("006141410000000005\n", &rows, &n, &line),
	    -EINVAL);
	assert_int_equal(parse("006141410000000005,6ERZA6M5DMMGY,x\n", &rows,
	    &n, &line), -EINVAL);
	assert_int_equal(parse("006141410000000006,6ERZA6M5DMMGY\n", &rows,
	    &n, &line), -EINVAL);
	assert_int_equal(parse("6ERZA6M5DMMGY,006141410000000005\n", &rows,
	    &n, &line), -EINVAL);
	assert_int_equal(parse("\"0061414100000000\"05\",x\n", &rows, &n,
	    &line), -EINVAL);
	assert_int_equal(parse("parent,child\n", &rows, &n, &line), -EINVAL);
	assert_int_equal(parse("", &rows, &n, &line), -EINVAL);
}

/* A store with n items (one batch), aggregates 1..na (case-level, empty)
 * and a dealer "d1" with a region around Shanghai. */
struct world {
	struct store_code_entry *e;
	size_t n;
	uint32_t batch;
	uint64_t agg[8];
};

/* Builds the world. */
static void
world_make(struct store *st, struct world *w, size_t n, size_t na)
{
	struct store_agg a[8];
	struct store_dealer d;
	struct store_txn t;
	char s[SSCC_LEN + 1];
	uint8_t check[CODE_CHECK_BYTES];

	memset(w, 0, sizeof(*w));
	w->e = make_entries(n);
	w->n = n;
	w->batch = mint_batch(st, w->e, n);
	for (size_t i = 0; i < na; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		sscc_make(PREFIX, i + 1, s);
		w->agg[i] = a[i].sscc = sscc_to_u64(s);
		a[i].batch_id = w->batch;
		a[i].level = STORE_AGG_CASE;
		tu_random(check, sizeof(check));
		memcpy(a[i].check, check, sizeof(check));
	}
	assert_int_equal(store_agg_insert(st, a, na, NULL, 0), 0);
	memset(&d, 0, sizeof(d));
	strcpy(d.id, "d1");
	strcpy(d.name, "East");
	d.nregion = 1;
	d.region[0] = (struct store_circle){ 31.2304, 121.4737, 100 };
	tu_random(d.selector, sizeof(d.selector));
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_dealer_add_txn(&t, &d), 0);
	strcpy(d.id, "d2");
	tu_random(d.selector, sizeof(d.selector));
	assert_int_equal(store_dealer_add_txn(&t, &d), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* An SSCC's number as the 8-byte id of a reference. */
static void
be_id(uint64_t v, uint8_t id[8])
{
	for (int i = 0; i < 8; i++)
		id[i] = (uint8_t)(v >> (56 - 8 * i));
}

#define AGG(i) (1000000 + (i))	/* a child that is aggregate i */

/* A row parent (aggregate index) → child (item index, or AGG(index)). */
static void
row(struct store_pack_row *r, const struct world *w, size_t parent,
    size_t child)
{
	memset(r, 0, sizeof(*r));
	r->parent.kind = STORE_PACK_AGG;
	be_id(w->agg[parent], r->parent.id);
	if (child >= AGG(0)) {
		r->child.kind = STORE_PACK_AGG;
		be_id(w->agg[child - AGG(0)], r->child.id);
	} else {
		r->child.kind = STORE_PACK_ITEM;
		memcpy(r->child.id, w->e[child].serial, 8);
	}
}

/* Reads an aggregate. */
static void
agg_get(struct store *st, uint64_t sscc, struct store_agg *a)
{
	struct store_txn t;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_agg_get_txn(&t, sscc, a), 0);
	store_txn_abort(&t);
}

/* Counts the codes of the world that have a parent. */
static size_t
packed(struct store *st, const struct world *w, size_t na)
{
	struct store_pack_ref r;
	struct store_txn t;
	uint64_t p;
	size_t k = 0;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < w->n + na; i++) {
		memset(&r, 0, sizeof(r));
		if (i < w->n) {
			r.kind = STORE_PACK_ITEM;
			memcpy(r.id, w->e[i].serial, 8);
		} else {
			r.kind = STORE_PACK_AGG;
			be_id(w->agg[i - w->n], r.id);
		}
		if (store_pack_parent_txn(&t, &r, &p) == 0)
			k++;
	}
	store_txn_abort(&t);
	return k;
}

/* Loads rows, expecting ret; on -EINVAL, bad must be want_bad. */
static void
load(struct store *st, struct store_pack_row *rows, size_t n, int ret,
    size_t want_bad)
{
	const char *why;
	uint64_t added;
	size_t bad;

	assert_int_equal(store_pack_load(st, rows, n, &bad, &added, &why),
	    ret);
	if (ret == -EINVAL) {
		assert_int_equal(bad, want_bad);
		assert_non_null(why);
		assert_int_equal(added, 0);
	}
}

/* Loads all or nothing; then the counts; unlink. */
static void
test_pack_load(void **state)
{
	struct fixture *f = *state;
	struct store_pack_row rows[8];
	struct store_agg a;
	struct world w;
	uint64_t n;

	world_make(f->st, &w, 6, 3);
	/* A child twice: nothing changes. */
	row(&rows[0], &w, 0, 0);
	row(&rows[1], &w, 0, 1);
	row(&rows[2], &w, 1, 0);
	load(f->st, rows, 3, -EINVAL, 2);
	assert_int_equal(packed(f->st, &w, 3), 0);
	/* An unknown item (last row): the rows before it are not kept. */
	row(&rows[2], &w, 1, 2);
	rows[2].child.id[0] ^= 0xff;
	load(f->st, rows, 3, -EINVAL, 2);
	assert_int_equal(packed(f->st, &w, 3), 0);
	/* An unknown parent. */
	row(&rows[2], &w, 1, 2);
	be_id(sscc_to_u64("106141411234567897"), rows[2].parent.id);
	load(f->st, rows, 3, -EINVAL, 2);
	/* A digest that is not the store's. */
	row(&rows[2], &w, 1, 2);
	rows[2].parent.has_check = true;
	load(f->st, rows, 3, -EINVAL, 2);
	assert_int_equal(packed(f->st, &w, 3), 0);
	/* A pallet (2) of two cases, the pallet row first. */
	row(&rows[0], &w, 2, AGG(0));
	row(&rows[1], &w, 2, AGG(1));
	row(&rows[2], &w, 0, 0);
	row(&rows[3], &w, 0, 1);
	row(&rows[4], &w, 1, 2);
	load(f->st, rows, 5, 0, 0);
	assert_int_equal(packed(f->st, &w, 3), 5);
	agg_get(f->st, w.agg[2], &a);
	assert_int_equal(a.items, 3);
	assert_int_equal(a.children, 2);
	assert_int_equal(a.height, 1);
	/* A cycle: case 0 would hold its pallet. Nothing changes. */
	row(&rows[0], &w, 1, 3);
	row(&rows[1], &w, 0, AGG(2));
	load(f->st, rows, 2, -EINVAL, 1);
	assert_int_equal(packed(f->st, &w, 3), 5);
	/* A child held by another case. */
	row(&rows[0], &w, 1, 0);
	load(f->st, rows, 1, -EINVAL, 0);
	/* The same rows again: harmless. */
	row(&rows[0], &w, 0, 0);
	load(f->st, rows, 1, 0, 0);
	/* Unlink case 0: its items leave, the pallet's count drops. */
	assert_int_equal(store_pack_unlink(f->st, w.agg[0], &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(packed(f->st, &w, 3), 3);
	agg_get(f->st, w.agg[2], &a);
	assert_int_equal(a.items, 1);
	agg_get(f->st, w.agg[0], &a);
	assert_int_equal(a.items, 0);
	free(w.e);
}

/* Binds what is below sscc to dealer in one transaction. */
static int
receive(struct store *st, uint64_t sscc, const char *dealer,
    struct store_receipt *r)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(st, false, &t), 0);
	ret = store_receive_txn(&t, sscc, dealer, 1000, r);
	/* A refusal leaves the transaction usable and unchanged. */
	assert_int_equal(t.ret, 0);
	if (ret == 0)
		assert_int_equal(store_txn_commit(&t), 0);
	else
		store_txn_abort(&t);
	return ret;
}

/* A pallet of 10,000 items in one receipt; another dealer refused. */
static void
test_receive(void **state)
{
	struct fixture *f = *state;
	struct store_pack_row *rows = calloc(10002, sizeof(*rows));
	struct store_receipt r;
	struct store_binding b;
	struct store_dealer d;
	struct store_txn t;
	struct world w;
	size_t bound = 0;

	assert_non_null(rows);
	world_make(f->st, &w, 10000, 3);
	for (size_t i = 0; i < 10000; i++)
		row(&rows[i], &w, i < 5000 ? 0 : 1, i);
	row(&rows[10000], &w, 2, AGG(0));
	row(&rows[10001], &w, 2, AGG(1));
	load(f->st, rows, 10002, 0, 0);
	/* d2 takes case 1 first; then d1's pallet is refused whole. */
	assert_int_equal(receive(f->st, w.agg[1], "d2", &r), 0);
	assert_int_equal(r.bound, 5000);
	assert_int_equal(receive(f->st, w.agg[2], "d1", &r), -EEXIST);
	assert_string_equal(r.other, "d2");
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(store_binding_get_txn(&t, w.e[i].serial, &b),
		    -ENOENT);
	store_txn_abort(&t);
	/* Unknown dealer, unknown code. */
	assert_int_equal(receive(f->st, w.agg[0], "nobody", &r), -EINVAL);
	assert_int_equal(receive(f->st, 12345, "d1", &r), -ENOENT);
	/* Case 0 by d1: 5,000 items in one transaction; again: nothing. */
	assert_int_equal(receive(f->st, w.agg[0], "d1", &r), 0);
	assert_int_equal(r.items, 5000);
	assert_int_equal(r.bound, 5000);
	assert_int_equal(receive(f->st, w.agg[0], "d1", &r), 0);
	assert_int_equal(r.bound, 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	for (size_t i = 0; i < 10000; i++) {
		assert_int_equal(store_binding_get_txn(&t, w.e[i].serial, &b),
		    0);
		assert_string_equal(b.dealer, i < 5000 ? "d1" : "d2");
		bound += i < 5000;
	}
	assert_int_equal(store_dealer_get_txn(&t, "d1", &d), 0);
	assert_int_equal(d.received, bound);
	assert_int_equal(d.receipts, 1);
	store_txn_abort(&t);
	free(rows);
	free(w.e);
}

/* The dealer token: made, checked in constant time, refused when
 * revoked or changed. */
static void
test_dealer_token(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_DEALER_CHARS + 1];
	struct store_dealer d, got;
	struct store_txn t;
	bool ok;

	memset(&d, 0, sizeof(d));
	strcpy(d.id, "dx");
	strcpy(d.name, "X");
	token_dealer_new(&d, tok);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_dealer_add_txn(&t, &d), 0);
	assert_int_equal(store_dealer_add_txn(&t, &d), -EAGAIN);
	assert_int_equal(token_dealer_auth_txn(&t, tok, &got, &ok), 0);
	assert_true(ok);
	assert_string_equal(got.id, "dx");
	tok[20] = tok[20] == 'A' ? 'B' : 'A';
	assert_int_equal(token_dealer_auth_txn(&t, tok, &got, &ok), 0);
	assert_false(ok);
	tok[20] = tok[20] == 'A' ? 'B' : 'A';
	d.revoked = 1;
	assert_int_equal(store_dealer_put_txn(&t, &d), 0);
	assert_int_equal(token_dealer_auth_txn(&t, tok, &got, &ok), 0);
	assert_false(ok);
	assert_int_equal(token_dealer_auth_txn(&t, "nonsense", &got, &ok), 0);
	assert_false(ok);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* A located human scan of item i at lat, lon; returns diversions. */
static unsigned
scan_at(struct store *st, const struct world *w, size_t i, double lat,
    double lon, struct store_signal *s)
{
	struct store_code_scans cs;
	struct signals_raised r;
	struct store_event ev;
	struct store_txn t;
	uint64_t last;

	memset(&ev, 0, sizeof(ev));
	memset(&r, 0, sizeof(r));
	ev.time = 2000;
	memcpy(ev.serial, w->e[i].serial, 8);
	ev.batch_id = w->batch;
	ev.verdict = VERDICT_GENUINE;
	ev.flags = STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH |
	    STORE_EVENT_F_KNOWN | STORE_EVENT_F_LOCATION;
	ev.lat = lat;
	ev.lon = lon;
	ev.accuracy = 20;
	ev.location_time = 2000;
	assert_int_equal(store_txn_begin(st, false, &t), 0);
	assert_int_equal(store_event_add_txn(&t, &ev, &cs), 0);
	assert_int_equal(signals_event_txn(&t, &ev, NULL, &r), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	if (r.n[SIGNALS_DIVERSION] > 0) {
		assert_int_equal(store_txn_begin(st, true, &t), 0);
		assert_int_equal(store_signal_last_id_txn(&t, &last), 0);
		assert_int_equal(store_signal_get_txn(&t, last, s), 0);
		store_txn_abort(&t);
	}
	return r.n[SIGNALS_DIVERSION];
}

/* Diversion by the dealer's region: outside fires naming the dealer;
 * inside does not; an item no dealer received follows its batch (no
 * region: nothing). */
static void
test_dealer_diversion(void **state)
{
	struct fixture *f = *state;
	struct store_pack_row rows[2];
	struct store_receipt r;
	struct store_signal s;
	struct world w;

	world_make(f->st, &w, 3, 1);
	row(&rows[0], &w, 0, 0);
	row(&rows[1], &w, 0, 1);
	load(f->st, rows, 2, 0, 0);
	assert_int_equal(receive(f->st, w.agg[0], "d1", &r), 0);
	/* Suzhou, ~85 km: inside 100 km. Beijing: outside. */
	assert_int_equal(scan_at(f->st, &w, 0, 31.2989, 120.5853, &s), 0);
	assert_int_equal(scan_at(f->st, &w, 1, 39.9042, 116.4074, &s), 1);
	assert_int_equal(s.kind, SIGNALS_DIVERSION);
	assert_string_equal(s.dealer, "d1");
	assert_non_null(strstr(s.detail, "dealer d1"));
	assert_non_null(strstr(s.detail, "31.23, 121.5, 100 km"));
	assert_int_equal(scan_at(f->st, &w, 2, 39.9042, 116.4074, &s), 0);
	free(w.e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sscc_digits),
		cmocka_unit_test(test_sscc_code),
		cmocka_unit_test(test_pack_csv),
		cmocka_unit_test_setup_teardown(test_pack_load, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_receive, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dealer_token,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dealer_diversion,
		    fixture_setup, fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
