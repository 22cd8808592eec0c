/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "hull/oci.h"
#include "hull/runtime.h"

static const char run_help[] =
	"NAME\n"
	"    hull run - create and run a container from an OCI bundle, in the foreground\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] run [--bundle DIR] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Reads DIR/config.json (OCI runtime-spec 1.2), validates it, and runs\n"
	"    process.args in a new container named ID. The container's stdin, stdout and\n"
	"    stderr are hull's own. When the process exits, everything the container\n"
	"    created (mounts, namespaces, processes, state) is gone.\n"
	"\n"
	"OPTIONS\n"
	"    -b, --bundle DIR   the bundle directory (default: the current directory)\n"
	"    -h, --help         this text\n"
	"\n"
	"EXIT STATUS\n"
	"    The container process's exit status, or 128+N if signal N killed it.\n"
	"    125  hull itself failed (bad config, missing rootfs, a protection that could\n"
	"         not be applied); the message names the field or path\n"
	"    126  the command exists in the container but cannot be executed\n"
	"    127  the command was not found in the container\n";

static int
cmd_run (struct hull_cli_globals *g, int argc, char **argv)
{
	struct hull_oci_config *cfg = NULL;
	const char *bundle = ".";
	const char *id = NULL;
	char bundle_abs[PATH_MAX];
	hull_error_t err = { 0 };
	int status = 0, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp (a, "-b") == 0 || strcmp (a, "--bundle") == 0) {
			if (++i >= argc)
				return hull_cli_usage ("run", "option `%s` needs a value", a);
			bundle = argv[i];
		} else if (strncmp (a, "--bundle=", 9) == 0)
			bundle = a + 9;
		else if (a[0] == '-' && a[1] != '\0')
			return hull_cli_usage ("run", "unknown option `%s`", a);
		else if (id == NULL)
			id = a;
		else
			return hull_cli_usage ("run", "unexpected argument `%s`", a);
	}
	if (id == NULL)
		return hull_cli_usage ("run", "missing container ID");
	if (hull_runtime_validate_id (id, &err) < 0)
		return hull_cli_fail ("run", &err);
	if (realpath (bundle, bundle_abs) == NULL) {
		hull_error_make (&err, errno, "bundle `%s`", bundle);
		return hull_cli_fail ("run", &err);
	}
	cfg = hull_oci_config_load (bundle_abs, &err);
	if (cfg == NULL)
		return hull_cli_fail ("run", &err);
	if (hull_oci_config_validate (cfg, &err) < 0) {
		hull_oci_config_free (cfg);
		return hull_cli_fail ("run", &err);
	}
	struct hull_run_options opts = { .id = id, .bundle = bundle_abs, .state_root = g->root };
	r = hull_runtime_run (cfg, &opts, &status, &err);
	hull_oci_config_free (cfg);
	if (r < 0)
		return hull_cli_fail ("run", &err);
	return status;
}

const struct hull_cli_command hull_cmd_run = {
	.name = "run",
	.fn = cmd_run,
	.summary = "run a container from an OCI bundle in the foreground",
	.help = run_help,
};
