/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the command lands; refuses with a clear message. */
#include <stdio.h>

#include "cli/cli.h"

static int
cmd_pull (struct hull_cli_globals *g, int argc, char **argv)
{
	fprintf (stderr, "hull: pull: not implemented yet\n");
	return HULL_EXIT_ERROR;
}

const struct hull_cli_command hull_cmd_pull = {
	.name = "pull",
	.fn = cmd_pull,
	.summary = "(not implemented yet)",
	.help = "hull pull: not implemented yet\n",
};
