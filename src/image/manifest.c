/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI image manifests and indexes, and their Docker schema 2 twins, mapped through
 * the one JSON wrapper (duplicate keys refused, size cap first). Every descriptor
 * is checked here (digest syntax, size, media type) so that the store and the
 * importer only ever follow descriptors that could be honest. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "hull/image.h"

/* The field tables are positional with trailing members left out (STYLE.md). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define LAYERS_MAX 1024	   /* more than any real image; bounds the import walk */
#define MANIFESTS_MAX 1024 /* index entries */

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static const struct {
	const char *media_type;
	enum hull_image_kind kind;
} media_types[] = {
	{ MT_OCI_MANIFEST, HULL_IMAGE_KIND_MANIFEST },
	{ MT_OCI_INDEX, HULL_IMAGE_KIND_INDEX },
	{ MT_DOCKER_MANIFEST, HULL_IMAGE_KIND_MANIFEST },
	{ MT_DOCKER_LIST, HULL_IMAGE_KIND_INDEX },
	{ "application/vnd.oci.image.config.v1+json", HULL_IMAGE_KIND_CONFIG },
	{ "application/vnd.docker.container.image.v1+json", HULL_IMAGE_KIND_CONFIG },
	{ "application/vnd.oci.image.layer.v1.tar", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", HULL_IMAGE_KIND_LAYER },
	{ "application/vnd.docker.distribution.manifest.v1+json", HULL_IMAGE_KIND_SCHEMA1 },
	{ "application/vnd.docker.distribution.manifest.v1+prettyjws", HULL_IMAGE_KIND_SCHEMA1 },
};

enum hull_image_kind
hull_image_media_kind (const char *media_type)
{
	if (media_type == NULL)
		return HULL_IMAGE_KIND_UNKNOWN;
	for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++)
		if (strcmp (media_types[i].media_type, media_type) == 0)
			return media_types[i].kind;
	return HULL_IMAGE_KIND_UNKNOWN;
}

/* The raw document: a superset of the manifest and index shapes. */
struct raw {
	int64_t schema_version;
	char *media_type;
	struct hull_image_desc config;
	bool has_config;
	struct hull_image_desc *layers;
	size_t n_layers;
	bool has_layers;
	struct hull_image_desc *manifests;
	size_t n_manifests;
	bool has_manifests;
	bool has_fs_layers; /* schema 1 */
};

static int
read_ref_name (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	       hull_error_t *err)
{
	json_t *name;
	const char *s;

	if (!json_is_object (v))
		return hull_json_error (ctx, err, "expected an object");
	name = json_object_get (v, "org.opencontainers.image.ref.name");
	if (name == NULL)
		return 0;
	if (hull_json_expect_string (ctx, name, &s, err) < 0)
		return -EINVAL;
	if (base)
		((struct hull_image_desc *) base)->ref_name = hull_xstrdup (s);
	return 0;
}

#define P(f) offsetof (struct hull_image_platform, f)
static const struct hull_json_field platform_fields[] = {
	{ "os", HULL_JSON_STRING, P (os), HULL_JSON_MANDATORY },
	{ "architecture", HULL_JSON_STRING, P (architecture), HULL_JSON_MANDATORY },
	{ "variant", HULL_JSON_STRING, P (variant), 0 },
	{ NULL },
};
#undef P

static int check_desc (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v,
		       void *base, hull_error_t *err);

#define D(f) offsetof (struct hull_image_desc, f)
static const struct hull_json_field desc_fields[] = {
	{ "mediaType", HULL_JSON_STRING, D (media_type), HULL_JSON_MANDATORY },
	{ "digest", HULL_JSON_STRING, D (digest), HULL_JSON_MANDATORY },
	{ "size", HULL_JSON_INT64, D (size), HULL_JSON_MANDATORY },
	{ "platform", HULL_JSON_OBJECT, D (platform), HULL_JSON_HAS, .has = D (has_platform),
	  .sub = platform_fields },
	{ "annotations", HULL_JSON_CUSTOM, 0, 0, .fn = read_ref_name },
	{ NULL },
};
#undef D

#define R(f) offsetof (struct raw, f)
static const struct hull_json_field raw_fields[] = {
	{ "schemaVersion", HULL_JSON_INT64, R (schema_version), HULL_JSON_MANDATORY },
	{ "mediaType", HULL_JSON_STRING, R (media_type), 0 },
	{ "config", HULL_JSON_OBJECT, R (config), HULL_JSON_HAS, .has = R (has_config),
	  .sub = desc_fields, .fn = check_desc },
	{ "layers", HULL_JSON_ARRAY, R (layers), HULL_JSON_HAS, .has = R (has_layers),
	  .sub = desc_fields, .fn = check_desc, .max = LAYERS_MAX,
	  .elem_size = sizeof (struct hull_image_desc), .count = R (n_layers) },
	{ "manifests", HULL_JSON_ARRAY, R (manifests), HULL_JSON_HAS, .has = R (has_manifests),
	  .sub = desc_fields, .fn = check_desc, .max = MANIFESTS_MAX,
	  .elem_size = sizeof (struct hull_image_desc), .count = R (n_manifests) },
	{ "fsLayers", HULL_JSON_IGNORE, 0, HULL_JSON_HAS, .has = R (has_fs_layers) },
	{ NULL },
};
#undef R

/* A descriptor must carry a well-formed sha256 digest (the only algorithm the store
 * keeps) and a size the store can check while streaming. */
static int
check_desc (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *v, void *base,
	    hull_error_t *err)
{
	json_t *d = json_object_get (v, "digest"), *sz = json_object_get (v, "size");

	if (!json_is_string (d) || !hull_image_digest_valid (json_string_value (d)))
		return hull_json_error (ctx, err, "digest: not sha256:<64 lowercase hex>");
	if (!json_is_integer (sz) || json_integer_value (sz) < 0)
		return hull_json_error (ctx, err, "size: must be a non-negative integer");
	return 0;
}

static void
desc_clear (struct hull_image_desc *d)
{
	free (d->media_type);
	free (d->digest);
	free (d->ref_name);
	hull_image_platform_clear (&d->platform);
}

static void
descs_free (struct hull_image_desc *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		desc_clear (&v[i]);
	free (v);
}

struct hull_image_manifest *
hull_image_manifest_free (struct hull_image_manifest *m)
{
	if (m == NULL)
		return NULL;
	free (m->media_type);
	desc_clear (&m->config);
	descs_free (m->layers, m->n_layers);
	descs_free (m->manifests, m->n_manifests);
	free (m);
	return NULL;
}

/* Which kind the document is: its mediaType when present (it must agree with the
 * descriptor's), else the descriptor's, else its shape. */
static int
decide_kind (struct raw *raw, const char *declared, enum hull_image_kind *kind, hull_error_t *err)
{
	const char *mt = raw->media_type ? raw->media_type : declared;

	if (raw->media_type && declared && strcmp (raw->media_type, declared) != 0)
		return hull_error_make (err, 0, "manifest: mediaType `%s` differs from `%s`",
					raw->media_type, declared);
	if (raw->schema_version == 1 || raw->has_fs_layers ||
	    hull_image_media_kind (mt) == HULL_IMAGE_KIND_SCHEMA1)
		return hull_error_make (err, 0,
					"manifest: Docker schema 1 images are not supported "
					"(deprecated and unverifiable); convert the image to OCI "
					"or Docker schema 2");
	if (raw->schema_version != 2)
		return hull_error_make (err, 0, "manifest: schemaVersion %lld is not 2",
					(long long) raw->schema_version);
	if (mt == NULL)
		mt = raw->has_manifests ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	*kind = hull_image_media_kind (mt);
	if (*kind != HULL_IMAGE_KIND_MANIFEST && *kind != HULL_IMAGE_KIND_INDEX)
		return hull_error_make (err, 0, "manifest: unsupported media type `%s`", mt);
	if (!raw->media_type)
		raw->media_type = hull_xstrdup (mt);
	return 0;
}

/* Media types of what a manifest or an index points at: fail closed on anything
 * the unpacker would not know how to read. */
static int
check_children (const struct raw *raw, enum hull_image_kind kind, hull_error_t *err)
{
	if (kind == HULL_IMAGE_KIND_INDEX) {
		if (!raw->has_manifests)
			return hull_error_make (err, 0, "index: no `manifests` array");
		for (size_t i = 0; i < raw->n_manifests; i++) {
			enum hull_image_kind k =
				hull_image_media_kind (raw->manifests[i].media_type);
			if (k != HULL_IMAGE_KIND_MANIFEST && k != HULL_IMAGE_KIND_INDEX)
				return hull_error_make (err, 0,
							"index: manifests[%zu]: unsupported media "
							"type `%s`",
							i, raw->manifests[i].media_type);
		}
		return 0;
	}
	if (!raw->has_config || !raw->has_layers)
		return hull_error_make (err, 0, "manifest: `config` and `layers` are required");
	if (hull_image_media_kind (raw->config.media_type) != HULL_IMAGE_KIND_CONFIG)
		return hull_error_make (err, 0, "manifest: config: unsupported media type `%s`",
					raw->config.media_type);
	for (size_t i = 0; i < raw->n_layers; i++)
		if (hull_image_media_kind (raw->layers[i].media_type) != HULL_IMAGE_KIND_LAYER)
			return hull_error_make (
				err, 0, "manifest: layers[%zu]: unsupported media type `%s`", i,
				raw->layers[i].media_type);
	return 0;
}

struct hull_image_manifest *
hull_image_manifest_parse (const char *buf, size_t len, const char *media_type, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct hull_json_ctx ctx;
	struct raw raw = { 0 };
	enum hull_image_kind kind = HULL_IMAGE_KIND_UNKNOWN;
	struct hull_image_manifest *m = NULL;

	root = hull_json_parse (buf, len, HULL_IMAGE_JSON_MAX, "manifest", err);
	if (root == NULL)
		return NULL;
	hull_json_ctx_init (&ctx, "manifest", NULL);
	if (hull_json_map (&ctx, root, raw_fields, &raw, err) == 0 &&
	    decide_kind (&raw, media_type, &kind, err) == 0 &&
	    check_children (&raw, kind, err) == 0) {
		m = hull_xzalloc (sizeof *m);
		m->kind = kind;
		m->media_type = TAKE_PTR (raw.media_type);
		m->config = raw.config;
		memset (&raw.config, 0, sizeof raw.config);
		m->layers = TAKE_PTR (raw.layers);
		m->n_layers = raw.n_layers;
		m->manifests = TAKE_PTR (raw.manifests);
		m->n_manifests = raw.n_manifests;
	}
	free (raw.media_type);
	desc_clear (&raw.config);
	descs_free (raw.layers, raw.n_layers);
	descs_free (raw.manifests, raw.n_manifests);
	return m;
}

struct config_raw {
	char *os, *architecture;
	struct hull_strv diff_ids;
	bool has_rootfs;
};

#define C(f) offsetof (struct config_raw, f)
static const struct hull_json_field rootfs_fields[] = {
	{ "type", HULL_JSON_STRING, 0, HULL_JSON_MANDATORY },
	{ "diff_ids", HULL_JSON_STRV, 0, HULL_JSON_MANDATORY, .max = LAYERS_MAX },
	{ NULL },
};
static const struct hull_json_field config_fields[] = {
	{ "os", HULL_JSON_STRING, C (os), HULL_JSON_MANDATORY },
	{ "architecture", HULL_JSON_STRING, C (architecture), HULL_JSON_MANDATORY },
	{ "rootfs", HULL_JSON_OBJECT, 0, HULL_JSON_MANDATORY, .sub = rootfs_fields },
	{ NULL },
};
#undef C

int
hull_image_config_check (const char *buf, size_t len, size_t n_layers, hull_error_t *err)
{
	_cleanup_ (json_decrefp) json_t *root = NULL;
	struct hull_json_ctx ctx;
	json_t *ids;
	size_t i;

	root = hull_json_parse (buf, len, HULL_IMAGE_JSON_MAX, "config", err);
	if (root == NULL)
		return -EINVAL;
	hull_json_ctx_init (&ctx, "config", NULL);
	/* Check-only mapping: base NULL stores nothing. */
	if (hull_json_map (&ctx, root, config_fields, NULL, err) < 0)
		return -EINVAL;
	ids = json_object_get (json_object_get (root, "rootfs"), "diff_ids");
	if (n_layers != SIZE_MAX && json_array_size (ids) != n_layers)
		return hull_error_make (err, 0, "config: %zu diff_ids for %zu layers",
					json_array_size (ids), n_layers);
	for (i = 0; i < json_array_size (ids); i++)
		if (!hull_image_digest_valid (json_string_value (json_array_get (ids, i))))
			return hull_error_make (err, 0, "config: rootfs.diff_ids[%zu]: bad digest",
						i);
	return 0;
}

void
hull_image_platform_clear (struct hull_image_platform *p)
{
	free (p->os);
	free (p->architecture);
	free (p->variant);
	memset (p, 0, sizeof *p);
}

int
hull_image_platform_parse (const char *s, struct hull_image_platform *out, hull_error_t *err)
{
	const char *a = strchr (s, '/'), *v;

	memset (out, 0, sizeof *out);
	if (a == NULL || a == s || a[1] == '\0' || a[1] == '/')
		return hull_error_make (err, 0, "platform `%s`: expected os/arch[/variant]", s);
	v = strchr (a + 1, '/');
	if (v && (v[1] == '\0' || strchr (v + 1, '/')))
		return hull_error_make (err, 0, "platform `%s`: expected os/arch[/variant]", s);
	out->os = hull_xstrndup (s, (size_t) (a - s));
	out->architecture = v ? hull_xstrndup (a + 1, (size_t) (v - a - 1)) : hull_xstrdup (a + 1);
	out->variant = v ? hull_xstrdup (v + 1) : NULL;
	return 0;
}

/* uname machine -> GOARCH names the image world uses. */
static const struct {
	const char *machine, *arch, *variant;
} arches[] = {
	{ "x86_64", "amd64", NULL },	{ "aarch64", "arm64", "v8" },
	{ "armv7l", "arm", "v7" },	{ "armv6l", "arm", "v6" },
	{ "i686", "386", NULL },	{ "i386", "386", NULL },
	{ "ppc64le", "ppc64le", NULL }, { "s390x", "s390x", NULL },
	{ "riscv64", "riscv64", NULL },
};

void
hull_image_platform_host (struct hull_image_platform *out)
{
	struct utsname u;

	memset (out, 0, sizeof *out);
	out->os = hull_xstrdup ("linux");
	if (uname (&u) < 0)
		u.machine[0] = '\0';
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++) {
		if (strcmp (u.machine, arches[i].machine) == 0) {
			out->architecture = hull_xstrdup (arches[i].arch);
			out->variant = arches[i].variant ? hull_xstrdup (arches[i].variant) : NULL;
			return;
		}
	}
	out->architecture = hull_xstrdup (u.machine);
}

/* arm64 images usually omit "v8"; treat a missing variant as the default one. */
static bool
variant_matches (const struct hull_image_platform *have, const struct hull_image_platform *want)
{
	if (want->variant == NULL)
		return true;
	if (have->variant == NULL)
		return strcmp (want->architecture, "arm64") == 0 &&
		       strcmp (want->variant, "v8") == 0;
	return strcmp (have->variant, want->variant) == 0;
}

const struct hull_image_desc *
hull_image_index_select (const struct hull_image_manifest *idx,
			 const struct hull_image_platform *want, hull_error_t *err)
{
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct hull_image_desc *d = &idx->manifests[i];

		if (!d->has_platform)
			continue;
		if (strcmp (d->platform.os, want->os) == 0 &&
		    strcmp (d->platform.architecture, want->architecture) == 0 &&
		    variant_matches (&d->platform, want))
			return d;
	}
	hull_error_make (err, 0, "no image for platform %s/%s%s%s in the index", want->os,
			 want->architecture, want->variant ? "/" : "",
			 want->variant ? want->variant : "");
	return NULL;
}
