"""The network paths themselves (tests/netns.py): a UDP sender inside the phone
namespace, a receiver in this (root) namespace, and the kernel in between doing what
the benchmark's conditions claim: the delay, the loss, the rate. And nothing is left
behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.netns import PREFIX, Impairment, NetnsError, PhoneNetwork, run

SENDER = """
import socket, sys, time
host, port, count, size, pace = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
rtts = []
for i in range(count):
    sent = time.monotonic()
    sock.sendto(i.to_bytes(4, "big") + bytes(size - 4), (host, port))
    if pace == 0:
        try:
            sock.recvfrom(2048)
            rtts.append((time.monotonic() - sent) * 1000)
        except TimeoutError:
            pass
    else:
        time.sleep(pace)
print(min(rtts) if rtts else -1)
"""


def send_from_phone(
    network: PhoneNetwork, host: str, port: int, count: int, size: int = 100, pace: float = 0
) -> subprocess.Popen[str]:
    """pace 0: ping-pong (waits for each echo); else one packet every `pace` s."""
    args = [host, str(port), str(count), str(size), str(pace)]
    return subprocess.Popen(
        ["ip", "netns", "exec", network.phone, sys.executable, "-c", SENDER, *args],
        stdout=subprocess.PIPE,
        text=True,
    )


def receiver(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    sock.settimeout(3)
    return sock


def test_delay_is_added_phone_to_console(network: PhoneNetwork) -> None:
    path = network.connect(0, Impairment(delay_ms=200, return_delay_ms=50))
    with receiver(path.root_address) as sock:
        sender = send_from_phone(network, path.root_address, sock.getsockname()[1], 10)
        for _ in range(10):
            data, peer = sock.recvfrom(2048)
            sock.sendto(data, peer)
        out, _ = sender.communicate(timeout=10)
    assert 250 <= float(out) < 300, f"round trip {out} ms, expected 200 + 50 ms and a bit"


def test_loss_drops_the_share_asked_for(network: PhoneNetwork) -> None:
    path = network.connect(0, Impairment(loss_pct=20))
    count, got = 1000, 0
    with receiver(path.root_address) as sock:
        sender = send_from_phone(
            network, path.root_address, sock.getsockname()[1], count, pace=0.0005
        )
        sock.settimeout(1)
        try:
            while True:
                sock.recvfrom(2048)
                got += 1
        except TimeoutError:
            pass
        sender.communicate(timeout=10)
    lost = count - got
    # 20 % of 1000 is 200 +- 13 (one standard deviation): +-60 is a very wide margin
    assert 140 <= lost <= 260, f"{lost} of {count} lost at 20 %"
    assert network.dropped(0) == lost


def test_rate_caps_the_phone_uplink(network: PhoneNetwork) -> None:
    path = network.connect(0, Impairment(rate_kbit=1000))
    received, first, last = 0, 0.0, 0.0
    with receiver(path.root_address) as sock:
        # 4 Mbit/s offered for about 2 s: 1000-byte packets every 2 ms
        sender = send_from_phone(
            network, path.root_address, sock.getsockname()[1], 1000, size=1000, pace=0.002
        )
        sock.settimeout(1)
        try:
            while True:
                data = sock.recv(2048)
                last = time.monotonic()
                first = first or last
                received += len(data)
        except TimeoutError:
            pass
        sender.communicate(timeout=10)
    rate = received * 8 / (last - first) / 1000
    assert 700 <= rate <= 1300, f"{rate:.0f} kbit/s through a 1000 kbit/s cap"


def test_close_leaves_nothing_behind() -> None:
    network = PhoneNetwork()
    path = network.connect(0, Impairment(loss_pct=5, delay_ms=10))
    network.connect(1)
    assert path.forwarder is not None
    forwarder = Path(f"/proc/{path.forwarder.pid}")
    network.close()
    network.close()  # twice is fine
    assert network.phone not in run("ip", "netns", "list")
    assert path.middle is not None and path.middle not in run("ip", "netns", "list")
    links = run("ip", "-o", "link")
    assert path.root_link not in links and network.link_name(1, "r") not in links
    assert f"{PREFIX}_{network.tag.replace('-', '_')}" not in run("nft", "list", "tables")
    assert not forwarder.exists()


def test_without_root_it_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not skipped: a CI that lost root must go red, and say why."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(NetnsError, match="need root"):
        PhoneNetwork()
