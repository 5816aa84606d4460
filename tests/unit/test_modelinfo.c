/*
 * test_modelinfo.c - the figures of `sparq info` (host/modelinfo.c): the
 * size figures of docs/model-format.md worked out by hand, and the lane
 * balance recomputed from the image's slot order.
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "modelinfo.h"
#include "randmodel.h"
#include "sqm.h"
#include "testlib.h"

static int t_size_figures(void)
{
	/* 1 -> 3 -> 64 -> 2 */
	uint32_t dims[4] = { 1, 3, 64, 2 };
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_model_new(3, dims, SQM_FIXED, &m, &err) == 0);
	sq_qlayer *L = &m->q[1];
	CHECK(sq_qlayer_reserve(L, 4, &err) == 0);
	L->nnz = 4;
	uint32_t rp[65] = { 0 };
	for (int r = 0; r < 65; r++)
		rp[r] = r < 2 ? 0 : (r < 6 ? (uint32_t)r - 2 : 4);
	memcpy(L->row_ptr, rp, sizeof rp);
	for (int k = 0; k < 4; k++) {
		L->col[k] = (uint16_t)(k % 3);
		L->val[k] = (int16_t)(k + 1);
	}
	L->wbits = 5;
	L->w_exp[3] = 2;
	m->q[0].out_exp = 1;
	L->out_exp = 1;
	for (int r = 0; r < 64; r++)
		L->w_exp[r] = (int8_t)(r == 3 ? 4 : 2);
	sq_model_update_acc_bits(m);

	sq_layer_info li;
	sq_layer_info_get(m, 0, &li);
	/* in_dim 1: 8 + 1 index bit; length field ceil(log2 2) = 1 */
	CHECK(li.bits_per_nz == 9 && li.len_bits == 1 && li.nnz == 0);
	CHECK(li.packed_bits == 3 * (uint64_t)(m->q[0].acc_bits + 5 + 1));
	CHECK(li.dense_bytes == 4 * (3 + 3));
	sq_layer_info_get(m, 1, &li);
	/* in_dim 3: 5 + 2; length ceil(log2 4) = 2 */
	CHECK(li.bits_per_nz == 7 && li.len_bits == 2);
	CHECK(li.packed_bits == 4 * 7 + 64 * (uint64_t)(L->acc_bits + 5 + 2));
	CHECK(li.dense_bytes == 4 * (3 * 64 + 64));
	/* shifts fa + fw - out_exp = 1 + 2 - 1 = 2, row 3: 4 */
	CHECK(li.shift_min == 2 && li.shift_max == 4);
	CHECK(li.w_exp_min == 2 && li.w_exp_max == 4);
	CHECK(li.sparsity > 1.0 - 4.0 / 192.0 - 1e-12 && li.sparsity < 1.0 - 4.0 / 192.0 + 1e-12);
	sq_layer_info_get(m, 2, &li);
	/* in_dim 64: 8 + 6; length ceil(log2 65) = 7; output layer: no shifts */
	CHECK(li.bits_per_nz == 14 && li.len_bits == 7 && li.shift_min == 0 && li.shift_max == 0);

	uint64_t packed, dense, bits = 0;
	for (uint32_t l = 0; l < 3; l++) {
		sq_layer_info_get(m, l, &li);
		bits += li.packed_bits;
	}
	sq_model_sizes(m, &packed, &dense);
	CHECK(packed == (bits + 7) / 8);
	CHECK(dense == 4 * (3 + 3) + 4 * (192 + 64) + 4 * (128 + 2));
	sq_model_free(m);
	return 0;
}

static int t_lane_balance(void)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	o.sparsity = 0.7;
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_random_model(&o, &m, &err) == 0);
	for (uint32_t P = 1; P <= 16; P++) {
		sq_hwcfg c;
		sq_image *img = NULL;
		sq_hwcfg_default(&c, P);
		/* every row computed, so the model's rows are the reference */
		CHECKF(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == 0, "%s", err.msg);
		for (uint32_t l = 0; l < m->n_layers; l++) {
			const sq_qlayer *L = &m->q[l];
			sq_lane_info ln;
			sq_lane_info_get(m, img, l, &ln);
			CHECK(ln.rows == L->out_dim);
			/* recompute: row j of the layer's order goes to lane j % P; an
			 * output layer spread over G lanes per row gives row j's i-th
			 * weight to lane j*G + i % G */
			uint32_t lane[16] = { 0 }, total = 0;
			uint32_t G = l + 1 == m->n_layers ? 1u << img->out_lg_grp : 1;
			for (uint32_t j = 0; j < L->out_dim; j++) {
				uint32_t r = img->slot_row[l][j];
				uint32_t n = L->row_ptr[r + 1] - L->row_ptr[r];
				if (G == 1)
					lane[j % P] += n;
				for (uint32_t i = 0; G > 1 && i < G; i++)
					lane[j * G + i] += (n + G - 1 - i) / G;
			}
			uint32_t mn = lane[0], mx = lane[0];
			for (uint32_t p = 0; p < P; p++) {
				total += lane[p];
				mn = lane[p] < mn ? lane[p] : mn;
				mx = lane[p] > mx ? lane[p] : mx;
			}
			CHECK(total == L->nnz);
			CHECK(ln.nnz_min == mn && ln.nnz_max == mx);
			CHECK(ln.nnz_mean * P > total - 1e-9 && ln.nnz_mean * P < total + 1e-9);
			CHECK(ln.rounds == (L->out_dim + P - 1) / P);
			CHECK(ln.bound == (L->nnz + P - 1) / P);
			/* a lane never does more work than the layer's cycles */
			CHECK(ln.words >= ln.nnz_max && ln.words >= ln.bound);
		}
		sq_image_free(img);
	}
	CHECK(sq_model_lanes(m, 3) == 8);
	CHECK(sq_meta_set(m, "lanes", "17", &err) == 0);
	CHECK(sq_model_lanes(m, 3) == 3);
	CHECK(sq_meta_set(m, "lanes", "4x", &err) == 0);
	CHECK(sq_model_lanes(m, 3) == 3);
	CHECK(sq_meta_set(m, "lanes", "16", &err) == 0);
	CHECK(sq_model_lanes(m, 3) == 16);
	sq_model_free(m);
	return 0;
}

int main(void)
{
	RUN(t_size_figures);
	RUN(t_lane_balance);
	return tl_done();
}
