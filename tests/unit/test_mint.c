/* test_mint.c — the mint pipeline on a temporary store and job directory. */
#include "testutil.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen/job.h"
#include "codegen/keys.h"
#include "codegen/mint.h"
#include "codegen/render.h"
#include "scanner/verify.h"
#include "store/store.h"

#define GTIN "09506000134352"

struct fixture {
	char dir[TU_PATH_MAX];
	char jobs[TU_PATH_MAX];		/* parent of the job directories */
	struct store *st;
	struct keypair *ed;		/* id 1 */
	struct keypair *mac;		/* id 2 */
};

/* A store with an Ed25519 and a MAC key, and an empty jobs directory. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char db[TU_PATH_MAX];

	assert_non_null(f);
	f->st = tu_store_new(f->dir, db);
	tu_path(f->jobs, f->dir, "jobs");
	assert_int_equal(mkdir(f->jobs, 0700), 0);
	assert_int_equal(keys_generate(1, CODE_SCHEME_ED25519, &f->ed), 0);
	assert_int_equal(keys_generate(2, CODE_SCHEME_MAC, &f->mac), 0);
	tu_key_add(f->st, f->ed);
	tu_key_add(f->st, f->mac);
	*state = f;
	return 0;
}

/* Frees and removes everything. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	keys_free(f->ed);
	keys_free(f->mac);
	tu_store_free(f->st, f->dir);
	free(f);
	return 0;
}

/* Mint parameters for count codes into jobs/<name>. */
static void
params(struct fixture *f, struct mint_params *p, const struct keypair *kp,
    uint64_t count, const char *name, char jobdir[TU_PATH_MAX])
{
	memset(p, 0, sizeof(*p));
	p->st = f->st;
	p->kp = kp;
	p->base_url = CODE_DEFAULT_BASE_URL;
	strcpy(p->gtin, GTIN);
	p->count = count;
	p->jobdir = tu_path(jobdir, f->jobs, name);
	p->line = "line-3";
	p->module_px = RENDER_DEFAULT_MODULE_PX;
	p->ecc = QR_ECLEVEL_M;
	p->threads = 2;
}

/* Orders serials. */
static int
serial_cmp(const void *a, const void *b)
{
	return memcmp(a, b, CODE_SERIAL_BYTES);
}

/* One parsed codes.csv. */
struct csv {
	size_t n;
	uint8_t (*serials)[CODE_SERIAL_BYTES];	/* by seq */
	char **urls;
	char sha256[65];
};

/* Frees a parsed codes.csv. */
static void
csv_free(struct csv *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->urls[i]);
	free(c->urls);
	free(c->serials);
}

/*
 * Reads and checks JOBDIR/codes.csv: the header, CRLF lines, seq 1..n in
 * order, serials of 13 base32 characters, URLs that parse to that serial,
 * the GTIN and the key and verify under it, all serials distinct.
 */
static void
read_csv(const char *jobdir, const struct keypair *kp, uint64_t n,
    struct csv *out)
{
	char path[TU_PATH_MAX];
	uint8_t digest[crypto_hash_sha256_BYTES];
	uint8_t (*sorted)[CODE_SERIAL_BYTES];
	size_t len, i = 0;
	char *text = tu_read(tu_path(path, jobdir, "codes.csv"), &len), *p;
	static const char header[] = "seq,serial,url\r\n";

	memset(out, 0, sizeof(*out));
	crypto_hash_sha256(digest, (const uint8_t *)text, len);
	sodium_bin2hex(out->sha256, sizeof(out->sha256), digest, sizeof(digest));
	out->serials = calloc(n, sizeof(*out->serials));
	out->urls = calloc(n, sizeof(*out->urls));
	assert_true(out->serials && out->urls);
	assert_int_equal(strncmp(text, header, sizeof(header) - 1), 0);
	p = text + sizeof(header) - 1;
	while (*p != '\0') {
		char *eol = strstr(p, "\r\n"), *c1, *c2, *end;
		char serial[CODE_SERIAL_CHARS + 1], again[CODE_TEXT_MAX];
		unsigned long long seq;
		struct code c;
		const char *why = NULL;

		assert_non_null(eol);
		*eol = '\0';
		assert_null(strchr(p, '\n'));
		assert_true(i < n);
		c1 = strchr(p, ',');
		assert_non_null(c1);
		c2 = strchr(c1 + 1, ',');
		assert_non_null(c2);
		assert_null(strchr(c2 + 1, ','));
		assert_null(strchr(p, '"'));
		seq = strtoull(p, &end, 10);
		assert_ptr_equal(end, c1);
		if (seq != i + 1)
			fail_msg("line %zu has seq %llu", i + 2, seq);
		assert_int_equal(c2 - c1 - 1, CODE_SERIAL_CHARS);
		if (code_parse(c2 + 1, strlen(c2 + 1), &c, &why) != 0)
			fail_msg("seq %llu: %s: %s", seq, c2 + 1, why);
		code_serial_text(c.serial, serial);
		assert_memory_equal(serial, c1 + 1, CODE_SERIAL_CHARS);
		assert_string_equal(c.gtin, GTIN);
		assert_int_equal(c.key_id, kp->id);
		assert_int_equal(c.scheme, kp->scheme);
		if (kp->scheme == CODE_SCHEME_ED25519)
			assert_int_equal(keys_verify_ed25519(kp->public, &c), 0);
		else
			assert_int_equal(keys_verify_mac(keys_secret(kp), &c), 0);
		/* The URL is in canonical form. */
		assert_true(code_format(&c, CODE_DEFAULT_BASE_URL, again,
		    sizeof(again)) > 0);
		assert_string_equal(again, c2 + 1);
		memcpy(out->serials[i], c.serial, CODE_SERIAL_BYTES);
		out->urls[i] = strdup(c2 + 1);
		assert_non_null(out->urls[i]);
		i++;
		p = eol + 2;
	}
	assert_int_equal(i, n);
	out->n = i;
	sorted = malloc(n * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, out->serials, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), serial_cmp);
	for (size_t k = 1; k < n; k++)
		if (memcmp(sorted[k], sorted[k - 1], CODE_SERIAL_BYTES) == 0)
			fail_msg("duplicate serial");
	free(sorted);
	free(text);
}

/* Reads manifest.json and checks its fields against the mint. */
static void
check_manifest(const char *jobdir, const struct mint_params *p,
    const struct mint_result *r, const struct csv *csv)
{
	char path[TU_PATH_MAX];
	json_error_t err;
	json_t *m;
	const char *created;

	m = json_load_file(tu_path(path, jobdir, "manifest.json"), 0, &err);
	if (m == NULL)
		fail_msg("manifest.json: %s", err.text);
	assert_true(json_is_object(m));
	assert_int_equal(json_integer_value(json_object_get(m, "batch_id")),
	    r->batch_id);
	assert_string_equal(json_string_value(json_object_get(m, "product")),
	    p->gtin);
	assert_int_equal(json_integer_value(json_object_get(m, "key_id")),
	    p->kp->id);
	assert_string_equal(json_string_value(json_object_get(m, "scheme")),
	    code_scheme_name(p->kp->scheme));
	assert_int_equal(json_integer_value(json_object_get(m, "count")),
	    p->count);
	assert_int_equal(json_integer_value(json_object_get(m, "qr_version")),
	    r->qr_version);
	assert_string_equal(json_string_value(json_object_get(m, "ecc")), "M");
	created = json_string_value(json_object_get(m, "created"));
	assert_non_null(created);
	assert_int_equal(strlen(created), 20);
	assert_true(created[4] == '-' && created[10] == 'T' &&
	    created[19] == 'Z');
	assert_string_equal(json_string_value(json_object_get(m,
	    "codes_sha256")), csv->sha256);
	assert_string_equal(r->codes_sha256, csv->sha256);
	assert_string_equal(json_string_value(json_object_get(m, "base_url")),
	    p->base_url);
	assert_string_equal(json_string_value(json_object_get(m, "line")),
	    p->line);
	json_decref(m);
}

/* Verifies every URL against the store and expects verdict v. */
static void
verify_all(struct store *st, const struct csv *csv, enum verdict v,
    uint32_t batch_id)
{
	struct store_txn t;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	for (size_t i = 0; i < csv->n; i++) {
		struct verify_result r;

		assert_int_equal(verify_text_txn(&t, csv->urls[i],
		    strlen(csv->urls[i]), VERIFY_FULL_SIGNATURE, &r), 0);
		if (r.verdict != v)
			fail_msg("%s: %s (%s)", csv->urls[i],
			    verify_verdict_name(r.verdict), r.reason);
		assert_int_equal(r.rec.batch_id, batch_id);
	}
	store_txn_abort(&t);
}

/* Records the progress callbacks. */
struct progress {
	int calls;
	char last_phase[16];
	uint64_t last_done, last_total;
	const char *cancel_phase;	/* set cancel on this phase */
	volatile sig_atomic_t *cancel;
	uint64_t cancelled_at;
	int bad;			/* reports with done > total */
};

/* Progress callback: remembers, and cancels when told to. */
static void
progress_cb(const char *phase, uint64_t done, uint64_t total, void *arg)
{
	struct progress *pr = arg;

	pr->calls++;
	snprintf(pr->last_phase, sizeof(pr->last_phase), "%s", phase);
	if (done > total)
		pr->bad++;
	pr->last_done = done;
	pr->last_total = total;
	if (pr->cancel_phase != NULL && pr->cancel != NULL && !*pr->cancel &&
	    strcmp(phase, pr->cancel_phase) == 0) {
		*pr->cancel = 1;
		pr->cancelled_at = done;
	}
}

/* 2,000 codes, two threads, no images: the whole job checked. */
static void
test_mint_basic(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct mint_params p;
	struct mint_result r;
	struct progress pr;
	struct store_batch b;
	struct store_txn t;
	struct csv csv;
	const char *why = "unset";

	params(f, &p, f->ed, 2000, "job1", jobdir);
	memset(&pr, 0, sizeof(pr));
	p.progress = progress_cb;
	p.progress_arg = &pr;
	assert_int_equal(mint_run(&p, &r, &why), 0);
	assert_null(why);
	assert_true(r.batch_id >= 1);
	assert_true(r.qr_version >= 1 && r.qr_version <= 7);
	assert_int_equal(strlen(r.codes_sha256), 64);
	/* The last report is the end of the last phase. */
	assert_true(pr.calls >= 2);
	assert_string_equal(pr.last_phase, "storing");
	assert_int_equal(pr.last_done, 2000);
	assert_int_equal(pr.last_total, 2000);
	assert_int_equal(pr.bad, 0);

	/* Exactly the job, and nothing beside it. */
	assert_int_equal(tu_count_entries(jobdir), 2);
	assert_true(tu_exists(tu_path(path, jobdir, "codes.csv")));
	assert_true(tu_exists(tu_path(path, jobdir, "manifest.json")));
	assert_int_equal(tu_count_entries(f->jobs), 1);

	read_csv(jobdir, f->ed, 2000, &csv);
	check_manifest(jobdir, &p, &r, &csv);

	/* The batch in the store. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_batch_get_txn(&t, r.batch_id, &b), 0);
	store_txn_abort(&t);
	assert_int_equal(b.state, STORE_BATCH_READY);
	assert_int_equal(b.count, 2000);
	assert_int_equal(b.inserted, 2000);
	assert_int_equal(b.key_id, 1);
	assert_int_equal(b.scheme, CODE_SCHEME_ED25519);
	assert_string_equal(b.gtin, GTIN);
	assert_string_equal(b.line, "line-3");
	assert_int_equal(b.qr_version, r.qr_version);
	assert_int_equal(tu_count_codes(f->st), 2000);
	assert_int_equal(tu_count_batches(f->st), 1);

	verify_all(f->st, &csv, VERDICT_NOT_ACTIVE, r.batch_id);
	assert_int_equal(store_batch_activate(f->st, r.batch_id, 1, &b), 0);
	verify_all(f->st, &csv, VERDICT_GENUINE, r.batch_id);
	csv_free(&csv);
}

/* Two mints (one per scheme) draw disjoint serials. */
static void
test_mint_disjoint(void **state)
{
	struct fixture *f = *state;
	char j1[TU_PATH_MAX], j2[TU_PATH_MAX];
	struct mint_params p1, p2;
	struct mint_result r1, r2;
	struct csv c1, c2;
	const char *why;

	params(f, &p1, f->ed, 2000, "a", j1);
	params(f, &p2, f->mac, 2000, "b", j2);
	p2.threads = 0;		/* one per core */
	assert_int_equal(mint_run(&p1, &r1, &why), 0);
	assert_int_equal(mint_run(&p2, &r2, &why), 0);
	assert_int_not_equal(r1.batch_id, r2.batch_id);
	assert_true(r2.qr_version >= 1 && r2.qr_version <= 4);
	read_csv(j1, f->ed, 2000, &c1);
	read_csv(j2, f->mac, 2000, &c2);
	check_manifest(j2, &p2, &r2, &c2);
	qsort(c2.serials, c2.n, CODE_SERIAL_BYTES, serial_cmp);
	for (size_t i = 0; i < c1.n; i++)
		if (bsearch(c1.serials[i], c2.serials, c2.n, CODE_SERIAL_BYTES,
		    serial_cmp) != NULL)
			fail_msg("serial %zu in both mints", i);
	assert_int_equal(tu_count_codes(f->st), 4000);
	verify_all(f->st, &c2, VERDICT_NOT_ACTIVE, r2.batch_id);
	csv_free(&c1);
	csv_free(&c2);
}

/* Refusals change nothing: an existing JOBDIR, a missing parent, counts
 * out of range. */
static void
test_mint_refusals(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX], path[TU_PATH_MAX];
	struct mint_params p;
	struct mint_result r;
	const char *why;
	char *before, *after;
	size_t blen, alen;

	params(f, &p, f->ed, 100, "job", jobdir);
	assert_int_equal(mint_run(&p, &r, &why), 0);
	before = tu_read(tu_path(path, jobdir, "codes.csv"), &blen);

	why = NULL;
	assert_int_equal(mint_run(&p, &r, &why), -EEXIST);
	assert_non_null(why);
	assert_int_equal(tu_count_batches(f->st), 1);
	assert_int_equal(tu_count_codes(f->st), 100);
	after = tu_read(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
	assert_int_equal(tu_count_entries(f->jobs), 1);

	/* An empty existing directory is not overwritten either. */
	params(f, &p, f->ed, 100, "empty", jobdir);
	assert_int_equal(mkdir(jobdir, 0700), 0);
	assert_int_equal(mint_run(&p, &r, &why), -EEXIST);
	assert_int_equal(tu_count_entries(jobdir), 0);

	params(f, &p, f->ed, 100, "no/such/dir", jobdir);
	assert_int_equal(mint_run(&p, &r, &why), -ENOENT);
	assert_non_null(why);

	params(f, &p, f->ed, 0, "zero", jobdir);
	assert_int_equal(mint_run(&p, &r, &why), -EINVAL);
	params(f, &p, f->ed, MINT_MAX_CODES + 1, "huge", jobdir);
	assert_int_equal(mint_run(&p, &r, &why), -EINVAL);
	assert_non_null(why);

	assert_int_equal(tu_count_batches(f->st), 1);
	assert_int_equal(tu_count_codes(f->st), 100);
	assert_int_equal(tu_count_entries(f->jobs), 2);
}

/* A mint cancelled in phase `phase` of 50,000 codes leaves no JOBDIR, no
 * temporary directory, no batch and no codes; then a new mint works. */
static void
cancel_in(struct fixture *f, const char *phase)
{
	volatile sig_atomic_t cancel = 0;
	char jobdir[TU_PATH_MAX];
	struct mint_params p;
	struct mint_result r;
	struct progress pr;
	const char *why = NULL;
	struct csv csv;

	params(f, &p, f->ed, 50000, "cancelled", jobdir);
	memset(&pr, 0, sizeof(pr));
	pr.cancel_phase = phase;
	pr.cancel = &cancel;
	p.progress = progress_cb;
	p.progress_arg = &pr;
	p.cancel = &cancel;
	assert_int_equal(mint_run(&p, &r, &why), -EINTR);
	assert_true(cancel);
	assert_non_null(why);
	print_message("cancelled in %s at %llu of 50000: %s\n", phase,
	    (unsigned long long)pr.cancelled_at, why);
	if (strcmp(phase, "signing") == 0)
		assert_true(pr.cancelled_at < 50000);
	assert_false(tu_exists(jobdir));
	assert_int_equal(tu_count_entries(f->jobs), 0);
	assert_int_equal(tu_count_batches(f->st), 0);
	assert_int_equal(tu_count_codes(f->st), 0);

	/* Running it again works. */
	params(f, &p, f->ed, 1000, "cancelled", jobdir);
	assert_int_equal(mint_run(&p, &r, &why), 0);
	read_csv(jobdir, f->ed, 1000, &csv);
	assert_int_equal(tu_count_batches(f->st), 1);
	assert_int_equal(tu_count_codes(f->st), 1000);
	csv_free(&csv);
}

/* Cancelled while signing. */
static void
test_cancel_signing(void **state)
{
	cancel_in(*state, "signing");
}

/* Cancelled while storing, after the batch exists in the store. */
static void
test_cancel_storing(void **state)
{
	cancel_in(*state, "storing");
}

/* Images: one PNG and one SVG per code, named by serial, and the
 * manifest's qr_version is the largest symbol's. */
static void
test_mint_images(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX], path[TU_PATH_MAX], rel[64], dir[TU_PATH_MAX];
	struct mint_params p;
	struct mint_result r;
	const char *why;
	struct csv csv;
	int maxv = 0;

	params(f, &p, f->ed, 300, "img", jobdir);
	p.png = p.svg = true;
	p.module_px = 3;
	assert_int_equal(mint_run(&p, &r, &why), 0);
	read_csv(jobdir, f->ed, 300, &csv);
	check_manifest(jobdir, &p, &r, &csv);
	assert_int_equal(tu_count_entries(jobdir), 4);
	assert_int_equal(tu_count_entries(tu_path(dir, jobdir, "png")), 300);
	assert_int_equal(tu_count_entries(tu_path(dir, jobdir, "svg")), 300);
	for (size_t i = 0; i < csv.n; i++) {
		char serial[CODE_SERIAL_CHARS + 1];
		uint8_t *png;
		size_t len;
		uint32_t w;
		int modules;

		code_serial_text(csv.serials[i], serial);
		snprintf(rel, sizeof(rel), "png/%s.png", serial);
		png = (uint8_t *)tu_read(tu_path(path, jobdir, rel), &len);
		assert_true(len > 33);
		assert_memory_equal(png + 1, "PNG", 3);
		w = (uint32_t)png[16] << 24 | (uint32_t)png[17] << 16 |
		    (uint32_t)png[18] << 8 | png[19];
		assert_int_equal(w % 3, 0);
		modules = (int)(w / 3) - 2 * RENDER_QUIET_ZONE;
		assert_int_equal((modules - 17) % 4, 0);
		if ((modules - 17) / 4 > maxv)
			maxv = (modules - 17) / 4;
		free(png);
		snprintf(rel, sizeof(rel), "svg/%s.svg", serial);
		assert_true(tu_exists(tu_path(path, jobdir, rel)));
	}
	assert_int_equal(maxv, r.qr_version);
	csv_free(&csv);
}

/* A sealed mint: only job.sealed on disk, restored byte-identical. */
static void
test_mint_sealed(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX], path[TU_PATH_MAX], out[TU_PATH_MAX];
	struct keypair *box = NULL;
	struct mint_params p;
	struct mint_result r;
	const char *why;
	struct csv csv;
	char *sealed;
	size_t len;

	assert_int_equal(keys_generate(0, KEYS_SCHEME_BOX, &box), 0);
	params(f, &p, f->ed, 500, "sealed", jobdir);
	p.png = true;
	p.seal_pk = box->public;
	assert_int_equal(mint_run(&p, &r, &why), 0);
	assert_int_equal(tu_count_entries(jobdir), 1);
	sealed = tu_read(tu_path(path, jobdir, JOB_SEALED_NAME), &len);
	/* No plaintext: not the header of codes.csv, not the GTIN. */
	assert_null(memmem(sealed, len, "seq,serial,url", 14));
	assert_null(memmem(sealed, len, GTIN, strlen(GTIN)));
	free(sealed);
	tu_path(out, f->dir, "opened");
	assert_int_equal(job_open_sealed(path, box, out, &why), 0);
	read_csv(out, f->ed, 500, &csv);
	check_manifest(out, &p, &r, &csv);
	assert_int_equal(tu_count_entries(tu_path(path, out, "png")), 500);
	verify_all(f->st, &csv, VERDICT_NOT_ACTIVE, r.batch_id);
	csv_free(&csv);
	keys_free(box);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mint_basic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_disjoint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_signing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cancel_storing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_images, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mint_sealed, setup,
		    teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
