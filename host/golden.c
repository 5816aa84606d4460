/*
 * golden.c - the golden model: docs/numerics.md in code.
 *
 * sq_golden_infer is the definition the RTL and hls_c are checked against, bit
 * for bit. It relies on what the reader guarantees for a validated model
 * (shifts 0..31, acc_bits <= 48, inputs within +-amax), accumulates in int64_t
 * (exact: |acc| < 2^47), and uses the primitives of fixed.h, so there is one
 * definition of rounding, saturation and input quantization.
 *
 * Nothing here allocates or prints; the caller owns the scratch sq_golden_ws.
 */
#include "golden.h"

#include <math.h>

#include "fixed.h"

/* fa[l]: layer 0 sees the quantized observation (exponent 0); layer l > 0
 * sees hidden layer l-1's outputs, exponent out_exp of that layer. */
static int in_exp_of(const sq_model *m, uint32_t l)
{
	return l == 0 ? 0 : m->q[l - 1].out_exp;
}

void sq_quantize_obs(const sq_model *m, const double *obs, int32_t *q)
{
	/* a float-only model has no input quantization: use the widest */
	unsigned bits = (m->flags & SQM_FIXED) ? m->q[0].abits_in : 16;
	for (uint32_t i = 0; i < m->dims[0]; i++)
		q[i] = sq_quantize_input(obs[i], m->in_exp ? m->in_exp[i] : 0, bits);
}

/* Argmax with the lowest index winning ties (strict > only). */
static uint32_t argmax_i64(const int64_t *v, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

static uint32_t argmax_f64(const double *v, uint32_t n)
{
	uint32_t best = 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

uint32_t sq_golden_infer(const sq_model *m, const int32_t *q, int64_t *qv,
			 sq_golden_ws *ws, int64_t *const *trace)
{
	const int32_t *in = q;
	uint32_t last = m->n_layers - 1;

	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		int fa = in_exp_of(m, l);
		int32_t *out = ws->act[l % 2];
		int64_t *tr = trace ? trace[l] : NULL;

		for (uint32_t r = 0; r < L->out_dim; r++) {
			int64_t acc = L->bias[r];
			for (uint32_t k = L->row_ptr[r]; k < L->row_ptr[r + 1]; k++)
				acc += (int64_t)L->val[k] * (int64_t)in[L->col[k]];
			if (l == last) {
				qv[r] = acc;
				if (tr)
					tr[r] = acc;
			} else {
				int s = fa + L->w_exp[r] - L->out_exp;
				int32_t a = sq_requant_relu(acc, (unsigned)s, m->q[l + 1].abits_in);
				out[r] = a;
				if (tr)
					tr[r] = a;
			}
		}
		in = out;
	}
	return argmax_i64(qv, m->dims[m->n_layers]);
}

uint32_t sq_float_forward(const sq_model *m, const double *obs, double *qv,
			  sq_golden_ws *ws)
{
	uint32_t last = m->n_layers - 1;
	uint32_t n_act = m->dims[m->n_layers];
	bool dueling = (m->flags & SQM_DUELING) != 0;
	double *in = ws->facts[1];

	/* The network is binary32: inputs are rounded to float first. */
	for (uint32_t i = 0; i < m->dims[0]; i++)
		in[i] = (double)(float)obs[i];

	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_flayer *F = &m->f[l];
		double *out = ws->facts[l % 2];
		for (uint32_t r = 0; r < F->rows; r++) {
			const float *w = F->w + (size_t)r * F->in_dim;
			double acc = (double)F->b[r];
			for (uint32_t c = 0; c < F->in_dim; c++)
				acc += (double)w[c] * in[c];
			if (l == last) {
				out[r] = acc;
			} else {
				float a = (float)acc;
				out[r] = a > 0.0f ? (double)a : 0.0;
			}
		}
		in = out;
	}

	if (dueling) {
		/* in[0] = V, in[1..n_act] = A_k: Q_k = V + A_k - mean_j A_j. */
		double sum = 0.0;
		for (uint32_t k = 0; k < n_act; k++)
			sum += in[1 + k];
		double mean = sum / (double)n_act;
		for (uint32_t k = 0; k < n_act; k++)
			qv[k] = in[0] + in[1 + k] - mean;
	} else {
		for (uint32_t k = 0; k < n_act; k++)
			qv[k] = in[k];
	}
	return argmax_f64(qv, n_act);
}

double sq_q_to_double(const sq_model *m, uint32_t row, int64_t acc)
{
	uint32_t l = m->n_layers - 1;
	int e = in_exp_of(m, l) + m->q[l].w_exp[row];
	return ldexp((double)acc, -e);
}
