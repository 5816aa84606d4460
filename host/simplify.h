/*
 * simplify.h - exact simplification of a fixed-point model before export
 * (docs/architecture.md "Simplification at export").
 *
 * Two rewrites that leave every Q-value bit for bit unchanged:
 *   - constant rows: a hidden row with no nonzero weight on a varying input
 *     outputs the same value for every observation. Its value times each
 *     weight on it is added to the next layer's biases, and the row is not
 *     computed.
 *   - dead rows: a hidden row that no computed row of the next layer reads
 *     cannot reach the Q-values, and is not computed.
 * Integer sums are exact and the folded bias is a partial sum of the
 * original row, so it is bounded by the same M[r] (numerics.md): acc_bits
 * and the accumulator width rule still hold.
 */
#ifndef SPARQ_SIMPLIFY_H
#define SPARQ_SIMPLIFY_H

#include <stdbool.h>
#include <stdint.h>
#include "sqm.h"

typedef struct sq_simplify {
	/* keep[l][r]: row r of layer l is computed (output layer: always). */
	uint8_t *keep[SQ_MAX_LAYERS];
	/* is_const[l][r]: the row's value is folded into the next layer's
	 * biases (it may still be computed, as a layer's one padding row). */
	uint8_t *is_const[SQ_MAX_LAYERS];
	/* bias[l][r]: the row's bias with its constant inputs folded in. */
	int64_t *bias[SQ_MAX_LAYERS];
	/* n_keep[l]: rows computed; nnz_keep[l]: their weights on computed
	 * inputs (the weights the core stores). */
	uint32_t n_keep[SQ_MAX_LAYERS];
	uint32_t nnz_keep[SQ_MAX_LAYERS];
	uint32_t n_const[SQ_MAX_LAYERS]; /* hidden rows folded as constants */
	uint32_t n_dead[SQ_MAX_LAYERS];  /* hidden rows no computed row reads */
} sq_simplify;

/* Plans the simplification of model m (SQM_FIXED). With enable false the
 * plan keeps every row and every weight (the identity). A hidden layer
 * keeps at least one row, so no layer of the core is empty. */
int sq_simplify_plan(const sq_model *m, bool enable, sq_simplify *s, sq_err *err);
void sq_simplify_free(sq_simplify *s);

/* Whether weight e of layer l is stored: its input is computed and not
 * folded into the bias. */
static inline bool sq_simplify_weight_kept(const sq_simplify *s, const sq_qlayer *L,
					   uint32_t l, uint32_t e)
{
	return l == 0 || (s->keep[l - 1][L->col[e]] && !s->is_const[l - 1][L->col[e]]);
}

#endif
