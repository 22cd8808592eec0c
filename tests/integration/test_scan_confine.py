# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull sbom` / `hull scan` read directories and images in a confined child process
(src/runtime/confine.c, docs/scan.md "Confinement"). What a user observes: the output
is exactly what the unconfined readers give (HULL_SCAN_NO_CONFINE=1, the debugging
escape hatch), for a rootfs made here, the scan fixtures, an image and `hull scan`; and,
seen with strace, the readers run in a child that became nobody, dropped its
capabilities and loaded Landlock and seccomp before reading anything. What the child
itself can and cannot do is tested from inside it in tests/unit/test-confine.c."""
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile

import pytest

from hullkit import HULL, IS_HULL, REPO

pytestmark = pytest.mark.skipif(not IS_HULL, reason="hull-only command")

FIXTURES = os.path.join(REPO, "tests", "data", "scan")

STATUS = """\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u1)
Version: 3.0.11-1~deb12u1+b1

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

"""

OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian"\n'

LOCK = {"name": "app", "lockfileVersion": 3, "packages": {
    "": {"name": "app"},
    "node_modules/left-pad": {"version": "1.3.0", "license": "WTFPL"},
}}


def hull(*args, env=None, check=None):
    e = dict(os.environ)
    e.pop("HULL_SCAN_NO_CONFINE", None)
    e.update(env or {})
    p = subprocess.run([HULL] + list(args), capture_output=True, text=True, env=e,
                       timeout=120)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stdout, p.stderr)
    return p


def unconfined(*args, check=0):
    p = hull(*args, env={"HULL_SCAN_NO_CONFINE": "1"}, check=check)
    assert "unconfined" in p.stderr
    return p


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_rootfs(root):
    write(os.path.join(root, "etc/os-release"), OS_RELEASE)
    write(os.path.join(root, "var/lib/dpkg/status"), STATUS)
    write(os.path.join(root, "var/lib/dpkg/info/libssl3:amd64.list"),
          "/usr/lib/x86_64-linux-gnu/libssl.so.3\n/usr/share/doc/libssl3\n")
    write(os.path.join(root, "var/lib/dpkg/info/zlib1g:amd64.list"),
          "/usr/lib/x86_64-linux-gnu/libz.so.1\n")
    write(os.path.join(root, "usr/share/doc/zlib1g/copyright"),
          "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
          "\nFiles: *\nLicense: Zlib\n")
    write(os.path.join(root, "srv/app/package-lock.json"), json.dumps(LOCK))
    # a manifest the reader refuses: an inventory warning, carried back too
    write(os.path.join(root, "srv/broken/package-lock.json"), "{\"lockfileVersion\": ")
    # pip --user as root: a 0700 directory the readers must still see
    di = os.path.join(root, "root/.local/lib/python3.11/site-packages/attrs-23.1.0.dist-info")
    write(os.path.join(di, "METADATA"),
          "Metadata-Version: 2.1\nName: attrs\nVersion: 23.1.0\nLicense: MIT\n", 0o600)
    os.chmod(os.path.join(root, "root"), 0o700)


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("confine") / "rootfs")
    make_rootfs(root)
    return root


def normalise(fmt, text):
    """Drop what differs between two runs of the same scan (random ids, times)."""
    doc = json.loads(text)
    if fmt == "cyclonedx":
        doc.pop("serialNumber")
        doc["metadata"].pop("timestamp")
    elif fmt == "spdx":
        doc.pop("documentNamespace")
        doc["creationInfo"].pop("created")
    return doc


@pytest.mark.parametrize("fmt", ["json", "cyclonedx", "spdx"])
def test_sbom_same_as_unconfined(rootfs, fmt):
    confined = hull("sbom", rootfs, "--format", fmt, check=0)
    assert confined.stderr == ""
    direct = unconfined("sbom", rootfs, "--format", fmt)
    assert normalise(fmt, confined.stdout) == normalise(fmt, direct.stdout)
    if fmt == "json":
        doc = json.loads(confined.stdout)
        names = {p["name"]: p for p in doc["packages"]}
        # what the readers found must really be there, through the confinement
        assert set(names) == {"libssl3", "zlib1g", "left-pad", "attrs"}
        assert names["libssl3"]["files"] == 2
        assert names["libssl3"]["sourceVersion"] == "3.0.11-1~deb12u1"
        assert names["left-pad"]["location"].endswith("srv/app/package-lock.json")
        assert doc["os"]["codename"] == "bookworm"


@pytest.mark.parametrize("fixture", ["alpine", "distroless", "lang", "rpm/sqlite",
                                     "rpm/bdb", "rpm/ndb"])
def test_fixtures_same_as_unconfined(fixture):
    path = os.path.join(FIXTURES, fixture)
    confined = hull("sbom", path, "--format", "json", check=0)
    assert json.loads(confined.stdout)["packages"], "the fixture must yield packages"
    assert confined.stdout == unconfined("sbom", path, "--format", "json").stdout


def test_scan_errors_same_as_unconfined(tmp_path):
    """A reader's error reaches the user as the unconfined reader words it."""
    root = str(tmp_path / "bad")
    write(os.path.join(root, "etc/os-release"), OS_RELEASE)
    os.makedirs(os.path.join(root, "var/lib/dpkg"))
    os.mkfifo(os.path.join(root, "var/lib/dpkg/status"))
    confined = hull("sbom", root, check=125)
    direct = unconfined("sbom", root, check=125)
    assert "var/lib/dpkg/status" in confined.stderr
    assert confined.stderr == direct.stderr.split("\n", 1)[1]


def _layout(path, root):
    """An OCI layout holding `root` as a one-layer image."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.add(root, arcname=".")
    tar = buf.getvalue()
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)
    layer = put(gzip.compress(tar, mtime=0))
    config = put(json.dumps({
        "architecture": arch, "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
    }).encode())
    manifest = put(json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(config, mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(layer, mediaType="application/vnd.oci.image.layer.v1.tar+gzip")],
    }).encode())
    with open(os.path.join(path, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [dict(
            manifest, mediaType="application/vnd.oci.image.manifest.v1+json",
            annotations={"org.opencontainers.image.ref.name": "1"})]}, f)


def test_image_same_as_unconfined(rootfs, tmp_path):
    store = str(tmp_path / "store")
    lay = str(tmp_path / "layout")
    _layout(lay, rootfs)
    ref = "localhost/test/confine:1"
    hull("--store", store, "image", "import", lay, "--name", ref, check=0)
    confined = hull("--store", store, "sbom", ref, "--format", "json", check=0)
    direct = unconfined("--store", store, "sbom", ref, "--format", "json")
    assert confined.stdout == direct.stdout
    doc = json.loads(confined.stdout)
    assert doc["target"] == ref and doc["targetDigest"].startswith("sha256:")
    assert {p["name"] for p in doc["packages"]} >= {"libssl3", "zlib1g", "left-pad"}


def test_hull_scan_same_as_unconfined(rootfs, tmp_path):
    recs = tmp_path / "osv"
    recs.mkdir()
    (recs / "CVE-2099-1.json").write_text(json.dumps({
        "schema_version": "1.6.0", "id": "CVE-2099-1", "modified": "2024-03-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "3.0.13-1"}]}]}],
    }))
    db = str(tmp_path / "osv.idx")
    hull("db", "import", "--db", db, str(recs), check=0)
    confined = hull("scan", rootfs, "--db", db, "--format", "json", check=0)
    direct = unconfined("scan", rootfs, "--db", db, "--format", "json")
    assert json.loads(confined.stdout) == json.loads(direct.stdout)
    assert [f["id"] for f in json.loads(confined.stdout)["findings"]] == ["CVE-2099-1"]


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_readers_run_confined(rootfs, tmp_path):
    """The parent opens the tree; a child confines itself, then reads it."""
    log = str(tmp_path / "strace.log")
    subprocess.run(["strace", "-f", "-o", log, "-e",
                    "trace=fork,clone,clone3,unshare,setresuid,capset,prctl,seccomp,"
                    "landlock_restrict_self,openat,openat2",
                    HULL, "sbom", rootfs, "--format", "json"],
                   check=True, capture_output=True, timeout=120,
                   # LeakSanitizer cannot run under ptrace (sanitizer builds)
                   env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    lines = open(log).read().splitlines()
    parent = lines[0].split()[0]
    child = {ln.split()[0] for ln in lines} - {parent}
    assert len(child) == 1, "one child process"
    child = child.pop()
    mine = [ln for ln in lines if ln.split()[0] == child]

    def first(pattern):
        for i, ln in enumerate(mine):
            if re.search(pattern, ln):
                return i
        pytest.fail("child never did %s:\n%s" % (pattern, "\n".join(mine)))

    ok = r"\)\s+= 0$"
    nnp = first(r"prctl\(PR_SET_NO_NEW_PRIVS, 1.*" + ok)
    landlock = first(r"landlock_restrict_self\(.*" + ok)
    seccomp = first(r"seccomp\(SECCOMP_SET_MODE_FILTER, .*" + ok)
    status = first(r"var/lib/dpkg/status")
    first(r"unshare\(.*CLONE_NEWNET.*" + ok)
    if os.geteuid() == 0:
        assert first(r"setresuid\(65534, 65534, 65534" + ok) < landlock
    assert nnp < landlock < seccomp < status
    # the parent itself never reads the package database
    assert not any("var/lib/dpkg/status" in ln for ln in lines if ln.split()[0] == parent)
