/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Language package readers. Three kinds of checks:
 *   - hand-made fixtures (tests/data/scan/lang/) for every format and lockfile version,
 *     and for bad input (truncated, huge, nested too deep, symlink loops, a symlink out
 *     of the root), laid out in a scratch tree that the walk scans;
 *   - synthetic archives and ELF files built here (jars with libarchive's writer, Go
 *     binaries byte by byte);
 *   - real data of this machine compared with an independent reader: Python's
 *     importlib.metadata for dist-packages, Python's json and zipfile modules for npm
 *     and jars, Bundler's own LockfileParser and RubyGems for Ruby, and for Go binaries a
 *     byte search of the whole file for the module-info lines (no `go` toolchain here;
 *     the toolchain versions were read with `readelf -x .go.buildinfo`). A check whose
 *     data or reference tool is missing is skipped. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "scan/inventory/lang-readers.h"
#include "scan/inventory/lang.h"

extern char **environ;

static char scratch[256];

/* ---- helpers ---- */

/* Succeeds, or the test fails with the error message. */
#define OK(e)                                                                                      \
	do {                                                                                       \
		if ((e) < 0)                                                                       \
			fail_msg ("%s: %s", #e, err.msg);                                          \
	} while (0)
/* Fails with a message containing `m`. */
#define FAILS(e, m)                                                                                \
	do {                                                                                       \
		hull_error_clear (&err);                                                           \
		if ((e) >= 0)                                                                      \
			fail_msg ("%s succeeded", #e);                                             \
		if (strstr (err.msg, (m)) == NULL)                                                 \
			fail_msg ("%s: `%s` lacks `%s`", #e, err.msg, (m));                        \
	} while (0)

static void
inv_free (struct hull_inventory *inv)
{
	hull_inventory_clear (inv); /* frees the warnings too */
}

static const struct hull_pkg *
find (const struct hull_inventory *inv, enum hull_pkg_type t, const char *name, const char *version)
{
	for (size_t i = 0; i < inv->n_pkgs; i++)
		if (inv->pkgs[i].type == t && strcmp (inv->pkgs[i].name, name) == 0 &&
		    (version == NULL || strcmp (inv->pkgs[i].version, version) == 0))
			return &inv->pkgs[i];
	return NULL;
}

static size_t
count_type (const struct hull_inventory *inv, enum hull_pkg_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < inv->n_pkgs; i++)
		n += inv->pkgs[i].type == t;
	return n;
}

static bool
warned (const struct hull_inventory *inv, const char *needle)
{
	for (size_t i = 0; i < inv->n_warnings; i++)
		if (strstr (inv->warnings[i], needle) != NULL)
			return true;
	return false;
}

static char *
fixture (const char *name, size_t *len)
{
	char path[PATH_MAX];
	hull_error_t err = { 0 };
	char *buf;

	snprintf (path, sizeof path, "%s/scan/lang/%s", HULL_TEST_DATA, name);
	buf = hull_file_read_capped (AT_FDCWD, path, 0, 1 << 20, len, &err);
	if (buf == NULL)
		fail_msg ("%s", err.msg);
	return buf;
}

static void
mkdirs (const char *rel)
{
	char path[PATH_MAX];
	snprintf (path, sizeof path, "%s/%s", scratch, rel);
	for (char *p = path + strlen (scratch) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir (path, 0755);
			*p = '/';
		}
	mkdir (path, 0755);
}

static void
put (const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *slash = strrchr (rel, '/');
	_cleanup_close_ int fd = -EBADF;

	if (slash != NULL) {
		snprintf (dir, sizeof dir, "%.*s", (int) (slash - rel), rel);
		mkdirs (dir);
	}
	snprintf (path, sizeof path, "%s/%s", scratch, rel);
	fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true (fd >= 0);
	assert_int_equal (write (fd, data, len), (ssize_t) len);
}

static void
put_str (const char *rel, const char *s)
{
	put (rel, s, strlen (s));
}

static void
put_fixture (const char *rel, const char *name)
{
	size_t len;
	_cleanup_free_ char *buf = fixture (name, &len);
	put (rel, buf, len);
}

static int
scan_path (const char *dir, const struct hull_inventory_opts *o, struct hull_inventory *inv,
	   hull_error_t *err)
{
	_cleanup_close_ int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true (fd >= 0);
	return hull_inventory_scan_lang (fd, o, inv, err);
}

/* Run argv, return its stdout (NULL: could not run or it failed). */
static char *
run (char *const argv[])
{
	int pfd[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	size_t cap = 1 << 16, len = 0;
	char *out;
	int status;

	if (access (argv[0], X_OK) != 0 || pipe2 (pfd, O_CLOEXEC) < 0)
		return NULL;
	posix_spawn_file_actions_init (&fa);
	posix_spawn_file_actions_adddup2 (&fa, pfd[1], 1);
	if (posix_spawn (&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		close (pfd[0]);
		close (pfd[1]);
		return NULL;
	}
	posix_spawn_file_actions_destroy (&fa);
	close (pfd[1]);
	out = malloc (cap);
	for (ssize_t n; (n = read (pfd[0], out + len, cap - len - 1)) > 0;) {
		len += (size_t) n;
		if (len + 1 == cap)
			out = realloc (out, cap *= 2);
	}
	close (pfd[0]);
	out[len] = '\0';
	if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0) {
		free (out);
		return NULL;
	}
	return out;
}

static int
cmp_str (const void *a, const void *b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Compare the reference's lines ("NAME VERSION", any order, duplicates allowed) with the
 * inventory's packages of type t (optionally only those whose location contains
 * `where`); prints the differences. Returns the number of reference lines. */
static size_t
compare_sets (const char *ref, const struct hull_inventory *inv, enum hull_pkg_type t,
	      const char *where)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, ua = 0, ub = 0, diffs = 0;
	_cleanup_free_ char *copy = strdup (ref);

	for (char *save = NULL, *l = strtok_r (copy, "\n", &save); l;
	     l = strtok_r (NULL, "\n", &save)) {
		a = realloc (a, (na + 1) * sizeof *a);
		a[na++] = strdup (l);
	}
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		if (inv->pkgs[i].type != t || (where && !strstr (inv->pkgs[i].location, where)))
			continue;
		b = realloc (b, (nb + 1) * sizeof *b);
		if (asprintf (&b[nb++], "%s %s", inv->pkgs[i].name, inv->pkgs[i].version) < 0)
			abort ();
	}
	qsort (a, na, sizeof *a, cmp_str);
	qsort (b, nb, sizeof *b, cmp_str);
	/* unique both, then walk them together */
	for (size_t i = 0; i < na; i++)
		if (ua == 0 || strcmp (a[ua - 1], a[i]) != 0)
			a[ua++] = a[i];
		else
			free (a[i]);
	for (size_t i = 0; i < nb; i++)
		if (ub == 0 || strcmp (b[ub - 1], b[i]) != 0)
			b[ub++] = b[i];
		else
			free (b[i]);
	for (size_t i = 0, j = 0; i < ua || j < ub;) {
		int c = i == ua ? 1 : j == ub ? -1 : strcmp (a[i], b[j]);
		if (c == 0) {
			i++, j++;
			continue;
		}
		print_error ("%s: %s\n", c < 0 ? "only in reference" : "only in hull",
			     c < 0 ? a[i] : b[j]);
		diffs++;
		if (c < 0)
			i++;
		else
			j++;
	}
	for (size_t i = 0; i < ua; i++)
		free (a[i]);
	for (size_t i = 0; i < ub; i++)
		free (b[i]);
	free (a);
	free (b);
	assert_int_equal (diffs, 0);
	return ua;
}

/* ---- purls, the package cap ---- */

static void
test_purls (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_inventory_opts o = { .max_packages = 8 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	static const struct {
		enum hull_pkg_type t;
		const char *name, *version, *purl;
	} cases[] = {
		{ HULL_PKG_PYPI, "Zope.Interface__Demo", "5.4.0+local",
		  "pkg:pypi/zope-interface-demo@5.4.0%2Blocal" },
		{ HULL_PKG_NPM, "@scope/pkg", "1.0.0", "pkg:npm/%40scope/pkg@1.0.0" },
		{ HULL_PKG_NPM, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21" },
		{ HULL_PKG_GOLANG, "github.com/a/b/v2", "v2.1.0",
		  "pkg:golang/github.com/a/b/v2@v2.1.0" },
		{ HULL_PKG_GOLANG, "github.com/a/b", "(devel)", "pkg:golang/github.com/a/b" },
		{ HULL_PKG_MAVEN, "org.ex:core", "1.0", "pkg:maven/org.ex/core@1.0" },
		{ HULL_PKG_CARGO, "serde", "1.0.190", "pkg:cargo/serde@1.0.190" },
		{ HULL_PKG_GEM, "a b", "1.0", "pkg:gem/a%20b@1.0" },
	};

	(void) state;
	hull_lang_ctx_init (&c, &inv, &o);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hull_pkg *p = hull_lang_add (&c, cases[i].t, cases[i].name, cases[i].version,
						    "loc", &err);
		assert_non_null (p);
		assert_string_equal (p->purl, cases[i].purl);
		assert_string_equal (p->location, "loc");
	}
	/* the ninth is over the cap: an error, and the context says the scan must stop */
	assert_null (hull_lang_add (&c, HULL_PKG_GEM, "x", "1", "loc", &err));
	assert_true (c.full);
	assert_non_null (strstr (err.msg, "more than 8 packages"));
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- Python ---- */

static void
test_python (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	size_t len;
	const struct hull_pkg *p;
	_cleanup_free_ char *meta = fixture ("METADATA", &len);
	_cleanup_free_ char *expr = NULL, *pkginfo = NULL;

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	assert_int_equal (hull_lang_python_parse (&c, meta, len, "m", &err), 0);
	expr = fixture ("METADATA-expr", &len);
	assert_int_equal (hull_lang_python_parse (&c, expr, len, "e", &err), 0);
	pkginfo = fixture ("PKG-INFO", &len);
	assert_int_equal (hull_lang_python_parse (&c, pkginfo, len, "p", &err), 0);
	assert_int_equal (inv.n_pkgs, 3);
	/* the headers stop at the first empty line: the body's "Name:" is not read */
	p = find (&inv, HULL_PKG_PYPI, "Zope.Interface_Demo", "5.4.0+local");
	assert_non_null (p);
	assert_string_equal (p->purl, "pkg:pypi/zope-interface-demo@5.4.0%2Blocal");
	assert_int_equal (p->n_licenses, 2);
	assert_string_equal (p->licenses[0], "ZPL 2.1");
	assert_string_equal (p->licenses[1], "Zope Public License");
	p = find (&inv, HULL_PKG_PYPI, "modern", "2.0");
	assert_non_null (p);
	assert_int_equal (p->n_licenses, 1);
	assert_string_equal (p->licenses[0], "MIT OR Apache-2.0");
	/* a License field that is a licence text (folded lines) is not a name */
	p = find (&inv, HULL_PKG_PYPI, "old_egg", "0.9");
	assert_non_null (p);
	assert_int_equal (p->n_licenses, 1);
	assert_string_equal (p->licenses[0], "BSD License");

	assert_true (hull_lang_python_parse (&c, "Name: x\n", 8, "bad", &err) < 0);
	assert_non_null (strstr (err.msg, "no Version"));
	assert_true (hull_lang_python_parse (&c, "Name: x\nVersion 1\n", 18, "bad", &err) < 0);
	assert_non_null (strstr (err.msg, "line 2: not a header"));
	assert_true (hull_lang_python_parse (&c, "Name: x\0\nVersion: 1\n", 20, "bad", &err) < 0);
	assert_non_null (strstr (err.msg, "NUL"));
	assert_true (hull_lang_python_parse (&c, " x\n", 3, "bad", &err) < 0);
	assert_int_equal (inv.n_pkgs, 3);
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- npm ---- */

static void
test_npm_locks (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	const struct hull_pkg *p;
	size_t len;
	_cleanup_free_ char *v1 = fixture ("package-lock-v1.json", &len);

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	assert_int_equal (hull_lang_npm_lock_parse (&c, v1, len, "a/package-lock.json", "a", &err),
			  0);
	/* v1: nested chalk 2.4.2 under @babel/code-frame and top-level chalk 4.1.2 */
	assert_int_equal (inv.n_pkgs, 5);
	assert_non_null (find (&inv, HULL_PKG_NPM, "chalk", "2.4.2"));
	assert_non_null (find (&inv, HULL_PKG_NPM, "chalk", "4.1.2"));
	assert_non_null (find (&inv, HULL_PKG_NPM, "ansi-styles", "3.2.1"));
	p = find (&inv, HULL_PKG_NPM, "@babel/code-frame", "7.22.13");
	assert_non_null (p);
	assert_string_equal (p->purl, "pkg:npm/%40babel/code-frame@7.22.13");
	hull_lang_ctx_clear (&c);
	inv_free (&inv);

	{
		_cleanup_free_ char *v2 = fixture ("package-lock-v2.json", &len);
		hull_lang_ctx_init (&c, &inv, NULL);
		assert_int_equal (
			hull_lang_npm_lock_parse (&c, v2, len, "b/package-lock.json", "b", &err),
			0);
		/* "packages" only (not the v1 "dependencies" copy), the root "" and the link
		 * left out, the workspace folder by its recorded name */
		assert_int_equal (inv.n_pkgs, 5);
		assert_null (find (&inv, HULL_PKG_NPM, "not-in-packages", NULL));
		assert_null (find (&inv, HULL_PKG_NPM, "demo-v2", NULL));
		assert_non_null (find (&inv, HULL_PKG_NPM, "ms", "2.1.2"));
		assert_non_null (find (&inv, HULL_PKG_NPM, "linked-ws", "0.1.0"));
		p = find (&inv, HULL_PKG_NPM, "@types/node", "20.8.10");
		assert_non_null (p);
		assert_int_equal (p->n_licenses, 1);
		assert_string_equal (p->licenses[0], "MIT");
		hull_lang_ctx_clear (&c);
		inv_free (&inv);
	}
	{
		_cleanup_free_ char *v3 = fixture ("package-lock-v3.json", &len);
		hull_lang_ctx_init (&c, &inv, NULL);
		assert_int_equal (
			hull_lang_npm_lock_parse (&c, v3, len, "c/package-lock.json", "c", &err),
			0);
		assert_int_equal (inv.n_pkgs, 2);
		p = find (&inv, HULL_PKG_NPM, "@scope/pkg", "1.0.0-beta.1+build.5");
		assert_non_null (p);
		assert_string_equal (p->purl, "pkg:npm/%40scope/pkg@1.0.0-beta.1%2Bbuild.5");
		/* the same lockfile read again for the same directory adds nothing */
		assert_int_equal (
			hull_lang_npm_lock_parse (&c, v3, len, "c/package-lock.json", "c", &err),
			0);
		assert_int_equal (inv.n_pkgs, 2);
		hull_lang_ctx_clear (&c);
		inv_free (&inv);
	}
}

static void
test_npm_bad (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	char deep[8192];
	size_t n = 0;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{\"lockfileVersion\": 2, \"packages\": {\"node_modules/a\": {\"version\": \"1\"",
		  "x:1:" },
		{ "{\"lockfileVersion\": 4, \"packages\": {}}", "lockfileVersion 4 not supported" },
		{ "{\"lockfileVersion\": \"2\"}", "not an integer" },
		{ "{\"lockfileVersion\": 3}", "without \"packages\"" },
		{ "{\"lockfileVersion\": 2, \"packages\": {\"a\": 1}}", "not an object" },
		{ "{\"a\": 1, \"a\": 2}", "duplicate" },
		{ "[1]", "not a JSON object" },
		{ "{\"lockfileVersion\": 1, \"dependencies\": {\"x\": []}}", "is not an object" },
	};

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hull_error_clear (&err);
		assert_true (hull_lang_npm_lock_parse (&c, bad[i].text, strlen (bad[i].text), "x",
						       "", &err) < 0);
		if (strstr (err.msg, bad[i].msg) == NULL)
			fail_msg ("case %zu: `%s` lacks `%s`", i, err.msg, bad[i].msg);
	}
	/* v1 dependencies nested 100 deep */
	n += (size_t) snprintf (deep + n, sizeof deep - n, "{\"lockfileVersion\":1,");
	for (int i = 0; i < 100; i++)
		n += (size_t) snprintf (deep + n, sizeof deep - n,
					"\"dependencies\":{\"d%d\":{\"version\":\"1\",", i);
	n += (size_t) snprintf (deep + n, sizeof deep - n, "\"x\":1");
	for (int i = 0; i < 100; i++)
		n += (size_t) snprintf (deep + n, sizeof deep - n, "}}");
	n += (size_t) snprintf (deep + n, sizeof deep - n, "}");
	assert_true (n < sizeof deep);
	assert_true (hull_lang_npm_lock_parse (&c, deep, n, "deep", "", &err) < 0);
	assert_non_null (strstr (err.msg, "nested deeper than 64"));
	/* package.json without a version */
	assert_true (hull_lang_npm_pkgjson_parse (&c, "{\"name\":\"a\"}", 12, "p", "", &err) < 0);
	assert_non_null (strstr (err.msg, "no \"version\""));
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- Cargo ---- */

static void
test_cargo (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	size_t len;
	_cleanup_free_ char *lock = fixture ("Cargo.lock", &len);
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "[[package]]\nname = \"a\"\n", "line 1: [[package]] without version" },
		{ "[[package]]\nname = \"a\nversion = \"1\"\n", "line 2: newline in a string" },
		{ "[[package]]\nname = \"a\"\nname = \"b\"\n", "line 3: duplicate key" },
		{ "[[package]]\nname = { x = 1 }\n", "line 2: expected a string" },
		{ "x = { a = 1 }\n", "line 1: unsupported value" },
		{ "[[package]]\nname = \"a\" junk\n", "line 2: unexpected text" },
		{ "deps = [\n \"a\",\n", "unterminated array" },
		{ "[package\n", "line 1: malformed table header" },
		{ "name = \"\\u0041\"\n", "unsupported escape" },
		{ "= 1\n", "expected a key" },
	};

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	assert_int_equal (hull_lang_cargo_parse (&c, lock, len, "Cargo.lock", &err), 0);
	assert_int_equal (inv.n_pkgs, 3);
	assert_non_null (find (&inv, HULL_PKG_CARGO, "anyhow", "1.0.75"));
	assert_non_null (find (&inv, HULL_PKG_CARGO, "demo", "0.1.0"));
	assert_string_equal (find (&inv, HULL_PKG_CARGO, "serde", "1.0.190")->purl,
			     "pkg:cargo/serde@1.0.190");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true (hull_lang_cargo_parse (&c, bad[i].text, strlen (bad[i].text), "C",
						    &err) < 0);
		if (strstr (err.msg, bad[i].msg) == NULL)
			fail_msg ("case %zu: `%s` lacks `%s`", i, err.msg, bad[i].msg);
	}
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- Ruby ---- */

static void
test_ruby (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	const struct hull_pkg *p;
	size_t len;
	_cleanup_free_ char *lock = fixture ("Gemfile.lock", &len);
	_cleanup_free_ char *spec = NULL;

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	assert_int_equal (hull_lang_gemfile_lock_parse (&c, lock, len, "Gemfile.lock", &err), 0);
	/* specs of GIT, PATH and GEM; dependency lines (6 spaces) and DEPENDENCIES not */
	assert_int_equal (inv.n_pkgs, 5);
	assert_non_null (find (&inv, HULL_PKG_GEM, "rack", "3.0.8"));
	assert_non_null (find (&inv, HULL_PKG_GEM, "demo", "0.1.0"));
	assert_non_null (find (&inv, HULL_PKG_GEM, "racc", "1.7.1"));
	assert_non_null (find (&inv, HULL_PKG_GEM, "rake", "13.0.6"));
	p = find (&inv, HULL_PKG_GEM, "nokogiri", "1.15.4");
	assert_non_null (p);
	assert_string_equal (p->arch, "x86_64-linux");
	assert_string_equal (p->purl, "pkg:gem/nokogiri@1.15.4");

	spec = fixture ("demo-1.2.3.gemspec", &len);
	assert_int_equal (hull_lang_gemspec_parse (&c, spec, len, "s.gemspec", &err), 0);
	p = find (&inv, HULL_PKG_GEM, "demo", "1.2.3");
	assert_non_null (p);
	assert_null (find (&inv, HULL_PKG_GEM, "evil", NULL));
	assert_int_equal (p->n_licenses, 2);
	assert_string_equal (p->licenses[1], "Ruby");

	assert_true (hull_lang_gemfile_lock_parse (&c, "GEM\n  specs:\n    broken\n", 22, "G",
						   &err) < 0);
	assert_non_null (strstr (err.msg, "line 3: expected `name (version)`"));
	assert_true (hull_lang_gemspec_parse (&c, "s.name = \"x\"\n", 13, "g", &err) < 0);
	assert_non_null (strstr (err.msg, "no `Gem::Specification.new"));
	{
		static const char noversion[] = "Gem::Specification.new do |s|\n s.name = \"x\"\n";
		FAILS (hull_lang_gemspec_parse (&c, noversion, sizeof noversion - 1, "g", &err),
		       "no version");
	}
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- Java ---- */

struct zent {
	const char *name;
	const void *data;
	size_t len;
};

/* A zip of `n` entries in a new buffer (*len bytes). */
static uint8_t *
make_zip (const struct zent *e, size_t n, size_t *len)
{
	size_t cap = 4 << 20;
	uint8_t *buf = malloc (cap);
	struct archive *a = archive_write_new ();

	assert_int_equal (archive_write_set_format_zip (a), ARCHIVE_OK);
	assert_int_equal (archive_write_open_memory (a, buf, cap, len), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new ();
		archive_entry_set_pathname (ae, e[i].name);
		archive_entry_set_filetype (ae, AE_IFREG);
		archive_entry_set_perm (ae, 0644);
		archive_entry_set_size (ae, (la_int64_t) e[i].len);
		assert_int_equal (archive_write_header (a, ae), ARCHIVE_OK);
		for (size_t off = 0; off < e[i].len;) {
			la_ssize_t w = archive_write_data (a, (const char *) e[i].data + off,
							   e[i].len - off);
			assert_true (w > 0);
			off += (size_t) w;
		}
		archive_entry_free (ae);
	}
	assert_int_equal (archive_write_close (a), ARCHIVE_OK);
	archive_write_free (a);
	return buf;
}

static const char pom_a[] = "groupId=org.example\nartifactId=alpha\nversion=1.0\n";
static const char pom_b[] = "# c\ngroupId = org.example\nartifactId: beta\nversion=2.0-SNAPSHOT\n";
static const char pom_inner[] = "groupId=com.inner\nartifactId=inner\nversion=3.1\n";

static void
test_jar (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	size_t inner_len, war_len;
	_cleanup_free_ uint8_t *inner = NULL, *war = NULL;
	_cleanup_free_ char *bigpom = calloc (1, 100000);
	const struct hull_pkg *p;

	(void) state;
	memset (bigpom, 'x', 99999);
	{
		struct zent ie[] = {
			{ "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", 22 },
			{ "META-INF/maven/com.inner/inner/pom.properties", pom_inner,
			  sizeof pom_inner - 1 },
		};
		inner = make_zip (ie, 2, &inner_len);
	}
	{
		struct zent we[] = {
			{ "META-INF/maven/org.example/alpha/pom.properties", pom_a,
			  sizeof pom_a - 1 },
			{ "META-INF/maven/org.example/beta/pom.properties", pom_b,
			  sizeof pom_b - 1 },
			{ "META-INF/maven/x/pom.properties", pom_a,
			  sizeof pom_a - 1 }, /* 4 parts */
			{ "META-INF/maven/big/big/pom.properties", bigpom, 99999 },
			{ "WEB-INF/lib/inner.jar", inner, inner_len },
			{ "WEB-INF/lib/garbage.jar", "not a zip at all", 16 },
		};
		war = make_zip (we, 6, &war_len);
	}
	hull_lang_ctx_init (&c, &inv, NULL);
	OK (hull_lang_jar_read (&c, -1, war, war_len, "app.war", &err));
	assert_int_equal (inv.n_pkgs, 3);
	p = find (&inv, HULL_PKG_MAVEN, "org.example:alpha", "1.0");
	assert_non_null (p);
	assert_string_equal (p->purl, "pkg:maven/org.example/alpha@1.0");
	assert_string_equal (p->location, "app.war");
	assert_non_null (find (&inv, HULL_PKG_MAVEN, "org.example:beta", "2.0-SNAPSHOT"));
	p = find (&inv, HULL_PKG_MAVEN, "com.inner:inner", "3.1");
	assert_non_null (p);
	assert_string_equal (p->location, "app.war!/WEB-INF/lib/inner.jar");
	/* the oversized pom.properties and the broken nested jar are warnings */
	assert_true (warned (&inv, "app.war!/META-INF/maven/big/big/pom.properties"));
	assert_true (warned (&inv, "more than 65536 bytes"));
	assert_true (warned (&inv, "app.war!/WEB-INF/lib/garbage.jar"));
	/* truncated archives: an error or what was read before the cut, never a crash */
	for (size_t cut = 0; cut < war_len; cut += war_len / 23 + 1) {
		hull_error_clear (&err);
		if (hull_lang_jar_read (&c, -1, war, cut, "half.war", &err) < 0)
			assert_true (err.msg[0] != '\0');
	}
	assert_true (hull_lang_jar_read (&c, -1, (const uint8_t *) "PK\3\4garbage", 11, "g.jar",
					 &err) < 0);
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* A nested archive over the in-memory cap is skipped, its siblings still read. */
static void
test_jar_nested_cap (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	size_t big = HULL_LANG_JAR_MAX_NESTED_BYTES + 1, len;
	_cleanup_free_ uint8_t *zeros = calloc (1, big), *ear = NULL;
	struct zent e[] = {
		{ "lib/huge.jar", zeros, big },
		{ "META-INF/maven/org.example/alpha/pom.properties", pom_a, sizeof pom_a - 1 },
	};

	(void) state;
	ear = make_zip (e, 2, &len);
	assert_true (len < (4u << 20)); /* a zip bomb: 64 MiB in a few hundred KiB */
	hull_lang_ctx_init (&c, &inv, NULL);
	OK (hull_lang_jar_read (&c, -1, ear, len, "app.ear", &err));
	assert_int_equal (inv.n_pkgs, 1);
	assert_true (warned (&inv, "app.ear!/lib/huge.jar`: more than"));
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* The decompression budget covers nested archives too; past it the archive fails. */
static void
test_jar_budget (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	size_t len, inner_len, big = 600u << 10;
	_cleanup_free_ uint8_t *zeros = calloc (1, big), *inner = NULL, *ear = NULL;
	struct zent ie[] = { { "data.bin", zeros, big } };
	struct zent e[3];

	(void) state;
	inner = make_zip (ie, 1, &inner_len);
	for (size_t i = 0; i < 3; i++)
		e[i] = (struct zent){ i == 0   ? "a.jar"
				      : i == 1 ? "b.jar"
					       : "c.jar",
				      inner, inner_len };
	ear = make_zip (e, 3, &len);
	hull_lang_ctx_init (&c, &inv, NULL);
	c.jar_budget = 1u << 20;
	/* the nested jars are small: reading them fits, their data entries are not read */
	OK (hull_lang_jar_read (&c, -1, ear, len, "ok.ear", &err));
	/* a budget below what the nested archives themselves take stops the outer one */
	c.jar_budget = inner_len * 2;
	FAILS (hull_lang_jar_read (&c, -1, ear, len, "bomb.ear", &err), "zip bomb");
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* ---- Go ---- */

static const char sentinel_start[] = "0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
static const char sentinel_end[] = "\xf9\x32\x43\x31\x86\x18 r\x00\x82\x42\x10\x41\x16\xd8\xf2";

static size_t
put_uvarint (uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t) v;
	return n;
}

static void
le (uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* A minimal little-endian ELF64 file: header, a .go.buildinfo section (flags byte
 * `flags`, toolchain `ver`, module info `mod` between the sentinels), .shstrtab and the
 * section table. */
static uint8_t *
make_go_elf (const char *ver, const char *mod, uint8_t flags, size_t *len)
{
	static const char names[] = "\0.go.buildinfo\0.shstrtab";
	size_t cap = 1 << 16, bi = 0x40, n, mlen = strlen (mod) + 32, off;
	uint8_t *b = calloc (1, cap);

	memcpy (b, "\177ELF\2\1\1", 7);
	le (b + 0x10, 2, 2);
	le (b + 0x12, 0x3e, 2);
	le (b + 0x14, 1, 4);
	le (b + 0x34, 64, 2);
	memcpy (b + bi, "\xff Go buildinf:", 14);
	b[bi + 14] = 8;
	b[bi + 15] = flags;
	off = bi + 32;
	off += put_uvarint (b + off, strlen (ver));
	memcpy (b + off, ver, strlen (ver));
	off += strlen (ver);
	off += put_uvarint (b + off, mlen);
	memcpy (b + off, sentinel_start, 16);
	memcpy (b + off + 16, mod, mlen - 32);
	memcpy (b + off + mlen - 16, sentinel_end, 16);
	off += mlen;
	n = off - bi;
	off = (off + 15) & ~(size_t) 15;
	memcpy (b + off, names, sizeof names);
	/* section table at shoff: null, .go.buildinfo, .shstrtab */
	{
		size_t str = off, shoff = (off + sizeof names + 15) & ~(size_t) 15;
		uint8_t *s1 = b + shoff + 64, *s2 = b + shoff + 128;
		le (b + 0x28, shoff, 8);
		le (b + 0x3a, 64, 2);
		le (b + 0x3c, 3, 2);
		le (b + 0x3e, 2, 2);
		le (s1, 1, 4);
		le (s1 + 4, 1, 4);
		le (s1 + 0x18, bi, 8);
		le (s1 + 0x20, n, 8);
		le (s2, 15, 4);
		le (s2 + 4, 3, 4);
		le (s2 + 0x18, str, 8);
		le (s2 + 0x20, sizeof names, 8);
		*len = shoff + 192;
	}
	assert_true (*len < cap);
	return b;
}

static void
test_gobin_synthetic (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	const struct hull_pkg *p;
	size_t len, old_len;
	_cleanup_free_ uint8_t *elf = NULL, *old = NULL;

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	elf = make_go_elf ("go1.21.5 X:boringcrypto",
			   "path\texample.com/cmd/tool\n"
			   "mod\texample.com/tool\t(devel)\t\n"
			   "dep\tgithub.com/a/b\tv1.2.3\th1:x=\n"
			   "dep\tgolang.org/x/net\tv0.1.0\th1:y=\n"
			   "=>\tgithub.com/fork/net\tv0.2.0\th1:z=\n"
			   "dep\texample.com/local\tv0.0.0-00010101000000-000000000000\n"
			   "=>\t./local\t(devel)\t\n"
			   "build\t-compiler=gc\n",
			   2, &len);
	assert_int_equal (hull_lang_gobin_read (&c, -1, elf, len, "usr/bin/tool", &err), 0);
	assert_int_equal (inv.n_pkgs, 5);
	p = find (&inv, HULL_PKG_GOLANG, "example.com/tool", "(devel)");
	assert_non_null (p);
	assert_string_equal (p->purl, "pkg:golang/example.com/tool");
	assert_non_null (find (&inv, HULL_PKG_GOLANG, "github.com/a/b", "v1.2.3"));
	/* a module replacement takes the replacement's path and version ... */
	assert_non_null (find (&inv, HULL_PKG_GOLANG, "github.com/fork/net", "v0.2.0"));
	assert_null (find (&inv, HULL_PKG_GOLANG, "golang.org/x/net", NULL));
	/* ... a local directory keeps what was required */
	assert_non_null (find (&inv, HULL_PKG_GOLANG, "example.com/local",
			       "v0.0.0-00010101000000-000000000000"));
	p = find (&inv, HULL_PKG_GOLANG, "stdlib", "v1.21.5");
	assert_non_null (p);
	assert_string_equal (p->purl, "pkg:golang/stdlib@v1.21.5");

	/* no section headers (strip --strip-sections): found in the writable PT_LOAD
	 * segment, as Go's reader does */
	{
		struct hull_inventory i2 = { 0 };
		struct hull_lang_ctx c2;
		_cleanup_free_ uint8_t *nosect = malloc (len + 56);
		uint8_t *ph = nosect + len;

		memcpy (nosect, elf, len);
		memset (ph, 0, 56);
		le (nosect + 0x28, 0, 8);      /* e_shoff */
		le (nosect + 0x20, len, 8);    /* e_phoff */
		le (nosect + 0x36, 56, 2);     /* e_phentsize */
		le (nosect + 0x38, 1, 2);      /* e_phnum */
		le (ph, 1, 4);		       /* PT_LOAD */
		le (ph + 4, 6, 4);	       /* PF_R | PF_W */
		le (ph + 8, 0x40, 8);	       /* p_offset: the build info */
		le (ph + 0x20, len - 0x40, 8); /* p_filesz */
		hull_lang_ctx_init (&c2, &i2, NULL);
		OK (hull_lang_gobin_read (&c2, -1, nosect, len + 56, "stripped", &err));
		assert_int_equal (i2.n_pkgs, 5);
		assert_non_null (find (&i2, HULL_PKG_GOLANG, "github.com/fork/net", "v0.2.0"));
		/* the same segment read-only: not searched */
		le (ph + 4, 4, 4);
		inv_free (&i2);
		OK (hull_lang_gobin_read (&c2, -1, nosect, len + 56, "stripped", &err));
		assert_int_equal (i2.n_pkgs, 0);
		hull_lang_ctx_clear (&c2);
		inv_free (&i2);
	}
	/* pre-1.18 pointer format: refused with a reason */
	old = make_go_elf ("go1.16", "path\tx\n", 0, &old_len);
	assert_true (hull_lang_gobin_read (&c, -1, old, old_len, "old", &err) < 0);
	assert_non_null (strstr (err.msg, "pre-1.18 pointer format"));
	/* every truncation of a valid file: an error or nothing, never a crash */
	for (size_t cut = 0; cut < len; cut += 7) {
		struct hull_inventory i2 = { 0 };
		struct hull_lang_ctx c2;
		hull_lang_ctx_init (&c2, &i2, NULL);
		(void) hull_lang_gobin_read (&c2, -1, elf, cut, "cut", &err);
		hull_lang_ctx_clear (&c2);
		inv_free (&i2);
	}
	/* not ELF: nothing, no error */
	assert_int_equal (
		hull_lang_gobin_read (&c, -1, (const uint8_t *) "#!/bin/sh\n", 10, "s", &err), 0);
	/* "=>" before any module */
	assert_true (hull_lang_gobin_parse_modinfo (&c, "go1.20", "=>\ta\tv1\t\n", 9, "m", &err) <
		     0);
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
}

/* The toolchain's version as Go vulnerability records write stdlib versions
 * (golang.org/x/vuln's GoTagToSemver): releases before Go 1.21 name their first
 * release "go1.20", not "go1.20.0", and pre-releases "go1.20rc1". "v1.20" is no SemVer
 * and would order above every fixed version, hiding every stdlib advisory. */
static void
test_gobin_stdlib_version (void **state)
{
	static const char *const cases[][2] = {
		{ "go1.20", "v1.20.0" },	 { "go1.21.5", "v1.21.5" },
		{ "go1.20rc1", "v1.20.0-rc.1" }, { "go1.18beta2", "v1.18.0-beta.2" },
		{ "go1.19.8 X:foo", "v1.19.8" }, { "go1", "v1.0.0" },
	};
	hull_error_t err = { 0 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hull_inventory inv = { 0 };
		struct hull_lang_ctx c;
		hull_lang_ctx_init (&c, &inv, NULL);
		OK (hull_lang_gobin_parse_modinfo (&c, cases[i][0], "path\tx\n", 7, "m", &err));
		if (find (&inv, HULL_PKG_GOLANG, "stdlib", cases[i][1]) == NULL)
			fail_msg ("%s: no stdlib %s", cases[i][0], cases[i][1]);
		hull_lang_ctx_clear (&c);
		inv_free (&inv);
	}
}

/* ---- the walk over a scratch tree ---- */

/* scratch/root is the tree scanned; scratch/outside holds manifests that no scan of the
 * root may see (reachable only through symlinks). */
#define R "root/"

static void
build_tree (void)
{
	char path[PATH_MAX], target[PATH_MAX], deep[PATH_MAX];
	size_t n;
	struct zent je[] = {
		{ "META-INF/maven/org.example/alpha/pom.properties", pom_a, sizeof pom_a - 1 },
	};
	_cleanup_free_ uint8_t *jar = make_zip (je, 1, &n);

	put (R "opt/app/lib/alpha.jar", jar, n);
	put_fixture (R "usr/lib/python3/dist-packages/Zope.Interface_Demo-5.4.0.dist-info/METADATA",
		     "METADATA");
	put_fixture (R "usr/lib/python3.11/site-packages/old_egg-0.9.egg-info/PKG-INFO",
		     "PKG-INFO");
	put_fixture (R "usr/lib/python3/dist-packages/modern-2.0.egg-info", "METADATA-expr");
	/* a METADATA outside any site-packages is not an installed distribution */
	put_fixture (R "src/x.dist-info/METADATA", "METADATA");
	put_fixture (R "app1/package-lock.json", "package-lock-v1.json");
	put_fixture (R "app2/package-lock.json", "package-lock-v2.json");
	put_str (R "app2/node_modules/lodash/package.json",
		 "{\"name\":\"lodash\",\"version\":\"4.17.21\"}");
	put_str (R "app2/node_modules/@types/node/package.json",
		 "{\"name\":\"@types/node\",\"version\":\"20.8.10\"}");
	put_str (R "app2/node_modules/extra/package.json",
		 "{\"name\":\"extra\",\"version\":\"1.0.0\",\"license\":{\"type\":\"BSD-3-Clause\"}"
		 "}");
	put_str (R "app2/node_modules/extra/lib/package.json", "{\"type\":\"module\"}");
	put_fixture (R "app2/node_modules/extra/package-lock.json", "package-lock-v3.json");
	put_str (R "app2/package.json", "{\"name\":\"the-project\",\"version\":\"2.0.0\"}");
	put_fixture (R "app3/package-lock.json", "package-lock-v3.json");
	put_fixture (R "rust/Cargo.lock", "Cargo.lock");
	put_fixture (R "ruby/Gemfile.lock", "Gemfile.lock");
	put_fixture (R "var/lib/gems/3.1.0/specifications/demo-1.2.3.gemspec",
		     "demo-1.2.3.gemspec");
	put_str (R "broken/package-lock.json", "{\"lockfileVersion\": 3, \"packages\": {\"node_m");
	put_str (R "proc/package-lock.json", "{}");
	/* 40 levels deep: past the default max_depth of 32 */
	n = (size_t) snprintf (deep, sizeof deep, R "deep");
	for (int i = 0; i < 40; i++)
		n += (size_t) snprintf (deep + n, sizeof deep - n, "/d");
	snprintf (deep + n, sizeof deep - n, "/Cargo.lock");
	put_fixture (deep, "Cargo.lock");
	/* outside the root */
	put_str ("outside/package-lock.json", "{\"lockfileVersion\":3,\"packages\":{\"node_modules/"
					      "secret\":{\"version\":\"6.6.6\"}}}");
	put_fixture ("outside/Cargo.lock", "Cargo.lock");
	/* symlinks: a loop, a directory and a file outside the root */
	snprintf (path, sizeof path, "%s/" R "loop", scratch);
	assert_int_equal (symlink (".", path), 0);
	snprintf (path, sizeof path, "%s/" R "up", scratch);
	assert_int_equal (symlink ("..", path), 0);
	snprintf (path, sizeof path, "%s/" R "escape", scratch);
	snprintf (target, sizeof target, "%s/outside", scratch);
	assert_int_equal (symlink (target, path), 0);
	mkdirs (R "rust2");
	snprintf (path, sizeof path, "%s/" R "rust2/Cargo.lock", scratch);
	snprintf (target, sizeof target, "%s/outside/Cargo.lock", scratch);
	assert_int_equal (symlink (target, path), 0);
}

static void
test_walk (void **state)
{
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };
	char root[PATH_MAX];
	const struct hull_pkg *p;

	(void) state;
	build_tree ();
	snprintf (root, sizeof root, "%s/root", scratch);
	assert_int_equal (scan_path (root, NULL, &inv, &err), 0);
	for (size_t i = 0; i < inv.n_warnings; i++)
		print_message ("warning: %s\n", inv.warnings[i]);
	/* python: 3 (the src/ METADATA not) */
	assert_int_equal (count_type (&inv, HULL_PKG_PYPI), 3);
	p = find (&inv, HULL_PKG_PYPI, "modern", "2.0");
	assert_non_null (p);
	assert_string_equal (p->location, "usr/lib/python3/dist-packages/modern-2.0.egg-info");
	/* npm: v1 5 + v2 5 + extra 1 (lodash and @types/node deduplicated) + v3 2 */
	assert_int_equal (count_type (&inv, HULL_PKG_NPM), 13);
	assert_null (find (&inv, HULL_PKG_NPM, "secret", NULL));
	assert_null (find (&inv, HULL_PKG_NPM, "the-project", NULL));
	p = find (&inv, HULL_PKG_NPM, "extra", "1.0.0");
	assert_non_null (p);
	assert_string_equal (p->location, "app2/node_modules/extra/package.json");
	assert_string_equal (p->licenses[0], "BSD-3-Clause");
	/* cargo: only rust/ (deep/ too deep, rust2/ a symlink, escape/ outside) */
	assert_int_equal (count_type (&inv, HULL_PKG_CARGO), 3);
	assert_string_equal (find (&inv, HULL_PKG_CARGO, "anyhow", NULL)->location,
			     "rust/Cargo.lock");
	/* ruby: lockfile 5 + gemspec 1 */
	assert_int_equal (count_type (&inv, HULL_PKG_GEM), 6);
	p = find (&inv, HULL_PKG_MAVEN, "org.example:alpha", "1.0");
	assert_non_null (p);
	assert_string_equal (p->location, "opt/app/lib/alpha.jar");
	assert_int_equal (inv.n_pkgs, 3 + 13 + 3 + 6 + 1);
	assert_true (warned (&inv, "broken/package-lock.json:1:"));
	assert_true (warned (&inv, "deeper than 32 directories"));
	assert_false (warned (&inv, "proc"));
	inv_free (&inv);

	/* a smaller file cap turns the lockfiles into warnings, the rest stays */
	{
		struct hull_inventory_opts o = { .max_file_bytes = 300 };
		assert_int_equal (scan_path (root, &o, &inv, &err), 0);
		assert_true (warned (&inv, "app1/package-lock.json: `package-lock.json`"));
		assert_int_equal (count_type (&inv, HULL_PKG_CARGO), 0);
		inv_free (&inv);
	}
	/* the package cap fails the scan */
	{
		struct hull_inventory_opts o = { .max_packages = 4 };
		assert_true (scan_path (root, &o, &inv, &err) < 0);
		assert_non_null (strstr (err.msg, "more than 4 packages"));
		inv_free (&inv);
	}
	/* skip_language: nothing */
	{
		struct hull_inventory_opts o = { .skip_language = true };
		assert_int_equal (scan_path (root, &o, &inv, &err), 0);
		assert_int_equal (inv.n_pkgs, 0);
		inv_free (&inv);
	}
}

/* ---- real data of this machine ---- */

static void
test_real_python (void **state)
{
	static const char dir[] = "/usr/lib/python3";
	char *argv[] = { "/usr/bin/python3", "-c",
			 "import importlib.metadata as m\n"
			 "for d in m.distributions(path=['/usr/lib/python3/dist-packages']):\n"
			 "    print(d.metadata['Name'], d.version)\n",
			 NULL };
	_cleanup_free_ char *ref = run (argv);
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };

	(void) state;
	if (ref == NULL || access (dir, R_OK) != 0)
		skip ();
	assert_int_equal (scan_path (dir, NULL, &inv, &err), 0);
	print_message ("python: %zu distributions agree with importlib.metadata\n",
		       compare_sets (ref, &inv, HULL_PKG_PYPI, "dist-packages/"));
	assert_true (count_type (&inv, HULL_PKG_PYPI) > 10);
	inv_free (&inv);
}

static void
test_real_npm (void **state)
{
	static const char dir[] = "/usr/lib/node_modules";
	char *argv[] = {
		"/usr/bin/python3", "-c",
		"import json, os, re\n"
		"for top, dirs, files in os.walk('/usr/lib/node_modules'):\n"
		"    parts = top.split('/')\n"
		"    if 'package.json' not in files: continue\n"
		"    if os.path.dirname(top) == '/usr/lib/node_modules': continue\n"
		"    if not (parts[-2] == 'node_modules' or (parts[-2].startswith('@') and "
		"parts[-3] == 'node_modules')): continue\n"
		"    d = json.load(open(os.path.join(top, 'package.json')))\n"
		"    print(d['name'], d['version'])\n",
		NULL
	};
	_cleanup_free_ char *ref = run (argv);
	struct hull_inventory inv = { 0 };
	hull_error_t err = { 0 };
	size_t n;

	(void) state;
	if (ref == NULL || access (dir, R_OK) != 0)
		skip ();
	assert_int_equal (scan_path (dir, NULL, &inv, &err), 0);
	/* the top-level packages (npm/package.json) have no node_modules parent inside the
	 * scanned root: they are not packages there, and the reference leaves them out */
	n = compare_sets (ref, &inv, HULL_PKG_NPM, NULL);
	print_message ("npm: %zu packages agree with a python json walk\n", n);
	assert_true (n > 50);
	assert_null (find (&inv, HULL_PKG_NPM, "npm", NULL));
	inv_free (&inv);
}

static void
test_real_jars (void **state)
{
	/* (/usr/share/maven/lib holds symlinks into /usr/share/java, which are not followed) */
	static const char *const dirs[] = { "/usr/share/java" };

	(void) state;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		_cleanup_free_ char *ref = NULL;
		char script[1024];
		char *argv[] = { "/usr/bin/python3", "-c", script, NULL };
		struct hull_inventory inv = { 0 };
		hull_error_t err = { 0 };

		snprintf (script, sizeof script,
			  "import os, re, zipfile\n"
			  "for f in sorted(os.listdir('%s')):\n"
			  "    p = os.path.join('%s', f)\n"
			  "    if os.path.islink(p) or not f.endswith('.jar'): continue\n"
			  "    z = zipfile.ZipFile(p)\n"
			  "    for n in z.namelist():\n"
			  "        if not "
			  "re.fullmatch(r'META-INF/maven/[^/]+/[^/]+/pom.properties', n): "
			  "continue\n"
			  "        kv = dict(l.split('=', 1) for l in "
			  "z.read(n).decode().splitlines() if "
			  "'=' in l and not l.startswith('#'))\n"
			  "        print(kv['groupId'].strip() + ':' + kv['artifactId'].strip(), "
			  "kv['version'].strip())\n",
			  dirs[i], dirs[i]);
		ref = run (argv);
		if (ref == NULL) {
			print_message ("%s: no reference, skipped\n", dirs[i]);
			continue;
		}
		assert_int_equal (scan_path (dirs[i], NULL, &inv, &err), 0);
		print_message ("%s: %zu artifacts agree with python zipfile\n", dirs[i],
			       compare_sets (ref, &inv, HULL_PKG_MAVEN, NULL));
		inv_free (&inv);
	}
}

/* Every Gemfile.lock under /usr/lib/ruby (gems ship theirs) against Bundler's parser. */
static size_t
ruby_locks (void)
{
	char *argv[] = {
		"/usr/bin/find", "/usr/lib/ruby", "-name", "Gemfile.lock", "-type", "f", NULL
	};
	_cleanup_free_ char *list = run (argv);
	size_t n = 0;

	for (char *save = NULL, *f = list ? strtok_r (list, "\n", &save) : NULL; f;
	     f = strtok_r (NULL, "\n", &save)) {
		char *argv_lock[] = {
			"/usr/bin/ruby",
			"-rbundler",
			"-e",
			"Dir.chdir(File.dirname(ARGV[0])); "
			"Bundler::LockfileParser.new(File.read(ARGV[0])).specs.each { |s| "
			"puts \"#{s.name} #{s.version}\" }",
			f,
			NULL
		};
		_cleanup_free_ char *ref = run (argv_lock), *buf = NULL;
		struct hull_inventory inv = { 0 };
		struct hull_lang_ctx c;
		hull_error_t err = { 0 };
		size_t len;

		if (ref == NULL)
			continue;
		buf = hull_file_read_capped (AT_FDCWD, f, 0, 1 << 20, &len, &err);
		assert_non_null (buf);
		hull_lang_ctx_init (&c, &inv, NULL);
		OK (hull_lang_gemfile_lock_parse (&c, buf, len, f, &err));
		print_message ("%s: %zu gems agree with Bundler::LockfileParser\n", f,
			       compare_sets (ref, &inv, HULL_PKG_GEM, NULL));
		hull_lang_ctx_clear (&c);
		inv_free (&inv);
		n++;
	}
	return n;
}

/* Installed gemspecs (specifications/ and specifications/default/) against RubyGems. */
static size_t
ruby_specs (void)
{
	static const char *const dirs[] = { "/usr/share/rubygems-integration/all",
					    "/usr/lib/ruby/gems/3.1.0" };
	size_t n = 0;

	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		char *argv[] = {
			"/usr/bin/ruby", "-e",
			"Dir[ARGV[0] + '/specifications/{,default/}*.gemspec'].each { |f| "
			"s = Gem::Specification.load(f); puts \"#{s.name} #{s.version}\" }",
			(char *) dirs[i], NULL
		};
		_cleanup_free_ char *ref = run (argv);
		struct hull_inventory inv = { 0 };
		hull_error_t err = { 0 };

		if (ref == NULL || access (dirs[i], R_OK) != 0)
			continue;
		OK (scan_path (dirs[i], NULL, &inv, &err));
		assert_int_equal (inv.n_warnings, 0);
		print_message ("%s: %zu gemspecs agree with Gem::Specification.load\n", dirs[i],
			       compare_sets (ref, &inv, HULL_PKG_GEM, "specifications/"));
		inv_free (&inv);
		n++;
	}
	return n;
}

static void
test_real_ruby (void **state)
{
	size_t n;

	(void) state;
	n = ruby_locks ();
	n += ruby_specs ();
	if (n == 0)
		skip ();
}

/* Go: Debian's skopeo is a GOPATH build (only the toolchain: go1.19.8 per
 * `readelf -x .go.buildinfo /usr/bin/skopeo`); terraform is a module build whose "dep"
 * lines are found independently by a byte search of the whole file. */
static void
test_real_go (void **state)
{
	struct hull_inventory inv = { 0 };
	struct hull_lang_ctx c;
	hull_error_t err = { 0 };
	bool any = false;

	(void) state;
	hull_lang_ctx_init (&c, &inv, NULL);
	{
		_cleanup_close_ int fd = open ("/usr/bin/skopeo", O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd >= 0 && fstat (fd, &st) == 0) {
			any = true;
			assert_int_equal (hull_lang_gobin_read (&c, fd, NULL, (uint64_t) st.st_size,
								"usr/bin/skopeo", &err),
					  0);
			assert_int_equal (inv.n_pkgs, 1);
			assert_non_null (find (&inv, HULL_PKG_GOLANG, "stdlib", "v1.19.8"));
		}
	}
	hull_lang_ctx_clear (&c);
	inv_free (&inv);
	{
		static const char tf[] = "/usr/local/bin/terraform";
		char *argv[] = {
			"/usr/bin/python3", "-c",
			"import re, sys\n"
			"b = open(sys.argv[1], 'rb').read()\n"
			"for m in set(re.findall(rb'\\n(?:dep|mod)\\t([^\\t\\n]+)\\t([^\\t\\n]+)', "
			"b)):\n"
			"    print(m[0].decode(), m[1].decode())\n",
			(char *) tf, NULL
		};
		_cleanup_free_ char *ref = NULL;
		_cleanup_close_ int fd = open (tf, O_RDONLY | O_CLOEXEC);
		struct stat st;
		size_t n;

		if (fd >= 0 && fstat (fd, &st) == 0 && (ref = run (argv)) != NULL) {
			any = true;
			hull_lang_ctx_init (&c, &inv, NULL);
			assert_int_equal (hull_lang_gobin_read (&c, fd, NULL, (uint64_t) st.st_size,
								"terraform", &err),
					  0);
			/* go1.23.3 per readelf; the reference has no stdlib line */
			assert_non_null (find (&inv, HULL_PKG_GOLANG, "stdlib", "v1.23.3"));
			hull_pkg_clear (&inv.pkgs[--inv.n_pkgs]);
			n = compare_sets (ref, &inv, HULL_PKG_GOLANG, NULL);
			print_message ("terraform: %zu modules agree with a byte search\n", n);
			assert_true (n > 100);
			hull_lang_ctx_clear (&c);
			inv_free (&inv);
		}
	}
	if (!any)
		skip ();
}

static int
setup (void **state)
{
	(void) state;
	snprintf (scratch, sizeof scratch, "/tmp/hull-test-lang-XXXXXX");
	return mkdtemp (scratch) ? 0 : -1;
}

static int
teardown (void **state)
{
	char *argv[] = { "/bin/rm", "-rf", scratch, NULL };
	(void) state;
	free (run (argv));
	return 0;
}

#define T(f) cmocka_unit_test (f)

int
main (void)
{
	const struct CMUnitTest tests[] = {
		T (test_purls),
		T (test_python),
		T (test_npm_locks),
		T (test_npm_bad),
		T (test_cargo),
		T (test_ruby),
		T (test_jar),
		T (test_jar_nested_cap),
		T (test_jar_budget),
		T (test_gobin_synthetic),
		T (test_walk),
		T (test_real_python),
		T (test_real_npm),
		T (test_real_jars),
		T (test_real_ruby),
		T (test_real_go),
		T (test_gobin_stdlib_version),
	};
	return cmocka_run_group_tests_name ("scan-lang", tests, setup, teardown);
}
