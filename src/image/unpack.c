/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layer unpacking (docs/unpack.md). Two libarchive readers are chained: `outer`
 * only decompresses (gzip, zstd or nothing, raw format) and `inner` parses the tar
 * from the bytes the outer one produces. The pipe between them is ours, so the
 * uncompressed stream is hashed (diff_id) and measured (size and ratio limits) exactly
 * once, as libarchive consumes it. Every entry is then written by hull itself, relative
 * to a parent directory fd obtained through the rootfs resolver, never with
 * archive_write_disk: its path handling is what the "zip slip" class of bugs and
 * CVE-2018-15664-style symlink races exploit. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "hull/image.h"
#include "image/unpack.h"

#define CHUNK (128 * 1024)
#define REMOVE_MAX_DEPTH 4096u
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* A create call found the name taken: dispatch () clears it and tries again. */
#define TAKEN 1

/* A set of strings (open addressing, linear probing) for the names this layer wrote.
 * The hash is seeded per layer so that a crafted archive cannot precompute names
 * that all land in one probe run. */
struct pathset {
	char **slot;
	size_t cap, n;
	uint64_t seed;
};

/* A directory whose times are set once the layer is complete (tar -x does the same:
 * creating children updates the directory's mtime). */
struct dirtime {
	const char *path; /* owned by the pathset */
	struct timespec ts[2];
};

/* The ring between the decompressor thread and the tar reader: slots [tail, head) are
 * filled, the reader holds slot `tail` while `held`. */
#define RING 8
#define RING_CHUNK (256 * 1024)
struct stream {
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *buf[RING];
	size_t len[RING];
	uint64_t head, tail;
	bool held, done, stop;
	bool inline_mode; /* no thread: the reader decompresses itself */
	int status;	  /* the decompressor's last result: 0 at the end, -1 on error */
	hull_error_t err; /* its error */
};

struct limits {
	uint64_t total_bytes, entries;
	uint32_t path_len, depth, ratio;
};

struct unpack {
	int rootfd, layer_fd;
	const struct hull_unpack_opts *o;
	struct limits lim;
	struct hull_unpack_stats *st;
	hull_error_t *err;
	struct archive *outer, *inner;
	hull_sha256_t *sha;
	struct stream sm;
	bool stream_failed;   /* err was filled by a read callback */
	char *entry;	      /* copy of the current entry name, for messages */
	const char *name;     /* its normalised form, as stored in `names` */
	uint64_t written;     /* sum of regular file sizes */
	struct pathset names; /* what this layer wrote, for whiteouts and opaque dirs */
	struct dirtime *dirs;
	size_t n_dirs, cap_dirs;
	char *pcache;  /* the parent directory the last entry was written to ... */
	int pcache_fd; /* ... and its resolver-obtained O_PATH fd */
	bool touched;  /* the current entry removed or changed something existing */
	bool probe;    /* first create attempt: EEXIST returns TAKEN */
	uid_t euid;    /* owner of what we create ... */
	gid_t new_gid; /* ... and its group in the cached parent (setgid inherits) */
	char in[CHUNK];
};

HULL_DEFINE_CLEANUP (struct archive, archive_read_free)

static uint64_t
or_default (uint64_t v, uint64_t def)
{
	return v ? v : def;
}

static void
set_limits (struct unpack *u)
{
	const struct hull_unpack_opts *o = u->o;

	u->lim.total_bytes = or_default (o->max_total_bytes, HULL_UNPACK_DEFAULT_MAX_TOTAL_BYTES);
	u->lim.entries = or_default (o->max_entries, HULL_UNPACK_DEFAULT_MAX_ENTRIES);
	u->lim.path_len = (uint32_t) or_default (o->max_path_len, HULL_UNPACK_DEFAULT_MAX_PATH_LEN);
	u->lim.depth = (uint32_t) or_default (o->max_depth, HULL_UNPACK_DEFAULT_MAX_DEPTH);
	u->lim.ratio = (uint32_t) or_default (o->max_ratio, HULL_UNPACK_DEFAULT_MAX_RATIO);
}

/* --- the stream: compressed fd -> outer (decompress) -> hash + limits -> inner (tar) --- */

static la_ssize_t
outer_read (struct archive *a, void *data, const void **buf)
{
	struct unpack *u = data;
	ssize_t n;

	do
		n = read (u->layer_fd, u->in, sizeof u->in);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error (a, errno, "read layer");
		return -1;
	}
	u->st->compressed_bytes += (uint64_t) n;
	*buf = u->in;
	return n;
}

/* Next chunk of uncompressed bytes (at most `size`) into buf, hashed and checked
 * against the stream limits. Returns the length, 0 at the end, or -1 with err filled.
 * Runs in the decompressor thread during an unpack: touches only the outer reader,
 * the hash and the stream counters of the stats. */
static ssize_t
pull_uncompressed (struct unpack *u, char *buf, size_t size, hull_error_t *err)
{
	struct hull_unpack_stats *st = u->st;
	la_ssize_t n = archive_read_data (u->outer, buf, size);

	if (n < 0) {
		hull_error_make (err, EINVAL, "decompress layer: %s",
				 archive_error_string (u->outer));
		return -1;
	}
	hull_sha256_update (u->sha, buf, (size_t) n);
	st->uncompressed_bytes += (uint64_t) n;
	if (st->uncompressed_bytes > u->lim.total_bytes) {
		hull_error_make (err, EFBIG,
				 "uncompressed layer over the limit max_total_bytes=%" PRIu64,
				 u->lim.total_bytes);
		return -1;
	}
	/* Decompression bombs: a few KiB of gzip/zstd can expand to gigabytes. */
	if (st->uncompressed_bytes >= HULL_UNPACK_RATIO_MIN_BYTES &&
	    st->uncompressed_bytes / u->lim.ratio > st->compressed_bytes) {
		hull_error_make (err, EFBIG,
				 "compression ratio over the limit max_ratio=%u "
				 "(%" PRIu64 " bytes from %" PRIu64 ")",
				 u->lim.ratio, st->uncompressed_bytes, st->compressed_bytes);
		return -1;
	}
	return (ssize_t) n;
}

/* The decompressor thread: decompression and hashing run beside the tar parsing and
 * file writing (as `tar -xzf` runs gzip in a second process), handing over full
 * buffers through a small ring. Limits are checked before a buffer is handed over,
 * so the writer never sees a byte past a limit. */
static void *
produce (void *arg)
{
	struct unpack *u = arg;
	struct stream *sm = &u->sm;

	for (;;) {
		bool stop;
		char *b;
		ssize_t n;

		pthread_mutex_lock (&sm->mu);
		while (sm->head - sm->tail == RING && !sm->stop)
			pthread_cond_wait (&sm->cv, &sm->mu);
		stop = sm->stop;
		b = sm->buf[sm->head % RING];
		pthread_mutex_unlock (&sm->mu);
		if (stop)
			return NULL;
		n = pull_uncompressed (u, b, RING_CHUNK, &sm->err);
		pthread_mutex_lock (&sm->mu);
		if (n > 0) {
			sm->len[sm->head++ % RING] = (size_t) n;
		} else {
			sm->status = (int) n;
			sm->done = true;
		}
		pthread_cond_broadcast (&sm->cv);
		pthread_mutex_unlock (&sm->mu);
		if (n <= 0)
			return NULL;
	}
}

static bool force_inline;

void
hull_image_unpack_force_inline (bool on)
{
	force_inline = on;
}

/* Start the decompressor thread. Where threads cannot be made (a seccomp filter that
 * denies clone, as in a confined helper, or no resources) the reader decompresses
 * inline instead: slower, the same bytes and checks. */
static void
start_stream (struct unpack *u)
{
	struct stream *sm = &u->sm;
	sigset_t all, old;
	int r = EAGAIN;

	for (size_t i = 0; i < RING; i++)
		sm->buf[i] = hull_xmalloc (RING_CHUNK);
	if (!force_inline) {
		/* Signals are the calling thread's business. */
		sigfillset (&all);
		pthread_sigmask (SIG_BLOCK, &all, &old);
		r = pthread_create (&sm->thread, NULL, produce, u);
		pthread_sigmask (SIG_SETMASK, &old, NULL);
	}
	sm->running = r == 0;
	sm->inline_mode = r != 0;
}

static void
stop_stream (struct unpack *u)
{
	struct stream *sm = &u->sm;

	if (sm->running) {
		pthread_mutex_lock (&sm->mu);
		sm->stop = true;
		pthread_cond_broadcast (&sm->cv);
		pthread_mutex_unlock (&sm->mu);
		pthread_join (sm->thread, NULL);
		sm->running = false;
	}
	for (size_t i = 0; i < RING; i++) {
		free (sm->buf[i]);
		sm->buf[i] = NULL;
	}
}

/* The next buffer from the decompressor; the previous one is given back. Returns
 * its length, 0 at the end of the stream, or -1 with u->err filled. */
static ssize_t
next_chunk (struct unpack *u, const void **buf)
{
	struct stream *sm = &u->sm;
	ssize_t n;

	if (sm->inline_mode) {
		n = pull_uncompressed (u, sm->buf[0], RING_CHUNK, u->err);
		*buf = sm->buf[0];
		return n;
	}
	pthread_mutex_lock (&sm->mu);
	if (sm->held) {
		sm->tail++;
		sm->held = false;
		pthread_cond_broadcast (&sm->cv);
	}
	while (sm->head == sm->tail && !sm->done)
		pthread_cond_wait (&sm->cv, &sm->mu);
	if (sm->head == sm->tail) {
		n = sm->status;
		if (n < 0 && u->err)
			*u->err = sm->err;
	} else {
		*buf = sm->buf[sm->tail % RING];
		n = (ssize_t) sm->len[sm->tail % RING];
		sm->held = true;
	}
	pthread_mutex_unlock (&sm->mu);
	return n;
}

static la_ssize_t
inner_read (struct archive *a, void *data, const void **buf)
{
	struct unpack *u = data;
	ssize_t n = next_chunk (u, buf);

	if (n < 0) {
		u->stream_failed = true;
		archive_set_error (a, EIO, "layer stream stopped");
		return -1;
	}
	return n;
}

/* Report a libarchive failure on the inner reader, preferring the stream's error
 * (named by the entry being read when it surfaced). */
static int
archive_fail (struct unpack *u, const char *what)
{
	if (u->stream_failed)
		return u->entry ? hull_error_wrap (u->err, "layer entry `%s`", u->entry)
				: hull_error_ret (u->err);
	return hull_error_make (u->err, EINVAL, "layer entry `%s`: %s: %s",
				u->entry ? u->entry : "", what, archive_error_string (u->inner));
}

static int
open_readers (struct unpack *u)
{
	struct archive *o = archive_read_new ();
	struct archive *i = archive_read_new ();
	struct archive_entry *e;

	u->outer = o;
	u->inner = i;
	if (o == NULL || i == NULL)
		return hull_error_make (u->err, ENOMEM, "libarchive");
	/* Only these filters and formats, and only built in: an ARCHIVE_WARN here means
	 * libarchive would run an external program, which a parser of untrusted data must
	 * not do. */
	if (archive_read_support_filter_gzip (o) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd (o) != ARCHIVE_OK ||
	    archive_read_support_format_raw (o) != ARCHIVE_OK ||
	    archive_read_support_format_tar (i) != ARCHIVE_OK)
		return hull_error_make (u->err, ENOTSUP, "libarchive lacks built-in gzip/zstd/tar");
	if (archive_read_open (o, u, NULL, outer_read, NULL) != ARCHIVE_OK)
		return hull_error_make (u->err, EINVAL, "open layer: %s", archive_error_string (o));
	if (archive_read_next_header (o, &e) != ARCHIVE_OK)
		return hull_error_make (u->err, EINVAL, "open layer: %s", archive_error_string (o));
	start_stream (u);
	if (archive_read_open (i, u, NULL, inner_read, NULL) != ARCHIVE_OK)
		return archive_fail (u, "not a tar archive");
	return 0;
}

/* --- the names this layer wrote ------------------------------------------------------ */

static uint64_t
hash_name (uint64_t seed, const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 0x100000001b3ull;
	/* fmix64 (MurmurHash3): spread FNV's weak low bits over the table index. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static size_t
set_find (const struct pathset *ps, const char *s)
{
	size_t i = (size_t) hash_name (ps->seed, s) & (ps->cap - 1);

	while (ps->slot[i] && strcmp (ps->slot[i], s) != 0)
		i = (i + 1) & (ps->cap - 1);
	return i;
}

static bool
set_has (const struct pathset *ps, const char *s)
{
	return ps->cap && ps->slot[set_find (ps, s)] != NULL;
}

/* Add s (copied); returns the stored string. */
static const char *
set_add (struct pathset *ps, const char *s)
{
	size_t i;

	if (2 * (ps->n + 1) > ps->cap) {
		struct pathset bigger = { .cap = ps->cap ? 2 * ps->cap : 1024, .seed = ps->seed };

		bigger.slot = hull_xzalloc (bigger.cap * sizeof *bigger.slot);
		for (size_t j = 0; j < ps->cap; j++)
			if (ps->slot[j])
				bigger.slot[set_find (&bigger, ps->slot[j])] = ps->slot[j];
		bigger.n = ps->n;
		free (ps->slot);
		*ps = bigger;
	}
	i = set_find (ps, s);
	if (ps->slot[i] == NULL) {
		ps->slot[i] = hull_xstrdup (s);
		ps->n++;
	}
	return ps->slot[i];
}

static void
set_free (struct pathset *ps)
{
	for (size_t i = 0; i < ps->cap; i++)
		free (ps->slot[i]);
	free (ps->slot);
	memset (ps, 0, sizeof *ps);
}

/* --- names --------------------------------------------------------------------------- */

/* Normalise an entry name or hard link target: leading `/` and `.` components are
 * dropped (an absolute name is taken relative to the layer root, as GNU tar and every
 * image tool do), `..` components are refused outright: with RESOLVE_IN_ROOT they could
 * not leave the root, but an image that uses them is hostile (the "zip slip" class,
 * Docker CVE-2019-14271-style path confusion). Returns the clean relative path ("" for
 * the root itself) or NULL with err filled. */
static char *
normalise (struct unpack *u, const char *raw, const char *what)
{
	_cleanup_free_ char *out = NULL;
	size_t len, o = 0;
	uint32_t depth = 0;

	if (raw == NULL)
		return hull_error_make (u->err, EINVAL, "layer entry: %s not representable", what),
		       NULL;
	len = strlen (raw);
	if (len > u->lim.path_len)
		return hull_error_make (u->err, ENAMETOOLONG,
					"layer entry `%.64s...`: %s of %zu bytes over the limit "
					"max_path_len=%u",
					raw, what, len, u->lim.path_len),
		       NULL;
	out = hull_xmalloc (len + 1);
	for (const char *p = raw; *p;) {
		size_t n = strcspn (p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return hull_error_make (u->err, EPERM,
						"layer entry `%s`: %s has a `..` component",
						u->entry ? u->entry : raw, what),
			       NULL;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (++depth > u->lim.depth)
				return hull_error_make (
					       u->err, ENAMETOOLONG,
					       "layer entry `%s`: %s deeper than the limit "
					       "max_depth=%u",
					       u->entry ? u->entry : raw, what, u->lim.depth),
				       NULL;
			if (o > 0)
				out[o++] = '/';
			memcpy (out + o, p, n);
			o += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	return TAKE_PTR (out);
}

/* Split "a/b/c" into parent "a/b" (or "/" for the root) and base "c", in place. */
static const char *
split (char *path, const char **base)
{
	char *slash = strrchr (path, '/');

	if (slash == NULL) {
		*base = path;
		return "/";
	}
	*slash = '\0';
	*base = slash + 1;
	return path;
}

/* --- removal ----------------------------------------------------------------------- */

static int remove_at (int dirfd, const char *name, unsigned depth, hull_error_t *err);

static int
empty_dir (int fd, unsigned depth, hull_error_t *err)
{
	bool removed = true;
	int dfd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
	DIR *d;

	if (dfd < 0)
		return hull_error_make (err, errno, "dup directory fd");
	d = fdopendir (dfd);
	if (d == NULL) {
		hull_safe_close (dfd);
		return hull_error_make (err, errno, "read directory");
	}
	/* Rewind until a pass removes nothing: removing while reading may skip entries. */
	while (removed) {
		struct dirent *de;

		removed = false;
		rewinddir (d);
		while ((de = readdir (d)) != NULL) {
			if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
				continue;
			if (remove_at (fd, de->d_name, depth + 1, err) < 0) {
				closedir (d);
				return hull_error_ret (err);
			}
			removed = true;
		}
	}
	closedir (d);
	return 0;
}

static int
remove_at (int dirfd, const char *name, unsigned depth, hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	if (fstatat (dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_error_make (err, errno, "stat `%s`", name);
	if (!S_ISDIR (st.st_mode)) {
		if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
			return hull_error_make (err, errno, "remove `%s`", name);
		return 0;
	}
	if (depth > REMOVE_MAX_DEPTH)
		return hull_error_make (err, ELOOP, "remove `%s`: tree too deep", name);
	/* O_NOFOLLOW: the directory cannot be swapped for a symlink between the stat and
	 * the open and make us empty a directory elsewhere. */
	fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", name);
	if (empty_dir (fd, depth, err) < 0)
		return hull_error_wrap (err, "remove `%s`", name);
	if (unlinkat (dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_error_make (err, errno, "remove directory `%s`", name);
	return 0;
}

int
hull_image_remove_tree (int dirfd, const char *name, hull_error_t *err)
{
	if (name == NULL || *name == '\0' || strchr (name, '/') || strcmp (name, ".") == 0 ||
	    strcmp (name, "..") == 0)
		return hull_error_make (err, EINVAL, "remove tree: `%s` is not a plain name",
					name ? name : "");
	return remove_at (dirfd, name, 0, err);
}

/* --- whiteouts ----------------------------------------------------------------------- */

/* "parent/name" as a layer path ("" is the root); NULL when longer than any name this
 * layer could have written (then it was not written). */
static char *
join_name (const struct unpack *u, const char *parent, const char *name)
{
	if (parent == NULL)
		return NULL;
	if (strlen (parent) + strlen (name) + 1 > u->lim.path_len)
		return NULL;
	return *parent ? hull_xasprintf ("%s/%s", parent, name) : hull_xstrdup (name);
}

static void
free_names (char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free (v[i]);
	free (v);
}

/* The names in directory fd, read before anything is removed from it. */
static int
list_names (int fd, char ***out, size_t *n_out, hull_error_t *err)
{
	int dfd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (dfd < 0)
		return hull_error_make (err, errno, "dup directory fd");
	d = fdopendir (dfd);
	if (d == NULL) {
		hull_safe_close (dfd);
		return hull_error_make (err, errno, "read directory");
	}
	while ((de = readdir (d)) != NULL) {
		if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			v = hull_xrealloc (v, cap * sizeof *v);
		}
		v[n++] = hull_xstrdup (de->d_name);
	}
	closedir (d);
	*out = v;
	*n_out = n;
	return 0;
}

static int hide_lower (struct unpack *u, int fd, const char *name, const char *path,
		       unsigned depth);

/* Everything in directory fd (layer path `path`) that this layer did not write. */
static int
clear_lower (struct unpack *u, int fd, const char *path, unsigned depth)
{
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (list_names (fd, &names, &n, u->err) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *child = join_name (u, path, names[i]);

		r = hide_lower (u, fd, names[i], child, depth);
	}
	free_names (names, n);
	return r;
}

/* Hide the lower-layer content at `name` in fd (layer path `path`): OCI image-spec
 * layer.md, "Whiteouts": whiteouts and opaque markers apply to lower layers only, and
 * what the same layer writes survives whatever the order of the tar entries. So what
 * this layer wrote is kept, a directory it did not write is emptied of lower content
 * and removed unless something of this layer is left in it, anything else goes.
 * Never follows symlinks (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW). */
static int
hide_lower (struct unpack *u, int fd, const char *name, const char *path, unsigned depth)
{
	_cleanup_close_ int cfd = -EBADF;
	bool written = path && set_has (&u->names, path);
	struct stat st;

	if (fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_error_make (u->err, errno, "stat `%s`", name);
	if (!S_ISDIR (st.st_mode)) {
		if (!written && unlinkat (fd, name, 0) < 0 && errno != ENOENT)
			return hull_error_make (u->err, errno, "remove `%s`", name);
		return 0;
	}
	if (u->names.n == 0)
		return remove_at (fd, name, depth, u->err); /* nothing of this layer yet */
	if (depth > REMOVE_MAX_DEPTH)
		return hull_error_make (u->err, ELOOP, "remove `%s`: tree too deep", name);
	cfd = openat (fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return hull_error_make (u->err, errno, "open `%s`", name);
	if (clear_lower (u, cfd, path, depth + 1) < 0)
		return -1;
	if (!written && unlinkat (fd, name, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY &&
	    errno != EEXIST && errno != ENOENT)
		return hull_error_make (u->err, errno, "remove directory `%s`", name);
	return 0;
}

/* `.wh.NAME` hides NAME of the lower layers; `.wh..wh..opq` hides the directory's
 * lower content (OCI image spec, "Whiteouts"). The name to hide is a single
 * component in the whiteout's own directory: `.wh..`/`.wh...` would reach the
 * directory itself or its parent and are refused. */
static int
apply_whiteout (struct unpack *u, const char *parent, const char *base)
{
	_cleanup_close_ int pfd = -EBADF;
	_cleanup_free_ char *target = NULL;
	const char *name = base + strlen (WHITEOUT_PREFIX);
	const char *dir = strcmp (parent, "/") == 0 ? "" : parent;
	bool opaque = strcmp (base, WHITEOUT_OPAQUE) == 0;
	hull_error_t ignored;

	if (!opaque && (*name == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
			strncmp (name, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) == 0))
		return hull_error_make (u->err, EPERM,
					"layer entry `%s`: whiteout does not name an entry of its "
					"directory",
					u->entry);
	u->touched = true;
	pfd = hull_path_openat_in_root (u->rootfd, parent, O_RDONLY | O_DIRECTORY, 0, &ignored);
	if (pfd < 0)
		return 0; /* nothing below to hide */
	if (opaque) {
		u->st->opaque_dirs++;
		if (clear_lower (u, pfd, dir, 0) < 0)
			return hull_error_wrap (u->err, "layer entry `%s`: opaque directory",
						u->entry);
		return 0;
	}
	u->st->whiteouts++;
	target = join_name (u, dir, name);
	if (hide_lower (u, pfd, name, target, 0) < 0)
		return hull_error_wrap (u->err, "layer entry `%s`: whiteout", u->entry);
	return 0;
}

/* --- metadata ------------------------------------------------------------------------ */

static int
map_id (const struct hull_unpack_idmap *map, size_t n, int64_t id, uint32_t *out)
{
	if (id < 0 || id > UINT32_MAX)
		return -1;
	if (n == 0) {
		*out = (uint32_t) id;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if ((uint64_t) id >= map[i].container_id &&
		    (uint64_t) id - map[i].container_id < map[i].size) {
			*out = map[i].host_id + (uint32_t) ((uint64_t) id - map[i].container_id);
			return 0;
		}
	}
	return -1;
}

static int
entry_owner (struct unpack *u, struct archive_entry *e, uid_t *uid, gid_t *gid)
{
	uint32_t hu, hg;

	if (map_id (u->o->uid_map, u->o->n_uid_map, archive_entry_uid (e), &hu) < 0)
		return hull_error_make (u->err, EINVAL,
					"layer entry `%s`: uid %" PRId64 " is not mapped", u->entry,
					(int64_t) archive_entry_uid (e));
	if (map_id (u->o->gid_map, u->o->n_gid_map, archive_entry_gid (e), &hg) < 0)
		return hull_error_make (u->err, EINVAL,
					"layer entry `%s`: gid %" PRId64 " is not mapped", u->entry,
					(int64_t) archive_entry_gid (e));
	*uid = hu;
	*gid = hg;
	return 0;
}

/* Permission bits; setuid/setgid on non-directories are cleared unless allowed (an
 * image should not smuggle a setuid-root binary onto a host-visible rootfs). */
static mode_t
entry_mode (struct unpack *u, struct archive_entry *e)
{
	mode_t mode = archive_entry_perm (e) & 07777;

	if (!u->o->allow_setid && archive_entry_filetype (e) != AE_IFDIR &&
	    (mode & (S_ISUID | S_ISGID))) {
		mode &= ~(mode_t) (S_ISUID | S_ISGID);
		u->st->cleared_setid++;
	}
	return mode;
}

static void
entry_times (struct archive_entry *e, struct timespec ts[2])
{
	ts[0].tv_sec =
		archive_entry_atime_is_set (e) ? archive_entry_atime (e) : archive_entry_mtime (e);
	ts[0].tv_nsec = archive_entry_atime_is_set (e) ? archive_entry_atime_nsec (e) : 0;
	ts[1].tv_sec = archive_entry_mtime (e);
	ts[1].tv_nsec = archive_entry_mtime_nsec (e);
	for (int i = 0; i < 2; i++)
		if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000)
			ts[i].tv_nsec = 0;
}

/* user.* always; with allow_xattrs everything but trusted.* (host-admin only). Without
 * it security.capability is dropped too: file capabilities are setuid by another name. */
static bool
xattr_allowed (const struct unpack *u, const char *name)
{
	if (strncmp (name, "user.", 5) == 0)
		return true;
	return u->o->allow_xattrs && strncmp (name, "trusted.", 8) != 0;
}

static int
set_xattrs (struct unpack *u, int fd, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset (e);
	while (archive_entry_xattr_next (e, &name, &value, &size) == ARCHIVE_OK) {
		if (name == NULL || !xattr_allowed (u, name)) {
			u->st->dropped_xattrs++;
			continue;
		}
		if (fsetxattr (fd, name, value, size, 0) < 0) {
			if (errno == EOPNOTSUPP) {
				u->st->dropped_xattrs++;
				continue;
			}
			return hull_error_make (u->err, errno, "layer entry `%s`: set xattr `%s`",
						u->entry, name);
		}
	}
	return 0;
}

/* Owner, mode, xattrs, times (unless deferred: directories), in that order: chown
 * clears setuid bits and file capabilities, so it goes first. */
static int
set_meta_fd (struct unpack *u, int fd, struct archive_entry *e, bool times, bool fresh)
{
	struct timespec ts[2];
	uid_t uid;
	gid_t gid;

	if (entry_owner (u, e, &uid, &gid) < 0)
		return -1;
	/* Something we just created in the cached parent already has the owner we would
	 * give it; fchmod below sets the mode either way. */
	if ((!fresh || uid != u->euid || gid != u->new_gid) && fchown (fd, uid, gid) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: chown", u->entry);
	if (fchmod (fd, entry_mode (u, e)) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: chmod", u->entry);
	if (set_xattrs (u, fd, e) < 0)
		return -1;
	if (!times)
		return 0;
	entry_times (e, ts);
	if (futimens (fd, ts) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: set times", u->entry);
	return 0;
}

/* Owner and times of something that must not be opened (symlink, device node). */
static int
set_meta_at (struct unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	struct timespec ts[2];
	uid_t uid;
	gid_t gid;

	if (entry_owner (u, e, &uid, &gid) < 0)
		return -1;
	if (fchownat (pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: chown", u->entry);
	entry_times (e, ts);
	if (utimensat (pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: set times", u->entry);
	return 0;
}

/* --- entries ------------------------------------------------------------------------- */

/* Make room for `base` in pfd: an existing directory stays when a directory comes
 * (returns 1), anything else is removed, without following symlinks. */
static int
prepare_slot (struct unpack *u, int pfd, const char *base, bool is_dir)
{
	struct stat st;

	if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return hull_error_make (u->err, errno, "layer entry `%s`: stat", u->entry);
	}
	u->touched = true;
	if (is_dir && S_ISDIR (st.st_mode))
		return 1;
	if (remove_at (pfd, base, 0, u->err) < 0)
		return hull_error_wrap (u->err, "layer entry `%s`: replace", u->entry);
	return 0;
}

static int
pwrite_all (int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite (fd, p, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		off += w;
		n -= (size_t) w;
	}
	return 0;
}

/* The entry's data, straight from libarchive's buffers (no copy). Sparse entries come
 * as blocks at offsets; their holes stay holes. */
static int
write_data (struct unpack *u, int fd, int64_t size)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int64_t end = 0;
	int r;

	while ((r = archive_read_data_block (u->inner, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || off > size || (uint64_t) len > (uint64_t) (size - off))
			return hull_error_make (u->err, EINVAL,
						"layer entry `%s`: data beyond the entry's size",
						u->entry);
		if (pwrite_all (fd, buf, len, (off_t) off) < 0)
			return hull_error_make (u->err, errno, "layer entry `%s`: write", u->entry);
		if (off + (int64_t) len > end)
			end = off + (int64_t) len;
	}
	if (r != ARCHIVE_EOF)
		return archive_fail (u, "read data");
	if (end < size && ftruncate (fd, size) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: truncate", u->entry);
	return 0;
}

static int
do_file (struct unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	_cleanup_close_ int fd = -EBADF;
	int64_t size = archive_entry_size (e);

	/* A sparse entry can claim a huge size from a few bytes of stream. */
	if (size < 0 || (uint64_t) size > u->lim.total_bytes - u->written)
		return hull_error_make (u->err, EFBIG,
					"layer entry `%s`: file size %" PRId64
					" over the limit max_total_bytes=%" PRIu64,
					u->entry, size, u->lim.total_bytes);
	/* O_EXCL|O_NOFOLLOW: never write through whatever an earlier entry or layer left
	 * under this name (CVE-2018-15664-style symlink swaps, containerd CVE-2021-32760). */
	fd = openat (pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && u->probe)
		return TAKEN;
	if (fd < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: create", u->entry);
	u->written += (uint64_t) size;
	if (write_data (u, fd, size) < 0)
		return -1;
	u->st->files++;
	return set_meta_fd (u, fd, e, true, true);
}

static int
do_dir (struct unpack *u, int pfd, const char *base, struct archive_entry *e, bool exists)
{
	_cleanup_close_ int fd = -EBADF;

	if (!exists && mkdirat (pfd, base, 0700) < 0) {
		if (errno == EEXIST && u->probe)
			return TAKEN;
		return hull_error_make (u->err, errno, "layer entry `%s`: mkdir", u->entry);
	}
	fd = openat (pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: open directory",
					u->entry);
	u->st->dirs++;
	if (set_meta_fd (u, fd, e, false, !exists) < 0)
		return -1;
	/* The times come last, once every child is written (finish_dirs). */
	if (u->n_dirs == u->cap_dirs) {
		u->cap_dirs = u->cap_dirs ? 2 * u->cap_dirs : 64;
		u->dirs = hull_xreallocarray (u->dirs, u->cap_dirs, sizeof *u->dirs);
	}
	u->dirs[u->n_dirs].path = u->name;
	entry_times (e, u->dirs[u->n_dirs].ts);
	u->n_dirs++;
	return 0;
}

static int
do_symlink (struct unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	const char *target = archive_entry_symlink (e);

	/* The target is stored as is: it is only ever resolved later, inside the root. */
	if (target == NULL || *target == '\0')
		return hull_error_make (u->err, EINVAL, "layer entry `%s`: symlink without target",
					u->entry);
	if (strlen (target) > u->lim.path_len)
		return hull_error_make (u->err, ENAMETOOLONG,
					"layer entry `%s`: symlink target over the limit "
					"max_path_len=%u",
					u->entry, u->lim.path_len);
	if (symlinkat (target, pfd, base) < 0) {
		if (errno == EEXIST && u->probe)
			return TAKEN;
		return hull_error_make (u->err, errno, "layer entry `%s`: symlink", u->entry);
	}
	u->st->symlinks++;
	return set_meta_at (u, pfd, base, e);
}

static int
do_node (struct unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype (e) == AE_IFCHR   ? S_IFCHR
		      : archive_entry_filetype (e) == AE_IFBLK ? S_IFBLK
							       : S_IFIFO;

	if (mknodat (pfd, base, type | 0600, archive_entry_rdev (e)) < 0) {
		if (errno == EEXIST && u->probe)
			return TAKEN;
		return hull_error_make (u->err, errno, "layer entry `%s`: mknod", u->entry);
	}
	if (set_meta_at (u, pfd, base, e) < 0)
		return -1;
	/* The node was just created by us and is not a symlink, so following is moot. */
	if (fchmodat (pfd, base, entry_mode (u, e), 0) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: chmod", u->entry);
	return 0;
}

/* Hard links: the target is normalised like a name and its parent opened through the
 * resolver, so it can only be a file already in this rootfs (a link to the host's
 * /etc/shadow is the classic attack). linkat with flags 0 links a symlink itself. */
static int
do_hardlink (struct unpack *u, int pfd, const char *base, const char *raw)
{
	_cleanup_free_ char *target = normalise (u, raw, "hard link target");
	_cleanup_close_ int tpfd = -EBADF;
	const char *tparent, *tbase;
	struct stat st;

	if (target == NULL)
		return -1;
	tparent = split (target, &tbase);
	if (*tbase == '\0')
		return hull_error_make (u->err, EPERM, "layer entry `%s`: hard link to the root",
					u->entry);
	tpfd = hull_path_openat_in_root (u->rootfd, tparent, O_PATH | O_DIRECTORY, 0, u->err);
	if (tpfd < 0)
		return hull_error_wrap (u->err, "layer entry `%s`: hard link target", u->entry);
	if (fstatat (tpfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_make (u->err, errno, "layer entry `%s`: hard link target `%s`",
					u->entry, raw);
	if (S_ISDIR (st.st_mode))
		return hull_error_make (u->err, EPERM,
					"layer entry `%s`: hard link to directory `%s`", u->entry,
					raw);
	if (linkat (tpfd, tbase, pfd, base, 0) < 0) {
		if (errno == EEXIST && u->probe)
			return TAKEN;
		return hull_error_make (u->err, errno, "layer entry `%s`: hard link to `%s`",
					u->entry, raw);
	}
	u->st->hardlinks++;
	return 0;
}

static int
create (struct unpack *u, int pfd, const char *base, struct archive_entry *e, bool dir_exists)
{
	const char *link = archive_entry_hardlink (e);

	if (link)
		return do_hardlink (u, pfd, base, link);
	switch (archive_entry_filetype (e)) {
	case AE_IFREG:
		return do_file (u, pfd, base, e);
	case AE_IFDIR:
		return do_dir (u, pfd, base, e, dir_exists);
	case AE_IFLNK:
		return do_symlink (u, pfd, base, e);
	default:
		return do_node (u, pfd, base, e);
	}
}

static int
dispatch (struct unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	const char *link = archive_entry_hardlink (e);
	unsigned type = archive_entry_filetype (e);
	int exists, r;

	if ((type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO) && !link &&
	    !u->o->allow_devices) {
		u->st->skipped_devices++;
		return 0;
	}
	if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && type != AE_IFCHR &&
	    type != AE_IFBLK && type != AE_IFIFO)
		return hull_error_make (u->err, EINVAL, "layer entry `%s`: unsupported type 0%o",
					u->entry, type);
	/* Create first; only when the name is taken (TAKEN) is it cleared and the entry
	 * created again: one syscall less per entry than looking first. */
	u->probe = true;
	r = create (u, pfd, base, e, false);
	u->probe = false;
	if (r != TAKEN)
		return r;
	exists = prepare_slot (u, pfd, base, !link && type == AE_IFDIR);
	if (exists < 0)
		return -1;
	return create (u, pfd, base, e, exists == 1);
}

static void
drop_parent (struct unpack *u)
{
	free (u->pcache);
	u->pcache = NULL;
	u->pcache_fd = hull_safe_close (u->pcache_fd);
}

/* The entry's parent directory, through the resolver: a parent that is a symlink
 * planted by an earlier entry or layer is followed inside the root only. Missing
 * parents are created 0755.
 *
 * The fd is kept for the next entry with the same parent (tar lists a directory's
 * files together). Reusing it is exactly what a fresh resolution would give as long as
 * nothing existing changed since: a successful resolution only went through names
 * that existed, and entries that merely create new names cannot change it. Any entry
 * that removes or modifies something existing (a replaced name, an existing
 * directory, a whiteout) sets u->touched and drops the cache. */
/* Keep fd (taking it) as the parent for the next entries, with the group what we
 * create in it gets (a setgid directory passes its own group on). */
static int
cache_parent (struct unpack *u, const char *parent, int fd)
{
	struct stat st;

	if (fstat (fd, &st) < 0) {
		hull_safe_close (fd);
		return hull_error_make (u->err, errno, "layer entry `%s`: stat parent", u->entry);
	}
	u->new_gid = (st.st_mode & S_ISGID) ? st.st_gid : (gid_t) setfsgid ((gid_t) -1);
	u->pcache = hull_xstrdup (parent);
	u->pcache_fd = fd;
	return fd;
}

static int
parent_fd_lookup (struct unpack *u, const char *parent, hull_error_t *err)
{
	int fd;

	if (u->pcache && strcmp (u->pcache, parent) == 0)
		return u->pcache_fd;
	drop_parent (u);
	fd = hull_path_openat_in_root (u->rootfd, parent, O_PATH | O_DIRECTORY, 0, err);
	if (fd < 0)
		return -1;
	return cache_parent (u, parent, fd);
}

static int
parent_fd (struct unpack *u, const char *parent)
{
	hull_error_t ignored;
	int fd = parent_fd_lookup (u, parent, &ignored);

	if (fd >= 0)
		return fd;
	fd = hull_path_mkdirs_in_root (u->rootfd, parent, 0755, u->err);
	if (fd < 0)
		return -1;
	return cache_parent (u, parent, fd);
}

static int
apply_entry (struct unpack *u, struct archive_entry *e)
{
	_cleanup_free_ char *path = NULL;
	const char *parent, *base;
	int pfd, r;

	free (u->entry);
	u->entry = hull_xstrdup (archive_entry_pathname (e) ? archive_entry_pathname (e) : "");
	path = normalise (u, archive_entry_pathname (e), "name");
	if (path == NULL)
		return -1;
	if (*path == '\0') {
		/* "./" itself: only a directory may describe the layer root (a symlink named
		 * `.` would otherwise redirect every later entry). */
		if (archive_entry_filetype (e) != AE_IFDIR || archive_entry_hardlink (e))
			return hull_error_make (u->err, EPERM,
						"layer entry `%s`: replaces the layer root",
						u->entry);
		return 0;
	}
	u->touched = false;
	base = strrchr (path, '/');
	if (strncmp (base ? base + 1 : path, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) != 0)
		u->name = set_add (&u->names, path);
	parent = split (path, &base);
	/* A whiteout name is a marker, never a directory to write into. */
	if (strncmp (parent, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) == 0 ||
	    strstr (parent, "/" WHITEOUT_PREFIX))
		return hull_error_make (u->err, EPERM,
					"layer entry `%s`: whiteout name used as a directory",
					u->entry);
	if (strncmp (base, WHITEOUT_PREFIX, strlen (WHITEOUT_PREFIX)) == 0)
		r = apply_whiteout (u, parent, base);
	else if ((pfd = parent_fd (u, parent)) < 0)
		r = hull_error_wrap (u->err, "layer entry `%s`: parent directory", u->entry);
	else
		r = dispatch (u, pfd, base, e);
	if (u->touched)
		drop_parent (u);
	return r;
}

/* Directory times, set after all of the layer's entries (GNU tar's delayed_set_stat):
 * writing a child, a whiteout or an opaque clear changes the directory's mtime. The
 * directory is looked up again through the resolver and never followed if it became
 * a symlink; one that a later entry removed or replaced is skipped. */
static int
finish_dirs (struct unpack *u)
{
	for (size_t i = 0; i < u->n_dirs; i++) {
		_cleanup_free_ char *path = hull_xstrdup (u->dirs[i].path);
		const char *base, *parent = split (path, &base);
		hull_error_t ignored;
		struct stat st;
		int pfd = parent_fd_lookup (u, parent, &ignored);

		if (pfd < 0 || fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR (st.st_mode))
			continue;
		if (utimensat (pfd, base, u->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_make (u->err, errno, "layer directory `%s`: set times",
						u->dirs[i].path);
	}
	return 0;
}

static int
run_entries (struct unpack *u)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header (u->inner, &e)) != ARCHIVE_EOF) {
		/* ARCHIVE_WARN too: fail closed on anything libarchive found odd. */
		if (r != ARCHIVE_OK)
			return archive_fail (u, "read header");
		if (++u->st->entries > u->lim.entries)
			return hull_error_make (
				u->err, EFBIG,
				"layer entry `%s`: more entries than the limit "
				"max_entries=%" PRIu64,
				archive_entry_pathname (e) ? archive_entry_pathname (e) : "",
				u->lim.entries);
		if (apply_entry (u, e) < 0)
			return -1;
	}
	free (u->entry);
	u->entry = NULL;
	if (finish_dirs (u) < 0)
		return -1;
	/* Hash what follows the end-of-archive blocks too: the diff_id covers it all. */
	for (;;) {
		const void *buf;
		ssize_t n = next_chunk (u, &buf);

		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
	}
}

static int
check_diff_id (struct unpack *u)
{
	const char *want = u->o->diff_id;

	if (want == NULL)
		return 0;
	if (strncmp (want, "sha256:", 7) == 0)
		want += 7;
	if (strcasecmp (want, u->st->diff_id) != 0)
		return hull_error_make (u->err, EBADMSG,
					"layer diff_id mismatch: expected sha256:%s, got sha256:%s",
					want, u->st->diff_id);
	return 0;
}

int
hull_image_unpack_layer (int rootfd, int layer_fd, const struct hull_unpack_opts *o,
			 struct hull_unpack_stats *st, hull_error_t *err)
{
	static const struct hull_unpack_opts defaults;
	struct hull_unpack_stats local;
	_cleanup_free_ struct unpack *u = hull_xzalloc (sizeof *u);
	_cleanup_ (archive_read_freep) struct archive *outer = NULL;
	_cleanup_ (archive_read_freep) struct archive *inner = NULL;
	uint8_t digest[HULL_SHA256_LEN];
	int r;

	u->rootfd = rootfd;
	u->layer_fd = layer_fd;
	u->pcache_fd = -EBADF;
	u->euid = (uid_t) setfsuid ((uid_t) -1); /* files get the fs uid (confined child) */
	/* A failed getrandom leaves seed 0: still correct, only easier to flood. */
	if (getrandom (&u->names.seed, sizeof u->names.seed, GRND_NONBLOCK) < 0)
		u->names.seed = 0;
	u->o = o ? o : &defaults;
	u->st = st ? st : &local;
	u->err = err;
	memset (u->st, 0, sizeof *u->st);
	set_limits (u);
	if (u->o->diff_id) {
		const char *h = u->o->diff_id + (strncmp (u->o->diff_id, "sha256:", 7) ? 0 : 7);

		if (strlen (h) != HULL_SHA256_HEX_LEN ||
		    strspn (h, "0123456789abcdefABCDEF") != HULL_SHA256_HEX_LEN)
			return hull_error_make (err, EINVAL, "bad diff_id `%s`", u->o->diff_id);
	}
	u->sha = hull_sha256_new ();
	pthread_mutex_init (&u->sm.mu, NULL);
	pthread_cond_init (&u->sm.cv, NULL);
	r = open_readers (u);
	outer = u->outer;
	inner = u->inner;
	if (r == 0)
		r = run_entries (u);
	stop_stream (u);
	pthread_cond_destroy (&u->sm.cv);
	pthread_mutex_destroy (&u->sm.mu);
	hull_sha256_final (u->sha, digest);
	hull_sha256_free (u->sha);
	free (u->entry);
	drop_parent (u);
	free (u->dirs);
	set_free (&u->names);
	if (r < 0)
		return hull_error_ret (err);
	hull_sha256_hex (digest, u->st->diff_id);
	return check_diff_id (u);
}

int
hull_image_layer_diff_id (int layer_fd, const struct hull_unpack_opts *o,
			  char out[HULL_SHA256_HEX_LEN + 1], hull_error_t *err)
{
	static const struct hull_unpack_opts defaults;
	struct hull_unpack_stats st = { 0 };
	_cleanup_free_ struct unpack *u = hull_xzalloc (sizeof *u);
	_cleanup_ (archive_read_freep) struct archive *outer = archive_read_new ();
	_cleanup_free_ char *buf = NULL;
	struct archive_entry *e;
	uint8_t digest[HULL_SHA256_LEN];
	ssize_t n;

	u->layer_fd = layer_fd;
	u->o = o ? o : &defaults;
	u->st = &st;
	u->err = err;
	u->outer = outer;
	set_limits (u);
	if (outer == NULL)
		return hull_error_make (err, ENOMEM, "libarchive");
	if (archive_read_support_filter_gzip (outer) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd (outer) != ARCHIVE_OK ||
	    archive_read_support_format_raw (outer) != ARCHIVE_OK)
		return hull_error_make (err, ENOTSUP, "libarchive lacks built-in gzip/zstd");
	if (archive_read_open (outer, u, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header (outer, &e) != ARCHIVE_OK)
		return hull_error_make (err, EINVAL, "open layer: %s",
					archive_error_string (outer));
	u->sha = hull_sha256_new ();
	buf = hull_xmalloc (RING_CHUNK);
	while ((n = pull_uncompressed (u, buf, RING_CHUNK, err)) > 0)
		;
	hull_sha256_final (u->sha, digest);
	hull_sha256_free (u->sha);
	if (n < 0)
		return hull_error_ret (err);
	hull_sha256_hex (digest, out);
	return 0;
}

/* --- whole images -------------------------------------------------------------------- */

/* Layer media types whose blob is a tar, plain or gzip/zstd-compressed (image-spec
 * media-types.md; Docker schema 2's name for tar+gzip). Anything else (encrypted
 * layers, artifacts, unknown types) is refused rather than guessed at. */
static const char *const layer_media_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

static bool
layer_media_type_ok (const char *mt)
{
	for (size_t i = 0; mt && i < sizeof layer_media_types / sizeof layer_media_types[0]; i++)
		if (strcmp (mt, layer_media_types[i]) == 0)
			return true;
	return false;
}

HULL_DEFINE_CLEANUP (struct hull_image_manifest, hull_image_manifest_free)

/* The manifest (digest re-checked by the store) and its config's rootfs.diff_ids. */
static struct hull_image_manifest *
load_image (struct hull_image_store *s, const char *digest, json_t **diff_ids, hull_error_t *err)
{
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL, *cfg = NULL;
	_cleanup_ (json_decrefp) json_t *root = NULL;
	size_t len;

	if (hull_image_store_get (s, digest, HULL_IMAGE_JSON_MAX, &buf, &len, err) < 0)
		return NULL;
	m = hull_image_manifest_parse (buf, len, NULL, err);
	if (m == NULL)
		return hull_error_wrap (err, "manifest %s", digest), NULL;
	if (m->kind != HULL_IMAGE_KIND_MANIFEST)
		return hull_error_make (err, EINVAL,
					"manifest %s: an index, not an image manifest (select a "
					"platform first)",
					digest),
		       NULL;
	if (hull_image_store_get (s, m->config.digest, HULL_IMAGE_JSON_MAX, &cfg, &len, err) < 0)
		return hull_error_wrap (err, "manifest %s: config", digest), NULL;
	if (hull_image_config_check (cfg, len, m->n_layers, err) < 0)
		return hull_error_wrap (err, "config %s", m->config.digest), NULL;
	root = hull_json_parse (cfg, len, HULL_IMAGE_JSON_MAX, "config", err);
	if (root == NULL)
		return NULL;
	*diff_ids = json_incref (json_object_get (json_object_get (root, "rootfs"), "diff_ids"));
	return TAKE_PTR (m);
}

int
hull_image_unpack_image (struct hull_image_store *s, const char *manifest_digest, int rootfd,
			 const struct hull_unpack_opts *o, hull_error_t *err)
{
	static const struct hull_unpack_opts defaults;
	_cleanup_ (hull_image_manifest_freep) struct hull_image_manifest *m = NULL;
	_cleanup_ (json_decrefp) json_t *ids = NULL;
	struct hull_unpack_opts lo = o ? *o : defaults;

	m = load_image (s, manifest_digest, &ids, err);
	if (m == NULL)
		return hull_error_ret (err);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct hull_image_desc *d = &m->layers[i];
		_cleanup_close_ int fd = -EBADF;

		if (!layer_media_type_ok (d->media_type))
			return hull_error_make (err, ENOTSUP,
						"layer %s: unsupported media type `%s`", d->digest,
						d->media_type ? d->media_type : "");
		fd = hull_image_store_open_blob (s, d->digest, err);
		if (fd < 0)
			return hull_error_wrap (err, "layer %s", d->digest);
		/* config_check made sure there is one valid diff_id per layer. */
		lo.diff_id = json_string_value (json_array_get (ids, i));
		if (hull_image_unpack_layer (rootfd, fd, &lo, NULL, err) < 0)
			return hull_error_wrap (err, "layer %s", d->digest);
	}
	return 0;
}
