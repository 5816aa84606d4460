/*
 * estimate.c - resource and latency model of the core on a board
 * (estimate.h; docs/autocompress.md "Resource model").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate.h"

/* boards/<board>.mk, the same figures. */
static const sq_board boards[] = {
	{ "icebreaker", "ice40", "up5k", 5280, 30, 4096, 4, 8, 12.0, 4, 0 },
	{ "upduino3", "ice40", "up5k", 5280, 30, 4096, 4, 8, 12.0, 4, 0 },
	{ "ulx3s-25f", "ecp5", "25k", 24288, 56, 18432, 0, 28, 25.0, 8, 32 },
	{ "ulx3s-85f", "ecp5", "85k", 83640, 208, 18432, 0, 156, 25.0, 8, 32 },
	{ "orangecrab", "ecp5", "25k", 24288, 56, 18432, 0, 28, 48.0, 8, 32 },
};
#define N_BOARDS (sizeof boards / sizeof boards[0])

const sq_board *sq_board_find(const char *name)
{
	for (size_t i = 0; name && i < N_BOARDS; i++)
		if (strcmp(boards[i].name, name) == 0)
			return &boards[i];
	return NULL;
}

const char *sq_board_names(void)
{
	return "icebreaker, upduino3, ulx3s-25f, ulx3s-85f, orangecrab";
}

void sq_est_opts_init(sq_est_opts *o)
{
	memset(o, 0, sizeof *o);
	o->export_flags = SQ_EXPORT_KEEP_SHAPE;
}

static uint32_t cdiv(uint64_t a, uint64_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

static bool is_ice40(const char *family)
{
	return strcmp(family, "ice40") == 0;
}

/*
 * iCE40: SB_RAM40_4K as 256x16 (with a per-bit write mask), 512x8, 1024x4,
 * 2048x2 (no mask). A memory written in slices narrower than its word needs
 * the mask, or else each slice padded to whole blocks of the narrower modes.
 * ECP5: DP16KD as 512x36 (pseudo dual port), 1024x18, 2048x9, 4096x4,
 * 8192x2, 16384x1; byte enables (9 bits) in the two wide modes.
 */
uint32_t sq_est_blocks(const char *family, uint32_t width, uint32_t depth, uint32_t slice)
{
	static const uint32_t ice[][2] = { { 16, 256 }, { 8, 512 }, { 4, 1024 }, { 2, 2048 } };
	static const uint32_t ecp[][2] = { { 36, 512 }, { 18, 1024 }, { 9, 2048 }, { 4, 4096 },
					   { 2, 8192 }, { 1, 16384 } };
	const uint32_t (*m)[2] = is_ice40(family) ? ice : ecp;
	size_t n = is_ice40(family) ? 4 : 6;
	uint32_t best = UINT32_MAX;
	if (width == 0 || depth == 0)
		return 0;
	if (slice == 0 || slice > width)
		slice = width;
	for (size_t i = 0; i < n; i++) {
		uint32_t bw = m[i][0], bd = m[i][1], cols;
		bool mask = is_ice40(family) ? (bw == 16) : (bw >= 18);
		if (slice == width || mask)
			cols = cdiv(width, bw);
		else
			cols = (width / slice) * cdiv(slice, bw) + cdiv(width % slice, bw);
		uint32_t b = cols * cdiv(depth, bd);
		if (b < best)
			best = b;
	}
	return best;
}

/*
 * Logic: a linear model in a few structural features, least squares (on
 * relative error) over tests/estimate/fixtures.txt; docs/autocompress.md
 * gives the fit and its error. Features of a configuration:
 *   f1 = P * (3 ACCW + 2 AW + 3 WW)    each lane's pipeline registers
 *                                       (accumulator, rounding, shift, operands)
 *   f2 = P * (4 ACCW + AW (P-1)) [+ P AW WW without DSPs]
 *                                       each lane's adders, shifter, clamp, slot
 *                                       select (a P:1 mux of AW bits) and a LUT
 *                                       multiplier when the product is narrow
 *   f3 = ACCW * (P-1)                   the argmax's and result's slot muxes
 *   f4 = P * ACCW                       accumulator carry chains
 *   f5 = LG_WD + LG_RD                  address counters
 * The rest (link, dispatcher, controller) is the constant.
 */
typedef struct feat {
	double f[6];
} feat;

static void features(const sq_hwcfg *c, bool dsp, feat *x)
{
	double P = c->P, A = c->ACCW, aw = c->AW, ww = c->WW;
	x->f[0] = 1.0;
	x->f[1] = P * (3.0 * A + 2.0 * aw + 3.0 * ww);
	x->f[2] = P * (4.0 * A + aw * (P - 1.0)) + (dsp ? 0.0 : P * aw * ww);
	x->f[3] = A * (P - 1.0);
	x->f[4] = P * A;
	x->f[5] = (double)c->LG_WD + c->LG_RD;
}

/* Coefficients (iCE40, synth_ice40 -dsp, the board top with the link);
 * LC is fitted directly to nextpnr-ice40's packed logic cells. */
static const double k_lut[6] = { 1927.919, 0.0, 2.838, 0.0, 0.0, 0.0 };
static const double k_ff[6] = { 1219.273, 1.003, 0.0, 0.0, 0.0, 0.0 };
static const double k_carry[6] = { 605.542, 0.0, 0.0, 0.0, 3.127, 7.345 };
static const double k_lc[6] = { 2536.207, 2.434, 1.257, 0.0, 0.0, 0.0 };

static uint32_t lin(const double *k, const feat *x)
{
	double s = 0.0;
	for (int i = 0; i < 6; i++)
		s += k[i] * x->f[i];
	return s < 0.0 ? 0u : (uint32_t)lround(s);
}

static void set_mem(sq_est_memory *m, const char *name, uint32_t width, uint32_t depth,
		    uint32_t copies)
{
	m->name = name;
	m->width = width;
	m->depth = depth;
	m->copies = copies;
	m->blocks = 0;
	m->lutram = 0;
	m->bits_used = (uint64_t)width * depth * copies;
}

static void judge(const sq_board *b, sq_estimate *e);

void sq_estimate_config(const sq_board *b, const sq_hwcfg *c, sq_estimate *e)
{
	memset(e, 0, sizeof *e);
	e->board = b;
	e->cfg = *c;
	uint32_t P = c->P, ew = sq_hw_ew(c), pw = sq_hw_pw(c), roww = sq_hw_roww(c);
	set_mem(&e->mem[SQ_MEM_LT], "layer table", sq_hw_ltw(c), c->MAXL, 1);
	set_mem(&e->mem[SQ_MEM_RT], "round table", sq_hw_rtw(c), 1u << c->LG_RD, 1);
	set_mem(&e->mem[SQ_MEM_WM], "weights", P * ew, 1u << c->LG_WD, 1);
	set_mem(&e->mem[SQ_MEM_PM], "row parameters", P * pw, 1u << c->LG_RD, 1);
	set_mem(&e->mem[SQ_MEM_AM], "activations", P * c->AW, 2u << roww, P);
	set_mem(&e->mem[SQ_MEM_QB], "Q buffer", P * c->ACCW, 1u << roww, 1);
	set_mem(&e->mem[SQ_MEM_LINK], "link frame buffer", 8, 512, 1);
	const char *fam = b->family;
	for (int i = 0; i < SQ_MEM_COUNT; i++) {
		sq_est_memory *m = &e->mem[i];
		uint32_t slice = m->width;
		if (i == SQ_MEM_WM)
			slice = ew;
		else if (i == SQ_MEM_PM)
			slice = pw;
		if (!is_ice40(fam) && m->depth <= 16) {
			m->lutram = 1; /* ECP5: tiny memories go to LUT RAM */
			continue;
		}
		m->blocks = m->copies * sq_est_blocks(fam, m->width, m->depth, slice);
		e->ebr += m->blocks;
		e->ebr_bits_used += m->bits_used;
	}
	/* SB_MAC16 per lane when the product is wide enough for Yosys to use one
	 * (DSP_Y_MINWIDTH 11 in synth_ice40); ECP5 MULT18X18D likewise. */
	bool dsp = c->AW + c->WW >= 11;
	if (!is_ice40(fam))
		dsp = c->AW + c->WW >= 4;
	e->dsp = dsp ? P : 0;
	e->spram = 0;
	feat x;
	features(c, dsp, &x);
	e->lut = lin(k_lut, &x);
	e->ff = lin(k_ff, &x);
	e->carry = lin(k_carry, &x);
	if (is_ice40(fam))
		e->lc = lin(k_lc, &x);
	else
		e->lc = e->lut; /* uncalibrated on ECP5: LUT4s as for iCE40 */
	e->clk_mhz = b->clk_mhz;
	judge(b, e);
}

/* e->fits and e->why from e's resources against the board's. */
static void judge(const sq_board *b, sq_estimate *e)
{
	e->fits = true;
	e->why[0] = '\0';
	if (e->spram > b->spram) {
		e->fits = false;
		snprintf(e->why, sizeof e->why, "SPRAM: %u of %u, short by %u", e->spram, b->spram,
			 e->spram - b->spram);
	} else if (e->ebr > b->ebr) {
		e->fits = false;
		snprintf(e->why, sizeof e->why, "block RAM: %u of %u, short by %u", e->ebr, b->ebr,
			 e->ebr - b->ebr);
	} else if (e->lc > b->lc) {
		e->fits = false;
		snprintf(e->why, sizeof e->why, "logic cells: %u of %u, short by %u", e->lc, b->lc,
			 e->lc - b->lc);
	} else if (e->dsp > b->dsp) {
		e->fits = false;
		snprintf(e->why, sizeof e->why, "DSP blocks: %u of %u, short by %u", e->dsp, b->dsp,
			 e->dsp - b->dsp);
	}
}

/*
 * The weights in SPRAM (iCE40 UltraPlus; rtl/sq_wmem.v WMEM=1, what the flow
 * chooses when the model's memories overflow the block RAM, scripts/fpga/fit.sh):
 * lane entries nibble-aligned, blocks of 16K x 16 side by side, the depth the
 * board's blocks hold (LG_WD 14..16) unless LG_WD is given. Returns false
 * when the board has no SPRAM for these words or the model's words exceed it.
 */
static bool spram_config(const sq_board *b, const sq_est_opts *o, uint32_t n_words,
			 sq_hwcfg *c, uint32_t *blocks)
{
	uint32_t es = (sq_hw_ew(c) + 3) / 4 * 4, cols = cdiv((uint64_t)c->P * es, 16);
	uint32_t banks = b->spram / cols, lg = 14;
	if (banks == 0)
		return false;
	while (lg < 16 && (1u << (lg + 1 - 14)) <= banks)
		lg++;
	if (o->LG_WD)
		lg = o->LG_WD;
	if (n_words > (1u << lg))
		return false;
	c->LG_WD = lg;
	*blocks = cols * cdiv(1u << lg, 16384);
	return true;
}

static uint32_t lg_at_least(uint32_t n, uint32_t minlg)
{
	uint32_t lg = sq_clog2(n);
	return lg < minlg ? minlg : lg;
}

int sq_estimate_model(const sq_model *m, const sq_board *b, const sq_est_opts *o,
		      sq_estimate *e, sq_err *err)
{
	if (!(m->flags & SQM_FIXED))
		return sq_fail(err, SQ_E_INVALID,
			       "the model has no fixed-point payload (compress it first)");
	sq_hwcfg c;
	sq_hwcfg_default(&c, o->P ? o->P : b->def_P);
	uint32_t maxdim = 0, aw = 2, ww = 2, acc = 0;
	for (uint32_t l = 0; l <= m->n_layers; l++)
		if (m->dims[l] > maxdim)
			maxdim = m->dims[l];
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		if (L->abits_in > aw)
			aw = L->abits_in;
		if (L->wbits > ww)
			ww = L->wbits;
		if (L->acc_bits > acc)
			acc = L->acc_bits;
	}
	bool ice = is_ice40(b->family);
	c.AW = o->AW ? o->AW : aw;
	c.WW = o->WW ? o->WW : ww;
	c.MAXW = o->MAXW ? o->MAXW : (ice && maxdim <= 255 ? 255 : maxdim);
	c.MAXL = o->MAXL ? o->MAXL : 8;
	if (o->ACCW)
		c.ACCW = o->ACCW;
	else if (b->def_accw)
		c.ACCW = b->def_accw;
	else /* mk/fpga.mk's ACCW=model: the widest acc_bits, a multiple of 4 */
		c.ACCW = (acc + 3) / 4 * 4;
	if (c.ACCW < 8)
		c.ACCW = 8;
	if (c.ACCW < c.AW)
		c.ACCW = c.AW;
	/* The image at the full depths first: it says how deep the memories
	 * must be. */
	c.LG_WD = 16;
	c.LG_RD = 16;
	int rc = sq_hwcfg_check(&c, err);
	if (rc)
		return rc;
	/* depths for the shape (every row; mk/fpga.mk's FIT_SHAPE_DIR), so any
	 * model of the shape fits; cycles of the image the flow builds */
	sq_image *img = NULL, *shape = NULL;
	rc = sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &shape, err);
	if (rc)
		return rc;
	uint32_t need_words = shape->n_words, need_rounds = shape->n_rounds;
	sq_image_free(shape);
	rc = sq_export_image_opt(m, &c, o->export_flags, &img, err);
	if (rc)
		return rc;
	uint32_t minlg = ice ? 8 : 9;
	c.LG_WD = o->LG_WD ? o->LG_WD : lg_at_least(need_words, minlg);
	c.LG_RD = o->LG_RD ? o->LG_RD : lg_at_least(need_rounds, minlg);
	if (need_words > (1u << c.LG_WD) || need_rounds > (1u << c.LG_RD)) {
		rc = sq_fail(err, SQ_E_RANGE,
			     "the model's shape needs %u weight words and %u rounds; LG_WD=%u holds %u, LG_RD=%u holds %u",
			     need_words, need_rounds, c.LG_WD, 1u << c.LG_WD, c.LG_RD,
			     1u << c.LG_RD);
		sq_image_free(img);
		return rc;
	}
	sq_estimate_config(b, &c, e);
	uint32_t spb = 0;
	if (!e->fits && e->ebr > b->ebr && spram_config(b, o, need_words, &c, &spb)) {
		sq_estimate s;
		sq_estimate_config(b, &c, &s);
		s.ebr -= s.mem[SQ_MEM_WM].blocks;
		s.ebr_bits_used -= s.mem[SQ_MEM_WM].bits_used;
		s.mem[SQ_MEM_WM].blocks = 0;
		s.spram = spb;
		s.wm_spram = true;
		judge(b, &s);
		if (s.ebr <= b->ebr)
			*e = s;
	}
	e->n_words = img->n_words;
	e->n_rounds = img->n_rounds;
	e->n_layers = m->n_layers;
	e->in_words = cdiv(m->dims[0], c.P);
	e->out_dim = m->dims[m->n_layers];
	e->nnz = 0;
	for (uint32_t l = 0; l < m->n_layers; l++)
		e->nnz += m->q[l].nnz;
	e->cycles_bound = img->cycles_bound;
	e->cycles = img->cycles; /* the export's issue schedule (export.c) */
	sq_image_free(img);
	e->mem[SQ_MEM_WM].bits_used = (uint64_t)e->n_words * e->mem[SQ_MEM_WM].width;
	e->mem[SQ_MEM_PM].bits_used = (uint64_t)e->n_rounds * e->mem[SQ_MEM_PM].width;
	e->mem[SQ_MEM_RT].bits_used = (uint64_t)e->n_rounds * e->mem[SQ_MEM_RT].width;
	e->model_bits = e->mem[SQ_MEM_WM].bits_used;
	e->ebr_bits_used = 0;
	for (int i = 0; i < SQ_MEM_COUNT; i++)
		if (!e->mem[i].lutram && !(i == SQ_MEM_WM && e->wm_spram))
			e->ebr_bits_used += e->mem[i].bits_used;
	if (o->clk_mhz > 0.0)
		e->clk_mhz = o->clk_mhz;
	e->latency_us = (double)e->cycles / e->clk_mhz;
	return SQ_OK;
}
