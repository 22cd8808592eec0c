/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI: the only code that prints and picks exit codes (STYLE.md). */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include <stdbool.h>

#include "hull/error.h"

#define HULL_EXIT_ERROR 125 /* hull's own failure (podman convention, DESIGN.md) */

struct hull_cli_globals {
	const char *root;     /* --root, default /run/hull */
	const char *log_path; /* --log */
	bool log_json;	      /* --log-format json */
	bool debug;
	bool systemd_cgroup;
};

struct hull_cli_command {
	const char *name;
	int (*fn) (struct hull_cli_globals *g, int argc, char **argv);
	const char *summary; /* one line for `hull --help` */
	const char *help;    /* the man-page-style text for `hull CMD --help` */
};

/* Print "hull: <cmd>: <message>" for err (and log it), return the exit code its kind
 * maps to (125, 126 or 127). */
int hull_cli_fail (const char *cmd, const hull_error_t *err);
/* Print a usage error for cmd and return 125. */
int hull_cli_usage (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* True if argv holds -h or --help before a "--"; prints the command's help. */
bool hull_cli_want_help (const struct hull_cli_command *c, int argc, char **argv);

extern const struct hull_cli_command hull_cmd_run, hull_cmd_sandbox, hull_cmd_spec;

#endif
