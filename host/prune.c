/*
 * prune.c - exact-sparsity pruning of an nn.h MLP (prune.h).
 */
#include "prune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint8_t *sq_prune_mask_new(const sq_mlp *net)
{
	uint8_t *m = malloc(net->n_params ? net->n_params : 1);
	if (m)
		memset(m, 1, net->n_params);
	return m;
}

void sq_prune_apply(sq_mlp *net, const uint8_t *mask)
{
	for (size_t i = 0; i < net->n_params; i++)
		if (!mask[i])
			net->params[i] = 0.0f;
}

size_t sq_prune_weight_count(const sq_mlp *net, int l)
{
	size_t n = 0;
	for (uint32_t k = 0; k < net->n_layers; k++)
		if (l < 0 || (uint32_t)l == k)
			n += (size_t)net->rows[k] * net->dims[k];
	return n;
}

double sq_prune_sparsity(const sq_mlp *net, const uint8_t *mask, int l)
{
	size_t pruned = 0, total = 0;
	for (uint32_t k = 0; k < net->n_layers; k++) {
		if (l >= 0 && (uint32_t)l != k)
			continue;
		size_t n = (size_t)net->rows[k] * net->dims[k];
		for (size_t i = 0; i < n; i++)
			pruned += !mask[net->w_off[k] + i];
		total += n;
	}
	return total ? (double)pruned / (double)total : 0.0;
}

void sq_prune_score_magnitude(const sq_mlp *net, double *score)
{
	for (size_t i = 0; i < net->n_params; i++)
		score[i] = fabs((double)net->params[i]);
}

int sq_prune_score_taylor(const sq_mlp *net, const float *states, size_t n_states,
			  uint32_t batch, double *score, sq_err *err)
{
	int rc;
	sq_mlp_ws ws;
	float *grad = NULL, *dq = NULL;
	uint32_t n_out = net->dims[net->n_layers];
	if (!n_states || !batch)
		return sq_fail(err, SQ_E_INVALID, "taylor scores: need states and a batch size >= 1");
	if (batch > n_states)
		batch = (uint32_t)n_states;
	rc = sq_mlp_ws_new(&ws, net, batch, err);
	if (rc)
		return rc;
	grad = malloc(net->n_params * sizeof *grad);
	dq = malloc((size_t)batch * n_out * sizeof *dq);
	if (!grad || !dq) {
		rc = sq_fail(err, SQ_E_NOMEM, "taylor scores: out of memory for %zu parameters",
			     net->n_params);
		goto out_free;
	}
	memset(score, 0, net->n_params * sizeof *score);
	for (size_t s0 = 0; s0 < n_states; s0 += batch) {
		uint32_t B = (uint32_t)(n_states - s0 < batch ? n_states - s0 : batch);
		for (uint32_t k = 0; k < n_out; k++) {
			sq_mlp_forward(net, &ws, states + s0 * net->dims[0], B);
			memset(dq, 0, (size_t)B * n_out * sizeof *dq);
			for (uint32_t b = 0; b < B; b++)
				dq[(size_t)b * n_out + k] = 1.0f / (float)B;
			memset(grad, 0, net->n_params * sizeof *grad);
			sq_mlp_backward(net, &ws, dq, grad);
			for (size_t i = 0; i < net->n_params; i++)
				score[i] += fabs((double)net->params[i] * (double)grad[i]);
		}
	}
	rc = SQ_OK;
out_free:
	free(dq);
	free(grad);
	sq_mlp_ws_free(&ws);
	return rc;
}

struct cand {
	double score;
	size_t idx;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Prunes the lowest-score unpruned weights among the layers selected by
 * (l < 0: all) until `target` of them are pruned. */
static int select_in(sq_mlp *net, const double *score, int l, size_t target,
		     uint8_t *mask, struct cand *buf, sq_err *err)
{
	size_t n = 0, pruned = 0;
	for (uint32_t k = 0; k < net->n_layers; k++) {
		if (l >= 0 && (uint32_t)l != k)
			continue;
		size_t cnt = (size_t)net->rows[k] * net->dims[k];
		for (size_t i = 0; i < cnt; i++) {
			size_t idx = net->w_off[k] + i;
			if (!mask[idx]) {
				pruned++;
				continue;
			}
			double s = score[idx];
			buf[n].score = isnan(s) ? 0.0 : s;
			buf[n].idx = idx;
			n++;
		}
	}
	if (pruned > target) {
		if (l >= 0)
			return sq_fail(err, SQ_E_INVALID,
				       "prune: layer %d already has %zu pruned weights, more than the target %zu",
				       l, pruned, target);
		return sq_fail(err, SQ_E_INVALID,
			       "prune: %zu weights already pruned, more than the target %zu",
			       pruned, target);
	}
	size_t more = target - pruned;
	qsort(buf, n, sizeof *buf, cmp_cand);
	for (size_t i = 0; i < more; i++)
		mask[buf[i].idx] = 0;
	return SQ_OK;
}

int sq_prune_select(sq_mlp *net, const double *score, double sparsity,
		    sq_prune_scope scope, uint8_t *mask, sq_err *err)
{
	int rc = SQ_OK;
	if (!(sparsity >= 0.0 && sparsity <= 1.0))
		return sq_fail(err, SQ_E_INVALID, "prune: sparsity %g outside 0..1", sparsity);
	size_t total = sq_prune_weight_count(net, -1);
	struct cand *buf = malloc((total ? total : 1) * sizeof *buf);
	if (!buf)
		return sq_fail(err, SQ_E_NOMEM, "prune: out of memory for %zu weights", total);
	if (scope == SQ_PRUNE_GLOBAL) {
		rc = select_in(net, score, -1, (size_t)llround(sparsity * (double)total), mask, buf, err);
	} else {
		for (uint32_t l = 0; !rc && l < net->n_layers; l++) {
			size_t n = sq_prune_weight_count(net, (int)l);
			rc = select_in(net, score, (int)l, (size_t)llround(sparsity * (double)n),
				       mask, buf, err);
		}
	}
	free(buf);
	if (!rc)
		sq_prune_apply(net, mask);
	return rc;
}
