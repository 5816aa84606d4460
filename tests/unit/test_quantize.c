/*
 * test_quantize.c - post-training quantization (host/quantize.c) against an
 * independent reference: the float network evaluated in double, and an error
 * bound derived here from the model's own scales (docs/numerics.md):
 *
 *   input   |q_i - x_i 2^e_i|  <= 1/2 + clip excess            (units of q)
 *   layer   |z^ - z| <= sum |w^| |a^ - a| + sum |w^ - w| |a| + |b^ - b|
 *   hidden  |h^ - h| <= |z^ - z| + 2^-(fa+1) + max(0, z - amax 2^-fa)
 *
 * (ReLU and the clamp are 1-Lipschitz), propagated layer by layer per state.
 * The golden model's Q-values must lie within that bound of the float
 * Q-values, and wherever the float margin between the best action and any
 * other exceeds twice the bound, the actions must agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "fixed.h"
#include "golden.h"
#include "quantize.h"
#include "rng.h"
#include "sqm.h"
#include "testlib.h"

#define CKPT "models/r1-cartpole-float.sqm"

/* A random float model with some exact zeros (pruned weights). */
static sq_model *rand_float(uint32_t n_layers, const uint32_t *dims, bool dueling,
			    double zero_share, uint64_t seed)
{
	sq_model *m = NULL;
	sq_err err;
	sq_rng r;
	if (sq_model_new(n_layers, dims, SQM_FLOAT | (dueling ? SQM_DUELING : 0u), &m, &err))
		return NULL;
	sq_rng_seed(&r, seed);
	for (uint32_t l = 0; l < n_layers; l++) {
		sq_flayer *f = &m->f[l];
		double sc = 1.0 / sqrt((double)f->in_dim);
		for (size_t i = 0; i < (size_t)f->rows * f->in_dim; i++)
			f->w[i] = sq_rng_uniform(&r) < zero_share ? 0.0f
				: (float)(sc * (2.0 * sq_rng_uniform(&r) - 1.0) * 1.5);
		for (uint32_t i = 0; i < f->rows; i++)
			f->b[i] = (float)(0.1 * (2.0 * sq_rng_uniform(&r) - 1.0));
	}
	return m;
}

/* States with feature scales spread over decades (like CartPole's). */
static double *rand_states(uint32_t dim, size_t n, uint64_t seed)
{
	double *s = malloc(n * dim * sizeof *s);
	sq_rng r;
	sq_rng_seed(&r, seed);
	for (size_t i = 0; s && i < n * dim; i++)
		s[i] = sq_rng_normal(&r) * pow(4.0, (double)(i % dim) - 1.0);
	return s;
}

/* Float forward in double of the plain (folded) model f; dueling handled by
 * the caller folding first. acts[l] gets layer outputs. */
static void ref_forward(const sq_model *f, const double *x, double acts[][SQ_MAX_DIM])
{
	const double *in = x;
	for (uint32_t l = 0; l < f->n_layers; l++) {
		const sq_flayer *fl = &f->f[l];
		bool last = l + 1 == f->n_layers;
		for (uint32_t r = 0; r < f->dims[l + 1]; r++) {
			double z = fl->b[r];
			for (uint32_t c = 0; c < fl->in_dim; c++)
				z += (double)fl->w[(size_t)r * fl->in_dim + c] * in[c];
			acts[l][r] = (!last && z < 0) ? 0 : z;
		}
		in = acts[l];
	}
}

/* Dense real-valued weights of fixed layer l (layer 0 acts on the integer
 * inputs q, i.e. folded). */
static void dense_q(const sq_model *m, uint32_t l, double *w)
{
	const sq_qlayer *q = &m->q[l];
	memset(w, 0, (size_t)q->in_dim * q->out_dim * sizeof *w);
	for (uint32_t r = 0; r < q->out_dim; r++)
		for (uint32_t k = q->row_ptr[r]; k < q->row_ptr[r + 1]; k++)
			w[(size_t)r * q->in_dim + q->col[k]] = ldexp(q->val[k], -q->w_exp[r]);
}

/*
 * Checks one quantized model m (FIXED) against float model f (plain) on the
 * states; returns the number of Q-values outside the bound and counts
 * agreement in *agree, decisive states in *decisive, decisive disagreements
 * in *bad.
 */
static int check_bound(const sq_model *m, const sq_model *f, const double *states,
		       size_t n, size_t *agree, size_t *decisive, size_t *bad,
		       double *worst_ratio)
{
	static double acts[SQ_MAX_LAYERS][SQ_MAX_DIM];
	static double ahat[SQ_MAX_DIM], aerr[SQ_MAX_DIM], zb[SQ_MAX_DIM];
	static double aflt[SQ_MAX_DIM];
	static sq_golden_ws ws;
	int32_t q[SQ_MAX_DIM];
	int64_t qv[SQ_MAX_DIM];
	int64_t hid[SQ_MAX_LAYERS][SQ_MAX_DIM];
	int64_t *trace[SQ_MAX_LAYERS];
	int outside = 0;
	uint32_t L = m->n_layers, nout = m->dims[L];
	double *wq[SQ_MAX_LAYERS];
	for (uint32_t l = 0; l < L; l++) {
		wq[l] = malloc((size_t)m->dims[l] * m->dims[l + 1] * sizeof(double));
		dense_q(m, l, wq[l]);
		trace[l] = hid[l];
	}
	*agree = *decisive = *bad = 0;
	*worst_ratio = 0;
	for (size_t s = 0; s < n; s++) {
		const double *x = states + s * m->dims[0];
		ref_forward(f, x, acts);
		sq_quantize_obs(m, x, q);
		uint32_t ag = sq_golden_infer(m, q, qv, &ws, trace);
		/* layer 0 works in units of q: a = x 2^e (float), a^ = q */
		int64_t amax0 = sq_amax(m->q[0].abits_in);
		for (uint32_t c = 0; c < m->dims[0]; c++) {
			double xs = ldexp(x[c], m->in_exp[c]);
			aflt[c] = xs;
			ahat[c] = q[c];
			aerr[c] = 0.5 + fmax(0.0, fabs(xs) - (double)amax0);
		}
		int fa = 0;
		for (uint32_t l = 0; l < L; l++) {
			const sq_qlayer *ql = &m->q[l];
			const sq_flayer *fl = &f->f[l];
			bool last = l + 1 == L;
			for (uint32_t r = 0; r < ql->out_dim; r++) {
				double e = 0;
				for (uint32_t c = 0; c < ql->in_dim; c++) {
					double wf = fl->w[(size_t)r * ql->in_dim + c];
					if (l == 0)
						wf = ldexp(wf, -m->in_exp[c]);
					double wh = wq[l][(size_t)r * ql->in_dim + c];
					e += fabs(wh) * aerr[c] + fabs(wh - wf) * fabs(aflt[c]);
				}
				e += fabs(ldexp((double)ql->bias[r], -(fa + ql->w_exp[r])) - fl->b[r]);
				zb[r] = e * (1 + 1e-9) + 1e-12;
			}
			if (last)
				break;
			int fo = ql->out_exp;
			double top = ldexp((double)sq_amax(m->q[l + 1].abits_in), -fo);
			for (uint32_t r = 0; r < ql->out_dim; r++) {
				/* the float pre-activation, from the float ReLU output
				 * we cannot recover z < 0; the excess only counts above */
				double h = acts[l][r];
				aerr[r] = zb[r] + ldexp(0.5, -fo) + fmax(0.0, h - top);
				ahat[r] = ldexp((double)hid[l][r], -fo);
				aflt[r] = h;
				/* golden's activation must itself be within its bound */
				if (fabs(ahat[r] - h) > aerr[r])
					outside++;
			}
			fa = fo;
		}
		double best = -INFINITY, second = -INFINITY, bmax = 0;
		uint32_t fb = 0;
		for (uint32_t k = 0; k < nout; k++) {
			double qg = sq_q_to_double(m, k, qv[k]);
			double qf = acts[L - 1][k];
			if (fabs(qg - qf) > zb[k])
				outside++;
			if (zb[k] > bmax)
				bmax = zb[k];
			if (qf > best) {
				second = best;
				best = qf;
				fb = k;
			} else if (qf > second) {
				second = qf;
			}
			double ratio = fabs(qg - qf) / zb[k];
			if (ratio > *worst_ratio)
				*worst_ratio = ratio;
		}
		if (ag == fb)
			(*agree)++;
		if (nout < 2 || best - second > 2 * bmax) {
			(*decisive)++;
			if (ag != fb)
				(*bad)++;
		}
	}
	for (uint32_t l = 0; l < L; l++)
		free(wq[l]);
	return outside;
}

/* Quantizes at the given widths and checks validity, shifts, bound. */
static int quant_and_check(const sq_model *fm, const double *st, size_t n,
			   unsigned wbits, unsigned abits, double min_agree)
{
	sq_err err;
	sq_model *qm = NULL, *plain = NULL;
	sq_quant_opts o;
	sq_quant_opts_init(&o, wbits, abits);
	int rc = sq_quantize(fm, st, n, &o, &qm, &err);
	CHECKF(rc == SQ_OK, "%s", err.msg);
	CHECK(sq_model_validate(qm, &err) == SQ_OK);
	CHECK(qm->flags & SQM_FIXED);
	CHECK((qm->flags & SQM_FLOAT) == (fm->flags & SQM_FLOAT));
	CHECK(sq_quant_fold_dueling(fm, &plain, &err) == SQ_OK);
	/* shifts in range; dropped zeros: nnz never exceeds float nonzeros */
	for (uint32_t l = 0; l < qm->n_layers; l++) {
		const sq_qlayer *q = &qm->q[l];
		size_t fnz = 0;
		for (size_t i = 0; i < (size_t)q->in_dim * q->out_dim; i++)
			fnz += plain->f[l].w[i] != 0.0f;
		CHECKF(q->nnz <= fnz, "layer %u: nnz %u > float nonzeros %zu", l, q->nnz, fnz);
		for (uint32_t k = 0; k < q->nnz; k++)
			CHECK(q->val[k] != 0 && llabs(q->val[k]) <= sq_amax(q->wbits));
		if (l + 1 < qm->n_layers)
			for (uint32_t r = 0; r < q->out_dim; r++) {
				int s = sq_row_shift(qm, l, r);
				CHECK(s >= 0 && s <= 31);
			}
	}
	size_t agree, decisive, bad;
	double worst;
	int outside = check_bound(qm, plain, st, n, &agree, &decisive, &bad, &worst);
	CHECKF(outside == 0, "%d values outside the derived bound (w%u a%u)", outside, wbits, abits);
	CHECKF(bad == 0, "%zu of %zu decisive states disagree", bad, decisive);
	CHECKF((double)agree >= min_agree * (double)n, "agreement %zu of %zu (w%u a%u)",
	       agree, n, wbits, abits);
	sq_model_free(plain);
	sq_model_free(qm);
	return 0;
}

static int t_bound_8bit(void)
{
	const uint32_t dims[] = { 4, 64, 64, 2 };
	sq_model *fm = rand_float(3, dims, false, 0.5, 11);
	double *st = rand_states(4, 2000, 12);
	CHECK(fm && st);
	int rc = quant_and_check(fm, st, 2000, 8, 8, 0.97);
	sq_model_free(fm);
	free(st);
	return rc;
}

static int t_bound_low_bits(void)
{
	const uint32_t dims[] = { 6, 32, 32, 3 };
	sq_model *fm = rand_float(3, dims, false, 0.8, 21);
	double *st = rand_states(6, 500, 22);
	CHECK(fm && st);
	int rc = 0;
	const unsigned wb[] = { 2, 3, 4, 6, 12, 16 };
	const unsigned ab[] = { 8, 4, 6, 2, 16, 12 };
	for (unsigned i = 0; !rc && i < 6; i++)
		rc = quant_and_check(fm, st, 500, wb[i], ab[i], 0.0);
	sq_model_free(fm);
	free(st);
	return rc;
}

static int t_dueling_fold(void)
{
	const uint32_t dims[] = { 2, 16, 16, 3 };
	sq_model *fm = rand_float(3, dims, true, 0.3, 31), *plain = NULL;
	double *st = rand_states(2, 300, 32);
	static sq_golden_ws ws;
	static double acts[SQ_MAX_LAYERS][SQ_MAX_DIM];
	sq_err err;
	CHECK(fm && st);
	CHECK(sq_quant_fold_dueling(fm, &plain, &err) == SQ_OK);
	CHECK(!(plain->flags & SQM_DUELING) && plain->f[2].rows == 3);
	for (size_t s = 0; s < 300; s++) {
		double qd[3];
		sq_float_forward(fm, st + 2 * s, qd, &ws);
		ref_forward(plain, st + 2 * s, acts);
		for (int k = 0; k < 3; k++)
			CHECKF(fabs(qd[k] - acts[2][k]) <= 1e-5 * (1 + fabs(qd[k])),
			       "state %zu action %d: dueling %g folded %g", s, k, qd[k], acts[2][k]);
	}
	int rc = quant_and_check(fm, st, 300, 8, 8, 0.97);
	sq_model_free(plain);
	sq_model_free(fm);
	free(st);
	return rc;
}

/* Exponents follow the calibration: the largest |x| of each feature fits
 * without clipping, and doubling the exponent would clip it. */
static int t_input_exponents(void)
{
	const uint32_t dims[] = { 3, 8, 2 };
	sq_model *fm = rand_float(2, dims, false, 0.0, 41), *qm = NULL;
	double st[3 * 4] = { 0.5, 100.0, 0.0, -0.9, 3.0, 0.0, 0.1, -250.0, 0.0, 0.2, 1.0, 0.0 };
	sq_quant_opts o;
	sq_err err;
	CHECK(fm);
	sq_quant_opts_init(&o, 8, 8);
	CHECK(sq_quantize(fm, st, 4, &o, &qm, &err) == SQ_OK);
	CHECK(qm->in_exp[0] == 7);  /* 0.9 * 128 = 115 <= 127, * 256 > 127 */
	CHECK(qm->in_exp[1] == -1); /* 250 / 2 = 125 */
	CHECK(qm->in_exp[2] == 0);  /* always zero */
	sq_model_free(qm);
	/* a bad width is refused with a message */
	o.wbits[1] = 1;
	CHECK(sq_quantize(fm, st, 4, &o, &qm, &err) == SQ_E_INVALID && qm == NULL);
	CHECK(strstr(err.msg, "layer 1") != NULL);
	sq_model_free(fm);
	return 0;
}

/* Power-of-two equalization leaves the float function bit for bit the same,
 * keeps zeros, and brings every live unit's range within 2x of its layer's
 * largest (or scales it by the cap). */
static int t_equalize(void)
{
	const uint32_t dims[] = { 4, 32, 24, 3 };
	sq_model *fm = rand_float(3, dims, false, 0.5, 51), *eq = NULL;
	double *st = rand_states(4, 400, 52);
	static sq_golden_ws ws;
	sq_err err;
	CHECK(fm && st);
	/* make some units quiet: their incoming weights small */
	for (uint32_t r = 0; r < 32; r += 3)
		for (uint32_t c = 0; c < 4; c++)
			fm->f[0].w[r * 4 + c] *= 0.01f;
	CHECK(sq_model_clone(fm, &eq, &err) == SQ_OK);
	uint32_t k = sq_quant_equalize(eq, st, 400, 8);
	CHECK(k > 0);
	for (size_t s = 0; s < 400; s++) {
		double a[3], b[3];
		CHECK(sq_float_forward(fm, st + 4 * s, a, &ws) == sq_float_forward(eq, st + 4 * s, b, &ws));
		for (int j = 0; j < 3; j++)
			CHECKF(a[j] == b[j], "state %zu: Q %a vs %a", s, a[j], b[j]);
	}
	for (uint32_t l = 0; l < 3; l++)
		for (size_t i = 0; i < (size_t)fm->f[l].rows * fm->f[l].in_dim; i++)
			CHECK((fm->f[l].w[i] == 0.0f) == (eq->f[l].w[i] == 0.0f));
	/* ranges after: within 2x of the top, or scaled by the cap 2^8 */
	static double acts[SQ_MAX_LAYERS][SQ_MAX_DIM];
	double rb[32] = { 0 }, ra[32] = { 0 };
	for (size_t s = 0; s < 400; s++) {
		ref_forward(fm, st + 4 * s, acts);
		for (int r = 0; r < 32; r++)
			rb[r] = fmax(rb[r], acts[0][r]);
		ref_forward(eq, st + 4 * s, acts);
		for (int r = 0; r < 32; r++)
			ra[r] = fmax(ra[r], acts[0][r]);
	}
	double top = 0;
	for (int r = 0; r < 32; r++)
		top = fmax(top, ra[r]);
	for (int r = 0; r < 32; r++)
		CHECKF(rb[r] == 0 || ra[r] * 2 > top || ra[r] == ldexp(rb[r], 8),
		       "unit %d: range %g -> %g, top %g", r, rb[r], ra[r], top);
	sq_model_free(eq);
	sq_model_free(fm);
	free(st);
	return 0;
}

/* The shipped R1 checkpoint (when present): plain post-training quantization
 * stays within the derived bound on the states its greedy policy visits.
 * (Its actions hinge on Q-value margins far below 8-bit resolution, so the
 * agreement figure belongs to the compression pipeline: test_compress.c.) */
static int t_checkpoint_agreement(void)
{
	sq_model *fm = NULL;
	sq_err err;
	FILE *f = fopen(CKPT, "rb");
	if (!f)
		return TL_SKIP;
	fclose(f);
	CHECKF(sqm_read_file(CKPT, &fm, &err) == SQ_OK, "%s", err.msg);
	/* states: those the float greedy policy visits, 10 episodes */
	size_t n = 0, cap = 5000;
	double *st = malloc(cap * 4 * sizeof *st);
	static sq_golden_ws ws;
	CHECK(st);
	for (uint64_t ep = 0; ep < 10 && n < cap; ep++) {
		sq_env e;
		float obs[SQ_ENV_MAX_OBS];
		bool term = false, trunc = false;
		sq_env_init(&e, &sq_env_cartpole, 100 + ep);
		sq_env_reset(&e, obs);
		while (!term && !trunc && n < cap) {
			double x[4], qd[2];
			for (int i = 0; i < 4; i++)
				x[i] = st[n * 4 + i] = obs[i];
			n++;
			uint32_t a = sq_float_forward(fm, x, qd, &ws);
			sq_env_step(&e, a, obs, &term, &trunc);
		}
	}
	int rc = quant_and_check(fm, st, n, 8, 8, 0.0);
	free(st);
	sq_model_free(fm);
	return rc;
}

int main(void)
{
	RUN(t_bound_8bit);
	RUN(t_bound_low_bits);
	RUN(t_dueling_fold);
	RUN(t_input_exponents);
	RUN(t_equalize);
	RUN(t_checkpoint_agreement);
	return tl_done();
}
