"""The delay on a phone's path: copies every Ethernet frame between two interfaces of
the middle namespace (tests/netns.py), each after a fixed delay per direction.

A layer-2 copy needs no addresses and no rewriting: ARP, the signaling TCP and the
media UDP all take the same delayed path, in both directions, as on a slow real link.
This kernel has no netem; see docs/decisions/0019.

Run inside the middle namespace by tests/netns.py:
    python -m tests.netfault.forwarder IFACE_A IFACE_B DELAY_A_TO_B_MS DELAY_B_TO_A_MS
Prints READY once both sockets are bound; stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PR_SET_PDEATHSIG = 1


def open_raw(interface: str) -> socket.socket:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((interface, 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setblocking(False)
    return sock


def pump(
    loop: asyncio.AbstractEventLoop, source: socket.socket, target: socket.socket, delay_s: float
) -> None:
    """Reads every frame that arrived on `source` and sends it out of `target` later.
    Frames this socket itself sent (PACKET_OUTGOING) are not read back."""

    def send(frame: bytes) -> None:
        # a full queue or a link going down: the frame is lost, as on a real link
        with contextlib.suppress(OSError):
            target.send(frame)

    def readable() -> None:
        while True:
            try:
                frame, address = source.recvfrom(65536)
            except BlockingIOError:
                return
            except OSError:  # the link went down (the path was cut): stop reading it
                loop.remove_reader(source.fileno())
                return
            if address[2] == PACKET_OUTGOING:
                continue
            if delay_s > 0:
                loop.call_later(delay_s, send, frame)
            else:
                send(frame)

    loop.add_reader(source.fileno(), readable)


def die_with_parent() -> None:
    """SIGTERM when the process that started us dies (even by SIGKILL): a forwarder
    left running would keep its namespace, and the path, alive."""
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before prctl took effect
        sys.exit(0)


async def main(a: str, b: str, a_to_b_ms: float, b_to_a_ms: float) -> None:
    die_with_parent()
    loop = asyncio.get_running_loop()
    side_a, side_b = open_raw(a), open_raw(b)
    pump(loop, side_a, side_b, a_to_b_ms / 1000)
    pump(loop, side_b, side_a, b_to_a_ms / 1000)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("READY", flush=True)
    await stop.wait()
    side_a.close()
    side_b.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])))
