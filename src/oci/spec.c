/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull spec`: the hardened default config.json. Starting point is runc's and
 * crun's `spec` output, tightened: every namespace including a user namespace,
 * a read-only root, no capabilities at all, noNewPrivileges, and crun's list of
 * masked kernel paths, and hull's default seccomp profile (data/seccomp/default.json,
 * built in and expanded into a plain linux.seccomp object any runtime can load). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "hull/oci.h"
#include "oci/seccomp-profile.h"

/* Containers should not see these host kernel interfaces (crun's list, plus
 * /proc/interrupts which leaks host activity). */
static const char *const masked_paths[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	"/sys/devices/virtual/powercap",
	"/proc/interrupts",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* Time is left out: a time namespace changes clocks programs rarely expect. */
static const char *const namespaces[] = {
	"pid", "network", "ipc", "uts", "mount", "cgroup", "user", NULL,
};

struct default_mount {
	const char *destination, *type, *source;
	const char *options[8];
};

/* /dev/pts gets gid=5 (tty) only when gid 5 is mapped (not in the rootless map
 * of a single id): devpts refuses an unmapped gid. */
static const struct default_mount default_mounts[] = {
	{ "/proc", "proc", "proc", { NULL } },
	{ "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
	{ "/dev/pts",
	  "devpts",
	  "devpts",
	  { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
	{ "/dev/shm",
	  "tmpfs",
	  "shm",
	  { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
	{ "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
	{ "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
	{ "/sys/fs/cgroup",
	  "cgroup2",
	  "cgroup",
	  { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
	{ "/tmp", "tmpfs", "tmpfs", { "nosuid", "nodev", "mode=1777", NULL } },
};

static json_t *
strings (const char *const *v, bool skip_gid5)
{
	json_t *a = json_array ();

	for (; *v; v++)
		if (!(skip_gid5 && strcmp (*v, "gid=5") == 0))
			json_array_append_new (a, json_string (*v));
	return a;
}

static json_t *
mounts (bool rootless)
{
	json_t *a = json_array ();

	for (size_t i = 0; i < sizeof default_mounts / sizeof default_mounts[0]; i++) {
		const struct default_mount *m = &default_mounts[i];
		json_t *o = json_pack ("{s:s, s:s, s:s}", "destination", m->destination, "type",
				       m->type, "source", m->source);
		if (m->options[0])
			json_object_set_new (o, "options", strings (m->options, rootless));
		json_array_append_new (a, o);
	}
	return a;
}

static json_t *
process (void)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm",
		NULL,
	};
	static const char *const args[] = { "sh", NULL };
	static const char *const none[] = { NULL };

	return json_pack ("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o, s:o, s:o},"
			  " s:[{s:s, s:i, s:i}], s:b}",
			  "terminal", 0, "user", "uid", 0, "gid", 0, "args", strings (args, false),
			  "env", strings (env, false), "cwd", "/", "capabilities", "bounding",
			  strings (none, false), "effective", strings (none, false), "inheritable",
			  strings (none, false), "permitted", strings (none, false), "ambient",
			  strings (none, false), "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024,
			  "soft", 1024, "noNewPrivileges", 1);
}

static json_t *
id_map (json_int_t host, json_int_t size)
{
	return json_pack ("[{s:i, s:I, s:I}]", "containerID", 0, "hostID", host, "size", size);
}

static json_t *
linux_section (bool rootless)
{
	json_t *ns = json_array ();
	json_int_t uid = rootless ? (json_int_t) getuid () : 100000;
	json_int_t gid = rootless ? (json_int_t) getgid () : 100000;
	json_int_t size = rootless ? 1 : 65536;

	for (const char *const *n = namespaces; *n; n++)
		json_array_append_new (ns, json_pack ("{s:s}", "type", *n));
	return json_pack ("{s:o, s:o, s:o, s:o, s:o}", "namespaces", ns, "uidMappings",
			  id_map (uid, size), "gidMappings", id_map (gid, size), "maskedPaths",
			  strings (masked_paths, false), "readonlyPaths",
			  strings (readonly_paths, false));
}

char *
hull_oci_spec_default (bool rootless, hull_error_t *err)
{
	json_t *root, *seccomp;
	char *text, *out;

	root = json_pack ("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0",
			  "process", process (), "root", "path", "rootfs", "readonly", 1,
			  "hostname", "hull", "mounts", mounts (rootless), "linux",
			  linux_section (rootless));
	if (root == NULL)
		return hull_error_make (err, ENOMEM, "build the default config"), NULL;
	seccomp = hull_seccomp_default_profile (err);
	if (seccomp == NULL) {
		json_decref (root);
		return hull_error_wrap (err, "default seccomp profile"), NULL;
	}
	json_object_set_new (json_object_get (root, "linux"), "seccomp", seccomp);
	text = json_dumps (root, JSON_INDENT (2));
	json_decref (root);
	if (text == NULL)
		return hull_error_make (err, ENOMEM, "serialise the default config"), NULL;
	/* A trailing newline, as files written by `runc spec` have. */
	out = hull_xasprintf ("%s\n", text);
	free (text);
	return out;
}
