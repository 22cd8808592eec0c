/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLI: the only code that prints and picks exit codes (STYLE.md). */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include <stdbool.h>

#include "hull/error.h"
#include "hull/runtime.h"

#define HULL_EXIT_ERROR 125 /* hull's own failure (podman convention, DESIGN.md) */

struct hull_cli_globals {
	const char *root;     /* --root, default /run/hull */
	const char *log_path; /* --log */
	bool log_json;	      /* --log-format json */
	bool debug;
	bool systemd_cgroup;
	const char *policy; /* --policy FILE (admission policy; NULL: /etc/hull/policy.json) */
	const char *store;  /* --store DIR (image store; NULL: /var/lib/hull) */
};

struct hull_cli_command {
	const char *name;
	int (*fn) (struct hull_cli_globals *g, int argc, char **argv);
	const char *summary; /* one line for `hull --help` */
	const char *help;    /* the man-page-style text for `hull CMD --help` */
};

/* Print "hull: <cmd>: <message>" for err (and log it), return the exit code its kind
 * maps to (125, 126 or 127). */
int hull_cli_fail (const char *cmd, const hull_error_t *err);
/* Print a usage error for cmd and return 125. */
int hull_cli_usage (const char *cmd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/* True if argv holds -h or --help before a "--"; prints the command's help. */
bool hull_cli_want_help (const struct hull_cli_command *c, int argc, char **argv);

enum hull_cli_opt_type {
	HULL_OPT_FLAG,	 /* bool */
	HULL_OPT_STRING, /* const char * */
	HULL_OPT_UINT,	 /* uint32_t, checked */
	HULL_OPT_LIST,	 /* struct hull_cli_list, repeatable */
};

struct hull_cli_opt {
	const char *name; /* long name without dashes; NULL ends a table */
	char short_name;
	enum hull_cli_opt_type type;
	void *dest;
};

struct hull_cli_list {
	const char **v;
	size_t n;
	size_t stop_after; /* positionals after which everything is positional (0: never) */
};

/* Parse argv[1..] against opts; positionals go to `positional`. Returns 0, or the exit
 * code after printing a usage error. */
int hull_cli_parse (const char *cmd, const struct hull_cli_opt *opts, int argc, char **argv,
		    struct hull_cli_list *positional);
/* Exactly one positional, a valid container id. Returns 0 or an exit code. */
int hull_cli_one_id (const char *cmd, struct hull_cli_list *pos, const char **id);

extern const struct hull_cli_command hull_cmd_run, hull_cmd_sandbox, hull_cmd_spec, hull_cmd_create,
	hull_cmd_start, hull_cmd_state, hull_cmd_kill, hull_cmd_delete, hull_cmd_list, hull_cmd_ps,
	hull_cmd_pause, hull_cmd_resume, hull_cmd_features, hull_cmd_exec;
extern const struct hull_cli_command hull_cmd_update, hull_cmd_events;

/* Admission policy (cmd-policy.c): `hull policy`, and the check create/run make after
 * validation. Prints warnings and the refusal; returns 0 to go on or the exit code. */
extern const struct hull_cli_command hull_cmd_policy;
/* `hull image` (cmd-image.c). */
extern const struct hull_cli_command hull_cmd_image;
/* `hull pull` (cmd-pull.c); `hull sbom`, `hull scan`, `hull db` (cmd-sbom.c, cmd-scan.c,
 * cmd-db.c). */
extern const struct hull_cli_command hull_cmd_pull, hull_cmd_sbom, hull_cmd_scan, hull_cmd_db;
/* The inventory of a `hull sbom` / `hull scan` target (cmd-sbom.c): a directory (an
 * unpacked rootfs), a CycloneDX or SPDX JSON file (detected by content), or an image
 * reference in the store. Returns 0, or fills err. */
struct hull_inventory;
int hull_cli_scan_target (struct hull_cli_globals *g, const char *target,
			  struct hull_inventory *inv, hull_error_t *err);
/* `hull run IMAGE [CMD...]` (cmd-run-image.c): cmd-run.c hands over when its first
 * positional is an image reference rather than a container id. */
int hull_cli_run_image (struct hull_cli_globals *g, int argc, char **argv);
/* The image store: --store, else HULL_CLI_STORE_DEFAULT for root, else the per-user
 * $XDG_DATA_HOME/hull or ~/.local/share/hull (cmd-run-image.c). */
#define HULL_CLI_STORE_DEFAULT "/var/lib/hull"
const char *hull_cli_store_path (struct hull_cli_globals *g);
struct hull_oci_config;
int hull_cli_policy_admit (struct hull_cli_globals *g, const char *cmd,
			   const struct hull_oci_config *cfg);

#endif
