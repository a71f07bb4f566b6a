/*
 * sign_limit.c — the pure signing limit that tests/bench/mint compares
 * the mint with: crypto_sign_detached over the messages the mint signs
 * ("SCANLOOP1" || header || key_id || GTIN || serial, built by
 * code_message, with serials from the CSPRNG), one thread per core.
 *
 *   sign_limit [-n COUNT] [-t THREADS]
 *
 * Prints the figures (wall time, and the CPU time of the signing alone,
 * which other work on the machine disturbs less) and a last line
 * "codes/s: N".
 */
#include "codegen/code.h"
#include "codegen/keys.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SIGN_DEFAULT_COUNT 1000000UL
#define SIGN_GTIN "04006381333931"

/* One per thread, a cache line apart so that threads share no line. */
struct sign_worker {
	_Alignas(64) pthread_t th;
	const struct keypair *kp;
	const uint8_t *serials;	/* CODE_SERIAL_BYTES each */
	size_t count;
	uint8_t last[CODE_ED25519_TAG_BYTES];
};

/* Signs a worker's share of the messages. */
static void *
sign_run(void *arg)
{
	struct sign_worker *w = arg;
	const uint8_t *sk = keys_secret(w->kp), *serials = w->serials;
	uint8_t msg[CODE_MSG_BYTES], sig[CODE_ED25519_TAG_BYTES];
	size_t count = w->count;
	struct code c;

	memset(&c, 0, sizeof(c));
	memcpy(c.gtin, SIGN_GTIN, sizeof(c.gtin));
	c.version = CODE_VERSION;
	c.scheme = CODE_SCHEME_ED25519;
	c.key_id = w->kp->id;
	for (size_t i = 0; i < count; i++) {
		memcpy(c.serial, serials + i * CODE_SERIAL_BYTES,
		    CODE_SERIAL_BYTES);
		code_message(&c, msg);
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	}
	memcpy(w->last, sig, sizeof(sig));
	return NULL;
}

/* Seconds on the monotonic clock. */
static double
sign_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds of CPU (user + system) of the whole process so far. */
static double
sign_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Parses a positive count. */
static int
sign_parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] == '-' || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Runs the benchmark. */
int
main(int argc, char **argv)
{
	unsigned long count = SIGN_DEFAULT_COUNT, threads = 0;
	struct sign_worker *w = NULL;
	struct keypair *kp = NULL;
	uint8_t *serials = NULL;
	size_t done = 0;
	double t0, t1, c0, c1;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "n:t:h")) != -1) {
		switch (ch) {
		case 'n':
			if (sign_parse(optarg, 100000000UL, &count) < 0)
				goto usage;
			break;
		case 't':
			if (sign_parse(optarg, 1024, &threads) < 0)
				goto usage;
			break;
		case 'h':
			printf("usage: sign_limit [-n COUNT] [-t THREADS]\n");
			return 0;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (sodium_init() < 0) {
		fprintf(stderr, "sign_limit: sodium_init failed\n");
		return 1;
	}
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned long)n : 1;
	}
	if (threads > count)
		threads = count;
	if (keys_generate(1, CODE_SCHEME_ED25519, &kp) < 0 ||
	    (serials = malloc(count * CODE_SERIAL_BYTES)) == NULL ||
	    (w = aligned_alloc(64, threads * sizeof(*w))) == NULL) {
		fprintf(stderr, "sign_limit: out of memory\n");
		goto done;
	}
	randombytes_buf(serials, count * CODE_SERIAL_BYTES);
	memset(w, 0, threads * sizeof(*w));
	for (unsigned long i = 0; i < threads; i++) {
		w[i].kp = kp;
		w[i].count = count / threads + (i < count % threads ? 1 : 0);
		w[i].serials = serials + done * CODE_SERIAL_BYTES;
		done += w[i].count;
	}
	t0 = sign_now();
	c0 = sign_cpu();
	for (unsigned long i = 0; i < threads; i++)
		if (pthread_create(&w[i].th, NULL, sign_run, &w[i]) != 0) {
			fprintf(stderr, "sign_limit: cannot start a thread\n");
			exit(1);
		}
	for (unsigned long i = 0; i < threads; i++)
		pthread_join(w[i].th, NULL);
	t1 = sign_now();
	c1 = sign_cpu();
	printf("sign_limit: %lu Ed25519 signatures of %d-byte messages on %lu "
	    "threads in %.3f s\n", count, CODE_MSG_BYTES, threads, t1 - t0);
	printf("sign_limit: CPU %.3f s (user + system) for the signatures "
	    "alone: %.2f us a code\n", c1 - c0, (c1 - c0) * 1e6 /
	    (double)count);
	printf("codes/s: %.0f\n", (double)count / (t1 - t0));
	rc = 0;
done:
	free(w);
	free(serials);
	keys_free(kp);
	return rc;
usage:
	fprintf(stderr, "usage: sign_limit [-n COUNT] [-t THREADS]\n");
	return 2;
}
