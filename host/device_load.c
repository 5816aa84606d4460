/*
 * device_load.c - replaces a device's model at run time (docs/protocol.md,
 * LOAD and COMMIT): the model is exported for the configuration the device
 * reports in INFO, sent as LOAD frames of up to 60 words (layer table, round
 * table, weights lane by lane, row parameters lane by lane), then committed
 * with its id.
 */
#include "device.h"
#include "export.h"

#include <stdio.h>
#include <stdlib.h>

static int send_words(sq_device *d, uint8_t mem, uint8_t lane, const uint64_t *w,
		      uint32_t n, uint32_t stride, uint64_t *frames, sq_err *err)
{
	sq_link_load l = {.mem = mem, .lane = lane};
	for (uint32_t a = 0; a < n; a += SQ_LINK_LOAD_MAX) {
		uint32_t k = n - a < SQ_LINK_LOAD_MAX ? n - a : SQ_LINK_LOAD_MAX;
		l.addr = (uint16_t)a;
		l.count = (uint8_t)k;
		for (uint32_t i = 0; i < k; i++)
			l.words[i] = w[(size_t)(a + i) * stride];
		int rc = sq_device_load(d, &l, err);
		if (rc)
			return rc;
		(*frames)++;
	}
	return 0;
}

void sq_hwcfg_from_info(const sq_link_info *in, sq_hwcfg *c)
{
	c->P = in->P;
	c->AW = in->AW;
	c->WW = in->WW;
	c->ACCW = in->ACCW;
	c->MAXW = in->MAXW;
	c->MAXL = in->MAXL;
	c->LG_WD = in->LG_WD;
	c->LG_RD = in->LG_RD;
}

int sq_device_load_model(sq_device *d, const sq_model *m, uint32_t model_id,
			 uint64_t *frames, sq_err *err)
{
	const sq_link_info *in = sq_device_get_info(d);
	sq_hwcfg cfg;
	sq_image *img = NULL;
	uint64_t *tmp = NULL;
	int rc;
	uint32_t od = m->dims[m->n_layers];

	*frames = 0;
	if (m->dims[0] != in->in_dim || od != in->out_dim)
		return sq_fail(err, SQ_E_INVALID,
			       "model is %u in, %u out; the device runs %u in, %u out (same shape needed)",
			       m->dims[0], od, in->in_dim, in->out_dim);
	sq_hwcfg_from_info(in, &cfg);
	rc = sq_hwcfg_check(&cfg, err);
	if (rc == 0)
		rc = sq_export_image(m, &cfg, &img, err);
	if (rc)
		return rc;
	uint32_t nmax = img->n_rounds > img->n_layers ? img->n_rounds : img->n_layers;
	tmp = calloc(nmax ? nmax : 1, sizeof(*tmp));
	if (!tmp) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory");
		goto out_img;
	}
	rc = send_words(d, 0, 0, img->lt, img->n_layers, 1, frames, err);
	for (uint32_t k = 0; rc == 0 && k < img->n_rounds; k++)
		tmp[k] = sq_image_rt_word(img, k);
	if (rc == 0)
		rc = send_words(d, 1, 0, tmp, img->n_rounds, 1, frames, err);
	for (uint32_t p = 0; rc == 0 && p < cfg.P; p++) {
		uint64_t *w = malloc(((size_t)img->n_words + 1) * sizeof(*w));
		if (!w) {
			rc = sq_fail(err, SQ_E_NOMEM, "out of memory");
			break;
		}
		for (uint32_t k = 0; k < img->n_words; k++)
			w[k] = img->wm[(size_t)k * cfg.P + p];
		rc = send_words(d, 2, (uint8_t)p, w, img->n_words, 1, frames, err);
		free(w);
	}
	for (uint32_t p = 0; rc == 0 && p < cfg.P; p++)
		rc = send_words(d, 3, (uint8_t)p, img->pm + p, img->n_rounds, cfg.P, frames, err);
	if (rc == 0) {
		sq_link_commit c = {.model_id = model_id, .in_dim = (uint16_t)m->dims[0],
				    .out_dim = (uint16_t)od};
		rc = sq_device_commit(d, &c, err);
		(*frames)++;
	}
	free(tmp);
out_img:
	sq_image_free(img);
	return rc;
}

int sq_device_file_model_id(const char *path, uint32_t *id, sq_err *err)
{
	uint8_t hdr[16];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(hdr, 1, sizeof(hdr), f) : 0;

	if (f)
		fclose(f);
	if (n != sizeof(hdr))
		return sq_fail(err, SQ_E_IO, "%s: cannot read the .sqm header (%zu of 16 bytes)",
			       path, n);
	*id = sq_get_u32(hdr + 12);
	return 0;
}
