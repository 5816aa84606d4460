/*
 * quantize.c - float Q-network -> fixed-point sparse payload (quantize.h).
 *
 * The exponent choices, in the words of docs/numerics.md (value = v * 2^-e):
 *   input  e[i]     largest e with  xmax_i * 2^e <= amax(A_0)
 *   weight fw[l][r] largest f with  round(wmax_r * 2^f) <= amax(W_l)
 *   hidden fa[l+1]  largest f with  hmax_l * 2^f <= amax(A_{l+1})
 * then the shift s = fa[l] + fw[r] - fa[l+1] is brought into 0..31: a row with
 * s < 0 lowers fa[l+1] (coarser outputs for the layer, nothing clips), a row
 * with s > 31 lowers its own fw (its weights are tiny next to the output step).
 */
#include "quantize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixed.h"

#define EXP_MIN (-64)
#define EXP_MAX 64
#define IN_EXP_MIN (-32)
#define IN_EXP_MAX 32

void sq_quant_opts_init(sq_quant_opts *o, unsigned wbits, unsigned abits)
{
	memset(o, 0, sizeof *o);
	for (unsigned l = 0; l < SQ_MAX_LAYERS; l++) {
		o->wbits[l] = (uint8_t)wbits;
		o->abits[l] = (uint8_t)abits;
	}
	o->in_pct = 100.0;
	o->act_pct = 100.0;
	o->keep_float = true;
}

int sq_quant_fold_dueling(const sq_model *fm, sq_model **out, sq_err *err)
{
	sq_model *m = NULL;
	int rc;
	*out = NULL;
	if (!(fm->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "model has no float payload to quantize");
	rc = sq_model_new(fm->n_layers, fm->dims, SQM_FLOAT, &m, err);
	if (rc)
		return rc;
	uint32_t L = fm->n_layers;
	for (uint32_t l = 0; l < L; l++) {
		const sq_flayer *s = &fm->f[l];
		sq_flayer *d = &m->f[l];
		bool duel = (fm->flags & SQM_DUELING) && l + 1 == L;
		if (!duel) {
			memcpy(d->w, s->w, (size_t)d->rows * d->in_dim * sizeof *d->w);
			memcpy(d->b, s->b, d->rows * sizeof *d->b);
			continue;
		}
		/* row 0 = value head, rows 1..n = advantages:
		 * W_k = v + a_k - mean_j a_j, b_k = bv + ba_k - mean_j ba_j */
		uint32_t n = d->rows, in = d->in_dim;
		for (uint32_t c = 0; c < in; c++) {
			double mean = 0.0;
			for (uint32_t j = 0; j < n; j++)
				mean += s->w[(size_t)(j + 1) * in + c];
			mean /= n;
			for (uint32_t k = 0; k < n; k++)
				d->w[(size_t)k * in + c] = (float)((double)s->w[c] +
					(double)s->w[(size_t)(k + 1) * in + c] - mean);
		}
		double bmean = 0.0;
		for (uint32_t j = 0; j < n; j++)
			bmean += s->b[j + 1];
		bmean /= n;
		for (uint32_t k = 0; k < n; k++)
			d->b[k] = (float)((double)s->b[0] + (double)s->b[k + 1] - bmean);
	}
	for (uint32_t i = 0; i < fm->n_meta; i++) {
		rc = sq_meta_set(m, fm->meta[i].key, fm->meta[i].value, err);
		if (rc) {
			sq_model_free(m);
			return rc;
		}
	}
	*out = m;
	return SQ_OK;
}

uint32_t sq_quant_float_acts(const sq_model *fm, const double *obs, double *const *acts)
{
	double buf[2][SQ_MAX_DIM];
	const double *in = obs;
	uint32_t best = 0;
	for (uint32_t l = 0; l < fm->n_layers; l++) {
		const sq_flayer *f = &fm->f[l];
		uint32_t rows = fm->dims[l + 1];
		double *o = acts && acts[l] ? acts[l] : buf[l & 1];
		bool last = l + 1 == fm->n_layers;
		for (uint32_t r = 0; r < rows; r++) {
			const float *w = f->w + (size_t)r * f->in_dim;
			double z = f->b[r];
			for (uint32_t c = 0; c < f->in_dim; c++)
				z += (double)w[c] * in[c];
			o[r] = (!last && z < 0.0) ? 0.0 : z;
		}
		if (last)
			for (uint32_t r = 1; r < rows; r++)
				if (o[r] > o[best])
					best = r;
		in = o;
	}
	return best;
}

/* Q_k - mean_j Q_j folded into the plain output layer. */
static void center_output(sq_model *fm)
{
	sq_flayer *f = &fm->f[fm->n_layers - 1];
	uint32_t n = f->rows, in = f->in_dim;
	for (uint32_t c = 0; c < in; c++) {
		double mean = 0.0;
		for (uint32_t k = 0; k < n; k++)
			mean += f->w[(size_t)k * in + c];
		mean /= n;
		for (uint32_t k = 0; k < n; k++)
			f->w[(size_t)k * in + c] = (float)((double)f->w[(size_t)k * in + c] - mean);
	}
	double bm = 0.0;
	for (uint32_t k = 0; k < n; k++)
		bm += f->b[k];
	bm /= n;
	for (uint32_t k = 0; k < n; k++)
		f->b[k] = (float)((double)f->b[k] - bm);
}

uint32_t sq_quant_equalize(sq_model *fm, const double *states, size_t n_states, int max_log2)
{
	uint32_t scaled = 0, L = fm->n_layers;
	double *range[SQ_MAX_LAYERS] = { 0 };
	double *a[SQ_MAX_LAYERS] = { 0 };
	if (!(fm->flags & SQM_FLOAT) || (fm->flags & SQM_DUELING) || L < 2)
		return 0;
	bool ok = true;
	for (uint32_t l = 0; l < L; l++) {
		range[l] = calloc(fm->dims[l + 1], sizeof(double));
		a[l] = malloc(fm->dims[l + 1] * sizeof(double));
		ok = ok && range[l] && a[l];
	}
	for (size_t s = 0; ok && s < n_states; s++) {
		sq_quant_float_acts(fm, states + s * fm->dims[0], a);
		for (uint32_t l = 0; l + 1 < L; l++)
			for (uint32_t r = 0; r < fm->dims[l + 1]; r++)
				if (a[l][r] > range[l][r])
					range[l][r] = a[l][r];
	}
	/* layer by layer, in order: scaling layer l's units changes only layer
	 * l+1's weights, not its activations */
	for (uint32_t l = 0; ok && l + 1 < L; l++) {
		sq_flayer *f = &fm->f[l], *nx = &fm->f[l + 1];
		double top = 0;
		for (uint32_t r = 0; r < fm->dims[l + 1]; r++)
			top = fmax(top, range[l][r]);
		for (uint32_t r = 0; r < fm->dims[l + 1]; r++) {
			if (!(range[l][r] > 0) || !(top > 0))
				continue;
			int k = 0;
			while (k < max_log2 && ldexp(range[l][r], k + 1) <= top)
				k++;
			if (!k)
				continue;
			for (uint32_t c = 0; c < f->in_dim; c++)
				f->w[(size_t)r * f->in_dim + c] = ldexpf(f->w[(size_t)r * f->in_dim + c], k);
			f->b[r] = ldexpf(f->b[r], k);
			for (uint32_t j = 0; j < nx->rows; j++)
				nx->w[(size_t)j * nx->in_dim + r] = ldexpf(nx->w[(size_t)j * nx->in_dim + r], -k);
			scaled++;
		}
	}
	for (uint32_t l = 0; l < L; l++) {
		free(range[l]);
		free(a[l]);
	}
	return scaled;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The p-th percentile (0 < p <= 100) of v[0..n) by the nearest-rank rule;
 * sorts v. */
static double percentile(double *v, size_t n, double p)
{
	qsort(v, n, sizeof *v, cmp_double);
	if (p >= 100.0)
		return v[n - 1];
	size_t k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Largest exponent e in [lo, hi] with x * 2^e <= lim (x > 0). */
static int fit_exp(double x, double lim, int lo, int hi)
{
	int e;
	if (!(x > 0.0))
		return hi;
	e = (int)floor(log2(lim / x));
	while (e < hi && ldexp(x, e + 1) <= lim)
		e++;
	while (e > lo && ldexp(x, e) > lim)
		e--;
	return e < lo ? lo : (e > hi ? hi : e);
}

/* Round to nearest, ties away from zero would also do; we use round half up
 * like the rest of sparq. */
static double rnd(double v)
{
	return floor(v + 0.5);
}

/* Largest f with round(wmax * 2^f) <= amax. */
static int weight_exp(double wmax, int64_t amax)
{
	int f = fit_exp(wmax, (double)amax, EXP_MIN, EXP_MAX);
	while (f < EXP_MAX && wmax > 0.0 && rnd(ldexp(wmax, f + 1)) <= (double)amax)
		f++;
	return f;
}

/* Quantizes float row weights w[0..in) (already folded for layer 0) with
 * exponent fw into the CSR of layer q at nonzero position *pos. */
static int emit_row(sq_qlayer *q, const double *w, uint32_t in, int fw, uint32_t *pos)
{
	int64_t amax = sq_amax(q->wbits);
	for (uint32_t c = 0; c < in; c++) {
		double v = rnd(ldexp(w[c], fw));
		if (v > (double)amax)
			v = (double)amax;
		if (v < -(double)amax)
			v = -(double)amax;
		if (v == 0.0)
			continue;
		q->col[*pos] = (uint16_t)c;
		q->val[*pos] = (int16_t)v;
		(*pos)++;
	}
	return 0;
}

int sq_quantize(const sq_model *src, const double *states, size_t n_states,
		const sq_quant_opts *o, sq_model **out, sq_err *err)
{
	int rc;
	sq_model *fm = NULL, *m = NULL;
	double *col = NULL, *wbuf = NULL, *acts = NULL;
	double *lay[SQ_MAX_LAYERS] = { 0 };
	*out = NULL;

	if (!(src->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "quantize: the model has no float payload");
	if (n_states < 1 || !states)
		return sq_fail(err, SQ_E_INVALID, "quantize: no calibration states");
	if (!(o->in_pct > 0.0 && o->in_pct <= 100.0) || !(o->act_pct > 0.0 && o->act_pct <= 100.0))
		return sq_fail(err, SQ_E_INVALID, "quantize: percentiles must lie in (0, 100]");
	for (uint32_t l = 0; l < src->n_layers; l++)
		if (o->wbits[l] < 2 || o->wbits[l] > 16 || o->abits[l] < 2 || o->abits[l] > 16)
			return sq_fail(err, SQ_E_INVALID,
				       "quantize: layer %u: wbits %u / abits %u outside 2..16",
				       l, o->wbits[l], o->abits[l]);
	for (size_t i = 0; i < n_states * src->dims[0]; i++)
		if (!isfinite(states[i]))
			return sq_fail(err, SQ_E_INVALID,
				       "quantize: calibration state %zu feature %zu is not finite",
				       i / src->dims[0], i % src->dims[0]);

	rc = sq_quant_fold_dueling(src, &fm, err);
	if (rc)
		return rc;
	uint32_t L = fm->n_layers;
	if (o->center)
		center_output(fm);
	uint32_t flags = SQM_FIXED;
	if (o->keep_float)
		flags |= src->flags & (SQM_FLOAT | SQM_DUELING);
	rc = sq_model_new(L, fm->dims, flags, &m, err);
	for (uint32_t l = 0; !rc && o->keep_float && l < L; l++) {
		memcpy(m->f[l].w, src->f[l].w, (size_t)m->f[l].rows * m->f[l].in_dim * sizeof(float));
		memcpy(m->f[l].b, src->f[l].b, m->f[l].rows * sizeof(float));
	}
	for (uint32_t i = 0; !rc && i < src->n_meta; i++)
		rc = sq_meta_set(m, src->meta[i].key, src->meta[i].value, err);
	if (rc)
		goto out_free;

	/* --- calibration: float activations of every layer over the states --- */
	size_t maxd = 0, total = 0;
	for (uint32_t l = 0; l <= L; l++)
		if (fm->dims[l] > maxd)
			maxd = fm->dims[l];
	for (uint32_t l = 0; l < L; l++)
		total += fm->dims[l + 1];
	col = malloc(n_states * sizeof *col);
	wbuf = malloc(maxd * sizeof *wbuf);
	acts = malloc(n_states * total * sizeof *acts);
	if (!col || !wbuf || !acts) {
		rc = sq_fail(err, SQ_E_NOMEM, "quantize: out of memory for %zu calibration states", n_states);
		goto out_free;
	}
	{
		size_t off = 0;
		for (uint32_t l = 0; l < L; l++) {
			lay[l] = acts + off * n_states;
			off += fm->dims[l + 1];
		}
	}
	for (size_t s = 0; s < n_states; s++) {
		double *a[SQ_MAX_LAYERS];
		for (uint32_t l = 0; l < L; l++)
			a[l] = lay[l] + s * fm->dims[l + 1];
		sq_quant_float_acts(fm, states + s * fm->dims[0], a);
	}

	/* --- input exponents --- */
	uint32_t n_in = fm->dims[0];
	int64_t amax_in = sq_amax(o->abits[0]);
	for (uint32_t i = 0; i < n_in; i++) {
		for (size_t s = 0; s < n_states; s++)
			col[s] = fabs(states[s * n_in + i]);
		double xm = percentile(col, n_states, o->in_pct);
		/* a feature that is always 0 gets exponent 0 */
		m->in_exp[i] = (int8_t)(xm > 0.0 ? fit_exp(xm, (double)amax_in, IN_EXP_MIN, IN_EXP_MAX) : 0);
	}

	/* --- layers --- */
	int fa = 0; /* fa[l] */
	for (uint32_t l = 0; l < L; l++) {
		const sq_flayer *f = &fm->f[l];
		sq_qlayer *q = &m->q[l];
		uint32_t in = q->in_dim, rows = q->out_dim;
		bool last = l + 1 == L;
		int64_t wamax;
		q->wbits = o->wbits[l];
		q->abits_in = o->abits[l];
		wamax = sq_amax(q->wbits);

		/* per-row exponent of the (folded) row weights; wmax 0 -> EXP_MAX */
		int fwr[SQ_MAX_DIM];
		bool zero_row[SQ_MAX_DIM];
		for (uint32_t r = 0; r < rows; r++) {
			double wmax = 0.0;
			for (uint32_t c = 0; c < in; c++) {
				double w = f->w[(size_t)r * in + c];
				if (l == 0)
					w = ldexp(w, -m->in_exp[c]);
				if (fabs(w) > wmax)
					wmax = fabs(w);
			}
			zero_row[r] = !(wmax > 0.0);
			fwr[r] = zero_row[r] ? EXP_MAX : weight_exp(wmax, wamax);
		}

		int fo = 0; /* fa[l+1] for hidden layers */
		if (last) {
			int common = EXP_MAX;
			bool any = false;
			for (uint32_t r = 0; r < rows; r++)
				if (!zero_row[r]) {
					any = true;
					if (fwr[r] < common)
						common = fwr[r];
				}
			if (!any) {
				/* no weights at all: give the biases 20 bits of precision */
				double bmax = 0.0;
				for (uint32_t r = 0; r < rows; r++)
					bmax = fmax(bmax, fabs((double)f->b[r]));
				common = bmax > 0.0 ? fit_exp(bmax, 1048575.0, EXP_MIN, EXP_MAX) - fa : 0;
				if (common < EXP_MIN)
					common = EXP_MIN;
				if (common > EXP_MAX)
					common = EXP_MAX;
			}
			for (uint32_t r = 0; r < rows; r++)
				fwr[r] = common;
		} else {
			/* only outputs the next layer reads set the range: a unit
			 * whose outgoing weights are all zero (pruned) may
			 * saturate freely */
			const sq_flayer *nx = &fm->f[l + 1];
			bool live[SQ_MAX_DIM];
			for (uint32_t r = 0; r < rows; r++) {
				live[r] = false;
				for (uint32_t k = 0; k < nx->rows && !live[r]; k++)
					live[r] = nx->w[(size_t)k * nx->in_dim + r] != 0.0f;
			}
			for (size_t s = 0; s < n_states; s++) {
				const double *a = lay[l] + s * rows;
				double mx = 0.0;
				for (uint32_t r = 0; r < rows; r++)
					if (live[r] && a[r] > mx)
						mx = a[r];
				col[s] = mx;
			}
			double hm = percentile(col, n_states, o->act_pct);
			int64_t aamax = sq_amax(o->abits[l + 1]);
			if (hm > 0.0) {
				fo = fit_exp(hm, (double)aamax, EXP_MIN, EXP_MAX);
			} else {
				/* a dead layer: any exponent works; take the finest the
				 * rows allow with shift 0 */
				fo = EXP_MAX;
				for (uint32_t r = 0; r < rows; r++)
					if (!zero_row[r] && fa + fwr[r] < fo)
						fo = fa + fwr[r];
			}
			/* shifts >= 0: the output cannot be finer than a row's products */
			for (uint32_t r = 0; r < rows; r++)
				if (!zero_row[r] && fa + fwr[r] < fo)
					fo = fa + fwr[r];
			if (fo < EXP_MIN)
				fo = EXP_MIN;
			if (fo > 127)
				fo = 127;
			for (uint32_t r = 0; r < rows; r++) {
				if (zero_row[r])
					fwr[r] = fo - fa; /* shift 0: the bias rounds once */
				else if (fa + fwr[r] - fo > SQ_MAX_SHIFT)
					fwr[r] = fo - fa + SQ_MAX_SHIFT;
				if (fwr[r] < EXP_MIN || fwr[r] > EXP_MAX || fa + fwr[r] - fo < 0) {
					rc = sq_fail(err, SQ_E_RANGE,
						     "quantize: layer %u row %u: weight exponent %d "
						     "(input %d, output %d) outside -64..64 or shift 0..31",
						     l, r, fwr[r], fa, fo);
					goto out_free;
				}
			}
		}

		/* CSR: count, then fill */
		uint32_t nnz = 0;
		for (uint32_t r = 0; r < rows; r++)
			for (uint32_t c = 0; c < in; c++) {
				double w = f->w[(size_t)r * in + c];
				if (l == 0)
					w = ldexp(w, -m->in_exp[c]);
				if (rnd(ldexp(w, fwr[r])) != 0.0)
					nnz++;
			}
		rc = sq_qlayer_reserve(q, nnz, err);
		if (rc)
			goto out_free;
		uint32_t pos = 0;
		for (uint32_t r = 0; r < rows; r++) {
			for (uint32_t c = 0; c < in; c++) {
				double w = f->w[(size_t)r * in + c];
				wbuf[c] = l == 0 ? ldexp(w, -m->in_exp[c]) : w;
			}
			q->row_ptr[r] = pos;
			q->w_exp[r] = (int8_t)fwr[r];
			emit_row(q, wbuf, in, fwr[r], &pos);
			double b = rnd(ldexp((double)f->b[r], fa + fwr[r]));
			if (fabs(b) >= 0x1p47) {
				rc = sq_fail(err, SQ_E_RANGE,
					     "quantize: layer %u row %u: bias %g at exponent %d needs more than 47 bits",
					     l, r, (double)f->b[r], fa + fwr[r]);
				goto out_free;
			}
			q->bias[r] = (int64_t)b;
		}
		q->row_ptr[rows] = pos;
		q->out_exp = (int8_t)(last ? 0 : fo);
		if (!last)
			fa = fo;
	}
	sq_model_update_acc_bits(m);
	rc = sq_model_validate(m, err);
	if (rc)
		goto out_free;
	*out = m;
	m = NULL;

out_free:
	free(acts);
	free(wbuf);
	free(col);
	sq_model_free(fm);
	sq_model_free(m);
	return rc;
}
