/*
 * test_dqn.c - the DQN trainer and evaluation:
 *   - a short CartPole run improves the greedy return of its network
 *     (fixed seed; the untrained network is the reference);
 *   - one seed gives the same weights twice, another seed different ones;
 *   - a run saved halfway (mid-episode, wrapped replay buffer, Polyak,
 *     Double DQN, dueling, two envs) and resumed from its files ends with the
 *     same weights, bit for bit, as the run without the interruption;
 *   - a mask (sq_dqn_set_mask) keeps its parameters at zero through the
 *     whole run while the others train;
 *   - evaluation: a model against itself agrees on every state; a 16-bit
 *     quantized copy, run through the golden model, picks the float
 *     network's action on nearly every state.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dqn.h"
#include "eval.h"
#include "quantize.h"
#include "testlib.h"

static double greedy_mean(const sq_mlp *net, const char *env, uint32_t episodes, uint64_t seed)
{
	sq_model *m = NULL;
	sq_err err;
	sq_eval_result r;
	if (sq_mlp_to_model(net, &m, &err))
		return NAN;
	int rc = sq_eval_model(m, SQ_EVAL_FLOAT, sq_env_find(env), episodes, seed, NULL, 0, &r,
			       NULL, &err);
	sq_model_free(m);
	return rc ? NAN : r.mean;
}

static int t_training_improves(void)
{
	sq_dqn_cfg c;
	sq_err err;
	sq_dqn *d;
	CHECK(sq_dqn_defaults(&c, "CartPole-v1", &err) == 0);
	c.seed = 3;
	c.total_steps = 12000;
	c.learning_starts = 1000;
	c.train_freq = 64;
	c.gradient_steps = 32;
	c.expl_fraction = 0.3;
	CHECKF(sq_dqn_new(&c, NULL, &d, &err) == 0, "%s", err.msg);
	double before = greedy_mean(sq_dqn_online(d), c.env, 10, 77);
	CHECK(sq_dqn_run(d, c.total_steps, 1000, NULL, NULL) == 0);
	double after = greedy_mean(sq_dqn_online(d), c.env, 10, 77);
	uint32_t n;
	const sq_dqn_point *cv = sq_dqn_curve(d, &n);
	fprintf(stderr, "  CartPole %llu steps: greedy return %.1f -> %.1f, %u curve points, "
		"last training return %.1f\n", (unsigned long long)c.total_steps, before, after, n,
		cv[n - 1].mean_return);
	CHECK(n == 12 && cv[n - 1].step == 12000);
	CHECK(after >= before + 100 && after >= 150);
	sq_dqn_free(d);
	return 0;
}

static void small_cfg(sq_dqn_cfg *c, uint64_t seed)
{
	sq_err err;
	sq_dqn_defaults(c, "CartPole-v1", &err);
	c->hidden[0] = 16;
	c->hidden[1] = 12;
	c->seed = seed;
	c->total_steps = 3000;
	c->n_envs = 2;
	c->buffer_size = 700; /* wraps */
	c->batch_size = 16;
	c->learning_starts = 300;
	c->train_freq = 2;
	c->gradient_steps = 1;
	c->target_update = 8;
	c->tau = 0.5;
	c->double_dqn = true;
	c->dueling = true;
	c->expl_fraction = 0.5;
}

static int run_to(const sq_dqn_cfg *c, uint64_t steps, sq_dqn **out)
{
	sq_err err;
	if (sq_dqn_new(c, NULL, out, &err))
		return -1;
	return sq_dqn_run(*out, steps, 250, NULL, NULL);
}

static int t_same_seed_same_weights(void)
{
	sq_dqn_cfg c;
	sq_dqn *a, *b, *e;
	small_cfg(&c, 5);
	CHECK(run_to(&c, c.total_steps, &a) == 0);
	CHECK(run_to(&c, c.total_steps, &b) == 0);
	c.seed = 6;
	CHECK(run_to(&c, c.total_steps, &e) == 0);
	const sq_mlp *na = sq_dqn_online(a), *nb = sq_dqn_online(b), *ne = sq_dqn_online(e);
	CHECK(memcmp(na->params, nb->params, na->n_params * sizeof(float)) == 0);
	CHECK(memcmp(na->params, ne->params, na->n_params * sizeof(float)) != 0);
	sq_dqn_free(a);
	sq_dqn_free(b);
	sq_dqn_free(e);
	return 0;
}

static int t_resume_exact(void)
{
	sq_dqn_cfg c;
	sq_err err;
	sq_dqn *a, *b, *r;
	char sqm[64], st[80];
	snprintf(sqm, sizeof sqm, "/tmp/sparq-test-dqn-%ld.sqm", (long)getpid());
	snprintf(st, sizeof st, "%s.state", sqm);
	small_cfg(&c, 9);
	c.obs_norm = true; /* the sidecar then also carries the unfolded weights */
	CHECK(run_to(&c, c.total_steps, &a) == 0);
	CHECK(run_to(&c, 1502, &b) == 0); /* mid-episode, mid target period */
	CHECK(sq_dqn_steps(b) == 1502);
	CHECKF(sq_dqn_save(b, sqm, st, &err) == 0, "%s", err.msg);
	sq_dqn_free(b);
	CHECKF(sq_dqn_load(sqm, st, 0, &r, &err) == 0, "%s", err.msg);
	CHECK(sq_dqn_steps(r) == 1502);
	CHECK(sq_dqn_run(r, c.total_steps, 250, NULL, NULL) == 0);
	const sq_mlp *na = sq_dqn_online(a), *nr = sq_dqn_online(r);
	CHECK(sq_dqn_steps(r) == sq_dqn_steps(a));
	CHECK(memcmp(na->params, nr->params, na->n_params * sizeof(float)) == 0);
	uint32_t n1, n2;
	const sq_dqn_point *c1 = sq_dqn_curve(a, &n1), *c2 = sq_dqn_curve(r, &n2);
	/* the curve carries over (the interrupted run has one extra point, 1502) */
	CHECK(n2 == n1 + 1 && c2[n2 - 1].step == c1[n1 - 1].step &&
	      c2[n2 - 1].episodes == c1[n1 - 1].episodes);
	/* a damaged sidecar is refused */
	FILE *f = fopen(st, "r+b");
	CHECK(f);
	fseek(f, 100, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	sq_dqn *bad = NULL;
	CHECK(sq_dqn_load(sqm, st, 0, &bad, &err) == SQ_E_FORMAT && bad == NULL);
	CHECK(strstr(err.msg, "crc32") != NULL);
	unlink(sqm);
	unlink(st);
	sq_dqn_free(a);
	sq_dqn_free(r);
	return 0;
}

static int t_eval_paths(void)
{
	sq_dqn_cfg c;
	sq_dqn *d;
	sq_err err;
	small_cfg(&c, 4);
	c.dueling = false;
	CHECK(run_to(&c, c.total_steps, &d) == 0);
	sq_model *fm = NULL, *qm = NULL;
	CHECK(sq_mlp_to_model(sq_dqn_online(d), &fm, &err) == 0);
	sq_eval_result r, r2;
	double rets[5];
	const sq_env_spec *env = &sq_env_cartpole;
	CHECKF(sq_eval_model(fm, SQ_EVAL_AUTO, env, 5, 3, fm, SQ_EVAL_AUTO, &r, rets, &err) == 0,
	       "%s", err.msg);
	CHECK(r.path == SQ_EVAL_FLOAT && r.agree == r.steps && r.steps > 0);
	CHECK(r.min <= r.mean && r.mean <= r.max && r.episodes == 5);
	double s = 0;
	for (int k = 0; k < 5; k++)
		s += rets[k];
	CHECK(fabs(s / 5 - r.mean) < 1e-9);
	/* same seed, same episodes */
	CHECK(sq_eval_model(fm, SQ_EVAL_FLOAT, env, 5, 3, NULL, 0, &r2, NULL, &err) == 0);
	CHECK(r2.mean == r.mean && r2.steps == r.steps);
	/* calibration states: observations the policy visits */
	enum { NS = 512 };
	double *states = malloc(NS * 4 * sizeof *states);
	CHECK(states);
	sq_env e;
	float o[SQ_ENV_MAX_OBS];
	sq_env_init(&e, env, 11);
	sq_env_reset(&e, o);
	sq_mlp_ws ws;
	CHECK(sq_mlp_ws_new(&ws, sq_dqn_online(d), 1, &err) == 0);
	for (int k = 0; k < NS; k++) {
		bool te, tr;
		for (int i = 0; i < 4; i++)
			states[k * 4 + i] = o[i];
		uint32_t a = sq_mlp_act(sq_dqn_online(d), &ws, o, NULL);
		sq_env_step(&e, a, o, &te, &tr);
		if (te || tr)
			sq_env_reset(&e, o);
	}
	sq_quant_opts qo;
	sq_quant_opts_init(&qo, 16, 16);
	CHECKF(sq_quantize(fm, states, NS, &qo, &qm, &err) == 0, "%s", err.msg);
	CHECK(qm->flags & SQM_FIXED);
	CHECKF(sq_eval_model(qm, SQ_EVAL_FIXED, env, 10, 5, fm, SQ_EVAL_FLOAT, &r, NULL, &err) == 0,
	       "%s", err.msg);
	fprintf(stderr, "  16-bit golden vs float: %llu of %llu states agree\n",
		(unsigned long long)r.agree, (unsigned long long)r.steps);
	CHECK(r.path == SQ_EVAL_FIXED && r.against_path == SQ_EVAL_FLOAT);
	CHECK(r.agree * 100 >= r.steps * 99);
	/* wrong env shape is refused */
	CHECK(sq_eval_model(fm, SQ_EVAL_FLOAT, &sq_env_acrobot, 1, 1, NULL, 0, &r, NULL, &err) ==
	      SQ_E_INVALID);
	free(states);
	sq_mlp_ws_free(&ws);
	sq_model_free(fm);
	sq_model_free(qm);
	sq_dqn_free(d);
	return 0;
}

/* --obs-norm: the saved policy (scaling folded into layer 0) on raw
 * observations computes what the trained network computes on scaled ones;
 * --init of that policy unfolds back to the trained network. */
static int t_obs_norm_fold(void)
{
	sq_dqn_cfg c;
	sq_dqn *d, *d2;
	sq_err err;
	CHECK(sq_dqn_defaults(&c, "MountainCar-v0", &err) == 0);
	c.hidden[0] = c.hidden[1] = 24;
	c.total_steps = 3000;
	c.learning_starts = 500;
	c.obs_norm = true;
	CHECK(sq_dqn_new(&c, NULL, &d, &err) == 0);
	CHECK(sq_dqn_run(d, c.total_steps, 1000, NULL, NULL) == 0);
	const sq_mlp *on = sq_dqn_online(d);
	sq_mlp pol;
	sq_mlp_ws ws;
	CHECK(sq_mlp_new(&pol, on->n_layers, on->dims, on->dueling, &err) == 0);
	CHECK(sq_mlp_ws_new(&ws, on, 1, &err) == 0);
	sq_dqn_policy(d, &pol);
	sq_rng g;
	sq_rng_seed(&g, 1);
	double worst = 0;
	for (int k = 0; k < 200; k++) {
		float raw[2], sc[2], q1[3], q2[3];
		raw[0] = (float)(-1.2 + 1.8 * sq_rng_uniform(&g));
		raw[1] = (float)(-0.07 + 0.14 * sq_rng_uniform(&g));
		sc[0] = (float)((raw[0] - -0.3) / 0.9);
		sc[1] = (float)(raw[1] / 0.07);
		sq_mlp_act(on, &ws, sc, q1);
		sq_mlp_act(&pol, &ws, raw, q2);
		for (int j = 0; j < 3; j++) {
			double e = fabs((double)q1[j] - q2[j]) / (1 + fabs(q1[j]));
			worst = e > worst ? e : worst;
		}
	}
	fprintf(stderr, "  obs-norm fold: worst relative Q difference %.3g\n", worst);
	CHECK(worst < 1e-4);
	/* --init with the folded policy gives back the trained network */
	CHECK(sq_dqn_new(&c, &pol, &d2, &err) == 0);
	const sq_mlp *on2 = sq_dqn_online(d2);
	for (size_t i = 0; i < on->n_params; i++)
		CHECK(fabs((double)on->params[i] - on2->params[i]) <= 1e-5 * (1 + fabs(on->params[i])));
	sq_dqn_free(d2);
	sq_mlp_ws_free(&ws);
	sq_mlp_free(&pol);
	sq_dqn_free(d);
	return 0;
}

static int t_mask(void)
{
	sq_dqn_cfg c;
	sq_dqn *d;
	sq_err err;
	small_cfg(&c, 9);
	CHECK(sq_dqn_new(&c, NULL, &d, &err) == 0);
	size_t n = sq_dqn_online(d)->n_params;
	uint8_t *mask = malloc(n);
	float *w0 = malloc(n * sizeof *w0);
	CHECK(mask && w0);
	memcpy(w0, sq_dqn_online(d)->params, n * sizeof *w0);
	for (size_t i = 0; i < n; i++)
		mask[i] = i % 3 != 0;
	sq_dqn_set_mask(d, mask);
	/* no callback: nothing outside the trainer re-applies the mask */
	CHECK(sq_dqn_run(d, c.total_steps, c.total_steps, NULL, NULL) == 0);
	const float *p = sq_dqn_online(d)->params;
	size_t moved = 0;
	for (size_t i = 0; i < n; i++) {
		if (!mask[i])
			CHECK(p[i] == 0.0f);
		else
			moved += p[i] != w0[i];
	}
	CHECK(moved * 2 >= n - n / 3); /* 60% here: dead ReLU units do not move */
	free(mask);
	free(w0);
	sq_dqn_free(d);
	return 0;
}

static int t_cfg_checks(void)
{
	sq_dqn_cfg c;
	sq_err err;
	CHECK(sq_dqn_defaults(&c, "Pong-v5", &err) == SQ_E_INVALID);
	CHECK(sq_dqn_defaults(&c, "Acrobot-v1", &err) == 0 && c.hidden[0] == 256);
	CHECK(sq_dqn_cfg_check(&c, &err) == 0);
	c.tau = 0;
	CHECK(sq_dqn_cfg_check(&c, &err) == SQ_E_INVALID && strstr(err.msg, "tau"));
	CHECK(sq_dqn_defaults(&c, "MountainCar-v0", &err) == 0 && c.gamma == 0.98);
	c.n_envs = 0;
	CHECK(sq_dqn_cfg_check(&c, &err) == SQ_E_INVALID);
	return 0;
}

int main(void)
{
	RUN(t_cfg_checks);
	RUN(t_same_seed_same_weights);
	RUN(t_resume_exact);
	RUN(t_mask);
	RUN(t_obs_norm_fold);
	RUN(t_eval_paths);
	RUN(t_training_improves);
	return tl_done();
}
