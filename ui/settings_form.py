"""The settings form the technician's pages share: one field per setting, one Save for the group.

Every value is checked by ``kiosk.settings`` before anything is written (through the owner's
``save_settings``, the one saving path); a bad value shows what is wrong under its field and
nothing is saved. What a field is called, its help line, its choices and its kind of editor come
from the setting's declaration (``kiosk.settings_schema``); the dotted keys stay in tooltips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.settings import SCHEMA, SettingError, Settings
from ui.i18n import render_current, t
from ui.widgets import named, save_and_revert


class SettingsOwner(Protocol):
    """What a form saves through (the technician screen)."""

    @property
    def ctx(self) -> Any: ...

    def save_settings(self, values: dict[str, Any],
                      done: Callable[[list[str], str], None] | None = None) -> dict[str, str]: ...


class PageOwner(SettingsOwner, Protocol):
    """What a page of the technician screen is built by: the app's services and the forms it
    reloads on sign-out."""

    @property
    def services(self) -> Any: ...

    @property
    def forms(self) -> dict[str, SettingsForm]: ...


def problem_text(exc: SettingError) -> str:
    """What is wrong with a value, in the screen language, without the dotted key in front."""
    text = render_current(exc.problem)
    return text[:1].upper() + text[1:]


# --- settings fields ------------------------------------------------------------------------------


@dataclass
class Field:
    """One setting on screen: its name, editor, help line and the red message under it."""

    key: str
    name: QLabel
    editor: QWidget
    help: QLabel
    error: QLabel
    row_widgets: list[QWidget] = field(default_factory=list)

    def value(self) -> Any:
        if isinstance(self.editor, QCheckBox):
            return self.editor.isChecked()
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText()
        assert isinstance(self.editor, QLineEdit)
        return self.editor.text()

    def show_value(self, value: Any) -> None:
        if isinstance(self.editor, QCheckBox):
            self.editor.setChecked(bool(value))
        elif isinstance(self.editor, QComboBox):
            index = self.editor.findText(str(value))
            if index < 0:
                self.editor.addItem(str(value))
                index = self.editor.findText(str(value))
            self.editor.setCurrentIndex(index)
        else:
            assert isinstance(self.editor, QLineEdit)
            self.editor.setText("" if value is None else str(value))

    def set_visible(self, visible: bool) -> None:
        for widget in self.row_widgets:
            widget.setVisible(visible)
        self.error.setVisible(visible and bool(self.error.text()))


class SettingsForm(QWidget):
    """A group of settings with one Save button and a line saying what happened."""

    def __init__(self, screen: SettingsOwner, keys: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.owner = screen
        self.keys = keys
        self.fields: dict[str, Field] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)
        row = 0
        for key in keys:
            name = named(QLabel(), "fieldname")
            name.setToolTip(key)
            editor = self._editor(key)
            editor.setToolTip(key)
            help_label = named(QLabel(), "help")
            help_label.setWordWrap(True)
            error = named(QLabel(), "error")
            error.setWordWrap(True)
            error.hide()
            grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(editor, row, 1)
            grid.addWidget(help_label, row + 1, 1)
            grid.addWidget(error, row + 2, 1)
            self.fields[key] = Field(key, name, editor, help_label, error, [name, editor, help_label])
            row += 3
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        self.save_button, self.revert_button = save_and_revert(buttons, self.save, self.load)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons.addWidget(self.message, 1)
        layout.addLayout(buttons)
        self.load()

    @staticmethod
    def _editor(key: str) -> QWidget:
        spec = SCHEMA[key]
        if spec.type is bool:
            return QCheckBox()
        options = spec.choice_texts
        if options:
            combo = QComboBox()
            combo.addItems(options)
            return combo
        line = QLineEdit()
        line.setClearButtonEnabled(True)
        return line

    def retranslate(self) -> None:
        for key, f in self.fields.items():
            f.name.setText(t(SCHEMA[key].label))
            f.help.setText(t(SCHEMA[key].help))
            if isinstance(f.editor, QCheckBox):
                f.editor.setText(t("yes"))
        self.save_button.setText(t("Save"))
        self.revert_button.setText(t("Undo changes"))
        self.message.clear()  # a message of the other language would stay behind

    def load(self) -> None:
        """Show the saved values; clears every message."""
        settings = self.owner.ctx.settings
        for key, f in self.fields.items():
            f.show_value(settings.get(key))
            f.error.clear()
            f.error.hide()
        self.message.clear()

    def values(self) -> dict[str, Any]:
        return {key: f.value() for key, f in self.fields.items()}

    def dirty(self) -> bool:
        """True when a field shows something other than the saved value."""
        settings = self.owner.ctx.settings
        probe = Settings(dict(settings.items()))
        for key, value in self.values().items():
            try:
                probe.set(key, value)
            except SettingError:
                return True
            if probe.get(key) != settings.get(key):
                return True
        return False

    def save(self) -> bool:
        """Validate every field; save all of them or none. Returns True when the values were good."""
        # "Saving…" first: with nothing to write, ``done`` runs at once and its "Nothing changed." must stay
        say(self.message, t("Saving…"))
        errors = self.owner.save_settings(self.values(), done=self._saved)
        for key, f in self.fields.items():
            message = errors.get(key, "")
            f.error.setText(message)
            f.error.setVisible(bool(message))
        if errors:
            say(self.message, t("Nothing was saved: fix the field marked in red."), error=True)
        return not errors

    def _saved(self, changed: list[str], error: str) -> None:
        if error:
            say(self.message, t("Could not write the settings file:") + f" {error}", error=True)
            return
        self.load()
        say(self.message, t("Saved.") if changed else t("Nothing changed."), error=False, ok=True)


def save_settings(screen: QWidget, services: Any, values: dict[str, Any],
                  done: Callable[[list[str], str], None] | None = None) -> dict[str, str]:
    """The one saving path of the settings pages (``SettingsOwner.save_settings`` of ``screen``).

    Check every value with kiosk.settings first; on any error return {key: message} and change
    nothing. Otherwise apply them, write config.toml in the background, then audit each change and
    emit ``settings_changed``. ``done(changed_keys, error)`` runs on the GUI thread afterwards,
    while ``screen`` is still there."""
    settings = services.ctx.settings
    probe = Settings(dict(settings.items()))
    errors: dict[str, str] = {}
    for key, value in values.items():
        try:
            probe.set(key, value)
        except SettingError as exc:
            errors[key] = problem_text(exc)
    if errors:
        return errors
    changes = [(key, settings.get(key), probe.get(key)) for key in values if probe.get(key) != settings.get(key)]
    if not changes:
        if done:
            done([], "")
        return {}
    for key, _old, new in changes:
        settings.set(key, new)
    ctx, actor = services.ctx, services.session.actor

    def write() -> None:
        ctx.save_settings()
        now = ctx.clock.now()
        for key, old, new in changes:
            ctx.ledger.audit(at=now, actor=actor, action="setting_changed",
                             detail={"key": key, "old": old, "new": new})

    events = services.events

    def written(_: Any) -> None:  # the events go out even if this screen was closed meanwhile
        for key, _old, _new in changes:
            events.settings_changed.emit(key)
        if done and shiboken6.isValid(screen):
            done([key for key, _o, _n in changes], "")

    def failed(exc: BaseException) -> None:
        for key, old, _new in changes:  # the file was not written: back to what it holds
            settings.set(key, old)
        if done and shiboken6.isValid(screen):
            done([], str(exc))

    services.background.run(write, written, failed)
    return {}


def say(label: QLabel, text: str, *, error: bool = False, ok: bool = False) -> None:
    """Show a message in red (error), green (ok) or plain."""
    label.setObjectName("error" if error else ("ok" if ok else ""))
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)


def setting_keys(prefix: str, *, exclude: tuple[str, ...] = ()) -> list[str]:
    return [key for key in SCHEMA if key.startswith(prefix) and key not in exclude]
