/*
 * test_nn.c - the float MLP of nn.h against independent references: the
 * backward pass against central finite differences of the forward pass
 * (plain and dueling nets), the Huber gradient against its formula, one
 * Adam step against the PyTorch update written out by hand, clipping,
 * Polyak, and the round trip through a .sqm float payload.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "testlib.h"

/* L = sum of c[i] * Q[i] over the batch, in double. */
static double lin_loss(const sq_mlp *net, sq_mlp_ws *ws, const float *x, uint32_t B,
		       const float *c)
{
	const float *q = sq_mlp_forward(net, ws, x, B);
	double s = 0;
	for (size_t i = 0; i < (size_t)B * net->dims[net->n_layers]; i++)
		s += (double)c[i] * q[i];
	return s;
}

static int gradcheck(bool dueling)
{
	const uint32_t dims[4] = { 3, 7, 5, 3 };
	const uint32_t B = 4;
	sq_mlp net;
	sq_mlp_ws ws;
	sq_err err;
	sq_rng rng;
	sq_rng_seed(&rng, dueling ? 11 : 12);
	CHECK(sq_mlp_new(&net, 3, dims, dueling, &err) == 0);
	CHECK(sq_mlp_ws_new(&ws, &net, B, &err) == 0);
	sq_mlp_init(&net, &rng);
	/* biases positive so few ReLUs sit near their kink */
	for (uint32_t l = 0; l < 2; l++)
		for (uint32_t r = 0; r < net.rows[l]; r++)
			net.b[l][r] = 0.3f + 0.2f * (float)sq_rng_uniform(&rng);
	float x[B * 3], c[B * 3];
	for (uint32_t i = 0; i < B * 3; i++) {
		x[i] = (float)(2 * sq_rng_uniform(&rng) - 1);
		c[i] = (float)(2 * sq_rng_uniform(&rng) - 1);
	}
	float *g = calloc(net.n_params, sizeof *g);
	CHECK(g);
	sq_mlp_forward(&net, &ws, x, B);
	sq_mlp_backward(&net, &ws, c, g);
	double worst = 0;
	int bad = 0;
	for (size_t p = 0; p < net.n_params; p++) {
		float keep = net.params[p];
		const float h = 1e-3f;
		net.params[p] = keep + h;
		double lp = lin_loss(&net, &ws, x, B, c);
		net.params[p] = keep - h;
		double lm = lin_loss(&net, &ws, x, B, c);
		net.params[p] = keep;
		double fd = (lp - lm) / (2.0 * (double)h);
		double d = fabs(fd - g[p]);
		if (d > worst)
			worst = d;
		if (d > 2e-3 + 1e-2 * fabs(fd)) {
			fprintf(stderr, "  param %zu: backward %.6g, finite difference %.6g\n",
				p, (double)g[p], fd);
			bad++;
		}
	}
	fprintf(stderr, "  %s: %zu params, worst |backward - fd| %.3g\n",
		dueling ? "dueling" : "plain", net.n_params, worst);
	free(g);
	sq_mlp_ws_free(&ws);
	sq_mlp_free(&net);
	CHECK(bad == 0);
	return 0;
}

static int t_gradcheck_plain(void)
{
	return gradcheck(false);
}

static int t_gradcheck_dueling(void)
{
	return gradcheck(true);
}

/* Dueling forward equals V + A - mean A computed by hand. */
static int t_dueling_forward(void)
{
	const uint32_t dims[2] = { 2, 3 };
	sq_mlp net;
	sq_mlp_ws ws;
	sq_err err;
	CHECK(sq_mlp_new(&net, 1, dims, true, &err) == 0);
	CHECK(net.rows[0] == 4 && net.n_params == 4 * 2 + 4);
	CHECK(sq_mlp_ws_new(&ws, &net, 1, &err) == 0);
	for (size_t i = 0; i < net.n_params; i++)
		net.params[i] = (float)(i % 5) - 2.0f;
	float x[2] = { 0.5f, -1.0f };
	const float *q = sq_mlp_forward(&net, &ws, x, 1);
	double row[4];
	for (int r = 0; r < 4; r++)
		row[r] = net.w[0][r * 2] * 0.5 - net.w[0][r * 2 + 1] + net.b[0][r];
	double mean = (row[1] + row[2] + row[3]) / 3;
	for (int k = 0; k < 3; k++)
		CHECK(fabs(q[k] - (row[0] + row[1 + k] - mean)) < 1e-5);
	sq_mlp_ws_free(&ws);
	sq_mlp_free(&net);
	return 0;
}

static int t_huber(void)
{
	float q[6] = { 0.0f, 1.0f, 5.0f, -2.0f, 0.3f, 0.0f };
	uint32_t act[3] = { 1, 0, 0 };
	float tgt[3] = { 0.5f, 2.0f, 0.0f }; /* d = 0.5, 3.0, 0.3 */
	float dq[6];
	float l = sq_huber_loss(q, 2, act, tgt, 3, dq);
	CHECK(fabs(l - (0.125 + 2.5 + 0.045) / 3) < 1e-6);
	CHECK(fabs(dq[1] - 0.5 / 3) < 1e-7 && fabs(dq[2] - 1.0 / 3) < 1e-7 &&
	      fabs(dq[4] - 0.3 / 3) < 1e-7);
	CHECK(dq[0] == 0 && dq[3] == 0 && dq[5] == 0);
	return 0;
}

static int t_adam(void)
{
	sq_adam o;
	sq_err err;
	CHECK(sq_adam_new(&o, 3, 0.01f, &err) == 0);
	float p[3] = { 1.0f, -1.0f, 2.0f }, g[3] = { 0.5f, -0.25f, 4.0f };
	uint8_t mask[3] = { 1, 1, 0 };
	double m[2] = { 0, 0 }, v[2] = { 0, 0 }, pr[2] = { 1.0, -1.0 };
	for (int t = 1; t <= 3; t++) {
		sq_adam_step(&o, p, g, mask);
		for (int i = 0; i < 2; i++) {
			m[i] = 0.9 * m[i] + 0.1 * g[i];
			v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
			double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
			pr[i] -= 0.01 * mh / (sqrt(vh) + 1e-8);
		}
	}
	CHECK(fabs(p[0] - pr[0]) < 1e-6 && fabs(p[1] - pr[1]) < 1e-6);
	CHECK(p[2] == 0.0f && o.m[2] == 0.0f);
	sq_adam_free(&o);
	return 0;
}

static int t_clip_polyak(void)
{
	float g[2] = { 3.0f, 4.0f };
	CHECK(fabsf(sq_grad_clip(g, 2, 1.0f) - 5.0f) < 1e-6f);
	CHECK(fabsf(g[0] - 0.6f) < 1e-5f && fabsf(g[1] - 0.8f) < 1e-5f);
	float h[2] = { 0.3f, 0.4f };
	sq_grad_clip(h, 2, 1.0f);
	CHECK(h[0] == 0.3f && h[1] == 0.4f);
	const uint32_t dims[2] = { 1, 1 };
	sq_mlp a, b;
	sq_err err;
	CHECK(sq_mlp_new(&a, 1, dims, false, &err) == 0);
	CHECK(sq_mlp_new(&b, 1, dims, false, &err) == 0);
	a.params[0] = 1.0f;
	b.params[0] = 3.0f;
	sq_mlp_polyak(&a, &b, 0.25f);
	CHECK(fabsf(a.params[0] - 1.5f) < 1e-6f);
	sq_mlp_free(&a);
	sq_mlp_free(&b);
	return 0;
}

static int t_model_roundtrip(void)
{
	const uint32_t dims[3] = { 4, 8, 2 };
	sq_mlp a, b;
	sq_err err;
	sq_rng rng;
	sq_rng_seed(&rng, 3);
	for (int duel = 0; duel < 2; duel++) {
		CHECK(sq_mlp_new(&a, 2, dims, duel, &err) == 0);
		sq_mlp_init(&a, &rng);
		sq_model *m = NULL;
		CHECKF(sq_mlp_to_model(&a, &m, &err) == 0, "%s", err.msg);
		CHECK(sq_model_validate(m, &err) == 0);
		uint8_t *buf;
		size_t len;
		CHECKF(sqm_write_buffer(m, &buf, &len, &err) == 0, "%s", err.msg);
		sq_model *m2 = NULL;
		CHECKF(sqm_read_buffer(buf, len, "rt", &m2, &err) == 0, "%s", err.msg);
		CHECKF(sq_mlp_from_model(m2, &b, &err) == 0, "%s", err.msg);
		CHECK(sq_mlp_same_shape(&a, &b) && b.dueling == (duel != 0));
		CHECK(memcmp(a.params, b.params, a.n_params * sizeof(float)) == 0);
		free(buf);
		sq_model_free(m);
		sq_model_free(m2);
		sq_mlp_free(&a);
		sq_mlp_free(&b);
	}
	return 0;
}

int main(void)
{
	RUN(t_gradcheck_plain);
	RUN(t_gradcheck_dueling);
	RUN(t_dueling_forward);
	RUN(t_huber);
	RUN(t_adam);
	RUN(t_clip_polyak);
	RUN(t_model_roundtrip);
	return tl_done();
}
