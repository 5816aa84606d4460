/*
 * cmd_random.c - `sparq random`: writes a random deployable model
 * (host/randmodel.h) for tests and benchmarks.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "randmodel.h"
#include "sqm.h"

SQ_COMMAND(random, "write a random deployable fixed-point model (tests, benchmarks)")

static const char usage_text[] =
	"usage: sparq random --layers 4,64,64,2 [options] -o m.sqm\n"
	"\n"
	"Writes a random valid FIXED model: exactly round((1-sparsity)*in*out)\n"
	"nonzeros per layer, shifts and biases chosen so that hidden activations\n"
	"mix zeros, saturation and mid-range values for random inputs.\n"
	"\n"
	"  --layers D0,D1,..,DL  widths, inputs first, actions last (2..17 values, each 1..4096)\n"
	"  --sparsity S          share of zero weights, 0..1 (default 0.9)\n"
	"  --wbits B[,B..]       weight bits, one value or one per layer, 2..16 (default 8)\n"
	"  --abits B[,B..]       input activation bits of each layer, 2..16 (default 8)\n"
	"  --lanes P             lane count recorded in the metadata, 1..16 (default 8)\n"
	"  --seed N              random seed (default 7)\n"
	"  --dueling-float       also store a float payload with dueling heads\n"
	"  -o, --output FILE     the .sqm file to write (atomically)\n"
	"  --json                print a JSON summary\n";

/* One value for every layer, or exactly one per layer. */
static int parse_bits(const char *what, const char *s, uint32_t n_layers, uint8_t *out)
{
	uint32_t v[SQ_MAX_LAYERS];
	size_t n = 0;
	if (cli_parse_u32_list(s, 2, 16, v, SQ_MAX_LAYERS, &n))
		return cli_usage_error("random", "--%s '%s': expected one value or a comma list, each 2..16",
				       what, s);
	if (n != 1 && n != n_layers)
		return cli_usage_error("random", "--%s has %zu values; the model has %u layers (give 1 or %u)",
				       what, n, n_layers, n_layers);
	for (uint32_t l = 0; l < n_layers; l++)
		out[l] = (uint8_t)(n == 1 ? v[0] : v[l]);
	return 0;
}

int cmd_random(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'L' },
		{ "sparsity", required_argument, NULL, 's' },
		{ "wbits", required_argument, NULL, 'w' },
		{ "abits", required_argument, NULL, 'a' },
		{ "lanes", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "dueling-float", no_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sq_randmodel_opts o;
	const char *layers = NULL, *wbits = NULL, *abits = NULL, *out = NULL;
	int json = 0, c, rc;

	sq_randmodel_defaults(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case 'L': layers = optarg; break;
		case 'w': wbits = optarg; break;
		case 'a': abits = optarg; break;
		case 'o': out = optarg; break;
		case 'd': o.dueling_float = true; break;
		case 'j': json = 1; break;
		case 's':
			if (cli_parse_double(optarg, 0.0, 1.0, &o.sparsity))
				return cli_usage_error("random", "--sparsity '%s': expected a number in 0..1", optarg);
			break;
		case 'p':
			if (cli_parse_u32(optarg, 1, 16, &o.lanes))
				return cli_usage_error("random", "--lanes '%s': expected 1..16", optarg);
			break;
		case 'S':
			if (cli_parse_u64(optarg, &o.seed))
				return cli_usage_error("random", "--seed '%s': expected an unsigned integer", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("random", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("random", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("random", "unexpected argument '%s'", argv[optind]);
	if (!out)
		return cli_usage_error("random", "no output file (-o m.sqm)");
	if (!layers)
		return cli_usage_error("random", "no --layers (e.g. --layers 4,64,64,2)");

	size_t n = 0;
	if (cli_parse_u32_list(layers, 1, SQ_MAX_DIM, o.dims, SQ_MAX_LAYERS + 1, &n))
		return cli_usage_error("random", "--layers '%s': expected 2..%u comma-separated widths, each 1..%u",
				       layers, SQ_MAX_LAYERS + 1, SQ_MAX_DIM);
	if (n < 2)
		return cli_usage_error("random", "--layers '%s': need at least 2 widths (inputs, actions)", layers);
	o.n_layers = (uint32_t)n - 1;
	if (wbits && (rc = parse_bits("wbits", wbits, o.n_layers, o.wbits)))
		return rc;
	if (abits && (rc = parse_bits("abits", abits, o.n_layers, o.abits)))
		return rc;

	sq_model *m = NULL;
	sq_err err;
	if (sq_random_model(&o, &m, &err))
		return cli_error("random", "%s", err.msg);
	rc = sqm_write_file(m, out, &err);
	if (rc) {
		sq_model_free(m);
		return cli_error("random", "%s", err.msg);
	}
	if (json) {
		printf("{\"file\":");
		cli_json_string(stdout, out);
		printf(",\"dims\":[");
		for (uint32_t i = 0; i <= m->n_layers; i++)
			printf("%s%u", i ? "," : "", m->dims[i]);
		printf("],\"nnz\":[");
		for (uint32_t l = 0; l < m->n_layers; l++)
			printf("%s%u", l ? "," : "", m->q[l].nnz);
		printf("],\"acc_bits\":[");
		for (uint32_t l = 0; l < m->n_layers; l++)
			printf("%s%u", l ? "," : "", m->q[l].acc_bits);
		printf("],\"seed\":%llu}\n", (unsigned long long)o.seed);
	} else {
		printf("wrote %s: ", out);
		for (uint32_t i = 0; i <= m->n_layers; i++)
			printf("%s%u", i ? "-" : "", m->dims[i]);
		printf(", nnz");
		for (uint32_t l = 0; l < m->n_layers; l++)
			printf("%s%u", l ? "+" : " ", m->q[l].nnz);
		printf(", seed %llu\n", (unsigned long long)o.seed);
	}
	sq_model_free(m);
	return 0;
}
