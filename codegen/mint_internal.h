/*
 * mint_internal.h — what mint.c hands its aggregation step (mint_agg.c).
 * Not for use outside codegen/.
 */
#ifndef SCANLOOP_MINT_INTERNAL_H
#define SCANLOOP_MINT_INTERNAL_H

#include "codegen/job.h"
#include "codegen/mint.h"

/* Mints the case and pallet codes of a batch whose codes are stored but
 * not yet visible: cases.csv, pallets.csv and packing.csv into the job,
 * the codes and their packing into the store (visible with the batch).
 * serials are the items' in print order. Returns 0, or a negative errno
 * with *why. */
int mint_agg_run(const struct mint_params *p, struct job *job,
    const uint8_t (*serials)[CODE_SERIAL_BYTES], uint32_t batch_id,
    struct mint_result *r, const char **why)
    __attribute__((warn_unused_result));

#endif
