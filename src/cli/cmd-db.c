/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the command lands; refuses with a clear message. */
#include <stdio.h>

#include "cli/cli.h"

static int
cmd_db (struct hull_cli_globals *g, int argc, char **argv)
{
	fprintf (stderr, "hull: db: not implemented yet\n");
	return HULL_EXIT_ERROR;
}

const struct hull_cli_command hull_cmd_db = {
	.name = "db",
	.fn = cmd_db,
	.summary = "(not implemented yet)",
	.help = "hull db: not implemented yet\n",
};
