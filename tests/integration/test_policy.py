# SPDX-License-Identifier: GPL-2.0-or-later
"""The admission policy (docs/policy.md): refusals exit 125 with one line naming the
rule, the field and how to allow it, before anything is created (the bundle fixture
checks that nothing is left behind); warn mode runs with a warning; `hull policy
check` exit codes and JSON output; invalid policies are errors with file:line:col."""
import json
import os
import subprocess

import pytest

import hullkit
from hullkit import HULL, assert_hull_error, explain

pytestmark = pytest.mark.skipif(not hullkit.IS_HULL, reason="hull's admission policy")

ANNOTATION = "run.oci.hull.policy"
# The suite's default config has no seccomp profile: give it a small deny-list (not
# unconfined: it has rules) so that only the rule a test is about can fire.
SECCOMP = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["reboot", "kexec_load"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
}


def opted_in(bundle):
    bundle.config.setdefault("annotations", {})[ANNOTATION] = "enforce"


def add_cap(bundle, cap):
    for s in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][s].append(cap)


def write_policy(bundle, policy, name="policy.json"):
    path = os.path.join(bundle.path, name)
    with open(path, "w") as f:
        f.write(policy if isinstance(policy, str) else json.dumps(policy, indent=2))
    return path


def policy_check(*args, policy=None):
    cmd = [HULL] + (["--policy", policy] if policy else []) + ["policy", "check", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=hullkit.TIMEOUT)


def test_opted_in_cap_sys_admin_is_refused(bundle):
    opted_in(bundle)
    add_cap(bundle, "CAP_SYS_ADMIN")
    cp = bundle.run(["/bin/true"])
    assert_hull_error(
        cp,
        "policy HULL-CAP-001 (enforce)",
        "process.capabilities.bounding adds CAP_SYS_ADMIN",
        'allow it with "allow": {"capabilities": ["CAP_SYS_ADMIN"]} in /etc/hull/policy.json',
    )
    assert cp.stderr.startswith("hull: run: policy HULL-CAP-001"), explain(cp)
    assert os.listdir(bundle.state) == [], "state left behind: %s" % os.listdir(bundle.state)


def test_not_opted_in_runs_with_a_warning(bundle):
    add_cap(bundle, "CAP_SYS_ADMIN")
    cp = bundle.run(["/bin/true"])
    assert cp.returncode == 0, explain(cp)
    warnings = [l for l in cp.stderr.splitlines() if l.startswith("hull: warning: policy HULL-CAP-001")]
    assert len(warnings) == 1, explain(cp)
    assert "(warn): process.capabilities.bounding adds CAP_SYS_ADMIN" in warnings[0]


def test_warning_goes_to_the_json_log(bundle):
    add_cap(bundle, "CAP_SYS_ADMIN")
    log = os.path.join(bundle.path, "hull.log")
    cp = bundle.run(["/bin/true"], global_args=["--log", log, "--log-format", "json"])
    assert cp.returncode == 0, explain(cp)
    assert "HULL-CAP-001" not in cp.stderr, explain(cp)
    with open(log) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    hits = [l for l in lines if "HULL-CAP-001" in l["msg"]]
    assert hits and hits[0]["level"] == "warning", lines


def test_global_enforce_from_policy_file(bundle):
    add_cap(bundle, "CAP_SYS_PTRACE")
    pol = write_policy(bundle, {"mode": "enforce", "rules": {"HULL-SECCOMP-001": {"mode": "off"}}})
    cp = bundle.run(["/bin/true"], global_args=["--policy", pol])
    assert_hull_error(cp, "HULL-CAP-001", "CAP_SYS_PTRACE", "in " + pol)


def test_allow_list_lets_it_run(bundle):
    opted_in(bundle)
    bundle.config["linux"]["seccomp"] = SECCOMP
    add_cap(bundle, "CAP_SYS_ADMIN")
    pol = write_policy(bundle, {"allow": {"capabilities": ["CAP_SYS_ADMIN"]}})
    cp = bundle.run(["/bin/true"], global_args=["--policy", pol])
    assert cp.returncode == 0, explain(cp)
    assert "warning" not in cp.stderr, explain(cp)


def test_bind_of_etc_refused_in_enforce(bundle):
    opted_in(bundle)
    bundle.config["linux"]["seccomp"] = SECCOMP
    bundle.add_mount("/mnt", "bind", "/etc", ["rbind", "ro"])
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, "HULL-MNT-001", "mounts[7].source", "`/etc`",
                      '"allow": {"mounts": ["/etc"]}')


def test_bind_of_a_parent_of_the_state_dir_refused(bundle):
    opted_in(bundle)
    bundle.config["linux"]["seccomp"] = SECCOMP
    bundle.add_mount("/mnt", "bind", "/run/./", ["rbind", "ro"])
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, "HULL-MNT-001", "`/run`")


def test_create_refused_too(bundle):
    opted_in(bundle)
    hullkit.drop_namespace(bundle.config, "pid")
    bundle.write_config()
    cid = hullkit.new_id()
    cp = subprocess.run(hullkit.runtime_cmd(bundle.state, "create", "--bundle", bundle.path, cid),
                        capture_output=True, text=True, timeout=hullkit.TIMEOUT, stdin=subprocess.DEVNULL)
    assert_hull_error(cp, "HULL-NS-001", "linux.namespaces", "pid")
    assert cp.stderr.startswith("hull: create: "), explain(cp)


def test_invalid_policy_file_is_an_error(bundle):
    pol = write_policy(bundle, '{\n  "mode": "enforce",\n  "rules": {,}\n}\n')
    cp = bundle.run(["/bin/true"], global_args=["--policy", pol])
    assert_hull_error(cp, pol + ":3:")


def test_unknown_key_in_policy_is_an_error(bundle):
    pol = write_policy(bundle, {"mdoe": "enforce"})
    cp = bundle.run(["/bin/true"], global_args=["--policy", pol])
    assert_hull_error(cp, pol, "mdoe")


def test_missing_policy_file_is_an_error(bundle):
    cp = bundle.run(["/bin/true"], global_args=["--policy", os.path.join(bundle.path, "nope.json")])
    assert_hull_error(cp, "nope.json")


def test_bad_opt_in_value_is_an_error(bundle):
    bundle.config["annotations"] = {ANNOTATION: "strict"}
    cp = bundle.run(["/bin/true"])
    assert_hull_error(cp, ANNOTATION, "strict")


def test_policy_check_exit_codes_and_json(bundle):
    cfg = os.path.join(bundle.path, "config.json")
    bundle.write_config()
    cp = policy_check(cfg)
    assert cp.returncode == 0, explain(cp)
    assert "verdict: allowed" in cp.stdout

    opted_in(bundle)
    add_cap(bundle, "CAP_SYS_MODULE")
    bundle.write_config()
    cp = policy_check("--format", "json", cfg)
    assert cp.returncode == 1, explain(cp)
    doc = json.loads(cp.stdout)
    assert doc["allowed"] is False and doc["mode"] == "enforce"
    ids = [r["id"] for r in doc["results"]]
    assert "HULL-CAP-001" in ids and "HULL-LSM-001" in ids
    hit = [r for r in doc["results"] if r["id"] == "HULL-CAP-001"][0]
    assert hit == {
        "id": "HULL-CAP-001", "severity": "high", "title": hit["title"], "result": "refuse",
        "field": "process.capabilities.bounding", "message": "adds CAP_SYS_MODULE",
        "allow": '"allow": {"capabilities": ["CAP_SYS_MODULE"]}',
    }
    assert all(r["result"] in ("pass", "warn", "refuse", "off") for r in doc["results"])

    pol = write_policy(bundle, {"allow": {"capabilities": ["CAP_SYS_MODULE"]},
                                "rules": {"HULL-SECCOMP-001": {"mode": "off"}}})
    cp = policy_check("--policy", pol, cfg)
    assert cp.returncode == 0, explain(cp)
    cp = policy_check(cfg, policy=pol)
    assert cp.returncode == 0, explain(cp)


def test_policy_check_errors(bundle):
    cfg = os.path.join(bundle.path, "config.json")
    bundle.write_config()
    bad = write_policy(bundle, '{"mode": "enforce",}')
    cp = policy_check("--policy", bad, cfg)
    assert cp.returncode == 125, explain(cp)
    assert bad + ":1:" in cp.stderr
    cp = policy_check(os.path.join(bundle.path, "missing.json"))
    assert cp.returncode == 125 and "missing.json" in cp.stderr, explain(cp)
    cp = policy_check("--format", "yaml", cfg)
    assert cp.returncode == 125, explain(cp)


def test_policy_help():
    cp = subprocess.run([HULL, "policy", "--help"], capture_output=True, text=True)
    assert cp.returncode == 0
    for needle in ("NAME", "SYNOPSIS", "EXIT STATUS", "HULL-CAP-001", "run.oci.hull.policy"):
        assert needle in cp.stdout
