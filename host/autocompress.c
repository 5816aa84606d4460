/*
 * autocompress.c - a DQN agent picks per-layer sparsity and bit-widths to fit
 * a board (autocompress.h, docs/autocompress.md).
 */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autocompress.h"
#include "compress.h"
#include "eval.h"
#include "nn.h"
#include "prune.h"
#include "quantize.h"
#include "replay.h"
#include "rng.h"

#define AC_STATE 9
#define AC_BATCH 64
#define AC_HIDDEN 64

void sq_ac_opts_init(sq_ac_opts *o)
{
	static const double sp[] = { 0.5, 0.7, 0.8, 0.9, 0.93, 0.95, 0.97, 0.98 };
	memset(o, 0, sizeof *o);
	o->board = sq_board_find("icebreaker");
	sq_est_opts_init(&o->est);
	o->budget_fraction = 0.5;
	o->search = SQ_AC_AGENT;
	o->walks = 200;
	o->eval_episodes = 5;
	o->final_episodes = 100;
	o->finalists = 3;
	o->finetune_steps = 900;
	o->prune_rounds = 3;
	o->balanced = true;
	o->constrain = true;
	o->init_steps = 0;
	o->calib_states = 4096;
	o->seed = 1;
	o->n_sparsity = 8;
	memcpy(o->sparsity, sp, sizeof sp);
	o->n_wbits = 3;
	o->wbits[0] = 4; o->wbits[1] = 6; o->wbits[2] = 8;
	o->n_abits = 2;
	o->abits[0] = 6; o->abits[1] = 8;
	o->warmup = 0; /* 0: 10% of the walks */
	o->eps_end = 0.05;
	o->updates = 16;
	o->target_every = 4;
	o->lr = 1e-3;
}

uint32_t sq_ac_n_actions(const sq_ac_opts *o)
{
	return o->n_sparsity * o->n_wbits * o->n_abits;
}

sq_ac_action sq_ac_action_at(const sq_ac_opts *o, uint32_t i)
{
	sq_ac_action a;
	uint32_t ia = i % o->n_abits, iw = (i / o->n_abits) % o->n_wbits;
	uint32_t is = i / (o->n_abits * o->n_wbits);
	a.sparsity = o->sparsity[is];
	a.wbits = o->wbits[iw];
	a.abits = o->abits[ia];
	return a;
}

void sq_ac_result_free(sq_ac_result *r)
{
	if (!r)
		return;
	sq_model_free(r->best);
	free(r->walks);
	memset(r, 0, sizeof *r);
}

/* ---- the compression of one walk's choices ------------------------------- */

typedef struct ac_ctx {
	const sq_ac_opts *o;
	const sq_env_spec *env;
	sq_model *teacher;       /* float, dueling folded */
	sq_mlp tnet;             /* the teacher as an MLP */
	sq_mlp snet;             /* the dense student every walk starts from */
	uint32_t n_states;
	float *states_f;         /* [n_states * obs] */
	double *states_d;
	float *tq;               /* teacher Q on the states (distillation) */
	uint64_t budget;
	uint64_t eval_seed;
	double teacher_ret, floor_ret;
} ac_ctx;

static void say(const ac_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const ac_ctx *c, const char *fmt, ...)
{
	if (!c->o->progress)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->o->progress(c->o->ctx, line);
}

/* States from the teacher's policy, 10% random actions for variety. */
static int collect_states(ac_ctx *c, sq_err *err)
{
	uint32_t n = c->o->calib_states, od = c->env->obs_dim;
	sq_mlp_ws ws;
	int rc = sq_mlp_ws_new(&ws, &c->tnet, 1, err);
	if (rc)
		return rc;
	c->states_f = malloc((size_t)n * od * sizeof *c->states_f);
	c->states_d = malloc((size_t)n * od * sizeof *c->states_d);
	if (!c->states_f || !c->states_d) {
		sq_mlp_ws_free(&ws);
		return sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory for %u states", n);
	}
	sq_env e;
	sq_rng rng;
	sq_rng_seed(&rng, c->o->seed * 7919u + 17u);
	sq_env_init(&e, c->env, c->o->seed + 500u);
	float obs[SQ_ENV_MAX_OBS];
	sq_env_reset(&e, obs);
	for (uint32_t i = 0; i < n; i++) {
		memcpy(c->states_f + (size_t)i * od, obs, od * sizeof *obs);
		for (uint32_t k = 0; k < od; k++)
			c->states_d[(size_t)i * od + k] = obs[k];
		uint32_t a = sq_mlp_act(&c->tnet, &ws, obs, NULL);
		if (sq_rng_uniform(&rng) < 0.1)
			a = (uint32_t)sq_rng_below(&rng, c->env->n_actions);
		bool term, trunc;
		sq_env_step(&e, a, obs, &term, &trunc);
		if (term || trunc)
			sq_env_reset(&e, obs);
	}
	sq_mlp_ws_free(&ws);
	c->n_states = n;
	return SQ_OK;
}

/* Brief distillation of the pruned student towards the dense student's
 * outputs on the collected states (masked Adam: pruned weights stay zero). */
static int distill(ac_ctx *c, sq_mlp *net, const uint8_t *mask, uint32_t steps, sq_err *err)
{
	uint32_t B = AC_BATCH, na = c->env->n_actions;
	uint32_t od = c->env->obs_dim;
	if (!steps)
		return SQ_OK;
	int rc;
	if (!c->tq) {
		sq_mlp_ws tw;
		rc = sq_mlp_ws_new(&tw, &c->snet, 1, err);
		if (rc)
			return rc;
		c->tq = malloc((size_t)c->n_states * na * sizeof *c->tq);
		if (!c->tq) {
			sq_mlp_ws_free(&tw);
			return sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory");
		}
		for (uint32_t i = 0; i < c->n_states; i++) {
			const float *q = sq_mlp_forward(&c->snet, &tw, c->states_f + (size_t)i * od, 1);
			memcpy(c->tq + (size_t)i * na, q, na * sizeof *q);
		}
		sq_mlp_ws_free(&tw);
	}
	sq_mlp_ws ws;
	sq_adam adam;
	rc = sq_mlp_ws_new(&ws, net, B, err);
	if (rc)
		return rc;
	rc = sq_adam_new(&adam, net->n_params, 1e-3f, err);
	if (rc) {
		sq_mlp_ws_free(&ws);
		return rc;
	}
	float *grad = malloc(net->n_params * sizeof *grad);
	float *x = malloc((size_t)B * od * sizeof *x);
	float *t = malloc((size_t)B * na * sizeof *t);
	float *dq = malloc((size_t)B * na * sizeof *dq);
	if (!grad || !x || !t || !dq) {
		rc = sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory");
		goto out;
	}
	sq_rng rng;
	sq_rng_seed(&rng, c->o->seed + 31u);
	for (uint32_t s = 0; s < steps; s++) {
		for (uint32_t b = 0; b < B; b++) {
			uint32_t i = (uint32_t)sq_rng_below(&rng, c->n_states);
			memcpy(x + (size_t)b * od, c->states_f + (size_t)i * od, od * sizeof *x);
			memcpy(t + (size_t)b * na, c->tq + (size_t)i * na, na * sizeof *t);
		}
		const float *q = sq_mlp_forward(net, &ws, x, B);
		sq_mse_loss(q, t, (size_t)B * na, dq);
		memset(grad, 0, net->n_params * sizeof *grad);
		sq_mlp_backward(net, &ws, dq, grad);
		sq_grad_clip(grad, net->n_params, 10.0f);
		sq_adam_step(&adam, net->params, grad, mask);
	}
out:
	free(grad);
	free(x);
	free(t);
	free(dq);
	sq_adam_free(&adam);
	sq_mlp_ws_free(&ws);
	return rc;
}

/* Row-balanced magnitude pruning: every row of layer l keeps the same number
 * of weights, round((1 - f * s_l) * fan_in) (at least 1), its largest. A
 * round of the core lasts its longest row (docs/architecture.md), so equal
 * rows waste no padding: the weight memory is ceil(rows / P) * kept words. */
static void prune_rows(sq_mlp *net, const sq_ac_action *ch, double f, uint8_t *mask,
		       double *tmp)
{
	for (uint32_t l = 0; l < net->n_layers; l++) {
		uint32_t in = net->dims[l];
		long keep = lround((1.0 - f * ch[l].sparsity) * in);
		if (keep < 1)
			keep = 1;
		for (uint32_t r = 0; r < net->rows[l]; r++) {
			size_t o = net->w_off[l] + (size_t)r * in;
			long kept = 0;
			for (uint32_t i = 0; i < in; i++)
				kept += mask[o + i] != 0;
			while (kept > keep) {
				/* drop the smallest kept weight (lowest index on ties) */
				uint32_t best = UINT32_MAX;
				for (uint32_t i = 0; i < in; i++) {
					if (!mask[o + i])
						continue;
					tmp[i] = fabs((double)net->params[o + i]);
					if (best == UINT32_MAX || tmp[i] < tmp[best])
						best = i;
				}
				mask[o + best] = 0;
				net->params[o + best] = 0.0f;
				kept--;
			}
		}
	}
}

/* Prune (per layer, magnitude), fine-tune, quantize. */
static int apply_choices(ac_ctx *c, const sq_ac_action *ch, sq_model **out, sq_err *err)
{
	sq_mlp net;
	memset(&net, 0, sizeof net);
	int rc = sq_mlp_new(&net, c->snet.n_layers, c->snet.dims, false, err);
	if (rc)
		return rc;
	sq_mlp_copy(&net, &c->snet);
	uint8_t *mask = sq_prune_mask_new(&net);
	double *base = malloc(net.n_params * sizeof *base);
	double *score = malloc(net.n_params * sizeof *score);
	sq_model *fm = NULL;
	if (!mask || !base || !score) {
		rc = sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory");
		goto out;
	}
	/* In rounds on a cubic schedule (big steps first), each followed by a
	 * share of the distillation: pruning in one shot to 95% leaves too
	 * little for a brief fine-tune to recover. */
	uint32_t R = c->o->prune_rounds ? c->o->prune_rounds : 1;
	for (uint32_t r = 1; r <= R && !rc; r++) {
		double f = 1.0 - pow(1.0 - (double)r / R, 3.0);
		if (c->o->balanced) {
			prune_rows(&net, ch, f, mask, base);
		} else {
			size_t total = sq_prune_weight_count(&net, -1);
			size_t cnt[SQ_MAX_LAYERS];
			for (uint32_t l = 0; l < net.n_layers; l++)
				cnt[l] = (size_t)llround(sq_prune_sparsity(&net, mask, (int)l) *
							 (double)net.rows[l] * net.dims[l]);
			sq_prune_score_magnitude(&net, base);
			for (uint32_t l = 0; l < net.n_layers && !rc; l++) {
				size_t n = (size_t)net.rows[l] * net.dims[l];
				cnt[l] = (size_t)llround(ch[l].sparsity * f * (double)n);
				size_t pruned = 0; /* the other layers as they stand, plus l's target */
				for (uint32_t k = 0; k < net.n_layers; k++)
					pruned += cnt[k];
				/* only layer l's weights can go: the others score infinitely high */
				for (size_t i = 0; i < net.n_params; i++)
					score[i] = DBL_MAX;
				memcpy(score + net.w_off[l], base + net.w_off[l], n * sizeof *score);
				rc = sq_prune_select(&net, score, (double)pruned / (double)total,
						     SQ_PRUNE_GLOBAL, mask, err);
			}
		}
		if (!rc)
			rc = distill(c, &net, mask, c->o->finetune_steps / R, err);
	}
	if (!rc)
		rc = sq_mlp_to_model(&net, &fm, err);
	if (!rc) {
		/* the same function, one activation range per layer fits all */
		sq_quant_equalize(fm, c->states_d, c->n_states, 8);
		sq_quant_opts q;
		sq_quant_opts_init(&q, 8, 8);
		for (uint32_t l = 0; l < net.n_layers; l++) {
			q.wbits[l] = ch[l].wbits;
			q.abits[l] = ch[l].abits;
		}
		q.center = true;
		q.keep_float = true;
		rc = sq_quantize(fm, c->states_d, c->n_states, &q, out, err);
	}
out:
	sq_model_free(fm);
	free(mask);
	free(base);
	free(score);
	sq_mlp_free(&net);
	return rc;
}

/* Estimate, check the limits, evaluate when it fits. */
static int run_walk(ac_ctx *c, sq_ac_walk *w, sq_model **keep, sq_err *err)
{
	sq_model *m = NULL;
	int rc = apply_choices(c, w->choice, &m, err);
	if (rc)
		return rc;
	sq_estimate e;
	sq_err e2;
	w->ret = NAN;
	w->score = NAN;
	w->evaluated = false;
	w->why[0] = '\0';
	if (sq_estimate_model(m, c->o->board, &c->o->est, &e, &e2)) {
		w->fits = false;
		snprintf(w->why, sizeof w->why, "%.150s", e2.msg);
		w->model_bits = UINT64_MAX;
		w->reward = -3.0;
		sq_model_free(m);
		return SQ_OK;
	}
	w->model_bits = e.model_bits;
	w->ebr = e.ebr;
	w->lc = e.lc;
	w->dsp = e.dsp;
	w->nnz = e.nnz;
	w->cycles = e.cycles;
	w->latency_us = e.latency_us;
	double over = 0.0;
	w->fits = true;
	if (e.model_bits > c->budget) {
		w->fits = false;
		over += (double)(e.model_bits - c->budget) / (double)c->budget;
		snprintf(w->why, sizeof w->why, "weight memory %llu bits > budget %llu",
			 (unsigned long long)e.model_bits, (unsigned long long)c->budget);
	}
	if (!e.fits) {
		if (w->fits)
			snprintf(w->why, sizeof w->why, "%.150s", e.why);
		w->fits = false;
		over += 0.25;
	}
	if (c->o->max_latency_us > 0.0 && e.latency_us > c->o->max_latency_us) {
		if (w->fits)
			snprintf(w->why, sizeof w->why, "latency %.2f us > %.2f us", e.latency_us,
				 c->o->max_latency_us);
		w->fits = false;
		over += (e.latency_us - c->o->max_latency_us) / c->o->max_latency_us;
	}
	if (!w->fits) {
		w->reward = -1.5 - (over > 1.5 ? 1.5 : over);
	} else {
		sq_eval_result r;
		rc = sq_eval_model(m, SQ_EVAL_FIXED, c->env, c->o->eval_episodes, c->eval_seed, NULL,
				   0, &r, NULL, err);
		if (rc) {
			sq_model_free(m);
			return rc;
		}
		w->evaluated = true;
		w->ret = r.mean;
		double span = c->teacher_ret - c->floor_ret;
		w->score = span > 1e-9 ? (r.mean - c->floor_ret) / span : (r.mean >= c->teacher_ret);
		if (w->score < -1.0)
			w->score = -1.0;
		if (w->score > 1.2)
			w->score = 1.2;
		w->reward = w->score;
	}
	if (keep)
		*keep = m;
	else
		sq_model_free(m);
	return SQ_OK;
}

/* ---- the agent's view of a layer ----------------------------------------- */

/* A rough count of the model-memory bits layer l takes with choice a
 * (exact figures come from the estimate at the end of the walk). */
static double approx_bits(const ac_ctx *c, const sq_hwcfg *ref, uint32_t l, const sq_ac_action *a)
{
	double in = c->tnet.dims[l], out = c->tnet.dims[l + 1], P = ref->P;
	double rounds = ceil(out / P);
	double row = c->o->balanced ? round((1.0 - a->sparsity) * in)
				    : ceil((1.0 - a->sparsity) * in * 1.3);
	if (row > in)
		row = in;
	if (row < 1.0)
		row = 1.0;
	double ew = sq_hw_roww(ref) + sq_hw_slotw(ref) + a->wbits;
	return rounds * row * P * ew;
}

static void layer_state(const ac_ctx *c, const sq_hwcfg *ref, uint32_t l, double used,
			const sq_ac_action *prev, float *s)
{
	uint32_t L = c->tnet.n_layers;
	double maxd = 1.0, total = 0.0, rest = 0.0;
	for (uint32_t k = 0; k <= L; k++)
		if (c->tnet.dims[k] > maxd)
			maxd = c->tnet.dims[k];
	for (uint32_t k = 0; k < L; k++) {
		double n = (double)c->tnet.dims[k] * c->tnet.dims[k + 1];
		total += n;
		if (k > l)
			rest += n;
	}
	double B = (double)c->budget;
	s[0] = L > 1 ? (float)l / (float)(L - 1) : 0.0f;
	s[1] = (float)(c->tnet.dims[l] / maxd);
	s[2] = (float)(c->tnet.dims[l + 1] / maxd);
	s[3] = (float)((double)c->tnet.dims[l] * c->tnet.dims[l + 1] / total);
	s[4] = (float)(used / B);
	s[5] = (float)((B - used) / B);
	s[6] = (float)(rest / total);
	s[7] = prev ? (float)prev->sparsity : 0.0f;
	s[8] = prev ? (float)prev->wbits / 8.0f : 0.0f;
	(void)ref;
}

/* Weight words of layer l pruned row-balanced to a's sparsity: every round
 * lasts the rows' common length (quantization may only shorten it). */
static double layer_words(const ac_ctx *c, const sq_hwcfg *ref, uint32_t l, const sq_ac_action *a)
{
	double in = c->tnet.dims[l], out = c->tnet.dims[l + 1];
	double keep = round((1.0 - a->sparsity) * in);
	return ceil(out / ref->P) * (keep < 1.0 ? 1.0 : keep);
}

/* AMC's constraint (He et al. 2018): can the walk still fit the weight
 * budget if layer l takes action a and every later layer the most
 * compressing action? (Row-balanced pruning makes the count nearly exact.) */
static bool may_fit(const ac_ctx *c, const sq_hwcfg *ref, const sq_ac_action *chosen,
		    uint32_t l, sq_ac_action a)
{
	const sq_ac_opts *o = c->o;
	double smax = 0.0;
	uint32_t wmin = 16, ww = a.wbits;
	for (uint32_t k = 0; k < o->n_sparsity; k++)
		smax = fmax(smax, o->sparsity[k]);
	for (uint32_t k = 0; k < o->n_wbits; k++)
		wmin = o->wbits[k] < wmin ? o->wbits[k] : wmin;
	double words = layer_words(c, ref, l, &a);
	for (uint32_t k = 0; k < l; k++) {
		words += layer_words(c, ref, k, &chosen[k]);
		if (chosen[k].wbits > ww)
			ww = chosen[k].wbits;
	}
	sq_ac_action most = { smax, (uint8_t)wmin, 8 };
	for (uint32_t k = l + 1; k < c->tnet.n_layers; k++)
		words += layer_words(c, ref, k, &most);
	double ew = sq_hw_roww(ref) + sq_hw_slotw(ref) + ww;
	return words * ref->P * ew <= (double)c->budget;
}

/* ---- the search ------------------------------------------------------------ */

typedef struct agent {
	sq_mlp q, qt;
	sq_mlp_ws ws1, wsb, wst;
	sq_replay rb;
	sq_adam adam;
	float *grad;
	sq_rng rng;
} agent;

static void agent_free(agent *a)
{
	sq_mlp_free(&a->q);
	sq_mlp_free(&a->qt);
	sq_mlp_ws_free(&a->ws1);
	sq_mlp_ws_free(&a->wsb);
	sq_mlp_ws_free(&a->wst);
	sq_replay_free(&a->rb);
	sq_adam_free(&a->adam);
	free(a->grad);
}

static int agent_new(agent *a, uint32_t n_actions, uint32_t cap, uint64_t seed, double lr,
		     sq_err *err)
{
	memset(a, 0, sizeof *a);
	uint32_t dims[4] = { AC_STATE, AC_HIDDEN, AC_HIDDEN, n_actions };
	sq_rng_seed(&a->rng, seed);
	int rc = sq_mlp_new(&a->q, 3, dims, false, err);
	if (!rc)
		rc = sq_mlp_new(&a->qt, 3, dims, false, err);
	if (!rc) {
		sq_mlp_init(&a->q, &a->rng);
		sq_mlp_copy(&a->qt, &a->q);
		rc = sq_mlp_ws_new(&a->ws1, &a->q, 1, err);
	}
	if (!rc)
		rc = sq_mlp_ws_new(&a->wsb, &a->q, AC_BATCH, err);
	if (!rc)
		rc = sq_mlp_ws_new(&a->wst, &a->q, AC_BATCH, err);
	if (!rc)
		rc = sq_replay_new(&a->rb, cap, AC_STATE, err);
	if (!rc)
		rc = sq_adam_new(&a->adam, a->q.n_params, (float)lr, err);
	if (!rc && !(a->grad = malloc(a->q.n_params * sizeof *a->grad)))
		rc = sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory");
	return rc;
}

/* One DQN minibatch update (gamma 1: the reward comes at the end of a walk). */
static void agent_update(agent *a)
{
	float obs[AC_BATCH * AC_STATE], nobs[AC_BATCH * AC_STATE], rew[AC_BATCH], done[AC_BATCH];
	float target[AC_BATCH], dq[AC_BATCH * SQ_AC_MAX_ACTIONS];
	uint32_t act[AC_BATCH], B = AC_BATCH, na = a->q.dims[3];
	sq_replay_sample(&a->rb, &a->rng, B, obs, act, rew, nobs, done);
	const float *qn = sq_mlp_forward(&a->qt, &a->wst, nobs, B);
	for (uint32_t b = 0; b < B; b++) {
		float mx = qn[(size_t)b * na];
		for (uint32_t k = 1; k < na; k++)
			if (qn[(size_t)b * na + k] > mx)
				mx = qn[(size_t)b * na + k];
		target[b] = rew[b] + (1.0f - done[b]) * mx;
	}
	const float *q = sq_mlp_forward(&a->q, &a->wsb, obs, B);
	sq_huber_loss(q, na, act, target, B, dq);
	memset(a->grad, 0, a->q.n_params * sizeof *a->grad);
	sq_mlp_backward(&a->q, &a->wsb, dq, a->grad);
	sq_grad_clip(a->grad, a->q.n_params, 10.0f);
	sq_adam_step(&a->adam, a->q.params, a->grad, NULL);
}

static bool same_walk(const sq_ac_walk *x, const sq_ac_walk *y)
{
	return x->n_layers == y->n_layers &&
	       memcmp(x->action, y->action, x->n_layers * sizeof x->action[0]) == 0;
}

/* Better: fits first, then higher return, then fewer bits. */
static bool better(const sq_ac_walk *x, const sq_ac_walk *y)
{
	if (x->fits != y->fits)
		return x->fits;
	if (!x->fits)
		return false;
	if (x->ret != y->ret)
		return x->ret > y->ret;
	return x->model_bits < y->model_bits;
}

static void walk_line(const ac_ctx *c, const sq_ac_walk *w, uint32_t total, const sq_ac_walk *best)
{
	char ch[256];
	size_t p = 0;
	for (uint32_t l = 0; l < w->n_layers && p < sizeof ch; l++)
		p += (size_t)snprintf(ch + p, sizeof ch - p, "%s%.2f/w%u/a%u", l ? " " : "",
				      w->choice[l].sparsity, w->choice[l].wbits, w->choice[l].abits);
	char res[96];
	if (w->evaluated)
		snprintf(res, sizeof res, "return %.1f", w->ret);
	else
		snprintf(res, sizeof res, "over: %.60s", w->why);
	say(c, "walk %u/%u eps %.2f [%s] %llu bits EBR %u LC %u %llu cyc: %s, reward %.2f; best %.1f at %llu bits",
	    w->index + 1, total, w->epsilon, ch,
	    (unsigned long long)(w->model_bits == UINT64_MAX ? 0 : w->model_bits), w->ebr, w->lc,
	    (unsigned long long)w->cycles, res, w->reward,
	    best && best->fits ? best->ret : NAN,
	    (unsigned long long)(best && best->fits ? best->model_bits : 0));
}

static int search(ac_ctx *c, sq_ac_result *res, sq_err *err)
{
	const sq_ac_opts *o = c->o;
	uint32_t L = c->tnet.n_layers, na = sq_ac_n_actions(o);
	uint32_t n = o->search == SQ_AC_UNIFORM ? na : o->walks;
	res->walks = calloc(n ? n : 1, sizeof *res->walks);
	if (!res->walks)
		return sq_fail(err, SQ_E_NOMEM, "autocompress: out of memory for %u walks", n);
	agent ag;
	int rc = agent_new(&ag, na, n * L + 1, o->seed * 2654435761u + 1u, o->lr, err);
	if (rc) {
		agent_free(&ag);
		return rc;
	}
	sq_hwcfg ref;
	sq_hwcfg_default(&ref, o->est.P ? o->est.P : o->board->def_P);
	ref.ACCW = 20;
	ref.MAXW = 1;
	for (uint32_t l = 0; l <= L; l++)
		if (c->tnet.dims[l] > ref.MAXW)
			ref.MAXW = c->tnet.dims[l];
	if (!strcmp(o->board->family, "ice40") && ref.MAXW <= 255)
		ref.MAXW = 255;
	uint32_t warm = o->warmup ? o->warmup : (n + 9) / 10;
	int best = -1;
	float st[SQ_MAX_LAYERS + 1][AC_STATE];
	for (uint32_t i = 0; i < n && !rc; i++) {
		sq_ac_walk *w = &res->walks[i];
		memset(w, 0, sizeof *w);
		w->index = i;
		w->n_layers = L;
		double frac = n > 1 ? (double)i / (0.6 * (double)n) : 1.0;
		w->epsilon = o->search != SQ_AC_AGENT ? 1.0 :
			     i < warm ? 1.0 : (frac >= 1.0 ? o->eps_end : 1.0 - frac * (1.0 - o->eps_end));
		double used = 0.0;
		for (uint32_t l = 0; l < L; l++) {
			layer_state(c, &ref, l, used, l ? &w->choice[l - 1] : NULL, st[l]);
			uint32_t a, nok = 0;
			bool ok[SQ_AC_MAX_ACTIONS];
			for (uint32_t k = 0; k < na; k++) {
				ok[k] = !o->constrain || o->search == SQ_AC_UNIFORM ||
					may_fit(c, &ref, w->choice, l, sq_ac_action_at(o, k));
				nok += ok[k];
			}
			if (!nok) /* nothing can fit: every action, the penalty teaches */
				for (uint32_t k = 0; k < na; k++)
					ok[k] = true, nok++;
			if (o->search == SQ_AC_UNIFORM) {
				a = i;
			} else if (sq_rng_uniform(&ag.rng) < w->epsilon) {
				uint32_t pick = (uint32_t)sq_rng_below(&ag.rng, nok);
				for (a = 0; a < na; a++)
					if (ok[a] && pick-- == 0)
						break;
			} else {
				float q[SQ_AC_MAX_ACTIONS];
				sq_mlp_act(&ag.q, &ag.ws1, st[l], q);
				a = UINT32_MAX;
				for (uint32_t k = 0; k < na; k++)
					if (ok[k] && (a == UINT32_MAX || q[k] > q[a]))
						a = k;
			}
			w->action[l] = a;
			w->choice[l] = sq_ac_action_at(o, a);
			used += approx_bits(c, &ref, l, &w->choice[l]);
		}
		layer_state(c, &ref, L - 1, used, &w->choice[L - 1], st[L]);
		/* the same choices again: the figures are known (deterministic) */
		int seen = -1;
		for (uint32_t k = 0; k < i; k++)
			if (same_walk(&res->walks[k], w)) {
				seen = (int)k;
				break;
			}
		if (seen >= 0) {
			sq_ac_walk keep = *w;
			*w = res->walks[seen];
			w->index = keep.index;
			w->epsilon = keep.epsilon;
		} else {
			rc = run_walk(c, w, NULL, err);
			if (rc)
				break;
		}
		res->n_walks = i + 1;
		if (w->fits)
			res->n_fit++;
		for (uint32_t l = 0; l < L; l++)
			sq_replay_add(&ag.rb, st[l], w->action[l], l + 1 == L ? (float)w->reward : 0.0f,
				      st[l + 1], l + 1 == L);
		if (o->search == SQ_AC_AGENT && i + 1 >= warm && ag.rb.size >= AC_BATCH) {
			for (uint32_t u = 0; u < o->updates; u++)
				agent_update(&ag);
			if ((i + 1) % (o->target_every ? o->target_every : 1) == 0)
				sq_mlp_copy(&ag.qt, &ag.q);
		}
		if (best < 0 || better(w, &res->walks[best]))
			best = (int)i;
		walk_line(c, w, n, &res->walks[best]);
		if (o->on_walk)
			o->on_walk(o->ctx, w);
	}
	agent_free(&ag);
	return rc;
}

/* The best few distinct walks that fit, evaluated on final_episodes. */
static int finalize(ac_ctx *c, sq_ac_result *res, sq_err *err)
{
	const sq_ac_opts *o = c->o;
	uint32_t nf = o->finalists ? o->finalists : 1;
	int pick[16];
	uint32_t np = 0;
	if (nf > 16)
		nf = 16;
	while (np < nf) {
		int b = -1;
		for (uint32_t i = 0; i < res->n_walks; i++) {
			const sq_ac_walk *w = &res->walks[i];
			if (!w->fits)
				continue;
			bool dup = false;
			for (uint32_t k = 0; k < np; k++)
				if (same_walk(&res->walks[pick[k]], w))
					dup = true;
			if (!dup && (b < 0 || better(w, &res->walks[b])))
				b = (int)i;
		}
		if (b < 0)
			break;
		pick[np++] = b;
	}
	double best_mean = -DBL_MAX;
	for (uint32_t k = 0; k < np; k++) {
		sq_ac_walk w = res->walks[pick[k]];
		sq_model *m = NULL;
		int rc = apply_choices(c, w.choice, &m, err);
		if (rc)
			return rc;
		sq_eval_result r;
		rc = sq_eval_model(m, SQ_EVAL_FIXED, c->env, o->final_episodes, c->eval_seed + 1000u,
				   NULL, 0, &r, NULL, err);
		if (rc) {
			sq_model_free(m);
			return rc;
		}
		say(c, "finalist %u: walk %u, short return %.1f, %u-episode return %.2f +- %.2f, %llu bits",
		    k + 1, w.index + 1, w.ret, o->final_episodes, r.mean, r.std,
		    (unsigned long long)w.model_bits);
		bool take = r.mean > best_mean ||
			    (r.mean == best_mean && w.model_bits < res->best_walk.model_bits);
		if (take) {
			best_mean = r.mean;
			sq_model_free(res->best);
			res->best = m;
			res->best_walk = w;
			res->best_final = r.mean;
			res->best_final_std = r.std;
			sq_err e2;
			if (sq_estimate_model(m, o->board, &o->est, &res->best_est, &e2))
				return sq_fail(err, SQ_E_INVALID, "autocompress: %s", e2.msg);
		} else {
			sq_model_free(m);
		}
	}
	return SQ_OK;
}

static int set_meta(const ac_ctx *c, sq_ac_result *res, sq_err *err)
{
	static const char *names[] = { "agent", "random", "uniform" };
	char v[1024];
	size_t p = 0;
	sq_model *m = res->best;
	const sq_ac_walk *w = &res->best_walk;
	for (uint32_t l = 0; l < w->n_layers && p < sizeof v; l++)
		p += (size_t)snprintf(v + p, sizeof v - p, "%slayer %u: sparsity %.2f, wbits %u, abits %u",
				      l ? "; " : "", l, w->choice[l].sparsity, w->choice[l].wbits,
				      w->choice[l].abits);
	int rc = sq_meta_set(m, "autocompress_choices", v, err);
	const sq_estimate *e = &res->best_est;
	snprintf(v, sizeof v,
		 "board %s P=%u AW=%u WW=%u ACCW=%u MAXW=%u LG_WD=%u LG_RD=%u: weight memory %llu bits (budget %llu), %u EBR, %u LC, %u DSP, %llu cycles, %.2f us at %.1f MHz",
		 e->board->name, e->cfg.P, e->cfg.AW, e->cfg.WW, e->cfg.ACCW, e->cfg.MAXW, e->cfg.LG_WD,
		 e->cfg.LG_RD, (unsigned long long)e->model_bits, (unsigned long long)res->budget_bits,
		 e->ebr, e->lc, e->dsp, (unsigned long long)e->cycles, e->latency_us, e->clk_mhz);
	if (!rc)
		rc = sq_meta_set(m, "autocompress_estimate", v, err);
	snprintf(v, sizeof v, "%s, %u walks (%u fit), %u episodes each, seed %llu, budget %llu bits (%.3f of %llu for uniform 90%%/8/8)",
		 names[c->o->search], res->n_walks, res->n_fit, c->o->eval_episodes,
		 (unsigned long long)c->o->seed, (unsigned long long)res->budget_bits,
		 res->ref_bits ? (double)res->budget_bits / (double)res->ref_bits : 0.0,
		 (unsigned long long)res->ref_bits);
	if (!rc)
		rc = sq_meta_set(m, "autocompress_search", v, err);
	snprintf(v, sizeof v, "%.2f", res->best_final);
	if (!rc)
		rc = sq_meta_set(m, "return_mean", v, err);
	snprintf(v, sizeof v, "%.2f", res->best_final_std);
	if (!rc)
		rc = sq_meta_set(m, "return_std", v, err);
	snprintf(v, sizeof v, "%u greedy episodes, fixed-point golden model, seed %llu",
		 c->o->final_episodes, (unsigned long long)(c->eval_seed + 1000u));
	if (!rc)
		rc = sq_meta_set(m, "return_eval", v, err);
	return rc;
}

int sq_autocompress(const sq_model *in, const sq_env_spec *env, const sq_ac_opts *o,
		    sq_ac_result *res, sq_err *err)
{
	memset(res, 0, sizeof *res);
	if (!(in->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "autocompress: the model has no float payload");
	if (in->dims[0] != env->obs_dim || in->dims[in->n_layers] != env->n_actions)
		return sq_fail(err, SQ_E_INVALID,
			       "autocompress: the model has %u inputs and %u actions, %s has %u and %u",
			       in->dims[0], in->dims[in->n_layers], env->name, env->obs_dim,
			       env->n_actions);
	uint32_t na = sq_ac_n_actions(o);
	if (na < 1 || na > SQ_AC_MAX_ACTIONS)
		return sq_fail(err, SQ_E_INVALID, "autocompress: %u actions (1..%u)", na,
			       SQ_AC_MAX_ACTIONS);
	if (!o->board)
		return sq_fail(err, SQ_E_INVALID, "autocompress: no board");
	if (o->eval_episodes < 1 || o->final_episodes < 1 || o->calib_states < 1)
		return sq_fail(err, SQ_E_INVALID, "autocompress: episodes and states must be >= 1");
	ac_ctx c;
	memset(&c, 0, sizeof c);
	c.o = o;
	c.env = env;
	c.eval_seed = o->seed + 100u;
	int rc = sq_quant_fold_dueling(in, &c.teacher, err);
	if (!rc)
		rc = sq_mlp_from_model(c.teacher, &c.tnet, err);
	if (!rc)
		rc = collect_states(&c, err);
	/* The compressor's dense student (compress.h: a fresh network distilled
	 * on the teacher's centered, scaled advantages, far easier to quantize
	 * than the trained network itself): every walk prunes a copy of it. */
	if (!rc) {
		sq_compress_opts co;
		sq_compressor *cmp = NULL;
		sq_model *sm = NULL;
		sq_compress_opts_init(&co);
		co.sparsity = 0.0;
		co.eval_episodes = 0;
		co.seed = o->seed;
		co.calib_states = o->calib_states;
		if (o->init_steps)
			co.init_steps = o->init_steps;
		say(&c, "autocompress: distilling the dense student (%u updates)", co.init_steps);
		rc = sq_compressor_new(in, env, &co, &cmp, err);
		if (!rc)
			rc = sq_compressor_student(cmp, &sm, err);
		if (!rc)
			rc = sq_mlp_from_model(sm, &c.snet, err);
		sq_model_free(sm);
		sq_compressor_free(cmp);
	}
	/* the reference: uniform 90% sparse, 8-bit weights and activations */
	if (!rc) {
		sq_ac_action ref[SQ_MAX_LAYERS];
		for (uint32_t l = 0; l < in->n_layers; l++) {
			ref[l].sparsity = 0.9;
			ref[l].wbits = 8;
			ref[l].abits = 8;
		}
		sq_model *rm = NULL;
		rc = apply_choices(&c, ref, &rm, err);
		if (!rc) {
			sq_estimate e;
			rc = sq_estimate_model(rm, o->board, &o->est, &e, err);
			res->ref_bits = e.model_bits;
		}
		sq_model_free(rm);
	}
	if (!rc) {
		res->budget_bits = o->budget_bits ? o->budget_bits :
				   (uint64_t)llround(o->budget_fraction * (double)res->ref_bits);
		c.budget = res->budget_bits ? res->budget_bits : 1;
	}
	/* the normalization: the reference network and a constant action */
	if (!rc) {
		sq_eval_result r;
		rc = sq_eval_model(c.teacher, SQ_EVAL_FLOAT, env, o->eval_episodes, c.eval_seed, NULL,
				   0, &r, NULL, err);
		c.teacher_ret = r.mean;
	}
	if (!rc) {
		double sum = 0.0;
		for (uint32_t ep = 0; ep < o->eval_episodes; ep++) {
			sq_env e;
			float obs[SQ_ENV_MAX_OBS];
			bool term = false, trunc = false;
			sq_env_init(&e, env, c.eval_seed + ep);
			sq_env_reset(&e, obs);
			while (!term && !trunc)
				sum += sq_env_step(&e, 0, obs, &term, &trunc);
		}
		c.floor_ret = sum / o->eval_episodes;
		res->teacher_ret = c.teacher_ret;
		res->floor_ret = c.floor_ret;
		say(&c, "autocompress: %s on %s, budget %llu weight-memory bits (%.2f of %llu for uniform 90%%/8/8); reference return %.1f, constant action %.1f; %u actions per layer",
		    env->name, o->board->name, (unsigned long long)res->budget_bits,
		    res->ref_bits ? (double)res->budget_bits / (double)res->ref_bits : 0.0,
		    (unsigned long long)res->ref_bits, c.teacher_ret, c.floor_ret, na);
	}
	if (!rc)
		rc = search(&c, res, err);
	if (!rc)
		rc = finalize(&c, res, err);
	if (!rc && res->best)
		rc = set_meta(&c, res, err);
	sq_model_free(c.teacher);
	sq_mlp_free(&c.tnet);
	sq_mlp_free(&c.snet);
	free(c.states_f);
	free(c.states_d);
	free(c.tq);
	if (rc) {
		sq_model_free(res->best);
		res->best = NULL;
	}
	return rc;
}
