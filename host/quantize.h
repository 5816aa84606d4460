/*
 * quantize.h - post-training quantization of a float Q-network into the
 * fixed-point sparse payload of docs/numerics.md.
 *
 * Input: a model with a float payload (SQM_FLOAT, dueling or not) and a
 * calibration set of observations collected from the policy. Output: a new
 * model whose fixed payload passes sq_model_validate:
 *   - dueling heads folded exactly into one plain output layer;
 *   - per-feature input exponents and per-layer activation exponents, powers
 *     of two chosen from a high percentile (default: the maximum) of the
 *     calibration data, so clipping is rare;
 *   - per-row weight exponents from the row's max |w| (layer 0 after folding
 *     the input exponents into the weights), one common exponent for the
 *     output layer; biases at accumulator scale; every hidden shift in 0..31;
 *   - weights that round to zero are dropped (CSR of the nonzeros);
 *   - acc_bits recomputed.
 * The library never prints; errors come back as negative SQ_E* codes with a
 * one-line message in the sq_err.
 */
#ifndef SPARQ_QUANTIZE_H
#define SPARQ_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sqm.h"

typedef struct sq_quant_opts {
	uint8_t wbits[SQ_MAX_LAYERS]; /* weight width of layer l, 2..16 */
	uint8_t abits[SQ_MAX_LAYERS]; /* width of layer l's input activations
				       * (abits[0]: the quantized observation), 2..16 */
	double in_pct;   /* percentile (0 < p <= 100) of |x_i| over the
			  * calibration states that must fit without clipping */
	double act_pct;  /* percentile over states of each hidden layer's
			  * largest activation that must fit */
	bool keep_float; /* also carry the source's float payload (checkpoint) */
	bool center;     /* subtract the mean over actions from the output layer
			  * (W_k - mean_j W_j, b_k - mean_j b_j): the fixed
			  * Q-values become Q_k - mean_j Q_j, every argmax is
			  * unchanged, and the output weights spend their bits on
			  * what tells the actions apart instead of the state
			  * value all actions share */
} sq_quant_opts;

/* Every layer wbits/abits, percentiles 100 (max), keep_float true, center
 * false. */
void sq_quant_opts_init(sq_quant_opts *o, unsigned wbits, unsigned abits);

/*
 * Quantizes the float payload of fm. states holds n_states observations of
 * fm->dims[0] doubles each (row-major); n_states >= 1. On success *out is a
 * new model (caller frees) with SQM_FIXED (plus fm's float payload and flags
 * when o->keep_float) and fm's metadata. Returns SQ_OK or a negative code.
 */
int sq_quantize(const sq_model *fm, const double *states, size_t n_states,
		const sq_quant_opts *o, sq_model **out, sq_err *err);

/*
 * A float-only copy of fm (SQM_FLOAT) with dueling heads folded exactly into
 * one plain output layer (numerics.md "Dueling heads"); a plain copy when fm
 * is not dueling. Metadata is copied.
 */
int sq_quant_fold_dueling(const sq_model *fm, sq_model **out, sq_err *err);

/*
 * Equalizes the hidden units of a plain float model (SQM_FLOAT, not dueling)
 * in place: unit r of hidden layer l gets s_r = 2^k, the largest power of two
 * with s_r * range_r <= the layer's largest range (k <= max_log2), where
 * range_r is unit r's largest activation over the states; its incoming
 * weights and bias are multiplied by s_r and its outgoing weights divided by
 * it. ReLU is positively homogeneous and powers of two scale floats exactly,
 * so the network's function is unchanged bit for bit (barring overflow), and
 * one activation exponent per layer then fits every unit (Nagel et al. 2019,
 * cross-layer equalization, with power-of-two factors). Zeros stay zero.
 * Returns the number of units scaled.
 */
uint32_t sq_quant_equalize(sq_model *fm, const double *states, size_t n_states, int max_log2);

/*
 * Float forward pass of a plain (non-dueling) float payload in double, keeping
 * every layer's output: acts[l] receives layer l's outputs (dims[l+1] values,
 * after ReLU for hidden layers). acts[l] may be NULL for layers not needed.
 * Returns the argmax of the last layer (lowest index on ties).
 */
uint32_t sq_quant_float_acts(const sq_model *fm, const double *obs, double *const *acts);

#endif
