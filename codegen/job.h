/*
 * job.h — the print job a mint hands to the print house.
 *
 * A job is written under a temporary name next to its directory and
 * renamed into place only when complete and flushed, so a JOBDIR that
 * exists is a whole job. Sealed to a print house's X25519 public key, the
 * job is instead one stream, JOBDIR/job.sealed: the file key is wrapped with
 * a libsodium sealed box and every record is encrypted with secretstream
 * (XChaCha20-Poly1305), its last record tagged FINAL so truncation shows.
 * No plaintext of a sealed job ever touches the disk.
 */
#ifndef SCANLOOP_JOB_H
#define SCANLOOP_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/keys.h"

#define JOB_SEALED_NAME "job.sealed"
#define JOB_PUBLIC_MAGIC "scanloop-job-public-key v1"

struct job;

/* Starts a job for dir, which must not exist; seal_pk (32 bytes) seals it.
 * Returns 0 or a negative errno with *why set. */
int job_create(const char *dir, const uint8_t *seal_pk, struct job **out,
    const char **why) __attribute__((warn_unused_result));
/* True when the job is sealed (then job_put is single-threaded). */
bool job_is_sealed(const struct job *j);
/* Creates a subdirectory. */
int job_mkdir(struct job *j, const char *rel) __attribute__((warn_unused_result));
/* Writes a whole file. For a plain job any thread may call this. */
int job_put(struct job *j, const char *rel, const void *data, size_t len)
    __attribute__((warn_unused_result));
/* Appends to a streamed file (codes.csv); one thread only. */
int job_append(struct job *j, const char *rel, const void *data, size_t len)
    __attribute__((warn_unused_result));
/* Ends every file and flushes the job to disk (once). */
int job_flush(struct job *j) __attribute__((warn_unused_result));
/* Flushes (unless done) and renames the job into place; frees j. */
int job_commit(struct job *j) __attribute__((warn_unused_result));
/* Removes the temporary job; frees j. NULL is allowed. */
void job_abort(struct job *j);
/* Restores a sealed job into outdir (which must not exist), byte for
 * byte. Returns 0, or a negative errno with *why (-EBADMSG: tampered). */
int job_open_sealed(const char *sealed, const struct keypair *box,
    const char *outdir, const char **why) __attribute__((warn_unused_result));
/* Writes a print house's public key file (JOB_PUBLIC_MAGIC, hex). */
int job_write_public(const char *path, const uint8_t pk[32])
    __attribute__((warn_unused_result));
/* Reads a public key file (or a bare 64-hex-digit line). */
int job_read_public(const char *path, uint8_t pk[32], const char **why)
    __attribute__((warn_unused_result));

#endif
