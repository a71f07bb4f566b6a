/*
 * serial_list.h — a list of codes as a person hands it in: one serial (13
 * base32 characters) or code URL a line, the file of `scanloop batch void
 * --serials` (the line camera's rejects, a print house's list).
 *
 * Blank lines and lines starting with '#' are skipped; spaces and tabs
 * around a line and a CR before its LF are ignored. A line with a '/' is a
 * code URL or path (code_parse), any other a bare serial
 * (code_serial_parse).
 */
#ifndef SCANLOOP_SERIAL_LIST_H
#define SCANLOOP_SERIAL_LIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen/code.h"

/* Reads the list from f. Returns 0 with *out (malloc'd, free it; NULL
 * when empty) and *n; -EINVAL with *lineno (1-based) and *why for a line
 * that names no code; -ENOMEM; or -EIO (errno set) when f fails. */
int serial_list_read(FILE *f, uint8_t (**out)[CODE_SERIAL_BYTES],
    size_t *n, size_t *lineno, const char **why)
    __attribute__((warn_unused_result, nonnull));

#endif
