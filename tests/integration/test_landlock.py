# SPDX-License-Identifier: GPL-2.0-or-later
"""Landlock: the run.oci.hull.landlock annotation (docs/landlock.md) and the default
ruleset of `hull sandbox`.

Run as root:  HULL=build/src/cli/hull HULL_PROBE=build/tests/init/hull-probe \
              /usr/bin/python3 -m pytest tests/integration/test_landlock.py
"""
import ctypes
import json
import os
import shutil
import subprocess
import uuid

import pytest

import hullkit

ANNOTATION = "run.oci.hull.landlock"
ABI_KNOWN = 6  # HULL_LANDLOCK_ABI_KNOWN


def kernel_abi():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    # landlock_create_ruleset (NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
    v = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(v, 0)


needs_landlock = pytest.mark.skipif(kernel_abi() < 1, reason="no Landlock in this kernel")

READ_ONLY_BUT_TMP = {
    "version": 1,
    "paths": [
        {"path": "/", "access": ["read", "execute"]},
        {"path": "/tmp", "access": ["read", "write"]},
    ],
}


def landlock_bundle(bundle, doc):
    """A writable tmpfs at /data besides /tmp, and the annotation (a dict or raw text)."""
    bundle.add_mount("/data", "tmpfs", "tmpfs", ["mode=1777", "nosuid", "nodev"])
    if doc is not None:
        text = doc if isinstance(doc, str) else json.dumps(doc)
        bundle.config.setdefault("annotations", {})[ANNOTATION] = text
    return bundle


def sh(bundle, script):
    return bundle.run(["/bin/sh", "-c", script])


# ---- containers --------------------------------------------------------------------------------


def test_data_tmpfs_writable_without_annotation(bundle):
    """The control: the mounts alone let the container write /data."""
    cp = sh(landlock_bundle(bundle, None), "echo y > /data/y && cat /data/y")
    assert cp.returncode == 0 and cp.stdout == "y\n", hullkit.explain(cp)


@needs_landlock
def test_annotation_denies_writable_mount(bundle):
    landlock_bundle(bundle, READ_ONLY_BUT_TMP)
    cp = sh(bundle, "echo x > /tmp/x && cat /tmp/x && ls / >/tmp/ls && echo read-ok")
    assert cp.returncode == 0 and cp.stdout == "x\nread-ok\n", hullkit.explain(cp)
    # /data is a writable tmpfs (see the control test): Landlock is what denies it.
    cp = sh(bundle, "echo y > /data/y")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr, hullkit.explain(cp)
    cp = sh(bundle, "mkdir /data/d")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr, hullkit.explain(cp)


@needs_landlock
def test_execute_not_granted(bundle):
    doc = {"version": 1, "paths": [{"path": "/", "access": ["read"]}]}
    cp = landlock_bundle(bundle, doc).run(["/bin/true"])
    assert cp.returncode == 126, hullkit.explain(cp)


@needs_landlock
def test_missing_path_is_an_error(bundle):
    doc = {"version": 1, "paths": [{"path": "/", "access": ["read", "execute"]},
                                   {"path": "/nonexistent-hull", "access": ["read"]}]}
    cp = landlock_bundle(bundle, doc).run(["/bin/true"])
    hullkit.assert_hull_error(cp, ANNOTATION, "paths[1]", "/nonexistent-hull",
                              "No such file or directory")


@pytest.mark.parametrize("text,needles", [
    ('{"version": 1,\n "paths": [', [ANNOTATION + ":2:"]),
    ('{"version": 1, "version": 1, "paths": []}', [ANNOTATION + ":1:", "duplicate"]),
    ('{"version": 1, "paths": [{"path": "/", "access": ["reed"]}]}',
     ["paths[0].access[0]", "unknown access right `reed`"]),
    ('{"version": 1, "paths": [{"path": "tmp", "access": ["read"]}]}',
     ["paths[0]", "not a clean absolute path"]),
])
def test_malformed_annotation(bundle, text, needles):
    cp = landlock_bundle(bundle, text).run(["/bin/true"])
    hullkit.assert_hull_error(cp, *needles)


@needs_landlock
def test_bad_annotation_fails_create(bundle):
    landlock_bundle(bundle, '{"version": 1}')
    bundle.write_config()
    cid = hullkit.new_id()
    cp = subprocess.run(hullkit.runtime_cmd(bundle.state, "create", "--bundle", bundle.path, cid),
                        stdin=subprocess.DEVNULL, capture_output=True, text=True,
                        timeout=hullkit.TIMEOUT)
    subprocess.run(hullkit.runtime_cmd(bundle.state, "delete", "--force", cid),
                   capture_output=True, timeout=hullkit.TIMEOUT)
    hullkit.assert_hull_error(cp, "paths: required field missing")


@pytest.mark.skipif(not 1 <= kernel_abi() < 4, reason="needs a kernel with Landlock ABI 1-3")
def test_net_on_old_abi_is_refused(bundle):
    doc = dict(READ_ONLY_BUT_TMP, net={"connect": [443]})
    hullkit.assert_hull_error(landlock_bundle(bundle, doc).run(["/bin/true"]), "ABI 4")


@pytest.mark.skipif(kernel_abi() < 4, reason="needs Landlock ABI 4")
def test_net_rules_accepted(bundle):
    doc = dict(READ_ONLY_BUT_TMP, net={"bind": [8080], "connect": [443]})
    cp = sh(landlock_bundle(bundle, doc), "echo ok")
    assert cp.returncode == 0 and cp.stdout == "ok\n", hullkit.explain(cp)


# ---- hull sandbox ------------------------------------------------------------------------------


def sandbox(*args):
    state = os.path.join(hullkit.base_dir(), "sandbox-state")
    os.makedirs(state, exist_ok=True)
    return subprocess.run([hullkit.HULL, "--root", state, "sandbox", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=hullkit.TIMEOUT)


@pytest.fixture
def writable_dir():
    d = os.path.join(hullkit.base_dir(), "ll-" + uuid.uuid4().hex[:10])
    os.mkdir(d)
    os.chmod(d, 0o777)  # the sandbox writes as nobody on the host
    yield d
    shutil.rmtree(d)


@needs_landlock
def test_sandbox_default_ruleset(writable_dir):
    script = ("echo a > /mnt/f && echo b > /tmp/f && echo c > /run/scratch/f && "
              "echo d > /dev/null && echo allowed")
    cp = sandbox("--bind", writable_dir + ":/mnt", "--tmpfs", "/run/scratch", "--",
                 "/bin/sh", "-c", script)
    assert cp.returncode == 0 and cp.stdout == "allowed\n", hullkit.explain(cp)
    assert open(os.path.join(writable_dir, "f")).read() == "a\n"
    # /run and /dev/shm are writable tmpfs mounts of the sandbox's own root, but not
    # in the ruleset.
    for path in ("/run/f", "/dev/shm/f"):
        cp = sandbox("--", "/bin/sh", "-c", "echo x > " + path)
        assert cp.returncode != 0 and "Permission denied" in cp.stderr, hullkit.explain(cp)


@needs_landlock
def test_sandbox_no_landlock_turns_it_off():
    """The same writes succeed without the ruleset: Landlock, not the mounts, denied
    them above."""
    cp = sandbox("--no-landlock", "--", "/bin/sh", "-c",
                 "echo x > /run/f && echo y > /dev/shm/f && echo written")
    assert cp.returncode == 0 and cp.stdout == "written\n", hullkit.explain(cp)


def test_sandbox_help_mentions_no_landlock():
    cp = subprocess.run([hullkit.HULL, "sandbox", "--help"], capture_output=True, text=True,
                        timeout=hullkit.TIMEOUT)
    assert "--no-landlock" in cp.stdout + cp.stderr


# ---- hull features -----------------------------------------------------------------------------


def test_features_reports_abi():
    f = hullkit.features_json()
    assert f is not None
    assert f["annotations"][ANNOTATION + ".abi"] == str(min(kernel_abi(), ABI_KNOWN))
