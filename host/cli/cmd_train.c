/*
 * cmd_train.c - `sparq train`: DQN on a Gymnasium task, written as a float
 * .sqm (plus the training-state sidecar <out>.state for --resume), a CSV of
 * the training curve and a PNG plot of it (gnuplot).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "dqn.h"
#include "eval.h"
#include "nn.h"

SQ_COMMAND(train, "train a DQN policy on CartPole-v1, Acrobot-v1 or MountainCar-v0")

static const char *CMD = "train";

static void usage(void)
{
	printf(
"usage: sparq train --env NAME -o OUT.sqm [options]\n"
"       sparq train --resume CKPT.sqm -o OUT.sqm [--steps N]\n"
"\n"
"DQN with replay, target network, optional Double DQN and dueling heads,\n"
"Huber loss, Adam and gradient clipping. Defaults per environment are the\n"
"rl-baselines3-zoo DQN hyperparameters (docs/training.md).\n"
"\n"
"  --env NAME              CartPole-v1, Acrobot-v1 or MountainCar-v0\n"
"  --arch W,W,...          hidden layer widths (default 64,64; Acrobot 256,256)\n"
"  --steps N               total environment steps (transitions)\n"
"  --until N               stop after N of them and save (resume later)\n"
"  --seed S                seed of everything (default 1)\n"
"  -o, --output OUT.sqm    the trained network (float payload); the training\n"
"                          state goes to OUT.sqm.state (for --resume)\n"
"  --n-envs N              environments stepped together (default 1)\n"
"  --lr X  --gamma X  --buffer N  --batch N  --learning-starts N\n"
"  --train-freq N          vector steps between trainings\n"
"  --gradient-steps N      updates per training (-1: one per transition)\n"
"  --target-update N       transitions between target updates\n"
"  --tau X                 1 = hard target copy, < 1 Polyak\n"
"  --exploration-fraction X  --eps-start X  --eps-end X\n"
"  --max-grad-norm X       0 = no clipping (default 10)\n"
"  --double                Double DQN targets\n"
"  --dueling               dueling heads (saved as the DUELING float payload)\n"
"  --loss huber|mse        (default huber)\n"
"  --obs-norm              train on observations scaled to [-1, 1] by the\n"
"                          env's bounds; the scaling is folded into layer 0\n"
"                          of the saved network (which takes raw observations)\n"
"  --preset cleanrl        CleanRL dqn.py defaults (120,84; lr 2.5e-4; ...)\n"
"  --init MODEL.sqm        start from this network (its float payload)\n"
"  --resume CKPT.sqm       continue a run from CKPT.sqm + CKPT.sqm.state\n"
"  --checkpoint-every N    also save OUT.sqm(+.state) every N steps\n"
"  --log-every N           progress line / curve point every N steps (default 1000)\n"
"  --csv PATH              training curve (default OUT with .csv)\n"
"  --plot PATH             PNG of the curve (default OUT with .png; needs gnuplot)\n"
"  --no-plot  --no-state   skip the plot / the state sidecar\n"
"  --eval N                after training, N greedy episodes (float pass);\n"
"                          their mean/std go into the model metadata\n"
"  --eval-seed S           seed of those episodes (default 1000)\n"
"  --keep-best N           every --log-every steps, run N greedy episodes\n"
"                          (seed --select-seed, default 2000) and write the best\n"
"                          network seen to OUT.sqm; the resumable last state\n"
"                          then goes to OUT.last.sqm(+.state)\n"
"  --select-seed S         seed of the selection episodes\n"
"  --stop-at R             with --keep-best: stop once a selection mean >= R\n"
"  --quiet                 no progress lines\n"
"  --json                  one JSON object with the result on stdout\n");
}

enum {
	O_ENV = 256, O_ARCH, O_STEPS, O_SEED, O_NENVS, O_LR, O_GAMMA, O_BUFFER, O_BATCH,
	O_LSTARTS, O_TFREQ, O_GSTEPS, O_TUPD, O_TAU, O_EFRAC, O_ESTART, O_EEND, O_MGN,
	O_DOUBLE, O_DUEL, O_LOSS, O_PRESET, O_INIT, O_RESUME, O_CKEVERY, O_LOGEVERY,
	O_CSV, O_PLOT, O_NOPLOT, O_NOSTATE, O_EVAL, O_EVALSEED, O_QUIET, O_JSON,
	O_KEEPBEST, O_SELSEED, O_STOPAT, O_UNTIL, O_OBSNORM, O_HELP,
};

static const struct option opts[] = {
	{ "env", required_argument, 0, O_ENV },
	{ "arch", required_argument, 0, O_ARCH },
	{ "steps", required_argument, 0, O_STEPS },
	{ "seed", required_argument, 0, O_SEED },
	{ "output", required_argument, 0, 'o' },
	{ "n-envs", required_argument, 0, O_NENVS },
	{ "lr", required_argument, 0, O_LR },
	{ "gamma", required_argument, 0, O_GAMMA },
	{ "buffer", required_argument, 0, O_BUFFER },
	{ "batch", required_argument, 0, O_BATCH },
	{ "learning-starts", required_argument, 0, O_LSTARTS },
	{ "train-freq", required_argument, 0, O_TFREQ },
	{ "gradient-steps", required_argument, 0, O_GSTEPS },
	{ "target-update", required_argument, 0, O_TUPD },
	{ "tau", required_argument, 0, O_TAU },
	{ "exploration-fraction", required_argument, 0, O_EFRAC },
	{ "eps-start", required_argument, 0, O_ESTART },
	{ "eps-end", required_argument, 0, O_EEND },
	{ "max-grad-norm", required_argument, 0, O_MGN },
	{ "double", no_argument, 0, O_DOUBLE },
	{ "dueling", no_argument, 0, O_DUEL },
	{ "loss", required_argument, 0, O_LOSS },
	{ "preset", required_argument, 0, O_PRESET },
	{ "init", required_argument, 0, O_INIT },
	{ "resume", required_argument, 0, O_RESUME },
	{ "checkpoint-every", required_argument, 0, O_CKEVERY },
	{ "log-every", required_argument, 0, O_LOGEVERY },
	{ "csv", required_argument, 0, O_CSV },
	{ "plot", required_argument, 0, O_PLOT },
	{ "no-plot", no_argument, 0, O_NOPLOT },
	{ "no-state", no_argument, 0, O_NOSTATE },
	{ "eval", required_argument, 0, O_EVAL },
	{ "eval-seed", required_argument, 0, O_EVALSEED },
	{ "quiet", no_argument, 0, O_QUIET },
	{ "keep-best", required_argument, 0, O_KEEPBEST },
	{ "select-seed", required_argument, 0, O_SELSEED },
	{ "stop-at", required_argument, 0, O_STOPAT },
	{ "until", required_argument, 0, O_UNTIL },
	{ "obs-norm", no_argument, 0, O_OBSNORM },
	{ "json", no_argument, 0, O_JSON },
	{ "help", no_argument, 0, O_HELP },
	{ 0, 0, 0, 0 },
};

/* CPU seconds of this process (user + system): throughput on one core,
 * independent of how busy a shared machine is. */
static double cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0.0;
	return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
	       (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static const char *optname(int ch)
{
	for (const struct option *o = opts; o->name; o++)
		if (o->val == ch)
			return o->name;
	return "?";
}

/* OUT.sqm -> OUT.ext (replacing a trailing .sqm), malloc'd. */
static char *sibling(const char *out, const char *ext)
{
	size_t n = strlen(out);
	if (n > 4 && strcmp(out + n - 4, ".sqm") == 0)
		n -= 4;
	char *s = malloc(n + strlen(ext) + 1);
	if (s) {
		memcpy(s, out, n);
		strcpy(s + n, ext);
	}
	return s;
}

static char *state_path(const char *sqm)
{
	char *s = malloc(strlen(sqm) + 7);
	if (s)
		sprintf(s, "%s.state", sqm);
	return s;
}

typedef struct progress {
	uint64_t total;
	int quiet;
	uint64_t ck_every, ck_next;
	sq_dqn *d;
	const char *out, *state;
	int ck_rc;
	sq_err err;
	uint32_t sel_n;          /* --keep-best episodes, 0 = off */
	uint64_t sel_seed;
	double best;             /* best selection mean so far */
	uint64_t best_step;
	sq_mlp *best_net;
	sq_mlp *pol;             /* scratch: the policy on raw observations */
	double stop_at;          /* stop once a selection mean reaches it */
	int has_stop;
	int reached;             /* stopped at stop_at */
	uint64_t reached_step;
	double reached_wall, reached_cpu;
} progress;

static void select_best(progress *pr, const sq_dqn_point *p)
{
	sq_model *m = NULL;
	sq_eval_result r;
	const sq_dqn_cfg *c = sq_dqn_config(pr->d);
	if (p->step <= c->learning_starts)
		return;
	sq_dqn_policy(pr->d, pr->pol);
	if (sq_mlp_to_model(pr->pol, &m, &pr->err) ||
	    sq_eval_model(m, SQ_EVAL_FLOAT, sq_env_find(c->env), pr->sel_n, pr->sel_seed, NULL, 0,
			  &r, NULL, &pr->err)) {
		sq_model_free(m);
		return;
	}
	sq_model_free(m);
	if (r.mean > pr->best) {
		pr->best = r.mean;
		pr->best_step = p->step;
		sq_mlp_copy(pr->best_net, pr->pol);
	}
	if (!pr->quiet)
		fprintf(stderr, "  selection: %u episodes mean %.1f (best %.1f at step %llu)\n",
			pr->sel_n, r.mean, pr->best, (unsigned long long)pr->best_step);
	if (pr->has_stop && r.mean >= pr->stop_at && !pr->reached) {
		pr->reached = 1;
		pr->reached_step = p->step;
		pr->reached_wall = p->wall;
		pr->reached_cpu = cpu_seconds();
	}
}

static int on_point(const sq_dqn_point *p, void *ctx)
{
	progress *pr = ctx;
	if (!pr->quiet) {
		char ret[32], loss[32];
		if (isnan(p->mean_return))
			snprintf(ret, sizeof ret, "-");
		else
			snprintf(ret, sizeof ret, "%.1f", p->mean_return);
		if (isnan(p->loss))
			snprintf(loss, sizeof loss, "-");
		else
			snprintf(loss, sizeof loss, "%.4g", p->loss);
		fprintf(stderr, "step %llu/%llu  episodes %llu  return(last %u) %s  eps %.3f  "
			"loss %s  %.0f steps/s\n",
			(unsigned long long)p->step, (unsigned long long)pr->total,
			(unsigned long long)p->episodes, SQ_DQN_RET_WINDOW, ret, p->eps, loss, p->sps);
	}
	if (pr->sel_n) {
		select_best(pr, p);
		if (pr->reached)
			return 1;
	}
	if (pr->ck_every && p->step >= pr->ck_next && p->step < pr->total) {
		pr->ck_next = (p->step / pr->ck_every + 1) * pr->ck_every;
		if (sq_dqn_save(pr->d, pr->out, pr->state, &pr->err)) {
			pr->ck_rc = 1;
			return 1;
		}
	}
	return 0;
}

static int write_csv(const sq_dqn *d, const char *path, sq_err *err)
{
	uint32_t n;
	const sq_dqn_point *c = sq_dqn_curve(d, &n);
	size_t cap = 128 + (size_t)n * 160;
	char *buf = malloc(cap);
	if (!buf)
		return sq_fail(err, SQ_E_NOMEM, "%s: out of memory", path);
	size_t k = (size_t)snprintf(buf, cap, "step,episodes,mean_return_last100,epsilon,loss,steps_per_s,wall_s\n");
	for (uint32_t i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%llu,%llu,%.4f,%.5f,%.6g,%.1f,%.3f\n",
				      (unsigned long long)c[i].step, (unsigned long long)c[i].episodes,
				      c[i].mean_return, c[i].eps, c[i].loss, c[i].sps, c[i].wall);
	int rc = k < cap ? sq_write_atomic(path, buf, k, err)
			 : sq_fail(err, SQ_E_RANGE, "%s: curve too long", path);
	free(buf);
	return rc;
}

/* gnuplot: return (left axis) and epsilon (right axis) against steps. */
static int write_plot(const char *csv, const char *png, const char *title, sq_err *err)
{
	size_t n = strlen(png) + 32;
	char *tmp = malloc(n);
	if (!tmp)
		return sq_fail(err, SQ_E_NOMEM, "out of memory");
	snprintf(tmp, n, "%s.tmp.%ld.png", png, (long)getpid());
	FILE *g = popen("gnuplot 2>/dev/null", "w");
	int rc = SQ_OK;
	if (!g) {
		rc = sq_fail(err, SQ_E_IO, "cannot run gnuplot: %s", strerror(errno));
		goto out;
	}
	fprintf(g, "set terminal pngcairo size 900,500\nset output '%s'\n", tmp);
	fprintf(g, "set datafile separator ','\nset datafile missing 'nan'\nset key left top\n");
	fprintf(g, "set title '%s'\nset xlabel 'environment steps'\n", title);
	fprintf(g, "set ylabel 'mean return (last 100 episodes)'\nset y2label 'epsilon'\n");
	fprintf(g, "set y2range [0:1]\nset ytics nomirror\nset y2tics\nset grid\n");
	fprintf(g, "plot '%s' every ::1 using 1:3 with lines lw 2 title 'mean return', "
		"'' every ::1 using 1:4 axes x1y2 with lines dt 2 title 'epsilon'\n", csv);
	int st = pclose(g);
	if (st != 0) {
		unlink(tmp);
		rc = sq_fail(err, SQ_E_IO, "gnuplot failed (status %d) writing %s", st, png);
		goto out;
	}
	if (rename(tmp, png) != 0) {
		unlink(tmp);
		rc = sq_fail(err, SQ_E_IO, "%s: rename failed: %s", png, strerror(errno));
	}
out:
	free(tmp);
	return rc;
}

int cmd_train(int argc, char **argv)
{
	sq_dqn_cfg c;
	sq_err err = { { 0 } };
	const char *env = NULL, *out = NULL, *init = NULL, *resume = NULL, *arch = NULL;
	const char *csv_opt = NULL, *plot_opt = NULL, *preset = NULL;
	uint64_t steps = 0, seed = 1, ck_every = 0, log_every = 1000, until = 0;
	uint32_t eval_n = 0;
	uint64_t eval_seed = 1000, sel_seed = 2000;
	uint32_t keep_best = 0;
	double stop_at = 0;
	int has_stop = 0;
	sq_mlp best_net = { 0 }, pol = { 0 };
	char *last_out = NULL;
	int no_plot = 0, no_state = 0, quiet = 0, json = 0;
	/* Options that override the env defaults, kept until the env is known. */
	struct { int set; double v; } ov[O_HELP - O_ENV] = { { 0, 0 } };
	int double_dqn = 0, dueling = 0, mse = -1, obs_norm = 0;
	int ch, rc = 1;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		double v;
		uint64_t u;
		switch (ch) {
		case O_HELP:
			usage();
			return 0;
		case O_ENV: env = optarg; break;
		case O_ARCH: arch = optarg; break;
		case 'o': out = optarg; break;
		case O_INIT: init = optarg; break;
		case O_RESUME: resume = optarg; break;
		case O_CSV: csv_opt = optarg; break;
		case O_PLOT: plot_opt = optarg; break;
		case O_PRESET: preset = optarg; break;
		case O_NOPLOT: no_plot = 1; break;
		case O_NOSTATE: no_state = 1; break;
		case O_QUIET: quiet = 1; break;
		case O_JSON: json = 1; break;
		case O_DOUBLE: double_dqn = 1; break;
		case O_DUEL: dueling = 1; break;
		case O_OBSNORM: obs_norm = 1; break;
		case O_LOSS:
			if (strcmp(optarg, "huber") == 0)
				mse = 0;
			else if (strcmp(optarg, "mse") == 0)
				mse = 1;
			else
				return cli_usage_error(CMD, "--loss '%s' (expected huber or mse)", optarg);
			break;
		case O_STEPS:
		case O_UNTIL:
		case O_SEED:
		case O_CKEVERY:
		case O_LOGEVERY:
		case O_EVALSEED:
			if (cli_parse_u64(optarg, &u))
				return cli_usage_error(CMD, "--%s '%s' is not a whole number",
						       optname(ch), optarg);
			if (ch == O_STEPS) steps = u;
			else if (ch == O_UNTIL) until = u;
			else if (ch == O_SEED) seed = u;
			else if (ch == O_CKEVERY) ck_every = u;
			else if (ch == O_LOGEVERY) log_every = u;
			else eval_seed = u;
			break;
		case O_KEEPBEST:
			if (cli_parse_u32(optarg, 1, 100000, &keep_best))
				return cli_usage_error(CMD, "--keep-best '%s' (expected 1..100000 episodes)", optarg);
			break;
		case O_STOPAT:
			if (cli_parse_double(optarg, -1e9, 1e9, &stop_at))
				return cli_usage_error(CMD, "--stop-at '%s' is not a number", optarg);
			has_stop = 1;
			break;
		case O_SELSEED:
			if (cli_parse_u64(optarg, &sel_seed))
				return cli_usage_error(CMD, "--select-seed '%s' is not a whole number", optarg);
			break;
		case O_EVAL:
			if (cli_parse_u32(optarg, 1, 1000000, &eval_n))
				return cli_usage_error(CMD, "--eval '%s' (expected 1..1000000 episodes)", optarg);
			break;
		case O_GSTEPS:
			if (cli_parse_double(optarg, -1, 1000000, &v) || v != floor(v))
				return cli_usage_error(CMD, "--gradient-steps '%s' (expected -1..1000000)", optarg);
			ov[ch - O_ENV].set = 1;
			ov[ch - O_ENV].v = v;
			break;
		case O_NENVS: case O_BUFFER: case O_BATCH: case O_LSTARTS: case O_TFREQ: case O_TUPD:
			if (cli_parse_double(optarg, 0, 4e9, &v) || v != floor(v))
				return cli_usage_error(CMD, "--%s '%s' is not a whole number",
						       optname(ch), optarg);
			ov[ch - O_ENV].set = 1;
			ov[ch - O_ENV].v = v;
			break;
		case O_LR: case O_GAMMA: case O_TAU: case O_EFRAC: case O_ESTART: case O_EEND: case O_MGN:
			if (cli_parse_double(optarg, 0, 1e9, &v))
				return cli_usage_error(CMD, "--%s '%s' is not a number >= 0",
						       optname(ch), optarg);
			ov[ch - O_ENV].set = 1;
			ov[ch - O_ENV].v = v;
			break;
		default:
			return cli_usage_error(CMD, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (log_every < 1)
		return cli_usage_error(CMD, "--log-every 0 (expected >= 1 step)");
	if (has_stop && !keep_best)
		return cli_usage_error(CMD, "--stop-at needs --keep-best N (the selection episodes)");
	if (!out)
		return cli_usage_error(CMD, "missing -o OUT.sqm");
	if (!resume && !env)
		return cli_usage_error(CMD, "missing --env (one of %s)", sq_env_names());
	if (resume && (env || init || arch))
		return cli_usage_error(CMD, "--resume takes its settings from the checkpoint; "
				       "drop --env/--init/--arch");

	sq_dqn *d = NULL;
	sq_model *m = NULL;
	sq_mlp init_net = { 0 };
	/* With --keep-best, OUT.sqm is the selected network and the resumable
	 * state goes to OUT.last.sqm + OUT.last.sqm.state. */
	const char *ck_out = out;
	if (keep_best) {
		last_out = sibling(out, ".last.sqm");
		ck_out = last_out ? last_out : out;
	}
	char *st_out = state_path(ck_out);
	char *csv = csv_opt ? strdup(csv_opt) : sibling(out, ".csv");
	char *png = plot_opt ? strdup(plot_opt) : sibling(out, ".png");
	if (!st_out || !csv || !png || (keep_best && !last_out)) {
		rc = cli_error(CMD, "out of memory");
		goto done;
	}
	if (resume) {
		char *st_in = state_path(resume);
		if (!st_in) {
			rc = cli_error(CMD, "out of memory");
			goto done;
		}
		int r = sq_dqn_load(resume, st_in, steps, &d, &err);
		free(st_in);
		if (r) {
			rc = cli_error(CMD, "--resume: %s", err.msg);
			goto done;
		}
		c = *sq_dqn_config(d);
	} else {
		if (sq_dqn_defaults(&c, env, &err)) {
			rc = cli_usage_error(CMD, "--env: %s", err.msg);
			goto done;
		}
		if (preset) {
			if (strcmp(preset, "cleanrl") != 0) {
				rc = cli_usage_error(CMD, "--preset '%s' (known: cleanrl)", preset);
				goto done;
			}
			/* CleanRL dqn.py defaults */
			c.n_hidden = 2;
			c.hidden[0] = 120;
			c.hidden[1] = 84;
			c.total_steps = 500000;
			c.lr = 2.5e-4;
			c.buffer_size = 10000;
			c.gamma = 0.99;
			c.tau = 1.0;
			c.target_update = 500;
			c.batch_size = 128;
			c.eps_start = 1.0;
			c.eps_end = 0.05;
			c.expl_fraction = 0.5;
			c.learning_starts = 10000;
			c.train_freq = 10;
			c.gradient_steps = 1;
			c.max_grad_norm = 0;
			c.mse = true;
		}
		c.seed = seed;
		if (steps)
			c.total_steps = steps;
		if (double_dqn)
			c.double_dqn = true;
		if (dueling)
			c.dueling = true;
		if (obs_norm)
			c.obs_norm = true;
		if (mse >= 0)
			c.mse = mse == 1;
#define OV(opt, field, type) if (ov[opt - O_ENV].set) c.field = (type)ov[opt - O_ENV].v
		OV(O_NENVS, n_envs, uint32_t);
		OV(O_BUFFER, buffer_size, uint32_t);
		OV(O_BATCH, batch_size, uint32_t);
		OV(O_LSTARTS, learning_starts, uint64_t);
		OV(O_TFREQ, train_freq, uint32_t);
		OV(O_GSTEPS, gradient_steps, int32_t);
		OV(O_TUPD, target_update, uint32_t);
		OV(O_LR, lr, double);
		OV(O_GAMMA, gamma, double);
		OV(O_TAU, tau, double);
		OV(O_EFRAC, expl_fraction, double);
		OV(O_ESTART, eps_start, double);
		OV(O_EEND, eps_end, double);
		OV(O_MGN, max_grad_norm, double);
#undef OV
		if (init) {
			if (sqm_read_file(init, &m, &err)) {
				rc = cli_error(CMD, "--init: %s", err.msg);
				goto done;
			}
			if (sq_mlp_from_model(m, &init_net, &err)) {
				rc = cli_error(CMD, "--init %s: %s", init, err.msg);
				goto done;
			}
			if (!arch) {
				c.n_hidden = init_net.n_layers - 1;
				for (uint32_t l = 1; l < init_net.n_layers; l++)
					c.hidden[l - 1] = init_net.dims[l];
			}
			if (init_net.dueling)
				c.dueling = true;
			sq_model_free(m);
			m = NULL;
		}
		if (arch) {
			size_t n;
			if (cli_parse_u32_list(arch, 1, SQ_MAX_DIM, c.hidden, SQ_MAX_LAYERS - 1, &n) || n < 1) {
				rc = cli_usage_error(CMD, "--arch '%s' (expected 1..%u widths, each 1..%u, "
						     "comma-separated)", arch, SQ_MAX_LAYERS - 1, SQ_MAX_DIM);
				goto done;
			}
			c.n_hidden = (uint32_t)n;
		}
		if (sq_dqn_cfg_check(&c, &err)) {
			rc = cli_usage_error(CMD, "%s", err.msg);
			goto done;
		}
		if (sq_dqn_new(&c, init ? &init_net : NULL, &d, &err)) {
			rc = cli_error(CMD, "%s%s", init ? "--init: " : "", err.msg);
			goto done;
		}
	}

	progress pr = { .total = c.total_steps, .quiet = quiet, .ck_every = ck_every,
			.d = d, .out = ck_out, .state = st_out, .sel_n = keep_best,
			.sel_seed = sel_seed, .best = -INFINITY, .stop_at = stop_at,
			.has_stop = has_stop };
	if (keep_best) {
		if (sq_mlp_new(&best_net, sq_dqn_online(d)->n_layers, sq_dqn_online(d)->dims,
			       sq_dqn_online(d)->dueling, &err)) {
			rc = cli_error(CMD, "%s", err.msg);
			goto done;
		}
		sq_dqn_policy(d, &best_net);
		pr.best_net = &best_net;
	}
	{
		const sq_mlp *on = sq_dqn_online(d);
		if (sq_mlp_new(&pol, on->n_layers, on->dims, on->dueling, &err)) {
			rc = cli_error(CMD, "%s", err.msg);
			goto done;
		}
		pr.pol = &pol;
	}
	pr.ck_next = ck_every ? (sq_dqn_steps(d) / ck_every + 1) * ck_every : 0;
	uint64_t steps0 = sq_dqn_steps(d);
	double cpu0 = cpu_seconds();
	int r = sq_dqn_run(d, until && until < c.total_steps ? until : c.total_steps, log_every,
			   on_point, &pr);
	double cpu = cpu_seconds() - cpu0;
	if (r < 0 || pr.ck_rc) {
		rc = cli_error(CMD, "%s", pr.ck_rc ? pr.err.msg : "out of memory");
		goto done;
	}

	/* The resumable state (with the last weights). */
	if (!no_state && sq_dqn_save(d, ck_out, st_out, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto done;
	}
	/* The output model, with metadata. */
	sq_dqn_policy(d, &pol);
	if (sq_mlp_to_model(keep_best ? &best_net : &pol, &m, &err) ||
	    sq_dqn_set_meta(d, m, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto done;
	}
	{
		char cmdline[2048];
		size_t k = (size_t)snprintf(cmdline, sizeof cmdline, "sparq");
		for (int i = 0; i < argc && k < sizeof cmdline; i++)
			k += (size_t)snprintf(cmdline + k, sizeof cmdline - k, " %s", argv[i]);
		if (sq_meta_set(m, "train_cmd", cmdline, &err)) {
			rc = cli_error(CMD, "%s", err.msg);
			goto done;
		}
	}
	sq_eval_result er = { 0 };
	if (eval_n) {
		if (sq_eval_model(m, SQ_EVAL_FLOAT, sq_env_find(c.env), eval_n, eval_seed, NULL, 0,
				  &er, NULL, &err)) {
			rc = cli_error(CMD, "evaluation: %s", err.msg);
			goto done;
		}
		char v[192];
		snprintf(v, sizeof v, "%.2f", er.mean);
		int e1 = sq_meta_set(m, "return_mean", v, &err);
		snprintf(v, sizeof v, "%.2f", er.std);
		int e2 = e1 ? e1 : sq_meta_set(m, "return_std", v, &err);
		snprintf(v, sizeof v, "%u greedy episodes, float pass, seed %llu, min %.1f, max %.1f",
			 eval_n, (unsigned long long)eval_seed, er.min, er.max);
		int e3 = e2 ? e2 : sq_meta_set(m, "return_eval", v, &err);
		if (e3) {
			rc = cli_error(CMD, "%s", err.msg);
			goto done;
		}
	}
	if (keep_best) {
		char v[160];
		snprintf(v, sizeof v, "best of the networks at every %llu steps by %u greedy episodes "
			 "(seed %llu): mean %.2f at step %llu", (unsigned long long)log_every, keep_best,
			 (unsigned long long)sel_seed, pr.best, (unsigned long long)pr.best_step);
		if (sq_meta_set(m, "selection", v, &err)) {
			rc = cli_error(CMD, "%s", err.msg);
			goto done;
		}
	}
	if (sqm_write_file(m, out, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto done;
	}
	if (write_csv(d, csv, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto done;
	}
	if (!no_plot) {
		char title[128];
		snprintf(title, sizeof title, "sparq train %s (seed %llu)", c.env,
			 (unsigned long long)c.seed);
		if (write_plot(csv, png, title, &err))
			fprintf(stderr, "sparq train: warning: no plot: %s\n", err.msg);
	}
	uint32_t np;
	const sq_dqn_point *cv = sq_dqn_curve(d, &np);
	const sq_dqn_point *last = np ? &cv[np - 1] : NULL;
	double sps = last && last->wall > 0 ? (double)last->step / last->wall : 0;
	/* selection episodes are not training: their time is excluded from neither
	 * figure, so keep --keep-best off when measuring throughput */
	double cpu_sps = cpu > 0 ? (double)(sq_dqn_steps(d) - steps0) / cpu : 0;
	if (json) {
		printf("{\"env\":");
		cli_json_string(stdout, c.env);
		printf(",\"seed\":%llu,\"steps\":%llu,\"episodes\":%llu,\"wall_s\":%.3f,"
		       "\"steps_per_s\":%.1f,\"cpu_s\":%.3f,\"steps_per_cpu_s\":%.1f,"
		       "\"train_return_last100\":%.3f",
		       (unsigned long long)c.seed, (unsigned long long)sq_dqn_steps(d),
		       (unsigned long long)(last ? last->episodes : 0), last ? last->wall : 0.0, sps,
		       cpu, cpu_sps, last && !isnan(last->mean_return) ? last->mean_return : 0.0);
		if (has_stop)
			printf(",\"stop_at\":%g,\"reached\":%s,\"reached_step\":%llu,"
			       "\"reached_wall_s\":%.3f,\"reached_cpu_s\":%.3f", stop_at,
			       pr.reached ? "true" : "false", (unsigned long long)pr.reached_step,
			       pr.reached_wall, pr.reached ? pr.reached_cpu - cpu0 : 0.0);
		if (eval_n)
			printf(",\"eval\":{\"episodes\":%u,\"seed\":%llu,\"mean\":%.3f,\"std\":%.3f,"
			       "\"min\":%.1f,\"max\":%.1f}", eval_n, (unsigned long long)eval_seed,
			       er.mean, er.std, er.min, er.max);
		printf(",\"output\":");
		cli_json_string(stdout, out);
		printf("}\n");
	} else {
		printf("trained %s: %llu steps, %llu episodes, %.1f s (%.0f steps/s; %.1f CPU s, "
		       "%.0f steps per CPU second); wrote %s\n",
		       c.env, (unsigned long long)sq_dqn_steps(d),
		       (unsigned long long)(last ? last->episodes : 0), last ? last->wall : 0.0, sps,
		       cpu, cpu_sps, out);
		if (eval_n)
			printf("eval: %u episodes (seed %llu): mean %.2f std %.2f min %.1f max %.1f\n",
			       eval_n, (unsigned long long)eval_seed, er.mean, er.std, er.min, er.max);
	}
	rc = 0;
done:
	sq_dqn_free(d);
	sq_model_free(m);
	sq_mlp_free(&init_net);
	sq_mlp_free(&best_net);
	sq_mlp_free(&pol);
	free(last_out);
	free(st_out);
	free(csv);
	free(png);
	return rc;
}
