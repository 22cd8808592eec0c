/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Confined calls (include/hull/runtime.h "confined calls"): hull dogfoods its own
 * sandbox for the parsers of hostile image content. A forked child drops everything
 * it does not need, in this order, each step failing closed:
 *   fds -> preloaded libraries -> namespaces -> Landlock ruleset (built while the
 *   paths can still be opened) -> identity and capabilities -> non-dumpable,
 *   no_new_privs -> rlimits -> landlock_restrict_self -> seccomp -> fn.
 * seccomp comes last so that the filter need not allow the set-up calls; it is
 * compiled in the parent (libseccomp allocates) and only loaded in the child.
 * The filter denies by name rather than allowing by name: the child runs glibc,
 * jansson, libsqlite3, libarchive and, in tests, the ASan runtime, whose exact
 * system calls vary by version; what it denies is every call that reaches beyond
 * the process (network, other processes, the kernel's global state, new code). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <jansson.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/runtime.h"
#include "runtime/linux/landlock.h"
#include "runtime/linux/seccomp.h"

#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_ASAN 1
#endif
#endif

#define N_ELEMS(a) (sizeof (a) / sizeof ((a)[0]))
#define NOBODY 65534u /* owns nothing by convention (src/runtime/sandbox.c) */
#define DEFAULT_CPU_SECONDS 60u
#define DEFAULT_AS (4ULL << 30)
#define DEFAULT_FSIZE (1ULL << 30)
#define MAX_KEEP_FDS 256 /* read_fds accepted */
#define READ_BUF 65536

#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Every right: add_path_rule masks them with what the running ABI handles. */
#define LL_READ_WRITE (~0ULL & ~(uint64_t) LANDLOCK_ACCESS_FS_EXECUTE)

/* ---- the seccomp filter ---- */

/* Denied with EPERM. Sockets: the child talks only through the pipes it was given.
 * Processes and threads: nothing can outlive the call or escape its wait. The rest
 * reach other processes (ptrace, process_vm_*, pidfd_getfd, kcmp), the kernel's
 * global state or its attack surface (bpf, perf, keyrings, io_uring, userfaultfd,
 * modules, kexec, mounts, namespaces, clocks, host names, swap, quotas), or files by
 * handle past Landlock's path walk (open_by_handle_at, the "shocker" escape). */
static const char *const denied[] = {
	"socket",
	"socketpair",
	"connect",
	"bind",
	"listen",
	"accept",
	"accept4",
	"fork",
	"vfork",
	"execve",
	"execveat",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"pidfd_getfd",
	"pidfd_open",
	"kcmp",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"keyctl",
	"add_key",
	"request_key",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"init_module",
	"finit_module",
	"delete_module",
	"kexec_load",
	"kexec_file_load",
	"unshare",
	"setns",
	"mount",
	"umount2",
	"pivot_root",
	"chroot",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"mount_setattr",
	"open_by_handle_at",
	"name_to_handle_at",
	"fanotify_init",
	"personality",
	"acct",
	"swapon",
	"swapoff",
	"reboot",
	"syslog",
	"uselib",
	"ioperm",
	"iopl",
	"vhangup",
	"quotactl",
	"quotactl_fd",
	"sethostname",
	"setdomainname",
	"settimeofday",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	"lookup_dcookie",
};

/* Denied unless CAP_MKNOD is kept (an unpacker creating an image's device nodes). */
static const char *const denied_mknod[] = { "mknod", "mknodat" };

/* The capabilities keep_caps may hold: each acts on files only, which Landlock keeps
 * to the granted trees. */
#define FILE_CAPS                                                                                  \
	((1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) |                 \
	 (1ULL << CAP_FSETID) | (1ULL << CAP_MKNOD) | (1ULL << CAP_SETFCAP))

/* Pushing bytes into the caller's terminal input (CVE-2017-5226, bubblewrap): the
 * child keeps stderr, which may be a terminal. */
static const unsigned long denied_ioctls[] = { TIOCSTI, TIOCLINUX };

static void
add_syscall (struct hull_oci_seccomp *s, const char *name, uint32_t errno_ret,
	     const struct hull_oci_seccomp_arg *arg)
{
	struct hull_oci_seccomp_syscall *sc;

	s->syscalls = hull_xreallocarray (s->syscalls, s->n_syscalls + 1, sizeof *s->syscalls);
	sc = &s->syscalls[s->n_syscalls++];
	memset (sc, 0, sizeof *sc);
	sc->names.v = hull_xcalloc (2, sizeof (char *));
	sc->names.v[0] = hull_xstrdup (name);
	sc->names.n = 1;
	sc->action = hull_xstrdup ("SCMP_ACT_ERRNO");
	sc->has_errno_ret = true;
	sc->errno_ret = errno_ret;
	if (arg) {
		sc->args = hull_xmalloc (sizeof *sc->args);
		sc->args[0] = *arg;
		sc->args[0].op = hull_xstrdup (arg->op);
		sc->n_args = 1;
	}
}

static void
profile_clear (struct hull_oci_seccomp *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		hull_strv_free (&s->syscalls[i].names);
		free (s->syscalls[i].action);
		for (size_t k = 0; k < s->syscalls[i].n_args; k++)
			free (s->syscalls[i].args[k].op);
		free (s->syscalls[i].args);
	}
	free (s->syscalls);
	free (s->default_action);
}

static int
compile_filter (const struct hull_confine_opts *o, struct hull_seccomp_prog **out,
		hull_error_t *err)
{
	struct hull_oci_seccomp s = { .present = true };
	/* Threads only: clone without CLONE_THREAD (a new process) stays denied. */
	struct hull_oci_seccomp_arg no_thread = { .index = 0,
						  .value = CLONE_THREAD,
						  .value_two = 0,
						  .op = (char *) "SCMP_CMP_MASKED_EQ" };
	int r;

	s.default_action = hull_xstrdup ("SCMP_ACT_ALLOW");
	for (size_t i = 0; i < N_ELEMS (denied); i++)
		add_syscall (&s, denied[i], EPERM, NULL);
	add_syscall (&s, "clone", EPERM, o->allow_threads ? &no_thread : NULL);
	for (size_t i = 0; !(o->keep_caps & (1ULL << CAP_MKNOD)) && i < N_ELEMS (denied_mknod); i++)
		add_syscall (&s, denied_mknod[i], EPERM, NULL);
	/* ENOSYS, not EPERM: glibc then falls back to clone, which is denied. */
	add_syscall (&s, "clone3", ENOSYS, NULL);
	for (size_t i = 0; i < N_ELEMS (denied_ioctls); i++) {
		struct hull_oci_seccomp_arg a = { .index = 1,
						  .value = 0xffffffffu,
						  .value_two = denied_ioctls[i],
						  .op = (char *) "SCMP_CMP_MASKED_EQ" };
		add_syscall (&s, "ioctl", EPERM, &a);
	}
	/* Only the native architecture is listed: libseccomp kills a process calling
	 * through another one (int 0x80, x32), so the name-based denials cannot be
	 * sidestepped by number. */
	r = hull_seccomp_compile (&s, out, err);
	profile_clear (&s);
	return r < 0 ? hull_error_wrap (err, "confine: seccomp filter") : 0;
}

/* ---- the child ---- */

struct call {
	const struct hull_confine_opts *o;
	hull_confine_fn fn;
	void *arg;
	const struct hull_seccomp_prog *prog;
	pid_t parent;
	int out_fd, ctl_fd;
};

static int
cmp_int (const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;

	return (x > y) - (x < y);
}

/* stderr stays for diagnostics (sanitizer reports, glibc's abort messages), unless
 * it is a regular file: RLIMIT_FSIZE 0 would turn the first message into SIGXFSZ, and
 * the child would be appending to the caller's log; it then goes to /dev/null. */
static int
quiet_stderr (hull_error_t *err)
{
	struct stat st;
	int fd;

	if (fstat (STDERR_FILENO, &st) < 0 || !S_ISREG (st.st_mode))
		return 0;
	fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dup3 (fd, STDERR_FILENO, O_CLOEXEC) < 0)
		return hull_error_make (err, errno, "confine: stderr to /dev/null");
	close (fd);
	return 0;
}

/* Close every fd but the pipes, stderr, read_fds and write_fd, whose numbers the
 * caller's arg may hold. */
static int
close_others (const struct call *c, hull_error_t *err)
{
	int keep[2 * MAX_KEEP_FDS + 4];
	size_t n = 0;
	unsigned int from = 0;

	if (quiet_stderr (err) < 0)
		return -1;

	keep[n++] = c->out_fd;
	keep[n++] = c->ctl_fd;
	keep[n++] = STDERR_FILENO;
	if (c->o->writable)
		keep[n++] = c->o->write_fd;
	for (size_t i = 0; i < c->o->n_read_fds; i++)
		keep[n++] = c->o->read_fds[i];
	for (size_t i = 0; i < c->o->n_pass_fds; i++)
		keep[n++] = c->o->pass_fds[i];
	qsort (keep, n, sizeof *keep, cmp_int);
	for (size_t i = 0; i < n; i++) {
		unsigned int k = (unsigned int) keep[i];

		if (k > from && close_range (from, k - 1, 0) < 0)
			return hull_error_make (err, errno, "confine: close fds %u-%u", from,
						k - 1);
		if (k + 1 > from)
			from = k + 1;
	}
	if (close_range (from, ~0U, 0) < 0)
		return hull_error_make (err, errno, "confine: close fds from %u", from);
	return 0;
}

/* The libraries are found by their soname afterwards, without touching the disk. A
 * library that does not load is left to the code that needs it to report. */
static void
preload (const struct hull_confine_opts *o)
{
	for (size_t i = 0; i < o->n_preload; i++)
		(void) dlopen (o->preload[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

static int
write_file (const char *path, const char *text, hull_error_t *err)
{
	_cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen (text);

	if (fd < 0 || write (fd, text, len) != (ssize_t) len)
		return hull_error_make (err, errno, "confine: write `%s`", path);
	return 0;
}

/* Root: the namespaces need no user namespace; the identity becomes nobody below.
 * Otherwise a user namespace mapping the caller's ids to themselves owns them
 * (user_namespaces(7): one line mapping the writer's own id, setgroups denied).
 * Returns 1 when a user namespace was entered, 0 when not, or a negative value. */
static int
enter_namespaces (const struct hull_confine_opts *o, bool root, hull_error_t *err)
{
	const int others = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
	char map[64];
	uid_t uid = getuid ();
	gid_t gid = getgid ();

	if (unshare (root ? others : others | CLONE_NEWUSER) < 0) {
		if (o->namespaces_optional)
			return 0;
		return hull_error_make (err, errno, "confine: unshare network, IPC and UTS%s",
					root ? "" : " in a new user namespace");
	}
	if (root)
		return 0;
	snprintf (map, sizeof map, "%u %u 1\n", (unsigned) uid, (unsigned) uid);
	if (write_file ("/proc/self/uid_map", map, err) < 0 ||
	    write_file ("/proc/self/setgroups", "deny\n", err) < 0)
		return -1;
	snprintf (map, sizeof map, "%u %u 1\n", (unsigned) gid, (unsigned) gid);
	if (write_file ("/proc/self/gid_map", map, err) < 0)
		return -1;
	return 1;
}

static int
build_landlock (const struct hull_confine_opts *o, hull_error_t *err)
{
	size_t n = o->n_read_fds + o->n_read_paths + (o->writable ? 1 : 0), k = 0;
	struct hull_landlock_path *paths = hull_xcalloc (n ? n : 1, sizeof *paths);
	struct hull_landlock_ruleset r = { .version = 1, .paths = paths, .n_paths = n };
	int abi = hull_landlock_abi_in_use (), fd;

	if (abi < 1) {
		free (paths);
		return hull_error_make (err, EOPNOTSUPP,
					"confine: Landlock is not available in this kernel");
	}
	/* An fd is named by its /proc/self/fd link, which opens the same file. */
	for (size_t i = 0; i < o->n_read_fds; i++, k++) {
		paths[k].path = hull_xasprintf ("/proc/self/fd/%d", o->read_fds[i]);
		paths[k].access = LL_READ;
	}
	for (size_t i = 0; i < o->n_read_paths; i++, k++) {
		paths[k].path = hull_xstrdup (o->read_paths[i]);
		paths[k].access = LL_READ;
	}
	if (o->writable) {
		paths[k].path = hull_xasprintf ("/proc/self/fd/%d", o->write_fd);
		paths[k].access = LL_READ_WRITE;
	}
	r.has_net = abi >= 4; /* no port granted: every TCP bind and connect denied */
	r.scoped = abi >= 6 ? LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL : 0;
	fd = hull_landlock_check (&r, abi, err);
	if (fd == 0)
		fd = hull_landlock_build (&r, abi, err);
	for (size_t i = 0; i < n; i++)
		free (paths[i].path);
	free (paths);
	return fd < 0 ? hull_error_wrap (err, "confine: Landlock") : fd;
}

static int
drop_bounding_set (uint64_t keep, hull_error_t *err)
{
	for (int cap = 0; cap <= 63; cap++) {
		int r = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0)
			break; /* past the kernel's last capability */
		if (r == 1 && !(keep & (1ULL << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return hull_error_make (err, errno, "confine: drop capability %d", cap);
	}
	return 0;
}

/* Root becomes nobody, with no supplementary groups: host files are reached through
 * their "other" bits only, or with read_as_root through CAP_DAC_READ_SEARCH, which
 * reads and searches but never writes, and which Landlock keeps to the granted trees
 * (open_by_handle_at, its other use, is denied by the filter), and with keep_caps
 * the file capabilities of an unpacker, its filesystem ids 0 (root_fs_ids). Everyone
 * else ends with no capability in any set; an unprivileged caller outside a user namespace has
 * none to drop but its bounding set, which no_new_privs makes moot. */
static int
set_caps (uint64_t caps, hull_error_t *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	data[0].effective = data[0].permitted = (uint32_t) caps;
	data[1].effective = data[1].permitted = (uint32_t) (caps >> 32);
	if (syscall (SYS_capset, &hdr, data) < 0)
		return hull_error_make (err, errno, "confine: set capabilities");
	return 0;
}

/* keep_caps: the filesystem ids go back to 0 (capabilities(7): CAP_SETUID and
 * CAP_SETGID for setfsuid/setfsgid, held only for these two calls), so that what the
 * child creates is root's as it would be in the caller, while the ids that signals,
 * prlimit, setpriority and /proc compare stay nobody. */
static int
root_fs_ids (uint64_t keep, hull_error_t *err)
{
	if (set_caps (keep | (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID), err) < 0)
		return -1;
	setfsgid (0);
	setfsuid (0);
	if (setfsuid ((uid_t) -1) != 0 || setfsgid ((gid_t) -1) != 0)
		return hull_error_make (err, EPERM, "confine: filesystem ids are not 0");
	return 0;
}

static int
drop_identity (const struct hull_confine_opts *o, bool root, bool in_userns, hull_error_t *err)
{
	uint64_t keep = root && o->read_as_root ? 1ULL << CAP_DAC_READ_SEARCH : 0;

	if (root)
		keep |= o->keep_caps;
	if ((root || in_userns) && drop_bounding_set (keep, err) < 0)
		return -1;
	if (keep && prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "confine: PR_SET_KEEPCAPS");
	if (root && (setgroups (0, NULL) < 0 || setresgid (NOBODY, NOBODY, NOBODY) < 0 ||
		     setresuid (NOBODY, NOBODY, NOBODY) < 0))
		return hull_error_make (err, errno, "confine: become nobody");
	if (keep && prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "confine: PR_SET_KEEPCAPS");
	if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hull_error_make (err, errno, "confine: clear ambient capabilities");
	if (root && o->keep_caps && root_fs_ids (keep, err) < 0)
		return -1;
	return set_caps (keep, err);
}

static int
set_limit (int resource, const char *name, rlim_t value, hull_error_t *err)
{
	struct rlimit cur, lim;

	if (getrlimit (resource, &cur) < 0)
		return hull_error_make (err, errno, "confine: get %s", name);
	lim.rlim_max = value < cur.rlim_max ? value : cur.rlim_max;
	lim.rlim_cur = lim.rlim_max;
	if (resource == RLIMIT_CPU && lim.rlim_cur > 0 && lim.rlim_max == value)
		lim.rlim_max = value + 1; /* SIGXCPU first, which the parent names */
	if (setrlimit (resource, &lim) < 0)
		return hull_error_make (err, errno, "confine: set %s", name);
	return 0;
}

static int
set_limits (const struct hull_confine_opts *o, hull_error_t *err)
{
	rlim_t fsize = o->writable ? (o->max_fsize ? o->max_fsize : DEFAULT_FSIZE) : 0;

	if (set_limit (RLIMIT_CORE, "RLIMIT_CORE", 0, err) < 0 ||
	    set_limit (RLIMIT_FSIZE, "RLIMIT_FSIZE", fsize, err) < 0 ||
	    set_limit (RLIMIT_CPU, "RLIMIT_CPU",
		       o->cpu_seconds ? o->cpu_seconds : DEFAULT_CPU_SECONDS, err) < 0)
		return -1;
#ifndef CONFINE_ASAN
	/* ASan reserves terabytes of shadow address space: no address-space limit fits. */
	if (set_limit (RLIMIT_AS, "RLIMIT_AS", o->max_as ? o->max_as : DEFAULT_AS, err) < 0)
		return -1;
#endif
	return 0;
}

static int
confine_self (const struct call *c, hull_error_t *err)
{
	bool root = geteuid () == 0;
	_cleanup_close_ int ruleset = -EBADF;
	int userns;

	/* The child must not outlive a caller that dies (nothing left behind). */
	if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "confine: PR_SET_PDEATHSIG");
	if (getppid () != c->parent)
		return hull_error_make (err, ESRCH, "confine: the caller is gone");
	if (close_others (c, err) < 0)
		return -1;
	preload (c->o);
	/* jansson seeds its hash function (hash flooding, jansson's hashtable_seed.c) from
	 * /dev/urandom on first use, falling back to time and pid: seed it while the
	 * device can still be read. A no-op when the caller already did. */
	json_object_seed (0);
	if ((userns = enter_namespaces (c->o, root, err)) < 0)
		return -1;
	if ((ruleset = build_landlock (c->o, err)) < 0)
		return -1;
	if (drop_identity (c->o, root, userns == 1, err) < 0)
		return -1;
	/* Not dumpable: no ptrace or /proc/PID access from other processes of the same
	 * uid (another nobody process). Set after the identity change, which resets it. */
	if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "confine: set non-dumpable and no_new_privs");
	if (set_limits (c->o, err) < 0)
		return -1;
	if (hull_landlock_restrict (TAKE_FD (ruleset), err) < 0)
		return hull_error_wrap (err, "confine");
	if (hull_seccomp_load (c->prog, NULL, err) < 0)
		return hull_error_wrap (err, "confine");
	return 0;
}

static _Noreturn void
child_main (const struct call *c)
{
	hull_error_t err = { 0 };
	int r = confine_self (c, &err);

	if (r == 0)
		r = c->fn (c->arg, c->out_fd, &err);
	if (r < 0) {
		if (err.msg[0] == '\0')
			hull_error_make (&err, 0, "the confined call failed without a message");
		/* One write below PIPE_BUF: atomic, and the parent reads it whole. */
		(void) !write (c->ctl_fd, &err, sizeof err);
		_exit (1);
	}
	/* _exit: no atexit handlers and no flush of the caller's stdio buffers. */
	_exit (0);
}

/* ---- the parent ---- */

struct reader {
	char *buf;
	size_t len, cap, max;
};

static long long
now_ms (void)
{
	struct timespec ts;

	clock_gettime (CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before `deadline` (0: none) for poll: -1 without a deadline. */
static int
left_ms (long long deadline)
{
	long long left = deadline - now_ms ();

	if (deadline == 0)
		return -1;
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int) left;
}

/* Read until EOF. Returns 0, or -E2BIG (over the cap), -ETIMEDOUT, or -errno. */
static int
read_all (int fd, struct reader *rd, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait = left_ms (deadline), r;
		ssize_t n;

		if (wait == 0)
			return -ETIMEDOUT;
		if ((r = poll (&p, 1, wait)) < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue;
		if (rd->cap - rd->len < READ_BUF) {
			rd->cap = rd->cap ? rd->cap * 2 : READ_BUF * 2;
			rd->buf = hull_xrealloc (rd->buf, rd->cap + 1);
		}
		n = read (fd, rd->buf + rd->len, rd->cap - rd->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		rd->len += (size_t) n;
		if (rd->len > rd->max)
			return -E2BIG;
	}
}

/* After EOF the child may still linger (it can close its pipe and sleep): with a
 * deadline, wait for its exit on a pidfd, which polls readable once it has exited.
 * Without pidfds (Linux < 5.3) the wait is unbounded. */
static int
await_exit (pid_t pid, long long deadline)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct pollfd p = { .events = POLLIN };
	int r;

	if (deadline == 0 || (pidfd = (int) syscall (SYS_pidfd_open, pid, 0)) < 0)
		return 0;
	p.fd = pidfd;
	while ((r = poll (&p, 1, left_ms (deadline))) < 0 && errno == EINTR)
		;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int
reap (pid_t pid, int *status)
{
	while (waitpid (pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* The child's error message, if it sent one. */
static bool
child_error (int ctl, hull_error_t *err)
{
	hull_error_t e;
	ssize_t n;

	do
		n = read (ctl, &e, sizeof e);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t) sizeof e)
		return false;
	e.msg[sizeof e.msg - 1] = '\0';
	if (err)
		*err = e;
	return true;
}

static int
status_error (int status, const struct hull_confine_opts *o, hull_error_t *err)
{
	int sig;

	if (WIFEXITED (status))
		return hull_error_make (err, 0, "confined call exited with status %d",
					WEXITSTATUS (status));
	sig = WTERMSIG (status);
	if (sig == SIGXCPU)
		return hull_error_make (err, 0, "confined call exceeded its CPU time limit (%u s)",
					o->cpu_seconds ? o->cpu_seconds : DEFAULT_CPU_SECONDS);
	if (sig == SIGSYS)
		return hull_error_make (err, 0,
					"confined call killed by its seccomp filter (SIGSYS)");
	return hull_error_make (err, 0, "confined call killed by signal %d (%s)", sig,
				strsignal (sig));
}

static int
finish (pid_t pid, int rd_result, int ctl, const struct hull_confine_opts *o, size_t max_out,
	hull_error_t *err)
{
	int status = 0, r;

	if (rd_result < 0)
		kill (pid, SIGKILL);
	if ((r = reap (pid, &status)) < 0)
		return hull_error_make (err, -r, "confined call: wait for pid %d", (int) pid);
	if (rd_result == -E2BIG)
		return hull_error_make (err, E2BIG, "confined call: output exceeds %zu bytes",
					max_out);
	if (rd_result == -ETIMEDOUT)
		return hull_error_make (err, ETIMEDOUT, "confined call: not done after %u ms",
					o->timeout_ms);
	if (child_error (ctl, err))
		return hull_error_ret (err) < 0 ? hull_error_ret (err) : -EINVAL;
	if (rd_result < 0)
		return hull_error_make (err, -rd_result, "confined call: read output");
	if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
		return status_error (status, o, err);
	return 0;
}

int
hull_confine_call (const struct hull_confine_opts *o, hull_confine_fn fn, void *arg, char **out,
		   size_t *out_len, size_t max_out, hull_error_t *err)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *prog = NULL;
	_cleanup_close_ int out_r = -EBADF, out_w = -EBADF, ctl_r = -EBADF, ctl_w = -EBADF;
	struct reader rd = { .max = max_out };
	struct call c = { .o = o, .fn = fn, .arg = arg, .parent = getpid () };
	long long deadline = o->timeout_ms ? now_ms () + o->timeout_ms : 0;
	int p[2], rdr, r;
	pid_t pid;

	*out = NULL;
	*out_len = 0;
	if (o->n_read_fds > MAX_KEEP_FDS)
		return hull_error_make (err, E2BIG, "confine: more than %d read fds", MAX_KEEP_FDS);
	for (size_t i = 0; i < o->n_read_fds; i++)
		if (o->read_fds[i] < 0)
			return hull_error_make (err, EBADF, "confine: read_fds[%zu] is %d", i,
						o->read_fds[i]);
	if (o->writable && o->write_fd < 0)
		return hull_error_make (err, EBADF, "confine: write_fd is %d", o->write_fd);
	if (o->n_pass_fds > MAX_KEEP_FDS)
		return hull_error_make (err, E2BIG, "confine: more than %d pass fds", MAX_KEEP_FDS);
	for (size_t i = 0; i < o->n_pass_fds; i++)
		if (o->pass_fds[i] < 0)
			return hull_error_make (err, EBADF, "confine: pass_fds[%zu] is %d", i,
						o->pass_fds[i]);
	if (o->keep_caps & ~FILE_CAPS)
		return hull_error_make (err, EINVAL,
					"confine: keep_caps 0x%llx holds a capability that is not "
					"a file capability",
					o->keep_caps);
	if (compile_filter (o, &prog, err) < 0)
		return -1;
	if (pipe2 (p, O_CLOEXEC) < 0)
		return hull_error_make (err, errno, "confine: pipe");
	out_r = p[0], out_w = p[1];
	if (pipe2 (p, O_CLOEXEC) < 0)
		return hull_error_make (err, errno, "confine: pipe");
	ctl_r = p[0], ctl_w = p[1];
	c.prog = prog;
	c.out_fd = out_w;
	c.ctl_fd = ctl_w;
	pid = fork ();
	if (pid < 0)
		return hull_error_make (err, errno, "confine: fork");
	if (pid == 0)
		child_main (&c);
	out_w = hull_safe_close (out_w);
	ctl_w = hull_safe_close (ctl_w);
	rdr = read_all (out_r, &rd, deadline);
	if (rdr == 0)
		rdr = await_exit (pid, deadline);
	r = finish (pid, rdr, ctl_r, o, max_out, err);
	if (r < 0) {
		free (rd.buf);
		return r;
	}
	if (rd.buf == NULL)
		rd.buf = hull_xmalloc (1);
	rd.buf[rd.len] = '\0';
	*out = rd.buf;
	*out_len = rd.len;
	return 0;
}

int
hull_confine_write (int fd, const void *buf, size_t len, hull_error_t *err)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write (fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_error_make (err, n < 0 ? errno : EIO,
						"confined call: write output");
		p += n;
		len -= (size_t) n;
	}
	return 0;
}
