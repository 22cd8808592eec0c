/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version orderings, one file per scheme (docs/versions.md). Internal to src/scan/vuln/.
 *
 * Every scheme gives two functions, both safe on any NUL-terminated byte string of at
 * most HULL_VERSION_MAX bytes (the dispatcher in version.c enforces the cap, handles NULL
 * and orders strings a scheme refuses):
 *   check (v): HULL_VCHECK_VALID, HULL_VCHECK_ACCEPTED (the reference tool takes it, with
 *              a warning or after normalisation hull does not call canonical) or
 *              HULL_VCHECK_REJECTED;
 *   cmp (a, b): <0, 0, >0; called only when check() accepted both. */
#ifndef HULL_SCAN_VULN_VERSION_H
#define HULL_SCAN_VULN_VERSION_H

#include <stdbool.h>
#include <stddef.h>

/* Longer versions are not parsed: they sort bytewise after every accepted version. */
#define HULL_VERSION_MAX 1024

enum hull_vcheck {
	HULL_VCHECK_REJECTED = 0,
	HULL_VCHECK_ACCEPTED = 1,
	HULL_VCHECK_VALID = 2,
};

int hull_version_dpkg_check (const char *v);
int hull_version_dpkg_cmp (const char *a, const char *b);
int hull_version_apk_check (const char *v);
int hull_version_apk_cmp (const char *a, const char *b);
int hull_version_rpm_check (const char *v);
int hull_version_rpm_cmp (const char *a, const char *b);
int hull_version_semver_check (const char *v);
int hull_version_semver_cmp (const char *a, const char *b);
int hull_version_pep440_check (const char *v);
int hull_version_pep440_cmp (const char *a, const char *b);
int hull_version_maven_check (const char *v);
int hull_version_maven_cmp (const char *a, const char *b);
int hull_version_gem_check (const char *v);
int hull_version_gem_cmp (const char *a, const char *b);

/* Compare two runs of ASCII digits as unbounded non-negative integers (leading zeros
 * ignored): no overflow whatever their length. */
int hull_version_numcmp (const char *a, size_t na, const char *b, size_t nb);

static inline bool
hull_version_isdigit (int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
hull_version_isalpha (int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int
hull_version_sign (long v)
{
	return (v > 0) - (v < 0);
}

#endif
