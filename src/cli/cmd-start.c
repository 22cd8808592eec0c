/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "cli/cli.h"

static const char start_help[] =
	"NAME\n"
	"    hull start - run the user process of a created container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] start ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Releases the process `hull create ID` prepared: the startContainer hooks run in\n"
	"    the container, process.args is executed, then the poststart hooks run. It is an\n"
	"    error unless the container's status is created (runtime.md \"start\").\n"
	"\n"
	"EXIT STATUS\n"
	"    0 when the process was started; 125 with one line naming the reason otherwise.\n";

static int
cmd_start (struct hull_cli_globals *g, int argc, char **argv)
{
	static const struct hull_cli_opt none[] = { { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	int r;

	r = hull_cli_parse ("start", none, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("start", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (hull_runtime_start (g->root, id, &err) < 0)
		return hull_cli_fail ("start", &err);
	return 0;
}

const struct hull_cli_command hull_cmd_start = {
	.name = "start",
	.fn = cmd_start,
	.summary = "start a created container",
	.help = start_help,
};
