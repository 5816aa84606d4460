/*
 * nn.h - the float MLP the trainer and the compressor train: batched forward
 * and backward passes, Adam, Huber loss, gradient-norm clipping.
 *
 * The network is a stack of dense layers with ReLU on every hidden layer and
 * a linear output; optionally the last layer holds dueling heads (row 0 the
 * value head, rows 1..n the advantage head, Q = V + A - mean A), which is the
 * DUELING float payload of docs/model-format.md. All parameters live in one
 * float block (params), so gradients, Adam moments and pruning masks are
 * plain arrays of the same length and layout:
 *
 *     for l in 0..L-1:  w[l] (rows[l] x dims[l], row-major), then b[l] (rows[l])
 *
 * which is also the order of the FLOAT_LAYER sections of a .sqm file.
 *
 * Arithmetic is IEEE binary32 (like the PyTorch baselines), with a fixed
 * summation order, so one seed gives the same weights on every run. Nothing
 * here allocates after *_new: a training step is allocation-free. Errors:
 * negative SQ_E* codes with one line in an sq_err (sqm.h).
 */
#ifndef SPARQ_NN_H
#define SPARQ_NN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "sqm.h"

typedef struct sq_mlp {
	uint32_t n_layers;                 /* 1..SQ_MAX_LAYERS */
	uint32_t dims[SQ_MAX_LAYERS + 1];  /* dims[0] inputs .. dims[L] actions */
	bool dueling;                      /* last layer has dims[L]+1 rows */
	uint32_t rows[SQ_MAX_LAYERS];      /* output rows of layer l */
	size_t w_off[SQ_MAX_LAYERS];       /* offset of w[l] in params/grad */
	size_t b_off[SQ_MAX_LAYERS];       /* offset of b[l] in params/grad */
	size_t n_params;                   /* length of params */
	float *params;                     /* owned */
	float *w[SQ_MAX_LAYERS];           /* = params + w_off[l] */
	float *b[SQ_MAX_LAYERS];           /* = params + b_off[l] */
} sq_mlp;

/* Builds an MLP of the given shape with zero parameters. dims[0..n_layers],
 * each 1..SQ_MAX_DIM. Returns SQ_OK or SQ_E_INVALID / SQ_E_NOMEM. */
int sq_mlp_new(sq_mlp *net, uint32_t n_layers, const uint32_t *dims, bool dueling,
	       sq_err *err);
void sq_mlp_free(sq_mlp *net); /* a zeroed or freed sq_mlp is fine */
/* Same shape (layers, dims, dueling)? */
bool sq_mlp_same_shape(const sq_mlp *a, const sq_mlp *b);
/* PyTorch nn.Linear default: w and b uniform in +-1/sqrt(fan_in). */
void sq_mlp_init(sq_mlp *net, sq_rng *rng);
/* dst = src (same shape). */
void sq_mlp_copy(sq_mlp *dst, const sq_mlp *src);
/* dst = tau*src + (1-tau)*dst, element by element (Polyak / soft update). */
void sq_mlp_polyak(sq_mlp *dst, const sq_mlp *src, float tau);

/* From the float payload of m (SQM_FLOAT; DUELING honoured). */
int sq_mlp_from_model(const sq_model *m, sq_mlp *net, sq_err *err);
/* A new model with the float payload of net (flags FLOAT, plus DUELING when
 * net->dueling) and no metadata. Caller frees with sq_model_free. */
int sq_mlp_to_model(const sq_mlp *net, sq_model **out, sq_err *err);

/* Workspace for batches of up to cap rows: the activations of the last
 * forward pass (kept for backward) and scratch. */
typedef struct sq_mlp_ws {
	uint32_t cap;                     /* max batch */
	uint32_t batch;                   /* rows of the last forward */
	float *act[SQ_MAX_LAYERS + 1];    /* act[0] input copy, act[l+1] layer l
					   * output (post-ReLU; last: raw rows) */
	float *q;                         /* [cap * dims[L]] Q-values */
	float *wt;                        /* transposed weights, largest layer */
	float *d[2];                      /* backward deltas */
	float *block;                     /* owned allocation */
} sq_mlp_ws;

int sq_mlp_ws_new(sq_mlp_ws *ws, const sq_mlp *net, uint32_t cap, sq_err *err);
void sq_mlp_ws_free(sq_mlp_ws *ws);

/* Forward pass of B (1..ws->cap) input rows x[B * dims[0]]. Returns the
 * Q-values, B rows of dims[L] (dueling combined), inside ws (valid until
 * the next forward on ws). */
const float *sq_mlp_forward(const sq_mlp *net, sq_mlp_ws *ws, const float *x, uint32_t B);

/* Backward pass of the last forward on ws: dq[B * dims[L]] is dLoss/dQ.
 * ADDS the parameter gradient into grad[n_params] (zero it first). */
void sq_mlp_backward(const sq_mlp *net, sq_mlp_ws *ws, const float *dq, float *grad);

/* Greedy action for one observation (argmax, lowest index on ties). If q is
 * not NULL it receives the dims[L] Q-values. */
uint32_t sq_mlp_act(const sq_mlp *net, sq_mlp_ws *ws, const float *x, float *q);

/* Argmax of n values, lowest index on ties. */
uint32_t sq_argmax_f(const float *v, uint32_t n);

/* Huber loss (smooth L1, delta 1, as PyTorch smooth_l1_loss) of
 * q[b*n_out + act[b]] against target[b], averaged over B rows. Writes
 * dLoss/dQ into dq[B * n_out] (zero except at the taken actions). Returns
 * the loss. */
float sq_huber_loss(const float *q, uint32_t n_out, const uint32_t *act,
		    const float *target, uint32_t B, float *dq);

/* Mean squared error over all B*n values of q against target (distillation),
 * with its gradient into dq. Returns the loss. */
float sq_mse_loss(const float *q, const float *target, size_t n, float *dq);

/* Global L2 norm of g[n]; when it exceeds max_norm (> 0), scales g down to
 * max_norm (as torch.nn.utils.clip_grad_norm_). Returns the norm before. */
float sq_grad_clip(float *g, size_t n, float max_norm);

/* Adam (PyTorch semantics, bias-corrected, no weight decay). */
typedef struct sq_adam {
	size_t n;
	float lr, beta1, beta2, eps;   /* defaults 1e-3, 0.9, 0.999, 1e-8 */
	uint64_t t;                    /* steps taken */
	float *m, *v;                  /* [n] moments, owned */
} sq_adam;

int sq_adam_new(sq_adam *o, size_t n, float lr, sq_err *err);
void sq_adam_free(sq_adam *o);
/* One update of p[n] with gradient g[n]. mask NULL, or n bytes where 0 marks a
 * pruned parameter: it is forced to 0 and its moments stay 0. */
void sq_adam_step(sq_adam *o, float *p, const float *g, const uint8_t *mask);

#endif
