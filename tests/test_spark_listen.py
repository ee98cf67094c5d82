"""A local session built by `common.spark.build_spark` listens on loopback only: its UI (which binds to
SPARK_LOCAL_IP, else to every interface), the driver's RPC and the block manager."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# In a fresh process (the JVM reads SPARK_LOCAL_IP when it starts): a session with its UI on a free
# port, then the addresses its JVM listens on, from /proc (no tool needed).
SESSION = """
import json, os, sys
from dataclasses import replace
from common.config import deep_merge, load_config
from common.spark import build_spark

config = load_config("test")
ui = {"spark": {"conf": {"spark.ui.enabled": "true", "spark.ui.port": "0"}}}
spark = build_spark("listen-test", replace(config, settings=deep_merge(config.settings, ui)))
pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
sockets = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    target = os.readlink(f"/proc/{pid}/fd/{fd}") if os.path.islink(f"/proc/{pid}/fd/{fd}") else ""
    if target.startswith("socket:["):
        sockets.add(target[8:-1])
listening = []
for table in ("tcp", "tcp6"):
    for line in open(f"/proc/{pid}/net/{table}").read().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and fields[9] in sockets:  # state LISTEN, a socket of the JVM
            listening.append(fields[1])
print(json.dumps({"ui": spark.sparkContext.uiWebUrl, "listening": listening}))
spark.stop()
"""


def address(proc_entry: str) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]:
    """/proc/net/tcp{,6} 'HEX_ADDRESS:HEX_PORT': the address as 32-bit words in host (little-endian) order."""
    hex_address, hex_port = proc_entry.split(":")
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, len(hex_address), 8)]
    return ipaddress.ip_address(b"".join(words)), int(hex_port, 16)


def test_a_local_session_listens_on_loopback_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SPARK_LOCAL_IP"}  # as a user's shell has it
    env |= {"LAKEHOUSE_ROOT": str(tmp_path / "lakehouse"), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", SESSION], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    listening = [address(entry) for entry in report["listening"]]
    ui_port = int(report["ui"].rsplit(":", 1)[1])

    assert ui_port in {port for _, port in listening}  # the UI is among them
    assert len(listening) >= 3  # UI, driver RPC, block manager
    beyond = [(str(ip), port) for ip, port in listening if not _loopback(ip)]
    assert beyond == [], f"listening beyond loopback: {beyond}"


def _loopback(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)
