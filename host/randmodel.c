/*
 * randmodel.c - random deployable models (randmodel.h).
 *
 * Layers are built in order. The sample inputs (N_SAMPLES vectors of
 * sq_make_vectors, edge vectors included) are run through each finished layer
 * so the next one sees the activations it will see in tests. For each hidden
 * row, the accumulator's mean mu and spread sd over the samples give:
 *   bias  = -mu + noise of sd/2   (centred: about half the outputs ReLU to 0)
 *   shift = round(log2(sd / amax_out))   (the spread maps onto the output range,
 *                                         so a good share saturate)
 * The output layer gets one weight exponent that puts the Q-values near +-4.
 */
#include "randmodel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "golden.h"
#include "rng.h"
#include "vectors.h"

#define N_SAMPLES 64u

void sq_randmodel_defaults(sq_randmodel_opts *o)
{
	memset(o, 0, sizeof *o);
	o->n_layers = 3;
	o->dims[0] = 4;
	o->dims[1] = 64;
	o->dims[2] = 64;
	o->dims[3] = 2;
	o->sparsity = 0.9;
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++) {
		o->wbits[l] = 8;
		o->abits[l] = 8;
	}
	o->lanes = 8;
	o->seed = 7;
}

uint32_t sq_randmodel_nnz(double sparsity, uint32_t in_dim, uint32_t out_dim)
{
	double total = (double)in_dim * (double)out_dim;
	double n = floor((1.0 - sparsity) * total + 0.5);
	if (n < 0.0)
		n = 0.0;
	if (n > total)
		n = total;
	return (uint32_t)n;
}

static int check_opts(const sq_randmodel_opts *o, sq_err *err)
{
	if (o->n_layers < 1 || o->n_layers > SQ_MAX_LAYERS)
		return sq_fail(err, SQ_E_INVALID, "%u layers (expected 1..%u)",
			       o->n_layers, SQ_MAX_LAYERS);
	for (uint32_t i = 0; i <= o->n_layers; i++)
		if (o->dims[i] < 1 || o->dims[i] > SQ_MAX_DIM)
			return sq_fail(err, SQ_E_INVALID, "dims[%u] = %u (expected 1..%u)",
				       i, o->dims[i], SQ_MAX_DIM);
	if (!(o->sparsity >= 0.0 && o->sparsity <= 1.0))
		return sq_fail(err, SQ_E_INVALID, "sparsity %g (expected 0..1)", o->sparsity);
	for (uint32_t l = 0; l < o->n_layers; l++) {
		if (o->wbits[l] < 2 || o->wbits[l] > 16)
			return sq_fail(err, SQ_E_INVALID, "layer %u: wbits %u (expected 2..16)",
				       l, o->wbits[l]);
		if (o->abits[l] < 2 || o->abits[l] > 16)
			return sq_fail(err, SQ_E_INVALID, "layer %u: abits %u (expected 2..16)",
				       l, o->abits[l]);
	}
	return SQ_OK;
}

static int8_t clamp_i8(long v, long lo, long hi)
{
	return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

/* Places nnz nonzeros at uniformly random positions of an out x in matrix
 * (selection sampling in row-major order, so columns come out increasing). */
static void fill_layer(sq_qlayer *L, sq_rng *r)
{
	uint64_t total = (uint64_t)L->in_dim * L->out_dim;
	uint64_t need = L->nnz;
	int64_t wmax = sq_amax(L->wbits);
	uint32_t k = 0;

	for (uint32_t row = 0; row < L->out_dim; row++) {
		L->row_ptr[row] = k;
		for (uint32_t c = 0; c < L->in_dim; c++) {
			uint64_t left = total - ((uint64_t)row * L->in_dim + c);
			if (need > 0 && sq_rng_below(r, left) < need) {
				int64_t w = sq_rng_range(r, 1, wmax);
				L->col[k] = (uint16_t)c;
				L->val[k] = (int16_t)((sq_rng_u64(r) & 1) ? w : -w);
				k++;
				need--;
			}
		}
	}
	L->row_ptr[L->out_dim] = k;
}

/* Mean and (population) spread of row r's accumulator without bias. */
static void row_stats(const sq_qlayer *L, uint32_t row, const int32_t *x, uint32_t in_dim,
		      int64_t *acc, double *mu, double *sd)
{
	double s1 = 0.0, s2 = 0.0;
	for (uint32_t n = 0; n < N_SAMPLES; n++) {
		const int32_t *a = x + (size_t)n * in_dim;
		int64_t sum = 0;
		for (uint32_t k = L->row_ptr[row]; k < L->row_ptr[row + 1]; k++)
			sum += (int64_t)L->val[k] * a[L->col[k]];
		acc[n] = sum;
		s1 += (double)sum;
		s2 += (double)sum * (double)sum;
	}
	*mu = s1 / N_SAMPLES;
	double var = s2 / N_SAMPLES - *mu * *mu;
	*sd = var > 0.0 ? sqrt(var) : 0.0;
}

/* The float payload: the fixed weights in real units (layer 0 folded back to
 * act on raw observations), the last layer split into dueling heads whose
 * combination V + A - mean A equals the fixed output layer. */
static void make_float(sq_model *m)
{
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		sq_flayer *F = &m->f[l];
		int fa = l == 0 ? 0 : m->q[l - 1].out_exp;
		bool duel = l == m->n_layers - 1;
		uint32_t off = duel ? 1 : 0;
		for (uint32_t r = 0; r < L->out_dim; r++) {
			float *w = F->w + (size_t)(r + off) * F->in_dim;
			for (uint32_t k = L->row_ptr[r]; k < L->row_ptr[r + 1]; k++) {
				int e = -L->w_exp[r] + (l == 0 ? m->in_exp[L->col[k]] : 0);
				w[L->col[k]] = (float)ldexp(L->val[k], e);
			}
			F->b[r + off] = (float)ldexp((double)L->bias[r], -(fa + L->w_exp[r]));
		}
		if (duel) {
			for (uint32_t c = 0; c < F->in_dim; c++) {
				double s = 0.0;
				for (uint32_t r = 1; r < F->rows; r++)
					s += F->w[(size_t)r * F->in_dim + c];
				F->w[c] = (float)(s / L->out_dim);
			}
			double s = 0.0;
			for (uint32_t r = 1; r < F->rows; r++)
				s += F->b[r];
			F->b[0] = (float)(s / L->out_dim);
		}
	}
}

static int set_meta(sq_model *m, const sq_randmodel_opts *o, sq_err *err)
{
	char buf[256];
	size_t n = 0;
	int rc;

	rc = sq_meta_set(m, "generator", "sparq-random", err);
	if (rc)
		return rc;
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
	if ((rc = sq_meta_set(m, "seed", buf, err)))
		return rc;
	if (o->lanes) {
		snprintf(buf, sizeof buf, "%u", o->lanes);
		if ((rc = sq_meta_set(m, "lanes", buf, err)))
			return rc;
	}
	snprintf(buf, sizeof buf, "%g", o->sparsity);
	if ((rc = sq_meta_set(m, "sparsity", buf, err)))
		return rc;
	for (uint32_t i = 0; i <= o->n_layers; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u", i ? "-" : "", o->dims[i]);
	if ((rc = sq_meta_set(m, "arch", buf, err)))
		return rc;
	n = 0;
	for (uint32_t l = 0; l < o->n_layers; l++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u", l ? "," : "", o->wbits[l]);
	if ((rc = sq_meta_set(m, "wbits", buf, err)))
		return rc;
	n = 0;
	for (uint32_t l = 0; l < o->n_layers; l++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u", l ? "," : "", o->abits[l]);
	return sq_meta_set(m, "abits", buf, err);
}

int sq_random_model(const sq_randmodel_opts *o, sq_model **out, sq_err *err)
{
	int rc;
	sq_model *m = NULL;
	int32_t *x = NULL, *y = NULL;
	int64_t *acc = NULL;
	sq_rng r;
	uint32_t maxd = 0;

	*out = NULL;
	rc = check_opts(o, err);
	if (rc)
		return rc;
	uint32_t flags = SQM_FIXED | (o->dueling_float ? SQM_FLOAT | SQM_DUELING : 0);
	rc = sq_model_new(o->n_layers, o->dims, flags, &m, err);
	if (rc)
		return rc;
	for (uint32_t i = 0; i <= o->n_layers; i++)
		if (o->dims[i] > maxd)
			maxd = o->dims[i];
	x = malloc((size_t)N_SAMPLES * maxd * sizeof *x);
	y = malloc((size_t)N_SAMPLES * maxd * sizeof *y);
	acc = malloc(N_SAMPLES * sizeof *acc);
	if (!x || !y || !acc) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory for %u sample activations", maxd);
		goto out_free;
	}
	sq_rng_seed(&r, o->seed);

	/* observations of magnitude ~1 land at 2^(A0-4) .. 2^(A0-2) */
	for (uint32_t l = 0; l < o->n_layers; l++) {
		m->q[l].wbits = o->wbits[l];
		m->q[l].abits_in = o->abits[l];
	}
	for (uint32_t i = 0; i < o->dims[0]; i++)
		m->in_exp[i] = clamp_i8((long)o->abits[0] - 4 + (long)sq_rng_below(&r, 3), -32, 32);
	sq_make_vectors(m, sq_rng_u64(&r), N_SAMPLES, x);

	for (uint32_t l = 0; l < o->n_layers; l++) {
		sq_qlayer *L = &m->q[l];
		bool last = l == o->n_layers - 1;
		int fa = l == 0 ? 0 : m->q[l - 1].out_exp;
		uint32_t nnz = sq_randmodel_nnz(o->sparsity, L->in_dim, L->out_dim);

		rc = sq_qlayer_reserve(L, nnz, err);
		if (rc)
			goto out_free;
		L->nnz = nnz;
		fill_layer(L, &r);

		if (last) {
			double spread = 0.0;
			L->out_exp = 0;
			for (uint32_t row = 0; row < L->out_dim; row++) {
				double mu, sd;
				row_stats(L, row, x, L->in_dim, acc, &mu, &sd);
				spread += sd / L->out_dim;
				L->bias[row] = llround(sd * 0.25 * sq_rng_normal(&r));
			}
			/* Q-values near +-4: fa + fw = log2(spread / 4) */
			long e = spread > 0.0 ? lround(log2(spread / 4.0)) : 0;
			int8_t fw = clamp_i8(e - fa, -64, 64);
			for (uint32_t row = 0; row < L->out_dim; row++)
				L->w_exp[row] = fw;
			break;
		}

		unsigned aout = o->abits[l + 1];
		double amax_out = (double)sq_amax(aout);
		L->out_exp = clamp_i8((long)aout - 3 + (long)sq_rng_range(&r, -1, 1), -16, 16);
		for (uint32_t row = 0; row < L->out_dim; row++) {
			double mu, sd;
			long s = 0;
			row_stats(L, row, x, L->in_dim, acc, &mu, &sd);
			if (sd > 0.0) {
				s = lround(log2(sd / amax_out));
				s = s < 0 ? 0 : (s > SQ_MAX_SHIFT ? SQ_MAX_SHIFT : s);
				L->bias[row] = llround(-mu + 0.5 * sd * sq_rng_normal(&r));
			} else {
				/* no spread (empty row or constant inputs): a constant output */
				L->bias[row] = sq_rng_range(&r, -(int64_t)amax_out, (int64_t)amax_out) - llround(mu);
			}
			L->w_exp[row] = (int8_t)(s + L->out_exp - fa);
			for (uint32_t n = 0; n < N_SAMPLES; n++)
				y[(size_t)n * L->out_dim + row] =
					sq_requant_relu(acc[n] + L->bias[row], (unsigned)s, aout);
		}
		int32_t *t = x;
		x = y;
		y = t;
	}
	sq_model_update_acc_bits(m);
	if (o->dueling_float)
		make_float(m);
	rc = set_meta(m, o, err);
	if (rc)
		goto out_free;
	rc = sq_model_validate(m, err);
	if (rc)
		goto out_free;
	*out = m;
	m = NULL;
out_free:
	free(acc);
	free(y);
	free(x);
	sq_model_free(m);
	return rc;
}
