/*
 * cmd_autocompress.c - `sparq autocompress`: per-layer sparsity and bit-widths
 * chosen by a DQN agent to fit a board (autocompress.h, docs/autocompress.md).
 * Writes the best model, a JSONL record of every walk and a PNG of return
 * against model memory with every point tried and the Pareto front.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "autocompress.h"
#include "cli.h"
#include "env.h"
#include "sqm.h"

SQ_COMMAND(autocompress, "pick per-layer sparsity and bit-widths with a DQN agent to fit a board")

#define CMD "autocompress"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparq autocompress IN.sqm -o OUT.sqm [options]\n"
		"\n"
		"Walks the layers of the float network IN.sqm one by one; at each a DQN\n"
		"agent picks (sparsity, weight bits, activation bits). Each walk's model\n"
		"is pruned, quantized, estimated on the board (sparq estimate) and, when\n"
		"it fits the budget, the board and the latency bound, evaluated on short\n"
		"greedy episodes; that return is the agent's reward. The best finalists\n"
		"are evaluated again on longer episodes and the best written to OUT.sqm,\n"
		"with its choices, estimate and return in the metadata.\n"
		"\n"
		"  -o, --output FILE        output model (required)\n"
		"      --board B            %s (icebreaker)\n"
		"      --lanes P            lanes, 1..16 (the board's default)\n"
		"      --budget-fraction F  weight-memory budget as a share of what uniform\n"
		"                           90%% sparse 8-bit needs (0.5)\n"
		"      --budget-bits N      absolute weight-memory budget (bits), overrides\n"
		"      --max-latency-us X   latency bound per inference at the board clock\n"
		"      --search S           agent | random | uniform (agent)\n"
		"      --walks N            walks (agent, random) (200)\n"
		"      --episodes N         greedy episodes per walk (5)\n"
		"      --final-episodes N   episodes for the finalists (100)\n"
		"      --finalists N        best walks evaluated again at the end (3)\n"
		"      --finetune-steps N   distillation updates per walk (900)\n"
		"      --prune-rounds N     pruning rounds per walk, each with its share of\n"
		"                           the distillation (3)\n"
		"      --init-steps N       the dense student's distillation (10000)\n"
		"      --unconstrained      let the agent/random search pick actions after\n"
		"                           which the walk cannot fit the budget any more\n"
		"      --unbalanced         prune each layer's smallest weights, not each\n"
		"                           row's (rows of equal length waste no padding)\n"
		"      --sparsities LIST    action set: sparsities\n"
		"                           (0.5,0.7,0.8,0.9,0.93,0.95,0.97,0.98)\n"
		"      --wbits LIST         action set: weight bits (4,6,8)\n"
		"      --abits LIST         action set: activation bits (6,8)\n"
		"      --env NAME           task (default: the model's 'env' metadata)\n"
		"      --seed S             seed (1)\n"
		"      --log FILE           JSONL of every walk (default OUT with .jsonl)\n"
		"      --plot FILE          PNG of return vs weight memory (default OUT with .png)\n"
		"      --no-plot            no PNG\n"
		"      --json               one JSON object on stdout\n"
		"  -q, --quiet              no progress lines\n",
		sq_board_names());
}

typedef struct run {
	char *buf;
	size_t len, cap;
	bool quiet;
} run;

static void progress(void *ctx, const char *line)
{
	run *r = ctx;
	if (!r->quiet)
		fprintf(stderr, "%s\n", line);
}

static void append(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(run *r, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(r->buf ? r->buf + r->len : NULL, r->buf ? r->cap - r->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (r->buf && r->len + (size_t)n < r->cap) {
			r->len += (size_t)n;
			return;
		}
		size_t nc = (r->cap ? r->cap * 2 : 65536) + (size_t)n;
		char *nb = realloc(r->buf, nc);
		if (!nb)
			return;
		r->buf = nb;
		r->cap = nc;
	}
}

static void walk_json(run *r, const sq_ac_walk *w)
{
	append(r, "{\"walk\":%u,\"epsilon\":%.4f,\"layers\":[", w->index + 1, w->epsilon);
	for (uint32_t l = 0; l < w->n_layers; l++)
		append(r, "%s{\"sparsity\":%.4f,\"wbits\":%u,\"abits\":%u}", l ? "," : "",
		       w->choice[l].sparsity, w->choice[l].wbits, w->choice[l].abits);
	append(r, "],\"fits\":%s,\"evaluated\":%s", w->fits ? "true" : "false",
	       w->evaluated ? "true" : "false");
	if (w->evaluated)
		append(r, ",\"return\":%.4f,\"score\":%.4f", w->ret, w->score);
	else
		append(r, ",\"return\":null,\"score\":null");
	append(r, ",\"reward\":%.4f", w->reward);
	if (w->model_bits != UINT64_MAX)
		append(r, ",\"model_bits\":%llu,\"ebr\":%u,\"lc\":%u,\"dsp\":%u,\"nnz\":%llu,"
		       "\"cycles\":%llu,\"latency_us\":%.3f",
		       (unsigned long long)w->model_bits, w->ebr, w->lc, w->dsp,
		       (unsigned long long)w->nnz, (unsigned long long)w->cycles, w->latency_us);
	append(r, ",\"why\":\"");
	for (const char *p = w->why; *p; p++)
		if (*p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
			append(r, "%c", *p);
	append(r, "\"}\n");
}

static void on_walk(void *ctx, const sq_ac_walk *w)
{
	walk_json(ctx, w);
}

static char *sibling(const char *path, const char *ext)
{
	size_t n = strlen(path);
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		n = (size_t)(dot - path);
	char *s = malloc(n + strlen(ext) + 1);
	if (s) {
		memcpy(s, path, n);
		strcpy(s + n, ext);
	}
	return s;
}

/* Return against model memory: every walk evaluated, the walks over the
 * limits along the bottom, the Pareto front, the budget. */
static int write_plot(const sq_ac_result *res, const char *png, const char *title, sq_err *err)
{
	size_t n = strlen(png) + 40;
	char *dat = malloc(n), *tmp = malloc(n);
	int rc = SQ_OK;
	FILE *g = NULL;
	if (!dat || !tmp) {
		rc = sq_fail(err, SQ_E_NOMEM, "out of memory");
		goto out;
	}
	snprintf(dat, n, "%s.tmp.%ld.dat", png, (long)getpid());
	snprintf(tmp, n, "%s.tmp.%ld.png", png, (long)getpid());
	FILE *d = fopen(dat, "w");
	if (!d) {
		rc = sq_fail(err, SQ_E_IO, "%s: %s", dat, strerror(errno));
		goto out;
	}
	double lo = res->floor_ret;
	fprintf(d, "# evaluated: bits return\n");
	for (uint32_t i = 0; i < res->n_walks; i++)
		if (res->walks[i].evaluated)
			fprintf(d, "%llu %.4f\n", (unsigned long long)res->walks[i].model_bits,
				res->walks[i].ret);
	fprintf(d, "\n\n# over the limits: bits\n");
	for (uint32_t i = 0; i < res->n_walks; i++)
		if (!res->walks[i].fits && res->walks[i].model_bits != UINT64_MAX)
			fprintf(d, "%llu %.4f\n", (unsigned long long)res->walks[i].model_bits, lo);
	fprintf(d, "\n\n# Pareto front: bits return\n");
	/* the front, by increasing bits: each point returns more than every
	 * point with fewer bits */
	uint64_t last_bits = 0;
	double best = -INFINITY;
	for (;;) {
		int pick = -1;
		for (uint32_t i = 0; i < res->n_walks; i++) {
			const sq_ac_walk *w = &res->walks[i];
			if (!w->evaluated || w->model_bits < last_bits || w->ret <= best)
				continue;
			if (pick < 0 || w->model_bits < res->walks[pick].model_bits ||
			    (w->model_bits == res->walks[pick].model_bits && w->ret > res->walks[pick].ret))
				pick = (int)i;
		}
		if (pick < 0)
			break;
		/* the highest return at exactly these bits */
		const sq_ac_walk *w = &res->walks[pick];
		fprintf(d, "%llu %.4f\n", (unsigned long long)w->model_bits, w->ret);
		best = w->ret;
		last_bits = w->model_bits;
	}
	fclose(d);
	g = popen("gnuplot 2>/dev/null", "w");
	if (!g) {
		rc = sq_fail(err, SQ_E_IO, "cannot run gnuplot: %s", strerror(errno));
		goto out;
	}
	fprintf(g, "set terminal pngcairo size 900,550\nset output '%s'\n", tmp);
	fprintf(g, "set title '%s' noenhanced\nset xlabel 'weight memory used (bits)'\n", title);
	fprintf(g, "set ylabel 'mean return (short evaluation)'\nset grid\nset key outside bottom center horizontal\n");
	fprintf(g, "set arrow from %llu, graph 0 to %llu, graph 1 nohead dt 2 lc rgb 'red'\n",
		(unsigned long long)res->budget_bits, (unsigned long long)res->budget_bits);
	fprintf(g, "plot '%s' index 0 using 1:2 with points pt 7 ps 0.6 lc rgb '#4060c0' title 'walks that fit', "
		"'' index 1 using 1:2 with points pt 2 ps 0.6 lc rgb '#c04040' title 'over the limits (not evaluated)', "
		"'' index 2 using 1:2 with linespoints lw 2 pt 6 lc rgb 'black' title 'Pareto front', "
		"NaN with lines dt 2 lc rgb 'red' title 'budget'\n", dat);
	int st = pclose(g);
	if (st != 0) {
		rc = sq_fail(err, SQ_E_IO, "gnuplot failed (status %d) writing %s", st, png);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, png) != 0) {
		rc = sq_fail(err, SQ_E_IO, "%s: rename failed: %s", png, strerror(errno));
		unlink(tmp);
	}
out:
	if (dat)
		unlink(dat);
	free(dat);
	free(tmp);
	return rc;
}

static int parse_dlist(const char *s, double *out, uint32_t max, uint32_t *n)
{
	size_t k = 0;
	if (cli_parse_double_list(s, out, max, &k) || k == 0)
		return -1;
	for (size_t i = 0; i < k; i++)
		if (!(out[i] >= 0.0 && out[i] < 1.0))
			return -1;
	*n = (uint32_t)k;
	return 0;
}

static int parse_blist(const char *s, uint8_t *out, uint32_t max, uint32_t *n)
{
	uint32_t v[8];
	size_t k = 0;
	if (cli_parse_u32_list(s, 2, 16, v, max, &k) || k == 0)
		return -1;
	for (size_t i = 0; i < k; i++)
		out[i] = (uint8_t)v[i];
	*n = (uint32_t)k;
	return 0;
}

int cmd_autocompress(int argc, char **argv)
{
	enum { O_BOARD = 256, O_LANES, O_BF, O_BB, O_LAT, O_SEARCH, O_WALKS, O_EPS, O_FEPS,
	       O_FIN, O_FT, O_INIT, O_PR, O_UNBAL, O_UNCON, O_SP, O_WB, O_AB, O_ENV, O_SEED, O_LOG, O_PLOT, O_NOPLOT, O_JSON,
	       O_HELP };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "board", required_argument, 0, O_BOARD },
		{ "lanes", required_argument, 0, O_LANES },
		{ "budget-fraction", required_argument, 0, O_BF },
		{ "budget-bits", required_argument, 0, O_BB },
		{ "max-latency-us", required_argument, 0, O_LAT },
		{ "search", required_argument, 0, O_SEARCH },
		{ "walks", required_argument, 0, O_WALKS },
		{ "episodes", required_argument, 0, O_EPS },
		{ "final-episodes", required_argument, 0, O_FEPS },
		{ "finalists", required_argument, 0, O_FIN },
		{ "finetune-steps", required_argument, 0, O_FT },
		{ "init-steps", required_argument, 0, O_INIT },
		{ "prune-rounds", required_argument, 0, O_PR },
		{ "unbalanced", no_argument, 0, O_UNBAL },
		{ "unconstrained", no_argument, 0, O_UNCON },
		{ "sparsities", required_argument, 0, O_SP },
		{ "wbits", required_argument, 0, O_WB },
		{ "abits", required_argument, 0, O_AB },
		{ "env", required_argument, 0, O_ENV },
		{ "seed", required_argument, 0, O_SEED },
		{ "log", required_argument, 0, O_LOG },
		{ "plot", required_argument, 0, O_PLOT },
		{ "no-plot", no_argument, 0, O_NOPLOT },
		{ "json", no_argument, 0, O_JSON },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	sq_ac_opts o;
	const char *out_path = NULL, *env_name = NULL, *log_opt = NULL, *plot_opt = NULL;
	const char *board = "icebreaker";
	bool json = false, no_plot = false;
	run r = { 0 };
	int c;

	sq_ac_opts_init(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'q': r.quiet = true; break;
		case O_BOARD: board = optarg; break;
		case O_LANES:
			if (cli_parse_u32(optarg, 1, 16, &o.est.P))
				return cli_usage_error(CMD, "--lanes '%s': expected 1..16", optarg);
			break;
		case O_BF:
			if (cli_parse_double(optarg, 0.01, 100.0, &o.budget_fraction))
				return cli_usage_error(CMD, "--budget-fraction '%s': expected 0.01..100", optarg);
			break;
		case O_BB:
			if (cli_parse_u64(optarg, &o.budget_bits) || o.budget_bits == 0)
				return cli_usage_error(CMD, "--budget-bits '%s': expected a positive integer", optarg);
			break;
		case O_LAT:
			if (cli_parse_double(optarg, 0.001, 1e9, &o.max_latency_us))
				return cli_usage_error(CMD, "--max-latency-us '%s': expected a positive number", optarg);
			break;
		case O_SEARCH:
			if (!strcmp(optarg, "agent"))
				o.search = SQ_AC_AGENT;
			else if (!strcmp(optarg, "random"))
				o.search = SQ_AC_RANDOM;
			else if (!strcmp(optarg, "uniform"))
				o.search = SQ_AC_UNIFORM;
			else
				return cli_usage_error(CMD, "--search '%s': expected agent, random or uniform", optarg);
			break;
		case O_WALKS:
			if (cli_parse_u32(optarg, 1, 1000000, &o.walks))
				return cli_usage_error(CMD, "--walks '%s': expected 1..1000000", optarg);
			break;
		case O_EPS:
			if (cli_parse_u32(optarg, 1, 100000, &o.eval_episodes))
				return cli_usage_error(CMD, "--episodes '%s': expected 1..100000", optarg);
			break;
		case O_FEPS:
			if (cli_parse_u32(optarg, 1, 100000, &o.final_episodes))
				return cli_usage_error(CMD, "--final-episodes '%s': expected 1..100000", optarg);
			break;
		case O_FIN:
			if (cli_parse_u32(optarg, 1, 16, &o.finalists))
				return cli_usage_error(CMD, "--finalists '%s': expected 1..16", optarg);
			break;
		case O_FT:
			if (cli_parse_u32(optarg, 0, 10000000, &o.finetune_steps))
				return cli_usage_error(CMD, "--finetune-steps '%s': expected 0..10000000", optarg);
			break;
		case O_INIT:
			if (cli_parse_u32(optarg, 1, 10000000, &o.init_steps))
				return cli_usage_error(CMD, "--init-steps '%s': expected 1..10000000", optarg);
			break;
		case O_PR:
			if (cli_parse_u32(optarg, 1, 100, &o.prune_rounds))
				return cli_usage_error(CMD, "--prune-rounds '%s': expected 1..100", optarg);
			break;
		case O_UNBAL: o.balanced = false; break;
		case O_UNCON: o.constrain = false; break;
		case O_SP:
			if (parse_dlist(optarg, o.sparsity, 16, &o.n_sparsity))
				return cli_usage_error(CMD, "--sparsities '%s': expected 1..16 numbers in [0, 1)", optarg);
			break;
		case O_WB:
			if (parse_blist(optarg, o.wbits, 8, &o.n_wbits))
				return cli_usage_error(CMD, "--wbits '%s': expected 1..8 values in 2..16", optarg);
			break;
		case O_AB:
			if (parse_blist(optarg, o.abits, 8, &o.n_abits))
				return cli_usage_error(CMD, "--abits '%s': expected 1..8 values in 2..16", optarg);
			break;
		case O_ENV: env_name = optarg; break;
		case O_SEED:
			if (cli_parse_u64(optarg, &o.seed))
				return cli_usage_error(CMD, "--seed '%s': expected an unsigned integer", optarg);
			break;
		case O_LOG: log_opt = optarg; break;
		case O_PLOT: plot_opt = optarg; break;
		case O_NOPLOT: no_plot = true; break;
		case O_JSON: json = true; break;
		case O_HELP: usage(stdout); return 0;
		default:
			return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(CMD, "expected one IN.sqm");
	if (!out_path)
		return cli_usage_error(CMD, "-o OUT.sqm is required");
	if (sq_ac_n_actions(&o) > SQ_AC_MAX_ACTIONS)
		return cli_usage_error(CMD, "the action set has %u actions, at most %u",
				       sq_ac_n_actions(&o), SQ_AC_MAX_ACTIONS);
	o.board = sq_board_find(board);
	if (!o.board)
		return cli_usage_error(CMD, "--board '%s': unknown; boards: %s", board, sq_board_names());
	const char *in_path = argv[optind];
	sq_model *in = NULL;
	sq_err err;
	if (sqm_read_file(in_path, &in, &err))
		return cli_error(CMD, "%s", err.msg);
	int rc = 1;
	char *log_path = NULL, *png = NULL;
	sq_ac_result res;
	memset(&res, 0, sizeof res);
	if (!env_name)
		env_name = sq_meta_get(in, "env");
	const sq_env_spec *env = env_name ? sq_env_find(env_name) : NULL;
	if (!env) {
		rc = env_name ? cli_error(CMD, "%s: unknown env '%s'; envs: %s", in_path, env_name,
					  sq_env_names())
			      : cli_error(CMD, "%s: no 'env' metadata; give --env (%s)", in_path,
					  sq_env_names());
		goto out;
	}
	log_path = log_opt ? strdup(log_opt) : sibling(out_path, ".jsonl");
	png = plot_opt ? strdup(plot_opt) : sibling(out_path, ".png");
	if (!log_path || !png) {
		rc = cli_error(CMD, "out of memory");
		goto out;
	}
	o.progress = progress;
	o.on_walk = on_walk;
	o.ctx = &r;
	if (sq_autocompress(in, env, &o, &res, &err)) {
		rc = cli_error(CMD, "%s: %s", in_path, err.msg);
		goto out;
	}
	if (sq_write_atomic(log_path, r.buf ? r.buf : "", r.len, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto out;
	}
	if (!no_plot) {
		char title[200];
		snprintf(title, sizeof title, "sparq autocompress: %s on %s, %u walks", env->name,
			 o.board->name, res.n_walks);
		if (write_plot(&res, png, title, &err))
			fprintf(stderr, "sparq %s: warning: no plot: %s\n", CMD, err.msg);
	}
	if (!res.best) {
		rc = cli_error(CMD, "%s: no walk fitted the budget of %llu bits (uniform 90%%/8/8 needs %llu) on the %s; %u walks in %s",
			       in_path, (unsigned long long)res.budget_bits,
			       (unsigned long long)res.ref_bits, o.board->name, res.n_walks, log_path);
		goto out;
	}
	if (sqm_write_file(res.best, out_path, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto out;
	}
	const sq_estimate *e = &res.best_est;
	if (json) {
		printf("{\"output\":");
		cli_json_string(stdout, out_path);
		printf(",\"board\":\"%s\",\"search\":\"%s\",\"walks\":%u,\"fit\":%u,"
		       "\"budget_bits\":%llu,\"reference_bits\":%llu,\"model_bits\":%llu,"
		       "\"ebr\":%u,\"lc\":%u,\"dsp\":%u,\"cycles\":%llu,\"latency_us\":%.3f,"
		       "\"fits\":%s,\"return_mean\":%.4f,\"return_std\":%.4f,\"short_return\":%.4f,"
		       "\"layers\":[",
		       o.board->name, o.search == SQ_AC_AGENT ? "agent" : o.search == SQ_AC_RANDOM ? "random" : "uniform",
		       res.n_walks, res.n_fit, (unsigned long long)res.budget_bits,
		       (unsigned long long)res.ref_bits, (unsigned long long)e->model_bits, e->ebr,
		       e->lc, e->dsp, (unsigned long long)e->cycles, e->latency_us,
		       e->fits && e->model_bits <= res.budget_bits ? "true" : "false", res.best_final,
		       res.best_final_std, res.best_walk.ret);
		for (uint32_t l = 0; l < res.best_walk.n_layers; l++)
			printf("%s{\"sparsity\":%.4f,\"wbits\":%u,\"abits\":%u}", l ? "," : "",
			       res.best_walk.choice[l].sparsity, res.best_walk.choice[l].wbits,
			       res.best_walk.choice[l].abits);
		printf("],\"log\":");
		cli_json_string(stdout, log_path);
		printf("}\n");
	} else if (!r.quiet) {
		fprintf(stderr, "wrote %s: return %.2f +- %.2f over %u episodes, %llu weight-memory bits of %llu budget, %u EBR, %u LC, %u DSP, %llu cycles (%.2f us)\n",
			out_path, res.best_final, res.best_final_std, o.final_episodes,
			(unsigned long long)e->model_bits, (unsigned long long)res.budget_bits, e->ebr,
			e->lc, e->dsp, (unsigned long long)e->cycles, e->latency_us);
	}
	rc = 0;
out:
	sq_ac_result_free(&res);
	sq_model_free(in);
	free(log_path);
	free(png);
	free(r.buf);
	return rc;
}
