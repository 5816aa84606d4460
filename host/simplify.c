/*
 * simplify.c - exact constant-row folding and dead-row removal (simplify.h).
 *
 * Forward, layer by layer: a hidden row whose every weight sits on a
 * constant input is constant; its value is the row's requantized folded
 * bias. Backward from the output layer: a hidden row is computed when it is
 * not constant and some computed row of the next layer has a weight on it.
 */
#include <stdlib.h>
#include <string.h>
#include "simplify.h"
#include "fixed.h"

void sq_simplify_free(sq_simplify *s)
{
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++) {
		free(s->keep[l]);
		free(s->is_const[l]);
		free(s->bias[l]);
	}
	memset(s, 0, sizeof *s);
}

int sq_simplify_plan(const sq_model *m, bool enable, sq_simplify *s, sq_err *err)
{
	int32_t *cval[SQ_MAX_LAYERS] = { 0 };
	int rc = SQ_OK;

	memset(s, 0, sizeof *s);
	uint8_t **is_const = s->is_const;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		uint32_t n = m->q[l].out_dim;
		s->keep[l] = calloc(n ? n : 1, 1);
		s->bias[l] = malloc((n ? n : 1) * sizeof *s->bias[l]);
		is_const[l] = calloc(n ? n : 1, 1);
		cval[l] = calloc(n ? n : 1, sizeof *cval[l]);
		if (!s->keep[l] || !s->bias[l] || !is_const[l] || !cval[l]) {
			rc = sq_fail(err, SQ_E_NOMEM, "out of memory simplifying the model");
			goto out;
		}
	}

	/* Forward: fold constant inputs into the biases; find constant rows. */
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		bool hidden = l + 1 < m->n_layers;
		for (uint32_t r = 0; r < L->out_dim; r++) {
			int64_t b = L->bias[r];
			bool varying = false;
			for (uint32_t e = L->row_ptr[r]; e < L->row_ptr[r + 1]; e++) {
				if (enable && l > 0 && is_const[l - 1][L->col[e]])
					b += (int64_t)L->val[e] * cval[l - 1][L->col[e]];
				else
					varying = true;
			}
			s->bias[l][r] = b;
			if (enable && hidden && !varying) {
				is_const[l][r] = 1;
				cval[l][r] = sq_requant_relu(b, (unsigned)sq_row_shift(m, l, r),
							     m->q[l + 1].abits_in);
			}
		}
	}

	/* Backward: computed rows, from the output layer down. */
	uint32_t last = m->n_layers - 1;
	for (uint32_t r = 0; r < m->q[last].out_dim; r++)
		s->keep[last][r] = 1;
	for (uint32_t l = last; l-- > 0;) {
		const sq_qlayer *N = &m->q[l + 1];
		uint32_t n = m->q[l].out_dim;
		if (!enable) {
			memset(s->keep[l], 1, n);
			continue;
		}
		for (uint32_t r = 0; r < N->out_dim; r++) {
			if (!s->keep[l + 1][r])
				continue;
			for (uint32_t e = N->row_ptr[r]; e < N->row_ptr[r + 1]; e++)
				if (!is_const[l][N->col[e]])
					s->keep[l][N->col[e]] = 1;
		}
		uint32_t k = 0;
		for (uint32_t r = 0; r < n; r++)
			k += s->keep[l][r];
		if (k == 0 && n > 0)
			s->keep[l][0] = 1; /* no empty layer: row 0 stays, as padding */
	}

	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		for (uint32_t r = 0; r < L->out_dim; r++) {
			if (!s->keep[l][r]) {
				if (is_const[l][r])
					s->n_const[l]++;
				else
					s->n_dead[l]++;
				continue;
			}
			s->n_keep[l]++;
			for (uint32_t e = L->row_ptr[r]; e < L->row_ptr[r + 1]; e++)
				if (sq_simplify_weight_kept(s, L, l, e))
					s->nnz_keep[l]++;
		}
	}
out:
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++)
		free(cval[l]);
	if (rc)
		sq_simplify_free(s);
	return rc;
}
