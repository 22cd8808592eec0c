# SPDX-License-Identifier: GPL-2.0-or-later
"""The container process: exit status, stdio, args/env/cwd, user, limits, privileges."""
import os
import signal

import pytest

import hullkit
from hullkit import explain, probe


@pytest.mark.parametrize("status", [0, 3, 42])
def test_exit_status_is_passed_through(bundle, status):
    cp = bundle.run(["/usr/bin/hull-probe", "exit", str(status)])
    assert cp.returncode == status, explain(cp)


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGFPE, signal.SIGILL])
def test_init_killed_by_signal_is_128_plus_n(bundle, sig):
    # The container process is PID 1 of its namespace: the probe dies of a real fault.
    cp = bundle.run(["/usr/bin/hull-probe", "kill", str(int(sig))])
    assert cp.returncode == 128 + int(sig), explain(cp)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGUSR1])
def test_killed_by_signal_is_128_plus_n(bundle, sig):
    # Without a PID namespace the process can signal itself. Without a user namespace
    # too, so that the host's /proc can be mounted.
    hullkit.drop_namespace(bundle.config, "pid")
    hullkit.drop_namespace(bundle.config, "user")
    cp = bundle.run(["/usr/bin/hull-probe", "kill", str(int(sig))])
    assert cp.returncode == 128 + int(sig), explain(cp)


def test_stdin_stdout_are_the_callers(bundle):
    data = "line one\nline two: \u00e9\n" * 1000
    cp = bundle.run(["/bin/cat"], input=data)
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout == data


def test_stderr_is_the_callers(bundle):
    cp = bundle.run(["/bin/sh", "-c", "echo to-stderr >&2; echo to-stdout"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout == "to-stdout\n"
    assert "to-stderr" in cp.stderr


def test_args_are_passed_verbatim(bundle):
    args = ["a b", "", "$HOME", "'quoted'", "*", "\u00fc"]
    cp = bundle.run(["/bin/sh", "-c", 'for a in "$@"; do echo "[$a]"; done', "sh", *args])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.splitlines() == ["[%s]" % a for a in args]


def test_env_is_exactly_the_configured_one(bundle):
    env = ["PATH=/bin:/usr/bin", "HULL_A=1", "HULL_B=with spaces=and equals", "HOME=/root"]
    bundle.config["process"]["env"] = env
    p = probe(bundle)
    assert sorted(p["env"]) == sorted(env)


def test_cwd(bundle):
    bundle.config["process"]["cwd"] = "/usr/bin"
    assert probe(bundle)["cwd"] == "/usr/bin"


def test_cwd_is_created_when_missing(bundle):
    # runtime-spec config.md leaves this to the runtime; runc and crun create it.
    bundle.config["root"]["readonly"] = False
    bundle.config["process"]["cwd"] = "/var/lib/newdir"
    cp = bundle.run(["/bin/pwd"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.strip() == "/var/lib/newdir"


def test_user_uid_gid(bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1001}
    p = probe(bundle)
    assert (p["uid"], p["euid"], p["gid"], p["egid"]) == (1000, 1000, 1001, 1001)
    assert p["groups"] == []


def test_user_additional_gids(bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 2000, 3000]}
    p = probe(bundle)
    assert p["gid"] == 1001
    assert sorted(p["groups"]) == [5, 2000, 3000]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_user_umask(bundle, umask):
    bundle.config["process"]["user"]["umask"] = umask
    assert probe(bundle)["umask"] == umask


def test_user_is_root_in_container_and_100000_on_host(bundle):
    p = probe(bundle)
    assert p["uid"] == 0 and p["gid"] == 0
    assert p["uid_map"].split() == ["0", "100000", "65536"]
    assert p["gid_map"].split() == ["0", "100000", "65536"]


def test_rlimit_nofile_lowered(bundle):
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}]
    p = probe(bundle)
    assert p["rlimits"]["RLIMIT_NOFILE"] == {"soft": 100, "hard": 200}


def test_rlimits_several(bundle):
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 64, "hard": 64},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_NPROC", "soft": 500, "hard": 600},
    ]
    r = probe(bundle)["rlimits"]
    assert r["RLIMIT_NOFILE"] == {"soft": 64, "hard": 64}
    assert r["RLIMIT_CORE"] == {"soft": 0, "hard": 0}
    assert r["RLIMIT_NPROC"] == {"soft": 500, "hard": 600}


def test_rlimit_hard_above_host_hard_is_an_error(bundle):
    import resource

    _, host_hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with open("/proc/self/status") as f:
        capeff = int([l for l in f if l.startswith("CapEff:")][0].split()[1], 16)
    if capeff & (1 << 24):  # CAP_SYS_RESOURCE
        pytest.skip("this host's root has CAP_SYS_RESOURCE: raising the hard limit is allowed")
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": host_hard, "hard": host_hard + 1}
    ]
    cp = bundle.run()
    hullkit.assert_hull_error(cp, "RLIMIT_NOFILE")


def test_oom_score_adj(bundle):
    bundle.config["process"]["oomScoreAdj"] = 537
    assert probe(bundle)["oom_score_adj"] == 537


def test_personality_linux32(bundle):
    bundle.config["linux"]["personality"] = {"domain": "LINUX32"}
    p = probe(bundle)
    assert p["personality"] & 0xFF == 0x0008  # PER_LINUX32
    cp = bundle.run(["/bin/uname", "-m"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.strip() in ("i686", "i386", "armv8l", "armv7l")


def test_personality_linux(bundle):
    bundle.config["linux"]["personality"] = {"domain": "LINUX"}
    assert probe(bundle)["personality"] & 0xFF == 0


def test_no_new_privileges_set(bundle):
    bundle.config["process"]["noNewPrivileges"] = True
    assert probe(bundle)["NoNewPrivs"] == "1"


def test_no_new_privileges_unset(bundle):
    bundle.config["process"]["noNewPrivileges"] = False
    assert probe(bundle)["NoNewPrivs"] == "0"


def test_empty_capabilities(bundle):
    p = probe(bundle)
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(p[field], 16) == 0, (field, p[field])


def test_one_capability(bundle):
    caps = bundle.config["process"]["capabilities"]
    for s in ("bounding", "effective", "permitted"):
        caps[s] = ["CAP_NET_BIND_SERVICE"]
    p = probe(bundle)
    want = 1 << 10
    assert int(p["CapEff"], 16) == want
    assert int(p["CapPrm"], 16) == want
    assert int(p["CapBnd"], 16) == want
    assert int(p["CapInh"], 16) == 0
    assert int(p["CapAmb"], 16) == 0


def test_ambient_capability(bundle):
    caps = bundle.config["process"]["capabilities"]
    for s in ("bounding", "effective", "permitted", "inheritable", "ambient"):
        caps[s] = ["CAP_CHOWN"]
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    p = probe(bundle)
    assert int(p["CapAmb"], 16) == 1 << 0
    assert int(p["CapEff"], 16) == 1 << 0


def test_non_root_user_without_ambient_has_no_capabilities(bundle):
    caps = bundle.config["process"]["capabilities"]
    for s in ("bounding", "effective", "permitted"):
        caps[s] = ["CAP_NET_BIND_SERVICE"]
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    p = probe(bundle)
    assert int(p["CapEff"], 16) == 0
    assert int(p["CapBnd"], 16) == 1 << 10


def test_command_not_found_is_127(bundle):
    cp = bundle.run(["/no/such/command"])
    assert cp.returncode == 127, explain(cp)
    assert "/no/such/command" in cp.stderr


def test_command_not_found_in_path_is_127(bundle):
    cp = bundle.run(["no-such-command-hull"])
    assert cp.returncode == 127, explain(cp)
    assert "no-such-command-hull" in cp.stderr


def test_non_executable_command_is_126(bundle):
    cp = bundle.run(["/etc/passwd"])
    assert cp.returncode == 126, explain(cp)
    assert "/etc/passwd" in cp.stderr


def test_directory_as_command_is_126(bundle):
    cp = bundle.run(["/etc"])
    assert cp.returncode == 126, explain(cp)


def test_command_found_through_path(bundle):
    bundle.config["process"]["env"] = ["PATH=/usr/bin"]
    cp = bundle.run(["hull-probe", "exit", "7"])
    assert cp.returncode == 7, explain(cp)


def test_seccomp_is_off_without_a_profile(bundle):
    assert probe(bundle)["Seccomp"] == "0"


def test_container_process_is_pid_1(bundle):
    p = probe(bundle)
    assert p["pid"] == 1
    assert p["ppid"] == 0


def test_exec_cpu_affinity(bundle):
    """execCPUAffinity.final pins the process before exec; initial alone is kept."""
    cpus = sorted(os.sched_getaffinity(0))
    last = cpus[-1]
    bundle.config["process"]["execCPUAffinity"] = {"initial": "%d-%d" % (cpus[0], last),
                                                   "final": str(last)}
    cp = bundle.run(["/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"])
    assert cp.returncode == 0, explain(cp)
    assert cp.stdout.split()[-1] == str(last)


def test_exec_cpu_affinity_bad_list_is_an_error(bundle):
    bundle.config["process"]["execCPUAffinity"] = {"final": "3-1"}
    cp = bundle.run(["/bin/true"])
    hullkit.assert_hull_error(cp, "execCPUAffinity")


@pytest.mark.parametrize("field,lsm_dir", [("apparmorProfile", "/sys/kernel/security/apparmor"),
                                           ("selinuxLabel", "/sys/fs/selinux/enforce")])
def test_lsm_label_on_a_host_without_the_lsm_is_ignored_like_crun(bundle, field, lsm_dir):
    """crun's behaviour (documented in docs/threat-model.md): a label is applied where
    its LSM is active and ignored where it is not; the admission policy can require one."""
    if os.path.exists(lsm_dir):
        pytest.skip("%s is active on this host: the label would be applied" % lsm_dir)
    bundle.config["process"][field] = "hull-test-label"
    cp = bundle.run(["/bin/true"])
    assert cp.returncode == 0, explain(cp)
