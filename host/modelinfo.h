/*
 * modelinfo.h - the figures `sparq info` reports about a model: per-layer
 * shape, widths, sparsity, shift range, the size figures of
 * docs/model-format.md ("Size figures") and the lane balance of an exported
 * image. Pure computation: no printing, no allocation.
 */
#ifndef SPARQ_MODELINFO_H
#define SPARQ_MODELINFO_H

#include <stdint.h>

#include "export.h"
#include "sqm.h"

typedef struct sq_layer_info {
	uint32_t in_dim, out_dim, nnz;
	double sparsity;          /* 1 - nnz / (in_dim * out_dim) */
	unsigned wbits, abits_in, acc_bits;
	int shift_min, shift_max; /* hidden rows; 0, 0 for the output layer */
	int w_exp_min, w_exp_max;
	unsigned bits_per_nz;     /* W + max(1, ceil(log2(in_dim))) */
	unsigned len_bits;        /* ceil(log2(in_dim + 1)), at least 1 */
	uint64_t packed_bits;     /* nnz * bits_per_nz + rows * (acc_bits + 5 + len_bits) */
	uint64_t dense_bytes;     /* 4 * (in_dim * out_dim + out_dim) */
} sq_layer_info;

/* Figures of fixed layer l of m (SQM_FIXED). */
void sq_layer_info_get(const sq_model *m, uint32_t l, sq_layer_info *li);

/* Whole model: packed bytes = ceil(sum of packed_bits / 8); dense float32
 * bytes = sum of dense_bytes. */
void sq_model_sizes(const sq_model *m, uint64_t *packed_bytes, uint64_t *dense_bytes);

/* Lane balance of layer l of an image: nonzeros per lane (stored entries, not
 * padding) min / mean / max, and the layer's bound ceil(nnz / P). */
typedef struct sq_lane_info {
	uint32_t rows;        /* rows computed (after simplification) */
	uint32_t rounds;      /* rounds of the layer (rows plus padding, over P) */
	uint32_t words;       /* weight words = cycles of the layer's rounds */
	uint64_t bound;       /* ceil(nnz / P) */
	uint32_t nnz_min, nnz_max;
	double nnz_mean;
} sq_lane_info;

void sq_lane_info_get(const sq_model *m, const sq_image *img, uint32_t l, sq_lane_info *li);

/* The lane count a model was made for (metadata "lanes", 1..16), else dflt. */
uint32_t sq_model_lanes(const sq_model *m, uint32_t dflt);

#endif
