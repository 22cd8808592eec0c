/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"

static const char spec_help[] =
	"NAME\n"
	"    hull spec - write a hardened default config.json\n"
	"\n"
	"SYNOPSIS\n"
	"    hull spec [--rootless] [--bundle DIR] [--stdout]\n"
	"\n"
	"DESCRIPTION\n"
	"    Writes DIR/config.json (refusing to overwrite one that exists) with hull's\n"
	"    hardened defaults: every namespace including a user namespace mapping 65536\n"
	"    ids, a read-only root, no capabilities, noNewPrivileges, masked and\n"
	"    read-only kernel paths, the default devices, and `sh` as the command.\n"
	"\n"
	"OPTIONS\n"
	"    --rootless         map the calling user instead of a 65536-id range\n"
	"    -b, --bundle DIR   where to write config.json (default: current directory)\n"
	"    --stdout           print to standard output instead of writing a file\n"
	"    -h, --help         this text\n";

static int
cmd_spec (struct hull_cli_globals *g, int argc, char **argv)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -EBADF;
	const char *bundle = ".";
	bool rootless = false, to_stdout = false;
	hull_error_t err = { 0 };
	size_t len;

	for (int i = 1; i < argc; i++) {
		if (strcmp (argv[i], "--rootless") == 0)
			rootless = true;
		else if (strcmp (argv[i], "--stdout") == 0)
			to_stdout = true;
		else if (strcmp (argv[i], "-b") == 0 || strcmp (argv[i], "--bundle") == 0) {
			if (++i >= argc)
				return hull_cli_usage ("spec", "option `%s` needs a value",
						       argv[i - 1]);
			bundle = argv[i];
		} else
			return hull_cli_usage ("spec", "unknown argument `%s`", argv[i]);
	}
	text = hull_oci_spec_default (rootless, &err);
	if (text == NULL)
		return hull_cli_fail ("spec", &err);
	len = strlen (text);
	if (to_stdout) {
		fwrite (text, 1, len, stdout);
		return 0;
	}
	path = hull_xasprintf ("%s/config.json", bundle);
	fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		hull_error_make (&err, errno, "create `%s`", path);
		return hull_cli_fail ("spec", &err);
	}
	if (write (fd, text, len) != (ssize_t) len) {
		hull_error_make (&err, errno, "write `%s`", path);
		unlink (path);
		return hull_cli_fail ("spec", &err);
	}
	return 0;
}

const struct hull_cli_command hull_cmd_spec = {
	.name = "spec",
	.fn = cmd_spec,
	.summary = "write a hardened default config.json",
	.help = spec_help,
};
