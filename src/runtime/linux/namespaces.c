/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/linux/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_flags[HULL_NS__COUNT] = {
	[HULL_NS_PID] = CLONE_NEWPID,	    [HULL_NS_NETWORK] = CLONE_NEWNET,
	[HULL_NS_MOUNT] = CLONE_NEWNS,	    [HULL_NS_IPC] = CLONE_NEWIPC,
	[HULL_NS_UTS] = CLONE_NEWUTS,	    [HULL_NS_USER] = CLONE_NEWUSER,
	[HULL_NS_CGROUP] = CLONE_NEWCGROUP, [HULL_NS_TIME] = CLONE_NEWTIME,
};

int
hull_ns_clone_flag (enum hull_oci_ns_type t)
{
	return (t >= 0 && t < HULL_NS__COUNT) ? ns_flags[t] : 0;
}

const struct hull_oci_namespace *
hull_ns_find (const struct hull_oci_config *cfg, enum hull_oci_ns_type t)
{
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
		if (cfg->linux_.namespaces[i].type == t)
			return &cfg->linux_.namespaces[i];
	return NULL;
}

int
hull_ns_new_flags (const struct hull_oci_config *cfg)
{
	int flags = 0;

	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->linux_.namespaces[i];
		/* time: needs unshare + offsets first. cgroup: unshared by the container
		 * process once the runtime has moved it into its cgroup, so that cgroup is
		 * the namespace's root (as runc does). */
		if (ns->path == NULL && ns->type != HULL_NS_TIME && ns->type != HULL_NS_CGROUP)
			flags |= hull_ns_clone_flag (ns->type);
	}
	return flags;
}

bool
hull_ns_needs_intermediate (const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->linux_.namespaces[i];
		if (ns->path != NULL || ns->type == HULL_NS_TIME)
			return true;
	}
	return false;
}

static int
join_one (const struct hull_oci_namespace *ns, hull_error_t *err)
{
	_cleanup_close_ int fd = open (ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return hull_error_make (err, errno, "linux.namespaces: open %s namespace `%s`",
					hull_oci_ns_name (ns->type), ns->path);
	/* Passing the type makes the kernel check that the file really is a namespace of
	 * that type (config-linux.md: "a runtime MUST generate an error" otherwise). */
	if (setns (fd, hull_ns_clone_flag (ns->type)) < 0)
		return hull_error_make (err, errno, "linux.namespaces: join %s namespace `%s`",
					hull_oci_ns_name (ns->type), ns->path);
	return 0;
}

static int
write_time_offsets (const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_time_offset *mono = &cfg->linux_.time_monotonic;
	const struct hull_oci_time_offset *boot = &cfg->linux_.time_boottime;
	_cleanup_close_ int fd = -EBADF;
	char buf[128];
	int n = 0;

	if (!mono->present && !boot->present)
		return 0;
	if (mono->present)
		n += snprintf (buf + n, sizeof buf - (size_t) n, "monotonic %lld %u\n",
			       (long long) mono->secs, mono->nanosecs);
	if (boot->present)
		n += snprintf (buf + n, sizeof buf - (size_t) n, "boottime %lld %u\n",
			       (long long) boot->secs, boot->nanosecs);
	fd = open ("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write (fd, buf, (size_t) n) != n)
		return hull_error_make (err, errno, "linux.timeOffsets: write timens_offsets");
	return 0;
}

int
hull_ns_join_paths (const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_namespace *user = hull_ns_find (cfg, HULL_NS_USER);
	const struct hull_oci_namespace *time_ns = hull_ns_find (cfg, HULL_NS_TIME);
	int r;

	if (user && user->path && (r = join_one (user, err)) < 0)
		return r;
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->linux_.namespaces[i];
		if (ns->path == NULL || ns->type == HULL_NS_USER)
			continue;
		if ((r = join_one (ns, err)) < 0)
			return r;
	}
	if (time_ns && time_ns->path == NULL) {
		/* A new time namespace applies to children only, and its offsets can be set
		 * only before any process lives in it (time_namespaces(7)). */
		if (unshare (CLONE_NEWTIME) < 0)
			return hull_error_make (err, errno,
						"linux.namespaces: create time namespace");
		if ((r = write_time_offsets (cfg, err)) < 0)
			return r;
	}
	return 0;
}

static int
write_map (pid_t pid, const char *file, const struct hull_oci_idmap *m, size_t n, hull_error_t *err)
{
	_cleanup_free_ char *path = hull_xasprintf ("/proc/%d/%s", pid, file);
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	/* The kernel takes the whole map in a single write (user_namespaces(7)). */
	buf = hull_xmalloc (n * 36 + 1);
	for (size_t i = 0; i < n; i++)
		len += (size_t) snprintf (buf + len, 37, "%u %u %u\n", m[i].container_id,
					  m[i].host_id, m[i].size);
	fd = open (path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", path);
	if (write (fd, buf, len) != (ssize_t) len)
		return hull_error_make (err, errno, "write %s `%.*s`", file,
					(int) (len ? len - 1 : 0), buf);
	return 0;
}

int
hull_ns_write_maps (pid_t pid, const struct hull_oci_config *cfg, hull_error_t *err)
{
	const struct hull_oci_linux *l = &cfg->linux_;
	int r;

	/* An unprivileged writer must deny setgroups before it may write gid_map
	 * (CVE-2014-8989); root keeps setgroups so additionalGids can be applied. */
	if (geteuid () != 0) {
		_cleanup_free_ char *path = hull_xasprintf ("/proc/%d/setgroups", pid);
		_cleanup_close_ int fd = open (path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write (fd, "deny", 4) != 4)
			return hull_error_make (err, errno, "write `%s`", path);
	}
	if ((r = write_map (pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err)) < 0)
		return hull_error_wrap (err, "linux.uidMappings");
	if ((r = write_map (pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err)) < 0)
		return hull_error_wrap (err, "linux.gidMappings");
	return 0;
}

int
hull_ns_loopback_up (hull_error_t *err)
{
	_cleanup_close_ int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (s < 0)
		return hull_error_make (err, errno, "loopback: socket");
	memset (&ifr, 0, sizeof ifr);
	memcpy (ifr.ifr_name, "lo", 3);
	if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
		return hull_error_make (err, errno, "loopback: get flags of `lo`");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
		return hull_error_make (err, errno, "loopback: bring `lo` up");
	return 0;
}

/* Sysctls the kernel scopes to a namespace (runc libcontainer/configs/validate). */
static const struct {
	const char *prefix;
	bool exact;
	enum hull_oci_ns_type ns;
} ns_sysctls[] = {
	{ "kernel.msgmax", true, HULL_NS_IPC },	  { "kernel.msgmnb", true, HULL_NS_IPC },
	{ "kernel.msgmni", true, HULL_NS_IPC },	  { "kernel.sem", true, HULL_NS_IPC },
	{ "kernel.shmall", true, HULL_NS_IPC },	  { "kernel.shmmax", true, HULL_NS_IPC },
	{ "kernel.shmmni", true, HULL_NS_IPC },	  { "kernel.shm_rmid_forced", true, HULL_NS_IPC },
	{ "fs.mqueue.", false, HULL_NS_IPC },	  { "net.", false, HULL_NS_NETWORK },
	{ "kernel.hostname", true, HULL_NS_UTS }, { "kernel.domainname", true, HULL_NS_UTS },
};

int
hull_ns_check_sysctls (const struct hull_oci_config *cfg, hull_error_t *err)
{
	for (size_t i = 0; i < cfg->linux_.sysctl.n; i++) {
		const char *k = cfg->linux_.sysctl.v[i].key;
		bool ok = false;

		for (size_t j = 0; j < sizeof ns_sysctls / sizeof ns_sysctls[0] && !ok; j++) {
			bool match = ns_sysctls[j].exact
					     ? strcmp (k, ns_sysctls[j].prefix) == 0
					     : strncmp (k, ns_sysctls[j].prefix,
							strlen (ns_sysctls[j].prefix)) == 0;
			const struct hull_oci_namespace *ns;
			if (!match)
				continue;
			ns = hull_ns_find (cfg, ns_sysctls[j].ns);
			if (ns == NULL)
				return hull_error_make (err, EPERM,
							"linux.sysctl: `%s` needs a %s namespace, "
							"or it would change the host",
							k, hull_oci_ns_name (ns_sysctls[j].ns));
			ok = true;
		}
		if (!ok)
			return hull_error_make (
				err, EPERM,
				"linux.sysctl: `%s` is not namespaced; setting it would "
				"change the host",
				k);
		if (strchr (k, '/') || strstr (k, ".."))
			return hull_error_make (err, EINVAL, "linux.sysctl: invalid name `%s`", k);
	}
	return 0;
}

int
hull_ns_apply_sysctls (const struct hull_oci_config *cfg, hull_error_t *err)
{
	_cleanup_close_ int dirfd = -EBADF;

	if (cfg->linux_.sysctl.n == 0)
		return 0;
	/* /proc/sys/net and the ipc entries show the namespaces of the opener, so the host's
	 * /proc, opened from inside the new namespaces, reaches the container's values. */
	dirfd = open ("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_make (err, errno, "open `/proc/sys`");
	for (size_t i = 0; i < cfg->linux_.sysctl.n; i++) {
		const struct hull_kv *kv = &cfg->linux_.sysctl.v[i];
		_cleanup_free_ char *rel = hull_xstrdup (kv->key);
		_cleanup_close_ int fd = -EBADF;
		size_t len = strlen (kv->value);

		for (char *p = rel; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = openat (dirfd, rel, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return hull_error_make (err, errno, "linux.sysctl: open `%s`", kv->key);
		if (write (fd, kv->value, len) != (ssize_t) len)
			return hull_error_make (err, errno, "linux.sysctl: set `%s` to `%s`",
						kv->key, kv->value);
	}
	return 0;
}
