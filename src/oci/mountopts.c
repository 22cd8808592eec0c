/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount options -> MS_* flags, propagation, mount_setattr(2) attributes and
 * filesystem data, following runc's list (libcontainer/specconv) so that
 * configs written for runc mean the same here. Unlike runc, a word hull does not
 * know is refused instead of being passed to the filesystem: a misspelt "nosiud"
 * must not silently produce a setuid-capable mount. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/xalloc.h"
#include "oci/internal.h"

#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

enum opt_kind {
	OPT_FLAG,	 /* MS_* set (or cleared when `clear`) */
	OPT_ATTR,	 /* MOUNT_ATTR_* set (or cleared) recursively */
	OPT_ATIME,	 /* recursive atime mode: MOUNT_ATTR__ATIME is one 3-bit field */
	OPT_PROPAGATION, /* private, rslave, ... */
	OPT_BIND,
	OPT_RBIND,
	OPT_TMPCOPYUP,
	OPT_NOTMPCOPYUP,
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_DATA, /* a known filesystem-specific word: passed in the data string */
	OPT_NOOP, /* "defaults" */
};

struct mount_opt {
	const char *name;
	enum opt_kind kind;
	bool clear;
	unsigned long flag; /* MS_* for OPT_FLAG, MOUNT_ATTR_* for OPT_ATTR/OPT_ATIME */
};

static const struct mount_opt mount_opts[] = {
	{ "ro", OPT_FLAG, false, MS_RDONLY },
	{ "rw", OPT_FLAG, true, MS_RDONLY },
	{ "nosuid", OPT_FLAG, false, MS_NOSUID },
	{ "suid", OPT_FLAG, true, MS_NOSUID },
	{ "nodev", OPT_FLAG, false, MS_NODEV },
	{ "dev", OPT_FLAG, true, MS_NODEV },
	{ "noexec", OPT_FLAG, false, MS_NOEXEC },
	{ "exec", OPT_FLAG, true, MS_NOEXEC },
	{ "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
	{ "async", OPT_FLAG, true, MS_SYNCHRONOUS },
	{ "dirsync", OPT_FLAG, false, MS_DIRSYNC },
	{ "remount", OPT_FLAG, false, MS_REMOUNT },
	{ "mand", OPT_FLAG, false, MS_MANDLOCK },
	{ "nomand", OPT_FLAG, true, MS_MANDLOCK },
	{ "noatime", OPT_FLAG, false, MS_NOATIME },
	{ "atime", OPT_FLAG, true, MS_NOATIME },
	{ "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
	{ "diratime", OPT_FLAG, true, MS_NODIRATIME },
	{ "relatime", OPT_FLAG, false, MS_RELATIME },
	{ "norelatime", OPT_FLAG, true, MS_RELATIME },
	{ "strictatime", OPT_FLAG, false, MS_STRICTATIME },
	{ "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
	{ "acl", OPT_FLAG, false, MS_POSIXACL },
	{ "noacl", OPT_FLAG, true, MS_POSIXACL },
	{ "iversion", OPT_FLAG, false, MS_I_VERSION },
	{ "noiversion", OPT_FLAG, true, MS_I_VERSION },
	{ "lazytime", OPT_FLAG, false, MS_LAZYTIME },
	{ "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
	{ "silent", OPT_FLAG, false, MS_SILENT },
	{ "loud", OPT_FLAG, true, MS_SILENT },
	{ "bind", OPT_BIND, false, 0 },
	{ "rbind", OPT_RBIND, false, 0 },
	{ "private", OPT_PROPAGATION, false, 0 },
	{ "rprivate", OPT_PROPAGATION, false, 0 },
	{ "slave", OPT_PROPAGATION, false, 0 },
	{ "rslave", OPT_PROPAGATION, false, 0 },
	{ "shared", OPT_PROPAGATION, false, 0 },
	{ "rshared", OPT_PROPAGATION, false, 0 },
	{ "unbindable", OPT_PROPAGATION, false, 0 },
	{ "runbindable", OPT_PROPAGATION, false, 0 },
	/* Recursive attributes, runtime-spec 1.1 config.md "Mounts" (mount_setattr(2)). */
	{ "rro", OPT_ATTR, false, MOUNT_ATTR_RDONLY },
	{ "rrw", OPT_ATTR, true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID },
	{ "rsuid", OPT_ATTR, true, MOUNT_ATTR_NOSUID },
	{ "rnodev", OPT_ATTR, false, MOUNT_ATTR_NODEV },
	{ "rdev", OPT_ATTR, true, MOUNT_ATTR_NODEV },
	{ "rnoexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC },
	{ "rexec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW },
	{ "nosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rrelatime", OPT_ATIME, false, MOUNT_ATTR_RELATIME },
	{ "rnorelatime", OPT_ATIME, true, MOUNT_ATTR_RELATIME },
	{ "rnoatime", OPT_ATIME, false, MOUNT_ATTR_NOATIME },
	{ "ratime", OPT_ATIME, true, MOUNT_ATTR_NOATIME },
	{ "rstrictatime", OPT_ATIME, false, MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", OPT_ATIME, true, MOUNT_ATTR_STRICTATIME },
	{ "tmpcopyup", OPT_TMPCOPYUP, false, 0 },
	{ "notmpcopyup", OPT_NOTMPCOPYUP, false, 0 },
	{ "idmap", OPT_IDMAP, false, 0 },
	{ "ridmap", OPT_RIDMAP, false, 0 },
	{ "defaults", OPT_NOOP, false, 0 },
	/* Filesystem-specific words without '=' (devpts, tmpfs, xfs, ext4, overlay, nfs). */
	{ "newinstance", OPT_DATA, false, 0 },
	{ "inode32", OPT_DATA, false, 0 },
	{ "inode64", OPT_DATA, false, 0 },
	{ "noswap", OPT_DATA, false, 0 },
	{ "user_xattr", OPT_DATA, false, 0 },
	{ "nouser_xattr", OPT_DATA, false, 0 },
	{ "userxattr", OPT_DATA, false, 0 },
	{ "volatile", OPT_DATA, false, 0 },
	{ "discard", OPT_DATA, false, 0 },
	{ "nodiscard", OPT_DATA, false, 0 },
	{ "nouuid", OPT_DATA, false, 0 },
	{ "norecovery", OPT_DATA, false, 0 },
	{ "noload", OPT_DATA, false, 0 },
	{ "barrier", OPT_DATA, false, 0 },
	{ "nobarrier", OPT_DATA, false, 0 },
	{ "usrquota", OPT_DATA, false, 0 },
	{ "grpquota", OPT_DATA, false, 0 },
	{ "prjquota", OPT_DATA, false, 0 },
	{ "quota", OPT_DATA, false, 0 },
	{ "noquota", OPT_DATA, false, 0 },
	{ "dax", OPT_DATA, false, 0 },
	{ "nolock", OPT_DATA, false, 0 },
	{ "hard", OPT_DATA, false, 0 },
	{ "soft", OPT_DATA, false, 0 },
	{ NULL, 0, false, 0 },
};

static const struct mount_opt *
find_opt (const char *name)
{
	for (const struct mount_opt *o = mount_opts; o->name; o++)
		if (strcmp (o->name, name) == 0)
			return o;
	return NULL;
}

static void
append_data (struct hull_oci_mount *m, const char *opt)
{
	char *joined;

	if (m->data == NULL) {
		m->data = hull_xstrdup (opt);
		return;
	}
	joined = hull_xasprintf ("%s,%s", m->data, opt);
	free (m->data);
	m->data = joined;
}

static void
apply_flag (struct hull_oci_mount *m, const struct mount_opt *o)
{
	/* The last of "ro"/"rw" (or any pair) wins, as with mount(8). */
	if (o->clear) {
		m->flags &= ~o->flag;
		m->clear_flags |= o->flag;
	} else {
		m->flags |= o->flag;
		m->clear_flags &= ~o->flag;
	}
}

static void
apply_attr (struct hull_oci_mount *m, const struct mount_opt *o)
{
	if (o->kind == OPT_ATIME) {
		/* The kernel takes an atime change only as the whole MOUNT_ATTR__ATIME
		 * field in attr_clr plus one mode in attr_set; clearing a mode leaves
		 * the kernel default, relatime. */
		m->attr_clr |= MOUNT_ATTR__ATIME;
		m->attr_set &= ~(uint64_t) MOUNT_ATTR__ATIME;
		if (!o->clear)
			m->attr_set |= o->flag;
		return;
	}
	if (o->clear) {
		m->attr_set &= ~(uint64_t) o->flag;
		m->attr_clr |= o->flag;
	} else {
		m->attr_set |= o->flag;
		m->attr_clr &= ~(uint64_t) o->flag;
	}
}

static void
apply_opt (struct hull_oci_mount *m, const struct mount_opt *o)
{
	long prop = 0;

	switch (o->kind) {
	case OPT_FLAG:
		apply_flag (m, o);
		break;
	case OPT_ATTR:
	case OPT_ATIME:
		apply_attr (m, o);
		break;
	case OPT_PROPAGATION:
		hull_oci_name_lookup (hull_oci_propagation_names, o->name, &prop);
		m->propagation = (unsigned long) prop;
		break;
	case OPT_RBIND:
		m->recursive_bind = true;
		m->flags |= MS_REC;
		/* fall through */
	case OPT_BIND:
		m->bind = true;
		m->flags |= MS_BIND;
		break;
	case OPT_TMPCOPYUP:
	case OPT_NOTMPCOPYUP:
		m->tmpcopyup = o->kind == OPT_TMPCOPYUP;
		break;
	case OPT_IDMAP:
		m->idmap = true;
		break;
	case OPT_RIDMAP:
		m->ridmap = true;
		break;
	case OPT_DATA:
		append_data (m, o->name);
		break;
	case OPT_NOOP:
		break;
	}
}

static void
reset_parsed (struct hull_oci_mount *m)
{
	free (m->data);
	m->data = NULL;
	m->flags = m->clear_flags = m->propagation = 0;
	m->attr_set = m->attr_clr = 0;
	m->bind = m->recursive_bind = m->tmpcopyup = m->idmap = m->ridmap = false;
}

static int
parse_one (struct hull_oci_mount *m, const char *opt, hull_error_t *err)
{
	const char *dest = m->destination ? m->destination : "(none)";
	const struct mount_opt *o;

	/* A comma would smuggle several options into the filesystem's data string. */
	if (*opt == '\0' || strchr (opt, ',') != NULL)
		return hull_error_make (err, 0, "mount `%s`: invalid option `%s`", dest, opt);
	if (strncmp (opt, "idmap=", 6) == 0 || strncmp (opt, "ridmap=", 7) == 0)
		return hull_error_make (err, 0,
					"mount `%s`: option `%s` not supported, use the mount's "
					"uidMappings and gidMappings",
					dest, opt);
	o = find_opt (opt);
	if (o != NULL) {
		apply_opt (m, o);
		return 0;
	}
	/* key=value is filesystem data (mode=755, size=65536k, gid=5, context=...). */
	if (strchr (opt, '=') != NULL && opt[0] != '=') {
		append_data (m, opt);
		return 0;
	}
	return hull_error_make (err, 0, "mount `%s`: unknown option `%s`", dest, opt);
}

int
hull_oci_mount_parse_options (struct hull_oci_mount *m, hull_error_t *err)
{
	reset_parsed (m);
	for (size_t i = 0; i < m->options.n; i++) {
		int r = parse_one (m, m->options.v[i], err);
		if (r < 0)
			return r;
	}
	/* config.md "Mounts": type "bind" is a bind mount even without the option. */
	if (m->type != NULL && strcmp (m->type, "bind") == 0 && !m->bind) {
		m->bind = true;
		m->flags |= MS_BIND;
	}
	return 0;
}
