"""Turns aiortc's getStats() report plus the frame reader's counters into one small
dict for the session pane's status line:

``{"resolution": "1280x720", "width": 1280, "height": 720, "fps": 29.8,
"fps_painted": 29.8, "bitrate_kbps": 2400.0, "packet_loss_pct": 0.1,
"rtt_ms": 12.0 | None, "frames_dropped": 3}``

``PeerSession`` adds the receive path's own counters, cumulative for the session:
``audio_underruns`` (gaps a listener heard: the jitter buffer or the device ran dry),
``audio_device_underflows`` (the device part of those), ``audio_delay_ms`` (audio
queued + device buffer now), ``audio_concealed_ms`` (lost audio filled in),
``audio_stretched_ms`` (time gained by playing slower for a slow sender clock),
``keyframe_requests`` and ``video_holes_skipped`` (video rescued after a loss), and
``video_hole_timeout_ms`` (how long a lost video packet is waited for, as repairs go)
and ``video_packets_asked_again`` (lost retransmissions asked for once more).

aiortc reports cumulative counters, so rates are deltas between two samples; the
caller samples about once a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aiortc.stats import (
    RTCInboundRtpStreamStats,
    RTCRemoteInboundRtpStreamStats,
    RTCStatsReport,
    RTCTransportStats,
)


@dataclass
class _Totals:
    at: float
    bytes_received: int = 0
    packets_received: int = 0
    packets_lost: int = 0
    frames_received: int = 0
    frames_converted: int = 0


def totals(report: RTCStatsReport, frames_received: int, frames_converted: int) -> _Totals:
    """Sum the cumulative counters that matter for the video line."""
    t = _Totals(time.monotonic(), frames_received=frames_received)
    t.frames_converted = frames_converted
    for stat in report.values():
        if isinstance(stat, RTCTransportStats):
            t.bytes_received = max(t.bytes_received, stat.bytesReceived)
        elif isinstance(stat, RTCInboundRtpStreamStats) and stat.kind == "video":
            t.packets_received += stat.packetsReceived
            t.packets_lost += max(0, stat.packetsLost)
    return t


def round_trip_ms(report: RTCStatsReport) -> float | None:
    """RTT from the customer's receiver reports on our audio, if any arrived yet."""
    rtts = [
        s.roundTripTime
        for s in report.values()
        if isinstance(s, RTCRemoteInboundRtpStreamStats) and s.roundTripTime is not None
    ]
    return round(1000 * max(rtts), 1) if rtts else None


class StatsSampler:
    """Keeps the previous sample and turns the next one into rates."""

    def __init__(self) -> None:
        self._previous: _Totals | None = None

    def sample(
        self,
        report: RTCStatsReport,
        size: tuple[int, int] | None,
        frames_received: int,
        frames_converted: int,
        frames_dropped: int,
    ) -> dict[str, Any]:
        now = totals(report, frames_received, frames_converted)
        before, self._previous = self._previous, now
        width, height = size if size is not None else (0, 0)
        result: dict[str, Any] = {
            "resolution": f"{width}x{height}" if size is not None else "",
            "width": width,
            "height": height,
            "fps": 0.0,
            "fps_painted": 0.0,
            "bitrate_kbps": 0.0,
            "packet_loss_pct": 0.0,
            "rtt_ms": round_trip_ms(report),
            "frames_dropped": frames_dropped,
        }
        if before is not None and now.at > before.at:
            result.update(rates(before, now))
        return result


def rates(before: _Totals, now: _Totals) -> dict[str, float]:
    """Per-second rates between two samples."""
    seconds = now.at - before.at
    received = now.packets_received - before.packets_received
    lost = now.packets_lost - before.packets_lost
    expected = received + lost
    return {
        "fps": round((now.frames_received - before.frames_received) / seconds, 1),
        "fps_painted": round((now.frames_converted - before.frames_converted) / seconds, 1),
        "bitrate_kbps": round(8 * (now.bytes_received - before.bytes_received) / seconds / 1000, 1),
        "packet_loss_pct": round(100 * lost / expected, 2) if expected > 0 else 0.0,
    }
