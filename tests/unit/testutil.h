/*
 * testutil.h — what the unit tests share: temporary directories, files,
 * random test data and the location of tests/vectors/.
 *
 * Helpers abort (through cmocka's fail_msg) on a setup failure, so a test
 * never runs on half-built fixtures.
 */
#ifndef SCANLOOP_TESTUTIL_H
#define SCANLOOP_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "codegen/gtin.h"

struct keypair;
struct store;

#define TU_PATH_MAX 4096

/* Initializes libsodium (sodium_malloc needs it); call first in main. */
void tu_init(void);
/* Creates a fresh directory under /tmp; out holds its path. */
void tu_tmpdir(char out[TU_PATH_MAX]);
/* Opens a new store in a new temporary directory: dir is the directory,
 * db the store's path in it. */
struct store *tu_store_new(char dir[TU_PATH_MAX], char db[TU_PATH_MAX]);
/* Closes a store made by tu_store_new and removes its directory. */
void tu_store_free(struct store *st, const char *dir);
/* Adds the public part of key kp to the store (created at time 1). */
void tu_key_add(struct store *st, const struct keypair *kp);
/* Number of batches (any state) in the store. */
int tu_count_batches(struct store *st);
/* Number of codes (LMDB entries) in the store. */
uint64_t tu_count_codes(struct store *st);
/* Removes a directory tree made by tu_tmpdir (NULL or "" is ignored). */
void tu_rmtree(const char *path);
/* Joins dir and name into out ("dir/name"). */
const char *tu_path(char out[TU_PATH_MAX], const char *dir, const char *name);
/* True when path exists (lstat). */
bool tu_exists(const char *path);
/* Reads a whole file into a malloc'd NUL-terminated buffer. */
char *tu_read(const char *path, size_t *len);
/* Writes a file (replacing it). */
void tu_write(const char *path, const void *data, size_t len);
/* Counts the entries of a directory other than "." and "..". */
int tu_count_entries(const char *dir);
/* Fills buf with random bytes. */
void tu_random(void *buf, size_t len);
/* A random number below n (n > 0) from a fast generator seeded once from
 * tu_random: for tests that draw millions of numbers (tu_random makes a
 * system call each time). */
uint32_t tu_rand(uint32_t n);
/* Makes a random valid 14-digit GTIN. */
void tu_random_gtin(char out[GTIN_LEN + 1]);
/* Path of a file under tests/vectors/ (from SCANLOOP_SRC or the cwd). */
const char *tu_vector_path(char out[TU_PATH_MAX], const char *name);
/* Decodes hex of exactly 2 * n characters; returns 0 or -1. */
int tu_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen);

#endif
