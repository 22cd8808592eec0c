/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull run IMAGE [CMD...]`: placeholder until it lands. */
#include <stdio.h>

#include "cli/cli.h"

int
hull_cli_run_image (struct hull_cli_globals *g, int argc, char **argv)
{
	fprintf (stderr, "hull: run: running an image is not implemented yet\n");
	return HULL_EXIT_ERROR;
}
