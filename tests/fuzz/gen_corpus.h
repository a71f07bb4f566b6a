/*
 * gen_corpus.h — what gen_corpus.c shares with gen_corpus_rewards.c, the
 * writer of the rewards targets' seeds.
 */
#ifndef SCANLOOP_GEN_CORPUS_H
#define SCANLOOP_GEN_CORPUS_H

#include <stddef.h>

/* Writes one seed file root/target/name (gen_corpus.c). */
void gen_put(const char *target, const char *name, const void *data,
    size_t len);
/* Writes one text seed. */
void gen_puts(const char *target, const char *name, const char *text);

/* Seeds of the campaign file parser (gen_corpus_rewards.c). */
void gen_campaign_parse(void);
/* Seeds of the draw log reader: real exported logs of draws made in a
 * temporary store under tmp, and broken copies. */
void gen_drawlog(const char *tmp);

/* Seeds of the settlement statement reader (gen_corpus_settle.c). */
void gen_statement(void);

#endif
