/*
 * sqm_testutil.h - helpers shared by the .sqm tests, the fuzz target and the
 * malformed-file generator: a seeded random valid model, field-by-field
 * model equality, and little-endian patching of a file with CRC refresh.
 * Header-only (static functions); include once per program.
 */
#ifndef SPARQ_SQM_TESTUTIL_H
#define SPARQ_SQM_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "fixed.h"
#include "rng.h"
#include "sqm.h"

/* A valid random model: sparse fixed layers with every per-layer width,
 * exponent and shift rule honoured, float layers with pruned zeros, and
 * metadata when with_meta. Returns NULL on allocation failure. */
static inline sq_model *sqt_random_model(uint64_t seed, uint32_t flags, uint32_t n_layers,
				  const uint32_t *dims, int with_meta)
{
	sq_rng rng;
	sq_model *m = NULL;
	sq_err err;
	sq_rng_seed(&rng, seed);
	if (sq_model_new(n_layers, dims, flags, &m, &err))
		return NULL;
	if (flags & SQM_FIXED) {
		unsigned a0 = (unsigned)sq_rng_range(&rng, 2, 16);
		for (uint32_t i = 0; i < dims[0]; i++)
			m->in_exp[i] = (int8_t)sq_rng_range(&rng, -32, 32);
		for (uint32_t l = 0; l < n_layers; l++) {
			sq_qlayer *q = &m->q[l];
			int last = l + 1 == n_layers;
			int fa = sq_layer_in_exp(m, l);
			q->wbits = (uint8_t)sq_rng_range(&rng, 2, 16);
			q->abits_in = (uint8_t)(l == 0 ? a0 : sq_rng_range(&rng, 2, 16));
			q->out_exp = (int8_t)(last ? 0 : sq_rng_range(&rng, -6, 10));
			int8_t e_out = (int8_t)sq_rng_range(&rng, -8, 12);
			for (uint32_t r = 0; r < q->out_dim; r++)
				q->w_exp[r] = last ? e_out
					: (int8_t)(q->out_exp - fa + (int)sq_rng_range(&rng, 0, 20));
			/* about 30 % density, at least one nonzero per layer */
			uint32_t cap = q->in_dim * q->out_dim, nnz = 0;
			uint16_t *col = malloc(cap * sizeof *col);
			int16_t *val = malloc(cap * sizeof *val);
			if (!col || !val) {
				free(col);
				free(val);
				sq_model_free(m);
				return NULL;
			}
			int64_t amax = sq_amax(q->wbits);
			for (uint32_t r = 0; r < q->out_dim; r++) {
				q->row_ptr[r] = nnz;
				for (uint32_t c = 0; c < q->in_dim; c++) {
					if (sq_rng_below(&rng, 10) < 3 || (r == 0 && c == 0)) {
						int64_t v = sq_rng_range(&rng, 1, amax);
						col[nnz] = (uint16_t)c;
						val[nnz++] = (int16_t)(sq_rng_below(&rng, 2) ? v : -v);
					}
				}
				q->bias[r] = sq_rng_range(&rng, -(1 << 20), 1 << 20);
			}
			q->row_ptr[q->out_dim] = nnz;
			if (sq_qlayer_reserve(q, nnz, &err)) {
				free(col);
				free(val);
				sq_model_free(m);
				return NULL;
			}
			memcpy(q->col, col, nnz * sizeof *col);
			memcpy(q->val, val, nnz * sizeof *val);
			free(col);
			free(val);
		}
		sq_model_update_acc_bits(m);
	}
	if (flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < n_layers; l++) {
			sq_flayer *f = &m->f[l];
			for (size_t i = 0; i < (size_t)f->rows * f->in_dim; i++)
				f->w[i] = sq_rng_below(&rng, 4) == 0 ? 0.0f
					: (float)sq_rng_normal(&rng);
			for (uint32_t r = 0; r < f->rows; r++)
				f->b[r] = (float)(0.1 * sq_rng_normal(&rng));
		}
	}
	if (with_meta) {
		char v[32];
		snprintf(v, sizeof v, "%llu", (unsigned long long)seed);
		if (sq_meta_set(m, "env", "CartPole-v1", &err) ||
		    sq_meta_set(m, "seed", v, &err) ||
		    sq_meta_set(m, "note", "\xc3\xa9t\xc3\xa9 = summer, \xe2\x82\xac 5", &err) ||
		    sq_meta_set(m, "empty", "", &err)) {
			sq_model_free(m);
			return NULL;
		}
	}
	return m;
}

/* 1 when a and b are equal field by field (floats bit for bit); else 0 and
 * a description of the first difference in why. */
static inline int sqt_model_equal(const sq_model *a, const sq_model *b, char *why, size_t wn)
{
#define SQT_DIFF(...) do { snprintf(why, wn, __VA_ARGS__); return 0; } while (0)
	if (a->flags != b->flags)
		SQT_DIFF("flags 0x%x vs 0x%x", a->flags, b->flags);
	if (a->n_layers != b->n_layers)
		SQT_DIFF("n_layers %u vs %u", a->n_layers, b->n_layers);
	for (uint32_t i = 0; i <= a->n_layers; i++)
		if (a->dims[i] != b->dims[i])
			SQT_DIFF("dims[%u] %u vs %u", i, a->dims[i], b->dims[i]);
	if (a->flags & SQM_FIXED) {
		if (memcmp(a->in_exp, b->in_exp, a->dims[0]))
			SQT_DIFF("in_exp");
		for (uint32_t l = 0; l < a->n_layers; l++) {
			const sq_qlayer *p = &a->q[l], *q = &b->q[l];
			if (p->in_dim != q->in_dim || p->out_dim != q->out_dim || p->nnz != q->nnz ||
			    p->wbits != q->wbits || p->abits_in != q->abits_in ||
			    p->acc_bits != q->acc_bits || p->out_exp != q->out_exp)
				SQT_DIFF("layer %u scalars", l);
			if (memcmp(p->w_exp, q->w_exp, p->out_dim) ||
			    memcmp(p->bias, q->bias, p->out_dim * sizeof *p->bias) ||
			    memcmp(p->row_ptr, q->row_ptr, (p->out_dim + 1) * sizeof *p->row_ptr))
				SQT_DIFF("layer %u rows", l);
			if (p->nnz && (memcmp(p->col, q->col, p->nnz * sizeof *p->col) ||
				       memcmp(p->val, q->val, p->nnz * sizeof *p->val)))
				SQT_DIFF("layer %u nonzeros", l);
		}
	}
	if (a->flags & SQM_FLOAT) {
		for (uint32_t l = 0; l < a->n_layers; l++) {
			const sq_flayer *p = &a->f[l], *q = &b->f[l];
			if (p->in_dim != q->in_dim || p->rows != q->rows)
				SQT_DIFF("float layer %u shape", l);
			if (memcmp(p->w, q->w, (size_t)p->rows * p->in_dim * sizeof *p->w) ||
			    memcmp(p->b, q->b, p->rows * sizeof *p->b))
				SQT_DIFF("float layer %u values", l);
		}
	}
	if (a->n_meta != b->n_meta)
		SQT_DIFF("n_meta %u vs %u", a->n_meta, b->n_meta);
	for (uint32_t i = 0; i < a->n_meta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) || strcmp(a->meta[i].value, b->meta[i].value))
			SQT_DIFF("metadata entry %u", i);
	return 1;
#undef SQT_DIFF
}

static inline void sqt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void sqt_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void sqt_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t sqt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Sets file_size to len and recomputes the CRC (a hand-made file). */
static inline void sqt_fix_header(uint8_t *buf, size_t len)
{
	sqt_put32(buf + 8, (uint32_t)len);
	sqt_put32(buf + 12, 0);
	sqt_put32(buf + 12, sq_crc32(buf, len));
}

/* Offset of the n-th section (0-based) of a well-formed file, or 0. */
static inline size_t sqt_section(const uint8_t *buf, size_t len, unsigned n)
{
	size_t off = 32;
	for (unsigned i = 0; off + 8 <= len; i++) {
		if (i == n)
			return off;
		off += 8 + ((sqt_get32(buf + off + 4) + 3u) & ~3u);
	}
	return 0;
}

#endif
