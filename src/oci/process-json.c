/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A standalone process object (`hull exec --process FILE`, runtime-spec config.md
 * "process"), parsed by config.c's own process table: the object is checked on its
 * own first (so syntax errors carry the file's real line and column), then wrapped as
 * {"ociVersion": ..., "process": OBJECT} and mapped like config.json. One parser,
 * one set of limits and checks for both. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "hull/oci.h"

/* Declared here until they move to hull/oci.h (src/runtime/exec.h repeats them): oci/
 * must not include runtime/ headers. */
int hull_oci_process_parse (const char *text, size_t len, const char *name,
			    struct hull_oci_process *out, hull_error_t *err);
int hull_oci_process_load (const char *path, struct hull_oci_process *out, hull_error_t *err);
void hull_oci_process_clear (struct hull_oci_process *p);

void
hull_oci_process_clear (struct hull_oci_process *p)
{
	struct hull_oci_config *holder;

	if (p == NULL)
		return;
	/* config.c owns the process destructor: hand the fields to a config and free it. */
	holder = hull_xzalloc (sizeof *holder);
	holder->process = *p;
	hull_oci_config_free (holder);
	memset (p, 0, sizeof *p);
}

int
hull_oci_process_parse (const char *text, size_t len, const char *name,
			struct hull_oci_process *out, hull_error_t *err)
{
	_cleanup_free_ char *wrapped = NULL;
	struct hull_oci_config *cfg;
	json_t *obj, *doc;

	if (name == NULL)
		name = "process.json";
	obj = hull_json_parse (text, len, HULL_OCI_CONFIG_MAX, name, err);
	if (obj == NULL)
		return hull_error_ret (err);
	if (!json_is_object (obj)) {
		json_decref (obj);
		return hull_error_make (err, EINVAL, "%s: expected a process object", name);
	}
	doc = json_object ();
	json_object_set_new (doc, "ociVersion", json_string ("1.2.0"));
	json_object_set_new (doc, "process", obj);
	wrapped = hull_json_dump_compact (doc);
	json_decref (doc);
	/* Mapping errors name the path: "process.json: process.user.uid: ...". */
	cfg = hull_oci_config_parse (wrapped, strlen (wrapped), name, NULL, err);
	if (cfg == NULL)
		return hull_error_ret (err);
	*out = cfg->process;
	memset (&cfg->process, 0, sizeof cfg->process);
	hull_oci_config_free (cfg);
	return 0;
}

int
hull_oci_process_load (const char *path, struct hull_oci_process *out, hull_error_t *err)
{
	_cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (fd < 0)
		return hull_error_make (err, errno, "open `%s`", path);
	if (fstat (fd, &st) < 0)
		return hull_error_make (err, errno, "stat `%s`", path);
	/* A FIFO or device could block or never end: regular files only. */
	if (!S_ISREG (st.st_mode))
		return hull_error_make (err, EINVAL, "`%s` is not a regular file", path);
	if ((uint64_t) st.st_size > HULL_OCI_CONFIG_MAX)
		return hull_error_make (err, EFBIG, "`%s`: %lld bytes, more than the %u accepted",
					path, (long long) st.st_size, HULL_OCI_CONFIG_MAX);
	/* One byte more than promised, so a file growing after fstat is noticed. */
	buf = hull_xmalloc ((size_t) st.st_size + 1);
	while (len < (size_t) st.st_size + 1) {
		ssize_t n = read (fd, buf + len, (size_t) st.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_make (err, errno, "read `%s`", path);
		if (n == 0)
			break;
		len += (size_t) n;
	}
	if (len > (size_t) st.st_size)
		return hull_error_make (err, EFBIG, "`%s` grew while being read", path);
	return hull_oci_process_parse (buf, len, path, out, err);
}
