/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static const char features_help[] =
	"NAME\n"
	"    hull features - print what this runtime implements, as JSON\n"
	"\n"
	"SYNOPSIS\n"
	"    hull features\n"
	"\n"
	"DESCRIPTION\n"
	"    The runtime-spec features document (features.md): supported OCI versions,\n"
	"    hooks, mount options, namespaces, capabilities, cgroup and security support.\n";

static int
cmd_features (struct hull_cli_globals *g, int argc, char **argv)
{
	char *text;

	if (argc > 1)
		return hull_cli_usage ("features", "unexpected argument `%s`", argv[1]);
	text = hull_runtime_features ();
	puts (text);
	free (text);
	return 0;
}

const struct hull_cli_command hull_cmd_features = {
	.name = "features",
	.fn = cmd_features,
	.summary = "print the runtime's features as JSON",
	.help = features_help,
};
