/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inventory internals shared by the OS package readers (and usable by the language
 * readers): capped reads inside a rootfs, purl building, the per-format parsers that the
 * fuzz harnesses call directly on bytes. */
#ifndef HULL_SCAN_INVENTORY_READERS_H
#define HULL_SCAN_INVENTORY_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/scan.h"

/* Defaults of struct hull_inventory_opts (a field left 0 takes these). */
#define HULL_INV_DEFAULT_MAX_FILE_BYTES (64ull << 20)
#define HULL_INV_DEFAULT_MAX_PACKAGES 1000000ull
#define HULL_INV_DEFAULT_MAX_DEPTH 32u
/* One field value of a package record (a dpkg Description can be long; nothing
 * legitimate comes near this). A longer value fails the record with an error. */
#define HULL_INV_MAX_FIELD_BYTES (1u << 20)
/* Files recorded per package (the largest Debian packages list ~100k files). */
#define HULL_INV_MAX_FILES_PER_PKG 1000000u

/* `o` with every 0 field replaced by its default; `o` may be NULL. */
struct hull_inventory_opts hull_inventory_opts_resolve (const struct hull_inventory_opts *o);

/* Read the regular file `path` inside the tree rooted at `rootfd` (opened through
 * hull_path_openat_in_root: symlinks stay inside the root) into a NUL-terminated buffer
 * of at most `max` bytes, size checked with fstat before allocating. A FIFO, device or
 * directory is refused. Returns NULL with err filled; err->code is ENOENT when the file
 * (or a parent directory) does not exist. */
char *hull_inventory_read_in_root (int rootfd, const char *path, uint64_t max, size_t *len,
				   hull_error_t *err);

/* Append `s` to a growing string, percent-encoded per purl-spec "Character encoding":
 * alphanumerics, `.-_~` and `:` stay, every other octet becomes %XX. */
void hull_purl_escape_append (char **buf, size_t *len, const char *s);

/* A purl "pkg:TYPE/NAMESPACE/NAME@VERSION?k=v&..." with each component escaped as
 * above. `ns` and `version` may be NULL; `quals` is a NULL-terminated list of key,
 * value pairs, keys already lowercase and sorted (purl-spec "qualifiers"); a pair with a
 * NULL or empty value is omitted. Returns a new string. */
char *hull_purl_make (const char *type, const char *ns, const char *name, const char *version,
		      const char *const *quals);

/* Append a copy of `s` to a string vector that only this function has grown (its
 * capacity is the next power of two of *n); the count is capped by the caller. */
void hull_strv_push (char ***v, size_t *n, const char *s);

/* Lowercase ASCII copy. */
char *hull_inventory_lower (const char *s);

/* ---- os-release (osrelease.c) ---- */

/* Parse os-release(5) text into `os` (fields already set are replaced). Lines that do
 * not parse are ignored, as systemd does; embedded NUL bytes end the text. */
int hull_inventory_osrelease_parse (const char *buf, size_t len, struct hull_os *os,
				    hull_error_t *err);
/* etc/os-release, else usr/lib/os-release, inside the root. Neither present: 0 with
 * `os` left empty. */
int hull_inventory_osrelease_read (int rootfd, const struct hull_inventory_opts *o,
				   struct hull_os *os, hull_error_t *err);

/* ---- dpkg (dpkg.c) ---- */

/* Parse the bytes of a dpkg status file (or one status.d file): one package per
 * installed stanza appended to `inv` with `location` recorded. Stanzas whose Status is
 * not "install ok installed" are skipped (in status.d files, where dpkg writes no
 * Status, a stanza without one counts as installed); a stanza without Package or
 * Version is skipped. Errors: a field over HULL_INV_MAX_FIELD_BYTES, a NUL byte, more
 * than o->max_packages packages. */
int hull_inventory_dpkg_parse (const char *buf, size_t len, const char *location, bool status_d,
			       const struct hull_os *os, const struct hull_inventory_opts *o,
			       struct hull_inventory *inv, hull_error_t *err);
/* var/lib/dpkg/status, var/lib/dpkg/status.d/<every entry>, and the file lists. */
int hull_inventory_dpkg_scan (int rootfd, const struct hull_inventory_opts *o,
			      struct hull_inventory *inv, hull_error_t *err);
/* Parse one info/NAME.list into p->files (lines; "/." skipped). */
int hull_inventory_dpkg_parse_list (const char *buf, size_t len, struct hull_pkg *p,
				    hull_error_t *err);

/* ---- apk (apk.c) ---- */

int hull_inventory_apk_parse (const char *buf, size_t len, const char *location,
			      const struct hull_os *os, const struct hull_inventory_opts *o,
			      struct hull_inventory *inv, hull_error_t *err);
int hull_inventory_apk_scan (int rootfd, const struct hull_inventory_opts *o,
			     struct hull_inventory *inv, hull_error_t *err);

/* ---- rpm (rpm.c) ---- */

/* Parse one rpm header blob (the "immutable region" as stored in rpmdb.sqlite's
 * Packages.blob, the NDB blob and the BerkeleyDB Packages value) into one package. */
int hull_inventory_rpm_parse_header (const uint8_t *blob, size_t len, const char *location,
				     const struct hull_os *os, const struct hull_inventory_opts *o,
				     struct hull_inventory *inv, hull_error_t *err);
/* A whole database file, its form told by its magic (SQLite, NDB, BerkeleyDB hash).
 * `buf` may be modified (the SQLite WAL marker is cleared in place). */
int hull_inventory_rpm_parse_db (uint8_t *buf, size_t len, const char *location,
				 const struct hull_os *os, const struct hull_inventory_opts *o,
				 struct hull_inventory *inv, hull_error_t *err);
/* var/lib/rpm (rpmdb.sqlite, Packages.db NDB, Packages BerkeleyDB) and usr/lib/sysimage/rpm. */
int hull_inventory_rpm_scan (int rootfd, const struct hull_inventory_opts *o,
			     struct hull_inventory *inv, hull_error_t *err);

#endif
