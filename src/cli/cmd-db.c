/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull db`: the offline OSV vulnerability database (docs/vulndb.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/scan.h"

#define DEFAULT_STORE "/var/lib/hull"

static const char db_help[] =
	"NAME\n"
	"    hull db - build and inspect the offline vulnerability database\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--store DIR] db import [--db FILE] PATH...\n"
	"    hull [--store DIR] db info [--db FILE] [--format json]\n"
	"\n"
	"DESCRIPTION\n"
	"    The database is one index file (default <store>/" HULL_VULNDB_FILE ", where\n"
	"    the store is " DEFAULT_STORE " or the global --store DIR) built from records in\n"
	"    the OSV format (https://ossf.github.io/osv-schema/), as the OSV project\n"
	"    publishes them per ecosystem: a zip archive of JSON files, or a directory.\n"
	"    `hull scan` reads it without network access.\n"
	"\n"
	"    Every record is checked against the OSV schema; a bad record stops the\n"
	"    import with the file and the field named, and the previous index stays in\n"
	"    place (the new one is written to a temporary file and renamed). Withdrawn\n"
	"    records are left out; records for ecosystems hull cannot match are counted\n"
	"    as skipped.\n"
	"\n"
	"COMMANDS\n"
	"    import PATH...  build the index from directories of *.json (searched\n"
	"                    recursively), zip archives of them, or single JSON files;\n"
	"                    prints the records indexed and the import rate\n"
	"    info            print the format version, record counts per ecosystem,\n"
	"                    the build time and the time of the newest record\n"
	"\n"
	"OPTIONS\n"
	"    --db FILE       the index file instead of the default\n"
	"    --format json   (info) machine-readable output\n"
	"\n"
	"EXIT STATUS\n"
	"    0 on success, 125 on any error (a corrupted or tampered index included).\n";

static char *
db_path (struct hull_cli_globals *g, const char *opt)
{
	if (opt)
		return hull_xstrdup (opt);
	return hull_xasprintf ("%s/%s", g->store ? g->store : DEFAULT_STORE, HULL_VULNDB_FILE);
}

/* mkdir -p of the directory holding `file`. */
static int
make_parent (const char *file, hull_error_t *err)
{
	_cleanup_free_ char *dir = hull_xstrdup (file);
	char *slash = strrchr (dir, '/');

	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir (dir, 0755) < 0 && errno != EEXIST)
			return hull_error_make (err, errno, "create `%s`", dir);
		*p = '/';
	}
	if (mkdir (dir, 0755) < 0 && errno != EEXIST)
		return hull_error_make (err, errno, "create `%s`", dir);
	return 0;
}

static void
progress (void *arg, uint64_t files, uint64_t records)
{
	fprintf (stderr, "\rhull: db import: %" PRIu64 " files, %" PRIu64 " records", files,
		 records);
}

static double
now (void)
{
	struct timespec ts;
	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int
db_import (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *db = NULL;
	const struct hull_cli_opt opts[] = { { "db", 0, HULL_OPT_STRING, &db },
					     { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	struct hull_vulndb_import_opts o = { 0 };
	struct hull_vulndb_import_stats st = { 0 };
	_cleanup_free_ const char **v = NULL;
	_cleanup_free_ char *path = NULL;
	hull_error_t err = { 0 };
	bool tty = isatty (STDERR_FILENO);
	double t0, dt;
	int r = hull_cli_parse ("db import", opts, argc, argv, &pos);

	v = pos.v;
	if (r != 0)
		return r;
	if (pos.n == 0)
		return hull_cli_usage ("db import", "expected at least one PATH");
	path = db_path (g, db);
	if (tty)
		o.progress = progress; /* a progress line only for a person watching */
	if (make_parent (path, &err) < 0)
		return hull_cli_fail ("db import", &err);
	t0 = now ();
	r = hull_vulndb_import (pos.v, pos.n, path, &o, &st, &err);
	dt = now () - t0;
	if (tty)
		fputc ('\n', stderr);
	if (r < 0)
		return hull_cli_fail ("db import", &err);
	printf ("imported %" PRIu64 " records from %" PRIu64 " files into %s (%" PRIu64
		" withdrawn, %" PRIu64 " skipped)\n",
		st.records, st.files, path, st.withdrawn, st.skipped);
	printf ("%.3f s, %.0f records/s\n", dt, dt > 0 ? (double) st.files / dt : 0.0);
	return 0;
}

static void
fmt_time (time_t t, char out[32])
{
	struct tm tm;

	if (t <= 0 || gmtime_r (&t, &tm) == NULL ||
	    strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf (out, 32, "-");
}

HULL_DEFINE_CLEANUP (struct hull_vulndb, hull_vulndb_close)

static void
info_json (const char *path, const struct hull_vulndb_info *i)
{
	char newest[32], built[32];

	fmt_time (i->newest_modified, newest);
	fmt_time (i->built, built);
	printf ("{\n  \"path\": \"");
	for (const char *p = path; *p; p++)
		if (*p == '"' || *p == '\\')
			printf ("\\%c", *p);
		else if ((unsigned char) *p < 0x20)
			printf ("\\u%04x", *p);
		else
			putchar (*p);
	printf ("\",\n  \"format_version\": %u,\n  \"records\": %" PRIu64
		",\n  \"affected\": %" PRIu64 ",\n",
		i->format_version, i->n_records, i->n_affected);
	printf ("  \"newest_modified\": \"%s\",\n  \"built\": \"%s\",\n  \"ecosystems\": {", newest,
		built);
	/* Ecosystem names come from the index; the index was validated but keep the
	 * output JSON whatever they hold. */
	for (size_t k = 0; k < i->n_ecosystems; k++) {
		printf ("%s\n    \"", k ? "," : "");
		for (const char *p = i->ecosystems[k]; *p; p++)
			if (*p == '"' || *p == '\\')
				printf ("\\%c", *p);
			else if ((unsigned char) *p < 0x20)
				printf ("\\u%04x", *p);
			else
				putchar (*p);
		printf ("\": %" PRIu64, i->n_per_ecosystem[k]);
	}
	printf ("%s}\n}\n", i->n_ecosystems ? "\n  " : "");
}

static void
info_text (const char *path, const struct hull_vulndb_info *i)
{
	char newest[32], built[32];
	time_t t = time (NULL);

	fmt_time (i->newest_modified, newest);
	fmt_time (i->built, built);
	printf ("database:        %s\n", path);
	printf ("format version:  %u\n", i->format_version);
	printf ("records:         %" PRIu64 "\n", i->n_records);
	printf ("affected:        %" PRIu64 " (record, package) entries\n", i->n_affected);
	printf ("built:           %s\n", built);
	printf ("newest record:   %s", newest);
	if (i->newest_modified > 0 && t > i->newest_modified)
		printf (" (%lld days old)", (long long) ((t - i->newest_modified) / 86400));
	printf ("\n");
	printf ("ecosystems:\n");
	for (size_t k = 0; k < i->n_ecosystems; k++)
		printf ("  %-24s %" PRIu64 "\n", i->ecosystems[k], i->n_per_ecosystem[k]);
}

static int
db_info (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *db = NULL, *format = "table";
	const struct hull_cli_opt opts[] = { { "db", 0, HULL_OPT_STRING, &db },
					     { "format", 0, HULL_OPT_STRING, &format },
					     { NULL, 0, 0, NULL } };
	_cleanup_ (hull_vulndb_closep) struct hull_vulndb *h = NULL;
	struct hull_cli_list pos = { 0 };
	struct hull_vulndb_info info;
	_cleanup_free_ char *path = NULL;
	hull_error_t err = { 0 };
	int r = hull_cli_parse ("db info", opts, argc, argv, &pos);

	free (pos.v);
	if (r != 0)
		return r;
	if (pos.n != 0)
		return hull_cli_usage ("db info", "unexpected argument");
	if (strcmp (format, "json") != 0 && strcmp (format, "table") != 0)
		return hull_cli_usage ("db info", "--format: `%s` is not table or json", format);
	path = db_path (g, db);
	if ((h = hull_vulndb_open (path, &err)) == NULL ||
	    hull_vulndb_get_info (h, &info, &err) < 0)
		return hull_cli_fail ("db info", &err);
	if (strcmp (format, "json") == 0)
		info_json (path, &info);
	else
		info_text (path, &info);
	hull_vulndb_info_clear (&info);
	return 0;
}

static int
cmd_db (struct hull_cli_globals *g, int argc, char **argv)
{
	if (argc < 2)
		return hull_cli_usage ("db", "missing subcommand (import or info)");
	if (strcmp (argv[1], "import") == 0)
		return db_import (g, argc - 1, argv + 1);
	if (strcmp (argv[1], "info") == 0)
		return db_info (g, argc - 1, argv + 1);
	return hull_cli_usage ("db", "unknown subcommand `%s`", argv[1]);
}

const struct hull_cli_command hull_cmd_db = {
	.name = "db",
	.fn = cmd_db,
	.summary = "import and inspect the offline vulnerability database (OSV)",
	.help = db_help,
};
