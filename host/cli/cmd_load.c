/*
 * cmd_load.c - `sparq load`: replaces the model a device runs, at run time,
 * without a new bitstream (docs/protocol.md, LOAD and COMMIT). The model is
 * exported for the configuration the device reports in INFO, must have the
 * shape the device runs now, and is committed with its id (the .sqm header's
 * crc32 field, sq_device_file_model_id); INFO then reports that id.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic_file.h"
#include "cli.h"
#include "cli_device.h"
#include "device.h"
#include "sqm.h"

SQ_COMMAND(load, "replace a device's weights at run time (LOAD frames, then COMMIT)")

static const char usage_text[] =
	"usage: sparq load m.sqm --device SPEC [--timeout MS] [--retries N] [--json]\n"
	"\n"
	"  --device SPEC    sim:/path.sock, tty:/dev/ttyUSB0[@BAUD], sparqd:/path.sock\n"
	"  --timeout MS     wait for one answer (default 250); --retries N (default 8)\n"
	"  --json           one JSON object on stdout\n"
	"\n"
	"The model must have the input and output counts the device runs now and fit\n"
	"its configuration (INFO: P, widths, depths). Its id is the .sqm crc32 field.\n";

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{"device", required_argument, NULL, 'd'},
		CLI_DEVICE_OPTIONS,
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *spec = NULL, *path;
	int json = 0, c, rc = 1;
	int dr;
	sq_device_opts o;
	sq_err err;

	sq_device_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd': spec = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case ':':
			return cli_usage_error("load", "%s needs a value", argv[optind - 1]);
		default:
			if ((dr = cli_device_option("load", c, optarg, &o)) >= 0) {
				if (dr)
					return dr;
				break;
			}
			return cli_usage_error("load", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("load", "expected one model file");
	if (!spec)
		return cli_usage_error("load", "--device is required");
	path = argv[optind];

	sq_model *m = NULL;
	sq_device *d = NULL;
	unsigned char *buf = NULL;
	size_t len;
	uint64_t frames = 0;
	if (sq_read_whole(path, SQM_MAX_FILE, &buf, &len, &err) ||
	    sqm_read_buffer(buf, len, path, &m, &err)) {
		cli_error("load", "%s", err.msg);
		goto out;
	}
	uint32_t id;
	if (sq_device_file_model_id(path, &id, &err)) {
		cli_error("load", "%s", err.msg);
		goto out;
	}
	if (!(m->flags & SQM_FIXED)) {
		cli_error("load", "%s: no fixed-point payload (run sparq compress first)", path);
		goto out;
	}
	if (sq_device_open(spec, &o, &d, &err)) {
		cli_error("load", "%s", err.msg);
		goto out;
	}
	uint32_t old_id = sq_device_get_info(d)->model_id;
	int64_t t0 = sq_now_ns();
	if (sq_device_load_model(d, m, id, &frames, &err)) {
		cli_error("load", "%s: %s (after %llu frames; the device may hold a partial "
				  "model until a LOAD completes)", path, err.msg,
			  (unsigned long long)frames);
		goto out;
	}
	double ms = (double)(sq_now_ns() - t0) / 1e6;
	const sq_link_info *in = sq_device_get_info(d);
	if (in->model_id != id) {
		cli_error("load", "%s: COMMIT accepted but INFO reports model id 0x%08x, not 0x%08x",
			  spec, in->model_id, id);
		goto out;
	}
	if (json) {
		printf("{\"model\":");
		cli_json_string(stdout, path);
		printf(",\"device\":");
		cli_json_string(stdout, spec);
		printf(",\"model_id\":%u,\"previous_model_id\":%u,\"frames\":%llu,\"ms\":%.3f}\n", id,
		       old_id, (unsigned long long)frames, ms);
	} else {
		printf("loaded %s into %s: model id 0x%08x (was 0x%08x), %llu frames in %.1f ms\n",
		       path, spec, id, old_id, (unsigned long long)frames, ms);
	}
	rc = 0;
out:
	sq_device_close(d);
	sq_model_free(m);
	free(buf);
	return rc;
}
