/*
 * randmodel.h - random deployable models, for tests and benchmarks of every
 * part (golden, exporter, RTL, hls_c) without a trained network.
 *
 * The model is FIXED, valid (sq_model_validate passes), with exactly
 * round((1 - sparsity) * in * out) nonzeros per layer at random positions and
 * realistic hidden activations: shifts and biases are chosen from the rows'
 * actual accumulator spread over sample inputs (sq_make_vectors), so for random
 * inputs a good share of hidden outputs saturate, a good share are zero after
 * ReLU, and the rest lie in between. Deterministic in the seed.
 */
#ifndef SPARQ_RANDMODEL_H
#define SPARQ_RANDMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "sqm.h"

typedef struct sq_randmodel_opts {
	uint32_t n_layers;                 /* 1..SQ_MAX_LAYERS */
	uint32_t dims[SQ_MAX_LAYERS + 1];  /* each 1..SQ_MAX_DIM */
	double sparsity;                   /* share of zero weights, 0 .. 1 */
	uint8_t wbits[SQ_MAX_LAYERS];      /* per layer, 2..16 */
	uint8_t abits[SQ_MAX_LAYERS];      /* abits_in per layer, 2..16 */
	uint32_t lanes;                    /* recorded as metadata "lanes"; 0 = none */
	uint64_t seed;
	bool dueling_float;                /* also a FLOAT payload with dueling heads */
} sq_randmodel_opts;

/* Default options: 4-64-64-2, sparsity 0.9, 8-bit weights and activations,
 * 8 lanes, seed 7. */
void sq_randmodel_defaults(sq_randmodel_opts *o);

/* Builds the model. Returns SQ_OK and *out (free with sq_model_free), or
 * SQ_E_INVALID with a message naming the bad option, or SQ_E_NOMEM. */
int sq_random_model(const sq_randmodel_opts *o, sq_model **out, sq_err *err);

/* Number of nonzeros the generator puts in an in x out layer. */
uint32_t sq_randmodel_nnz(double sparsity, uint32_t in_dim, uint32_t out_dim);

#endif
