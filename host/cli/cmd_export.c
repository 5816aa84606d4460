/*
 * cmd_export.c - `sparq export`: the core's memory images of a model
 * (lt.hex rt.hex wm.hex pm.hex config.vh, docs/architecture.md) for one
 * hardware configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "modelinfo.h"
#include "sqm.h"

SQ_COMMAND(export, "write the core's memory images ($readmemh) of a model")

static const char usage_text[] =
	"usage: sparq export m.sqm [--lanes P] [configuration] -o DIR\n"
	"\n"
	"Writes DIR/lt.hex rt.hex wm.hex pm.hex config.vh (each atomically).\n"
	"The configuration defaults to rtl/sq_core.v's parameters:\n"
	"  --lanes P     lanes, 1..16 (default: the model's 'lanes' metadata, else 8)\n"
	"  --aw N        max activation bits, 2..16 (8)\n"
	"  --ww N        max weight bits, 2..16 (8)\n"
	"  --accw N      accumulator bits, 8..48 (32)\n"
	"  --maxw N      max layer width, 1..4096 (256)\n"
	"  --maxl N      max layers, 1..16 (8)\n"
	"  --lg-wd N     log2 weight memory depth, 1..16 (12)\n"
	"  --lg-rd N     log2 round table / parameter memory depth, 1..16 (9)\n"
	"  --no-simplify compute every row: no folding of constant rows, no removal\n"
	"                of dead rows (docs/architecture.md \"Simplification\")\n"
	"  --keep-shape  simplify, but keep the removed rows in the layout as padding\n"
	"                rows, so the layer table depends on the shape only (a\n"
	"                bitstream patchable with any model of that shape)\n"
	"  -o, --output DIR   output folder (created if needed)\n"
	"  --json        one JSON object on stdout\n";

struct cfg_opt {
	const char *name;
	uint32_t lo, hi;
	size_t off;
};

static const struct cfg_opt cfg_opts[] = {
	{ "aw", 2, 16, offsetof(sq_hwcfg, AW) },
	{ "ww", 2, 16, offsetof(sq_hwcfg, WW) },
	{ "accw", 8, 48, offsetof(sq_hwcfg, ACCW) },
	{ "maxw", 1, SQ_MAX_DIM, offsetof(sq_hwcfg, MAXW) },
	{ "maxl", 1, SQ_MAX_LAYERS, offsetof(sq_hwcfg, MAXL) },
	{ "lg-wd", 1, 16, offsetof(sq_hwcfg, LG_WD) },
	{ "lg-rd", 1, 16, offsetof(sq_hwcfg, LG_RD) },
};
#define N_CFG (sizeof cfg_opts / sizeof cfg_opts[0])

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lanes", required_argument, NULL, 'p' },
		{ "aw", required_argument, NULL, 1000 },
		{ "ww", required_argument, NULL, 1001 },
		{ "accw", required_argument, NULL, 1002 },
		{ "maxw", required_argument, NULL, 1003 },
		{ "maxl", required_argument, NULL, 1004 },
		{ "lg-wd", required_argument, NULL, 1005 },
		{ "lg-rd", required_argument, NULL, 1006 },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-simplify", no_argument, NULL, 's' },
		{ "keep-shape", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t P = 0, set[N_CFG], val[N_CFG];
	const char *dir = NULL;
	int json = 0, keep_all = 0, keep_shape = 0, c, rc = 1;

	memset(set, 0, sizeof set);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		if (c >= 1000 && c < 1000 + (int)N_CFG) {
			const struct cfg_opt *o = &cfg_opts[c - 1000];
			if (cli_parse_u32(optarg, o->lo, o->hi, &val[c - 1000]))
				return cli_usage_error("export", "--%s '%s': expected %u..%u",
						       o->name, optarg, o->lo, o->hi);
			set[c - 1000] = 1;
			continue;
		}
		switch (c) {
		case 'p':
			if (cli_parse_u32(optarg, 1, 16, &P))
				return cli_usage_error("export", "--lanes '%s': expected 1..16", optarg);
			break;
		case 'o': dir = optarg; break;
		case 'j': json = 1; break;
		case 's': keep_all = 1; break;
		case 'k': keep_shape = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("export", "%s needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("export", "no model file given");
	if (optind + 1 < argc)
		return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
	if (!dir)
		return cli_usage_error("export", "no output folder (-o DIR)");
	if (keep_all && keep_shape)
		return cli_usage_error("export", "--no-simplify and --keep-shape exclude each other");
	const char *path = argv[optind];

	sq_model *m = NULL;
	sq_image *img = NULL;
	sq_err err;
	if (sqm_read_file(path, &m, &err))
		return cli_error("export", "%s", err.msg);
	if (!P)
		P = sq_model_lanes(m, 8);
	sq_hwcfg cfg;
	sq_hwcfg_default(&cfg, P);
	for (size_t i = 0; i < N_CFG; i++)
		if (set[i])
			*(uint32_t *)((char *)&cfg + cfg_opts[i].off) = val[i];
	if (sq_export_image_opt(m, &cfg, keep_all ? SQ_EXPORT_KEEP_ALL :
				keep_shape ? SQ_EXPORT_KEEP_SHAPE : 0, &img, &err)) {
		rc = cli_error("export", "%s: %s", path, err.msg);
		goto out_free;
	}
	if (sq_image_write_hex(img, dir, &err)) {
		rc = cli_error("export", "%s", err.msg);
		goto out_free;
	}
	if (json) {
		printf("{\"dir\":");
		cli_json_string(stdout, dir);
		printf(",\"P\":%u,\"AW\":%u,\"WW\":%u,\"ACCW\":%u,\"MAXW\":%u,\"MAXL\":%u,"
		       "\"LG_WD\":%u,\"LG_RD\":%u,\"layers\":%u,\"rounds\":%u,\"words\":%u,"
		       "\"cycles_bound\":%llu,\"cycles_bound_kept\":%llu,\"rows_const\":%u,"
		       "\"rows_dead\":%u,\"acc_bits\":%u,\"EW\":%u,\"PW\":%u,\"LTW\":%u}\n",
		       cfg.P, cfg.AW, cfg.WW, cfg.ACCW, cfg.MAXW, cfg.MAXL, cfg.LG_WD, cfg.LG_RD,
		       img->n_layers, img->n_rounds, img->n_words,
		       (unsigned long long)img->cycles_bound,
		       (unsigned long long)img->cycles_bound_kept, img->rows_const, img->rows_dead,
		       img->max_acc_bits,
		       sq_hw_ew(&cfg), sq_hw_pw(&cfg), sq_hw_ltw(&cfg));
	} else {
		printf("wrote %s: %u layers, %u rounds, %u weight words (P=%u, %u-bit entries), "
		       "cycles bound %llu, acc_bits %u; %u constant and %u dead rows removed\n",
		       dir, img->n_layers, img->n_rounds, img->n_words, cfg.P, sq_hw_ew(&cfg),
		       (unsigned long long)img->cycles_bound, img->max_acc_bits, img->rows_const,
		       img->rows_dead);
	}
	rc = 0;
out_free:
	sq_image_free(img);
	sq_model_free(m);
	return rc;
}
