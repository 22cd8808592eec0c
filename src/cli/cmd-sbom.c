/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull sbom TARGET`: the inventory of a directory, an image or an SBOM as CycloneDX 1.5,
 * SPDX 2.3 or hull's inventory JSON (docs/scan.md). Also the target loader `hull scan`
 * shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/file.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "hull/runtime.h"
#include "hull/scan.h"
#include "scan/sbom/sbom.h"

#define HULL_VERSION_STRING "0.1.0"

static const char sbom_help[] =
	"NAME\n"
	"    hull sbom - list the packages of an image, a directory or an SBOM\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--store DIR] sbom TARGET [--format cyclonedx|spdx|json] [--output FILE]\n"
	"\n"
	"DESCRIPTION\n"
	"    TARGET is an unpacked root filesystem (a directory), a CycloneDX or SPDX JSON\n"
	"    SBOM (a file, recognised by its content), or an image reference in the store.\n"
	"    Packages come from the dpkg, apk and rpm databases and language manifests.\n"
	"    Works offline. The package readers run in a confined child process that\n"
	"    can read the target and nothing else (docs/scan.md \"Confinement\").\n"
	"\n"
	"    --format cyclonedx   CycloneDX 1.5 JSON (the default)\n"
	"    --format spdx        SPDX 2.3 JSON\n"
	"    --format json        hull's inventory JSON (docs/scan.md)\n"
	"    --output FILE        write to FILE instead of standard output\n"
	"\n"
	"ENVIRONMENT\n"
	"    HULL_SCAN_NO_CONFINE=1  debugging only, unsafe: read the target inside hull\n"
	"                            itself, without the confinement\n"
	"\n"
	"EXIT STATUS\n"
	"    0 on success, 125 on any error.\n";

HULL_DEFINE_CLEANUP (struct hull_image_store, hull_image_store_free)

/* The package-database and manifest readers parse a hostile tree: they run in a
 * confined child (hull_confine_call, docs/scan.md "Confinement") that can read the
 * tree and nothing else, and hands the inventory back as full inventory JSON. */
struct confined_scan {
	int rootfd;
	const char *name;
};

/* What the readers load on demand (rpm.c, archive-shim.c): the child cannot read the
 * host's library directories once confined. */
static const char *const scan_preload[] = { "libsqlite3.so.0", "libarchive.so.13" };

#define SCAN_CPU_SECONDS 600
#define SCAN_MAX_AS (8ULL << 30)
#define SCAN_TIMEOUT_MS (30u * 60 * 1000)

static int
scan_child (void *arg, int out_fd, hull_error_t *err)
{
	const struct confined_scan *cs = arg;
	struct hull_inventory inv = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = hull_inventory_scan_dir (cs->rootfd, cs->name, NULL, &inv, err);

	if (r == 0) {
		text = hull_sbom_inventory_json_full (&inv, NULL, &len);
		r = hull_confine_write (out_fd, text, len, err);
	}
	hull_inventory_clear (&inv);
	return r;
}

static int
scan_confined (int fd, const char *name, struct hull_inventory *inv, hull_error_t *err)
{
	struct confined_scan cs = { .rootfd = fd, .name = name };
	const struct hull_confine_opts o = {
		.read_fds = &fd,
		.n_read_fds = 1,
		.preload = scan_preload,
		.n_preload = sizeof scan_preload / sizeof *scan_preload,
		.cpu_seconds = SCAN_CPU_SECONDS,
		.max_as = SCAN_MAX_AS,
		.timeout_ms = SCAN_TIMEOUT_MS,
		/* seccomp and Landlock already keep it off the network and the host. */
		.namespaces_optional = true,
		/* Read the tree as the unconfined scan would: /root (0700) holds pip
		 * --user packages in many images. */
		.read_as_root = true,
	};
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (hull_confine_call (&o, scan_child, &cs, &text, &len, HULL_SBOM_MAX_BYTES, err) < 0)
		return -EINVAL;
	if (hull_sbom_inventory_read (text, len, "confined scan output", inv, err) < 0)
		return hull_error_wrap (err, "scan `%s`", name);
	return 0;
}

static int
scan_dir_path (const char *path, const char *name, struct hull_inventory *inv, hull_error_t *err)
{
	_cleanup_close_ int fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *no_confine = getenv ("HULL_SCAN_NO_CONFINE");

	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", path);
	/* Debugging only (docs/scan.md "Confinement"): the readers then run inside hull,
	 * with all of its privileges, over hostile data. */
	if (no_confine && strcmp (no_confine, "1") == 0) {
		fprintf (stderr,
			 "hull: warning: HULL_SCAN_NO_CONFINE=1: scanning `%s` unconfined\n", name);
		return hull_inventory_scan_dir (fd, name, NULL, inv, err);
	}
	return scan_confined (fd, name, inv, err);
}

static int
scan_file (const char *path, struct hull_inventory *inv, hull_error_t *err)
{
	size_t len = 0;
	_cleanup_free_ char *text =
		hull_file_read_capped (AT_FDCWD, path, 0, HULL_SBOM_MAX_BYTES, &len, err);

	if (text == NULL)
		return -EINVAL;
	if (hull_sbom_detect (text, len) == HULL_SBOM_NONE)
		return hull_error_make (err, 0,
					"`%s` is not a CycloneDX or SPDX JSON document, a "
					"directory, or an image in the store",
					path);
	return hull_sbom_read (text, len, path, inv, err);
}

/* An image in the store: its rootfs from the store's cache (built on first use), held
 * under the store lock so that prune cannot remove it while it is read. */
static int
scan_image (struct hull_cli_globals *g, const char *ref, struct hull_inventory *inv,
	    hull_error_t *err)
{
	const char *root = hull_cli_store_path (g);
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = NULL;
	struct hull_image_resolved img = { 0 };
	_cleanup_free_ char *rootfs = NULL;
	int r;

	if ((s = hull_image_store_open (root, err)) == NULL)
		return -EINVAL;
	if (hull_image_store_lock (s, err) < 0)
		return -EINVAL;
	r = hull_image_resolve (s, ref, &img, err);
	if (r == 0 &&
	    (rootfs = hull_image_rootfs_get (s, root, &img, NULL, 0, NULL, 0, err)) == NULL)
		r = -EINVAL;
	if (r == 0 && (r = scan_dir_path (rootfs, img.name, inv, err)) == 0)
		inv->target_digest = hull_xstrdup (img.manifest_digest);
	hull_image_store_unlock (s);
	hull_image_resolved_clear (&img);
	return r;
}

int
hull_cli_scan_target (struct hull_cli_globals *g, const char *target, struct hull_inventory *inv,
		      hull_error_t *err)
{
	struct stat st;

	if (stat (target, &st) == 0) {
		if (S_ISDIR (st.st_mode))
			return scan_dir_path (target, target, inv, err);
		if (S_ISREG (st.st_mode))
			return scan_file (target, inv, err);
		return hull_error_make (err, 0, "`%s` is neither a directory nor a regular file",
					target);
	}
	if (errno != ENOENT)
		return hull_error_make (err, errno, "target `%s`", target);
	if (scan_image (g, target, inv, err) < 0)
		return hull_error_wrap (err, "target `%s` (no such file; as an image reference)",
					target);
	return 0;
}

static const struct {
	const char *name;
	int n;
} formats[] = { { "cyclonedx", 0 }, { "spdx", 1 }, { "json", 2 } };

static char *
emit (int fmt, const struct hull_inventory *inv, hull_error_t *err)
{
	struct hull_sbom_opts o = { .tool_version = HULL_VERSION_STRING };

	switch (fmt) {
	case 0:
		return hull_sbom_cyclonedx (inv, &o, err);
	case 1:
		return hull_sbom_spdx (inv, &o, err);
	default:
		return hull_sbom_inventory_json (inv, &o);
	}
}

static int
write_out (const char *output, const char *text)
{
	_cleanup_fclose_ FILE *f = NULL;

	if (output == NULL) {
		fputs (text, stdout);
		return fflush (stdout) == 0 ? 0 : -errno;
	}
	if ((f = fopen (output, "we")) == NULL)
		return -errno;
	if (fputs (text, f) < 0 || fflush (f) != 0)
		return -errno;
	return 0;
}

static int
cmd_sbom (struct hull_cli_globals *g, int argc, char **argv)
{
	const char *format = "cyclonedx", *output = NULL;
	const struct hull_cli_opt opts[] = { { "format", 'f', HULL_OPT_STRING, &format },
					     { "output", 'o', HULL_OPT_STRING, &output },
					     { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	_cleanup_free_ const char **v = NULL;
	_cleanup_free_ char *text = NULL;
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };
	int fmt = -1, r;

	r = hull_cli_parse ("sbom", opts, argc, argv, &pos);
	v = pos.v;
	if (r != 0)
		return r;
	if (pos.n != 1)
		return hull_cli_usage ("sbom", "expected one TARGET");
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (strcmp (format, formats[i].name) == 0)
			fmt = formats[i].n;
	if (fmt < 0)
		return hull_cli_usage ("sbom", "--format: `%s` is not cyclonedx, spdx or json",
				       format);
	if (hull_cli_scan_target (g, pos.v[0], &inv, &err) < 0) {
		hull_inventory_clear (&inv);
		return hull_cli_fail ("sbom", &err);
	}
	text = emit (fmt, &inv, &err);
	hull_inventory_clear (&inv);
	if (text == NULL)
		return hull_cli_fail ("sbom", &err);
	if ((r = write_out (output, text)) < 0) {
		hull_error_make (&err, -r, "write `%s`", output ? output : "standard output");
		return hull_cli_fail ("sbom", &err);
	}
	return 0;
}

const struct hull_cli_command hull_cmd_sbom = {
	.name = "sbom",
	.fn = cmd_sbom,
	.summary = "list the packages of an image, directory or SBOM (CycloneDX, SPDX)",
	.help = sbom_help,
};
