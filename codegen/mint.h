/*
 * mint.h — minting a batch: serials, signatures, images, store, print job.
 *
 * The pipeline: draw every serial with the CSPRNG; sort them (radix) to
 * find duplicates and serials the store already has, and redraw those;
 * sign and render on all cores in blocks while one writer thread streams
 * codes.csv in print order; insert the codes into the store in sorted
 * chunks (local B-tree inserts); write the manifest; flush the job; make
 * the batch visible; rename the job into place. docs/store.md explains
 * the cost of each step.
 */
#ifndef SCANLOOP_MINT_H
#define SCANLOOP_MINT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "store/store.h"

#define MINT_MAX_CODES 100000000ULL
#define MINT_AGG_SIZE_MAX 1000000	/* items per case, cases per pallet */

struct mint_params {
	struct store *st;
	const struct keypair *kp;
	const char *base_url;
	char gtin[GTIN_LEN + 1];
	uint64_t count;
	const char *jobdir;
	const char *line;		/* production line name, may be NULL */
	bool png;
	bool svg;
	int module_px;
	int ecc;			/* QRecLevel */
	const uint8_t *seal_pk;		/* print house key, or NULL */
	bool draw_codes;		/* also mint inner draw codes */
	const uint8_t *drawcode_key;	/* 32 bytes, with draw_codes */
	unsigned threads;		/* 0: one per core */
	/* Called from the writer thread, at most a few times a second, and
	 * once with done == total at the end of each phase: "signing" (or
	 * "signing, rendering images" with png or svg), "storing", "storing
	 * draw codes". */
	void (*progress)(const char *phase, uint64_t done, uint64_t total,
	    void *arg);
	void *progress_arg;
	/* Aggregation codes (mint_agg.c): one case code per case_size
	 * items (0: none) and one pallet code per pallet_size cases (0:
	 * none), SSCCs of company_prefix. */
	uint64_t case_size;
	uint64_t pallet_size;
	const char *company_prefix;
	/* Set by a signal handler to stop the mint cleanly. */
	volatile sig_atomic_t *cancel;
};

struct mint_result {
	uint32_t batch_id;
	int qr_version;
	char codes_sha256[65];
	char draw_codes_sha256[65];	/* with draw codes */
	int64_t created;
	double seconds;
	uint64_t cases;			/* case codes minted */
	uint64_t pallets;		/* pallet codes minted */
	char first_sscc[19];		/* the first case's SSCC */
};

/* Runs a mint. Returns 0, or a negative errno with *why; on failure the
 * store holds no part of the batch and JOBDIR does not exist. */
int mint_run(const struct mint_params *p, struct mint_result *r,
    const char **why) __attribute__((warn_unused_result));

#endif
