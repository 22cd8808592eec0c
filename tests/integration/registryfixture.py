# SPDX-License-Identifier: GPL-2.0-or-later
"""Real registries on loopback for `hull pull` tests and bench/pull.

Everything runs on 127.0.0.1 and in a temp dir: a test CA and server certificate
made with the openssl CLI, Debian's docker-registry (distribution 2.8) started on
random free ports with its own root directory (one open, one behind htpasswd basic
auth), OCI layouts built here and pushed with skopeo, and a small Python HTTPS proxy
that can answer 503/429, cut a blob off mid-transfer, redirect blobs to another
origin, or demand a Bearer token from its own token endpoint. Processes are killed
by pid when the session ends. Nothing leaves the machine."""
import base64
import crypt
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.request

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
USER, PASSWORD = "hulltest", "s3cret-pw"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(argv, **kw):
    cp = subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)
    if cp.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (argv[0], cp.returncode, cp.stderr))
    return cp


def make_certs(d, name="ca"):
    """A CA and a server certificate for 127.0.0.1 and localhost, signed by it."""
    os.makedirs(d, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_key, ca_crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    run(["openssl", "req", "-x509", *ec, "-keyout", ca_key, "-out", ca_crt, "-days", "2",
         "-subj", "/CN=hull test CA " + name])
    key, csr, crt = (os.path.join(d, "server." + e) for e in ("key", "csr", "crt"))
    run(["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"])
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
         "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext])
    return ca_crt, crt, key


def tls_context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    return ctx


class Registry:
    """One docker-registry process on 127.0.0.1:PORT serving TLS."""

    def __init__(self, base, cert, key, ca, htpasswd=None, tls=True):
        self.root = os.path.join(base, "storage")
        os.makedirs(self.root)
        self.ca, self.tls = ca, tls
        # free_port() closes its socket before docker-registry binds the port: another
        # process on a busy machine may take it in between; then start on a new one.
        for attempt in range(5):
            try:
                self._start(base, cert, key, htpasswd)
                return
            except RuntimeError:
                self.stop()
                if attempt == 4:
                    raise

    def _start(self, base, cert, key, htpasswd):
        tls = self.tls
        self.port = free_port()
        self.domain = "127.0.0.1:%d" % self.port
        cfg = os.path.join(base, "config.yml")
        auth = ""
        if htpasswd:
            auth = "auth:\n  htpasswd:\n    realm: hull-test\n    path: %s\n" % htpasswd
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                    "storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n"
                    "    enabled: true\nhttp:\n  addr: 127.0.0.1:%d\n  secret: hull-test\n"
                    "%s%s"
                    % (self.root, self.port,
                       "  tls:\n    certificate: %s\n    key: %s\n" % (cert, key) if tls else "",
                       auth))
        self.log = open(os.path.join(base, "registry.log"), "w")
        self.proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", cfg],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self):
        ctx = tls_context(self.ca)
        deadline = time.monotonic() + 60  # generous: two cores shared by a whole test run
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("docker-registry exited: see %s" % self.log.name)
            try:
                if self.tls:
                    c = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx,
                                                    timeout=2)
                else:
                    c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/v2/")
                status = c.getresponse().status
                c.close()
                # Ours, not another server that took the port first (ours then exits).
                if status in (200, 401) and self.proc.poll() is None:
                    time.sleep(0.1)
                    if self.proc.poll() is None:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("docker-registry did not start")

    def stop(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def blob_path(self, digest):
        hexd = digest.split(":", 1)[1]
        return os.path.join(self.root, "docker", "registry", "v2", "blobs", "sha256",
                            hexd[:2], hexd, "data")

    def put_manifest(self, repo, tag, body, media_type=MT_MANIFEST, auth=None):
        req = urllib.request.Request("https://%s/v2/%s/manifests/%s" % (self.domain, repo, tag),
                                     data=body, method="PUT",
                                     headers={"Content-Type": media_type})
        if auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        with urllib.request.urlopen(req, context=tls_context(self.ca)) as r:
            return r.headers.get("Docker-Content-Digest")


def _tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
            tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


class Layout:
    """An OCI image layout built by hand, for skopeo to push."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        self.top = []

    def put(self, data, media_type):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest[7:]), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def image(self, arch, layer_sizes, seed):
        """A manifest with one gzip layer per size (incompressible content)."""
        layers, diff_ids = [], []
        for i, size in enumerate(layer_sizes):
            data = hashlib.sha256(("%s-%d" % (seed, i)).encode()).digest() * 1
            content = os.urandom(size) if size else data
            tar = _tar([("layer%d/%s.bin" % (i, seed), content)])
            diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
            layers.append(self.put(gzip.compress(tar, compresslevel=1, mtime=0), MT_LAYER))
        config = self.put(json.dumps({
            "architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode(), MT_CONFIG)
        manifest = self.put(json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                                        "config": config, "layers": layers}).encode(),
                            MT_MANIFEST)
        manifest["platform"] = {"os": "linux", "architecture": arch}
        return manifest, config, layers

    def index(self, manifests):
        return self.put(json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX,
                                    "manifests": manifests}).encode(), MT_INDEX)

    def finish(self, top, tag):
        top = dict(top)
        top.pop("platform", None)
        top["annotations"] = {"org.opencontainers.image.ref.name": tag}
        with open(os.path.join(self.path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [top]}, f)


def skopeo_push(layout, tag, registry, repo, certdir, creds=None, all_images=False, fmt=None):
    argv = ["skopeo", "--insecure-policy", "copy", "--dest-cert-dir", certdir]
    # Converting to Docker schema 2 changes the manifest: its digest cannot be kept.
    argv += ["--format", fmt] if fmt else ["--preserve-digests"]
    if not registry.tls:
        argv.append("--dest-tls-verify=false")
    if creds:
        argv += ["--dest-creds", creds]
    if all_images:
        argv.append("--all")
    argv += ["oci:%s:%s" % (layout, tag), "docker://%s/%s:%s" % (registry.domain, repo, tag)]
    run(argv, env=dict(os.environ, HOME=os.path.dirname(certdir)))


class Proxy:
    """HTTPS proxy in front of a registry. `mode` decides its misbehaviour:
    fail: [status, count, retry_after]  answer status to the first `count` blob GETs
    cut: N                              send only the first N bytes of the next blob
                                        (full Content-Length), then close
    token: True                         demand `Bearer <token>`; /token hands it out
                                        for USER:PASSWORD (or to anyone with anonymous)
    redirect: "https://HOST:PORT"       blob GETs -> 307 to HOST:PORT/storage/<digest>
    slow: S                             blob bodies in 64 KiB pieces, S seconds apart
    badrange: True                      a Range request gets 206 with the blob from byte 0
    trickle: (MS, TEXT)                 the body of every answer whose path holds TEXT
                                        ("/manifests/", "/token", a digest) is sent
                                        one byte every MS milliseconds
    routes: {PATH: (status, headers, body)}  answer PATH (query ignored) with exactly this
    Every request is appended to `log` as (method, path, headers dict, status)."""

    TOKEN = "tok-" + hashlib.sha256(b"hull").hexdigest()[:24]

    def __init__(self, upstream, cert, key, ca):
        self.upstream, self.ca = upstream, ca
        self.mode, self.log, self.token = {}, [], self.TOKEN
        self.lock = threading.RLock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                proxy.handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.domain = "127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self, **mode):
        with self.lock:
            self.mode = dict(mode)
            self.log = []
            self.token = self.TOKEN

    def _reply(self, h, status, body=b"", headers=()):
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not self._trickle(h, h.path, body):
            try:
                h.wfile.write(body)
            except OSError:  # the client stopped reading (a size cap did its job)
                h.close_connection = True
        self._record(h, status)

    def _trickle(self, h, path, body):
        """Send body a byte at a time when the trickle mode names path; False if not.
        Stops when the client hangs up (a time limit did its job)."""
        trickle = self.mode.get("trickle")
        if not trickle or trickle[1] not in path:
            return False
        for i in range(len(body)):
            try:
                h.wfile.write(body[i:i + 1])
                h.wfile.flush()
            except OSError:
                h.close_connection = True
                break
            time.sleep(trickle[0] / 1000.0)
        return True

    def _record(self, h, status):
        with self.lock:
            self.log.append(("GET", h.path, dict(h.headers.items()), status))

    def _token_ok(self, h):
        with self.lock:
            ok = h.headers.get("Authorization") == "Bearer " + self.token
            rotate = self.mode.get("rotate")
            if ok and rotate is not None:
                # The token expires after `rotate` requests: the next one gets 401.
                self.mode["rotate"] -= 1
                if self.mode["rotate"] < 0:
                    self.token = self.TOKEN + "-renewed"
                    self.mode.pop("rotate")
            return ok

    def handle(self, h):
        mode = self.mode
        is_blob = "/blobs/" in h.path
        route = mode.get("routes", {}).get(h.path.split("?", 1)[0])
        if route:
            return self._reply(h, route[0], route[2], route[1])
        if h.path.startswith("/token"):
            want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
            if mode.get("token") == "anonymous" or h.headers.get("Authorization") == want:
                return self._reply(h, 200, json.dumps({"token": self.token}).encode(),
                                   [("Content-Type", "application/json")])
            return self._reply(h, 401, b'{"details":"bad credentials"}')
        if h.path.startswith("/storage/"):
            return self._forward(h, "/v2/%s/blobs/%s" % (mode["repo"], h.path[9:]), mode)
        if mode.get("token") and not self._token_ok(h):
            realm = "https://%s/token" % self.domain
            return self._reply(h, 401, b'{"errors":[{"code":"UNAUTHORIZED","message":"x"}]}', [
                ("WWW-Authenticate", 'Bearer realm="%s",service="hull-test",scope="repository:%s:pull"'
                 % (realm, h.path.split("/")[2] + "/" + h.path.split("/")[3]))])
        with self.lock:
            fail = mode.get("fail")
            if is_blob and fail and fail[1] > 0:
                fail[1] -= 1
                hdrs = [("Retry-After", fail[2])] if fail[2] else []
                return self._reply(h, fail[0], b'{"errors":[{"code":"TOOMANYREQUESTS"}]}', hdrs)
        if is_blob and mode.get("redirect"):
            return self._reply(h, 307, b"", [("Location", "%s/storage/%s" % (
                mode["redirect"], h.path.rsplit("/", 1)[1]))])
        self._forward(h, h.path, mode)

    def _forward(self, h, path, mode):
        c = http.client.HTTPSConnection("127.0.0.1", self.upstream.port,
                                        context=tls_context(self.ca), timeout=30)
        hdrs = {k: v for k, v in h.headers.items() if k.lower() in ("accept", "range")}
        # badrange: answer a Range request with 206 but the whole blob from byte 0.
        bad = mode.get("badrange") and hdrs.pop("Range", None)
        c.request("GET", path, headers=hdrs)
        r = c.getresponse()
        body = r.read()
        h.send_response(206 if bad else r.status)
        if bad:
            h.send_header("Content-Range", "bytes 0-%d/%d" % (len(body) - 1, len(body)))
        for k in ("Content-Type", "Docker-Content-Digest", "Content-Range", "Location"):
            if r.getheader(k):
                h.send_header(k, r.getheader(k))
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        with self.lock:
            cut = None
            if "/blobs/" in path and r.status == 200 and len(body) > mode.get("cut", len(body)):
                cut = mode.pop("cut")
        if self._trickle(h, path, body):
            pass
        elif mode.get("slow") and "/blobs/" in path and r.status in (200, 206):
            for off in range(0, len(body), 65536):
                try:
                    h.wfile.write(body[off:off + 65536])
                    h.wfile.flush()
                except OSError:
                    break
                time.sleep(mode["slow"])
        elif cut is not None:
            h.wfile.write(body[:cut])
            h.wfile.flush()
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
        else:
            h.wfile.write(body)
        self._record(h, r.status)
        c.close()


class Env:
    """The session's registries, images and proxy."""

    def __init__(self, base, big=False):
        self.base = base
        certs = os.path.join(base, "certs")
        self.ca, self.cert, self.key = make_certs(certs)
        self.other_ca, _, _ = make_certs(os.path.join(base, "other"), "other")
        # skopeo reads every *.crt of --dest-cert-dir as a CA.
        self.certdir = os.path.join(base, "skopeo-certs")
        os.makedirs(self.certdir)
        shutil.copy(self.ca, os.path.join(self.certdir, "ca.crt"))
        htpasswd = os.path.join(base, "htpasswd")
        with open(htpasswd, "w") as f:
            f.write("%s:%s\n" % (USER, crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH,
                                                                          rounds=16))))
        self.proxy = self.reg = self.auth_reg = self.plain_reg = None
        self.images = {}
        try:
            self.reg = Registry(os.path.join(base, "open"), self.cert, self.key, self.ca)
            self.auth_reg = Registry(os.path.join(base, "auth"), self.cert, self.key, self.ca,
                                     htpasswd=htpasswd)
            self.plain_reg = Registry(os.path.join(base, "plain"), None, None, self.ca,
                                      tls=False)
        except BaseException:
            self.stop()
            raise

    def layout(self, name):
        return Layout(os.path.join(self.base, "layouts", name))

    def push_image(self, repo, tag, layer_sizes, seed, registry=None, creds=None, fmt=None):
        lay = self.layout("%s-%s-%s-%d" % (repo.replace("/", "_"), tag, seed,
                                           (registry or self.reg).port))
        m, config, layers = lay.image("amd64", layer_sizes, seed)
        lay.finish(m, tag)
        skopeo_push(lay.path, tag, registry or self.reg, repo, self.certdir, creds=creds, fmt=fmt)
        info = {"manifest": m, "config": config, "layers": layers, "layout": lay.path}
        key = repo + ":" + tag
        self.images[key if registry is None else registry.domain + "/" + key] = info
        return info

    def push_index(self, repo, tag, seed):
        lay = self.layout("%s-%s" % (repo.replace("/", "_"), tag))
        amd, amd_cfg, amd_layers = lay.image("amd64", [50000, 20000], seed + "-amd64")
        arm, arm_cfg, arm_layers = lay.image("arm64", [40000], seed + "-arm64")
        idx = lay.index([amd, arm])
        lay.finish(idx, tag)
        skopeo_push(lay.path, tag, self.reg, repo, self.certdir, all_images=True)
        info = {"index": idx, "amd64": amd, "arm64": arm, "amd64_config": amd_cfg,
                "arm64_config": arm_cfg, "amd64_layers": amd_layers, "arm64_layers": arm_layers}
        self.images[repo + ":" + tag] = info
        return info

    def start_proxy(self):
        self.proxy = Proxy(self.reg, self.cert, self.key, self.ca)
        return self.proxy

    def stop(self):
        if self.proxy:
            self.proxy.stop()
        for r in (self.reg, self.auth_reg, self.plain_reg):
            if r:
                r.stop()
