/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Go binaries: the linker writes the build info into the ELF section .go.buildinfo
 * (Go's debug/buildinfo package is the reference reader): a 32-byte header starting
 * with the magic "\xff Go buildinf:", the pointer size, a flags byte, and since Go 1.18
 * (flag 2) the toolchain version and the module info as two uvarint-length-prefixed
 * strings right after the header. Older binaries store two pointers instead; following
 * them means mapping virtual addresses, and those toolchains are long unsupported, so
 * that format is refused with a reason.
 *
 * The module info (cmd/go/internal/load, runtime/debug.BuildInfo.String) is lines of
 * tab-separated fields: "path P", "mod PATH VERSION SUM" (the main module), "dep PATH
 * VERSION SUM", "=> PATH VERSION SUM" (the replacement of the line before) and "build
 * K=V". Binaries built in GOPATH mode (Debian's dh-golang) have only "path" and
 * "build": they yield just the toolchain, recorded as the package "stdlib" so that
 * vulnerabilities of the standard library match (as Trivy and Grype do). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "scan/inventory/lang-readers.h"

#define MAGIC "\xff Go buildinf:"
#define MAGIC_LEN 14u
#define HDR_LEN 32u
#define MAX_SECTIONS 65536u
#define MAX_SHSTRTAB (1u << 20)
#define MAX_BUILDINFO (16u << 20) /* the section: header and both strings */
#define SEARCH_WINDOW (64u << 10) /* no section headers: where the magic may be */
#define SHT_NOBITS 8u
#define PT_LOAD 1u
#define PF_W 2u

struct elf {
	int fd;
	const uint8_t *mem;
	uint64_t size;
	bool is64, be;
	const char *location;
};

static int
rd (const struct elf *e, uint64_t off, void *out, size_t n, hull_error_t *err)
{
	if (off > e->size || n > e->size - off)
		return hull_error_make (err, EINVAL, "`%s`: ELF data beyond the end of the file",
					e->location);
	if (e->fd < 0) {
		memcpy (out, e->mem + off, n);
		return 0;
	}
	for (size_t done = 0; done < n;) {
		ssize_t r = pread (e->fd, (uint8_t *) out + done, n - done, (off_t) (off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hull_error_make (err, r < 0 ? errno : EIO, "`%s`: read",
						e->location);
		done += (size_t) r;
	}
	return 0;
}

static uint64_t
get (const struct elf *e, const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t) p[e->be ? n - 1 - i : i] << (8 * i);
	return v;
}

/* Field offsets and sizes of the ELF header, section and program headers (System V
 * gABI, "ELF Header", "Section Header", "Program Header"), 32- and 64-bit. */
struct layout {
	unsigned shoff, shoff_n, phoff, phentsize, phnum, shentsize, shnum, shstrndx;
	unsigned sh_size_min, sh_type, sh_offset, sh_size, sh_n;
	unsigned ph_size_min, ph_type, ph_flags, ph_offset, ph_filesz, ph_n;
};

static const struct layout layout64 = { 0x28, 8,    0x20, 0x36, 0x38, 0x3a, 0x3c, 0x3e, 0x40, 4,
					0x18, 0x20, 8,	  0x38, 0,    4,    8,	  0x20, 8 };
static const struct layout layout32 = { 0x20, 4,    0x1c, 0x2a, 0x2c, 0x2e, 0x30, 0x32, 0x28, 4,
					0x10, 0x14, 4,	  0x20, 0,    0x18, 4,	  0x10, 4 };

/* The file offset and size of section `.go.buildinfo`; *size = 0 when absent. */
static int
find_section (const struct elf *e, const uint8_t *hdr, uint64_t *off, uint64_t *size,
	      hull_error_t *err)
{
	const struct layout *L = e->is64 ? &layout64 : &layout32;
	uint64_t shoff = get (e, hdr + L->shoff, L->shoff_n),
		 entsz = get (e, hdr + L->shentsize, 2);
	uint64_t num = get (e, hdr + L->shnum, 2), strndx = get (e, hdr + L->shstrndx, 2);
	_cleanup_free_ uint8_t *sh = NULL, *names = NULL;
	uint64_t str_off, str_size;

	*size = 0;
	if (shoff == 0 || num == 0)
		return 0;
	if (entsz < L->sh_size_min || entsz > 256 || num > MAX_SECTIONS || strndx >= num)
		return hull_error_make (err, EINVAL, "`%s`: malformed ELF section table",
					e->location);
	sh = hull_xmalloc (num * entsz);
	if (rd (e, shoff, sh, num * entsz, err) < 0)
		return -1;
	str_off = get (e, sh + strndx * entsz + L->sh_offset, L->sh_n);
	str_size = get (e, sh + strndx * entsz + L->sh_size, L->sh_n);
	if (str_size == 0 || str_size > MAX_SHSTRTAB)
		return hull_error_make (err, EINVAL, "`%s`: malformed ELF section names",
					e->location);
	names = hull_xmalloc (str_size + 1);
	if (rd (e, str_off, names, str_size, err) < 0)
		return -1;
	names[str_size] = '\0';
	for (uint64_t i = 0; i < num; i++) {
		const uint8_t *s = sh + i * entsz;
		uint64_t name = get (e, s, 4);
		if (name >= str_size || strcmp ((char *) names + name, ".go.buildinfo") != 0 ||
		    get (e, s + L->sh_type, 4) == SHT_NOBITS)
			continue;
		*off = get (e, s + L->sh_offset, L->sh_n);
		*size = get (e, s + L->sh_size, L->sh_n);
		return 0;
	}
	return 0;
}

/* No section headers (stripped with --strip-sections): Go's own reader then looks for
 * the magic, 16-byte aligned, in the first writable PT_LOAD segment. */
static int
search_segment (const struct elf *e, const uint8_t *hdr, uint64_t *off, uint64_t *size,
		hull_error_t *err)
{
	const struct layout *L = e->is64 ? &layout64 : &layout32;
	uint64_t phoff = get (e, hdr + L->phoff, L->shoff_n),
		 entsz = get (e, hdr + L->phentsize, 2);
	uint64_t num = get (e, hdr + L->phnum, 2);
	uint8_t ph[0x38], win[MAGIC_LEN];

	*size = 0;
	if (phoff == 0 || entsz < L->ph_size_min || entsz > sizeof ph)
		return 0;
	for (uint64_t i = 0; i < num; i++) {
		uint64_t o, sz;
		if (rd (e, phoff + i * entsz, ph, L->ph_size_min, err) < 0)
			return -1;
		if (get (e, ph + L->ph_type, 4) != PT_LOAD ||
		    (get (e, ph + L->ph_flags, 4) & PF_W) == 0)
			continue;
		o = get (e, ph + L->ph_offset, L->ph_n);
		sz = get (e, ph + L->ph_filesz, L->ph_n);
		for (uint64_t a = 0; a + HDR_LEN <= sz && a < SEARCH_WINDOW; a += 16) {
			if (rd (e, o + a, win, MAGIC_LEN, err) < 0)
				return -1;
			if (memcmp (win, MAGIC, MAGIC_LEN) == 0) {
				*off = o + a;
				*size = sz - a;
				return 0;
			}
		}
		return 0;
	}
	return 0;
}

static bool
uvarint (const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* The blob at the magic: toolchain version and mod info (Go 1.18+ inline format). */
static int
parse_blob (struct hull_lang_ctx *c, const uint8_t *b, size_t n, const char *location,
	    hull_error_t *err)
{
	const uint8_t *p = b + HDR_LEN, *end = b + n;
	uint64_t vlen, mlen;
	_cleanup_free_ char *version = NULL;
	const uint8_t *mod;

	if (n < HDR_LEN || memcmp (b, MAGIC, MAGIC_LEN) != 0)
		return hull_error_make (err, EINVAL, "`%s`: .go.buildinfo without its magic",
					location);
	if ((b[15] & 2) == 0)
		return hull_error_make (
			err, ENOTSUP,
			"`%s`: Go build info in the pre-1.18 pointer format: not read", location);
	if (!uvarint (&p, end, &vlen) || vlen > (uint64_t) (end - p))
		return hull_error_make (err, EINVAL, "`%s`: truncated Go version", location);
	version = hull_xstrndup ((const char *) p, (size_t) vlen);
	p += vlen;
	if (!uvarint (&p, end, &mlen) || mlen > (uint64_t) (end - p))
		return hull_error_make (err, EINVAL, "`%s`: truncated Go module info", location);
	mod = p;
	/* runtime/debug: the text sits between two 16-byte sentinels, the last line
	 * ending in '\n' right before the closing one (debug/buildinfo readRawBuildInfo). */
	if (mlen >= 33 && mod[mlen - 17] == '\n') {
		mod += 16;
		mlen -= 32;
	} else {
		mlen = 0;
	}
	return hull_lang_gobin_parse_modinfo (c, version, (const char *) mod, (size_t) mlen,
					      location, err);
}

int
hull_lang_gobin_read (struct hull_lang_ctx *c, int fd, const uint8_t *mem, uint64_t size,
		      const char *location, hull_error_t *err)
{
	struct elf e = { fd, mem, size, false, false, location };
	uint8_t hdr[0x40];
	uint64_t off = 0, n = 0;
	_cleanup_free_ uint8_t *blob = NULL;

	if (size < sizeof hdr || rd (&e, 0, hdr, sizeof hdr, err) < 0 ||
	    memcmp (hdr, "\177ELF", 4) != 0 || (hdr[4] != 1 && hdr[4] != 2) ||
	    (hdr[5] != 1 && hdr[5] != 2))
		return 0; /* not an ELF file hull reads: not a Go binary */
	e.is64 = hdr[4] == 2;
	e.be = hdr[5] == 2;
	if (find_section (&e, hdr, &off, &n, err) < 0)
		return -1;
	if (n == 0 && search_segment (&e, hdr, &off, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (n < HDR_LEN)
		return hull_error_make (err, EINVAL, "`%s`: .go.buildinfo of %llu bytes", location,
					(unsigned long long) n);
	if (n > MAX_BUILDINFO)
		n = MAX_BUILDINFO; /* a segment searched: the strings follow the header */
	if (off > size || n > size - off)
		n = off > size ? 0 : size - off;
	blob = hull_xmalloc (n ? n : 1);
	if (rd (&e, off, blob, n, err) < 0)
		return -1;
	return parse_blob (c, blob, n, location, err);
}

/* ---- the module info text ---- */

/* Split a line at tabs into at most 4 fields; returns the count. */
static size_t
fields (char *line, char *f[4])
{
	size_t n = 0;
	char *s = line, *tab;

	while (n < 4) {
		f[n++] = s;
		tab = strchr (s, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	return n;
}

struct mod {
	char *path, *version;
};

static void
mods_free (struct mod *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free (m[i].path);
		free (m[i].version);
	}
	free (m);
}

/* "=> PATH VERSION": a module replacement applies its path and version; a local
 * directory (a path starting with . or /, no version) keeps what was required. */
static void
replace (struct mod *m, char *const f[4], size_t nf)
{
	if (nf < 3 || f[1][0] == '.' || f[1][0] == '/' || f[2][0] == '\0' ||
	    strcmp (f[2], "(devel)") == 0)
		return;
	free (m->path);
	free (m->version);
	m->path = hull_xstrdup (f[1]);
	m->version = hull_xstrdup (f[2]);
}

static int
collect (char *text, struct mod **mods, size_t *n, size_t max, const char *location,
	 hull_error_t *err)
{
	size_t lineno = 0;

	for (char *line = text, *nl; line != NULL && *line; line = nl) {
		char *f[4];
		size_t nf;

		nl = strchr (line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		lineno++;
		nf = fields (line, f);
		if (strcmp (f[0], "=>") == 0) {
			if (*n == 0)
				return hull_error_make (err, EINVAL,
							"`%s`: module info line %zu: `=>` first",
							location, lineno);
			replace (&(*mods)[*n - 1], f, nf);
			continue;
		}
		if (strcmp (f[0], "mod") != 0 && strcmp (f[0], "dep") != 0)
			continue; /* path, build, and lines of later Go versions */
		if (nf < 3 || f[1][0] == '\0')
			return hull_error_make (err, EINVAL,
						"`%s`: module info line %zu: malformed", location,
						lineno);
		if (*n >= max)
			return hull_error_make (err, E2BIG, "`%s`: more than %zu modules", location,
						max);
		*mods = hull_xreallocarray (*mods, *n + 1, sizeof **mods);
		(*mods)[*n] = (struct mod){ hull_xstrdup (f[1]), hull_xstrdup (f[2]) };
		(*n)++;
	}
	return 0;
}

/* "go1.21.5" (maybe followed by " X:nocoverageredzone") -> "v1.21.5", the SemVer form Go
 * vulnerability records give stdlib versions in (golang.org/x/vuln GoTagToSemver): a
 * missing minor or patch is 0 (before Go 1.21 the first release is "go1.20"), and
 * "rc1"/"beta2" become "-rc.1"/"-beta.2". "devel ..." toolchains have no release
 * version, and neither has anything else: NULL. */
static char *
stdlib_version (const char *v)
{
	size_t n = strcspn (v, " \t"), i = 2, len;
	unsigned parts = 0;
	const char *pre = NULL;
	char num[3][12] = { "0", "0", "0" };

	if (n < 3 || strncmp (v, "go", 2) != 0)
		return NULL;
	while (parts < 3 && i < n && v[i] >= '0' && v[i] <= '9') {
		for (len = 0; i + len < n && v[i + len] >= '0' && v[i + len] <= '9'; len++)
			;
		if (len >= sizeof num[0])
			return NULL;
		memcpy (num[parts], v + i, len);
		num[parts++][len] = '\0';
		i += len;
		if (i < n && v[i] == '.')
			i++;
	}
	if (parts == 0)
		return NULL;
	if (i < n && (strncmp (v + i, "rc", 2) == 0 || strncmp (v + i, "beta", 4) == 0)) {
		pre = v[i] == 'r' ? "rc" : "beta";
		i += strlen (pre);
		if (i == n || strspn (v + i, "0123456789") != n - i)
			return NULL;
	} else if (i != n) {
		return NULL;
	}
	if (pre)
		return hull_xasprintf ("v%s.%s.%s-%s.%.*s", num[0], num[1], num[2], pre,
				       (int) (n - i), v + i);
	return hull_xasprintf ("v%s.%s.%s", num[0], num[1], num[2]);
}

int
hull_lang_gobin_parse_modinfo (struct hull_lang_ctx *c, const char *goversion, const char *mod,
			       size_t len, const char *location, hull_error_t *err)
{
	_cleanup_free_ char *text = NULL, *stdv = NULL;
	struct mod *mods = NULL;
	size_t n = 0;
	int r;

	if (hull_lang_has_nul (mod, len))
		return hull_error_make (err, EINVAL, "`%s`: NUL byte in Go module info", location);
	text = hull_xstrndup (mod, len);
	r = collect (text, &mods, &n, (size_t) c->o.max_packages, location, err);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (hull_lang_add (c, HULL_PKG_GOLANG, mods[i].path, mods[i].version, location,
				   err) == NULL)
			r = -1;
	mods_free (mods, n);
	if (r < 0)
		return r;
	stdv = stdlib_version (goversion);
	if (stdv != NULL &&
	    hull_lang_add (c, HULL_PKG_GOLANG, "stdlib", stdv, location, err) == NULL)
		return -1;
	return 0;
}
