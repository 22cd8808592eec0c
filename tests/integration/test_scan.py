# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull sbom` and `hull scan` through the CLI: a Debian-like rootfs made here (os-release,
a dpkg status file, a Python dist-info), a vulnerability database built with `hull db
import` from a few OSV records written here, and the outputs checked as a user sees them:
CycloneDX 1.5 and SARIF 2.1.0 validated against the official schemas with the npm
validator in tests/schema (SPDX 2.3 structurally: no npm package ships its schema), exit
codes, the ignore file, OpenVEX, and scanning an SBOM or an image finding what scanning
the directory finds. No root and no network needed (the image test needs the store)."""
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

SCHEMA_DIR = os.path.join(REPO, "tests", "schema")
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"  # 5.3
LOW = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8

STATUS = """\
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u1
Description: Secure Sockets Layer toolkit - shared libraries

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime

Package: base-files
Status: install ok installed
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files
"""

OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
"""


def osv(vid, ecosystem, name, fixed, vector, aliases=()):
    events = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {
        "schema_version": "1.6.0",
        "id": vid,
        "aliases": list(aliases),
        "modified": "2024-03-01T00:00:00Z",
        "published": "2024-02-01T00:00:00Z",
        "summary": "test vulnerability %s in %s" % (vid, name),
        "details": "A flaw in %s." % name,
        "severity": [{"type": "CVSS_V3", "score": vector}],
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
        }],
        "references": [{"type": "ADVISORY", "url": "https://security.invalid/%s" % vid}],
    }


RECORDS = [
    osv("CVE-2099-1001", "Debian:12", "openssl", "3.0.13-1~deb12u1", CRITICAL),
    osv("CVE-2099-1002", "Debian:12", "zlib", None, LOW),
    osv("CVE-2099-1003", "Debian:12", "openssl", "3.0.9-1", MEDIUM),  # already fixed
    osv("GHSA-2099-aaaa-bbbb", "PyPI", "requests", "2.31.0", MEDIUM, ["CVE-2099-1004"]),
]
# (id, package) pairs the rootfs must produce; a GHSA with a CVE alias is reported under
# the CVE (hull_vulndb_match merges aliases, one finding per CVE and package)
EXPECTED = {("CVE-2099-1001", "libssl3"), ("CVE-2099-1002", "zlib1g"),
            ("CVE-2099-1004", "requests")}


def hull(*args, cwd=None, check=None):
    p = subprocess.run([HULL] + list(args), capture_output=True, text=True, cwd=cwd,
                       timeout=60)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stdout, p.stderr)
    return p


def make_rootfs(root):
    os.makedirs(os.path.join(root, "etc"))
    os.makedirs(os.path.join(root, "var/lib/dpkg"))
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write(OS_RELEASE)
    with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
        f.write(STATUS)
    di = os.path.join(root, "usr/lib/python3/dist-packages/requests-2.25.0.dist-info")
    os.makedirs(di)
    with open(os.path.join(di, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\nName: requests\nVersion: 2.25.0\nLicense: Apache-2.0\n")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("scan")
    root = str(base / "rootfs")
    make_rootfs(root)
    recs = base / "osv"
    recs.mkdir()
    for r in RECORDS:
        (recs / (r["id"] + ".json")).write_text(json.dumps(r))
    db = str(base / "osv.idx")
    hull("db", "import", "--db", db, str(recs), check=0)
    return {"base": base, "root": root, "db": db}


def findings(stdout):
    doc = json.loads(stdout)
    return doc, {(x["id"], x["package"]["name"]) for x in doc["findings"]}


def validate(schema, path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    assert os.path.isdir(os.path.join(SCHEMA_DIR, "node_modules")), \
        "tests/schema/node_modules missing: run `make deps`"
    p = subprocess.run(["node", os.path.join(SCHEMA_DIR, "validate.js"), schema, path],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr


# ---- sbom ----

def test_sbom_cyclonedx_validates(env, tmp_path):
    out = tmp_path / "bom.json"
    hull("sbom", env["root"], "--format", "cyclonedx", "--output", str(out), check=0)
    validate("cyclonedx-1.5", str(out))
    bom = json.loads(out.read_text())
    assert bom["specVersion"] == "1.5"
    assert bom["serialNumber"].startswith("urn:uuid:")
    purls = {c.get("purl", "") for c in bom["components"]}
    assert any(p.startswith("pkg:deb/debian/libssl3@3.0.11-1~deb12u1") for p in purls), purls
    assert any(p.startswith("pkg:pypi/requests@2.25.0") for p in purls), purls
    osc = [c for c in bom["components"] if c["type"] == "operating-system"]
    assert osc and osc[0]["name"] == "debian" and osc[0]["version"] == "12"
    ssl = [c for c in bom["components"] if c["name"] == "libssl3"][0]
    props = {p["name"]: p["value"] for p in ssl["properties"]}
    assert props["hull:package:source"] == "openssl"


def test_cyclonedx_validator_rejects_broken_bom(env, tmp_path):
    """The schema check itself can fail: a BOM with a bad component type is refused."""
    out = tmp_path / "bom.json"
    hull("sbom", env["root"], "--output", str(out), check=0)
    bom = json.loads(out.read_text())
    bom["components"][0]["type"] = "spaceship"
    out.write_text(json.dumps(bom))
    p = subprocess.run(["node", os.path.join(SCHEMA_DIR, "validate.js"), "cyclonedx-1.5",
                        str(out)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "type" in p.stderr


def test_sbom_spdx_structure(env):
    p = hull("sbom", env["root"], "--format", "spdx", check=0)
    doc = json.loads(p.stdout)
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["dataLicense"] == "CC0-1.0"
    assert doc["SPDXID"] == "SPDXRef-DOCUMENT"
    assert doc["documentNamespace"].startswith("https://hull.invalid/")
    assert doc["creationInfo"]["created"].endswith("Z")
    assert any(c.startswith("Tool: hull-") for c in doc["creationInfo"]["creators"])
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    for pkg in doc["packages"]:
        assert pkg["SPDXID"].startswith("SPDXRef-")
        assert pkg["downloadLocation"] == "NOASSERTION"
        assert "name" in pkg
    ssl = [p for p in doc["packages"] if p["name"] == "libssl3"][0]
    assert ssl["versionInfo"] == "3.0.11-1~deb12u1"
    refs = [r for r in ssl["externalRefs"] if r["referenceType"] == "purl"]
    assert refs[0]["referenceCategory"] == "PACKAGE-MANAGER"
    rels = doc["relationships"]
    described = [r["relatedSpdxElement"] for r in rels if r["relationshipType"] == "DESCRIBES"]
    assert len(described) == 1 and described[0] in ids
    contained = {r["relatedSpdxElement"] for r in rels if r["relationshipType"] == "CONTAINS"}
    assert contained == set(ids) - set(described)
    # a second document gets another namespace
    doc2 = json.loads(hull("sbom", env["root"], "--format", "spdx", check=0).stdout)
    assert doc2["documentNamespace"] != doc["documentNamespace"]


def test_sbom_inventory_json(env):
    doc = json.loads(hull("sbom", env["root"], "--format", "json", check=0).stdout)
    assert doc["schemaVersion"] == 1
    assert doc["os"]["id"] == "debian"
    names = {(p["type"], p["name"]) for p in doc["packages"]}
    assert {("deb", "libssl3"), ("deb", "zlib1g"), ("pypi", "requests")} <= names


def test_sbom_errors(env, tmp_path):
    p = hull("sbom", env["root"], "--format", "xml")
    assert p.returncode == 125 and "xml" in p.stderr
    junk = tmp_path / "junk.txt"
    junk.write_text("not an sbom")
    p = hull("sbom", str(junk))
    assert p.returncode == 125 and "junk.txt" in p.stderr
    p = hull("--store", str(tmp_path / "store"), "sbom", str(tmp_path / "missing"))
    assert p.returncode == 125 and "missing" in p.stderr


# ---- scan ----

def test_scan_dir_json(env):
    p = hull("scan", env["root"], "--db", env["db"], "--format", "json", check=0)
    doc, got = findings(p.stdout)
    assert got == EXPECTED
    by_id = {x["id"]: x for x in doc["findings"]}
    assert by_id["CVE-2099-1001"]["severity"] == "CRITICAL"
    assert by_id["CVE-2099-1001"]["fixedVersion"] == "3.0.13-1~deb12u1"
    assert by_id["CVE-2099-1002"]["fixedVersion"] is None
    assert doc["summary"]["active"] == 3


def test_scan_table(env):
    p = hull("scan", env["root"], "--db", env["db"], check=0)
    lines = p.stdout.splitlines()
    header = [l for l in lines if l.startswith("PACKAGE")][0]
    col = header.index("VULNERABILITY")
    rows = [l for l in lines if "CVE-2099" in l or "GHSA-" in l]
    assert len(rows) == 3
    for r in rows:
        assert r[col:].startswith(("CVE-", "GHSA-")), r
    assert "\033[" not in p.stdout  # not a terminal: no colour
    assert "3 vulnerabilities" in p.stdout


def test_scan_exit_code_gating(env):
    base = ["scan", env["root"], "--db", env["db"]]
    hull(*base, check=0)
    hull(*base, "--exit-code", "3", check=3)
    hull(*base, "--exit-code", "3", "--severity", "CRITICAL", check=3)
    hull(*base, "--exit-code", "3", "--severity", "HIGH", check=0)
    p = hull(*base, "--format", "json", "--ignore-unfixed", check=0)
    _, got = findings(p.stdout)
    assert ("CVE-2099-1002", "zlib1g") not in got and len(got) == 2
    p = hull(*base, "--severity", "BOGUS")
    assert p.returncode == 125 and "BOGUS" in p.stderr


def test_scan_sarif(env, tmp_path):
    out = tmp_path / "r.sarif"
    hull("scan", env["root"], "--db", env["db"], "--format", "sarif", "--output", str(out),
         check=0)
    validate("sarif-2.1.0", str(out))
    doc = json.loads(out.read_text())
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "hull" and driver["version"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {i for i, _ in EXPECTED}
    crit = rules["CVE-2099-1001"]
    assert crit["defaultConfiguration"]["level"] == "error"
    assert crit["properties"]["security-severity"] == "9.8"
    assert crit["helpUri"].startswith("https://")
    assert rules["CVE-2099-1002"]["defaultConfiguration"]["level"] == "note"
    for r in run["results"]:
        assert r["ruleId"] in rules
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and not uri.startswith("/")


def test_scan_ignore_file(env, tmp_path):
    ign = tmp_path / "ignore"
    ign.write_text("# accepted\n"
                   "CVE-2099-1001 pkg=openssl exp=2999-12-31 # no TLS in this image\n"
                   "CVE-2099-1002 exp=2000-01-01 # old decision\n")
    base = ["scan", env["root"], "--db", env["db"], "--ignore-file", str(ign)]
    p = hull(*base, "--format", "json", check=0)
    doc, got = findings(p.stdout)
    assert got == EXPECTED  # suppressed findings stay in JSON
    by_id = {x["id"]: x for x in doc["findings"]}
    assert by_id["CVE-2099-1001"]["suppressed"] is True
    assert by_id["CVE-2099-1001"]["justification"] == "no TLS in this image"
    assert by_id["CVE-2099-1002"]["suppressed"] is False  # expired
    assert "CVE-2099-1002" in p.stderr and "expired" in p.stderr
    p = hull(*base, "--exit-code", "4", "--severity", "CRITICAL", check=0)
    assert "CVE-2099-1001" not in p.stdout
    hull(*base, "--exit-code", "4", check=4)  # the expired entry's finding remains
    # ./.hullignore is read by default
    (tmp_path / ".hullignore").write_text("CVE-2099-1001\nCVE-2099-1002\nCVE-2099-1004\n")
    hull("scan", env["root"], "--db", env["db"], "--exit-code", "4", cwd=str(tmp_path), check=0)
    bad = tmp_path / "bad"
    bad.write_text("CVE-1 exp=2024-13-01\n")
    p = hull("scan", env["root"], "--db", env["db"], "--ignore-file", str(bad))
    assert p.returncode == 125 and "bad:1" in p.stderr
    p = hull("scan", env["root"], "--db", env["db"], "--ignore-file", str(tmp_path / "none"))
    assert p.returncode == 125


def test_scan_vex(env, tmp_path):
    vex = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.invalid/vex/1",
        "author": "test", "timestamp": "2024-03-01T00:00:00Z", "version": 1,
        "statements": [
            {"vulnerability": {"name": "CVE-2099-1001"},
             "products": [{"@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1"}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
            {"vulnerability": {"name": "CVE-2099-1002"},
             "products": [{"@id": "pkg:deb/debian/zlib1g"}], "status": "affected"},
        ],
    }
    f = tmp_path / "vex.json"
    f.write_text(json.dumps(vex))
    p = hull("scan", env["root"], "--db", env["db"], "--vex", str(f), "--format", "json",
             check=0)
    doc, _ = findings(p.stdout)
    by_id = {x["id"]: x for x in doc["findings"]}
    assert by_id["CVE-2099-1001"]["suppressed"] is True
    assert by_id["CVE-2099-1001"]["justification"] == "vulnerable_code_not_in_execute_path"
    assert by_id["CVE-2099-1001"]["suppressedBy"] == "vex:" + str(f)
    assert by_id["CVE-2099-1002"]["suppressed"] is False
    hull("scan", env["root"], "--db", env["db"], "--vex", str(f), "--severity", "CRITICAL",
         "--exit-code", "2", check=0)
    f.write_text('{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{}]}')
    p = hull("scan", env["root"], "--db", env["db"], "--vex", str(f))
    assert p.returncode == 125 and "vex.json" in p.stderr


def test_scan_errors(env, tmp_path):
    bad_db = tmp_path / "bad.idx"
    bad_db.write_bytes(b"\0" * 4096)
    p = hull("scan", env["root"], "--db", str(bad_db))
    assert p.returncode == 125 and "bad.idx" in p.stderr
    p = hull("scan", env["root"], "--db", str(tmp_path / "none.idx"))
    assert p.returncode == 125
    p = hull("scan", env["root"], "--db", env["db"], "--format", "xml")
    assert p.returncode == 125
    p = hull("scan", env["root"], "--db", env["db"], "--max-db-age", "1", check=0)
    assert "older" in p.stderr or "days old" in p.stderr


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_scan_sbom_equals_scan_dir(env, tmp_path, fmt):
    out = tmp_path / ("sbom-%s.json" % fmt)
    hull("sbom", env["root"], "--format", fmt, "--output", str(out), check=0)
    p = hull("scan", str(out), "--db", env["db"], "--format", "json", check=0)
    doc, got = findings(p.stdout)
    assert got == EXPECTED
    d = json.loads(hull("scan", env["root"], "--db", env["db"], "--format", "json",
                        check=0).stdout)
    key = lambda x: (x["id"], x["package"]["name"], x["package"]["version"],  # noqa: E731
                     x["fixedVersion"], x["severity"])
    assert sorted(map(key, doc["findings"])) == sorted(map(key, d["findings"]))


# ---- images ----

def _layout(path, root):
    """An OCI layout holding `root` as a one-layer image."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        tf.add(root, arcname=".", filter=lambda ti: _owner(ti))
    tar = buf.getvalue()
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs)

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    layer = put(gzip.compress(tar, mtime=0))
    config = put(json.dumps({
        "architecture": _arch(), "os": "linux", "config": {},
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


def _owner(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti


def _arch():
    m = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(m, m)


def test_scan_image_equals_sbom(env, tmp_path):
    store = str(tmp_path / "store")
    lay = str(tmp_path / "layout")
    _layout(lay, env["root"])
    ref = "localhost/test/scan:1"
    hull("--store", store, "image", "import", lay, "--name", ref, check=0)
    sbom = tmp_path / "img.cdx.json"
    hull("--store", store, "sbom", ref, "--output", str(sbom), check=0)
    validate("cyclonedx-1.5", str(sbom))
    bom = json.loads(sbom.read_text())
    assert bom["metadata"]["component"]["name"] == ref
    assert bom["metadata"]["component"]["version"].startswith("sha256:")
    img = json.loads(hull("--store", store, "scan", ref, "--db", env["db"], "--format", "json",
                          check=0).stdout)
    via_sbom = json.loads(hull("scan", str(sbom), "--db", env["db"], "--format", "json",
                               check=0).stdout)
    key = lambda x: (x["id"], x["package"]["name"], x["package"]["version"])  # noqa: E731
    assert {key(x) for x in img["findings"]} == {key(x) for x in via_sbom["findings"]}
    assert {(i, n) for i, n, _ in map(key, img["findings"])} == EXPECTED


def test_scan_foreign_sbom(env, tmp_path):
    """An SBOM as other tools write it: the source package only in the purl's `upstream`
    qualifier, the OS component last, no hull properties."""
    bom = {
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "container", "name": "other/app"}},
        "components": [
            {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u1",
             "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&upstream=openssl"
                     "&distro=debian-12"},
            {"type": "library", "name": "libssl3-fixed", "version": "3.0.13-1~deb12u1",
             "purl": "pkg:deb/debian/libssl3-fixed@3.0.13-1~deb12u1?upstream=openssl"},
            {"type": "operating-system", "name": "debian", "version": "12"},
        ],
    }
    f = tmp_path / "other.cdx.json"
    f.write_text(json.dumps(bom))
    doc, got = findings(hull("scan", str(f), "--db", env["db"], "--format", "json",
                             check=0).stdout)
    assert got == {("CVE-2099-1001", "libssl3")}
    assert doc["target"] == "other/app"
    assert doc["findings"][0]["package"]["sourceName"] == "openssl"
    f.write_text(json.dumps(bom)[:-5])  # truncated: an error naming the file
    p = hull("scan", str(f), "--db", env["db"])
    assert p.returncode == 125 and "other.cdx.json" in p.stderr


# ---- a real rootfs: this machine's dpkg database, advisories from its changelogs ----

CHANGELOG_HEADER = re.compile(r"^(\S+) \(([^)\s]+)\) ")


def _older_version(pkg):
    """The version of this package four uploads back, from its Debian changelog."""
    path = "/usr/share/doc/%s/changelog.Debian.gz" % pkg
    if not os.path.isfile(path):
        return None
    versions = []
    try:
        with gzip.open(path, "rt", errors="replace") as f:
            for line in f:
                m = CHANGELOG_HEADER.match(line)
                if m:
                    versions.append(m.group(2))
                    if len(versions) > 3:
                        return versions[3]
    except (OSError, EOFError):
        return None
    return None


def _real_rootfs(root, max_pkgs=200):
    """A rootfs holding this machine's dpkg status, with every other package set back to
    an older upload (so that the CVEs its later uploads fixed apply), plus language
    manifests. Returns the binary packages set back."""
    os.makedirs(os.path.join(root, "etc"))
    os.makedirs(os.path.join(root, "var/lib/dpkg"))
    shutil.copy("/etc/os-release", os.path.join(root, "etc/os-release"))
    stanzas, older = [], []
    with open("/var/lib/dpkg/status", encoding="utf-8", errors="replace") as f:
        text = f.read()
    for n, st in enumerate(s for s in text.split("\n\n") if s.strip()):
        m = re.search(r"^Package: (\S+)$", st, re.M)
        v = _older_version(m.group(1)) if m and n % 2 == 0 and len(older) < max_pkgs else None
        if v:
            st = re.sub(r"^Version: .*$", "Version: " + v, st, flags=re.M)
            st = re.sub(r"^(Source: \S+) \(.*\)$", r"\1", st, flags=re.M)
            older.append(m.group(1))
        stanzas.append(st.strip("\n"))
    with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
        f.write("\n\n".join(stanzas) + "\n")
    files = {
        "usr/lib/python3/dist-packages/requests-2.25.0.dist-info/METADATA":
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.25.0\n",
        "usr/lib/python3/dist-packages/Jinja2-2.10.egg-info/PKG-INFO":
            "Metadata-Version: 1.1\nName: Jinja2\nVersion: 2.10\n",
        "app/node_modules/lodash/package.json": '{"name":"lodash","version":"4.17.15"}',
        "app/node_modules/@babel/traverse/package.json":
            '{"name":"@babel/traverse","version":"7.22.0"}',
        "srv/rust/Cargo.lock": 'version = 3\n\n[[package]]\nname = "smallvec"\n'
                               'version = "1.6.0"\nsource = "registry+https://github.com/'
                               'rust-lang/crates.io-index"\n',
    }
    for rel, content in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(content)
    return older


def _lang_record(vid, eco, name, ranges, aliases=(), rtype="ECOSYSTEM", **extra):
    r = {"schema_version": "1.6.0", "id": vid, "modified": "2024-01-01T00:00:00Z",
         "aliases": list(aliases), "summary": "%s in %s" % (vid, name),
         "affected": [{"package": {"ecosystem": eco, "name": name},
                       "ranges": [{"type": rtype, "events": e} for e in ranges]}]}
    r.update(extra)
    return r


# The public advisories these mirror: GHSA-j8r2-6x86-q33q and PYSEC-2023-74 (requests,
# CVE-2023-32681), GHSA-462w-v97r-4m45 (Jinja2, CVE-2019-10906, PyPI name as published),
# GHSA-p6mc-m468-83gw (lodash, CVE-2020-8203), GHSA-67hx-6x53-jw92 (@babel/traverse,
# CVE-2023-45133), RUSTSEC-2021-0003 and GHSA-43w2-9j62-hq99 (smallvec, two ranges, no
# CVE in either). HULL-* are hand-made: withdrawn, last_affected and limit events.
LANG_RECORDS = [
    _lang_record("GHSA-j8r2-6x86-q33q", "PyPI", "requests",
                 [[{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]],
                 ["CVE-2023-32681", "PYSEC-2023-74"],
                 severity=[{"type": "CVSS_V3", "score": MEDIUM}]),
    _lang_record("PYSEC-2023-74", "PyPI", "requests",
                 [[{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]],
                 ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]),
    _lang_record("HULL-WITHDRAWN-1", "PyPI", "requests", [[{"introduced": "0"}]],
                 ["CVE-2099-2001"], withdrawn="2024-01-02T00:00:00Z"),
    _lang_record("GHSA-462w-v97r-4m45", "PyPI", "Jinja2",
                 [[{"introduced": "0"}, {"fixed": "2.10.1"}]], ["CVE-2019-10906"]),
    _lang_record("GHSA-p6mc-m468-83gw", "npm", "lodash",
                 [[{"introduced": "3.7.0"}, {"fixed": "4.17.19"}]], ["CVE-2020-8203"],
                 severity=[{"type": "CVSS_V3", "score": CRITICAL}]),
    _lang_record("GHSA-67hx-6x53-jw92", "npm", "@babel/traverse",
                 [[{"introduced": "0"}, {"fixed": "7.23.2"}]], ["CVE-2023-45133"]),
    _lang_record("RUSTSEC-2021-0003", "crates.io", "smallvec",
                 [[{"introduced": "0.6.3"}, {"fixed": "0.6.14"}],
                  [{"introduced": "1.0.0"}, {"fixed": "1.6.1"}]],
                 ["GHSA-43w2-9j62-hq99"], rtype="SEMVER"),
    _lang_record("GHSA-43w2-9j62-hq99", "crates.io", "smallvec",
                 [[{"introduced": "1.0.0"}, {"fixed": "1.6.1"}]], ["RUSTSEC-2021-0003"],
                 rtype="SEMVER"),
    _lang_record("HULL-LAST-1", "npm", "lodash",
                 [[{"introduced": "4.0.0"}, {"last_affected": "4.17.15"}]], ["CVE-2099-2002"],
                 rtype="SEMVER"),
    _lang_record("HULL-LAST-2", "npm", "lodash",
                 [[{"introduced": "4.0.0"}, {"last_affected": "4.17.14"}]], ["CVE-2099-2003"],
                 rtype="SEMVER"),
    _lang_record("HULL-LIMIT-1", "npm", "lodash",
                 [[{"introduced": "0"}, {"limit": "4.17.16"}]], ["CVE-2099-2004"],
                 rtype="SEMVER"),
    _lang_record("HULL-LIMIT-2", "npm", "lodash",
                 [[{"introduced": "0"}, {"limit": "4.0.0"}]], ["CVE-2099-2005"],
                 rtype="SEMVER"),
]
LANG_EXPECTED = {
    ("CVE-2023-32681", "requests", "2.31.0"), ("CVE-2019-10906", "Jinja2", "2.10.1"),
    ("CVE-2020-8203", "lodash", "4.17.19"), ("CVE-2023-45133", "@babel/traverse", "7.23.2"),
    ("GHSA-43w2-9j62-hq99", "smallvec", "1.6.1"), ("CVE-2099-2002", "lodash", None),
    ("CVE-2099-2004", "lodash", None),
}


def _deb_oracle(root, recs_dir):
    """(package, CVE) pairs by dpkg --compare-versions over the records and status."""
    fixes = {}
    for name in os.listdir(recs_dir):
        with open(os.path.join(recs_dir, name)) as f:
            r = json.load(f)
        for a in r["affected"]:
            for rg in a["ranges"]:
                for e in rg["events"]:
                    if "fixed" in e:
                        fixes.setdefault(a["package"]["name"], []).append(
                            (r["aliases"][0], e["fixed"]))
    pairs, cache = set(), {}
    with open(os.path.join(root, "var/lib/dpkg/status")) as f:
        text = f.read()
    for st in text.split("\n\n"):
        g = dict(re.findall(r"^([A-Za-z-]+): (.*)$", st, re.M))
        if "Package" not in g or not g.get("Status", "").endswith(" installed"):
            continue
        m = re.match(r"(\S+)(?: \((.*)\))?", g.get("Source", g["Package"]))
        sv = m.group(2) or g["Version"]
        for cve, fixed in fixes.get(m.group(1), []):
            if (sv, fixed) not in cache:
                cache[(sv, fixed)] = subprocess.run(
                    ["dpkg", "--compare-versions", sv, "lt", fixed]).returncode == 0
            if cache[(sv, fixed)]:
                pairs.add((g["Package"], cve))
    return pairs


@pytest.mark.skipif(not os.path.isfile("/var/lib/dpkg/status") or shutil.which("dpkg") is None,
                    reason="needs a Debian host (its dpkg database and changelogs)")
def test_scan_real_rootfs_sbom_equals_dir(tmp_path):
    """Issue #8: scanning an SBOM finds what scanning the rootfs it was made from finds,
    on a real package set; Debian records match through source package and version
    (checked against dpkg --compare-versions); aliases merge, withdrawn records are
    ignored, last_affected and limit follow the OSV evaluation."""
    root = str(tmp_path / "rootfs")
    older = _real_rootfs(root)
    if not older:
        pytest.skip("no package changelogs on this host")
    recs = tmp_path / "debian"
    p = subprocess.run([os.path.join(REPO, "tools", "osv-from-changelogs"), "--out", str(recs)]
                       + older, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lang = tmp_path / "lang"
    lang.mkdir()
    for r in LANG_RECORDS:
        (lang / (r["id"] + ".json")).write_text(json.dumps(r))
    db = str(tmp_path / "osv.idx")
    hull("db", "import", "--db", db, str(recs), str(lang), check=0)

    def key(x):
        return (x["id"], tuple(sorted(x["aliases"])), x["package"]["name"],
                x["package"]["version"], x["package"]["purl"], x["package"]["sourceName"],
                x["fixedVersion"], x["severity"])

    d = json.loads(hull("scan", root, "--db", db, "--format", "json", check=0).stdout)
    want = sorted(map(key, d["findings"]))
    for fmt in ("cyclonedx", "spdx"):
        out = str(tmp_path / ("sbom." + fmt))
        hull("sbom", root, "--format", fmt, "--output", out, check=0)
        s = json.loads(hull("scan", out, "--db", db, "--format", "json", check=0).stdout)
        assert sorted(map(key, s["findings"])) == want, fmt
    deb = {(x["package"]["name"], x["id"]) for x in d["findings"]
           if x["package"]["purl"].startswith("pkg:deb/")}
    assert deb and deb == _deb_oracle(root, str(recs))
    lang_got = {(x["id"], x["package"]["name"], x["fixedVersion"]) for x in d["findings"]
                if not x["package"]["purl"].startswith("pkg:deb/")}
    assert lang_got == LANG_EXPECTED
    merged = [x for x in d["findings"] if x["id"] == "CVE-2023-32681"]
    assert len(merged) == 1
    assert set(merged[0]["aliases"]) == {"GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"}
