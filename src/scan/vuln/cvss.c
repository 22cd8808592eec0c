/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVSS v3.0 and v3.1 base scores and the severity helpers.
 *
 * The base score follows the CVSS v3.1 specification, section 7.1 (base metrics
 * equations), 7.4 (metric values) and Appendix A (Roundup, which avoids the floating
 * point surprises of v3.0's "round up to one decimal"). v3.0 vectors use the same
 * equations: the base formulas did not change between 3.0 and 3.1, only Roundup was
 * made exact. Vector strings follow section 6: the "CVSS:3.x/" prefix, every base
 * metric exactly once, in any order; temporal and environmental metrics are accepted
 * (with their defined values, each once) and do not change the base score. Anything
 * else is an error: a scanner must not invent a severity from a vector it misread.
 * CVSS v4 vectors are kept as given by the caller (no score is computed here). */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "hull/scan.h"

/* A vector longer than every metric of v3.1 written out (about 140 bytes) is refused. */
#define CVSS_VECTOR_MAX 256

enum {
	M_AV,
	M_AC,
	M_PR,
	M_UI,
	M_S,
	M_C,
	M_I,
	M_A,
	M_BASE_COUNT, /* the metrics above are mandatory; the rest are optional */
	M_E = M_BASE_COUNT,
	M_RL,
	M_RC,
	M_CR,
	M_IR,
	M_AR,
	M_MAV,
	M_MAC,
	M_MPR,
	M_MUI,
	M_MS,
	M_MC,
	M_MI,
	M_MA,
	M_COUNT,
};

/* Section 7.4: the values, each with its weight (optional metrics: weight unused).
 * PR's weight depends on Scope; the second weight is the Scope: Changed one. */
static const struct metric {
	const char *name;
	const char *values;
	double weight[5], weight_changed[5];
} metrics[M_COUNT] = {
	[M_AV] = { "AV", "NALP", { 0.85, 0.62, 0.55, 0.2 } },
	[M_AC] = { "AC", "LH", { 0.77, 0.44 } },
	[M_PR] = { "PR", "NLH", { 0.85, 0.62, 0.27 }, { 0.85, 0.68, 0.5 } },
	[M_UI] = { "UI", "NR", { 0.85, 0.62 } },
	[M_S] = { "S", "UC" },
	[M_C] = { "C", "HLN", { 0.56, 0.22, 0 } },
	[M_I] = { "I", "HLN", { 0.56, 0.22, 0 } },
	[M_A] = { "A", "HLN", { 0.56, 0.22, 0 } },
	[M_E] = { "E", "XUPFH" },
	[M_RL] = { "RL", "XOTWU" },
	[M_RC] = { "RC", "XURC" },
	[M_CR] = { "CR", "XLMH" },
	[M_IR] = { "IR", "XLMH" },
	[M_AR] = { "AR", "XLMH" },
	[M_MAV] = { "MAV", "XNALP" },
	[M_MAC] = { "MAC", "XLH" },
	[M_MPR] = { "MPR", "XNLH" },
	[M_MUI] = { "MUI", "XNR" },
	[M_MS] = { "MS", "XUC" },
	[M_MC] = { "MC", "XNLH" },
	[M_MI] = { "MI", "XNLH" },
	[M_MA] = { "MA", "XNLH" },
};

/* Appendix A: Roundup. The input times 100,000 is rounded to the nearest integer
 * (halves up, as JavaScript's Math.round in the reference calculator) before deciding
 * whether it is already a multiple of 0.1. Inputs here are within 0..10.8, so the
 * integer arithmetic cannot overflow; floor and round are done without libm. */
static double
roundup (double input)
{
	double scaled = input * 100000.0;
	int64_t whole = (int64_t) scaled;

	if (scaled - (double) whole >= 0.5)
		whole++;
	if (whole % 10000 == 0)
		return (double) whole / 100000.0;
	return (double) (whole / 10000 + 1) / 10.0;
}

/* x to the 15th by multiplication: the reference uses Math.pow, whose last bit is
 * engine dependent anyway; Roundup's 1e-5 granularity absorbs such differences. */
static double
pow15 (double x)
{
	double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;

	return x8 * x4 * x2 * x;
}

static int
find_metric (const char *name, size_t len)
{
	for (int m = 0; m < M_COUNT; m++) {
		if (strlen (metrics[m].name) == len && memcmp (metrics[m].name, name, len) == 0)
			return m;
	}
	return -1;
}

/* Parse "CVSS:3.x/M:V/..." into the index of each metric's value (-1: absent). */
static int
parse_vector (const char *vector, int idx[M_COUNT], hull_error_t *err)
{
	const char *p;

	if (strnlen (vector, CVSS_VECTOR_MAX + 1) > CVSS_VECTOR_MAX)
		return hull_error_make (err, 0, "CVSS vector `%.40s...`: longer than %d bytes",
					vector, CVSS_VECTOR_MAX);
	if (strncmp (vector, "CVSS:3.0/", 9) != 0 && strncmp (vector, "CVSS:3.1/", 9) != 0)
		return hull_error_make (
			err, 0, "CVSS vector `%s`: does not start with CVSS:3.0/ or CVSS:3.1/",
			vector);
	for (int m = 0; m < M_COUNT; m++)
		idx[m] = -1;
	for (p = vector + 9;; p++) {
		size_t len = strcspn (p, "/"), nlen = strcspn (p, ":/");
		int m = find_metric (p, nlen);
		const char *val;

		if (m < 0)
			return hull_error_make (err, 0, "CVSS vector `%s`: unknown metric `%.*s`",
						vector, (int) nlen, p);
		if (idx[m] >= 0)
			return hull_error_make (err, 0, "CVSS vector `%s`: metric `%s` given twice",
						vector, metrics[m].name);
		val = strchr (metrics[m].values, p[nlen + (nlen < len)]);
		if (nlen + 2 != len || !p[nlen + 1] || !val)
			return hull_error_make (
				err, 0, "CVSS vector `%s`: bad value `%.*s` for metric `%s`",
				vector, (int) len, p, metrics[m].name);
		idx[m] = (int) (val - metrics[m].values);
		p += len;
		if (!*p)
			break;
	}
	for (int m = 0; m < M_BASE_COUNT; m++) {
		if (idx[m] < 0)
			return hull_error_make (err, 0, "CVSS vector `%s`: missing metric `%s`",
						vector, metrics[m].name);
	}
	return 0;
}

int
hull_cvss3_base_score (const char *vector, double *score, hull_error_t *err)
{
	int idx[M_COUNT];
	bool changed;
	double iss, impact, exploitability, pr;
	int rc;

	if (!vector)
		return hull_error_make (err, 0, "CVSS vector: none given");
	rc = parse_vector (vector, idx, err);
	if (rc < 0)
		return rc;
	changed = idx[M_S] == 1;
	/* Section 7.1. */
	iss = 1 - ((1 - metrics[M_C].weight[idx[M_C]]) * (1 - metrics[M_I].weight[idx[M_I]]) *
		   (1 - metrics[M_A].weight[idx[M_A]]));
	if (changed)
		impact = 7.52 * (iss - 0.029) - 3.25 * pow15 (iss - 0.02);
	else
		impact = 6.42 * iss;
	pr = changed ? metrics[M_PR].weight_changed[idx[M_PR]] : metrics[M_PR].weight[idx[M_PR]];
	exploitability = 8.22 * metrics[M_AV].weight[idx[M_AV]] * metrics[M_AC].weight[idx[M_AC]] *
			 pr * metrics[M_UI].weight[idx[M_UI]];
	if (impact <= 0)
		*score = 0;
	else if (changed)
		*score = roundup (1.08 * (impact + exploitability) < 10
					  ? 1.08 * (impact + exploitability)
					  : 10);
	else
		*score = roundup (impact + exploitability < 10 ? impact + exploitability : 10);
	return 0;
}

static const char *const severity_names[HULL_SEV_MAX] = {
	[HULL_SEV_UNKNOWN] = "UNKNOWN",	  [HULL_SEV_LOW] = "LOW",
	[HULL_SEV_MEDIUM] = "MEDIUM",	  [HULL_SEV_HIGH] = "HIGH",
	[HULL_SEV_CRITICAL] = "CRITICAL",
};

const char *
hull_severity_name (enum hull_severity s)
{
	if ((unsigned) s >= HULL_SEV_MAX)
		return "UNKNOWN";
	return severity_names[s];
}

/* The names above, plus the spellings advisories use for the same levels: GitHub's
 * "MODERATE" (OSV database_specific.severity) and Red Hat's "Important". */
int
hull_severity_parse (const char *s)
{
	static const struct {
		const char *name;
		enum hull_severity sev;
	} aliases[] = { { "moderate", HULL_SEV_MEDIUM }, { "important", HULL_SEV_HIGH } };

	if (!s)
		return -1;
	for (int i = 0; i < HULL_SEV_MAX; i++) {
		if (strcasecmp (s, severity_names[i]) == 0)
			return i;
	}
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
		if (strcasecmp (s, aliases[i].name) == 0)
			return (int) aliases[i].sev;
	}
	return -1;
}

/* CVSS v3.1 section 5, "Qualitative Severity Rating Scale"; None (0.0), and anything
 * that is not a score (negative, above 10, NaN), is UNKNOWN. */
enum hull_severity
hull_severity_from_score (double score)
{
	if (!(score > 0.0) || score > 10.0)
		return HULL_SEV_UNKNOWN;
	if (score >= 9.0)
		return HULL_SEV_CRITICAL;
	if (score >= 7.0)
		return HULL_SEV_HIGH;
	if (score >= 4.0)
		return HULL_SEV_MEDIUM;
	return HULL_SEV_LOW;
}
