/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount options -> flags, clear_flags, propagation, attributes and data, one
 * table row per option, then combinations and refusals. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "hull/oci.h"

/* Parse a one-mount config with the given options JSON array and type. */
static struct hull_oci_config *
parse_mount (const char *type, const char *options, hull_error_t *err)
{
	_cleanup_free_ char *text = hull_xasprintf (
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":"
		"\"/m\"%s%s%s,\"options\":%s}]}",
		type ? ",\"type\":\"" : "", type ? type : "", type ? "\"" : "", options);
	return hull_oci_config_parse (text, strlen (text), NULL, NULL, err);
}

struct opt_case {
	const char *option;
	unsigned long flags, clear_flags, propagation;
	uint64_t attr_set, attr_clr;
};

static const struct opt_case opt_cases[] = {
	{ "ro", MS_RDONLY, 0, 0, 0, 0 },
	{ "rw", 0, MS_RDONLY, 0, 0, 0 },
	{ "nosuid", MS_NOSUID, 0, 0, 0, 0 },
	{ "suid", 0, MS_NOSUID, 0, 0, 0 },
	{ "nodev", MS_NODEV, 0, 0, 0, 0 },
	{ "dev", 0, MS_NODEV, 0, 0, 0 },
	{ "noexec", MS_NOEXEC, 0, 0, 0, 0 },
	{ "exec", 0, MS_NOEXEC, 0, 0, 0 },
	{ "sync", MS_SYNCHRONOUS, 0, 0, 0, 0 },
	{ "async", 0, MS_SYNCHRONOUS, 0, 0, 0 },
	{ "dirsync", MS_DIRSYNC, 0, 0, 0, 0 },
	{ "remount", MS_REMOUNT, 0, 0, 0, 0 },
	{ "mand", MS_MANDLOCK, 0, 0, 0, 0 },
	{ "nomand", 0, MS_MANDLOCK, 0, 0, 0 },
	{ "atime", 0, MS_NOATIME, 0, 0, 0 },
	{ "noatime", MS_NOATIME, 0, 0, 0, 0 },
	{ "diratime", 0, MS_NODIRATIME, 0, 0, 0 },
	{ "nodiratime", MS_NODIRATIME, 0, 0, 0, 0 },
	{ "relatime", MS_RELATIME, 0, 0, 0, 0 },
	{ "norelatime", 0, MS_RELATIME, 0, 0, 0 },
	{ "strictatime", MS_STRICTATIME, 0, 0, 0, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME, 0, 0, 0 },
	{ "bind", MS_BIND, 0, 0, 0, 0 },
	{ "rbind", MS_BIND | MS_REC, 0, 0, 0, 0 },
	{ "private", 0, 0, MS_PRIVATE, 0, 0 },
	{ "rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0 },
	{ "slave", 0, 0, MS_SLAVE, 0, 0 },
	{ "rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0 },
	{ "shared", 0, 0, MS_SHARED, 0, 0 },
	{ "rshared", 0, 0, MS_SHARED | MS_REC, 0, 0 },
	{ "unbindable", 0, 0, MS_UNBINDABLE, 0, 0 },
	{ "runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0 },
	{ "rro", 0, 0, 0, MOUNT_ATTR_RDONLY, 0 },
	{ "rrw", 0, 0, 0, 0, MOUNT_ATTR_RDONLY },
	{ "rnosuid", 0, 0, 0, MOUNT_ATTR_NOSUID, 0 },
	{ "rsuid", 0, 0, 0, 0, MOUNT_ATTR_NOSUID },
	{ "rnodev", 0, 0, 0, MOUNT_ATTR_NODEV, 0 },
	{ "rdev", 0, 0, 0, 0, MOUNT_ATTR_NODEV },
	{ "rnoexec", 0, 0, 0, MOUNT_ATTR_NOEXEC, 0 },
	{ "rexec", 0, 0, 0, 0, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0 },
	{ "rdiratime", 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME },
	{ "rrelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
	{ "rnorelatime", 0, 0, 0, 0, MOUNT_ATTR__ATIME },
	{ "rnoatime", 0, 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
	{ "ratime", 0, 0, 0, 0, MOUNT_ATTR__ATIME },
	{ "rstrictatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
	{ "rnostrictatime", 0, 0, 0, 0, MOUNT_ATTR__ATIME },
	{ "nosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "rnosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "rsymfollow", 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW },
	{ "defaults", 0, 0, 0, 0, 0 },
	{ NULL },
};

static void
test_each_option (void **state)
{
	hull_error_t err = { 0 };

	(void) state;
	for (const struct opt_case *c = opt_cases; c->option; c++) {
		_cleanup_free_ char *opts = hull_xasprintf ("[\"%s\"]", c->option);
		struct hull_oci_config *cfg = parse_mount ("tmpfs", opts, &err);
		const struct hull_oci_mount *m;

		if (cfg == NULL)
			fail_msg ("%s: %s", c->option, err.msg);
		m = &cfg->mounts[0];
		if (m->flags != c->flags || m->clear_flags != c->clear_flags ||
		    m->propagation != c->propagation || m->attr_set != c->attr_set ||
		    m->attr_clr != c->attr_clr || m->data != NULL)
			fail_msg ("%s: flags %#lx clear %#lx prop %#lx set %#llx clr %#llx",
				  c->option, m->flags, m->clear_flags, m->propagation,
				  (unsigned long long) m->attr_set,
				  (unsigned long long) m->attr_clr);
		hull_oci_config_free (cfg);
	}
}

static void
test_combinations (void **state)
{
	hull_error_t err = { 0 };
	struct hull_oci_config *cfg;
	const struct hull_oci_mount *m;

	(void) state;
	/* Last of a pair wins; data keeps order; bind flags and booleans. */
	cfg = parse_mount (
		"devpts",
		"[\"ro\",\"rw\",\"nosuid\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
		"\"gid=5\",\"rbind\",\"tmpcopyup\",\"idmap\",\"ridmap\",\"rnoatime\","
		"\"rstrictatime\",\"rprivate\",\"shared\"]",
		&err);
	assert_non_null (cfg);
	m = &cfg->mounts[0];
	assert_int_equal (m->flags, MS_NOSUID | MS_BIND | MS_REC);
	assert_int_equal (m->clear_flags, MS_RDONLY);
	assert_string_equal (m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_true (m->bind && m->recursive_bind && m->tmpcopyup && m->idmap && m->ridmap);
	assert_int_equal (m->attr_set, MOUNT_ATTR_STRICTATIME);
	assert_int_equal (m->attr_clr, MOUNT_ATTR__ATIME);
	assert_int_equal (m->propagation, MS_SHARED);
	hull_oci_config_free (cfg);

	cfg = parse_mount (
		"tmpfs", "[\"tmpcopyup\",\"notmpcopyup\",\"size=65536k\",\"nr_inodes=1k\"]", &err);
	assert_non_null (cfg);
	assert_false (cfg->mounts[0].tmpcopyup);
	assert_false (cfg->mounts[0].bind);
	assert_string_equal (cfg->mounts[0].data, "size=65536k,nr_inodes=1k");
	hull_oci_config_free (cfg);

	/* Type "bind" alone is a non-recursive bind mount. */
	cfg = parse_mount ("bind", "[]", &err);
	assert_non_null (cfg);
	assert_true (cfg->mounts[0].bind);
	assert_false (cfg->mounts[0].recursive_bind);
	assert_int_equal (cfg->mounts[0].flags, MS_BIND);
	hull_oci_config_free (cfg);

	cfg = parse_mount (NULL, "[\"rro\",\"rrw\"]", &err);
	assert_non_null (cfg);
	assert_int_equal (cfg->mounts[0].attr_set, 0);
	assert_int_equal (cfg->mounts[0].attr_clr, MOUNT_ATTR_RDONLY);
	hull_oci_config_free (cfg);
}

static void
test_refused (void **state)
{
	static const struct {
		const char *options, *message;
	} cases[] = {
		{ "[\"nosiud\"]", "mounts[0]: mount `/m`: unknown option `nosiud`" },
		{ "[\"RO\"]", "unknown option `RO`" },
		{ "[\"\"]", "invalid option ``" },
		{ "[\"mode=755,suid\"]", "invalid option `mode=755,suid`" },
		{ "[\"=x\"]", "unknown option `=x`" },
		{ "[\"idmap=uids=0-1000-10\"]", "option `idmap=uids=0-1000-10` not supported" },
		{ "[1]", "mounts[0].options[0]: expected a string" },
		{ NULL, NULL },
	};
	hull_error_t err = { 0 };

	(void) state;
	for (int i = 0; cases[i].options; i++) {
		assert_null (parse_mount ("tmpfs", cases[i].options, &err));
		if (strstr (err.msg, cases[i].message) == NULL)
			fail_msg ("%s: got %s", cases[i].options, err.msg);
	}
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_each_option),
		cmocka_unit_test (test_combinations),
		cmocka_unit_test (test_refused),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
