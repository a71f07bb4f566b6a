/* test_job.c — print-job directories, plain and sealed. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen/job.h"
#include "codegen/keys.h"

/* Size of a sealed job's header: magic, public key, sealed file key,
 * secretstream header (see codegen/job.c). */
#define SEALED_HEADER (8 + 32 + crypto_box_SEALBYTES + \
	crypto_secretstream_xchacha20poly1305_KEYBYTES + \
	crypto_secretstream_xchacha20poly1305_HEADERBYTES)

struct fixture {
	char dir[TU_PATH_MAX];
};

/* A fresh temporary directory. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	tu_tmpdir(f->dir);
	*state = f;
	return 0;
}

/* Removes it. */
static int
teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* Asserts that file dir/rel holds exactly len bytes of data. */
static void
assert_file(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[TU_PATH_MAX];
	size_t got;
	char *text = tu_read(tu_path(path, dir, rel), &got);

	if (got != len || memcmp(text, data, len) != 0)
		fail_msg("%s differs (%zu bytes, want %zu)", path, got, len);
	free(text);
}

/* True if dir holds an entry starting with prefix. */
static bool
has_entry_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool found = false;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			found = true;
	closedir(d);
	return found;
}

/* The contents a test job holds. */
struct content {
	uint8_t *csv;		/* appended in pieces */
	size_t csvlen;
	uint8_t *log;		/* a second appended file, interleaved */
	size_t loglen;
	uint8_t *img[5];
	size_t imglen[5];
	char manifest[64];
};

/* Random contents; the csv file is larger than one sealed record. */
static void
content_make(struct content *c, size_t csvlen)
{
	memset(c, 0, sizeof(*c));
	c->csvlen = csvlen;
	c->csv = malloc(csvlen);
	assert_non_null(c->csv);
	tu_random(c->csv, csvlen);
	c->loglen = 1000;
	c->log = malloc(c->loglen);
	assert_non_null(c->log);
	tu_random(c->log, c->loglen);
	for (int i = 0; i < 5; i++) {
		c->imglen[i] = i == 0 ? 0 : 1 + randombytes_uniform(5000);
		c->img[i] = malloc(c->imglen[i] + 1);
		assert_non_null(c->img[i]);
		tu_random(c->img[i], c->imglen[i]);
	}
	snprintf(c->manifest, sizeof(c->manifest),
	    "{\"marker\": \"manifest-plaintext-marker\"}\n");
}

/* Frees the contents. */
static void
content_free(struct content *c)
{
	free(c->csv);
	free(c->log);
	for (int i = 0; i < 5; i++)
		free(c->img[i]);
}

/* Writes the contents into a job with every kind of call. */
static void
content_write(struct job *j, const struct content *c)
{
	size_t off = 0, logoff = 0;

	assert_int_equal(job_mkdir(j, "png"), 0);
	assert_int_equal(job_mkdir(j, "png/sub"), 0);
	for (int i = 0; i < 5; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), i < 4 ? "png/%d.png" :
		    "png/sub/%d.png", i);
		assert_int_equal(job_put(j, rel, c->img[i], c->imglen[i]), 0);
	}
	/* Pieces of varying size, a zero-length one among them. */
	while (off < c->csvlen) {
		size_t n = randombytes_uniform(70000);

		if (n > c->csvlen - off)
			n = c->csvlen - off;
		assert_int_equal(job_append(j, "codes.csv", c->csv + off, n), 0);
		off += n;
		if (logoff < c->loglen) {
			size_t m = c->loglen - logoff < 100 ? c->loglen - logoff :
			    100;

			assert_int_equal(job_append(j, "log.txt", c->log + logoff,
			    m), 0);
			logoff += m;
		}
	}
	while (logoff < c->loglen) {
		assert_int_equal(job_append(j, "log.txt", c->log + logoff, 100),
		    0);
		logoff += 100;
	}
	assert_int_equal(job_put(j, "manifest.json", c->manifest,
	    strlen(c->manifest)), 0);
}

/* Checks that dir holds exactly the contents. */
static void
content_check(const char *dir, const struct content *c)
{
	char path[TU_PATH_MAX];

	assert_int_equal(tu_count_entries(dir), 4);
	assert_int_equal(tu_count_entries(tu_path(path, dir, "png")), 5);
	assert_int_equal(tu_count_entries(tu_path(path, dir, "png/sub")), 1);
	assert_file(dir, "codes.csv", c->csv, c->csvlen);
	assert_file(dir, "log.txt", c->log, c->loglen);
	assert_file(dir, "manifest.json", c->manifest, strlen(c->manifest));
	for (int i = 0; i < 5; i++) {
		char rel[32];

		snprintf(rel, sizeof(rel), i < 4 ? "png/%d.png" :
		    "png/sub/%d.png", i);
		assert_file(dir, rel, c->img[i], c->imglen[i]);
	}
}

/* A plain job appears only on commit, with exactly its files. */
static void
test_plain_commit(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX];
	struct content c;
	struct job *j = NULL;
	const char *why = NULL;

	content_make(&c, 300 * 1024);
	tu_path(jobdir, f->dir, "job");
	assert_int_equal(job_create(jobdir, NULL, &j, &why), 0);
	assert_non_null(j);
	assert_false(job_is_sealed(j));
	content_write(j, &c);
	/* Written under a hidden temporary name until committed. */
	assert_false(tu_exists(jobdir));
	assert_true(has_entry_prefix(f->dir, ".job.partial-"));
	/* Unsafe names and rewrites are refused. */
	assert_int_equal(job_put(j, "../escape", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "/etc/x", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "png/../../x", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, ".", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "a//b", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "a b", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "png/", "x", 1), -EINVAL);
	assert_int_equal(job_mkdir(j, ".."), -EINVAL);
	assert_int_equal(job_append(j, "../codes.csv", "x", 1), -EINVAL);
	assert_int_equal(job_put(j, "manifest.json", "x", 1), -EEXIST);
	assert_false(tu_exists(tu_path(jobdir, f->dir, "escape")));
	tu_path(jobdir, f->dir, "job");

	assert_int_equal(job_commit(j), 0);
	assert_true(tu_exists(jobdir));
	content_check(jobdir, &c);
	/* Nothing else: no temporary directory left. */
	assert_int_equal(tu_count_entries(f->dir), 1);
	content_free(&c);
}

/* job_create refuses existing directories and missing parents. */
static void
test_plain_refusals(void **state)
{
	struct fixture *f = *state;
	char path[TU_PATH_MAX], file[TU_PATH_MAX];
	struct job *j = (struct job *)&j;
	const char *why = NULL;

	tu_path(path, f->dir, "exists");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(job_create(path, NULL, &j, &why), -EEXIST);
	assert_null(j);
	assert_non_null(why);
	/* Even a file or a dangling symlink of that name. */
	tu_path(file, f->dir, "file");
	tu_write(file, "x", 1);
	assert_int_equal(job_create(file, NULL, &j, &why), -EEXIST);
	tu_path(path, f->dir, "dangling");
	assert_int_equal(symlink("/nonexistent/target", path), 0);
	assert_int_equal(job_create(path, NULL, &j, &why), -EEXIST);
	/* Missing parent; parent that is a file. */
	tu_path(path, f->dir, "missing/job");
	why = NULL;
	assert_int_equal(job_create(path, NULL, &j, &why), -ENOENT);
	assert_non_null(why);
	tu_path(path, f->dir, "file/job");
	assert_int_equal(job_create(path, NULL, &j, &why), -ENOTDIR);
	assert_int_equal(job_create("", NULL, &j, &why), -ENAMETOOLONG);
	/* Nothing was created. */
	assert_int_equal(tu_count_entries(f->dir), 3);
	assert_int_equal(tu_count_entries(tu_path(path, f->dir, "exists")), 0);
}

/* An unwritable parent is refused. Root bypasses permissions, so as root
 * the check runs in a child that drops to nobody. */
static void
test_plain_unwritable(void **state)
{
	struct fixture *f = *state;
	char ro[TU_PATH_MAX], path[TU_PATH_MAX];
	pid_t pid;
	int status;

	assert_int_equal(chmod(f->dir, 0755), 0);
	tu_path(ro, f->dir, "ro");
	assert_int_equal(mkdir(ro, 0555), 0);
	assert_int_equal(chmod(ro, 0555), 0);
	tu_path(path, ro, "job");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct job *j = NULL;
		const char *why = NULL;
		int ret;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(77);	/* no CAP_SETUID: cannot drop root */
		/* A chroot whose root only root may search (a fresh-machine
		 * test box) hides the whole tree from other users. */
		if (access(f->dir, X_OK) < 0)
			_exit(77);
		ret = job_create(path, NULL, &j, &why);
		_exit(ret == -EACCES && j == NULL && why != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(chmod(f->dir, 0700), 0);
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(tu_count_entries(ro), 0);
	assert_int_equal(chmod(ro, 0700), 0);
}

/* job_abort leaves nothing, at any stage. */
static void
test_plain_abort(void **state)
{
	struct fixture *f = *state;
	char jobdir[TU_PATH_MAX];
	struct content c;
	struct job *j = NULL;
	const char *why;

	content_make(&c, 10000);
	tu_path(jobdir, f->dir, "job");
	assert_int_equal(job_create(jobdir, NULL, &j, &why), 0);
	content_write(j, &c);
	job_abort(j);
	assert_int_equal(tu_count_entries(f->dir), 0);
	/* After a flush too. */
	assert_int_equal(job_create(jobdir, NULL, &j, &why), 0);
	content_write(j, &c);
	assert_int_equal(job_flush(j), 0);
	job_abort(j);
	assert_int_equal(tu_count_entries(f->dir), 0);
	job_abort(NULL);
	/* And the name is free again. */
	assert_int_equal(job_create(jobdir, NULL, &j, &why), 0);
	assert_int_equal(job_commit(j), 0);
	assert_int_equal(tu_count_entries(jobdir), 0);
	assert_int_equal(tu_count_entries(f->dir), 1);
	content_free(&c);
}

/* Writes a sealed job of contents c to f->dir/sealed-job; returns the
 * path of its job.sealed in out. */
static void
write_sealed(struct fixture *f, const struct keypair *box,
    const struct content *c, char out[TU_PATH_MAX])
{
	char jobdir[TU_PATH_MAX];
	struct job *j = NULL;
	const char *why = NULL;

	tu_path(jobdir, f->dir, "sealed-job");
	assert_int_equal(job_create(jobdir, box->public, &j, &why), 0);
	assert_true(job_is_sealed(j));
	content_write(j, c);
	assert_int_equal(job_put(j, "../x", "x", 1), -EINVAL);
	assert_int_equal(job_commit(j), 0);
	/* Only the stream is on disk. */
	assert_int_equal(tu_count_entries(jobdir), 1);
	tu_path(out, jobdir, JOB_SEALED_NAME);
}

/* Tries to open a damaged copy; it must be refused and leave nothing. */
static void
assert_refused(struct fixture *f, const struct keypair *box,
    const uint8_t *data, size_t len, const char *what)
{
	char bad[TU_PATH_MAX], out[TU_PATH_MAX];
	const char *why = NULL;
	int ret;

	tu_path(bad, f->dir, "bad.sealed");
	tu_path(out, f->dir, "bad-out");
	tu_write(bad, data, len);
	ret = job_open_sealed(bad, box, out, &why);
	if (ret == 0)
		fail_msg("%s: opened", what);
	assert_true(ret < 0);
	assert_non_null(why);
	assert_false(tu_exists(out));
	assert_false(has_entry_prefix(f->dir, ".bad-out"));
	unlink(bad);
}

/* A sealed job restores byte for byte, and any damage is refused. */
static void
test_sealed(void **state)
{
	struct fixture *f = *state;
	struct keypair *box = NULL, *other = NULL, *ed = NULL;
	char sealed[TU_PATH_MAX], out[TU_PATH_MAX];
	struct content c;
	const char *why = NULL;
	uint8_t *data;
	size_t len, positions[16], np = 0;

	assert_int_equal(keys_generate(0, KEYS_SCHEME_BOX, &box), 0);
	assert_int_equal(keys_generate(0, KEYS_SCHEME_BOX, &other), 0);
	assert_int_equal(keys_generate(0, CODE_SCHEME_ED25519, &ed), 0);
	content_make(&c, 600 * 1024);
	write_sealed(f, box, &c, sealed);
	data = (uint8_t *)tu_read(sealed, &len);
	assert_true(len > c.csvlen);
	assert_null(memmem(data, len, "manifest-plaintext-marker", 25));
	assert_null(memmem(data, len, c.csv, 64));

	tu_path(out, f->dir, "opened");
	assert_int_equal(job_open_sealed(sealed, box, out, &why), 0);
	content_check(out, &c);
	/* The output directory must not exist already. */
	assert_int_equal(job_open_sealed(sealed, box, out, &why), -EEXIST);
	tu_path(out, f->dir, "opened2");

	/* Wrong keys. */
	assert_true(job_open_sealed(sealed, other, out, &why) < 0);
	assert_non_null(why);
	assert_false(tu_exists(out));
	assert_int_equal(job_open_sealed(sealed, ed, out, &why), -EINVAL);
	assert_false(tu_exists(out));

	/* One flipped byte: magic, recipient key, sealed file key, stream
	 * header, first record length and body, the middle, the last byte,
	 * and a few random places. */
	positions[np++] = 0;
	positions[np++] = 8;
	positions[np++] = 40;
	positions[np++] = 40 + crypto_box_SEALBYTES + 10;
	positions[np++] = SEALED_HEADER - 1;
	positions[np++] = SEALED_HEADER;
	positions[np++] = SEALED_HEADER + 3;
	positions[np++] = SEALED_HEADER + 4;
	positions[np++] = SEALED_HEADER + 30;
	positions[np++] = len / 2;
	positions[np++] = len - 20;
	positions[np++] = len - 1;
	while (np < sizeof(positions) / sizeof(positions[0]))
		positions[np++] = randombytes_uniform((uint32_t)len);
	for (size_t i = 0; i < np; i++) {
		char what[64];

		data[positions[i]] ^= 0x01;
		snprintf(what, sizeof(what), "byte %zu of %zu flipped",
		    positions[i], len);
		assert_refused(f, box, data, len, what);
		data[positions[i]] ^= 0x01;
	}
	/* Truncated: by one byte, by the final record, in half, to the
	 * header, inside the header, to nothing. */
	assert_refused(f, box, data, len - 1, "truncated by 1");
	assert_refused(f, box, data, len - 17, "truncated by 17");
	assert_refused(f, box, data, len / 2, "truncated to half");
	assert_refused(f, box, data, SEALED_HEADER, "header only");
	assert_refused(f, box, data, SEALED_HEADER - 1, "short header");
	assert_refused(f, box, data, 0, "empty");
	/* One byte appended; a second copy appended. */
	{
		uint8_t *longer = malloc(2 * len);

		assert_non_null(longer);
		memcpy(longer, data, len);
		longer[len] = 0;
		assert_refused(f, box, longer, len + 1, "one byte appended");
		memcpy(longer + len, data, len);
		assert_refused(f, box, longer, 2 * len, "job appended twice");
		free(longer);
	}
	/* The untouched copy still opens. */
	tu_path(out, f->dir, "opened3");
	assert_int_equal(job_open_sealed(sealed, box, out, &why), 0);
	content_check(out, &c);
	free(data);
	content_free(&c);
	keys_free(box);
	keys_free(other);
	keys_free(ed);
}

/* An invalid recipient key is refused before anything is written. */
static void
test_sealed_bad_public(void **state)
{
	struct fixture *f = *state;
	static const uint8_t zero[32];
	char jobdir[TU_PATH_MAX];
	struct job *j = NULL;
	const char *why = NULL;

	tu_path(jobdir, f->dir, "job");
	assert_int_equal(job_create(jobdir, zero, &j, &why), -EINVAL);
	assert_null(j);
	assert_non_null(why);
	assert_int_equal(tu_count_entries(f->dir), 0);
}

/* Print-house public key files round trip. */
static void
test_public_files(void **state)
{
	struct fixture *f = *state;
	struct keypair *box = NULL;
	char path[TU_PATH_MAX], hex[65], line[80];
	uint8_t pk[32];
	const char *why = NULL;

	assert_int_equal(keys_generate(0, KEYS_SCHEME_BOX, &box), 0);
	tu_path(path, f->dir, "house.pub");
	assert_int_equal(job_write_public(path, box->public), 0);
	assert_int_equal(job_write_public(path, box->public), -EEXIST);
	assert_int_equal(job_read_public(path, pk, &why), 0);
	assert_memory_equal(pk, box->public, 32);
	/* A bare hex line. */
	sodium_bin2hex(hex, sizeof(hex), box->public, 32);
	snprintf(line, sizeof(line), "%s\n", hex);
	tu_write(path, line, strlen(line));
	memset(pk, 0, sizeof(pk));
	assert_int_equal(job_read_public(path, pk, &why), 0);
	assert_memory_equal(pk, box->public, 32);
	/* Garbage. */
	tu_write(path, hex, 63);
	assert_int_equal(job_read_public(path, pk, &why), -EINVAL);
	tu_write(path, JOB_PUBLIC_MAGIC "\nsecret: x\n", 37);
	assert_int_equal(job_read_public(path, pk, &why), -EINVAL);
	unlink(path);
	assert_int_equal(job_read_public(path, pk, &why), -ENOENT);
	keys_free(box);
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plain_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plain_unwritable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plain_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sealed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_bad_public, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_public_files, setup,
		    teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
