/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The inventory model and the OS package readers: os-release, dpkg (this machine's own
 * database, checked against dpkg-query), distroless status.d, apk, rpm (SQLite, NDB and
 * BerkeleyDB databases built by tests/data/scan/make-rpmdb.sh and checked against what
 * `rpm -qa` said about them), hostile inputs, and symlinks that try to leave the root. */
#include <dirent.h>
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
#include "common/path.h"
#include "common/xalloc.h"
#include "hull/scan.h"
#include "scan/inventory/readers.h"

#define DATA HULL_TEST_DATA "/scan"

extern char **environ;

struct fx {
	char dir[256];	/* scratch: root/ and outside/ */
	char root[300]; /* the scanned tree */
	int rootfd;
	struct hull_inventory inv;
};

static struct fx fx;

static int
setup (void **state)
{
	char p[PATH_MAX];

	memset (&fx, 0, sizeof fx);
	snprintf (fx.dir, sizeof fx.dir, "/tmp/hull-inv-XXXXXX");
	assert_non_null (mkdtemp (fx.dir));
	snprintf (fx.root, sizeof fx.root, "%s/root", fx.dir);
	assert_int_equal (mkdir (fx.root, 0755), 0);
	snprintf (p, sizeof p, "%s/outside", fx.dir);
	assert_int_equal (mkdir (p, 0755), 0);
	fx.rootfd = open (fx.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true (fx.rootfd >= 0);
	return 0;
}

static int
setup_fallback (void **state)
{
	hull_path_force_fallback (true);
	return setup (state);
}

static int
teardown (void **state)
{
	char *argv[] = { "rm", "-rf", fx.dir, NULL };
	pid_t pid;
	int st;

	hull_inventory_clear (&fx.inv);
	close (fx.rootfd);
	hull_path_force_fallback (false);
	assert_int_equal (posix_spawnp (&pid, "rm", NULL, NULL, argv, environ), 0);
	waitpid (pid, &st, 0);
	return 0;
}

/* mkdir -p of the parent of dir/rel into p. */
static void
parents (char p[PATH_MAX], const char *dir, const char *rel)
{
	snprintf (p, PATH_MAX, "%s/%s", dir, rel);
	for (char *s = strchr (p + strlen (dir) + 1, '/'); s; s = strchr (s + 1, '/')) {
		*s = '\0';
		mkdir (p, 0755);
		*s = '/';
	}
}

/* Write `len` bytes to dir/rel (a new file: an old one or a symlink is removed). */
static void
put (const char *dir, const char *rel, const char *data, size_t len)
{
	char p[PATH_MAX];
	int fd;

	parents (p, dir, rel);
	unlink (p);
	fd = open (p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true (fd >= 0);
	assert_int_equal (write (fd, data, len), (ssize_t) len);
	close (fd);
}

static void
put_s (const char *rel, const char *s)
{
	put (fx.root, rel, s, strlen (s));
}

static void
link_in_root (const char *target, const char *rel)
{
	char p[PATH_MAX];

	parents (p, fx.root, rel);
	unlink (p);
	assert_int_equal (symlink (target, p), 0);
}

static char *
slurp (const char *path, size_t *len)
{
	hull_error_t err = { 0 };

	return hull_file_read_capped (AT_FDCWD, path, 0, 256u << 20, len, &err);
}

static const struct hull_pkg *
find (const struct hull_inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_pkgs; i++)
		if (strcmp (inv->pkgs[i].name, name) == 0)
			return &inv->pkgs[i];
	return NULL;
}

static bool
has_file (const struct hull_pkg *p, const char *f)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (strcmp (p->files[i], f) == 0)
			return true;
	return false;
}

/* Run argv, capture stdout (at most 64 MiB). Returns NULL when the program is absent. */
static char *
run_capture (char *const argv[])
{
	posix_spawn_file_actions_t fa;
	size_t cap = 1 << 16, len = 0;
	char *buf = hull_xmalloc (cap);
	int pfd[2], st;
	pid_t pid;
	ssize_t n;

	assert_int_equal (pipe2 (pfd, O_CLOEXEC), 0);
	posix_spawn_file_actions_init (&fa);
	posix_spawn_file_actions_adddup2 (&fa, pfd[1], 1);
	if (posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy (&fa);
		close (pfd[0]);
		close (pfd[1]);
		free (buf);
		return NULL;
	}
	posix_spawn_file_actions_destroy (&fa);
	close (pfd[1]);
	while ((n = read (pfd[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t) n;
		if (cap - len < 2) {
			assert_true (cap < (64u << 20));
			cap *= 2;
			buf = hull_xrealloc (buf, cap);
		}
	}
	close (pfd[0]);
	waitpid (pid, &st, 0);
	buf[len] = '\0';
	if (!WIFEXITED (st) || WEXITSTATUS (st) == 127) {
		free (buf);
		return NULL;
	}
	return buf;
}

static int
scan (const char *root, const struct hull_inventory_opts *o, hull_error_t *err)
{
	_cleanup_close_ int fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct hull_inventory_opts def = { .skip_language = true };

	assert_true (fd >= 0);
	hull_inventory_clear (&fx.inv);
	return hull_inventory_scan_dir (fd, root, o ? o : &def, &fx.inv, err);
}

/* ---- model ---- */

static void
test_model (void **state)
{
	struct hull_os os = { 0 };
	struct hull_pkg p = { .type = HULL_PKG_DEB };
	static const struct {
		const char *id, *vid;
		enum hull_pkg_type t;
		const char *want;
	} eco[] = {
		{ "debian", "12", HULL_PKG_DEB, "Debian:12" },
		{ "debian", "11.9", HULL_PKG_DEB, "Debian:11" },
		{ "ubuntu", "22.04", HULL_PKG_DEB, "Ubuntu:22.04" },
		{ "alpine", "3.18.4", HULL_PKG_APK, "Alpine:v3.18" },
		{ "alpine", "3.19", HULL_PKG_APK, "Alpine:v3.19" },
		{ "rhel", "9.3", HULL_PKG_RPM, "Red Hat" },
		/* OSV names the release of these (RLSA-2022:1065 "Rocky Linux:8", ALSA
		 * records "AlmaLinux:9"); the release-less name is looked up as well */
		{ "rocky", "9.3", HULL_PKG_RPM, "Rocky Linux:9" },
		{ "almalinux", "8.9", HULL_PKG_RPM, "AlmaLinux:8" },
		{ "debian", NULL, HULL_PKG_DEB, "Debian" },
		{ "debian", "12", HULL_PKG_PYPI, "PyPI" },
		{ NULL, NULL, HULL_PKG_NPM, "npm" },
		{ NULL, NULL, HULL_PKG_GOLANG, "Go" },
		{ NULL, NULL, HULL_PKG_CARGO, "crates.io" },
		{ NULL, NULL, HULL_PKG_MAVEN, "Maven" },
		{ NULL, NULL, HULL_PKG_GEM, "RubyGems" },
		{ "fedora", "40", HULL_PKG_RPM, NULL },
		{ NULL, NULL, HULL_PKG_UNKNOWN, NULL },
	};

	for (size_t i = 0; i < sizeof eco / sizeof eco[0]; i++) {
		_cleanup_free_ char *got = NULL;
		os.id = (char *) eco[i].id;
		os.version_id = (char *) eco[i].vid;
		p.type = eco[i].t;
		got = hull_pkg_osv_ecosystem (&p, &os);
		if (eco[i].want == NULL)
			assert_null (got);
		else
			assert_string_equal (got, eco[i].want);
	}
	assert_string_equal (hull_pkg_type_purl (HULL_PKG_GOLANG), "golang");
	assert_string_equal (hull_pkg_type_purl (HULL_PKG_DEB), "deb");
	assert_null (hull_pkg_type_purl (HULL_PKG_TYPE_MAX));
	assert_int_equal (hull_pkg_type_vscheme (HULL_PKG_APK), HULL_VS_APK);
	assert_int_equal (hull_pkg_type_vscheme (HULL_PKG_PYPI), HULL_VS_PEP440);
	assert_int_equal (hull_pkg_type_vscheme (HULL_PKG_CARGO), HULL_VS_SEMVER);

	/* The inventory grows and frees everything it owns (ASan checks the frees). */
	for (int i = 0; i < 1000; i++) {
		struct hull_pkg *q = hull_inventory_add (&fx.inv);
		assert_int_equal (q->type, HULL_PKG_UNKNOWN);
		q->name = hull_xasprintf ("p%d", i);
		hull_strv_push (&q->files, &q->n_files, "/a");
		hull_strv_push (&q->files, &q->n_files, "/b");
		hull_strv_push (&q->files, &q->n_files, "/c");
	}
	assert_int_equal (fx.inv.n_pkgs, 1000);
	assert_string_equal (fx.inv.pkgs[999].files[2], "/c");
	hull_inventory_clear (&fx.inv);
	assert_int_equal (fx.inv.n_pkgs, 0);
}

static void
test_purl_encoding (void **state)
{
	const char *q[] = { "arch", "amd64", "distro", "debian-12", "empty", "", NULL };
	_cleanup_free_ char *a = hull_purl_make ("deb", "debian", "libstdc++6", "1:12.2.0-14", q);
	_cleanup_free_ char *b = hull_purl_make ("npm", "@angular", "core", "1.0 beta", NULL);

	/* purl-spec "Character encoding": `+` encoded, `:` never, space as %20, empty
	 * qualifier values left out. */
	assert_string_equal (
		a, "pkg:deb/debian/libstdc%2B%2B6@1:12.2.0-14?arch=amd64&distro=debian-12");
	assert_string_equal (b, "pkg:npm/%40angular/core@1.0%20beta");
}

/* ---- os-release ---- */

static void
test_osrelease_quoting (void **state)
{
	static const char text[] = "# comment\n"
				   "  ID=debian\n"
				   "VERSION_ID=\"12\"\n"
				   "PRETTY_NAME='Debian \"GNU\"/Linux 12'\n"
				   "VERSION_CODENAME=\"book\\\"worm\\\\\"\n"
				   "BROKEN=\"unterminated\n"
				   "not an assignment\n"
				   "NAME=x\r\n";
	struct hull_os os = { 0 };
	hull_error_t err = { 0 };

	assert_int_equal (hull_inventory_osrelease_parse (text, sizeof text - 1, &os, &err), 0);
	assert_string_equal (os.id, "debian");
	assert_string_equal (os.version_id, "12");
	assert_string_equal (os.pretty_name, "Debian \"GNU\"/Linux 12");
	assert_string_equal (os.codename, "book\"worm\\");
	hull_os_clear (&os);
}

static void
test_osrelease_symlink_in_root (void **state)
{
	hull_error_t err = { 0 };
	char outside[PATH_MAX];

	/* etc/os-release -> ../usr/lib/os-release, the usual layout. */
	put_s ("usr/lib/os-release", "ID=alpine\nVERSION_ID=3.19.1\n");
	link_in_root ("../usr/lib/os-release", "etc/os-release");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_string_equal (fx.inv.os.id, "alpine");
	assert_string_equal (fx.inv.os.version_id, "3.19.1");

	/* An absolute link to a host file resolves inside the root: the host's file (here
	 * outside/os-release) is never read, and usr/lib/os-release is the fallback. */
	snprintf (outside, sizeof outside, "%s/outside/os-release", fx.dir);
	put (fx.dir, "outside/os-release", "ID=hostos\n", 10);
	link_in_root (outside, "etc/os-release");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_string_equal (fx.inv.os.id, "alpine");
	link_in_root ("../../../../../../outside/os-release", "etc/os-release");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_string_equal (fx.inv.os.id, "alpine");
}

/* ---- dpkg: synthetic and hostile ---- */

static int
dpkg_parse (const char *text, size_t len, bool status_d, const struct hull_inventory_opts *o,
	    hull_error_t *err)
{
	struct hull_os os = { .id = "debian", .version_id = "12" };

	hull_inventory_clear (&fx.inv);
	return hull_inventory_dpkg_parse (text, len, "var/lib/dpkg/status", status_d, &os, o,
					  &fx.inv, err);
}

static void
test_dpkg_stanzas (void **state)
{
	static const char text[] =
		"Package: libfoo1\n"
		"Status: install ok installed\n"
		"Architecture: amd64\n"
		"Source: foo (1:2.0-1)\n"
		"Version: 1:2.0-1+b1\n"
		"Description: a\n continuation\n .\n more\n"
		"\n"
		"Package: removed\nStatus: deinstall ok config-files\nVersion: 1\n\n"
		"Package: half\nStatus: install reinstreq half-installed\nVersion: 1\n\n"
		"Package: held\nStatus: hold ok installed\nVersion: 3\nSource: heldsrc\n\n"
		"Status: install ok installed\nVersion: 9\n\n" /* no Package */
		"Package: nover\nStatus: install ok installed\n\n"
		"Package: bad\nStatus: install ok installed\nVersion: 1\nthis line has no colon\n\n"
		" orphan continuation\nPackage: bad2\nStatus: install ok installed\nVersion: 1\n\n"
		"Package: crlf\r\nStatus: install ok installed\r\nVersion: 5\r\n\r\n"
		"package: lower\nSTATUS: install ok installed\nversion: 7\n\n\n\n"
		"Package: truncated\nStatus: install ok installed\nVersion: 8"; /* no newline */
	hull_error_t err = { 0 };
	const struct hull_pkg *p;

	assert_int_equal (dpkg_parse (text, sizeof text - 1, false, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 5);
	p = find (&fx.inv, "libfoo1");
	assert_non_null (p);
	assert_string_equal (p->version, "1:2.0-1+b1");
	assert_string_equal (p->source_name, "foo");
	assert_string_equal (p->source_version, "1:2.0-1");
	assert_string_equal (p->arch, "amd64");
	assert_string_equal (p->location, "/var/lib/dpkg/status");
	assert_string_equal (p->purl,
			     "pkg:deb/debian/libfoo1@1:2.0-1%2Bb1?arch=amd64&distro=debian-12");
	p = find (&fx.inv, "held");
	assert_non_null (p);
	assert_string_equal (p->source_name, "heldsrc");
	assert_null (p->source_version); /* same as the package's own */
	assert_null (find (&fx.inv, "removed"));
	assert_null (find (&fx.inv, "half"));
	assert_null (find (&fx.inv, "bad"));
	assert_null (find (&fx.inv, "bad2"));
	assert_non_null (find (&fx.inv, "lower"));
	assert_string_equal (find (&fx.inv, "crlf")->version, "5");
	assert_string_equal (find (&fx.inv, "truncated")->version, "8");
	assert_string_equal (find (&fx.inv, "truncated")->source_name, "truncated");
}

static void
test_dpkg_hostile (void **state)
{
	static const char nul[] = "Package: a\nStatus: install ok installed\nVer\0sion: 1\n";
	static const char three[] = "Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\n\n"
				    "Package: c\nVersion: 1\n";
	struct hull_inventory_opts o = { .max_packages = 2 };
	hull_error_t err = { 0 };
	size_t big = HULL_INV_MAX_FIELD_BYTES + 100, n = 0;
	_cleanup_free_ char *huge = hull_xmalloc (big + 200);
	_cleanup_free_ char *garbage = hull_xmalloc (1 << 16);

	assert_true (dpkg_parse (nul, sizeof nul - 1, false, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "NUL byte at offset 43"));

	/* A Description of more than the field cap, through continuation lines. */
	n = (size_t) snprintf (huge, 200, "Package: a\nVersion: 1\nDescription: x\n");
	while (n < big) {
		static const char line[] = " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
		memcpy (huge + n, line, sizeof line - 1);
		n += sizeof line - 1;
	}
	assert_true (dpkg_parse (huge, n, true, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "field `Description` longer than"));

	/* More packages than allowed. */
	assert_true (dpkg_parse (three, sizeof three - 1, true, &o, &err) < 0);
	assert_non_null (strstr (err.msg, "more than 2 packages"));

	/* Binary garbage (no NUL): parsed as malformed stanzas, skipped, no crash. */
	for (size_t i = 0; i < 1 << 16; i++)
		garbage[i] = (char) (1 + (i * 7919u + (i >> 3) * 104729u) % 255);
	assert_int_equal (dpkg_parse (garbage, 1 << 16, false, NULL, &err), 0);
}

/* A FIFO planted as the status file must not block the scan. */
static void
test_dpkg_fifo_and_dir (void **state)
{
	char p[PATH_MAX];
	hull_error_t err = { 0 };

	put_s ("var/lib/dpkg/x", "");
	snprintf (p, sizeof p, "%s/var/lib/dpkg/status", fx.root);
	assert_int_equal (mkfifo (p, 0644), 0);
	assert_true (scan (fx.root, NULL, &err) < 0);
	assert_non_null (strstr (err.msg, "not a regular file"));
	unlink (p);
	assert_int_equal (mkdir (p, 0755), 0);
	assert_true (scan (fx.root, NULL, &err) < 0);
}

/* var/lib/dpkg/status (and status.d, info/NAME.list) as symlinks to host files: nothing of
 * the host is read. */
static void
test_dpkg_symlink_escape (void **state)
{
	static const char secret[] = "Package: hostsecret\nStatus: install ok installed\n"
				     "Version: 1\n";
	char abs[PATH_MAX], absdir[PATH_MAX];
	hull_error_t err = { 0 };

	put (fx.dir, "outside/status", secret, sizeof secret - 1);
	put (fx.dir, "outside/sd/hostsecret", secret, sizeof secret - 1);
	snprintf (abs, sizeof abs, "%s/outside/status", fx.dir);
	snprintf (absdir, sizeof absdir, "%s/outside/sd", fx.dir);
	link_in_root (abs, "var/lib/dpkg/status");
	link_in_root (absdir, "var/lib/dpkg/status.d");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 0);

	link_in_root ("../../../../../../../outside/status", "var/lib/dpkg/status");
	link_in_root ("../../../../../../../outside/sd", "var/lib/dpkg/status.d");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 0);

	/* A real package whose file list is a link out of the root gets no files. */
	snprintf (abs, sizeof abs, "%s/var/lib/dpkg/status.d", fx.root);
	assert_int_equal (unlink (abs), 0);
	put_s ("var/lib/dpkg/status.d/pkg", "Package: pkg\nVersion: 1\n");
	put (fx.dir, "outside/pkg.list", "/host/file\n", 11);
	snprintf (abs, sizeof abs, "%s/outside/pkg.list", fx.dir);
	link_in_root (abs, "var/lib/dpkg/info/pkg.list");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 1);
	assert_string_equal (fx.inv.pkgs[0].name, "pkg");
	assert_int_equal (fx.inv.pkgs[0].n_files, 0);
	/* A relative link climbing out: in the root it lands on root/outside/pkg.list (the
	 * host path would be the outside file, which still says /host/file). */
	link_in_root ("../../../../outside/pkg.list", "var/lib/dpkg/info/pkg.list");
	put_s ("outside/pkg.list", "/inside/file\n");
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.pkgs[0].n_files, 1);
	assert_string_equal (fx.inv.pkgs[0].files[0], "/inside/file");
}

/* ---- dpkg: this machine's own database ---- */

static void
copy_into_root (const char *src, const char *rel, bool must)
{
	size_t len = 0;
	_cleanup_free_ char *b = slurp (src, &len);

	if (b == NULL) {
		assert_false (must);
		return;
	}
	put (fx.root, rel, b, len);
}

static void
copy_dpkg_db (void)
{
	_cleanup_ (closedirp) DIR *d = opendir ("/var/lib/dpkg/info");
	struct dirent *de;

	copy_into_root ("/var/lib/dpkg/status", "var/lib/dpkg/status", true);
	copy_into_root ("/etc/os-release", "etc/os-release", false);
	copy_into_root ("/usr/share/doc/dpkg/copyright", "usr/share/doc/dpkg/copyright", false);
	assert_non_null (d);
	while ((de = readdir (d)) != NULL) {
		size_t n = strlen (de->d_name);
		char src[PATH_MAX], rel[PATH_MAX];
		if (n < 6 || strcmp (de->d_name + n - 5, ".list") != 0)
			continue;
		snprintf (src, sizeof src, "/var/lib/dpkg/info/%s", de->d_name);
		snprintf (rel, sizeof rel, "var/lib/dpkg/info/%s", de->d_name);
		copy_into_root (src, rel, true);
	}
}

static size_t
count_lines_equal (const char *text, const char *word)
{
	size_t n = 0, wl = strlen (word);

	for (const char *l = text; *l;) {
		const char *nl = strchr (l, '\n');
		size_t len = nl ? (size_t) (nl - l) : strlen (l);
		n += len == wl && memcmp (l, word, wl) == 0;
		l += len + (nl ? 1 : 0);
	}
	return n;
}

static void
check_against_dpkg_query (void)
{
	char *argv[] = { "dpkg-query", "-W",
			 "-f=${db:Status-Status} ${Package} ${Architecture} ${source:Package} "
			 "${source:Version} ${Version}\n",
			 NULL };
	_cleanup_free_ char *out = run_capture (argv);
	size_t checked = 0;

	assert_non_null (out);
	for (char *l = out, *nl; *l; l = nl + 1) {
		char st[64], name[256], arch[64], sp[256], sv[256], v[256];
		const struct hull_pkg *p = NULL;
		nl = strchr (l, '\n');
		assert_non_null (nl);
		*nl = '\0';
		assert_int_equal (
			sscanf (l, "%63s %255s %63s %255s %255s %255s", st, name, arch, sp, sv, v),
			6);
		if (strcmp (st, "installed") != 0)
			continue;
		for (size_t i = 0; i < fx.inv.n_pkgs && p == NULL; i++)
			if (strcmp (fx.inv.pkgs[i].name, name) == 0 &&
			    strcmp (fx.inv.pkgs[i].arch, arch) == 0)
				p = &fx.inv.pkgs[i];
		assert_non_null (p);
		assert_string_equal (p->version, v);
		assert_string_equal (p->source_name, sp);
		assert_string_equal (p->source_version ? p->source_version : p->version, sv);
		checked++;
	}
	assert_int_equal (checked, fx.inv.n_pkgs);
}

static void
test_dpkg_this_machine (void **state)
{
	char *argv[] = { "dpkg-query", "-W", "-f=${db:Status-Status}\n", NULL };
	char *argl[] = { "dpkg-query", "-L", "dpkg", NULL };
	_cleanup_free_ char *statuses = run_capture (argv), *list = NULL;
	hull_error_t err = { 0 };
	const struct hull_pkg *p;
	size_t n_list;

	if (statuses == NULL || access ("/var/lib/dpkg/status", R_OK) != 0)
		skip ();
	copy_dpkg_db ();
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, count_lines_equal (statuses, "installed"));
	check_against_dpkg_query ();

	/* dpkg's own file list: dpkg -L prints the same lines ("/." included). */
	list = run_capture (argl);
	assert_non_null (list);
	n_list = 0;
	for (char *c = list; *c; c++)
		n_list += *c == '\n';
	p = find (&fx.inv, "dpkg");
	assert_non_null (p);
	assert_int_equal (p->n_files, n_list - 1);
	assert_true (has_file (p, "/usr/bin/dpkg"));
	assert_true (strncmp (p->purl, "pkg:deb/", 8) == 0);
	assert_non_null (strstr (p->purl, "dpkg@"));
	/* Licences: every "License:" line of dpkg's DEP-5 copyright file, deduplicated. */
	{
		size_t clen = 0, want = 0;
		_cleanup_free_ char *c = slurp ("/usr/share/doc/dpkg/copyright", &clen);
		if (c != NULL && strncmp (c, "Format:", 7) == 0) {
			for (char *l = c, *nl; *l; l = nl + 1) {
				nl = strchr (l, '\n');
				if (nl == NULL)
					break;
				*nl = '\0';
				if (strncmp (l, "License: ", 9) != 0)
					continue;
				bool found = false;
				for (size_t i = 0; i < p->n_licenses && !found; i++)
					found = strcmp (p->licenses[i], l + 9) == 0;
				assert_true (found);
				want++;
			}
			assert_true (want > 0);
			assert_true (p->n_licenses > 0 && p->n_licenses <= want);
		}
	}

	/* skip_files: no lists read. */
	{
		struct hull_inventory_opts o = { .skip_language = true, .skip_files = true };
		assert_int_equal (scan (fx.root, &o, &err), 0);
		assert_int_equal (find (&fx.inv, "dpkg")->n_files, 0);
	}
}

/* The host's own root, read in place: every package's licences come from the real
 * copyright files (DEP-5 or not), and the count still matches dpkg-query. */
static void
test_dpkg_host_root (void **state)
{
	char *argv[] = { "dpkg-query", "-W", "-f=${db:Status-Status}\n", NULL };
	_cleanup_free_ char *statuses = run_capture (argv);
	hull_error_t err = { 0 };
	size_t with_licenses = 0;

	if (statuses == NULL || access ("/var/lib/dpkg/status", R_OK) != 0)
		skip ();
	assert_int_equal (scan ("/", NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, count_lines_equal (statuses, "installed"));
	check_against_dpkg_query ();
	for (size_t i = 0; i < fx.inv.n_pkgs; i++) {
		const struct hull_pkg *p = &fx.inv.pkgs[i];
		with_licenses += p->n_licenses > 0;
		for (size_t k = 0; k < p->n_licenses; k++)
			assert_true (p->licenses[k][0] != '\0' && strlen (p->licenses[k]) <= 256);
	}
	assert_true (with_licenses > 0);
}

static void
test_dpkg_distroless (void **state)
{
	hull_error_t err = { 0 };
	const struct hull_pkg *p;

	assert_int_equal (scan (DATA "/distroless", NULL, &err), 0);
	assert_string_equal (fx.inv.os.id, "debian");
	/* base-files, libc6, libssl3, tzdata; base-files.md5sums is not a package. */
	assert_int_equal (fx.inv.n_pkgs, 4);
	assert_string_equal (fx.inv.pkgs[0].name, "base-files");
	assert_string_equal (fx.inv.pkgs[3].name, "tzdata");
	p = find (&fx.inv, "libc6");
	assert_non_null (p);
	assert_string_equal (p->source_name, "glibc");
	assert_null (p->source_version);
	assert_string_equal (p->location, "/var/lib/dpkg/status.d/libc6");
	assert_string_equal (p->purl,
			     "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
	assert_string_equal (find (&fx.inv, "libssl3")->source_name, "openssl");
	assert_string_equal (find (&fx.inv, "tzdata")->arch, "all");
	{
		_cleanup_free_ char *eco = hull_pkg_osv_ecosystem (p, &fx.inv.os);
		assert_string_equal (eco, "Debian:12");
	}
}

/* ---- apk ---- */

static void
test_apk_fixture (void **state)
{
	hull_error_t err = { 0 };
	const struct hull_pkg *p;
	_cleanup_free_ char *eco = NULL;

	assert_int_equal (scan (DATA "/alpine", NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 3);
	p = find (&fx.inv, "libcrypto3");
	assert_non_null (p);
	assert_string_equal (p->version, "3.1.4-r5");
	assert_string_equal (p->source_name, "openssl");
	assert_string_equal (p->arch, "x86_64");
	assert_int_equal (p->n_licenses, 1);
	assert_string_equal (p->licenses[0], "Apache-2.0");
	assert_int_equal (p->n_files, 2);
	assert_true (has_file (p, "/lib/libcrypto.so.3"));
	assert_true (has_file (p, "/usr/lib/libcrypto.so.3"));
	assert_string_equal (p->purl,
			     "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=3.19.1");
	assert_string_equal (p->location, "/lib/apk/db/installed");
	p = find (&fx.inv, "busybox");
	assert_int_equal (p->n_files, 5);
	assert_true (has_file (p, "/usr/share/udhcpc/default.script"));
	eco = hull_pkg_osv_ecosystem (p, &fx.inv.os);
	assert_string_equal (eco, "Alpine:v3.19");
}

static void
test_apk_hostile (void **state)
{
	static const char text[] = "P:nover\nA:x86_64\n\n"
				   "V:1\nA:x86_64\n\n"
				   "P:bad\nV:1\nnot a field\n\n"
				   "P:ok\nV:2-r0\nR:orphan-file\n";
	static const char nul[] = "P:a\nV:1\0\n";
	struct hull_os os = { .id = "alpine", .version_id = "3.19.1" };
	size_t big = HULL_INV_MAX_FIELD_BYTES + 10;
	_cleanup_free_ char *huge = hull_xmalloc (big);
	hull_error_t err = { 0 };

	assert_int_equal (
		hull_inventory_apk_parse (text, sizeof text - 1, "db", &os, NULL, &fx.inv, &err),
		0);
	assert_int_equal (fx.inv.n_pkgs, 1);
	assert_string_equal (fx.inv.pkgs[0].name, "ok");
	assert_string_equal (fx.inv.pkgs[0].files[0], "/orphan-file");
	assert_true (
		hull_inventory_apk_parse (nul, sizeof nul - 1, "db", &os, NULL, &fx.inv, &err) < 0);
	assert_non_null (strstr (err.msg, "NUL byte"));
	memset (huge, 'T', big);
	huge[0] = 'T';
	huge[1] = ':';
	assert_true (hull_inventory_apk_parse (huge, big, "db", &os, NULL, &fx.inv, &err) < 0);
	assert_non_null (strstr (err.msg, "line 1: longer than"));
	assert_int_equal (fx.inv.n_pkgs, 1);
}

/* ---- rpm ---- */

/* expected.txt: "NAME EPOCHNUM VERSION-RELEASE ARCH SOURCERPM LICENSE..." per package, as
 * `rpm -qa` printed it when the fixtures were built. */
static void
check_rpm_expected (void)
{
	size_t len = 0, n = 0;
	_cleanup_free_ char *exp = slurp (DATA "/rpm/expected.txt", &len);
	_cleanup_free_ char *files = slurp (DATA "/rpm/expected-files.txt", &len);
	size_t nfiles = 0, nexp = 0;

	assert_non_null (exp);
	assert_non_null (files);
	for (char *l = exp, *nl; *l; l = nl + 1) {
		char name[128], epoch[16], vr[128], arch[32], srpm[256];
		int off = 0;
		const struct hull_pkg *p;
		_cleanup_free_ char *v = NULL;
		nl = strchr (l, '\n');
		*nl = '\0';
		assert_int_equal (sscanf (l, "%127s %15s %127s %31s %255s %n", name, epoch, vr,
					  arch, srpm, &off),
				  5);
		p = find (&fx.inv, name);
		assert_non_null (p);
		v = strcmp (epoch, "0") ? hull_xasprintf ("%s:%s", epoch, vr) : hull_xstrdup (vr);
		assert_string_equal (p->version, v);
		assert_string_equal (p->arch, arch);
		assert_int_equal (p->n_licenses, 1);
		assert_string_equal (p->licenses[0], l + off);
		assert_true (strncmp (srpm, p->source_name, strlen (p->source_name)) == 0);
		assert_int_equal (srpm[strlen (p->source_name)], '-');
		nfiles += p->n_files;
		nexp++;
		n++;
	}
	assert_int_equal (fx.inv.n_pkgs, nexp);
	/* expected-files.txt lists every path of every package (directories included). */
	len = 0;
	for (char *c = files; *c; c++)
		len += *c == '\n';
	assert_int_equal (nfiles, len);
	for (char *l = files, *nl; *l; l = nl + 1) {
		bool found = false;
		nl = strchr (l, '\n');
		*nl = '\0';
		for (size_t i = 0; i < fx.inv.n_pkgs && !found; i++)
			found = has_file (&fx.inv.pkgs[i], l);
		assert_true (found);
	}
}

static void
rpm_fixture (const char *form)
{
	char root[PATH_MAX];
	hull_error_t err = { 0 };
	const struct hull_pkg *p;

	snprintf (root, sizeof root, DATA "/rpm/%s", form);
	assert_int_equal (scan (root, NULL, &err), 0);
	check_rpm_expected ();
	p = find (&fx.inv, "hull-hello");
	assert_null (p->source_version);
	assert_string_equal (p->purl, "pkg:rpm/hull-hello@1.0-3.fc40?arch=noarch&epoch=2");
	p = find (&fx.inv, "hull-tools-libs");
	assert_string_equal (p->source_name, "hull-tools");
	assert_non_null (strstr (p->location, "var/lib/rpm/"));
}

static void
test_rpm_sqlite (void **state)
{
	rpm_fixture ("sqlite");
}

static void
test_rpm_ndb (void **state)
{
	rpm_fixture ("ndb");
}

static void
test_rpm_bdb (void **state)
{
	rpm_fixture ("bdb");
}

/* The same database under a distribution: purl namespace and distro qualifier. */
static void
test_rpm_with_os (void **state)
{
	size_t len = 0;
	_cleanup_free_ char *db = slurp (DATA "/rpm/sqlite/var/lib/rpm/rpmdb.sqlite", &len);
	hull_error_t err = { 0 };
	_cleanup_free_ char *eco = NULL;

	put_s ("etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n");
	put (fx.root, "usr/lib/sysimage/rpm/rpmdb.sqlite", db, len);
	assert_int_equal (scan (fx.root, NULL, &err), 0);
	assert_int_equal (fx.inv.n_pkgs, 2);
	assert_string_equal (
		find (&fx.inv, "hull-hello")->purl,
		"pkg:rpm/rhel/hull-hello@1.0-3.fc40?arch=noarch&distro=rhel-9.3&epoch=2");
	assert_true (strncmp (find (&fx.inv, "hull-hello")->location,
			      "/usr/lib/sysimage/rpm/rpmdb.sqlite#", 35) == 0);
	eco = hull_pkg_osv_ecosystem (&fx.inv.pkgs[0], &fx.inv.os);
	assert_string_equal (eco, "Red Hat");
}

static void
test_rpm_hostile (void **state)
{
	static const char *const forms[] = { "sqlite/var/lib/rpm/rpmdb.sqlite",
					     "ndb/var/lib/rpm/Packages.db",
					     "bdb/var/lib/rpm/Packages" };
	hull_error_t err = { 0 };

	for (size_t f = 0; f < 3; f++) {
		char path[PATH_MAX];
		size_t len = 0;
		_cleanup_free_ char *db = NULL;
		snprintf (path, sizeof path, DATA "/rpm/%s", forms[f]);
		db = slurp (path, &len);
		assert_non_null (db);
		/* Every truncation of the file: an error or fewer packages, never a crash. */
		for (size_t cut = 0; cut < len; cut += (f == 0 ? 4093 : 61)) {
			_cleanup_free_ uint8_t *c = hull_xmalloc (cut + 1);
			memcpy (c, db, cut);
			hull_inventory_clear (&fx.inv);
			if (hull_inventory_rpm_parse_db (c, cut, "x", NULL, NULL, &fx.inv, &err) ==
			    0)
				assert_true (fx.inv.n_pkgs <= 2);
		}
		/* Flipped bytes all over the file. */
		for (size_t at = 0; at < len; at += (f == 0 ? 997 : 13)) {
			_cleanup_free_ uint8_t *c = hull_xmalloc (len);
			memcpy (c, db, len);
			c[at] ^= 0x5a;
			hull_inventory_clear (&fx.inv);
			(void) hull_inventory_rpm_parse_db (c, len, "x", NULL, NULL, &fx.inv, &err);
		}
	}
	/* A corrupted NDB blob is refused by its checksum, with the record named. */
	{
		size_t len = 0;
		_cleanup_free_ uint8_t *c =
			(uint8_t *) slurp (DATA "/rpm/ndb/var/lib/rpm/Packages.db", &len);
		c[4096 + 100] ^= 1;
		hull_inventory_clear (&fx.inv);
		assert_true (hull_inventory_rpm_parse_db (c, len, "Packages.db", NULL, NULL,
							  &fx.inv, &err) < 0);
		assert_non_null (strstr (err.msg, "Packages.db#1`: bad package blob"));
	}
	/* A header blob claiming more entries than it holds. */
	{
		static const uint8_t h[] = { 0, 0, 0, 200, 0, 0, 0, 16, 0 };
		assert_true (hull_inventory_rpm_parse_header (h, sizeof h, "h", NULL, NULL, &fx.inv,
							      &err) < 0);
		assert_non_null (strstr (err.msg, "malformed rpm header"));
	}
	assert_true (hull_inventory_rpm_parse_db ((uint8_t *) "garbage!garbage!garbage!", 24, "g",
						  NULL, NULL, &fx.inv, &err) < 0);
	assert_non_null (strstr (err.msg, "not an rpm database"));
}

/* A file over the size cap is refused before it is read. */
static void
test_size_cap (void **state)
{
	struct hull_inventory_opts o = { .skip_language = true, .max_file_bytes = 100 };
	hull_error_t err = { 0 };

	assert_int_equal (scan (DATA "/alpine", &o, &err), -EFBIG);
	assert_non_null (strstr (err.msg, "more than the 100 accepted"));
	assert_non_null (strstr (err.msg, "lib/apk/db/installed"));
}

#define BOTH(fn)                                                                                   \
	cmocka_unit_test_setup_teardown (fn, setup, teardown),                                     \
		cmocka_unit_test_setup_teardown (fn, setup_fallback, teardown)
#define ONE(fn) cmocka_unit_test_setup_teardown (fn, setup, teardown)

int
main (void)
{
	const struct CMUnitTest tests[] = {
		ONE (test_model),
		ONE (test_purl_encoding),
		ONE (test_osrelease_quoting),
		BOTH (test_osrelease_symlink_in_root),
		ONE (test_dpkg_stanzas),
		ONE (test_dpkg_hostile),
		ONE (test_dpkg_fifo_and_dir),
		BOTH (test_dpkg_symlink_escape),
		ONE (test_dpkg_this_machine),
		ONE (test_dpkg_host_root),
		ONE (test_dpkg_distroless),
		ONE (test_apk_fixture),
		ONE (test_apk_hostile),
		ONE (test_rpm_sqlite),
		ONE (test_rpm_ndb),
		ONE (test_rpm_bdb),
		ONE (test_rpm_with_os),
		ONE (test_rpm_hostile),
		ONE (test_size_cap),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
