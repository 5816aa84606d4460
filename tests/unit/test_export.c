/*
 * test_export.c - the exporter (host/export.c) against an independent
 * interpreter of the image written here: it decodes lt/rt/wm/pm with its own
 * field arithmetic and walks them the way the core does (rounds, lanes in
 * lockstep on one weight address, slots of wide activation words, two banks,
 * sign extension, an ACCW-bit accumulator it checks never overflows), and its
 * answers must equal sq_golden_infer on many random models and lane counts.
 * Also: fit-failure messages, and the hex files parse back to the same words.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "simplify.h"
#include "golden.h"
#include "randmodel.h"
#include "rng.h"
#include "sqm.h"
#include "testlib.h"
#include "vectors.h"

/* ---- the interpreter -------------------------------------------------------- */

struct widths {
	uint32_t awd, roww, slotw, ew, pw, dimw, rcw, ltw;
};

static uint32_t lg(uint64_t v) /* ceil(log2 v) */
{
	uint32_t n = 0;
	while (((uint64_t)1 << n) < v)
		n++;
	return n;
}

static void derive(const sq_hwcfg *c, struct widths *w)
{
	w->awd = (c->MAXW + c->P - 1) / c->P;
	w->roww = lg(w->awd) ? lg(w->awd) : 1;
	w->slotw = lg(c->P) ? lg(c->P) : 1;
	w->ew = w->roww + w->slotw + c->WW;
	w->pw = c->ACCW + 5;
	w->dimw = lg((uint64_t)c->MAXW + 1);
	w->rcw = lg((uint64_t)w->awd + 1);
	w->ltw = 6 + w->dimw + 2 * w->rcw;
}

static uint64_t field(uint64_t word, uint32_t lsb, uint32_t bits)
{
	return (word >> lsb) & ((((uint64_t)1) << bits) - 1);
}

static int64_t sext(uint64_t v, uint32_t bits)
{
	uint64_t sign = (uint64_t)1 << (bits - 1);
	return (int64_t)((v ^ sign) - sign);
}

/* What the core computes for quantized input q. Returns the action, fills qv
 * (out_dim Q-values); -1 on an accumulator overflow or a malformed image. */
static long interpret(const sq_image *img, const uint32_t *lt, const uint32_t *rt_,
		      const uint64_t *wm, const uint64_t *pm, const int32_t *q,
		      uint32_t in_dim, int64_t *qv, sq_rng *junk)
{
	const sq_hwcfg *c = &img->cfg;
	struct widths w;
	derive(c, &w);
	uint32_t P = c->P;
	(void)lt;
	/* am[bank][word][slot]; every lane has a copy, all equal: keep one */
	static int64_t am[2][4096][16];
	static int64_t qbuf[4096 + 16];
	/* unused slots hold junk: nothing may read them with a nonzero weight */
	for (int b = 0; b < 2; b++)
		for (uint32_t a = 0; a < w.awd; a++)
			for (uint32_t s = 0; s < P; s++)
				am[b][a][s] = sq_rng_range(junk, -100, 100);
	uint32_t in_words = (in_dim + P - 1) / P;
	for (uint32_t b = 0; b < in_words; b++)
		for (uint32_t s = 0; s < P; s++)
			if (b * P + s < in_dim)
				am[0][b][s] = q[b * P + s];

	uint32_t g = 0, addr = 0, out_dim = 0;
	int64_t accmax = ((int64_t)1 << (c->ACCW - 1)) - 1;
	for (uint32_t l = 0;; l++) {
		if (l >= img->n_layers)
			return -1;
		uint64_t e = img->lt[l];
		uint32_t iw = (uint32_t)field(e, 0, w.rcw);
		uint32_t nr = (uint32_t)field(e, w.rcw, w.rcw);
		out_dim = (uint32_t)field(e, 2 * w.rcw, w.dimw);
		uint32_t sat = (uint32_t)field(e, 2 * w.rcw + w.dimw, 5);
		uint32_t is_last = (uint32_t)field(e, 2 * w.rcw + w.dimw + 5, 1);
		if (l == 0 && iw != in_words)
			return -1;
		int bank = (int)(l % 2);
		for (uint32_t k = 0; k < nr; k++, g++) {
			uint32_t len = rt_[g];
			int64_t res[16];
			for (uint32_t p = 0; p < P; p++) {
				uint64_t par = pm[(size_t)g * P + p];
				int64_t acc = sext(field(par, 0, c->ACCW), c->ACCW);
				uint32_t shift = (uint32_t)field(par, c->ACCW, 5);
				for (uint32_t i = 0; i < len; i++) {
					uint64_t ent = wm[(size_t)(addr + i) * P + p];
					uint32_t word = (uint32_t)field(ent, w.slotw + c->WW, w.roww);
					uint32_t slot = (uint32_t)field(ent, c->WW, w.slotw);
					int64_t wt = sext(field(ent, 0, c->WW), c->WW);
					if (word >= w.awd || slot >= P)
						return -1;
					acc += wt * am[bank][word][slot];
					if (acc > accmax || acc < -accmax)
						return -1;
				}
				if (is_last) {
					res[p] = acc;
				} else {
					/* round half up: floor((acc + 2^(s-1)) / 2^s) */
					int64_t t = acc;
					if (shift) {
						int64_t num = acc + ((int64_t)1 << (shift - 1));
						int64_t den = (int64_t)1 << shift;
						t = num >= 0 ? num / den : -((-num + den - 1) / den);
					}
					int64_t amax = ((int64_t)1 << (sat - 1)) - 1;
					res[p] = t < 0 ? 0 : (t > amax ? amax : t);
				}
			}
			/* an output layer's row j may be spread over the G = 2^sat
			 * lanes j*G.. (one round): its Q is the sum of their partials */
			uint32_t G = is_last ? 1u << sat : 1;
			if (G > 1 && (nr != 1 || sat > 4 || out_dim * G > P))
				return -1;
			for (uint32_t p = 0; p < P; p++) {
				if (is_last && p < P / G) {
					int64_t sum = 0;
					for (uint32_t i = 0; i < G; i++)
						sum += res[p * G + i];
					qbuf[k * P + p] = sum;
				} else if (!is_last) {
					am[1 - bank][k][p] = res[p];
				}
			}
			addr += len;
		}
		if (is_last)
			break;
	}
	if (addr != img->n_words || g != img->n_rounds)
		return -1;
	uint32_t best = 0;
	for (uint32_t j = 0; j < out_dim; j++) {
		qv[j] = qbuf[j];
		if (qbuf[j] > qbuf[best])
			best = j;
	}
	return best;
}

/* ---- hex files --------------------------------------------------------------- */

/* Reads a $readmemh file of words `bits` wide, split into lanes of `lw`
 * bits: out[line * lanes + p]. Checks each line has exactly ceil(bits/4)
 * digits. Returns the number of lines, or -1. */
static long read_hex(const char *path, uint32_t bits, uint32_t lw, uint64_t *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[1024];
	long n = 0;
	uint32_t digits = (bits + 3) / 4, lanes = bits / lw;
	while (fgets(line, sizeof line, f)) {
		size_t len = strcspn(line, "\n");
		if (len != digits || (size_t)(n + 1) * lanes > cap) {
			fclose(f);
			return -1;
		}
		for (uint32_t p = 0; p < lanes; p++)
			out[(size_t)n * lanes + p] = 0;
		for (uint32_t d = 0; d < digits; d++) {
			char ch = line[len - 1 - d];
			unsigned v = ch <= '9' ? (unsigned)(ch - '0') : (unsigned)(ch - 'a' + 10);
			for (uint32_t b = 0; b < 4; b++) {
				uint32_t bit = d * 4 + b;
				if ((v >> b) & 1) {
					if (bit >= bits) {
						fclose(f);
						return -1;
					}
					out[(size_t)n * lanes + bit / lw] |= (uint64_t)1 << (bit % lw);
				}
			}
		}
		n++;
	}
	fclose(f);
	return n;
}

/* ---- helpers -------------------------------------------------------------- */

static sq_model *rand_model(sq_rng *r, uint64_t seed, uint32_t maxw)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	o.seed = seed;
	o.n_layers = 1 + (uint32_t)sq_rng_below(r, 4);
	for (uint32_t i = 0; i <= o.n_layers; i++)
		o.dims[i] = 1 + (uint32_t)sq_rng_below(r, maxw);
	/* wide models sparse enough for a 2^16-word memory at P = 1 */
	o.sparsity = maxw > 64 ? 0.6 + 0.4 * sq_rng_uniform(r) : sq_rng_uniform(r);
	for (uint32_t l = 0; l < o.n_layers; l++) {
		o.wbits[l] = (uint8_t)sq_rng_range(r, 2, 8);
		o.abits[l] = (uint8_t)sq_rng_range(r, 2, 8);
	}
	sq_model *m = NULL;
	sq_err err;
	if (sq_random_model(&o, &m, &err))
		return NULL;
	return m;
}

/* Image vs golden on n vectors; img tables taken straight from the struct. */
static int check_model(const sq_model *m, const sq_image *img, uint32_t nvec, sq_rng *junk)
{
	sq_golden_ws *ws = malloc(sizeof *ws);
	uint32_t d = m->dims[0], P = img->cfg.P;
	int32_t *q = malloc((size_t)nvec * d * sizeof *q);
	uint64_t *wm = malloc((size_t)(img->n_words + 1) * P * sizeof *wm);
	int64_t gq[SQ_MAX_DIM], iq[SQ_MAX_DIM];
	for (size_t i = 0; i < (size_t)img->n_words * P; i++)
		wm[i] = img->wm[i];
	sq_make_vectors(m, 42, nvec, q);
	int rc = 0;
	for (uint32_t v = 0; v < nvec && !rc; v++) {
		uint32_t ga = sq_golden_infer(m, q + (size_t)v * d, gq, ws, NULL);
		long ia = interpret(img, NULL, img->rt, wm, img->pm, q + (size_t)v * d, d, iq, junk);
		if (ia != (long)ga) {
			fprintf(stderr, "  P=%u vector %u: image action %ld, golden %u\n", P, v, ia, ga);
			rc = 1;
			break;
		}
		for (uint32_t j = 0; j < m->dims[m->n_layers]; j++)
			if (iq[j] != gq[j]) {
				fprintf(stderr, "  P=%u vector %u Q[%u]: image %lld golden %lld\n", P, v,
					j, (long long)iq[j], (long long)gq[j]);
				rc = 1;
				break;
			}
	}
	free(wm);
	free(q);
	free(ws);
	return rc;
}

/* ---- tests ---------------------------------------------------------------- */

static int t_widths(void)
{
	sq_hwcfg c;
	sq_hwcfg_default(&c, 8);
	CHECK(c.AW == 8 && c.WW == 8 && c.ACCW == 32 && c.MAXW == 256 && c.MAXL == 8 &&
	      c.LG_WD == 12 && c.LG_RD == 9);
	/* AWD 32, ROWW 5, SLOTW 3, EW 16, PW 37, DIMW 9, RCW 6, LTW 27 */
	CHECK(sq_hw_awd(&c) == 32 && sq_hw_roww(&c) == 5 && sq_hw_slotw(&c) == 3);
	CHECK(sq_hw_ew(&c) == 16 && sq_hw_pw(&c) == 37 && sq_hw_dimw(&c) == 9);
	CHECK(sq_hw_rcw(&c) == 6 && sq_hw_ltw(&c) == 27);
	sq_hwcfg_default(&c, 1);
	CHECK(sq_hw_slotw(&c) == 1 && sq_hw_awd(&c) == 256 && sq_hw_roww(&c) == 8);
	CHECK(sq_hw_rcw(&c) == 9);
	sq_hwcfg_default(&c, 3);
	CHECK(sq_hw_awd(&c) == 86 && sq_hw_roww(&c) == 7 && sq_hw_slotw(&c) == 2);
	CHECK(sq_clog2(0) == 0 && sq_clog2(1) == 0 && sq_clog2(2) == 1 && sq_clog2(5) == 3);
	CHECK(sq_clog2(4096) == 12 && sq_clog2(4097) == 13);
	sq_err err;
	CHECK(sq_hwcfg_check(&c, &err) == SQ_OK);
	c.AW = 16;
	c.ACCW = 12; /* the core refuses ACCW < AW; so must the host */
	CHECK(sq_hwcfg_check(&c, &err) == SQ_E_INVALID);
	c.ACCW = 16;
	CHECK(sq_hwcfg_check(&c, &err) == SQ_OK);
	c.P = 17;
	CHECK(sq_hwcfg_check(&c, &err) == SQ_E_INVALID);
	return 0;
}

static int t_image_equals_golden(void)
{
	static const uint32_t lanes[] = { 1, 2, 3, 4, 8, 16 };
	sq_rng r, junk;
	sq_rng_seed(&r, 31337);
	sq_rng_seed(&junk, 5);
	int n = 0;
	for (int i = 0; i < 240; i++) {
		sq_model *m = rand_model(&r, 500 + (uint64_t)i, i % 3 == 0 ? 200 : 40);
		CHECK(m);
		for (size_t k = 0; k < sizeof lanes / sizeof lanes[0]; k++) {
			sq_hwcfg c;
			sq_image *img = NULL;
			sq_err err;
			sq_hwcfg_default(&c, lanes[k]);
			c.LG_WD = 16;
			c.LG_RD = 16;
			if (i % 2) {
				/* the tightest configuration: every width exactly the model's */
				c.MAXW = c.AW = c.WW = c.ACCW = 0;
				for (uint32_t l = 0; l <= m->n_layers; l++)
					c.MAXW = m->dims[l] > c.MAXW ? m->dims[l] : c.MAXW;
				for (uint32_t l = 0; l < m->n_layers; l++) {
					const sq_qlayer *L = &m->q[l];
					c.AW = L->abits_in > c.AW ? L->abits_in : c.AW;
					c.WW = L->wbits > c.WW ? L->wbits : c.WW;
					c.ACCW = L->acc_bits > c.ACCW ? L->acc_bits : c.ACCW;
				}
				c.ACCW = c.ACCW < 8 ? 8 : c.ACCW;
				c.MAXL = m->n_layers;
			}
			/* every row, simplified, simplified keeping the shape's layout */
			static const unsigned modes[3] = { SQ_EXPORT_KEEP_ALL, 0, SQ_EXPORT_KEEP_SHAPE };
			uint64_t lt_all[SQ_MAX_LAYERS] = { 0 }, kept = 0;
			uint32_t rounds_all = 0, words_all = 0;
			for (unsigned mi = 0; mi < 3; mi++) {
				unsigned fl = modes[mi];
				bool keep = fl == SQ_EXPORT_KEEP_ALL;
				CHECKF(sq_export_image_opt(m, &c, fl, &img, &err) == 0, "%s", err.msg);
				/* bound and layout figures */
				uint64_t bound = 0, words = 0;
				for (uint32_t l = 0; l < m->n_layers; l++) {
					bound += (m->q[l].nnz + lanes[k] - 1) / lanes[k];
					words += img->layer_words[l];
				}
				CHECK(img->cycles_bound == bound);
				CHECK(img->cycles_bound_kept <= bound);
				CHECK(words == img->n_words && img->n_words >= img->cycles_bound_kept);
				if (keep) {
					CHECK(img->cycles_bound_kept == bound && img->rows_const == 0 &&
					      img->rows_dead == 0);
					memcpy(lt_all, img->lt, sizeof lt_all);
					rounds_all = img->n_rounds;
					words_all = img->n_words;
				} else if (fl == 0) {
					kept = img->cycles_bound_kept;
				} else {
					/* the shape's layer table, the simplified weights */
					CHECK(!memcmp(lt_all, img->lt, sizeof lt_all));
					CHECK(img->n_rounds == rounds_all && img->n_words <= words_all);
					CHECK(img->cycles_bound_kept == kept);
				}
				if (check_model(m, img, 24, &junk)) {
					fprintf(stderr, "  model %d%s\n", i, keep ? " (no simplification)" :
						fl ? " (simplified, shape kept)" : "");
					return 1;
				}
				sq_image_free(img);
				n++;
			}
		}
		sq_model_free(m);
	}
	return n == 240 * 6 * 3 ? 0 : 1;
}

/* Row order, slot_row and padding on a hand-made layer. */
static int t_row_order(void)
{
	uint32_t dims[3] = { 3, 5, 2 };
	sq_model *m = NULL;
	sq_err err;
	CHECK(sq_model_new(2, dims, SQM_FIXED, &m, &err) == 0);
	/* row nnz: 1, 3, 0, 3, 2 -> order 1, 3, 4, 0, 2 */
	uint32_t rp[6] = { 0, 1, 4, 4, 7, 9 };
	uint16_t col[9] = { 2, 0, 1, 2, 0, 1, 2, 0, 2 };
	int16_t val[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	CHECK(sq_qlayer_reserve(&m->q[0], 9, &err) == 0);
	m->q[0].nnz = 9;
	memcpy(m->q[0].row_ptr, rp, sizeof rp);
	memcpy(m->q[0].col, col, sizeof col);
	memcpy(m->q[0].val, val, sizeof val);
	for (int r = 0; r < 5; r++)
		m->q[0].bias[r] = 10 * r + 1;
	/* layer 1: row 0 reads hidden 4, row 1 reads hidden 0 and 2 */
	uint32_t rp1[3] = { 0, 1, 3 };
	uint16_t col1[3] = { 4, 0, 2 };
	int16_t val1[3] = { -1, 1, -1 };
	CHECK(sq_qlayer_reserve(&m->q[1], 3, &err) == 0);
	m->q[1].nnz = 3;
	memcpy(m->q[1].row_ptr, rp1, sizeof rp1);
	memcpy(m->q[1].col, col1, sizeof col1);
	memcpy(m->q[1].val, val1, sizeof val1);
	sq_model_update_acc_bits(m);
	CHECK(sq_model_validate(m, &err) == 0);

	sq_hwcfg c;
	sq_image *img = NULL;
	sq_hwcfg_default(&c, 2);
	CHECKF(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == 0, "%s", err.msg);
	uint32_t want[6] = { 1, 3, 4, 0, 2, UINT32_MAX };
	for (int j = 0; j < 6; j++)
		CHECK(img->slot_row[0][j] == want[j]);
	CHECK(img->slot_row[1][0] == 0 && img->slot_row[1][1] == 1);
	/* rounds: (3,3) (2,1) (0,pad) -> len 3, 2, 1; output: 1 round of len 2 */
	CHECK(img->n_rounds == 4);
	CHECK(img->rt[0] == 3 && img->rt[1] == 2 && img->rt[2] == 1 && img->rt[3] == 2);
	CHECK(img->n_words == 8 && img->cycles_bound == 5 + 2);
	CHECK(img->layer_words[0] == 6 && img->layer_words[1] == 2 && img->layer_round0[1] == 3);
	/* round 1 lane 1 = row 0: padding first, then its one entry (col 2 =
	 * word 1 slot 0, w 1): a row's reads come as late as they can */
	uint32_t ww = 8, slotw = 1;
	CHECK(img->wm[3 * 2 + 1] == 0);
	CHECK(img->wm[4 * 2 + 1] == ((1u << (slotw + ww)) | (0u << ww) | 1u));
	/* padding row of round 2, lane 1: zero parameters */
	CHECK(img->pm[2 * 2 + 1] == 0);
	CHECK((img->pm[0] & 0xffffffffu) == 11); /* bias of row 1 */
	/* layer 1 row 0 reads hidden 4, now at position 2 = word 1 slot 0; w -1
	 * (after a padding entry) */
	CHECK(img->wm[6 * 2 + 0] == 0);
	CHECK(img->wm[7 * 2 + 0] == ((1u << 9) | 0xffu));
	/* layer 1 row 1 reads hidden 0 (pos 3: word 1 slot 1) and 2 (pos 4: word 2 slot 0) */
	CHECK(img->wm[6 * 2 + 1] == ((1u << 9) | (1u << 8) | 1u));
	CHECK(img->wm[7 * 2 + 1] == ((2u << 9) | 0xffu));
	/* layer table: {is_last, sat, out_dim, n_rounds, in_words}, DIMW 9, RCW 8 */
	CHECK(sq_hw_dimw(&c) == 9 && sq_hw_rcw(&c) == 8);
	CHECK(img->lt[0] == (((uint64_t)8 << 25) | ((uint64_t)5 << 16) | (3u << 8) | 2u));
	CHECK(img->lt[1] == (((uint64_t)1 << 30) | ((uint64_t)2 << 16) | (1u << 8) | 3u));
	/* schedule (export.h): rounds 0..2 issue in cycles 1-3, 4-5, 6, so words
	 * 0..2 are written in cycles 12, 14, 15. Layer 1 (loaded in cycle 7)
	 * reads word 1 at position 1 in lane 0 and words 1, 2 at positions 0, 1
	 * in lane 1: its round may start in cycle max(14 - 1, 14 - 0, 15 - 1)
	 * = 14, 7 cycles after its natural start; it ends in 15. Cycles: 15 +
	 * 2 observation words + 13 + 2 * 2 (argmax) + log2(2) = 35. */
	CHECK(img->rt_wait[0] == 0 && img->rt_wait[1] == 0 && img->rt_wait[2] == 0);
	CHECK(img->rt_wait[3] == 7);
	CHECK(img->cycles == 35);
	CHECK(sq_image_rt_word(img, 3) == ((7u << 9) | 2u));
	sq_image_free(img);

	/* Simplified: hidden 2 has no weight (constant 21 = clamp(bias 21)) and
	 * folds into layer 1 row 1's bias (-1 * 21); hidden 1 and 3 feed
	 * nothing (dead). Left: rows 4 (2 weights) and 0 (1 weight). */
	CHECKF(sq_export_image(m, &c, &img, &err) == 0, "%s", err.msg);
	CHECK(img->out_dim[0] == 2 && img->out_dim[1] == 2);
	CHECK(img->slot_row[0][0] == 4 && img->slot_row[0][1] == 0);
	CHECK(img->slot_nnz[0][0] == 2 && img->slot_nnz[0][1] == 1);
	CHECK(img->rows_const == 1 && img->rows_dead == 2);
	CHECK(img->cycles_bound == 5 + 2 && img->cycles_bound_kept == 2 + 1);
	CHECK(img->n_rounds == 2 && img->rt[0] == 2 && img->rt[1] == 1);
	/* layer 1 row 1: the weight on hidden 2 is folded, hidden 0 (now
	 * position 1: word 0 slot 1) is left; bias 0 - 21 */
	CHECK(img->wm[2 * 2 + 1] == ((0u << 9) | (1u << 8) | 1u));
	CHECK((img->pm[1 * 2 + 1] & 0xffffffffu) == (uint32_t)-21);
	/* in_words of layer 1 follows the rows computed: 1 word of 2 */
	CHECK((img->lt[1] & 0xff) == 1);
	sq_image_free(img);
	sq_model_free(m);
	return 0;
}

static int t_fit_messages(void)
{
	sq_randmodel_opts o;
	sq_model *m = NULL;
	sq_image *img = NULL;
	sq_hwcfg c;
	sq_err err;
	sq_randmodel_defaults(&o);
	uint32_t d[4] = { 4, 300, 64, 2 };
	memcpy(o.dims, d, sizeof d);
	CHECK(sq_random_model(&o, &m, &err) == 0);
	sq_hwcfg_default(&c, 8);
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE && !img);
	CHECKF(strcmp(err.msg, "layer 0: width 300 exceeds MAXW 256") == 0, "%s", err.msg);
	c.MAXW = 300;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == 0);
	sq_image_free(img);
	c.MAXL = 2;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	CHECKF(strcmp(err.msg, "model has 3 layers, MAXL=2") == 0, "%s", err.msg);
	c.MAXL = 8;
	c.WW = 6;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	CHECKF(strcmp(err.msg, "layer 0: wbits 8 exceeds WW 6") == 0, "%s", err.msg);
	c.WW = 8;
	c.AW = 4;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	CHECKF(strcmp(err.msg, "layer 0: abits_in 8 exceeds AW 4") == 0, "%s", err.msg);
	c.AW = 8;
	c.ACCW = 8;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	char want[128];
	snprintf(want, sizeof want, "layer 0: acc_bits %u exceeds ACCW 8", m->q[0].acc_bits);
	CHECKF(strcmp(err.msg, want) == 0, "%s", err.msg);
	c.ACCW = 32;
	c.LG_WD = 5;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	CHECKF(strstr(err.msg, "weights need ") && strstr(err.msg, " words, LG_WD=5 gives 32"),
	       "%s", err.msg);
	c.LG_WD = 12;
	c.LG_RD = 4;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_RANGE);
	/* 300/8 -> 38 + 8 + 1 = 47 rounds */
	CHECKF(strcmp(err.msg, "rounds need 47 entries, LG_RD=4 gives 16") == 0, "%s", err.msg);
	c.LG_RD = 9;
	c.P = 0;
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_INVALID);
	sq_model_free(m);

	/* float-only model */
	uint32_t d2[2] = { 2, 2 };
	CHECK(sq_model_new(1, d2, SQM_FLOAT, &m, &err) == 0);
	sq_hwcfg_default(&c, 8);
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == SQ_E_INVALID);
	sq_model_free(m);
	return 0;
}

static int t_hex_roundtrip(void)
{
	static const uint32_t lanes[] = { 1, 3, 8, 16 };
	char dir[] = "/tmp/sq_export_XXXXXX";
	CHECK(mkdtemp(dir));
	sq_rng r, junk;
	sq_rng_seed(&r, 77);
	sq_rng_seed(&junk, 6);
	for (size_t k = 0; k < sizeof lanes / sizeof lanes[0]; k++) {
		sq_model *m = rand_model(&r, 900 + k, 120);
		CHECK(m);
		sq_hwcfg c;
		sq_image *img = NULL;
		sq_err err;
		sq_hwcfg_default(&c, lanes[k]);
		c.ACCW = 40 + (uint32_t)k; /* wide parameter words */
		c.WW = 11;
		c.AW = 9;
		c.LG_WD = 16;
		c.LG_RD = 16;
		CHECKF(sq_export_image(m, &c, &img, &err) == 0, "%s", err.msg);
		char sub[256];
		snprintf(sub, sizeof sub, "%s/a/b%zu", dir, k);
		CHECKF(sq_image_write_hex(img, sub, &err) == 0, "%s", err.msg);
		struct widths w;
		derive(&c, &w);
		uint32_t P = c.P;
		char path[512];
		size_t cap = (size_t)(img->n_words + img->n_rounds + 32) * P;
		uint64_t *buf = calloc(cap, sizeof *buf);
		uint64_t *pm = calloc(cap, sizeof *pm);
		uint64_t lt[SQ_MAX_LAYERS];
		uint32_t *rt = calloc(img->n_rounds, sizeof *rt);

		snprintf(path, sizeof path, "%s/lt.hex", sub);
		CHECK(read_hex(path, w.ltw, w.ltw, lt, SQ_MAX_LAYERS) == (long)img->n_layers);
		for (uint32_t l = 0; l < img->n_layers; l++)
			CHECK(lt[l] == img->lt[l]);
		snprintf(path, sizeof path, "%s/rt.hex", sub);
		/* round table entry: {wait[4], len[DIMW]} */
		CHECK(read_hex(path, w.dimw + 4, w.dimw + 4, buf, cap) == (long)img->n_rounds);
		for (uint32_t i = 0; i < img->n_rounds; i++) {
			CHECK((buf[i] & ((1u << w.dimw) - 1)) == img->rt[i]);
			CHECK((buf[i] >> w.dimw) == img->rt_wait[i]);
			rt[i] = (uint32_t)(buf[i] & ((1u << w.dimw) - 1));
		}
		snprintf(path, sizeof path, "%s/pm.hex", sub);
		CHECK(read_hex(path, P * w.pw, w.pw, pm, cap) == (long)img->n_rounds);
		for (size_t i = 0; i < (size_t)img->n_rounds * P; i++)
			CHECK(pm[i] == img->pm[i]);
		snprintf(path, sizeof path, "%s/wm.hex", sub);
		CHECK(read_hex(path, P * w.ew, w.ew, buf, cap) == (long)img->n_words);
		for (size_t i = 0; i < (size_t)img->n_words * P; i++)
			CHECK(buf[i] == img->wm[i]);
		/* the parsed files run the model too */
		sq_golden_ws *ws = malloc(sizeof *ws);
		int32_t q[SQ_MAX_DIM * 8];
		int64_t gq[SQ_MAX_DIM], iq[SQ_MAX_DIM];
		sq_make_vectors(m, 3, 8, q);
		for (int v = 0; v < 8; v++) {
			uint32_t ga = sq_golden_infer(m, q + v * m->dims[0], gq, ws, NULL);
			long ia = interpret(img, NULL, rt, buf, pm, q + v * m->dims[0], m->dims[0], iq, &junk);
			CHECK(ia == (long)ga);
		}
		free(ws);
		snprintf(path, sizeof path, "%s/config.vh", sub);
		FILE *f = fopen(path, "r");
		CHECK(f);
		char text[4096];
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = 0;
		fclose(f);
		char want[64];
		snprintf(want, sizeof want, "`define SQ_P %u\n", P);
		CHECK(strstr(text, want));
		snprintf(want, sizeof want, "`define SQ_N_WORDS %u\n", img->n_words);
		CHECK(strstr(text, want));
		free(rt);
		free(pm);
		free(buf);
		sq_image_free(img);
		sq_model_free(m);
	}
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return 0;
}

/* The exporter's lane balance on the reference shapes (printed). */
static int t_balance(void)
{
	sq_randmodel_opts o;
	sq_randmodel_defaults(&o);
	sq_model *m = NULL;
	sq_image *img = NULL;
	sq_hwcfg c;
	sq_err err;
	CHECK(sq_random_model(&o, &m, &err) == 0);
	sq_hwcfg_default(&c, 8);
	/* every row computed: how tight sorting alone keeps the rounds */
	CHECK(sq_export_image_opt(m, &c, SQ_EXPORT_KEEP_ALL, &img, &err) == 0);
	fprintf(stderr, "  4-64-64-2 sparsity 0.9 P=8: %u words, bound %llu (%.2f)\n",
		img->n_words, (unsigned long long)img->cycles_bound,
		(double)img->n_words / (double)img->cycles_bound);
	/* within 1.6x of the bound here */
	CHECK(img->n_words * 10 <= img->cycles_bound * 16);
	uint32_t all_words = img->n_words;
	sq_image_free(img);
	/* simplified: never more words than computing every row */
	CHECK(sq_export_image(m, &c, &img, &err) == 0);
	fprintf(stderr, "  simplified: %u words, %u constant and %u dead rows removed\n",
		img->n_words, img->rows_const, img->rows_dead);
	CHECK(img->n_words <= all_words);
	sq_image_free(img);
	sq_model_free(m);
	return 0;
}

/* Deep, narrow, very sparse models: constants that make the next layer's
 * rows constant (chains) and rows dead in turn; the simplified image still
 * computes every Q-value of the golden model. */
static int t_simplify_chains(void)
{
	sq_rng junk;
	sq_rng_seed(&junk, 9);
	uint32_t chains = 0, images = 0;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		sq_randmodel_opts o;
		sq_randmodel_defaults(&o);
		o.seed = seed;
		o.n_layers = 6;
		for (uint32_t i = 0; i <= o.n_layers; i++)
			o.dims[i] = i == o.n_layers ? 3 : 12;
		o.sparsity = 0.75 + 0.2 * (double)(seed % 5) / 4.0;
		sq_model *m = NULL;
		sq_err err;
		CHECKF(sq_random_model(&o, &m, &err) == 0, "%s", err.msg);
		/* a row with weights, all on constant inputs, is folded: a chain */
		sq_simplify s;
		CHECK(sq_simplify_plan(m, true, &s, &err) == 0);
		for (uint32_t l = 1; l + 1 < m->n_layers; l++)
			for (uint32_t r = 0; r < m->q[l].out_dim; r++)
				if (!s.keep[l][r] && m->q[l].row_ptr[r + 1] > m->q[l].row_ptr[r]) {
					bool all_const = true;
					for (uint32_t e = m->q[l].row_ptr[r]; e < m->q[l].row_ptr[r + 1]; e++)
						all_const &= !s.keep[l - 1][m->q[l].col[e]];
					chains += all_const;
				}
		for (uint32_t l = 0; l < m->n_layers; l++)
			CHECK(s.n_keep[l] >= 1 && s.n_keep[l] + s.n_const[l] + s.n_dead[l] ==
						     m->q[l].out_dim);
		sq_simplify_free(&s);
		static const uint32_t lanes[] = { 1, 3, 8 };
		for (size_t k = 0; k < 3; k++) {
			sq_hwcfg c;
			sq_image *img = NULL;
			sq_hwcfg_default(&c, lanes[k]);
			CHECKF(sq_export_image(m, &c, &img, &err) == 0, "%s", err.msg);
			if (check_model(m, img, 40, &junk)) {
				fprintf(stderr, "  seed %llu P=%u\n", (unsigned long long)seed, lanes[k]);
				return 1;
			}
			sq_image_free(img);
			images++;
		}
		sq_model_free(m);
	}
	fprintf(stderr, "  %u images, %u rows folded through constant chains\n", images, chains);
	CHECK(chains > 0);
	return 0;
}

int main(void)
{
	RUN(t_widths);
	RUN(t_row_order);
	RUN(t_image_equals_golden);
	RUN(t_fit_messages);
	RUN(t_hex_roundtrip);
	RUN(t_balance);
	RUN(t_simplify_chains);
	return tl_done();
}
