/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The on-disk cache of compiled seccomp programs (DESIGN.md: "compiled seccomp filters
 * cached by the SHA-256 of the profile"). A start with a known profile reads one small
 * file instead of running libseccomp.
 *
 * Key: SHA-256 over a format tag, the libseccomp version, the kernel ABI libseccomp
 * targets (seccomp_api_get, the native arch) and a canonical serialisation of the
 * parsed struct hull_oci_seccomp (so JSON whitespace and key order do not matter).
 * Entry `<dir>/<hex key>`: struct entry_header, then the BPF program. An entry is never
 * trusted: owner, mode, size, magic, format, key and the SHA-256 of the program are
 * checked, and anything else is removed and rebuilt. The directory must be the
 * caller's and not writable by others, or the cache is not used at all. */
#include "runtime/linux/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/sha256.h"
#include "common/xalloc.h"

#define CACHE_FORMAT 1u
#define CACHE_DEFAULT_DIR "/var/cache/hull/seccomp"
static const char cache_magic[8] = "HULLSCF";

struct entry_header {
	char magic[8];
	uint32_t format;
	uint32_t len; /* instructions */
	uint32_t flags;
	uint32_t notify;
	uint8_t key[HULL_SHA256_LEN];
	uint8_t digest[HULL_SHA256_LEN]; /* of the program bytes */
};

static void
sha256_freep (hull_sha256_t **h)
{
	*h = hull_sha256_free (*h);
}

static void
put_u64 (hull_sha256_t *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t) (v >> (8 * i)); /* little-endian, whatever the host */
	hull_sha256_update (h, b, sizeof b);
}

/* Length-prefixed, with NULL distinct from "": no two profiles serialise alike. */
static void
put_str (hull_sha256_t *h, const char *s)
{
	put_u64 (h, s ? strlen (s) : UINT64_MAX);
	if (s)
		hull_sha256_update (h, s, strlen (s));
}

static void
put_strv (hull_sha256_t *h, const struct hull_strv *v)
{
	put_u64 (h, v->n);
	for (size_t i = 0; i < v->n; i++)
		put_str (h, v->v[i]);
}

/* Everything hull_seccomp_compile reads, in a fixed order. listenerPath and
 * listenerMetadata are left out: they do not change the program. */
static void
put_profile (hull_sha256_t *h, const struct hull_oci_seccomp *s)
{
	put_str (h, s->default_action);
	put_u64 (h, s->has_default_errno_ret);
	put_u64 (h, s->default_errno_ret);
	put_strv (h, &s->architectures);
	put_strv (h, &s->flags);
	put_u64 (h, s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct hull_oci_seccomp_syscall *sc = &s->syscalls[i];

		put_strv (h, &sc->names);
		put_str (h, sc->action);
		put_u64 (h, sc->has_errno_ret);
		put_u64 (h, sc->errno_ret);
		put_u64 (h, sc->n_args);
		for (size_t k = 0; k < sc->n_args; k++) {
			put_u64 (h, sc->args[k].index);
			put_u64 (h, sc->args[k].value);
			put_u64 (h, sc->args[k].value_two);
			put_str (h, sc->args[k].op);
		}
	}
}

void
hull_seccomp_cache_key (const struct hull_oci_seccomp *s, uint8_t key[HULL_SHA256_LEN])
{
	_cleanup_ (sha256_freep) hull_sha256_t *h = hull_sha256_new ();
	const struct scmp_version *v = seccomp_version ();

	put_str (h, "hull-seccomp-cache");
	put_u64 (h, CACHE_FORMAT);
	put_u64 (h, v ? v->major : 0);
	put_u64 (h, v ? v->minor : 0);
	put_u64 (h, v ? v->micro : 0);
	put_u64 (h, seccomp_api_get ());
	put_u64 (h, seccomp_arch_native ());
	put_profile (h, s);
	hull_sha256_final (h, key);
}

const char *
hull_seccomp_cache_dir (void)
{
	const char *env = getenv ("HULL_SECCOMP_CACHE");

	return env ? env : CACHE_DEFAULT_DIR;
}

/* Open (creating with 0700 when `create`) the cache directory; refuse one another user
 * could write to, since its entries become the container's filter. */
static int
open_dir (const char *dir, bool create)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (create) {
		_cleanup_free_ char *copy = hull_xstrdup (dir);

		for (char *p = strchr (copy + 1, '/'); p; p = strchr (p + 1, '/')) {
			*p = '\0';
			if (mkdir (copy, 0700) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
		if (mkdir (copy, 0700) < 0 && errno != EEXIST)
			return -1;
	}
	fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat (fd, &st) < 0)
		return -1;
	if (st.st_uid != geteuid () || (st.st_mode & 022)) {
		hull_debug ("seccomp: cache `%s` is not private to this user, not used", dir);
		return -1;
	}
	return TAKE_FD (fd);
}

static int
read_all (int fd, void *buf, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = pread (fd, (char *) buf + done, size - done, (off_t) done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t) n;
	}
	return 0;
}

/* The checks of one entry; returns why it is bad, or NULL with *out filled. */
static const char *
check_entry (int fd, const uint8_t key[HULL_SHA256_LEN], struct hull_seccomp_prog **out)
{
	_cleanup_ (hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	struct entry_header hd;
	uint8_t digest[HULL_SHA256_LEN];
	struct stat st;
	size_t bytes;

	if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid () || (st.st_mode & 022))
		return "wrong owner or mode";
	if ((size_t) st.st_size < sizeof hd ||
	    (size_t) st.st_size > sizeof hd + BPF_MAXINSNS * sizeof (struct sock_filter))
		return "bad size";
	if (read_all (fd, &hd, sizeof hd) < 0)
		return "short read";
	if (memcmp (hd.magic, cache_magic, sizeof hd.magic) != 0 || hd.format != CACHE_FORMAT)
		return "bad magic or format";
	if (memcmp (hd.key, key, HULL_SHA256_LEN) != 0)
		return "key mismatch";
	bytes = (size_t) hd.len * sizeof (struct sock_filter);
	if (hd.len == 0 || hd.len > BPF_MAXINSNS || (size_t) st.st_size != sizeof hd + bytes)
		return "bad length";
	p = hull_xzalloc (sizeof *p);
	p->filter = hull_xmalloc (bytes);
	p->len = (unsigned short) hd.len;
	p->flags = hd.flags;
	p->notify = hd.notify != 0;
	if (pread (fd, p->filter, bytes, sizeof hd) != (ssize_t) bytes)
		return "short read";
	hull_sha256 (p->filter, bytes, digest);
	if (memcmp (digest, hd.digest, sizeof digest) != 0)
		return "program digest mismatch";
	*out = TAKE_PTR (p);
	return NULL;
}

static struct hull_seccomp_prog *
cache_read (int dirfd, const char *name, const uint8_t key[HULL_SHA256_LEN])
{
	_cleanup_close_ int fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct hull_seccomp_prog *p = NULL;
	const char *why;

	if (fd < 0) {
		if (errno != ENOENT)
			unlinkat (dirfd, name, 0);
		return NULL;
	}
	why = check_entry (fd, key, &p);
	if (why) {
		hull_debug ("seccomp: cache entry %s rejected (%s), removed", name, why);
		unlinkat (dirfd, name, 0);
	}
	return p;
}

/* temp file + fsync + rename: a reader sees a whole entry or none. */
static int
cache_write (int dirfd, const char *name, const uint8_t key[HULL_SHA256_LEN],
	     const struct hull_seccomp_prog *p)
{
	struct entry_header hd = { .format = CACHE_FORMAT, .len = p->len, .flags = p->flags };
	size_t bytes = (size_t) p->len * sizeof (struct sock_filter);
	char tmp[HULL_SHA256_HEX_LEN + 32];
	_cleanup_close_ int fd = -EBADF;
	int r = 0;

	memcpy (hd.magic, cache_magic, sizeof hd.magic);
	memcpy (hd.key, key, HULL_SHA256_LEN);
	hd.notify = p->notify;
	hull_sha256 (p->filter, bytes, hd.digest);
	snprintf (tmp, sizeof tmp, ".%s.%d.tmp", name, (int) getpid ());
	fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	if (write (fd, &hd, sizeof hd) != (ssize_t) sizeof hd ||
	    write (fd, p->filter, bytes) != (ssize_t) bytes || fsync (fd) < 0 ||
	    renameat (dirfd, tmp, dirfd, name) < 0)
		r = -1;
	if (r < 0)
		unlinkat (dirfd, tmp, 0);
	else
		fsync (dirfd);
	return r;
}

int
hull_seccomp_prepare (const struct hull_oci_seccomp *s, const char *dir,
		      struct hull_seccomp_prog **out, hull_error_t *err)
{
	uint8_t key[HULL_SHA256_LEN];
	char name[HULL_SHA256_HEX_LEN + 1];
	_cleanup_close_ int dirfd = -EBADF;

	*out = NULL;
	if (!s->present)
		return 0;
	if (dir == NULL)
		dir = hull_seccomp_cache_dir ();
	hull_seccomp_cache_key (s, key);
	hull_sha256_hex (key, name);
	if (*dir != '\0' && (dirfd = open_dir (dir, false)) >= 0 &&
	    (*out = cache_read (dirfd, name, key)) != NULL) {
		hull_debug ("seccomp: cache hit %s (%u instructions)", name, (*out)->len);
		return 0;
	}
	if (hull_seccomp_compile (s, out, err) < 0)
		return -1;
	hull_debug ("seccomp: cache miss %s, compiled %u instructions", name, (*out)->len);
	if (*dir != '\0' && dirfd < 0)
		dirfd = open_dir (dir, true);
	/* Not writing the cache costs the next start time, nothing else. */
	if (dirfd >= 0 && cache_write (dirfd, name, key, *out) < 0)
		hull_debug ("seccomp: cache write to `%s` failed: %s", dir, strerror (errno));
	return 0;
}
