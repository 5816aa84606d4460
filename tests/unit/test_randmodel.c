/*
 * test_randmodel.c - the random model generator (host/randmodel.c): valid
 * models, exact nonzero counts, weights in range, determinism, and hidden
 * activations that are realistic for random inputs (a good share saturated,
 * a good share zero, the rest in between), measured with the golden model.
 */
#include <stdlib.h>
#include <string.h>

#include "fixed.h"
#include "golden.h"
#include "randmodel.h"
#include "sqm.h"
#include "testlib.h"
#include "vectors.h"

static int t_shapes_and_counts(void)
{
	double sp[5] = { 0.0, 0.5, 0.9, 0.99, 1.0 };
	for (int i = 0; i < 5; i++) {
		sq_randmodel_opts o;
		sq_randmodel_defaults(&o);
		o.sparsity = sp[i];
		o.seed = (uint64_t)i;
		o.wbits[1] = 3;
		o.abits[2] = 5;
		sq_model *m = NULL;
		sq_err err;
		CHECKF(sq_random_model(&o, &m, &err) == 0, "%s", err.msg);
		CHECK(sq_model_validate(m, &err) == 0);
		CHECK(m->flags == SQM_FIXED);
		for (uint32_t l = 0; l < m->n_layers; l++) {
			const sq_qlayer *L = &m->q[l];
			double want = (1.0 - sp[i]) * L->in_dim * L->out_dim;
			CHECKF(L->nnz == (uint32_t)(want + 0.5), "layer %u nnz %u want %.1f", l, L->nnz, want);
			CHECK(L->row_ptr[L->out_dim] == L->nnz);
			CHECK(L->wbits == o.wbits[l] && L->abits_in == o.abits[l]);
			CHECK(L->acc_bits == sq_layer_acc_bits(L));
			for (uint32_t k = 0; k < L->nnz; k++)
				CHECK(L->val[k] != 0 && abs(L->val[k]) <= sq_amax(L->wbits));
		}
		CHECK(strcmp(sq_meta_get(m, "generator"), "sparq-random") == 0);
		CHECK(strcmp(sq_meta_get(m, "lanes"), "8") == 0);
		sq_model_free(m);
	}
	return 0;
}

static int t_deterministic(void)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	sq_model *a = NULL, *b = NULL, *c = NULL;
	sq_err err;
	CHECK(sq_random_model(&o, &a, &err) == 0);
	CHECK(sq_random_model(&o, &b, &err) == 0);
	o.seed = 8;
	CHECK(sq_random_model(&o, &c, &err) == 0);
	int same_c = 1;
	for (uint32_t l = 0; l < a->n_layers; l++) {
		CHECK(a->q[l].nnz == b->q[l].nnz);
		CHECK(memcmp(a->q[l].col, b->q[l].col, a->q[l].nnz * 2) == 0);
		CHECK(memcmp(a->q[l].val, b->q[l].val, a->q[l].nnz * 2) == 0);
		CHECK(memcmp(a->q[l].bias, b->q[l].bias, a->q[l].out_dim * 8) == 0);
		CHECK(memcmp(a->q[l].w_exp, b->q[l].w_exp, a->q[l].out_dim) == 0);
		if (memcmp(a->q[l].col, c->q[l].col, a->q[l].nnz * 2) != 0)
			same_c = 0;
	}
	CHECK(!same_c);
	sq_model_free(a);
	sq_model_free(b);
	sq_model_free(c);
	return 0;
}

/* Share of hidden outputs at 0, at amax and in between over 200 vectors. */
static int activation_mix(const sq_randmodel_opts *o, double *zero, double *sat, double *mid)
{
	sq_model *m = NULL;
	sq_err err;
	sq_golden_ws *ws = malloc(sizeof *ws);
	CHECKF(sq_random_model(o, &m, &err) == 0, "%s", err.msg);
	static int64_t tb[SQ_MAX_LAYERS][SQ_MAX_DIM];
	int64_t *tr[SQ_MAX_LAYERS], qv[SQ_MAX_DIM];
	for (int l = 0; l < (int)SQ_MAX_LAYERS; l++)
		tr[l] = tb[l];
	uint32_t n = 200, d = m->dims[0];
	int32_t *q = malloc((size_t)n * d * sizeof *q);
	sq_make_vectors(m, 1234, n, q);
	double z = 0, s = 0, md = 0, tot = 0;
	for (uint32_t v = 0; v < n; v++) {
		sq_golden_infer(m, q + (size_t)v * d, qv, ws, tr);
		for (uint32_t l = 0; l + 1 < m->n_layers; l++) {
			int64_t amax = sq_amax(m->q[l + 1].abits_in);
			for (uint32_t r = 0; r < m->dims[l + 1]; r++) {
				z += tr[l][r] == 0;
				s += tr[l][r] == amax;
				md += tr[l][r] > 0 && tr[l][r] < amax;
				tot++;
			}
		}
	}
	*zero = z / tot;
	*sat = s / tot;
	*mid = md / tot;
	free(q);
	free(ws);
	sq_model_free(m);
	return 0;
}

static int t_realistic_activations(void)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	uint32_t shapes[3][4] = { { 4, 64, 64, 2 }, { 6, 256, 256, 3 }, { 2, 64, 64, 3 } };
	for (int i = 0; i < 3; i++) {
		memcpy(o.dims, shapes[i], sizeof shapes[i]);
		o.seed = 7 + (uint64_t)i;
		double z, s, md;
		CHECK(activation_mix(&o, &z, &s, &md) == 0);
		fprintf(stderr, "  %u-%u-%u-%u: zero %.2f saturated %.2f between %.2f\n",
			shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], z, s, md);
		CHECK(z >= 0.2 && z <= 0.8);
		CHECK(s >= 0.05);
		CHECK(md >= 0.15);
	}
	return 0;
}

static int t_bad_options(void)
{
	sq_randmodel_opts o;
	sq_model *m = NULL;
	sq_err err;
	sq_randmodel_defaults(&o);
	o.sparsity = 1.5;
	CHECK(sq_random_model(&o, &m, &err) == SQ_E_INVALID && !m);
	CHECK(strstr(err.msg, "sparsity"));
	sq_randmodel_defaults(&o);
	o.wbits[1] = 17;
	CHECK(sq_random_model(&o, &m, &err) == SQ_E_INVALID);
	CHECK(strstr(err.msg, "layer 1: wbits 17"));
	sq_randmodel_defaults(&o);
	o.dims[2] = 0;
	CHECK(sq_random_model(&o, &m, &err) == SQ_E_INVALID);
	sq_randmodel_defaults(&o);
	o.n_layers = 0;
	CHECK(sq_random_model(&o, &m, &err) == SQ_E_INVALID);
	return 0;
}

int main(void)
{
	RUN(t_shapes_and_counts);
	RUN(t_deterministic);
	RUN(t_realistic_activations);
	RUN(t_bad_options);
	return tl_done();
}
