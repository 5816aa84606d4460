/*
 * cmd_eval.c - `sparq eval`: greedy episodes of a model; fixed-point
 * payloads run through the golden model, float payloads through the float
 * pass; --against reports the action agreement of a second model on the
 * visited states.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "eval.h"
#include "sqm.h"

SQ_COMMAND(eval, "evaluate a model: mean/std/min/max return over greedy episodes")

static const char *CMD = "eval";

static void usage(void)
{
	printf(
"usage: sparq eval MODEL.sqm [--episodes N] [--seed S] [--json] [--against OTHER.sqm]\n"
"\n"
"Runs N greedy episodes (default 100) from seed S (default 1) and prints the\n"
"mean, std, min and max return. A fixed-point payload runs through the golden\n"
"model (observations quantized as on the board), a float payload through the\n"
"float pass.\n"
"\n"
"  --env NAME          environment (default: the model's `env` metadata)\n"
"  --path fixed|float  which payload of MODEL to run (default: fixed if present)\n"
"  --against OTHER     also run OTHER on every visited state; report how often\n"
"                      it picks the same action\n"
"  --against-path fixed|float   payload of OTHER (default: fixed if present)\n"
"  --returns           list every episode's return (text) / always in --json\n"
"  --json              one JSON object on stdout\n");
}

static int parse_path(const char *s, int *out)
{
	if (strcmp(s, "fixed") == 0)
		*out = SQ_EVAL_FIXED;
	else if (strcmp(s, "float") == 0)
		*out = SQ_EVAL_FLOAT;
	else if (strcmp(s, "auto") == 0)
		*out = SQ_EVAL_AUTO;
	else
		return -1;
	return 0;
}

static const char *path_name(int p)
{
	return p == SQ_EVAL_FIXED ? "fixed" : "float";
}

int cmd_eval(int argc, char **argv)
{
	enum { O_EPS = 256, O_SEED, O_JSON, O_AGAINST, O_ENV, O_PATH, O_APATH, O_RETURNS, O_HELP };
	static const struct option opts[] = {
		{ "episodes", required_argument, 0, O_EPS },
		{ "seed", required_argument, 0, O_SEED },
		{ "json", no_argument, 0, O_JSON },
		{ "against", required_argument, 0, O_AGAINST },
		{ "env", required_argument, 0, O_ENV },
		{ "path", required_argument, 0, O_PATH },
		{ "against-path", required_argument, 0, O_APATH },
		{ "returns", no_argument, 0, O_RETURNS },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	uint32_t episodes = 100;
	uint64_t seed = 1;
	int json = 0, list = 0, path = SQ_EVAL_AUTO, apath = SQ_EVAL_AUTO, ch;
	const char *against = NULL, *env_name = NULL, *model = NULL;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case O_HELP:
			usage();
			return 0;
		case O_EPS:
			if (cli_parse_u32(optarg, 1, 10000000, &episodes))
				return cli_usage_error(CMD, "--episodes '%s' (expected 1..10000000)", optarg);
			break;
		case O_SEED:
			if (cli_parse_u64(optarg, &seed))
				return cli_usage_error(CMD, "--seed '%s' is not a whole number", optarg);
			break;
		case O_JSON: json = 1; break;
		case O_RETURNS: list = 1; break;
		case O_AGAINST: against = optarg; break;
		case O_ENV: env_name = optarg; break;
		case O_PATH:
			if (parse_path(optarg, &path))
				return cli_usage_error(CMD, "--path '%s' (expected fixed or float)", optarg);
			break;
		case O_APATH:
			if (parse_path(optarg, &apath))
				return cli_usage_error(CMD, "--against-path '%s' (expected fixed or float)", optarg);
			break;
		default:
			return cli_usage_error(CMD, "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(CMD, "missing MODEL.sqm");
	model = argv[optind];
	if (optind + 1 < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind + 1]);

	int rc = 1;
	sq_err err;
	sq_model *m = NULL, *a = NULL;
	double *returns = NULL;
	if (sqm_read_file(model, &m, &err)) {
		rc = cli_error(CMD, "%s", err.msg);
		goto done;
	}
	if (!env_name)
		env_name = sq_meta_get(m, "env");
	if (!env_name) {
		rc = cli_usage_error(CMD, "%s has no `env` metadata; pass --env (one of %s)", model,
				     sq_env_names());
		goto done;
	}
	const sq_env_spec *env = sq_env_find(env_name);
	if (!env) {
		rc = cli_error(CMD, "unknown environment '%s' (known: %s)", env_name, sq_env_names());
		goto done;
	}
	if (against && sqm_read_file(against, &a, &err)) {
		rc = cli_error(CMD, "--against: %s", err.msg);
		goto done;
	}
	returns = malloc((size_t)episodes * sizeof *returns);
	if (!returns) {
		rc = cli_error(CMD, "out of memory for %u episodes", episodes);
		goto done;
	}
	sq_eval_result r;
	if (sq_eval_model(m, path, env, episodes, seed, a, apath, &r, returns, &err)) {
		rc = cli_error(CMD, "%s: %s", model, err.msg);
		goto done;
	}
	if (json) {
		printf("{\"model\":");
		cli_json_string(stdout, model);
		printf(",\"env\":");
		cli_json_string(stdout, env->name);
		printf(",\"path\":\"%s\",\"episodes\":%u,\"seed\":%llu,\"mean\":%.4f,\"std\":%.4f,"
		       "\"min\":%.4f,\"max\":%.4f,\"steps\":%llu,\"returns\":[",
		       path_name(r.path), r.episodes, (unsigned long long)seed, r.mean, r.std, r.min,
		       r.max, (unsigned long long)r.steps);
		for (uint32_t k = 0; k < episodes; k++)
			printf("%s%g", k ? "," : "", returns[k]);
		printf("]");
		if (a) {
			printf(",\"against\":{\"model\":");
			cli_json_string(stdout, against);
			printf(",\"path\":\"%s\",\"states\":%llu,\"agree\":%llu,\"agreement\":%.6f}",
			       path_name(r.against_path), (unsigned long long)r.steps,
			       (unsigned long long)r.agree, r.steps ? (double)r.agree / (double)r.steps : 0.0);
		}
		printf("}\n");
	} else {
		printf("%s: %s, %s payload (%s), %u episodes, seed %llu\n", model, env->name,
		       path_name(r.path), r.path == SQ_EVAL_FIXED ? "golden model" : "float pass",
		       r.episodes, (unsigned long long)seed);
		printf("return: mean %.2f  std %.2f  min %.1f  max %.1f  (%llu steps)\n", r.mean,
		       r.std, r.min, r.max, (unsigned long long)r.steps);
		if (a)
			printf("against %s (%s): same action on %llu of %llu states (%.2f%%)\n", against,
			       path_name(r.against_path), (unsigned long long)r.agree,
			       (unsigned long long)r.steps,
			       r.steps ? 100.0 * (double)r.agree / (double)r.steps : 0.0);
		if (list) {
			for (uint32_t k = 0; k < episodes; k++)
				printf("%s%g", k ? " " : "", returns[k]);
			printf("\n");
		}
	}
	rc = 0;
done:
	free(returns);
	sq_model_free(m);
	sq_model_free(a);
	return rc;
}
