/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Table-driven option parsing for the subcommands. runc and crun (urfave/cli, argp)
 * accept `--name value`, `--name=value` and `-name value`; conmon and podman rely on
 * some of these spellings, so hull accepts all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/parse.h"
#include "common/xalloc.h"

static const struct hull_cli_opt *
find_opt (const struct hull_cli_opt *opts, const char *arg, size_t n)
{
	for (const struct hull_cli_opt *o = opts; o->name; o++) {
		if (n == 1 && o->short_name && arg[0] == o->short_name)
			return o;
		if (strlen (o->name) == n && strncmp (o->name, arg, n) == 0)
			return o;
	}
	return NULL;
}

static int
set_value (const char *cmd, const struct hull_cli_opt *o, const char *val)
{
	hull_error_t err = { 0 };

	switch (o->type) {
	case HULL_OPT_STRING:
		*(const char **) o->dest = val;
		return 0;
	case HULL_OPT_LIST: {
		struct hull_cli_list *l = o->dest;
		l->v = hull_xreallocarray (l->v, l->n + 1, sizeof *l->v);
		l->v[l->n++] = val;
		return 0;
	}
	case HULL_OPT_UINT:
		if (hull_parse_u32 (val, 10, (uint32_t *) o->dest, o->name, &err) < 0)
			return hull_cli_usage (cmd, "%s", err.msg);
		return 0;
	case HULL_OPT_FLAG:
		break;
	}
	return hull_cli_usage (cmd, "option `--%s` takes no value", o->name);
}

/* `--flag`, or `--flag=true|false` as urfave/cli accepts (`--read-only=false`). */
static int
set_flag (const char *cmd, const struct hull_cli_opt *o, const char *arg, const char *eq)
{
	if (eq == NULL || strcmp (eq + 1, "true") == 0) {
		*(bool *) o->dest = true;
		return 0;
	}
	if (strcmp (eq + 1, "false") == 0) {
		*(bool *) o->dest = false;
		return 0;
	}
	return hull_cli_usage (cmd, "option `%s`: the value must be true or false", arg);
}

int
hull_cli_parse (const char *cmd, const struct hull_cli_opt *opts, int argc, char **argv,
		struct hull_cli_list *positional)
{
	bool only_positional = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct hull_cli_opt *o;
		const char *name, *eq;
		size_t n;

		if (only_positional || a[0] != '-' || a[1] == '\0') {
			set_value (cmd, &(struct hull_cli_opt){ "", 0, HULL_OPT_LIST, positional },
				   a);
			/* After the first positional (the id, or the command of exec) the rest
			 * belongs to the container process. */
			if (positional->stop_after && positional->n >= positional->stop_after)
				only_positional = true;
			continue;
		}
		if (strcmp (a, "--") == 0) {
			only_positional = true;
			continue;
		}
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr (name, '=');
		n = eq ? (size_t) (eq - name) : strlen (name);
		o = find_opt (opts, name, n);
		if (o == NULL)
			return hull_cli_usage (cmd, "unknown option `%s`", a);
		if (o->type == HULL_OPT_FLAG) {
			if (set_flag (cmd, o, a, eq) != 0)
				return HULL_EXIT_ERROR;
			continue;
		}
		if (!eq && i + 1 >= argc)
			return hull_cli_usage (cmd, "option `%s` needs a value", a);
		if (set_value (cmd, o, eq ? eq + 1 : argv[++i]) != 0)
			return HULL_EXIT_ERROR;
	}
	return 0;
}

int
hull_cli_one_id (const char *cmd, struct hull_cli_list *pos, const char **id)
{
	hull_error_t err = { 0 };

	if (pos->n == 0)
		return hull_cli_usage (cmd, "missing container ID");
	if (pos->n > 1)
		return hull_cli_usage (cmd, "unexpected argument `%s`", pos->v[1]);
	if (hull_runtime_validate_id (pos->v[0], &err) < 0)
		return hull_cli_fail (cmd, &err);
	*id = pos->v[0];
	return 0;
}
