/*
 * pack_csv.h — the packing table a packing line hands over: which case
 * or pallet holds which item or case, as CSV rows "parent,child".
 *
 * Each field is an aggregation code (its URL, or the 18-digit SSCC) or
 * an item code (its URL, or the 13-character serial); a header row
 * "parent_serial,child_serial" (or "parent,child") may come first, as
 * the mint writes packing.csv. Fields may be quoted as RFC 4180 says.
 * Every row ends with a newline (LF or CRLF): a file that does not was
 * cut short, and is refused. docs/dealers.md describes the format.
 */
#ifndef SCANLOOP_PACK_CSV_H
#define SCANLOOP_PACK_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/code.h"
#include "store/dealer.h"
#include "store/store.h"

#define PACK_ROWS_MAX 50000000	/* rows of one file at most */
#define PACK_FIELD_MAX 1024	/* bytes of one field at most */

/* Reads one field as a code. 0, or -EINVAL with *why. */
int pack_ref_parse(const char *text, size_t len, struct store_pack_ref *out,
    const char **why) __attribute__((warn_unused_result, nonnull));
/* Parses a whole file. Returns 0 with *rows (malloc'd) and *n; or
 * -EINVAL with *why and *line (the line at fault), or -ENOMEM. */
int pack_csv_parse(const char *data, size_t len, struct store_pack_row **rows,
    size_t *n, uint64_t *line, const char **why)
    __attribute__((warn_unused_result, nonnull));
/* A reference as text: the SSCC or the serial (out: 19 bytes). */
void pack_ref_text(const struct store_pack_ref *r, char out[19])
    __attribute__((nonnull));

#endif
