# SPDX-License-Identifier: GPL-2.0-or-later
"""A process joining with `hull exec` is confined exactly like the container's own:
the same seccomp filter and the same Landlock ruleset. Otherwise exec would be the way
around every protection the container was started with."""
import json
import os
import subprocess
import sys

import pytest

import hullkit
from hullkit import explain

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import test_exec as te  # noqa: E402


def spec_seccomp():
    cp = subprocess.run([hullkit.HULL, "spec", "--stdout"], capture_output=True, text=True,
                        timeout=30)
    assert cp.returncode == 0, explain(cp)
    return json.loads(cp.stdout)["linux"]["seccomp"]


def status_fields(text):
    return dict(l.split(":\t", 1) for l in text.splitlines() if ":\t" in l)


@pytest.mark.parametrize("nnp", [True, False])
def test_exec_gets_the_containers_seccomp_filter(bundle, nnp):
    bundle.config["linux"]["seccomp"] = spec_seccomp()
    bundle.config["process"]["noNewPrivileges"] = nnp
    cid = te.start(bundle)
    try:
        init = status_fields(open("/proc/%d/status" % te.state(bundle, cid)["pid"]).read())
        cp = te.exec_(bundle, cid, "/bin/cat", "/proc/self/status")
        assert cp.returncode == 0, explain(cp)
        mine = status_fields(cp.stdout)
        assert mine["Seccomp"].strip() == "2"
        assert mine["Seccomp_filters"] == init["Seccomp_filters"]
        # And the filter bites: the default profile refuses unshare with EPERM.
        cp = te.exec_(bundle, cid, "/usr/bin/hull-probe", "syscall", "unshare")
        assert cp.returncode != 0 and "EPERM" in cp.stdout, explain(cp)
    finally:
        te.delete(bundle, cid)


def test_exec_gets_the_containers_landlock_ruleset(bundle):
    ruleset = {"version": 1, "paths": [{"path": "/", "access": ["read", "execute"]},
                                       {"path": "/tmp", "access": ["read", "write"]}]}
    bundle.config["annotations"] = {"run.oci.hull.landlock": json.dumps(ruleset)}
    bundle.add_mount("/data", "tmpfs", "tmpfs", ["nosuid", "nodev", "mode=1777"])
    cid = te.start(bundle)
    try:
        cp = te.exec_(bundle, cid, "/bin/sh", "-c", "echo x > /tmp/ok && echo x > /data/no")
        assert cp.returncode != 0, explain(cp)
        assert "Permission denied" in cp.stderr, explain(cp)
        cp = te.exec_(bundle, cid, "/bin/cat", "/tmp/ok")
        assert cp.returncode == 0 and cp.stdout.strip() == "x", explain(cp)
    finally:
        te.delete(bundle, cid)
