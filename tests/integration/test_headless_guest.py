"""The headless customer (lens-customer) with a second technician: when a colleague
joins, a second peer connection goes to them with the same picture and voice, both
technicians keep receiving every frame, the colleague's voice reaches the customer,
and when the colleague leaves that connection closes while the first goes on."""

from __future__ import annotations

import numpy as np

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

SOURCES = SourceSpec(width=320, height=180, fps=15, audio="tone", tone_hz=440.0)


def dominant_hz(tail: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(tail * np.hanning(len(tail))))
    return float(np.fft.rfftfreq(len(tail), 1 / 48_000)[int(np.argmax(spectrum))])


async def test_a_colleague_gets_the_headless_customers_picture_and_voice(
    live_server: LiveServer,
) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    created = live_server.create_session(owner.token)["session"]
    sid = created["id"]
    options = CustomerOptions(
        server=live_server.url, pin=created["pin"], sources=SOURCES, audio_out=False,
        stats_interval=0,
    )  # fmt: skip
    lines: list[str] = []
    customer = HeadlessCustomer(options, report=lines.append)
    first = await TechnicianPeer.connect(live_server.url, owner.token, sid)
    second = await TechnicianPeer.connect(live_server.url, colleague.token, sid)
    second.voice_freq = 1000.0
    try:
        await customer.join()
        await customer.wait_for(lambda: customer.state == "waiting", timeout=10)
        live_server.start_session(owner.token, sid)
        await first.wait_for_frames(10, timeout=20)

        to = live_server.api("GET", "/me", colleague.token).json()["id"]
        body = {"to_technician_id": to, "comment": "Have a look"}
        live_server.api("POST", f"/sessions/{sid}/guest", owner.token, json=body)
        assert customer.guest_peer is None  # invited is not joined
        live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)

        await second.wait_for_frames(15, timeout=20)
        owners_before = first.frames_received
        await second.wait_for(lambda: second.frames_received >= 45, timeout=20)
        # one source, two encoders: neither starves the other of frames
        assert first.frames_received - owners_before >= 20
        counters = first.newest_counter(), second.newest_counter()
        assert None not in counters and abs(counters[0] - counters[1]) <= 15  # type: ignore[operator]
        assert customer.generation == 1 and customer.guest_generation == 1
        # the customer's tone reaches the colleague; the colleague's voice the customer
        await second.wait_for(lambda: len(second.audio_tail) >= 48_000, timeout=10)
        assert abs(dominant_hz(second.audio_tail) - 440.0) < 10
        await customer.wait_for(lambda: customer.guest_sink.frames_received >= 25, timeout=10)
        assert customer.guest_sink.peak > 1000
        assert f"{colleague.display_name} joined as a second technician" in lines

        live_server.api("POST", f"/sessions/{sid}/guest/leave", colleague.token)
        await customer.wait_for(lambda: customer.guest_peer is None, timeout=10)
        assert f"{colleague.display_name} left" in lines
        going_on = first.frames_received
        await first.wait_for(lambda: first.frames_received >= going_on + 15, timeout=10)
        assert customer.generation == 1  # the owner's connection was never touched
    finally:
        await customer.close()
        await first.close()
        await second.close()
