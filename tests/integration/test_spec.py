# SPDX-License-Identifier: GPL-2.0-or-later
"""`hull spec`: the hardened default config runs as-is with a busybox rootfs."""
import pytest

import hullkit
from hullkit import probe


@pytest.fixture
def spec():
    cfg = hullkit.spec_config()
    if cfg is None:
        pytest.skip("`%s spec --stdout` does not produce a config" % hullkit.RUNTIME_NAME)
    return cfg


def test_spec_is_a_runtime_spec_config(spec):
    assert spec["ociVersion"].startswith("1.")
    assert spec["root"]["path"]
    assert spec["process"]["args"]
    types = [n["type"] for n in spec["linux"]["namespaces"]]
    for t in ("pid", "mount", "ipc", "uts", "network"):
        assert t in types


def test_spec_is_hardened(spec):
    assert spec["process"].get("noNewPrivileges") is True
    assert "/proc/sys" in spec["linux"].get("readonlyPaths", []) or any(
        m["destination"] == "/proc/sys" for m in spec["mounts"]
    )
    assert spec["linux"].get("maskedPaths")
    bounding = spec["process"].get("capabilities", {}).get("bounding", [])
    assert "CAP_SYS_ADMIN" not in bounding


def test_spec_config_runs(bundle, spec):
    spec["root"]["path"] = "rootfs"
    spec["process"]["args"] = ["/usr/bin/hull-probe", "report"]
    spec["process"]["terminal"] = False
    bundle.config = spec
    p = probe(bundle)
    assert p["pid"] == 1
    assert p["NoNewPrivs"] == "1"
    assert int(p["CapEff"], 16) & (1 << 21) == 0  # no CAP_SYS_ADMIN
