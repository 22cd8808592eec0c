/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"

static const char ps_help[] =
	"NAME\n"
	"    hull ps - list the processes of a container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] ps [--format table|json] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Lists the processes in the container's cgroup: their host pid and command.\n"
	"    With --format json, prints a JSON array of pids (as runc does).\n"
	"\n"
	"OPTIONS\n"
	"    -f, --format FMT   table (default) or json\n"
	"    -h, --help         this text\n";

static void
print_cmdline (pid_t pid)
{
	char path[64], buf[256];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf (path, sizeof path, "/proc/%d/cmdline", pid);
	fd = open (path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
	if (n <= 0) {
		puts ("?");
		return;
	}
	for (ssize_t i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	puts (buf);
}

static int
cmd_ps (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *format = "table";
	struct hull_cli_opt table[] = {
		{ "format", 'f', HULL_OPT_STRING, &format },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	const char *id = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = hull_cli_parse ("ps", table, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("ps", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
		return hull_cli_usage ("ps", "--format: `%s` is not table or json", format);
	if (hull_runtime_ps (g->root, id, &pids, &n, &err) < 0)
		return hull_cli_fail ("ps", &err);
	if (strcmp (format, "json") == 0) {
		putchar ('[');
		for (size_t i = 0; i < n; i++)
			printf ("%s%d", i ? "," : "", (int) pids[i]);
		puts ("]");
	} else {
		printf ("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			printf ("%-8d ", (int) pids[i]);
			print_cmdline (pids[i]);
		}
	}
	free (pids);
	return 0;
}

const struct hull_cli_command hull_cmd_ps = {
	.name = "ps",
	.fn = cmd_ps,
	.summary = "list the processes of a container",
	.help = ps_help,
};
