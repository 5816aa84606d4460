/*
 * sqm_internal.h - checks shared by sqm_validate.c (whole models), the reader
 * (one section at a time, so it reports the first problem in file order) and
 * sqm_model.c (metadata setters). Not part of the public interface (sqm.h).
 *
 * Each check returns SQ_OK or a negative code with one line in err that names
 * the place ("layer 2 row 5: ..."), without a file-name prefix.
 */
#ifndef SPARQ_SQM_INTERNAL_H
#define SPARQ_SQM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqm.h"

/* flags, n_layers and dims (the header and TOPOLOGY rules). */
int sqm_check_topology(uint32_t flags, uint32_t n_layers, const uint32_t *dims, sq_err *err);
/* Input exponents (FIXED only). */
int sqm_check_input(const sq_model *m, sq_err *err);
/* Fixed layer l; needs layers 0..l-1 valid (their out_exp give fa[l]). */
int sqm_check_qlayer(const sq_model *m, uint32_t l, sq_err *err);
/* Float layer l. */
int sqm_check_flayer(const sq_model *m, uint32_t l, sq_err *err);
/* Metadata: count, keys, values, uniqueness. */
int sqm_check_meta(const sq_model *m, sq_err *err);

/* Key rule: 1..SQ_MAX_KEY bytes of printable ASCII (0x20..0x7e), no '='. */
bool sqm_key_ok(const uint8_t *k, size_t n);
/* Well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF) without
 * NUL bytes. */
bool sqm_utf8_ok(const uint8_t *s, size_t n);

/* Byte sizes of the layout (docs/model-format.md), shared by the writer and
 * the reader. Section payload lengths exclude the 8-byte section header. */
#define SQM_SEC_HDR 8u
#define SQM_QLAYER_HDR 20u  /* index, in_dim, out_dim, nnz, 4 x u8 */
#define SQM_FLAYER_HDR 12u  /* index, in_dim, rows */
#define SQM_MAX_SECTIONS 1024u

static inline uint64_t sqm_pad4(uint64_t n)
{
	return (n + 3u) & ~(uint64_t)3u;
}

/* FIXED_LAYER payload: header, w_exp, pad, bias, row_ptr, col, val. */
static inline uint64_t sqm_qlayer_len(uint32_t out_dim, uint32_t nnz)
{
	return sqm_pad4(SQM_QLAYER_HDR + (uint64_t)out_dim) + 8u * (uint64_t)out_dim +
	       4u * ((uint64_t)out_dim + 1u) + 4u * (uint64_t)nnz;
}

/* FLOAT_LAYER payload: header, w, b. */
static inline uint64_t sqm_flayer_len(uint32_t in_dim, uint32_t rows)
{
	return SQM_FLAYER_HDR + 4u * (uint64_t)rows * in_dim + 4u * (uint64_t)rows;
}

#endif
