/*
 * cmd_infer.c - `sparq infer`: one inference on the host. Fixed payloads run
 * through the golden model (the same integers the hardware computes); float
 * payloads, or --float, through the float forward pass.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "golden.h"
#include "sqm.h"

SQ_COMMAND(infer, "run one observation through a model (golden model or float pass)")

static const char usage_text[] =
	"usage: sparq infer m.sqm --obs X0,X1,... [--float] [--json]\n"
	"\n"
	"  --obs LIST   the observation, one number per input feature\n"
	"  --float      use the float payload (the default when there is no fixed one)\n"
	"  --json       one JSON object on stdout\n"
	"\n"
	"Fixed payloads print the quantized inputs, the Q-values as integers\n"
	"(accumulators) and as floats, and the action (argmax, lowest index on ties).\n";

static void print_doubles(const double *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		printf("%s%.17g", i ? "," : "", v[i]);
}

int cmd_infer(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "obs", required_argument, NULL, 'x' },
		{ "float", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, use_float = 0, c, rc = 1;
	const char *obs_arg = NULL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'x': obs_arg = optarg; break;
		case 'f': use_float = 1; break;
		case 'j': json = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("infer", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("infer", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("infer", "no model file given");
	if (optind + 1 < argc)
		return cli_usage_error("infer", "unexpected argument '%s'", argv[optind + 1]);
	if (!obs_arg)
		return cli_usage_error("infer", "no observation (--obs X0,X1,...)");
	const char *path = argv[optind];

	double obs[SQ_MAX_DIM];
	size_t n_obs = 0;
	if (cli_parse_double_list(obs_arg, obs, SQ_MAX_DIM, &n_obs))
		return cli_usage_error("infer", "--obs '%s': expected comma-separated finite numbers", obs_arg);

	sq_model *m = NULL;
	sq_err err;
	if (sqm_read_file(path, &m, &err))
		return cli_error("infer", "%s", err.msg);
	sq_golden_ws *ws = malloc(sizeof *ws);
	if (!ws) {
		rc = cli_error("infer", "out of memory");
		goto out_free;
	}
	uint32_t n_in = m->dims[0], n_act = m->dims[m->n_layers];
	if (n_obs != n_in) {
		rc = cli_error("infer", "--obs has %zu values; %s takes %u", n_obs, path, n_in);
		goto out_free;
	}
	if (use_float && !(m->flags & SQM_FLOAT)) {
		rc = cli_error("infer", "%s has no float payload (--float)", path);
		goto out_free;
	}
	if (!(m->flags & SQM_FIXED))
		use_float = 1;

	if (use_float) {
		double qv[SQ_MAX_DIM];
		uint32_t a = sq_float_forward(m, obs, qv, ws);
		if (json) {
			printf("{\"payload\":\"float\",\"action\":%u,\"q_float\":[", a);
			print_doubles(qv, n_act);
			printf("]}\n");
		} else {
			printf("action %u (float payload)\n", a);
			for (uint32_t k = 0; k < n_act; k++)
				printf("  Q[%u] = %.9g\n", k, qv[k]);
		}
	} else {
		int32_t q[SQ_MAX_DIM];
		int64_t qv[SQ_MAX_DIM];
		double qf[SQ_MAX_DIM];
		sq_quantize_obs(m, obs, q);
		uint32_t a = sq_golden_infer(m, q, qv, ws, NULL);
		for (uint32_t k = 0; k < n_act; k++)
			qf[k] = sq_q_to_double(m, k, qv[k]);
		if (json) {
			printf("{\"payload\":\"fixed\",\"action\":%u,\"obs_q\":[", a);
			for (uint32_t i = 0; i < n_in; i++)
				printf("%s%d", i ? "," : "", q[i]);
			printf("],\"q\":[");
			for (uint32_t k = 0; k < n_act; k++)
				printf("%s%lld", k ? "," : "", (long long)qv[k]);
			printf("],\"q_float\":[");
			print_doubles(qf, n_act);
			printf("]}\n");
		} else {
			printf("action %u (fixed payload, golden model)\n", a);
			printf("  inputs quantized:");
			for (uint32_t i = 0; i < n_in; i++)
				printf(" %d", q[i]);
			printf("\n");
			for (uint32_t k = 0; k < n_act; k++)
				printf("  Q[%u] = %lld (%.9g)\n", k, (long long)qv[k], qf[k]);
		}
	}
	rc = 0;
out_free:
	free(ws);
	sq_model_free(m);
	return rc;
}
