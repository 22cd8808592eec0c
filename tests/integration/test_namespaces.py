# SPDX-License-Identifier: GPL-2.0-or-later
"""Namespaces, id maps, hostname/domainname and sysctl."""
import os

import pytest

import hullkit
from hullkit import explain, probe, probe_text

# linux.namespaces type -> /proc/self/ns name
NS = {
    "pid": "pid",
    "network": "net",
    "mount": "mnt",
    "ipc": "ipc",
    "uts": "uts",
    "user": "user",
    "cgroup": "cgroup",
    "time": "time",
}


def test_requested_namespaces_are_new(bundle):
    p = probe(bundle)
    for t in hullkit.namespace_types(bundle.config):
        assert p["ns"][NS[t]] != hullkit.host_ns_inode(NS[t]), "namespace %s is the host's" % t


def test_time_namespace_not_requested_is_the_hosts(bundle):
    p = probe(bundle)
    assert p["ns"]["time"] == hullkit.host_ns_inode("time")


@pytest.mark.parametrize("ns_type", ["network", "ipc", "uts", "cgroup"])
def test_namespace_not_requested_is_the_hosts(bundle, ns_type):
    hullkit.drop_namespace(bundle.config, ns_type)
    if ns_type == "uts":
        del bundle.config["hostname"]  # a hostname needs a UTS namespace
    p = probe(bundle)
    assert p["ns"][NS[ns_type]] == hullkit.host_ns_inode(NS[ns_type])
    for t in hullkit.namespace_types(bundle.config):
        assert p["ns"][NS[t]] != hullkit.host_ns_inode(NS[t]), "namespace %s is the host's" % t


def test_no_user_namespace_is_host_root(bundle):
    hullkit.drop_namespace(bundle.config, "user")
    p = probe(bundle)
    assert p["ns"]["user"] == hullkit.host_ns_inode("user")
    assert p["uid_map"].split() == ["0", "0", "4294967295"]


def test_time_namespace(bundle):
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("the kernel has no time namespaces")
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    p = probe(bundle)
    assert p["ns"]["time"] != hullkit.host_ns_inode("time")


def test_join_network_namespace_by_path(bundle, netns):
    hullkit.drop_namespace(bundle.config, "user")
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = netns
    p = probe(bundle)
    assert p["ns"]["net"] == os.stat(netns).st_ino
    assert p["ns"]["net"] != hullkit.host_ns_inode("net")


def test_join_namespace_path_that_is_not_a_namespace_fails(bundle):
    hullkit.drop_namespace(bundle.config, "user")
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = os.path.join(bundle.rootfs, "etc", "passwd")
    cp = bundle.run()
    hullkit.assert_hull_error(cp, "passwd")


def test_user_namespace_maps(bundle):
    p = probe(bundle)
    assert p["uid_map"].split() == ["0", "100000", "65536"]
    assert p["gid_map"].split() == ["0", "100000", "65536"]
    assert p["uid"] == 0 and p["euid"] == 0


def test_user_namespace_several_ranges(bundle):
    lin = bundle.config["linux"]
    lin["uidMappings"] = [
        {"containerID": 0, "hostID": 100000, "size": 1000},
        {"containerID": 1000, "hostID": 200000, "size": 1000},
    ]
    lin["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    p = probe(bundle)
    rows = [l.split() for l in p["uid_map"].strip().splitlines()]
    assert sorted(rows) == sorted([["0", "100000", "1000"], ["1000", "200000", "1000"]])


def test_files_owned_by_unmapped_host_root_appear_as_overflow_id(bundle):
    os.lchown(os.path.join(bundle.rootfs, "etc", "passwd"), 0, 0)
    st = probe(bundle, "stat", "/etc/passwd")
    assert st["uid"] == 65534 and st["gid"] == 65534
    st = probe(bundle, "stat", "/etc/group")
    assert st["uid"] == 0 and st["gid"] == 0  # host 100000


def test_hostname(bundle):
    bundle.config["hostname"] = "box-1.example"
    assert probe(bundle)["hostname"] == "box-1.example"


def test_domainname(bundle):
    bundle.config["domainname"] = "example.org"
    p = probe(bundle)
    assert p["domainname"] == "example.org"
    assert p["hostname"] == "hulltest"


def test_hostname_does_not_change_the_hosts(bundle):
    before = os.uname().nodename
    bundle.config["hostname"] = "not-the-host"
    probe(bundle)
    assert os.uname().nodename == before


def test_sysctl_net_in_new_network_namespace(bundle):
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_before = f.read()
    rc, out = probe_text(bundle, "read", "/proc/sys/net/ipv4/ip_forward")
    assert (rc, out) == (0, "1")
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read() == host_before


def test_sysctl_ipc_in_new_ipc_namespace(bundle):
    with open("/proc/sys/kernel/msgmax") as f:
        host_before = f.read()
    want = "4242" if host_before.strip() != "4242" else "4343"
    bundle.config["linux"]["sysctl"] = {"kernel.msgmax": want}
    rc, out = probe_text(bundle, "read", "/proc/sys/kernel/msgmax")
    assert (rc, out) == (0, want)
    with open("/proc/sys/kernel/msgmax") as f:
        assert f.read() == host_before


def test_sysctl_unknown_key_is_an_error(bundle):
    bundle.config["linux"]["sysctl"] = {"net.ipv4.hull_does_not_exist": "1"}
    cp = bundle.run()
    hullkit.assert_hull_error(cp, "net.ipv4.hull_does_not_exist")


def test_sysctl_for_a_host_namespace_is_refused(bundle):
    # kernel.* sysctls that are not namespaced would change the host (runc refuses them).
    bundle.config["linux"]["sysctl"] = {"kernel.panic": "0"}
    cp = bundle.run()
    hullkit.assert_hull_error(cp, "kernel.panic")


def test_pid_namespace_shows_only_the_container(bundle):
    rc, out = probe_text(bundle, "ls", "/proc")
    pids = [e for e in out.split() if e.isdigit()]
    assert pids == ["1"]


def test_cgroup_namespace_root(bundle):
    p = probe(bundle)
    # Inside a new cgroup namespace, the process's own cgroup is the root.
    for line in p["cgroup"]:
        if line.startswith("0::"):
            assert line == "0::/"
