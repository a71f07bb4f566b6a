/*
 * xmalloc.h — allocation that cannot fail, for the CLI and start-up code
 * (tmux's xmalloc.c). Out of memory is fatal. The request path of the
 * server does not use these: it answers 503 instead.
 */
#ifndef SCANLOOP_XMALLOC_H
#define SCANLOOP_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t size) __attribute__((malloc, returns_nonnull));
void *xcalloc(size_t nmemb, size_t size) __attribute__((malloc, returns_nonnull));
void *xreallocarray(void *ptr, size_t nmemb, size_t size) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((malloc, returns_nonnull, nonnull));
int xasprintf(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
