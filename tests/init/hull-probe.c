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
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
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
	{ EDQUOT, "EDQUOT" },
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

static int
usage (void)
{
	fputs ("usage: hull-probe report | exit N | kill SIG | write PATH | read PATH | stat PATH |\n"
	       "                  sleep SECONDS | mknod PATH | mount | ls DIR | fds\n",
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
	return usage ();
}
