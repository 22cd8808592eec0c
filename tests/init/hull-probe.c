/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull-probe: a small static program the integration tests copy into a bundle's
 * rootfs and run inside containers. It reports what it sees from the inside.
 *
 *   hull-probe report          one JSON object: ids, caps, namespaces, maps, mounts ...
 *   hull-probe exit N          exit with status N
 *   hull-probe kill SIG        kill itself with signal SIG (number or name); as PID 1,
 *                              only SEGV, FPE and ILL work (raised by a real fault)
 *   hull-probe write PATH      create and write PATH: "ok" (exit 0) or the errno name (exit 1)
 *   hull-probe read PATH       print PATH's content (or the errno name, exit 1)
 *   hull-probe stat PATH       JSON: exists, type, mode, uid, gid, major, minor
 *   hull-probe sleep SECONDS   sleep
 *   hull-probe mknod PATH      mknod a char device 1:3 at PATH: "ok" or the errno name
 *   hull-probe mount           mount tmpfs on /mnt: "ok" or the errno name
 *   hull-probe ls DIR          one entry name per line (sorted), or the errno name
 *   hull-probe fds             JSON array of the open fd numbers (from /proc/self/fd)
 *   hull-probe syscall NAME [ARG]
 *                              try one escape primitive (tests/security/test_battery.py):
 *                              "ok" (exit 0) or the errno name (exit 1); see attempts[]
 *
 * A test tool, not hull code: stdio is fine, but no dependencies so that it links
 * statically anywhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* errno -> its symbolic name; the tests compare names, not localised strings. */
static const struct {
	int num;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" },	  { ENOENT, "ENOENT" },	    { EIO, "EIO" },
	{ ENXIO, "ENXIO" },	  { EBADF, "EBADF" },	    { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },	  { EACCES, "EACCES" },	    { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },	  { EEXIST, "EEXIST" },	    { EXDEV, "EXDEV" },
	{ ENODEV, "ENODEV" },	  { ENOTDIR, "ENOTDIR" },   { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" },	  { ENFILE, "ENFILE" },	    { EMFILE, "EMFILE" },
	{ ETXTBSY, "ETXTBSY" },	  { EFBIG, "EFBIG" },	    { ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" },	  { EMLINK, "EMLINK" },	    { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" },	  { ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EOVERFLOW, "EOVERFLOW" }, { ESRCH, "ESRCH" },
	{ EDQUOT, "EDQUOT" },	  { ENOEXEC, "ENOEXEC" },   { ENOTTY, "ENOTTY" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ESTALE, "ESTALE" },	  { ECHILD, "ECHILD" },
};

static const char *
errno_name (int e)
{
	static char buf[32];

	for (size_t i = 0; i < sizeof (errno_names) / sizeof (errno_names[0]); i++)
		if (errno_names[i].num == e)
			return errno_names[i].name;
	snprintf (buf, sizeof (buf), "E%d", e);
	return buf;
}

/* ---- JSON output ---------------------------------------------------------- */

static int json_first = 1;

static void
json_str (const char *s)
{
	putchar ('"');
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		switch (*p) {
		case '"':
			fputs ("\\\"", stdout);
			break;
		case '\\':
			fputs ("\\\\", stdout);
			break;
		case '\n':
			fputs ("\\n", stdout);
			break;
		case '\t':
			fputs ("\\t", stdout);
			break;
		case '\r':
			fputs ("\\r", stdout);
			break;
		default:
			/* Control bytes and anything non-ASCII are escaped byte-wise so the
			 * output is always valid JSON, even for non-UTF-8 input. */
			if (*p < 0x20 || *p >= 0x7f)
				printf ("\\u%04x", *p);
			else
				putchar (*p);
		}
	}
	putchar ('"');
}

static void
json_key (const char *k)
{
	if (!json_first)
		putchar (',');
	json_first = 0;
	json_str (k);
	putchar (':');
}

static void
json_kstr (const char *k, const char *v)
{
	json_key (k);
	if (v == NULL)
		fputs ("null", stdout);
	else
		json_str (v);
}

static void
json_kint (const char *k, long long v)
{
	json_key (k);
	printf ("%lld", v);
}

/* ---- helpers --------------------------------------------------------------- */

/* Read a whole (small, procfs) file; NULL if it cannot be read. Caller frees. */
static char *
read_file (const char *path)
{
	int fd = open (path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc (cap + 1);
	if (buf == NULL)
		abort ();
	for (;;) {
		ssize_t n = read (fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free (buf);
			close (fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len == cap) {
			cap *= 2;
			buf = realloc (buf, cap + 1);
			if (buf == NULL)
				abort ();
		}
	}
	close (fd);
	buf[len] = '\0';
	return buf;
}

/* The value of field `name` in /proc/self/status text, trimmed; NULL if absent. */
static char *
status_field (const char *status, const char *name)
{
	size_t nl = strlen (name);

	for (const char *p = status; p && *p;) {
		const char *eol = strchr (p, '\n');
		size_t ll = eol ? (size_t) (eol - p) : strlen (p);
		if (ll > nl && strncmp (p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t vl = ll - (size_t) (v - p);
			char *r = malloc (vl + 1);
			if (r == NULL)
				abort ();
			memcpy (r, v, vl);
			r[vl] = '\0';
			return r;
		}
		p = eol ? eol + 1 : NULL;
	}
	return NULL;
}

/* Emit `key: [lines...]` from a text, one JSON string per line. */
static void
json_klines (const char *k, const char *text)
{
	int first = 1;

	json_key (k);
	if (text == NULL) {
		fputs ("null", stdout);
		return;
	}
	putchar ('[');
	for (const char *p = text; *p;) {
		const char *eol = strchr (p, '\n');
		size_t ll = eol ? (size_t) (eol - p) : strlen (p);
		char *line = strndup (p, ll);
		if (line == NULL)
			abort ();
		if (!first)
			putchar (',');
		first = 0;
		json_str (line);
		free (line);
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	putchar (']');
}

/* ---- report ---------------------------------------------------------------- */

static const char *const status_fields[] = {
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters",
	"Umask",
};

static const char *const ns_names[] = {
	"pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time",
};

static const struct {
	int res;
	const char *name;
} rlimits[] = {
	{ RLIMIT_AS, "RLIMIT_AS" },
	{ RLIMIT_CORE, "RLIMIT_CORE" },
	{ RLIMIT_CPU, "RLIMIT_CPU" },
	{ RLIMIT_DATA, "RLIMIT_DATA" },
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE" },
	{ RLIMIT_LOCKS, "RLIMIT_LOCKS" },
	{ RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK" },
	{ RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE" },
	{ RLIMIT_NICE, "RLIMIT_NICE" },
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE" },
	{ RLIMIT_NPROC, "RLIMIT_NPROC" },
	{ RLIMIT_RSS, "RLIMIT_RSS" },
	{ RLIMIT_RTPRIO, "RLIMIT_RTPRIO" },
	{ RLIMIT_RTTIME, "RLIMIT_RTTIME" },
	{ RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING" },
	{ RLIMIT_STACK, "RLIMIT_STACK" },
};

static long long
rlim_json (rlim_t v)
{
	return v == RLIM_INFINITY ? -1 : (long long) v;
}

static void
report_status (void)
{
	char *status = read_file ("/proc/self/status");

	for (size_t i = 0; i < sizeof (status_fields) / sizeof (status_fields[0]); i++) {
		char *v = status ? status_field (status, status_fields[i]) : NULL;
		json_kstr (status_fields[i], v);
		free (v);
	}
	/* umask as a number too (Umask: 0022), for convenience. */
	{
		char *v = status ? status_field (status, "Umask") : NULL;
		json_key ("umask");
		if (v)
			printf ("%ld", strtol (v, NULL, 8));
		else
			fputs ("null", stdout);
		free (v);
	}
	free (status);
}

static void
report_ns (void)
{
	json_key ("ns");
	putchar ('{');
	for (size_t i = 0; i < sizeof (ns_names) / sizeof (ns_names[0]); i++) {
		char path[64], link[128];
		struct stat st;
		ssize_t n;

		if (i)
			putchar (',');
		json_str (ns_names[i]);
		putchar (':');
		snprintf (path, sizeof (path), "/proc/self/ns/%s", ns_names[i]);
		/* The inode number, from stat (same as the number in the link text). */
		n = readlink (path, link, sizeof (link) - 1);
		if (n < 0 || stat (path, &st) < 0)
			fputs ("null", stdout);
		else
			printf ("%llu", (unsigned long long) st.st_ino);
	}
	putchar ('}');
}

static void
report_rlimits (void)
{
	json_key ("rlimits");
	putchar ('{');
	for (size_t i = 0; i < sizeof (rlimits) / sizeof (rlimits[0]); i++) {
		struct rlimit rl;
		if (i)
			putchar (',');
		json_str (rlimits[i].name);
		if (getrlimit (rlimits[i].res, &rl) < 0)
			fputs (":null", stdout);
		else
			printf (":{\"soft\":%lld,\"hard\":%lld}", rlim_json (rl.rlim_cur),
				rlim_json (rl.rlim_max));
	}
	putchar ('}');
}

static void
report_fds (void)
{
	DIR *d = opendir ("/proc/self/fd");
	struct dirent *de;
	int first = 1, self;

	json_key ("fds");
	if (d == NULL) {
		fputs ("null", stdout);
		return;
	}
	self = dirfd (d);
	putchar ('[');
	while ((de = readdir (d)) != NULL) {
		char *end;
		long n;
		if (de->d_name[0] == '.')
			continue;
		n = strtol (de->d_name, &end, 10);
		if (*end != '\0' || n == self)
			continue;
		if (!first)
			putchar (',');
		first = 0;
		printf ("%ld", n);
	}
	putchar (']');
	closedir (d);
}

static int
cmd_report (void)
{
	gid_t groups[NGROUPS_MAX];
	struct utsname u;
	char cwd[PATH_MAX];
	char *s;
	int ng;

	putchar ('{');
	json_kint ("pid", getpid ());
	json_kint ("ppid", getppid ());
	json_kint ("uid", getuid ());
	json_kint ("gid", getgid ());
	json_kint ("euid", geteuid ());
	json_kint ("egid", getegid ());
	ng = getgroups (NGROUPS_MAX, groups);
	json_key ("groups");
	putchar ('[');
	for (int i = 0; i < ng; i++)
		printf ("%s%u", i ? "," : "", (unsigned) groups[i]);
	putchar (']');

	report_status ();
	report_ns ();

	s = read_file ("/proc/self/uid_map");
	json_kstr ("uid_map", s);
	free (s);
	s = read_file ("/proc/self/gid_map");
	json_kstr ("gid_map", s);
	free (s);
	s = read_file ("/proc/self/setgroups");
	json_kstr ("setgroups", s);
	free (s);

	if (uname (&u) == 0) {
		json_kstr ("hostname", u.nodename);
		json_kstr ("domainname", u.domainname);
		json_kstr ("machine", u.machine);
	}
	json_kstr ("cwd", getcwd (cwd, sizeof (cwd)) ? cwd : NULL);

	json_key ("env");
	putchar ('[');
	for (char **e = environ; e && *e; e++) {
		if (e != environ)
			putchar (',');
		json_str (*e);
	}
	putchar (']');

	report_rlimits ();

	s = read_file ("/proc/self/oom_score_adj");
	json_key ("oom_score_adj");
	if (s)
		printf ("%ld", strtol (s, NULL, 10));
	else
		fputs ("null", stdout);
	free (s);

	json_kint ("personality", personality (0xffffffff));

	s = read_file ("/proc/self/mountinfo");
	json_klines ("mountinfo", s);
	free (s);

	s = read_file ("/proc/self/cgroup");
	json_klines ("cgroup", s);
	free (s);

	report_fds ();
	fputs ("}\n", stdout);
	return 0;
}

/* ---- the small commands ------------------------------------------------------ */

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "ABRT", SIGABRT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "FPE", SIGFPE },
	{ "ILL", SIGILL },
};

static int
parse_int (const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol (s, &end, 10);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

static volatile int zero, one = 1;

static void
fault (int sig)
{
	fflush (stdout);
	signal (sig, SIG_DFL);
	switch (sig) {
	case SIGSEGV:
		*(volatile int *) (uintptr_t) zero = 1;
		break;
	case SIGFPE:
		/* Both operands volatile: gcc folds 1 / x into a comparison. */
		zero = one / zero;
		break;
	case SIGILL:
		__builtin_trap ();
		break;
	default:
		break;
	}
}

static int
cmd_kill (const char *arg)
{
	long sig = -1;

	if (strncmp (arg, "SIG", 3) == 0)
		arg += 3;
	for (size_t i = 0; i < sizeof (signal_names) / sizeof (signal_names[0]); i++)
		if (strcmp (arg, signal_names[i].name) == 0)
			sig = signal_names[i].num;
	if (sig < 0 && parse_int (arg, &sig) < 0) {
		fprintf (stderr, "hull-probe: bad signal `%s`\n", arg);
		return 2;
	}
	/* The init of a PID namespace cannot be killed by a signal it sends itself
	 * (pid_namespaces(7)); a real fault is delivered with force_sig and does kill
	 * it, so the synchronous signals are raised by faulting. */
	if (getpid () == 1)
		fault ((int) sig);
	/* Make sure the default action applies even if the signal was ignored. */
	signal ((int) sig, SIG_DFL);
	{
		sigset_t set;
		sigemptyset (&set);
		sigaddset (&set, (int) sig);
		sigprocmask (SIG_UNBLOCK, &set, NULL);
	}
	fflush (stdout);
	kill (getpid (), (int) sig);
	fprintf (stderr, "hull-probe: still alive after signal %ld\n", sig);
	return 2;
}

static int
cmd_write (const char *path)
{
	static const char data[] = "hull-probe\n";
	int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write (fd, data, sizeof (data) - 1) != (ssize_t) (sizeof (data) - 1)) {
		int e = errno;
		puts (errno_name (e));
		return 1;
	}
	if (close (fd) < 0) {
		puts (errno_name (errno));
		return 1;
	}
	puts ("ok");
	return 0;
}

static int
cmd_read (const char *path)
{
	int fd = open (path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0) {
		puts (errno_name (errno));
		return 1;
	}
	while ((n = read (fd, buf, sizeof (buf))) > 0)
		fwrite (buf, 1, (size_t) n, stdout);
	if (n < 0) {
		puts (errno_name (errno));
		close (fd);
		return 1;
	}
	close (fd);
	return 0;
}

static const char *
type_name (mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "char";
	case S_IFBLK:
		return "block";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	}
	return "unknown";
}

static int
cmd_stat (const char *path)
{
	struct stat st;

	putchar ('{');
	if (lstat (path, &st) < 0) {
		json_key ("exists");
		fputs ("false", stdout);
		json_kstr ("error", errno_name (errno));
		fputs ("}\n", stdout);
		return 0;
	}
	json_key ("exists");
	fputs ("true", stdout);
	json_kstr ("type", type_name (st.st_mode));
	json_kint ("mode", st.st_mode & 07777);
	json_kint ("uid", st.st_uid);
	json_kint ("gid", st.st_gid);
	json_kint ("major", major (st.st_rdev));
	json_kint ("minor", minor (st.st_rdev));
	json_kint ("size", st.st_size);
	json_kint ("ino", (long long) st.st_ino);
	json_kint ("dev_major", major (st.st_dev));
	json_kint ("dev_minor", minor (st.st_dev));
	if (S_ISLNK (st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink (path, target, sizeof (target) - 1);
		if (n >= 0) {
			target[n] = '\0';
			json_kstr ("target", target);
		}
	}
	fputs ("}\n", stdout);
	return 0;
}

static int
cmd_sleep (const char *arg)
{
	long secs;
	struct timespec ts;

	if (parse_int (arg, &secs) < 0 || secs < 0) {
		fprintf (stderr, "hull-probe: bad duration `%s`\n", arg);
		return 2;
	}
	ts.tv_sec = secs;
	ts.tv_nsec = 0;
	while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int
cmd_mknod (const char *path)
{
	if (mknod (path, S_IFCHR | 0666, makedev (1, 3)) < 0) {
		puts (errno_name (errno));
		return 1;
	}
	puts ("ok");
	return 0;
}

static int
cmd_mount (void)
{
	if (mount ("tmpfs", "/mnt", "tmpfs", 0, "size=64k") < 0) {
		puts (errno_name (errno));
		return 1;
	}
	puts ("ok");
	return 0;
}

static int
cmp_str (const void *a, const void *b)
{
	return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
cmd_ls (const char *path)
{
	DIR *d = opendir (path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (d == NULL) {
		puts (errno_name (errno));
		return 1;
	}
	while ((de = readdir (d)) != NULL) {
		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc (names, cap * sizeof (*names));
			if (names == NULL)
				abort ();
		}
		names[n] = strdup (de->d_name);
		if (names[n] == NULL)
			abort ();
		n++;
	}
	closedir (d);
	if (n)
		qsort (names, n, sizeof (*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		puts (names[i]);
		free (names[i]);
	}
	free (names);
	return 0;
}

static int
cmd_fds (void)
{
	json_first = 1;
	/* Reuse report_fds, which prints `"fds":[...]`; wrap it into an object. */
	putchar ('{');
	report_fds ();
	fputs ("}\n", stdout);
	return 0;
}

/* ---- escape primitives (`hull-probe syscall NAME [ARG]`) --------------------------
 *
 * Each attempt returns 0 when the primitive worked or -1 with errno set. Every one
 * is harmless when it works: the ones that could change the host (module load,
 * reboot, kexec, clock, core_pattern ...) use an argument the kernel rejects only
 * after its permission check, or only open for writing without writing. */

static int
try_mount (const char *arg)
{
	(void) arg;
	return mount ("tmpfs", "/mnt", "tmpfs", 0, "size=64k");
}

static int
try_umount (const char *arg)
{
	return umount2 (arg ? arg : "/tmp", MNT_DETACH);
}

static int
try_pivot_root (const char *arg)
{
	(void) arg;
	/* "/" is the current root: the kernel refuses it (EBUSY/EINVAL) after the
	 * CAP_SYS_ADMIN check, so nothing moves even when allowed. */
	return (int) syscall (SYS_pivot_root, "/", "/");
}

static int
try_unshare (const char *arg)
{
	(void) arg;
	return unshare (CLONE_NEWUSER | CLONE_NEWNS);
}

static int
try_setns (const char *arg)
{
	char *end;
	long fd;
	int r, e;

	/* ARG: an inherited fd number, or a path to a namespace file. */
	fd = arg ? strtol (arg, &end, 10) : -1;
	if (arg == NULL || *end != '\0') {
		fd = open (arg ? arg : "/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		r = setns ((int) fd, 0);
		e = errno;
		close ((int) fd);
		errno = e;
		return r;
	}
	return setns ((int) fd, 0);
}

static int
try_ptrace (const char *arg)
{
	pid_t pid, child = 0;
	int r, e, st;

	if (arg) {
		pid = (pid_t) strtol (arg, NULL, 10);
	} else {
		/* Another process of the container (same uid, no privileges needed). */
		child = fork ();
		if (child < 0)
			return -1;
		if (child == 0) {
			pause ();
			_exit (0);
		}
		pid = child;
	}
	r = (int) ptrace (PTRACE_ATTACH, pid, NULL, NULL);
	e = errno;
	if (r == 0) {
		waitpid (pid, &st, __WALL);
		ptrace (PTRACE_DETACH, pid, NULL, NULL);
	}
	if (child > 0) {
		kill (child, SIGKILL);
		waitpid (child, &st, __WALL);
	}
	errno = e;
	return r;
}

static int
try_kill0 (const char *arg)
{
	return kill (arg ? (pid_t) strtol (arg, NULL, 10) : 1, 0);
}

static int
try_init_module (const char *arg)
{
	static const char image[64]; /* not an ELF image: ENOEXEC/EINVAL once permitted */

	(void) arg;
	return (int) syscall (SYS_init_module, image, sizeof (image), "");
}

static int
try_socket (int domain, int type, int protocol)
{
	int fd = socket (domain, type | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -1;
	close (fd);
	return 0;
}

static int
try_socket_packet (const char *arg)
{
	(void) arg;
	return try_socket (AF_PACKET, SOCK_RAW, htons (0x0003 /* ETH_P_ALL */));
}

static int
try_socket_raw (const char *arg)
{
	(void) arg;
	return try_socket (AF_INET, SOCK_RAW, IPPROTO_ICMP);
}

static int
try_keyctl (const char *arg)
{
	(void) arg;
	/* KEYCTL_JOIN_SESSION_KEYRING with a NULL name: a new anonymous session keyring. */
	long r = syscall (SYS_keyctl, 1, NULL, 0, 0, 0);

	return r < 0 ? -1 : 0;
}

static int
try_bpf (const char *arg)
{
	uint32_t attr[32];
	long fd;

	(void) arg;
	/* BPF_MAP_CREATE of a one-entry array, closed at once: the permission check
	 * (kernel.unprivileged_bpf_disabled, CAP_BPF) comes after the attr checks, so
	 * the attr must be valid. */
	memset (attr, 0, sizeof (attr));
	attr[0] = 2; /* map_type BPF_MAP_TYPE_ARRAY */
	attr[1] = 4; /* key_size */
	attr[2] = 4; /* value_size */
	attr[3] = 1; /* max_entries */
	fd = syscall (SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof (attr));
	if (fd < 0)
		return -1;
	close ((int) fd);
	return 0;
}

static int
try_perf_event_open (const char *arg)
{
	/* struct perf_event_attr (PERF_ATTR_SIZE_VER0 is 64 bytes): a software
	 * cpu-clock counter on this process, user space only. */
	struct {
		uint32_t type, size;
		uint64_t config, sample_period, sample_type, read_format, flags;
		uint32_t wakeup_events, bp_type;
		uint64_t config1;
	} attr;
	long fd;

	(void) arg;
	memset (&attr, 0, sizeof (attr));
	attr.type = 1;   /* PERF_TYPE_SOFTWARE */
	attr.config = 0; /* PERF_COUNT_SW_CPU_CLOCK */
	attr.size = sizeof (attr);
	attr.flags = (1ULL << 0) | (1ULL << 5) | (1ULL << 6); /* disabled, exclude_kernel, exclude_hv */
	fd = syscall (SYS_perf_event_open, &attr, 0, -1, -1, 8 /* PERF_FLAG_FD_CLOEXEC */);
	if (fd < 0)
		return -1;
	close ((int) fd);
	return 0;
}

static int
try_userfaultfd (const char *arg)
{
	long fd;

	(void) arg;
	/* UFFD_USER_MODE_ONLY: what an unprivileged process may ask for. */
	fd = syscall (SYS_userfaultfd, O_CLOEXEC | 1);
	if (fd < 0)
		return -1;
	close ((int) fd);
	return 0;
}

static int
try_reboot (const char *arg)
{
	(void) arg;
	/* Wrong magic numbers: EINVAL after the CAP_SYS_BOOT check, nothing happens. */
	return (int) syscall (SYS_reboot, 0x1234, 0x5678, 0x01234567, NULL);
}

static int
try_kexec_load (const char *arg)
{
	(void) arg;
	/* No segments and an undefined flag bit (0x8000 is neither a KEXEC_* flag nor
	 * an architecture): EINVAL after the permission checks, nothing loaded or
	 * unloaded. */
	return (int) syscall (SYS_kexec_load, 0UL, 0UL, NULL, 0x8000UL);
}

static int
try_open_by_handle_at (const char *arg)
{
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char f_handle[128];
	} h;
	int mount_id, root, fd, e;

	/* The "shocker" primitive: a handle for a file of the container's own root,
	 * opened back through open_by_handle_at; a real attacker forges the handle of
	 * a host inode instead. */
	h.handle_bytes = sizeof (h.f_handle);
	if (name_to_handle_at (AT_FDCWD, arg ? arg : "/usr/bin/hull-probe",
			       (struct file_handle *) &h, &mount_id, 0) < 0)
		return -1;
	root = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -1;
	fd = open_by_handle_at (root, (struct file_handle *) &h, O_RDONLY | O_CLOEXEC);
	e = errno;
	close (root);
	if (fd < 0) {
		errno = e;
		return -1;
	}
	close (fd);
	return 0;
}

static int
try_openw (const char *arg)
{
	/* Writable? Open for writing and close without writing a byte. */
	int fd = open (arg ? arg : "/proc/sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close (fd);
	return 0;
}

static int
try_openr (const char *arg)
{
	int fd = open (arg ? arg : "/proc/kcore", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close (fd);
	return 0;
}

static int
try_release_agent (const char *arg)
{
	int r, e;

	/* Mount a cgroup v1 hierarchy (ARG: its controller, default memory) and check
	 * that release_agent could be opened for writing; never write it. */
	if (mount ("cgroup", "/mnt", "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   arg ? arg : "memory") < 0)
		return -1;
	r = try_openw ("/mnt/release_agent");
	e = errno;
	umount2 ("/mnt", MNT_DETACH);
	errno = e;
	return r;
}

static int
try_mknod_block (const char *arg)
{
	const char *path = arg ? arg : "/dev/hull-blk";
	int r = mknod (path, S_IFBLK | 0600, makedev (7, 0));

	if (r == 0)
		unlink (path);
	return r;
}

static int
try_tiocsti (const char *arg)
{
	char c = '#';

	(void) arg;
	return ioctl (0, TIOCSTI, &c);
}

static int
try_settimeofday (const char *arg)
{
	(void) arg;
	/* settimeofday (NULL, NULL) runs the CAP_SYS_TIME check and then sets nothing. */
	return (int) syscall (SYS_settimeofday, NULL, NULL);
}

static int
try_write_exe (const char *arg)
{
	return try_openw (arg ? arg : "/proc/self/exe");
}

/* chroot into a subdirectory, climb with "..", chroot (".") (the classic chroot
 * escape): prints "escaped" when the final root is not the container's, judged by
 * the probe binary and ARG (a path that exists only on the host) */
static int
cmd_chroot_escape (const char *arg)
{
	int r;

	if (mkdir ("/tmp/hull-chroot", 0700) < 0 && errno != EEXIST)
		goto fail;
	if (chroot ("/tmp/hull-chroot") < 0)
		goto fail;
	for (int i = 0; i < 64; i++)
		if (chdir ("..") < 0)
			goto fail;
	if (chroot (".") < 0)
		goto fail;
	r = access ("/usr/bin/hull-probe", X_OK) == 0 && (arg == NULL || access (arg, F_OK) < 0);
	puts (r ? "contained" : "escaped");
	return 0;
fail:
	puts (errno_name (errno));
	return 1;
}

static int
cmd_clock (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	printf ("%lld\n", (long long) ts.tv_sec);
	return 0;
}

static const struct {
	const char *name;
	int (*fn) (const char *arg);
} attempts[] = {
	{ "mount", try_mount },
	{ "umount", try_umount },
	{ "pivot_root", try_pivot_root },
	{ "unshare", try_unshare },
	{ "setns", try_setns },
	{ "ptrace", try_ptrace },
	{ "kill0", try_kill0 },
	{ "init_module", try_init_module },
	{ "socket-packet", try_socket_packet },
	{ "socket-raw", try_socket_raw },
	{ "keyctl", try_keyctl },
	{ "bpf", try_bpf },
	{ "perf_event_open", try_perf_event_open },
	{ "userfaultfd", try_userfaultfd },
	{ "reboot", try_reboot },
	{ "kexec_load", try_kexec_load },
	{ "open_by_handle_at", try_open_by_handle_at },
	{ "openw", try_openw },
	{ "openr", try_openr },
	{ "release_agent", try_release_agent },
	{ "mknod-block", try_mknod_block },
	{ "tiocsti", try_tiocsti },
	{ "settimeofday", try_settimeofday },
	{ "write-exe", try_write_exe },
};

static int
cmd_syscall (const char *name, const char *arg)
{
	if (strcmp (name, "chroot-escape") == 0)
		return cmd_chroot_escape (arg);
	if (strcmp (name, "clock") == 0)
		return cmd_clock ();
	for (size_t i = 0; i < sizeof (attempts) / sizeof (attempts[0]); i++) {
		if (strcmp (name, attempts[i].name) != 0)
			continue;
		if (attempts[i].fn (arg) < 0) {
			puts (errno_name (errno));
			return 1;
		}
		puts ("ok");
		return 0;
	}
	fprintf (stderr, "hull-probe: unknown attempt `%s`\n", name);
	return 2;
}

static int
usage (void)
{
	fputs ("usage: hull-probe report | exit N | kill SIG | write PATH | read PATH | stat PATH |\n"
	       "                  sleep SECONDS | mknod PATH | mount | ls DIR | fds |\n"
	       "                  syscall NAME [ARG]\n",
	       stderr);
	return 2;
}

int
main (int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "report";
	const char *arg = argc > 2 ? argv[2] : NULL;
	long n;

	if (strcmp (cmd, "report") == 0)
		return cmd_report ();
	if (strcmp (cmd, "mount") == 0)
		return cmd_mount ();
	if (strcmp (cmd, "fds") == 0)
		return cmd_fds ();
	if (arg == NULL)
		return usage ();
	if (strcmp (cmd, "exit") == 0) {
		if (parse_int (arg, &n) < 0)
			return usage ();
		return (int) (n & 0xff);
	}
	if (strcmp (cmd, "kill") == 0)
		return cmd_kill (arg);
	if (strcmp (cmd, "write") == 0)
		return cmd_write (arg);
	if (strcmp (cmd, "read") == 0)
		return cmd_read (arg);
	if (strcmp (cmd, "stat") == 0)
		return cmd_stat (arg);
	if (strcmp (cmd, "sleep") == 0)
		return cmd_sleep (arg);
	if (strcmp (cmd, "mknod") == 0)
		return cmd_mknod (arg);
	if (strcmp (cmd, "ls") == 0)
		return cmd_ls (arg);
	if (strcmp (cmd, "syscall") == 0)
		return cmd_syscall (arg, argc > 3 ? argv[3] : NULL);
	return usage ();
}
