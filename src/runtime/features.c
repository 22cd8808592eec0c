/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull features`: what this runtime implements (runtime-spec features.md). */
#include "hull/runtime.h"

#include <jansson.h>
#include <stdlib.h>

#include "common/xalloc.h"

static const char *const hooks[] = { "prestart",	 "createRuntime", "createContainer",
				     "startContainer", "poststart",	"poststop" };

/* Kept in step with src/oci/mountopts.c: every option listed here is understood. */
static const char *const mount_options[] = {
	"async",      "atime",	     "bind",	  "defaults",	 "dev",	       "diratime",
	"dirsync",    "exec",	     "mand",	  "noatime",	 "nodev",      "nodiratime",
	"noexec",     "nomand",	     "norelatime", "nostrictatime", "nosuid",   "nosymfollow",
	"private",    "ratime",	     "rbind",	  "rdev",	 "rdiratime",  "relatime",
	"remount",    "rexec",	     "rnoatime",  "rnodev",	 "rnodiratime", "rnoexec",
	"rnorelatime", "rnostrictatime", "rnosuid", "rprivate",	 "rrelatime",  "rro",
	"rrw",	      "rshared",     "rslave",	  "rstrictatime", "rsuid",     "runbindable",
	"rw",	      "shared",	     "slave",	  "strictatime", "suid",       "sync",
	"unbindable",
};

static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network",
					  "pid",    "time", "user",  "uts" };

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
	/* Seccomp and AppArmor/SELinux arrive with the hardening issue; say so honestly. */
	json_object_set_new (linux_, "seccomp", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "apparmor", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "selinux", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "intelRdt", json_pack ("{s:b}", "enabled", 0));
	json_object_set_new (linux_, "mountExtensions",
			     json_pack ("{s:{s:b}}", "idmap", "enabled", 0));
	json_object_set_new (j, "linux", linux_);
	json_object_set_new (ann, "io.github.hull.version", json_string ("0.1.0"));
	json_object_set_new (j, "annotations", ann);
	text = json_dumps (j, JSON_INDENT (2));
	json_decref (j);
	if (text == NULL)
		abort ();
	return text;
}
