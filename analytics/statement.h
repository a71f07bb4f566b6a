/*
 * statement.h — settlement statements: what a store, a dealer and the
 * brand are owed for a closed period (逐层结算), as JSON or CSV, signed.
 *
 * A statement carries its period (the chain head before and after it, and
 * the period's seal: rewards/settle.h), its lines with each line's prev
 * and hash, and its totals: the count and face value of its lines per
 * currency (group "*"), and per store (a dealer's statement) or per
 * dealer (the brand's). The brand's statement holds every line of the
 * period, so it replays the chain from one head to the other. The last
 * line of the file is an Ed25519 signature by the brand's key over every
 * byte before it: in JSON the member ',\n  "signature": "HEX"' and "\n}\n",
 * in CSV the row "signature,HEX". docs/settlement.md has the formats.
 */
#ifndef SCANLOOP_STATEMENT_H
#define SCANLOOP_STATEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "rewards/settle.h"
#include "store/store.h"

#define STATEMENT_MAX (512u << 20)	/* bytes of a statement verified */

enum statement_kind {
	STATEMENT_STORE,
	STATEMENT_DEALER,
	STATEMENT_BRAND,
};

struct statement {
	int kind;			/* enum statement_kind */
	const char *subject;		/* the store, the dealer, or "brand" */
	const char *name;		/* the store's name, or "" */
	const struct store_settle_period *period;	/* sealed */
	const struct store_settle_line *lines;	/* the subject's, in order */
	size_t nlines;
};

/* One row of a statement's totals. */
struct statement_total {
	char group[STORE_ID_MAX + 1];	/* "*", a store or a dealer */
	char currency[8];
	uint64_t count;
	int64_t amount;			/* hundredths */
};

/* "store", "dealer", "brand"; parses them back (-1 if none). */
const char *statement_kind_name(int kind);
int statement_kind_parse(const char *name);
/* The dealer group of a line: its dealer, or SETTLE_NO_DEALER. */
const char *statement_line_dealer(const struct store_settle_line *l);
/* The totals of a statement's lines, sorted by group ("*" first), then
 * currency; *out is malloc'd. Returns 0 or -ENOMEM. */
int statement_totals(int kind, const struct store_settle_line *lines,
    size_t n, struct statement_total **out, size_t *nout)
    __attribute__((warn_unused_result));
/* Formats a statement as JSON (or CSV), signed with the 64-byte Ed25519
 * secret key, into out. Returns 0 or -ENOMEM. */
int statement_format(const struct statement *s, bool csv,
    const uint8_t secret[64], struct buf *out)
    __attribute__((warn_unused_result));

/* What statement_verify found. */
struct statement_check {
	int kind;
	char subject[STORE_ID_MAX + 1];
	struct store_settle_period period;
	uint64_t lines;
	struct statement_total *totals;	/* malloc'd: statement_check_free */
	size_t ntotals;
	char why[256];			/* why it failed */
};

/* Checks a statement (JSON or CSV) against the brand's public key: its
 * signature, the period's seal, every line's hash and place in the
 * period, the brand's whole chain and the totals. Returns 0, -EBADMSG
 * with c->why, or -ENOMEM. */
int statement_verify(const char *data, size_t len, const uint8_t public[32],
    struct statement_check *c) __attribute__((warn_unused_result));
/* Frees what a check holds. */
void statement_check_free(struct statement_check *c);

#endif
