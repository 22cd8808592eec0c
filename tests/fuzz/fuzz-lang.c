/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: every language package reader on bytes. The first input byte picks the
 * reader (modulo the table), the rest is the file. The bytes are copied into a buffer of
 * exactly their size (no NUL after them), so a reader that runs past its length is
 * caught by ASan. Seeds in corpus/fuzz-lang/ start with the selector byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
python (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_python_parse (c, (const char *) b, n, "METADATA", err);
}

static int
npm_lock (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	/* twice: the second pass goes through the dedupe set */
	hull_lang_npm_lock_parse (c, (const char *) b, n, "package-lock.json", "", err);
	return hull_lang_npm_lock_parse (c, (const char *) b, n, "package-lock.json", "", err);
}

static int
npm_pkg (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_npm_pkgjson_parse (c, (const char *) b, n, "package.json", "", err);
}

static int
cargo (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_cargo_parse (c, (const char *) b, n, "Cargo.lock", err);
}

static int
gemlock (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_gemfile_lock_parse (c, (const char *) b, n, "Gemfile.lock", err);
}

static int
gemspec (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_gemspec_parse (c, (const char *) b, n, "x.gemspec", err);
}

static int
pom (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_pom_properties_parse (c, (const char *) b, n, "pom.properties", err);
}

static int
jar (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_jar_read (c, -1, b, n, "x.jar", err);
}

static int
gobin (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_gobin_read (c, -1, b, n, "go-binary", err);
}

static int
modinfo (struct hull_lang_ctx *c, const uint8_t *b, size_t n, hull_error_t *err)
{
	return hull_lang_gobin_parse_modinfo (c, "go1.22.1", (const char *) b, n, "go-binary", err);
}

static int (*const readers[]) (struct hull_lang_ctx *, const uint8_t *, size_t,
			       hull_error_t *) = {
	python, npm_lock, npm_pkg, cargo, gemlock, gemspec, pom, jar, gobin, modinfo,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	struct hull_inventory inv = { 0 };
	struct hull_inventory_opts o = { .max_packages = 5000, .max_file_bytes = 1 << 20 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	uint8_t *copy;

	if (size < 1)
		return 0;
	copy = hull_xmalloc (size - 1 ? size - 1 : 1);
	memcpy (copy, data + 1, size - 1);
	hull_lang_ctx_init (&c, &inv, &o);
	readers[data[0] % (sizeof readers / sizeof readers[0])](&c, copy, size - 1, &err);
	hull_lang_ctx_clear (&c);
	for (size_t i = 0; i < inv.n_warnings; i++)
		free (inv.warnings[i]);
	free (inv.warnings);
	inv.warnings = NULL;
	inv.n_warnings = 0;
	hull_inventory_clear (&inv);
	free (copy);
	return 0;
}
