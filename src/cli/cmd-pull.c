/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hull pull REF`: fetch an image from a registry into the store (docs/pull.md). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "hull/image.h"
#include "hull/registry.h"

#define DEFAULT_STORE "/var/lib/hull"

static const char pull_help[] =
	"NAME\n"
	"    hull pull - fetch an image from a registry into the store\n"
	"\n"
	"SYNOPSIS\n"
	"    hull [--store DIR] pull [OPTIONS] REF\n"
	"\n"
	"DESCRIPTION\n"
	"    Resolves REF ([DOMAIN/]PATH[:TAG][@DIGEST]) against its registry over the\n"
	"    OCI distribution API, selects the platform from a multi-platform index,\n"
	"    downloads config and layers in parallel and stores each one only after its\n"
	"    SHA-256 and size match the manifest; then names REF in the store. A pull\n"
	"    that fails leaves no name and no partial file behind.\n"
	"\n"
	"    Registries are spoken to over HTTPS only, verified against the system CA\n"
	"    store, --tls-ca FILE, or " HULL_REGISTRY_CERTS_D "/HOST:PORT/ca.crt. Plain\n"
	"    HTTP is used only for a registry named by --insecure-registry or in\n"
	"    " HULL_REGISTRY_CONFIG " ({\"insecure\": [\"host:port\"]}).\n"
	"\n"
	"    Credentials come from an auth.json file (podman, skopeo and docker write\n"
	"    it): --authfile FILE, else $REGISTRY_AUTH_FILE, else\n"
	"    $XDG_RUNTIME_DIR/containers/auth.json, else ~/.docker/config.json. They are\n"
	"    sent to the registry (Basic) or to the token service it names (Bearer).\n"
	"\n"
	"    On a terminal, progress per blob and in total is drawn on standard error.\n"
	"    The digest REF now names is printed on standard output.\n"
	"\n"
	"OPTIONS\n"
	"    --platform OS/ARCH[/VARIANT]  image to take from an index (default: host)\n"
	"    --tls-ca FILE                 also trust the CA certificates in FILE\n"
	"    --authfile FILE               credentials file (auth.json format)\n"
	"    --insecure-registry HOST[:PORT]\n"
	"                                  allow plain HTTP to this registry (repeatable)\n"
	"    --registries-conf FILE        instead of " HULL_REGISTRY_CONFIG "\n"
	"    --jobs N                      parallel blob downloads (default 3, max 16)\n"
	"    --retries N                   retries on 429, 5xx and broken connections\n"
	"                                  (default 5, 0: none; exponential backoff,\n"
	"                                  Retry-After honoured up to 30 s)\n"
	"    --metadata-timeout SECONDS    total time limit of each manifest, index, token\n"
	"                                  and config request (default 60, max 3600);\n"
	"                                  layers have none: they fail only below\n"
	"                                  1 byte/s for 60 s, and resume\n"
	"    -q, --quiet                   no progress display\n"
	"\n"
	"EXIT STATUS\n"
	"    0 on success, 125 on any error (the message names the registry, the\n"
	"    reference or blob, and the reason).\n";

HULL_DEFINE_CLEANUP (struct hull_image_store, hull_image_store_free)

static volatile int interrupted;

static void
on_signal (int sig)
{
	interrupted = sig;
}

/* SIGINT, SIGTERM and SIGHUP stop the transfers; the pull then fails normally and
 * removes its temp files. */
static void
catch_signals (void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset (&sa.sa_mask);
	sigaction (SIGINT, &sa, NULL);
	sigaction (SIGTERM, &sa, NULL);
	sigaction (SIGHUP, &sa, NULL);
}

struct display {
	size_t lines; /* drawn last time, to move back over */
};

static void
human (uint64_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf (buf, len, "%.1f MiB", (double) n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf (buf, len, "%.1f KiB", (double) n / 1024.0);
	else
		snprintf (buf, len, "%llu B", (unsigned long long) n);
}

static const char *const state_names[] = {
	[HULL_REGISTRY_BLOB_QUEUED] = "waiting",
	[HULL_REGISTRY_BLOB_ACTIVE] = "downloading",
	[HULL_REGISTRY_BLOB_DONE] = "done",
	[HULL_REGISTRY_BLOB_EXISTS] = "already present",
};

/* Redraw in place: cursor up over the last drawing, each line cleared. */
static void
draw (void *ctx, const struct hull_registry_progress *p)
{
	struct display *d = ctx;
	char a[32], b[32];

	if (d->lines)
		fprintf (stderr, "\033[%zuA", d->lines);
	for (size_t i = 0; i < p->n; i++) {
		const struct hull_registry_blob_progress *bp = &p->blobs[i];
		human (bp->done, a, sizeof a);
		human ((uint64_t) bp->size, b, sizeof b);
		fprintf (stderr, "\r\033[K%.19s  %10s / %-10s  %s", bp->digest, a, b,
			 state_names[bp->state]);
		if (bp->retries)
			fprintf (stderr, " (retry %u)", bp->retries);
		fputc ('\n', stderr);
	}
	human (p->done, a, sizeof a);
	human (p->total, b, sizeof b);
	fprintf (stderr, "\r\033[Ktotal                %10s / %-10s\n", a, b);
	d->lines = p->n + 1;
	fflush (stderr);
}

static int
cmd_pull (struct hull_cli_globals *g, int argc, char **argv)
{
	struct hull_registry_pull_opts o = { 0 };
	struct hull_cli_list insecure = { 0 }, pos = { 0 };
	_cleanup_free_ const char **v1 = NULL, **v2 = NULL;
	_cleanup_ (hull_image_store_freep) struct hull_image_store *s = NULL;
	char digest[HULL_IMAGE_DIGEST_MAX];
	struct display disp = { 0 };
	hull_error_t err = { 0 };
	uint32_t jobs = HULL_REGISTRY_JOBS_DEFAULT, retries = HULL_REGISTRY_RETRIES_DEFAULT;
	uint32_t meta_timeout = HULL_REGISTRY_METADATA_TIMEOUT_DEFAULT;
	bool quiet = false;
	const struct hull_cli_opt opts[] = {
		{ "platform", 0, HULL_OPT_STRING, &o.platform },
		{ "tls-ca", 0, HULL_OPT_STRING, &o.tls_ca },
		{ "authfile", 0, HULL_OPT_STRING, &o.authfile },
		{ "insecure-registry", 0, HULL_OPT_LIST, &insecure },
		{ "registries-conf", 0, HULL_OPT_STRING, &o.config },
		{ "jobs", 0, HULL_OPT_UINT, &jobs },
		{ "retries", 0, HULL_OPT_UINT, &retries },
		{ "metadata-timeout", 0, HULL_OPT_UINT, &meta_timeout },
		{ "quiet", 'q', HULL_OPT_FLAG, &quiet },
		{ NULL, 0, 0, NULL },
	};
	int r = hull_cli_parse ("pull", opts, argc, argv, &pos);

	v1 = insecure.v;
	v2 = pos.v;
	if (r != 0)
		return r;
	if (pos.n != 1)
		return hull_cli_usage ("pull", "expected one REF");
	if (jobs < 1 || jobs > HULL_REGISTRY_JOBS_MAX)
		return hull_cli_usage ("pull", "--jobs: from 1 to %d", HULL_REGISTRY_JOBS_MAX);
	if (meta_timeout < 1 || meta_timeout > HULL_REGISTRY_METADATA_TIMEOUT_MAX)
		return hull_cli_usage ("pull", "--metadata-timeout: from 1 to %d seconds",
				       HULL_REGISTRY_METADATA_TIMEOUT_MAX);
	o.jobs = jobs;
	o.metadata_timeout_ms = meta_timeout * 1000u;
	o.retries = retries; /* --retries 0: no retry at all */
	o.retries_set = true;
	o.insecure = insecure.v;
	o.n_insecure = insecure.n;
	if (!quiet && isatty (STDERR_FILENO)) {
		o.progress = draw;
		o.progress_ctx = &disp;
	}
	o.cancel = &interrupted;
	catch_signals ();
	s = hull_image_store_open (g->store ? g->store : DEFAULT_STORE, &err);
	if (s == NULL || hull_registry_pull (s, pos.v[0], &o, digest, &err) < 0)
		return hull_cli_fail ("pull", &err);
	printf ("%s\n", digest);
	return 0;
}

const struct hull_cli_command hull_cmd_pull = {
	.name = "pull",
	.fn = cmd_pull,
	.summary = "fetch an image from a registry into the store",
	.help = pull_help,
};
