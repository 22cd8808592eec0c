/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

char *
hull_file_read_capped (int dirfd, const char *path, int oflags, size_t max, size_t *out_len,
		       hull_error_t *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | oflags);
	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", path), NULL;
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "stat `%s`", path), NULL;
	if (!S_ISREG (st.st_mode))
		return hull_error_make (err, 0, "`%s` is not a regular file", path), NULL;
	if ((uint64_t) st.st_size > max)
		return hull_error_make (err, EFBIG, "`%s`: %lld bytes, more than the %zu accepted",
					path, (long long) st.st_size, max),
		       NULL;
	buf = hull_xmalloc ((size_t) st.st_size + 1);
	/* Read one byte more than fstat said, to notice a file that grew meanwhile. */
	while (len < (size_t) st.st_size + 1) {
		ssize_t n = read (fd, buf + len, (size_t) st.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "read `%s`", path), NULL;
		if (n == 0)
			break;
		len += (size_t) n;
	}
	if (len > (size_t) st.st_size)
		return hull_error_make (err, EFBIG, "`%s` grew while being read", path), NULL;
	buf[len] = '\0';
	*out_len = len;
	return TAKE_PTR (buf);
}
