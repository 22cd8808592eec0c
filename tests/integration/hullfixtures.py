# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest fixtures shared by tests/integration and tests/security (imported by both conftest.py)."""
import os
import time

import pytest

import hullkit


def pytest_report_header(config):
    return "runtime under test: %s\nprobe: %s" % (hullkit.HULL, hullkit.HULL_PROBE)


@pytest.fixture(scope="session", autouse=True)
def _environment():
    if os.geteuid() != 0:
        pytest.skip("the integration tests create containers and need root")
    for what, p in (("HULL", hullkit.HULL), ("HULL_PROBE", hullkit.HULL_PROBE), ("busybox", hullkit.BUSYBOX)):
        if not os.access(p, os.X_OK):
            pytest.fail("%s `%s` is not an executable (set $%s)" % (what, p, what.upper()), pytrace=False)
    base = hullkit.base_dir()
    yield
    try:
        hullkit.remove_tree(base)
    except RuntimeError as e:
        print("warning: %s" % e)


@pytest.fixture
def bundle(request):
    """A fresh bundle (hullkit.Bundle). After the test, asserts that nothing of the
    container is left: no mounts under the bundle, no state directory, no process
    whose root or cwd is inside it."""
    path = os.path.join(hullkit.base_dir(), "b-" + hullkit.new_id())
    os.makedirs(path)
    b = hullkit.Bundle(path)
    yield b
    problems = hullkit.leftovers(b)
    deadline = time.monotonic() + 3
    while problems and time.monotonic() < deadline:
        time.sleep(0.05)
        problems = hullkit.leftovers(b)
    if problems:
        hullkit.force_cleanup(b)
    try:
        hullkit.remove_tree(path)
    except RuntimeError as e:
        problems.append(str(e))
    assert not problems, "the container left things behind:\n  " + "\n  ".join(problems)


@pytest.fixture
def host_mounts_unchanged():
    """Asserts that the host's mount table is the same after the test."""
    before = hullkit.host_mountinfo()
    yield
    after = hullkit.host_mountinfo()
    new = [l for l in after if l not in before]
    assert not new, "new host mounts:\n" + "\n".join(new)


@pytest.fixture
def netns():
    """A named network namespace (`ip netns add`), removed afterwards."""
    name = "hulltest-" + hullkit.uuid.uuid4().hex[:8]
    cp = hullkit.subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if cp.returncode != 0:
        pytest.skip("ip netns add failed: " + cp.stderr.strip())
    yield "/var/run/netns/" + name
    hullkit.subprocess.run(["ip", "netns", "delete", name], capture_output=True)
