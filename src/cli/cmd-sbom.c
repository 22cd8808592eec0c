/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the command lands; refuses with a clear message. */
#include <stdio.h>

#include "cli/cli.h"

static int
cmd_sbom (struct hull_cli_globals *g, int argc, char **argv)
{
	fprintf (stderr, "hull: sbom: not implemented yet\n");
	return HULL_EXIT_ERROR;
}

const struct hull_cli_command hull_cmd_sbom = {
	.name = "sbom",
	.fn = cmd_sbom,
	.summary = "(not implemented yet)",
	.help = "hull sbom: not implemented yet\n",
};
