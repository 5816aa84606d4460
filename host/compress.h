/*
 * compress.h - the compression pipeline: prune, fine-tune, quantize (with
 * optional quantization-aware fine-tuning), evaluate. docs/compression.md
 * describes the method and every option.
 *
 * A compressor holds the uncompressed float network (the teacher, dueling
 * heads folded exactly), a pruned student (a plain nn.h MLP with a mask) and a
 * buffer of states collected from the policies in the task's environment.
 * sq_compressor_prune_to raises the student's sparsity to a target (one shot
 * or in rounds, each followed by fine-tuning: distillation from the teacher on
 * the collected states, or continued DQN training); sq_compressor_quantize
 * turns the student into a deployable fixed-point model. Sparsity only rises,
 * so a sweep prunes once through increasing targets.
 *
 * Deterministic: the same options and seed give the same model. The library
 * never prints; progress lines go to the optional callback.
 */
#ifndef SPARQ_COMPRESS_H
#define SPARQ_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "eval.h"
#include "prune.h"
#include "sqm.h"

typedef struct sq_compress_opts {
	double sparsity;            /* target share of zero weights, 0 .. 1 */
	uint8_t wbits, abits;       /* every layer, 2..16 */
	sq_prune_method method;     /* magnitude or taylor */
	sq_prune_scope scope;       /* per layer or global */
	uint32_t iterations;        /* prune/fine-tune rounds (cubic schedule), >= 1 */
	uint32_t finetune_steps;    /* per round: minibatch updates (distill) or
				     * transitions (dqn); 0 = no fine-tuning */
	bool distill;               /* fine-tune by distillation (else DQN) */
	bool qat;                   /* quantization-aware fine-tuning (STE) */
	uint32_t qat_steps;         /* minibatch updates of QAT */
	double anneal;              /* share of QAT steps over which quantization
				     * fades in (0 = hard from the start) */
	uint32_t calib_states;      /* states collected for calibration/distillation */
	uint32_t eval_episodes;     /* greedy episodes per evaluation; 0 = none */
	uint64_t seed;
	uint32_t batch;             /* distillation / QAT minibatch */
	double lr;                  /* distillation / QAT Adam learning rate */
	double value_weight;        /* distillation loss: weight of the state-value
				     * error next to the advantage error, >= 0 */
	double act_penalty;         /* distillation/QAT: weight of the mean squared
				     * hidden activation (shrinks what the actions do
				     * not need, so quantization steps get finer) */
	bool reinit;                /* distill into a freshly initialized student
				     * instead of starting from the input's weights */
	uint32_t init_steps;        /* reinit: dense distillation updates first */
	bool dagger;                /* after each round add states the student's own
				     * policy visits (inside the teacher's box) */
	bool equalize;              /* power-of-two cross-layer equalization of the
				     * hidden units before quantization (quantize.h) */
	bool center;                /* quantize with a centered output layer
				     * (quantize.h): Q_k - mean_j Q_j */
	/* optional progress lines (no trailing newline) */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
} sq_compress_opts;

/* Defaults: sparsity 0.9, 8/8 bits, magnitude, global, 3 rounds of 4000
 * distillation updates after 10000 on a fresh student, centered outputs,
 * equalized hidden units,
 * no activation penalty, QAT off (1000 steps, anneal 0), 4096 calibration
 * states, 100 evaluation episodes, seed 1, batch 64, lr 1e-3. */
void sq_compress_opts_init(sq_compress_opts *o);

/* Size figures of a fixed payload (docs/model-format.md "Size figures"). */
typedef struct sq_compress_size {
	uint64_t weights;        /* dense weight count */
	uint64_t nnz;            /* stored nonzeros */
	uint64_t packed_bytes;   /* hardware image: nonzeros with index + row params */
	uint64_t dense_bytes;    /* float32: 4 * (weights + biases) */
	double bits_per_nnz;     /* mean over nonzeros of W + index bits */
} sq_compress_size;

void sq_compress_size_of(const sq_model *m, sq_compress_size *s);

typedef struct sq_compressor sq_compressor;

/* in: a model with a float payload; env: the task. Collects the first
 * o->calib_states states from the teacher's policy. */
int sq_compressor_new(const sq_model *in, const sq_env_spec *env,
		      const sq_compress_opts *o, sq_compressor **out, sq_err *err);
void sq_compressor_free(sq_compressor *c);

/* Prunes the student to `sparsity` in o->iterations rounds from its current
 * sparsity, fine-tuning after each. SQ_E_INVALID if below the current one. */
int sq_compressor_prune_to(sq_compressor *c, double sparsity, sq_err *err);

/* The factor kappa of the student's targets, kappa * teacher Q (1 unless
 * centered: then the teacher's advantages have unit RMS on the buffer). */
double sq_compressor_scale(const sq_compressor *c);

/* Sparsity of the student's mask (weights only). */
double sq_compressor_sparsity(const sq_compressor *c);

/* The student as a float model (plain, pruned weights zero), caller frees. */
int sq_compressor_student(const sq_compressor *c, sq_model **out, sq_err *err);
/* The teacher (the input's float payload, unchanged), owned by c. */
const sq_model *sq_compressor_teacher(const sq_compressor *c);

/* Quantizes (a copy of) the student at wbits/abits: QAT first when o->qat,
 * then calibrated post-training quantization. *out carries the fixed payload
 * and the student's float payload, plus the input's metadata. */
int sq_compressor_quantize(sq_compressor *c, unsigned wbits, unsigned abits,
			   sq_model **out, sq_err *err);

/* The whole pipeline of `sparq compress`: prune to o->sparsity, quantize,
 * evaluate the reference, the pruned float and the fixed model (when
 * o->eval_episodes > 0) and record every setting and figure in the output's
 * metadata (docs/compression.md lists the keys). evals may be NULL or an
 * array of 3 (eval.h, seed o->seed + 1000): the reference float model, the
 * pruned float student and the fixed model, each acting on its own; for
 * the last two, agree/steps count the states the reference policy visits
 * where that model picks the reference's action. */
int sq_compress_run(const sq_model *in, const sq_env_spec *env, const sq_compress_opts *o,
		    sq_model **out, sq_eval_result *evals, sq_err *err);

#endif
