/*
 * cmd_info.c - `sparq info`: a model's shape, payloads, per-layer widths,
 * sparsity and size figures (docs/model-format.md "Size figures"), the lane
 * balance of its exported image for P lanes, and its metadata.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "modelinfo.h"
#include "sqm.h"

SQ_COMMAND(info, "show a model's shape, widths, sparsity, sizes and lane balance")

static const char usage_text[] =
	"usage: sparq info m.sqm [--json] [--lanes P]\n"
	"\n"
	"  --lanes P   lane count for the balance figures, 1..16 (default: the\n"
	"              model's 'lanes' metadata, else 8)\n"
	"  --json      one JSON object on stdout\n";

/* The image for the balance figures: the default configuration with P lanes,
 * or, if the model does not fit it, the largest one (fit_msg says why). */
static sq_image *balance_image(const sq_model *m, uint32_t P, char *fit_msg, size_t n)
{
	sq_hwcfg c;
	sq_image *img = NULL;
	sq_err err;
	fit_msg[0] = '\0';
	sq_hwcfg_default(&c, P);
	if (sq_export_image(m, &c, &img, &err) == 0)
		return img;
	snprintf(fit_msg, n, "%s", err.msg);
	c.AW = c.WW = 16;
	c.ACCW = 48;
	c.MAXW = SQ_MAX_DIM;
	c.MAXL = SQ_MAX_LAYERS;
	c.LG_WD = c.LG_RD = 16;
	if (sq_export_image(m, &c, &img, &err) == 0)
		return img;
	return NULL;
}

static void print_float_payload(const sq_model *m, int json)
{
	for (uint32_t l = 0; l < m->n_layers; l++) {
		const sq_flayer *F = &m->f[l];
		uint64_t total = (uint64_t)F->rows * F->in_dim, nz = 0;
		for (uint64_t i = 0; i < total; i++)
			nz += F->w[i] != 0.0f;
		double sp = total ? 1.0 - (double)nz / (double)total : 0.0;
		if (json)
			printf("%s{\"layer\":%u,\"in\":%u,\"rows\":%u,\"nonzero\":%llu,\"sparsity\":%.6f}",
			       l ? "," : "", l, F->in_dim, F->rows, (unsigned long long)nz, sp);
		else
			printf("  float layer %u: %u -> %u rows, %llu nonzero weights, sparsity %.3f\n",
			       l, F->in_dim, F->rows, (unsigned long long)nz, sp);
	}
}

static void print_text(const char *path, const sq_model *m, const sq_image *img,
		       const char *fit_msg, uint32_t P)
{
	printf("%s: ", path);
	for (uint32_t i = 0; i <= m->n_layers; i++)
		printf("%s%u", i ? "-" : "", m->dims[i]);
	printf(", %u layer%s, payloads:%s%s%s\n", m->n_layers, m->n_layers == 1 ? "" : "s",
	       (m->flags & SQM_FIXED) ? " fixed" : "", (m->flags & SQM_FLOAT) ? " float" : "",
	       (m->flags & SQM_DUELING) ? " (dueling heads)" : "");
	if (m->flags & SQM_FIXED) {
		int emin = 0, emax = 0;
		for (uint32_t i = 0; i < m->dims[0]; i++) {
			if (i == 0 || m->in_exp[i] < emin)
				emin = m->in_exp[i];
			if (i == 0 || m->in_exp[i] > emax)
				emax = m->in_exp[i];
		}
		printf("input: %u features, %u bits, exponents %d..%d\n", m->dims[0],
		       m->q[0].abits_in, emin, emax);
		printf("layer    in   out  W  A  acc       nnz  sparsity  shifts  bits/nz  packed_B   dense_B\n");
		for (uint32_t l = 0; l < m->n_layers; l++) {
			sq_layer_info li;
			char sh[24];
			sq_layer_info_get(m, l, &li);
			if (l + 1 == m->n_layers)
				snprintf(sh, sizeof sh, "-");
			else
				snprintf(sh, sizeof sh, "%d..%d", li.shift_min, li.shift_max);
			printf("%5u %5u %5u %2u %2u %4u %9u  %8.4f  %6s  %7u  %8llu  %8llu\n", l,
			       li.in_dim, li.out_dim, li.wbits, li.abits_in, li.acc_bits, li.nnz,
			       li.sparsity, sh, li.bits_per_nz,
			       (unsigned long long)((li.packed_bits + 7) / 8),
			       (unsigned long long)li.dense_bytes);
		}
		uint64_t packed, dense;
		sq_model_sizes(m, &packed, &dense);
		printf("size: %llu bytes packed, %llu bytes dense float32, ratio %.2fx\n",
		       (unsigned long long)packed, (unsigned long long)dense,
		       packed ? (double)dense / (double)packed : 0.0);
		if (fit_msg[0])
			printf("lanes: does not fit the default configuration (P=%u): %s\n", P, fit_msg);
		if (img) {
			printf("lanes P=%u%s:\n", P, fit_msg[0] ? " (largest configuration)" : "");
			for (uint32_t l = 0; l < m->n_layers; l++) {
				sq_lane_info ln;
				sq_lane_info_get(m, img, l, &ln);
				printf("  layer %u: %u of %u rows computed, %u rounds, %u cycles (bound %llu), "
				       "nnz per lane min %u mean %.1f max %u\n",
				       l, ln.rows, m->dims[l + 1], ln.rounds, ln.words,
				       (unsigned long long)ln.bound, ln.nnz_min, ln.nnz_mean, ln.nnz_max);
			}
			printf("  total: %u cycles of rounds, bound %llu, ratio %.3f\n", img->n_words,
			       (unsigned long long)img->cycles_bound,
			       img->cycles_bound ? (double)img->n_words / (double)img->cycles_bound : 0.0);
			printf("  simplified at export: %u constant rows folded, %u dead rows removed\n",
			       img->rows_const, img->rows_dead);
		}
	}
	if (m->flags & SQM_FLOAT)
		print_float_payload(m, 0);
	if (m->n_meta) {
		printf("metadata:\n");
		for (uint32_t i = 0; i < m->n_meta; i++)
			printf("  %s = %s\n", m->meta[i].key, m->meta[i].value);
	}
}

static void print_json(const char *path, const sq_model *m, const sq_image *img,
		       const char *fit_msg, uint32_t P)
{
	printf("{\"file\":");
	cli_json_string(stdout, path);
	printf(",\"dims\":[");
	for (uint32_t i = 0; i <= m->n_layers; i++)
		printf("%s%u", i ? "," : "", m->dims[i]);
	printf("],\"fixed\":%s,\"float\":%s,\"dueling\":%s",
	       (m->flags & SQM_FIXED) ? "true" : "false", (m->flags & SQM_FLOAT) ? "true" : "false",
	       (m->flags & SQM_DUELING) ? "true" : "false");
	if (m->flags & SQM_FIXED) {
		printf(",\"input\":{\"abits\":%u,\"exp\":[", m->q[0].abits_in);
		for (uint32_t i = 0; i < m->dims[0]; i++)
			printf("%s%d", i ? "," : "", m->in_exp[i]);
		printf("]},\"layers\":[");
		for (uint32_t l = 0; l < m->n_layers; l++) {
			sq_layer_info li;
			sq_layer_info_get(m, l, &li);
			printf("%s{\"layer\":%u,\"in\":%u,\"out\":%u,\"wbits\":%u,\"abits_in\":%u,"
			       "\"acc_bits\":%u,\"nnz\":%u,\"sparsity\":%.6f,\"shift_min\":%d,"
			       "\"shift_max\":%d,\"w_exp_min\":%d,\"w_exp_max\":%d,\"bits_per_nz\":%u,"
			       "\"packed_bytes\":%llu,\"dense_bytes\":%llu}",
			       l ? "," : "", l, li.in_dim, li.out_dim, li.wbits, li.abits_in,
			       li.acc_bits, li.nnz, li.sparsity, li.shift_min, li.shift_max,
			       li.w_exp_min, li.w_exp_max, li.bits_per_nz,
			       (unsigned long long)((li.packed_bits + 7) / 8),
			       (unsigned long long)li.dense_bytes);
		}
		uint64_t packed, dense;
		sq_model_sizes(m, &packed, &dense);
		printf("],\"packed_bytes\":%llu,\"dense_bytes\":%llu,\"ratio\":%.4f",
		       (unsigned long long)packed, (unsigned long long)dense,
		       packed ? (double)dense / (double)packed : 0.0);
		printf(",\"lanes\":{\"P\":%u,\"fits_default\":%s", P, fit_msg[0] ? "false" : "true");
		if (fit_msg[0]) {
			printf(",\"fit_error\":");
			cli_json_string(stdout, fit_msg);
		}
		if (img) {
			printf(",\"layers\":[");
			for (uint32_t l = 0; l < m->n_layers; l++) {
				sq_lane_info ln;
				sq_lane_info_get(m, img, l, &ln);
				printf("%s{\"rows\":%u,\"rounds\":%u,\"cycles\":%u,\"bound\":%llu,"
				       "\"nnz_min\":%u,\"nnz_mean\":%.3f,\"nnz_max\":%u}",
				       l ? "," : "", ln.rows, ln.rounds, ln.words,
				       (unsigned long long)ln.bound, ln.nnz_min, ln.nnz_mean, ln.nnz_max);
			}
			printf("],\"cycles\":%u,\"cycles_bound\":%llu,\"rows_const\":%u,"
			       "\"rows_dead\":%u", img->n_words,
			       (unsigned long long)img->cycles_bound, img->rows_const, img->rows_dead);
		}
		printf("}");
	}
	if (m->flags & SQM_FLOAT) {
		printf(",\"float_layers\":[");
		print_float_payload(m, 1);
		printf("]");
	}
	printf(",\"metadata\":{");
	for (uint32_t i = 0; i < m->n_meta; i++) {
		if (i)
			printf(",");
		cli_json_string(stdout, m->meta[i].key);
		printf(":");
		cli_json_string(stdout, m->meta[i].value);
	}
	printf("}}\n");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "lanes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, c;
	uint32_t P = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'p':
			if (cli_parse_u32(optarg, 1, 16, &P))
				return cli_usage_error("info", "--lanes '%s': expected 1..16", optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("info", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("info", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("info", "no model file given");
	if (optind + 1 < argc)
		return cli_usage_error("info", "unexpected argument '%s'", argv[optind + 1]);
	const char *path = argv[optind];

	sq_model *m = NULL;
	sq_err err;
	if (sqm_read_file(path, &m, &err))
		return cli_error("info", "%s", err.msg);
	if (!P)
		P = sq_model_lanes(m, 8);
	char fit_msg[sizeof err.msg] = "";
	sq_image *img = NULL;
	if (m->flags & SQM_FIXED)
		img = balance_image(m, P, fit_msg, sizeof fit_msg);
	if (json)
		print_json(path, m, img, fit_msg, P);
	else
		print_text(path, m, img, fit_msg, P);
	sq_image_free(img);
	sq_model_free(m);
	return 0;
}
