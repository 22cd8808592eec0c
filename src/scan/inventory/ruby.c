/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ruby: Gemfile.lock (Bundler's lockfile: sections GEM, GIT and PATH each hold a
 * "specs:" list of "    name (version[-platform])" lines, dependencies of a spec one
 * level deeper) and installed specifications/NAME.gemspec files, which are Ruby source
 * that RubyGems writes in a fixed shape ("s.name = \"rake\".freeze"). They are read as
 * text, line by line; nothing is ever evaluated. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

#define MAX_NAME 512u

struct line {
	const char *s;
	size_t n, no;
};

/* Next line of [*p, end) (without its newline and trailing CR); false at the end. */
static bool
next_line (const char **p, const char *end, struct line *l, hull_error_t *err, const char *location,
	   int *r)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr (*p, '\n', (size_t) (end - *p));
	l->s = *p;
	l->n = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
	l->no++;
	*p = nl ? nl + 1 : end;
	if (l->n > 0 && l->s[l->n - 1] == '\r')
		l->n--;
	if (l->n > HULL_LANG_MAX_LINE) {
		*r = hull_error_make (err, EINVAL, "`%s`: line %zu longer than %u bytes", location,
				      l->no, HULL_LANG_MAX_LINE);
		return false;
	}
	return true;
}

static size_t
indent (const struct line *l)
{
	size_t i = 0;
	while (i < l->n && l->s[i] == ' ')
		i++;
	return i;
}

/* "    name (1.2.3-x86_64-linux)": name, version "1.2.3", platform "x86_64-linux"
 * (Gem::Version has no `-`: the first one starts the platform). */
static int
spec_line (struct hull_lang_ctx *c, const struct line *l, const char *location, hull_error_t *err)
{
	const char *s = l->s + 4, *e = l->s + l->n, *open = memchr (s, '(', (size_t) (e - s));
	_cleanup_free_ char *name = NULL, *version = NULL;
	struct hull_pkg *p;
	char *dash;

	if (open == NULL || open == s || open[-1] != ' ' || e[-1] != ')' || e - open < 3 ||
	    (size_t) (open - s) > MAX_NAME || memchr (s, ' ', (size_t) (open - 1 - s)) != NULL)
		return hull_error_make (err, EINVAL, "`%s`: line %zu: expected `name (version)`",
					location, l->no);
	name = hull_xstrndup (s, (size_t) (open - 1 - s));
	version = hull_xstrndup (open + 1, (size_t) (e - 1 - (open + 1)));
	dash = strchr (version, '-');
	if (dash != NULL)
		*dash = '\0';
	if (version[0] == '\0')
		return hull_error_make (err, EINVAL, "`%s`: line %zu: empty version", location,
					l->no);
	p = hull_lang_add (c, HULL_PKG_GEM, name, version, location, err);
	if (p == NULL)
		return -1;
	if (dash != NULL)
		p->arch = hull_xstrdup (dash + 1);
	return 0;
}

static bool
is_source_section (const struct line *l)
{
	static const char *const sections[] = { "GEM", "GIT", "PATH", "PLUGIN SOURCE" };
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (l->n == strlen (sections[i]) && memcmp (l->s, sections[i], l->n) == 0)
			return true;
	return false;
}

int
hull_lang_gemfile_lock_parse (struct hull_lang_ctx *c, const char *buf, size_t len,
			      const char *location, hull_error_t *err)
{
	const char *p = buf, *end = buf + len;
	struct line l = { 0 };
	bool source = false, specs = false;
	int r = 0;

	if (hull_lang_has_nul (buf, len))
		return hull_error_make (err, EINVAL, "`%s`: NUL byte", location);
	while (next_line (&p, end, &l, err, location, &r)) {
		size_t ind = indent (&l);
		if (l.n == 0)
			continue;
		if (ind == 0) { /* a section header */
			source = is_source_section (&l);
			specs = false;
		} else if (ind == 2) {
			specs = source && l.n == 8 && memcmp (l.s + 2, "specs:", 6) == 0;
		} else if (ind == 4 && specs) {
			if (spec_line (c, &l, location, err) < 0)
				return -1;
		} else if (ind != 6 && specs) {
			return hull_error_make (err, EINVAL,
						"`%s`: line %zu: unexpected indentation", location,
						l.no);
		}
	}
	if (r < 0)
		return r;
	return 0;
}

/* The first quoted string in [s, e) ("..." or '...', no escapes needed for names and
 * versions; a backslash makes the value unusable). */
static char *
first_string (const char **s, const char *e)
{
	const char *q = *s, *close;

	while (q < e && *q != '"' && *q != '\'')
		q++;
	if (q >= e)
		return NULL;
	close = memchr (q + 1, *q, (size_t) (e - q - 1));
	if (close == NULL || memchr (q + 1, '\\', (size_t) (close - q - 1)) != NULL)
		return NULL;
	*s = close + 1;
	return hull_xstrndup (q + 1, (size_t) (close - q - 1));
}

struct spec {
	char *name, *version;
	const char *lic_s, *lic_e;
};

/* "  s.name = ..." for the block variable `var`: which attribute, and where its value
 * starts (after `=`). */
static const char *
attribute (const struct line *l, const char *var, size_t vlen, const char *attr)
{
	size_t i = indent (l), an = strlen (attr);
	const char *s = l->s + i, *e = l->s + l->n;

	if ((size_t) (e - s) < vlen + 1 + an || memcmp (s, var, vlen) != 0 || s[vlen] != '.' ||
	    memcmp (s + vlen + 1, attr, an) != 0)
		return NULL;
	s += vlen + 1 + an;
	while (s < e && *s == ' ')
		s++;
	return s < e && *s == '=' && (s + 1 == e || s[1] != '=') ? s + 1 : NULL;
}

static int
gemspec_var (const char *buf, size_t len, char *var, size_t cap)
{
	static const char marker[] = "Gem::Specification.new do |";
	const char *m = memmem (buf, len, marker, sizeof marker - 1), *v, *bar;

	if (m == NULL)
		return -1;
	v = m + sizeof marker - 1;
	bar = memchr (v, '|', len - (size_t) (v - buf));
	if (bar == NULL || bar == v || (size_t) (bar - v) >= cap ||
	    memchr (v, '\n', (size_t) (bar - v)))
		return -1;
	memcpy (var, v, (size_t) (bar - v));
	var[bar - v] = '\0';
	return 0;
}

static void
spec_attr (struct spec *sp, const struct line *l, const char *var)
{
	size_t vlen = strlen (var);
	const char *e = l->s + l->n, *v;

	if (sp->name == NULL && (v = attribute (l, var, vlen, "name")) != NULL)
		sp->name = first_string (&v, e);
	else if (sp->version == NULL && (v = attribute (l, var, vlen, "version")) != NULL)
		sp->version = first_string (&v, e);
	else if ((v = attribute (l, var, vlen, "licenses")) != NULL ||
		 (v = attribute (l, var, vlen, "license")) != NULL)
		sp->lic_s = v, sp->lic_e = e;
}

int
hull_lang_gemspec_parse (struct hull_lang_ctx *c, const char *buf, size_t len, const char *location,
			 hull_error_t *err)
{
	const char *p = buf, *end = buf + len;
	struct line l = { 0 };
	struct spec sp = { 0 };
	_cleanup_free_ char *name = NULL, *version = NULL;
	struct hull_pkg *pkg;
	char var[64];
	int r = 0;

	/* No NUL check here: RubyGems' "# stub:" comment line separates extension paths
	 * with NUL bytes (digest, json default gems). Lines are handled by length; a value
	 * with a NUL inside ends at it. */
	if (gemspec_var (buf, len, var, sizeof var) < 0)
		return hull_error_make (err, EINVAL, "`%s`: no `Gem::Specification.new do |s|`",
					location);
	while (next_line (&p, end, &l, err, location, &r))
		spec_attr (&sp, &l, var);
	name = sp.name, version = sp.version;
	if (r < 0)
		return r;
	if (name == NULL || name[0] == '\0' || version == NULL || version[0] == '\0')
		return hull_error_make (err, EINVAL, "`%s`: no %s string", location,
					name == NULL || name[0] == '\0' ? "name" : "version");
	pkg = hull_lang_add (c, HULL_PKG_GEM, name, version, location, err);
	if (pkg == NULL)
		return -1;
	for (const char *s = sp.lic_s; s != NULL;) {
		_cleanup_free_ char *lic = first_string (&s, sp.lic_e);
		if (lic == NULL)
			break;
		hull_lang_add_license (pkg, lic, strlen (lic));
	}
	return 0;
}
