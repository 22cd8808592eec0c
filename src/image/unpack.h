/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying an OCI image layer (a tar, optionally gzip- or zstd-compressed) to a rootfs
 * under construction (DESIGN.md "Images and trust", docs/unpack.md). libarchive only
 * parses; hull writes every entry itself through the rootfs resolver. */
#ifndef HULL_IMAGE_UNPACK_H
#define HULL_IMAGE_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/sha256.h"
#include "hull/error.h"

/* One range of an id mapping, as in the runtime spec's linux.uidMappings:
 * container ids [container_id, container_id + size) become host ids
 * [host_id, host_id + size). */
struct hull_unpack_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* Defaults, used when the matching field of struct hull_unpack_opts is 0. */
#define HULL_UNPACK_DEFAULT_MAX_TOTAL_BYTES (32ull << 30)
#define HULL_UNPACK_DEFAULT_MAX_ENTRIES 1000000ull
#define HULL_UNPACK_DEFAULT_MAX_PATH_LEN 4096u
#define HULL_UNPACK_DEFAULT_MAX_DEPTH 256u
#define HULL_UNPACK_DEFAULT_MAX_RATIO 1000u
/* The ratio limit only applies once this much has been decompressed: tiny archives
 * (a 10 KiB tar of empty files gzips to ~100 bytes) have large, harmless ratios. */
#define HULL_UNPACK_RATIO_MIN_BYTES (1ull << 20)

struct hull_unpack_opts {
	/* Expected hex SHA-256 of the uncompressed tar stream (the layer's diff_id), with
	 * or without a "sha256:" prefix; NULL to skip the check. */
	const char *diff_id;
	/* Id mappings; with 0 ranges ids are kept as they are in the archive. An id
	 * outside every range is an error. */
	const struct hull_unpack_idmap *uid_map;
	size_t n_uid_map;
	const struct hull_unpack_idmap *gid_map;
	size_t n_gid_map;
	bool allow_devices; /* create character/block devices and fifos (else skipped) */
	bool allow_setid;   /* keep setuid/setgid bits (else cleared) */
	bool allow_xattrs;  /* keep every xattr namespace except trusted.* (else user.* only) */
	uint64_t max_total_bytes; /* uncompressed tar bytes, and sum of file sizes */
	uint64_t max_entries;
	uint32_t max_path_len; /* bytes of an entry name or hard link target */
	uint32_t max_depth;    /* path components of an entry name */
	uint32_t max_ratio;    /* uncompressed / compressed bytes */
};

struct hull_unpack_stats {
	uint64_t entries;
	uint64_t files, dirs, symlinks, hardlinks, whiteouts, opaque_dirs;
	uint64_t skipped_devices;
	uint64_t cleared_setid;
	uint64_t dropped_xattrs;
	uint64_t compressed_bytes;
	uint64_t uncompressed_bytes;
	char diff_id[HULL_SHA256_HEX_LEN + 1]; /* hex SHA-256 of the uncompressed stream */
};

/* Apply the layer read from `layer_fd` (a tar, plain or gzip/zstd-compressed) to the
 * directory `rootfd` (any fd of it, O_PATH is enough). Layers are applied in order by
 * calling this repeatedly on the same rootfd. `o` may be NULL for the defaults; `st`
 * may be NULL. On error the rootfs is half-written: callers unpack into a temporary
 * directory and remove it with hull_image_remove_tree () on failure. Errors name the
 * layer entry and the reason. */
int hull_image_unpack_layer (int rootfd, int layer_fd, const struct hull_unpack_opts *o,
			     struct hull_unpack_stats *st, hull_error_t *err);

/* Remove `name` in `dirfd` and, if it is a directory, everything below it, never
 * following a symlink. A missing `name` is not an error. */
int hull_image_remove_tree (int dirfd, const char *name, hull_error_t *err);

/* The diff_id (hex SHA-256 of the uncompressed stream) of the layer read from
 * `layer_fd` (a tar, plain or gzip/zstd-compressed), decompressed under the
 * max_total_bytes and max_ratio limits of `o` (NULL: defaults). Nothing is parsed or
 * written. */
int hull_image_layer_diff_id (int layer_fd, const struct hull_unpack_opts *o,
			      char out[HULL_SHA256_HEX_LEN + 1], hull_error_t *err);

/* Testing hook: decompress in the calling thread instead of a helper thread (what
 * happens anyway where threads cannot be created). */
void hull_image_unpack_force_inline (bool on);

struct hull_image_store;

/* Apply every layer of the image manifest `manifest_digest` from store s, in order, to
 * rootfd, each checked against the config's diff_ids (o->diff_id is ignored). The
 * manifest and config are read with their digests re-checked; every layer blob too
 * (hull_image_store_open_blob). Only tar, tar+gzip and tar+zstd layer media types are
 * accepted; an index is refused (select a platform's manifest first). Errors name the
 * layer digest. `o` may be NULL for the defaults. On error the rootfs is half-written,
 * as with hull_image_unpack_layer (). */
int hull_image_unpack_image (struct hull_image_store *s, const char *manifest_digest, int rootfd,
			     const struct hull_unpack_opts *o, hull_error_t *err);

#endif
