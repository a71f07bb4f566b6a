/* testutil.c — shared helpers for the cmocka unit tests. */
#include "testutil.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/keys.h"
#include "common/fsutil.h"

/* sodium_init, once. */
void
tu_init(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		exit(1);
	}
}

/* mkdtemp under /tmp. */
void
tu_tmpdir(char out[TU_PATH_MAX])
{
	snprintf(out, TU_PATH_MAX, "/tmp/scanloop-unit-XXXXXX");
	if (mkdtemp(out) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
}

/* Removes a temporary tree; refuses anything outside /tmp. */
void
tu_rmtree(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return;
	if (strncmp(path, "/tmp/scanloop-unit-", 19) != 0)
		fail_msg("refusing to remove %s", path);
	/* Restore permissions a test may have taken away. */
	chmod(path, 0700);
	fsutil_rmtree(path);
}

/* A new store in a new directory. */
struct store *
tu_store_new(char dir[TU_PATH_MAX], char db[TU_PATH_MAX])
{
	struct store *st = NULL;

	tu_tmpdir(dir);
	tu_path(db, dir, "db");
	assert_int_equal(store_open(db, STORE_CREATE, &st), 0);
	return st;
}

/* Closes and removes it. */
void
tu_store_free(struct store *st, const char *dir)
{
	store_close(st);
	tu_rmtree(dir);
}

/* Adds a key's public part to the store. */
void
tu_key_add(struct store *st, const struct keypair *kp)
{
	assert_int_equal(store_key_add(st, kp->id, kp->scheme, kp->public,
	    CODE_DEFAULT_BASE_URL, 1), 0);
}

/* Counts the batches. */
static int
tu_count_cb(const struct store_batch *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
	return 0;
}

/* Number of batches in the store. */
int
tu_count_batches(struct store *st)
{
	struct store_txn t;
	int n = 0;

	assert_int_equal(store_txn_begin(st, true, &t), 0);
	assert_int_equal(store_batch_foreach_txn(&t, tu_count_cb, &n), 0);
	store_txn_abort(&t);
	return n;
}

/* Number of codes in the store. */
uint64_t
tu_count_codes(struct store *st)
{
	struct store_stats s;

	assert_int_equal(store_stats_get(st, &s), 0);
	return s.codes;
}

/* "dir/name". */
const char *
tu_path(char out[TU_PATH_MAX], const char *dir, const char *name)
{
	if (snprintf(out, TU_PATH_MAX, "%s/%s", dir, name) >= TU_PATH_MAX)
		fail_msg("path too long");
	return out;
}

/* lstat succeeds. */
bool
tu_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* Whole file. */
char *
tu_read(const char *path, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	int ret;

	if ((ret = fsutil_read_file(path, 1u << 30, &buf, &n)) < 0)
		fail_msg("cannot read %s: %s", path, strerror(-ret));
	if (len != NULL)
		*len = n;
	return buf;
}

/* Replaces a file's contents. */
void
tu_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	if (fsutil_write_all(fd, data, len) < 0)
		fail_msg("cannot write %s", path);
	close(fd);
}

/* Entries of a directory. */
int
tu_count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* CSPRNG bytes (tests want variety, not reproducibility, here). */
void
tu_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

/* A random number below n: xorshift64* seeded once. */
uint32_t
tu_rand(uint32_t n)
{
	static uint64_t state;

	while (state == 0)
		tu_random(&state, sizeof(state));
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (uint32_t)((state * UINT64_C(2685821657736338717)) >> 32) % n;
}

/* 13 random digits and their check digit. */
void
tu_random_gtin(char out[GTIN_LEN + 1])
{
	for (int i = 0; i < GTIN_LEN - 1; i++)
		out[i] = (char)('0' + randombytes_uniform(10));
	out[GTIN_LEN - 1] = gtin_check_digit(out, GTIN_LEN - 1);
	out[GTIN_LEN] = '\0';
}

/* $SCANLOOP_SRC/tests/vectors/name, else tests/vectors/name. */
const char *
tu_vector_path(char out[TU_PATH_MAX], const char *name)
{
	const char *src = getenv("SCANLOOP_SRC");

	if (src != NULL && src[0] != '\0')
		snprintf(out, TU_PATH_MAX, "%s/tests/vectors/%s", src, name);
	else
		snprintf(out, TU_PATH_MAX, "tests/vectors/%s", name);
	return out;
}

/* Strict hex. */
int
tu_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen)
{
	size_t got;

	if (hexlen != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, hex, hexlen, NULL, &got, NULL) != 0 ||
	    got != n)
		return -1;
	return 0;
}
