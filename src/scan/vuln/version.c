/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version comparison: dispatch to one ordering per scheme (docs/versions.md), the cap
 * on length, and the order of versions a scheme does not accept: after every accepted
 * version, bytewise among themselves. */
#include <string.h>

#include "hull/scan.h"
#include "scan/vuln/version.h"

struct vscheme_ops {
	int (*check) (const char *v);
	int (*cmp) (const char *a, const char *b);
};

static const struct vscheme_ops ops_table[] = {
	[HULL_VS_DPKG] = { hull_version_dpkg_check, hull_version_dpkg_cmp },
	[HULL_VS_APK] = { hull_version_apk_check, hull_version_apk_cmp },
	[HULL_VS_RPM] = { hull_version_rpm_check, hull_version_rpm_cmp },
	[HULL_VS_SEMVER] = { hull_version_semver_check, hull_version_semver_cmp },
	[HULL_VS_PEP440] = { hull_version_pep440_check, hull_version_pep440_cmp },
	[HULL_VS_MAVEN] = { hull_version_maven_check, hull_version_maven_cmp },
	[HULL_VS_GEM] = { hull_version_gem_check, hull_version_gem_cmp },
};

int
hull_version_numcmp (const char *a, size_t na, const char *b, size_t nb)
{
	int rc;

	while (na > 0 && *a == '0')
		a++, na--;
	while (nb > 0 && *b == '0')
		b++, nb--;
	if (na != nb)
		return na < nb ? -1 : 1;
	if (na == 0)
		return 0; /* an empty run may come with a NULL pointer */
	rc = memcmp (a, b, na);
	return hull_version_sign (rc);
}

static const struct vscheme_ops *
ops_for (enum hull_vscheme s)
{
	if ((size_t) s >= sizeof ops_table / sizeof ops_table[0] || !ops_table[s].check)
		return NULL;
	return &ops_table[s];
}

static int
check_capped (const struct vscheme_ops *ops, const char *v)
{
	if (!ops || strnlen (v, HULL_VERSION_MAX + 1) > HULL_VERSION_MAX)
		return HULL_VCHECK_REJECTED;
	return ops->check (v);
}

int
hull_version_cmp (enum hull_vscheme s, const char *a, const char *b)
{
	const struct vscheme_ops *ops = ops_for (s);
	bool ok_a, ok_b;

	/* NULL is hostile input too: it orders as the empty string. */
	a = a ? a : "";
	b = b ? b : "";
	ok_a = check_capped (ops, a) != HULL_VCHECK_REJECTED;
	ok_b = check_capped (ops, b) != HULL_VCHECK_REJECTED;
	if (ok_a && ok_b)
		return hull_version_sign (ops->cmp (a, b));
	if (ok_a != ok_b)
		return ok_a ? -1 : 1;
	return hull_version_sign (strcmp (a, b));
}

bool
hull_version_valid (enum hull_vscheme s, const char *v)
{
	return v && check_capped (ops_for (s), v) == HULL_VCHECK_VALID;
}

/* OSV ecosystem names (ossf.github.io/osv-schema, "Affected package ecosystems"): the
 * part before ':' names the ecosystem, the rest is a release ("Debian:12"). */
static const struct {
	const char *name;
	enum hull_vscheme scheme;
} ecosystems[] = {
	{ "Debian", HULL_VS_DPKG },	{ "Ubuntu", HULL_VS_DPKG },
	{ "Alpine", HULL_VS_APK },	{ "Wolfi", HULL_VS_APK },
	{ "Chainguard", HULL_VS_APK },	{ "Red Hat", HULL_VS_RPM },
	{ "Rocky Linux", HULL_VS_RPM }, { "AlmaLinux", HULL_VS_RPM },
	{ "SUSE", HULL_VS_RPM },	{ "openSUSE", HULL_VS_RPM },
	{ "Mageia", HULL_VS_RPM },	{ "openEuler", HULL_VS_RPM },
	{ "PyPI", HULL_VS_PEP440 },	{ "npm", HULL_VS_SEMVER },
	{ "Go", HULL_VS_SEMVER },	{ "crates.io", HULL_VS_SEMVER },
	{ "Maven", HULL_VS_MAVEN },	{ "RubyGems", HULL_VS_GEM },
};

enum hull_vscheme
hull_vscheme_for_ecosystem (const char *osv_ecosystem)
{
	size_t len;

	if (!osv_ecosystem)
		return HULL_VS_UNKNOWN;
	len = strcspn (osv_ecosystem, ":");
	for (size_t i = 0; i < sizeof ecosystems / sizeof ecosystems[0]; i++) {
		if (strlen (ecosystems[i].name) == len &&
		    memcmp (ecosystems[i].name, osv_ecosystem, len) == 0)
			return ecosystems[i].scheme;
	}
	return HULL_VS_UNKNOWN;
}
