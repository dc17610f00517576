"""The headless customer (lens-customer) across an accepted transfer: its video moves
from the first technician's peer to the second's by a new generation, by itself."""

from __future__ import annotations

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

SMALL = SourceSpec(width=320, height=180, fps=15, audio="none")


async def test_accepted_transfer_moves_the_headless_customers_video(
    live_server: LiveServer,
) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    created = live_server.create_session(sender.token)["session"]
    sid = created["id"]
    options = CustomerOptions(
        server=live_server.url, pin=created["pin"], sources=SMALL, audio_out=False,
        stats_interval=0,
    )  # fmt: skip
    customer = HeadlessCustomer(options, report=lambda _line: None)
    first = await TechnicianPeer.connect(live_server.url, sender.token, sid)
    second = await TechnicianPeer.connect(live_server.url, receiver.token, sid)
    try:
        await customer.join()
        await customer.wait_for(lambda: customer.state == "waiting", timeout=10)
        live_server.start_session(sender.token, sid)
        await first.wait_for_frames(10, timeout=20)
        generation = customer.generation

        to = live_server.api("GET", "/me", receiver.token).json()["id"]
        body = {"to_technician_id": to, "comment": "Yours"}
        live_server.api("POST", f"/sessions/{sid}/transfer", sender.token, json=body)
        live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)

        await second.wait_for_frames(10, timeout=20)
        assert customer.generation == generation + 1
        assert customer.state == "active" and second.frames_received >= 10
    finally:
        await customer.close()
        await first.close()
        await second.close()
