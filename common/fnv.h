/*
 * fnv.h — FNV-1a, 32 bits: a quick hash for tables and short tags, where
 * nobody chooses the input to collide (not for anything an attacker
 * feeds).
 */
#ifndef SCANLOOP_FNV_H
#define SCANLOOP_FNV_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of the n bytes at p. */
static inline uint32_t
fnv1a32(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#endif
