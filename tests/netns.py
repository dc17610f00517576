"""A phone on its own network path: a Linux network namespace joined to this one by a
veth pair, with real loss (nftables), rate (TBF) and delay (a userspace forwarder).

Used by tests/netfault/ and bench/netfault.py. Needs root (CI runs as root).

Only 127.0.0.0/8 addresses are used (``route_localnet=1`` lets them cross a veth):

    root namespace (server, console)          phone namespace (Chromium)
    127.10.255.1  the server (on lo's 127/8)
    127.S.N.1/24  rN ───────── veth ───────── pN  127.S.N.2/24
                                              route 127.10.255.0/24 via 127.S.N.1

Path N = 0 is the phone's first network; a second path (N = 1) with a new address
stands for a Wi-Fi to LTE switch. S (11..250) is free in the root namespace when the
network is built, so runs side by side (two test sessions, a bench) never share a
subnet. The console's aiortc gathers its host candidates from
the root namespace's interfaces (rN, and eth0's address, which the phone has no route
to); 127.0.0.1 inside the phone namespace is the phone's own loopback, so no media can
bypass the veth.

With a delay, a third namespace sits in the middle and a small forwarder
(tests/netfault/forwarder.py) copies every Ethernet frame between its two veths after
the delay: pN ── mNa [forwarder] mNb ── rN. See docs/decisions/0019.

Every name carries this process's pid, so runs never collide, and `sweep_stale()`
removes what a killed run left behind. `PhoneNetwork.close()` is idempotent and undoes
everything (namespaces, veths, the forwarder, the root namespace's nft tables; qdiscs
go with their link).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SERVER_ADDRESS = "127.10.255.1"
"""Where the server listens: reachable from the root namespace and over every path."""
PREFIX = "lensnf"
LOCK = "/run/lock/lens-netns.lock"
ROOT = Path(__file__).resolve().parent.parent
_counter = itertools.count()


class NetnsError(RuntimeError):
    """A network command failed; the message carries the command and its stderr."""


def require_root() -> None:
    """Fails with a clear message: these tests cannot run unprivileged (CI is root)."""
    if os.geteuid() != 0:
        raise NetnsError(
            "network fault tests need root (ip netns, nft, tc); CI runs them as root. "
            "Run as root, or deselect them with -m 'not netfault'."
        )
    for tool in ("ip", "nft", "tc", "ethtool"):
        if not any(Path(d, tool).exists() for d in ("/usr/sbin", "/sbin", "/usr/bin")):
            raise NetnsError(f"{tool} is missing: apt-get install iproute2 nftables ethtool")


def run(*args: str, namespace: str | None = None) -> str:
    """Runs a command (inside `namespace` when given); raises NetnsError on failure."""
    command = ["ip", "netns", "exec", namespace, *args] if namespace else list(args)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NetnsError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout


def sweep_stale() -> None:
    """Removes namespaces (and with them their veths) of runs whose process is gone."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    for line in listed.stdout.splitlines():
        found = re.match(rf"({PREFIX}-(\d+)-\S+)", line)
        if found and not Path(f"/proc/{found.group(2)}").exists():
            subprocess.run(["ip", "netns", "delete", found.group(1)], check=False)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True)
    for name in re.findall(r"^\d+: (nf[0-9a-f]+r\d+)@", links.stdout, re.M):
        pid = int(name[2:].split("r")[0], 16) // 100
        if not Path(f"/proc/{pid}").exists():
            subprocess.run(["ip", "link", "delete", name], check=False)
    tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True)
    for table, pid in re.findall(rf"table netdev ({PREFIX}_(\d+)_\w+)", tables.stdout):
        if not Path(f"/proc/{pid}").exists():
            subprocess.run(["nft", "delete", "table", "netdev", table], check=False)


@contextlib.contextmanager
def allocation_lock() -> Iterator[None]:
    """One process at a time picks a subnet and puts it on a link."""
    with open(LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def free_octet() -> int:
    """The first S with no 127.S.x.x address on any link of the root namespace."""
    listed = run("ip", "-o", "-4", "addr")
    used = {int(s) for s in re.findall(r"inet 127\.(\d+)\.", listed)}
    for octet in range(11, 251):
        if octet not in used:
            return octet
    raise NetnsError("no free 127.S.0.0/16 subnet left for a phone network")


@dataclass(frozen=True)
class Impairment:
    """What the phone's path does to packets. Loss hits UDP (the media) both ways;
    rate caps both directions; delay is added phone -> console (as netem on the
    phone's uplink would) and `return_delay_ms` console -> phone."""

    loss_pct: int = 0
    delay_ms: float = 0.0
    return_delay_ms: float = 0.0
    rate_kbit: int = 0

    def describe(self) -> str:
        words = []
        if self.loss_pct:
            words.append(f"{self.loss_pct} % loss")
        if self.delay_ms or self.return_delay_ms:
            words.append(f"+{self.delay_ms:g}/{self.return_delay_ms:g} ms delay")
        if self.rate_kbit:
            words.append(f"{self.rate_kbit / 1000:g} Mbit/s")
        return ", ".join(words) or "clean path"


@dataclass
class PhonePath:
    """One veth path between the phone and the root namespace."""

    index: int
    octet: int
    root_link: str
    phone_link: str
    middle: str | None = None
    forwarder: subprocess.Popen[bytes] | None = None
    tables: list[str | None] = field(default_factory=list)
    """Namespaces (None: the root one) holding this path's nft table."""

    @property
    def root_address(self) -> str:
        return f"127.{self.octet}.{self.index}.1"

    @property
    def phone_address(self) -> str:
        return f"127.{self.octet}.{self.index}.2"


@dataclass
class PhoneNetwork:
    """The phone's namespace and its paths; use as a context manager (or call close)."""

    tag: str = field(default_factory=lambda: f"{os.getpid()}-{next(_counter)}")
    paths: dict[int, PhonePath] = field(default_factory=dict)
    closed: bool = False
    octet: int = 0
    """S in 127.S.N.x, chosen when the first path is built."""

    def __post_init__(self) -> None:
        self.phone = f"{PREFIX}-{self.tag}-phone"
        require_root()
        sweep_stale()
        run("ip", "netns", "add", self.phone)
        try:
            run("ip", "link", "set", "lo", "up", namespace=self.phone)
            localnet(self.phone, "all", "default")
            for key in ("all", "default"):
                run("sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1", namespace=self.phone)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> PhoneNetwork:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- paths ------------------------------------------------------------------

    def link_name(self, index: int, end: str) -> str:
        """Interface names fit in 15 characters and carry the pid (see sweep_stale)."""
        pid, serial = self.tag.split("-")
        return f"nf{int(pid) * 100 + int(serial) % 100:x}{end}{index}"

    def connect(self, index: int, impairment: Impairment = Impairment()) -> PhonePath:
        """Brings up path `index`: a veth (through a delaying middle when asked), the
        phone's address 127.S.index.2 and its route to the server."""
        with allocation_lock():
            path = PhonePath(
                index,
                self.octet or free_octet(),
                self.link_name(index, "r"),
                self.link_name(index, "p"),
            )
            self.octet = path.octet
            self.build(path, impairment)
        return path

    def build(self, path: PhonePath, impairment: Impairment) -> None:
        index = path.index
        self.paths[index] = path
        delayed = bool(impairment.delay_ms or impairment.return_delay_ms)
        if delayed:
            self.middle_link(path, impairment)
        else:
            run(
                "ip", "link", "add", path.root_link, "type", "veth", "peer", "name", path.phone_link
            )
            run("ip", "link", "set", path.phone_link, "netns", self.phone)
        self.address(path)
        if impairment.loss_pct:
            self.lose(path, impairment.loss_pct)
        if impairment.rate_kbit:
            self.cap(path, impairment.rate_kbit)

    def middle_link(self, path: PhonePath, impairment: Impairment) -> None:
        """phone ── a [forwarder, delaying] b ── root."""
        path.middle = f"{PREFIX}-{self.tag}-mid{path.index}"
        run("ip", "netns", "add", path.middle)
        a, b = self.link_name(path.index, "a"), self.link_name(path.index, "b")
        run("ip", "link", "add", path.phone_link, "type", "veth", "peer", "name", a)
        run("ip", "link", "add", path.root_link, "type", "veth", "peer", "name", b)
        run("ip", "link", "set", path.phone_link, "netns", self.phone)
        run("ip", "link", "set", a, "netns", path.middle)
        run("ip", "link", "set", b, "netns", path.middle)
        for link in (a, b):
            run("ip", "link", "set", link, "up", namespace=path.middle)
            # whole frames only: the forwarder copies frames, not GSO super-packets
            run(
                "ethtool",
                "-K",
                link,
                "gro",
                "off",
                "gso",
                "off",
                "tso",
                "off",
                namespace=path.middle,
            )
        path.forwarder = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                path.middle,
                sys.executable,
                "-m",
                "tests.netfault.forwarder",
                a,
                b,
                str(impairment.delay_ms),
                str(impairment.return_delay_ms),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert path.forwarder.stdout is not None
        if path.forwarder.stdout.readline().strip() != b"READY":
            raise NetnsError("the delaying forwarder did not start")

    def address(self, path: PhonePath) -> None:
        """127.x addresses are scope host by default: scope global lets the kernel use
        them as the source of routed packets. No IPv6 on the veths: only 127.x."""
        ends = (
            (path.root_link, path.root_address, None),
            (path.phone_link, path.phone_address, self.phone),
        )
        for link, address, namespace in ends:
            localnet(namespace, link)
            run("sysctl", "-qw", f"net.ipv6.conf.{link}.disable_ipv6=1", namespace=namespace)
            run(
                "ip",
                "addr",
                "add",
                f"{address}/24",
                "scope",
                "global",
                "dev",
                link,
                namespace=namespace,
            )
            run("ip", "link", "set", link, "up", namespace=namespace)
        for link, _, namespace in ends:
            if path.middle:  # checksums in software: the forwarder copies raw frames
                run(
                    "ethtool",
                    "-K",
                    link,
                    "tx",
                    "off",
                    "gro",
                    "off",
                    "gso",
                    "off",
                    namespace=namespace,
                )
        run(
            "ip",
            "route",
            "replace",
            f"{SERVER_ADDRESS.rsplit('.', 1)[0]}.0/24",
            "via",
            path.root_address,
            namespace=self.phone,
        )

    def cut(self, index: int) -> None:
        """The phone loses path `index` at once (its link goes, as when Wi-Fi drops)."""
        path = self.paths.pop(index)
        with contextlib.suppress(NetnsError):
            run("ip", "link", "delete", path.phone_link, namespace=self.phone)
        self.remove_middle(path)

    # --- impairments --------------------------------------------------------------

    def lose(self, path: PhonePath, percent: int) -> None:
        """nftables drops `percent` % of UDP packets (the media) each way, where they
        arrive (the ingress of the far end), so no sender is told of the drop."""
        for link, namespace in ((path.root_link, None), (path.phone_link, self.phone)):
            rules = f"""
table netdev {self.table(path)} {{
    chain lose {{
        type filter hook ingress device "{link}" priority 0;
        ip protocol udp numgen random mod 100 < {percent} counter drop;
    }}
}}
"""
            command = ["nft", "-f", "-"]
            if namespace:
                command = ["ip", "netns", "exec", namespace, *command]
            done = subprocess.run(command, input=rules, text=True, capture_output=True)
            if done.returncode != 0:
                raise NetnsError(f"nft: {done.stderr.strip()}")
            path.tables.append(namespace)

    def table(self, path: PhonePath) -> str:
        return f"{PREFIX}_{self.tag.replace('-', '_')}_{path.index}"

    def dropped(self, index: int) -> int:
        """Packets the loss rules of path `index` dropped so far (both ends)."""
        path, total = self.paths[index], 0
        for namespace in path.tables:
            listed = run("nft", "list", "table", "netdev", self.table(path), namespace=namespace)
            total += sum(int(n) for n in re.findall(r"packets (\d+)", listed))
        return total

    def cap(self, path: PhonePath, kbit: int) -> None:
        """TBF on both ends' egress: `kbit` each way, queue at most 200 ms deep."""
        for link, namespace in ((path.phone_link, self.phone), (path.root_link, None)):
            run(
                "tc",
                "qdisc",
                "add",
                "dev",
                link,
                "root",
                "tbf",
                "rate",
                f"{kbit}kbit",
                "burst",
                "16kb",
                "latency",
                "200ms",
                namespace=namespace,
            )

    # --- processes and clean-up ------------------------------------------------------

    def wrapper(self, folder: Path, executable: str) -> Path:
        """A script that runs `executable` inside the phone namespace (for Playwright's
        executable_path: Playwright talks to Chromium over pipes, which cross
        namespaces)."""
        script = folder / f"in-{self.phone}"
        script.write_text(f'#!/bin/sh\nexec ip netns exec {self.phone} {executable} "$@"\n')
        script.chmod(0o755)
        return script

    def remove_middle(self, path: PhonePath) -> None:
        if path.forwarder is not None:
            path.forwarder.send_signal(signal.SIGTERM)
            try:
                path.forwarder.wait(5)
            except subprocess.TimeoutExpired:
                path.forwarder.kill()
                path.forwarder.wait()
            if path.forwarder.stdout:
                path.forwarder.stdout.close()
            path.forwarder = None
        for namespace in path.tables:
            with contextlib.suppress(NetnsError):
                run("nft", "delete", "table", "netdev", self.table(path), namespace=namespace)
        path.tables.clear()
        with contextlib.suppress(NetnsError):
            run("ip", "link", "delete", path.root_link)
        if path.middle:
            with contextlib.suppress(NetnsError):
                run("ip", "netns", "delete", path.middle)

    def close(self) -> None:
        """Undoes everything; safe to call twice, and after a half-built set-up."""
        if self.closed:
            return
        self.closed = True
        for index in list(self.paths):
            self.cut(index)
        with contextlib.suppress(NetnsError):
            run("ip", "netns", "delete", self.phone)
        deadline = time.monotonic() + 5
        while Path(f"/run/netns/{self.phone}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def localnet(namespace: str | None, *links: str) -> None:
    """127.x addresses may leave and enter through these interfaces."""
    for link in links:
        run("sysctl", "-qw", f"net.ipv4.conf.{link}.route_localnet=1", namespace=namespace)
