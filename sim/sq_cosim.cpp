// sq_cosim.cpp - bit-exact co-simulation of rtl/sq_core.v against the golden
// model (host/golden.h), one Verilator build per configuration; hls_c
// (hls_c/sq_hls.c, built for the same configuration) runs every vector too,
// so each run checks golden == hls_c == RTL.
//
// The configuration (sq_core parameters) is fixed at build time by the
// SQ_CFG_* defines, matching the -G parameters Verilator was given
// (mk/cosim.mk). At run time the harness reads a .sqm, exports the image for
// its configuration (host/export.h), writes every memory through the load port
// (so one build serves every model of the configuration), runs N vectors from
// sq_make_vectors(seed) and checks, per vector:
//   - every hidden round result (each activation word the core writes, mapped
//     back to the original row through the image's slot_row permutation)
//     against the golden trace,
//   - every output-layer accumulator, the Q-values of the result stream, the
//     action, the index/last fields, and o_cycles against its own cycle count,
//   - the stream rules: valid and data hold while the result is stalled.
// Streams run with random input gaps and result backpressure (unless
// --no-stress). On a mismatch it prints vector, layer, row, expected and
// actual, re-runs that inference with tracing on (a VCD under the build
// folder) and exits 1. --inject weight|round|early breaks the comparison on purpose:
// one stored weight flipped before loading, the reference's hidden
// rounding changed from half-up to floor (one LSB on about half the values),
// or the exporter's round waits scheduled a cycle short (reads see old words).
//
// usage: sq_cosim MODEL.sqm [--vectors N] [--seed S] [--json] [--wave]
//                 [--inject weight|round|early] [--no-stress] [--wave-dir DIR]
//                 [--name PROG]   (the prefix of error lines)

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "Vsq_core.h"
#include "Vsq_core___024root.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

extern "C" {
#include "export.h"
#include "golden.h"
#include "rng.h"
#include "sqm.h"
#include "vectors.h"
#include "sq_hls.h"
}

#ifndef SQ_CFG_P
#error "build through mk/cosim.mk: SQ_CFG_* defines missing"
#endif
#define STR2(x) #x
#define STR(x) STR2(x)

static const char *prog = "sq_cosim";

// ---- the third implementation: hls_c, on the same memory images ------------
// hls_c is compiled for this configuration (SQ_* = SQ_CFG_*, mk/cosim.mk), so
// every vector is checked golden == hls_c as well as golden == RTL.
static_assert(SQ_P == SQ_CFG_P && SQ_ACCW == SQ_CFG_ACCW && SQ_LG_WD == SQ_CFG_LG_WD,
	      "hls_c built for another configuration");
struct Hls {
	uint64_t lt[SQ_MAXL];
	uint16_t rt[SQ_RD];
	uint32_t wm[SQ_WD][SQ_P];
	uint64_t pm[SQ_RD][SQ_P];
	int16_t obs[SQ_AWD][SQ_P];
	int64_t q[SQ_MAXW];
	uint64_t mismatches = 0, cycles = 0;
};

static void hls_load(Hls &h, const sq_image *img)
{
	memset(h.lt, 0, sizeof(h.lt));
	memset(h.rt, 0, sizeof(h.rt));
	memset(h.wm, 0, sizeof(h.wm));
	memset(h.pm, 0, sizeof(h.pm));
	for (uint32_t l = 0; l < img->n_layers; l++)
		h.lt[l] = img->lt[l];
	for (uint32_t k = 0; k < img->n_rounds; k++) {
		h.rt[k] = (uint16_t)img->rt[k];
		for (uint32_t p = 0; p < SQ_P; p++)
			h.pm[k][p] = img->pm[(size_t)k * SQ_P + p];
	}
	for (uint32_t a = 0; a < img->n_words; a++)
		for (uint32_t p = 0; p < SQ_P; p++)
			h.wm[a][p] = img->wm[(size_t)a * SQ_P + p];
}

// Runs vector v through hls_c and compares with the golden Q-values and
// action; prints the first few mismatches. Returns 1 on a mismatch.
static int hls_check(Hls &h, uint32_t v, const int32_t *qi, uint32_t in_dim, uint32_t out_dim,
		     const int64_t *gq, uint32_t gaction)
{
	memset(h.obs, 0, sizeof(h.obs));
	for (uint32_t i = 0; i < in_dim; i++)
		h.obs[i / SQ_P][i % SQ_P] = (int16_t)qi[i];
	uint16_t action = 0;
	h.cycles += sq_hls_core(h.lt, h.rt, h.wm, h.pm, h.obs, h.q, &action);
	uint32_t r = 0;
	while (r < out_dim && h.q[r] == gq[r])
		r++;
	if (r == out_dim && action == gaction)
		return 0;
	if (h.mismatches++ < 5)
		fprintf(stderr, "%s: hls_c mismatch: vector %u: action %u (golden %u), Q row %u: %" PRId64
			" (golden %" PRId64 ")\n", prog, v, action, gaction, r,
			r < out_dim ? h.q[r] : 0, r < out_dim ? gq[r] : 0);
	return 1;
}

// ---- bit access on Verilator signals of any width --------------------------
template <typename T>
static uint64_t bits(const T &v, unsigned lo, unsigned n)
{
	uint64_t x = (uint64_t)v >> lo;
	return n >= 64 ? x : (x & ((1ull << n) - 1));
}
template <std::size_t N>
static uint64_t bits(const VlWide<N> &v, unsigned lo, unsigned n)
{
	uint64_t r = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned b = lo + i;
		if ((v[b / 32] >> (b % 32)) & 1u)
			r |= 1ull << i;
	}
	return r;
}
template <typename T>
static void setbits(T &v, unsigned lo, unsigned n, uint64_t x)
{
	for (unsigned i = 0; i < n; i++) {
		T m = (T)((T)1 << (lo + i));
		v = ((x >> i) & 1) ? (T)(v | m) : (T)(v & ~m);
	}
}
template <std::size_t N>
static void setbits(VlWide<N> &v, unsigned lo, unsigned n, uint64_t x)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned b = lo + i;
		uint32_t m = 1u << (b % 32);
		v[b / 32] = ((x >> i) & 1) ? (v[b / 32] | m) : (v[b / 32] & ~m);
	}
}
static int64_t sext(uint64_t x, unsigned n)
{
	if (n < 64 && ((x >> (n - 1)) & 1))
		x |= ~0ull << n;
	return (int64_t)x;
}

// ---- the harness ------------------------------------------------------------
struct Opts {
	const char *model = nullptr;
	uint32_t vectors = 1000;
	uint64_t seed = 1;
	bool json = false, wave = false, stress = true, keep_all = false, keep_shape = false;
	int inject = 0; // 1 weight, 2 round, 3 early
	std::string wave_dir = ".";
};

struct Sim {
	Vsq_core *top = nullptr;
	VerilatedContext *ctx = nullptr;
	VerilatedVcdC *vcd = nullptr;
	uint64_t t = 0;
	sq_rng rng;
	bool stress = true;

	void half(int clk)
	{
		top->i_clk = clk;
		top->eval();
		if (vcd)
			vcd->dump(t);
		t++;
	}
	// Inputs are set before calling; comb outputs are read after settle().
	void settle() { top->i_clk = 0; top->eval(); }
	void rise() { half(1); half(0); }
	bool coin(double p) { return stress && sq_rng_uniform(&rng) < p; }
};

struct Ctx {
	const sq_model *m;
	sq_image *img;
	sq_hwcfg cfg;
	Opts o;
	uint32_t L, P, AW, ACCW;
	// golden and the injected-round reference
	sq_golden_ws ws;
	std::vector<std::vector<int64_t>> trace;
	std::vector<int64_t> qv;
	uint32_t action;
	// computed[l][r]: 1 when the image computes row r of layer l
	std::vector<std::vector<uint8_t>> computed;
	// results of one run
	uint64_t cycles, mism_lines = 0;
};

static void load_port(Sim &s, uint32_t mem, uint32_t lane, uint32_t addr, uint64_t data)
{
	Vsq_core *top = s.top;
	while (s.coin(0.2)) {
		top->s_ld_valid = 0;
		s.settle();
		s.rise();
	}
	top->s_ld_valid = 1;
	top->s_ld_mem = mem;
	top->s_ld_lane = lane;
	top->s_ld_addr = addr;
	top->s_ld_data = data;
	for (;;) {
		s.settle();
		bool fire = top->s_ld_ready;
		s.rise();
		if (fire)
			break;
	}
	top->s_ld_valid = 0;
}

static void load_image(Sim &s, const sq_image *img)
{
	const uint32_t P = img->cfg.P;
	for (uint32_t l = 0; l < img->n_layers; l++)
		load_port(s, 0, 0, l, img->lt[l]);
	for (uint32_t g = 0; g < img->n_rounds; g++)
		load_port(s, 1, 0, g, sq_image_rt_word(img, g));
	for (uint32_t a = 0; a < img->n_words; a++)
		for (uint32_t p = 0; p < P; p++)
			load_port(s, 2, p, a, img->wm[(size_t)a * P + p]);
	for (uint32_t g = 0; g < img->n_rounds; g++)
		for (uint32_t p = 0; p < P; p++)
			load_port(s, 3, p, g, img->pm[(size_t)g * P + p]);
}

// Reference for --inject round: hidden layers requantized with floor instead
// of round-half-up, recomputed from the golden trace of the layer before.
static void inject_round(Ctx &c, const int32_t *q)
{
	for (uint32_t l = 0; l + 1 < c.L; l++) {
		const sq_qlayer *Ly = &c.m->q[l];
		const int64_t amax = ((int64_t)1 << (c.m->q[l + 1].abits_in - 1)) - 1;
		for (uint32_t r = 0; r < Ly->out_dim; r++) {
			int64_t acc = Ly->bias[r];
			for (uint32_t i = Ly->row_ptr[r]; i < Ly->row_ptr[r + 1]; i++) {
				int64_t a = l == 0 ? q[Ly->col[i]] : c.trace[l - 1][Ly->col[i]];
				acc += (int64_t)Ly->val[i] * a;
			}
			int s = sq_row_shift(c.m, l, r);
			int64_t t = acc >> s; // floor: the injected fault
			c.trace[l][r] = t < 0 ? 0 : (t > amax ? amax : t);
		}
	}
}

// Runs one inference; returns the number of mismatching values (printed
// unless quiet). Sets c.cycles.
static int run_one(Sim &s, Ctx &c, uint32_t v, const int32_t *q, bool quiet)
{
	Vsq_core *top = s.top;
	auto *root = top->rootp;
	const uint32_t P = c.P, AW = c.AW, ACCW = c.ACCW;
	const uint32_t in_dim = c.m->dims[0], out_dim = c.m->dims[c.L];
	const uint32_t in_words = (in_dim + P - 1) / P;
	int bad = 0;
	auto report = [&](const char *what, uint32_t layer, long row, int64_t exp, int64_t got) {
		bad++;
		if (quiet || c.mism_lines >= 20)
			return;
		c.mism_lines++;
		if (row >= 0)
			fprintf(stderr, "%s: mismatch: vector %u layer %u row %ld (%s): expected %" PRId64
				", got %" PRId64 "\n", prog, v, layer, row, what, exp, got);
		else
			fprintf(stderr, "%s: mismatch: vector %u layer %u (%s): expected %" PRId64
				", got %" PRId64 "\n", prog, v, layer, what, exp, got);
	};

	std::vector<uint32_t> words_seen(c.L, 0);
	std::vector<std::vector<uint8_t>> row_seen(c.L);
	for (uint32_t l = 0; l < c.L; l++)
		row_seen[l].assign(c.m->dims[l + 1], 0);

	uint32_t beat = 0, res = 0;
	bool started = false, first_res = false, prev_stall = false;
	uint64_t t0 = 0, cyc = 0, ocycles = 0;
	uint64_t prev_data = 0, prev_idx = 0, prev_act = 0, prev_last = 0;
	const uint64_t limit = 64 * (uint64_t)(c.img->n_words + c.img->n_rounds + in_dim + out_dim) + 10000;

	top->s_obs_valid = 0;
	top->m_res_ready = 0;
	for (uint64_t n = 0; res < out_dim; n++, cyc++) {
		if (n > limit) {
			report("timeout: no result within the cycle limit", c.L - 1, -1, (int64_t)limit, (int64_t)n);
			return bad;
		}
		// drive the observation stream (valid holds until accepted)
		if (beat < in_words && !top->s_obs_valid && !s.coin(0.3)) {
			top->s_obs_valid = 1;
			for (uint32_t sl = 0; sl < P; sl++) {
				uint32_t f = beat * P + sl;
				uint64_t x = f < in_dim ? (uint64_t)(int64_t)q[f] : 0;
				setbits(top->s_obs_data, sl * AW, AW, x);
			}
		}
		top->m_res_ready = s.coin(0.5) ? 0 : 1;
		s.settle();

		// the core's round results, checked as they are written
		// layers overlap (the next one issues while this one drains): results
		// belong to the first layer whose rounds are not all written yet
		uint32_t layer = 0;
		while (layer + 1 < c.L && words_seen[layer] >= (c.img->out_dim[layer] + P - 1) / P)
			layer++;
		if (root->sq_core__DOT__r3_v && layer < c.L - 1) {
			uint32_t k = root->sq_core__DOT__r3_k;
			words_seen[layer]++;
			for (uint32_t sl = 0; sl < P; sl++) {
				uint32_t j = k * P + sl;
				if (j >= c.img->out_dim[layer])
					continue;
				uint32_t row = c.img->slot_row[layer][j];
				if (row == UINT32_MAX)
					continue; // a removed row kept as padding (--keep-shape)
				row_seen[layer][row]++;
				int64_t got = (int64_t)bits(root->sq_core__DOT__x_word, sl * AW, AW);
				got = sext((uint64_t)got, AW);
				if (got != c.trace[layer][row])
					report("hidden activation", layer, row, c.trace[layer][row], got);
			}
		}
		// the output layer's Q word as it is written (after the row reduction)
		if (root->sq_core__DOT__qw_v) {
			uint32_t k = root->sq_core__DOT__qw_k;
			uint32_t l = c.L - 1;
			words_seen[l]++;
			for (uint32_t sl = 0; sl < P; sl++) {
				uint32_t j = k * P + sl;
				if (j >= out_dim)
					continue;
				row_seen[l][j]++;
				int64_t got = sext(bits(root->sq_core__DOT__qw_word, sl * ACCW, ACCW), ACCW);
				if (got != c.trace[l][j])
					report("output accumulator", l, j, c.trace[l][j], got);
			}
		}

		// result stream rules: a stalled beat holds valid and data
		if (prev_stall) {
			if (!top->m_res_valid || top->m_res_data != prev_data ||
			    top->m_res_index != prev_idx || top->m_res_action != prev_act ||
			    top->m_res_last != prev_last)
				report("result beat changed while stalled", c.L - 1, (long)res, 0, 1);
		}
		if (top->m_res_valid && !first_res) {
			first_res = true;
			ocycles = cyc - t0 + 1;
		}
		bool obs_fire = top->s_obs_valid && top->s_obs_ready;
		bool res_fire = top->m_res_valid && top->m_res_ready;
		if (obs_fire && !started) {
			started = true;
			t0 = cyc;
		}
		if (top->m_res_valid && !top->o_busy)
			report("o_busy low while a result is presented", c.L - 1, -1, 1, 0);
		if (res_fire) {
			int64_t got = sext(top->m_res_data, ACCW);
			if (top->m_res_index != res)
				report("result index", c.L - 1, res, res, top->m_res_index);
			if (got != c.qv[res])
				report("Q-value of the result stream", c.L - 1, res, c.qv[res], got);
			if (top->m_res_action != c.action)
				report("action", c.L - 1, -1, c.action, top->m_res_action);
			if (top->m_res_last != (res + 1 == out_dim))
				report("last flag", c.L - 1, res, res + 1 == out_dim, top->m_res_last);
			if (top->o_cycles != ocycles)
				report("o_cycles", c.L - 1, -1, (int64_t)ocycles, top->o_cycles);
			res++;
		}
		prev_stall = top->m_res_valid && !top->m_res_ready;
		prev_data = top->m_res_data;
		prev_idx = top->m_res_index;
		prev_act = top->m_res_action;
		prev_last = top->m_res_last;
		s.rise();
		if (obs_fire) {
			beat++;
			top->s_obs_valid = 0;
		}
	}
	top->m_res_ready = 0;
	// one write per round, each computed row exactly once (rows the export
	// simplified away never)
	for (uint32_t l = 0; l < c.L; l++) {
		uint32_t nr = (c.img->out_dim[l] + P - 1) / P;
		if (words_seen[l] != nr)
			report("round results written", l, -1, nr, words_seen[l]);
		for (uint32_t r = 0; r < c.m->dims[l + 1]; r++)
			if (row_seen[l][r] != c.computed[l][r])
				report("times the row was written", l, r, c.computed[l][r], row_seen[l][r]);
	}
	c.cycles = ocycles;
	// a few idle cycles between inferences, as a host would leave
	uint32_t idle = s.coin(0.5) ? (uint32_t)sq_rng_below(&s.rng, 4) : 0;
	for (uint32_t i = 0; i < idle; i++) {
		s.settle();
		s.rise();
	}
	return bad;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s MODEL.sqm [--vectors N] [--seed S] [--json] [--wave] "
		"[--inject weight|round|early] [--no-stress] [--no-simplify|--keep-shape] [--wave-dir DIR]\n", prog);
}

int main(int argc, char **argv)
{
	Opts o;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *nx = i + 1 < argc ? argv[i + 1] : nullptr;
		if (!strcmp(a, "--vectors") && nx) {
			o.vectors = (uint32_t)strtoul(nx, nullptr, 10);
			i++;
		} else if (!strcmp(a, "--seed") && nx) {
			o.seed = strtoull(nx, nullptr, 10);
			i++;
		} else if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "--wave")) {
			o.wave = true;
		} else if (!strcmp(a, "--no-stress")) {
			o.stress = false;
		} else if (!strcmp(a, "--no-simplify")) {
			o.keep_all = true;
		} else if (!strcmp(a, "--keep-shape")) {
			o.keep_shape = true;
		} else if (!strcmp(a, "--name") && nx) {
			prog = nx;
			i++;
		} else if (!strcmp(a, "--wave-dir") && nx) {
			o.wave_dir = nx;
			i++;
		} else if (!strcmp(a, "--inject") && nx) {
			if (!strcmp(nx, "weight"))
				o.inject = 1;
			else if (!strcmp(nx, "round"))
				o.inject = 2;
			else if (!strcmp(nx, "early"))
				o.inject = 3;
			else {
				fprintf(stderr, "%s: --inject '%s': expected weight, round or early\n", prog, nx);
				return 2;
			}
			i++;
		} else if (a[0] != '-' && !o.model) {
			o.model = a;
		} else {
			usage();
			return 2;
		}
	}
	if (!o.model || o.vectors == 0) {
		usage();
		return 2;
	}

	Ctx c;
	c.o = o;
	c.cfg.P = SQ_CFG_P;
	c.cfg.AW = SQ_CFG_AW;
	c.cfg.WW = SQ_CFG_WW;
	c.cfg.ACCW = SQ_CFG_ACCW;
	c.cfg.MAXW = SQ_CFG_MAXW;
	c.cfg.MAXL = SQ_CFG_MAXL;
	c.cfg.LG_WD = SQ_CFG_LG_WD;
	c.cfg.LG_RD = SQ_CFG_LG_RD;
	const char *cfgname = STR(SQ_CFG_NAME);

	sq_err err;
	sq_model *m = nullptr;
	if (sqm_read_file(o.model, &m, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		return 1;
	}
	if (!(m->flags & SQM_FIXED)) {
		fprintf(stderr, "%s: %s: no fixed-point payload (flags 0x%x)\n", prog, o.model, m->flags);
		sq_model_free(m);
		return 1;
	}
	sq_image *img = nullptr;
	// --inject early: every round's wait a cycle short where a read waits
	// on a write (the schedule is exact: a cycle less reads the old word)
	unsigned xflags = (o.keep_all ? SQ_EXPORT_KEEP_ALL : o.keep_shape ? SQ_EXPORT_KEEP_SHAPE : 0) |
			  (o.inject == 3 ? SQ_EXPORT_EARLY_READS : 0);
	if (sq_export_image_opt(m, &c.cfg, xflags, &img, &err) < 0) {
		fprintf(stderr, "%s: %s does not fit configuration %s: %s\n", prog, o.model, cfgname, err.msg);
		sq_model_free(m);
		return 1;
	}
	c.m = m;
	c.img = img;
	c.L = m->n_layers;
	c.computed.resize(c.L);
	for (uint32_t l = 0; l < c.L; l++) {
		c.computed[l].assign(m->dims[l + 1], 0);
		for (uint32_t j = 0; j < img->out_dim[l]; j++)
			if (img->slot_row[l][j] != UINT32_MAX) // --keep-shape padding
				c.computed[l][img->slot_row[l][j]] = 1;
	}
	c.P = c.cfg.P;
	c.AW = c.cfg.AW;
	c.ACCW = c.cfg.ACCW;

	// hls_c gets the image as exported: injected faults target the RTL path
	static Hls hls;
	hls_load(hls, img);

	// --inject weight: flip the lowest bit of the first nonzero weight of the
	// output layer in the image (the core computes with it, golden does not)
	if (o.inject == 1) {
		const uint32_t ww = c.cfg.WW;
		uint32_t w0 = 0;
		for (uint32_t l = 0; l + 1 < c.L; l++)
			w0 += img->layer_words[l];
		bool done = false;
		for (uint32_t a = w0; a < img->n_words && !done; a++)
			for (uint32_t p = 0; p < c.P && !done; p++) {
				uint32_t &e = img->wm[(size_t)a * c.P + p];
				if (e & ((1u << ww) - 1)) {
					e ^= 1u;
					done = true;
				}
			}
		if (!done) {
			fprintf(stderr, "%s: --inject weight: the output layer has no nonzero weight\n", prog);
			return 1;
		}
	}

	const uint32_t in_dim = m->dims[0], out_dim = m->dims[c.L];
	std::vector<int32_t> q((size_t)o.vectors * in_dim);
	sq_make_vectors(m, o.seed, o.vectors, q.data());
	c.trace.resize(c.L);
	std::vector<int64_t *> tp(c.L);
	for (uint32_t l = 0; l < c.L; l++) {
		c.trace[l].assign(m->dims[l + 1], 0);
		tp[l] = c.trace[l].data();
	}
	c.qv.assign(out_dim, 0);

	VerilatedContext *vctx = new VerilatedContext;
	vctx->traceEverOn(true);
	Sim s;
	s.ctx = vctx;
	s.top = new Vsq_core{vctx};
	s.stress = o.stress;
	sq_rng_seed(&s.rng, o.seed ^ 0x5A5A5A5A5A5A5A5Aull);
	std::string wave_path;
	if (o.wave) {
		wave_path = o.wave_dir + "/cosim.vcd";
		s.vcd = new VerilatedVcdC;
		s.top->trace(s.vcd, 99);
		s.vcd->open(wave_path.c_str());
	}

	// reset, then the model through the load port
	s.top->i_rst = 1;
	s.top->s_obs_valid = 0;
	s.top->s_ld_valid = 0;
	s.top->m_res_ready = 0;
	for (int i = 0; i < 4; i++) {
		s.settle();
		s.rise();
	}
	s.top->i_rst = 0;
	load_image(s, img);

	uint64_t mism = 0, cmin = UINT64_MAX, cmax = 0, csum = 0;
	long first_bad = -1;
	struct timespec ts0, ts1;
	clock_gettime(CLOCK_MONOTONIC, &ts0);
	for (uint32_t v = 0; v < o.vectors; v++) {
		const int32_t *qi = &q[(size_t)v * in_dim];
		c.action = sq_golden_infer(m, qi, c.qv.data(), &c.ws, tp.data());
		hls_check(hls, v, qi, in_dim, out_dim, c.qv.data(), c.action);
		if (o.inject == 2)
			inject_round(c, qi);
		int bad = run_one(s, c, v, qi, false);
		if (bad) {
			mism += (uint64_t)bad;
			if (first_bad < 0)
				first_bad = v;
		}
		cmin = c.cycles < cmin ? c.cycles : cmin;
		cmax = c.cycles > cmax ? c.cycles : cmax;
		csum += c.cycles;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	double secs = (double)(ts1.tv_sec - ts0.tv_sec) + 1e-9 * (double)(ts1.tv_nsec - ts0.tv_nsec);

	if (first_bad >= 0 && !o.wave) {
		// re-run the first failing inference with tracing on
		wave_path = o.wave_dir + "/fail-v" + std::to_string(first_bad) + ".vcd";
		s.vcd = new VerilatedVcdC;
		s.top->trace(s.vcd, 99);
		s.vcd->open(wave_path.c_str());
		const int32_t *qi = &q[(size_t)first_bad * in_dim];
		c.action = sq_golden_infer(m, qi, c.qv.data(), &c.ws, tp.data());
		if (o.inject == 2)
			inject_round(c, qi);
		run_one(s, c, (uint32_t)first_bad, qi, true);
		fprintf(stderr, "%s: waveform of vector %ld: %s\n", prog, first_bad, wave_path.c_str());
	}
	if (o.wave)
		fprintf(stderr, "%s: waveform of the run: %s\n", prog, wave_path.c_str());
	if (s.vcd) {
		s.vcd->close();
		delete s.vcd;
		s.vcd = nullptr;
	}

	double cmean = (double)csum / o.vectors;
	double hls_cycles = (double)hls.cycles / o.vectors;
	double ratio = img->cycles_bound ? cmean / (double)img->cycles_bound : 0.0;
	double ratio_kept = img->cycles_bound_kept ? cmean / (double)img->cycles_bound_kept : 0.0;
	if (o.json) {
		printf("{\"model\":\"%s\",\"config\":\"%s\",\"lanes\":%u,\"aw\":%u,\"ww\":%u,\"accw\":%u,"
		       "\"maxw\":%u,\"maxl\":%u,\"lg_wd\":%u,\"lg_rd\":%u,\"vectors\":%u,\"seed\":%" PRIu64 ","
		       "\"stress\":%s,\"inject\":\"%s\",\"mismatches\":%" PRIu64 ",\"first_mismatch\":%ld,"
		       "\"cycles_min\":%" PRIu64 ",\"cycles_mean\":%.2f,\"cycles_max\":%" PRIu64 ","
		       "\"cycles_schedule\":%" PRIu64 ",\"cycles_bound\":%" PRIu64 ",\"cycle_ratio\":%.4f,\"simplified\":%s,\"keep_shape\":%s,"
		       "\"cycles_bound_kept\":%" PRIu64 ",\"cycle_ratio_kept\":%.4f,"
		       "\"rows_const\":%u,\"rows_dead\":%u,\"weight_words\":%u,\"rounds\":%u,"
		       "\"seconds\":%.3f,\"inferences_per_s\":%.1f,\"sim_cycles\":%" PRIu64 ","
		       "\"hls_mismatches\":%" PRIu64 ",\"hls_cycles_estimate\":%.2f,\"three_way\":%s}\n",
		       o.model, cfgname, c.cfg.P, c.cfg.AW, c.cfg.WW, c.cfg.ACCW, c.cfg.MAXW, c.cfg.MAXL,
		       c.cfg.LG_WD, c.cfg.LG_RD, o.vectors, o.seed, o.stress ? "true" : "false",
		       o.inject == 1 ? "weight" : o.inject == 2 ? "round" : o.inject == 3 ? "early" : "none",
		       mism, first_bad, cmin, cmean, cmax, (uint64_t)img->cycles, (uint64_t)img->cycles_bound, ratio,
		       o.keep_all ? "false" : "true", o.keep_shape && !o.keep_all ? "true" : "false",
		       (uint64_t)img->cycles_bound_kept, ratio_kept,
		       img->rows_const, img->rows_dead, img->n_words, img->n_rounds,
		       secs, secs > 0 ? o.vectors / secs : 0.0, s.t / 2,
		       hls.mismatches, hls_cycles, mism == 0 && hls.mismatches == 0 ? "true" : "false");
	} else {
		printf("cosim %s [%s]: %u vectors, %" PRIu64 " mismatches, cycles %" PRIu64 "..%" PRIu64
		       " (mean %.1f), bound %" PRIu64 ", ratio %.3f, %.0f inferences/s; "
		       "hls_c: %" PRIu64 " mismatches, %.1f cycles estimated\n",
		       o.model, cfgname, o.vectors, mism, cmin, cmax, cmean,
		       (uint64_t)img->cycles_bound, ratio, secs > 0 ? o.vectors / secs : 0.0,
		       hls.mismatches, hls_cycles);
	}
	s.top->final();
	delete s.top;
	delete vctx;
	sq_image_free(img);
	sq_model_free(m);
	return mism || hls.mismatches ? 1 : 0;
}
