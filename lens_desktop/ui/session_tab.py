"""One tab per active session: live video, its state, statistics and audio controls.

The tab is handed the console's services. It builds the session's WebRTC peer through
the peer factory, feeds it the signaling messages for its session only, and sends the
peer's answers back through the event socket. It does not change the session's state:
Hold and End live on the window's toolbar, and the state arrives from the server push
(``update_session``). Its REST calls are the audit reports (freeze, first annotation)
and the chat: the panel beside the picture (``chat_panel``) shows the server's history
and the messages the event socket pushes, and sends through the server client.

The tab also watches the picture itself: when no new frame has been painted for
``STALL_AFTER_S`` while the session should be live, the pane says so and counts the
seconds, whatever the peer's state claims (a customer whose connection went away
can leave the console's peer "connected" for many seconds).

In a colleague's session (``guest=True``, issue 18 point 3) the tab is a GUEST's: the
picture, audio, statistics, local snapshots, drawing and the pointer (over the guest's
own peer connection to the phone), and Leave; none of the controls that run the session
(freeze, camera requests, HD photo, chat, recording, transfer, invite), no activity
reports and no audit reports (guest_control.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.media.frames import VideoFrame, to_qimage
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import ChatMessage
from lens_desktop.tools.annotations import Annotation, AnnotationModel, Change
from lens_desktop.tools.freeze import FreezeLink, Still, make_still
from lens_desktop.tools.link import AnnotationLink
from lens_desktop.tools.protocol import CustomerTap, parse_message
from lens_desktop.tools.snapshots import SnapshotError, snapshot_stem
from lens_desktop.tools.tracking_link import TrackingLink
from lens_desktop.ui.activity_report import ActivityReporter
from lens_desktop.ui.annotation_canvas import AnnotationCanvas
from lens_desktop.ui.annotation_tools import AnnotationToolBar, tool_icon, with_key
from lens_desktop.ui.camera_controls import CameraControls
from lens_desktop.ui.chat_panel import ChatPanel
from lens_desktop.ui.guest_control import PERMISSION as INVITE_PERMISSION
from lens_desktop.ui.guest_control import GuestControl, GuestVisit
from lens_desktop.ui.hd_photo import HdPhotoControl
from lens_desktop.ui.language import translate
from lens_desktop.ui.recording_control import RecordingControl
from lens_desktop.ui.settings_dialog import load_settings
from lens_desktop.ui.snapshot_strip import SnapshotStrip, snapshot_message, take_snapshot
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.timeouts import idle_warning
from lens_desktop.ui.transfer_dialog import TransferControl
from lens_desktop.ui.video_pane import VideoView
from lens_desktop.ui.video_stage import VideoStage
from lens_desktop.ui.view_controls import ROW_ICON, ViewControls
from lens_desktop.ui.widgets import ERROR_STYLE, ElidedLabel

if TYPE_CHECKING:
    import av

    from lens_desktop.net.models import SessionInfo
    from lens_desktop.ui.services import ConsoleServices

log = logging.getLogger(__name__)

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
CHAT_SHORTCUT = QKeySequence("Ctrl+T")
log = logging.getLogger(__name__)


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

    annotations_first_used = Signal(str)
    """The technician drew the first annotation of this session (the session's id);
    once per session, for the audit log ("annotations_used")."""
    snapshot_saved = Signal(str)
    """A snapshot was written (its path)."""
    leave_requested = Signal(str)
    """A guest's tab: the technician pressed Leave (the session's id)."""

    def __init__(
        self,
        session: SessionInfo,
        services: ConsoleServices,
        pending_signals: Iterable[dict[str, Any]] = (),
        parent: QWidget | None = None,
        guest: bool = False,
    ) -> None:
        super().__init__(parent)
        self.guest_mode = guest
        """A colleague's session: this console is its second technician."""
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
        self.freeze_link = FreezeLink(self.peer.send_control)
        self._annotations_reported = False
        self._report_order = asyncio.Lock()
        self._unsubscribe_annotations = self.annotations.subscribe(self._on_annotation_change)
        self.keep_question: QMessageBox | None = None
        self._clear_button: QPushButton | None = None
        """Asked on unfreeze while there are drawings: keep them or clear them."""
        self._watch_from = time.monotonic()
        self._stall_timer = QTimer(self)
        self._stall_timer.setInterval(STALL_CHECK_MS)
        self._build()
        self.activity = ActivityReporter(
            session.id,
            services.config.activity_report_seconds,
            _no_alive if guest else services.events.send_alive,  # the owner's console tells
            self,
        )
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
        self._build_drawing()
        self._build_view_and_snapshots()
        self.freeze = self._toggle(
            translate("SessionTab", "Freeze"),
            translate(
                "SessionTab",
                "Freeze the picture for you and the customer, to draw on a still (F)",
            ),
        )
        self.freeze.setShortcut(QKeySequence(Qt.Key.Key_F))
        self.freeze.setEnabled(False)  # until there is a picture to freeze
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
        self.volume.setMinimumWidth(80)
        self.volume.setAccessibleName(translate("SessionTab", "Speaker volume"))
        self.volume.setValue(100)
        self.audio_note = ElidedLabel(self)  # gives up its width before the controls do
        self.audio_note.setStyleSheet(ERROR_STYLE)
        self.stats = QLabel(self)
        self.stats.setStyleSheet("font-family: monospace;")
        self.stats.hide()
        self._lay_out()
        self._apply_audio()

    def _build_drawing(self) -> None:
        """The drawing tools (issue 14): the canvas draws on the pane, the tool bar
        beside it picks the tool."""
        self.canvas = AnnotationCanvas(
            self.annotations, self.annotation_link.send_pointer, self.video.pane, self
        )
        self.drawing_tools = AnnotationToolBar(self.canvas, self)

    def _build_view_and_snapshots(self) -> None:
        """Issue 15: the video stage (tools and picture, which F11 takes full screen),
        the view controls (mode, zoom, full screen) and snapshots (button, option and
        the strip of this session's snapshots)."""
        self.stage = VideoStage(self)
        self.view_controls = ViewControls(self.video.pane, self.stage, self)
        self.snapshots = SnapshotStrip(self)
        self.snapshot_folder: Callable[[], str] = lambda: load_settings(QSettings()).snapshot_folder
        """Where snapshots go, asked at each one (the window hands its own settings)."""
        keys = [QKeySequence("Ctrl+S")]
        self.snapshot_action = QAction(translate("SessionTab", "Snapshot"), self)
        self.snapshot_action.setShortcuts(keys)
        self.snapshot_action.setToolTip(
            with_key(
                translate(
                    "SessionTab",
                    "Save the picture as a PNG at the camera's full size, in the folder "
                    "chosen in Settings",
                ),
                keys,
            )
        )
        self.snapshot_action.setEnabled(False)  # until there is a picture
        self.snapshot_action.triggered.connect(self.on_snapshot_action_triggered)
        self.stage.addAction(self.snapshot_action)  # Ctrl+S works full screen too
        self.snapshot_button = QToolButton(self)
        self.snapshot_button.setDefaultAction(self.snapshot_action)
        self.snapshot_with_drawings = QToolButton(self)  # an icon: the row is full
        self.snapshot_with_drawings.setCheckable(True)
        self.snapshot_with_drawings.setChecked(True)
        self.snapshot_with_drawings.setIcon(tool_icon("pen"))
        self.snapshot_with_drawings.setIconSize(ROW_ICON)
        self.snapshot_with_drawings.setToolTip(
            translate("SessionTab", "Snapshots include the drawings (on when pressed)")
        )
        self.snapshot_with_drawings.setAccessibleName(
            translate("SessionTab", "Snapshots include the drawings")
        )
        self.snapshot_with_drawings.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._shown_view = (self.video.pane.mode, self.video.pane.zoom)
        self.video.pane.view_changed.connect(self.on_pane_view_changed)
        self._build_hd_photo()

    def _toggle(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        for widget in (
            self.view_controls,
            self.freeze,
            self.snapshot_button,
            self.snapshot_with_drawings,
            self.hd_photo.button,
            self.hd_photo.progress,
            self.show_stats,
        ):
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
        picture = QHBoxLayout(self.stage)
        picture.setContentsMargins(0, 0, 0, 0)
        picture.addWidget(self.drawing_tools, 0, Qt.AlignmentFlag.AlignTop)
        picture.addWidget(self.video, 1)
        self._build_chat(controls, picture)
        self._build_camera_controls(controls)
        self._build_recording(controls, layout)
        self.transfer = TransferControl(
            self,
            self._services.client,
            self._services.technician.may("transfer_sessions"),
            lambda: self._session,
            self._tasks.spawn,
        )
        controls.insertWidget(controls.indexOf(self.recording.sign) + 1, self.transfer.button)
        self._build_guest_part(controls, layout)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.snapshots)

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
        self.freeze.toggled.connect(self.on_freeze_toggled)
        self.drawing_tools.follow_action.toggled.connect(self.tracking_link.set_enabled)
        self.show_stats.toggled.connect(self.on_show_stats_toggled)
        self.mic_mute.toggled.connect(self.on_mic_mute_toggled)
        self.speaker_mute.toggled.connect(self.on_speaker_mute_toggled)
        self.volume.valueChanged.connect(self.on_volume_value_changed)
        self._stall_timer.timeout.connect(self.on_stall_timer_timeout)
        self._connect_chat()
        self.peer.control_received.connect(self.camera_controls.on_control)
        self.peer.channel_opened.connect(self.camera_controls.on_channel_opened)
        self.peer.control_received.connect(self.hd_photo.on_control)
        self.peer.channel_opened.connect(self.hd_photo.on_channel_opened)
        self.peer.state_changed.connect(self.recording.peer_state_changed)
        self.peer.channel_opened.connect(self.on_peer_channel_opened_recording)

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
        self.transfer.session_changed(session)
        if self.visit is None:
            self.guest_control.session_changed(session)
        else:
            self.visit.session_changed(session)
        self._refresh_overlay()

    async def shutdown(self) -> None:
        """Stop listening, finish pending signaling and close the peer; safe twice."""
        if self._closed:
            return
        self._closed = True
        await self.recording.stop()  # a valid file, and the audit log told, before the rest
        await self.transfer.close()
        await self.guest_control.close()
        self._stall_timer.stop()
        self.activity.close()
        self.stage.set_full_screen(False)
        self._services.events.signal_received.disconnect(self.on_events_signal_received)
        self._services.events.chat_received.disconnect(self.on_events_chat_received)
        self.canvas.close()
        self.annotation_link.close()
        self._unsubscribe_annotations()
        self.tracking_link.close()
        await self._tasks.close()
        await self.peer.close()

    # -- slots -----------------------------------------------------------------------

    def on_events_signal_received(self, session_id: str, data: dict[str, Any]) -> None:
        if session_id == self._session.id and not self._closed:
            self._tasks.spawn(self.peer.handle_signal(data))

    def on_peer_frame_ready(self, frame: VideoFrame) -> None:
        self.video.pane.show_frame(frame)
        self.activity.note()
        self.freeze.setEnabled(True)
        self.snapshot_action.setEnabled(True)
        self.hd_photo.set_available(True)
        self.drawing_tools.set_picture_available(True)
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
        elif message.get("type") == "tap":
            self._show_customer_tap(message)

    def on_peer_channel_opened(self, generation: int) -> None:
        """A new connection (the customer reloaded or changed network): the phone gets
        the current annotations again, then the frozen still if any."""
        del generation
        self.annotation_link.replay()
        self.freeze_link.replay()

    def on_freeze_toggled(self, checked: bool) -> None:
        if checked:
            self._freeze()
        elif self.video.pane.frozen:
            self._ask_keep_drawings()

    def on_keep_question_finished(self, result: int) -> None:
        del result
        box, self.keep_question = self.keep_question, None
        clear, self._clear_button = self._clear_button, None
        if box is not None and clear is not None and box.clickedButton() is clear:
            self.annotations.clear()
        self._unfreeze()

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

    # -- freeze frame ----------------------------------------------------------------

    def _freeze(self) -> None:
        """Hold the picture being shown at once; encode it at the stream's size off the
        GUI thread, then show that and send it to the phone."""
        pane = self.video.pane
        frame = pane.frame
        if frame is None or frame.source is None:
            self.freeze.setChecked(False)
            return
        pane.freeze(frame)
        self.tracking_link.set_frozen(True)  # the still does not move: nothing to follow
        self._restart_stall_watch()
        self._tasks.spawn(self._send_still(frame, frame.source, self.freeze_link.next_id()))
        self._report("freeze")

    async def _send_still(self, shown: VideoFrame, source: av.VideoFrame, still_id: str) -> None:
        try:
            still, image = await asyncio.get_running_loop().run_in_executor(
                None, _encode_still, source, still_id
            )
        except ValueError as exc:  # a frame outside the protocol's bounds
            log.warning("the frozen picture cannot be sent to the customer: %s", exc)
            return
        if not self.video.pane.frozen or self.video.pane.frame is not shown:
            return  # unfrozen (or frozen again) meanwhile
        self.video.pane.set_still(
            VideoFrame(shown.width, shown.height, image, shown.pts, shown.received_at, source)
        )
        self.freeze_link.freeze(still)

    def _ask_keep_drawings(self) -> None:
        """Unfreezing with drawings on the still: keep them or clear them (nothing is
        remembered). Without drawings there is nothing to ask."""
        if not len(self.annotations):
            self._unfreeze()
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            translate("SessionTab", "Unfreeze"),
            translate("SessionTab", "Keep the drawings?"),
            parent=self.stage,  # over the picture, full screen too
        )
        box.setInformativeText(translate("SessionTab", "They were drawn on the frozen picture."))
        keep = box.addButton(translate("SessionTab", "&Keep"), QMessageBox.ButtonRole.AcceptRole)
        clear: QPushButton = box.addButton(
            translate("SessionTab", "&Clear"), QMessageBox.ButtonRole.DestructiveRole
        )
        self._clear_button = clear
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self.on_keep_question_finished)
        self.keep_question = box
        box.open()

    def _unfreeze(self) -> None:
        if not self.video.pane.frozen:
            return
        self.video.pane.unfreeze()
        self.tracking_link.set_frozen(False)
        self.freeze_link.unfreeze()
        if self.freeze.isChecked():
            self.freeze.setChecked(False)
        self._restart_stall_watch()
        self._refresh_overlay()
        self._report("unfreeze")

    def on_pane_view_changed(self) -> None:
        """Full screen hides the zoom indicator: a new mode or zoom is said over the
        picture instead (a pan is not)."""
        pane = self.video.pane
        view = (pane.mode, pane.zoom)
        if view != self._shown_view and self.stage.full_screen:
            self.canvas.show_notice(self.view_controls.describe())
        self._shown_view = view

    # -- snapshots -------------------------------------------------------------------

    def on_snapshot_action_triggered(self) -> None:
        """Save the picture on screen (live or frozen) at the stream's size, in a worker
        thread; the strip shows it, or says why it was not saved."""
        frame = self.video.pane.frame
        if frame is None:
            return
        drawings = (
            [a for a in self.annotations.annotations() if a.visible]
            if self.snapshot_with_drawings.isChecked()
            else []
        )
        folder = Path(self.snapshot_folder())
        stem = snapshot_stem(datetime.now(), self._session.name, self._session.id)
        self._tasks.spawn(self._save_snapshot(frame, drawings, folder, stem))

    async def _save_snapshot(
        self, frame: VideoFrame, drawings: list[Annotation], folder: Path, stem: str
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            path, thumbnail = await loop.run_in_executor(
                None, take_snapshot, frame, drawings, folder, stem
            )
        except SnapshotError as exc:
            log.warning("snapshot not saved: %s", exc)
            self.snapshots.show_error(snapshot_message(exc))
            if self.stage.full_screen:  # the strip is out of sight
                self.canvas.show_notice(snapshot_message(exc))
            return
        self.snapshots.add(path, thumbnail)
        if self.stage.full_screen:
            self.canvas.show_notice(
                translate("SessionTab", "Snapshot saved: {name}").format(name=path.name)
            )
        self.snapshot_saved.emit(str(path))
        self._report("snapshot")

    def _on_annotation_change(self, change: Change) -> None:
        if change.op == "set" and not self._annotations_reported:
            self._annotations_reported = True
            self._report("annotations_used")
            self.annotations_first_used.emit(self._session.id)

    def _report(self, action: str) -> None:
        """Tell the server's audit log, one report at a time so that the log keeps the
        order (a quick freeze and unfreeze could overtake each other in the client's
        thread pool); a failure is logged, never a dialog. A guest reports nothing: the
        session's audit log is its owner's."""
        if not self.guest_mode:
            self._tasks.spawn(self._report_activity(action))

    async def _report_activity(self, action: str) -> None:
        async with self._report_order:  # FIFO: the tasks queue in the order spawned
            try:
                await self._services.client.report_activity(self._session.id, action)
            except (ApiError, ServerUnreachable, RuntimeError) as exc:
                log.warning("could not record %s in the audit log: %s", action, exc)

    # -- chat (issue 15) -------------------------------------------------------------

    def _build_chat(self, controls: QHBoxLayout, picture: QHBoxLayout) -> None:
        """The chat panel beside the picture, shown and hidden by the Chat button,
        which counts the customer's unread messages."""
        self.chat = ChatPanel(self)
        self.chat.setMaximumWidth(380)
        self.chat.hide()
        self.chat_toggle = self._toggle(
            translate("SessionTab", "Chat"),
            translate("SessionTab", "Show or hide the chat with the customer (Ctrl+T)"),
        )
        self.chat_toggle.setShortcut(CHAT_SHORTCUT)
        controls.insertWidget(controls.indexOf(self.show_stats) + 1, self.chat_toggle)
        picture.addWidget(self.chat, 0)

    def _connect_chat(self) -> None:
        self._services.events.chat_received.connect(self.on_events_chat_received)
        self.chat_toggle.toggled.connect(self.on_chat_toggle_toggled)
        self.chat.send_requested.connect(self.on_chat_send_requested)
        self.chat.unread_changed.connect(self.on_chat_unread_changed)
        self._tasks.spawn(self._load_chat())

    def on_events_chat_received(self, session_id: str, message: ChatMessage) -> None:
        if session_id == self._session.id and not self._closed and not self.guest_mode:
            self.chat.add_messages([message])

    def on_chat_toggle_toggled(self, checked: bool) -> None:
        self.chat.setVisible(checked)
        if checked:
            self.chat.mark_read()
            self.chat.input.setFocus()

    def on_chat_send_requested(self, text: str) -> None:
        self._tasks.spawn(self._send_chat(text))

    def on_chat_unread_changed(self, count: int) -> None:
        text = translate("SessionTab", "Chat")
        if count:
            text = translate("SessionTab", "Chat ({count} new)").format(count=count)
        self.chat_toggle.setText(text)
        self.chat_toggle.setShortcut(CHAT_SHORTCUT)  # setText resets it to a mnemonic
        self.chat_toggle.setStyleSheet("font-weight: bold; color: #b00020;" if count else "")

    async def _load_chat(self) -> None:
        """The conversation so far (the customer may have written while waiting)."""
        if self.guest_mode:
            return  # the chat is the owner's
        try:
            self.chat.add_messages(await self._services.client.chat_history(self._session.id))
        except (ApiError, RuntimeError) as exc:
            log.warning("could not load the chat history: %s", exc)

    async def _send_chat(self, text: str) -> None:
        try:
            message = await self._services.client.send_chat(self._session.id, text)
        except ApiError as exc:
            self.chat.show_refusal(exc)
            return
        except RuntimeError as exc:  # the client closed: the console is signing out
            log.warning("chat message not sent: %s", exc)
            return
        self.chat.message_sent(message)

    # -- camera requests (issue 15) --------------------------------------------------

    def _build_camera_controls(self, controls: QHBoxLayout) -> None:
        """The Camera button (switch, flashlight, zoom, focus on the customer's phone)
        after Statistics, and after Chat the line that says what came of a request (so
        that the buttons do not move when it speaks)."""
        self.camera_controls = CameraControls(self.peer.send_control, self.canvas, self)
        controls.insertWidget(controls.indexOf(self.show_stats) + 1, self.camera_controls.button)
        at = controls.indexOf(self.chat_toggle) + 1
        controls.insertWidget(at, self.camera_controls.status, 1)  # takes spare room only

    # -- HD photo (issue 15) ---------------------------------------------------------

    def _build_hd_photo(self) -> None:
        """The HD photo button beside Snapshot (its progress bar after it); the photo is
        saved in the snapshot folder and shown in the same strip."""
        self.hd_photo = HdPhotoControl(
            self.peer.send_control,
            self.canvas,
            self.snapshots,
            lambda: (self.snapshot_folder(), self._session.name, self._session.id),
            self._report,
            self._tasks.spawn,
            self,
        )
        self.stage.addAction(self.hd_photo.action)  # its key works full screen too

    # -- recording (issue 15) --------------------------------------------------------

    def _build_recording(self, controls: QHBoxLayout, layout: QVBoxLayout) -> None:
        """The Record toggle after Chat, the red REC sign beside it, and a line under
        the controls for what went wrong. Without the group's ``record_sessions``
        permission the button is off and its tooltip says why; a group that forces
        recording records every session by itself (docs/decisions/0036)."""
        technician = self._services.technician
        owner = not self.guest_mode  # only the owner's console records (and may be forced to)
        self.recording = RecordingControl(
            self,
            self.peer,
            owner and (technician.may("record_sessions") or technician.recording_forced),
            lambda: (self._session.name, self._session.id),
            self._report_activity,
            self._tasks.spawn,
            forced=owner and technician.recording_forced,
        )
        index = controls.indexOf(self.chat_toggle) + 1
        controls.insertWidget(index, self.recording.button)
        controls.insertWidget(index + 1, self.recording.sign)
        layout.insertWidget(layout.indexOf(self.stats), self.recording.message)

    @property
    def recordings_folder(self) -> str:
        return self.recording.folder

    @recordings_folder.setter
    def recordings_folder(self, folder: str) -> None:
        self.recording.folder = folder

    def on_peer_channel_opened_recording(self, generation: int) -> None:
        del generation
        self.recording.channel_opened()

    # -- a second technician (issue 18 point 3, guest_control.py) --------------------

    def _build_guest_part(self, controls: QHBoxLayout, layout: QVBoxLayout) -> None:
        """The owner's Invite colleague… with the guest's status after Transfer; a
        guest's tab instead hides what runs the session and shows whose it is, and
        Leave."""
        self.guest_control = GuestControl(
            self,
            self._services.client,
            self._services.technician.may(INVITE_PERMISSION),
            lambda: self._session,
            self._tasks.spawn,
        )
        self.visit: GuestVisit | None = None
        at = controls.indexOf(self.transfer.button) + 1
        if not self.guest_mode:
            button, line = self.guest_control.widgets()
            controls.insertWidget(at, button)
            layout.insertWidget(layout.indexOf(self.stats), line)
            return
        for widget in self._owner_widgets():
            widget.hide()
        for button in (self.freeze, self.chat_toggle, self.recording.button):
            button.setShortcut(QKeySequence())  # hidden, and their keys do nothing either
        self.stage.removeAction(self.hd_photo.action)
        self.hd_photo.action.setShortcuts([])
        self.visit = GuestVisit(self, self._session)
        self.visit.leave_requested.connect(self.on_visit_leave_requested)
        controls.insertWidget(0, self.visit.label)
        controls.insertWidget(at + 1, self.visit.leave_button)

    def _owner_widgets(self) -> list[QWidget]:
        """What a guest's tab does not show: the controls that run the session."""
        return [
            self.freeze,
            self.hd_photo.button,
            self.hd_photo.progress,
            self.chat_toggle,
            self.chat,
            self.camera_controls.button,
            self.camera_controls.status,
            self.recording.button,
            self.recording.sign,
            self.recording.message,
            self.transfer.button,
            *self.guest_control.widgets(),
        ]

    def on_visit_leave_requested(self) -> None:
        self.leave_requested.emit(self._session.id)

    # -- helpers ---------------------------------------------------------------------

    def _send_signal(self, data: dict[str, Any]) -> None:
        self._services.events.send_signal(self._session.id, data)

    def _show_customer_tap(self, message: dict[str, Any]) -> None:
        """The customer tapped the picture: a ring there for a few seconds."""
        tap = parse_message(message)
        if not isinstance(tap, CustomerTap):
            log.warning("ignoring tap message: %s", getattr(tap, "reason", tap))
        elif not self.canvas.show_tap(tap.x, tap.y):
            log.debug("tap ignored: more than the taps a second the console shows")

    def _refresh_overlay(self) -> None:
        text = overlay_text(
            self._session.state,
            self.peer.state,
            self._camera_paused,
            self._video_flowing,
            self._stalled_for(),
        )
        if self._session.state == "active":
            idle = self.activity.idle_seconds()
            if warning := idle_warning(idle, self._services.config.idle_timeout_seconds):
                text = f"{text}\n{warning}" if text else warning
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
        if age is None or not pane.isVisible() or pane.frozen:
            return None
        stalled = min(age, time.monotonic() - self._watch_from)
        return age if stalled >= STALL_AFTER_S else None


def _no_alive(session_id: str) -> None:
    """A guest's console reports no activity: the session's idle time-out is the owner's."""
    del session_id


def _encode_still(source: av.VideoFrame, still_id: str) -> tuple[Still, QImage]:
    """Worker thread: the JPEG to send and the image to show, both at the stream's size
    (``bench``: ~10 ms and ~3 ms for 720p on one core)."""
    return make_still(source, still_id), to_qimage(source)
