/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "hull/runtime.h"

static const char run_help[] =
	"NAME\n"
	"    hull run - run a container from an OCI bundle or from an image\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] run [OPTIONS] ID\n"
	"    hull [GLOBAL OPTIONS] run [IMAGE OPTIONS] IMAGE [CMD [ARGS...]]\n"
	"\n"
	"    The first form (OCI runtime mode) is used when --bundle is given, or when the\n"
	"    first argument is a valid container id and ./config.json exists; otherwise\n"
	"    the argument is an image reference in the store (`localhost/busybox:latest`:\n"
	"    with no default registry, references hold a '/').\n"
	"\n"
	"DESCRIPTION (OCI runtime mode)\n"
	"    Reads DIR/config.json (OCI runtime-spec 1.2), validates it, and runs\n"
	"    process.args in a new container named ID. In the foreground the container's\n"
	"    stdin, stdout and stderr are hull's own (or a pty when process.terminal is\n"
	"    true), signals hull receives are passed on, and when the process exits\n"
	"    everything the container created (mounts, namespaces, processes, cgroup,\n"
	"    state) is gone. With --detach hull returns once the process runs.\n"
	"\n"
	"OPTIONS\n"
	"    -b, --bundle DIR        the bundle directory (default: the current directory)\n"
	"    -d, --detach            return once the container runs; delete it later\n"
	"    -t, --tty               allocate a terminal (as process.terminal: true)\n"
	"    --pid-file FILE         write the container process's pid to FILE\n"
	"    --console-socket PATH   send the pty master to this unix socket\n"
	"    --preserve-fds N        pass fds 3 .. 3+N-1 into the container\n"
	"    --no-new-keyring        accepted for runc compatibility (no keyring is made)\n"
	"    --no-pivot              refused: hull always uses pivot_root\n"
	"    -h, --help              this text\n"
	"\n"
	"DESCRIPTION (image mode, docs/run-image.md)\n"
	"    Runs IMAGE from the store (--store) on `hull spec`'s hardened defaults: its\n"
	"    rootfs is unpacked once per image and id map into STORE/rootfs (owned by the\n"
	"    user namespace's ids, so the container's root owns its files) and used\n"
	"    read-only; the image's Entrypoint, Cmd, Env, WorkingDir, User (names looked\n"
	"    up in the image's /etc/passwd and /etc/group), StopSignal and Labels apply.\n"
	"    The bundle lives in STORE/containers/ID. The config is checked by the\n"
	"    admission policy in enforce mode. In the foreground everything is removed\n"
	"    when the process exits.\n"
	"\n"
	"IMAGE OPTIONS\n"
	"    --name ID               container id (default: hull-<12 hex digits>)\n"
	"    -d, --detach            print the id and return (output goes to\n"
	"                            STORE/containers/ID/log); `hull delete ID` removes it\n"
	"    --rm                    remove everything on exit (always so in the foreground)\n"
	"    -i, --interactive       pass stdin (else the container reads /dev/null)\n"
	"    -t, --tty               allocate a terminal; -it for both\n"
	"    -e, --env K=V | K       set a variable (K alone: from hull's environment)\n"
	"    -v, --volume SRC:DST[:ro]  bind-mount an existing host path (DST absolute)\n"
	"    -w, --workdir DIR       working directory (default: the image's, else /)\n"
	"    -u, --user U[:G]        user and group, names or numbers (default: the image's)\n"
	"    --read-only             the default: read-only root, tmpfs on /tmp and /run\n"
	"    --read-write, --read-only=false\n"
	"                            a private writable overlayfs layer, removed with the\n"
	"                            container (the image's cached rootfs never changes)\n"
	"    --network none|host     a private network namespace (default) or the host's\n"
	"                            (refused by the policy unless it allows it)\n"
	"    --hostname NAME         the container's hostname\n"
	"    --cap-add CAP, --cap-drop CAP  change capabilities (default: none); the\n"
	"                            policy refuses dangerous ones (CAP_SYS_ADMIN, ...)\n"
	"\n"
	"EXIT STATUS\n"
	"    The container process's exit status, or 128+N if signal N killed it.\n"
	"    125  hull itself failed (bad config, missing rootfs, a protection that could\n"
	"         not be applied); the message names the field or path\n"
	"    126  the command exists in the container but cannot be executed\n"
	"    127  the command was not found in the container\n";

static const char create_help[] =
	"NAME\n"
	"    hull create - create a container that waits for `hull start`\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] create [OPTIONS] ID\n"
	"\n"
	"DESCRIPTION\n"
	"    Does everything `run` does up to the user process: namespaces, mounts,\n"
	"    devices, cgroup, hooks up to createContainer. The container process then\n"
	"    waits; `hull start ID` runs process.args, `hull delete ID` removes it.\n"
	"    `hull state ID` says created in between.\n"
	"\n"
	"OPTIONS\n"
	"    -b, --bundle DIR        the bundle directory (default: the current directory)\n"
	"    --pid-file FILE         write the container process's pid to FILE\n"
	"    --console-socket PATH   send the pty master to this unix socket (required\n"
	"                            when process.terminal is true)\n"
	"    --preserve-fds N        pass fds 3 .. 3+N-1 into the container\n"
	"    --no-new-keyring        accepted for runc compatibility\n"
	"    -h, --help              this text\n"
	"\n"
	"EXIT STATUS\n"
	"    0 once the container is created; 125 when hull refused or failed, with one\n"
	"    line naming the field or path; nothing is left behind then.\n";

static int
create_or_run (struct hull_cli_globals *g, int argc, char **argv, bool create)
{
	const char *cmd = create ? "create" : "run";
	const char *bundle = ".", *id = NULL;
	struct hull_run_options opts = { .state_root = g->root };
	bool detach = false, tty = false, keyring = false, no_pivot = false;
	struct hull_cli_list pos = { 0 };
	struct hull_cli_opt table[] = {
		{ "bundle", 'b', HULL_OPT_STRING, &bundle },
		{ "pid-file", 0, HULL_OPT_STRING, &opts.pid_file },
		{ "console-socket", 0, HULL_OPT_STRING, &opts.console_socket },
		{ "preserve-fds", 0, HULL_OPT_UINT, &opts.preserve_fds },
		{ "no-new-keyring", 0, HULL_OPT_FLAG, &keyring },
		{ create ? "-" : "detach", create ? 0 : 'd', HULL_OPT_FLAG, &detach },
		{ create ? "-" : "tty", create ? 0 : 't', HULL_OPT_FLAG, &tty },
		{ create ? "-" : "no-pivot", 0, HULL_OPT_FLAG, &no_pivot },
		{ NULL, 0, 0, NULL },
	};
	struct hull_oci_config *cfg = NULL;
	char bundle_abs[PATH_MAX];
	hull_error_t err = { 0 };
	int status = 0, r;

	if ((r = hull_cli_parse (cmd, table, argc, argv, &pos)) != 0 ||
	    (r = hull_cli_one_id (cmd, &pos, &id)) != 0) {
		free (pos.v);
		return r;
	}
	free (pos.v);
	/* Accepted globally for runc compatibility, but a container created under it would
	 * expect systemd to own its cgroup: refuse rather than silently use cgroupfs. */
	if (g->systemd_cgroup) {
		hull_error_make (&err, ENOTSUP,
				 "--systemd-cgroup: hull manages cgroups through cgroupfs only; "
				 "configure the caller with cgroup_manager = \"cgroupfs\"");
		return hull_cli_fail (cmd, &err);
	}
	if (no_pivot)
		return hull_cli_usage (cmd, "--no-pivot is refused: without pivot_root the old "
					    "root stays reachable from the container");
	if (realpath (bundle, bundle_abs) == NULL) {
		hull_error_make (&err, errno, "bundle `%s`", bundle);
		return hull_cli_fail (cmd, &err);
	}
	cfg = hull_oci_config_load (bundle_abs, &err);
	if (cfg == NULL || hull_oci_config_validate (cfg, &err) < 0) {
		hull_oci_config_free (cfg);
		return hull_cli_fail (cmd, &err);
	}
	/* Admission policy: before anything is created, so a refusal leaves nothing. */
	if ((r = hull_cli_policy_admit (g, cmd, cfg)) != 0) {
		hull_oci_config_free (cfg);
		return r;
	}
	if (tty)
		cfg->process.terminal = true;
	opts.id = id;
	opts.bundle = bundle_abs;
	opts.mode = create ? HULL_RUN_CREATE : detach ? HULL_RUN_DETACH : HULL_RUN_FOREGROUND;
	r = hull_runtime_run (cfg, &opts, &status, &err);
	hull_oci_config_free (cfg);
	if (r < 0)
		return hull_cli_fail (cmd, &err);
	return opts.mode == HULL_RUN_FOREGROUND ? status : 0;
}

/* OCI runtime mode when --bundle is given, or the first positional is a valid container
 * id and ./config.json exists; image mode otherwise, including when an option only
 * image mode knows comes first. Documented in run_help. */
static bool
is_oci_run (int argc, char **argv)
{
	static const char *const with_value[] = { "bundle",	  "b", "pid-file", "console-socket",
						  "preserve-fds", NULL };
	static const char *const flags[] = { "detach",	       "d",	   "tty", "t",
					     "no-new-keyring", "no-pivot", NULL };
	const char *bundle = NULL;
	bool bundle_given = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name = a + (a[1] == '-' ? 2 : 1);
		size_t n = strcspn (name, "=");
		bool known = false, takes = false;

		if (strcmp (a, "--") == 0 || a[0] != '-' || a[1] == '\0') {
			const char *pos =
				strcmp (a, "--") == 0 ? (i + 1 < argc ? argv[i + 1] : "") : a;
			_cleanup_free_ char *cfg = NULL;
			hull_error_t err = { 0 };
			/* --bundle only means something to OCI mode: let it report a bad id. */
			if (bundle_given)
				return true;
			if (hull_runtime_validate_id (pos, &err) < 0)
				return false;
			cfg = hull_xasprintf ("%s/config.json", bundle ? bundle : ".");
			return access (cfg, F_OK) == 0;
		}
		for (size_t k = 0; with_value[k] && !known; k++)
			known = takes = strlen (with_value[k]) == n &&
					strncmp (with_value[k], name, n) == 0;
		for (size_t k = 0; flags[k] && !known; k++)
			known = strlen (flags[k]) == n && strncmp (flags[k], name, n) == 0;
		if (!known)
			return false;
		if (takes && (n == 1 ? name[0] == 'b' : strncmp (name, "bundle", n) == 0)) {
			bundle_given = true;
			bundle =
				name[n] == '=' ? name + n + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
		}
		if (takes && name[n] != '=')
			i++;
	}
	return true; /* no positional: let the OCI parser report the missing id */
}

static int
cmd_run (struct hull_cli_globals *g, int argc, char **argv)
{
	if (!is_oci_run (argc, argv))
		return hull_cli_run_image (g, argc, argv);
	return create_or_run (g, argc, argv, false);
}

static int
cmd_create (struct hull_cli_globals *g, int argc, char **argv)
{
	return create_or_run (g, argc, argv, true);
}

const struct hull_cli_command hull_cmd_run = {
	.name = "run",
	.fn = cmd_run,
	.summary = "create and start a container (foreground, or --detach)",
	.help = run_help,
};

const struct hull_cli_command hull_cmd_create = {
	.name = "create",
	.fn = cmd_create,
	.summary = "create a container that waits for start",
	.help = create_help,
};
