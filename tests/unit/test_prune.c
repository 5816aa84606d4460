/*
 * test_prune.c - exact-sparsity pruning (host/prune.c) against plain
 * references: counts of zero weights, the magnitude order (every kept weight
 * at least as large as every pruned one), masks that survive Adam fine-tuning,
 * and Taylor scores of a linear layer, whose gradient is known in closed form.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "prune.h"
#include "rng.h"
#include "testlib.h"

static int make_net(sq_mlp *net, uint32_t n_layers, const uint32_t *dims, uint64_t seed)
{
	sq_err err;
	sq_rng r;
	if (sq_mlp_new(net, n_layers, dims, false, &err))
		return -1;
	sq_rng_seed(&r, seed);
	sq_mlp_init(net, &r);
	return 0;
}

/* Per layer: exactly round(s * n) pruned, all pruned are zero, and the
 * smallest kept |w| >= the largest pruned |w| (original values). */
static int check_layer_order(const sq_mlp *net, const float *orig, const uint8_t *mask,
			     int l, size_t want)
{
	size_t pruned = 0;
	double max_pruned = -1, min_kept = INFINITY;
	for (uint32_t k = 0; k < net->n_layers; k++) {
		if (l >= 0 && (uint32_t)l != k)
			continue;
		size_t n = (size_t)net->rows[k] * net->dims[k];
		for (size_t i = 0; i < n; i++) {
			size_t idx = net->w_off[k] + i;
			double a = fabs((double)orig[idx]);
			if (!mask[idx]) {
				pruned++;
				CHECK(net->params[idx] == 0.0f);
				if (a > max_pruned)
					max_pruned = a;
			} else {
				CHECK(net->params[idx] == orig[idx]);
				if (a < min_kept)
					min_kept = a;
			}
		}
	}
	CHECKF(pruned == want, "layer %d: %zu pruned, want %zu", l, pruned, want);
	CHECK(pruned == 0 || min_kept == INFINITY || min_kept >= max_pruned);
	return 0;
}

static int t_exact_per_layer(void)
{
	const uint32_t dims[] = { 4, 64, 64, 2 };
	const double sp[] = { 0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 1.0, 0.333 };
	sq_mlp net;
	CHECK(make_net(&net, 3, dims, 1) == 0);
	float *orig = malloc(net.n_params * sizeof *orig);
	double *score = malloc(net.n_params * sizeof *score);
	CHECK(orig && score);
	memcpy(orig, net.params, net.n_params * sizeof *orig);
	for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
		sq_err err;
		uint8_t *mask = sq_prune_mask_new(&net);
		memcpy(net.params, orig, net.n_params * sizeof *orig);
		sq_prune_score_magnitude(&net, score);
		CHECKF(sq_prune_select(&net, score, sp[i], SQ_PRUNE_LAYER, mask, &err) == SQ_OK,
		       "%s", err.msg);
		for (int l = 0; l < 3; l++) {
			size_t n = (size_t)net.rows[l] * net.dims[l];
			if (check_layer_order(&net, orig, mask, l, (size_t)llround(sp[i] * (double)n)))
				return 1;
			CHECK(fabs(sq_prune_sparsity(&net, mask, l) -
				   (double)llround(sp[i] * (double)n) / (double)n) < 1e-12);
		}
		/* biases are never pruned */
		for (int l = 0; l < 3; l++)
			for (uint32_t r = 0; r < net.rows[l]; r++)
				CHECK(mask[net.b_off[l] + r] == 1);
		free(mask);
	}
	free(orig);
	free(score);
	sq_mlp_free(&net);
	return 0;
}

static int t_exact_global(void)
{
	const uint32_t dims[] = { 6, 32, 48, 3 };
	sq_mlp net;
	sq_err err;
	CHECK(make_net(&net, 3, dims, 2) == 0);
	float *orig = malloc(net.n_params * sizeof *orig);
	double *score = malloc(net.n_params * sizeof *score);
	uint8_t *mask = sq_prune_mask_new(&net);
	CHECK(orig && score && mask);
	memcpy(orig, net.params, net.n_params * sizeof *orig);
	sq_prune_score_magnitude(&net, score);
	CHECK(sq_prune_select(&net, score, 0.9, SQ_PRUNE_GLOBAL, mask, &err) == SQ_OK);
	size_t total = sq_prune_weight_count(&net, -1);
	CHECK(total == 6 * 32 + 32 * 48 + 48 * 3);
	if (check_layer_order(&net, orig, mask, -1, (size_t)llround(0.9 * (double)total)))
		return 1;
	free(orig);
	free(score);
	free(mask);
	sq_mlp_free(&net);
	return 0;
}

/* Iterative: 0.5 then 0.9 keeps the first mask; going back down is refused. */
static int t_iterative(void)
{
	const uint32_t dims[] = { 4, 16, 2 };
	sq_mlp net;
	sq_err err;
	CHECK(make_net(&net, 2, dims, 3) == 0);
	double *score = malloc(net.n_params * sizeof *score);
	uint8_t *mask = sq_prune_mask_new(&net), *first = malloc(net.n_params);
	CHECK(score && mask && first);
	sq_prune_score_magnitude(&net, score);
	CHECK(sq_prune_select(&net, score, 0.5, SQ_PRUNE_LAYER, mask, &err) == SQ_OK);
	memcpy(first, mask, net.n_params);
	/* new scores that would favour the pruned weights: they stay pruned */
	for (size_t i = 0; i < net.n_params; i++)
		score[i] = first[i] ? 1.0 / (1.0 + i) : 100.0;
	CHECK(sq_prune_select(&net, score, 0.9, SQ_PRUNE_LAYER, mask, &err) == SQ_OK);
	for (size_t i = 0; i < net.n_params; i++)
		CHECK(first[i] || !mask[i]);
	CHECK(fabs(sq_prune_sparsity(&net, mask, 0) - 58.0 / 64.0) < 1e-12); /* round(57.6) */
	CHECK(fabs(sq_prune_sparsity(&net, mask, 1) - 29.0 / 32.0) < 1e-12); /* round(28.8) */
	CHECK(sq_prune_select(&net, score, 0.5, SQ_PRUNE_LAYER, mask, &err) == SQ_E_INVALID);
	CHECK(strstr(err.msg, "layer 0") != NULL);
	CHECK(sq_prune_select(&net, score, 1.5, SQ_PRUNE_LAYER, mask, &err) == SQ_E_INVALID);
	free(score);
	free(mask);
	free(first);
	sq_mlp_free(&net);
	return 0;
}

/* Adam with the mask: pruned weights stay exactly zero while the rest move. */
static int t_mask_survives_finetune(void)
{
	const uint32_t dims[] = { 4, 32, 32, 2 };
	sq_mlp net;
	sq_mlp_ws ws;
	sq_adam opt;
	sq_err err;
	sq_rng r;
	CHECK(make_net(&net, 3, dims, 4) == 0);
	CHECK(sq_mlp_ws_new(&ws, &net, 32, &err) == SQ_OK);
	CHECK(sq_adam_new(&opt, net.n_params, 1e-2f, &err) == SQ_OK);
	double *score = malloc(net.n_params * sizeof *score);
	uint8_t *mask = sq_prune_mask_new(&net);
	float *grad = malloc(net.n_params * sizeof *grad), *before = malloc(net.n_params * sizeof *before);
	float x[32 * 4], tgt[32 * 2], dq[32 * 2];
	CHECK(score && mask && grad && before);
	sq_prune_score_magnitude(&net, score);
	CHECK(sq_prune_select(&net, score, 0.9, SQ_PRUNE_LAYER, mask, &err) == SQ_OK);
	memcpy(before, net.params, net.n_params * sizeof *before);
	sq_rng_seed(&r, 9);
	for (int step = 0; step < 200; step++) {
		for (int i = 0; i < 32 * 4; i++)
			x[i] = (float)sq_rng_normal(&r);
		for (int b = 0; b < 32; b++) {
			tgt[2 * b] = x[4 * b] + x[4 * b + 1];
			tgt[2 * b + 1] = x[4 * b + 2] - x[4 * b + 3];
		}
		const float *q = sq_mlp_forward(&net, &ws, x, 32);
		sq_mse_loss(q, tgt, 64, dq);
		memset(grad, 0, net.n_params * sizeof *grad);
		sq_mlp_backward(&net, &ws, dq, grad);
		sq_adam_step(&opt, net.params, grad, mask);
	}
	size_t moved = 0;
	for (size_t i = 0; i < net.n_params; i++) {
		if (!mask[i])
			CHECK(net.params[i] == 0.0f);
		else
			moved += net.params[i] != before[i];
	}
	CHECKF(moved >= 20, "only %zu of %zu parameters moved", moved, net.n_params);
	CHECK(fabs(sq_prune_sparsity(&net, mask, -1) -
		   (double)(llround(0.9 * 128) + llround(0.9 * 1024) + llround(0.9 * 64)) / 1216.0) < 1e-12);
	free(score);
	free(mask);
	free(grad);
	free(before);
	sq_adam_free(&opt);
	sq_mlp_ws_free(&ws);
	sq_mlp_free(&net);
	return 0;
}

/* Taylor scores of one linear layer: d(mean_b Q_k)/dw_kc = mean_b x_bc, so
 * score[w_kc] = sum over batches |w_kc * mean_b x_bc|; the bias gets
 * sum over batches |b_k|. */
static int t_taylor_linear(void)
{
	const uint32_t dims[] = { 5, 3 };
	sq_mlp net;
	sq_err err;
	sq_rng r;
	CHECK(make_net(&net, 1, dims, 5) == 0);
	size_t n = 40;
	uint32_t B = 16; /* batches of 16, 16, 8 */
	float *x = malloc(n * 5 * sizeof *x);
	double *score = malloc(net.n_params * sizeof *score);
	CHECK(x && score);
	sq_rng_seed(&r, 6);
	for (size_t i = 0; i < n * 5; i++)
		x[i] = (float)(sq_rng_normal(&r) + 0.3);
	CHECK(sq_prune_score_taylor(&net, x, n, B, score, &err) == SQ_OK);
	for (uint32_t k = 0; k < 3; k++) {
		for (uint32_t c = 0; c < 5; c++) {
			double ref = 0;
			for (size_t s0 = 0; s0 < n; s0 += B) {
				size_t e = s0 + B < n ? s0 + B : n;
				double mean = 0;
				for (size_t b = s0; b < e; b++)
					mean += x[b * 5 + c];
				mean /= (double)(e - s0);
				ref += fabs(net.w[0][k * 5 + c] * mean);
			}
			double got = score[net.w_off[0] + k * 5 + c];
			CHECKF(fabs(got - ref) <= 1e-5 * (1 + ref), "w[%u][%u]: %g vs %g", k, c, got, ref);
		}
		CHECK(fabs(score[net.b_off[0] + k] - 3 * fabs(net.b[0][k])) < 1e-5);
	}
	/* and selection by those scores is exact */
	uint8_t *mask = sq_prune_mask_new(&net);
	CHECK(sq_prune_select(&net, score, 0.6, SQ_PRUNE_LAYER, mask, &err) == SQ_OK);
	CHECK(fabs(sq_prune_sparsity(&net, mask, 0) - 9.0 / 15.0) < 1e-12);
	free(mask);
	free(x);
	free(score);
	sq_mlp_free(&net);
	return 0;
}

int main(void)
{
	RUN(t_exact_per_layer);
	RUN(t_exact_global);
	RUN(t_iterative);
	RUN(t_mask_survives_finetune);
	RUN(t_taylor_linear);
	return tl_done();
}
