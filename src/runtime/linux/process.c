/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/linux/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *
rlimit_name (const struct hull_oci_rlimit *rl)
{
	return rl->type ? rl->type : "rlimit";
}

int
hull_process_apply_rlimits (const struct hull_oci_process *p, hull_error_t *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct hull_oci_rlimit *rl = &p->rlimits[i];
		struct rlimit want = { .rlim_cur = rl->soft, .rlim_max = rl->hard };
		struct rlimit cur;

		if (setrlimit (rl->resource, &want) == 0)
			continue;
		if (errno == EPERM && getrlimit (rl->resource, &cur) == 0 &&
		    want.rlim_max > cur.rlim_max)
			return hull_error_make (
				err, EPERM,
				"process.rlimits: %s: raising the hard limit to %llu "
				"(host hard limit %llu) needs CAP_SYS_RESOURCE",
				rlimit_name (rl), (unsigned long long) rl->hard,
				(unsigned long long) cur.rlim_max);
		return hull_error_make (err, errno, "process.rlimits: set %s to %llu/%llu",
					rlimit_name (rl), (unsigned long long) rl->soft,
					(unsigned long long) rl->hard);
	}
	return 0;
}

static int
write_attr (const char *path, const char *value, const char *what, hull_error_t *err)
{
	_cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen (value);

	if (fd < 0 || write (fd, value, len) != (ssize_t) len)
		return hull_error_make (err, errno, "%s: write `%s`", what, path);
	return 0;
}

static int
apply_lsm (const struct hull_oci_process *p, hull_error_t *err)
{
	struct stat st;

	/* Labels follow crun: applied where the LSM is active (a failure then is an error),
	 * ignored where it is not (these hosts run landlock, lockdown, capability and bpf
	 * only). A host that must have labels says so in the admission policy, which can
	 * refuse configs without one (docs/policy.md). */
	if (p->apparmor_profile && p->apparmor_profile[0]) {
		_cleanup_free_ char *v = NULL;
		if (stat ("/sys/kernel/security/apparmor", &st) < 0)
			hull_debug ("process.apparmorProfile `%s` ignored: AppArmor is not enabled",
				    p->apparmor_profile);
		else {
			v = hull_xasprintf ("exec %s", p->apparmor_profile);
			if (write_attr ("/proc/thread-self/attr/apparmor/exec", v,
					"process.apparmorProfile", err) < 0)
				return -1;
		}
	}
	if (p->selinux_label && p->selinux_label[0]) {
		if (stat ("/sys/fs/selinux/enforce", &st) < 0)
			hull_debug ("process.selinuxLabel `%s` ignored: SELinux is not enabled",
				    p->selinux_label);
		else if (write_attr ("/proc/thread-self/attr/exec", p->selinux_label,
				     "process.selinuxLabel", err) < 0)
			return -1;
	}
	return 0;
}

struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static int
apply_sched (const struct hull_oci_process *p, hull_error_t *err)
{
	if (p->io_priority.present) {
		/* IOPRIO_PRIO_VALUE(class, data) = class << 13 | data (linux/ioprio.h). */
		int v = (p->io_priority.class_num << 13) | p->io_priority.priority;
		if (syscall (SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, v) < 0)
			return hull_error_make (err, errno, "process.ioPriority: set %s/%d",
						p->io_priority.class_name, p->io_priority.priority);
	}
	if (p->scheduler.present) {
		struct sched_attr_v1 a = {
			.size = sizeof a,
			.sched_policy = (uint32_t) p->scheduler.policy_num,
			.sched_nice = p->scheduler.nice,
			.sched_priority = (uint32_t) p->scheduler.priority,
			.sched_runtime = p->scheduler.runtime,
			.sched_deadline = p->scheduler.deadline,
			.sched_period = p->scheduler.period,
		};
		if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
			return hull_error_make (err, errno, "process.scheduler: set policy %s",
						p->scheduler.policy);
	}
	return 0;
}

/* "0-3,7" (a cpuset list, config.md "execCPUAffinity") into a cpu_set_t. */
static int
parse_cpu_list (const char *list, cpu_set_t *set, hull_error_t *err)
{
	_cleanup_free_ char *copy = hull_xstrdup (list);
	char *save = NULL;

	CPU_ZERO (set);
	for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
		char *dash = strchr (tok, '-');
		uint32_t lo, hi;

		if (dash)
			*dash = '\0';
		if (hull_parse_u32 (tok, 10, &lo, "process.execCPUAffinity", err) < 0 ||
		    hull_parse_u32 (dash ? dash + 1 : tok, 10, &hi, "process.execCPUAffinity",
				    err) < 0)
			return -1;
		if (lo > hi || hi >= CPU_SETSIZE)
			return hull_error_make (err, EINVAL,
						"process.execCPUAffinity: bad CPU range in `%s`",
						list);
		for (uint32_t c = lo; c <= hi; c++)
			CPU_SET (c, set);
	}
	if (CPU_COUNT (set) == 0)
		return hull_error_make (err, EINVAL, "process.execCPUAffinity: empty CPU list `%s`",
					list);
	return 0;
}

int
hull_process_apply_affinity (const char *list, hull_error_t *err)
{
	cpu_set_t set;

	if (list == NULL || list[0] == '\0')
		return 0;
	if (parse_cpu_list (list, &set, err) < 0)
		return -1;
	if (sched_setaffinity (0, sizeof set, &set) < 0)
		return hull_error_make (err, errno, "process.execCPUAffinity: set CPUs `%s`", list);
	return 0;
}

int
hull_process_apply_pre_pivot (const struct hull_oci_process *p, hull_error_t *err)
{
	int r = apply_lsm (p, err);
	if (r < 0)
		return r;
	return apply_sched (p, err);
}

static int
drop_bounding (uint64_t keep, hull_error_t *err)
{
	for (int cap = 0; cap < 64; cap++) {
		int r = prctl (PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break; /* past the kernel's last capability */
		if (r == 0 || (keep & (1ULL << cap)))
			continue;
		if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return hull_error_make (err, errno,
						"capabilities: drop %s from bounding set",
						hull_oci_cap_name (cap));
	}
	return 0;
}

static int
check_caps_known (const struct hull_oci_caps *c, hull_error_t *err)
{
	uint64_t all = c->bounding | c->effective | c->inheritable | c->permitted | c->ambient;

	for (int cap = 0; cap < 64; cap++)
		if ((all & (1ULL << cap)) && prctl (PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			return hull_error_make (err, EINVAL,
						"process.capabilities: %s is not supported by this "
						"kernel",
						hull_oci_cap_name (cap));
	return 0;
}

static int
set_caps (const struct hull_oci_caps *c, hull_error_t *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t) (c->effective >> (32 * i));
		data[i].permitted = (uint32_t) (c->permitted >> (32 * i));
		data[i].inheritable = (uint32_t) (c->inheritable >> (32 * i));
	}
	if (syscall (SYS_capset, &hdr, data) < 0)
		return hull_error_make (err, errno,
					"capabilities: set effective/permitted/inheritable");
	if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "capabilities: clear ambient set");
	for (int cap = 0; cap < 64; cap++) {
		if (!(c->ambient & (1ULL << cap)))
			continue;
		/* The kernel allows an ambient capability only if it is permitted and
		 * inheritable: refuse rather than run with less than was asked. */
		if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return hull_error_make (err, errno,
						"capabilities: raise ambient %s (it must also be "
						"permitted and inheritable)",
						hull_oci_cap_name (cap));
	}
	return 0;
}

static int
set_user (const struct hull_oci_user *u, hull_error_t *err)
{
	gid_t *gids = (gid_t *) u->additional_gids;

	/* (uid_t) -1 is not an id: setresuid(-1, -1, -1) means "leave unchanged", so the
	 * process would go on as the runtime's root. This is the last line; the config
	 * validator refuses it first (hull_oci_validate). */
	if (u->uid == (uint32_t) -1 || u->gid == (uint32_t) -1)
		return hull_error_make (err, EINVAL, "process.user: id 4294967295 is not an id");
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == (uint32_t) -1)
			return hull_error_make (
				err, EINVAL,
				"process.user.additionalGids[%zu]: 4294967295 is not "
				"an id",
				i);
	/* Always replace the supplementary groups: the runtime's own (host) groups must
	 * not leak into the container. */
	if (setgroups (u->n_additional_gids, u->n_additional_gids ? gids : NULL) < 0 &&
	    !(errno == EPERM && u->n_additional_gids == 0))
		return hull_error_make (err, errno, "process.user.additionalGids: setgroups");
	if (setresgid (u->gid, u->gid, u->gid) < 0)
		return hull_error_make (err, errno, "process.user.gid: set gid %u", u->gid);
	if (setresuid (u->uid, u->uid, u->uid) < 0)
		return hull_error_make (err, errno, "process.user.uid: set uid %u", u->uid);
	return 0;
}

static int
check_cwd (const char *cwd, hull_error_t *err)
{
	char buf[4096];

	if (chdir (cwd) < 0)
		return hull_error_make (err, errno, "process.cwd: chdir to `%s`", cwd);
	/* After pivot_root a working directory outside the root reads back as
	 * "(unreachable)/...": refuse it (runc CVE-2024-21626, leaked-cwd escape). */
	if (getcwd (buf, sizeof buf) == NULL || buf[0] != '/')
		return hull_error_make (err, EPERM,
					"process.cwd: `%s` is outside the container root", cwd);
	return 0;
}

int
hull_process_apply_identity (const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_process *p = &cfg->process;
	/* An absent capabilities object means no capabilities: hull fails towards less. */
	struct hull_oci_caps none = { 0 };
	const struct hull_oci_caps *caps = p->caps.present ? &p->caps : &none;
	int r;

	if ((r = check_caps_known (caps, err)) < 0 || (r = drop_bounding (caps->bounding, err)) < 0)
		return r;
	/* A new session, so the caller's terminal (still our stdin when terminal is false)
	 * is not the container's controlling terminal: TIOCSTI would otherwise inject
	 * keystrokes into the caller's shell (CVE-2016-9016 / CVE-2017-5226 class). With a
	 * terminal, the pty setup made this process a session leader already. */
	if (getsid (0) != getpid () && setsid () < 0)
		return hull_error_make (err, errno, "setsid");
	/* Keep the permitted set across the uid change; the exact sets are applied below. */
	if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "prctl PR_SET_KEEPCAPS");
	if ((r = set_user (&p->user, err)) < 0)
		return r;
	if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "prctl PR_SET_KEEPCAPS");
	if ((r = set_caps (caps, err)) < 0)
		return r;
	umask (p->user.has_umask ? (mode_t) p->user.umask : 0022);
	if (cfg->linux_.has_personality && personality (cfg->linux_.personality) < 0)
		return hull_error_make (err, errno, "linux.personality: set %s",
					cfg->linux_.personality_domain);
	if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_error_make (err, errno, "process.noNewPrivileges");
	return check_cwd (p->cwd ? p->cwd : "/", err);
}

static const char *
env_path (const struct hull_oci_process *p)
{
	for (size_t i = 0; i < p->env.n; i++)
		if (strncmp (p->env.v[i], "PATH=", 5) == 0)
			return p->env.v[i] + 5;
	return DEFAULT_PATH;
}

static int
exec_error (const char *cmd, int e, const char *path, hull_error_t *err)
{
	hull_error_make (err, e, "exec `%s`%s%s%s", cmd, path ? " (PATH=" : "", path ? path : "",
			 path ? ")" : "");
	return hull_error_set_kind (err,
				    e == ENOENT ? HULL_ERR_EXEC_NOT_FOUND : HULL_ERR_EXEC_DENIED);
}

int
hull_process_exec (const struct hull_oci_process *p, unsigned int preserve_fds, hull_error_t *err)
{
	char *const *argv = p->args.v;
	char *const *envp = p->env.v ? p->env.v : (char *[]){ NULL };
	const char *path;
	int saved = ENOENT;

	/* No fd of the runtime may reach the container (CVE-2024-21626); only the ones the
	 * caller handed over with --preserve-fds (conmon, socket activation) stay open. */
	for (unsigned int fd = 3; fd < 3 + preserve_fds; fd++)
		if (fcntl ((int) fd, F_SETFD, 0) < 0 && errno != EBADF)
			return hull_error_make (err, errno, "--preserve-fds: fd %u", fd);
	if (syscall (SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return hull_error_make (err, errno, "close_range");
	if (strchr (argv[0], '/')) {
		execve (argv[0], argv, envp);
		return exec_error (argv[0], errno, NULL, err);
	}
	path = env_path (p);
	for (const char *d = path; *d;) {
		size_t n = strcspn (d, ":");
		_cleanup_free_ char *full =
			hull_xasprintf ("%.*s/%s", (int) n, n ? d : ".", argv[0]);

		execve (full, argv, envp);
		/* Like execvp: remember a permission problem, keep looking after ENOENT. */
		if (errno == EACCES || errno == ENOEXEC || errno == EPERM)
			saved = errno;
		else if (errno != ENOENT && errno != ENOTDIR)
			return exec_error (argv[0], errno, path, err);
		d += n;
		if (*d == ':')
			d++;
	}
	return exec_error (argv[0], saved, path, err);
}
