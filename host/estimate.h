/*
 * estimate.h - a resource and latency model of the sparq core on a board,
 * without running Yosys: block RAMs from the memories' shapes and the way
 * Yosys maps them (iCE40 SB_RAM40_4K 256x16/512x8/1024x4/2048x2, ECP5 DP16KD
 * 18 Kb), DSPs from the multiplier widths, LUT4s, flip-flops and logic cells
 * from a linear model fitted to real synth_ice40 / nextpnr-ice40 figures
 * (tests/estimate/fixtures.txt, docs/autocompress.md "Resource model"), and
 * cycles per inference from the export image (docs/architecture.md).
 *
 * The configuration of a model is the one `make bitstream` builds for it:
 * P lanes, MAXW the widest layer (255 on iCE40 when it fits), ACCW the
 * widest acc_bits plus 2 rounded up to 4 (iCE40) or 32 (ECP5), depths the
 * image's need rounded up to a power of two (at least 256 on iCE40, 512 on
 * ECP5), and by default AW/WW the model's widest activations and weights
 * (the tightest build; sq_est_opts overrides any of them).
 *
 * The library never prints; errors come back as negative SQ_E* codes.
 */
#ifndef SPARQ_ESTIMATE_H
#define SPARQ_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "export.h"
#include "sqm.h"

/* A board of boards/<board>.mk: its device's resources and defaults. */
typedef struct sq_board {
	const char *name;       /* "icebreaker" */
	const char *family;     /* "ice40" or "ecp5" */
	const char *device;     /* "up5k", "25k", "85k" */
	uint32_t lc;            /* logic cells (iCE40) / LUT4s (ECP5) */
	uint32_t ebr;           /* block RAMs */
	uint32_t ebr_bits;      /* bits per block RAM */
	uint32_t spram;         /* SPRAM blocks (iCE40 UltraPlus) */
	uint32_t dsp;           /* SB_MAC16 / MULT18X18D */
	double clk_mhz;         /* default core clock */
	uint32_t def_P;         /* default lanes */
	uint32_t def_accw;      /* 0: the model's acc_bits + 2, rounded up to 4 */
} sq_board;

const sq_board *sq_board_find(const char *name);
/* "icebreaker, upduino3, ..." (for messages). */
const char *sq_board_names(void);

/* Memories of the design, in this order. */
enum sq_est_mem {
	SQ_MEM_LT = 0, SQ_MEM_RT, SQ_MEM_WM, SQ_MEM_PM, SQ_MEM_AM, SQ_MEM_QB,
	SQ_MEM_LINK, SQ_MEM_COUNT
};

typedef struct sq_est_memory {
	const char *name;
	uint32_t width, depth;  /* bits per word, words (one copy) */
	uint32_t copies;        /* activation memory: P */
	uint32_t blocks;        /* block RAMs, all copies */
	uint32_t lutram;        /* ECP5 only: words kept in LUT RAM instead (0/1) */
	uint64_t bits_used;     /* bits the model actually fills (model memories) */
} sq_est_memory;

typedef struct sq_estimate {
	const sq_board *board;
	sq_hwcfg cfg;
	sq_est_memory mem[SQ_MEM_COUNT];
	uint32_t ebr;           /* block RAMs in all */
	uint32_t spram;         /* SPRAM blocks: the weights, when wm_spram */
	bool wm_spram;          /* weights in SPRAM (sq_estimate_model only: when
				 * the block RAM overflows on an iCE40 UltraPlus
				 * board, as the flow does; the host loads them) */
	uint32_t dsp;
	uint32_t lut, ff, carry;
	uint32_t lc;            /* iCE40 logic cells after packing; ECP5 LUT4s */
	/* The weight memory the model's image fills (weight words x P x EW
	 * bits): what sparsity and weight bits change, and the budget measure
	 * of sparq autocompress. Row parameters and the round table depend
	 * only on the layer sizes, P and ACCW. */
	uint64_t model_bits;
	uint64_t ebr_bits_used; /* all memories, bits filled or needed */
	/* Model figures (0 for sq_estimate_config). */
	uint32_t n_words, n_rounds, n_layers, in_words, out_dim;
	uint64_t nnz;
	uint64_t cycles;        /* per inference, never stalled */
	uint64_t cycles_bound;  /* sum over layers of ceil(nnz / P) */
	double clk_mhz;
	double latency_us;      /* cycles / clk */
	bool fits;              /* every resource within the board's */
	char why[160];          /* when !fits: the first resource short */
} sq_estimate;

/* Overrides; 0 (or 0.0) means "derive as make bitstream would". */
typedef struct sq_est_opts {
	uint32_t P, AW, WW, ACCW, MAXW, MAXL, LG_WD, LG_RD;
	double clk_mhz;
	/* the image the cycles are counted on: sq_export_image_opt flags, by
	 * default SQ_EXPORT_KEEP_SHAPE, as the bitstream flow builds it
	 * (SIMPLIFY=shape); the memory depths are always the shape's, every row
	 * computed, as the flow sizes them */
	unsigned export_flags;
} sq_est_opts;

void sq_est_opts_init(sq_est_opts *o);

/* Resources of configuration c on board b (no model: cycles 0). */
void sq_estimate_config(const sq_board *b, const sq_hwcfg *c, sq_estimate *e);

/* The configuration model m (SQM_FIXED) gets on board b with options o, its
 * resources, its image's figures and cycles. SQ_E_INVALID without a fixed
 * payload, SQ_E_RANGE when no configuration can hold it (sq_export_image's
 * message). */
int sq_estimate_model(const sq_model *m, const sq_board *b, const sq_est_opts *o,
		      sq_estimate *e, sq_err *err);

/* Block RAMs for one memory of width x depth, written in slices of `slice`
 * bits (slice = width: whole words), on a family ("ice40"/"ecp5"). */
uint32_t sq_est_blocks(const char *family, uint32_t width, uint32_t depth, uint32_t slice);

#endif
