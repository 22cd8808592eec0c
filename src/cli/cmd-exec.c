/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "hull/runtime.h"
#include "runtime/exec.h"

static const char exec_help[] =
	"NAME\n"
	"    hull exec - run a process inside a running container\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] exec [OPTIONS] ID [--] COMMAND [ARGS...]\n"
	"    hull [GLOBAL OPTIONS] exec [OPTIONS] --process FILE ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Starts COMMAND in container ID, in every namespace the container has, with\n"
	"    the container's root as its root. Without --process the process is the\n"
	"    container's own config.json process (user, env, cwd, capabilities, rlimits,\n"
	"    noNewPrivileges, ...) with COMMAND as its args and the options below applied;\n"
	"    it gets no terminal unless -t. With --process the process is FILE, a\n"
	"    runtime-spec process object, and the options below still apply on top.\n"
	"\n"
	"    The container must be running (or created, as runc allows); its process is\n"
	"    checked against the start time recorded in the state, so a recycled pid is\n"
	"    never joined. COMMAND is looked up in the process's PATH inside the\n"
	"    container. No descriptor of hull reaches the process, and hull's binary is\n"
	"    never visible to the container (CVE-2019-5736).\n"
	"\n"
	"OPTIONS\n"
	"    -p, --process FILE     the process as a runtime-spec JSON object\n"
	"    -t, --tty              a new pseudo-terminal in the container for the process;\n"
	"                           in the foreground hull connects it to its own terminal\n"
	"    --console-socket PATH  send the pty master to the unix socket PATH (runc's\n"
	"                           protocol, used by conmon) instead; needs -t\n"
	"    -d, --detach           return once the process has started, printing nothing\n"
	"    --pid-file FILE        write the process's pid (host pid namespace) to FILE,\n"
	"                           atomically\n"
	"    -e, --env KEY=VALUE    set an environment variable (replaces KEY); repeatable\n"
	"    --cwd DIR              the working directory, absolute, inside the container\n"
	"    -u, --user UID[:GID]   numeric user and group (in the container's user\n"
	"                           namespace)\n"
	"    -g, --additional-gids GID\n"
	"                           add a supplementary group; repeatable\n"
	"    --cap CAP              add capability CAP (CAP_NET_RAW) to the bounding,\n"
	"                           effective and permitted sets, never inheritable or\n"
	"                           ambient (CVE-2022-29162); repeatable\n"
	"    --no-new-privs         set no_new_privs (setuid and file capabilities inert)\n"
	"    --preserve-fds N       pass N descriptors after stderr (3..3+N-1) to the process\n"
	"    --apparmor PROFILE     the AppArmor profile to exec into\n"
	"    --process-label LABEL  the SELinux label to exec into\n"
	"    -h, --help             this text\n"
	"\n"
	"EXIT STATUS\n"
	"    The process's exit status, or 128+N if signal N killed it; 0 with --detach\n"
	"    once it has started.\n"
	"    125  hull itself failed: no such container, not running, bad option, a setting\n"
	"         that could not be applied; the message names it\n"
	"    126  COMMAND exists in the container but cannot be executed\n"
	"    127  COMMAND was not found in the container\n"
	"\n"
	"EXAMPLES\n"
	"    hull exec web -- ps\n"
	"    hull exec -t -u 1000:1000 --cwd /srv web sh\n"
	"    hull exec -d --pid-file /run/web-job.pid -e MODE=batch web /usr/bin/job\n";

struct exec_cli {
	struct hull_exec_options o;
	struct hull_strv env, caps;
	uint32_t *gids;
	size_t n_gids;
};

static void
exec_cli_free (struct exec_cli *c)
{
	hull_strv_free (&c->env);
	hull_strv_free (&c->caps);
	free (c->gids);
}

static void
push (struct hull_strv *v, const char *s)
{
	v->v = hull_xreallocarray (v->v, v->n + 2, sizeof *v->v);
	v->v[v->n++] = hull_xstrdup (s);
	v->v[v->n] = NULL;
}

static int
usage_error (hull_error_t *err)
{
	return hull_cli_usage ("exec", "%s", err->msg);
}

static int
opt_process (struct exec_cli *c, const char *val)
{
	c->o.process_path = val;
	return 0;
}

static int
opt_tty (struct exec_cli *c, const char *val)
{
	c->o.tty = true;
	return 0;
}

static int
opt_console_socket (struct exec_cli *c, const char *val)
{
	c->o.console_socket = val;
	return 0;
}

static int
opt_detach (struct exec_cli *c, const char *val)
{
	c->o.detach = true;
	return 0;
}

static int
opt_pid_file (struct exec_cli *c, const char *val)
{
	c->o.pid_file = val;
	return 0;
}

static int
opt_env (struct exec_cli *c, const char *val)
{
	if (strchr (val, '=') == NULL || val[0] == '=')
		return hull_cli_usage ("exec", "--env `%s`: expected KEY=VALUE", val);
	push (&c->env, val);
	return 0;
}

static int
opt_cwd (struct exec_cli *c, const char *val)
{
	if (val[0] != '/')
		return hull_cli_usage ("exec", "--cwd `%s`: must be absolute", val);
	c->o.cwd = val;
	return 0;
}

/* UID[:GID], numbers only: names would need the container's /etc/passwd, read from
 * inside, which runc does not do either. */
static int
opt_user (struct exec_cli *c, const char *val)
{
	_cleanup_free_ char *uid = NULL;
	const char *colon = strchr (val, ':');
	hull_error_t err = { 0 };

	uid = colon ? hull_xstrndup (val, (size_t) (colon - val)) : hull_xstrdup (val);
	if (hull_parse_u32 (uid, 10, &c->o.uid, "--user UID", &err) < 0)
		return usage_error (&err);
	c->o.has_uid = true;
	if (colon == NULL)
		return 0;
	if (hull_parse_u32 (colon + 1, 10, &c->o.gid, "--user GID", &err) < 0)
		return usage_error (&err);
	c->o.has_gid = true;
	return 0;
}

static int
opt_gid (struct exec_cli *c, const char *val)
{
	hull_error_t err = { 0 };
	uint32_t gid;

	if (hull_parse_u32 (val, 10, &gid, "--additional-gids", &err) < 0)
		return usage_error (&err);
	c->gids = hull_xreallocarray (c->gids, c->n_gids + 1, sizeof *c->gids);
	c->gids[c->n_gids++] = gid;
	return 0;
}

static int
opt_cap (struct exec_cli *c, const char *val)
{
	push (&c->caps, val);
	return 0;
}

static int
opt_no_new_privs (struct exec_cli *c, const char *val)
{
	c->o.no_new_privs = true;
	return 0;
}

static int
opt_preserve_fds (struct exec_cli *c, const char *val)
{
	hull_error_t err = { 0 };

	if (hull_parse_u32 (val, 10, &c->o.preserve_fds, "--preserve-fds", &err) < 0)
		return usage_error (&err);
	return 0;
}

static int
opt_apparmor (struct exec_cli *c, const char *val)
{
	c->o.apparmor = val;
	return 0;
}

static int
opt_process_label (struct exec_cli *c, const char *val)
{
	c->o.process_label = val;
	return 0;
}

static const struct {
	const char *name;
	const char *short_name;
	bool has_value;
	int (*fn) (struct exec_cli *c, const char *val);
} exec_opts[] = {
	{ "--process", "-p", true, opt_process },
	{ "--tty", "-t", false, opt_tty },
	{ "--console-socket", NULL, true, opt_console_socket },
	{ "--detach", "-d", false, opt_detach },
	{ "--pid-file", NULL, true, opt_pid_file },
	{ "--env", "-e", true, opt_env },
	{ "--cwd", NULL, true, opt_cwd },
	{ "--user", "-u", true, opt_user },
	{ "--additional-gids", "-g", true, opt_gid },
	{ "--cap", "-c", true, opt_cap },
	{ "--no-new-privs", NULL, false, opt_no_new_privs },
	{ "--preserve-fds", NULL, true, opt_preserve_fds },
	{ "--apparmor", NULL, true, opt_apparmor },
	{ "--process-label", NULL, true, opt_process_label },
};

static bool
name_is (const char *name, const char *a, size_t n)
{
	return name && strlen (name) == n && strncmp (a, name, n) == 0;
}

/* One option at argv[*i] (`--name value`, `--name=value`, `-x value`); advances *i
 * past a separate value. Returns 0 or the exit code of a usage error. */
static int
parse_one (struct exec_cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *eq = a[1] == '-' ? strchr (a, '=') : NULL;
	size_t n = eq ? (size_t) (eq - a) : strlen (a);

	for (size_t k = 0; k < sizeof exec_opts / sizeof exec_opts[0]; k++) {
		const char *val = NULL;

		if (!name_is (exec_opts[k].name, a, n) && !name_is (exec_opts[k].short_name, a, n))
			continue;
		if (!exec_opts[k].has_value && eq)
			return hull_cli_usage ("exec", "option `%.*s` takes no value", (int) n, a);
		if (exec_opts[k].has_value) {
			if (eq)
				val = eq + 1;
			else if (*i + 1 < argc)
				val = argv[++*i];
			else
				return hull_cli_usage ("exec", "option `%s` needs a value", a);
		}
		return exec_opts[k].fn (c, val);
	}
	return hull_cli_usage ("exec", "unknown option `%s`", a);
}

/* Options, then ID, then (after an optional `--`) the command: everything after ID
 * belongs to the command, as with runc. */
static int
parse_args (struct exec_cli *c, int argc, char **argv)
{
	hull_error_t err = { 0 };
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp (argv[i], "--") == 0) {
			i++;
			break;
		}
		if ((r = parse_one (c, argc, argv, &i)) != 0)
			return r;
	}
	if (i >= argc)
		return hull_cli_usage ("exec", "missing container ID");
	c->o.id = argv[i++];
	if (hull_runtime_validate_id (c->o.id, &err) < 0)
		return hull_cli_fail ("exec", &err);
	if (i < argc && strcmp (argv[i], "--") == 0)
		i++;
	if (c->o.process_path && i < argc)
		return hull_cli_usage ("exec", "--process and a COMMAND exclude each other");
	if (!c->o.process_path && i >= argc)
		return hull_cli_usage ("exec", "missing COMMAND (or --process FILE)");
	c->o.args = i < argc ? argv + i : NULL;
	return 0;
}

static int
cmd_exec (struct hull_cli_globals *g, int argc, char **argv)
{
	_cleanup_ (exec_cli_free) struct exec_cli c = { 0 };
	hull_error_t err = { 0 };
	int status = 0, r;

	if ((r = parse_args (&c, argc, argv)) != 0)
		return r;
	c.o.state_root = g->root;
	c.o.env = c.env.v;
	c.o.caps = c.caps.v;
	c.o.additional_gids = c.gids;
	c.o.n_additional_gids = c.n_gids;
	if (hull_runtime_exec (&c.o, &status, &err) < 0)
		return hull_cli_fail ("exec", &err);
	return status;
}

const struct hull_cli_command hull_cmd_exec = {
	.name = "exec",
	.fn = cmd_exec,
	.summary = "run a process inside a running container",
	.help = exec_help,
};
