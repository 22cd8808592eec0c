# SPDX-License-Identifier: GPL-2.0-or-later
"""hull's own errors: exit 125, one line naming the field or path, nothing left behind
(the bundle fixture checks mounts, state and processes after each test)."""
import json
import os
import re
import subprocess
import time

import pytest

import hullkit
from hullkit import assert_hull_error, explain


def test_missing_bundle_directory(bundle):
    missing = os.path.join(bundle.path, "no-such-bundle")
    cp = bundle.run(bundle_arg=missing)
    assert_hull_error(cp, "no-such-bundle")


def test_missing_config(bundle):
    cp = bundle.run(write=False)
    assert_hull_error(cp, "config.json")


def test_missing_rootfs(bundle):
    bundle.config["root"]["path"] = "no-such-rootfs"
    cp = bundle.run()
    assert_hull_error(cp, "no-such-rootfs")


def test_rootfs_is_a_file(bundle):
    with open(os.path.join(bundle.path, "plain-file"), "w") as f:
        f.write("x")
    bundle.config["root"]["path"] = "plain-file"
    cp = bundle.run()
    assert_hull_error(cp, "plain-file")


def test_malformed_config_names_line_and_column(bundle):
    with open(os.path.join(bundle.path, "config.json"), "w") as f:
        f.write('{\n  "ociVersion": "1.2.0",\n  "process": {\n    "args": ["/bin/true"],,\n  }\n}\n')
    cp = bundle.run(write=False)
    assert_hull_error(cp, "config.json")
    if hullkit.LENIENT_ERRORS:
        return
    line = hullkit.error_lines(cp)[0]
    assert re.search(r":4:\d+", line), "no line:column (4:N) in: " + line


def test_config_not_an_object(bundle):
    with open(os.path.join(bundle.path, "config.json"), "w") as f:
        f.write("[1, 2, 3]\n")
    cp = bundle.run(write=False)
    assert_hull_error(cp, "config.json")


def test_config_over_4_mib(bundle):
    cfg = hullkit.default_config()
    cfg["annotations"] = {"pad": "x" * (4 * 1024 * 1024)}
    bundle.write_config(cfg)
    cp = bundle.run(write=False)
    assert_hull_error(cp, "config.json")


def test_config_duplicate_key(bundle):
    text = json.dumps(bundle.config)
    text = text.replace('"hostname": "hulltest"', '"hostname": "a", "hostname": "b"')
    with open(os.path.join(bundle.path, "config.json"), "w") as f:
        f.write(text)
    cp = bundle.run(write=False)
    assert_hull_error(cp, "hostname")


def test_unknown_namespace_type(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "bogusns"})
    cp = bundle.run()
    assert_hull_error(cp, "bogusns")


def test_duplicate_namespace(bundle):
    bundle.config["linux"]["namespaces"].append({"type": "pid"})
    cp = bundle.run()
    assert_hull_error(cp, "pid")


def test_bind_source_does_not_exist(bundle):
    missing = os.path.join(bundle.path, "host", "no-such-source")
    bundle.add_mount("/data", "bind", missing, ["bind", "ro"])
    cp = bundle.run()
    assert_hull_error(cp, "no-such-source")


def test_unknown_capability(bundle):
    bundle.config["process"]["capabilities"]["bounding"] = ["CAP_HULL_BOGUS"]
    cp = bundle.run()
    assert_hull_error(cp, "CAP_HULL_BOGUS")


def test_relative_mount_destination(bundle):
    bundle.add_mount("relative/dest", "tmpfs", "tmpfs")
    cp = bundle.run()
    assert_hull_error(cp, "relative/dest")


def test_unknown_rlimit(bundle):
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_HULL_BOGUS", "soft": 1, "hard": 1}]
    cp = bundle.run()
    assert_hull_error(cp, "RLIMIT_HULL_BOGUS")


def test_missing_process_args(bundle):
    bundle.config["process"]["args"] = []
    bundle.write_config()
    cp = hullkit.run(bundle, write=False)
    assert_hull_error(cp, "args")


@pytest.mark.parametrize("user", [{"uid": 4294967295, "gid": 0}, {"uid": 0, "gid": 4294967295},
                                  {"uid": 0, "gid": 0, "additionalGids": [4294967295]}])
def test_user_id_minus_one_is_refused(bundle, user):
    # (uid_t) -1 would make setresuid a no-op: the process would stay root.
    bundle.config["process"]["user"] = user
    cp = bundle.run()
    assert_hull_error(cp, "4294967295")


def test_invalid_container_id(bundle):
    cp = bundle.run(id="../escape")
    assert_hull_error(cp, "../escape")


def test_uid_mapping_without_user_namespace(bundle):
    bundle.config["linux"]["namespaces"] = [
        n for n in bundle.config["linux"]["namespaces"] if n["type"] != "user"
    ]
    cp = bundle.run()
    assert_hull_error(cp)


def test_unknown_mount_option_is_an_error_or_data(bundle):
    # An unknown option is passed to the filesystem as data; tmpfs refuses it.
    bundle.add_mount("/scratch", "tmpfs", "tmpfs", ["hull_bogus_option"])
    cp = bundle.run()
    assert_hull_error(cp, "/scratch")


def test_same_id_twice_is_refused(bundle):
    # A container that is still running: the second `run` with its id fails.
    cid = hullkit.new_id()
    bundle.config["process"]["args"] = ["/usr/bin/hull-probe", "sleep", "5"]
    bundle.write_config()
    first = subprocess.Popen(hullkit.runtime_cmd(bundle.state, "run", "--bundle", bundle.path, cid),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    bundle.ids.append(cid)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(os.path.join(bundle.state, cid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        cp = hullkit.run(bundle, id=cid, write=False)
        assert_hull_error(cp, cid)
    finally:
        first.wait(timeout=hullkit.TIMEOUT)
    assert first.returncode == 0


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["help", "run"]])
def test_help(argv):
    cp = subprocess.run([hullkit.HULL, *argv], capture_output=True, text=True, timeout=hullkit.TIMEOUT)
    if argv[0] == "help" and cp.returncode != 0:
        pytest.skip("no `help` command")
    assert cp.returncode == 0, explain(cp)
    assert "NAME" in cp.stdout and "SYNOPSIS" in cp.stdout


def test_run_without_id_is_a_usage_error():
    cp = subprocess.run([hullkit.HULL, "run"], capture_output=True, text=True, timeout=hullkit.TIMEOUT)
    assert cp.returncode != 0
    assert cp.stderr.strip()
