/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "hull/runtime.h"

static const char sandbox_help[] =
	"NAME\n"
	"    hull sandbox - run a host program isolated, without an image\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] sandbox [OPTIONS] [--] COMMAND [ARGS...]\n"
	"\n"
	"DESCRIPTION\n"
	"    Runs COMMAND (looked up in the sandbox's PATH) in a new container whose root\n"
	"    is the host's / (or --rootfs DIR), read-only. It is an ordinary container\n"
	"    and gets every protection `hull run` applies:\n"
	"\n"
	"    users       a new user namespace mapping only the sandbox's root, to the\n"
	"                caller's own uid and gid, or to nobody (65534) when run as root:\n"
	"                host files are reached through their \"other\" permission bits\n"
	"    processes   a new pid namespace: only the sandbox's processes are visible\n"
	"    network     a new network namespace with only `lo`; never the host's network\n"
	"    files       / read-only; fresh /proc, /dev (minimal devices), /dev/pts,\n"
	"                /dev/shm, and a private empty /tmp; /run is an empty tmpfs (a\n"
	"                read-only mount does not stop connect(2) to daemons' sockets);\n"
	"                /sys is empty unless --sys; /proc/kcore, /proc/keys, ... masked and\n"
	"                /proc/sys, /proc/sysrq-trigger, ... read-only, as in `hull spec`\n"
	"    privileges  no capabilities in any set, no_new_privs (setuid binaries and\n"
	"                file capabilities give nothing)\n"
	"    landlock    writes allowed only to /tmp, /dev/{null,zero,full,tty}, /dev/pts\n"
	"                and --bind/--tmpfs destinations; read+execute elsewhere\n"
	"                (docs/landlock.md); refused where the kernel lacks Landlock\n"
	"    also        new ipc, uts (hostname `sandbox`) and cgroup namespaces\n"
	"\n"
	"    The environment is PATH, HOME=/tmp, TERM (if set) and --setenv entries.\n"
	"    Resource limits are the caller's. Nothing of the sandbox is left afterwards.\n"
	"\n"
	"OPTIONS\n"
	"    --rootfs DIR         use DIR (read-only) as / instead of the host's /\n"
	"    --ro-bind SRC[:DEST] bind host path SRC read-only at DEST (default: SRC);\n"
	"                         the text up to the first `:` is SRC\n"
	"    --bind SRC[:DEST]    the same, writable (as root the sandbox writes as nobody,\n"
	"                         so SRC must be writable by uid 65534)\n"
	"    --tmpfs DEST         an empty private tmpfs at DEST\n"
	"    --sys                a read-only sysfs of the sandbox's own network namespace at\n"
	"                         /sys (a bind of /sys is turned into the same: the host's\n"
	"                         sysfs is never shown)\n"
	"    --net MODE           none (default) or loopback; either way a private network\n"
	"                         namespace whose only device is `lo`, up (hull brings `lo`\n"
	"                         up in every new one); no mode shares the host's network\n"
	"    --hostname NAME      the sandbox's hostname (default: sandbox)\n"
	"    --chdir DIR          the working directory, absolute (default: /)\n"
	"    --setenv K=V         add (or replace) an environment variable; repeatable\n"
	"    --no-landlock        no Landlock ruleset: the mounts alone decide what is\n"
	"                         writable (needed on kernels without Landlock)\n"
	"    -h, --help           this text\n"
	"\n"
	"    DESTs must be absolute and already exist in the root unless they lie in a\n"
	"    tmpfs (/tmp, /dev, /run or a --tmpfs): hull creates nothing on the root.\n"
	"\n"
	"EXIT STATUS\n"
	"    COMMAND's exit status, or 128+N if signal N killed it.\n"
	"    125  hull itself failed (bad option, missing bind source, a protection that\n"
	"         could not be applied); the message names the option or path\n"
	"    126  COMMAND exists but cannot be executed\n"
	"    127  COMMAND was not found\n"
	"\n"
	"EXAMPLES\n"
	"    hull sandbox -- id\n"
	"    hull sandbox --net loopback -- ip -br addr\n"
	"    hull sandbox --ro-bind \"$PWD:/src\" --tmpfs /out --chdir /src -- make -n\n"
	"    hull sandbox --rootfs ./rootfs --setenv LANG=C.UTF-8 -- /bin/sh\n";

struct sandbox_cli {
	struct hull_sandbox_options o;
	char **env; /* --setenv values, NULL-terminated */
	size_t n_env;
	struct hull_strv owned; /* SRC strings split off SRC:DEST */
};

static void
sandbox_cli_free (struct sandbox_cli *c)
{
	free (c->o.binds);
	free (c->env);
	hull_strv_free (&c->owned);
}

static void
add_bind (struct sandbox_cli *c, const char *source, const char *dest, bool writable)
{
	struct hull_sandbox_bind *b;

	c->o.binds = hull_xreallocarray (c->o.binds, c->o.n_binds + 1, sizeof *c->o.binds);
	b = &c->o.binds[c->o.n_binds++];
	b->source = source;
	b->dest = dest;
	b->writable = writable;
}

/* SRC[:DEST]: DEST points into argv; SRC is a copy owned by c. */
static int
opt_bind_common (struct sandbox_cli *c, const char *val, bool writable)
{
	const char *colon = strchr (val, ':');

	if (colon == NULL) {
		add_bind (c, val, NULL, writable);
		return 0;
	}
	if (colon == val || colon[1] == '\0')
		return hull_cli_usage ("sandbox", "bind `%s`: expected SRC[:DEST]", val);
	c->owned.v = hull_xreallocarray (c->owned.v, c->owned.n + 2, sizeof *c->owned.v);
	c->owned.v[c->owned.n] = hull_xstrndup (val, (size_t) (colon - val));
	c->owned.v[c->owned.n + 1] = NULL;
	add_bind (c, c->owned.v[c->owned.n++], colon + 1, writable);
	return 0;
}

static int
opt_ro_bind (struct sandbox_cli *c, const char *val)
{
	return opt_bind_common (c, val, false);
}

static int
opt_bind (struct sandbox_cli *c, const char *val)
{
	return opt_bind_common (c, val, true);
}

static int
opt_tmpfs (struct sandbox_cli *c, const char *val)
{
	add_bind (c, NULL, val, true);
	return 0;
}

static int
opt_sys (struct sandbox_cli *c, const char *val)
{
	add_bind (c, "/sys", "/sys", false);
	return 0;
}

static int
opt_rootfs (struct sandbox_cli *c, const char *val)
{
	c->o.rootfs = val;
	return 0;
}

static int
opt_net (struct sandbox_cli *c, const char *val)
{
	static const struct {
		const char *name;
		bool loopback;
	} modes[] = { { "none", false }, { "loopback", true } };

	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (strcmp (val, modes[i].name) == 0) {
			c->o.loopback_net = modes[i].loopback;
			return 0;
		}
	}
	return hull_cli_usage ("sandbox", "--net `%s`: expected none or loopback", val);
}

static int
opt_hostname (struct sandbox_cli *c, const char *val)
{
	c->o.hostname = val;
	return 0;
}

static int
opt_chdir (struct sandbox_cli *c, const char *val)
{
	c->o.cwd = val;
	return 0;
}

static int
opt_setenv (struct sandbox_cli *c, const char *val)
{
	c->env = hull_xreallocarray (c->env, c->n_env + 2, sizeof *c->env);
	c->env[c->n_env++] = (char *) val;
	c->env[c->n_env] = NULL;
	return 0;
}

/* Turns off the default Landlock ruleset (docs/landlock.md). */
static int
opt_no_landlock (struct sandbox_cli *c, const char *val)
{
	c->o.no_landlock = true;
	return 0;
}

static const struct {
	const char *name;
	bool has_value;
	int (*fn) (struct sandbox_cli *c, const char *val);
} sandbox_opts[] = {
	{ "--rootfs", true, opt_rootfs },     { "--ro-bind", true, opt_ro_bind },
	{ "--bind", true, opt_bind },	      { "--tmpfs", true, opt_tmpfs },
	{ "--sys", false, opt_sys },	      { "--net", true, opt_net },
	{ "--hostname", true, opt_hostname }, { "--chdir", true, opt_chdir },
	{ "--setenv", true, opt_setenv },     { "--no-landlock", false, opt_no_landlock },
};

/* One option at argv[*i] (`--name value` or `--name=value`); advances *i past a
 * separate value. Returns 0 or the exit code of a usage error. */
static int
parse_one (struct sandbox_cli *c, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *eq = strchr (a, '=');
	size_t n = eq ? (size_t) (eq - a) : strlen (a);

	for (size_t k = 0; k < sizeof sandbox_opts / sizeof sandbox_opts[0]; k++) {
		const char *val = NULL;

		if (strlen (sandbox_opts[k].name) != n || strncmp (a, sandbox_opts[k].name, n) != 0)
			continue;
		if (!sandbox_opts[k].has_value && eq)
			return hull_cli_usage ("sandbox", "option `%.*s` takes no value", (int) n,
					       a);
		if (sandbox_opts[k].has_value) {
			if (eq)
				val = eq + 1;
			else if (*i + 1 < argc)
				val = argv[++*i];
			else
				return hull_cli_usage ("sandbox", "option `%s` needs a value", a);
		}
		return sandbox_opts[k].fn (c, val);
	}
	return hull_cli_usage ("sandbox", "unknown option `%s`", a);
}

/* "sandbox-<pid>-<random>": unique among concurrent sandboxes sharing a --root. */
static char *
sandbox_id (void)
{
	unsigned int rnd = 0;

	if (getrandom (&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t) sizeof rnd)
		rnd = (unsigned int) getpid () ^ (unsigned int) (uintptr_t) &rnd;
	return hull_xasprintf ("sandbox-%ld-%08x", (long) getpid (), rnd);
}

static int
cmd_sandbox (struct hull_cli_globals *g, int argc, char **argv)
{
	_cleanup_ (sandbox_cli_free) struct sandbox_cli c = { 0 };
	struct hull_oci_config *cfg = NULL;
	_cleanup_free_ char *id = NULL;
	hull_error_t err = { 0 };
	int i, r, status = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && strcmp (argv[i], "--") != 0; i++)
		if ((r = parse_one (&c, argc, argv, &i)) != 0)
			return r;
	if (i < argc && strcmp (argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return hull_cli_usage ("sandbox", "missing COMMAND");
	c.o.argv = argv + i;
	c.o.env = c.env;
	cfg = hull_sandbox_config (&c.o, &err);
	if (cfg == NULL || hull_oci_config_validate (cfg, &err) < 0) {
		hull_oci_config_free (cfg);
		return hull_cli_fail ("sandbox", &err);
	}
	id = sandbox_id ();
	struct hull_run_options opts = {
		.id = id, .bundle = cfg->root_path, .state_root = g->root, .in_memory_config = true
	};
	r = hull_runtime_run (cfg, &opts, &status, &err);
	hull_oci_config_free (cfg);
	if (r < 0)
		return hull_cli_fail ("sandbox", &err);
	return status;
}

const struct hull_cli_command hull_cmd_sandbox = {
	.name = "sandbox",
	.fn = cmd_sandbox,
	.summary = "run a host program isolated, without an image",
	.help = sandbox_help,
};
