/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "cli/cli.h"

static const char pause_help[] =
	"NAME\n"
	"    hull pause - freeze every process of a running container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] pause ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Freezes the container's cgroup (v1 freezer or cgroup.freeze on v2); `hull\n"
	"    state` then says paused and `hull resume ID` thaws it.\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason.\n";

static const char resume_help[] = "NAME\n"
				  "    hull resume - thaw a paused container\n"
				  "\n"
				  "SYNOPSIS\n"
				  "    hull [GLOBAL OPTIONS] resume ID\n"
				  "\n"
				  "EXIT STATUS\n"
				  "    0, or 125 with one line naming the reason.\n";

static int
pause_or_resume (struct hull_cli_globals *g, int argc, char **argv, bool pause)
{
	static const struct hull_cli_opt none[] = { { NULL, 0, 0, NULL } };
	const char *cmd = pause ? "pause" : "resume";
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	int r;

	r = hull_cli_parse (cmd, none, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id (cmd, &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (hull_runtime_pause (g->root, id, pause, &err) < 0)
		return hull_cli_fail (cmd, &err);
	return 0;
}

static int
cmd_pause (struct hull_cli_globals *g, int argc, char **argv)
{
	return pause_or_resume (g, argc, argv, true);
}

static int
cmd_resume (struct hull_cli_globals *g, int argc, char **argv)
{
	return pause_or_resume (g, argc, argv, false);
}

const struct hull_cli_command hull_cmd_pause = {
	.name = "pause",
	.fn = cmd_pause,
	.summary = "freeze a running container",
	.help = pause_help,
};

const struct hull_cli_command hull_cmd_resume = {
	.name = "resume",
	.fn = cmd_resume,
	.summary = "thaw a paused container",
	.help = resume_help,
};
