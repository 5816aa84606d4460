/*
 * cmd_version.c - `sparq version`: the tool and model-format versions.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sqm.h"

SQ_COMMAND(version, "print the sparq and .sqm format versions")

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") != 0)
		return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
	printf("sparq 0.1 (.sqm format %u)\n", SQM_VERSION);
	return 0;
}
