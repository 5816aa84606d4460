/*
 * test_golden.c - the golden model (host/golden.c) and the shared vectors
 * (host/vectors.c) against a deliberately naive reference written here:
 * dense matrices built from the CSR, long double / __int128 arithmetic,
 * rounding as an explicit floor((acc + 2^(s-1)) / 2^s), saturation and ReLU
 * as two separate steps. Plus hand-computed cases for every rule of
 * docs/numerics.md that a random sweep could miss.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "fixed.h"
#include "randmodel.h"
#include "rng.h"
#include "sqm.h"
#include "testlib.h"
#include "vectors.h"

/* ---- the naive reference ------------------------------------------------- */

static long double ref_amax(unsigned bits)
{
	return powl(2.0L, (long double)bits - 1) - 1;
}

/* floor((acc + 2^(s-1)) / 2^s), all exact in long double (|acc| < 2^62). */
static long double ref_round(long double acc, int s)
{
	if (s == 0)
		return acc;
	return floorl((acc + powl(2.0L, s - 1)) / powl(2.0L, s));
}

/* Runs the model densely; fills out_q[] and trace; returns the action. */
static uint32_t ref_infer(const sq_model *m, const int32_t *q, __int128 *out_q,
			  long double trace[][SQ_MAX_DIM])
{
	long double in[SQ_MAX_DIM], nxt[SQ_MAX_DIM];
	for (uint32_t i = 0; i < m->dims[0]; i++)
		in[i] = q[i];
	int fa = 0;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		long double *dense = calloc((size_t)L->in_dim * L->out_dim, sizeof *dense);
		for (uint32_t r = 0; r < L->out_dim; r++)
			for (uint32_t k = L->row_ptr[r]; k < L->row_ptr[r + 1]; k++)
				dense[(size_t)r * L->in_dim + L->col[k]] = L->val[k];
		for (uint32_t r = 0; r < L->out_dim; r++) {
			__int128 acc = L->bias[r];
			for (uint32_t c = 0; c < L->in_dim; c++)
				acc += (__int128)dense[(size_t)r * L->in_dim + c] * (__int128)in[c];
			if (l + 1 == m->n_layers) {
				out_q[r] = acc;
				trace[l][r] = (long double)acc;
			} else {
				int s = fa + L->w_exp[r] - L->out_exp;
				long double t = ref_round((long double)acc, s);
				long double amax = ref_amax(m->q[l + 1].abits_in);
				if (t > amax)
					t = amax;          /* saturate ... */
				if (t < -amax)
					t = -amax;
				if (t < 0)
					t = 0;             /* ... then ReLU */
				nxt[r] = t;
				trace[l][r] = t;
			}
		}
		free(dense);
		memcpy(in, nxt, sizeof in);
		fa = L->out_exp;
	}
	uint32_t n = m->dims[m->n_layers], best = 0;
	for (uint32_t i = 0; i < n; i++)
		if (out_q[i] > out_q[best])
			best = i;
	return best;
}

/* Input quantization: the double sum rounds exactly like IEEE addition,
 * i.e. the correctly rounded exact sum; the rest in long double. */
static int32_t ref_quant(double x, int e, unsigned bits)
{
	if (x != x)
		return 0;
	long double amax = ref_amax(bits);
	if (isinf(x))
		return x > 0 ? (int32_t)amax : -(int32_t)amax;
	long double v = (long double)x * powl(2.0L, e);
	long double t = floorl((long double)(double)(v + 0.5L));
	if (t > amax)
		t = amax;
	if (t < -amax)
		t = -amax;
	return (int32_t)t;
}

/* ---- helpers ---------------------------------------------------------------- */

static sq_model *rand_model(uint64_t seed, sq_rng *r, bool wild)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	o.seed = seed;
	o.n_layers = 1 + (uint32_t)sq_rng_below(r, 4);
	for (uint32_t i = 0; i <= o.n_layers; i++)
		o.dims[i] = 1 + (uint32_t)sq_rng_below(r, i == 0 ? 12 : 48);
	o.sparsity = sq_rng_uniform(r);
	for (uint32_t l = 0; l < o.n_layers; l++) {
		o.wbits[l] = (uint8_t)sq_rng_range(r, 2, 16);
		o.abits[l] = (uint8_t)sq_rng_range(r, 2, 16);
	}
	sq_model *m = NULL;
	sq_err err;
	if (sq_random_model(&o, &m, &err)) {
		fprintf(stderr, "  sq_random_model: %s\n", err.msg);
		return NULL;
	}
	if (wild) {
		/* Any valid shift and bias, not only realistic ones. */
		for (uint32_t l = 0; l + 1 < m->n_layers; l++) {
			sq_qlayer *L = &m->q[l];
			int fa = l ? m->q[l - 1].out_exp : 0;
			for (uint32_t row = 0; row < L->out_dim; row++) {
				L->w_exp[row] = (int8_t)(sq_rng_range(r, 0, 31) + L->out_exp - fa);
				L->bias[row] = sq_rng_range(r, -((int64_t)1 << 40), (int64_t)1 << 40);
			}
		}
		sq_model_update_acc_bits(m);
	}
	return m;
}

static int compare_one(const sq_model *m, const int32_t *q, sq_golden_ws *ws)
{
	static int64_t qv[SQ_MAX_DIM];
	static int64_t tbuf[SQ_MAX_LAYERS][SQ_MAX_DIM];
	static long double rtrace[SQ_MAX_LAYERS][SQ_MAX_DIM];
	static __int128 rq[SQ_MAX_DIM];
	int64_t *trace[SQ_MAX_LAYERS];
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++)
		trace[l] = tbuf[l];

	uint32_t a = sq_golden_infer(m, q, qv, ws, trace);
	uint32_t ra = ref_infer(m, q, rq, rtrace);
	CHECKF(a == ra, "action %u, reference %u", a, ra);
	for (uint32_t r = 0; r < m->dims[m->n_layers]; r++)
		CHECKF((__int128)qv[r] == rq[r], "Q[%u] = %lld, reference %lld", r,
		       (long long)qv[r], (long long)rq[r]);
	for (uint32_t l = 0; l < m->n_layers; l++)
		for (uint32_t r = 0; r < m->dims[l + 1]; r++)
			CHECKF((long double)trace[l][r] == rtrace[l][r],
			       "layer %u row %u: %lld, reference %.0Lf", l, r,
			       (long long)trace[l][r], rtrace[l][r]);
	/* trace NULL gives the same answer */
	uint32_t a2 = sq_golden_infer(m, q, qv, ws, NULL);
	CHECK(a2 == a);
	return 0;
}

/* A 1-1-1 model: hidden row with bias b0, weight w0, shift s; output row
 * weight 1 bias 0. The Q-value is the hidden activation. */
static sq_model *tiny(int64_t b0, int16_t w0, int s, unsigned abits_out)
{
	uint32_t dims[3] = { 1, 1, 1 };
	sq_model *m = NULL;
	sq_err err;
	if (sq_model_new(2, dims, SQM_FIXED, &m, &err))
		return NULL;
	for (int l = 0; l < 2; l++) {
		if (sq_qlayer_reserve(&m->q[l], 1, &err))
			return NULL;
		m->q[l].nnz = 1;
		m->q[l].row_ptr[1] = 1;
		m->q[l].col[0] = 0;
		m->q[l].wbits = 16;
		m->q[l].abits_in = 16;
	}
	m->q[1].abits_in = (uint8_t)abits_out;
	m->q[0].val[0] = w0;
	m->q[0].bias[0] = b0;
	m->q[0].out_exp = 0;
	m->q[0].w_exp[0] = (int8_t)s;
	m->q[1].val[0] = 1;
	sq_model_update_acc_bits(m);
	return m;
}

/* ---- tests -------------------------------------------------------------------- */

static int t_round_shift_hand(void)
{
	CHECK(sq_round_shift(5, 1) == 3);    /* 2.5 -> 3 */
	CHECK(sq_round_shift(-5, 1) == -2);  /* -2.5 -> -2 */
	CHECK(sq_round_shift(-21, 3) == -3); /* -2.625 -> -3 */
	CHECK(sq_round_shift(-1, 1) == 0);   /* -0.5 -> 0 */
	CHECK(sq_round_shift(-3, 1) == -1);  /* -1.5 -> -1 */
	CHECK(sq_round_shift(7, 0) == 7);
	CHECK(sq_round_shift(-((int64_t)1 << 47), 31) == -65536);
	for (int64_t a = -300; a <= 300; a++)
		for (int s = 0; s <= 9; s++)
			CHECKF((long double)sq_round_shift(a, (unsigned)s) == ref_round((long double)a, s),
			       "acc %lld shift %d", (long long)a, s);
	return 0;
}

static int t_requant_hand(void)
{
	sq_golden_ws *ws = malloc(sizeof *ws);
	int64_t qv[1];
	int32_t x;
	struct { int64_t b; int16_t w; int s; unsigned ab; int32_t x; int64_t want; } c[] = {
		{ 0, 5, 1, 8, 1, 3 },          /* 2.5 -> 3 */
		{ 0, 5, 1, 8, -1, 0 },         /* -2.5 -> -2 -> ReLU 0 */
		{ 1, 1, 1, 8, 0, 1 },          /* 0.5 -> 1 */
		{ -1, 1, 1, 8, 0, 0 },         /* -0.5 -> 0 */
		{ 0, 100, 0, 8, 2, 127 },      /* 200 saturates at amax(8) */
		{ 0, 100, 0, 8, -2, 0 },       /* -200 clamps at 0, not -127 */
		{ 253, 1, 1, 8, 0, 127 },      /* 126.5 -> 127 */
		{ 251, 1, 1, 8, 0, 126 },      /* 125.5 -> 126 */
		{ 0, 1, 0, 2, 5, 1 },          /* 2-bit output: amax 1 */
		{ 1000, 3, 4, 16, 7, 64 },     /* 1021/16 = 63.8 -> 64 */
		{ (int64_t)1 << 40, 1, 31, 16, 0, 512 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		sq_model *m = tiny(c[i].b, c[i].w, c[i].s, c[i].ab);
		CHECK(m);
		x = c[i].x;
		sq_golden_infer(m, &x, qv, ws, NULL);
		CHECKF(qv[0] == c[i].want, "case %zu: got %lld, want %lld", i,
		       (long long)qv[0], (long long)c[i].want);
		sq_model_free(m);
	}
	free(ws);
	return 0;
}

static int t_argmax_ties(void)
{
	uint32_t dims[2] = { 1, 5 };
	sq_model *m = NULL;
	sq_err err;
	sq_golden_ws *ws = malloc(sizeof *ws);
	int64_t qv[5];
	int32_t x = 0;
	CHECK(sq_model_new(1, dims, SQM_FIXED, &m, &err) == 0);
	int64_t b[5] = { -3, 7, 2, 7, 7 };
	memcpy(m->q[0].bias, b, sizeof b);
	sq_model_update_acc_bits(m);
	CHECK(sq_golden_infer(m, &x, qv, ws, NULL) == 1);
	CHECK(qv[3] == 7 && qv[0] == -3);
	int64_t z[5] = { 0, 0, 0, 0, 0 };
	memcpy(m->q[0].bias, z, sizeof z);
	CHECK(sq_golden_infer(m, &x, qv, ws, NULL) == 0);
	int64_t n[5] = { -9, -9, -2, -2, -5 };
	memcpy(m->q[0].bias, n, sizeof n);
	CHECK(sq_golden_infer(m, &x, qv, ws, NULL) == 2);
	/* Q as double: acc * 2^-(fa + fw) */
	m->q[0].w_exp[0] = 3;
	CHECK(sq_q_to_double(m, 0, -12) == -1.5);
	sq_model_free(m);
	free(ws);
	return 0;
}

static int t_quantize_obs_hand(void)
{
	uint32_t dims[2] = { 12, 1 };
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_model_new(1, dims, SQM_FIXED, &m, &err) == 0);
	m->q[0].abits_in = 8;
	double x[12] = { NAN, INFINITY, -INFINITY, 0.5, -0.5, -1.5, 2.5, 1e9,
			 -1e9, 0.49999999999999994, 0.3, -0.3 };
	int8_t e[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3 };
	/* 0.3*8 = 2.4 -> 2; -2.4 -> -2; 0.49999999999999994 + 0.5 rounds to 1.0
	 * in double, so floor gives 1 (the spec evaluates in double). */
	int32_t want[12] = { 0, 127, -127, 1, 0, -1, 3, 127, -127, 1, 2, -2 };
	int32_t q[12];
	memcpy(m->in_exp, e, sizeof e);
	sq_quantize_obs(m, x, q);
	for (int i = 0; i < 12; i++) {
		CHECKF(q[i] == want[i], "feature %d: %d, want %d", i, q[i], want[i]);
		CHECK(q[i] == ref_quant(x[i], e[i], 8));
	}
	/* negative exponent, and saturation at other widths */
	m->in_exp[0] = -2;
	m->q[0].abits_in = 4;
	x[0] = 30.0; /* 7.5 -> 8 -> clipped to 7 */
	sq_quantize_obs(m, x, q);
	CHECK(q[0] == 7);
	x[0] = -26.0; /* -6.5 -> -6 */
	sq_quantize_obs(m, x, q);
	CHECK(q[0] == -6);
	sq_model_free(m);
	return 0;
}

static int t_quantize_obs_random(void)
{
	sq_rng r;
	sq_rng_seed(&r, 99);
	for (int i = 0; i < 200000; i++) {
		unsigned bits = (unsigned)sq_rng_range(&r, 2, 16);
		int e = (int)sq_rng_range(&r, -32, 32);
		double x;
		switch (sq_rng_below(&r, 4)) {
		case 0: /* exact ties at this exponent */
			x = ldexp((double)sq_rng_range(&r, -70000, 70000) + 0.5, -e);
			break;
		case 1:
			x = ldexp(sq_rng_uniform(&r) - 0.5, (int)sq_rng_range(&r, -60, 60));
			break;
		case 2: /* just beside a tie */
			x = nextafter(ldexp((double)sq_rng_range(&r, -9000, 9000) + 0.5, -e),
				      (sq_rng_u64(&r) & 1) ? INFINITY : -INFINITY);
			break;
		default:
			x = (sq_rng_uniform(&r) - 0.5) * 4;
			break;
		}
		int32_t got = sq_quantize_input(x, e, bits);
		int32_t want = ref_quant(x, e, bits);
		CHECKF(got == want, "x %a e %d bits %u: %d, want %d", x, e, bits, got, want);
	}
	return 0;
}

static int t_random_models(void)
{
	sq_rng r;
	sq_golden_ws *ws = malloc(sizeof *ws);
	sq_rng_seed(&r, 2024);
	int total = 0;
	for (int i = 0; i < 300; i++) {
		sq_model *m = rand_model(1000 + (uint64_t)i, &r, i % 2 == 1);
		CHECK(m);
		uint32_t n = 40;
		int32_t *q = malloc((size_t)n * m->dims[0] * sizeof *q);
		sq_make_vectors(m, (uint64_t)i, n, q);
		for (uint32_t v = 0; v < n; v++) {
			if (compare_one(m, q + (size_t)v * m->dims[0], ws)) {
				fprintf(stderr, "  model %d vector %u\n", i, v);
				return 1;
			}
			total++;
		}
		free(q);
		sq_model_free(m);
	}
	free(ws);
	return total == 300 * 40 ? 0 : 1;
}

/* Wide layers and 16-bit everything: accumulators beyond 32 bits. */
static int t_wide_models(void)
{
	sq_golden_ws *ws = malloc(sizeof *ws);
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	o.n_layers = 3;
	uint32_t d[4] = { 17, 1024, 300, 9 };
	memcpy(o.dims, d, sizeof d);
	o.sparsity = 0.3;
	for (int l = 0; l < 3; l++)
		o.wbits[l] = o.abits[l] = 16;
	sq_model *m = NULL;
	sq_err err;
	CHECKF(sq_random_model(&o, &m, &err) == 0, "%s", err.msg);
	CHECK(m->q[1].acc_bits > 32);
	int32_t q[20 * 17];
	sq_make_vectors(m, 5, 20, q);
	for (int v = 0; v < 20; v++)
		CHECK(compare_one(m, q + v * 17, ws) == 0);
	sq_model_free(m);
	free(ws);
	return 0;
}

static int t_vectors(void)
{
	sq_rng r;
	sq_rng_seed(&r, 3);
	sq_model *m = rand_model(77, &r, false);
	CHECK(m);
	uint32_t d = m->dims[0], n = 200;
	int32_t amax = (int32_t)sq_amax(m->q[0].abits_in);
	int32_t *a = malloc((size_t)n * d * sizeof *a), *b = malloc((size_t)n * d * sizeof *b);
	sq_make_vectors(m, 11, n, a);
	sq_make_vectors(m, 11, n, b);
	CHECK(memcmp(a, b, (size_t)n * d * sizeof *a) == 0);
	for (uint32_t i = 0; i < d; i++) {
		CHECK(a[i] == 0);
		CHECK(a[d + i] == amax);
		CHECK(a[2 * d + i] == -amax);
		CHECK(a[3 * d + i] == (i % 2 ? -amax : amax));
		CHECK(a[4 * d + i] == 1);
		CHECK(a[5 * d + i] == -1);
	}
	size_t sat = 0, zero = 0, mid = 0;
	for (size_t i = 6 * (size_t)d; i < (size_t)n * d; i++) {
		CHECK(a[i] >= -amax && a[i] <= amax);
		if (a[i] == amax || a[i] == -amax)
			sat++;
		else if (a[i] == 0)
			zero++;
		else
			mid++;
	}
	CHECKF(sat > 0 && zero > 0 && mid > 0, "sat %zu zero %zu mid %zu", sat, zero, mid);
	sq_make_vectors(m, 12, n, b);
	CHECK(memcmp(a, b, 6 * (size_t)d * sizeof *a) == 0);
	CHECK(memcmp(a, b, (size_t)n * d * sizeof *a) != 0);
	/* a prefix is the same whatever n */
	sq_make_vectors(m, 11, 10, b);
	CHECK(memcmp(a, b, 10 * (size_t)d * sizeof *a) == 0);
	free(a);
	free(b);
	sq_model_free(m);
	return 0;
}

static int t_float_dueling(void)
{
	/* 2 inputs -> 2 hidden (ReLU) -> dueling head with 3 actions */
	uint32_t dims[3] = { 2, 2, 3 };
	sq_model *m = NULL;
	sq_err err;
	sq_golden_ws *ws = malloc(sizeof *ws);
	CHECK(sq_model_new(2, dims, SQM_FLOAT | SQM_DUELING, &m, &err) == 0);
	CHECK(m->f[1].rows == 4);
	float w0[4] = { 1, 2, -1, 1 }, b0[2] = { 0.5f, 0 };
	memcpy(m->f[0].w, w0, sizeof w0);
	memcpy(m->f[0].b, b0, sizeof b0);
	/* V = h0 + 1; A = (h0, h1, 0) + (0, 0, 3) */
	float w1[8] = { 1, 0, 1, 0, 0, 1, 0, 0 }, b1[4] = { 1, 0, 0, 3 };
	memcpy(m->f[1].w, w1, sizeof w1);
	memcpy(m->f[1].b, b1, sizeof b1);
	double obs[2] = { 1.0, 2.0 }, qv[3];
	/* h = relu(1*1 + 2*2 + .5, -1 + 2) = (5.5, 1); V = 6.5; A = (5.5, 1, 3),
	 * mean A = 9.5/3; Q = V + A - mean */
	uint32_t a = sq_float_forward(m, obs, qv, ws);
	double mean = 9.5 / 3.0;
	CHECK(fabs(qv[0] - (6.5 + 5.5 - mean)) < 1e-12);
	CHECK(fabs(qv[1] - (6.5 + 1.0 - mean)) < 1e-12);
	CHECK(fabs(qv[2] - (6.5 + 3.0 - mean)) < 1e-12);
	CHECK(a == 0);
	/* ReLU: h1 = relu(-3 + 1) = 0 */
	obs[0] = 3.0;
	obs[1] = 1.0;
	sq_float_forward(m, obs, qv, ws);
	/* h = (3 + 2 + .5, 0) = (5.5, 0); A = (5.5, 0, 3); mean 8.5/3 */
	CHECK(fabs(qv[1] - (6.5 + 0.0 - 8.5 / 3.0)) < 1e-12);
	sq_model_free(m);

	/* plain float head, argmax tie goes low */
	uint32_t d2[2] = { 1, 3 };
	CHECK(sq_model_new(1, d2, SQM_FLOAT, &m, &err) == 0);
	float b2[3] = { 2, 5, 5 };
	memcpy(m->f[0].b, b2, sizeof b2);
	CHECK(sq_float_forward(m, obs, qv, ws) == 1);
	CHECK(qv[2] == 5.0);
	sq_model_free(m);
	free(ws);
	return 0;
}

/* The random generator's dueling float payload folds back to the fixed
 * output layer: with no hidden clipping, float and fixed agree closely. */
static int t_random_dueling_float(void)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	o.n_layers = 1;
	o.dims[0] = 6;
	o.dims[1] = 4;
	o.sparsity = 0.2;
	o.dueling_float = true;
	sq_model *m = NULL;
	sq_err err;
	sq_golden_ws *ws = malloc(sizeof *ws);
	CHECKF(sq_random_model(&o, &m, &err) == 0, "%s", err.msg);
	CHECK(m->flags & SQM_DUELING);
	double obs[6] = { 0.1, -0.2, 0.3, 0.05, -0.4, 0.25 }, fq[4];
	int32_t q[6];
	int64_t qv[4];
	sq_quantize_obs(m, obs, q);
	/* feed the float pass the dequantized observation: same inputs exactly */
	for (int i = 0; i < 6; i++)
		obs[i] = ldexp(q[i], -m->in_exp[i]);
	sq_golden_infer(m, q, qv, ws, NULL);
	sq_float_forward(m, obs, fq, ws);
	for (int k = 0; k < 4; k++) {
		double fx = sq_q_to_double(m, (uint32_t)k, qv[k]);
		CHECKF(fabs(fx - fq[k]) <= 1e-4 * (1 + fabs(fx)), "Q%d fixed %g float %g", k, fx, fq[k]);
	}
	sq_model_free(m);
	free(ws);
	return 0;
}

int main(void)
{
	RUN(t_round_shift_hand);
	RUN(t_requant_hand);
	RUN(t_argmax_ties);
	RUN(t_quantize_obs_hand);
	RUN(t_quantize_obs_random);
	RUN(t_random_models);
	RUN(t_wide_models);
	RUN(t_vectors);
	RUN(t_float_dueling);
	RUN(t_random_dueling_float);
	return tl_done();
}
