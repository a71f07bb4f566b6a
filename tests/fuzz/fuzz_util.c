/* fuzz_util.c — temporary files for the fuzz targets. */
#include "fuzz.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <sodium.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[PATH_MAX];
static pid_t fuzz_dir_pid;

/* Removes the temporary directory at exit (in the process that made it). */
static void
fuzz_tmpdir_cleanup(void)
{
	if (fuzz_dir[0] != '\0' && getpid() == fuzz_dir_pid)
		fsutil_rmtree(fuzz_dir);
}

/* Makes the per-process temporary directory once. */
const char *
fuzz_tmpdir(void)
{
	const char *base;

	if (fuzz_dir[0] != '\0')
		return fuzz_dir;
	base = getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/scanloop-fuzz-XXXXXX",
	    base) >= (int)sizeof(fuzz_dir) || mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_tmpdir");
		abort();
	}
	fuzz_dir_pid = getpid();
	atexit(fuzz_tmpdir_cleanup);
	return fuzz_dir;
}

/* Joins a path. */
void
fuzz_path(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX) {
		fprintf(stderr, "fuzz_path: %s/%s: too long\n", dir, name);
		abort();
	}
}

/* Writes a whole file. */
void
fuzz_write_file(const char *path, const void *data, size_t len)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fsutil_write_all(fd, data, len) < 0 || close(fd) < 0) {
		perror(path);
		abort();
	}
}

/* Deterministic randomness: a counter-indexed ChaCha20 stream. The
 * counter is atomic: the router target's server threads draw from it. */
static _Atomic uint64_t fuzz_rng_counter;

/* Fills buf from the deterministic stream. */
static void
fuzz_rng_buf(void *const buf, const size_t size)
{
	uint8_t seed[randombytes_SEEDBYTES] = "scanloop fuzz deterministic rng";
	uint64_t n = atomic_fetch_add(&fuzz_rng_counter, 1);

	memcpy(seed, &n, sizeof(n));
	randombytes_buf_deterministic(buf, size, seed);
}

/* One deterministic 32-bit value. */
static uint32_t
fuzz_rng_random(void)
{
	uint32_t v;

	fuzz_rng_buf(&v, sizeof(v));
	return v;
}

/* Names the deterministic generator. */
static const char *
fuzz_rng_name(void)
{
	return "scanloop-fuzz";
}

static struct randombytes_implementation fuzz_rng_impl = {
	.implementation_name = fuzz_rng_name,
	.random = fuzz_rng_random,
	.buf = fuzz_rng_buf,
};

/* Replaces libsodium's randomness; call before sodium_init. */
void
fuzz_rng_install(void)
{
	FUZZ_CHECK(randombytes_set_implementation(&fuzz_rng_impl) == 0);
	fuzz_rng_reset();
}

/* Restarts the deterministic stream. */
void
fuzz_rng_reset(void)
{
	atomic_store(&fuzz_rng_counter, 0);
}

/* Parses a copy of data twice and checks both parses agree. */
int
fuzz_query_twice(const uint8_t *data, size_t size, fuzz_query_fn parse,
    void *a, void *b, size_t objsize)
{
	const char *why = NULL, *why2 = NULL;
	char *q = malloc(size ? size : 1);
	int ra, rb;

	FUZZ_CHECK(q != NULL);
	memcpy(q, data, size);
	memset(a, 0, objsize);
	memset(b, 0, objsize);
	ra = parse(q, size, a, &why);
	rb = parse(q, size, b, &why2);
	FUZZ_CHECK(ra == rb && memcmp(a, b, objsize) == 0);
	if (ra < 0)
		FUZZ_CHECK(why != NULL && why[0] != '\0');
	else
		FUZZ_CHECK(ra == 0);
	free(q);
	return ra;
}
