"""Generates resources/sounds/new-session.wav: the chime the console plays when a
customer starts waiting.

Two soft bell-like tones a major sixth apart (G5 then E6, a rising
interval that says "attention, good news"), each a sine with a little second
harmonic and an exponential decay, joined with short fades so nothing clicks. 48 kHz,
16-bit mono, well under a second. Run:  .venv/bin/python resources/sounds/make_chime.py
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

RATE = 48_000
OUT = Path(__file__).resolve().parent / "new-session.wav"
NOTES = ((783.99, 0.0), (1318.51, 0.16))  # (Hz, start s): G5 then E6
NOTE_LENGTH = 0.55  # s each; the last ends at 0.71 s
TOTAL = 0.75  # s
FADE_IN = 0.005  # s, removes the onset click
FADE_OUT = 0.04  # s, brings the tail exactly to zero
PEAK = 0.5  # of full scale: pleasant, not startling


def tone(frequency: float) -> np.ndarray:
    """One bell-ish note: fundamental plus a quiet octave, decaying exponentially."""
    t = np.arange(int(NOTE_LENGTH * RATE)) / RATE
    wave_ = np.sin(2 * np.pi * frequency * t) + 0.25 * np.sin(4 * np.pi * frequency * t)
    envelope = np.exp(-t * 7.0)
    ramp = np.minimum(1.0, t / FADE_IN)
    return wave_ * envelope * ramp


def chime() -> np.ndarray:
    """Both notes mixed, normalised to PEAK and faded out at the end."""
    signal = np.zeros(int(TOTAL * RATE))
    for frequency, start in NOTES:
        note = tone(frequency)
        begin = int(start * RATE)
        signal[begin : begin + note.size] += note
    fade = int(FADE_OUT * RATE)
    signal[-fade:] *= np.linspace(1.0, 0.0, fade)
    return signal / np.abs(signal).max() * PEAK


def write_wav(samples: np.ndarray, path: Path) -> None:
    pcm = np.round(samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


def main() -> int:
    write_wav(chime(), OUT)
    print(f"wrote {OUT} ({TOTAL:.2f} s, {RATE} Hz, 16-bit mono)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
