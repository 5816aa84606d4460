/*
 * nn.c - the float MLP of nn.h: batched forward/backward, Adam, Huber loss,
 * gradient clipping.
 *
 * Load: tiny networks (a few hundred neurons), batches of 32..256, thousands
 * of steps per second. The loops are written so the compiler vectorizes the
 * innermost one over contiguous floats (forward: an axpy over a transposed
 * copy of W; backward: axpys over rows of W and of the activations), with a
 * fixed order of summation, so results are reproducible run to run. Zero
 * inputs (ReLU) and zero output gradients (Huber on one action) are skipped.
 */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The hot kernels are built twice, for AVX2 and for baseline x86-64, and the
 * loader picks one (GCC function multiversioning). Only elementwise loops are
 * vectorized (no reassociated sums) and -std=c11 keeps FP contraction off, so
 * both versions give the same bits. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SQ_NO_CLONES)
#define SQ_HOT __attribute__((target_clones("avx2", "default")))
#else
#define SQ_HOT
#endif

int sq_mlp_new(sq_mlp *net, uint32_t n_layers, const uint32_t *dims, bool dueling,
	       sq_err *err)
{
	memset(net, 0, sizeof *net);
	if (n_layers < 1 || n_layers > SQ_MAX_LAYERS)
		return sq_fail(err, SQ_E_INVALID, "mlp: %u layers (expected 1..%u)",
			       n_layers, SQ_MAX_LAYERS);
	size_t n = 0;
	for (uint32_t l = 0; l <= n_layers; l++) {
		if (dims[l] < 1 || dims[l] > SQ_MAX_DIM)
			return sq_fail(err, SQ_E_INVALID, "mlp: dims[%u] = %u (expected 1..%u)",
				       l, dims[l], SQ_MAX_DIM);
		net->dims[l] = dims[l];
	}
	net->n_layers = n_layers;
	net->dueling = dueling;
	for (uint32_t l = 0; l < n_layers; l++) {
		net->rows[l] = dims[l + 1] + ((dueling && l + 1 == n_layers) ? 1u : 0u);
		net->w_off[l] = n;
		n += (size_t)net->rows[l] * dims[l];
		net->b_off[l] = n;
		n += net->rows[l];
	}
	net->n_params = n;
	net->params = calloc(n, sizeof *net->params);
	if (!net->params)
		return sq_fail(err, SQ_E_NOMEM, "mlp: %zu parameters: out of memory", n);
	for (uint32_t l = 0; l < n_layers; l++) {
		net->w[l] = net->params + net->w_off[l];
		net->b[l] = net->params + net->b_off[l];
	}
	return SQ_OK;
}

void sq_mlp_free(sq_mlp *net)
{
	if (!net)
		return;
	free(net->params);
	memset(net, 0, sizeof *net);
}

bool sq_mlp_same_shape(const sq_mlp *a, const sq_mlp *b)
{
	if (a->n_layers != b->n_layers || a->dueling != b->dueling)
		return false;
	for (uint32_t l = 0; l <= a->n_layers; l++)
		if (a->dims[l] != b->dims[l])
			return false;
	return true;
}

void sq_mlp_init(sq_mlp *net, sq_rng *rng)
{
	for (uint32_t l = 0; l < net->n_layers; l++) {
		double bound = 1.0 / sqrt((double)net->dims[l]);
		size_t nw = (size_t)net->rows[l] * net->dims[l];
		for (size_t i = 0; i < nw; i++)
			net->w[l][i] = (float)((2.0 * sq_rng_uniform(rng) - 1.0) * bound);
		for (uint32_t i = 0; i < net->rows[l]; i++)
			net->b[l][i] = (float)((2.0 * sq_rng_uniform(rng) - 1.0) * bound);
	}
}

void sq_mlp_copy(sq_mlp *dst, const sq_mlp *src)
{
	memcpy(dst->params, src->params, src->n_params * sizeof *src->params);
}

SQ_HOT void sq_mlp_polyak(sq_mlp *dst, const sq_mlp *src, float tau)
{
	float keep = 1.0f - tau;
	for (size_t i = 0; i < src->n_params; i++)
		dst->params[i] = tau * src->params[i] + keep * dst->params[i];
}

int sq_mlp_from_model(const sq_model *m, sq_mlp *net, sq_err *err)
{
	if (!(m->flags & SQM_FLOAT))
		return sq_fail(err, SQ_E_INVALID, "model has no float payload");
	int rc = sq_mlp_new(net, m->n_layers, m->dims, (m->flags & SQM_DUELING) != 0, err);
	if (rc)
		return rc;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_flayer *f = &m->f[l];
		if (f->rows != net->rows[l] || f->in_dim != net->dims[l]) {
			sq_mlp_free(net);
			return sq_fail(err, SQ_E_INVALID, "layer %u: float payload %ux%u, expected %ux%u",
				       l, f->rows, f->in_dim, net->rows[l], net->dims[l]);
		}
		memcpy(net->w[l], f->w, (size_t)f->rows * f->in_dim * sizeof *f->w);
		memcpy(net->b[l], f->b, f->rows * sizeof *f->b);
	}
	return SQ_OK;
}

int sq_mlp_to_model(const sq_mlp *net, sq_model **out, sq_err *err)
{
	uint32_t flags = SQM_FLOAT | (net->dueling ? SQM_DUELING : 0u);
	int rc = sq_model_new(net->n_layers, net->dims, flags, out, err);
	if (rc)
		return rc;
	for (uint32_t l = 0; l < net->n_layers; l++) {
		sq_flayer *f = &(*out)->f[l];
		memcpy(f->w, net->w[l], (size_t)f->rows * f->in_dim * sizeof *f->w);
		memcpy(f->b, net->b[l], f->rows * sizeof *f->b);
	}
	return SQ_OK;
}

int sq_mlp_ws_new(sq_mlp_ws *ws, const sq_mlp *net, uint32_t cap, sq_err *err)
{
	memset(ws, 0, sizeof *ws);
	if (cap < 1)
		return sq_fail(err, SQ_E_INVALID, "mlp workspace: batch capacity 0");
	uint32_t L = net->n_layers;
	size_t total = 0, maxrows = 0, maxw = 0;
	size_t len[SQ_MAX_LAYERS + 1];
	len[0] = (size_t)cap * net->dims[0];
	for (uint32_t l = 0; l < L; l++) {
		len[l + 1] = (size_t)cap * net->rows[l];
		if (net->rows[l] > maxrows)
			maxrows = net->rows[l];
		if (net->dims[l] > maxrows)
			maxrows = net->dims[l];
		if ((size_t)net->rows[l] * net->dims[l] > maxw)
			maxw = (size_t)net->rows[l] * net->dims[l];
	}
	for (uint32_t l = 0; l <= L; l++)
		total += len[l];
	size_t qlen = (size_t)cap * net->dims[L];
	total += qlen + maxw + 2 * (size_t)cap * maxrows;
	ws->block = calloc(total, sizeof *ws->block);
	if (!ws->block)
		return sq_fail(err, SQ_E_NOMEM, "mlp workspace: %zu floats: out of memory", total);
	float *p = ws->block;
	for (uint32_t l = 0; l <= L; l++) {
		ws->act[l] = p;
		p += len[l];
	}
	ws->q = p;
	p += qlen;
	ws->wt = p;
	p += maxw;
	ws->d[0] = p;
	p += (size_t)cap * maxrows;
	ws->d[1] = p;
	ws->cap = cap;
	return SQ_OK;
}

void sq_mlp_ws_free(sq_mlp_ws *ws)
{
	if (!ws)
		return;
	free(ws->block);
	memset(ws, 0, sizeof *ws);
}

/* out[B x rows] = x[B x in] W^T + b, then ReLU when relu. */
/* Small batches (acting): row dot products with 8 partial sums in a fixed
 * order, which beats transposing W for one or two rows. */
SQ_HOT static void layer_forward_rows(const float *restrict w, const float *restrict bias,
				      uint32_t in, uint32_t rows, const float *restrict x,
				      float *restrict out, uint32_t B, bool relu)
{
	for (uint32_t b = 0; b < B; b++) {
		const float *restrict xb = x + (size_t)b * in;
		float *restrict y = out + (size_t)b * rows;
		for (uint32_t o = 0; o < rows; o++) {
			const float *restrict wr = w + (size_t)o * in;
			float acc[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
			uint32_t i = 0;
			for (; i + 8 <= in; i += 8)
				for (uint32_t j = 0; j < 8; j++)
					acc[j] += wr[i + j] * xb[i + j];
			float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
				  ((acc[2] + acc[6]) + (acc[3] + acc[7]));
			for (; i < in; i++)
				s += wr[i] * xb[i];
			s += bias[o];
			y[o] = relu && s < 0.0f ? 0.0f : s;
		}
	}
}

SQ_HOT static void layer_forward(const float *restrict w, const float *restrict bias,
			  uint32_t in, uint32_t rows, const float *restrict x,
			  float *restrict out, float *restrict wt, uint32_t B, bool relu)
{
	for (uint32_t o = 0; o < rows; o++)
		for (uint32_t i = 0; i < in; i++)
			wt[(size_t)i * rows + o] = w[(size_t)o * in + i];
	for (uint32_t b = 0; b < B; b++) {
		float *restrict y = out + (size_t)b * rows;
		const float *restrict xb = x + (size_t)b * in;
		memcpy(y, bias, rows * sizeof *y);
		for (uint32_t i = 0; i < in; i++) {
			float xi = xb[i];
			if (xi == 0.0f)
				continue;
			const float *restrict wr = wt + (size_t)i * rows;
			for (uint32_t o = 0; o < rows; o++)
				y[o] += wr[o] * xi;
		}
		if (relu)
			for (uint32_t o = 0; o < rows; o++)
				y[o] = y[o] > 0.0f ? y[o] : 0.0f;
	}
}

const float *sq_mlp_forward(const sq_mlp *net, sq_mlp_ws *ws, const float *x, uint32_t B)
{
	uint32_t L = net->n_layers;
	memcpy(ws->act[0], x, (size_t)B * net->dims[0] * sizeof *x);
	for (uint32_t l = 0; l < L; l++) {
		if (B <= 2)
			layer_forward_rows(net->w[l], net->b[l], net->dims[l], net->rows[l],
					   ws->act[l], ws->act[l + 1], B, l + 1 < L);
		else
			layer_forward(net->w[l], net->b[l], net->dims[l], net->rows[l], ws->act[l],
				      ws->act[l + 1], ws->wt, B, l + 1 < L);
	}
	uint32_t n = net->dims[L];
	if (!net->dueling) {
		memcpy(ws->q, ws->act[L], (size_t)B * n * sizeof *ws->q);
	} else {
		for (uint32_t b = 0; b < B; b++) {
			const float *r = ws->act[L] + (size_t)b * (n + 1);
			float mean = 0.0f;
			for (uint32_t k = 0; k < n; k++)
				mean += r[1 + k];
			mean /= (float)n;
			for (uint32_t k = 0; k < n; k++)
				ws->q[(size_t)b * n + k] = r[0] + r[1 + k] - mean;
		}
	}
	ws->batch = B;
	return ws->q;
}

/* One layer backward: adds dL/dW, dL/db of layer (w, input activations a)
 * for output deltas delta[B x rows]; when dx is not NULL writes the input
 * deltas through the ReLU of a. */
SQ_HOT static void layer_backward(const float *restrict w, const float *restrict a, uint32_t in,
				  uint32_t rows, uint32_t B, const float *restrict delta,
				  float *restrict dx_all, float *restrict gw, float *restrict gb)
{
	for (uint32_t b = 0; b < B; b++) {
		const float *restrict db = delta + (size_t)b * rows;
		const float *restrict ab = a + (size_t)b * in;
		for (uint32_t o = 0; o < rows; o++) {
			float g = db[o];
			if (g == 0.0f)
				continue;
			gb[o] += g;
			float *restrict gr = gw + (size_t)o * in;
			for (uint32_t i = 0; i < in; i++)
				gr[i] += g * ab[i];
		}
	}
	if (!dx_all)
		return;
	for (uint32_t b = 0; b < B; b++) {
		const float *restrict db = delta + (size_t)b * rows;
		const float *restrict ab = a + (size_t)b * in;
		float *restrict dx = dx_all + (size_t)b * in;
		memset(dx, 0, in * sizeof *dx);
		for (uint32_t o = 0; o < rows; o++) {
			float g = db[o];
			if (g == 0.0f)
				continue;
			const float *restrict wr = w + (size_t)o * in;
			for (uint32_t i = 0; i < in; i++)
				dx[i] += g * wr[i];
		}
		for (uint32_t i = 0; i < in; i++)
			dx[i] = ab[i] > 0.0f ? dx[i] : 0.0f;
	}
}

void sq_mlp_backward(const sq_mlp *net, sq_mlp_ws *ws, const float *dq, float *grad)
{
	uint32_t L = net->n_layers, B = ws->batch, n = net->dims[L];
	float *delta = ws->d[0], *dnext = ws->d[1];
	if (!net->dueling) {
		memcpy(delta, dq, (size_t)B * n * sizeof *delta);
	} else {
		for (uint32_t b = 0; b < B; b++) {
			const float *g = dq + (size_t)b * n;
			float *d = delta + (size_t)b * (n + 1);
			float s = 0.0f;
			for (uint32_t k = 0; k < n; k++)
				s += g[k];
			d[0] = s;
			float m = s / (float)n;
			for (uint32_t k = 0; k < n; k++)
				d[1 + k] = g[k] - m;
		}
	}
	for (uint32_t l = L; l-- > 0;) {
		layer_backward(net->w[l], ws->act[l], net->dims[l], net->rows[l], B, delta,
			       l > 0 ? dnext : NULL, grad + net->w_off[l], grad + net->b_off[l]);
		float *t = delta;
		delta = dnext;
		dnext = t;
	}
}

uint32_t sq_argmax_f(const float *v, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

uint32_t sq_mlp_act(const sq_mlp *net, sq_mlp_ws *ws, const float *x, float *q)
{
	const float *qv = sq_mlp_forward(net, ws, x, 1);
	uint32_t n = net->dims[net->n_layers];
	if (q)
		memcpy(q, qv, n * sizeof *q);
	return sq_argmax_f(qv, n);
}

float sq_huber_loss(const float *q, uint32_t n_out, const uint32_t *act,
		    const float *target, uint32_t B, float *dq)
{
	double loss = 0.0;
	float inv = 1.0f / (float)B;
	memset(dq, 0, (size_t)B * n_out * sizeof *dq);
	for (uint32_t b = 0; b < B; b++) {
		float d = q[(size_t)b * n_out + act[b]] - target[b];
		float ad = fabsf(d);
		if (ad < 1.0f) {
			loss += 0.5 * (double)d * d;
			dq[(size_t)b * n_out + act[b]] = d * inv;
		} else {
			loss += (double)ad - 0.5;
			dq[(size_t)b * n_out + act[b]] = (d > 0.0f ? 1.0f : -1.0f) * inv;
		}
	}
	return (float)(loss / B);
}

float sq_mse_loss(const float *q, const float *target, size_t n, float *dq)
{
	double loss = 0.0;
	float scale = 2.0f / (float)n;
	for (size_t i = 0; i < n; i++) {
		float d = q[i] - target[i];
		loss += (double)d * d;
		dq[i] = d * scale;
	}
	return (float)(loss / (double)n);
}

float sq_grad_clip(float *g, size_t n, float max_norm)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)g[i] * g[i];
	float norm = (float)sqrt(s);
	if (max_norm > 0.0f) {
		float coef = max_norm / (norm + 1e-6f);
		if (coef < 1.0f)
			for (size_t i = 0; i < n; i++)
				g[i] *= coef;
	}
	return norm;
}

int sq_adam_new(sq_adam *o, size_t n, float lr, sq_err *err)
{
	memset(o, 0, sizeof *o);
	o->m = calloc(n ? n : 1, sizeof *o->m);
	o->v = calloc(n ? n : 1, sizeof *o->v);
	if (!o->m || !o->v) {
		free(o->m);
		free(o->v);
		o->m = o->v = NULL;
		return sq_fail(err, SQ_E_NOMEM, "adam: %zu parameters: out of memory", n);
	}
	o->n = n;
	o->lr = lr;
	o->beta1 = 0.9f;
	o->beta2 = 0.999f;
	o->eps = 1e-8f;
	return SQ_OK;
}

void sq_adam_free(sq_adam *o)
{
	if (!o)
		return;
	free(o->m);
	free(o->v);
	memset(o, 0, sizeof *o);
}

SQ_HOT void sq_adam_step(sq_adam *o, float *p, const float *g, const uint8_t *mask)
{
	o->t++;
	float b1 = o->beta1, b2 = o->beta2;
	float bc1 = 1.0f - (float)pow((double)b1, (double)o->t);
	float bc2 = 1.0f - (float)pow((double)b2, (double)o->t);
	float step = o->lr / bc1;
	float rbc2 = 1.0f / sqrtf(bc2);
	float *restrict m = o->m, *restrict v = o->v;
	for (size_t i = 0; i < o->n; i++) {
		if (mask && !mask[i]) {
			p[i] = 0.0f;
			continue;
		}
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		p[i] -= step * m[i] / (sqrtf(v[i]) * rbc2 + o->eps);
	}
}
