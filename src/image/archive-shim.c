/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libarchive, loaded on first use.
 *
 * Why: linked normally, libarchive and what it pulls in (nettle, acl, lzma, zstd, lz4,
 * xml2, bz2) are mapped and relocated by every hull process, including every container
 * start that never touches an image: measured +3.4 MiB RSS and +40 % CPU per `hull run`
 * against crun. These wrappers carry libarchive's own names and prototypes (the headers
 * are used as they are), and resolve each function from libarchive.so.13 when an image
 * command first needs it. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void *
resolve (const char *name)
{
	static void *lib;
	void *p;

	if (lib == NULL && (lib = dlopen ("libarchive.so.13", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		/* A missing libarchive13 is a broken installation (a package dependency). */
		fprintf (stderr, "hull: libarchive.so.13: %s\n", dlerror ());
		abort ();
	}
	p = dlsym (lib, name);
	if (p == NULL) {
		fprintf (stderr, "hull: libarchive.so.13: no %s\n", name);
		abort ();
	}
	return p;
}

#define SHIM(ret, name, params, args)                                                              \
	ret name params                                                                            \
	{                                                                                          \
		static ret (*fp) params;                                                           \
		if (fp == NULL)                                                                    \
			fp = (ret (*) params) resolve (#name);                                     \
		return fp args;                                                                    \
	}

SHIM (struct archive *, archive_read_new, (void), ())
SHIM (int, archive_read_support_filter_gzip, (struct archive * a), (a))
SHIM (int, archive_read_support_filter_zstd, (struct archive * a), (a))
SHIM (int, archive_read_support_format_raw, (struct archive * a), (a))
SHIM (int, archive_read_support_format_tar, (struct archive * a), (a))
SHIM (int, archive_read_support_format_zip, (struct archive * a), (a))
SHIM (int, archive_read_open,
      (struct archive * a, void *d, archive_open_callback *o, archive_read_callback *r,
       archive_close_callback *c),
      (a, d, o, r, c))
SHIM (int, archive_read_open_filename, (struct archive * a, const char *f, size_t b), (a, f, b))
SHIM (int, archive_read_set_seek_callback, (struct archive * a, archive_seek_callback *s), (a, s))
SHIM (int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
SHIM (la_ssize_t, archive_read_data, (struct archive * a, void *b, size_t n), (a, b, n))
SHIM (int, archive_read_data_block,
      (struct archive * a, const void **b, size_t *n, la_int64_t *off), (a, b, n, off))
SHIM (int, archive_read_close, (struct archive * a), (a))
SHIM (int, archive_read_free, (struct archive * a), (a))
SHIM (int, archive_errno, (struct archive * a), (a))
SHIM (const char *, archive_error_string, (struct archive * a), (a))
SHIM (time_t, archive_entry_atime, (struct archive_entry * e), (e))
SHIM (long, archive_entry_atime_nsec, (struct archive_entry * e), (e))
SHIM (int, archive_entry_atime_is_set, (struct archive_entry * e), (e))
SHIM (__LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e))
SHIM (la_int64_t, archive_entry_gid, (struct archive_entry * e), (e))
SHIM (const char *, archive_entry_hardlink, (struct archive_entry * e), (e))
SHIM (time_t, archive_entry_mtime, (struct archive_entry * e), (e))
SHIM (long, archive_entry_mtime_nsec, (struct archive_entry * e), (e))
SHIM (const char *, archive_entry_pathname, (struct archive_entry * e), (e))
SHIM (__LA_MODE_T, archive_entry_perm, (struct archive_entry * e), (e))
SHIM (dev_t, archive_entry_rdev, (struct archive_entry * e), (e))
SHIM (la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
SHIM (const char *, archive_entry_symlink, (struct archive_entry * e), (e))
SHIM (la_int64_t, archive_entry_uid, (struct archive_entry * e), (e))
SHIM (int, archive_entry_xattr_reset, (struct archive_entry * e), (e))
SHIM (int, archive_entry_xattr_next,
      (struct archive_entry * e, const char **n, const void **v, size_t *s), (e, n, v, s))

/* Variadic: format here, hand libarchive the finished text. */
void
archive_set_error (struct archive *a, int err, const char *fmt, ...)
{
	static void (*fp) (struct archive *, int, const char *, ...);
	char buf[1024];
	va_list ap;

	if (fp == NULL)
		fp = (void (*) (struct archive *, int, const char *, ...)) resolve (
			"archive_set_error");
	va_start (ap, fmt);
	vsnprintf (buf, sizeof buf, fmt, ap);
	va_end (ap);
	fp (a, err, "%s", buf);
}
