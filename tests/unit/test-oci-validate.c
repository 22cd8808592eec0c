/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hull_oci_config_validate: documents that parse but are wrong, each with the
 * message naming the field; and the namespace name table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"

static char *
doc (const char *version, const char *proc, const char *top)
{
	return hull_xasprintf ("{\"ociVersion\":\"%s\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
			       "\"args\":[\"sh\"]%s},\"root\":{\"path\":\"rootfs\"}%s}",
			       version, proc, top);
}

/* Parse (must succeed) and validate; returns validate's result, err filled. */
static int
check (const char *version, const char *proc, const char *top, hull_error_t *err)
{
	_cleanup_free_ char *text = doc (version, proc, top);
	struct hull_oci_config *cfg = hull_oci_config_parse (text, strlen (text), NULL, NULL, err);
	int r;

	if (cfg == NULL)
		fail_msg ("parse failed: %s\n  %s", err->msg, text);
	r = hull_oci_config_validate (cfg, err);
	hull_oci_config_free (cfg);
	return r;
}

#define CWD ",\"cwd\":\"/\""
#define USERNS                                                                                     \
	"{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}],"  \
	"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}]"

struct good_case {
	const char *version, *proc, *top;
};

static const struct good_case good_cases[] = {
	{ "1.0.0", CWD, "" },
	{ "1.0.2-dev", CWD, "" },
	{ "1.1.0", CWD, "" },
	{ "1.2.1+build", CWD, "" },
	{ "1.2.0", CWD, ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"uts\"}]}" },
	/* A user namespace joined by path needs no maps. */
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}]}" },
	{ "1.2.0", CWD, ",\"linux\":{\"namespaces\":[" USERNS "}" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"boottime\":{"
	  "\"secs\":1}}}" },
	{ "1.2.0", CWD, ",\"mounts\":[{\"destination\":\"/\"},{\"destination\":\"/a/b.c\"}]" },
	{ "1.2.0", CWD, ",\"linux\":{\"sysctl\":{\"net.ipv4.conf.all.forwarding\":\"1\"}}" },
	{ NULL },
};

struct bad_case {
	const char *version, *proc, *top;
	const char *message;
};

static const struct bad_case bad_cases[] = {
	{ "2.0.0", CWD, "", "ociVersion `2.0.0` not supported (hull reads 1.0.x to 1.2.x)" },
	{ "1.3.0", CWD, "", "ociVersion `1.3.0` not supported" },
	{ "0.9.0", CWD, "", "not supported" },
	{ "1.2", CWD, "", "not supported" },
	{ "1.2.x", CWD, "", "not supported" },
	{ "1.2.01", CWD, "", "not supported" },
	{ "1.2.0-", CWD, "", "not supported" },
	{ "1.2.0", ",\"cwd\":\"work\"", "", "process.cwd `work` is not absolute" },
	{ "1.2.0",
	  CWD ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":1},"
	      "{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":1}]",
	  "", "process.rlimits[1]: duplicate type `RLIMIT_NOFILE`" },
	{ "1.2.0", CWD, ",\"mounts\":[{\"destination\":\"proc\"}]",
	  "mounts[0].destination `proc` is not a clean absolute path" },
	{ "1.2.0", CWD, ",\"mounts\":[{\"destination\":\"/a/../etc\"}]",
	  "mounts[0].destination `/a/../etc` is not a clean absolute path" },
	{ "1.2.0", CWD, ",\"mounts\":[{\"destination\":\"/a//b\"}]",
	  "mounts[0].destination `/a//b`" },
	{ "1.2.0", CWD, ",\"mounts\":[{\"destination\":\"/a/\"}]", "mounts[0].destination `/a/`" },
	{ "1.2.0", CWD,
	  ",\"mounts\":[{\"destination\":\"/"
	  "a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":0}]}]",
	  "mounts[0].uidMappings[0]: size is 0" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"run/netns/x\"}]}",
	  "linux.namespaces[0].path `run/netns/x` is not absolute" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
	  "linux.uidMappings/gidMappings given without a user namespace" },
	{ "1.2.0", CWD, ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}",
	  "a new user namespace needs both uidMappings and gidMappings" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,"
	  "\"hostID\":1000,\"size\":1}]}",
	  "a new user namespace needs both" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
	  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},{\"containerID\":5,"
	  "\"hostID\":5000,\"size\":10}],"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
	  "linux.uidMappings[1]: container ids overlap entry 0" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
	  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},{\"containerID\":10,"
	  "\"hostID\":1009,\"size\":10}]}",
	  "linux.gidMappings[1]: host ids overlap entry 0" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
	  "\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":1000,\"size\":2}],"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
	  "linux.uidMappings[0]: id + size overflows 32 bits" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
	  "\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":2}],"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
	  "id + size overflows" },
	{ "1.2.0", CWD, ",\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1}}}",
	  "linux.timeOffsets given without a new time namespace" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"namespaces\":[{\"type\":\"time\"}],\"timeOffsets\":{\"monotonic\":{"
	  "\"nanosecs\":1000000000}}}",
	  "linux.timeOffsets.monotonic.nanosecs 1000000000 is not below 10^9" },
	{ "1.2.0", CWD, ",\"hostname\":\"h\"", "hostname set without a uts namespace" },
	{ "1.2.0", CWD, ",\"domainname\":\"d\",\"linux\":{}",
	  "domainname set without a uts namespace" },
	{ "1.2.0", CWD, ",\"linux\":{\"sysctl\":{\"net/ipv4/ip_forward\":\"1\"}}",
	  "linux.sysctl: invalid name `net/ipv4/ip_forward`" },
	{ "1.2.0", CWD, ",\"linux\":{\"sysctl\":{\"net..x\":\"1\"}}", "invalid name `net..x`" },
	{ "1.2.0", CWD, ",\"linux\":{\"sysctl\":{\"\":\"1\"}}", "linux.sysctl: invalid name ``" },
	{ "1.2.0", CWD, ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}",
	  "linux.maskedPaths[0] `proc/kcore` is not a clean absolute path" },
	{ "1.2.0", CWD, ",\"linux\":{\"readonlyPaths\":[\"/proc/../etc\"]}",
	  "linux.readonlyPaths[0] `/proc/../etc`" },
	{ "1.2.0", CWD, ",\"linux\":{\"devices\":[{\"type\":\"p\",\"path\":\"/etc/fifo\"}]}",
	  "linux.devices[0].path `/etc/fifo` is not a clean path under /dev" },
	{ "1.2.0", CWD, ",\"linux\":{\"devices\":[{\"type\":\"p\",\"path\":\"/dev/../x\"}]}",
	  "linux.devices[0].path `/dev/../x`" },
	{ "1.2.0", CWD,
	  ",\"linux\":{\"devices\":[{\"type\":\"p\",\"path\":\"/dev/f\",\"fileMode\":8192}]}",
	  "linux.devices[0].fileMode 20000 has type bits" },
	{ NULL },
};

static void
test_good (void **state)
{
	hull_error_t err = { 0 };

	(void) state;
	for (const struct good_case *c = good_cases; c->version; c++)
		if (check (c->version, c->proc, c->top, &err) < 0)
			fail_msg ("refused (%s): %s %s", err.msg, c->proc, c->top);
}

static void
test_bad (void **state)
{
	hull_error_t err = { 0 };

	(void) state;
	for (const struct bad_case *c = bad_cases; c->version; c++) {
		hull_error_clear (&err);
		if (check (c->version, c->proc, c->top, &err) == 0)
			fail_msg ("accepted: %s %s %s", c->version, c->proc, c->top);
		if (strstr (err.msg, c->message) == NULL)
			fail_msg ("for %s %s\n  got      %s\n  expected %s", c->proc, c->top,
				  err.msg, c->message);
	}
}

/* Structs built in code get the same checks as parsed ones. */
static void
test_programmatic (void **state)
{
	char *args[] = { "sh", NULL };
	char *opts[] = { "nodevv", NULL };
	struct hull_oci_namespace ns[] = { { HULL_NS_PID, NULL }, { HULL_NS_PID, NULL } };
	struct hull_oci_mount m = { .destination = "/x", .options = { opts, 1 } };
	struct hull_oci_config cfg = { .oci_version = "1.2.0",
				       .has_process = true,
				       .root_path = "rootfs" };
	hull_error_t err = { 0 };

	(void) state;
	assert_true (hull_oci_config_validate (&cfg, &err) < 0);
	assert_non_null (strstr (err.msg, "process.args: empty"));
	cfg.process.args = (struct hull_strv){ args, 1 };
	cfg.process.cwd = "/";
	assert_int_equal (hull_oci_config_validate (&cfg, &err), 0);
	cfg.mounts = &m;
	cfg.n_mounts = 1;
	assert_true (hull_oci_config_validate (&cfg, &err) < 0);
	assert_non_null (strstr (err.msg, "mounts[0]: mount `/x`: unknown option `nodevv`"));
	cfg.n_mounts = 0;
	cfg.has_linux = true;
	cfg.linux_.namespaces = ns;
	cfg.linux_.n_namespaces = 2;
	assert_true (hull_oci_config_validate (&cfg, &err) < 0);
	assert_non_null (strstr (err.msg, "linux.namespaces[1]: duplicate namespace type `pid`"));
	cfg.has_process = false;
	assert_true (hull_oci_config_validate (&cfg, &err) < 0);
	assert_non_null (strstr (err.msg, "process: missing"));
	cfg.has_process = true;
	cfg.root_path = NULL;
	cfg.has_linux = false;
	assert_true (hull_oci_config_validate (&cfg, &err) < 0);
	assert_non_null (strstr (err.msg, "root.path: missing"));
	assert_true (hull_oci_config_validate (NULL, &err) < 0);
}

static void
test_ns_names (void **state)
{
	static const char *const names[] = { "pid", "network", "mount",	 "ipc",
					     "uts", "user",    "cgroup", "time" };

	(void) state;
	for (int i = 0; i < HULL_NS__COUNT; i++) {
		assert_string_equal (hull_oci_ns_name ((enum hull_oci_ns_type) i), names[i]);
		assert_int_equal (hull_oci_ns_from_name (names[i]), i);
	}
	assert_int_equal (hull_oci_ns_from_name ("net"), -1);
	assert_int_equal (hull_oci_ns_from_name (NULL), -1);
	assert_null (hull_oci_ns_name (HULL_NS__COUNT));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_good),
		cmocka_unit_test (test_bad),
		cmocka_unit_test (test_programmatic),
		cmocka_unit_test (test_ns_names),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
