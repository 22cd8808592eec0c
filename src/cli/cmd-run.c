/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "hull/oci.h"
#include "hull/runtime.h"

static const char run_help[] =
	"NAME\n"
	"    hull run - create and start a container from an OCI bundle\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] run [OPTIONS] ID\n"
	"\n"
	"DESCRIPTION\n"
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

static int
cmd_run (struct hull_cli_globals *g, int argc, char **argv)
{
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
