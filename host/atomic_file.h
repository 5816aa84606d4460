/*
 * atomic_file.h - whole-file writes that never leave a half-written file:
 * a temporary file in the same folder, fsync, rename over the target.
 */
#ifndef SPARQ_ATOMIC_FILE_H
#define SPARQ_ATOMIC_FILE_H

#include <stddef.h>

#include "sqm.h"

/* Writes buf[0..len) to path atomically. SQ_OK or SQ_E_IO (temporary file
 * removed, message names the file and the reason). */
int sq_write_atomic(const char *path, const void *buf, size_t len, sq_err *err);

/* Reads a whole file (at most max bytes) into a malloc'd buffer. SQ_OK, or
 * SQ_E_IO / SQ_E_RANGE (too large) / SQ_E_NOMEM. */
int sq_read_whole(const char *path, size_t max, unsigned char **out, size_t *len, sq_err *err);

#endif
