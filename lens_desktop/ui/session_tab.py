"""One tab per active session: live video, its state, statistics and audio controls.

The tab is handed the console's services. It builds the session's WebRTC peer through
the peer factory, feeds it the signaling messages for its session only, and sends the
peer's answers back through the event socket. It never talks to the REST API: Hold and
End live on the window's toolbar, and the session's state arrives from the server push
(``update_session``).

The tab also watches the picture itself: when no new frame has been painted for
``STALL_AFTER_S`` while the session should be live, the pane says so and counts the
seconds, whatever the peer's state claims (a customer whose connection went away
can leave the console's peer "connected" for many seconds).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.tools.annotations import AnnotationModel
from lens_desktop.tools.link import AnnotationLink
from lens_desktop.tools.tracking_link import TrackingLink
from lens_desktop.ui.language import translate
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.video_pane import VideoView
from lens_desktop.ui.widgets import ERROR_STYLE

if TYPE_CHECKING:
    from lens_desktop.media.frames import VideoFrame
    from lens_desktop.net.models import SessionInfo
    from lens_desktop.ui.services import ConsoleServices

PEER_OVERLAYS = {
    "connecting": QT_TRANSLATE_NOOP("SessionTab", "Connecting…"),
    "reconnecting": QT_TRANSLATE_NOOP("SessionTab", "Reconnecting…"),
    "failed": QT_TRANSLATE_NOOP(
        "SessionTab",
        "The connection to the customer failed. Waiting for the customer to reconnect…",
    ),
    "closed": QT_TRANSLATE_NOOP("SessionTab", "The video has ended."),
}
SESSION_OVERLAYS = {
    "on_hold": QT_TRANSLATE_NOOP("SessionTab", "On hold"),
    "reconnecting": QT_TRANSLATE_NOOP("SessionTab", "Reconnecting…"),
}
STALLED_OVERLAY = QT_TRANSLATE_NOOP(
    "SessionTab", "No picture from the customer for {seconds} s. Waiting for it to resume…"
)
"""English source texts of the overlays; ``overlay_text`` translates them."""
STALL_AFTER_S = 1.2
"""No new frame painted for this long while live: the pane says the picture stopped.
At 15-30 fps a healthy stream paints every 33-67 ms; a keyframe request after a loss
repairs within a few hundred ms (decision 0011), so 1.2 s means the picture stopped."""
STALL_CHECK_MS = 250


def overlay_text(
    session_state: str,
    peer_state: str,
    camera_paused: bool,
    video_flowing: bool = False,
    stalled_for: float | None = None,
) -> str:
    """What the picture says on top, most important first ('' for none).
    ``video_flowing``: a frame arrived since the peer state last changed, so a
    "connecting" the state still reports is already over. ``stalled_for``: seconds
    since the last new frame was painted, once that is too long."""
    if session_state in SESSION_OVERLAYS:
        return translate("SessionTab", SESSION_OVERLAYS[session_state])
    if video_flowing and peer_state in ("connecting", "reconnecting"):
        peer_state = "connected"
    if peer_state != "connected":
        text = PEER_OVERLAYS.get(peer_state)
        return translate("SessionTab", text) if text else ""
    if camera_paused:
        return translate("SessionTab", "The customer paused the camera")
    if stalled_for is not None:
        return translate("SessionTab", STALLED_OVERLAY).format(seconds=int(stalled_for))
    return ""


def stats_text(stats: dict[str, Any]) -> str:
    """One line of live statistics, as a technician reads it (units stay international)."""
    rtt = stats.get("rtt_ms")
    resolution = stats.get("resolution")
    parts = [
        str(resolution).replace("x", "\u00d7")
        if resolution
        else translate("SessionTab", "no video"),
        f"{stats.get('fps', 0):.0f} fps",
        f"{stats.get('bitrate_kbps', 0):,.0f} kbps",
        translate("SessionTab", "loss {percent:.1f} %").format(
            percent=stats.get("packet_loss_pct", 0)
        ),
        f"RTT {rtt:.0f} ms" if rtt is not None else translate("SessionTab", "RTT n/a"),
    ]
    if "audio_delay_ms" in stats:
        parts.append(
            translate("SessionTab", "audio {delay:.0f} ms, {underruns} dropouts").format(
                delay=stats["audio_delay_ms"], underruns=stats.get("audio_underruns", 0)
            )
        )
    return "  ·  ".join(parts)


def audio_note_text(reason: str) -> str:
    """Why the audio controls are off. The audio engine words its reason in English,
    usually as "Audio unavailable: <detail>"; the lead-in is the console's and
    translated, the detail stays the engine's."""
    detail = reason.removeprefix("Audio unavailable: ") or translate(
        "SessionTab", "no audio engine"
    )
    return translate("SessionTab", "Audio unavailable: {reason}").format(reason=detail)


class SessionTab(QWidget):
    """The live view of one session."""

    def __init__(
        self,
        session: SessionInfo,
        services: ConsoleServices,
        pending_signals: Iterable[dict[str, Any]] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._services = services
        self._tasks = TaskOwner(f"session-tab-{session.id}")
        self._camera_paused = False
        self._video_flowing = False
        self._closed = False
        self.peer = services.peer_factory(
            session.id, services.config.ice_servers, self._send_signal, services.audio
        )
        self.annotations = AnnotationModel()
        self.annotation_link = AnnotationLink(self.annotations, self.peer.send_control)
        self._watch_from = time.monotonic()
        self._stall_timer = QTimer(self)
        self._stall_timer.setInterval(STALL_CHECK_MS)
        self._build()
        # Annotations stick to objects: tracked on the frames the peer decodes, anchored
        # on the frame on screen (tracking_link.enabled is the setting, pause() freezes).
        pane = self.video.pane
        self.tracking_link = TrackingLink(
            self.annotations,
            self.peer.set_frame_tap,
            lambda: pane.last_painted_frame or pane.frame,
        )
        self._connect_signals()
        self._refresh_overlay()
        self._stall_timer.start()
        for data in pending_signals:
            self._tasks.spawn(self.peer.handle_signal(data))

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self.video = VideoView(self)
        self.actual_size = self._toggle(
            translate("SessionTab", "&Actual size"),
            translate("SessionTab", "Show the picture pixel for pixel"),
        )
        self.show_stats = self._toggle(
            translate("SessionTab", "S&tatistics"),
            translate("SessionTab", "Show live video statistics"),
        )
        self.mic_mute = self._toggle(
            translate("SessionTab", "Mute &mic"),
            translate("SessionTab", "Stop sending your microphone"),
        )
        self.speaker_mute = self._toggle(
            translate("SessionTab", "Mute s&peaker"),
            translate("SessionTab", "Silence the customer"),
        )
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setRange(0, 100)
        self.volume.setMaximumWidth(140)
        self.volume.setAccessibleName(translate("SessionTab", "Speaker volume"))
        self.volume.setValue(100)
        self.audio_note = QLabel(self)
        self.audio_note.setStyleSheet(ERROR_STYLE)
        self.stats = QLabel(self)
        self.stats.setStyleSheet("font-family: monospace;")
        self.stats.hide()
        self._lay_out()
        self._apply_audio()

    def _toggle(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        for widget in (self.actual_size, self.show_stats):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.audio_note)
        for widget in (self.mic_mute, self.speaker_mute):
            controls.addWidget(widget)
        volume_label = QLabel(translate("SessionTab", "&Volume"), self)
        volume_label.setBuddy(self.volume)
        controls.addWidget(volume_label)
        controls.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.stats)
        layout.addWidget(self.video, 1)

    def _apply_audio(self) -> None:
        """Audio controls mirror the engine; without audio they are off and say why."""
        audio, status = self._services.audio, self._services.audio_status
        usable = audio is not None and status.available
        for widget in (self.mic_mute, self.speaker_mute, self.volume):
            widget.setEnabled(usable)
        if not usable:
            self.audio_note.setText(audio_note_text(status.reason))
            return
        assert audio is not None
        self.mic_mute.setChecked(audio.mic_muted)
        self.speaker_mute.setChecked(audio.speaker_muted)
        self.volume.setValue(round(audio.volume * 100))

    def _connect_signals(self) -> None:
        self._services.events.signal_received.connect(self.on_events_signal_received)
        self.peer.frame_ready.connect(self.on_peer_frame_ready)
        self.video.pane.display_area_changed.connect(self.peer.set_display_area)
        self.peer.set_display_area(self.video.pane.display_area())
        self.peer.state_changed.connect(self.on_peer_state_changed)
        self.peer.stats_changed.connect(self.on_peer_stats_changed)
        self.peer.control_received.connect(self.on_peer_control_received)
        self.peer.channel_opened.connect(self.on_peer_channel_opened)
        self.actual_size.toggled.connect(self.on_actual_size_toggled)
        self.show_stats.toggled.connect(self.on_show_stats_toggled)
        self.mic_mute.toggled.connect(self.on_mic_mute_toggled)
        self.speaker_mute.toggled.connect(self.on_speaker_mute_toggled)
        self.volume.valueChanged.connect(self.on_volume_value_changed)
        self._stall_timer.timeout.connect(self.on_stall_timer_timeout)

    # -- public ----------------------------------------------------------------------

    @property
    def session(self) -> SessionInfo:
        return self._session

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    def update_session(self, session: SessionInfo) -> None:
        """The server pushed a change of this session (hold, resume, reconnecting)."""
        if session.state != self._session.state:
            self._restart_stall_watch()
        self._session = session
        self._refresh_overlay()

    async def shutdown(self) -> None:
        """Stop listening, finish pending signaling and close the peer; safe twice."""
        if self._closed:
            return
        self._closed = True
        self._stall_timer.stop()
        self._services.events.signal_received.disconnect(self.on_events_signal_received)
        self.annotation_link.close()
        self.tracking_link.close()
        await self._tasks.close()
        await self.peer.close()

    # -- slots -----------------------------------------------------------------------

    def on_events_signal_received(self, session_id: str, data: dict[str, Any]) -> None:
        if session_id == self._session.id and not self._closed:
            self._tasks.spawn(self.peer.handle_signal(data))

    def on_peer_frame_ready(self, frame: VideoFrame) -> None:
        self.video.pane.show_frame(frame)
        if not self._video_flowing:
            self._video_flowing = True
            self._refresh_overlay()

    def on_peer_state_changed(self, state: str) -> None:
        del state
        self._restart_stall_watch()
        self._video_flowing = False
        self._refresh_overlay()

    def on_stall_timer_timeout(self) -> None:
        self._refresh_overlay()

    def on_peer_stats_changed(self, stats: dict[str, Any]) -> None:
        self.stats.setText(stats_text(stats))

    def on_peer_control_received(self, message: dict[str, Any]) -> None:
        if message.get("type") == "camera":
            self._restart_stall_watch()
            self._camera_paused = bool(message.get("paused"))
            self._refresh_overlay()

    def on_peer_channel_opened(self, generation: int) -> None:
        """A new connection (the customer reloaded or changed network): the phone gets
        the current annotations again."""
        del generation
        self.annotation_link.replay()

    def on_actual_size_toggled(self, checked: bool) -> None:
        self.video.set_fit(not checked)

    def on_show_stats_toggled(self, checked: bool) -> None:
        self.stats.setVisible(checked)
        if checked and not self.stats.text():
            self.stats.setText(translate("SessionTab", "Waiting for statistics…"))

    def on_mic_mute_toggled(self, checked: bool) -> None:
        if self._services.audio is not None:
            self._services.audio.mic_muted = checked

    def on_speaker_mute_toggled(self, checked: bool) -> None:
        if self._services.audio is not None:
            self._services.audio.speaker_muted = checked

    def on_volume_value_changed(self, value: int) -> None:
        if self._services.audio is not None:
            self._services.audio.volume = value / 100

    # -- helpers ---------------------------------------------------------------------

    def _send_signal(self, data: dict[str, Any]) -> None:
        self._services.events.send_signal(self._session.id, data)

    def _refresh_overlay(self) -> None:
        text = overlay_text(
            self._session.state,
            self.peer.state,
            self._camera_paused,
            self._video_flowing,
            self._stalled_for(),
        )
        self.video.pane.set_overlay(text)

    def _restart_stall_watch(self) -> None:
        """A state change (resume, a new connection, the camera back on) gives the
        picture a fresh ``STALL_AFTER_S`` to come back before the pane says it has not."""
        self._watch_from = time.monotonic()

    def _stalled_for(self) -> float | None:
        """Seconds without a new frame on screen, once past ``STALL_AFTER_S``. Only a
        visible pane paints, so a tab in the background is not judged."""
        pane = self.video.pane
        age = pane.seconds_since_new_frame()
        if age is None or not pane.isVisible():
            return None
        stalled = min(age, time.monotonic() - self._watch_from)
        return age if stalled >= STALL_AFTER_S else None
