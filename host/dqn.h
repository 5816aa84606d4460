/*
 * dqn.h - the DQN trainer: replay buffer, target network (hard or Polyak),
 * optional Double DQN and dueling heads, Huber (or MSE) loss, Adam,
 * gradient-norm clipping, linear epsilon schedule, learning starts, train
 * frequency, several environments stepped together.
 *
 * The schedule follows Stable-Baselines3's DQN, so rl-baselines3-zoo
 * hyperparameters mean the same thing here (docs/training.md):
 *   - one "vector step" steps every env once (n_envs transitions); counters
 *     (steps, learning_starts, total_steps, target_update) are in transitions;
 *   - before learning_starts, actions are uniform; afterwards epsilon-greedy
 *     with epsilon linear from eps_start to eps_end over the first
 *     expl_fraction of total_steps;
 *   - every train_freq vector steps, once steps > learning_starts,
 *     gradient_steps minibatch updates (-1: as many as transitions collected);
 *   - every max(target_update / n_envs, 1) vector steps, target <- tau*online
 *     + (1-tau)*target (tau = 1: hard copy);
 *   - truncated episodes bootstrap (only termination ends the return).
 *
 * Everything is seeded from cfg.seed; one seed gives the same weights, and
 * a run saved and resumed (sq_dqn_save / sq_dqn_load) continues exactly as
 * if uninterrupted. Single-threaded, no allocation per step.
 */
#ifndef SPARQ_DQN_H
#define SPARQ_DQN_H

#include <stdbool.h>
#include <stdint.h>

#include "env.h"
#include "nn.h"
#include "sqm.h"

#define SQ_DQN_MAX_ENVS 64
#define SQ_DQN_RET_WINDOW 100  /* episodes in the mean return */

typedef struct sq_dqn_cfg {
	char env[32];                 /* Gymnasium id */
	uint32_t n_hidden;            /* hidden layers, 1..SQ_MAX_LAYERS-1 */
	uint32_t hidden[SQ_MAX_LAYERS - 1];
	bool dueling;
	bool double_dqn;
	bool mse;                     /* loss: false Huber (SB3), true MSE (CleanRL) */
	uint64_t seed;
	uint64_t total_steps;         /* transitions */
	uint32_t n_envs;              /* 1..SQ_DQN_MAX_ENVS */
	double lr;
	double gamma;
	uint32_t buffer_size;
	uint32_t batch_size;
	uint64_t learning_starts;     /* transitions */
	uint32_t train_freq;          /* vector steps between trainings */
	int32_t gradient_steps;       /* per training; -1: transitions collected */
	uint32_t target_update;       /* transitions between target updates */
	double tau;                   /* 1 = hard update */
	double expl_fraction;         /* of total_steps */
	double eps_start, eps_end;
	double max_grad_norm;         /* 0: no clipping */
	bool obs_norm;                /* train on (obs - norm_mid) / norm_half (env.h);
				       * saved networks have it folded into layer 0 */
} sq_dqn_cfg;

/* Fills c with the defaults for env (docs/training.md: rl-baselines3-zoo's
 * DQN hyperparameters; hidden layers 64,64 for CartPole and MountainCar,
 * 256,256 for Acrobot, the R1-R3 workloads). SQ_E_INVALID for an unknown env. */
int sq_dqn_defaults(sq_dqn_cfg *c, const char *env, sq_err *err);
/* Checks ranges; SQ_E_INVALID with the field named. */
int sq_dqn_cfg_check(const sq_dqn_cfg *c, sq_err *err);

/* One row of the training curve. */
typedef struct sq_dqn_point {
	uint64_t step;       /* transitions so far */
	uint64_t episodes;   /* finished episodes */
	double mean_return;  /* over the last SQ_DQN_RET_WINDOW episodes (NaN: none yet) */
	double eps;
	double loss;         /* mean over the updates since the last point (NaN: none) */
	double sps;          /* transitions per second since the last point */
	double wall;         /* seconds of training so far (resumes add up) */
} sq_dqn_point;

typedef struct sq_dqn sq_dqn;

/* A new trainer. init: NULL for a fresh network (PyTorch initialization), or
 * a network of the configured shape to start from (--init), taking raw
 * observations (with obs_norm it is unfolded to the scaled inputs). */
int sq_dqn_new(const sq_dqn_cfg *c, const sq_mlp *init, sq_dqn **out, sq_err *err);
void sq_dqn_free(sq_dqn *d);

/* Called after each curve point; return nonzero to stop early. */
typedef int (*sq_dqn_progress)(const sq_dqn_point *p, void *ctx);

/* Trains until `until` transitions (capped at total_steps; the last vector
 * step may overshoot by n_envs-1), recording a curve point every `every`
 * transitions (and at the end). Returns 0, or 1 when the callback stopped it. */
int sq_dqn_run(sq_dqn *d, uint64_t until, uint64_t every, sq_dqn_progress cb, void *ctx);

/* Pruned training: keeps every parameter whose mask byte is 0 at zero. Zeroes
 * them in the online and target networks now; every Adam step keeps them
 * there, so the policy acts, learns and copies its target from the masked
 * network only. mask: n_params bytes in the nn.h layout (prune.h), borrowed
 * (it must outlive the trainer), NULL to clear. Not saved by sq_dqn_save. */
void sq_dqn_set_mask(sq_dqn *d, const uint8_t *mask);

const sq_dqn_cfg *sq_dqn_config(const sq_dqn *d);
/* The online network as trained (on scaled inputs when obs_norm). */
const sq_mlp *sq_dqn_online(const sq_dqn *d);
/* The policy on raw observations: the online network with the input scaling
 * folded into layer 0 (a plain copy without obs_norm). out must have the
 * online network's shape. */
void sq_dqn_policy(const sq_dqn *d, sq_mlp *out);
uint64_t sq_dqn_steps(const sq_dqn *d);
/* The curve so far (all points since the run began, resumes included). */
const sq_dqn_point *sq_dqn_curve(const sq_dqn *d, uint32_t *n);

/* Checkpoint: the online weights as a float .sqm (with training metadata)
 * at sqm_path, and everything else needed to continue bit for bit (config,
 * target network, Adam, replay buffer, generators, envs mid-episode,
 * counters, curve) in the sidecar state_path (format: docs/training.md).
 * Both files are written atomically. */
int sq_dqn_save(const sq_dqn *d, const char *sqm_path, const char *state_path, sq_err *err);
/* Restores a trainer from the two files. The sidecar's config is used, except
 * total_steps, which is replaced by total_steps when nonzero. */
int sq_dqn_load(const char *sqm_path, const char *state_path, uint64_t total_steps,
		sq_dqn **out, sq_err *err);

/* Fills training metadata (env, seed, arch, train_steps, generator, and the
 * hyperparameters as `train_cmd`-style text) into m. */
int sq_dqn_set_meta(const sq_dqn *d, sq_model *m, sq_err *err);

#endif
