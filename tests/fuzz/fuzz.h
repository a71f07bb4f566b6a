/*
 * fuzz.h — what the fuzz targets share.
 *
 * Each fuzz_<parser>.c defines LLVMFuzzerTestOneInput. Under clang it links
 * with libFuzzer; under gcc replay.c runs it over the seed corpus. The
 * invariants are checked with FUZZ_CHECK, which aborts even under NDEBUG so
 * that a replay or a fuzzer can never pass over a broken invariant.
 */
#ifndef SCANLOOP_FUZZ_H
#define SCANLOOP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Aborts with the failed condition, whatever NDEBUG says. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: invariant failed: %s\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
		abort();						\
	}								\
} while (0)

/* Seeds (32 bytes with the NUL) of the print house key the job_open
 * target opens with, and of another one; gen_corpus.c seals to the first. */
#define FUZZ_BOX_SEED "scanloop fuzz print house key!!"
#define FUZZ_OTHER_BOX_SEED "another print house, not ours!!"
/* The passphrase of the key_file target and of the seed key files. */
#define FUZZ_PASSPHRASE "fuzz"
/* The seed (32 bytes with the NUL) of every campaign in the drawlog
 * target's seed logs, and the seed its audits run with. */
#define FUZZ_DRAW_SEED "scanloop fuzz draw seed, public"
/* The seed (32 bytes with the NUL) of the brand key that the statement
 * target's seeds are sealed and signed with. */
#define FUZZ_STATEMENT_SEED "scanloop fuzz brand key, public"
/* The sample campaigns (samples/campaigns/, FUZZ_SAMPLES_DIR is set by
 * meson) that the rewards targets and their seeds start from. */
#define FUZZ_SAMPLES 3

struct campaign;

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns this process's private temporary directory, made on first use
 * under $TMPDIR (else /tmp) and removed at exit. Aborts on failure. */
const char *fuzz_tmpdir(void);
/* Joins dir and name into out (PATH_MAX bytes); aborts if too long. */
void fuzz_path(char *out, const char *dir, const char *name);
/* Writes len bytes to path (created or truncated, mode 0600); aborts on
 * failure, since the harness and not the parser is broken then. */
void fuzz_write_file(const char *path, const void *data, size_t len);
/* Replaces libsodium's randomness with a deterministic stream (so that an
 * input always seals to the same bytes); call before sodium_init. */
void fuzz_rng_install(void);
/* Restarts the deterministic stream. */
void fuzz_rng_reset(void);

/* A URL query parser under test: fills out and, on refusal, *why. */
typedef int (*fuzz_query_fn)(const char *q, size_t len, void *out,
    const char **why);
/* Parses an exact-size copy of data (so that ASan sees a read one byte
 * too far) twice with parse, into a and b (objsize bytes each): checks
 * both give the same result and the same fields (no hidden state), a
 * refusal says why and an acceptance is 0. Returns the result. */
int fuzz_query_twice(const uint8_t *data, size_t size, fuzz_query_fn parse,
    void *a, void *b, size_t objsize);

/* fuzz_campaigns.c: the file names of the sample campaigns. */
extern const char *const fuzz_sample_names[FUZZ_SAMPLES];
/* Reads a sample campaign file (NUL-terminated); aborts on failure. */
char *fuzz_sample_read(const char *name, size_t *len);
/* Loads a sample campaign as the CLI does, its time zone resolved into
 * day_starts (sets TZ for a moment); aborts on failure. */
struct campaign *fuzz_sample_campaign(const char *name);

#endif
