/*
 * golden.h - the golden model: the definition of sparq's arithmetic in code.
 *
 * sq_golden_infer runs a fixed-point payload exactly per docs/numerics.md; the
 * RTL and hls_c are checked against it bit for bit. sq_float_forward runs a
 * float payload. Neither allocates: callers pass a scratch sq_golden_ws.
 */
#ifndef SPARQ_GOLDEN_H
#define SPARQ_GOLDEN_H

#include <stdint.h>
#include "sqm.h"

/* Scratch: two activation buffers of SQ_MAX_DIM. */
typedef struct sq_golden_ws {
	int32_t act[2][SQ_MAX_DIM];
	double facts[2][SQ_MAX_DIM + 1];
} sq_golden_ws;

/* Quantizes a float observation (dims[0] values) to q[dims[0]]. */
void sq_quantize_obs(const sq_model *m, const double *obs, int32_t *q);

/* Fixed-point inference from quantized inputs q[dims[0]] (each within
 * +-amax(abits_in of layer 0)). Writes the Q-values (accumulators) to
 * qv[dims[n_layers]] and returns the action (argmax, lowest index on ties).
 * If trace is not NULL, trace[l] receives layer l's outputs (hidden: the
 * requantized activations; last: the accumulators), each an array of
 * dims[l+1]; pass NULL when not needed. */
uint32_t sq_golden_infer(const sq_model *m, const int32_t *q, int64_t *qv,
			 sq_golden_ws *ws, int64_t *const *trace);

/* Float forward pass of the float payload (SQM_FLOAT). qv gets dims[L]
 * Q-values (dueling already combined); returns the argmax. */
uint32_t sq_float_forward(const sq_model *m, const double *obs, double *qv,
			  sq_golden_ws *ws);

/* Q-value of the fixed payload as a float, for display: acc * 2^-exp. */
double sq_q_to_double(const sq_model *m, uint32_t row, int64_t acc);

#endif
