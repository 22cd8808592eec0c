/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Version orderings (src/scan/vuln/version*.c).
 *
 * Three kinds of test: tables of pairs whose order the reference documents give
 * (deb-version(7), rpm's tests, semver.org section 11, PEP 440's examples, Maven's
 * ComparableVersionTest, RubyGems' test_gem_version), properties every scheme must keep
 * on hostile input (a total order, no crash, the length cap), and oracles: the real
 * tools on this machine (dpkg, rpm, python3-packaging, Maven's ComparableVersion, ruby's
 * Gem::Version, node's semver) asked about thousands of generated pairs and the
 * installed package versions. An oracle whose tool is absent is skipped with the
 * reason printed; any disagreement fails with the pairs listed. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "hull/scan.h"

extern char **environ;

struct pair {
	const char *a, *b;
	int want; /* -1, 0, 1 */
};

static int
sign (int v)
{
	return (v > 0) - (v < 0);
}

static int
check_pairs (enum hull_vscheme s, const char *name, const struct pair *p, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		int got = sign (hull_version_cmp (s, p[i].a, p[i].b));
		int back = sign (hull_version_cmp (s, p[i].b, p[i].a));

		if (got != p[i].want || back != -p[i].want) {
			print_error ("%s: cmp(`%s`, `%s`) = %d (reverse %d), want %d\n", name,
				     p[i].a, p[i].b, got, back, p[i].want);
			bad++;
		}
	}
	return bad;
}

#define CHECK_TABLE(s, t) assert_int_equal (check_pairs (s, #t, t, sizeof t / sizeof t[0]), 0)

/* ---- tables ---- */

/* deb-version(7) and dpkg's t-version.c. */
static const struct pair dpkg_pairs[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "1.00", 0 },
	{ "0:1.0", "1.0", 0 },
	{ "1.0", "1.0-0", 0 }, /* a missing revision compares as "0" (digits: empty == 0) */
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~~", "1.0~", -1 },
	{ "1.0~~a", "1.0~~", 1 },
	{ "1.0~", "1.0", -1 },
	{ "1.0", "1.0a", -1 },
	{ "1.0a", "1.0+", -1 }, /* letters before non-letters */
	{ "1.0+", "1.0.", -1 }, /* '+' (43) before '.' (46) */
	{ "1.0Z", "1.0a", -1 },
	{ "1.9", "1.10", -1 },
	{ "1.010", "1.9", 1 },
	{ "1:0.1", "2.0", 1 },
	{ "2:0.1", "10:0.1", -1 },
	{ "1.0-1", "1.0-2", -1 },
	{ "1.0-1", "1.0-1ubuntu1", -1 },
	{ "1.0-1~bpo11+1", "1.0-1", -1 },
	{ "1.0-1+b1", "1.0-1", 1 },
	{ "1.2-3-4", "1.2-3", 1 }, /* the revision is after the last '-' */
	{ "7.88.1-10+deb12u5", "7.88.1-10+deb12u12", -1 },
	{ "2.36-9+deb12u4", "2.36-9+deb12u10", -1 },
	{ "1:2.38.1-5+deb12u1", "2.39", 1 },
	{ "0.9", "0.10~", -1 },
	{ "a", "b", -1 },	       /* accepted with a warning, ordered as dpkg orders it */
	{ "1.0", "1.0\xc3\xa9", -1 },  /* high bytes: a warning too */
	{ "1.0\xc3\xa9", "1.0+", -1 }, /* and they sort between letters and ASCII symbols */
	{ "1.0", "", -1 },	       /* empty: refused, after every accepted version */
	{ "1:", "1.0", 1 },	       /* nothing after the colon: refused */
	{ "1.0-", "9", 1 },	       /* empty revision: refused */
	{ "x:1", "9", 1 },	       /* epoch not a number: refused */
	{ "-1:1", "9", 1 },	       /* negative epoch */
	{ "2147483648:1", "9", 1 },    /* epoch > INT_MAX */
	{ "2147483647:1", "9", 1 },    /* the largest epoch is fine */
	{ "1 2", "9", 1 },	       /* embedded space */
	{ " 1.0 ", "1.0", 0 },	       /* surrounding blanks are trimmed */
	{ "+1:2", "1:2", 0 },	       /* strtol takes a sign */
};

/* rpm's tests/rpmvercmp.at. */
static const struct pair rpm_pairs[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "2.0", -1 },
	{ "2.0.1", "2.0", 1 },
	{ "2.0.1a", "2.0.1", 1 },
	{ "5.5p1", "5.5p2", -1 },
	{ "5.5p10", "5.5p1", 1 },
	{ "10xyz", "10.1xyz", -1 },
	{ "xyz10", "xyz10.1", -1 },
	{ "xyz.4", "8", -1 },
	{ "5.6.7", "5.6-7", 1 }, /* the release: "5.6" vs "5.6.7" */
	{ "1b.fc17", "1.fc17", -1 },
	{ "1.0~rc1", "1.0", -1 },
	{ "1.0~rc1", "1.0~rc2", -1 },
	{ "1.0~rc1~git123", "1.0~rc1", -1 },
	{ "1.0^", "1.0", 1 },
	{ "1.0^git1", "1.0", 1 },
	{ "1.0^git1", "1.01", -1 },
	{ "1.0^20160101", "1.0.1", -1 },
	{ "1.0^20160101^git1", "1.0^20160101", 1 },
	{ "1.0~rc1^git1", "1.0~rc1", 1 },
	{ "1.0~rc1^git1", "1.0", -1 },
	{ "1.0^git1~pre", "1.0^git1", -1 },
	{ "1.0", "1..0", 0 }, /* separators only separate */
	{ "1_0", "1.0", 0 },
	{ "001", "1", 0 },
	{ "a", "1", -1 },
	{ "1:1.0", "2.0", 1 },
	{ "0:1.0", "1.0", 0 },
	{ "1.0-1", "1.0", 1 }, /* rpmverCmp: a missing release sorts first */
	{ "1.0-0", "1.0", 1 },
	{ "1.0-1.el9", "1.0-2.el9", -1 },
	{ "2:1.0-1", "1:9.9-9", 1 },
	{ "", "1", 1 }, /* rpm refuses the empty string */
};

/* semver.org 2.0.0 section 11, and Go's leading v. */
static const struct pair semver_pairs[] = {
	{ "1.0.0", "2.0.0", -1 },
	{ "2.0.0", "2.1.0", -1 },
	{ "2.1.0", "2.1.1", -1 },
	{ "1.0.0-alpha", "1.0.0", -1 },
	{ "1.0.0-alpha", "1.0.0-alpha.1", -1 },
	{ "1.0.0-alpha.1", "1.0.0-alpha.beta", -1 },
	{ "1.0.0-alpha.beta", "1.0.0-beta", -1 },
	{ "1.0.0-beta", "1.0.0-beta.2", -1 },
	{ "1.0.0-beta.2", "1.0.0-beta.11", -1 },
	{ "1.0.0-beta.11", "1.0.0-rc.1", -1 },
	{ "1.0.0-rc.1", "1.0.0", -1 },
	{ "1.0.0+build.1", "1.0.0+build.2", 0 }, /* build metadata ignored */
	{ "1.0.0-rc.1+b", "1.0.0-rc.1", 0 },
	{ "v1.2.3", "1.2.3", 0 },
	{ "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-aaaaaaaaaaaa", -1 },
	{ "v2.0.0+incompatible", "v2.0.0", 0 },
	{ "v1.2", "v1.2.0", 0 }, /* Go's short forms */
	{ "v1", "v1.0.0", 0 },
	{ "1.0.0-Z", "1.0.0-a", -1 }, /* ASCII order */
	{ "1.0.0-1a", "1.0.0-1", 1 }, /* alphanumeric after numeric */
	{ "18446744073709551616.0.0", "18446744073709551615.0.0", 1 },
	{ "1.0.0-x-y", "1.0.0-x", 1 },
	{ "01.0.0", "9.0.0", 1 },   /* leading zero: invalid, after valid */
	{ "1.0.0-01", "9.0.0", 1 }, /* numeric pre-release identifier with a leading zero */
	{ "1.0", "9.0.0", 1 },	    /* two parts without v: invalid */
	{ "1.0.0-", "9.0.0", 1 },
	{ "1.0.0+", "9.0.0", 1 },
	{ "1.0.0-a..b", "9.0.0", 1 },
	{ "1.0.0+001", "1.0.0", 0 }, /* leading zeros are fine in build metadata */
};

/* PEP 440's "Summary of permitted suffixes and relative ordering" and normalisation. */
static const struct pair pep440_pairs[] = {
	{ "1.0.dev456", "1.0a1", -1 },
	{ "1.0a1", "1.0a2.dev456", -1 },
	{ "1.0a2.dev456", "1.0a12.dev456", -1 },
	{ "1.0a12.dev456", "1.0a12", -1 },
	{ "1.0a12", "1.0b1.dev456", -1 },
	{ "1.0b1.dev456", "1.0b2", -1 },
	{ "1.0b2", "1.0b2.post345.dev456", -1 },
	{ "1.0b2.post345.dev456", "1.0b2.post345", -1 },
	{ "1.0b2.post345", "1.0b2-346", -1 },
	{ "1.0b2-346", "1.0c1.dev456", -1 },
	{ "1.0c1.dev456", "1.0c1", -1 },
	{ "1.0c1", "1.0rc2", -1 },
	{ "1.0rc2", "1.0c3", -1 },
	{ "1.0c3", "1.0", -1 },
	{ "1.0", "1.0.post456.dev34", -1 },
	{ "1.0.post456.dev34", "1.0.post456", -1 },
	{ "1.0.post456", "1.1.dev1", -1 },
	{ "1.0", "1.0.0", 0 },
	{ "1.0", "1!0.1", -1 },
	{ "v1.0", "1.0", 0 },
	{ "1.0ALPHA1", "1.0a1", 0 },
	{ "1.0-alpha_1", "1.0a1", 0 },
	{ "1.0.preview2", "1.0rc2", 0 },
	{ "1.0-1", "1.0.post1", 0 },
	{ "1.0-r1", "1.0.post1", 0 },
	{ "1.0rev", "1.0.post0", 0 },
	{ "1.0a", "1.0a0", 0 },
	{ "1.0a-1", "1.0a1", 0 }, /* the regex takes "-1" as the pre-release number */
	{ "1.0.dev", "1.0.dev0", 0 },
	{ "1.0", "1.0+local", -1 },
	{ "1.0+abc", "1.0+1", -1 }, /* local: alphanumeric before numeric */
	{ "1.0+1.2", "1.0+1.10", -1 },
	{ "1.0+a.b", "1.0+a-b", 0 },
	{ "1.0+ABC", "1.0+abc", 0 },
	{ "1.0+abc", "1.0+abc.0", -1 },
	{ "1.0+007", "1.0+7", 0 },
	{ " 1.0 ", "1.0", 0 },
	{ "1.0a.", "1.0a0", 0 },
	{ "1.0.post", "1.0", 1 },
	{ "1.0-", "9", 1 }, /* invalid */
	{ "1.0+", "9", 1 },
	{ "1.0+a..b", "9", 1 },
	{ "1.0alphabet", "9", 1 },
	{ "1.0.x", "9", 1 },
	{ "", "9", 1 },
	{ "99999999999999999999999", "99999999999999999999998", 1 },
};

/* Maven's ComparableVersionTest (3.8) and the qualifier order. */
static const struct pair maven_pairs[] = {
	{ "1", "1.0", 0 },
	{ "1", "1.0.0", 0 },
	{ "1.0", "1-0", 0 },
	{ "1", "1-ga", 0 },
	{ "1", "1.final", 0 },
	{ "1", "1-RELEASE", 0 },
	{ "1-alpha", "1-beta", -1 },
	{ "1-beta", "1-milestone", -1 },
	{ "1-milestone", "1-rc", -1 },
	{ "1-rc", "1-cr", 0 },
	{ "1-rc", "1-snapshot", -1 },
	{ "1-snapshot", "1", -1 },
	{ "1", "1-sp", -1 },
	{ "1-sp", "1-foo", -1 }, /* unknown qualifiers after the known ones */
	{ "1-foo", "1-foo2", -1 },
	{ "1-a1", "1-alpha-1", 0 },
	{ "1-b2", "1-beta-2", 0 },
	{ "1-m3", "1-milestone-3", 0 },
	{ "1-a", "1-alpha", 1 }, /* "a" alone is not alpha */
	{ "1.0-SNAPSHOT", "1.0", -1 },
	{ "1-1", "1.1", -1 },
	{ "1-sp", "1-1", -1 },
	{ "1.1", "1-sp", 1 },
	{ "2.0", "2-1", -1 },
	{ "2.0.a", "2.0.0.a", 0 },
	{ "1.0.0.X1", "1.0.0-X2", -1 },
	{ "1-0.1", "1", 1 },
	{ "2.0.1", "2.0.1-123", -1 },
	{ "1.0.RC1", "1.0-RC2", -1 },
	{ "1.0alpha1", "1.0-a1", 0 },
	{ "1.0-alpha-1.0", "1.0-alpha-1", 0 },
	{ "12345678901234567890", "12345678901234567891", -1 },
	{ "1.0.0001", "1.0.1", 0 },
	{ "", "0", 0 },
	{ "1.\xc3\xa9", "9", 1 }, /* non-ASCII: refused, after every accepted version */
};

/* RubyGems' test_gem_version.rb. */
static const struct pair gem_pairs[] = {
	{ "1.0", "1", 0 },
	{ "1.0.0", "1", 0 },
	{ "1.0.a", "1.0", -1 },
	{ "1.0.a", "1.0.b", -1 },
	{ "1.0.a10", "1.0.a9", 1 }, /* segments "a", 10 vs "a", 9 */
	{ "1.0.0.pre", "1.pre", 0 },
	{ "1.0-rc1", "1.0.pre.rc1", 0 },
	{ "1.0.rc1", "1.0", -1 },
	{ "1.0.1", "1.0", 1 },
	{ "1.8.2.a", "1.8.2", -1 },
	{ "1.8.2.a10", "1.8.2.b", -1 },
	{ "1.2.b1", "1.2.a1", 1 },
	{ "0.beta.1", "0.0.beta.1", 0 },
	{ "5.a", "5.0.0.rc2", -1 },
	{ "1.A", "1.a", -1 },
	{ "", "0", 0 },
	{ " 1.0 ", "1", 0 },
	{ "1.0.", "9", 1 }, /* invalid */
	{ "1..0", "9", 1 },
	{ "junk", "9", 1 },
	{ "1.0-", "9", 1 },
	{ "1.0--1", "1.0.pre.pre.1", 0 },
};

/* apk-tools' test/version.data and the token rules. */
static const struct pair apk_pairs[] = {
	{ "1.0", "1.0", 0 },
	{ "1.0", "1.0.1", -1 },
	{ "1.0_rc1", "1.0", -1 },
	{ "1.0_alpha1", "1.0_beta1", -1 },
	{ "1.0_beta1", "1.0_pre1", -1 },
	{ "1.0_pre1", "1.0_rc1", -1 },
	{ "1.0", "1.0_p1", -1 },
	{ "1.0_git20230101", "1.0_p1", -1 },
	{ "1.0_cvs1", "1.0_svn1", -1 },
	{ "1.0-r0", "1.0-r1", -1 },
	{ "1.0-r9", "1.0-r10", -1 },
	{ "1.0", "1.0-r1", -1 },
	{ "1.0a", "1.0b", -1 },
	{ "1.0", "1.0a", -1 },
	{ "1.01", "1.1", -1 },
	{ "1.001", "1.01", -1 },
	{ "1.2.3", "1.2.10", -1 },
	{ "1.0_rc1-r1", "1.0", -1 },
	{ "2.14.0-r5", "2.14.0-r10", -1 },
	{ "1.0-r1", "1.0.1", -1 },
	{ "1.0_p1", "1.0.1", -1 },
	{ "1.0.0", "1.0", 1 },
	{ "1.0_rc", "1.0", -1 },
	{ "1.0_x", "9", 1 }, /* unknown suffix: invalid */
	{ "1.0-1", "9", 1 },
	{ "1.0A", "9", 1 },
	{ "1..0", "9", 1 },
	{ "1.", "9", 1 },
	{ "1.0-r", "9", 1 },
	{ "", "0", 1 },
	{ "2.34", "0.1.0_alpha", 1 },
	{ "0.1.0_alpha_pre2", "0.1.0_alpha", -1 },
	{ "1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", -1 },
	{ "1.06-r6", "006", -1 },
	{ "2.12r-r4", "2.12r-r5", -1 },
	{ "1.0~abc", "1.0~abd", -1 },
	{ "1.0~abc", "1.0", 1 }, /* more tokens, none a pre-release: newer */
	{ "1.0~abc-r1", "1.0~abc", 1 },
	{ "1.0~xyz", "9", 1 },
	{ "1.0a", "1.0.1", -1 }, /* a further component beats a letter */
	{ "1.1", "1.1_alpha1", 1 },
	{ "0.12.3", "0.12", 1 },
	{ "2.3.0b-r1", "2.3.0b-r2", -1 },
	{ "3.1_p17", "1.06-r6", 1 },
	{ "3.0.0-r2", "021109-r3", -1 },
	{ "0.99.3.20040818", "0.7", 1 },
	{ "2.5.1-r8", "2.5.1a-r1", -1 },
	{ "0.10.0", "0.10.1_rc1", -1 },
	{ "2.10.1", "02.08.01b", 1 },
	{ "1.2.07.8", "1.2.12.04", -1 },
	{ "0.20070118", "0.20070207_rc1", -1 },
	{ "4.5_p1-r1", "4.5_p1", 1 },
	{ "0.9.28.1", "087-r1", -1 },
	{ "2.9.11_pre20051101-r3", "2.9.11_pre20051101", 1 },
	{ "1.3_pre1-r1", "1.3.2", -1 },
	{ "1.0_p10-r0", "1.0_p9-r0", 1 },
	{ "20060720", "3.0.20060720", 1 },
	{ "0.59s-r11", "0.65", -1 },
};

static void
test_tables (void **state)
{
	(void) state;
	CHECK_TABLE (HULL_VS_DPKG, dpkg_pairs);
	CHECK_TABLE (HULL_VS_RPM, rpm_pairs);
	CHECK_TABLE (HULL_VS_SEMVER, semver_pairs);
	CHECK_TABLE (HULL_VS_PEP440, pep440_pairs);
	CHECK_TABLE (HULL_VS_MAVEN, maven_pairs);
	CHECK_TABLE (HULL_VS_GEM, gem_pairs);
	CHECK_TABLE (HULL_VS_APK, apk_pairs);
}

static void
test_valid (void **state)
{
	static const struct {
		enum hull_vscheme s;
		const char *v;
		bool valid;
	} cases[] = {
		{ HULL_VS_DPKG, "1:2.38.1-5+deb12u1", true },
		{ HULL_VS_DPKG, "a1.0", false }, /* accepted with a warning: ordered, not valid */
		{ HULL_VS_DPKG, " 1.0", false },
		{ HULL_VS_DPKG, "1.0_1", false },
		{ HULL_VS_DPKG, "", false },
		{ HULL_VS_RPM, "2:1.0~rc1^git1-3.el9", true },
		{ HULL_VS_RPM, "1.0 beta", false },
		{ HULL_VS_SEMVER, "1.2.3-rc.1+build.5", true },
		{ HULL_VS_SEMVER, "v1.2.3", true },
		{ HULL_VS_SEMVER, "v1.2", false },
		{ HULL_VS_SEMVER, "1.2.3.4", false },
		{ HULL_VS_PEP440, "1!2.0rc1.post2.dev3+local.7", true },
		{ HULL_VS_PEP440, "2.0-beta", true },
		{ HULL_VS_PEP440, "2.0 beta", false },
		{ HULL_VS_MAVEN, "1.0-SNAPSHOT", true },
		{ HULL_VS_MAVEN, "", false },
		{ HULL_VS_GEM, "1.0.0.pre-rc.1", true },
		{ HULL_VS_GEM, "1.0.0-", false },
		{ HULL_VS_APK, "1.2.3_rc1_p2-r4", true },
		{ HULL_VS_APK, "1.2.3-4", false },
		{ HULL_VS_APK, "1.2.3_rc1~0abc-r4", true },
		{ HULL_VS_APK, "", false },
		{ HULL_VS_UNKNOWN, "1.0", false },
	};

	(void) state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (hull_version_valid (cases[i].s, cases[i].v) != cases[i].valid)
			fail_msg ("scheme %d `%s`: valid should be %d", cases[i].s, cases[i].v,
				  cases[i].valid);
	}
	assert_false (hull_version_valid (HULL_VS_DPKG, NULL));
}

static void
test_ecosystems (void **state)
{
	static const struct {
		const char *eco;
		enum hull_vscheme s;
	} cases[] = {
		{ "Debian", HULL_VS_DPKG },
		{ "Debian:12", HULL_VS_DPKG },
		{ "Ubuntu:22.04:LTS", HULL_VS_DPKG },
		{ "Alpine:v3.18", HULL_VS_APK },
		{ "Red Hat", HULL_VS_RPM },
		{ "Red Hat:enterprise_linux:9::appstream", HULL_VS_RPM },
		{ "Rocky Linux:9", HULL_VS_RPM },
		{ "AlmaLinux:8", HULL_VS_RPM },
		{ "SUSE:Linux Enterprise Server 15 SP5", HULL_VS_RPM },
		{ "PyPI", HULL_VS_PEP440 },
		{ "npm", HULL_VS_SEMVER },
		{ "Go", HULL_VS_SEMVER },
		{ "crates.io", HULL_VS_SEMVER },
		{ "Maven", HULL_VS_MAVEN },
		{ "RubyGems", HULL_VS_GEM },
		{ "Packagist", HULL_VS_UNKNOWN },
		{ "debian", HULL_VS_UNKNOWN },
		{ "Debianx", HULL_VS_UNKNOWN },
		{ "", HULL_VS_UNKNOWN },
		{ NULL, HULL_VS_UNKNOWN },
	};

	(void) state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (hull_vscheme_for_ecosystem (cases[i].eco) != cases[i].s)
			fail_msg ("ecosystem `%s`: want scheme %d",
				  cases[i].eco ? cases[i].eco : "(null)", cases[i].s);
	}
}

/* ---- hostile input and order properties ---- */

static uint64_t rng_state;

static uint64_t
rng (void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static const char *
pick (const char *const *list, size_t n)
{
	return list[rng () % n];
}

#define PICK(list) pick (list, sizeof list / sizeof list[0])

static const enum hull_vscheme all_schemes[] = {
	HULL_VS_DPKG,	HULL_VS_APK,   HULL_VS_RPM, HULL_VS_SEMVER,
	HULL_VS_PEP440, HULL_VS_MAVEN, HULL_VS_GEM, HULL_VS_UNKNOWN,
};

/* A string from pieces that stress every scheme, sometimes with raw bytes. */
static void
gen_hostile (char *buf, size_t cap)
{
	static const char *const pieces[] = {
		"0",	 "1",	     "01",  "10",   "9",   "a",
		"Z",	 "rc",	     ".",   "-",    "_",   "+",
		"~",	 "^",	     ":",   "!",    "v",   "-r",
		"_p",	 "alpha",    "sp",  "..",   " ",   "\t",
		"\xff",	 "\x80",     "dev", "post", "pre", "99999999999999999999",
		"final", "snapshot",
	};
	size_t len = 0, n = rng () % 8;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = PICK (pieces);
		size_t l = strlen (p);

		if (rng () % 16 == 0) {
			char raw[2] = { (char) (1 + rng () % 255), 0 };
			p = raw;
			l = 1;
			if (len + l < cap)
				memcpy (buf + len, p, l + 1), len += l;
			continue;
		}
		if (len + l < cap)
			memcpy (buf + len, p, l + 1), len += l;
	}
}

static void
test_total_order (void **state)
{
	enum { N = 64 };
	static char v[N][64];

	(void) state;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (size_t s = 0; s < sizeof all_schemes / sizeof all_schemes[0]; s++) {
		enum hull_vscheme sc = all_schemes[s];

		for (int i = 0; i < N; i++)
			gen_hostile (v[i], sizeof v[i]);
		for (int i = 0; i < N; i++) {
			assert_int_equal (hull_version_cmp (sc, v[i], v[i]), 0);
			for (int j = 0; j < N; j++) {
				int ij = sign (hull_version_cmp (sc, v[i], v[j]));

				if (ij != -sign (hull_version_cmp (sc, v[j], v[i])))
					fail_msg ("scheme %d: `%s` vs `%s` not antisymmetric", sc,
						  v[i], v[j]);
				for (int k = 0; k < N; k += 4) {
					int jk = sign (hull_version_cmp (sc, v[j], v[k]));
					int ik = sign (hull_version_cmp (sc, v[i], v[k]));

					if (ij <= 0 && jk <= 0 && ik > 0)
						fail_msg ("scheme %d: `%s` <= `%s` <= `%s` but not "
							  "transitive",
							  sc, v[i], v[j], v[k]);
				}
			}
		}
	}
}

static void
test_hostile (void **state)
{
	size_t big = 1 << 20;
	_cleanup_free_ char *huge = malloc (big + 1), *capped = malloc (1025);

	(void) state;
	assert_non_null (huge);
	assert_non_null (capped);
	/* A megabyte of digits and dots, and one at exactly the 1024-byte cap. */
	for (size_t i = 0; i < big; i++)
		huge[i] = i % 2 ? '.' : '1';
	huge[big] = 0;
	memcpy (capped, huge, 1024);
	capped[1023] = '1';
	capped[1024] = 0;
	for (size_t s = 0; s < sizeof all_schemes / sizeof all_schemes[0]; s++) {
		enum hull_vscheme sc = all_schemes[s];

		assert_int_equal (hull_version_cmp (sc, huge, huge), 0);
		assert_int_equal (hull_version_cmp (sc, NULL, NULL), 0);
		assert_int_equal (hull_version_cmp (sc, NULL, ""), 0);
		assert_false (hull_version_valid (sc, huge));
		if (sc == HULL_VS_UNKNOWN)
			continue;
		/* Over the cap: after every accepted version, even a "smaller" one. */
		assert_true (hull_version_cmp (sc, "1.0.0", huge) < 0);
		assert_true (hull_version_cmp (sc, huge, "1.0.0") > 0);
		if (sc != HULL_VS_SEMVER) /* "1.1.1...." is not semver */
			assert_true (hull_version_cmp (sc, capped, huge) < 0);
	}
	/* Deep nesting for Maven's lists, many segments everywhere. */
	memset (capped, '-', 1024);
	capped[1024] = 0;
	for (size_t s = 0; s < sizeof all_schemes / sizeof all_schemes[0]; s++)
		(void) hull_version_cmp (all_schemes[s], capped, "1-1-1");
	assert_int_equal (hull_version_cmp (HULL_VS_MAVEN, capped, ""), 0);
	/* Unknown scheme and out-of-range enum values compare bytewise. */
	assert_true (hull_version_cmp (HULL_VS_UNKNOWN, "10", "9") < 0);
	assert_true (hull_version_cmp ((enum hull_vscheme) 99, "10", "9") < 0);
	/* apk's uint64_t numbers wrap as in the apk binary: 2^64 reads as 0. */
	assert_true (hull_version_cmp (HULL_VS_APK, "18446744073709551616", "1") < 0);
}

/* ---- oracles ---- */

/* Run argv with `input` on stdin; stdout is returned (NUL-terminated, caller frees),
 * stderr discarded. Returns the exit status or -1 if it could not run. */
static int
run_tool (char *const argv[], const char *input, size_t input_len, char **out)
{
	_cleanup_close_ int in = memfd_create ("oracle-in", MFD_CLOEXEC);
	_cleanup_close_ int outfd = memfd_create ("oracle-out", MFD_CLOEXEC);
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;
	off_t size;

	assert_true (in >= 0 && outfd >= 0);
	assert_int_equal (write (in, input, input_len), (ssize_t) input_len);
	assert_int_equal (lseek (in, 0, SEEK_SET), 0);
	posix_spawn_file_actions_init (&fa);
	posix_spawn_file_actions_adddup2 (&fa, in, 0);
	posix_spawn_file_actions_adddup2 (&fa, outfd, 1);
	posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
	rc = posix_spawnp (&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy (&fa);
	if (rc != 0)
		return -1;
	while (waitpid (pid, &status, 0) < 0)
		assert_int_equal (errno, EINTR);
	size = lseek (outfd, 0, SEEK_END);
	assert_true (size >= 0 && size < (64 << 20));
	*out = calloc (1, (size_t) size + 1);
	assert_non_null (*out);
	assert_int_equal (pread (outfd, *out, (size_t) size, 0), size);
	return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static bool
have_file (const char *path)
{
	return access (path, R_OK) == 0;
}

static bool
have_tool (const char *name)
{
	const char *path = getenv ("PATH");
	char buf[4096];

	if (!path)
		return false;
	while (*path) {
		size_t n = strcspn (path, ":");

		snprintf (buf, sizeof buf, "%.*s/%s", (int) n, path, name);
		if (access (buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

#define SKIP_ORACLE(name, why)                                                                     \
	do {                                                                                       \
		print_message ("oracle %s: skipped: %s\n", name, why);                             \
		skip ();                                                                           \
	} while (0)

/* A pool of versions: fixed ones plus generated ones, deduplicated loosely. */
struct pool {
	char **v;
	size_t n, cap;
};

static void
pool_add (struct pool *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->v = realloc (p->v, p->cap * sizeof *p->v);
		assert_non_null (p->v);
	}
	p->v[p->n] = strdup (s);
	assert_non_null (p->v[p->n]);
	p->n++;
}

static void
pool_free (struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free (p->v[i]);
	free (p->v);
}

static enum hull_vscheme sort_scheme;

static int
sort_cmp (const void *a, const void *b)
{
	return hull_version_cmp (sort_scheme, *(char *const *) a, *(char *const *) b);
}

/* The pairs to ask about: every neighbour after sorting the pool with hull's order
 * (if the oracle agrees on all of them, it agrees on the whole order), and `n_random`
 * random pairs. */
static struct pool
make_pairs (enum hull_vscheme s, struct pool *pool, size_t n_random)
{
	struct pool pairs = { 0 };

	sort_scheme = s;
	qsort (pool->v, pool->n, sizeof *pool->v, sort_cmp);
	for (size_t i = 0; i + 1 < pool->n; i++) {
		if (strcmp (pool->v[i], pool->v[i + 1]) == 0)
			continue; /* duplicates (installed versions repeat) tell nothing */
		pool_add (&pairs, pool->v[i]);
		pool_add (&pairs, pool->v[i + 1]);
	}
	for (size_t i = 0; i < n_random; i++) {
		pool_add (&pairs, pool->v[rng () % pool->n]);
		pool_add (&pairs, pool->v[rng () % pool->n]);
	}
	return pairs;
}

/* hull's acceptance, seen through the order: accepted versions sort before every
 * refused one, and refused ones compare bytewise. Both probes are over the length cap
 * (refused); no version tested here sorts bytewise before the 0x01 one. */
static bool
accepted (enum hull_vscheme s, const char *v)
{
	static char refused[1100];

	if (!refused[0])
		memset (refused, 0xff, sizeof refused - 1);
	static char low[1100];

	if (!low[0])
		memset (low, 0x01, sizeof low - 1);
	return hull_version_cmp (s, v, refused) < 0 && hull_version_cmp (s, v, low) < 0;
}

/* Batch oracles print one line per pair: "<okA> <okB> <cmp>" (ok 1/0; cmp -1/0/1, or
 * "-" when either was refused). `lenient` accepts hull taking a version the oracle
 * refuses when hull does not call it valid (Go's short forms for node's semver). */
static size_t
check_batch (const char *name, enum hull_vscheme s, const struct pool *pairs, const char *out,
	     bool lenient)
{
	size_t bad = 0, n = pairs->n / 2, agreed = 0;
	const char *line = out;

	for (size_t i = 0; i < n; i++) {
		const char *a = pairs->v[2 * i], *b = pairs->v[2 * i + 1];
		int oka, okb, want = 0, got;
		char c[8] = "";
		bool our_a, our_b;

		if (!*line || sscanf (line, "%d %d %7s", &oka, &okb, c) != 3)
			fail_msg ("oracle %s: output ended at pair %zu", name, i);
		line += strcspn (line, "\n");
		line += *line == '\n';
		our_a = accepted (s, a);
		our_b = accepted (s, b);
		if (lenient) {
			our_a = our_a && (hull_version_valid (s, a) || oka);
			our_b = our_b && (hull_version_valid (s, b) || okb);
		}
		if (our_a != (oka == 1) || our_b != (okb == 1)) {
			if (bad++ < 20)
				print_error (
					"oracle %s: accepts `%s`: %d, `%s`: %d; hull: %d, %d\n",
					name, a, oka, b, okb, our_a, our_b);
			continue;
		}
		if (!oka || !okb)
			continue;
		want = strcmp (c, "-1") == 0 ? -1 : strcmp (c, "0") == 0 ? 0 : 1;
		got = sign (hull_version_cmp (s, a, b));
		if (got != sign (want)) {
			if (bad++ < 20)
				print_error ("oracle %s: `%s` vs `%s`: oracle %d, hull %d\n", name,
					     a, b, sign (want), got);
			continue;
		}
		agreed++;
	}
	print_message ("oracle %s: %zu ordered pairs agree, %zu disagree\n", name, agreed, bad);
	return bad;
}

static char *
pairs_input (const struct pool *pairs, size_t *len)
{
	size_t cap = 1, off = 0;
	char *buf;

	for (size_t i = 0; i < pairs->n; i++)
		cap += strlen (pairs->v[i]) + 1;
	buf = malloc (cap);
	assert_non_null (buf);
	for (size_t i = 0; i + 1 < pairs->n; i += 2)
		off += (size_t) snprintf (buf + off, cap - off, "%s\t%s\n", pairs->v[i],
					  pairs->v[i + 1]);
	*len = off;
	return buf;
}

static void
run_batch_oracle (const char *name, enum hull_vscheme s, char *const argv[], struct pool *pool,
		  size_t n_random, bool lenient)
{
	struct pool pairs = make_pairs (s, pool, n_random);
	size_t len;
	_cleanup_free_ char *input = pairs_input (&pairs, &len);
	_cleanup_free_ char *out = NULL;
	int rc = run_tool (argv, input, len, &out);

	if (rc != 0)
		fail_msg ("oracle %s: `%s` exited %d", name, argv[0], rc);
	assert_int_equal (check_batch (name, s, &pairs, out, lenient), 0);
	pool_free (&pairs);
}

static void
gen_from (char *buf, size_t cap, const char *const *pieces, size_t n_pieces, size_t max_pieces)
{
	size_t len = 0, n = 1 + rng () % max_pieces;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = pieces[rng () % n_pieces];
		size_t l = strlen (p);

		if (len + l + 1 < cap) {
			memcpy (buf + len, p, l + 1);
			len += l;
		}
	}
}

#define GEN(buf, pieces, max)                                                                      \
	gen_from (buf, sizeof buf, pieces, sizeof pieces / sizeof pieces[0], max)

/* dpkg: one `dpkg --compare-versions A OP B` per question, OP being hull's answer, so
 * exit 0 means agreement; a version dpkg refuses makes it exit 2. Up to DPKG_JOBS run
 * at once (each is mostly exec and start-up). */
enum { DPKG_JOBS = 4 };

struct dpkg_job {
	pid_t pid;
	const char *a, *b;
	int hull; /* hull's answer: -1, 0, 1, or 2 for "refused" */
};

static pid_t
dpkg_spawn (const char *a, const char *op, const char *b)
{
	char *argv[] = { "dpkg", "--compare-versions", (char *) a, (char *) op, (char *) b, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init (&fa);
	posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	posix_spawn_file_actions_addopen (&fa, 1, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
	posix_spawn_file_actions_addopen (&fa, 2, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
	rc = posix_spawnp (&pid, "dpkg", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy (&fa);
	assert_int_equal (rc, 0);
	return pid;
}

static int
dpkg_wait (pid_t pid)
{
	int status;

	while (waitpid (pid, &status, 0) < 0)
		assert_int_equal (errno, EINTR);
	return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

static int
dpkg_says (const char *a, const char *op, const char *b)
{
	return dpkg_wait (dpkg_spawn (a, op, b));
}

/* Ask dpkg about pairs[] (a, b, a, b, ...) DPKG_JOBS at a time; count agreements. */
static size_t
dpkg_check_pairs (const struct pool *pairs, size_t *agreed, size_t *refused)
{
	struct dpkg_job jobs[DPKG_JOBS];
	size_t bad = 0, n_jobs = 0;

	for (size_t i = 0; i + 1 < pairs->n || n_jobs > 0;) {
		if (i + 1 < pairs->n && n_jobs < DPKG_JOBS) {
			struct dpkg_job *j = &jobs[n_jobs++];
			bool ok_a, ok_b;

			j->a = pairs->v[i];
			j->b = pairs->v[i + 1];
			i += 2;
			ok_a = accepted (HULL_VS_DPKG, j->a);
			ok_b = accepted (HULL_VS_DPKG, j->b);
			if (!ok_a || !ok_b) {
				/* hull refuses one: dpkg must too ("" is dpkg's "no version") */
				j->a = j->b = ok_a ? j->b : j->a;
				j->hull = 2;
				j->pid = *j->a ? dpkg_spawn (j->a, "eq", j->a) : 0;
			} else {
				j->hull = sign (hull_version_cmp (HULL_VS_DPKG, j->a, j->b));
				j->pid = dpkg_spawn (j->a,
						     j->hull < 0   ? "lt"
						     : j->hull > 0 ? "gt"
								   : "eq",
						     j->b);
			}
			continue;
		}
		/* Collect the oldest job. */
		{
			struct dpkg_job j = jobs[0];
			int rc = j.pid ? dpkg_wait (j.pid) : 2;

			memmove (jobs, jobs + 1, --n_jobs * sizeof *jobs);
			if (j.hull == 2 ? rc == 2 : rc == 0) {
				*(j.hull == 2 ? refused : agreed) += 1;
			} else if (bad++ < 20) {
				print_error ("oracle dpkg: `%s` vs `%s`: hull %d (2: refused), "
					     "dpkg exit %d\n",
					     j.a, j.b, j.hull, rc);
			}
		}
	}
	return bad;
}

enum { DPKG_GENERATED = 600 };

static void
dpkg_pool (struct pool *pool)
{
	static const char *const epochs[] = { "", "", "", "", "0:", "1:", "2:", "10:", "01:" };
	static const char *const first[] = { "0",  "1",	 "2",	"9",	"10",
					     "01", "00", "100", "2023", "a" };
	static const char *const pieces[] = { ".",    "+",	"~",	   ":",	       "a",
					      "b",    "z",	"A",	   "Z",	       "rc",
					      "beta", "~rc",	"~~",	   "0",	       "1",
					      "9",    "10",	"01",	   ".0",       "+dfsg",
					      "~bpo", "_",	"!",	   "\xc3\xa9", "+really",
					      ".1",   "~beta1", "git2021", "~~a",      "." };
	static const char *const revs[] = { "",		 "",	  "",		"-1",  "-0",
					    "-1ubuntu1", "-1+b1", "-1~bpo11+1", "-2",  "-1.1",
					    "-0.1",	 "-a",	  "-1~",	"-1+", "-10",
					    "-1-2",	 "-+",	  "-1_1" };
	_cleanup_free_ char *out = NULL;
	char *argv[] = { "dpkg-query", "-W", "-f=${Version}\\n", NULL };
	char buf[96];

	/* This machine's own package versions. */
	if (run_tool (argv, "", 0, &out) == 0) {
		for (char *line = out, *nl; *line; line = nl + 1) {
			nl = strchr (line, '\n');
			if (!nl)
				break;
			*nl = 0;
			if (*line)
				pool_add (pool, line);
		}
	}
	for (int i = 0; i < DPKG_GENERATED; i++) {
		char up[64];

		GEN (up, pieces, 5);
		snprintf (buf, sizeof buf, "%s%s%s%s", PICK (epochs), PICK (first),
			  rng () % 3 ? up : "", PICK (revs));
		pool_add (pool, buf);
	}
}

static void
test_oracle_dpkg (void **state)
{
	static const char *const acceptance[] = {
		/* (nothing starting with '-': dpkg would read it as an option) */
		"1:",		":1",
		"a:1",		"1:2:3",
		"1-",		"1 2",
		" 1",		"1 ",
		"+1:2",		"99999999999:1",
		"2147483648:1", "2147483647:1",
		"1:-1",		"1.0-a-b",
		"1.0--1",	"a",
		"1_2",		"1.0-1_1",
		"0:a",		"\t1.0",
	};
	struct pool pool = { 0 };
	size_t bad = 0, agreed = 0, refused = 0;
	struct pool pairs;

	(void) state;
	if (!have_tool ("dpkg"))
		SKIP_ORACLE ("dpkg", "`dpkg` not found in PATH");
	rng_state = 0x2545f4914f6cdd1dull;
	dpkg_pool (&pool);
	/* Acceptance: dpkg exits 2 on a version it refuses (not on warnings). */
	for (size_t i = 0; i < sizeof acceptance / sizeof acceptance[0]; i++) {
		int rc = dpkg_says (acceptance[i], "eq", acceptance[i]);
		bool ours = accepted (HULL_VS_DPKG, acceptance[i]);

		if ((rc == 0) != ours || (rc != 0 && rc != 2)) {
			print_error ("oracle dpkg: `%s`: dpkg exit %d, hull accepts %d\n",
				     acceptance[i], rc, ours);
			bad++;
		}
	}
	/* One dpkg process per pair, four at a time: ~2,300 pairs in a few seconds. */
	pairs = make_pairs (HULL_VS_DPKG, &pool, 1000);
	bad += dpkg_check_pairs (&pairs, &agreed, &refused);
	print_message ("oracle dpkg: %zu ordered pairs and %zu refusals agree (%zu versions, %zu "
		       "installed), %zu disagree\n",
		       agreed, refused, pool.n, pool.n - DPKG_GENERATED, bad);
	assert_true (agreed > 2000);
	pool_free (&pairs);
	pool_free (&pool);
	assert_int_equal (bad, 0);
}

static void
test_oracle_rpm (void **state)
{
	static const char *const epochs[] = { "", "", "", "", "0:", "1:", "2:", "01:", ":" };
	static const char *const pieces[] = {
		"0",	"1", "2",   "10",    "01",	 "001",
		"a",	"b", "rc",  "alpha", "Z",	 ".",
		"..",	"_", "+",   "~",     "~~",	 "^",
		"^^",	"-", "1.0", "git",   "20230101", "el9",
		"fc38", "%", "p1",  "~rc1",  "^git1",	 "9999999999999999999999",
	};
	char *argv[] = { "rpm", "--eval",
			 "%{lua: for l in io.lines() do local a, b = l:match(\"^(.-)\\t(.*)$\") "
			 "io.stdout:write(\"1 1 \", rpm.vercmp(a, b), \"\\n\") end}",
			 NULL };
	struct pool pool = { 0 };
	char buf[96];

	(void) state;
	if (!have_tool ("rpm"))
		SKIP_ORACLE ("rpm", "`rpm` not found in PATH");
	rng_state = 0x106689d45497fdb5ull;
	for (int i = 0; i < 1500; i++) {
		char body[80];

		GEN (body, pieces, 6);
		snprintf (buf, sizeof buf, "%s%s", PICK (epochs), body);
		pool_add (&pool, buf);
	}
	run_batch_oracle ("rpm", HULL_VS_RPM, argv, &pool, 3000, false);
	pool_free (&pool);
}

static const char py_oracle[] = "import sys\n"
				"from packaging.version import Version, InvalidVersion\n"
				"def p(s):\n"
				"    try:\n"
				"        return Version(s)\n"
				"    except InvalidVersion:\n"
				"        return None\n"
				"for line in sys.stdin.buffer:\n"
				"    a, b = line.rstrip(b'\\n').split(b'\\t')\n"
				"    x, y = p(a.decode('latin-1')), p(b.decode('latin-1'))\n"
				"    c = '-' if x is None or y is None else (x > y) - (x < y)\n"
				"    print(int(x is not None), int(y is not None), c)\n";

static void
pep440_pool (struct pool *pool)
{
	static const char *const pre_l[] = { "a",   "b",       "c", "rc", "alpha", "beta",
					     "pre", "preview", "A", "RC", "Alpha" };
	static const char *const post_l[] = { "post", "rev", "r", "POST" };
	static const char *const seps[] = { "", "", ".", "-", "_" };
	static const char *const nums[] = { "", "0", "1", "2", "10", "01", "00" };
	static const char *const rel[] = { "0",	   "1", "1.0",	   "1.0.0", "1.2",
					   "1.10", "2", "1.0.0.0", "01.2",  "1.02" };
	static const char *const local[] = { "",     "",       "",   "+1",   "+abc", "+ABC.1",
					     "+1.2", "+a-b_c", "+0", "+1.a", "+01" };
	static const char *const noise[] = { "-", "_", ".", "!", "+", "x", "v", " ", "..", "1" };

	for (int i = 0; i < 1500; i++) {
		char buf[128];
		size_t len;

		len = (size_t) snprintf (buf, sizeof buf, "%s%s%s", rng () % 6 ? "" : "v",
					 rng () % 8 ? "" : "1!", PICK (rel));
		if (rng () % 2)
			len += (size_t) snprintf (buf + len, sizeof buf - len, "%s%s%s%s",
						  PICK (seps), PICK (pre_l), PICK (seps),
						  PICK (nums));
		if (rng () % 3 == 0) {
			if (rng () % 3 == 0)
				len += (size_t) snprintf (buf + len, sizeof buf - len, "-%s",
							  PICK (nums));
			else
				len += (size_t) snprintf (buf + len, sizeof buf - len, "%s%s%s%s",
							  PICK (seps), PICK (post_l), PICK (seps),
							  PICK (nums));
		}
		if (rng () % 3 == 0)
			len += (size_t) snprintf (buf + len, sizeof buf - len, "%sdev%s%s",
						  PICK (seps), PICK (seps), PICK (nums));
		len += (size_t) snprintf (buf + len, sizeof buf - len, "%s", PICK (local));
		if (rng () % 10 == 0 && len > 0 && len + 3 < sizeof buf) {
			/* noise: insert a piece somewhere */
			const char *nz = PICK (noise);
			size_t at = rng () % len, l = strlen (nz);

			memmove (buf + at + l, buf + at, len - at + 1);
			memcpy (buf + at, nz, l);
		}
		pool_add (pool, buf);
	}
}

static void
test_oracle_pep440 (void **state)
{
	/* The first python3 in PATH may lack `packaging` (a pyenv one): try the system's. */
	static const char *const pythons[] = { "python3", "/usr/bin/python3" };
	char *argv[] = { NULL, "-c", (char *) py_oracle, NULL };
	struct pool pool = { 0 };

	(void) state;
	for (size_t i = 0; i < 2 && !argv[0]; i++) {
		char *probe[] = { (char *) pythons[i], "-c", "import packaging.version", NULL };
		_cleanup_free_ char *out = NULL;

		if (run_tool (probe, "", 0, &out) == 0)
			argv[0] = (char *) pythons[i];
	}
	if (!argv[0])
		SKIP_ORACLE ("pep440",
			     "python3 with the `packaging` module (python3-packaging) not found");
	rng_state = 0x5851f42d4c957f2dull;
	pep440_pool (&pool);
	run_batch_oracle ("pep440", HULL_VS_PEP440, argv, &pool, 3000, false);
	pool_free (&pool);
}

static const char rb_oracle[] = "STDIN.binmode\n"
				"STDIN.each_line do |l|\n"
				"  a, b = l.chomp(\"\\n\").split(\"\\t\", -1)\n"
				"  x = Gem::Version.correct?(a) ? Gem::Version.new(a) : nil\n"
				"  y = Gem::Version.correct?(b) ? Gem::Version.new(b) : nil\n"
				"  puts \"#{x ? 1 : 0} #{y ? 1 : 0} #{x && y ? (x <=> y) : '-'}\"\n"
				"end\n";

static void
test_oracle_gem (void **state)
{
	static const char *const pieces[] = {
		".0",	".1",	".10",	".a",	 ".pre", ".rc1", ".B",	  "-1",
		"-pre", "-a.1", ".0.0", "-rc.1", "1",	 "a",	 ".beta", ".2",
		".01",	"--1",	".",	"..",	 "-",	 "b2",	 ".Z",	  ".0.a",
	};
	char *argv[] = { "ruby", "-e", (char *) rb_oracle, NULL };
	struct pool pool = { 0 };

	(void) state;
	if (!have_tool ("ruby"))
		SKIP_ORACLE ("gem", "`ruby` not found in PATH (Debian package ruby)");
	rng_state = 0x14057b7ef767814full;
	for (int i = 0; i < 1500; i++) {
		static const char *const first[] = { "0", "1", "2", "10", "01", "", " 1", "a" };
		char body[80], buf[96];

		GEN (body, pieces, 5);
		snprintf (buf, sizeof buf, "%s%s", PICK (first), rng () % 8 ? body : "");
		pool_add (&pool, buf);
	}
	run_batch_oracle ("gem", HULL_VS_GEM, argv, &pool, 3000, false);
	pool_free (&pool);
}

static const char js_oracle[] =
	"const paths = ['/usr/lib/node_modules/npm/node_modules/semver', "
	"'/usr/share/nodejs/semver'];\n"
	"let semver = null;\n"
	"for (const p of paths) { try { semver = require(p); break; } catch (e) {} }\n"
	"const lines = require('fs').readFileSync(0, 'latin1').split('\\n');\n"
	"const out = [];\n"
	"for (const l of lines) {\n"
	"  if (!l) continue;\n"
	"  const [a, b] = l.split('\\t');\n"
	"  const x = semver.valid(a), y = semver.valid(b);\n"
	"  out.push(`${x ? 1 : 0} ${y ? 1 : 0} ${x && y ? semver.compare(a, b) : '-'}`);\n"
	"}\n"
	"process.stdout.write(out.join('\\n') + '\\n');\n";

static void
test_oracle_semver (void **state)
{
	static const char *const nums[] = { "0", "1", "2", "10", "01", "9007199254740991" };
	static const char *const ids[] = { "alpha", "beta", "rc", "1",	"2", "10", "0",
					   "01",    "x-y",  "-",  "a1", "A", "" };
	static const char *const builds[] = { "build", "001", "sha.5114f85", "", "x.-" };
	char *argv[] = { "node", "-e", (char *) js_oracle, NULL };
	char *probe[] = { "node", "-e", "require('/usr/lib/node_modules/npm/node_modules/semver')",
			  NULL };
	_cleanup_free_ char *out = NULL;
	struct pool pool = { 0 };

	(void) state;
	if (!have_tool ("node") || run_tool (probe, "", 0, &out) != 0)
		SKIP_ORACLE ("semver", "node with npm's bundled `semver` module not found");
	rng_state = 0x7a3b9c1d5e2f4a6bull;
	for (int i = 0; i < 1500; i++) {
		char buf[128];
		size_t len =
			(size_t) snprintf (buf, sizeof buf, "%s%s.%s.%s", rng () % 10 ? "" : "v",
					   PICK (nums), PICK (nums), PICK (nums));

		for (int k = 0, n = rng () % 2 ? (int) (1 + rng () % 3) : 0; k < n; k++)
			len += (size_t) snprintf (buf + len, sizeof buf - len, "%c%s",
						  k ? '.' : '-', PICK (ids));
		if (rng () % 5 == 0)
			len += (size_t) snprintf (buf + len, sizeof buf - len, "+%s",
						  PICK (builds));
		pool_add (&pool, buf);
	}
	run_batch_oracle ("semver", HULL_VS_SEMVER, argv, &pool, 3000, true);
	pool_free (&pool);
}

static void
maven_pool (struct pool *pool)
{
	static const char *const pieces[] = {
		"0",	     "1",	 "2",	       "10",
		"01",	     "00",	 "1234567890", "12345678901234567890",
		"alpha",     "a",	 "beta",       "b",
		"milestone", "m",	 "rc",	       "cr",
		"snapshot",  "SNAPSHOT", "ga",	       "final",
		"release",   "RELEASE",	 "sp",	       "foo",
		"x",	     "c",	 "Alpha",      "",
	};
	static const char *const seps[] = { ".", ".", "-", "-", "" };

	for (int i = 0; i < 1200; i++) {
		char buf[128];
		size_t len = 0, n = 1 + rng () % 6;

		buf[0] = 0;
		for (size_t k = 0; k < n && len + 24 < sizeof buf; k++)
			len += (size_t) snprintf (buf + len, sizeof buf - len, "%s%s",
						  k ? PICK (seps) : "", PICK (pieces));
		pool_add (pool, buf);
	}
}

/* Maven's ComparableVersion main() compares neighbours on its command line and prints
 * "   A OP B" for each: the pairs go in as a1 b1 a2 b2 ..., every second line counts. */
static void
test_oracle_maven (void **state)
{
	static const char jar[] = "/usr/share/maven/lib/maven-artifact-3.x.jar";
	struct pool pool = { 0 }, pairs;
	_cleanup_free_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	size_t bad = 0, agreed = 0, k = 0;
	const char *line;

	(void) state;
	if (!have_tool ("java") || !have_file (jar))
		SKIP_ORACLE ("maven", "`java` or maven-artifact (Debian package maven) not found");
	rng_state = 0x3c6ef372fe94f82bull;
	maven_pool (&pool);
	pairs = make_pairs (HULL_VS_MAVEN, &pool, 2500);
	argv = calloc (pairs.n + 5, sizeof *argv);
	assert_non_null (argv);
	argv[0] = "java";
	argv[1] = "-cp";
	argv[2] = (char *) jar;
	argv[3] = "org.apache.maven.artifact.versioning.ComparableVersion";
	memcpy (argv + 4, pairs.v, pairs.n * sizeof *argv);
	if (run_tool (argv, "", 0, &out) != 0)
		fail_msg ("oracle maven: java failed");
	for (line = out; *line; line += strcspn (line, "\n"), line += *line == '\n') {
		const char *a, *b, *op;
		int want, got;

		if (strncmp (line, "   ", 3) != 0)
			continue;
		/* Comparison k is between argument k and k+1; pairs are the even k. */
		if (k++ % 2)
			continue;
		a = pairs.v[k - 1];
		b = pairs.v[k];
		op = line + 3 + strlen (a) + 1;
		want = op[0] == '<' ? -1 : op[0] == '>' ? 1 : 0;
		got = sign (hull_version_cmp (HULL_VS_MAVEN, a, b));
		if (got != want) {
			if (bad++ < 20)
				print_error ("oracle maven: `%s` vs `%s`: maven %d, hull %d\n", a,
					     b, want, got);
			continue;
		}
		agreed++;
	}
	print_message ("oracle maven: %zu ordered pairs agree, %zu disagree\n", agreed, bad);
	assert_int_equal (k, pairs.n - 1);
	pool_free (&pairs);
	pool_free (&pool);
	assert_int_equal (bad, 0);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test (test_tables),	      cmocka_unit_test (test_valid),
		cmocka_unit_test (test_ecosystems),   cmocka_unit_test (test_total_order),
		cmocka_unit_test (test_hostile),      cmocka_unit_test (test_oracle_dpkg),
		cmocka_unit_test (test_oracle_rpm),   cmocka_unit_test (test_oracle_pep440),
		cmocka_unit_test (test_oracle_gem),   cmocka_unit_test (test_oracle_semver),
		cmocka_unit_test (test_oracle_maven),
	};

	return cmocka_run_group_tests (tests, NULL, NULL);
}
