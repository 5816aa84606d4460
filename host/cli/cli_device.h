/*
 * cli_device.h - the options every command that talks to a device shares.
 */
#ifndef SPARQ_CLI_DEVICE_H
#define SPARQ_CLI_DEVICE_H

#include "device.h"

/* getopt_long entries for --timeout ('t') and --retries ('r'). */
#define CLI_DEVICE_OPTIONS                                   \
	{"timeout", required_argument, NULL, 't'},           \
	{"retries", required_argument, NULL, 'r'}

/*
 * Parses opt (a getopt_long result) if it is 't' or 'r' into o.
 * Returns 0 when it was one of them and well formed, 2 after printing a
 * usage error for cmd (return it), and -1 when opt is another option.
 */
int cli_device_option(const char *cmd, int opt, const char *arg, sq_device_opts *o);

#endif
