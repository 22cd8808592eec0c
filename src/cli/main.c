/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/log.h"

static const struct hull_cli_command *const commands[] = {
	&hull_cmd_create, &hull_cmd_start,    &hull_cmd_state, &hull_cmd_kill,	  &hull_cmd_delete,
	&hull_cmd_run,	  &hull_cmd_exec,     &hull_cmd_list,  &hull_cmd_ps,	  &hull_cmd_pause,
	&hull_cmd_resume, &hull_cmd_features, &hull_cmd_spec,  &hull_cmd_sandbox, &hull_cmd_update,
	&hull_cmd_events, &hull_cmd_policy,   &hull_cmd_image, &hull_cmd_pull,	  &hull_cmd_sbom,
	&hull_cmd_scan,	  &hull_cmd_db,
};

static const char main_help[] =
	"NAME\n"
	"    hull - a security-first container runtime\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n"
	"\n"
	"GLOBAL OPTIONS\n"
	"    --root DIR          state directory (default /run/hull)\n"
	"    --log FILE          write log lines to FILE instead of stderr\n"
	"    --log-format FMT    text (default) or json\n"
	"    --debug             log debug messages\n"
	"    --systemd-cgroup    accepted for compatibility; create and run refuse it\n"
	"                        (hull manages cgroups through cgroupfs only)\n"
	"    --policy FILE       admission policy (default /etc/hull/policy.json, else the\n"
	"                        built-in one; see `hull policy --help`)\n"
	"    --store DIR         image store (default /var/lib/hull; not root:\n"
	"                        $XDG_DATA_HOME/hull or ~/.local/share/hull)\n"
	"    -h, --help          this text; `hull COMMAND --help` for a command\n"
	"    -v, --version       print the version\n"
	"\n"
	"COMMANDS\n";

static FILE *log_file;

static void
log_sink (int level, const char *msg, void *userdata)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct hull_cli_globals *g = userdata;
	FILE *out = log_file ? log_file : stderr;
	const char *lvl = (level >= 0 && level <= 3) ? names[level] : "info";

	if (g->log_json) {
		char ts[64];
		time_t now = time (NULL);
		struct tm tm;

		gmtime_r (&now, &tm);
		strftime (ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf (out, "{\"level\":\"%s\",\"time\":\"%s\",\"msg\":\"", lvl, ts);
		for (const char *p = msg; *p; p++) {
			unsigned char c = (unsigned char) *p;
			if (c == '"' || c == '\\')
				fprintf (out, "\\%c", c);
			else if (c < 0x20)
				fprintf (out, "\\u%04x", c);
			else
				fputc (c, out);
		}
		fputs ("\"}\n", out);
	} else
		fprintf (out, "hull: %s: %s\n", lvl, msg);
	fflush (out);
}

int
hull_cli_fail (const char *cmd, const hull_error_t *err)
{
	fprintf (stderr, "hull: %s: %s\n", cmd, err->msg[0] ? err->msg : "unknown error");
	if (log_file)
		hull_log (HULL_LOG_ERROR, "%s: %s", cmd, err->msg);
	if (err->kind == HULL_ERR_EXEC_NOT_FOUND || err->kind == HULL_ERR_EXEC_DENIED)
		return err->kind;
	return HULL_EXIT_ERROR;
}

int
hull_cli_usage (const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf (stderr, "hull: %s: ", cmd);
	va_start (ap, fmt);
	vfprintf (stderr, fmt, ap);
	va_end (ap);
	fprintf (stderr, "\nTry `hull %s --help`.\n", cmd);
	return HULL_EXIT_ERROR;
}

bool
hull_cli_want_help (const struct hull_cli_command *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp (argv[i], "--") == 0)
			break;
		if (strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "--help") == 0) {
			fputs (c->help, stdout);
			return true;
		}
	}
	return false;
}

static void
print_main_help (FILE *out)
{
	fputs (main_help, out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf (out, "    %-18s  %s\n", commands[i]->name, commands[i]->summary);
}

/* `hull help [COMMAND]`: the same pages as --help. */
static int
help_command (int argc, char **argv)
{
	if (argc < 2) {
		print_main_help (stdout);
		return 0;
	}
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
		if (strcmp (argv[1], commands[c]->name) == 0) {
			fputs (commands[c]->help, stdout);
			return 0;
		}
	fprintf (stderr, "hull: help: unknown command `%s`\nTry `hull --help`.\n", argv[1]);
	return HULL_EXIT_ERROR;
}

/* Global options come before the command, as with runc and crun. Returns the index
 * of the command word, or -1 after printing an error. */
static int
parse_globals (struct hull_cli_globals *g, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		const char *eq = strchr (a, '=');
		size_t n = eq ? (size_t) (eq - a) : strlen (a);

#define IS(name) (n == strlen (name) && strncmp (a, name, n) == 0)
#define NEED_VALUE()                                                                               \
	do {                                                                                       \
		if (eq)                                                                            \
			val = eq + 1;                                                              \
		else if (i + 1 < argc)                                                             \
			val = argv[++i];                                                           \
		else {                                                                             \
			fprintf (stderr, "hull: option `%s` needs a value\n", a);                  \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)
		if (IS ("--root")) {
			NEED_VALUE ();
			g->root = val;
		} else if (IS ("--log")) {
			NEED_VALUE ();
			g->log_path = val;
		} else if (IS ("--log-format")) {
			NEED_VALUE ();
			if (strcmp (val, "json") == 0)
				g->log_json = true;
			else if (strcmp (val, "text") == 0)
				g->log_json = false;
			else {
				fprintf (stderr, "hull: --log-format: `%s` is not text or json\n",
					 val);
				return -1;
			}
		} else if (IS ("--debug"))
			g->debug = true;
		else if (IS ("--systemd-cgroup"))
			g->systemd_cgroup = true;
		else if (IS ("--policy")) { /* admission policy */
			NEED_VALUE ();
			g->policy = val;
		} else if (IS ("--store")) { /* image store */
			NEED_VALUE ();
			g->store = val;
		} else if (IS ("--help") || IS ("-h")) {
			print_main_help (stdout);
			exit (0);
		} else if (IS ("--version") || IS ("-v")) {
			printf ("hull version 0.1.0\nspec: 1.2.0\n");
			exit (0);
		} else {
			fprintf (stderr, "hull: unknown global option `%s`\nTry `hull --help`.\n",
				 a);
			return -1;
		}
#undef IS
#undef NEED_VALUE
	}
	return i;
}

int
main (int argc, char **argv)
{
	struct hull_cli_globals g = { .root = "/run/hull" };
	int i = parse_globals (&g, argc, argv);

	if (i < 0)
		return HULL_EXIT_ERROR;
	if (i >= argc) {
		print_main_help (stderr);
		return HULL_EXIT_ERROR;
	}
	if (g.log_path) {
		log_file = fopen (g.log_path, "ae");
		if (log_file == NULL) {
			fprintf (stderr, "hull: open log `%s`: %s\n", g.log_path, strerror (errno));
			return HULL_EXIT_ERROR;
		}
	}
	hull_log_set_sink (log_sink, g.debug ? HULL_LOG_DEBUG : HULL_LOG_WARNING, &g);
	if (strcmp (argv[i], "help") == 0)
		return help_command (argc - i, argv + i);
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
		if (strcmp (argv[i], commands[c]->name) != 0)
			continue;
		if (hull_cli_want_help (commands[c], argc - i, argv + i))
			return 0;
		return commands[c]->fn (&g, argc - i, argv + i);
	}
	fprintf (stderr, "hull: unknown command `%s`\nTry `hull --help`.\n", argv[i]);
	return HULL_EXIT_ERROR;
}
