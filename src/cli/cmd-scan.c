/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull scan TARGET`: match the inventory of a directory, an image or an SBOM against the
 * local vulnerability database and report through the one reporter (docs/scan.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/report/report.h"

#define HULL_VERSION_STRING "0.1.0"
#define DEFAULT_IGNORE ".hullignore"

static const char scan_help[] =
	"NAME\n"
	"    hull scan - find known vulnerabilities in an image, a directory or an SBOM\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--store DIR] scan TARGET [--db FILE] [--format table|json|sarif]\n"
	"         [--severity LIST] [--exit-code N] [--ignore-unfixed] [--ignore-file FILE]\n"
	"         [--vex FILE]... [--max-db-age DAYS] [--output FILE]\n"
	"\n"
	"DESCRIPTION\n"
	"    TARGET is an unpacked root filesystem, a CycloneDX or SPDX JSON SBOM, or an\n"
	"    image reference in the store. Packages are matched offline against the index\n"
	"    `hull db` builds (default STORE/" HULL_VULNDB_FILE ").\n"
	"    Directories and images are read by a confined child process, as in\n"
	"    `hull sbom` (HULL_SCAN_NO_CONFINE=1 turns that off: debugging only, unsafe).\n"
	"\n"
	"    --format FMT       table (default), json or sarif (SARIF 2.1.0)\n"
	"    --severity LIST    only these severities, e.g. HIGH,CRITICAL\n"
	"    --exit-code N      exit N when unsuppressed findings remain (default 0)\n"
	"    --ignore-unfixed   drop findings with no fixed version\n"
	"    --ignore-file F    suppress the entries of F (default ./.hullignore if present):\n"
	"                       `ID [pkg=NAME] [exp=YYYY-MM-DD] [# reason]` per line\n"
	"    --vex FILE         OpenVEX document; not_affected statements suppress\n"
	"    --max-db-age DAYS  warn when the newest record is older than DAYS\n"
	"    --output FILE      write the report to FILE\n"
	"\n"
	"    Suppressed findings are left out of the table and the exit-code decision and\n"
	"    kept in JSON and SARIF output, marked with the reason.\n"
	"\n"
	"EXIT STATUS\n"
	"    0, or the --exit-code value when findings remain; 125 on any error.\n";

struct scan_args {
	const char *db, *format, *severity, *ignore_file, *output;
	struct hull_cli_list vex;
	uint32_t exit_code, max_db_age;
	bool ignore_unfixed;
	struct hull_report_opts ro;
};

static int
parse_args (struct scan_args *a, int argc, char **argv, struct hull_cli_list *pos)
{
	const struct hull_cli_opt opts[] = {
		{ "db", 0, HULL_OPT_STRING, &a->db },
		{ "format", 'f', HULL_OPT_STRING, &a->format },
		{ "severity", 's', HULL_OPT_STRING, &a->severity },
		{ "exit-code", 0, HULL_OPT_UINT, &a->exit_code },
		{ "ignore-unfixed", 0, HULL_OPT_FLAG, &a->ignore_unfixed },
		{ "ignore-file", 0, HULL_OPT_STRING, &a->ignore_file },
		{ "vex", 0, HULL_OPT_LIST, &a->vex },
		{ "max-db-age", 0, HULL_OPT_UINT, &a->max_db_age },
		{ "output", 'o', HULL_OPT_STRING, &a->output },
		{ NULL, 0, 0, NULL },
	};
	hull_error_t err = { 0 };
	int r = hull_cli_parse ("scan", opts, argc, argv, pos);

	if (r != 0)
		return r;
	if (pos->n != 1)
		return hull_cli_usage ("scan", "expected one TARGET");
	if (strcmp (a->format, "table") && strcmp (a->format, "json") &&
	    strcmp (a->format, "sarif"))
		return hull_cli_usage ("scan", "--format: `%s` is not table, json or sarif",
				       a->format);
	if (a->exit_code > 255)
		return hull_cli_usage ("scan", "--exit-code: %u is not 0-255", a->exit_code);
	if (a->severity && hull_report_parse_severities (a->severity, &a->ro.severities, &err) < 0)
		return hull_cli_usage ("scan", "--severity: %s", err.msg);
	a->ro.ignore_unfixed = a->ignore_unfixed;
	a->ro.tool_version = HULL_VERSION_STRING;
	return 0;
}

/* The ignore file: an explicit one must exist; the default one only if present. */
static int
apply_ignore (const char *path, struct hull_findings *f, hull_error_t *err)
{
	struct hull_ignore ig = { 0 };
	int today = hull_ignore_today (time (NULL));

	if (path == NULL) {
		if (access (DEFAULT_IGNORE, F_OK) != 0)
			return 0;
		path = DEFAULT_IGNORE;
	}
	if (hull_ignore_load (path, &ig, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < ig.n; i++)
		if (hull_ignore_expired (&ig.v[i], today))
			fprintf (stderr,
				 "hull: scan: %s:%u: `%s` expired on %04d-%02d-%02d and no longer "
				 "applies\n",
				 ig.name, ig.v[i].line, ig.v[i].id, ig.v[i].expires / 10000,
				 ig.v[i].expires / 100 % 100, ig.v[i].expires % 100);
	hull_ignore_apply (&ig, today, f);
	hull_ignore_clear (&ig);
	return 0;
}

static int
apply_vex (const struct hull_cli_list *files, struct hull_findings *f, hull_error_t *err)
{
	for (size_t i = 0; i < files->n; i++) {
		struct hull_vex vx = { 0 };
		if (hull_vex_load (files->v[i], &vx, err) < 0)
			return -EINVAL;
		hull_vex_apply (&vx, f);
		hull_vex_clear (&vx);
	}
	return 0;
}

HULL_DEFINE_CLEANUP (struct hull_vulndb, hull_vulndb_close)

static void
warn_age (struct hull_vulndb *db, const char *path, uint32_t max_days)
{
	struct hull_vulndb_info info = { 0 };
	hull_error_t err = { 0 };
	time_t now = time (NULL);

	if (max_days == 0)
		return;
	if (hull_vulndb_get_info (db, &info, &err) < 0) {
		fprintf (stderr, "hull: scan: warning: %s\n", err.msg);
		return;
	}
	if (info.newest_modified < now - (time_t) max_days * 86400)
		fprintf (stderr,
			 "hull: scan: warning: database `%s` is %lld days old (newest record), "
			 "more than --max-db-age %u; rebuild it with `hull db import`\n",
			 path, (long long) ((now - info.newest_modified) / 86400), max_days);
	hull_vulndb_info_clear (&info);
}

static int
find (struct hull_cli_globals *g, struct scan_args *a, const struct hull_inventory *inv,
      struct hull_findings *f, hull_error_t *err)
{
	_cleanup_free_ char *dflt = NULL;
	_cleanup_ (hull_vulndb_closep) struct hull_vulndb *db = NULL;
	const char *path = a->db;

	if (path == NULL)
		path = dflt = hull_xasprintf ("%s/%s", hull_cli_store_path (g), HULL_VULNDB_FILE);
	if ((db = hull_vulndb_open (path, err)) == NULL)
		return hull_error_wrap (err, "vulnerability database (build it with `hull db`)");
	warn_age (db, path, a->max_db_age);
	return hull_vulndb_match (db, inv, f, err);
}

static int
output (struct scan_args *a, const struct hull_inventory *inv, const struct hull_findings *f,
	hull_error_t *err)
{
	_cleanup_fclose_ FILE *file = NULL;
	_cleanup_free_ char *text = NULL;
	FILE *out = stdout;

	if (a->output && (out = file = fopen (a->output, "we")) == NULL)
		return hull_error_make (err, errno, "open `%s`", a->output);
	if (strcmp (a->format, "table") == 0) {
		a->ro.color = file == NULL && isatty (STDOUT_FILENO) && getenv ("NO_COLOR") == NULL;
		return hull_report_table (out, inv, f, &a->ro, err);
	}
	text = strcmp (a->format, "json") == 0 ? hull_report_json (inv, f, &a->ro)
					       : hull_report_sarif (inv, f, &a->ro);
	if (fputs (text, out) < 0 || fflush (out) != 0)
		return hull_error_make (err, errno, "write the report");
	return 0;
}

static int
cmd_scan (struct hull_cli_globals *g, int argc, char **argv)
{
	struct scan_args a = { .format = "table" };
	struct hull_cli_list pos = { 0 };
	struct hull_inventory inv = { 0 };
	struct hull_findings f = { 0 };
	hull_error_t err = { 0 };
	int r = parse_args (&a, argc, argv, &pos);

	if (r == 0 &&
	    (hull_cli_scan_target (g, pos.v[0], &inv, &err) < 0 ||
	     find (g, &a, &inv, &f, &err) < 0 || apply_ignore (a.ignore_file, &f, &err) < 0 ||
	     apply_vex (&a.vex, &f, &err) < 0))
		r = hull_cli_fail ("scan", &err);
	if (r == 0) {
		hull_report_select (&f, &a.ro);
		if (output (&a, &inv, &f, &err) < 0)
			r = hull_cli_fail ("scan", &err);
		else if (a.exit_code && hull_report_count_active (&f) > 0)
			r = (int) a.exit_code;
	}
	hull_findings_clear (&f);
	hull_inventory_clear (&inv);
	free (a.vex.v);
	free (pos.v);
	return r;
}

const struct hull_cli_command hull_cmd_scan = {
	.name = "scan",
	.fn = cmd_scan,
	.summary = "find known vulnerabilities in an image, directory or SBOM",
	.help = scan_help,
};
