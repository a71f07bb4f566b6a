/*
 * campaign_internal.h — what the campaign file's parsers share
 * (campaign.c, campaign_checkin.c). Not an API.
 */
#ifndef SCANLOOP_CAMPAIGN_INTERNAL_H
#define SCANLOOP_CAMPAIGN_INTERNAL_H

#include <jansson.h>

#include "rewards/campaign.h"

/* Adds one "field: problem" message to e (NULL: none kept). */
void campaign_err(struct campaign_errors *e, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reports every key of obj that is not in the NULL-terminated keys. */
void campaign_known_keys(json_t *obj, const char *path,
    const char *const *keys, struct campaign_errors *e);
/* Reads a string field of 1 to max bytes into out ("" when absent and not
 * required); false when it is wrong (reported). */
bool campaign_str(json_t *obj, const char *key, const char *field,
    bool required, size_t max, char *out, size_t outlen,
    struct campaign_errors *e);
/* Reads a whole number in [lo, hi] into *out (untouched when absent and
 * not required); false when it is wrong (reported). */
bool campaign_uint(json_t *obj, const char *key, const char *field,
    uint64_t lo, uint64_t hi, bool required, uint64_t *out,
    struct campaign_errors *e);
/* Parses a list of stores at path: "all" (or absent: *all) or 1 to
 * CAMPAIGN_SHOPS_MAX store ids into *ids (malloc'd), *n of them
 * (campaign_checkin.c). */
void campaign_store_ids(json_t *arr, const char *path, bool *all,
    char (**ids)[STORE_ID_MAX + 1], size_t *n, struct campaign_errors *e);
/* Parses the optional "checkin" rules of root into c->checkin
 * (campaign_checkin.c). */
void campaign_checkin_parse(json_t *root, struct campaign *c,
    struct campaign_errors *e);
/* Parses the optional "daily_guarantee" of tier t (object v at path),
 * once the rest of the tier is parsed (campaign_daily.c). */
void campaign_guarantee_parse(json_t *v, const char *path,
    struct campaign_tier *t, struct campaign_errors *e);
/* Parses the optional "group" rules of root into c->group
 * (campaign_group.c). */
void campaign_group_parse(json_t *root, struct campaign *c,
    struct campaign_errors *e);

/* Parses the optional "tags" of the scope object into c->scope_tags
 * (campaign_scope.c). */
void campaign_scope_tags_parse(json_t *scope, struct campaign *c,
    struct campaign_errors *e);

#endif
