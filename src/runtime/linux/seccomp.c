/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp (config-linux.md "Seccomp"). libseccomp builds the program; hull exports
 * it as BPF and loads it with seccomp(2) itself, so that the load is one syscall at a
 * place the caller chooses, the program can be cached by digest, and the flags are
 * exactly the profile's (libseccomp's own attributes only matter to seccomp_load). */
#include "runtime/linux/seccomp.h"

#include <errno.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

#define FIELD "linux.seccomp"
#define ARGS_MAX 6 /* a syscall has six arguments */

/* config-linux.md "Seccomp": actions. ERRNO and TRACE carry errnoRet (EPERM when
 * absent, as runc and crun); for the others errnoRet is refused. */
static const struct action_name {
	const char *name;
	uint32_t action;
	bool takes_errno;
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};

static const struct op_name {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* seccomp(2) SECCOMP_FILTER_FLAG_* the spec allows in linux.seccomp.flags; they are
 * passed to seccomp(2) as they are. */
static const struct flag_name {
	const char *name;
	unsigned int flag;
} flags_table[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

#define N_ELEMS(a) (sizeof (a) / sizeof ((a)[0]))

static unsigned long compile_count;

unsigned long
hull_seccomp_compile_count (void)
{
	return compile_count;
}

static void
release_ctx (scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release (*ctx);
	*ctx = NULL;
}

struct hull_seccomp_prog *
hull_seccomp_prog_free (struct hull_seccomp_prog *p)
{
	if (p) {
		free (p->filter);
		free (p);
	}
	return NULL;
}

/* `name` (+ errnoRet) of the field `field` into a libseccomp action. */
static int
resolve_action (const char *name, bool has_errno, uint32_t errno_ret, const char *field,
		uint32_t *out, hull_error_t *err)
{
	for (size_t i = 0; i < N_ELEMS (actions); i++) {
		const struct action_name *a = &actions[i];

		if (name == NULL || strcmp (a->name, name) != 0)
			continue;
		if (has_errno && !a->takes_errno)
			return hull_error_make (err, 0, "%s: errnoRet is not valid with %s", field,
						name);
		/* SECCOMP_RET_DATA is 16 bits: a larger value would be silently truncated. */
		if (has_errno && errno_ret > 0xffff)
			return hull_error_make (err, 0, "%s: errnoRet %u is out of range", field,
						errno_ret);
		*out = a->takes_errno ? a->action | (has_errno ? errno_ret : EPERM) : a->action;
		return 0;
	}
	return hull_error_make (err, 0, "%s: unknown action `%s`", field, name ? name : "");
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64" -> token; the native arch is always in
 * the filter (seccomp_init adds it). */
static int
add_arches (scmp_filter_ctx ctx, const struct hull_strv *arches, hull_error_t *err)
{
	for (size_t i = 0; i < arches->n; i++) {
		const char *name = arches->v[i];
		char lower[32];
		size_t len;
		uint32_t token;
		int r;

		if (strncmp (name, "SCMP_ARCH_", 10) == 0)
			name += 10;
		len = strlen (name);
		if (len == 0 || len >= sizeof lower)
			return hull_error_make (err, 0, FIELD ".architectures[%zu]: invalid `%s`",
						i, arches->v[i]);
		for (size_t k = 0; k <= len; k++)
			lower[k] =
				(char) (name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		token = seccomp_arch_resolve_name (lower);
		if (token == 0)
			return hull_error_make (
				err, 0,
				FIELD ".architectures[%zu]: architecture `%s` is not "
				      "supported by libseccomp %u.%u.%u",
				i, arches->v[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
		r = seccomp_arch_add (ctx, token);
		if (r < 0 && r != -EEXIST)
			return hull_error_make (err, -r, FIELD ".architectures[%zu]: add `%s`", i,
						arches->v[i]);
	}
	return 0;
}

/* linux.seccomp.flags into seccomp(2) flags. WAIT_KILLABLE_RECV only qualifies the
 * notify listener and the kernel refuses it without NEW_LISTENER: without a NOTIFY
 * action it changes nothing, so it is dropped rather than failing the load. */
static int
profile_flags (const struct hull_strv *names, bool notify, unsigned int *out, hull_error_t *err)
{
	*out = 0;
	for (size_t i = 0; i < names->n; i++) {
		size_t k;

		for (k = 0; k < N_ELEMS (flags_table); k++)
			if (strcmp (flags_table[k].name, names->v[i]) == 0)
				break;
		if (k == N_ELEMS (flags_table))
			return hull_error_make (err, 0, FIELD ".flags[%zu]: unknown flag `%s`", i,
						names->v[i]);
		*out |= flags_table[k].flag;
	}
	if (!notify)
		*out &= ~(unsigned int) SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	return 0;
}

static int
resolve_op (const char *name, enum scmp_compare *op)
{
	for (size_t i = 0; i < N_ELEMS (ops); i++)
		if (name && strcmp (ops[i].name, name) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

/* One syscall number of rule `idx`. Arguments are ANDed, except when two share an
 * index: libseccomp cannot AND two conditions on one argument, and runc
 * (libcontainer/seccomp/seccomp_linux.go, "hasMultipleArgs") and crun (seccomp.c,
 * "multiple_args") then add one rule per condition, which ORs them. hull does the
 * same so that a profile means the same thing under all three runtimes. */
static int
add_rule (scmp_filter_ctx ctx, uint32_t action, int nr, const struct hull_oci_seccomp_syscall *sc,
	  size_t idx, const char *name, hull_error_t *err)
{
	struct scmp_arg_cmp cmp[ARGS_MAX];
	unsigned int count[ARGS_MAX] = { 0 };
	bool split = false;
	int r = 0;

	if (sc->n_args > ARGS_MAX)
		return hull_error_make (err, 0, FIELD ".syscalls[%zu].args: more than %d", idx,
					ARGS_MAX);
	for (size_t k = 0; k < sc->n_args; k++) {
		const struct hull_oci_seccomp_arg *a = &sc->args[k];

		if (a->index >= ARGS_MAX)
			return hull_error_make (err, 0, FIELD ".syscalls[%zu].args[%zu]: index %u",
						idx, k, a->index);
		if (resolve_op (a->op, &cmp[k].op) < 0)
			return hull_error_make (err, 0,
						FIELD ".syscalls[%zu].args[%zu]: unknown operator "
						      "`%s`",
						idx, k, a->op ? a->op : "");
		/* MASKED_EQ: (arg & value) == valueTwo, libseccomp's datum_a / datum_b. */
		cmp[k].arg = a->index;
		cmp[k].datum_a = a->value;
		cmp[k].datum_b = a->value_two;
		split = split || ++count[a->index] > 1;
	}
	if (!split)
		r = seccomp_rule_add_array (ctx, action, nr, (unsigned int) sc->n_args,
					    sc->n_args ? cmp : NULL);
	for (size_t k = 0; split && k < sc->n_args && r >= 0; k++)
		r = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[k]);
	if (r < 0)
		return hull_error_make (err, -r, FIELD ".syscalls[%zu]: add rule for `%s`", idx,
					name);
	return 0;
}

static int
add_syscalls (scmp_filter_ctx ctx, const struct hull_oci_seccomp *s, uint32_t def, bool *notify,
	      hull_error_t *err)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct hull_oci_seccomp_syscall *sc = &s->syscalls[i];
		char field[64];
		uint32_t action;

		snprintf (field, sizeof field, FIELD ".syscalls[%zu]", i);
		if (resolve_action (sc->action, sc->has_errno_ret, sc->errno_ret, field, &action,
				    err) < 0)
			return -1;
		/* libseccomp refuses a rule whose action is the default one; it would change
		 * nothing anyway. */
		if (action == def)
			continue;
		*notify = *notify || action == SCMP_ACT_NOTIFY;
		for (size_t j = 0; j < sc->names.n; j++) {
			int nr = seccomp_syscall_resolve_name (sc->names.v[j]);

			/* Newer than this libseccomp: the default action applies, as with
			 * runc and crun (podman's profile lists syscalls of newer kernels). */
			if (nr == __NR_SCMP_ERROR) {
				hull_debug ("%s: syscall `%s` unknown to libseccomp, skipped",
					    field, sc->names.v[j]);
				continue;
			}
			if (add_rule (ctx, action, nr, sc, i, sc->names.v[j], err) < 0)
				return -1;
		}
	}
	return 0;
}

/* libseccomp 2.5 has no seccomp_export_bpf_mem (2.6 does): export to a memfd and read
 * the program back. */
static int
export_bpf (scmp_filter_ctx ctx, struct hull_seccomp_prog *p, hull_error_t *err)
{
	_cleanup_close_ int fd = memfd_create ("hull-seccomp", MFD_CLOEXEC);
	struct stat st;
	size_t size, done = 0;
	int r;

	if (fd < 0)
		return hull_error_make (err, errno, FIELD ": memfd_create");
	if ((r = seccomp_export_bpf (ctx, fd)) < 0)
		return hull_error_make (err, -r, FIELD ": export BPF");
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, FIELD ": stat exported BPF");
	size = (size_t) st.st_size;
	if (size == 0 || size % sizeof (struct sock_filter) != 0)
		return hull_error_make (err, EPROTO, FIELD ": exported BPF has %zu bytes", size);
	/* The kernel refuses longer programs (BPF_MAXINSNS); say so here, by name. */
	if (size / sizeof (struct sock_filter) > BPF_MAXINSNS)
		return hull_error_make (err, E2BIG,
					FIELD ": the profile compiles to %zu BPF instructions, "
					      "more than the kernel's %d",
					size / sizeof (struct sock_filter), BPF_MAXINSNS);
	p->filter = hull_xmalloc (size);
	p->len = (unsigned short) (size / sizeof (struct sock_filter));
	while (done < size) {
		ssize_t n = pread (fd, (char *) p->filter + done, size - done, (off_t) done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hull_error_make (err, n < 0 ? errno : EIO, FIELD ": read BPF");
		done += (size_t) n;
	}
	return 0;
}

/* The libseccomp filter of `s` (present); p receives the flags and notify. */
static int
build_ctx (const struct hull_oci_seccomp *s, scmp_filter_ctx *out, struct hull_seccomp_prog *p,
	   hull_error_t *err)
{
	_cleanup_ (release_ctx) scmp_filter_ctx ctx = NULL;
	uint32_t def;

	if (resolve_action (s->default_action, s->has_default_errno_ret, s->default_errno_ret,
			    FIELD ".defaultAction", &def, err) < 0)
		return -1;
	/* As runc: every syscall would wait on the agent, the runtime's own last ones too. */
	if (def == SCMP_ACT_NOTIFY)
		return hull_error_make (err, 0,
					FIELD ".defaultAction: SCMP_ACT_NOTIFY cannot be the "
					      "default action");
	compile_count++;
	ctx = seccomp_init (def);
	if (ctx == NULL)
		return hull_error_make (err, 0, FIELD ": seccomp_init (%s) failed",
					s->default_action);
	/* hull sets no_new_privs itself, from process.noNewPrivileges. */
	if (seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		return hull_error_make (err, 0, FIELD ": clear SCMP_FLTATR_CTL_NNP");
	if (add_arches (ctx, &s->architectures, err) < 0 ||
	    add_syscalls (ctx, s, def, &p->notify, err) < 0 ||
	    profile_flags (&s->flags, p->notify, &p->flags, err) < 0)
		return -1;
	*out = TAKE_PTR (ctx);
	return 0;
}

int
hull_seccomp_compile (const struct hull_oci_seccomp *s, struct hull_seccomp_prog **out,
		      hull_error_t *err)
{
	_cleanup_ (release_ctx) scmp_filter_ctx ctx = NULL;
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;

	*out = NULL;
	if (!s->present)
		return 0;
	p = hull_xzalloc (sizeof *p);
	if (build_ctx (s, &ctx, p, err) < 0 || export_bpf (ctx, p, err) < 0)
		return -1;
	*out = TAKE_PTR (p);
	return 0;
}

int
hull_seccomp_export_pfc (const struct hull_oci_seccomp *s, int fd, hull_error_t *err)
{
	_cleanup_ (release_ctx) scmp_filter_ctx ctx = NULL;
	struct hull_seccomp_prog p = { 0 };
	int r;

	if (!s->present)
		return 0;
	if (build_ctx (s, &ctx, &p, err) < 0)
		return -1;
	if ((r = seccomp_export_pfc (ctx, fd)) < 0)
		return hull_error_make (err, -r, FIELD ": export PFC");
	return 0;
}

int
hull_seccomp_load (const struct hull_seccomp_prog *p, int *listener_fd, hull_error_t *err)
{
	struct sock_fprog prog;
	unsigned int flags;
	long r;

	if (p == NULL)
		return 0;
	/* Fail closed: a NOTIFY rule loaded without an agent would block forever. */
	if (p->notify && listener_fd == NULL)
		return hull_error_make (err, 0, FIELD ": SCMP_ACT_NOTIFY is not supported yet");
	flags = p->flags;
	if (p->notify) {
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		/* TSYNC and NEW_LISTENER are exclusive unless TSYNC_ESRCH (seccomp(2)). */
		if (flags & SECCOMP_FILTER_FLAG_TSYNC)
			flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	prog.len = p->len;
	prog.filter = p->filter;
	r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0 && errno == EACCES)
		return hull_error_make (err, errno,
					FIELD ": load filter (needs process.noNewPrivileges or "
					      "CAP_SYS_ADMIN)");
	if (r < 0)
		return hull_error_make (err, errno, FIELD ": load filter (flags %#x)", flags);
	if (p->notify)
		*listener_fd = (int) r;
	return 0;
}

/* state.md "Container process state". */
static char *
process_state (const struct hull_oci_seccomp *s, pid_t pid, const char *state_json,
	       hull_error_t *err)
{
	json_t *state = json_loads (state_json, 0, NULL);
	json_t *j;
	char *text;

	if (state == NULL) {
		hull_error_make (err, EINVAL, FIELD ".listenerPath: invalid container state");
		return NULL;
	}
	j = json_object ();
	json_object_set_new (j, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (j, "fds", json_pack ("[s]", "seccompFd"));
	json_object_set_new (j, "pid", json_integer (pid));
	if (s->listener_metadata)
		json_object_set_new (j, "metadata", json_string (s->listener_metadata));
	json_object_set_new (j, "state", state);
	text = json_dumps (j, JSON_COMPACT);
	json_decref (j);
	if (text == NULL)
		abort ();
	return text;
}

/* The first chunk carries the fd; a stream socket may take the rest in pieces. */
static int
send_with_fd (int sock, const char *data, size_t len, int fd, hull_error_t *err)
{
	char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
	struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	size_t done = 0;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	cm = CMSG_FIRSTHDR (&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN (sizeof (int));
	memcpy (CMSG_DATA (cm), &fd, sizeof (int));
	while (done < len) {
		ssize_t n;

		iov.iov_base = (char *) data + done;
		iov.iov_len = len - done;
		n = sendmsg (sock, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, FIELD ".listenerPath: send");
		done += (size_t) n;
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	return 0;
}

int
hull_seccomp_send_listener (const struct hull_oci_seccomp *s, int listener_fd, pid_t pid,
			    const char *state_json, hull_error_t *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int sock = -EBADF;
	size_t len = s->listener_path ? strlen (s->listener_path) : 0;

	if (len == 0 || len >= sizeof addr.sun_path)
		return hull_error_make (err, ENAMETOOLONG, FIELD ".listenerPath: invalid `%s`",
					s->listener_path ? s->listener_path : "");
	memcpy (addr.sun_path, s->listener_path, len + 1);
	text = process_state (s, pid, state_json, err);
	if (text == NULL)
		return -1;
	sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return hull_error_make (err, errno, FIELD ".listenerPath: socket");
	/* The runtime MUST generate an error if sending fails (config-linux.md). */
	if (connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
		return hull_error_make (err, errno, FIELD ".listenerPath: connect to `%s`",
					s->listener_path);
	return send_with_fd (sock, text, strlen (text), listener_fd, err);
}
