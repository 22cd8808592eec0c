# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash safety (runtime.md leaves it to the runtime; hull promises it): a `hull create`
or `hull run` killed with SIGKILL at any moment leaves state from which
`hull delete --force ID` removes everything: processes, mounts, cgroups, the state
directory. Named points come from $HULL_DEBUG_CRASH_AT; timed kills cover the rest."""
import glob
import os
import random
import signal
import subprocess
import time

import pytest

import hullkit
from hullkit import HULL, explain

POINTS = ["state", "cgroup", "spawned", "mapped", "saved"]


def cgroup_dirs(cid):
    """Directories named after the container in any cgroup hierarchy."""
    return [p for p in glob.glob("/sys/fs/cgroup/**/" + cid, recursive=True) if os.path.isdir(p)]


def delete_force(bundle, cid):
    return subprocess.run([HULL, "--root", bundle.state, "delete", "--force", cid],
                          capture_output=True, text=True, timeout=30)


def assert_clean(bundle, cid):
    assert not os.path.lexists(os.path.join(bundle.state, cid)), "state directory left"
    assert not cgroup_dirs(cid), "cgroup left: %s" % cgroup_dirs(cid)
    deadline = time.monotonic() + 5
    while hullkit.processes_inside(bundle.path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not hullkit.processes_inside(bundle.path), "processes left"
    assert not [l for l in hullkit.host_mountinfo() if bundle.path in l], "mounts left"


@pytest.mark.parametrize("command", ["create", "run"])
@pytest.mark.parametrize("point", POINTS)
def test_killed_at_named_point_is_cleaned_by_delete_force(bundle, command, point):
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    bundle.config["process"]["args"] = ["/usr/bin/hull-probe", "sleep", "30"]
    bundle.write_config()
    env = dict(os.environ, HULL_DEBUG_CRASH_AT=point)
    # No pipes: a created container keeps the stdio it was given (conmon's design), so
    # reading hull's output to EOF would wait for the container.
    cp = subprocess.run([HULL, "--root", bundle.state, command, "--bundle", bundle.path, cid],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30,
                        env=env, stdin=subprocess.DEVNULL)
    assert cp.returncode == -signal.SIGKILL, "hull %s exited %s" % (command, cp.returncode)
    # Whatever is left is described by the state directory.
    assert os.path.isdir(os.path.join(bundle.state, cid)), "no state to clean up from"
    d = delete_force(bundle, cid)
    assert d.returncode == 0, explain(d)
    assert_clean(bundle, cid)


@pytest.mark.parametrize("seed", range(12))
def test_killed_at_random_time_is_cleaned_by_delete_force(bundle, seed):
    rnd = random.Random(seed)
    cid = hullkit.new_id()
    bundle.ids.append(cid)
    bundle.config["process"]["args"] = ["/usr/bin/hull-probe", "sleep", "30"]
    bundle.write_config()
    p = subprocess.Popen([HULL, "--root", bundle.state, "create", "--bundle", bundle.path, cid],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(rnd.uniform(0, 0.05))
    p.send_signal(signal.SIGKILL)
    p.wait()
    if os.path.isdir(os.path.join(bundle.state, cid)):
        d = delete_force(bundle, cid)
        assert d.returncode == 0, explain(d)
    assert_clean(bundle, cid)


def test_delete_of_unknown_id(bundle):
    """Without --force a missing container is an error naming it; with --force it is
    success, as in runc and crun (cleanup may legitimately run twice)."""
    d = subprocess.run([HULL, "--root", bundle.state, "delete", "nosuchcontainer"],
                       capture_output=True, text=True, timeout=30)
    assert d.returncode == 125 and "does not exist" in d.stderr, explain(d)
    d = delete_force(bundle, "nosuchcontainer")
    assert d.returncode == 0 and d.stderr == "", explain(d)
