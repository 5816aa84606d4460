/*
 * autocompress.h - per-layer sparsity and bit-widths chosen by a DQN agent
 * so that a Q-network fits a board (docs/autocompress.md).
 *
 * A walk visits the layers in order. At layer l the agent sees a state
 * (the layer's index, fan-in, fan-out and weight count, the model memory its
 * choices so far take, the budget left) and picks one action of a discrete
 * set: (sparsity, weight bits, input activation bits) of that layer. At the
 * end of the walk the choices are applied to a dense student that the
 * compressor (compress.h) distilled once from the float network on its
 * centered advantages: magnitude pruning per layer, a brief masked
 * distillation towards the dense student, power-of-two equalization and
 * calibrated quantization (quantize.h). The result is estimated on the board
 * (estimate.h) and, when it fits the budget, the board and the latency
 * bound, evaluated on a few greedy episodes. The reward is that return,
 * normalized between a constant-action policy (0) and the uncompressed
 * network (1); a walk that does not fit gets -1.5 minus its overshoot.
 *
 * The agent is a DQN built from the trainer's pieces (nn.h MLP, replay.h
 * buffer, Huber loss, Adam, gradient clipping, a target network); the same
 * code runs the baselines: random search (uniform random actions) and the
 * uniform settings (one action for every layer, each tried once).
 *
 * Budget: the bits the model's weight memory takes (weight words x P x EW:
 * sq_estimate.model_bits), as a fraction of what the uniform reference (90%
 * sparse, 8-bit weights and activations) takes, or absolute; and the whole
 * design must fit the board (block RAMs, logic cells, DSPs).
 *
 * Deterministic for a seed. The library never prints; progress lines and the
 * record of each walk go to optional callbacks.
 */
#ifndef SPARQ_AUTOCOMPRESS_H
#define SPARQ_AUTOCOMPRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"
#include "estimate.h"
#include "sqm.h"

#define SQ_AC_MAX_ACTIONS 128

typedef struct sq_ac_action {
	double sparsity;   /* share of the layer's weights pruned */
	uint8_t wbits;     /* the layer's weight width */
	uint8_t abits;     /* the layer's input activation width */
} sq_ac_action;

typedef enum sq_ac_search {
	SQ_AC_AGENT = 0,   /* the DQN agent */
	SQ_AC_RANDOM = 1,  /* uniform random actions, same number of walks */
	SQ_AC_UNIFORM = 2, /* every action applied to all layers, once each */
} sq_ac_search;

/* One walk: the choices, the estimate and the short evaluation. */
typedef struct sq_ac_walk {
	uint32_t index;
	uint32_t n_layers;
	uint32_t action[SQ_MAX_LAYERS];      /* indices into the action set */
	sq_ac_action choice[SQ_MAX_LAYERS];
	bool fits;          /* budget, board and latency */
	bool evaluated;     /* return measured (only when it fits) */
	double ret;         /* mean return of the short evaluation (NaN if not) */
	double score;       /* normalized return (0 constant policy, 1 reference) */
	double reward;
	double epsilon;     /* the agent's exploration for this walk */
	uint64_t model_bits;
	uint32_t ebr, lc, dsp;
	uint64_t nnz;
	uint64_t cycles;
	double latency_us;
	char why[160];      /* when !fits */
} sq_ac_walk;

typedef struct sq_ac_opts {
	const sq_board *board;
	sq_est_opts est;            /* lanes and other overrides */
	double max_latency_us;      /* 0: no bound */
	double budget_fraction;     /* of the uniform 90%/8/8 reference (0.5) */
	uint64_t budget_bits;       /* nonzero: absolute budget, overrides */
	sq_ac_search search;
	uint32_t walks;             /* walks (agent, random) (200) */
	uint32_t eval_episodes;     /* greedy episodes per walk (5) */
	uint32_t final_episodes;    /* evaluation of the finalists (100) */
	uint32_t finalists;         /* best walks re-evaluated at the end (3) */
	uint32_t finetune_steps;    /* distillation updates per walk (900) */
	uint32_t prune_rounds;      /* pruning rounds per walk, cubic schedule,
				     * each followed by finetune_steps / rounds (3) */
	bool constrain;             /* agent and random search: only actions after
				     * which the walk can still fit the weight
				     * budget (AMC's constraint) (true) */
	bool balanced;              /* prune rows to equal counts (true), else
				     * the smallest weights of the layer */
	uint32_t init_steps;        /* the dense student's distillation (0: the
				     * compressor's default, 10000) */
	uint32_t calib_states;      /* states for calibration/distillation (4096) */
	uint64_t seed;
	/* the action set: every combination of these */
	uint32_t n_sparsity, n_wbits, n_abits;
	double sparsity[16];
	uint8_t wbits[8], abits[8];
	/* agent */
	uint32_t warmup;            /* walks with random actions first (10%) */
	double eps_end;             /* after 60% of the walks (0.05) */
	uint32_t updates;           /* gradient steps after each walk (16) */
	uint32_t target_every;      /* walks between target copies (4) */
	double lr;                  /* 1e-3 */
	void (*progress)(void *ctx, const char *line);
	void (*on_walk)(void *ctx, const sq_ac_walk *w);
	void *ctx;
} sq_ac_opts;

/* Defaults: icebreaker, budget 0.5, agent, 200 walks of 5 episodes, 100 final
 * episodes, 3 finalists, 3 pruning rounds and 900 fine-tune updates, 4096
 * states, seed 1; sparsity {0.5,0.7,0.8,0.9,0.93,0.95,0.97,0.98}, weight
 * bits {4,6,8}, activation bits {6,8}: 48 actions. */
void sq_ac_opts_init(sq_ac_opts *o);

typedef struct sq_ac_result {
	sq_model *best;            /* NULL when no walk fitted */
	sq_ac_walk best_walk;
	sq_estimate best_est;
	double best_final;         /* mean return over final_episodes */
	double best_final_std;
	uint64_t ref_bits;         /* the uniform 90%/8/8 reference */
	uint64_t budget_bits;
	double teacher_ret, floor_ret; /* the normalization (short evaluation) */
	uint32_t n_walks;
	uint32_t n_fit;
	sq_ac_walk *walks;         /* [n_walks] */
} sq_ac_result;

int sq_autocompress(const sq_model *in, const sq_env_spec *env, const sq_ac_opts *o,
		    sq_ac_result *res, sq_err *err);
void sq_ac_result_free(sq_ac_result *r);

/* The action set of o: index i -> (sparsity, wbits, abits); its size. */
uint32_t sq_ac_n_actions(const sq_ac_opts *o);
sq_ac_action sq_ac_action_at(const sq_ac_opts *o, uint32_t i);

#endif
