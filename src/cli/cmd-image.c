/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull image`: the local image store (docs/images.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "image/unpack.h"

#define DEFAULT_STORE "/var/lib/hull"

static const char image_help[] =
	"NAME\n"
	"    hull image - manage the local image store\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--store DIR] image import PATH [--name REF]\n"
	"    hull [--store DIR] image ls [--format json]\n"
	"    hull [--store DIR] image inspect REF [--platform OS/ARCH[/VARIANT]]\n"
	"    hull [--store DIR] image rm REF\n"
	"    hull [--store DIR] image prune\n"
	"    hull [--store DIR] image export REF DIR\n"
	"    hull [--store DIR] image unpack REF DIR [--platform OS/ARCH[/VARIANT]]\n"
	"         [--allow-devices] [--allow-setid] [--allow-xattrs] [--max-size BYTES[K|M|G]]\n"
	"         [--max-entries N] [--max-path-len N] [--max-depth N] [--max-ratio N]\n"
	"\n"
	"DESCRIPTION\n"
	"    The store (--store DIR; default " DEFAULT_STORE " as root, else\n"
	"    $XDG_DATA_HOME/hull or ~/.local/share/hull) keeps blobs\n"
	"    by SHA-256 digest and an index of names. Every blob is checked against its\n"
	"    digest when written and again whenever it is read; a corrupted blob is\n"
	"    reported by digest and never used.\n"
	"\n"
	"    References follow the container tools' rules: [DOMAIN/]PATH[:TAG][@DIGEST].\n"
	"    This build's default domain is \"" HULL_DEFAULT_REGISTRY "\"; when it is empty,\n"
	"    references must name their registry (`localhost/NAME` for local images).\n"
	"\n"
	"COMMANDS\n"
	"    import PATH     import an OCI image layout (a directory or its tar) or a\n"
	"                    docker-archive (docker save, podman save); --name REF names\n"
	"                    its only image, else the ref.name annotations or RepoTags\n"
	"    ls              list names, digests and media types (--format json)\n"
	"    inspect REF     print the manifest and config as JSON; for a multi-platform\n"
	"                    image the host's platform, or --platform\n"
	"    rm REF          remove a name (blobs stay until prune)\n"
	"    prune           remove blobs no name reaches\n"
	"    export REF DIR  write the image as an OCI layout into DIR (new or empty)\n"
	"    unpack REF DIR  flatten the image's layers into DIR, which must not exist:\n"
	"                    it is created, and removed again on any failure. Every\n"
	"                    layer is checked against the config's diff_ids and written\n"
	"                    through the rootfs resolver (docs/unpack.md). Devices and\n"
	"                    fifos are skipped, setuid/setgid bits cleared and xattrs\n"
	"                    other than user.* dropped unless --allow-devices,\n"
	"                    --allow-setid, --allow-xattrs; limits per layer (0: the\n"
	"                    default): --max-size uncompressed bytes (32G), --max-entries\n"
	"                    (1000000), --max-path-len bytes (4096), --max-depth\n"
	"                    components (256), --max-ratio of uncompressed to compressed\n"
	"                    bytes (1000). A multi-platform image gives the host's\n"
	"                    platform, or --platform\n"
	"\n"
	"EXIT STATUS\n"
	"    0 on success, 125 on any error.\n";

static int
open_store (struct hull_cli_globals *g, struct hull_image_store **s)
{
	hull_error_t err = { 0 };

	*s = hull_image_store_open (hull_cli_store_path (g), &err);
	return *s ? 0 : hull_cli_fail ("image", &err);
}

HULL_DEFINE_CLEANUP (struct hull_image_store, hull_image_store_free)
HULL_DEFINE_CLEANUP (struct hull_image_manifest, hull_image_manifest_free)

/* The index entry a reference names: by tag, or by digest among the entries of the
 * same repository. */
static int
resolve (struct hull_image_store *s, const char *arg, struct hull_image_entry *out,
	 hull_error_t *err)
{
	struct hull_image_ref ref;
	_cleanup_free_ char *key = NULL, *name = NULL;
	struct hull_image_entry *v = NULL;
	size_t n = 0;
	int r = -ENOENT;

	if (hull_image_ref_parse (arg, HULL_DEFAULT_REGISTRY, &ref, err) < 0)
		return -EINVAL;
	name = hull_image_ref_name (&ref);
	if (ref.tag) {
		key = hull_xasprintf ("%s:%s", name, ref.tag);
		r = hull_image_store_resolve (s, key, out, err);
		if (r == 0 && ref.digest && strcmp (ref.digest, out->digest) != 0) {
			hull_image_entry_clear (out);
			r = hull_error_make (err, 0, "image `%s`: `%s` names %s", arg, key,
					     out->digest);
		}
		hull_image_ref_clear (&ref);
		return r;
	}
	if (hull_image_store_list (s, &v, &n, err) == 0) {
		size_t nl = strlen (name);
		for (size_t i = 0; i < n && r < 0; i++)
			if (strncmp (v[i].name, name, nl) == 0 &&
			    (v[i].name[nl] == ':' || v[i].name[nl] == '@') &&
			    strcmp (v[i].digest, ref.digest) == 0) {
				*out = v[i];
				memset (&v[i], 0, sizeof v[i]);
				r = 0;
			}
		if (r < 0)
			r = hull_error_make (err, ENOENT, "image `%s`", arg);
	}
	hull_image_entries_free (v, n);
	hull_image_ref_clear (&ref);
	return r;
}

static int
image_import (struct hull_image_store *s, int argc, char **argv)
{
	const char *name = NULL;
	const struct hull_cli_opt opts[] = { { "name", 0, HULL_OPT_STRING, &name },
					     { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	_cleanup_free_ const char **v = NULL;
	hull_error_t err = { 0 };
	struct stat st;
	int r = hull_cli_parse ("image import", opts, argc, argv, &pos);

	v = pos.v;
	if (r != 0)
		return r;
	if (pos.n != 1)
		return hull_cli_usage ("image import", "expected one PATH");
	if (stat (pos.v[0], &st) < 0)
		return hull_cli_usage ("image import", "`%s`: %s", pos.v[0], strerror (errno));
	r = S_ISDIR (st.st_mode) ? hull_image_import_oci_dir (s, pos.v[0], name, &err)
				 : hull_image_import_archive (s, pos.v[0], name, &err);
	if (r < 0)
		return hull_cli_fail ("image import", &err);
	return 0;
}

static int
image_ls (struct hull_image_store *s, int argc, char **argv)
{
	const char *format = "table";
	const struct hull_cli_opt opts[] = { { "format", 0, HULL_OPT_STRING, &format },
					     { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	struct hull_image_entry *v = NULL;
	hull_error_t err = { 0 };
	size_t n = 0;
	int r = hull_cli_parse ("image ls", opts, argc, argv, &pos);

	free (pos.v);
	if (r != 0)
		return r;
	if (pos.n != 0)
		return hull_cli_usage ("image ls", "unexpected argument");
	if (strcmp (format, "json") != 0 && strcmp (format, "table") != 0)
		return hull_cli_usage ("image ls", "--format: `%s` is not table or json", format);
	if (hull_image_store_list (s, &v, &n, &err) < 0)
		return hull_cli_fail ("image ls", &err);
	if (strcmp (format, "json") == 0) {
		_cleanup_ (json_decrefp) json_t *a = json_array ();
		_cleanup_free_ char *text = NULL;
		for (size_t i = 0; i < n; i++)
			json_array_append_new (a, json_pack ("{s:s,s:s,s:s,s:I}", "name", v[i].name,
							     "digest", v[i].digest, "mediaType",
							     v[i].media_type, "size",
							     (json_int_t) v[i].size));
		text = json_dumps (a, JSON_INDENT (2));
		puts (text);
	} else {
		printf ("%-50s  %-19s  %s\n", "REFERENCE", "DIGEST", "TYPE");
		for (size_t i = 0; i < n; i++)
			printf ("%-50s  %.19s  %s\n", v[i].name, v[i].digest,
				hull_image_media_kind (v[i].media_type) == HULL_IMAGE_KIND_INDEX
					? "index"
					: "manifest");
	}
	hull_image_entries_free (v, n);
	return 0;
}

/* Read a verified JSON blob and parse it (duplicate keys refused). */
static json_t *
load_json (struct hull_image_store *s, const char *digest, char **raw, size_t *len,
	   hull_error_t *err)
{
	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, raw, len, err) < 0)
		return NULL;
	return hull_json_parse (*raw, *len, HULL_IMAGE_JSON_MAX, digest, err);
}

/* The image manifest for `platform` (the host's when NULL), following an index. */
static int
inspect_json (struct hull_image_store *s, const struct hull_image_entry *e, const char *platform,
	      json_t *out, hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *idx = NULL;
	_cleanup_free_ char *raw = NULL, *raw2 = NULL, *craw = NULL, *child = NULL;
	const char *digest = e->digest;
	size_t len, clen;
	json_t *doc;

	if ((doc = load_json (s, digest, &raw, &len, err)) == NULL)
		return -EINVAL;
	m = hull_image_manifest_parse (raw, len, e->media_type, err);
	if (m && m->kind == HULL_IMAGE_KIND_INDEX) {
		struct hull_image_platform want;
		const struct hull_image_desc *d;
		json_object_set_new (out, "index", doc);
		idx = TAKE_PTR (m);
		if (platform == NULL)
			hull_image_platform_host (&want);
		else if (hull_image_platform_parse (platform, &want, err) < 0)
			return -EINVAL;
		d = hull_image_index_select (idx, &want, err);
		hull_image_platform_clear (&want);
		if (d == NULL || (doc = load_json (s, d->digest, &raw2, &len, err)) == NULL)
			return -EINVAL;
		digest = child = hull_xstrdup (d->digest);
		m = hull_image_manifest_parse (raw2, len, d->media_type, err);
		if (m && m->kind != HULL_IMAGE_KIND_MANIFEST) {
			m = hull_image_manifest_free (m);
			hull_error_make (err, 0, "nested index");
		}
	}
	if (m == NULL) {
		json_decref (doc);
		return hull_error_wrap (err, "blob %s", digest);
	}
	json_object_set_new (out, "manifestDigest", json_string (digest));
	json_object_set_new (out, "manifest", doc);
	if ((doc = load_json (s, m->config.digest, &craw, &clen, err)) == NULL)
		return -EINVAL;
	json_object_set_new (out, "config", doc);
	return 0;
}

static int
image_inspect (struct hull_image_store *s, int argc, char **argv)
{
	const char *platform = NULL;
	const struct hull_cli_opt opts[] = { { "platform", 0, HULL_OPT_STRING, &platform },
					     { NULL, 0, 0, NULL } };
	struct hull_cli_list pos = { 0 };
	_cleanup_free_ const char **v = NULL;
	_cleanup_ (json_decrefp) json_t *out = NULL;
	_cleanup_free_ char *text = NULL;
	struct hull_image_entry e;
	hull_error_t err = { 0 };
	int r = hull_cli_parse ("image inspect", opts, argc, argv, &pos);

	v = pos.v;
	if (r != 0)
		return r;
	if (pos.n != 1)
		return hull_cli_usage ("image inspect", "expected one REF");
	if (resolve (s, pos.v[0], &e, &err) < 0)
		return hull_cli_fail ("image inspect", &err);
	out = json_pack ("{s:s,s:s,s:s}", "name", e.name, "digest", e.digest, "mediaType",
			 e.media_type);
	r = inspect_json (s, &e, platform, out, &err);
	hull_image_entry_clear (&e);
	if (r < 0)
		return hull_cli_fail ("image inspect", &err);
	text = json_dumps (out, JSON_INDENT (2));
	puts (text);
	return 0;
}

/* rm, prune and export share one shape: fixed positionals, no options. */
static int
image_simple (struct hull_image_store *s, const char *cmd, int argc, char **argv, size_t want,
	      struct hull_cli_list *pos)
{
	static const struct hull_cli_opt none[] = { { NULL, 0, 0, NULL } };
	int r = hull_cli_parse (cmd, none, argc, argv, pos);

	if (r == 0 && pos->n != want)
		r = hull_cli_usage (cmd, "expected %zu argument%s", want, want == 1 ? "" : "s");
	return r;
}

static int
image_rm (struct hull_image_store *s, int argc, char **argv)
{
	struct hull_cli_list pos = { 0 };
	struct hull_image_entry e = { 0 };
	hull_error_t err = { 0 };
	int r = image_simple (s, "image rm", argc, argv, 1, &pos);

	if (r == 0 &&
	    (resolve (s, pos.v[0], &e, &err) < 0 || hull_image_store_untag (s, e.name, &err) < 0))
		r = hull_cli_fail ("image rm", &err);
	hull_image_entry_clear (&e);
	free (pos.v);
	return r;
}

static int
image_prune (struct hull_image_store *s, int argc, char **argv)
{
	struct hull_cli_list pos = { 0 };
	hull_error_t err = { 0 };
	size_t removed = 0;
	int r = image_simple (s, "image prune", argc, argv, 0, &pos);

	free (pos.v);
	if (r != 0)
		return r;
	if (hull_image_store_prune (s, &removed, &err) < 0)
		return hull_cli_fail ("image prune", &err);
	printf ("removed %zu blob%s\n", removed, removed == 1 ? "" : "s");
	return 0;
}

static int
image_export (struct hull_image_store *s, int argc, char **argv)
{
	struct hull_cli_list pos = { 0 };
	struct hull_image_entry e = { 0 };
	hull_error_t err = { 0 };
	int r = image_simple (s, "image export", argc, argv, 2, &pos);

	if (r == 0 && (resolve (s, pos.v[0], &e, &err) < 0 ||
		       hull_image_export_oci_dir (s, e.name, pos.v[1], &err) < 0))
		r = hull_cli_fail ("image export", &err);
	hull_image_entry_clear (&e);
	free (pos.v);
	return r;
}

/* The image manifest digest of `e` for `platform` (the host's when NULL). */
static char *
manifest_digest (struct hull_image_store *s, const struct hull_image_entry *e, const char *platform,
		 hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *raw = NULL;
	struct hull_image_platform want;
	const struct hull_image_desc *d;
	size_t len;

	if (hull_image_store_get (s, e->digest, HULL_IMAGE_JSON_MAX, &raw, &len, err) < 0 ||
	    (m = hull_image_manifest_parse (raw, len, e->media_type, err)) == NULL)
		return NULL;
	if (m->kind == HULL_IMAGE_KIND_MANIFEST)
		return hull_xstrdup (e->digest);
	if (platform == NULL)
		hull_image_platform_host (&want);
	else if (hull_image_platform_parse (platform, &want, err) < 0)
		return NULL;
	d = hull_image_index_select (m, &want, err);
	hull_image_platform_clear (&want);
	return d ? hull_xstrdup (d->digest) : NULL;
}

/* "123", "64K", "2M", "32G" (powers of 1024). */
static int
parse_size (const char *arg, uint64_t *out, hull_error_t *err)
{
	static const char units[] = "KMG";
	_cleanup_free_ char *num = hull_xstrdup (arg);
	size_t n = strlen (num);
	const char *u = n ? strchr (units, num[n - 1]) : NULL;
	unsigned shift = u && *u ? 10u * (unsigned) (u - units + 1) : 0;

	if (shift)
		num[n - 1] = '\0';
	if (hull_parse_u64 (num, 10, out, "--max-size", err) < 0)
		return -EINVAL;
	if (*out > (UINT64_MAX >> shift))
		return hull_error_make (err, ERANGE, "--max-size `%s`", arg);
	*out <<= shift;
	return 0;
}

/* Create DIR (not existing) and unpack into it; remove it again on failure. */
static int
unpack_into (struct hull_image_store *s, const char *manifest, const char *dir,
	     const struct hull_unpack_opts *o, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xstrdup (dir), *parent = NULL;
	_cleanup_close_ int pfd = -EBADF, rootfd = -EBADF;
	hull_error_t ignored;
	char *slash, *base;
	size_t n = strlen (path);

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	slash = strrchr (path, '/');
	base = slash ? slash + 1 : path;
	parent = slash ? hull_xstrndup (path, (size_t) (slash - path) + (slash == path))
		       : hull_xstrdup (".");
	if (*base == '\0' || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
		return hull_error_make (err, EINVAL, "`%s`: not a new directory name", dir);
	pfd = open (parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return hull_error_make (err, errno, "open `%s`", parent);
	if (mkdirat (pfd, base, 0755) < 0)
		return hull_error_make (err, errno, "create `%s`", dir);
	rootfd = openat (pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	/* Parsing runs in a confined child (docs/unpack.md "Confinement"). */
	if (rootfd < 0 ||
	    hull_image_unpack_image_confined (s, manifest, rootfd, o, NULL, err) < 0) {
		if (rootfd < 0)
			hull_error_make (err, errno, "open `%s`", dir);
		hull_image_remove_tree (pfd, base, &ignored);
		return hull_error_wrap (err, "unpack into `%s`", dir);
	}
	return 0;
}

static int
image_unpack (struct hull_image_store *s, int argc, char **argv)
{
	const char *platform = NULL, *max_size = NULL, *max_entries = NULL;
	struct hull_unpack_opts o = { 0 };
	const struct hull_cli_opt opts[] = {
		{ "platform", 0, HULL_OPT_STRING, &platform },
		{ "allow-devices", 0, HULL_OPT_FLAG, &o.allow_devices },
		{ "allow-setid", 0, HULL_OPT_FLAG, &o.allow_setid },
		{ "allow-xattrs", 0, HULL_OPT_FLAG, &o.allow_xattrs },
		{ "max-size", 0, HULL_OPT_STRING, &max_size },
		{ "max-entries", 0, HULL_OPT_STRING, &max_entries },
		{ "max-path-len", 0, HULL_OPT_UINT, &o.max_path_len },
		{ "max-depth", 0, HULL_OPT_UINT, &o.max_depth },
		{ "max-ratio", 0, HULL_OPT_UINT, &o.max_ratio },
		{ NULL, 0, 0, NULL },
	};
	struct hull_cli_list pos = { 0 };
	_cleanup_free_ const char **v = NULL;
	_cleanup_free_ char *manifest = NULL;
	struct hull_image_entry e = { 0 };
	hull_error_t err = { 0 };
	int r = hull_cli_parse ("image unpack", opts, argc, argv, &pos);

	v = pos.v;
	if (r != 0)
		return r;
	if (pos.n != 2)
		return hull_cli_usage ("image unpack", "expected REF and DIR");
	if ((max_size && parse_size (max_size, &o.max_total_bytes, &err) < 0) ||
	    (max_entries &&
	     hull_parse_u64 (max_entries, 10, &o.max_entries, "--max-entries", &err) < 0))
		return hull_cli_usage ("image unpack", "%s", err.msg);
	if (resolve (s, pos.v[0], &e, &err) < 0 ||
	    (manifest = manifest_digest (s, &e, platform, &err)) == NULL ||
	    unpack_into (s, manifest, pos.v[1], &o, &err) < 0)
		r = hull_cli_fail ("image unpack", &err);
	hull_image_entry_clear (&e);
	return r;
}

static const struct {
	const char *name;
	int (*fn) (struct hull_image_store *s, int argc, char **argv);
} subcommands[] = {
	{ "import", image_import },   { "ls", image_ls },	  { "list", image_ls },
	{ "inspect", image_inspect }, { "rm", image_rm },	  { "prune", image_prune },
	{ "export", image_export },   { "unpack", image_unpack },
};

static int
cmd_image (struct hull_cli_globals *g, int argc, char **argv)
{
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = NULL;
	int r;

	if (argc < 2)
		return hull_cli_usage ("image", "missing subcommand");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp (argv[1], subcommands[i].name) != 0)
			continue;
		r = open_store (g, &s);
		return r != 0 ? r : subcommands[i].fn (s, argc - 1, argv + 1);
	}
	return hull_cli_usage ("image", "unknown subcommand `%s`", argv[1]);
}

const struct hull_cli_command hull_cmd_image = {
	.name = "image",
	.fn = cmd_image,
	.summary = "import, list, inspect, remove, export and unpack images",
	.help = image_help,
};
