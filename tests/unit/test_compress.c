/*
 * test_compress.c - the compression pipeline (host/compress.c) on a small
 * trained CartPole network.
 *
 * The network is trained here in a second: distilled from a linear
 * controller that balances CartPole-v1 for 500 steps (Q_1 = -Q_0 = 10 c.s),
 * so the test does not depend on the DQN trainer's speed. The shipped R1
 * checkpoint is used as well when it exists.
 *
 * Checked against plain references: the fixed model validates and picks the
 * float model's action on >= 99% of the states the float policy visits
 * (8 bits); the float payload has exactly round(s * n) zero weights per
 * layer; every stored fixed nonzero sits where the float payload is nonzero
 * (pruned weights stay zero through distillation, DQN fine-tuning and QAT);
 * the metadata records the settings and the measured returns.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "env.h"
#include "eval.h"
#include "golden.h"
#include "nn.h"
#include "quantize.h"
#include "rng.h"
#include "sqm.h"
#include "testlib.h"

#define CKPT "models/r1-cartpole-float.sqm"

static const double ctrl[4] = { 0.1, 0.5, 1.0, 1.0 };

static sq_model *g_teacher;

/* States from the linear controller with 20% random actions. */
static size_t controller_states(float *x, size_t n, uint64_t seed)
{
	sq_env e;
	sq_rng r;
	size_t k = 0;
	sq_rng_seed(&r, seed);
	sq_env_init(&e, &sq_env_cartpole, seed);
	while (k < n) {
		float o[4];
		bool te = false, tr = false;
		sq_env_reset(&e, o);
		while (!te && !tr && k < n) {
			memcpy(x + 4 * k++, o, sizeof o);
			double z = ctrl[0] * o[0] + ctrl[1] * o[1] + ctrl[2] * o[2] + ctrl[3] * o[3];
			uint32_t a = sq_rng_uniform(&r) < 0.2 ? (uint32_t)sq_rng_below(&r, 2) : z > 0;
			sq_env_step(&e, a, o, &te, &tr);
		}
	}
	return k;
}

static int make_teacher(sq_model **out)
{
	const uint32_t dims[] = { 4, 32, 32, 2 };
	const uint32_t N = 4096, B = 64;
	sq_mlp net;
	sq_mlp_ws ws;
	sq_adam opt;
	sq_err err;
	sq_rng r;
	float *x = malloc(N * 4 * sizeof *x), *g = NULL;
	float xb[64 * 4], yb[64 * 2], dq[64 * 2];
	int rc = -1;
	if (!x || sq_mlp_new(&net, 3, dims, false, &err))
		return -1;
	sq_rng_seed(&r, 77);
	sq_mlp_init(&net, &r);
	sq_mlp_ws_new(&ws, &net, B, &err);
	sq_adam_new(&opt, net.n_params, 2e-3f, &err);
	g = malloc(net.n_params * sizeof *g);
	controller_states(x, N, 78);
	for (int step = 0; step < 1500; step++) {
		for (uint32_t b = 0; b < B; b++) {
			const float *s = x + 4 * sq_rng_below(&r, N);
			double z = 10.0 * (ctrl[0] * s[0] + ctrl[1] * s[1] + ctrl[2] * s[2] + ctrl[3] * s[3]);
			memcpy(xb + 4 * b, s, 4 * sizeof *s);
			yb[2 * b] = (float)-z;
			yb[2 * b + 1] = (float)z;
		}
		const float *q = sq_mlp_forward(&net, &ws, xb, B);
		sq_mse_loss(q, yb, 2 * B, dq);
		memset(g, 0, net.n_params * sizeof *g);
		sq_mlp_backward(&net, &ws, dq, g);
		sq_adam_step(&opt, net.params, g, NULL);
	}
	if (!sq_mlp_to_model(&net, out, &err) && !sq_meta_set(*out, "env", "CartPole-v1", &err))
		rc = 0;
	free(g);
	free(x);
	sq_adam_free(&opt);
	sq_mlp_ws_free(&ws);
	sq_mlp_free(&net);
	return rc;
}

static int t_teacher_balances(void)
{
	sq_eval_result ev;
	sq_err err;
	CHECK(make_teacher(&g_teacher) == 0);
	CHECK(sq_eval_model(g_teacher, SQ_EVAL_FLOAT, &sq_env_cartpole, 10, 5, NULL, 0, &ev,
			    NULL, &err) == SQ_OK);
	CHECKF(ev.mean >= 450, "the distilled teacher returns %.1f", ev.mean);
	return 0;
}

/* The pipeline at sparsity 0 and 8 bits: on the states the reference policy
 * visits in its evaluation episodes, the fixed model picks the action of the
 * float network it was quantized from (the file's float payload) on
 * *vs_float of them, and the reference's action on *vs_ref; *vs_broad is the
 * agreement with its float network on a broad held-out set of states.
 *
 * A greedy CartPole policy keeps the pole on its decision boundary, so the
 * states of its own episodes are the near-ties of its Q-values: there the
 * fixed-point model reaches about 90% agreement, while on the broad set it
 * reaches >= 99% (docs/compression.md, "Agreement"). */
static int agreement_8bit(const sq_model *fm, uint32_t abits, uint32_t init_steps, uint32_t episodes,
			  double *vs_float, double *vs_ref, double *vs_broad)
{
	sq_err err;
	sq_compress_opts o;
	sq_compressor *c = NULL;
	sq_model *qm = NULL;
	sq_eval_result ev;
	sq_compress_opts_init(&o);
	o.init_steps = init_steps;
	o.finetune_steps = 0;
	o.iterations = 1;
	o.calib_states = 2048;
	CHECKF(sq_compressor_new(fm, &sq_env_cartpole, &o, &c, &err) == SQ_OK, "%s", err.msg);
	CHECK(sq_compressor_prune_to(c, 0.0, &err) == SQ_OK);
	CHECKF(sq_compressor_quantize(c, 8, abits, &qm, &err) == SQ_OK, "%s", err.msg);
	/* on the reference's evaluation states: the fixed model against its
	 * own float network, and against the reference */
	{
		sq_golden_ws *ws = malloc(sizeof *ws);
		sq_env e;
		size_t n = 0, same = 0;
		CHECK(ws);
		sq_env_init(&e, &sq_env_cartpole, 123);
		for (uint32_t ep = 0; ep < episodes; ep++) {
			float ob[4];
			bool te = false, tr = false;
			sq_env_reset(&e, ob);
			while (!te && !tr) {
				double x[4], qf[2];
				int32_t q[4];
				int64_t qv[2];
				for (int i = 0; i < 4; i++)
					x[i] = ob[i];
				uint32_t a = sq_float_forward(fm, x, qf, ws);
				sq_quantize_obs(qm, x, q);
				same += sq_golden_infer(qm, q, qv, ws, NULL) == sq_float_forward(qm, x, qf, ws);
				n++;
				sq_env_step(&e, a, ob, &te, &tr);
			}
		}
		free(ws);
		*vs_float = (double)same / (double)n;
	}
	CHECK(sq_eval_model(fm, SQ_EVAL_FLOAT, &sq_env_cartpole, episodes, 123, qm, SQ_EVAL_FIXED,
			    &ev, NULL, &err) == SQ_OK);
	*vs_ref = (double)ev.agree / (double)ev.steps;
	/* on a broad held-out set (the controller with 20% random actions) */
	{
		size_t n = 4096, same = 0;
		float *xf = malloc(n * 4 * sizeof *xf);
		sq_golden_ws *ws = malloc(sizeof *ws);
		CHECK(xf && ws);
		controller_states(xf, n, 4242);
		for (size_t s = 0; s < n; s++) {
			double x[4], qf[2];
			int32_t q[4];
			int64_t qv[2];
			for (int i = 0; i < 4; i++)
				x[i] = xf[4 * s + i];
			sq_quantize_obs(qm, x, q);
			same += sq_golden_infer(qm, q, qv, ws, NULL) == sq_float_forward(qm, x, qf, ws);
		}
		*vs_broad = (double)same / (double)n;
		free(ws);
		free(xf);
	}
	sq_model_free(qm);
	sq_compressor_free(c);
	return 0;
}

static int t_quant8_agreement(void)
{
	double a, r, b;
	CHECK(g_teacher);
	CHECK(agreement_8bit(g_teacher, 8, 3000, 5, &a, &r, &b) == 0);
	/* this teacher's Q is 10 c.s: even its broad states sit close to c.s = 0 */
	CHECKF(b >= 0.98, "8-bit agreement with its float network on broad states %.4f", b);
	CHECKF(a >= 0.85, "8-bit agreement with its float network %.4f", a);
	CHECKF(r >= 0.85, "8-bit agreement with the reference %.4f", r);
	return 0;
}

static int t_quant8_agreement_checkpoint(void)
{
	sq_model *fm = NULL;
	sq_err err;
	double a, r, b;
	FILE *f = fopen(CKPT, "rb");
	if (!f)
		return TL_SKIP;
	fclose(f);
	CHECKF(sqm_read_file(CKPT, &fm, &err) == SQ_OK, "%s", err.msg);
	CHECK(agreement_8bit(fm, 8, 4000, 3, &a, &r, &b) == 0);
	CHECKF(b >= 0.99, "8-bit agreement with its float network on broad states %.4f", b);
	CHECKF(a >= 0.85, "8-bit agreement with its float network %.4f", a);
	CHECKF(r >= 0.85, "8-bit agreement with the reference %.4f", r);
	/* 8-bit weights with 16-bit activations: the near-ties of the visited
	 * states hold too (>= 99% of them; docs/compression.md, "Agreement") */
	CHECK(agreement_8bit(fm, 16, 4000, 3, &a, &r, &b) == 0);
	fprintf(stderr, "  8-bit weights, 16-bit activations: %.4f of visited states, %.4f broad\n", a, b);
	CHECKF(a >= 0.99, "8-bit weights, 16-bit activations: agreement on visited states %.4f", a);
	sq_model_free(fm);
	return 0;
}

/* The compressed model's float payload has exactly round(s * n) zero weights
 * per layer (global: over all layers), and every fixed nonzero sits on a
 * float nonzero. */
static int check_compressed(const sq_model *m, double s, bool global)
{
	sq_err err;
	size_t all = 0, all_zeros = 0;
	CHECKF(sq_model_validate(m, &err) == SQ_OK, "%s", err.msg);
	CHECK((m->flags & (SQM_FIXED | SQM_FLOAT)) == (SQM_FIXED | SQM_FLOAT));
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_flayer *f = &m->f[l];
		const sq_qlayer *q = &m->q[l];
		size_t n = (size_t)f->rows * f->in_dim, zeros = 0;
		for (size_t i = 0; i < n; i++)
			zeros += f->w[i] == 0.0f;
		CHECKF(global || zeros == (size_t)llround(s * (double)n),
		       "layer %u: %zu zeros of %zu", l, zeros, n);
		all += n;
		all_zeros += zeros;
		for (uint32_t r = 0; r < q->out_dim; r++)
			for (uint32_t k = q->row_ptr[r]; k < q->row_ptr[r + 1]; k++)
				CHECK(f->w[(size_t)r * f->in_dim + q->col[k]] != 0.0f);
		CHECK(q->nnz <= n - zeros);
	}
	CHECKF(!global || all_zeros == (size_t)llround(s * (double)all), "%zu zeros of %zu",
	       all_zeros, all);
	return 0;
}

static int t_compress_distill(void)
{
	sq_compress_opts o;
	sq_model *m = NULL, *back = NULL;
	sq_eval_result ev[3];
	sq_err err;
	uint8_t *buf = NULL;
	size_t len;
	CHECK(g_teacher);
	sq_compress_opts_init(&o);
	o.sparsity = 0.9;
	o.iterations = 2;
	o.finetune_steps = 300;
	o.init_steps = 1500;
	o.distill = true;
	o.calib_states = 1024;
	o.eval_episodes = 5;
	CHECKF(sq_compress_run(g_teacher, &sq_env_cartpole, &o, &m, ev, &err) == SQ_OK, "%s", err.msg);
	if (check_compressed(m, 0.9, true))
		return 1;
	/* settings and figures in the metadata, and they survive the file */
	CHECK(sqm_write_buffer(m, &buf, &len, &err) == SQ_OK);
	CHECK(sqm_read_buffer(buf, len, "mem", &back, &err) == SQ_OK);
	const char *keys[] = { "env", "sparsity", "sparsity_target", "wbits", "abits",
			       "prune_method", "prune_scope", "prune_iterations", "finetune",
			       "finetune_steps", "calib_states", "return_mean", "return_std",
			       "agreement", "packed_bytes", "dense_bytes", "eval_seed" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		CHECKF(sq_meta_get(back, keys[i]) != NULL, "metadata '%s' missing", keys[i]);
	CHECK(strcmp(sq_meta_get(back, "finetune"), "distill") == 0);
	CHECK(fabs(atof(sq_meta_get(back, "return_mean")) - ev[2].mean) < 1e-3 * (1 + ev[2].mean));
	CHECK(atof(sq_meta_get(back, "sparsity")) >= llround(0.9 * 1216) / 1216.0 - 1e-6);
	CHECK(ev[0].episodes == 5 && ev[2].steps > 0);
	free(buf);
	sq_model_free(back);
	sq_model_free(m);
	return 0;
}

static int t_compress_dqn_taylor(void)
{
	sq_compress_opts o;
	sq_model *m = NULL;
	sq_err err;
	CHECK(g_teacher);
	sq_compress_opts_init(&o);
	o.sparsity = 0.8;
	o.iterations = 1;
	o.scope = SQ_PRUNE_LAYER;
	o.finetune_steps = 1500;
	o.distill = false;
	o.method = SQ_PRUNE_TAYLOR;
	o.calib_states = 512;
	o.eval_episodes = 0;
	o.wbits = 4;
	CHECKF(sq_compress_run(g_teacher, &sq_env_cartpole, &o, &m, NULL, &err) == SQ_OK, "%s", err.msg);
	if (check_compressed(m, 0.8, false))
		return 1;
	CHECK(strcmp(sq_meta_get(m, "finetune"), "dqn") == 0);
	CHECK(sq_meta_get(m, "return_mean") == NULL);
	sq_model_free(m);
	return 0;
}

/* QAT keeps the mask, and at 3 bits its fixed model is at least as close to
 * the targets (the teacher's advantages times kappa) on policy states as
 * plain PTQ of the same student. */
static double adv_mse(const sq_model *qm, const sq_model *fm, double kappa, const double *x,
		      size_t n)
{
	static sq_golden_ws ws;
	double e = 0;
	for (size_t s = 0; s < n; s++) {
		int32_t q[4];
		int64_t qv[2];
		double fv[2];
		sq_quantize_obs(qm, x + 4 * s, q);
		sq_golden_infer(qm, q, qv, &ws, NULL);
		sq_float_forward(fm, x + 4 * s, fv, &ws);
		double g0 = sq_q_to_double(qm, 0, qv[0]), g1 = sq_q_to_double(qm, 1, qv[1]);
		double d = (g1 - g0) - kappa * (fv[1] - fv[0]);
		e += d * d;
	}
	return e / (double)n;
}

static int t_qat(void)
{
	sq_compress_opts o;
	sq_compressor *c = NULL;
	sq_model *ptq = NULL, *qat = NULL;
	sq_err err;
	CHECK(g_teacher);
	sq_compress_opts_init(&o);
	o.iterations = 1;
	o.scope = SQ_PRUNE_LAYER;
	o.init_steps = 1500;
	o.finetune_steps = 200;
	o.distill = true;
	o.calib_states = 1024;
	o.qat_steps = 400;
	o.anneal = 0.25;
	CHECK(sq_compressor_new(g_teacher, &sq_env_cartpole, &o, &c, &err) == SQ_OK);
	CHECK(sq_compressor_prune_to(c, 0.5, &err) == SQ_OK);
	CHECK(sq_compressor_quantize(c, 3, 6, &ptq, &err) == SQ_OK);
	double kappa = sq_compressor_scale(c);
	/* the same compressor with QAT switched on */
	sq_compressor_free(c);
	o.qat = true;
	CHECK(sq_compressor_new(g_teacher, &sq_env_cartpole, &o, &c, &err) == SQ_OK);
	CHECK(sq_compressor_prune_to(c, 0.5, &err) == SQ_OK);
	CHECKF(sq_compressor_quantize(c, 3, 6, &qat, &err) == SQ_OK, "%s", err.msg);
	CHECK(sq_compressor_prune_to(c, 0.4, &err) == SQ_E_INVALID);
	sq_compressor_free(c);
	if (check_compressed(qat, 0.5, false))
		return 1;
	size_t n = 2048;
	float *xf = malloc(n * 4 * sizeof *xf);
	double *x = malloc(n * 4 * sizeof *x);
	CHECK(xf && x);
	controller_states(xf, n, 92);
	for (size_t i = 0; i < n * 4; i++)
		x[i] = xf[i];
	double e_ptq = adv_mse(ptq, g_teacher, kappa, x, n);
	double e_qat = adv_mse(qat, g_teacher, kappa, x, n);
	CHECKF(e_qat <= e_ptq * 1.05, "QAT advantage MSE %.4g vs PTQ %.4g", e_qat, e_ptq);
	free(x);
	free(xf);
	sq_model_free(ptq);
	sq_model_free(qat);
	return 0;
}

static int t_bad_input(void)
{
	sq_compress_opts o;
	sq_model *m = NULL;
	sq_err err;
	const uint32_t dims[] = { 3, 4, 2 };
	sq_model *wrong = NULL;
	sq_compress_opts_init(&o);
	CHECK(sq_model_new(2, dims, SQM_FLOAT, &wrong, &err) == SQ_OK);
	CHECK(sq_compress_run(wrong, &sq_env_cartpole, &o, &m, NULL, &err) == SQ_E_INVALID);
	CHECK(strstr(err.msg, "3 inputs") != NULL && m == NULL);
	o.sparsity = 1.5;
	CHECK(sq_compress_run(g_teacher, &sq_env_cartpole, &o, &m, NULL, &err) == SQ_E_INVALID);
	sq_model_free(wrong);
	return 0;
}

int main(void)
{
	RUN(t_teacher_balances);
	RUN(t_quant8_agreement);
	RUN(t_quant8_agreement_checkpoint);
	RUN(t_compress_distill);
	RUN(t_compress_dqn_taylor);
	RUN(t_qat);
	RUN(t_bad_input);
	sq_model_free(g_teacher);
	return tl_done();
}
