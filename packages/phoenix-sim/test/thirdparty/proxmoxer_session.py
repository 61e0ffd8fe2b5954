"""A realistic proxmoxer session against phoenix-sim, run by proxmoxer.test.ts.

Usage: python proxmoxer_session.py https|ssh   (connection details in SIM_* environment variables)

Drives the simulator with a client nobody in this project wrote: LXC and QEMU (cloud-init)
create, config, start, tasks, snapshots, clone, template, destroy. Then it prints
"CHECKPOINT", waits for a line on stdin (the runner reads the ledger meanwhile), runs a
table of invalid calls that must each be refused with 400, and prints one JSON summary line.
SSH host keys are checked against SIM_KNOWN_HOSTS: proxmoxer asks paramiko to auto-add
unknown keys, which this script overrides with RejectPolicy.
"""
import json
import os
import re
import sys
import time
import urllib.parse

import paramiko
from proxmoxer import ProxmoxAPI, ResourceException

BACKEND = sys.argv[1]
ENV = os.environ
UPID_RE = re.compile(r"UPID:[^\s\"]+:")


class PinnedSSHClient(paramiko.SSHClient):
    """paramiko client that trusts only the host keys of SIM_KNOWN_HOSTS."""

    def set_missing_host_key_policy(self, policy):
        super().set_missing_host_key_policy(paramiko.RejectPolicy())

    def connect(self, *args, **kwargs):
        self.load_host_keys(ENV["SIM_KNOWN_HOSTS"])
        return super().connect(*args, **kwargs)


paramiko.SSHClient = PinnedSSHClient


def connect():
    if BACKEND == "https":
        return ProxmoxAPI(
            ENV["SIM_HOST"],
            port=int(ENV["SIM_PORT"]),
            user="root@pam",
            token_name=ENV["SIM_TOKEN_NAME"],
            token_value=ENV["SIM_TOKEN_SECRET"],
            verify_ssl=ENV["SIM_CA_FILE"],
            timeout=30,
        )
    return ProxmoxAPI(
        ENV["SIM_HOST"],
        port=int(ENV["SIM_SSH_PORT"]),
        user="root",
        private_key_file=ENV["SIM_SSH_KEY_FILE"],
        backend="ssh_paramiko",
        timeout=30,
    )


pve = connect()
node = pve.nodes("pve")


def upid_of(result):
    m = UPID_RE.search(str(result))
    assert m, f"no UPID in {result!r}"
    return m.group(0)


def wait(result, expect="OK"):
    upid = upid_of(result)
    deadline = time.time() + 60
    while True:
        st = node.tasks(upid).status.get()
        if st["status"] == "stopped":
            assert st["exitstatus"] == expect, f"{upid}: {st['exitstatus']}"
            return st
        assert time.time() < deadline, f"{upid} still running"
        time.sleep(0.05)


def session():
    assert pve.version.get()["release"] in ("8.2", "9.0")
    assert any(n["node"] == "pve" for n in pve.nodes.get())

    # --- LXC: create, config, start, tasks, snapshot, clone, template, destroy
    wait(node.lxc.post(vmid=800, ostemplate="local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst", rootfs="local-zfs:4",
                       hostname="ct800", net0="name=eth0,bridge=vmbr0,ip=dhcp", unprivileged=1, memory=1024))
    node.lxc(800).config.put(cores=2, description="made by proxmoxer")
    cfg = node.lxc(800).config.get()
    assert cfg["cores"] == 2 and cfg["hostname"] == "ct800", cfg
    wait(node.lxc(800).status.start.post())
    assert node.lxc(800).status.current.get()["status"] == "running"
    tasks = node.tasks.get(vmid=800)
    assert any(t["type"] == "vzstart" for t in tasks), tasks
    wait(node.lxc(800).snapshot.post(snapname="s1", description="before"))
    assert [s["name"] for s in node.lxc(800).snapshot.get()] == ["s1", "current"]
    wait(node.lxc(800).clone.post(newid=801, snapname="s1", full=1, hostname="ct801"))
    wait(node.lxc(800).status.stop.post())
    wait(node.lxc(800).snapshot("s1").delete())
    node.lxc(800).template.post()
    deadline = time.time() + 30
    while node.lxc(800).config.get().get("template") != 1:
        assert time.time() < deadline, "template conversion did not finish"
        time.sleep(0.05)
    wait(node.lxc(800).clone.post(newid=802, hostname="ct802"))
    assert node.lxc(802).config.get()["rootfs"].startswith("local-zfs:basevol-800-disk-0/subvol-802-disk-0")
    for vmid in (802, 801, 800):
        wait(node.lxc(vmid).delete())

    # --- upload (HTTPS: multipart; the SSH backend copies over SFTP, which the simulator has not)
    if BACKEND == "https":
        import hashlib
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".iso") as f:
            f.write(b"phoenix-sim upload test\n" * 100)
            f.flush()
            digest = hashlib.sha256(open(f.name, "rb").read()).hexdigest()
            with open(f.name, "rb") as fh:
                wait(node.storage("local").upload.post(content="iso", filename=fh, checksum=digest, **{"checksum-algorithm": "sha256"}))
        assert any(c["volid"].endswith(".iso") for c in node.storage("local").content.get(content="iso"))

    # --- QEMU with cloud-init
    keys = urllib.parse.quote("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example", safe="")
    wait(node.qemu.post(vmid=810, name="noble", memory=2048, cores=2, scsihw="virtio-scsi-pci",
                        scsi0="local-zfs:0,import-from=local:import/noble-server-cloudimg-amd64.img",
                        ide2="local-zfs:cloudinit", boot="order=scsi0", agent="enabled=1", serial0="socket",
                        net0="virtio,bridge=vmbr0", ipconfig0="ip=10.0.0.10/24,gw=10.0.0.1", ciuser="ops", sshkeys=keys))
    assert node.qemu(810).config.get()["ide2"] == "local-zfs:vm-810-cloudinit,media=cdrom"
    assert "ops" in node.qemu(810).cloudinit.dump.get(type="user")
    wait(node.qemu(810).status.start.post())
    deadline = time.time() + 30
    while True:
        try:
            node.qemu(810).agent.ping.post()
            break
        except ResourceException:
            assert time.time() < deadline, "guest agent never answered"
            time.sleep(0.05)
    assert node.qemu(810).agent("get-osinfo").get()["result"]["id"] == "ubuntu"
    wait(node.qemu(810).snapshot.post(snapname="pre"))
    wait(node.qemu(810).status.stop.post())
    wait(node.qemu(810).snapshot("pre").rollback.post())
    wait(node.qemu(810).snapshot("pre").delete())
    wait(node.qemu(810).template.post())
    wait(node.qemu(810).clone.post(newid=811, name="noble-clone"))
    assert node.qemu(811).config.get()["name"] == "noble-clone"
    wait(node.qemu(811).delete())
    wait(node.qemu(810).delete())
    wait(node.qemu.post(vmid=810, scsi0="local-zfs:1", ide2="local-zfs:cloudinit"))  # the cloud-init volume was freed
    wait(node.qemu(810).delete())


INVALID = [
    ("start with an unknown parameter", lambda: node.lxc(800).status.start.post(bogus=1), "bogus"),
    ("destroy with an unknown parameter", lambda: node.qemu(810).delete(force_stop=1), "force_stop"),
    ("memory below the minimum", lambda: node.lxc.post(vmid=820, ostemplate="local:vztmpl/x.tar.zst", memory=8), "memory"),
    ("cores 0", lambda: node.qemu.post(vmid=821, cores=0), "cores"),
    ("ostype not in the enumeration", lambda: node.lxc.post(vmid=822, ostemplate="local:vztmpl/x.tar.zst", ostype="windows"), "ostype"),
    ("bad hostname", lambda: node.lxc.post(vmid=823, ostemplate="local:vztmpl/x.tar.zst", hostname="bad_host!"), "hostname"),
    ("bad ip in net0", lambda: node.lxc.post(vmid=824, ostemplate="local:vztmpl/x.tar.zst", net0="name=eth0,ip=300.1.1.1/24"), "net0"),
    ("bad ipconfig0", lambda: node.qemu.post(vmid=825, ipconfig0="ip=300.0.0.1/24"), "ipconfig0"),
    ("feature not a boolean", lambda: node.lxc.post(vmid=826, ostemplate="local:vztmpl/x.tar.zst", features="nesting=maybe"), "features"),
    ("scsi31 beyond the range", lambda: node.qemu.post(vmid=827, scsi31="local-zfs:1"), "scsi31"),
    ("path vmid not an integer", lambda: node.lxc("abc").config.get(), "vmid"),
    ("description too long", lambda: node.qemu.post(vmid=828, description="x" * 9000), "description"),
]


def invalid_calls():
    results = []
    for name, call, key in INVALID:
        try:
            call()
            results.append({"name": name, "refused": False})
        except ResourceException as e:
            text = json.dumps(e.errors) if e.errors else str(e.content)
            results.append({"name": name, "refused": e.status_code == 400, "status": e.status_code, "names_param": key in text})
    return results


session()
print("CHECKPOINT", flush=True)
sys.stdin.readline()
print(json.dumps({"backend": BACKEND, "invalid": invalid_calls()}), flush=True)
