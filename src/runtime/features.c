/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull features`: what this runtime implements (runtime-spec features.md). */
#include "hull/runtime.h"

#include <jansson.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "runtime/linux/landlock.h"

static const char *const hooks[] = { "prestart",       "createRuntime", "createContainer",
				     "startContainer", "poststart",	"poststop" };

/* Kept in step with src/oci/mountopts.c: every option listed here is understood. */
static const char *const mount_options[] = {
	"async",	 "atime",	 "bind",
	"defaults",	 "dev",		 "diratime",
	"dirsync",	 "exec",	 "mand",
	"noatime",	 "nodev",	 "nodiratime",
	"noexec",	 "nomand",	 "norelatime",
	"nostrictatime", "nosuid",	 "nosymfollow",
	"private",	 "ratime",	 "rbind",
	"rdev",		 "rdiratime",	 "relatime",
	"remount",	 "rexec",	 "ro",
	"rnoatime",	 "rnodev",	 "rnodiratime",
	"rnoexec",	 "rnorelatime",	 "rnostrictatime",
	"rnosuid",	 "rprivate",	 "rrelatime",
	"rro",		 "rrw",		 "rshared",
	"rslave",	 "rstrictatime", "rsuid",
	"runbindable",	 "rw",		 "shared",
	"slave",	 "strictatime",	 "suid",
	"sync",		 "unbindable",
};

static const char *const namespaces[] = { "cgroup", "ipc",  "mount", "network",
					  "pid",    "time", "user",  "uts" };

/* What src/runtime/linux/seccomp.c accepts (config-linux.md "Seccomp"). */
static const char *const seccomp_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",	   "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",	   "SCMP_ACT_NOTIFY",
};
static const char *const seccomp_operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",	  "SCMP_ARCH_MIPS64",  "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_PPC",	  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390",     "SCMP_ARCH_S390X",  "SCMP_ARCH_RISCV64",
};
static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static json_t *
strings (const char *const *v, size_t n)
{
	json_t *a = json_array ();

	for (size_t i = 0; i < n; i++)
		json_array_append_new (a, json_string (v[i]));
	return a;
}

#define STRINGS(v) strings (v, sizeof v / sizeof v[0])

char *
hull_runtime_features (void)
{
	json_t *j = json_object ();
	json_t *linux_ = json_object ();
	json_t *ann = json_object ();
	char *text;

	json_object_set_new (j, "ociVersionMin", json_string ("1.0.0"));
	json_object_set_new (j, "ociVersionMax", json_string ("1.2.0"));
	json_object_set_new (j, "hooks", STRINGS (hooks));
	json_object_set_new (j, "mountOptions", STRINGS (mount_options));
	json_object_set_new (linux_, "namespaces", STRINGS (namespaces));
	json_object_set_new (linux_, "capabilities", json_array ());
	for (int cap = 0; cap <= hull_oci_cap_last (); cap++)
		json_array_append_new (json_object_get (linux_, "capabilities"),
				       json_string (hull_oci_cap_name (cap)));
	json_object_set_new (linux_, "cgroup",
			     json_pack ("{s:b,s:b,s:b,s:b,s:b}", "v1", 1, "v2", 1, "systemd", 0,
					"systemdUser", 0, "rdma", 0));
	/* SCMP_ACT_NOTIFY: the listener goes to listenerPath from `run` or `start` (not yet
	 * from `exec`, which refuses it). */
	json_object_set_new (
		linux_, "seccomp",
		json_pack ("{s:b,s:o,s:o,s:o,s:o,s:o}", "enabled", 1, "actions",
			   STRINGS (seccomp_actions), "operators", STRINGS (seccomp_operators),
			   "archs", STRINGS (seccomp_archs), "knownFlags", STRINGS (seccomp_flags),
			   "supportedFlags", STRINGS (seccomp_flags)));
	/* AppArmor and SELinux labels are applied where the LSM is active and refused
	 * otherwise; this host family runs neither, so neither is reported enabled. */
	json_object_set_new (linux_, "apparmor", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "selinux", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "intelRdt", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "mountExtensions",
			     json_pack ("{s:{s:b}}", "idmap", "enabled", 0));
	json_object_set_new (j, "linux", linux_);
	json_object_set_new (ann, "io.github.hull.version", json_string ("0.1.0"));
	/* The Landlock ABI the run.oci.hull.landlock annotation gets here; "0": none. */
	json_object_set_new (ann, HULL_LANDLOCK_ANNOTATION ".abi",
			     json_sprintf ("%d", hull_landlock_abi_in_use ()));
	json_object_set_new (j, "annotations", ann);
	text = json_dumps (j, JSON_INDENT (2));
	json_decref (j);
	if (text == NULL)
		abort ();
	return text;
}
