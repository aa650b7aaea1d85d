"""Distinct sounds for accepted, needs-a-decision and rejected, made once as WAV files.

Tones are generated (no binary assets in the repository): a rising two-note chime for accepted,
a level double beep for needs-a-decision, a low falling buzz for rejected. On a machine with no
audio device QSoundEffect stays silent; nothing else depends on it.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl

RATE = 22_050
TONES = {
    "accepted": [(880, 0.09), (0, 0.03), (1320, 0.16)],
    "needs_online": [(660, 0.12), (0, 0.08), (660, 0.12)],
    "rejected": [(220, 0.22), (175, 0.28)],
}


def write_tone(path: Path, notes: list[tuple[int, float]], *, square: bool = False) -> None:
    frames = bytearray()
    for freq, seconds in notes:
        count = int(RATE * seconds)
        for i in range(count):
            envelope = min(1.0, i / 300, (count - i) / 300)
            value = 0.0
            if freq:
                phase = math.sin(2 * math.pi * freq * i / RATE)
                value = (1.0 if phase >= 0 else -1.0) * 0.35 if square else phase * 0.6
            frames += struct.pack("<h", int(value * envelope * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))


class Sounds(QObject):
    """Plays the result sound for a decision status."""

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        folder.mkdir(parents=True, exist_ok=True)
        self.effects = {}
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:  # a Qt build without multimedia: stay silent
            return
        for name, notes in TONES.items():
            path = folder / f"{name}.wav"
            if not path.exists():
                write_tone(path, notes, square=name == "rejected")
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setVolume(0.9)
            self.effects[name] = effect

    def play(self, status: str) -> None:
        effect = self.effects.get(status)
        if effect is not None:
            effect.play()
