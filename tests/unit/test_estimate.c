/*
 * test_estimate.c - the resource model (host/estimate.c) against real figures:
 * Yosys synth_ice40 / nextpnr-ice40 --pack-only on the configurations of
 * tests/estimate/fixtures.txt (tests/estimate/gen_fixtures.sh), and cycles
 * measured by `sparq cosim` in tests/estimate/cycles.txt. The bounds are the
 * ones docs/autocompress.md states.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"
#include "randmodel.h"
#include "testlib.h"

/* Stated bounds (docs/autocompress.md, "Resource model"). */
#define EBR_ABS 1      /* block RAMs: within one block */
#define DSP_ABS 0      /* DSPs: exact */
#define LUT_REL 0.10   /* LUT4: within 10% */
#define FF_REL 0.15    /* flip-flops: within 15% */
#define LC_REL 0.10    /* nextpnr logic cells: within 10% */

typedef struct fix {
	char name[32];
	sq_hwcfg c;
	unsigned lut, ff, carry, ebr, spram, dsp;
	int lc;
} fix;

static int load(fix *f, int max)
{
	FILE *in = fopen("tests/estimate/fixtures.txt", "r");
	char line[512];
	int n = 0;
	if (!in)
		return -1;
	while (n < max && fgets(line, sizeof line, in)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		fix *x = &f[n];
		if (sscanf(line, "%31s %u %u %u %u %u %u %u %u %u %u %u %u %u %u %d", x->name, &x->c.P,
			   &x->c.AW, &x->c.WW, &x->c.ACCW, &x->c.MAXW, &x->c.MAXL, &x->c.LG_WD,
			   &x->c.LG_RD, &x->lut, &x->ff, &x->carry, &x->ebr, &x->spram, &x->dsp,
			   &x->lc) == 16)
			n++;
	}
	fclose(in);
	return n;
}

static double rel(double est, double real)
{
	return fabs(est - real) / real;
}

static int t_fixtures(void)
{
	fix f[64];
	int n = load(f, 64);
	const sq_board *b = sq_board_find("icebreaker");
	CHECKF(n >= 10, "tests/estimate/fixtures.txt: %d configurations, need >= 10", n);
	double worst_lut = 0, worst_ff = 0, worst_lc = 0;
	unsigned worst_ebr = 0;
	for (int i = 0; i < n; i++) {
		sq_estimate e;
		sq_estimate_config(b, &f[i].c, &e);
		CHECKF(abs((int)e.ebr - (int)f[i].ebr) <= EBR_ABS, "%s: EBR %u, Yosys %u", f[i].name,
		       e.ebr, f[i].ebr);
		if ((unsigned)abs((int)e.ebr - (int)f[i].ebr) > worst_ebr)
			worst_ebr = (unsigned)abs((int)e.ebr - (int)f[i].ebr);
		CHECKF(abs((int)e.dsp - (int)f[i].dsp) <= DSP_ABS, "%s: DSP %u, Yosys %u", f[i].name,
		       e.dsp, f[i].dsp);
		CHECKF(e.spram == f[i].spram, "%s: SPRAM %u, Yosys %u", f[i].name, e.spram, f[i].spram);
		double rl = rel(e.lut, f[i].lut), rf = rel(e.ff, f[i].ff);
		CHECKF(rl <= LUT_REL, "%s: LUT4 %u, Yosys %u (%.1f%%)", f[i].name, e.lut, f[i].lut,
		       100 * rl);
		CHECKF(rf <= FF_REL, "%s: FF %u, Yosys %u (%.1f%%)", f[i].name, e.ff, f[i].ff,
		       100 * rf);
		if (f[i].lc > 0) {
			double rc = rel(e.lc, f[i].lc);
			CHECKF(rc <= LC_REL, "%s: LC %u, nextpnr %d (%.1f%%)", f[i].name, e.lc,
			       f[i].lc, 100 * rc);
			worst_lc = fmax(worst_lc, rc);
		}
		worst_lut = fmax(worst_lut, rl);
		worst_ff = fmax(worst_ff, rf);
	}
	printf("  estimate: %d configurations, max error LUT4 %.1f%%, FF %.1f%%, LC %.1f%%, EBR %u block(s)\n",
	       n, 100 * worst_lut, 100 * worst_ff, 100 * worst_lc, worst_ebr);
	return 0;
}

static int t_cycles(void)
{
	FILE *in = fopen("tests/estimate/cycles.txt", "r");
	char line[256];
	int n = 0;
	CHECK(in != NULL);
	const sq_board *b = sq_board_find("icebreaker");
	while (fgets(line, sizeof line, in)) {
		char dims[128];
		double sp;
		unsigned long long seed, cyc[2];
		unsigned P;
		if (line[0] == '#' || sscanf(line, "%127s %lf %llu %u %llu %llu", dims, &sp, &seed, &P,
					     &cyc[0], &cyc[1]) != 6)
			continue;
		sq_randmodel_opts ro;
		sq_randmodel_defaults(&ro);
		ro.n_layers = 0;
		for (char *tok = strtok(dims, ","); tok; tok = strtok(NULL, ","))
			ro.dims[ro.n_layers++] = (uint32_t)atoi(tok);
		ro.n_layers--;
		for (uint32_t l = 0; l < ro.n_layers; l++) {
			ro.wbits[l] = 8;
			ro.abits[l] = 8;
		}
		ro.sparsity = sp;
		ro.seed = seed;
		sq_model *m = NULL;
		sq_err err;
		int rc = sq_random_model(&ro, &m, &err);
		CHECKF(rc == 0, "%s", err.msg);
		/* the default export, then the bitstream flow's (--keep-shape) */
		for (int k = 0; k < 2; k++) {
			sq_est_opts o;
			sq_est_opts_init(&o);
			o.P = P;
			o.MAXW = 256; /* the cosim default */
			o.export_flags = k ? SQ_EXPORT_KEEP_SHAPE : 0;
			sq_estimate e;
			rc = sq_estimate_model(m, b, &o, &e, &err);
			CHECKF(rc == 0, "%s", err.msg);
			CHECKF(e.cycles == cyc[k], "%s s=%.2f seed %llu P=%u%s: %llu cycles, cosim %llu",
			       dims, sp, seed, P, k ? " keep-shape" : "",
			       (unsigned long long)e.cycles, cyc[k]);
			n++;
		}
		sq_model_free(m);
	}
	fclose(in);
	CHECK(n >= 10);
	return 0;
}

/* Block counts worked out by hand from the iCE40/ECP5 block modes. */
static int t_blocks(void)
{
	CHECK(sq_est_blocks("ice40", 16, 256, 16) == 1);
	CHECK(sq_est_blocks("ice40", 8, 512, 8) == 1);
	CHECK(sq_est_blocks("ice40", 2, 2048, 2) == 1);
	CHECK(sq_est_blocks("ice40", 32, 128, 32) == 2);   /* 2 x 256x16 */
	CHECK(sq_est_blocks("ice40", 100, 256, 25) == 7);  /* 256x16 with the mask */
	CHECK(sq_est_blocks("ice40", 64, 1024, 16) == 16); /* 1024x4: 16 columns */
	CHECK(sq_est_blocks("ice40", 28, 8, 28) == 2);
	CHECK(sq_est_blocks("ecp5", 36, 512, 36) == 1);
	CHECK(sq_est_blocks("ecp5", 18, 2048, 18) == 2);
	CHECK(sq_est_blocks("ice40", 0, 256, 0) == 0);
	return 0;
}

/* R1 at 90% 8-bit on the iCEBreaker: the configuration the flow derives and
 * the 28 block RAMs of its real build (build/icebreaker/report.json). */
static int t_r1_model(void)
{
	sq_randmodel_opts ro;
	sq_randmodel_defaults(&ro);
	ro.seed = 1;
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_random_model(&ro, &m, &err) == 0);
	sq_est_opts o;
	sq_est_opts_init(&o);
	sq_estimate e;
	int rc = sq_estimate_model(m, sq_board_find("icebreaker"), &o, &e, &err);
	sq_model_free(m);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(e.cfg.P == 4 && e.cfg.MAXW == 255 && e.cfg.LG_WD == 8 && e.cfg.LG_RD == 8);
	CHECK(e.cfg.AW == 8 && e.cfg.WW == 8);
	CHECKF(e.ebr == 28, "EBR %u", e.ebr);
	CHECK(e.dsp == 4);
	CHECK(e.fits && !e.wm_spram && e.spram == 0);   /* fits block RAM: no SPRAM */
	CHECK(e.model_bits == (uint64_t)e.n_words * 4 * sq_hw_ew(&e.cfg));
	CHECK(e.cycles > e.n_words); /* rounds plus the drains and the argmax */
	/* more lanes than the board's block RAM holds */
	o.P = 8;
	m = NULL;
	CHECK(sq_random_model(&ro, &m, &err) == 0);
	rc = sq_estimate_model(m, sq_board_find("icebreaker"), &o, &e, &err);
	sq_model_free(m);
	CHECK(rc == 0);
	CHECK(!e.fits && strstr(e.why, "block RAM") != NULL);
	return 0;
}

/* R2 (6-256-256-3, 90%, 8-bit) on the iCEBreaker: 40 block RAMs with the
 * weights in block RAM, so the weights go to the 4 SPRAM blocks (64-bit words,
 * LG_WD 14), as scripts/fpga/fit.sh does; no SPRAM on an ECP5 board. */
static int t_r2_spram(void)
{
	sq_randmodel_opts ro;
	sq_randmodel_defaults(&ro);
	ro.n_layers = 3;
	ro.dims[0] = 6; ro.dims[1] = 256; ro.dims[2] = 256; ro.dims[3] = 3;
	ro.seed = 1;
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_random_model(&ro, &m, &err) == 0);
	sq_est_opts o;
	sq_est_opts_init(&o);
	sq_estimate e;
	int rc = sq_estimate_model(m, sq_board_find("icebreaker"), &o, &e, &err);
	CHECKF(rc == 0, "%s", err.msg);
	CHECK(e.cfg.P == 4 && e.cfg.LG_WD == 14);
	CHECK(e.wm_spram && e.spram == 4 && e.mem[SQ_MEM_WM].blocks == 0);
	CHECKF(e.fits && e.ebr <= 30, "EBR %u: %s", e.ebr, e.why);
	rc = sq_estimate_model(m, sq_board_find("ulx3s-25f"), &o, &e, &err);
	sq_model_free(m);
	CHECK(rc == 0 && !e.wm_spram && e.spram == 0);
	return 0;
}

int main(void)
{
	RUN(t_blocks);
	RUN(t_fixtures);
	RUN(t_cycles);
	RUN(t_r1_model);
	RUN(t_r2_spram);
	return tl_done();
}
