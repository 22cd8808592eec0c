/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Images: references, the content-addressed store, manifests and import
 * (DESIGN.md "Images and trust"; docs/images.md). */
#ifndef HULL_IMAGE_H
#define HULL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"

/* The domain a reference without one is resolved against. Empty (the default)
 * means references must name their registry, or use `localhost/...`; a packager
 * sets it with -Dc_args=-DHULL_DEFAULT_REGISTRY='"host"'. */
#ifndef HULL_DEFAULT_REGISTRY
#define HULL_DEFAULT_REGISTRY ""
#endif

#define HULL_IMAGE_DIGEST_MAX 72	       /* "sha256:" + 64 hex + NUL, rounded */
#define HULL_IMAGE_JSON_MAX (4u * 1024 * 1024) /* manifests, indexes, configs */
#define HULL_IMAGE_REF_MAX 512

/* ---- references (ref.c) ---- */

struct hull_image_ref {
	char *domain; /* "localhost", "registry.test:5000" */
	char *path;   /* "library/busybox" */
	char *tag;    /* NULL when only a digest was given */
	char *digest; /* "sha256:<hex>" or NULL */
};

/* Parse and normalise `s` as the container tools do (distribution/reference):
 * the first component is the domain if it holds '.' or ':' or is "localhost";
 * otherwise `default_domain` is used (NULL or "" refuses the reference), and a
 * single-component name under it gets "library/". No tag and no digest means
 * tag "latest". Repository components must be lowercase. */
int hull_image_ref_parse (const char *s, const char *default_domain, struct hull_image_ref *out,
			  hull_error_t *err);
/* "domain/path[:tag][@digest]" (new string). */
char *hull_image_ref_format (const struct hull_image_ref *r);
/* "domain/path" (new string). */
char *hull_image_ref_name (const struct hull_image_ref *r);
void hull_image_ref_clear (struct hull_image_ref *r);
/* True if s is "sha256:" followed by 64 lowercase hex digits. */
bool hull_image_digest_valid (const char *s);

/* ---- manifests (manifest.c) ---- */

enum hull_image_kind {
	HULL_IMAGE_KIND_UNKNOWN = 0,
	HULL_IMAGE_KIND_MANIFEST, /* OCI image manifest, Docker schema 2 */
	HULL_IMAGE_KIND_INDEX,	  /* OCI index, Docker manifest list */
	HULL_IMAGE_KIND_CONFIG,
	HULL_IMAGE_KIND_LAYER,
	HULL_IMAGE_KIND_SCHEMA1, /* recognised only to be refused */
};

struct hull_image_platform {
	char *os;
	char *architecture;
	char *variant;
};

struct hull_image_desc {
	char *media_type;
	char *digest;
	int64_t size;
	struct hull_image_platform platform;
	bool has_platform;
	char *ref_name; /* annotations["org.opencontainers.image.ref.name"] */
};

struct hull_image_manifest {
	enum hull_image_kind kind; /* MANIFEST or INDEX */
	char *media_type;
	struct hull_image_desc config; /* MANIFEST */
	struct hull_image_desc *layers;
	size_t n_layers;
	struct hull_image_desc *manifests; /* INDEX */
	size_t n_manifests;
};

/* What a media type is; unknown types give HULL_IMAGE_KIND_UNKNOWN. */
enum hull_image_kind hull_image_media_kind (const char *media_type);

/* Parse a manifest or index of at most HULL_IMAGE_JSON_MAX bytes. `media_type`
 * (from the descriptor that pointed here; may be NULL) must agree with the
 * document's own. Docker schema 1 is refused. Every descriptor's digest, size and
 * media type are checked. */
struct hull_image_manifest *hull_image_manifest_parse (const char *buf, size_t len,
						       const char *media_type, hull_error_t *err);
struct hull_image_manifest *hull_image_manifest_free (struct hull_image_manifest *m);

/* Check an image config: a JSON object with os, architecture and rootfs.diff_ids
 * matching the manifest's layer count (n_layers; SIZE_MAX skips that check). */
int hull_image_config_check (const char *buf, size_t len, size_t n_layers, hull_error_t *err);

/* "os/arch[/variant]". */
int hull_image_platform_parse (const char *s, struct hull_image_platform *out, hull_error_t *err);
/* The host's platform in OCI terms (linux/amd64, linux/arm64/v8, ...). */
void hull_image_platform_host (struct hull_image_platform *out);
void hull_image_platform_clear (struct hull_image_platform *p);
/* The index entry for `want`: os and architecture equal, and the variant equal when
 * `want` names one. Returns NULL with err filled when none matches. */
const struct hull_image_desc *hull_image_index_select (const struct hull_image_manifest *idx,
						       const struct hull_image_platform *want,
						       hull_error_t *err);

/* ---- the store (store.c) ---- */

struct hull_image_store;

struct hull_image_entry {
	char *name; /* normalised reference */
	char *digest;
	char *media_type;
	int64_t size;
};

/* Open (creating if needed) the store at `root` (blobs/sha256, tmp, index.json, lock). */
struct hull_image_store *hull_image_store_open (const char *root, hull_error_t *err);
struct hull_image_store *hull_image_store_free (struct hull_image_store *s);

/* Take or release the store's exclusive lock; calls nest. Index updates and prune
 * take it themselves; import holds it so that prune cannot remove blobs it has
 * written but not yet named. */
int hull_image_store_lock (struct hull_image_store *s, hull_error_t *err);
void hull_image_store_unlock (struct hull_image_store *s);

/* Stream fd into the store. The digest and size are checked as the bytes go by:
 * `digest` (NULL: computed) and `size` (-1: any, up to `max`, 0: no cap) must
 * match, or nothing becomes visible. out_digest (may be NULL) receives the digest.
 * An existing blob with the same name is verified and kept. */
int hull_image_store_put_fd (struct hull_image_store *s, int fd, const char *digest, int64_t size,
			     uint64_t max, char out_digest[HULL_IMAGE_DIGEST_MAX],
			     hull_error_t *err);
int hull_image_store_put_buf (struct hull_image_store *s, const void *buf, size_t len,
			      const char *digest, char out_digest[HULL_IMAGE_DIGEST_MAX],
			      hull_error_t *err);
/* Streaming form of put_fd for data that does not come from an fd (an archive
 * entry): begin, write any number of times, then commit (checks digest and size
 * as put_fd does, and frees the writer either way) or abort. */
struct hull_image_blob_writer;
struct hull_image_blob_writer *hull_image_store_begin (struct hull_image_store *s, uint64_t max,
						       hull_error_t *err);
int hull_image_store_write (struct hull_image_blob_writer *w, const void *buf, size_t len,
			    hull_error_t *err);
int hull_image_store_commit (struct hull_image_blob_writer *w, const char *digest, int64_t size,
			     char out_digest[HULL_IMAGE_DIGEST_MAX], hull_error_t *err);
struct hull_image_blob_writer *hull_image_store_abort (struct hull_image_blob_writer *w);
/* Bytes written so far (a resumed download asks for the rest from here). */
uint64_t hull_image_store_written (const struct hull_image_blob_writer *w);
/* Read a whole blob of at most `max` bytes, re-checking its digest. */
int hull_image_store_get (struct hull_image_store *s, const char *digest, size_t max, char **out,
			  size_t *len, hull_error_t *err);
/* Open a blob after re-checking its digest; returns an fd at offset 0. */
int hull_image_store_open_blob (struct hull_image_store *s, const char *digest, hull_error_t *err);
bool hull_image_store_has (struct hull_image_store *s, const char *digest);

/* Name `ref` (normalised) -> manifest digest in index.json (atomic, locked). */
int hull_image_store_tag (struct hull_image_store *s, const char *ref, const char *digest,
			  const char *media_type, int64_t size, hull_error_t *err);
int hull_image_store_untag (struct hull_image_store *s, const char *ref, hull_error_t *err);
/* Look a normalised reference up; fills *out (free with hull_image_entry_clear). */
int hull_image_store_resolve (struct hull_image_store *s, const char *ref,
			      struct hull_image_entry *out, hull_error_t *err);
int hull_image_store_list (struct hull_image_store *s, struct hull_image_entry **out, size_t *n,
			   hull_error_t *err);
void hull_image_entry_clear (struct hull_image_entry *e);
void hull_image_entries_free (struct hull_image_entry *v, size_t n);
/* Remove blobs no named image reaches, and stale temp files; *removed counts blobs. */
int hull_image_store_prune (struct hull_image_store *s, size_t *removed, hull_error_t *err);

/* ---- import and export (import.c) ---- */

/* Import an OCI image layout directory. `name` (may be NULL) names the layout's
 * only top-level image; without it the layout's ref.name annotations are used. */
int hull_image_import_oci_dir (struct hull_image_store *s, const char *dir, const char *name,
			       hull_error_t *err);
/* Import a tar (optionally gzip-compressed) holding an OCI image layout or a
 * docker-archive (`docker save`, `podman save`: manifest.json, configs, layer tars),
 * read through libarchive without extracting anything. A docker-archive image
 * becomes an OCI manifest; `name` (may be NULL: RepoTags) names its only image. */
int hull_image_import_archive (struct hull_image_store *s, const char *path, const char *name,
			       hull_error_t *err);
/* Write the image `ref` names (and everything it reaches in the store) as an OCI
 * layout in `dir`, which must not exist or be empty. */
int hull_image_export_oci_dir (struct hull_image_store *s, const char *ref, const char *dir,
			       hull_error_t *err);

/* ---- running an image: the rootfs cache and container layers (rootfs.c) ---- */

#include "hull/oci.h"

/* An image as `hull run IMAGE` needs it: the host platform's manifest and its config. */
struct hull_image_resolved {
	char *name;			      /* normalised reference "domain/path:tag" */
	char *manifest_digest;		      /* the image manifest (index followed) */
	char *config;			      /* the config blob (digest checked), NUL-ended */
	size_t config_len;		      /* bytes in config */
	char chain_id[HULL_IMAGE_DIGEST_MAX]; /* ChainID of the whole layer stack */
};

/* Resolve `ref` (a reference, by tag or by digest within its repository) in the store
 * to the image manifest for the host's platform, following an index; read its config
 * and compute the chain id of its rootfs.diff_ids. */
int hull_image_resolve (struct hull_image_store *s, const char *ref,
			struct hull_image_resolved *out, hull_error_t *err);
void hull_image_resolved_clear (struct hull_image_resolved *r);

/* The ChainID (image-spec config.md "Layer ChainID") of `n` >= 1 diff ids:
 * ChainID(L0) = DiffID(L0), ChainID(L0|...|Ln) = SHA256(ChainID(..Ln-1) + " " + DiffID(Ln)). */
int hull_image_chain_id (const char *const *diff_ids, size_t n, char out[HULL_IMAGE_DIGEST_MAX],
			 hull_error_t *err);

/* The cache directory name of an image's rootfs unpacked with the given id maps:
 * the chain id's hex, plus "-" and 16 hex digits of a hash of the maps when any are
 * given (the same layers unpacked for another map are another rootfs). New string. */
char *hull_image_rootfs_key (const char *chain_id, const struct hull_oci_idmap *uid_map,
			     size_t n_uid, const struct hull_oci_idmap *gid_map, size_t n_gid);

/* The unpacked rootfs of `img` in STORE/rootfs/KEY (store_root is the path the store
 * was opened with). Built on first use in a temporary directory, with file owners
 * mapped through the id maps so that the container's root owns its files, and
 * renamed into place under the store lock; later calls reuse it. Returns the
 * absolute path (new string). The caller should hold the store lock until a
 * container records its use (hull_image_container_create does), else prune may
 * remove it. */
char *hull_image_rootfs_get (struct hull_image_store *s, const char *store_root,
			     const struct hull_image_resolved *img,
			     const struct hull_oci_idmap *uid_map, size_t n_uid,
			     const struct hull_oci_idmap *gid_map, size_t n_gid, hull_error_t *err);

struct hull_unpack_opts;
struct hull_unpack_stats;
struct hull_confine_opts;

/* hull_image_unpack_image () (src/image/unpack.h) run in a confined child
 * (hull_confine_call, docs/unpack.md "Confinement"): the manifest, config and layer
 * blobs are read and their digests checked here, the child gets the open layer files
 * and may write beneath rootfd only, as nobody keeping the file capabilities
 * unpacking needs. Each layer's diff_id is checked in the child and again here.
 * `total` (may be NULL) gets the layers' counts summed (its diff_id is empty). On
 * error the rootfs is half-written; the caller removes it. */
int hull_image_unpack_image_confined (struct hull_image_store *s, const char *manifest_digest,
				      int rootfd, const struct hull_unpack_opts *o,
				      struct hull_unpack_stats *total, hull_error_t *err);

/* The confinement the above uses for unpack options `o` and target rootfd (the tests
 * run the same). */
void hull_image_unpack_confine_opts (const struct hull_unpack_opts *o, int rootfd,
				     struct hull_confine_opts *c);

/* Remove every cached rootfs that no container under STORE/containers uses, and
 * stale temporary builds; *removed counts rootfs directories. Takes the store lock. */
int hull_image_rootfs_prune (struct hull_image_store *s, const char *store_root, size_t *removed,
			     hull_error_t *err);

/* A container's directory STORE/containers/ID: the bundle (config.json), the name of
 * the cached rootfs it uses, and for a writable container the overlayfs upper, work
 * and merged directories. */
struct hull_image_container {
	char *dir;    /* STORE/containers/ID, absolute */
	char *rootfs; /* what root.path must name: the cached rootfs, or DIR/merged */
	bool mounted; /* DIR/merged carries the overlay */
	bool copied;  /* DIR/merged is a private copy (no overlayfs here) */
};

struct hull_image_container_opts {
	const struct hull_oci_idmap *uid_map, *gid_map; /* as for hull_image_rootfs_get */
	size_t n_uid, n_gid;
	bool writable; /* the container may write to its root (--read-write) */
	/* Mount destinations the runtime will need (bind mounts): when one is missing from
	 * the image the runtime would create it, so the container gets an overlayfs (its
	 * root still read-only unless `writable`) and the cache is never changed. */
	const char *const *mountpoints;
	size_t n_mountpoints;
};

/* Create STORE/containers/ID for `img` (refusing an ID in use) and get the cached
 * rootfs (as hull_image_rootfs_get). When the container writes or needs new mount
 * points, mount an overlayfs on DIR/merged whose upper and work directories live in
 * DIR (owned by the container's root, the map of id 0), or where overlayfs cannot be
 * mounted make DIR/merged a copy. All under the store lock. On error nothing is left. */
int hull_image_container_create (struct hull_image_store *s, const char *store_root, const char *id,
				 const struct hull_image_resolved *img,
				 const struct hull_image_container_opts *o,
				 struct hull_image_container *out, hull_error_t *err);

/* Testing hook: copy the rootfs instead of mounting an overlayfs, as where overlayfs
 * cannot be mounted. */
void hull_image_container_force_copy (bool on);

/* True if `dir` is a container directory made by hull_image_container_create. */
bool hull_image_container_is (const char *dir);

/* Unmount DIR/merged (if mounted) and remove DIR and everything in it. A missing
 * DIR is not an error; a DIR that is not a container directory is refused. */
int hull_image_container_release (const char *dir, hull_error_t *err);
void hull_image_container_clear (struct hull_image_container *c);

/* ---- running an image: the runtime config (bundle.c) ---- */

#define HULL_IMAGE_PASSWD_MAX (1u << 20) /* bytes of etc/passwd or etc/group read */
#define HULL_IMAGE_ARGS_MAX 4096	 /* entries in Entrypoint, Cmd, Env */
/* Labels become annotations, next to hull's own (stop signal, image, policy) within
 * the runtime config's 4096: a few fewer. */
#define HULL_IMAGE_LABELS_MAX (HULL_IMAGE_ARGS_MAX - 16)

/* The fields of an image config (image-spec config.md "config") that running uses. */
struct hull_image_config {
	char *os, *architecture;
	char *user;
	struct hull_strv env, entrypoint, cmd;
	bool has_entrypoint, has_cmd;
	char *working_dir;
	char *stop_signal;
	struct hull_kvv labels;
};

/* Parse an image config strictly: wrong types, more than HULL_IMAGE_ARGS_MAX entries
 * (HULL_IMAGE_LABELS_MAX labels), Env entries without '=', a relative WorkingDir are
 * errors naming the field. */
struct hull_image_config *hull_image_config_parse (const char *buf, size_t len, hull_error_t *err);
struct hull_image_config *hull_image_config_free (struct hull_image_config *c);

#define HULL_IMAGE_GROUPS_MAX 64u     /* supplementary groups of one user */
#define HULL_IMAGE_ID_MAX 2147483647u /* largest uid or gid accepted (runc's maxId) */

struct hull_image_user {
	uint32_t uid, gid;
	char *home;	  /* the passwd home directory, or NULL */
	uint32_t *groups; /* supplementary: the /etc/group entries listing the user */
	size_t n_groups;
};

/* Resolve "user[:group]" as the container tools do: numbers as they are, names from
 * the image's etc/passwd and etc/group read through the rootfs resolver (capped,
 * strictly parsed). A user without a group gets its passwd group (0 for a number not
 * in passwd); a user found in passwd gets the groups listing it as a member. Ids above
 * HULL_IMAGE_ID_MAX (4294967295 would mean "unchanged" to setresuid) are refused. Free *u
 * with hull_image_user_clear. */
int hull_image_user_lookup (int rootfd, const char *spec, struct hull_image_user *u,
			    hull_error_t *err);
void hull_image_user_clear (struct hull_image_user *u);

struct hull_image_volume {
	const char *source; /* host path, absolute and existing (the caller checks) */
	const char *dest;   /* absolute, normalised */
	bool readonly;
};

struct hull_image_run_opts {
	const char *const *args; /* CMD [ARGS...] replacing the image's Cmd; NULL: none */
	size_t n_args;
	const char *const *env; /* "K=V" added last */
	size_t n_env;
	const struct hull_image_volume *volumes;
	size_t n_volumes;
	const char *workdir;  /* NULL: the image's WorkingDir, else "/" */
	const char *user;     /* NULL: the image's User, else root */
	const char *hostname; /* NULL: the spec's */
	const char *rootfs;   /* root.path */
	/* --cap-add, --cap-drop: "net_raw", "NET_RAW" or "CAP_NET_RAW"; drop also "ALL" */
	const char *const *cap_add;
	const char *const *cap_drop;
	size_t n_cap_add, n_cap_drop;
	const char *image_name; /* annotation run.oci.hull.image */
	bool read_only;		/* root.readonly, tmpfs on /tmp and /run */
	bool host_network;	/* no network namespace */
	bool terminal;
	bool rootless; /* the `hull spec --rootless` defaults */
	int rootfd;    /* the rootfs, for user lookup */
};

/* The OCI runtime config (config.json text, new string) for running the image whose
 * config is `ic`: `hull spec`'s hardened defaults, then the image's Entrypoint, Cmd,
 * Env, WorkingDir, User, StopSignal and Labels (as annotations, image-spec
 * conversion.md), then the options. The config opts in to policy enforcement
 * (annotation run.oci.hull.policy). */
char *hull_image_bundle_config (const struct hull_image_config *ic,
				const struct hull_image_run_opts *o, hull_error_t *err);

#endif
