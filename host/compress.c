/*
 * compress.c - prune, fine-tune, quantize, evaluate (compress.h;
 * docs/compression.md says why each step is there).
 *
 * Pipeline: collect states from the teacher (the input's float network,
 * dueling folded) and label them with its Q-values; by default center them
 * (advantages: the same actions) and scale them to unit RMS, and distill them
 * into a freshly initialized student; prune the student in rounds on a cubic
 * schedule with masked fine-tuning after each (distillation, or continued DQN
 * training); equalize its hidden units with power-of-two factors (exact);
 * optionally fine-tune quantization-aware (straight-through); quantize.
 *
 * State buffer: the first calib_states rows are states the teacher's policy
 * visits (epsilon-greedy, so the buffer also holds states just off the
 * greedy path); after every pruning round the student's own policy adds
 * states (a ring of up to calib_states more rows, only inside the box the
 * teacher's states span), labelled by the teacher, so distillation sees the
 * states the pruned network will actually reach.
 */
#include "compress.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqn.h"
#include "eval.h"
#include "fixed.h"
#include "golden.h"
#include "modelinfo.h"
#include "nn.h"
#include "quantize.h"
#include "rng.h"

#define COLLECT_EPS 0.1     /* random actions while collecting states */
#define QAT_REFRESH 100     /* QAT steps between exponent refreshes */
#define TAYLOR_STATES 2048  /* states used for Taylor scores */
#define TAYLOR_BATCH 32
#define MAX_GRAD_NORM 10.0f /* distillation / QAT gradient clipping */
#define EQUALIZE_MAX_LOG2 8 /* largest equalization factor 2^8 */
#define HUBER_DELTA 1.0     /* distillation loss: quadratic within, in target units */

struct sq_compressor {
	sq_compress_opts o;
	const sq_env_spec *env;
	sq_model *teacher_model;  /* clone of the input */
	sq_mlp teacher;           /* folded teacher */
	sq_mlp student;
	sq_mlp_ws ws;             /* for batches of o.batch rows (student shape) */
	uint8_t *mask;
	sq_adam adam;             /* distillation optimizer (kept across rounds) */
	bool adam_ready;
	sq_rng rng;
	uint64_t episodes;        /* collection episodes so far (seeds) */
	double kappa;             /* targets are kappa * teacher Q */
	float lo[SQ_ENV_MAX_OBS], hi[SQ_ENV_MAX_OBS]; /* box of the teacher's states */
	/* state buffer */
	uint32_t obs_dim, n_act;
	size_t cap, n, ring;      /* capacity, rows, next ring slot */
	float *x;                 /* [cap * obs_dim] */
	float *y;                 /* [cap * n_act] teacher Q-values */
};

void sq_compress_opts_init(sq_compress_opts *o)
{
	memset(o, 0, sizeof *o);
	o->sparsity = 0.9;
	o->wbits = 8;
	o->abits = 8;
	o->method = SQ_PRUNE_MAGNITUDE;
	o->scope = SQ_PRUNE_GLOBAL;
	o->iterations = 3;
	o->finetune_steps = 4000;
	o->init_steps = 10000;
	o->distill = true;
	o->qat = false;
	o->qat_steps = 1000;
	o->anneal = 0.0;
	o->calib_states = 4096;
	o->eval_episodes = 100;
	o->seed = 1;
	o->batch = 64;
	o->lr = 1e-3;
	o->value_weight = 0.1;
	o->center = true;
	o->act_penalty = 0.0;
	o->reinit = true;
	o->equalize = true;
	o->dagger = true;
}

static void say(const sq_compressor *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const sq_compressor *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	if (!c->o.progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->o.progress(c->o.progress_ctx, line);
}

/* ---- sizes ------------------------------------------------------------ */

void sq_compress_size_of(const sq_model *m, sq_compress_size *s)
{
	uint64_t nzbits = 0;
	memset(s, 0, sizeof *s);
	for (uint32_t l = 0; l < m->n_layers; l++) {
		uint64_t in = m->dims[l], outd = m->dims[l + 1];
		s->weights += in * outd;
		s->dense_bytes += 4 * (in * outd + outd);
	}
	if (!(m->flags & SQM_FIXED))
		return;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		sq_layer_info li;
		sq_layer_info_get(m, l, &li);
		s->nnz += li.nnz;
		nzbits += (uint64_t)li.nnz * li.bits_per_nz;
	}
	sq_model_sizes(m, &s->packed_bytes, &s->dense_bytes);
	s->bits_per_nnz = s->nnz ? (double)nzbits / (double)s->nnz : 0.0;
}

/* ---- the state buffer ------------------------------------------------- */

static void label(sq_compressor *c, size_t row)
{
	float q[SQ_MAX_DIM];
	sq_mlp_act(&c->teacher, &c->ws, c->x + row * c->obs_dim, q);
	for (uint32_t k = 0; k < c->n_act; k++)
		c->y[row * c->n_act + k] = (float)(c->kappa * q[k]);
}

/* Runs epsilon-greedy episodes of net until `want` states were stored
 * (or 20 * want steps were taken): appended while the buffer has room, then
 * into the ring after the first calib_states rows. States of a student
 * policy are kept only inside the box the teacher's states span: where the
 * teacher never goes its Q-values are extrapolation, not a target. */
static void collect(sq_compressor *c, const sq_mlp *net, size_t want)
{
	sq_env e;
	float obs[SQ_ENV_MAX_OBS];
	size_t got = 0, steps = 0;
	size_t fixed = c->o.calib_states;
	bool boxed = net != &c->teacher;
	while (got < want && steps < 20 * want) {
		bool term = false, trunc = false;
		sq_env_init(&e, c->env, c->o.seed * 1000003u + 7919u * ++c->episodes);
		sq_env_reset(&e, obs);
		while (!term && !trunc && got < want && steps < 20 * want) {
			bool inside = true;
			for (uint32_t i = 0; boxed && i < c->obs_dim; i++)
				inside = inside && obs[i] >= c->lo[i] && obs[i] <= c->hi[i];
			steps++;
			if (inside) {
				size_t row;
				if (c->n < c->cap) {
					row = c->n++;
				} else {
					row = fixed + c->ring;
					c->ring = (c->ring + 1) % (c->cap - fixed);
				}
				memcpy(c->x + row * c->obs_dim, obs, c->obs_dim * sizeof *obs);
				label(c, row);
				got++;
			}
			uint32_t a = sq_rng_uniform(&c->rng) < COLLECT_EPS
				? (uint32_t)sq_rng_below(&c->rng, c->n_act)
				: sq_mlp_act(net, &c->ws, obs, NULL);
			sq_env_step(&e, a, obs, &term, &trunc);
		}
	}
}

/* Q_k - mean_j Q_j folded into the output layer of a plain MLP: the same
 * actions, and the state value all actions share is gone. */
static void center_output(sq_mlp *net)
{
	uint32_t l = net->n_layers - 1, n = net->rows[l], in = net->dims[l];
	float *w = net->w[l], *b = net->b[l];
	for (uint32_t c = 0; c < in; c++) {
		double mean = 0;
		for (uint32_t k = 0; k < n; k++)
			mean += w[(size_t)k * in + c];
		mean /= n;
		for (uint32_t k = 0; k < n; k++)
			w[(size_t)k * in + c] = (float)((double)w[(size_t)k * in + c] - mean);
	}
	double mb = 0;
	for (uint32_t k = 0; k < n; k++)
		mb += b[k];
	mb /= n;
	for (uint32_t k = 0; k < n; k++)
		b[k] = (float)((double)b[k] - mb);
}

/* Weight of the value error in the distillation loss: none for a centered
 * student, whose outputs are advantages. */
static double value_weight(const sq_compressor *c)
{
	return c->o.center ? 0.0 : c->o.value_weight;
}

/* ---- distillation ----------------------------------------------------- */

/*
 * The distillation loss, over B rows of n Q-values: the error of the
 * advantages (each row minus its mean: what decides the action) plus vw times
 * the error of the row means (the state value), each through the Huber
 * function h (quadratic within HUBER_DELTA, linear beyond: a few states with
 * extreme targets cannot dominate). Writes dLoss/dq; returns the loss.
 */
static double huber(double d, double *g)
{
	double a = fabs(d);
	if (a <= HUBER_DELTA) {
		*g = d;
		return 0.5 * d * d;
	}
	*g = d > 0 ? HUBER_DELTA : -HUBER_DELTA;
	return HUBER_DELTA * (a - 0.5 * HUBER_DELTA);
}

static double adv_loss(const double *q, const float *y, uint32_t B, uint32_t n, double vw,
		       double *dq)
{
	double loss = 0;
	double g[SQ_MAX_DIM];
	for (uint32_t b = 0; b < B; b++) {
		const double *qr = q + (size_t)b * n;
		const float *yr = y + (size_t)b * n;
		double mq = 0, my = 0, mg = 0, gv;
		for (uint32_t k = 0; k < n; k++) {
			mq += qr[k];
			my += yr[k];
		}
		mq /= n;
		my /= n;
		for (uint32_t k = 0; k < n; k++) {
			loss += huber((qr[k] - mq) - ((double)yr[k] - my), &g[k]) / ((double)B * n);
			mg += g[k];
		}
		mg /= n;
		loss += vw * huber(mq - my, &gv) / B;
		/* d d_j / d q_k = [j == k] - 1/n; d mean / d q_k = 1/n */
		for (uint32_t k = 0; k < n; k++)
			dq[(size_t)b * n + k] = (g[k] - mg) / ((double)B * n) + vw * gv / ((double)B * n);
	}
	return loss;
}

static int distill(sq_compressor *c, uint32_t steps, sq_err *err);

/* ---- construction ----------------------------------------------------- */

void sq_compressor_free(sq_compressor *c)
{
	if (!c)
		return;
	free(c->x);
	free(c->y);
	free(c->mask);
	if (c->adam_ready)
		sq_adam_free(&c->adam);
	sq_mlp_ws_free(&c->ws);
	sq_mlp_free(&c->student);
	sq_mlp_free(&c->teacher);
	sq_model_free(c->teacher_model);
	free(c);
}

static int check_opts(const sq_compress_opts *o, sq_err *err)
{
	if (!(o->sparsity >= 0.0 && o->sparsity <= 1.0))
		return sq_fail(err, SQ_E_INVALID, "sparsity %g outside 0..1", o->sparsity);
	if (o->wbits < 2 || o->wbits > 16 || o->abits < 2 || o->abits > 16)
		return sq_fail(err, SQ_E_INVALID, "wbits %u / abits %u outside 2..16",
			       o->wbits, o->abits);
	if (o->iterations < 1 || o->iterations > 1000)
		return sq_fail(err, SQ_E_INVALID, "iterations %u outside 1..1000", o->iterations);
	if (o->calib_states < 1 || o->calib_states > 1000000)
		return sq_fail(err, SQ_E_INVALID, "calibration states %u outside 1..1000000",
			       o->calib_states);
	if (o->batch < 1 || o->batch > 4096)
		return sq_fail(err, SQ_E_INVALID, "batch %u outside 1..4096", o->batch);
	if (!(o->lr > 0.0 && o->lr < 1.0))
		return sq_fail(err, SQ_E_INVALID, "learning rate %g outside (0, 1)", o->lr);
	if (!(o->anneal >= 0.0 && o->anneal <= 1.0))
		return sq_fail(err, SQ_E_INVALID, "anneal %g outside 0..1", o->anneal);
	return SQ_OK;
}

int sq_compressor_new(const sq_model *in, const sq_env_spec *env,
		      const sq_compress_opts *o, sq_compressor **out, sq_err *err)
{
	int rc;
	sq_model *plain = NULL;
	*out = NULL;
	rc = check_opts(o, err);
	if (rc)
		return rc;
	if (!(in->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID,
			       "the model has no float payload (compress needs a float checkpoint)");
	if (in->dims[0] != env->obs_dim || in->dims[in->n_layers] != env->n_actions)
		return sq_fail(err, SQ_E_INVALID,
			       "model has %u inputs and %u actions, %s has %u and %u",
			       in->dims[0], in->dims[in->n_layers], env->name, env->obs_dim,
			       env->n_actions);
	sq_compressor *c = calloc(1, sizeof *c);
	if (!c)
		return sq_fail(err, SQ_E_NOMEM, "compress: out of memory");
	c->o = *o;
	if (!o->distill) {
		/* DQN fine-tuning needs a Q-network: the input's own weights,
		 * outputs not centered */
		c->o.reinit = false;
		c->o.center = false;
	}
	c->env = env;
	c->obs_dim = env->obs_dim;
	c->n_act = env->n_actions;
	sq_rng_seed(&c->rng, o->seed);
	o = &c->o;
	rc = sq_model_clone(in, &c->teacher_model, err);
	if (!rc)
		rc = sq_quant_fold_dueling(in, &plain, err);
	if (!rc)
		rc = sq_mlp_from_model(plain, &c->teacher, err);
	if (!rc)
		rc = sq_mlp_from_model(plain, &c->student, err);
	if (!rc)
		rc = sq_mlp_ws_new(&c->ws, &c->student, o->batch, err);
	sq_model_free(plain);
	if (rc)
		goto out_free;
	c->mask = sq_prune_mask_new(&c->student);
	c->cap = 2 * (size_t)o->calib_states;
	c->x = malloc(c->cap * c->obs_dim * sizeof *c->x);
	c->y = malloc(c->cap * c->n_act * sizeof *c->y);
	if (!c->mask || !c->x || !c->y) {
		rc = sq_fail(err, SQ_E_NOMEM, "compress: out of memory for %zu states", c->cap);
		goto out_free;
	}
	if (o->reinit) {
		sq_rng ir;
		sq_rng_seed(&ir, o->seed ^ 0x5eed5eedu);
		sq_mlp_init(&c->student, &ir);
	} else if (o->center) {
		center_output(&c->student);
	}
	/* weights that are already zero (a pruned checkpoint) stay pruned */
	for (uint32_t l = 0; l < c->student.n_layers; l++)
		for (size_t i = 0; i < (size_t)c->student.rows[l] * c->student.dims[l]; i++)
			if (c->student.params[c->student.w_off[l] + i] == 0.0f)
				c->mask[c->student.w_off[l] + i] = 0;
	c->kappa = 1.0;
	collect(c, &c->teacher, o->calib_states);
	for (uint32_t i = 0; i < c->obs_dim; i++) {
		c->lo[i] = INFINITY;
		c->hi[i] = -INFINITY;
		for (size_t r = 0; r < c->n; r++) {
			c->lo[i] = fminf(c->lo[i], c->x[r * c->obs_dim + i]);
			c->hi[i] = fmaxf(c->hi[i], c->x[r * c->obs_dim + i]);
		}
	}
	if (o->center) {
		/* normalize: the teacher's advantages get unit RMS over the
		 * buffer, and the student's centered output layer the same
		 * scale (a positive factor: every argmax is unchanged) */
		double ss = 0;
		for (size_t r = 0; r < c->n; r++) {
			const float *y = c->y + r * c->n_act;
			double m = 0;
			for (uint32_t k = 0; k < c->n_act; k++)
				m += y[k];
			m /= c->n_act;
			for (uint32_t k = 0; k < c->n_act; k++)
				ss += (y[k] - m) * (y[k] - m);
		}
		double rms = sqrt(ss / ((double)c->n * c->n_act));
		if (rms > 0 && isfinite(rms)) {
			c->kappa = 1.0 / rms;
			for (size_t i = 0; i < c->n * c->n_act; i++)
				c->y[i] = (float)(c->kappa * c->y[i]);
			uint32_t L = c->student.n_layers - 1;
			size_t nw = (size_t)c->student.rows[L] * c->student.dims[L];
			for (size_t i = 0; !o->reinit && i < nw; i++)
				c->student.w[L][i] = (float)(c->kappa * c->student.w[L][i]);
			for (uint32_t k = 0; !o->reinit && k < c->student.rows[L]; k++)
				c->student.b[L][k] = (float)(c->kappa * c->student.b[L][k]);
		}
	}
	say(c, "collected %zu states from the float policy (target scale %.4g)", c->n, c->kappa);
	if (o->reinit && o->init_steps) {
		say(c, "distilling a fresh %u-layer student", c->student.n_layers);
		rc = distill(c, o->init_steps, err);
		if (rc)
			goto out_free;
		collect(c, &c->student, o->calib_states / 2);
	}
	*out = c;
	return SQ_OK;

out_free:
	sq_compressor_free(c);
	return rc;
}

double sq_compressor_scale(const sq_compressor *c)
{
	return c->kappa;
}

double sq_compressor_sparsity(const sq_compressor *c)
{
	return sq_prune_sparsity(&c->student, c->mask, -1);
}

const sq_model *sq_compressor_teacher(const sq_compressor *c)
{
	return c->teacher_model;
}

int sq_compressor_student(const sq_compressor *c, sq_model **out, sq_err *err)
{
	return sq_mlp_to_model(&c->student, out, err);
}

/* ---- pruning ---------------------------------------------------------- */

static int finetune_dqn(sq_compressor *c, uint32_t steps, sq_err *err)
{
	sq_dqn_cfg cfg;
	sq_dqn *d = NULL;
	int rc = sq_dqn_defaults(&cfg, c->env->name, err);
	if (rc)
		return rc;
	cfg.n_hidden = c->student.n_layers - 1;
	for (uint32_t l = 0; l + 1 < c->student.n_layers; l++)
		cfg.hidden[l] = c->student.dims[l + 1];
	cfg.dueling = false;
	cfg.seed = c->o.seed + 17u * c->episodes;
	cfg.total_steps = steps;
	/* fine-tuning starts from a good policy: little exploration, a short
	 * warm-up of the replay buffer */
	cfg.learning_starts = steps / 10 < cfg.learning_starts ? steps / 10 : cfg.learning_starts;
	cfg.eps_start = cfg.eps_end;
	rc = sq_dqn_cfg_check(&cfg, err);
	if (!rc)
		rc = sq_dqn_new(&cfg, &c->student, &d, err);
	if (rc)
		return rc;
	/* the pruned weights stay zero through every update and target copy */
	sq_dqn_set_mask(d, c->mask);
	rc = sq_dqn_run(d, steps, steps, NULL, NULL);
	if (rc < 0) {
		sq_dqn_free(d);
		return sq_fail(err, rc, "dqn fine-tuning: %s", sq_strerror(rc));
	}
	sq_mlp_copy(&c->student, sq_dqn_online(d));
	sq_prune_apply(&c->student, c->mask);
	uint32_t np;
	const sq_dqn_point *pt = sq_dqn_curve(d, &np);
	if (np)
		say(c, "  dqn fine-tuned %u transitions, mean return %.1f", steps,
		    pt[np - 1].mean_return);
	sq_dqn_free(d);
	return SQ_OK;
}

static int finetune(sq_compressor *c, uint32_t steps, sq_err *err)
{
	if (!steps)
		return SQ_OK;
	return c->o.distill ? distill(c, steps, err) : finetune_dqn(c, steps, err);
}

int sq_compressor_prune_to(sq_compressor *c, double sparsity, sq_err *err)
{
	int rc = SQ_OK;
	double s0 = sq_compressor_sparsity(c);
	uint32_t K = c->o.iterations;
	double *score = NULL;
	if (!(sparsity >= 0.0 && sparsity <= 1.0))
		return sq_fail(err, SQ_E_INVALID, "sparsity %g outside 0..1", sparsity);
	if (sparsity < s0 - 1e-9)
		return sq_fail(err, SQ_E_INVALID,
			       "sparsity %g is below the model's current %g (pruning only adds zeros)",
			       sparsity, s0);
	score = malloc(c->student.n_params * sizeof *score);
	if (!score)
		return sq_fail(err, SQ_E_NOMEM, "prune: out of memory");
	for (uint32_t k = 1; k <= K; k++) {
		/* cubic schedule (Zhu and Gupta 2017): big steps first */
		double t = (double)k / K;
		double sk = k == K ? sparsity : s0 + (sparsity - s0) * (1.0 - pow(1.0 - t, 3.0));
		if (c->o.method == SQ_PRUNE_TAYLOR) {
			size_t n = c->n < TAYLOR_STATES ? c->n : TAYLOR_STATES;
			rc = sq_prune_score_taylor(&c->student, c->x, n, TAYLOR_BATCH, score, err);
		} else {
			sq_prune_score_magnitude(&c->student, score);
		}
		if (!rc)
			rc = sq_prune_select(&c->student, score, sk, c->o.scope, c->mask, err);
		if (rc)
			break;
		say(c, "round %u/%u: sparsity %.4f", k, K, sq_compressor_sparsity(c));
		rc = finetune(c, c->o.finetune_steps, err);
		if (rc)
			break;
		/* the pruned policy's own states, for the next round */
		if (c->o.finetune_steps && c->o.dagger)
			collect(c, &c->student, c->o.calib_states / 2);
	}
	free(score);
	return rc;
}

/* ---- quantization-aware fine-tuning ----------------------------------- */

/* Scales of a quantized model, in the real units of the float network. */
struct fq {
	uint32_t L;
	const uint32_t *dims;
	double in_scale[SQ_MAX_DIM];   /* 2^e_i */
	int in_exp[SQ_MAX_DIM];
	int64_t in_amax;
	int fw[SQ_MAX_LAYERS][SQ_MAX_DIM];
	int fa[SQ_MAX_LAYERS + 1];     /* fa[l]: exponent of layer l's input */
	int64_t wamax[SQ_MAX_LAYERS], aamax[SQ_MAX_LAYERS + 1];
};

static void fq_from_model(struct fq *f, const sq_model *qm)
{
	f->L = qm->n_layers;
	f->dims = qm->dims;
	f->in_amax = sq_amax(qm->q[0].abits_in);
	for (uint32_t i = 0; i < qm->dims[0]; i++)
		f->in_exp[i] = qm->in_exp[i];
	f->fa[0] = 0;
	for (uint32_t l = 0; l < qm->n_layers; l++) {
		for (uint32_t r = 0; r < qm->dims[l + 1]; r++)
			f->fw[l][r] = qm->q[l].w_exp[r];
		f->fa[l + 1] = qm->q[l].out_exp;
		f->wamax[l] = sq_amax(qm->q[l].wbits);
		f->aamax[l] = sq_amax(qm->q[l].abits_in);
	}
}

static double rq(double v, int e, double amax)
{
	double t = floor(ldexp(v, e) + 0.5);
	if (t > amax)
		t = amax;
	if (t < -amax)
		t = -amax;
	return ldexp(t, -e);
}

/* Fake-quantized weights (real units, acting on real activations) of the
 * master weights w of layer l: layer 0 folds the input exponents. */
static void fq_weights(const struct fq *f, const sq_mlp *net, uint32_t l, double alpha,
		       double *wq, double *bq)
{
	uint32_t in = net->dims[l], rows = net->rows[l];
	int fa = l == 0 ? 0 : f->fa[l];
	for (uint32_t r = 0; r < rows; r++) {
		int fw = f->fw[l][r];
		for (uint32_t c = 0; c < in; c++) {
			double w = net->w[l][(size_t)r * in + c];
			double q;
			if (l == 0)
				q = ldexp(rq(ldexp(w, -f->in_exp[c]), fw, (double)f->wamax[l]), f->in_exp[c]);
			else
				q = rq(w, fw, (double)f->wamax[l]);
			wq[(size_t)r * in + c] = w + alpha * (q - w);
		}
		double b = net->b[l][r];
		double qb = ldexp(floor(ldexp(b, fa + fw) + 0.5), -(fa + fw));
		bq[r] = b + alpha * (qb - b);
	}
}

struct qat_ws {
	double *a[SQ_MAX_LAYERS + 1];  /* [B * dims[l]] activations (a[0] inputs) */
	double *z[SQ_MAX_LAYERS];      /* [B * dims[l+1]] pre-activations */
	double *d[2];                  /* deltas */
	double *wq[SQ_MAX_LAYERS], *bq[SQ_MAX_LAYERS];
	double *gw;                    /* [n_params] */
	float *g;
};

static void qat_ws_free(struct qat_ws *w, uint32_t L)
{
	for (uint32_t l = 0; l <= L; l++)
		free(w->a[l]);
	for (uint32_t l = 0; l < L; l++) {
		free(w->z[l]);
		free(w->wq[l]);
		free(w->bq[l]);
	}
	free(w->d[0]);
	free(w->d[1]);
	free(w->gw);
	free(w->g);
}

static int qat_ws_new(struct qat_ws *w, const sq_mlp *net, uint32_t B)
{
	uint32_t L = net->n_layers, maxd = 0;
	memset(w, 0, sizeof *w);
	for (uint32_t l = 0; l <= L; l++) {
		if (net->dims[l] > maxd)
			maxd = net->dims[l];
		w->a[l] = malloc((size_t)B * net->dims[l] * sizeof(double));
		if (!w->a[l])
			return -1;
	}
	for (uint32_t l = 0; l < L; l++) {
		w->z[l] = malloc((size_t)B * net->dims[l + 1] * sizeof(double));
		w->wq[l] = malloc((size_t)net->rows[l] * net->dims[l] * sizeof(double));
		w->bq[l] = malloc(net->rows[l] * sizeof(double));
		if (!w->z[l] || !w->wq[l] || !w->bq[l])
			return -1;
	}
	w->d[0] = malloc((size_t)B * maxd * sizeof(double));
	w->d[1] = malloc((size_t)B * maxd * sizeof(double));
	w->gw = malloc(net->n_params * sizeof(double));
	w->g = malloc(net->n_params * sizeof(float));
	return (w->d[0] && w->d[1] && w->gw && w->g) ? 0 : -1;
}

/* One QAT step on batch (x, y) of B rows: forward through fake
 * quantization (blend alpha), MSE, STE backward into w->g. Returns the loss. */
static double qat_step(const struct fq *f, const sq_mlp *net, struct qat_ws *w,
		       const float *x, const float *y, uint32_t B, double alpha, double vw,
		       double lambda)
{
	uint32_t L = net->n_layers, n_out = net->dims[L];
	uint32_t in0 = net->dims[0];
	for (uint32_t b = 0; b < B; b++)
		for (uint32_t i = 0; i < in0; i++) {
			double v = x[(size_t)b * in0 + i];
			double q = rq(v, f->in_exp[i], (double)f->in_amax);
			w->a[0][(size_t)b * in0 + i] = v + alpha * (q - v);
		}
	for (uint32_t l = 0; l < L; l++) {
		uint32_t in = net->dims[l], rows = net->dims[l + 1];
		bool last = l + 1 == L;
		double top = last ? 0 : ldexp((double)f->aamax[l + 1], -f->fa[l + 1]);
		for (uint32_t b = 0; b < B; b++) {
			const double *a = w->a[l] + (size_t)b * in;
			for (uint32_t r = 0; r < rows; r++) {
				const double *wr = w->wq[l] + (size_t)r * in;
				double z = w->bq[l][r];
				for (uint32_t c = 0; c < in; c++)
					z += wr[c] * a[c];
				w->z[l][(size_t)b * rows + r] = z;
				if (last) {
					w->a[l + 1][(size_t)b * rows + r] = z;
				} else {
					double h = z > 0 ? z : 0;
					double q = rq(z, f->fa[l + 1], (double)f->aamax[l + 1]);
					if (q < 0)
						q = 0;
					(void)top;
					w->a[l + 1][(size_t)b * rows + r] = h + alpha * (q - h);
				}
			}
		}
	}
	double *d = w->d[L & 1];
	double loss = adv_loss(w->a[L], y, B, n_out, vw, d);
	memset(w->gw, 0, net->n_params * sizeof *w->gw);
	for (uint32_t l = L; l-- > 0;) {
		uint32_t in = net->dims[l], rows = net->dims[l + 1];
		double *dz = w->d[(l + 1) & 1], *da = w->d[l & 1];
		bool last = l + 1 == L;
		if (!last) {
			/* the activation penalty lambda * mean over units of a^2 */
			double pg = 2.0 * lambda / ((double)B * rows);
			const double *ao = w->a[l + 1];
			for (size_t i = 0; lambda > 0 && i < (size_t)B * rows; i++) {
				dz[i] += pg * ao[i];
				loss += lambda * ao[i] * ao[i] / ((double)B * rows);
			}
			/* STE: ReLU for the float part, the clamp window for the
			 * quantized part */
			double top = ldexp((double)f->aamax[l + 1], -f->fa[l + 1]);
			for (size_t i = 0; i < (size_t)B * rows; i++) {
				double z = w->z[l][i];
				double g = (1 - alpha) * (z > 0) + alpha * (z > 0 && z < top);
				dz[i] *= g;
			}
		}
		double *gw = w->gw + net->w_off[l], *gb = w->gw + net->b_off[l];
		for (uint32_t b = 0; b < B; b++) {
			const double *a = w->a[l] + (size_t)b * in;
			const double *dr = dz + (size_t)b * rows;
			for (uint32_t r = 0; r < rows; r++) {
				if (dr[r] == 0)
					continue;
				gb[r] += dr[r];
				for (uint32_t c = 0; c < in; c++)
					gw[(size_t)r * in + c] += dr[r] * a[c];
			}
		}
		if (l == 0)
			break;
		for (uint32_t b = 0; b < B; b++) {
			const double *dr = dz + (size_t)b * rows;
			double *dai = da + (size_t)b * in;
			for (uint32_t c = 0; c < in; c++)
				dai[c] = 0;
			for (uint32_t r = 0; r < rows; r++) {
				if (dr[r] == 0)
					continue;
				const double *wr = w->wq[l] + (size_t)r * in;
				for (uint32_t c = 0; c < in; c++)
					dai[c] += dr[r] * wr[c];
			}
		}
	}
	for (size_t i = 0; i < net->n_params; i++)
		w->g[i] = (float)w->gw[i];
	return loss;
}

static int quantize_net(sq_compressor *c, const sq_mlp *net, unsigned wbits, unsigned abits,
			sq_model **out, sq_err *err)
{
	sq_model *fm = NULL;
	double *st = NULL;
	sq_quant_opts qo;
	int rc = sq_mlp_to_model(net, &fm, err);
	if (rc)
		return rc;
	st = malloc(c->n * c->obs_dim * sizeof *st);
	if (!st) {
		sq_model_free(fm);
		return sq_fail(err, SQ_E_NOMEM, "quantize: out of memory");
	}
	for (size_t i = 0; i < c->n * c->obs_dim; i++)
		st[i] = c->x[i];
	sq_quant_opts_init(&qo, wbits, abits);
	rc = sq_quantize(fm, st, c->n, &qo, out, err);
	free(st);
	sq_model_free(fm);
	return rc;
}

/*
 * Fits net to the teacher on the state buffer for `steps` minibatch updates
 * with optimizer opt (mask honoured). wbits 0: plain float distillation;
 * otherwise quantization-aware, the fake quantization fading in over the
 * first o.anneal of the steps and its exponents refreshed from a real
 * quantization of net every QAT_REFRESH steps.
 */
static int fit(sq_compressor *c, sq_mlp *net, sq_adam *opt, uint32_t steps,
	       unsigned wbits, unsigned abits, sq_err *err)
{
	struct qat_ws w;
	struct fq *f = calloc(1, sizeof *f);
	sq_model *qm = NULL;
	uint32_t B = c->o.batch;
	float *xb = malloc((size_t)B * c->obs_dim * sizeof *xb);
	float *yb = malloc((size_t)B * c->n_act * sizeof *yb);
	int rc = SQ_OK;
	/* plain distillation runs on nn.h's float kernels; QAT and the
	 * activation penalty need the double pass below */
	bool fast = !wbits && !(c->o.act_penalty > 0);
	sq_mlp_ws mws = { 0 };
	double *qd = malloc((size_t)B * c->n_act * sizeof *qd);
	double *dqd = malloc((size_t)B * c->n_act * sizeof *dqd);
	float *dq = malloc((size_t)B * c->n_act * sizeof *dq);
	bool ws_ok = fast ? sq_mlp_ws_new(&mws, net, B, err) == SQ_OK : qat_ws_new(&w, net, B) == 0;
	const char *what = wbits ? "QAT" : "distill";
	if (fast) {
		memset(&w, 0, sizeof w);
		w.g = ws_ok ? malloc(net->n_params * sizeof *w.g) : NULL;
		ws_ok = ws_ok && w.g;
	}
	if (!f || !xb || !yb || !qd || !dqd || !dq || !ws_ok) {
		rc = sq_fail(err, SQ_E_NOMEM, "%s: out of memory", what);
		goto out_free;
	}
	double loss = 0, win = 0;
	uint32_t every = steps >= 4 ? steps / 4 : 1;
	for (uint32_t s = 0; s < steps; s++) {
		double alpha = 0.0;
		if (wbits) {
			if (s % QAT_REFRESH == 0) {
				sq_model_free(qm);
				qm = NULL;
				rc = quantize_net(c, net, wbits, abits, &qm, err);
				if (rc)
					break;
				fq_from_model(f, qm);
			}
			double ramp = c->o.anneal > 0 ? (double)s / (c->o.anneal * steps) : 1.0;
			alpha = ramp < 1.0 ? ramp : 1.0;
		}
		for (uint32_t l = 0; !fast && l < net->n_layers; l++)
			fq_weights(f, net, l, alpha, w.wq[l], w.bq[l]);
		for (uint32_t b = 0; b < B; b++) {
			size_t row = (size_t)sq_rng_below(&c->rng, c->n);
			memcpy(xb + (size_t)b * c->obs_dim, c->x + row * c->obs_dim,
			       c->obs_dim * sizeof *xb);
			memcpy(yb + (size_t)b * c->n_act, c->y + row * c->n_act,
			       c->n_act * sizeof *yb);
		}
		double l1;
		if (fast) {
			const float *q = sq_mlp_forward(net, &mws, xb, B);
			for (size_t i = 0; i < (size_t)B * c->n_act; i++)
				qd[i] = q[i];
			l1 = adv_loss(qd, yb, B, c->n_act, value_weight(c), dqd);
			for (size_t i = 0; i < (size_t)B * c->n_act; i++)
				dq[i] = (float)dqd[i];
			memset(w.g, 0, net->n_params * sizeof *w.g);
			sq_mlp_backward(net, &mws, dq, w.g);
		} else {
			l1 = qat_step(f, net, &w, xb, yb, B, alpha, value_weight(c), c->o.act_penalty);
		}
		loss += l1;
		win += l1;
		sq_grad_clip(w.g, net->n_params, MAX_GRAD_NORM);
		sq_adam_step(opt, net->params, w.g, c->mask);
		if ((s + 1) % every == 0) {
			say(c, "  %s step %u/%u: loss %.4g", what, s + 1, steps, win / every);
			win = 0;
		}
	}
	(void)loss;
out_free:
	sq_model_free(qm);
	qat_ws_free(&w, net->n_layers);
	sq_mlp_ws_free(&mws);
	free(dq);
	free(dqd);
	free(qd);
	free(yb);
	free(xb);
	free(f);
	return rc;
}

static int distill(sq_compressor *c, uint32_t steps, sq_err *err)
{
	if (!c->adam_ready) {
		int rc = sq_adam_new(&c->adam, c->student.n_params, (float)c->o.lr, err);
		if (rc)
			return rc;
		c->adam_ready = true;
	}
	return fit(c, &c->student, &c->adam, steps, 0, 0, err);
}

static int run_qat(sq_compressor *c, sq_mlp *net, unsigned wbits, unsigned abits, sq_err *err)
{
	sq_adam opt;
	int rc = sq_adam_new(&opt, net->n_params, (float)c->o.lr, err);
	if (rc)
		return rc;
	rc = fit(c, net, &opt, c->o.qat_steps, wbits, abits, err);
	sq_adam_free(&opt);
	return rc;
}

/* Power-of-two cross-layer equalization of net (quantize.h), calibrated on
 * the buffer: the same function, one activation range per layer fits all.
 * The factor divides the unit's outgoing weights, which then get fewer
 * levels of their rows' steps: at most 2^(wbits - 5) (none at 5 bits or
 * fewer: at 4 bits R2 lost whole paths to rounding, return -500). */
static int equalize(sq_compressor *c, sq_mlp *net, unsigned wbits, sq_err *err)
{
	int kmax = (int)wbits - 5;
	if (kmax > EQUALIZE_MAX_LOG2)
		kmax = EQUALIZE_MAX_LOG2;
	if (kmax <= 0)
		return SQ_OK;
	sq_model *fm = NULL;
	double *st = malloc(c->n * c->obs_dim * sizeof *st);
	int rc = st ? sq_mlp_to_model(net, &fm, err)
		    : sq_fail(err, SQ_E_NOMEM, "equalize: out of memory");
	if (!rc) {
		for (size_t i = 0; i < c->n * c->obs_dim; i++)
			st[i] = c->x[i];
		uint32_t k = sq_quant_equalize(fm, st, c->n, kmax);
		sq_mlp_free(net);
		rc = sq_mlp_from_model(fm, net, err);
		if (!rc)
			say(c, "  equalized %u hidden units", k);
	}
	sq_model_free(fm);
	free(st);
	return rc;
}

int sq_compressor_quantize(sq_compressor *c, unsigned wbits, unsigned abits,
			   sq_model **out, sq_err *err)
{
	sq_mlp net = { 0 };
	int rc;
	*out = NULL;
	if (wbits < 2 || wbits > 16 || abits < 2 || abits > 16)
		return sq_fail(err, SQ_E_INVALID, "wbits %u / abits %u outside 2..16", wbits, abits);
	rc = sq_mlp_new(&net, c->student.n_layers, c->student.dims, false, err);
	if (rc)
		return rc;
	sq_mlp_copy(&net, &c->student);
	if (c->o.equalize)
		rc = equalize(c, &net, wbits, err);
	if (!rc && c->o.qat && c->o.qat_steps)
		rc = run_qat(c, &net, wbits, abits, err);
	if (!rc)
		rc = quantize_net(c, &net, wbits, abits, out, err);
	for (uint32_t i = 0; !rc && i < c->teacher_model->n_meta; i++) {
		/* figures measured on the input describe the reference */
		const char *k = c->teacher_model->meta[i].key;
		char key[SQ_MAX_KEY + 1];
		if (!strncmp(k, "return_", 7) || !strcmp(k, "selection") || !strcmp(k, "agreement"))
			snprintf(key, sizeof key, "reference_%s", k);
		else
			snprintf(key, sizeof key, "%s", k);
		rc = sq_meta_set(*out, key, c->teacher_model->meta[i].value, err);
	}
	if (rc) {
		sq_model_free(*out);
		*out = NULL;
	}
	sq_mlp_free(&net);
	return rc;
}

/* ---- the whole pipeline ----------------------------------------------- */

/* Metadata entries collected before they are set, so one loop reports the
 * first failure. */
struct kv {
	const char *key;
	char val[64];
};

static void kv_f(struct kv *t, size_t *n, const char *key, double v)
{
	t[*n].key = key;
	snprintf(t[*n].val, sizeof t[*n].val, "%.6g", v);
	(*n)++;
}

static void kv_s(struct kv *t, size_t *n, const char *key, const char *v)
{
	t[*n].key = key;
	snprintf(t[*n].val, sizeof t[*n].val, "%s", v);
	(*n)++;
}

int sq_compress_run(const sq_model *in, const sq_env_spec *env, const sq_compress_opts *o,
		    sq_model **out, sq_eval_result *evals, sq_err *err)
{
	sq_compressor *c = NULL;
	sq_model *m = NULL, *student = NULL;
	sq_eval_result ev[3];
	int rc;
	*out = NULL;
	memset(ev, 0, sizeof ev);
	rc = sq_compressor_new(in, env, o, &c, err);
	if (!rc)
		rc = sq_compressor_prune_to(c, o->sparsity, err);
	if (!rc)
		rc = sq_compressor_quantize(c, o->wbits, o->abits, &m, err);
	if (!rc)
		rc = sq_compressor_student(c, &student, err);
	if (!rc && o->eval_episodes) {
		uint64_t es = o->seed + 1000;
		const sq_model *ref = c->teacher_model;
		rc = sq_eval_model(ref, SQ_EVAL_FLOAT, env, o->eval_episodes, es, NULL, 0,
				   &ev[0], NULL, err);
		if (!rc)
			rc = sq_eval_model(student, SQ_EVAL_FLOAT, env, o->eval_episodes, es,
					   NULL, 0, &ev[1], NULL, err);
		if (!rc)
			rc = sq_eval_model(m, SQ_EVAL_FIXED, env, o->eval_episodes, es,
					   NULL, 0, &ev[2], NULL, err);
		/* agreement on the states the reference policy visits (a policy
		 * compared on its own trajectory lives on its own decision
		 * boundary, where any other policy disagrees most) */
		for (int i = 1; !rc && i < 3; i++) {
			sq_eval_result a;
			rc = sq_eval_model(ref, SQ_EVAL_FLOAT, env, o->eval_episodes, es,
					   i == 1 ? student : m, i == 1 ? SQ_EVAL_FLOAT : SQ_EVAL_FIXED,
					   &a, NULL, err);
			ev[i].agree = a.agree;
			ev[i].steps = a.steps;
			ev[i].against_path = a.against_path;
		}
	}
	if (rc)
		goto out_free;

	sq_compress_size sz;
	sq_compress_size_of(m, &sz);
	static const char *const method[] = { "magnitude", "taylor" };
	static const char *const scope[] = { "layer", "global" };
	struct kv t[48];
	size_t n = 0;
	kv_s(t, &n, "env", env->name);
	kv_f(t, &n, "sparsity", 1.0 - (double)sz.nnz / (double)sz.weights);
	kv_f(t, &n, "sparsity_target", o->sparsity);
	kv_f(t, &n, "sparsity_float", sq_compressor_sparsity(c));
	kv_f(t, &n, "wbits", o->wbits);
	kv_f(t, &n, "abits", o->abits);
	kv_s(t, &n, "prune_method", method[o->method]);
	kv_s(t, &n, "prune_scope", scope[o->scope]);
	kv_f(t, &n, "prune_iterations", o->iterations);
	kv_s(t, &n, "finetune", o->distill ? "distill" : "dqn");
	kv_f(t, &n, "finetune_steps", o->finetune_steps);
	kv_f(t, &n, "qat_steps", o->qat ? o->qat_steps : 0);
	kv_f(t, &n, "qat_anneal", o->anneal);
	kv_f(t, &n, "calib_states", o->calib_states);
	kv_f(t, &n, "compress_seed", (double)o->seed);
	kv_f(t, &n, "distill_lr", o->lr);
	kv_s(t, &n, "reinit", c->o.reinit ? "1" : "0");
	kv_f(t, &n, "init_steps", c->o.reinit ? c->o.init_steps : 0);
	kv_s(t, &n, "q_centered", c->o.center ? "1" : "0");
	kv_f(t, &n, "q_scale", c->kappa);
	kv_f(t, &n, "value_weight", value_weight(c));
	kv_f(t, &n, "act_penalty", o->act_penalty);
	kv_s(t, &n, "equalize", o->equalize ? "1" : "0");
	kv_f(t, &n, "distill_batch", o->batch);
	kv_f(t, &n, "packed_bytes", (double)sz.packed_bytes);
	kv_f(t, &n, "dense_bytes", (double)sz.dense_bytes);
	if (o->eval_episodes) {
		kv_f(t, &n, "eval_episodes", o->eval_episodes);
		kv_f(t, &n, "eval_seed", (double)(o->seed + 1000));
		kv_f(t, &n, "return_mean", ev[2].mean);
		kv_f(t, &n, "return_std", ev[2].std);
		kv_f(t, &n, "return_min", ev[2].min);
		kv_f(t, &n, "return_max", ev[2].max);
		kv_f(t, &n, "agreement", ev[2].steps ? (double)ev[2].agree / (double)ev[2].steps : 0.0);
		kv_f(t, &n, "return_mean_float_pruned", ev[1].mean);
		kv_f(t, &n, "return_mean_reference", ev[0].mean);
	}
	kv_s(t, &n, "generator", "sparq compress");
	for (size_t i = 0; !rc && i < n; i++)
		rc = sq_meta_set(m, t[i].key, t[i].val, err);
	if (rc)
		goto out_free;
	if (evals)
		memcpy(evals, ev, sizeof ev);
	*out = m;
	m = NULL;
out_free:
	sq_model_free(student);
	sq_model_free(m);
	sq_compressor_free(c);
	return rc;
}
