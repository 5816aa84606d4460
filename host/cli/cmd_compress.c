/*
 * cmd_compress.c - `sparq compress`: prune, fine-tune and quantize a float
 * model into a deployable fixed-point .sqm (docs/compression.md).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_compress_opts.h"
#include "compress.h"
#include "env.h"
#include "eval.h"
#include "sqm.h"

SQ_COMMAND(compress, "prune, fine-tune and quantize a float model into a fixed-point .sqm")

#define CMD "compress"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sparq compress IN.sqm -o OUT.sqm [options]\n"
		"\n"
		"Prunes the float network of IN.sqm to an exact sparsity (one shot or in\n"
		"rounds, each followed by fine-tuning), quantizes it with calibrated\n"
		"power-of-two scales (optionally after quantization-aware fine-tuning) and\n"
		"writes a fixed-point model that also keeps the pruned float payload.\n"
		"\n"
		"  -o, --output FILE        output model (required)\n"
		"      --sparsity S         share of zero weights, 0..1 (0.9)\n"
		"      --wbits N            weight bits, 2..16 (8)\n"
		"      --abits N            activation bits, 2..16 (8)\n"
		"      --env NAME           task (default: the model's 'env' metadata)\n"
		"      --prune M            magnitude | taylor (magnitude)\n"
		"      --scope S            layer | global (global)\n"
		"      --iterations K       prune/fine-tune rounds, cubic schedule (3)\n"
		"      --finetune-steps N   per round: distillation updates, or DQN\n"
		"                           transitions with --dqn (4000)\n"
		"      --distill            fine-tune by distillation from the input network\n"
		"                           on collected states (the default)\n"
		"      --dqn                fine-tune by continued DQN training instead\n"
		"                           (starts from the input's weights, no centering)\n"
		"      --no-reinit          distill starting from the input's weights (default:\n"
		"                           a fresh network, far easier to quantize)\n"
		"      --init-steps N       dense distillation of the fresh network (10000)\n"
		"      --no-center          distill Q-values (default: advantages, Q - mean Q,\n"
		"                           scaled to unit RMS; every action is unchanged)\n"
		"      --value-weight X     --no-center: weight of the state-value error (0.1)\n"
		"      --act-penalty X      weight of the mean squared hidden activation (0)\n"
		"      --no-equalize        no power-of-two equalization of hidden units\n"
		"      --no-dagger          distill on the teacher's states only (default: add\n"
		"                           the student's own states after each round)\n"
		"      --qat                quantization-aware fine-tuning (straight-through)\n"
		"      --qat-steps N        QAT updates (1000)\n"
		"      --anneal F           share of QAT over which quantization fades in (0)\n"
		"      --calib-states N     states collected for calibration/distillation (4096)\n"
		"      --eval-episodes N    greedy episodes per evaluation, 0 = none (100)\n"
		"      --seed S             seed of everything (1); evaluation uses S+1000\n"
		"      --batch N            distillation/QAT minibatch (64)\n"
		"      --lr X               distillation/QAT learning rate (1e-3)\n"
		"      --json               one JSON object on stdout\n"
		"  -q, --quiet              no progress lines on stderr\n");
}

static void progress(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void json_eval(const char *name, const sq_eval_result *e, int comma)
{
	printf("\"%s\":{\"episodes\":%u,\"mean\":%.4f,\"std\":%.4f,\"min\":%.4f,\"max\":%.4f",
	       name, e->episodes, e->mean, e->std, e->min, e->max);
	if (e->against_path)
		printf(",\"agreement\":%.6f", e->steps ? (double)e->agree / (double)e->steps : 0.0);
	printf("}%s", comma ? "," : "");
}

int cmd_compress(int argc, char **argv)
{
	enum { O_SPARSITY = 256, O_WBITS, O_ABITS, O_ENV,
	       O_DISTILL, O_ANNEAL, O_EVAL, O_SEED, O_BATCH,
	       O_LR, O_JSON, O_HELP, O_VW, O_NOCENTER, O_DQN, O_AP, O_NOREINIT, O_NOEQ, O_NODAGGER };
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "sparsity", required_argument, 0, O_SPARSITY },
		{ "wbits", required_argument, 0, O_WBITS },
		{ "abits", required_argument, 0, O_ABITS },
		{ "env", required_argument, 0, O_ENV },
		{ "distill", no_argument, 0, O_DISTILL },
		{ "anneal", required_argument, 0, O_ANNEAL },
		{ "eval-episodes", required_argument, 0, O_EVAL },
		{ "seed", required_argument, 0, O_SEED },
		{ "batch", required_argument, 0, O_BATCH },
		{ "lr", required_argument, 0, O_LR },
		{ "json", no_argument, 0, O_JSON },
		{ "value-weight", required_argument, 0, O_VW },
		{ "no-center", no_argument, 0, O_NOCENTER },
		{ "dqn", no_argument, 0, O_DQN },
		{ "act-penalty", required_argument, 0, O_AP },
		{ "no-reinit", no_argument, 0, O_NOREINIT },
		{ "no-equalize", no_argument, 0, O_NOEQ },
		{ "no-dagger", no_argument, 0, O_NODAGGER },
		CLI_COMPRESS_OPTIONS,
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	sq_compress_opts o;
	const char *out_path = NULL, *env_name = NULL;
	bool json = false, quiet = false;
	uint32_t u;
	int c, dr, rc = 1;

	sq_compress_opts_init(&o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:q", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'q': quiet = true; break;
		case O_SPARSITY:
			if (cli_parse_double(optarg, 0.0, 1.0, &o.sparsity))
				return cli_usage_error(CMD, "--sparsity '%s': expected a number in 0..1", optarg);
			break;
		case O_WBITS:
			if (cli_parse_u32(optarg, 2, 16, &u))
				return cli_usage_error(CMD, "--wbits '%s': expected 2..16", optarg);
			o.wbits = (uint8_t)u;
			break;
		case O_ABITS:
			if (cli_parse_u32(optarg, 2, 16, &u))
				return cli_usage_error(CMD, "--abits '%s': expected 2..16", optarg);
			o.abits = (uint8_t)u;
			break;
		case O_ENV: env_name = optarg; break;
		case O_DISTILL: o.distill = true; break;
		case O_ANNEAL:
			if (cli_parse_double(optarg, 0.0, 1.0, &o.anneal))
				return cli_usage_error(CMD, "--anneal '%s': expected a number in 0..1", optarg);
			break;
		case O_EVAL:
			if (cli_parse_u32(optarg, 0, 1000000, &o.eval_episodes))
				return cli_usage_error(CMD, "--eval-episodes '%s': expected 0..1000000", optarg);
			break;
		case O_SEED:
			if (cli_parse_u64(optarg, &o.seed))
				return cli_usage_error(CMD, "--seed '%s': expected an unsigned integer", optarg);
			break;
		case O_BATCH:
			if (cli_parse_u32(optarg, 1, 4096, &o.batch))
				return cli_usage_error(CMD, "--batch '%s': expected 1..4096", optarg);
			break;
		case O_LR:
			if (cli_parse_double(optarg, 1e-9, 0.5, &o.lr))
				return cli_usage_error(CMD, "--lr '%s': expected a number in 1e-9..0.5", optarg);
			break;
		case O_JSON: json = true; break;
		case O_VW:
			if (cli_parse_double(optarg, 0.0, 1e6, &o.value_weight))
				return cli_usage_error(CMD, "--value-weight '%s': expected a number >= 0", optarg);
			break;
		case O_NOCENTER: o.center = false; break;
		case O_DQN: o.distill = false; break;
		case O_NOREINIT: o.reinit = false; break;
		case O_NOEQ: o.equalize = false; break;
		case O_NODAGGER: o.dagger = false; break;
		case O_AP:
			if (cli_parse_double(optarg, 0.0, 1e6, &o.act_penalty))
				return cli_usage_error(CMD, "--act-penalty '%s': expected a number >= 0", optarg);
			break;
		case O_HELP: usage(stdout); return 0;
		default:
			if ((dr = cli_compress_option(CMD, c, optarg, &o)) >= 0) {
				if (dr)
					return dr;
				break;
			}
			return cli_usage_error(CMD, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "missing the input model");
	if (optind + 1 < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind + 1]);
	if (!out_path)
		return cli_usage_error(CMD, "missing -o OUT.sqm");
	const char *in_path = argv[optind];
	if (!quiet) {
		o.progress = progress;
		o.progress_ctx = NULL;
	}

	sq_model *in = NULL, *out = NULL;
	sq_err err;
	if (sqm_read_file(in_path, &in, &err))
		return cli_error(CMD, "%s", err.msg);
	if (!(in->flags & SQM_FLOAT)) {
		cli_error(CMD, "%s: no float payload to compress (flags 0x%x)", in_path, in->flags);
		goto out_free;
	}
	if (!env_name)
		env_name = sq_meta_get(in, "env");
	if (!env_name) {
		cli_error(CMD, "%s: no 'env' metadata; name the task with --env (%s)", in_path,
			  sq_env_names());
		goto out_free;
	}
	const sq_env_spec *env = sq_env_find(env_name);
	if (!env) {
		cli_error(CMD, "unknown environment '%s' (known: %s)", env_name, sq_env_names());
		goto out_free;
	}
	sq_eval_result ev[3];
	memset(ev, 0, sizeof ev);
	if (sq_compress_run(in, env, &o, &out, ev, &err)) {
		cli_error(CMD, "%s: %s", in_path, err.msg);
		goto out_free;
	}
	if (sqm_write_file(out, out_path, &err)) {
		cli_error(CMD, "%s", err.msg);
		goto out_free;
	}
	sq_compress_size sz;
	sq_compress_size_of(out, &sz);
	double sp = 1.0 - (double)sz.nnz / (double)sz.weights;
	if (json) {
		printf("{\"input\":");
		cli_json_string(stdout, in_path);
		printf(",\"output\":");
		cli_json_string(stdout, out_path);
		printf(",\"env\":");
		cli_json_string(stdout, env->name);
		printf(",\"sparsity_target\":%.6f,\"sparsity\":%.6f,\"wbits\":%u,\"abits\":%u,"
		       "\"nnz\":%llu,\"weights\":%llu,\"packed_bytes\":%llu,\"dense_bytes\":%llu,"
		       "\"bits_per_nnz\":%.3f,\"ratio\":%.3f",
		       o.sparsity, sp, o.wbits, o.abits, (unsigned long long)sz.nnz,
		       (unsigned long long)sz.weights, (unsigned long long)sz.packed_bytes,
		       (unsigned long long)sz.dense_bytes, sz.bits_per_nnz,
		       (double)sz.dense_bytes / (double)sz.packed_bytes);
		if (o.eval_episodes) {
			printf(",\"eval_seed\":%llu,", (unsigned long long)(o.seed + 1000));
			json_eval("reference", &ev[0], 1);
			json_eval("pruned_float", &ev[1], 1);
			json_eval("fixed", &ev[2], 0);
		}
		printf("}\n");
	} else {
		printf("%s -> %s (%s)\n", in_path, out_path, env->name);
		printf("  sparsity %.4f (target %.4f), w%u a%u, %llu of %llu weights\n", sp,
		       o.sparsity, o.wbits, o.abits, (unsigned long long)sz.nnz,
		       (unsigned long long)sz.weights);
		printf("  size %llu bytes packed vs %llu dense float32 (%.1fx), %.2f bits/nonzero\n",
		       (unsigned long long)sz.packed_bytes, (unsigned long long)sz.dense_bytes,
		       (double)sz.dense_bytes / (double)sz.packed_bytes, sz.bits_per_nnz);
		if (o.eval_episodes) {
			static const char *const name[3] = { "reference float", "pruned float",
							     "fixed point" };
			printf("  %u greedy episodes, seed %llu:\n", o.eval_episodes,
			       (unsigned long long)(o.seed + 1000));
			for (int i = 0; i < 3; i++) {
				printf("    %-16s return %8.2f +- %6.2f  [%g, %g]", name[i], ev[i].mean,
				       ev[i].std, ev[i].min, ev[i].max);
				if (i > 0)
					printf("  agreement %.4f",
					       ev[i].steps ? (double)ev[i].agree / (double)ev[i].steps : 0.0);
				printf("\n");
			}
		}
	}
	rc = 0;
out_free:
	sq_model_free(out);
	sq_model_free(in);
	return rc;
}
