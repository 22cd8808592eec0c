/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Language package readers: internals shared by the walk (lang.c), the readers (python.c,
 * npm.c, gobin.c, cargo.c, java.c, ruby.c), the unit tests and the fuzz harness, which
 * call the parsers directly on bytes.
 *
 * Every parser takes hostile bytes: sizes are capped before allocating, a malformed file
 * is an error naming the file (and line where there is one), and the caller (the walk)
 * turns that error into an inventory warning and drops what the file had added, so that
 * one bad manifest neither fails an image scan nor leaves half a file's packages. */
#ifndef HULL_SCAN_INVENTORY_LANG_READERS_H
#define HULL_SCAN_INVENTORY_LANG_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/scan.h"

/* Defaults for struct hull_inventory_opts fields left 0 (the same as the OS readers'). */
#define HULL_LANG_DEFAULT_MAX_FILE_BYTES (64ull << 20)
#define HULL_LANG_DEFAULT_MAX_PACKAGES 1000000ull
#define HULL_LANG_DEFAULT_MAX_DEPTH 32u
#define HULL_LANG_MAX_DEPTH 256u /* a larger o->max_depth is lowered to this */
/* Directory entries the walk looks at in total, and in one directory. */
#define HULL_LANG_MAX_ENTRIES 4000000u
#define HULL_LANG_MAX_DIR_ENTRIES 1000000u
/* Inventory warnings kept; later ones are counted in the last one. */
#define HULL_LANG_MAX_WARNINGS 1000u
/* ELF files larger than this are not looked at. Only the headers and the build-info
 * section are read (pread, at most 16 MiB), so this bounds nothing in memory; it is a
 * sanity limit above real Go binaries (terraform-provider-aws 5.100: 674 MiB). */
#define HULL_LANG_MAX_GO_BINARY (2ull << 30)
/* Java archives: entries looked at per archive, bytes of one pom.properties, bytes of
 * one nested archive held in memory, nested archives per archive, bytes decompressed
 * per top-level archive in total (a zip bomb stops here). */
#define HULL_LANG_JAR_MAX_ENTRIES 200000u
#define HULL_LANG_JAR_MAX_PROPS (64u << 10)
#define HULL_LANG_JAR_MAX_NESTED_BYTES (64u << 20)
#define HULL_LANG_JAR_MAX_NESTED 4096u
#define HULL_LANG_JAR_MAX_TOTAL_BYTES (512ull << 20)
/* npm lockfile v1 "dependencies" nesting. */
#define HULL_LANG_NPM_MAX_NESTING 64u
/* One line of a text manifest (Cargo.lock, Gemfile.lock, gemspec, METADATA). */
#define HULL_LANG_MAX_LINE (64u << 10)

/* What a reader needs: where packages go, the resolved limits, the npm dedupe set. */
struct hull_lang_ctx {
	struct hull_inventory *inv;
	struct hull_inventory_opts o; /* every field resolved to its default when 0 */
	bool full;		      /* o.max_packages reached: the scan stops */
	uint64_t jar_budget;	      /* bytes decompressed per top-level archive */
	char **seen;		      /* npm: "DIR\nNAME\nVERSION" open-addressing set */
	size_t n_seen, cap_seen;
};

/* Start a context over `inv` with `o` resolved (o may be NULL). */
void hull_lang_ctx_init (struct hull_lang_ctx *c, struct hull_inventory *inv,
			 const struct hull_inventory_opts *o);
void hull_lang_ctx_clear (struct hull_lang_ctx *c);

/* Append a package of type `t` with name, version (may be NULL or ""), location and its
 * purl (per purl-spec: pypi names normalised per PEP 503, npm "@scope/name" as
 * namespace "%40scope", golang module paths split into namespace segments, maven
 * "group:artifact" as namespace and name; a Go "(devel)" version is left out of the purl).
 * Fails past o.max_packages and sets c->full: callers that turn a file's error into a
 * warning do not do so then, the whole scan fails. */
struct hull_pkg *hull_lang_add (struct hull_lang_ctx *c, enum hull_pkg_type t, const char *name,
				const char *version, const char *location, hull_error_t *err);
/* Add a licence string to p (empty and "UNKNOWN" ignored, at most 64). */
void hull_lang_add_license (struct hull_pkg *p, const char *lic, size_t len);
/* Record a warning in the inventory (formatted, capped at HULL_LANG_MAX_WARNINGS). */
void hull_lang_warn (struct hull_inventory *inv, const char *fmt, ...)
	__attribute__ ((format (printf, 2, 3)));
/* PEP 503 normalised name: lowercase, runs of `-`, `_`, `.` become one `-`. */
char *hull_lang_pep503 (const char *name);

/* True if the `n` bytes at s contain a NUL byte (text manifests refuse them). */
bool hull_lang_has_nul (const char *s, size_t n);

/* ---- Python (python.c) ---- */

/* A core-metadata file (dist-info/METADATA, egg-info/PKG-INFO, an egg-info file):
 * RFC 822 headers up to the first empty line. Name and Version are required. Licences
 * from License-Expression, else License (one short line), plus every
 * "Classifier: License :: ..." (its last segment). */
int hull_lang_python_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			    const char *location, hull_error_t *err);

/* ---- npm (npm.c) ---- */

/* package-lock.json (lockfileVersion 1, 2, 3). `dir` is the project directory the
 * lockfile describes (dedupe key with node_modules packages found under it). */
int hull_lang_npm_lock_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			      const char *location, const char *dir, hull_error_t *err);
/* node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json; `dir` is
 * the project directory (the part of the path before the first node_modules). */
int hull_lang_npm_pkgjson_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
				 const char *location, const char *dir, hull_error_t *err);

/* ---- Go binaries (gobin.c) ---- */

/* An ELF file's Go build info (the .go.buildinfo section, Go 1.18+ inline format): the
 * main module, its dependencies ("=>" replacements applied) and "stdlib" at the
 * toolchain version. Not a Go binary: 0, nothing added. The pre-1.18 pointer format:
 * an error saying so. `fd` is read with pread; `mem` is used when fd < 0. */
int hull_lang_gobin_read (struct hull_lang_ctx *c, int fd, const uint8_t *mem, uint64_t size,
			  const char *location, hull_error_t *err);
/* The mod info text (lines "path", "mod", "dep", "=>") and toolchain version. */
int hull_lang_gobin_parse_modinfo (struct hull_lang_ctx *c, const char *goversion, const char *mod,
				   size_t len, const char *location, hull_error_t *err);

/* ---- Rust (cargo.c) ---- */

/* Cargo.lock: the TOML subset Cargo writes; [[package]] tables give name and version. */
int hull_lang_cargo_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			   const char *location, hull_error_t *err);

/* ---- Java (java.c) ---- */

/* A jar/war/ear: every META-INF/maven/G/A/pom.properties, in nested archives one level
 * deep too. `fd` is read sequentially; `mem` is used when fd < 0. */
int hull_lang_jar_read (struct hull_lang_ctx *c, int fd, const uint8_t *mem, size_t size,
			const char *location, hull_error_t *err);
/* One pom.properties text (groupId, artifactId, version). */
int hull_lang_pom_properties_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
				    const char *location, hull_error_t *err);

/* ---- Ruby (ruby.c) ---- */

/* Gemfile.lock: the "specs:" entries of GEM, GIT and PATH sections. */
int hull_lang_gemfile_lock_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
				  const char *location, hull_error_t *err);
/* specifications/NAME.gemspec: name, version, licenses of the Gem::Specification.new
 * block, read as text (never evaluated). */
int hull_lang_gemspec_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			     const char *location, hull_error_t *err);

#endif
