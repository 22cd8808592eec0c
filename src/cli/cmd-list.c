/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char list_help[] =
	"NAME\n"
	"    hull list - list containers\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] list [--format table|json] [-q]\n"
	"\n"
	"DESCRIPTION\n"
	"    Lists the containers under --root with their pid, status, bundle, creation\n"
	"    time and owner (runc's columns). JSON output is an array of objects with\n"
	"    ociVersion, id, pid, status, bundle, created and owner.\n"
	"\n"
	"OPTIONS\n"
	"    -f, --format FMT   table (default) or json\n"
	"    -q, --quiet        print the ids only\n"
	"    -h, --help         this text\n";

static void
print_json (const struct hull_container_info *v, size_t n)
{
	json_t *a = json_array ();
	char *text;

	for (size_t i = 0; i < n; i++)
		json_array_append_new (a, json_pack ("{s:s,s:s,s:i,s:s,s:s,s:s,s:s}", "ociVersion",
						     "1.2.0", "id", v[i].id, "pid", (int) v[i].pid,
						     "status", v[i].status, "bundle", v[i].bundle,
						     "created", v[i].created, "owner", v[i].owner));
	text = json_dumps (a, JSON_COMPACT);
	json_decref (a);
	if (text)
		puts (text);
	free (text);
}

static int
cmd_list (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	struct hull_cli_opt table[] = {
		{ "format", 'f', HULL_OPT_STRING, &format },
		{ "quiet", 'q', HULL_OPT_FLAG, &quiet },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	struct hull_container_info *v = NULL;
	hull_error_t err = { 0 };
	size_t n = 0;
	int r;

	r = hull_cli_parse ("list", table, argc, argv, &pos);
	if (r == 0 && pos.n)
		r = hull_cli_usage ("list", "unexpected argument `%s`", pos.v[0]);
	free (pos.v);
	if (r != 0)
		return r;
	if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
		return hull_cli_usage ("list", "--format: `%s` is not table or json", format);
	if (hull_runtime_list (g->root, &v, &n, &err) < 0)
		return hull_cli_fail ("list", &err);
	if (quiet)
		for (size_t i = 0; i < n; i++)
			puts (v[i].id);
	else if (strcmp (format, "json") == 0)
		print_json (v, n);
	else {
		printf ("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE",
			"CREATED", "OWNER");
		for (size_t i = 0; i < n; i++)
			printf ("%-20s %-8d %-10s %-40s %-31s %s\n", v[i].id, (int) v[i].pid,
				v[i].status, v[i].bundle, v[i].created, v[i].owner);
	}
	hull_runtime_list_free (v, n);
	return 0;
}

const struct hull_cli_command hull_cmd_list = {
	.name = "list",
	.fn = cmd_list,
	.summary = "list containers",
	.help = list_help,
};
