/* record.h — one scan event as exports and reports see it: the stored
 * event (store/store.h) decoded into named fields, with its batch joined.
 * The field order here is the export's column order (docs/export.md); a
 * later version may add fields at the end, never rename or reorder. */
#ifndef SCANLOOP_ANALYTICS_RECORD_H
#define SCANLOOP_ANALYTICS_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define RECORD_SERIAL_MAX 32
#define RECORD_IP_MAX 46		/* INET6_ADDRSTRLEN */

struct scan_record {
	uint64_t event_id;
	int64_t time;			/* Unix microseconds, UTC */
	const char *verdict;		/* genuine, not_active, void, forged,
					 * malformed */
	const char *reason;		/* why, or NULL when none */
	char serial[RECORD_SERIAL_MAX + 1];	/* base32 text, "" if none */
	char gtin[STORE_GTIN_LEN + 1];	/* 14 digits, "" if unknown */
	uint32_t batch_id;		/* 0 if unknown */
	const char *line;		/* the batch's line, NULL if unknown */
	const char *who;		/* human, bot, head, api */
	bool drawcode;			/* came through an inner draw code */
	char ip[RECORD_IP_MAX];		/* as stored, "" if none */
	char visitor[33];		/* hex, "" if none */
	bool has_location;		/* lat, lon, accuracy, location_time */
	double lat;
	double lon;
	float accuracy;			/* metres */
	int64_t location_time;		/* Unix microseconds */
	const char *lang;		/* "" if none */
	const char *ua;			/* whole, as stored; "" if none */
	const char *raw;		/* forged/malformed text, "" if none */
	uint64_t prev_event_id;		/* the code's previous event, 0 */
	/* Not exported as columns: context for EPCIS. */
	const char *base_url;		/* the batch key's code base URL, or
					 * NULL (EPCIS falls back to
					 * https://id.gs1.org) */
};

/*
 * Decoding: a stored event into a record. The decoder reads each event's
 * batch and key in the export's read transaction and keeps them (a small
 * cache by batch id, and every key), so an export reads each batch once.
 * A record's strings point into the decoder or into the event decoded:
 * valid until the next decode or until the event changes.
 */
#define RECORD_BATCH_CACHE 64

struct record_decoder {
	struct store_txn *t;
	struct {
		struct store_batch b;
		bool found;		/* else: no such batch */
		bool used;
	} batches[RECORD_BATCH_CACHE];
	struct store_key *keys[256];	/* lazily read; NULL: not yet */
	bool key_missing[256];
	char line[STORE_LINE_MAX + 1];
	const char *reasons[256];	/* verdict_reason_name by code */
};

/* Starts a decoder over a read transaction (which must outlive it). */
void record_decoder_init(struct record_decoder *d, struct store_txn *t);
/* Frees what the decoder cached. */
void record_decoder_deinit(struct record_decoder *d);
/* Reads the batch of id through the cache: 0, -ENOENT, or a store
 * error. *b points into the cache until the next call. */
int record_batch_txn(struct record_decoder *d, uint32_t id,
    const struct store_batch **b) __attribute__((warn_unused_result));
/* Decodes ev into r. Returns 0 or a negative errno from the store. */
int record_decode_txn(struct record_decoder *d, const struct store_event *ev,
    struct scan_record *r) __attribute__((warn_unused_result));
/* Names who scanned: "head", "bot", "api" or "human" (event flags). */
const char *record_who(uint8_t flags);

#endif
