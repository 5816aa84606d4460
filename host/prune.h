/*
 * prune.h - pruning of a float MLP (nn.h) to an exact sparsity.
 *
 * A mask is one byte per parameter of the network, in the nn.h params layout
 * (w[l] then b[l] per layer): 1 keeps the parameter, 0 prunes it. Biases are
 * never pruned. sq_adam_step takes the same mask, so pruned weights stay
 * exactly zero through fine-tuning.
 *
 * Sparsity counts weights only: the fraction of weights whose mask is 0.
 * Selection reaches it exactly: per layer, round(s * weights_l) pruned weights
 * in every layer; global, round(s * weights) pruned weights over all layers.
 * Weights already pruned stay pruned (iterative schedules only add to the
 * mask). Lowest score goes first; equal scores go in parameter order, so the
 * result is deterministic.
 */
#ifndef SPARQ_PRUNE_H
#define SPARQ_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"
#include "sqm.h"

typedef enum sq_prune_method {
	SQ_PRUNE_MAGNITUDE = 0, /* score |w| */
	SQ_PRUNE_TAYLOR = 1,    /* score sum over batches and actions of
				 * |w * d(mean Q_k)/dw| on policy states */
} sq_prune_method;

typedef enum sq_prune_scope {
	SQ_PRUNE_LAYER = 0,  /* the same sparsity in every layer */
	SQ_PRUNE_GLOBAL = 1, /* one threshold over all weights */
} sq_prune_scope;

/* A mask of net->n_params bytes, all 1 (nothing pruned); caller frees. The
 * weights that are exactly 0 in net are NOT marked: call sq_prune_select. */
uint8_t *sq_prune_mask_new(const sq_mlp *net);

/* Zeroes every parameter whose mask byte is 0. */
void sq_prune_apply(sq_mlp *net, const uint8_t *mask);

/* Fraction of weights pruned by mask: in layer l, or over all layers when
 * l < 0. */
double sq_prune_sparsity(const sq_mlp *net, const uint8_t *mask, int l);

/* Weights of layer l (l < 0: all layers). */
size_t sq_prune_weight_count(const sq_mlp *net, int l);

/* Magnitude scores: score[i] = |params[i]| for every parameter. */
void sq_prune_score_magnitude(const sq_mlp *net, double *score);

/*
 * Taylor scores on states[n_states * dims[0]] in batches of batch rows:
 * score[i] = sum over batches and actions k of |w_i * d(mean_b Q_k(s_b))/dw_i|,
 * the first-order change of the batch's mean Q-values when w_i is removed.
 * Returns SQ_OK or a negative code (SQ_E_NOMEM, SQ_E_INVALID).
 */
int sq_prune_score_taylor(const sq_mlp *net, const float *states, size_t n_states,
			  uint32_t batch, double *score, sq_err *err);

/*
 * Adds to mask the lowest-score weights until the sparsity (per layer or
 * global) is exactly round(sparsity * count) weights; 0 <= sparsity <= 1.
 * Then zeroes the pruned parameters of net. SQ_E_INVALID when the mask
 * already prunes more than the target in a layer (per layer) or overall.
 */
int sq_prune_select(sq_mlp *net, const double *score, double sparsity,
		    sq_prune_scope scope, uint8_t *mask, sq_err *err);

#endif
