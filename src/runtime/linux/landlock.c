/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock rulesets from the `run.oci.hull.landlock` annotation (docs/landlock.md).
 * Kernel interface: Documentation/userspace-api/landlock.rst. glibc 2.36 has no
 * wrappers, so the three system calls are made by number; the uapi header of the
 * build host may predate the newer rights, so every constant has a fallback and the
 * attribute structs are hull's own copies of the (append-only) kernel layout. */
#include "runtime/linux/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/landlock.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#define HULL_LL_RULE_PATH_BENEATH 1
#define HULL_LL_RULE_NET_PORT 2

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* "write" as the kernel's sample sandboxer's ACCESS_FS_ROUGHLY_WRITE: writing,
 * creating, removing and renaming (REFER) files, truncating, device ioctls. */
#define FS_WRITE                                                                                   \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                               \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                             \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER |  \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* The rights that apply to a file that is not a directory; a rule on such a file
 * with any other right is EINVAL (landlock.rst, landlock_add_rule). */
#define FS_FILE                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define ANNOTATION_NAME HULL_LANDLOCK_ANNOTATION

/* struct landlock_ruleset_attr as of ABI 6; the size passed tells the kernel which
 * fields this caller knows (older kernels refuse a larger struct only when the extra
 * bytes are not zero). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__ ((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

HULL_DEFINE_CLEANUP (struct hull_landlock_ruleset, hull_landlock_ruleset_free)

/* Access names. abi 0 marks a compound set, mapped best effort onto the running ABI
 * (as landlock.rst's "Backward and forward compatibility" sample does); any other
 * entry names one right, and asking for it where the ABI lacks it is an error. */
static const struct access_name {
	const char *name;
	uint64_t rights;
	int abi;
} access_names[] = {
	{ "read", FS_READ, 0 },
	{ "write", FS_WRITE, 0 },
	{ "all", FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_EXECUTE, 0 },
	{ "execute", LANDLOCK_ACCESS_FS_EXECUTE, 1 },
	{ "write_file", LANDLOCK_ACCESS_FS_WRITE_FILE, 1 },
	{ "read_file", LANDLOCK_ACCESS_FS_READ_FILE, 1 },
	{ "read_dir", LANDLOCK_ACCESS_FS_READ_DIR, 1 },
	{ "remove_dir", LANDLOCK_ACCESS_FS_REMOVE_DIR, 1 },
	{ "remove_file", LANDLOCK_ACCESS_FS_REMOVE_FILE, 1 },
	{ "make_char", LANDLOCK_ACCESS_FS_MAKE_CHAR, 1 },
	{ "make_dir", LANDLOCK_ACCESS_FS_MAKE_DIR, 1 },
	{ "make_reg", LANDLOCK_ACCESS_FS_MAKE_REG, 1 },
	{ "make_sock", LANDLOCK_ACCESS_FS_MAKE_SOCK, 1 },
	{ "make_fifo", LANDLOCK_ACCESS_FS_MAKE_FIFO, 1 },
	{ "make_block", LANDLOCK_ACCESS_FS_MAKE_BLOCK, 1 },
	{ "make_sym", LANDLOCK_ACCESS_FS_MAKE_SYM, 1 },
	{ "refer", LANDLOCK_ACCESS_FS_REFER, 2 },
	{ "truncate", LANDLOCK_ACCESS_FS_TRUNCATE, 3 },
	{ "ioctl_dev", LANDLOCK_ACCESS_FS_IOCTL_DEV, 5 },
};

/* The filesystem rights each ABI added (landlock.rst, "Filesystem flags"). */
static const struct {
	int abi;
	uint64_t rights;
} fs_rights_by_abi[] = {
	{ 1, (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1 },
	{ 2, LANDLOCK_ACCESS_FS_REFER },
	{ 3, LANDLOCK_ACCESS_FS_TRUNCATE },
	{ 5, LANDLOCK_ACCESS_FS_IOCTL_DEV },
};

static const struct {
	const char *key;
	uint64_t access;
} net_keys[] = {
	{ "bind", LANDLOCK_ACCESS_NET_BIND_TCP },
	{ "connect", LANDLOCK_ACCESS_NET_CONNECT_TCP },
};

static const struct {
	const char *name;
	uint64_t bit;
} scope_names[] = {
	{ "abstract_unix_socket", LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET },
	{ "signal", LANDLOCK_SCOPE_SIGNAL },
};

#define NET_ABI 4
#define SCOPE_ABI 6
#define ACCESS_NAMES_MAX 64 /* entries of one "access" array */

int
hull_landlock_abi (void)
{
	long v = syscall (__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int) v;
}

int
hull_landlock_abi_in_use (void)
{
	int abi = hull_landlock_abi ();

	return abi > HULL_LANDLOCK_ABI_KNOWN ? HULL_LANDLOCK_ABI_KNOWN : abi;
}

uint64_t
hull_landlock_fs_rights (int abi)
{
	uint64_t rights = 0;

	for (size_t i = 0; i < sizeof fs_rights_by_abi / sizeof fs_rights_by_abi[0]; i++)
		if (abi >= fs_rights_by_abi[i].abi)
			rights |= fs_rights_by_abi[i].rights;
	return rights;
}

/* ---- parsing ---- */

static const struct access_name *
access_find (const char *name)
{
	for (size_t i = 0; i < sizeof access_names / sizeof access_names[0]; i++)
		if (strcmp (access_names[i].name, name) == 0)
			return &access_names[i];
	return NULL;
}

/* Walk an array of at most `max` strings, calling fn on each with the path at its
 * index. */
static int
each_string (struct hull_json_ctx *ctx, json_t *value, size_t max,
	     int (*fn) (struct hull_json_ctx *, const char *, void *, hull_error_t *), void *data,
	     hull_error_t *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array (value))
		return hull_json_error (ctx, err, "expected an array of strings");
	if (json_array_size (value) > max)
		return hull_json_error (ctx, err, "%zu entries, more than the %zu accepted",
					json_array_size (value), max);
	json_array_foreach (value, i, e) {
		size_t old = hull_json_path_push_index (ctx, i);
		const char *s;
		int r;

		if ((r = hull_json_expect_string (ctx, e, &s, err)) < 0 ||
		    (r = fn (ctx, s, data, err)) < 0)
			return r;
		hull_json_path_pop (ctx, old);
	}
	return 0;
}

static int
one_access (struct hull_json_ctx *ctx, const char *name, void *data, hull_error_t *err)
{
	const struct access_name *a = access_find (name);
	struct hull_landlock_path *p = data;

	if (a == NULL)
		return hull_json_error (ctx, err,
					"unknown access right `%s` (read, write, execute, all, or "
					"one right such as read_file: see docs/landlock.md)",
					name);
	if (p) {
		p->access |= a->rights;
		if (a->abi)
			p->strict |= a->rights;
	}
	return 0;
}

static int
parse_access (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	      hull_error_t *err)
{
	(void) f;
	if (json_is_array (value) && json_array_size (value) == 0)
		return hull_json_error (ctx, err, "grants nothing: name at least one right");
	return each_string (ctx, value, ACCESS_NAMES_MAX, one_access, base, err);
}

/* Post-check of each "paths" entry: the path names a file in the container. */
static int
check_path (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	    hull_error_t *err)
{
	const char *path = json_string_value (json_object_get (value, "path"));

	(void) f;
	(void) base;
	if (path == NULL || !hull_path_is_clean_absolute (path))
		return hull_json_error (ctx, err,
					"path `%s` is not a clean absolute path (it names a "
					"file in the container)",
					path ? path : "");
	return 0;
}

static int
parse_ports (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	     hull_error_t *err)
{
	struct hull_landlock_net *net = base;
	uint64_t access = 0;
	size_t i;
	json_t *e;

	for (size_t k = 0; k < sizeof net_keys / sizeof net_keys[0]; k++)
		if (strcmp (net_keys[k].key, f->key) == 0)
			access = net_keys[k].access;
	if (!json_is_array (value))
		return hull_json_error (ctx, err, "expected an array of TCP port numbers");
	json_array_foreach (value, i, e) {
		size_t old = hull_json_path_push_index (ctx, i);

		if (!json_is_integer (e) || json_integer_value (e) < 0 ||
		    json_integer_value (e) > 65535)
			return hull_json_error (ctx, err, "expected a TCP port number (0-65535)");
		hull_json_path_pop (ctx, old);
		if (net == NULL)
			continue;
		if (net->n_ports >= HULL_LANDLOCK_PORTS_MAX)
			return hull_json_error (ctx, err, "more than %d ports",
						HULL_LANDLOCK_PORTS_MAX);
		net->ports = hull_xreallocarray (net->ports, net->n_ports + 1, sizeof *net->ports);
		net->ports[net->n_ports++] =
			(struct hull_landlock_port){ .port = (uint64_t) json_integer_value (e),
						     .access = access };
	}
	return 0;
}

static int
one_scope (struct hull_json_ctx *ctx, const char *name, void *data, hull_error_t *err)
{
	struct hull_landlock_ruleset *r = data;

	for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++) {
		if (strcmp (scope_names[i].name, name) == 0) {
			if (r)
				r->scoped |= scope_names[i].bit;
			return 0;
		}
	}
	return hull_json_error (ctx, err, "unknown scope `%s` (abstract_unix_socket, signal)",
				name);
}

static int
parse_scope (struct hull_json_ctx *ctx, const struct hull_json_field *f, json_t *value, void *base,
	     hull_error_t *err)
{
	(void) f;
	return each_string (ctx, value, sizeof scope_names / sizeof scope_names[0], one_scope, base,
			    err);
}

#define RS(field) offsetof (struct hull_landlock_ruleset, field)

static const struct hull_json_field path_fields[] = {
	{ .key = "path",
	  .type = HULL_JSON_STRING,
	  .offset = offsetof (struct hull_landlock_path, path),
	  .flags = HULL_JSON_MANDATORY },
	{ .key = "access",
	  .type = HULL_JSON_CUSTOM,
	  .flags = HULL_JSON_MANDATORY,
	  .fn = parse_access },
	{ .key = NULL },
};

static const struct hull_json_field net_fields[] = {
	{ .key = "bind", .type = HULL_JSON_CUSTOM, .fn = parse_ports },
	{ .key = "connect", .type = HULL_JSON_CUSTOM, .fn = parse_ports },
	{ .key = NULL },
};

static const struct hull_json_field doc_fields[] = {
	{ .key = "version",
	  .type = HULL_JSON_UINT32,
	  .offset = RS (version),
	  .flags = HULL_JSON_MANDATORY },
	{ .key = "paths",
	  .type = HULL_JSON_ARRAY,
	  .offset = RS (paths),
	  .flags = HULL_JSON_MANDATORY,
	  .sub = path_fields,
	  .fn = check_path,
	  .max = HULL_LANDLOCK_PATHS_MAX,
	  .elem_size = sizeof (struct hull_landlock_path),
	  .count = RS (n_paths) },
	{ .key = "net",
	  .type = HULL_JSON_OBJECT,
	  .offset = RS (net),
	  .flags = HULL_JSON_HAS,
	  .has = RS (has_net),
	  .sub = net_fields },
	{ .key = "scope", .type = HULL_JSON_CUSTOM, .fn = parse_scope },
	{ .key = NULL },
};

struct hull_landlock_ruleset *
hull_landlock_ruleset_free (struct hull_landlock_ruleset *r)
{
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < r->n_paths; i++)
		free (r->paths[i].path);
	free (r->paths);
	free (r->net.ports);
	free (r);
	return NULL;
}

struct hull_landlock_ruleset *
hull_landlock_parse (const char *text, size_t len, const char *name, hull_error_t *err)
{
	_cleanup_ (hull_landlock_ruleset_freep) struct hull_landlock_ruleset *r = NULL;
	_cleanup_ (hull_strv_free) struct hull_strv unknown = { 0 };
	struct hull_json_ctx ctx;
	json_t *root = hull_json_parse (text, len, HULL_LANDLOCK_DOC_MAX, name, err);
	int rc;

	if (root == NULL)
		return NULL;
	r = hull_xzalloc (sizeof *r);
	hull_json_ctx_init (&ctx, name, &unknown);
	rc = hull_json_map (&ctx, root, doc_fields, r, err);
	json_decref (root);
	if (rc < 0)
		return NULL;
	/* A misspelt key would silently grant or restrict less than meant: refuse it. */
	if (unknown.n > 0)
		return hull_error_make (err, 0, "%s: unknown key `%s`", name, unknown.v[0]), NULL;
	if (r->version != 1)
		return hull_error_make (err, 0, "%s: version %u: only version 1 is known", name,
					r->version),
		       NULL;
	return TAKE_PTR (r);
}

/* ---- checking against the running ABI ---- */

static const char *
right_name (uint64_t bit)
{
	for (size_t i = 0; i < sizeof access_names / sizeof access_names[0]; i++)
		if (access_names[i].abi && access_names[i].rights == bit)
			return access_names[i].name;
	return "?";
}

static int
right_abi (uint64_t bit)
{
	const struct access_name *a = access_find (right_name (bit));

	return a ? a->abi : 0;
}

int
hull_landlock_check (const struct hull_landlock_ruleset *r, int abi, hull_error_t *err)
{
	uint64_t have = hull_landlock_fs_rights (abi);

	if (abi < 1)
		return hull_error_make (err, EOPNOTSUPP,
					"%s: Landlock is not available in this kernel (not built "
					"in, or not in the `lsm=` list)",
					ANNOTATION_NAME);
	for (size_t i = 0; i < r->n_paths; i++) {
		uint64_t missing = r->paths[i].strict & ~have;
		uint64_t bit = missing & -missing;

		if (missing)
			return hull_error_make (err, EOPNOTSUPP,
						"%s: paths[%zu] (`%s`): right `%s` needs Landlock "
						"ABI %d, the kernel has %d",
						ANNOTATION_NAME, i, r->paths[i].path,
						right_name (bit), right_abi (bit), abi);
	}
	if (r->has_net && abi < NET_ABI)
		return hull_error_make (
			err, EOPNOTSUPP,
			"%s: net: TCP rules need Landlock ABI %d, the kernel has %d",
			ANNOTATION_NAME, NET_ABI, abi);
	if (r->scoped && abi < SCOPE_ABI)
		return hull_error_make (err, EOPNOTSUPP,
					"%s: scope: needs Landlock ABI %d, the kernel has %d",
					ANNOTATION_NAME, SCOPE_ABI, abi);
	return 0;
}

/* ---- the kernel ruleset ---- */

static int
add_path_rule (int ruleset, const struct hull_landlock_path *p, size_t i, uint64_t handled,
	       hull_error_t *err)
{
	_cleanup_close_ int fd = open (p->path, O_PATH | O_CLOEXEC);
	struct ll_path_beneath_attr a = { .allowed_access = p->access & handled };
	struct stat st;

	/* Fail closed: a rule that cannot be placed would leave the ruleset other than
	 * what was written. */
	if (fd < 0)
		return hull_error_make (err, errno, "%s: paths[%zu]: open `%s`", ANNOTATION_NAME, i,
					p->path);
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "%s: paths[%zu]: stat `%s`", ANNOTATION_NAME, i,
					p->path);
	if (!S_ISDIR (st.st_mode))
		a.allowed_access &= FS_FILE;
	if (a.allowed_access == 0)
		return 0; /* only directory rights on a file: nothing applies to it */
	a.parent_fd = fd;
	if (syscall (__NR_landlock_add_rule, ruleset, HULL_LL_RULE_PATH_BENEATH, &a, 0) < 0)
		return hull_error_make (err, errno, "%s: paths[%zu]: add rule for `%s`",
					ANNOTATION_NAME, i, p->path);
	return 0;
}

static int
add_port_rules (int ruleset, const struct hull_landlock_net *net, hull_error_t *err)
{
	for (size_t i = 0; i < net->n_ports; i++) {
		struct ll_net_port_attr a = { .allowed_access = net->ports[i].access,
					      .port = net->ports[i].port };

		if (syscall (__NR_landlock_add_rule, ruleset, HULL_LL_RULE_NET_PORT, &a, 0) < 0)
			return hull_error_make (err, errno, "%s: net: add rule for TCP port %lu",
						ANNOTATION_NAME, (unsigned long) a.port);
	}
	return 0;
}

int
hull_landlock_build (const struct hull_landlock_ruleset *r, int abi, hull_error_t *err)
{
	/* Handle every right the ABI knows, so that whatever no rule grants is denied. */
	struct ll_ruleset_attr attr = {
		.handled_access_fs = hull_landlock_fs_rights (abi),
		.handled_access_net =
			r->has_net ? LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP
				   : 0,
		.scoped = r->scoped,
	};
	size_t size = abi >= SCOPE_ABI ? sizeof attr
		      : abi >= NET_ABI ? offsetof (struct ll_ruleset_attr, scoped)
				       : offsetof (struct ll_ruleset_attr, handled_access_net);
	_cleanup_close_ int fd = -EBADF;
	int rc;

	fd = (int) syscall (__NR_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		return hull_error_make (err, errno, "%s: create ruleset (ABI %d)", ANNOTATION_NAME,
					abi);
	for (size_t i = 0; i < r->n_paths; i++)
		if ((rc = add_path_rule (fd, &r->paths[i], i, attr.handled_access_fs, err)) < 0)
			return rc;
	if ((rc = add_port_rules (fd, &r->net, err)) < 0)
		return rc;
	return TAKE_FD (fd);
}

/* ---- the container and the sandbox ---- */

static const char *
annotation (const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->annotations.n; i++)
		if (strcmp (cfg->annotations.v[i].key, ANNOTATION_NAME) == 0)
			return cfg->annotations.v[i].value;
	return NULL;
}

int
hull_landlock_prepare (const struct hull_oci_config *cfg, int *fd, hull_error_t *err)
{
	_cleanup_ (hull_landlock_ruleset_freep) struct hull_landlock_ruleset *r = NULL;
	const char *doc = annotation (cfg);
	int abi, rc;

	*fd = -EBADF;
	if (doc == NULL)
		return 0;
	r = hull_landlock_parse (doc, strlen (doc), ANNOTATION_NAME, err);
	if (r == NULL)
		return hull_error_ret (err);
	abi = hull_landlock_abi_in_use ();
	if ((rc = hull_landlock_check (r, abi, err)) < 0)
		return rc;
	rc = hull_landlock_build (r, abi, err);
	if (rc < 0)
		return rc;
	*fd = rc;
	return 0;
}

int
hull_landlock_restrict (int fd, hull_error_t *err)
{
	_cleanup_close_ int ruleset = fd;

	if (ruleset < 0)
		return 0;
	/* landlock.rst: restrict_self needs no_new_privs or CAP_SYS_ADMIN in the
	 * caller's user namespace, so that a restricted process cannot confuse a more
	 * privileged setuid program. The domain is inherited across execve and fork and
	 * can never be lifted. */
	if (syscall (__NR_landlock_restrict_self, ruleset, 0) < 0)
		return hull_error_make (err, errno,
					"%s: landlock_restrict_self (needs noNewPrivileges or "
					"CAP_SYS_ADMIN)",
					ANNOTATION_NAME);
	return 0;
}

static void
rule_add (json_t *paths, const char *path, const char *a, const char *b)
{
	json_array_append_new (paths, json_pack ("{s:s,s:[s,s]}", "path", path, "access", a, b));
}

/* The sandbox's own writable files besides the mounts asked for: the private /tmp,
 * the harmless devices, and the private devpts instance (a shell reopens its
 * terminal as /dev/pts/N through /dev/tty or /proc/self/fd). */
static const char *const sandbox_writable[] = {
	"/tmp", "/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/pts",
};

int
hull_landlock_sandbox_annotate (struct hull_oci_config *cfg, size_t first, hull_error_t *err)
{
	json_t *doc, *paths = json_array ();
	struct hull_kv *kv;

	if (hull_landlock_abi () < 1)
		return hull_error_make (err, EOPNOTSUPP,
					"Landlock is not available in this kernel: the sandbox "
					"refuses to run without it (--no-landlock runs it anyway)");
	rule_add (paths, "/", "read", "execute");
	for (size_t i = 0; i < sizeof sandbox_writable / sizeof sandbox_writable[0]; i++)
		rule_add (paths, sandbox_writable[i], "read", "write");
	for (size_t i = first; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		bool tmpfs = strcmp (m->type, "tmpfs") == 0;

		if ((tmpfs || m->bind) && !(m->flags & MS_RDONLY))
			rule_add (paths, m->destination, "read", "write");
	}
	doc = json_pack ("{s:i,s:o}", "version", 1, "paths", paths);
	cfg->annotations.v = hull_xreallocarray (cfg->annotations.v, cfg->annotations.n + 1,
						 sizeof *cfg->annotations.v);
	kv = &cfg->annotations.v[cfg->annotations.n++];
	kv->key = hull_xstrdup (ANNOTATION_NAME);
	kv->value = hull_json_dump_compact (doc);
	json_decref (doc);
	return 0;
}
