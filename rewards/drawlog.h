/*
 * drawlog.h — the exported form of a campaign's draw log.
 *
 * `scanloop export draws --format jsonl` writes, per campaign, one header
 * object (type "campaign": the campaign's id, its seed commitment, the
 * number of draws and its stored configuration) and then one object per
 * draw (type "draw"), in sequence order. `scanloop campaign audit --log`
 * and docs/audit_draws.py read it back; docs/draws.md lists every field.
 * Functions that resolve a time zone set TZ for a moment: not
 * thread-safe.
 */
#ifndef SCANLOOP_DRAWLOG_H
#define SCANLOOP_DRAWLOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rewards/campaign.h"
#include "store/store.h"

#define DRAWLOG_DATE_LEN 11		/* "2026-06-01" */

/* "online", "open", "refused" (or "?"). */
const char *drawlog_kind_name(int kind);
/* "visitor_day", "ip_hour", "visitor_wins", or NULL for none. */
const char *drawlog_reason_name(int reason);
/* An outcome byte as text: the tier id, "miss", "ticket" or "refused". */
const char *drawlog_outcome_name(const struct campaign *c, unsigned outcome);
/* The days since 1970-01-01 of the campaign's first local day, for
 * drawlog_date_text. Returns 0, or -ENOENT without the time zone. Sets
 * TZ for a moment. */
int drawlog_day0(const struct campaign *c, int64_t *day0);
/* Formats the local date of day index day ("2026-06-01"). */
void drawlog_date_text(int64_t day0, uint32_t day, char out[DRAWLOG_DATE_LEN]);

/* The header object of a campaign's exported log: type, campaign,
 * commitment, draws (the count), config (the stored configuration).
 * NULL if the configuration is not JSON. */
json_t *drawlog_header_json(const struct store_campaign *hdr,
    const char *config, size_t len);
/* One draw as an object; date may be NULL. */
json_t *drawlog_draw_json(const struct campaign *c, const struct store_draw *d,
    const char *date);
/* Reads a draw object back. Returns 0, or -EINVAL with why. */
int drawlog_draw_from_json(const struct campaign *c, json_t *o,
    struct store_draw *d, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif
