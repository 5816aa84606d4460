/*
 * test_hls.c - hls_c against the golden model, bit for bit.
 *
 * Built once per lane count (-DSQ_P=...) with hls_c/sq_hls.c. For random
 * models spanning the foundation's ranges (inputs 1..256, widths up to 256,
 * sparsity 0..98%, W 2..8, A 4..8), it exports the memory images
 * (host/export.h), runs every vector of sq_make_vectors through
 * sq_hls_core and sq_golden_infer, and compares the action and every
 * Q-value. `--expect-mismatch` inverts the verdict: used with a mutated
 * sq_hls.c to show the comparison can fail.
 *
 * usage: test_hls [--models N] [--vectors N] [--seed S] [--expect-mismatch]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "golden.h"
#include "randmodel.h"
#include "rng.h"
#include "sq_hls.h"
#include "vectors.h"

static uint64_t lt[SQ_MAXL];
static uint16_t rt[SQ_RD];
static uint32_t wm[SQ_WD][SQ_P];
static uint64_t pm[SQ_RD][SQ_P];
static int16_t obs[SQ_AWD][SQ_P];
static int64_t hq[SQ_MAXW];
static sq_golden_ws ws;

static void hwcfg(sq_hwcfg *c)
{
	sq_hwcfg_default(c, SQ_P);
	c->AW = SQ_AW;
	c->WW = SQ_WW;
	c->ACCW = SQ_ACCW;
	c->MAXW = SQ_MAXW;
	c->MAXL = SQ_MAXL;
	c->LG_WD = SQ_LG_WD;
	c->LG_RD = SQ_LG_RD;
}

static void load_image(const sq_image *img)
{
	memset(lt, 0, sizeof(lt));
	memset(rt, 0, sizeof(rt));
	memset(wm, 0, sizeof(wm));
	memset(pm, 0, sizeof(pm));
	for (uint32_t l = 0; l < img->n_layers; l++)
		lt[l] = img->lt[l];
	for (uint32_t k = 0; k < img->n_rounds; k++) {
		rt[k] = (uint16_t)img->rt[k];
		for (uint32_t p = 0; p < SQ_P; p++)
			pm[k][p] = img->pm[(size_t)k * SQ_P + p];
	}
	for (uint32_t a = 0; a < img->n_words; a++)
		for (uint32_t p = 0; p < SQ_P; p++)
			wm[a][p] = img->wm[(size_t)a * SQ_P + p];
}

/* A random model of the foundation's ranges that fits this configuration. */
static sq_model *random_model(sq_rng *r, uint64_t seed, char *desc, size_t desc_len)
{
	static const double sparsities[] = { 0.0, 0.5, 0.8, 0.9, 0.95, 0.98 };
	sq_hwcfg cfg;
	hwcfg(&cfg);
	for (int attempt = 0; attempt < 100; attempt++) {
		sq_randmodel_opts o;
		sq_randmodel_defaults(&o);
		o.n_layers = (uint32_t)sq_rng_range(r, 1, 4);
		o.dims[0] = (uint32_t)(sq_rng_below(r, 4) == 0 ? sq_rng_range(r, 1, 256) : sq_rng_range(r, 1, 16));
		for (uint32_t l = 1; l < o.n_layers; l++)
			o.dims[l] = (uint32_t)sq_rng_range(r, 1, 256);
		o.dims[o.n_layers] = (uint32_t)sq_rng_range(r, 1, 18);
		o.sparsity = sparsities[sq_rng_below(r, 6)];
		for (uint32_t l = 0; l < o.n_layers; l++) {
			o.wbits[l] = (uint8_t)sq_rng_range(r, 2, 8);
			o.abits[l] = (uint8_t)sq_rng_range(r, 4, 8);
		}
		o.lanes = SQ_P;
		o.seed = seed + (uint64_t)attempt;
		sq_model *m = NULL;
		sq_image *img = NULL;
		sq_err err;
		if (sq_random_model(&o, &m, &err) < 0) {
			fprintf(stderr, "  random model: %s\n", err.msg);
			continue;
		}
		if (sq_export_image(m, &cfg, &img, &err) == 0) {
			size_t n = (size_t)snprintf(desc, desc_len, "%u", o.dims[0]);
			for (uint32_t l = 1; l <= o.n_layers && n < desc_len; l++)
				n += (size_t)snprintf(desc + n, desc_len - n, "-%u", o.dims[l]);
			snprintf(desc + n, n < desc_len ? desc_len - n : 0, " sparsity %.2f W%u..A%u",
				 o.sparsity, o.wbits[0], o.abits[0]);
			sq_image_free(img);
			return m;
		}
		sq_model_free(m);
	}
	return NULL;
}

/* Runs n vectors; returns the number of mismatching vectors. */
static uint32_t compare(const sq_model *m, const sq_image *img, uint32_t n, uint64_t seed,
			uint64_t *cycles)
{
	uint32_t in = m->dims[0], out = m->dims[m->n_layers];
	int32_t *q = malloc(sizeof(int32_t) * (size_t)n * in);
	int64_t gq[SQ_MAX_DIM];
	uint32_t bad = 0;
	if (!q)
		return n;
	sq_make_vectors(m, seed, n, q);
	load_image(img);
	for (uint32_t v = 0; v < n; v++) {
		memset(obs, 0, sizeof(obs));
		for (uint32_t i = 0; i < in; i++)
			obs[i / SQ_P][i % SQ_P] = (int16_t)q[(size_t)v * in + i];
		uint16_t act = 0;
		*cycles += sq_hls_core(lt, rt, (const uint32_t (*)[SQ_P])wm,
				       (const uint64_t (*)[SQ_P])pm,
				       (const int16_t (*)[SQ_P])obs, hq, &act);
		uint32_t ga = sq_golden_infer(m, q + (size_t)v * in, gq, &ws, NULL);
		int same = act == ga;
		for (uint32_t r = 0; r < out && same; r++)
			same = hq[r] == gq[r];
		if (!same && bad++ < 3) {
			uint32_t r = 0;
			while (r < out && hq[r] == gq[r])
				r++;
			fprintf(stderr, "  vector %u: action hls %u golden %u; first differing Q row %u: hls %" PRId64
				" golden %" PRId64 "\n", v, act, ga, r, r < out ? hq[r] : 0, r < out ? gq[r] : 0);
		}
	}
	free(q);
	return bad;
}

int main(int argc, char **argv)
{
	uint32_t n_models = 6, n_vectors = 2000;
	uint64_t seed = 1;
	int expect_mismatch = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--models") && i + 1 < argc)
			n_models = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--vectors") && i + 1 < argc)
			n_vectors = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--expect-mismatch"))
			expect_mismatch = 1;
		else {
			fprintf(stderr, "test_hls: unknown argument '%s'\n", argv[i]);
			return 2;
		}
	}
	sq_rng r;
	sq_rng_seed(&r, seed * 1000003u + SQ_P);
	sq_hwcfg cfg;
	hwcfg(&cfg);
	int failed = 0;
	uint32_t total_bad = 0;
	for (uint32_t k = 0; k < n_models; k++) {
		char desc[128] = "";
		uint64_t mseed = seed * 7919u + k * 104729u + SQ_P;
		sq_model *m = random_model(&r, mseed, desc, sizeof(desc));
		sq_image *img = NULL;
		sq_err err;
		if (!m || sq_export_image(m, &cfg, &img, &err) < 0) {
			printf("FAIL: hls P=%u model %u (no model fits)\n", SQ_P, k);
			failed = 1;
			sq_model_free(m);
			continue;
		}
		uint64_t cycles = 0;
		uint32_t bad = compare(m, img, n_vectors, mseed, &cycles);
		total_bad += bad;
		if (!expect_mismatch) {
			printf("%s: hls P=%u model %u (%s): %u vectors, %u mismatches, est. %.1f cycles, bound %" PRIu64 "\n",
			       bad ? "FAIL" : "PASS", SQ_P, k, desc, n_vectors, bad,
			       (double)cycles / n_vectors, img->cycles_bound);
			failed |= bad != 0;
		}
		sq_image_free(img);
		sq_model_free(m);
	}
	if (expect_mismatch) {
		printf("%s: hls P=%u mutant is caught (%u mismatching vectors)\n",
		       total_bad ? "PASS" : "FAIL", SQ_P, total_bad);
		failed = total_bad == 0;
	}
	return failed;
}
