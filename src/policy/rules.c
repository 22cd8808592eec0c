/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The admission rules. Each is one table entry { id, severity, title, check, doc }
 * (DESIGN.md "Scanning"); the ids are stable and shared with the config linter.
 * Checks only look at the parsed config: they never fail, they add findings. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "policy/policy.h"

/* ---- capabilities ---------------------------------------------------------------------- */

/* What podman and Docker grant by default: never flagged. */
static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",	 "CAP_FSETID",
	"CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",	 "CAP_SETGID",
	"CAP_SETPCAP", "CAP_SETUID",	       "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE",
	"CAP_MKNOD",   "CAP_NET_RAW",
};

/* Capabilities that break the container boundary or expose the kernel broadly. */
static const char *const dangerous_caps[] = {
	"CAP_SYS_ADMIN",       /* mount, bpf, namespaces; the cgroup release_agent escape
				* CVE-2022-0492 needs it */
	"CAP_SYS_MODULE",      /* load kernel modules: game over */
	"CAP_SYS_PTRACE",      /* ptrace and process_vm_* on any process it can see */
	"CAP_SYS_RAWIO",       /* /dev/mem, iopl, raw block I/O */
	"CAP_NET_ADMIN",       /* netfilter and friends: CVE-2021-22555, CVE-2022-25636 */
	"CAP_DAC_READ_SEARCH", /* open_by_handle_at: the 2014 "shocker" escape */
	"CAP_BPF",	       /* eBPF programs: kernel memory, verifier bugs */
	"CAP_PERFMON",	       /* perf_event_open: kernel addresses and side channels */
	"CAP_SYS_BOOT",	       /* reboot and kexec_load affect the host */
	"CAP_MAC_ADMIN",       /* change the LSM policy that confines the container */
	"CAP_MAC_OVERRIDE",    /* bypass it */
	"CAP_SYSLOG",	       /* the kernel log leaks kernel pointers (kptr_restrict) */
	"CAP_SYS_TIME",	       /* the clock is not namespaced: sets the host's time */
};

static bool
cap_in (const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp (list[i], name) == 0)
			return true;
	return false;
}

/* The first capability set (in the order a reader checks them) holding `cap`. */
static const char *
cap_field (const struct hull_oci_caps *c, int cap)
{
	uint64_t bit = 1ull << cap;

	if (c->bounding & bit)
		return "process.capabilities.bounding";
	if (c->effective & bit)
		return "process.capabilities.effective";
	if (c->permitted & bit)
		return "process.capabilities.permitted";
	if (c->inheritable & bit)
		return "process.capabilities.inheritable";
	return "process.capabilities.ambient";
}

static void
check_caps (struct hull_policy_eval *e, const struct hull_oci_config *cfg, bool dangerous)
{
	const struct hull_oci_caps *c = &cfg->process.caps;
	uint64_t all = c->bounding | c->effective | c->permitted | c->inheritable | c->ambient;
	size_t n_dangerous = sizeof dangerous_caps / sizeof dangerous_caps[0];

	for (int cap = 0; cap <= hull_oci_cap_last () && cap < 64; cap++) {
		const char *name = hull_oci_cap_name (cap);

		if (!(all & (1ull << cap)) || name == NULL || (e->p->allowed_caps & (1ull << cap)))
			continue;
		if (cap_in (default_caps, sizeof default_caps / sizeof default_caps[0], name))
			continue;
		if (cap_in (dangerous_caps, n_dangerous, name) != dangerous)
			continue;
		hull_policy_finding_add (
			e, cap_field (c, cap),
			hull_xasprintf ("\"allow\": {\"capabilities\": [\"%s\"]}", name), "adds %s",
			name);
	}
}

static void
check_caps_dangerous (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	check_caps (e, cfg, true);
}

static void
check_caps_extra (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	check_caps (e, cfg, false);
}

/* ---- namespaces ------------------------------------------------------------------------ */

/* A namespace path naming hull's own or init's namespace is the host's. Other paths
 * (podman's /run/netns/...) are namespaces someone made for the container. */
static bool
is_host_ns_path (const char *path)
{
	static const char *const prefixes[] = { "/proc/1/ns/", "/proc/self/ns/",
						"/proc/thread-self/ns/" };
	_cleanup_free_ char *norm = hull_policy_normalize_path (path);

	for (size_t i = 0; norm && i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (strncmp (norm, prefixes[i], strlen (prefixes[i])) == 0)
			return true;
	return false;
}

static void
check_one_ns (struct hull_policy_eval *e, const struct hull_oci_config *cfg,
	      enum hull_oci_ns_type t)
{
	const char *name = hull_oci_ns_name (t);
	char field[64];

	if (hull_policy_listed (&e->p->allow_ns, name))
		return;
	for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->linux_.namespaces[i];

		if (ns->type != t)
			continue;
		if (ns->path == NULL || !is_host_ns_path (ns->path))
			return;
		snprintf (field, sizeof field, "linux.namespaces[%zu].path", i);
		hull_policy_finding_add (
			e, field,
			hull_xasprintf ("\"allow\": {\"host_namespaces\": [\"%s\"]}", name),
			"joins the host's %s namespace (`%s`)", name, ns->path);
		return;
	}
	hull_policy_finding_add (
		e, "linux.namespaces",
		hull_xasprintf ("\"allow\": {\"host_namespaces\": [\"%s\"]}", name),
		"has no %s namespace: the container shares the host's", name);
}

static void
check_host_ns (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	/* Each one shared exposes the host: pid (signal and ptrace host processes, read
	 * /proc/PID/environ), network (host interfaces, abstract unix sockets such as
	 * containerd's, CVE-2020-15257), ipc (host shared memory), uts (sethostname on
	 * the host), mount (the host's mount table). */
	static const enum hull_oci_ns_type types[] = { HULL_NS_PID, HULL_NS_NETWORK, HULL_NS_IPC,
						       HULL_NS_UTS, HULL_NS_MOUNT };

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		check_one_ns (e, cfg, types[i]);
}

static void
check_userns (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	check_one_ns (e, cfg, HULL_NS_USER);
}

/* ---- mounts ---------------------------------------------------------------------------- */

static const struct {
	const char *path;
	const char *why;
} sensitive_paths[] = {
	{ "/", "the host's whole filesystem" },
	{ "/etc", "host configuration and secrets" },
	{ "/root", "root's home directory" },
	{ "/boot", "the kernel and boot loader" },
	{ "/proc", "the host's processes and kernel knobs" },
	{ "/sys", "kernel and device state" },
	{ "/dev", "the host's devices" },
	{ "/var/run/docker.sock", "the Docker API: root on the host" },
	{ "/run/docker.sock", "the Docker API: root on the host" },
	{ "/run/containerd", "the containerd API: root on the host" },
	{ "/var/lib/hull", "hull's image store" },
	{ "/run/hull", "hull's container state" },
	{ "/var/run/hull", "hull's container state" },
};

/* Devices every container gets anyway (runtime-spec config-linux.md "Default Devices"). */
static const char *const default_devices[] = {
	"/dev/null",	"/dev/zero", "/dev/full", "/dev/random",
	"/dev/urandom", "/dev/tty",  "/dev/ptmx",
};

static bool
is_default_device (const char *path)
{
	return cap_in (default_devices, sizeof default_devices / sizeof default_devices[0], path);
}

/* -1 if `path` is not sensitive, else the index of the sensitive path it is, contains
 * (a parent: "/var" holds /var/lib/hull) or lies under ("/etc/shadow"). */
static int
sensitive_index (const char *path)
{
	size_t plen = strlen (path);

	for (size_t i = 0; i < sizeof sensitive_paths / sizeof sensitive_paths[0]; i++) {
		const char *s = sensitive_paths[i].path;
		size_t slen = strlen (s);

		if (strcmp (path, s) == 0)
			return (int) i;
		if (slen == 1)
			continue; /* everything lies under "/" */
		if (plen < slen && (plen == 1 || s[plen] == '/') && strncmp (s, path, plen) == 0)
			return (int) i;
		if (plen > slen && path[slen] == '/' && strncmp (path, s, slen) == 0)
			return (int) i;
	}
	return -1;
}

static bool
is_bind (const struct hull_oci_mount *m)
{
	return m->bind || (m->type && strcmp (m->type, "bind") == 0);
}

static bool
under (const char *path, const char *dir)
{
	size_t n = strlen (dir);

	return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The source as bind(2) will see it: lexically normalised, and with symlinks resolved
 * when it exists (a link to /etc is /etc). A source swapped after this check is
 * outside what a policy over config.json can see; docs/policy.md says so. */
static int
bind_source_index (const char *source, char **shown)
{
	_cleanup_free_ char *norm = hull_policy_normalize_path (source);
	char real[PATH_MAX];
	int idx;

	if (norm == NULL)
		return -1; /* relative: inside the bundle */
	idx = sensitive_index (norm);
	if (idx < 0 && realpath (norm, real) != NULL && (idx = sensitive_index (real)) >= 0) {
		*shown = hull_xstrdup (real);
		return idx;
	}
	*shown = TAKE_PTR (norm);
	return idx;
}

static void
check_mounts (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		_cleanup_free_ char *src = NULL;
		char field[64];
		int idx;

		if (!is_bind (m) || m->source == NULL)
			continue;
		idx = bind_source_index (m->source, &src);
		if (idx < 0 || hull_policy_listed (&e->p->allow_mounts, src))
			continue;
		/* A read-only /sys is what rootless runtimes bind; a writable one is
		 * HULL-SYS-001's (one finding per problem). The default device nodes are
		 * harmless. */
		if (under (src, "/sys") || is_default_device (src))
			continue;
		snprintf (field, sizeof field, "mounts[%zu].source", i);
		hull_policy_finding_add (
			e, field, hull_xasprintf ("\"allow\": {\"mounts\": [\"%s\"]}", src),
			"binds the host's `%s` (%s)", src, sensitive_paths[idx].why);
	}
}

/* ---- root, seccomp, noNewPrivileges ---------------------------------------------------- */

static void
check_root (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	if (!cfg->root_readonly)
		hull_policy_finding_add (e, "root.readonly", NULL,
					 "is false: the container can modify its image");
}

static void
check_seccomp (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	const struct hull_oci_seccomp *s = &cfg->linux_.seccomp;

	if (!cfg->has_linux || !s->present) {
		hull_policy_finding_add (e, "linux.seccomp", NULL,
					 "is absent: every system call reaches the kernel");
		return;
	}
	if (s->n_syscalls == 0 && s->default_action &&
	    (strcmp (s->default_action, "SCMP_ACT_ALLOW") == 0 ||
	     strcmp (s->default_action, "SCMP_ACT_LOG") == 0))
		hull_policy_finding_add (e, "linux.seccomp.defaultAction", NULL,
					 "is %s with no syscall rules: unconfined",
					 s->default_action);
}

static void
check_nnp (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	if (cfg->has_process && !cfg->process.no_new_privileges)
		hull_policy_finding_add (
			e, "process.noNewPrivileges", NULL,
			"is false: setuid binaries and file capabilities can gain privileges");
}

/* ---- devices --------------------------------------------------------------------------- */

static void
check_devices (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->linux_.n_devices; i++) {
		const struct hull_oci_device *d = &cfg->linux_.devices[i];
		char field[64];

		if (d->path == NULL || is_default_device (d->path) ||
		    hull_policy_listed (&e->p->allow_devices, d->path))
			continue;
		snprintf (field, sizeof field, "linux.devices[%zu]", i);
		hull_policy_finding_add (
			e, field, hull_xasprintf ("\"allow\": {\"devices\": [\"%s\"]}", d->path),
			"creates `%s` (%c %lld:%lld)", d->path, d->type, (long long) d->major,
			(long long) d->minor);
	}
}

static void
check_device_cgroup (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	const struct hull_oci_resources *res = &cfg->linux_.resources;

	for (size_t i = 0; i < res->n_devices; i++) {
		const struct hull_oci_device_cgroup *d = &res->devices[i];
		const char *access = d->access ? d->access : "rwm";
		bool every = d->type == 0 || d->type == 'a' || !d->has_major || !d->has_minor;
		char field[64];

		/* "c *:* m" (mknod only, Docker's default) opens nothing; read or write on a
		 * wildcard opens every disk and /dev/mem-like node the host has. */
		if (!d->allow || !every || strpbrk (access, "rw") == NULL)
			continue;
		snprintf (field, sizeof field, "linux.resources.devices[%zu]", i);
		hull_policy_finding_add (e, field, NULL, "allows `%s` access to every %s device",
					 access,
					 d->type == 'c'	  ? "character"
					 : d->type == 'b' ? "block"
							  : "host");
	}
}

/* ---- /proc/sys and /sys ---------------------------------------------------------------- */

static void
check_proc_sys (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	const struct hull_oci_linux *l = &cfg->linux_;
	bool has_proc = false;

	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].type && strcmp (cfg->mounts[i].type, "proc") == 0)
			has_proc = true;
	if (!has_proc)
		return;
	for (size_t i = 0; i < l->readonly_paths.n; i++)
		if (strcmp (l->readonly_paths.v[i], "/proc/sys") == 0 ||
		    strcmp (l->readonly_paths.v[i], "/proc") == 0)
			return;
	for (size_t i = 0; i < l->masked_paths.n; i++)
		if (strcmp (l->masked_paths.v[i], "/proc/sys") == 0)
			return;
	hull_policy_finding_add (e, "linux.readonlyPaths", NULL,
				 "lacks /proc/sys: global sysctls such as kernel.core_pattern "
				 "(a host escape when writable) stay writable");
}

static void
check_sys (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		_cleanup_free_ char *src =
			m->source ? hull_policy_normalize_path (m->source) : NULL;
		const char *type = m->type ? m->type : "";
		char field[64];

		if (m->flags & MS_RDONLY)
			continue;
		snprintf (field, sizeof field, "mounts[%zu].options", i);
		if (strcmp (type, "sysfs") == 0)
			hull_policy_finding_add (e, field, NULL,
						 "lack ro: sysfs on `%s` is writable",
						 m->destination);
		/* A writable cgroup v1 hierarchy hands out release_agent (CVE-2022-0492). */
		else if (strcmp (type, "cgroup") == 0 || strcmp (type, "cgroup2") == 0)
			hull_policy_finding_add (
				e, field, NULL,
				"lack ro: the cgroup filesystem on `%s` is writable",
				m->destination);
		else if (is_bind (m) && src && under (src, "/sys"))
			hull_policy_finding_add (e, field, NULL,
						 "lack ro: the host's `%s` is bound writable", src);
	}
}

/* ---- LSM ------------------------------------------------------------------------------- */

static void
check_lsm (struct hull_policy_eval *e, const struct hull_oci_config *cfg)
{
	if (!cfg->process.apparmor_profile && !cfg->process.selinux_label)
		hull_policy_finding_add (e, "process.apparmorProfile", NULL,
					 "and process.selinuxLabel are both unset, and the policy "
					 "requires an LSM label");
}

/* ---- the table ------------------------------------------------------------------------- */

const struct hull_policy_rule hull_policy_table[] = {
	{ "HULL-CAP-001", HULL_SEV_HIGH, "dangerous capability added", check_caps_dangerous,
	  "A capability that crosses the container boundary or widely exposes the kernel "
	  "(CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_PTRACE, ...) is in a capability set." },
	{ "HULL-CAP-002", HULL_SEV_MEDIUM, "capability beyond the default set", check_caps_extra,
	  "A capability outside podman's and Docker's default set that HULL-CAP-001 does not "
	  "cover (CAP_SYS_RESOURCE, CAP_IPC_LOCK, ...)." },
	{ "HULL-NS-001", HULL_SEV_HIGH, "host namespace shared", check_host_ns,
	  "The pid, network, ipc, uts or mount namespace is missing from linux.namespaces or "
	  "its path names the host's (/proc/1/ns/*, /proc/self/ns/*)." },
	{ "HULL-NS-002", HULL_SEV_MEDIUM, "no user namespace", check_userns,
	  "Without a user namespace the container's root is the host's root: every kernel "
	  "bug reachable from the container runs with real privilege." },
	{ "HULL-MNT-001", HULL_SEV_CRITICAL, "sensitive host path bind-mounted", check_mounts,
	  "A bind mount's source is, contains or lies under a sensitive host path (/, /etc, "
	  "/root, /boot, /proc, /sys, /dev, the Docker and containerd sockets, hull's store "
	  "and state)." },
	{ "HULL-ROOT-001", HULL_SEV_LOW, "writable root filesystem", check_root,
	  "root.readonly is false." },
	{ "HULL-SECCOMP-001", HULL_SEV_MEDIUM, "no seccomp filter", check_seccomp,
	  "linux.seccomp is absent, or allows everything (defaultAction SCMP_ACT_ALLOW or "
	  "SCMP_ACT_LOG with no rules)." },
	{ "HULL-NNP-001", HULL_SEV_MEDIUM, "noNewPrivileges off", check_nnp,
	  "process.noNewPrivileges is false: execve of setuid or file-capability binaries "
	  "can raise privileges inside the container." },
	{ "HULL-DEV-001", HULL_SEV_HIGH, "device beyond the default set", check_devices,
	  "linux.devices creates a node other than null, zero, full, random, urandom, tty "
	  "and ptmx." },
	{ "HULL-DEV-002", HULL_SEV_HIGH, "device cgroup allows every device", check_device_cgroup,
	  "A linux.resources.devices rule allows read or write on a wildcard (type a, or no "
	  "major or minor)." },
	{ "HULL-PROC-001", HULL_SEV_HIGH, "writable /proc/sys", check_proc_sys,
	  "/proc is mounted but /proc/sys is neither in readonlyPaths nor in maskedPaths." },
	{ "HULL-SYS-001", HULL_SEV_HIGH, "writable /sys or cgroup filesystem", check_sys,
	  "A sysfs or cgroup mount, or a bind of the host's /sys, without ro." },
	{ "HULL-LSM-001", HULL_SEV_LOW, "no LSM label", check_lsm,
	  "Neither process.apparmorProfile nor process.selinuxLabel is set. Only checked with "
	  "\"require_lsm_label\": true (or the rule's mode set explicitly)." },
};

const size_t hull_policy_table_len = sizeof hull_policy_table / sizeof hull_policy_table[0];

_Static_assert(sizeof hull_policy_table / sizeof hull_policy_table[0] <= HULL_POLICY_RULES_MAX,
	       "raise HULL_POLICY_RULES_MAX");
