/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull_confine_call: what code running in the confined child observes (it reports it
 * over its output pipe and the parent asserts on the report), and how the parent
 * turns the child's failures into errors, leaving no process and no fd behind.
 * Skipped where the kernel has no Landlock (the call refuses to run there). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ptrace.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "hull/runtime.h"
#include "image/unpack.h"
#include "hull/scan.h"
#include "runtime/linux/landlock.h"
#include "scan/sbom/sbom.h"

#define NOBODY 65534

struct dirs {
	char readable[256]; /* holds "file"; granted to the child */
	char outside[256];  /* holds "secret"; mode 0777, so only Landlock stops a write */
	char writable[256]; /* mode 0777; granted read-write in one test */
};

static struct dirs d;

static void
make_dir (char *buf, const char *tmpl)
{
	const char *tmp = getenv ("TMPDIR");

	snprintf (buf, sizeof d.readable, "%s/%s", tmp && *tmp ? tmp : "/tmp", tmpl);
	assert_non_null (mkdtemp (buf));
	assert_int_equal (chmod (buf, 0777), 0);
}

static void
make_file (const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	snprintf (path, sizeof path, "%s/%s", dir, name);
	fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true (fd >= 0);
	assert_int_equal (write (fd, text, strlen (text)), (int) strlen (text));
	close (fd);
}

static int
setup (void **state)
{
	make_dir (d.readable, "confine-r-XXXXXX");
	make_dir (d.outside, "confine-o-XXXXXX");
	make_dir (d.writable, "confine-w-XXXXXX");
	make_file (d.readable, "file", "readable\n");
	make_file (d.outside, "secret", "secret\n");
	return 0;
}

static void
rm_dir (const char *dir)
{
	static const char *const names[] = { "file", "secret", "x", "new", "private" };
	char path[512];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf (path, sizeof path, "%s/%s", dir, names[i]);
		unlink (path);
	}
	rmdir (dir);
}

static int
teardown (void **state)
{
	rm_dir (d.readable);
	rm_dir (d.outside);
	rm_dir (d.writable);
	return 0;
}

/* The fds this process has open, as a count. */
static int
count_fds (void)
{
	DIR *dir = opendir ("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null (dir);
	while ((e = readdir (dir)) != NULL)
		n += e->d_name[0] != '.';
	closedir (dir);
	return n - 1; /* the directory's own fd */
}

static void
assert_nothing_left (int fds_before)
{
	assert_int_equal (count_fds (), fds_before);
	/* No child of ours remains, not even a zombie. */
	assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
	assert_int_equal (errno, ECHILD);
}

/* ---- what the child observes ---- */

struct report {
	char buf[4096];
	size_t len;
};

static void say (struct report *r, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
say (struct report *r, const char *fmt, ...)
{
	va_list ap;

	va_start (ap, fmt);
	r->len += (size_t) vsnprintf (r->buf + r->len, sizeof r->buf - r->len, fmt, ap);
	va_end (ap);
}

/* 0 on success, else errno, for a call returning < 0 on failure. */
static int
outcome (long rc)
{
	return rc < 0 ? errno : 0;
}

static int
try_open (int dirfd, const char *path, int flags)
{
	int fd = openat (dirfd, path, flags | O_CLOEXEC, 0644);
	int e = fd < 0 ? errno : 0;

	if (fd >= 0)
		close (fd);
	return e;
}

/* "Name:\tvalue" from /proc/self/status. */
static void
status_field (struct report *r, const char *name)
{
	FILE *f = fopen ("/proc/self/status", "re");
	char line[256];
	size_t n = strlen (name);

	if (f == NULL) {
		say (r, "%s=unreadable:%d\n", name, errno);
		return;
	}
	while (fgets (line, sizeof line, f))
		if (strncmp (line, name, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			v += strspn (v, " \t");
			say (r, "%s=%s", name, v);
		}
	fclose (f);
}

struct observe_arg {
	int readable_fd;
	char net_ns[64]; /* the parent's /proc/self/ns/net link */
};

static int
observe (void *arg, int out_fd, hull_error_t *err)
{
	const struct observe_arg *a = arg;
	static const char *const caps[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
	struct report r = { 0 };
	char path[512], ns[64] = "";
	pid_t pid;

	say (&r, "uid=%d euid=%d gid=%d\n", (int) getuid (), (int) geteuid (), (int) getgid ());
	say (&r, "socket_inet=%d\n", outcome (socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	say (&r, "socket_unix=%d\n", outcome (socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	say (&r, "ptrace_traceme=%d\n", outcome (ptrace (PTRACE_TRACEME, 0, NULL, NULL)));
	say (&r, "ptrace_attach=%d\n", outcome (ptrace (PTRACE_ATTACH, getppid (), NULL, NULL)));
	say (&r, "unshare=%d\n", outcome (unshare (CLONE_NEWUSER)));
	pid = fork ();
	if (pid == 0)
		_exit (0);
	say (&r, "fork=%d\n", outcome (pid));
	say (&r, "read_allowed=%d\n", try_open (a->readable_fd, "file", O_RDONLY));
	snprintf (path, sizeof path, "%s/secret", d.outside);
	say (&r, "read_outside=%d\n", try_open (AT_FDCWD, path, O_RDONLY));
	say (&r, "read_etc=%d\n", try_open (AT_FDCWD, "/etc/passwd", O_RDONLY));
	say (&r, "write_outside=%d\n", try_open (AT_FDCWD, path, O_WRONLY));
	snprintf (path, sizeof path, "%s/new", d.outside);
	say (&r, "create_outside=%d\n", try_open (AT_FDCWD, path, O_WRONLY | O_CREAT));
	say (&r, "write_in_readable=%d\n", try_open (a->readable_fd, "file", O_WRONLY));
	say (&r, "exec=%d\n", outcome (execl ("/bin/true", "true", (char *) NULL)));
	if (readlink ("/proc/self/ns/net", ns, sizeof ns - 1) < 0)
		snprintf (ns, sizeof ns, "unreadable");
	say (&r, "same_net_ns=%d\n", strcmp (ns, a->net_ns) == 0);
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		status_field (&r, caps[i]);
	status_field (&r, "NoNewPrivs");
	status_field (&r, "Seccomp");
	say (&r, "fds=%d\n", count_fds ());
	return hull_confine_write (out_fd, r.buf, r.len, err);
}

static void
assert_line (const char *report, const char *line)
{
	if (strstr (report, line) == NULL)
		fail_msg ("`%s` not in the child's report:\n%s", line, report);
}

static void
test_child_observes_confinement (void **state)
{
	_cleanup_close_ int rfd = open (d.readable, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct observe_arg a = { .readable_fd = rfd };
	static const char *const proc[] = { "/proc" };
	struct hull_confine_opts o = {
		.read_fds = &rfd, .n_read_fds = 1, .read_paths = proc, .n_read_paths = 1
	};
	hull_error_t err = { 0 };
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	int fds = count_fds ();

	assert_true (rfd >= 0);
	assert_true (readlink ("/proc/self/ns/net", a.net_ns, sizeof a.net_ns - 1) > 0);
	if (hull_confine_call (&o, observe, &a, &out, &len, 1 << 20, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_int_equal (strlen (out), len);
	if (getenv ("CONFINE_TEST_VERBOSE"))
		fprintf (stderr, "%s", out);
	if (geteuid () == 0)
		assert_line (out, "uid=65534 euid=65534 gid=65534\n");
	assert_line (out, "socket_inet=1\n"); /* EPERM: seccomp */
	assert_line (out, "socket_unix=1\n");
	assert_line (out, "ptrace_traceme=1\n");
	assert_line (out, "ptrace_attach=1\n");
	assert_line (out, "unshare=1\n");
	assert_line (out, "fork=1\n");
	assert_line (out, "exec=1\n");
	assert_line (out, "read_allowed=0\n");
	assert_line (out, "read_outside=13\n"); /* EACCES: Landlock (the file is 0644) */
	assert_line (out, "read_etc=13\n");
	assert_line (out, "write_outside=13\n"); /* the directory is 0777: only Landlock */
	assert_line (out, "create_outside=13\n");
	assert_line (out, "write_in_readable=13\n");
	assert_line (out, "same_net_ns=0\n");
	assert_line (out, "CapInh=0000000000000000\n");
	assert_line (out, "CapPrm=0000000000000000\n");
	assert_line (out, "CapEff=0000000000000000\n");
	assert_line (out, "CapBnd=0000000000000000\n");
	assert_line (out, "CapAmb=0000000000000000\n");
	assert_line (out, "NoNewPrivs=1\n");
	assert_line (out, "Seccomp=2\n");
	/* stderr, the output and error pipes, the granted fd, and the one listing them */
	assert_line (out, "fds=4\n");
	assert_nothing_left (fds);
}

/* ---- read_as_root: root's reads inside the granted tree, nothing more ---- */

static int
read_private (void *arg, int out_fd, hull_error_t *err)
{
	const struct observe_arg *a = arg;
	struct report r = { 0 };
	char path[512];

	say (&r, "read_private=%d\n", try_open (a->readable_fd, "private", O_RDONLY));
	say (&r, "write_private=%d\n", try_open (a->readable_fd, "private", O_WRONLY));
	snprintf (path, sizeof path, "%s/secret", d.outside);
	say (&r, "read_outside=%d\n", try_open (AT_FDCWD, path, O_RDONLY));
	say (&r, "read_shadow=%d\n", try_open (AT_FDCWD, "/etc/shadow", O_RDONLY));
	status_field (&r, "CapEff");
	status_field (&r, "CapBnd");
	return hull_confine_write (out_fd, r.buf, r.len, err);
}

static void
test_read_as_root (void **state)
{
	_cleanup_close_ int rfd = open (d.readable, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct observe_arg a = { .readable_fd = rfd };
	static const char *const proc[] = { "/proc" };
	struct hull_confine_opts o = {
		.read_fds = &rfd, .n_read_fds = 1, .read_paths = proc, .n_read_paths = 1
	};
	hull_error_t err = { 0 };
	char path[512];

	if (geteuid () != 0)
		skip ();
	make_file (d.readable, "private", "root only\n");
	snprintf (path, sizeof path, "%s/private", d.readable);
	assert_int_equal (chmod (path, 0600), 0);
	for (int keep = 0; keep <= 1; keep++) {
		_cleanup_free_ char *out = NULL;
		size_t len;

		o.read_as_root = keep;
		if (hull_confine_call (&o, read_private, &a, &out, &len, 4096, &err) < 0)
			fail_msg ("%s", err.msg);
		assert_line (out, keep ? "read_private=0\n" : "read_private=13\n");
		assert_line (out, "write_private=13\n");
		assert_line (out, "read_outside=13\n");
		assert_line (out, "read_shadow=13\n");
		assert_line (out, keep ? "CapEff=0000000000000004\n" : "CapEff=0000000000000000\n");
		assert_line (out, keep ? "CapBnd=0000000000000004\n" : "CapBnd=0000000000000000\n");
	}
	unlink (path);
}

/* ---- writing beneath write_fd only ---- */

struct write_arg {
	int wfd;
};

static int
write_child (void *arg, int out_fd, hull_error_t *err)
{
	const struct write_arg *a = arg;
	struct report r = { 0 };
	char path[512];
	int fd = openat (a->wfd, "x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	say (&r, "create_inside=%d\n", fd < 0 ? errno : 0);
	if (fd >= 0) {
		say (&r, "write_inside=%d\n", outcome (write (fd, "ok\n", 3)));
		close (fd);
	}
	snprintf (path, sizeof path, "%s/new", d.outside);
	say (&r, "create_outside=%d\n", try_open (AT_FDCWD, path, O_WRONLY | O_CREAT));
	return hull_confine_write (out_fd, r.buf, r.len, err);
}

static void
test_write_only_beneath_write_fd (void **state)
{
	_cleanup_close_ int wfd = open (d.writable, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct write_arg a = { .wfd = wfd };
	struct hull_confine_opts o = { .writable = true, .write_fd = wfd };
	hull_error_t err = { 0 };
	_cleanup_free_ char *out = NULL;
	char path[512];
	struct stat st;
	size_t len;

	assert_true (wfd >= 0);
	if (hull_confine_call (&o, write_child, &a, &out, &len, 4096, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_line (out, "create_inside=0\n");
	assert_line (out, "write_inside=0\n");
	assert_line (out, "create_outside=13\n");
	snprintf (path, sizeof path, "%s/x", d.writable);
	assert_int_equal (stat (path, &st), 0);
	assert_int_equal (st.st_size, 3);
	snprintf (path, sizeof path, "%s/new", d.outside);
	assert_int_equal (stat (path, &st), -1);
}

/* ---- the layer unpacker's confinement (hull_image_unpack_confine_opts) ---- */

/* CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, and CAP_MKNOD (allow_devices) */
#define UNPACK_CAPS "000000000800001b"

static void *
thread_fn (void *arg)
{
	return arg;
}

static int
unpack_observe (void *arg, int out_fd, hull_error_t *err)
{
	const struct write_arg *a = arg;
	static const char *const caps[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
	struct report r = { 0 };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	pthread_t t;
	char path[512];
	pid_t pid;

	getresuid (&ru, &eu, &su);
	getresgid (&rg, &eg, &sg);
	say (&r, "ids=%d,%d,%d fsuid=%d gids=%d,%d,%d fsgid=%d\n", (int) ru, (int) eu, (int) su,
	     (int) setfsuid ((uid_t) -1), (int) rg, (int) eg, (int) sg,
	     (int) setfsgid ((gid_t) -1));
	say (&r, "socket_inet=%d\n", outcome (socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	say (&r, "socket_unix=%d\n", outcome (socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)));
	say (&r, "ptrace_attach=%d\n", outcome (ptrace (PTRACE_ATTACH, getppid (), NULL, NULL)));
	/* The real and effective ids are nobody: init (root's) cannot be signalled. */
	say (&r, "kill_init=%d\n", outcome (kill (1, 0)));
	pid = fork ();
	if (pid == 0)
		_exit (0);
	say (&r, "fork=%d\n", outcome (pid));
	say (&r, "thread=%d\n", pthread_create (&t, NULL, thread_fn, NULL));
	pthread_join (t, NULL);
	say (&r, "create_inside=%d\n", try_open (a->wfd, "x", O_WRONLY | O_CREAT));
	say (&r, "mknod_inside=%d\n",
	     outcome (mknodat (a->wfd, "dev", S_IFCHR | 0600, makedev (1, 3))));
	snprintf (path, sizeof path, "%s/new", d.outside);
	say (&r, "create_outside=%d\n", try_open (AT_FDCWD, path, O_WRONLY | O_CREAT));
	snprintf (path, sizeof path, "%s/dev", d.outside);
	say (&r, "mknod_outside=%d\n", outcome (mknod (path, S_IFCHR | 0600, makedev (1, 3))));
	say (&r, "read_etc=%d\n", try_open (AT_FDCWD, "/etc/shadow", O_RDONLY));
	say (&r, "exec=%d\n", outcome (execl ("/bin/true", "true", (char *) NULL)));
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
		status_field (&r, caps[i]);
	return hull_confine_write (out_fd, r.buf, r.len, err);
}

static void
test_unpack_child_confinement (void **state)
{
	_cleanup_close_ int wfd = open (d.writable, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct write_arg a = { .wfd = wfd };
	struct hull_unpack_opts uo = { .allow_devices = true };
	static const char *const proc[] = { "/proc" };
	struct hull_confine_opts o;
	hull_error_t err = { 0 };
	_cleanup_free_ char *out = NULL;
	char path[512];
	size_t len;
	int fds = count_fds ();

	if (geteuid () != 0)
		skip ();
	assert_true (wfd >= 0);
	hull_image_unpack_confine_opts (&uo, wfd, &o);
	o.read_paths = proc;
	o.n_read_paths = 1;
	if (hull_confine_call (&o, unpack_observe, &a, &out, &len, 4096, &err) < 0)
		fail_msg ("%s", err.msg);
	if (getenv ("CONFINE_TEST_VERBOSE"))
		fprintf (stderr, "%s", out);
	assert_line (out, "ids=65534,65534,65534 fsuid=0 gids=65534,65534,65534 fsgid=0\n");
	assert_line (out, "socket_inet=1\n");
	assert_line (out, "socket_unix=1\n");
	assert_line (out, "ptrace_attach=1\n");
	assert_line (out, "kill_init=1\n");
	assert_line (out, "fork=1\n");
	assert_line (out, "thread=0\n");
	assert_line (out, "exec=1\n");
	assert_line (out, "create_inside=0\n");
	assert_line (out, "mknod_inside=0\n");
	/* The directory is 0777 and the child holds CAP_DAC_OVERRIDE: only Landlock. */
	assert_line (out, "create_outside=13\n");
	assert_line (out, "mknod_outside=13\n");
	assert_line (out, "read_etc=13\n");
	assert_line (out, "CapInh=0000000000000000\n");
	assert_line (out, "CapPrm=" UNPACK_CAPS "\n");
	assert_line (out, "CapEff=" UNPACK_CAPS "\n");
	assert_line (out, "CapBnd=" UNPACK_CAPS "\n");
	assert_line (out, "CapAmb=0000000000000000\n");
	snprintf (path, sizeof path, "%s/x", d.writable);
	assert_int_equal (unlink (path), 0);
	snprintf (path, sizeof path, "%s/dev", d.writable);
	assert_int_equal (unlink (path), 0);
	snprintf (path, sizeof path, "%s/new", d.outside);
	assert_int_equal (access (path, F_OK), -1);
	snprintf (path, sizeof path, "%s/dev", d.outside);
	assert_int_equal (access (path, F_OK), -1);
	assert_nothing_left (fds);
}

/* A layer whose unpacking needs each kept capability: a file inside a directory it
 * made read-only (DAC override), owners (chown, also nobody's: the child's own euid),
 * setuid and setgid bits with a group not its own (fsetid), a device node (mknod). */
struct layer_entry {
	const char *name;
	unsigned type, mode, uid, gid;
};

static const struct layer_entry layer[] = {
	{ "ro", AE_IFDIR, 0555, 0, 0 },		 { "ro/f", AE_IFREG, 0644, 1000, 1000 },
	{ "nob", AE_IFREG, 0600, 65534, 65534 }, { "rootf", AE_IFREG, 0640, 0, 0 },
	{ "suid", AE_IFREG, 04755, 0, 0 },	 { "sgid", AE_IFREG, 02755, 0, 1000 },
	{ "dev", AE_IFCHR, 0620, 0, 5 },	 { "fifo", AE_IFIFO, 0600, 1, 2 },
	{ "sgdir", AE_IFDIR, 02775, 0, 50 },	 { "sgdir/in", AE_IFREG, 0644, 0, 0 },
};

static int
write_layer (const char *path)
{
	struct archive *a = archive_write_new ();
	struct archive_entry *ae = archive_entry_new ();

	assert_int_equal (archive_write_set_format_pax_restricted (a), ARCHIVE_OK);
	assert_int_equal (archive_write_add_filter_gzip (a), ARCHIVE_OK);
	assert_int_equal (archive_write_open_filename (a, path), ARCHIVE_OK);
	for (size_t i = 0; i < sizeof layer / sizeof layer[0]; i++) {
		archive_entry_clear (ae);
		archive_entry_set_pathname (ae, layer[i].name);
		archive_entry_set_filetype (ae, layer[i].type);
		archive_entry_set_perm (ae, layer[i].mode);
		archive_entry_set_uid (ae, layer[i].uid);
		archive_entry_set_gid (ae, layer[i].gid);
		archive_entry_set_mtime (ae, 1000000, 0);
		archive_entry_set_size (ae, layer[i].type == AE_IFREG ? 3 : 0);
		if (layer[i].type == AE_IFCHR)
			archive_entry_set_rdev (ae, makedev (1, 3));
		assert_int_equal (archive_write_header (a, ae), ARCHIVE_OK);
		if (layer[i].type == AE_IFREG)
			assert_int_equal (archive_write_data (a, "hi\n", 3), 3);
	}
	archive_entry_free (ae);
	assert_int_equal (archive_write_close (a), ARCHIVE_OK);
	archive_write_free (a);
	return open (path, O_RDONLY | O_CLOEXEC);
}

struct layer_arg {
	int rootfd, layer_fd;
	const struct hull_unpack_opts *o;
};

static int
unpack_layer_child (void *arg, int out_fd, hull_error_t *err)
{
	const struct layer_arg *a = arg;
	struct hull_unpack_stats st = { 0 };

	if (hull_image_unpack_layer (a->rootfd, a->layer_fd, a->o, &st, err) < 0)
		return -1;
	return hull_confine_write (out_fd, &st, sizeof st, err);
}

/* Unpack the layer in-process into in/ and confined into out/ under `base`. */
static void
unpack_both (const char *base, int lfd, const struct hull_unpack_opts *uo,
	     struct hull_unpack_stats *in_st, struct hull_unpack_stats *out_st)
{
	_cleanup_close_ int bfd = open (base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int in = -EBADF, out = -EBADF;
	struct hull_confine_opts o;
	struct layer_arg a = { .layer_fd = lfd, .o = uo };
	hull_error_t err = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len;

	assert_int_equal (mkdirat (bfd, "in", 0755), 0);
	assert_int_equal (mkdirat (bfd, "out", 0755), 0);
	in = openat (bfd, "in", O_PATH | O_DIRECTORY | O_CLOEXEC);
	out = openat (bfd, "out", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true (in >= 0 && out >= 0);
	assert_int_equal (lseek (lfd, 0, SEEK_SET), 0);
	if (hull_image_unpack_layer (in, lfd, uo, in_st, &err) < 0)
		fail_msg ("in-process: %s", err.msg);
	assert_int_equal (lseek (lfd, 0, SEEK_SET), 0);
	hull_image_unpack_confine_opts (uo, out, &o);
	o.pass_fds = &lfd;
	o.n_pass_fds = 1;
	a.rootfd = out;
	if (hull_confine_call (&o, unpack_layer_child, &a, &buf, &len, sizeof *out_st, &err) < 0)
		fail_msg ("confined: %s", err.msg);
	assert_int_equal (len, sizeof *out_st);
	memcpy (out_st, buf, sizeof *out_st);
}

static void
assert_same_tree (const char *base, struct stat *got)
{
	for (size_t i = 0; i < sizeof layer / sizeof layer[0]; i++) {
		char p1[600], p2[600];
		struct stat a, b;
		int ra, rb;

		snprintf (p1, sizeof p1, "%s/in/%s", base, layer[i].name);
		snprintf (p2, sizeof p2, "%s/out/%s", base, layer[i].name);
		ra = lstat (p1, &a);
		rb = lstat (p2, &b);
		assert_int_equal (ra, rb);
		if (ra < 0)
			continue;
		if (a.st_uid != b.st_uid || a.st_gid != b.st_gid || a.st_mode != b.st_mode ||
		    a.st_rdev != b.st_rdev || a.st_size != b.st_size)
			fail_msg ("`%s`: in-process %u:%u %o, confined %u:%u %o", layer[i].name,
				  a.st_uid, a.st_gid, a.st_mode, b.st_uid, b.st_gid, b.st_mode);
		got[i] = b;
	}
}

static void
test_unpack_layer_confined (void **state)
{
	static const struct hull_unpack_idmap map = { 0, 100000, 70000 };
	char base[300], path[340];
	_cleanup_close_ int lfd = -EBADF;
	hull_error_t ignore = { 0 };

	if (geteuid () != 0)
		skip ();
	snprintf (base, sizeof base, "%s/layer", d.writable);
	assert_int_equal (mkdir (base, 0755), 0);
	snprintf (path, sizeof path, "%s/layer.tar.gz", base);
	lfd = write_layer (path);
	assert_true (lfd >= 0);
	for (int variant = 0; variant < 4; variant++) {
		bool mapped = variant & 1, allow = variant & 2;
		struct hull_unpack_opts uo = { .allow_devices = allow, .allow_setid = allow };
		struct hull_unpack_stats a, b;
		struct stat got[sizeof layer / sizeof layer[0]];
		_cleanup_close_ int bfd = open (base, O_PATH | O_DIRECTORY | O_CLOEXEC);
		unsigned off = mapped ? 100000 : 0;

		if (mapped) {
			uo.uid_map = uo.gid_map = &map;
			uo.n_uid_map = uo.n_gid_map = 1;
		}
		memset (got, 0, sizeof got);
		unpack_both (base, lfd, &uo, &a, &b);
		assert_same_tree (base, got);
		assert_string_equal (a.diff_id, b.diff_id);
		assert_int_equal (a.entries, b.entries);
		assert_int_equal (a.cleared_setid, b.cleared_setid);
		assert_int_equal (a.skipped_devices, b.skipped_devices);
		assert_int_equal (got[1].st_uid, off + 1000); /* ro/f, below a 0555 directory */
		assert_int_equal (got[2].st_uid, off + 65534);
		assert_int_equal (got[2].st_gid, off + 65534);
		assert_int_equal (got[3].st_uid, off);
		assert_int_equal (got[4].st_mode & 07777, allow ? 04755 : 0755);
		assert_int_equal (got[5].st_mode & 07777, allow ? 02755 : 0755);
		assert_int_equal (got[5].st_gid, off + 1000);
		assert_int_equal (got[8].st_mode & 07777, 02775);
		assert_int_equal (got[9].st_gid, off); /* its own gid, not sgdir's 50 */
		if (allow) {
			assert_true (S_ISCHR (got[6].st_mode));
			assert_int_equal (got[6].st_rdev, makedev (1, 3));
			assert_int_equal (got[6].st_gid, off + 5);
			assert_true (S_ISFIFO (got[7].st_mode));
		} else {
			assert_int_equal (b.skipped_devices, 2);
		}
		assert_int_equal (hull_image_remove_tree (bfd, "in", &ignore), 0);
		assert_int_equal (hull_image_remove_tree (bfd, "out", &ignore), 0);
	}
	unlink (path);
	assert_int_equal (rmdir (base), 0);
}

/* ---- failures, as the caller sees them ---- */

static int
crash (void *arg, int out_fd, hull_error_t *err)
{
	/* The default action, not a sanitizer's handler: a plain crash. */
	signal (SIGSEGV, SIG_DFL);
	raise (SIGSEGV);
	return 0;
}

static int
flood (void *arg, int out_fd, hull_error_t *err)
{
	static char chunk[65536];

	memset (chunk, 'x', sizeof chunk);
	for (int i = 0; i < 64; i++)
		if (hull_confine_write (out_fd, chunk, sizeof chunk, err) < 0)
			return -1;
	return 0;
}

static int
spin (void *arg, int out_fd, hull_error_t *err)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
	return 0;
}

static int
nap (void *arg, int out_fd, hull_error_t *err)
{
	struct timespec ts = { .tv_sec = 30 };

	nanosleep (&ts, NULL);
	return 0;
}

/* Closes its output, then lingers: the deadline still holds. */
static int
lingers (void *arg, int out_fd, hull_error_t *err)
{
	close (out_fd);
	return nap (arg, -1, err);
}

static int
fails (void *arg, int out_fd, hull_error_t *err)
{
	return hull_error_make (err, ENOENT, "open `%s`", "var/lib/dpkg/status");
}

static void
expect_error (const struct hull_confine_opts *o, hull_confine_fn fn, size_t max_out,
	      const char *want)
{
	hull_error_t err = { 0 };
	char *out = (char *) "untouched";
	size_t len = 7;
	int fds = count_fds ();

	assert_true (hull_confine_call (o, fn, NULL, &out, &len, max_out, &err) < 0);
	if (strstr (err.msg, want) == NULL)
		fail_msg ("error `%s` does not say `%s`", err.msg, want);
	assert_null (out);
	assert_int_equal (len, 0);
	assert_nothing_left (fds);
}

#if defined(__x86_64__)
/* getpid through the i386 entry point: the filter lists only the native architecture,
 * so this must kill the child rather than run unfiltered. */
static int
other_arch (void *arg, int out_fd, hull_error_t *err)
{
	long nr = 20; /* __NR_getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(nr) : : "memory");
	return hull_error_make (err, 0, "int 0x80 returned %ld", nr);
}

static void
test_other_architecture_killed (void **state)
{
	struct hull_confine_opts o = { 0 };

	expect_error (&o, other_arch, 4096, "killed by its seccomp filter (SIGSYS)");
}
#else
static void
test_other_architecture_killed (void **state)
{
	skip ();
}
#endif

static void
test_crash (void **state)
{
	struct hull_confine_opts o = { 0 };

	expect_error (&o, crash, 4096, "killed by signal 11");
}

static void
test_output_cap (void **state)
{
	struct hull_confine_opts o = { 0 };

	expect_error (&o, flood, 100000, "output exceeds 100000 bytes");
}

static void
test_output_whole (void **state)
{
	struct hull_confine_opts o = { 0 };
	hull_error_t err = { 0 };
	_cleanup_free_ char *out = NULL;
	size_t len = 0;

	if (hull_confine_call (&o, flood, NULL, &out, &len, 64 * 65536, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_int_equal (len, 64 * 65536);
	assert_int_equal (out[0], 'x');
	assert_int_equal (out[len - 1], 'x');
	assert_int_equal (out[len], '\0');
}

static void
test_cpu_limit (void **state)
{
	struct hull_confine_opts o = { .cpu_seconds = 1 };

	expect_error (&o, spin, 4096, "exceeded its CPU time limit (1 s)");
}

static void
test_timeout (void **state)
{
	struct hull_confine_opts o = { .timeout_ms = 300 };

	expect_error (&o, nap, 4096, "not done after 300 ms");
	expect_error (&o, lingers, 4096, "not done after 300 ms");
}

static void
test_child_error_reaches_parent (void **state)
{
	struct hull_confine_opts o = { 0 };
	hull_error_t err = { 0 };
	char *out = NULL;
	size_t len = 0;

	assert_true (hull_confine_call (&o, fails, NULL, &out, &len, 4096, &err) < 0);
	assert_string_equal (err.msg, "open `var/lib/dpkg/status`: No such file or directory");
	assert_int_equal (err.code, ENOENT);
	assert_null (out);
	expect_error (&o, fails, 4096, "var/lib/dpkg/status");
}

/* Fail closed: a protection asked for and not applicable is an error, not skipped. */
static void
test_fail_closed (void **state)
{
	static const char *const missing[] = { "/nonexistent-confine-path" };
	struct hull_confine_opts o = { .read_paths = missing, .n_read_paths = 1 };

	expect_error (&o, flood, 1 << 30, "confine: Landlock");
	expect_error (&o, flood, 1 << 30, "/nonexistent-confine-path");
}

/* ---- the scanner: confined and in-process inventories are identical ---- */

struct scan_arg {
	int rootfd;
	const struct hull_inventory_opts *opts;
};

/* As `hull sbom` does (src/cli/cmd-sbom.c), with the options under test. */
static int
scan_child (void *arg, int out_fd, hull_error_t *err)
{
	const struct scan_arg *a = arg;
	struct hull_inventory inv = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = hull_inventory_scan_dir (a->rootfd, "target", a->opts, &inv, err);

	if (r == 0) {
		text = hull_sbom_inventory_json_full (&inv, NULL, &len);
		r = hull_confine_write (out_fd, text, len, err);
	}
	hull_inventory_clear (&inv);
	return r;
}

static void
same_str (const char *what, size_t i, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp (a, b) != 0))
		fail_msg ("package %zu: %s: `%s` in-process, `%s` confined", i, what,
			  a ? a : "(null)", b ? b : "(null)");
}

static void
same_list (const char *what, size_t i, char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		fail_msg ("package %zu: %s: %zu in-process, %zu confined", i, what, na, nb);
	for (size_t k = 0; k < na; k++)
		same_str (what, i, a[k], b[k]);
}

static void
assert_same_inventory (const struct hull_inventory *a, const struct hull_inventory *b)
{
	same_str ("target", 0, a->target, b->target);
	same_str ("target digest", 0, a->target_digest, b->target_digest);
	same_str ("os id", 0, a->os.id, b->os.id);
	same_str ("os version", 0, a->os.version_id, b->os.version_id);
	same_str ("os pretty name", 0, a->os.pretty_name, b->os.pretty_name);
	same_str ("os codename", 0, a->os.codename, b->os.codename);
	same_list ("warnings", 0, a->warnings, a->n_warnings, b->warnings, b->n_warnings);
	assert_int_equal (a->n_pkgs, b->n_pkgs);
	for (size_t i = 0; i < a->n_pkgs; i++) {
		const struct hull_pkg *p = &a->pkgs[i], *q = &b->pkgs[i];

		assert_int_equal (p->type, q->type);
		same_str ("name", i, p->name, q->name);
		same_str ("version", i, p->version, q->version);
		same_str ("source name", i, p->source_name, q->source_name);
		same_str ("source version", i, p->source_version, q->source_version);
		same_str ("arch", i, p->arch, q->arch);
		same_str ("purl", i, p->purl, q->purl);
		same_str ("location", i, p->location, q->location);
		same_list ("licenses", i, p->licenses, p->n_licenses, q->licenses, q->n_licenses);
		same_list ("files", i, p->files, p->n_files, q->files, q->n_files);
	}
}

static const char *const scan_preload[] = { "libsqlite3.so.0", "libarchive.so.13" };

/* Returns the number of packages, so that a test can insist the tree had some. */
static size_t
check_equivalent (const char *dir, const struct hull_inventory_opts *opts)
{
	_cleanup_close_ int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct scan_arg a = { .rootfd = fd, .opts = opts };
	struct hull_confine_opts o = { .read_fds = &fd,
				       .n_read_fds = 1,
				       .preload = scan_preload,
				       .n_preload = 2,
				       .cpu_seconds = 600,
				       .read_as_root = true };
	struct hull_inventory direct = { 0 }, confined = { 0 };
	hull_error_t err = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0, n;
	int fds;

	assert_true (fd >= 0);
	fds = count_fds ();
	if (hull_inventory_scan_dir (fd, "target", opts, &direct, &err) < 0)
		fail_msg ("in-process scan of `%s`: %s", dir, err.msg);
	if (hull_confine_call (&o, scan_child, &a, &text, &len, HULL_SBOM_MAX_BYTES, &err) < 0)
		fail_msg ("confined scan of `%s`: %s", dir, err.msg);
	if (hull_sbom_inventory_read (text, len, "scan output", &confined, &err) < 0)
		fail_msg ("read back `%s`: %s", dir, err.msg);
	assert_same_inventory (&direct, &confined);
	n = direct.n_pkgs;
	hull_inventory_clear (&direct);
	hull_inventory_clear (&confined);
	assert_nothing_left (fds);
	return n;
}

static void
test_scan_fixtures_equivalent (void **state)
{
	static const char *const fixtures[] = { "alpine",     "distroless", "lang",
						"rpm/sqlite", "rpm/bdb",    "rpm/ndb" };

	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		char dir[512];

		snprintf (dir, sizeof dir, "%s/scan/%s", HULL_TEST_DATA, fixtures[i]);
		if (check_equivalent (dir, NULL) == 0)
			fail_msg ("`%s`: no packages found: the fixture is not exercised", dir);
	}
}

/* A real root filesystem: this machine's, OS packages only (the language walk of a
 * whole host takes minutes). */
static void
test_scan_host_root_equivalent (void **state)
{
	struct hull_inventory_opts opts = { .skip_language = true };
	struct stat st;

	if (stat ("/var/lib/dpkg/status", &st) < 0 && stat ("/lib/apk/db/installed", &st) < 0 &&
	    stat ("/var/lib/rpm", &st) < 0)
		skip ();
	assert_true (check_equivalent ("/", &opts) > 0);
}

/* The full form keeps what the CycloneDX round trip loses (file lists, warnings,
 * the codename, packages of no known type); the short form keeps the rest. */
static void
test_inventory_json_full_round_trip (void **state)
{
	struct hull_inventory a = { 0 }, b = { 0 }, c = { 0 };
	struct hull_pkg *p;
	hull_error_t err = { 0 };
	_cleanup_free_ char *full = NULL, *brief = NULL;
	size_t len = 0;

	a.target = hull_xstrdup ("t");
	a.os.id = hull_xstrdup ("debian");
	a.os.codename = hull_xstrdup ("bookworm");
	a.warnings = hull_xcalloc (1, sizeof (char *));
	a.warnings[a.n_warnings++] = hull_xstrdup ("x/package-lock.json: 3:7: bad");
	p = hull_inventory_add (&a);
	p->type = HULL_PKG_DEB;
	p->name = hull_xstrdup ("libc6");
	p->version = hull_xstrdup ("");
	p->files = hull_xcalloc (2, sizeof (char *));
	p->files[p->n_files++] = hull_xstrdup ("/lib/x86_64-linux-gnu/libc.so.6");
	p->files[p->n_files++] = hull_xstrdup ("/usr/share/doc/libc6");
	p = hull_inventory_add (&a);
	p->type = HULL_PKG_UNKNOWN;
	p->name = hull_xstrdup ("odd");
	full = hull_sbom_inventory_json_full (&a, NULL, &len);
	if (hull_sbom_inventory_read (full, len, "full", &b, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_same_inventory (&a, &b);
	/* The names must match the counts exactly: one short, one extra. */
	hull_inventory_clear (&b);
	assert_true (hull_sbom_inventory_read (full, len - 1, "cut", &b, &err) < 0);
	assert_non_null (strstr (err.msg, "cut: packages[0]: file name 1 missing"));
	assert_int_equal (b.n_pkgs, 0);
	full = hull_xrealloc (full, len + 2);
	memcpy (full + len, "x", 2);
	assert_true (hull_sbom_inventory_read (full, len + 2, "long", &b, &err) < 0);
	assert_non_null (strstr (err.msg, "long: 2 bytes after the last file name"));
	brief = hull_sbom_inventory_json (&a, NULL);
	if (hull_sbom_inventory_read (brief, strlen (brief), "brief", &c, &err) < 0)
		fail_msg ("%s", err.msg);
	assert_int_equal (c.n_pkgs, 2);
	assert_int_equal (c.pkgs[0].n_files, 0);
	assert_string_equal (c.pkgs[0].name, "libc6");
	hull_inventory_clear (&a);
	hull_inventory_clear (&b);
	hull_inventory_clear (&c);
}

static void
test_inventory_json_hostile (void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"packages\": []}",
		"{\"schemaVersion\": 2, \"packages\": []}",
		"{\"schemaVersion\": 1, \"packages\": [{\"type\": \"nope\"}]}",
		"{\"schemaVersion\": 1, \"packages\": [{\"name\": 7}]}",
		"{\"schemaVersion\": 1, \"packages\": [{\"files\": [\"a\"]}]}",
		"{\"schemaVersion\": 1, \"packages\": [{\"files\": -1}]}",
		"{\"schemaVersion\": 1, \"packages\": [{\"files\": 99999999999}]}",
		"{\"schemaVersion\": 1, \"packages\": [], \"packages\": []}",
		"{\"schemaVersion\": 1, \"packages\": [{\"name\": \"a\", \"licenses\": \"MIT\"}]}",
		"{\"schemaVersion\": 1, \"packages\": [], \"warnings\": [null]}",
	};

	/* Counts announcing more names than bytes follow: refused before allocating. */
	static const char huge[] = "{\"schemaVersion\": 1, \"packages\": [{\"files\": 1000000}]}"
				   "\0a\0b";

	for (size_t i = 0; i <= sizeof bad / sizeof bad[0]; i++) {
		struct hull_inventory inv = { 0 };
		hull_error_t err = { 0 };
		const char *doc = i < sizeof bad / sizeof bad[0] ? bad[i] : huge;
		size_t len = i < sizeof bad / sizeof bad[0] ? strlen (doc) : sizeof huge - 1;

		if (hull_sbom_inventory_read (doc, len, "doc", &inv, &err) == 0)
			fail_msg ("accepted: %s", doc);
		assert_true (strncmp (err.msg, "doc", 3) == 0);
		assert_int_equal (inv.n_pkgs, 0);
		assert_null (inv.pkgs);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_child_observes_confinement),
		cmocka_unit_test (test_read_as_root),
		cmocka_unit_test (test_write_only_beneath_write_fd),
		cmocka_unit_test (test_unpack_child_confinement),
		cmocka_unit_test (test_unpack_layer_confined),
		cmocka_unit_test (test_crash),
		cmocka_unit_test (test_other_architecture_killed),
		cmocka_unit_test (test_output_cap),
		cmocka_unit_test (test_output_whole),
		cmocka_unit_test (test_cpu_limit),
		cmocka_unit_test (test_timeout),
		cmocka_unit_test (test_child_error_reaches_parent),
		cmocka_unit_test (test_fail_closed),
		cmocka_unit_test (test_scan_fixtures_equivalent),
		cmocka_unit_test (test_scan_host_root_equivalent),
		cmocka_unit_test (test_inventory_json_full_round_trip),
		cmocka_unit_test (test_inventory_json_hostile),
	};

	if (hull_landlock_abi () < 1) {
		fprintf (stderr, "no Landlock in this kernel: hull_confine_call refuses to run\n");
		return 77; /* meson: skipped */
	}

	return cmocka_run_group_tests (tests, setup, teardown);
}
