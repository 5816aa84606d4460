/*
 * export.c - from a fixed-point model to the core's memory images
 * (export.h, docs/architecture.md "How a layer is computed: rounds",
 * "Memories").
 *
 * Hidden layers are reordered (rows by nonzero count, descending, stable) so
 * the rows of one round have similar lengths; the next layer's columns follow
 * the same permutation, which leaves the network's function unchanged. The
 * output layer keeps its order. Every lane of a round is padded to the round's
 * length with {0, 0, 0} entries, placed first, so that a row's reads come as
 * late as they can; padding rows have bias 0 and shift 0. Rounds then get
 * the waits that let layers overlap without reading a word before it is
 * written (schedule() below).
 *
 * All fit checks run before anything is built, so a model that does not fit
 * gets one SQ_E_RANGE message naming the resource and the shortfall.
 */
#include "export.h"
#include "simplify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sq_hwcfg_default(sq_hwcfg *c, uint32_t P)
{
	c->P = P;
	c->AW = 8;
	c->WW = 8;
	c->ACCW = 32;
	c->MAXW = 256;
	c->MAXL = 8;
	c->LG_WD = 12;
	c->LG_RD = 9;
}

int sq_hwcfg_check(const sq_hwcfg *c, sq_err *err)
{
	if (c->P < 1 || c->P > 16)
		return sq_fail(err, SQ_E_INVALID, "P %u out of range 1..16", c->P);
	if (c->AW < 2 || c->AW > 16)
		return sq_fail(err, SQ_E_INVALID, "AW %u out of range 2..16", c->AW);
	if (c->WW < 2 || c->WW > 16)
		return sq_fail(err, SQ_E_INVALID, "WW %u out of range 2..16", c->WW);
	if (c->ACCW < 8 || c->ACCW > 48)
		return sq_fail(err, SQ_E_INVALID, "ACCW %u out of range 8..48", c->ACCW);
	/* the core rejects it too (sq_core_error_ACCW_...): an activation must fit the accumulator */
	if (c->ACCW < c->AW)
		return sq_fail(err, SQ_E_INVALID, "ACCW %u below AW %u", c->ACCW, c->AW);
	if (c->MAXW < 1 || c->MAXW > SQ_MAX_DIM)
		return sq_fail(err, SQ_E_INVALID, "MAXW %u out of range 1..%u", c->MAXW, SQ_MAX_DIM);
	if (c->MAXL < 1 || c->MAXL > SQ_MAX_LAYERS)
		return sq_fail(err, SQ_E_INVALID, "MAXL %u out of range 1..%u", c->MAXL, SQ_MAX_LAYERS);
	/* the load port's address is 16 bits */
	if (c->LG_WD < 1 || c->LG_WD > 16)
		return sq_fail(err, SQ_E_INVALID, "LG_WD %u out of range 1..16", c->LG_WD);
	if (c->LG_RD < 1 || c->LG_RD > 16)
		return sq_fail(err, SQ_E_INVALID, "LG_RD %u out of range 1..16", c->LG_RD);
	return SQ_OK;
}

uint32_t sq_clog2(uint64_t v)
{
	uint32_t n = 0;
	while (n < 64 && ((uint64_t)1 << n) < v)
		n++;
	return n;
}

static uint32_t max1(uint32_t v)
{
	return v < 1 ? 1 : v;
}

static uint32_t ceil_div(uint64_t a, uint32_t b)
{
	return (uint32_t)((a + b - 1) / b);
}

uint32_t sq_hw_awd(const sq_hwcfg *c) { return ceil_div(c->MAXW, c->P); }
uint32_t sq_hw_roww(const sq_hwcfg *c) { return max1(sq_clog2(sq_hw_awd(c))); }
uint32_t sq_hw_slotw(const sq_hwcfg *c) { return max1(sq_clog2(c->P)); }
uint32_t sq_hw_ew(const sq_hwcfg *c) { return sq_hw_roww(c) + sq_hw_slotw(c) + c->WW; }
uint32_t sq_hw_pw(const sq_hwcfg *c) { return c->ACCW + 5; }
uint32_t sq_hw_dimw(const sq_hwcfg *c) { return sq_clog2((uint64_t)c->MAXW + 1); }
uint32_t sq_hw_rcw(const sq_hwcfg *c) { return sq_clog2((uint64_t)sq_hw_awd(c) + 1); }
uint32_t sq_hw_ltw(const sq_hwcfg *c) { return 1 + 5 + sq_hw_dimw(c) + 2 * sq_hw_rcw(c); }
uint32_t sq_hw_rtw(const sq_hwcfg *c) { return sq_hw_dimw(c) + SQ_WAIT_BITS; }

static uint64_t mask(uint32_t bits)
{
	return bits >= 64 ? UINT64_MAX : (((uint64_t)1 << bits) - 1);
}

void sq_image_free(sq_image *img)
{
	if (!img)
		return;
	for (uint32_t l = 0; l < SQ_MAX_LAYERS; l++) {
		free(img->slot_row[l]);
		free(img->slot_nnz[l]);
	}
	free(img->pm);
	free(img->wm);
	free(img->rt);
	free(img->rt_wait);
	free(img);
}

uint64_t sq_image_rt_word(const sq_image *img, uint32_t k)
{
	return ((uint64_t)img->rt_wait[k] << sq_hw_dimw(&img->cfg)) | img->rt[k];
}

/* Everything that can fall short, in the order a reader would look. */
static int check_fit(const sq_model *m, const sq_hwcfg *c, sq_err *err)
{
	if (!(m->flags & SQM_FIXED))
		return sq_fail(err, SQ_E_INVALID, "model has no fixed-point payload (float only)");
	if (m->n_layers > c->MAXL)
		return sq_fail(err, SQ_E_RANGE, "model has %u layers, MAXL=%u", m->n_layers, c->MAXL);
	if (m->dims[0] > c->MAXW)
		return sq_fail(err, SQ_E_RANGE, "layer 0: input width %u exceeds MAXW %u",
			       m->dims[0], c->MAXW);
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		if (L->out_dim > c->MAXW)
			return sq_fail(err, SQ_E_RANGE, "layer %u: width %u exceeds MAXW %u",
				       l, L->out_dim, c->MAXW);
		if (L->wbits > c->WW)
			return sq_fail(err, SQ_E_RANGE, "layer %u: wbits %u exceeds WW %u",
				       l, L->wbits, c->WW);
		if (L->abits_in > c->AW)
			return sq_fail(err, SQ_E_RANGE, "layer %u: abits_in %u exceeds AW %u",
				       l, L->abits_in, c->AW);
		if (L->acc_bits > c->ACCW)
			return sq_fail(err, SQ_E_RANGE, "layer %u: acc_bits %u exceeds ACCW %u",
				       l, L->acc_bits, c->ACCW);
	}
	return SQ_OK;
}

/* order[0..n) = the computed rows of a layer (every row when keep is NULL),
 * by stored weights descending, ties by lower row first (insertion sort:
 * stable, widths are at most 4096). */
static uint32_t sort_rows(const uint8_t *keep, const uint32_t *len, uint32_t out_dim,
			  uint32_t *order)
{
	uint32_t n = 0;
	for (uint32_t r = 0; r < out_dim; r++) {
		if (keep && !keep[r])
			continue;
		uint32_t j = n++;
		while (j > 0 && len[order[j - 1]] < len[r]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = r;
	}
	return n;
}

/* log2 of the lanes each output row is spread over: the largest power of two
 * G <= 16 with out_dim * G <= P, when a row has more than one weight to
 * share (rtl/sq_core.v adds the partial sums, docs/architecture.md). */
static uint32_t out_group(const sq_qlayer *L, const uint32_t *len, uint32_t P)
{
	uint32_t most = 0, lg = 0;
	for (uint32_t r = 0; r < L->out_dim; r++)
		most = len[r] > most ? len[r] : most;
	while (most > 1 && lg < 4 && L->out_dim * (2u << lg) <= P)
		lg++;
	return lg;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The earliest cycle round g (round k of layer l >= 1, its entries at weight
 * word wa) may issue: each entry at position i reads its word at the end of
 * cycle s + i + 1, which must come after the end of the cycle that word is
 * written in (wr[word], the layer before): s >= wr[word] - i. Padding
 * entries (the first len - nnz of a lane) read nothing that matters. */
static int64_t earliest_start(const sq_image *img, uint32_t l, uint32_t k, uint32_t g,
			     uint32_t wa, const int64_t *wr)
{
	uint32_t P = img->cfg.P, shift = sq_hw_slotw(&img->cfg) + img->cfg.WW;
	int64_t s = INT64_MIN;
	for (uint32_t p = 0; p < P; p++) {
		uint32_t nz = img->slot_nnz[l][k * P + p];
		for (uint32_t i = img->rt[g] - nz; i < img->rt[g]; i++) {
			uint32_t word = img->wm[(size_t)(wa + i) * P + p] >> shift;
			s = max64(s, wr[word] - (int64_t)i);
		}
	}
	return s;
}

/* The issue schedule of one inference, as rtl/sq_core.v runs it (cycles from
 * the first layer's load): rounds back to back, each delayed by its wait; a
 * layer loaded in the cycle after the last issue of the layer before (at the
 * earliest SQ_LAYER_LOAD cycles after that one's load), its first round
 * issuing a cycle later. Each round's wait is the least that makes every
 * read come after the write it needs; a layer's first round also waits
 * until the layer two before has written its last word (the core's clamp
 * bound of a bank changes at that issue). Sets rt_wait and cycles. */
static int schedule(sq_image *img, uint32_t in_dim, bool early, sq_err *err)
{
	const int64_t pipe_write = SQ_PIPE_WRITE - (early ? 1 : 0);
	uint32_t P = img->cfg.P, L = img->n_layers;
	uint32_t awd = sq_hw_awd(&img->cfg);
	int64_t *wr = malloc(2 * (size_t)awd * sizeof *wr); /* words of the layer before, this one */
	if (!wr)
		return sq_fail(err, SQ_E_NOMEM, "out of memory scheduling rounds");
	int64_t *wr_prev = wr, *wr_cur = wr + awd;
	int64_t go = 0, e = 0, e_last[SQ_MAX_LAYERS];
	uint32_t g = 0, wa = 0;
	for (uint32_t l = 0; l < L; l++) {
		uint32_t nr = ceil_div(img->out_dim[l], P);
		int64_t lwait = 0;
		for (uint32_t k = 0; k < nr; k++, g++) {
			int64_t nat, s, need = l > 0 ? earliest_start(img, l, k, g, wa, wr_prev) : INT64_MIN;
			if (l == 0 && k == 0) {
				nat = go + 1;
				s = nat;
			} else if (k == 0) {
				go = max64(e + 1, go + SQ_LAYER_LOAD);
				if (l >= 2)
					need = max64(need, e_last[l - 2] + pipe_write);
				nat = e + 1;
				s = max64(go + 1, max64(nat, need));
			} else {
				nat = e + 1;
				s = max64(nat, need);
			}
			int64_t wait = need > nat ? need - nat : 0;  /* the core: s = max(go + 1, nat + wait) */
			/* every word a layer reads is written SQ_PIPE_WRITE cycles
			 * after the last issue of the layer before at the latest, so
			 * its waits add up to at most SQ_PIPE_WRITE - 1 (layer 0:
			 * none); tests/formal (core_ctrl) assumes it */
			lwait += wait;
			if (lwait > SQ_PIPE_WRITE - 1 || (l == 0 && wait)) {
				free(wr);
				return sq_fail(err, SQ_E_RANGE, "round %u: waits of %lld cycles in layer %u",
					       g, (long long)lwait, l);
			}
			img->rt_wait[g] = (uint32_t)wait;
			e = s + img->rt[g] - 1;
			wr_cur[k] = e + pipe_write;
			wa += img->rt[g];
		}
		e_last[l] = e;
		int64_t *t = wr_prev;
		wr_prev = wr_cur;
		wr_cur = t;
	}
	free(wr);
	/* head and tail: the observation words, the cycles from the first
	 * beat to the first load, and from the output layer's last issue to the
	 * first result beat (the Q drain, log2(P) reduction levels, the argmax
	 * scan of 2 cycles per index and the first beat) */
	img->cycles = (uint64_t)e + ceil_div(in_dim, P) + 13u + 2u * img->out_dim[L - 1] +
		      sq_clog2(P);
	return SQ_OK;
}

int sq_export_image(const sq_model *m, const sq_hwcfg *c, sq_image **out, sq_err *err)
{
	return sq_export_image_opt(m, c, 0, out, err);
}

int sq_export_image_opt(const sq_model *m, const sq_hwcfg *c, unsigned flags,
			sq_image **out, sq_err *err)
{
	int rc;
	uint32_t P = c->P;
	uint32_t *pos = NULL; /* pos[original row of layer l-1] = its position */
	uint32_t *len = NULL; /* len[row] = its stored weights */
	sq_image *img = NULL;
	sq_simplify s;

	*out = NULL;
	if ((rc = sq_hwcfg_check(c, err)) || (rc = check_fit(m, c, err)))
		return rc;
	if ((rc = sq_simplify_plan(m, !(flags & SQ_EXPORT_KEEP_ALL), &s, err)))
		return rc;
	bool keep_shape = (flags & SQ_EXPORT_KEEP_SHAPE) != 0;
	img = calloc(1, sizeof *img);
	pos = malloc(SQ_MAX_DIM * sizeof *pos);
	len = malloc(SQ_MAX_DIM * sizeof *len);
	if (!img || !pos || !len) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory building the image");
		goto out_free;
	}
	img->cfg = *c;
	img->n_layers = m->n_layers;

	/* Pass 1: row order and round lengths, to size (and check) the memories. */
	uint64_t rounds = 0, words = 0;
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		bool last = l + 1 == m->n_layers;
		for (uint32_t r = 0; r < L->out_dim; r++) {
			len[r] = 0;
			for (uint32_t e = L->row_ptr[r]; e < L->row_ptr[r + 1]; e++)
				len[r] += s.keep[l][r] && sq_simplify_weight_kept(&s, L, l, e);
		}
		/* keep_shape: removed rows stay in the layout as padding rows */
		uint32_t n_out = keep_shape ? L->out_dim : s.n_keep[l];
		uint32_t nr = ceil_div(n_out, P);
		img->slot_row[l] = malloc(((size_t)nr * P + 1) * sizeof(uint32_t));
		img->slot_nnz[l] = calloc((size_t)nr * P + 1, sizeof(uint32_t));
		if (!img->slot_row[l] || !img->slot_nnz[l]) {
			rc = sq_fail(err, SQ_E_NOMEM, "out of memory building the image");
			goto out_free;
		}
		uint32_t *sr = img->slot_row[l];
		if (last) {
			for (uint32_t r = 0; r < L->out_dim; r++)
				sr[r] = r; /* action order: the argmax tie rule */
		} else if (keep_shape) {
			sort_rows(NULL, len, L->out_dim, sr); /* removed rows: no weights, at the end */
			for (uint32_t j = 0; j < n_out; j++)
				if (!s.keep[l][sr[j]])
					sr[j] = UINT32_MAX;
		} else {
			sort_rows(s.keep[l], len, L->out_dim, sr);
		}
		for (uint32_t j = n_out; j < nr * P; j++)
			sr[j] = UINT32_MAX; /* padding row */
		img->out_dim[l] = n_out;
		img->layer_round0[l] = (uint32_t)rounds;
		if (last)
			img->out_lg_grp = out_group(L, len, P);
		uint32_t G = last ? 1u << img->out_lg_grp : 1;
		for (uint32_t j = 0; j < nr * P; j++) {
			/* G > 1: lane j holds the entries i % G == j % G of row j / G */
			uint32_t r = G == 1 ? sr[j] : (j / G < n_out ? sr[j / G] : UINT32_MAX);
			if (r != UINT32_MAX)
				img->slot_nnz[l][j] = (len[r] + G - 1 - j % G) / G;
		}
		uint64_t lw = 0;
		for (uint32_t k = 0; k < nr; k++) {
			uint32_t rl = 1;
			for (uint32_t p = 0; p < P; p++)
				if (img->slot_nnz[l][k * P + p] > rl)
					rl = img->slot_nnz[l][k * P + p];
			lw += rl;
		}
		img->layer_words[l] = (uint32_t)lw;
		rounds += nr;
		words += lw;
		img->cycles_bound += ceil_div(L->nnz, P);
		img->cycles_bound_kept += ceil_div(s.nnz_keep[l], P);
		img->rows_const += s.n_const[l];
		img->rows_dead += s.n_dead[l];
		if (L->acc_bits > img->max_acc_bits)
			img->max_acc_bits = L->acc_bits;
	}
	if (words > ((uint64_t)1 << c->LG_WD)) {
		rc = sq_fail(err, SQ_E_RANGE, "weights need %llu words, LG_WD=%u gives %llu",
			     (unsigned long long)words, c->LG_WD,
			     (unsigned long long)1 << c->LG_WD);
		goto out_free;
	}
	if (rounds > ((uint64_t)1 << c->LG_RD)) {
		rc = sq_fail(err, SQ_E_RANGE, "rounds need %llu entries, LG_RD=%u gives %llu",
			     (unsigned long long)rounds, c->LG_RD,
			     (unsigned long long)1 << c->LG_RD);
		goto out_free;
	}
	img->n_rounds = (uint32_t)rounds;
	img->n_words = (uint32_t)words;
	img->rt = calloc(rounds ? rounds : 1, sizeof *img->rt);
	img->rt_wait = calloc(rounds ? rounds : 1, sizeof *img->rt_wait);
	img->pm = calloc((rounds ? rounds : 1) * P, sizeof *img->pm);
	img->wm = calloc((words ? words : 1) * P, sizeof *img->wm);
	if (!img->rt || !img->rt_wait || !img->pm || !img->wm) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory for %llu weight words",
			     (unsigned long long)words);
		goto out_free;
	}

	/* Pass 2: fill the tables. */
	uint32_t slotw = sq_hw_slotw(c), ww = c->WW, accw = c->ACCW;
	uint32_t dimw = sq_hw_dimw(c), rcw = sq_hw_rcw(c);
	uint32_t g = 0, wa = 0;
	uint32_t in_cols = m->dims[0];
	for (uint32_t i = 0; i < m->dims[0]; i++)
		pos[i] = i; /* observation features keep their order */
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_qlayer *L = &m->q[l];
		bool last = l + 1 == m->n_layers;
		uint32_t n_out = img->out_dim[l];
		uint32_t nr = ceil_div(n_out, P);
		const uint32_t *sr = img->slot_row[l];
		int fa = l == 0 ? 0 : m->q[l - 1].out_exp;
		uint32_t sat = last ? 0 : m->q[l + 1].abits_in;

		/* the output layer's sat_bits field carries log2 of its lanes per row */
		if (last)
			sat = img->out_lg_grp;
		uint32_t G = last ? 1u << img->out_lg_grp : 1;
		img->lt[l] = ((uint64_t)(last ? 1 : 0) << (5 + dimw + 2 * rcw)) |
			     ((uint64_t)sat << (dimw + 2 * rcw)) |
			     ((uint64_t)n_out << (2 * rcw)) |
			     ((uint64_t)nr << rcw) |
			     (uint64_t)ceil_div(in_cols, P);
		for (uint32_t k = 0; k < nr; k++, g++) {
			uint32_t rl = 1;
			for (uint32_t p = 0; p < P; p++)
				if (img->slot_nnz[l][k * P + p] > rl)
					rl = img->slot_nnz[l][k * P + p];
			img->rt[g] = rl;
			for (uint32_t j = 0; j < P / G; j++) {
				uint32_t r = sr[k * P / G + j]; /* G > 1: one round, rows j < P / G */
				if (r == UINT32_MAX)
					continue; /* padding: zero entries, zero parameters */
				uint64_t shift = last ? 0 : (uint64_t)(fa + L->w_exp[r] - L->out_exp);
				/* the bias goes to the row's first lane, the others start at 0 */
				img->pm[(size_t)g * P + j * G] = (shift << accw) |
								 ((uint64_t)s.bias[l][r] & mask(accw));
				uint32_t i = 0;
				const uint32_t *nz = &img->slot_nnz[l][k * P];
				for (uint32_t e = L->row_ptr[r]; e < L->row_ptr[r + 1]; e++) {
					if (!sq_simplify_weight_kept(&s, L, l, e))
						continue; /* folded into the bias */
					uint32_t col = pos[L->col[e]];
					uint64_t ent = ((uint64_t)(col / P) << (slotw + ww)) |
						       ((uint64_t)(col % P) << ww) |
						       ((uint64_t)(int64_t)L->val[e] & mask(ww));
					/* the lane's padding first: its reads as late as can be */
					uint32_t ln = j * G + i % G;
					img->wm[(size_t)(wa + rl - nz[ln] + i / G) * P + ln] = (uint32_t)ent;
					i++;
				}
			}
			wa += rl;
		}
		/* the next layer's columns follow this layer's order */
		for (uint32_t j = 0; j < n_out; j++)
			if (sr[j] != UINT32_MAX)
				pos[sr[j]] = j;
		in_cols = n_out;
	}
	if ((rc = schedule(img, m->dims[0], (flags & SQ_EXPORT_EARLY_READS) != 0, err)))
		goto out_free;
	*out = img;
	img = NULL;
	rc = SQ_OK;
out_free:
	free(pos);
	free(len);
	sq_simplify_free(&s);
	sq_image_free(img);
	return rc;
}

/* ---- $readmemh files ------------------------------------------------------ */

/* Appends one wide word of n lanes, lane p at bits [p*w +: w], as exactly
 * ceil(n*w/4) hex digits, most significant first. */
static void put_wide(FILE *f, const uint64_t *lanes, uint32_t n, uint32_t w)
{
	uint32_t bits = n * w;
	uint32_t digits = (bits + 3) / 4;
	for (uint32_t d = digits; d-- > 0;) {
		unsigned nib = 0;
		for (uint32_t b = 0; b < 4; b++) {
			uint32_t bit = d * 4 + b;
			if (bit < bits && ((lanes[bit / w] >> (bit % w)) & 1))
				nib |= 1u << b;
		}
		fputc("0123456789abcdef"[nib], f);
	}
	fputc('\n', f);
}

/* mkdir -p */
static int make_dir(const char *dir, sq_err *err)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path)
		return sq_fail(err, SQ_E_IO, "bad output folder name '%s'", dir);
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char save = path[i];
		path[i] = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return sq_fail(err, SQ_E_IO, "%s: cannot create folder: %s", path, strerror(errno));
		path[i] = save;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sq_fail(err, SQ_E_IO, "%s: not a folder", dir);
	return SQ_OK;
}

enum hex_file { HEX_LT, HEX_RT, HEX_WM, HEX_PM, HEX_VH };

static void write_body(FILE *f, const sq_image *img, enum hex_file which)
{
	const sq_hwcfg *c = &img->cfg;
	uint32_t P = c->P;
	uint64_t tmp[16];

	switch (which) {
	case HEX_LT:
		for (uint32_t l = 0; l < img->n_layers; l++)
			put_wide(f, &img->lt[l], 1, sq_hw_ltw(c));
		break;
	case HEX_RT:
		for (uint32_t k = 0; k < img->n_rounds; k++) {
			tmp[0] = sq_image_rt_word(img, k);
			put_wide(f, tmp, 1, sq_hw_rtw(c));
		}
		break;
	case HEX_WM:
		for (uint32_t a = 0; a < img->n_words; a++) {
			for (uint32_t p = 0; p < P; p++)
				tmp[p] = img->wm[(size_t)a * P + p];
			put_wide(f, tmp, P, sq_hw_ew(c));
		}
		break;
	case HEX_PM:
		for (uint32_t k = 0; k < img->n_rounds; k++)
			put_wide(f, &img->pm[(size_t)k * P], P, sq_hw_pw(c));
		break;
	case HEX_VH: {
		uint32_t max_dim = 0, in_dim = 0, out_dim = 0;
		for (uint32_t l = 0; l < img->n_layers; l++) {
			uint32_t od = (uint32_t)((img->lt[l] >> (2 * sq_hw_rcw(c))) & mask(sq_hw_dimw(c)));
			uint32_t iw = (uint32_t)(img->lt[l] & mask(sq_hw_rcw(c)));
			if (l == 0)
				in_dim = iw;
			if (od > max_dim)
				max_dim = od;
			out_dim = od;
		}
		fprintf(f, "// config.vh - written by sparq export: the configuration this image\n"
			   "// was built for and what the model needs of it.\n"
			   "`ifndef SQ_CONFIG_VH\n`define SQ_CONFIG_VH\n");
		fprintf(f, "`define SQ_P %u\n`define SQ_AW %u\n`define SQ_WW %u\n`define SQ_ACCW %u\n"
			   "`define SQ_MAXW %u\n`define SQ_MAXL %u\n`define SQ_LG_WD %u\n`define SQ_LG_RD %u\n",
			c->P, c->AW, c->WW, c->ACCW, c->MAXW, c->MAXL, c->LG_WD, c->LG_RD);
		fprintf(f, "// derived widths\n`define SQ_EW %u\n`define SQ_PW %u\n`define SQ_LTW %u\n"
			   "`define SQ_DIMW %u\n`define SQ_RCW %u\n`define SQ_RTW %u\n",
			sq_hw_ew(c), sq_hw_pw(c), sq_hw_ltw(c), sq_hw_dimw(c), sq_hw_rcw(c),
			sq_hw_rtw(c));
		fprintf(f, "// the model\n`define SQ_N_LAYERS %u\n`define SQ_IN_WORDS %u\n"
			   "`define SQ_OUT_DIM %u\n`define SQ_MAX_DIM %u\n"
			   "`define SQ_N_ROUNDS %u\n`define SQ_N_WORDS %u\n`define SQ_ACC_BITS %u\n"
			   "`define SQ_CYCLES %llu\n`define SQ_CYCLES_BOUND %llu\n"
			   "`define SQ_NEED_LG_WD %u\n`define SQ_NEED_LG_RD %u\n`endif\n",
			img->n_layers, in_dim, out_dim, max_dim, img->n_rounds, img->n_words,
			img->max_acc_bits, (unsigned long long)img->cycles,
			(unsigned long long)img->cycles_bound,
			max1(sq_clog2(img->n_words)), max1(sq_clog2(img->n_rounds)));
		break;
	}
	}
}

/* Writes dir/name through a temporary file, fsync and rename. */
static int write_atomic(const sq_image *img, const char *dir, const char *name,
			enum hex_file which, sq_err *err)
{
	char path[4200], tmp[4300];
	int rc = SQ_OK;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return sq_fail(err, SQ_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
	write_body(f, img, which);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		rc = sq_fail(err, SQ_E_IO, "%s: write failed: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && rc == SQ_OK)
		rc = sq_fail(err, SQ_E_IO, "%s: close failed: %s", tmp, strerror(errno));
	if (rc == SQ_OK && rename(tmp, path) != 0)
		rc = sq_fail(err, SQ_E_IO, "%s: rename failed: %s", path, strerror(errno));
	if (rc != SQ_OK)
		unlink(tmp);
	return rc;
}

int sq_image_write_hex(const sq_image *img, const char *dir, sq_err *err)
{
	static const struct { const char *name; enum hex_file which; } files[] = {
		{ "lt.hex", HEX_LT }, { "rt.hex", HEX_RT }, { "wm.hex", HEX_WM },
		{ "pm.hex", HEX_PM }, { "config.vh", HEX_VH },
	};
	int rc = make_dir(dir, err);
	for (size_t i = 0; rc == SQ_OK && i < sizeof files / sizeof files[0]; i++)
		rc = write_atomic(img, dir, files[i].name, files[i].which, err);
	return rc;
}
