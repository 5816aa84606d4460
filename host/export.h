/*
 * export.h - from a fixed-point model to the core's memory images
 * (docs/architecture.md): lane assignment by rounds, the layer and round
 * tables, the wide weight and parameter memories, and $readmemh files.
 *
 * Hardware is built per configuration (sq_hwcfg); an image fits a
 * configuration or sq_export_image says which resource falls short.
 */
#ifndef SPARQ_EXPORT_H
#define SPARQ_EXPORT_H

#include <stdint.h>
#include "sqm.h"

/* The synthesis parameters of rtl/sq_core.v (same names, same meaning). */
typedef struct sq_hwcfg {
	uint32_t P;     /* lanes, 1..16 */
	uint32_t AW;    /* max activation bits, 2..16 */
	uint32_t WW;    /* max weight bits, 2..16 */
	uint32_t ACCW;  /* accumulator bits, 8..48 */
	uint32_t MAXW;  /* max layer width, 1..4096 */
	uint32_t MAXL;  /* max layers */
	uint32_t LG_WD; /* log2 weight memory depth */
	uint32_t LG_RD; /* log2 round table / parameter memory depth */
} sq_hwcfg;

/* Defaults of rtl/sq_core.v with P lanes. */
void sq_hwcfg_default(sq_hwcfg *c, uint32_t P);
/* Checks parameter limits; 0 or SQ_E_INVALID. */
int sq_hwcfg_check(const sq_hwcfg *c, sq_err *err);

/* Derived widths (docs/architecture.md, "Derived"). */
uint32_t sq_clog2(uint64_t v);  /* ceil(log2(v)), 0 for v <= 1 */
uint32_t sq_hw_awd(const sq_hwcfg *c);
uint32_t sq_hw_roww(const sq_hwcfg *c);
uint32_t sq_hw_slotw(const sq_hwcfg *c);
uint32_t sq_hw_ew(const sq_hwcfg *c);
uint32_t sq_hw_pw(const sq_hwcfg *c);
uint32_t sq_hw_dimw(const sq_hwcfg *c);
uint32_t sq_hw_rcw(const sq_hwcfg *c);
uint32_t sq_hw_ltw(const sq_hwcfg *c);
uint32_t sq_hw_rtw(const sq_hwcfg *c);  /* round table entry: {wait[SQ_WAIT_BITS], len[DIMW]} */

/* The core's pipeline timing the exporter schedules rounds by
 * (docs/architecture.md "Layer overlap"): an entry issued in cycle t reads
 * its activation word at the end of cycle t + 1; the last entry of a hidden
 * round issued in cycle t has its word written at the end of cycle
 * t + SQ_PIPE_WRITE; a layer's table entry is ready SQ_LAYER_LOAD cycles
 * after the layer before was loaded. */
#define SQ_WAIT_BITS 4
#define SQ_PIPE_WRITE 9
#define SQ_LAYER_LOAD 3

typedef struct sq_image {
	sq_hwcfg cfg;
	uint32_t n_layers;
	uint64_t lt[SQ_MAX_LAYERS];  /* layer table words (LTW bits) */
	uint32_t n_rounds;           /* round table / parameter memory entries used */
	uint32_t *rt;                /* [n_rounds] round lengths */
	uint32_t *rt_wait;           /* [n_rounds] cycles each round waits for its inputs */
	uint32_t n_words;            /* weight memory words used (sum of rt) */
	uint32_t *wm;                /* [n_words * P] lane entries, EW bits each */
	uint64_t *pm;                /* [n_rounds * P] lane entries, PW bits each */
	/* Row order: slot_row[l][j] = original row computed at position
	 * j = round*P + lane of layer l (identity for the last layer; UINT32_MAX
	 * for padding); slot_nnz[l][j] = the weights lane j % P stores in round
	 * j / P (for an output layer spread over lanes, a row's share). Rows the
	 * simplification removed (simplify.h) appear nowhere (KEEP_SHAPE: their
	 * positions, below out_dim, hold UINT32_MAX like padding). */
	uint32_t *slot_row[SQ_MAX_LAYERS];
	uint32_t *slot_nnz[SQ_MAX_LAYERS];
	uint32_t out_dim[SQ_MAX_LAYERS];      /* row positions per layer (the layer table's) */
	uint32_t out_lg_grp;         /* output layer: each row over 2^out_lg_grp lanes */
	uint32_t layer_round0[SQ_MAX_LAYERS]; /* first global round of each layer */
	uint32_t layer_words[SQ_MAX_LAYERS];  /* weight words (cycles) per layer */
	uint64_t cycles;             /* per inference, never stalled (the schedule's) */
	uint64_t cycles_bound;       /* sum over layers of ceil(nnz / P), the model's nnz */
	uint64_t cycles_bound_kept;  /* the same over the weights the core stores */
	uint32_t rows_const;         /* hidden rows folded into the next biases */
	uint32_t rows_dead;          /* hidden rows nothing computed reads */
	uint32_t max_acc_bits;
} sq_image;

/* Builds the image of model m (SQM_FIXED) for configuration c. Fails with
 * SQ_E_RANGE and a message naming the resource and the shortfall when the
 * model does not fit (width, layers, depths, widths of W/A, acc_bits).
 * The model is simplified first (simplify.h: exact, every Q-value
 * unchanged) unless flags has SQ_EXPORT_KEEP_ALL. With SQ_EXPORT_KEEP_SHAPE
 * the removed rows stay in the layout as padding rows (no weights, bias 0),
 * so the layer table depends on the model's shape only: a bitstream built
 * from one model can be patched with any other of that shape. */
#define SQ_EXPORT_KEEP_ALL 1u
#define SQ_EXPORT_KEEP_SHAPE 2u
/* For the co-simulation's injected fault only: waits scheduled as if words
 * were written a cycle sooner than they are, so reads come too early. */
#define SQ_EXPORT_EARLY_READS 4u
int sq_export_image(const sq_model *m, const sq_hwcfg *c, sq_image **out, sq_err *err);
int sq_export_image_opt(const sq_model *m, const sq_hwcfg *c, unsigned flags,
			sq_image **out, sq_err *err);
void sq_image_free(sq_image *img);

/* Round table entry k as the core stores it: {rt_wait[k], rt[k]}. */
uint64_t sq_image_rt_word(const sq_image *img, uint32_t k);

/* Writes lt.hex rt.hex wm.hex pm.hex config.vh into dir (created if needed),
 * each atomically. */
int sq_image_write_hex(const sq_image *img, const char *dir, sq_err *err);

#endif
