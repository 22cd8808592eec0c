# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull image`: import an OCI layout built here, list, inspect, remove, prune, export,
and detect a corrupted blob. Needs no root and no network: the layout is made by hand
from a tiny busybox rootfs."""
import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile

import pytest

from hullkit import BUSYBOX, HULL, IS_HULL

pytestmark = pytest.mark.skipif(not IS_HULL, reason="hull-only command")

REF = "localhost/test/busybox:1"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"


def _layer_tar():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for d in ("bin", "etc"):
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 0
            tf.addfile(ti)
        with open(BUSYBOX, "rb") as f:
            data = f.read()
        ti = tarfile.TarInfo("bin/busybox")
        ti.size, ti.mode, ti.mtime = len(data), 0o755, 0
        tf.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("bin/sh")
        ti.type, ti.linkname, ti.mtime = tarfile.SYMTYPE, "busybox", 0
        tf.addfile(ti)
    return buf.getvalue()


class Layout:
    """An OCI image layout with an index of two platforms (amd64 and arm64)."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        self.blobs = {}

    def put(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", digest[7:]), "wb") as f:
            f.write(data)
        self.blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    def image(self, arch):
        tar = _layer_tar()
        layer = self.put(gzip.compress(tar, mtime=0))
        layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        config = self.put(json.dumps({
            "architecture": arch, "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
        }).encode())
        config["mediaType"] = "application/vnd.oci.image.config.v1+json"
        manifest = self.put(json.dumps({
            "schemaVersion": 2, "mediaType": MT_MANIFEST, "config": config, "layers": [layer],
        }).encode())
        manifest["mediaType"] = MT_MANIFEST
        manifest["platform"] = {"os": "linux", "architecture": arch}
        return manifest, config

    def finish(self, top):
        with open(os.path.join(self.path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top]}, f)


def build_layout(path):
    lay = Layout(path)
    amd, amd_cfg = lay.image("amd64")
    arm, arm_cfg = lay.image("arm64")
    index = lay.put(json.dumps({"schemaVersion": 2, "mediaType": MT_INDEX,
                                "manifests": [amd, arm]}).encode())
    index["mediaType"] = MT_INDEX
    lay.finish(index)
    return {"index": index, "amd64": amd, "arm64": arm, "amd64_config": amd_cfg,
            "arm64_config": arm_cfg}


def hull(store, *args, check=True):
    cp = subprocess.run([HULL, "--store", store, "image", *args], capture_output=True, text=True,
                        timeout=60)
    if check:
        assert cp.returncode == 0, cp.stderr
    return cp


@pytest.fixture
def layout(tmp_path):
    path = str(tmp_path / "layout")
    return path, build_layout(path)


def test_import_ls_inspect(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    hull(store, "import", path, "--name", REF)
    ls = json.loads(hull(store, "ls", "--format", "json").stdout)
    assert ls == [{"name": REF, "digest": d["index"]["digest"], "mediaType": MT_INDEX,
                   "size": d["index"]["size"]}]
    assert REF in hull(store, "ls").stdout
    for arch in ("amd64", "arm64"):
        out = json.loads(hull(store, "inspect", REF, "--platform", "linux/" + arch).stdout)
        assert out["manifestDigest"] == d[arch]["digest"]
        assert out["config"]["architecture"] == arch
        assert out["index"]["manifests"][0]["digest"] == d["amd64"]["digest"]
    cp = hull(store, "inspect", REF, "--platform", "linux/s390x", check=False)
    assert cp.returncode == 125 and "no image for platform linux/s390x" in cp.stderr
    # By digest, within the same repository.
    out = json.loads(hull(store, "inspect", "localhost/test/busybox@" + d["index"]["digest"],
                          "--platform", "linux/arm64").stdout)
    assert out["name"] == REF


def test_unqualified_reference_refused(tmp_path, layout):
    store = str(tmp_path / "store")
    path, _ = layout
    cp = hull(store, "import", path, "--name", "busybox", check=False)
    if cp.returncode == 0:
        pytest.skip("built with a default registry")
    assert "names no registry" in cp.stderr
    cp = hull(store, "import", path, "--name", "localhost/Busybox", check=False)
    assert cp.returncode == 125 and "lowercase" in cp.stderr


def test_corrupted_blob_detected(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    hull(store, "import", path, "--name", REF)
    cfg = d["amd64_config"]["digest"]
    blob = os.path.join(store, "blobs", "sha256", cfg[7:])
    with open(blob, "r+b") as f:
        first = f.read(1)
        f.seek(0)
        f.write(bytes([first[0] ^ 1]))
    cp = hull(store, "inspect", REF, "--platform", "linux/amd64", check=False)
    assert cp.returncode == 125
    assert cfg in cp.stderr and "corrupted" in cp.stderr
    # Export refuses to copy it out too.
    cp = hull(store, "export", REF, str(tmp_path / "out"), check=False)
    assert cp.returncode == 125 and cfg in cp.stderr
    # Re-importing repairs the store.
    hull(store, "import", path, "--name", REF)
    hull(store, "inspect", REF, "--platform", "linux/amd64")


def test_corrupted_layout_refused(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    blob = os.path.join(path, "blobs", "sha256", d["arm64_config"]["digest"][7:])
    with open(blob, "ab") as f:
        f.write(b" ")
    cp = hull(store, "import", path, "--name", REF, check=False)
    assert cp.returncode == 125 and d["arm64_config"]["digest"] in cp.stderr
    assert json.loads(hull(store, "ls", "--format", "json").stdout) == []


def test_rm_prune_export_roundtrip(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    hull(store, "import", path, "--name", REF)
    blobs = os.path.join(store, "blobs", "sha256")
    before = set(os.listdir(blobs))
    assert "removed 0 blobs" in hull(store, "prune").stdout
    assert set(os.listdir(blobs)) == before

    out = str(tmp_path / "export")
    hull(store, "export", REF, out)
    with open(os.path.join(out, "index.json")) as f:
        idx = json.load(f)
    assert idx["manifests"][0]["digest"] == d["index"]["digest"]
    assert idx["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == REF
    assert set(os.listdir(os.path.join(out, "blobs", "sha256"))) == before
    for name in before:
        with open(os.path.join(out, "blobs", "sha256", name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == name
    # A non-empty target is refused.
    cp = hull(store, "export", REF, out, check=False)
    assert cp.returncode == 125

    hull(store, "rm", REF)
    assert json.loads(hull(store, "ls", "--format", "json").stdout) == []
    cp = hull(store, "rm", REF, check=False)
    assert cp.returncode == 125
    assert "removed %d blobs" % len(before) in hull(store, "prune").stdout
    assert os.listdir(blobs) == []

    # The export imports again, named by its annotation.
    store2 = str(tmp_path / "store2")
    hull(store2, "import", out)
    out2 = json.loads(hull(store2, "inspect", REF, "--platform", "linux/arm64").stdout)
    assert out2["manifestDigest"] == d["arm64"]["digest"]


def test_schema1_refused(tmp_path):
    path = str(tmp_path / "layout")
    lay = Layout(path)
    m = lay.put(json.dumps({"schemaVersion": 1, "name": "x", "tag": "1", "fsLayers": []}).encode())
    m["mediaType"] = MT_MANIFEST
    lay.finish(m)
    cp = hull(str(tmp_path / "store"), "import", path, "--name", REF, check=False)
    assert cp.returncode == 125 and "schema 1" in cp.stderr


def test_oci_layout_tar(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    tar = str(tmp_path / "layout.tar")
    with tarfile.open(tar, "w") as tf:
        for name in sorted(os.listdir(path)):
            tf.add(os.path.join(path, name), arcname=name)
    hull(store, "import", tar, "--name", REF)
    out = json.loads(hull(store, "inspect", REF, "--platform", "linux/arm64").stdout)
    assert out["manifestDigest"] == d["arm64"]["digest"]
    # A blob whose name is not its digest is refused, naming it.
    bad = str(tmp_path / "bad.tar")
    victim = d["amd64_config"]["digest"][7:]
    with tarfile.open(tar) as src, tarfile.open(bad, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name.endswith(victim):
                data = data + b" "
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    cp = hull(str(tmp_path / "store2"), "import", bad, "--name", REF, check=False)
    assert cp.returncode == 125 and victim in cp.stderr


def test_not_an_image_archive(tmp_path):
    tar = str(tmp_path / "x.tar")
    with tarfile.open(tar, "w") as tf:
        ti = tarfile.TarInfo("hello")
        ti.size = 2
        tf.addfile(ti, io.BytesIO(b"hi"))
    cp = hull(str(tmp_path / "store"), "import", tar, check=False)
    assert cp.returncode == 125 and "docker-archive" in cp.stderr


def test_docker_archive_from_podman(tmp_path):
    """A docker-archive made by `podman save` from a private podman (its own root)."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "podman"))
    import privpodman
    if os.geteuid() != 0 or not os.access(privpodman.PODMAN, os.X_OK):
        pytest.skip("needs root and podman")
    # podman refuses a runroot longer than 50 characters: keep the private dir short.
    p = privpodman.PrivatePodman(tempfile.mkdtemp(prefix="hull-img-", dir="/tmp"))
    try:
        p.setup()
        archive = str(tmp_path / "docker.tar")
        cp = p.podman("save", "--format", "docker-archive", "-o", archive, privpodman.IMAGE)
        assert cp.returncode == 0, cp.stderr
        store = str(tmp_path / "store")
        hull(store, "import", archive, "--name", REF)
        out = json.loads(hull(store, "inspect", REF).stdout)
        assert out["mediaType"] == MT_MANIFEST
        assert len(out["manifest"]["layers"]) == len(out["config"]["rootfs"]["diff_ids"])
        # Without --name, RepoTags name it (podman writes them fully qualified).
        store2 = str(tmp_path / "store2")
        hull(store2, "import", archive)
        names = [e["name"] for e in json.loads(hull(store2, "ls", "--format", "json").stdout)]
        assert names and all(n.endswith(":latest") for n in names), names
        hull(store, "export", REF, str(tmp_path / "out"))
    finally:
        p.cleanup()


# ---- docker-archive diff_ids and `hull image unpack` ----

def _tar(entries):
    """entries: (name, kind, data_or_target, mode); kind f/d/l/c (char device)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, kind, data, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mode, ti.mtime = mode, 1000
            if kind == "d":
                ti.type = tarfile.DIRTYPE
                tf.addfile(ti)
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                tf.addfile(ti)
            elif kind == "c":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
                tf.addfile(ti)
            else:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _docker_archive(path, layers, diff_ids, tags=(REF,)):
    """A `docker save` style archive: manifest.json, a config, one dir per layer."""
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    names = ["l%d/layer.tar" % i for i in range(len(layers))]
    manifest = json.dumps([{"Config": "config.json", "RepoTags": list(tags),
                            "Layers": names}]).encode()
    with tarfile.open(path, "w") as tf:
        for name, data in [("manifest.json", manifest), ("config.json", cfg)] + \
                list(zip(names, layers)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))


def _sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def test_docker_archive_diff_ids(tmp_path):
    base = _tar([("etc", "d", None, 0o755), ("etc/hostname", "f", b"hull\n", 0o644)])
    top = _tar([("etc/motd", "f", b"hi\n", 0o644)])
    good = str(tmp_path / "good.tar")
    # A plain and a gzip-compressed layer (podman can save either).
    _docker_archive(good, [base, gzip.compress(top, mtime=0)], [_sha(base), _sha(top)])
    store = str(tmp_path / "store")
    hull(store, "import", good)
    out = json.loads(hull(store, "inspect", REF).stdout)
    assert [l["mediaType"] for l in out["manifest"]["layers"]] == [
        "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip"]
    # A compressed layer whose content is not what the config says: refused, named.
    bad = str(tmp_path / "bad.tar")
    _docker_archive(bad, [base, gzip.compress(top + b"\0" * 512, mtime=0)],
                    [_sha(base), _sha(top)])
    cp = hull(str(tmp_path / "store2"), "import", bad, check=False)
    assert cp.returncode == 125, cp.stderr
    assert "Layers[1] `l1/layer.tar`" in cp.stderr and _sha(top) in cp.stderr
    assert json.loads(hull(str(tmp_path / "store2"), "ls", "--format", "json").stdout) == []
    # A plain layer swapped for another: refused too.
    bad2 = str(tmp_path / "bad2.tar")
    _docker_archive(bad2, [top, base], [_sha(base), _sha(top)])
    cp = hull(str(tmp_path / "store3"), "import", bad2, check=False)
    assert cp.returncode == 125 and "Layers[0] `l0/layer.tar`" in cp.stderr


def _unpack_store(tmp_path, layers):
    store = str(tmp_path / "store")
    arc = str(tmp_path / "img.tar")
    _docker_archive(arc, layers, [_sha(l) for l in layers])
    hull(store, "import", arc)
    return store


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="unpack keeps the image's owners")


@needs_root
def test_unpack_layout(tmp_path, layout):
    store = str(tmp_path / "store")
    path, d = layout
    hull(store, "import", path, "--name", REF)
    out = str(tmp_path / "rootfs")
    hull(store, "unpack", REF, out, "--platform", "linux/arm64")
    assert os.path.islink(os.path.join(out, "bin", "sh"))
    assert os.readlink(os.path.join(out, "bin", "sh")) == "busybox"
    with open(os.path.join(out, "bin", "busybox"), "rb") as f, open(BUSYBOX, "rb") as g:
        assert f.read() == g.read()
    # Directory times are the archive's, set after the children were written.
    assert os.lstat(os.path.join(out, "bin")).st_mtime == 0
    # An existing DIR is refused and left alone.
    cp = hull(store, "unpack", REF, out, check=False)
    assert cp.returncode == 125 and "File exists" in cp.stderr
    assert os.path.exists(os.path.join(out, "bin", "busybox"))
    cp = hull(store, "unpack", "localhost/nope:1", str(tmp_path / "r2"), check=False)
    assert cp.returncode == 125 and not os.path.exists(str(tmp_path / "r2"))


@needs_root
def test_unpack_layers_and_policy(tmp_path):
    l1 = _tar([("etc", "d", None, 0o755), ("etc/old", "f", b"o", 0o644),
               ("bin/su", "f", b"x", 0o4755), ("dev/null", "c", None, 0o666),
               ("d/lower", "f", b"l", 0o644)])
    l2 = _tar([("etc/.wh.old", "f", b"", 0o644), ("d/mine", "f", b"m", 0o644),
               ("d/.wh..wh..opq", "f", b"", 0o644)])
    store = _unpack_store(tmp_path, [l1, l2])
    out = str(tmp_path / "a")
    hull(store, "unpack", REF, out)
    assert not os.path.exists(os.path.join(out, "etc", "old"))
    assert os.path.exists(os.path.join(out, "d", "mine"))      # same layer, before the marker
    assert not os.path.exists(os.path.join(out, "d", "lower"))
    assert os.lstat(os.path.join(out, "bin", "su")).st_mode & 0o7777 == 0o755
    assert not os.path.exists(os.path.join(out, "dev", "null"))
    out = str(tmp_path / "b")
    hull(store, "unpack", REF, out, "--allow-setid", "--allow-devices")
    assert os.lstat(os.path.join(out, "bin", "su")).st_mode & 0o7777 == 0o4755
    assert os.path.exists(os.path.join(out, "dev", "null"))


@needs_root
def test_unpack_limits_remove_dir(tmp_path):
    big = _tar([("f%d" % i, "f", b"x" * 4096, 0o644) for i in range(8)])
    store = _unpack_store(tmp_path, [big])
    for args, needle in ((["--max-size", "16K"], "max_total_bytes=16384"),
                         (["--max-entries", "3"], "max_entries=3"),
                         (["--max-path-len", "1"], "max_path_len=1")):
        out = str(tmp_path / "c")
        cp = hull(store, "unpack", REF, out, *args, check=False)
        assert cp.returncode == 125 and needle in cp.stderr, cp.stderr
        assert not os.path.exists(out)
    cp = hull(store, "unpack", REF, str(tmp_path / "c"), "--max-size", "12X", check=False)
    assert cp.returncode == 125 and not os.path.exists(str(tmp_path / "c"))
    hull(store, "unpack", REF, str(tmp_path / "c"), "--max-size", "1M")
    assert len(os.listdir(str(tmp_path / "c"))) == 8
