/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "cli/cli.h"

static const char delete_help[] =
	"NAME\n"
	"    hull delete - remove a container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] delete [--force] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Removes what the container left: its cgroup and state directory, then runs\n"
	"    the poststop hooks. A running container is refused unless --force, which kills\n"
	"    every process first. --force also cleans up after a `create` or `run` that was\n"
	"    killed half-way.\n"
	"\n"
	"OPTIONS\n"
	"    -f, --force   kill a running container first\n"
	"    -h, --help    this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason.\n";

static int
cmd_delete (struct hull_cli_globals *g, int argc, char **argv)
{
	bool force = false;
	struct hull_cli_opt table[] = {
		{ "force", 'f', HULL_OPT_FLAG, &force },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	int r;

	r = hull_cli_parse ("delete", table, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("delete", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (hull_runtime_delete (g->root, id, force, &err) < 0)
		return hull_cli_fail ("delete", &err);
	return 0;
}

const struct hull_cli_command hull_cmd_delete = {
	.name = "delete",
	.fn = cmd_delete,
	.summary = "remove a container",
	.help = delete_help,
};
