/*
 * keys.h — signing keys and their secret files.
 *
 * A key is an Ed25519 key pair (scheme 1), a 32-byte BLAKE2b MAC key
 * (scheme 2), or a print house's X25519 key pair for sealed jobs. Its public part (the Ed25519 public key, or a fingerprint of
 * the MAC key that does not reveal it) goes into the store; its secret goes
 * to a mode-0600 file, encrypted with a passphrase when one is given
 * (Argon2id13 + XChaCha20-Poly1305). Secrets live in sodium_malloc memory,
 * read-only once loaded, and are wiped on free.
 */
#ifndef SCANLOOP_KEYS_H
#define SCANLOOP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/code.h"

/* Not a code scheme: an X25519 key a print house receives jobs with. */
#define KEYS_SCHEME_BOX 0x10

#define KEYS_PUBLIC_BYTES 32
#define KEYS_SEED_BYTES 32
#define KEYS_FILE_MAX 4096
#define KEYS_PASSPHRASE_MAX 1024

struct keypair {
	uint8_t id;
	uint8_t scheme;
	uint8_t public[KEYS_PUBLIC_BYTES];
	/* sodium_malloc: the 32-byte seed, then the 64-byte Ed25519 secret
	 * key, the 32-byte MAC key or the 32-byte X25519 secret key. */
	uint8_t *secret;
};

/* Makes a new random key. Returns 0 or -ENOMEM. */
int keys_generate(uint8_t id, int scheme, struct keypair **out)
    __attribute__((warn_unused_result));
/* Makes the key determined by a 32-byte seed (known-answer vectors). */
int keys_from_seed(uint8_t id, int scheme, const uint8_t seed[KEYS_SEED_BYTES],
    struct keypair **out) __attribute__((warn_unused_result));
/* Wipes and frees a key; NULL is allowed. */
void keys_free(struct keypair *kp);
/* Writes the secret file (mode 0600, refusing to overwrite), encrypted
 * when passphrase is not NULL. Returns 0 or a negative errno. */
int keys_save(const struct keypair *kp, const char *path,
    const char *passphrase, size_t passlen) __attribute__((warn_unused_result));
/* The same; random says the passphrase is a random one from
 * keys_passphrase_new, which needs no costly stretching. */
int keys_save_kdf(const struct keypair *kp, const char *path,
    const char *passphrase, size_t passlen, bool random)
    __attribute__((warn_unused_result));
/* Reads a secret file. Returns 0; -ENOENT/-EACCES…; -EINVAL for a damaged
 * file; -EPERM for a wrong or missing passphrase. *why explains. */
int keys_load(const char *path, const char *passphrase, size_t passlen,
    struct keypair **out, const char **why) __attribute__((warn_unused_result));
/* Returns the secret key bytes (Ed25519 sk, MAC key or X25519 sk). */
const uint8_t *keys_secret(const struct keypair *kp) __attribute__((nonnull));
/* Fills version, scheme, key_id and the tag of a code whose gtin and
 * serial are set. */
void keys_sign(const struct keypair *kp, struct code *c) __attribute__((nonnull));
/* Signs len bytes of msg with the key's scheme: tag gets
 * code_tag_len(scheme) bytes (Ed25519 signature or truncated MAC). */
void keys_sign_bytes(const struct keypair *kp, const uint8_t *msg,
    size_t len, uint8_t tag[CODE_TAG_MAX]) __attribute__((nonnull));
/* Checks an Ed25519 code against a public key: 0 or -EBADMSG. */
int keys_verify_ed25519(const uint8_t public[KEYS_PUBLIC_BYTES],
    const struct code *c) __attribute__((warn_unused_result, nonnull));
/* Checks a MAC code against its key: 0 or -EBADMSG (constant time). */
int keys_verify_mac(const uint8_t key[32], const struct code *c)
    __attribute__((warn_unused_result, nonnull));
/* Reads a passphrase file's first line into sodium_malloc memory. */
int keys_read_passphrase(const char *path, char **pass, size_t *len,
    const char **why) __attribute__((warn_unused_result));
/* Makes a random passphrase and writes it to a new file (mode 0600): what
 * `key new` encrypts a key with by default, so that a print line's mint
 * needs no one to type it. */
#define KEYS_PASSPHRASE_RANDOM_BYTES 32
int keys_passphrase_new(const char *path, char **pass, size_t *len)
    __attribute__((warn_unused_result));
/* Frees a passphrase from keys_read_passphrase. */
void keys_free_passphrase(char *pass);

/*
 * The server's secrets: the key that hashes draw-code tokens and the key
 * that derives claim tokens. Both mint (draw codes) and serve need them;
 * they live beside the signing keys, never in the store, so that a copy of
 * the store can neither recognise a draw code nor redeem a claim.
 */
#define KEYS_SERVER_FILE "server.secret"

struct server_secrets {
	uint8_t drawcode[32];
	uint8_t claim[32];
};

/* Loads the secrets file, creating it (mode 0600) when create is set and
 * it does not exist. The result is sodium_malloc'd and read-only. */
int keys_server_secrets(const char *path, bool create,
    struct server_secrets **out, const char **why)
    __attribute__((warn_unused_result));
/* Wipes and frees them; NULL is allowed. */
void keys_server_secrets_free(struct server_secrets *s);

#endif
