/*
 * modelinfo.c - the figures of `sparq info` (modelinfo.h).
 */
#include "modelinfo.h"

#include <stdlib.h>

static unsigned clog2u(uint64_t v)
{
	unsigned n = 0;
	while (((uint64_t)1 << n) < v)
		n++;
	return n;
}

void sq_layer_info_get(const sq_model *m, uint32_t l, sq_layer_info *li)
{
	const sq_qlayer *L = &m->q[l];
	bool last = l + 1 == m->n_layers;
	int fa = l == 0 ? 0 : m->q[l - 1].out_exp;
	uint64_t total = (uint64_t)L->in_dim * L->out_dim;

	li->in_dim = L->in_dim;
	li->out_dim = L->out_dim;
	li->nnz = L->nnz;
	li->sparsity = total ? 1.0 - (double)L->nnz / (double)total : 0.0;
	li->wbits = L->wbits;
	li->abits_in = L->abits_in;
	li->acc_bits = L->acc_bits;
	li->shift_min = li->shift_max = 0;
	li->w_exp_min = li->w_exp_max = L->out_dim ? L->w_exp[0] : 0;
	for (uint32_t r = 0; r < L->out_dim; r++) {
		int s = last ? 0 : fa + L->w_exp[r] - L->out_exp;
		if (r == 0 || s < li->shift_min)
			li->shift_min = s;
		if (r == 0 || s > li->shift_max)
			li->shift_max = s;
		if (L->w_exp[r] < li->w_exp_min)
			li->w_exp_min = L->w_exp[r];
		if (L->w_exp[r] > li->w_exp_max)
			li->w_exp_max = L->w_exp[r];
	}
	unsigned idx = clog2u(L->in_dim);
	li->bits_per_nz = L->wbits + (idx < 1 ? 1 : idx);
	li->len_bits = clog2u((uint64_t)L->in_dim + 1);
	if (li->len_bits < 1)
		li->len_bits = 1;
	li->packed_bits = (uint64_t)L->nnz * li->bits_per_nz +
			  (uint64_t)L->out_dim * (L->acc_bits + 5u + li->len_bits);
	li->dense_bytes = 4 * (total + L->out_dim);
}

void sq_model_sizes(const sq_model *m, uint64_t *packed_bytes, uint64_t *dense_bytes)
{
	uint64_t bits = 0, dense = 0;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		sq_layer_info li;
		sq_layer_info_get(m, l, &li);
		bits += li.packed_bits;
		dense += li.dense_bytes;
	}
	*packed_bytes = (bits + 7) / 8;
	*dense_bytes = dense;
}

void sq_lane_info_get(const sq_model *m, const sq_image *img, uint32_t l, sq_lane_info *li)
{
	const sq_qlayer *L = &m->q[l];
	uint32_t P = img->cfg.P;
	uint32_t lane_nnz[16] = { 0 };

	li->rounds = (img->out_dim[l] + P - 1) / P;
	li->rows = 0; /* computed rows: not padding, not removed (--keep-shape) */
	for (uint32_t j = 0; j < img->out_dim[l]; j++)
		li->rows += img->slot_row[l][j] != UINT32_MAX;
	li->words = img->layer_words[l];
	li->bound = (L->nnz + (uint64_t)P - 1) / P;
	for (uint32_t j = 0; j < li->rounds * P; j++)
		lane_nnz[j % P] += img->slot_nnz[l][j]; /* the weights stored */
	li->nnz_min = li->nnz_max = lane_nnz[0];
	uint64_t sum = 0;
	for (uint32_t p = 0; p < P; p++) {
		sum += lane_nnz[p];
		if (lane_nnz[p] < li->nnz_min)
			li->nnz_min = lane_nnz[p];
		if (lane_nnz[p] > li->nnz_max)
			li->nnz_max = lane_nnz[p];
	}
	li->nnz_mean = (double)sum / P;
}

uint32_t sq_model_lanes(const sq_model *m, uint32_t dflt)
{
	const char *s = sq_meta_get(m, "lanes");
	if (!s || !*s)
		return dflt;
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	return (*end == '\0' && v >= 1 && v <= 16) ? (uint32_t)v : dflt;
}
