/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull events`: runc's JSON event stream (stats and OOM kills) of a container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/parse.h"

#define INTERVAL_DEFAULT_MS 5000u

static const char events_help[] =
	"NAME\n"
	"    hull events - print a container's resource statistics and OOM kills\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] events [--stats] [--interval D] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Prints JSON lines as runc does: {\"type\":\"stats\",\"id\":ID,\"data\":{\"cpu\":..,\n"
	"    \"memory\":..,\"pids\":..,\"blkio\":..,\"hugetlb\":..}} every interval, and\n"
	"    {\"type\":\"oom\",\"id\":ID} when the kernel's OOM killer kills a process of the\n"
	"    container, until the container stops or is deleted. Read from cgroup v1 or v2\n"
	"    files alike.\n"
	"\n"
	"OPTIONS\n"
	"    --stats          print one stats line and exit\n"
	"    --interval D     time between stats lines: 5s (default), 500ms, 2m, or seconds\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or 125 with one line naming the reason.\n";

/* "5s", "500ms", "2m", "3" (seconds) -> milliseconds. */
static int
parse_interval (const char *s, unsigned int *ms)
{
	static const struct {
		const char *suffix;
		uint32_t mult;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "", 1000 } };
	size_t n = strspn (s, "0123456789");
	char num[16];
	uint32_t v;
	hull_error_t err;

	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy (num, s, n);
	num[n] = '\0';
	if (hull_parse_u32 (num, 10, &v, "interval", &err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp (s + n, units[i].suffix) == 0) {
			if (v == 0 || v > UINT32_MAX / units[i].mult)
				return -1;
			*ms = v * units[i].mult;
			return 0;
		}
	return -1;
}

static int
print_line (const char *line, void *data)
{
	(void) data;
	if (printf ("%s\n", line) < 0 || fflush (stdout) != 0)
		return 1; /* the reader went away */
	return 0;
}

static int
cmd_events (struct hull_cli_globals *g, int argc, char **argv)
{
	bool stats = false;
	const char *interval = NULL;
	const struct hull_cli_opt opts[] = {
		{ "stats", 0, HULL_OPT_FLAG, &stats },
		{ "interval", 0, HULL_OPT_STRING, &interval },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	unsigned int ms = INTERVAL_DEFAULT_MS;
	const char *id = NULL;
	int r;

	r = hull_cli_parse ("events", opts, argc, argv, &pos);
	if (r == 0)
		r = hull_cli_one_id ("events", &pos, &id);
	free (pos.v);
	if (r != 0)
		return r;
	if (interval && parse_interval (interval, &ms) < 0)
		return hull_cli_usage ("events", "--interval `%s`: expected e.g. 5s, 500ms, 2m",
				       interval);
	if (hull_runtime_events (g->root, id, ms, stats, print_line, NULL, &err) < 0)
		return hull_cli_fail ("events", &err);
	return 0;
}

const struct hull_cli_command hull_cmd_events = {
	.name = "events",
	.fn = cmd_events,
	.summary = "print a container's resource statistics and OOM kills",
	.help = events_help,
};
