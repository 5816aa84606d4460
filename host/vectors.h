/*
 * vectors.h - the shared test vectors: quantized observations that the golden
 * model, the RTL co-simulation and hls_c all run, so a mismatch found in one
 * place can be replayed in the others from (model, seed, index).
 */
#ifndef SPARQ_VECTORS_H
#define SPARQ_VECTORS_H

#include <stdint.h>

#include "sqm.h"

/* Fills q[n * dims[0]] (vector v at q + v*dims[0]) with quantized inputs of
 * model m (SQM_FIXED), each within +-amax(abits_in of layer 0):
 *   0 all zero, 1 all +amax, 2 all -amax, 3 alternating +amax/-amax,
 *   4 all +1, 5 all -1,
 *   6.. random: uniform in [-amax, amax], sparse (most features 0), or huge
 *       float observations (with some NaN and inf) run through the input
 *       quantization so the clip saturates.
 * Deterministic in seed (host/rng.h); vectors 0..5 do not depend on it. */
void sq_make_vectors(const sq_model *m, uint64_t seed, uint32_t n, int32_t *q);

#endif
