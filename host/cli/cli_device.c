/*
 * cli_device.c - --timeout and --retries, parsed once for `sparq hil` and
 * `sparq load`.
 */
#include "cli_device.h"

#include "cli.h"

int cli_device_option(const char *cmd, int opt, const char *arg, sq_device_opts *o)
{
	uint32_t u;

	switch (opt) {
	case 't':
		if (cli_parse_u32(arg, 1, 60000, &u))
			return cli_usage_error(cmd, "--timeout '%s': expected 1..60000 ms", arg);
		o->timeout_ms = (int)u;
		return 0;
	case 'r':
		if (cli_parse_u32(arg, 0, 100, &u))
			return cli_usage_error(cmd, "--retries '%s': expected 0..100", arg);
		o->retries = (int)u;
		return 0;
	default:
		return -1;
	}
}
