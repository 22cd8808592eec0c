/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static const char state_help[] =
	"NAME\n"
	"    hull state - print a container's state as JSON\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] state ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Prints the runtime-spec state (runtime.md \"State\"): ociVersion, id, status\n"
	"    (creating, created, running, paused or stopped), pid, bundle, annotations, and\n"
	"    runc's rootfs, created and owner.\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 when the container does not exist.\n";

static int
cmd_state (struct hull_cli_globals *g, int argc, char **argv)
{
	static const struct hull_cli_opt none[] = { { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	char *json;
	int r;

	r = hull_cli_parse ("state", none, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("state", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	json = hull_runtime_state (g->root, id, &err);
	if (json == NULL)
		return hull_cli_fail ("state", &err);
	puts (json);
	free (json);
	return 0;
}

const struct hull_cli_command hull_cmd_state = {
	.name = "state",
	.fn = cmd_state,
	.summary = "print a container's state as JSON",
	.help = state_help,
};
