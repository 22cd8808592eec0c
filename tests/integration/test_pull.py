# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull pull` against real registries on loopback (registryfixture.py): Debian's
docker-registry over TLS with a test CA, one behind htpasswd basic auth, one plain
HTTP, and a Python proxy that misbehaves on purpose (503/429, a connection cut
mid-blob, redirects to another origin, Bearer tokens). Images are pushed by skopeo
from layouts built here. Nothing leaves the machine."""
import base64
import json
import os
import pty
import shutil
import signal
import subprocess
import time
import warnings

import pytest

from hullkit import HULL, IS_HULL

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import registryfixture as rf

pytestmark = [
    pytest.mark.skipif(not IS_HULL, reason="hull-only command"),
    pytest.mark.skipif(not (shutil.which("skopeo") and os.path.exists("/usr/bin/docker-registry")
                            and shutil.which("openssl")),
                       reason="needs skopeo, docker-registry and openssl (make deps)"),
]


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("registry"))
    e = rf.Env(base)
    try:
        e.push_image("test/img", "v1", [200000, 120000, 60000], "img")
        e.push_index("test/multi", "v1", "multi")
        e.push_image("test/tamper", "v1", [90000], "tamper")
        e.push_image("test/big", "v1", [3 * 1024 * 1024], "big")
        e.push_image("test/docker", "v1", [30000, 20000], "docker", fmt="v2s2")
        e.push_image("test/img", "v1", [50000, 30000], "auth", registry=e.auth_reg,
                     creds="%s:%s" % (rf.USER, rf.PASSWORD))
        e.push_image("test/img", "v1", [40000], "plain", registry=e.plain_reg)
        e.start_proxy()
        yield e
    finally:
        e.stop()
        shutil.rmtree(base, ignore_errors=True)  # registries' storage, layouts, certs


def pull(store, *args, env=None, timeout=120):
    return subprocess.run([HULL, "--store", store, "pull", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def image(store, *args):
    cp = subprocess.run([HULL, "--store", store, "image", *args], capture_output=True, text=True,
                        timeout=60)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def blobs(store):
    d = os.path.join(store, "blobs", "sha256")
    return {"sha256:" + n for n in os.listdir(d)} if os.path.isdir(d) else set()


def assert_clean(store):
    """No name, no temp file left behind."""
    tmp = os.path.join(store, "tmp")
    assert not os.path.isdir(tmp) or os.listdir(tmp) == []
    if os.path.isdir(store):
        assert json.loads(image(store, "ls", "--format", "json")) == []


def fail(cp, *needles):
    assert cp.returncode == 125, (cp.returncode, cp.stdout, cp.stderr)
    lines = cp.stderr.strip().splitlines()
    assert len(lines) == 1, cp.stderr
    for n in needles:
        assert n in cp.stderr, (n, cp.stderr)


def authfile(tmp_path, domain, user=rf.USER, password=rf.PASSWORD):
    p = tmp_path / "auth.json"
    p.write_text(json.dumps({"auths": {domain: {
        "auth": base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}}}))
    return str(p)


def test_help(tmp_path):
    cp = subprocess.run([HULL, "pull", "--help"], capture_output=True, text=True)
    assert cp.returncode == 0
    for opt in ("--insecure-registry", "--tls-ca", "--authfile", "--platform", "--jobs",
                "--metadata-timeout"):
        assert opt in cp.stdout
    # No parallel download at all is not a setting: refused, not taken as the default.
    for jobs in ("0", "17"):
        cp = subprocess.run([HULL, "--store", str(tmp_path / "s"), "pull", "--jobs", jobs,
                             "--retries", "0", "127.0.0.1:1/a:b"],
                            capture_output=True, text=True, timeout=60)
        assert cp.returncode == 125 and "--jobs: from 1 to 16" in cp.stderr, cp.stderr
    # No limit at all is not a setting either.
    for secs in ("0", "3601"):
        cp = subprocess.run([HULL, "--store", str(tmp_path / "s"), "pull", "--metadata-timeout",
                             secs, "127.0.0.1:1/a:b"], capture_output=True, text=True, timeout=60)
        assert cp.returncode == 125 and "--metadata-timeout: from 1 to 3600" in cp.stderr, \
            cp.stderr


def test_pull_by_tag_then_inspect(env, tmp_path):
    store = str(tmp_path / "store")
    info = env.images["test/img:v1"]
    ref = env.reg.domain + "/test/img:v1"
    cp = pull(store, "--tls-ca", env.ca, ref)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == info["manifest"]["digest"]
    assert cp.stderr == ""  # not a terminal: quiet
    out = json.loads(image(store, "inspect", ref))
    assert out["digest"] == info["manifest"]["digest"]
    assert out["config"]["rootfs"]["diff_ids"] and out["config"]["architecture"] == "amd64"
    assert [l["digest"] for l in out["manifest"]["layers"]] == [l["digest"] for l in info["layers"]]
    want = {info["manifest"]["digest"], info["config"]["digest"]} | {l["digest"] for l in info["layers"]}
    assert blobs(store) == want
    assert os.listdir(os.path.join(store, "tmp")) == []
    # Again: every blob is already there, nothing is downloaded, same answer.
    env.proxy.reset()
    cp = pull(store, "--tls-ca", env.ca, env.proxy.domain + "/test/img:v1")
    assert cp.returncode == 0, cp.stderr
    assert not [l for l in env.proxy.log if "/blobs/" in l[1]]


def test_pull_by_digest(env, tmp_path):
    store = str(tmp_path / "store")
    info = env.images["test/img:v1"]
    d = info["manifest"]["digest"]
    cp = pull(store, "--tls-ca", env.ca, "%s/test/img@%s" % (env.reg.domain, d))
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == d
    ls = json.loads(image(store, "ls", "--format", "json"))
    assert [(e["name"], e["digest"]) for e in ls] == [("%s/test/img@%s" % (env.reg.domain, d), d)]
    # Tag and digest together: the digest is checked, the tag names it.
    cp = pull(store, "--tls-ca", env.ca, "%s/test/img:v1@%s" % (env.reg.domain, d))
    assert cp.returncode == 0, cp.stderr
    out = json.loads(image(store, "inspect", env.reg.domain + "/test/img:v1"))
    assert out["digest"] == d
    # A digest the registry does not have.
    cp = pull(str(tmp_path / "s2"), "--tls-ca", env.ca,
              "%s/test/img@sha256:%s" % (env.reg.domain, "0" * 64))
    fail(cp, env.reg.domain, "HTTP 404")


def test_docker_schema2(env, tmp_path):
    store = str(tmp_path / "store")
    ref = env.reg.domain + "/test/docker:v1"
    cp = pull(store, "--tls-ca", env.ca, ref)
    assert cp.returncode == 0, cp.stderr
    out = json.loads(image(store, "inspect", ref))
    assert out["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert out["digest"] == cp.stdout.strip()
    layers = out["manifest"]["layers"]
    assert len(layers) == 2
    assert all(l["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip" for l in layers)
    assert {l["digest"] for l in layers} <= blobs(store)


def test_platform_selection(env, tmp_path):
    info = env.images["test/multi:v1"]
    ref = env.reg.domain + "/test/multi:v1"
    for arch in ("arm64", "amd64"):
        store = str(tmp_path / arch)
        cp = pull(store, "--tls-ca", env.ca, "--platform", "linux/" + arch, ref)
        assert cp.returncode == 0, cp.stderr
        assert cp.stdout.strip() == info["index"]["digest"]
        out = json.loads(image(store, "inspect", ref, "--platform", "linux/" + arch))
        assert out["manifestDigest"] == info[arch]["digest"]
        assert out["config"]["architecture"] == arch
        other = "amd64" if arch == "arm64" else "arm64"
        have = blobs(store)
        assert {l["digest"] for l in info[arch + "_layers"]} <= have
        assert not {l["digest"] for l in info[other + "_layers"]} & have
    # The default is the host's platform (amd64 on this project's machines).
    if os.uname().machine == "x86_64":
        store = str(tmp_path / "host")
        assert pull(store, "--tls-ca", env.ca, ref).returncode == 0
        assert info["amd64"]["digest"] in blobs(store)
    cp = pull(str(tmp_path / "none"), "--tls-ca", env.ca, "--platform", "linux/s390x", ref)
    fail(cp, "linux/s390x")
    assert_clean(str(tmp_path / "none"))


def test_plain_http_needs_insecure_registry(env, tmp_path):
    store = str(tmp_path / "store")
    ref = env.plain_reg.domain + "/test/img:v1"
    cp = pull(store, ref)
    fail(cp, env.plain_reg.domain, "HTTPS", "--insecure-registry")
    assert_clean(store)
    cp = pull(store, "--insecure-registry", env.plain_reg.domain, ref)
    assert cp.returncode == 0, cp.stderr
    # A host entry without a port, from the config file, names it too.
    conf = tmp_path / "registries.json"
    conf.write_text(json.dumps({"insecure": ["127.0.0.1"]}))
    cp = pull(str(tmp_path / "s2"), "--registries-conf", str(conf), ref)
    assert cp.returncode == 0, cp.stderr
    # Naming another registry does not open this one.
    cp = pull(str(tmp_path / "s3"), "--insecure-registry", "127.0.0.1:1", ref)
    fail(cp, "HTTPS")


def test_wrong_ca_refused(env, tmp_path):
    store = str(tmp_path / "store")
    ref = env.reg.domain + "/test/img:v1"
    for args in ((), ("--tls-ca", env.other_ca)):
        cp = pull(store, *args, ref)
        fail(cp, env.reg.domain, "TLS verification failed")
        assert_clean(store)


def test_basic_auth(env, tmp_path):
    store = str(tmp_path / "store")
    ref = env.auth_reg.domain + "/test/img:v1"
    cp = pull(store, "--tls-ca", env.ca, "--authfile", str(tmp_path / "missing.json"), ref)
    fail(cp, "missing.json")
    empty = tmp_path / "empty.json"
    empty.write_text('{"auths": {}}')
    cp = pull(store, "--tls-ca", env.ca, "--authfile", str(empty), ref)
    fail(cp, env.auth_reg.domain, "authentication required", "no credentials")
    wrong = authfile(tmp_path, env.auth_reg.domain, password="wrong")
    cp = pull(store, "--tls-ca", env.ca, "--authfile", wrong, ref)
    fail(cp, env.auth_reg.domain, "authentication refused")
    assert_clean(store)
    good = authfile(tmp_path, env.auth_reg.domain)
    cp = pull(store, "--tls-ca", env.ca, "--authfile", good, ref)
    assert cp.returncode == 0, cp.stderr
    # $REGISTRY_AUTH_FILE is the next place looked at.
    e = dict(os.environ, REGISTRY_AUTH_FILE=good)
    cp = pull(str(tmp_path / "s2"), "--tls-ca", env.ca, ref, env=e)
    assert cp.returncode == 0, cp.stderr


def test_bearer_token_flow(env, tmp_path):
    p = env.proxy
    ref = p.domain + "/test/img:v1"
    p.reset(token=True)
    e = dict(os.environ, REGISTRY_AUTH_FILE=str(tmp_path / "nothing.json"))
    (tmp_path / "nothing.json").write_text("{}")
    cp = pull(str(tmp_path / "s1"), "--tls-ca", env.ca, ref, env=e)
    fail(cp, p.domain, "authentication refused")
    p.reset(token=True)
    cp = pull(str(tmp_path / "s2"), "--tls-ca", env.ca, "--authfile",
              authfile(tmp_path, p.domain), ref)
    assert cp.returncode == 0, cp.stderr
    tokens = [l for l in p.log if l[1].startswith("/token")]
    assert tokens and "service=hull-test" in tokens[0][1]
    assert "scope=repository%3Atest%2Fimg%3Apull" in tokens[0][1]
    assert tokens[0][2]["Authorization"].startswith("Basic ")
    # One token for the whole pull: every registry request after it carries it.
    after = p.log[p.log.index(tokens[0]) + 1:]
    assert after and all(l[2].get("Authorization") == "Bearer " + p.TOKEN for l in after)
    assert len(tokens) == 1
    # Anonymous tokens: no credentials needed.
    p.reset(token="anonymous")
    cp = pull(str(tmp_path / "s3"), "--tls-ca", env.ca, ref, env=e)
    assert cp.returncode == 0, cp.stderr


def test_expired_token_renewed(env, tmp_path):
    p = env.proxy
    # Manifest and config pass with the first token; then it expires mid-pull.
    p.reset(token="anonymous", rotate=2)
    cp = pull(str(tmp_path / "s"), "--tls-ca", env.ca, "--jobs", "1", p.domain + "/test/img:v1")
    assert cp.returncode == 0, cp.stderr
    assert len([l for l in p.log if l[1].startswith("/token")]) == 2
    assert any(l[2].get("Authorization") == "Bearer " + p.TOKEN + "-renewed" and l[3] == 200
               for l in p.log if "/blobs/" in l[1])


def test_redirect_does_not_forward_authorization(env, tmp_path):
    p = env.proxy
    ref = p.domain + "/test/img:v1"
    p.reset(token="anonymous", redirect="https://localhost:%d" % p.port, repo="test/img")
    cp = pull(str(tmp_path / "s1"), "--tls-ca", env.ca, ref)
    assert cp.returncode == 0, cp.stderr
    storage = [l for l in p.log if l[1].startswith("/storage/")]
    assert len(storage) == len(env.images["test/img:v1"]["layers"]) + 1
    assert all("Authorization" not in l[2] for l in storage)
    # Never to plain HTTP.
    p.reset(token="anonymous", redirect="http://localhost:%d" % p.port, repo="test/img")
    cp = pull(str(tmp_path / "s2"), "--tls-ca", env.ca, ref)
    fail(cp, "redirect to plain HTTP")
    assert_clean(str(tmp_path / "s2"))


def test_tampered_blob_refused(env, tmp_path):
    info = env.images["test/tamper:v1"]
    layer = info["layers"][0]["digest"]
    path = env.reg.blob_path(layer)
    with open(path, "r+b") as f:
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xff]))
    store = str(tmp_path / "store")
    cp = pull(store, "--tls-ca", env.ca, env.reg.domain + "/test/tamper:v1")
    fail(cp, layer, "content has digest")
    assert layer not in blobs(store)
    assert_clean(store)


def test_size_lying_descriptor_stopped(env, tmp_path):
    info = env.images["test/img:v1"]
    for delta, needle in ((-1000, "more than"), (1000, "expected")):
        layers = [dict(l) for l in info["layers"]]
        layers[0]["size"] += delta
        body = json.dumps({"schemaVersion": 2, "mediaType": rf.MT_MANIFEST,
                           "config": info["config"], "layers": layers}).encode()
        tag = "liar%d" % (delta > 0)
        env.reg.put_manifest("test/img", tag, body)
        store = str(tmp_path / tag)
        cp = pull(store, "--tls-ca", env.ca, "%s/test/img:%s" % (env.reg.domain, tag))
        fail(cp, layers[0]["digest"], needle)
        assert layers[0]["digest"] not in blobs(store)
        assert_clean(store)


@pytest.mark.parametrize("status,retry_after", [(503, None), (429, "1")])
def test_retry_on_503_and_429(env, tmp_path, status, retry_after):
    p = env.proxy
    p.reset(fail=[status, 2, retry_after])
    t0 = time.monotonic()
    cp = pull(str(tmp_path / "s"), "--tls-ca", env.ca, "--jobs", "1", p.domain + "/test/img:v1")
    took = time.monotonic() - t0
    assert cp.returncode == 0, cp.stderr
    statuses = [l[3] for l in p.log if "/blobs/" in l[1]]
    assert statuses[:2] == [status, status] and statuses[2:] and set(statuses[2:]) == {200}
    if retry_after:
        assert took >= 1.0  # Retry-After: 1 (the backoff alone would be 0.25 s)
    # A registry that never recovers: the retries run out, the reason is named.
    p.reset(fail=[status, 1000, None])
    cp = pull(str(tmp_path / "s2"), "--tls-ca", env.ca, "--retries", "2",
              p.domain + "/test/img:v1")
    fail(cp, "HTTP %d" % status, "gave up after 3 attempts")
    assert_clean(str(tmp_path / "s2"))


def test_broken_connection_resumed_with_range(env, tmp_path):
    p = env.proxy
    info = env.images["test/big:v1"]
    cut = 1024 * 1024 + 17
    p.reset(cut=cut)
    store = str(tmp_path / "s")
    cp = pull(store, "--tls-ca", env.ca, "--jobs", "1", p.domain + "/test/big:v1")
    assert cp.returncode == 0, cp.stderr
    layer = info["layers"][0]["digest"]
    gets = [l for l in p.log if l[1].endswith(layer)]
    ranged = [l for l in gets if "Range" in l[2]]
    assert ranged and ranged[0][2]["Range"] == "bytes=%d-" % cut and ranged[0][3] == 206
    assert layer in blobs(store)
    assert json.loads(image(store, "inspect", p.domain + "/test/big:v1"))["digest"] == \
        info["manifest"]["digest"]
    # A 206 that does not continue where the held bytes end is refused, not appended.
    p.reset(cut=cut, badrange=True)
    store = str(tmp_path / "bad")
    cp = pull(store, "--tls-ca", env.ca, "--jobs", "1", p.domain + "/test/big:v1")
    fail(cp, layer, "Content-Range `bytes 0-", "does not continue at byte %d" % cut)
    assert_clean(store)


def test_progress_on_a_terminal(env, tmp_path):
    master, slave = pty.openpty()
    proc = subprocess.Popen([HULL, "--store", str(tmp_path / "s"), "pull", "--tls-ca", env.ca,
                             env.reg.domain + "/test/img:v1"], stdout=subprocess.PIPE,
                            stderr=slave)
    os.close(slave)
    out = b""
    try:
        # Read while it runs: a slow (sanitizer, loaded) pull redraws often enough to
        # fill the pty's buffer, and a writer blocked on it would never finish.
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        proc.communicate(timeout=120)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    text = out.decode(errors="replace")
    assert "total" in text and "\x1b[" in text
    assert env.images["test/img:v1"]["layers"][0]["digest"][:19] in text
    # -q: nothing, even on a terminal.
    master, slave = pty.openpty()
    cp = subprocess.run([HULL, "--store", str(tmp_path / "q"), "pull", "-q", "--tls-ca", env.ca,
                         env.reg.domain + "/test/img:v1"], stdout=subprocess.PIPE, stderr=slave,
                        timeout=60)
    os.close(slave)
    os.set_blocking(master, False)
    try:
        quiet = os.read(master, 65536)
    except OSError:
        quiet = b""
    os.close(master)
    assert cp.returncode == 0 and quiet == b""


def test_interrupt_leaves_nothing(env, tmp_path):
    p = env.proxy
    p.reset(slow=0.2)
    store = str(tmp_path / "s")
    proc = subprocess.Popen([HULL, "--store", store, "pull", "--tls-ca", env.ca,
                             p.domain + "/test/big:v1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        tmp = os.path.join(store, "tmp")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (os.path.isdir(tmp) and os.listdir(tmp)):
            time.sleep(0.05)
        assert os.listdir(tmp), "no download started"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        p.reset()
        if proc.poll() is None:  # an assertion above failed: never leave it running
            proc.kill()
            proc.communicate()
    assert proc.returncode == 125, err
    assert "Interrupted" in err and len(err.strip().splitlines()) == 1, err
    assert env.images["test/big:v1"]["layers"][0]["digest"] not in blobs(store)
    assert_clean(store)


def test_zero_size_descriptor_stopped(env, tmp_path):
    """A descriptor saying size 0 caps the blob at 0 bytes: the first byte the registry
    sends is refused (the store's writer alone takes max 0 as "no cap")."""
    info = env.images["test/img:v1"]
    for which in ("layer", "config"):
        config, layers = dict(info["config"]), [dict(l) for l in info["layers"]]
        target = layers[0] if which == "layer" else config
        target["size"] = 0
        body = json.dumps({"schemaVersion": 2, "mediaType": rf.MT_MANIFEST,
                           "config": config, "layers": layers}).encode()
        env.reg.put_manifest("test/img", "zero" + which, body)
        store = str(tmp_path / which)
        cp = pull(store, "--tls-ca", env.ca, "--jobs", "1",
                  "%s/test/img:zero%s" % (env.reg.domain, which))
        fail(cp, target["digest"], "more than 0 bytes")
        assert target["digest"] not in blobs(store)
        assert_clean(store)


def test_retries_zero_means_none(env, tmp_path):
    p = env.proxy
    p.reset(fail=[503, 1000, None])
    cp = pull(str(tmp_path / "s"), "--tls-ca", env.ca, "--retries", "0", "--jobs", "1",
              p.domain + "/test/img:v1")
    fail(cp, "HTTP 503", "gave up after 1 attempts")
    assert len([l for l in p.log if "/blobs/" in l[1]]) == 1
    assert_clean(str(tmp_path / "s"))


def _requests(p, text, n, wait=5.0):
    """The proxy's log entries whose path holds text, once there are n of them (a
    trickled answer is logged when the client has hung up)."""
    deadline = time.monotonic() + wait
    while True:
        got = [l for l in p.log if text in l[1]]
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def test_metadata_timeout_bounds_manifest(env, tmp_path):
    """A registry trickling a byte every 50 ms would hold this manifest for half a
    minute (and a 4 MiB one for days): the total limit ends each attempt, the retry
    policy applies, and the message names the manifest and the limit."""
    p = env.proxy
    p.reset(trickle=(50, "/manifests/"))
    store = str(tmp_path / "s")
    t0 = time.monotonic()
    cp = pull(store, "--tls-ca", env.ca, "--metadata-timeout", "1", "--retries", "1",
              p.domain + "/test/img:v1", timeout=60)
    took = time.monotonic() - t0
    gets = _requests(p, "/manifests/", 2)
    p.reset()
    fail(cp, "registry `%s`: manifest `test/img:v1`" % p.domain,
         "no complete answer within 1 s (--metadata-timeout)", "gave up after 2 attempts")
    assert 2.0 <= took < 20, took  # two attempts of 1 s each, and no more
    assert len(gets) == 2
    assert_clean(store)


def test_metadata_timeout_bounds_token(env, tmp_path):
    p = env.proxy
    p.reset(token="anonymous", trickle=(50, "/token"))
    store = str(tmp_path / "s")
    t0 = time.monotonic()
    cp = pull(store, "--tls-ca", env.ca, "--metadata-timeout", "1", "--retries", "0",
              p.domain + "/test/img:v1", timeout=60)
    took = time.monotonic() - t0
    p.reset()
    fail(cp, "registry `%s`: token from `https://%s/token`" % (p.domain, p.domain),
         "no complete answer within 1 s", "gave up after 1 attempts")
    assert took < 15, took
    assert_clean(store)


def test_metadata_timeout_bounds_config_not_layers(env, tmp_path):
    """The config blob is small and bounded like a manifest; layers are not: a slow
    link that keeps sending finishes however long it takes."""
    p = env.proxy
    info = env.images["test/img:v1"]
    config = info["config"]["digest"]
    p.reset(trickle=(50, config))
    store = str(tmp_path / "s")
    cp = pull(store, "--tls-ca", env.ca, "--metadata-timeout", "1", "--retries", "0",
              p.domain + "/test/img:v1", timeout=60)
    p.reset()
    fail(cp, "config %s" % config, "no complete answer within 1 s")
    assert config not in blobs(store)
    assert_clean(store)
    # Layers in 64 KiB pieces 0.5 s apart: the 200 kB one takes about 1.5 s, over the
    # 1 s limit, and arrives all the same.
    p.reset(slow=0.5)
    store = str(tmp_path / "slow")
    t0 = time.monotonic()
    cp = pull(store, "--tls-ca", env.ca, "--metadata-timeout", "1", "--retries", "0",
              p.domain + "/test/img:v1", timeout=60)
    took = time.monotonic() - t0
    p.reset()
    assert cp.returncode == 0, cp.stderr
    assert took > 1.4, took
    assert {l["digest"] for l in info["layers"]} <= blobs(store)


def _hostile(p, name):
    """(routes, expected error needles) for one kind of hostile registry answer."""
    manifest = "/v2/test/img/manifests/v1"
    bearer = lambda realm: [("WWW-Authenticate", 'Bearer realm="%s",service="s"' % realm)]
    forged = json.dumps({"errors": [{"code": "MANIFEST_UNKNOWN", "message":
                                     "gone\nhull: pull: forged line\x1b]0;owned\x07\x1b[2J"}]})
    return {
        # An error body is for the message only: one line, no escape sequences.
        "error-text": ({manifest: (404, [], forged.encode())},
                       ["HTTP 404 (MANIFEST_UNKNOWN: gone?hull: pull: forged line?]0;owned??[2J)"]),
        # Manifests are read into memory: at most 4 MiB, refused at the first byte past.
        "huge-manifest": ({manifest: (200, [("Content-Type", rf.MT_MANIFEST)],
                                      b" " * (5 * 1024 * 1024))}, ["more than 4194304 bytes"]),
        # Text the registry put in a manifest reaches the message through other
        # modules' errors: one line all the same.
        "manifest-text": ({manifest: (200, [], json.dumps({
            "schemaVersion": 2, "mediaType": "x\n\x1b[2J\u009b1m", "layers": [],
            "config": {"mediaType": rf.MT_CONFIG, "digest": "sha256:" + "a" * 64, "size": 2}
        }).encode())}, ["unsupported media type `x??[2J??1m`"]),
        "digest-header": ({manifest: (200, [("Docker-Content-Digest", "sha256:" + "a" * 64)],
                                      b'{"schemaVersion": 2}')}, ["registry says sha256:aaaa"]),
        "huge-challenge": ({manifest: (401, bearer("https://%s/t" % p.domain + "x" * 9000),
                                       b"")}, ["www-authenticate", "longer than 8192 bytes"]),
        # Credentials never travel unencrypted, and the realm is never a file.
        "http-realm": ({manifest: (401, bearer("http://%s/token" % p.domain), b"")},
                       ["plain HTTP"]),
        "file-realm": ({manifest: (401, bearer("file:///etc/passwd"), b"")},
                       ["not an http(s) URL"]),
        "huge-token": ({manifest: (401, bearer("https://%s/bigtoken" % p.domain), b""),
                        "/bigtoken": (200, [], b'{"token": "' + b"t" * (2 << 20) + b'"}')},
                       ["token from `https://%s/bigtoken`" % p.domain,
                        "more than 1048576 bytes"]),
    }[name]


@pytest.mark.parametrize("name", ["error-text", "manifest-text", "huge-manifest", "digest-header",
                                  "huge-challenge", "http-realm", "file-realm", "huge-token"])
def test_hostile_answers_refused(env, tmp_path, name):
    p = env.proxy
    routes, needles = _hostile(p, name)
    p.reset(routes=routes)
    store = str(tmp_path / "s")
    cp = pull(store, "--tls-ca", env.ca, "--authfile", authfile(tmp_path, p.domain),
              p.domain + "/test/img:v1")
    fail(cp, p.domain, *needles)
    assert "\x1b" not in cp.stderr
    assert_clean(store)
    # Nothing went to a realm hull refused.
    assert not [l for l in p.log if l[1].startswith("/token")]
