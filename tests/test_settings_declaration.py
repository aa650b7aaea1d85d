"""The settings are declared once (kiosk.settings_schema): the typed view, the checks, the choices,
the printer connection of a field, who may change it and the printer adapter's defaults all come
from that one declaration."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hardware.printing.config import PrinterConfig
from kiosk.roles import Role
from kiosk.settings import SCHEMA, SettingError, Settings
from kiosk.settings_schema import PRINTER_TYPES, TypedSettings, transport_of

GOOD_VALUES = {
    "terminal.store_id": "S-1", "terminal.timezone": "Asia/Shanghai", "terminal.language": "zh_CN",
    "platform.url": "https://platform.example.com/", "platform.timeout_s": "2", "platform.verify_tls": "no",
    "platform.sync_interval_s": "60", "lan.peers": "http://192.168.1.21:8470", "lan.budget_ms": "500",
    "offline.max_hours_since_sync": 12, "offline.max_value_per_redemption_minor": "1000",
    "camera.source": "device:2", "camera.duplicate_window_s": 1, "camera.decoder": "zbar",
    "scanner.serial_ports": "/dev/ttyACM0, /dev/ttyACM1",
    "printer.type": "serial", "printer.baudrate": "19200", "printer.width_mm": "58mm", "printer.usb_vendor": "4b8",
}


def _typed_value(settings: Settings, key: str) -> object:
    section, name = key.split(".", 1)
    return getattr(getattr(settings.typed, section), name)


def test_the_typed_view_holds_exactly_what_the_string_lookups_return() -> None:
    settings = Settings()
    for key in SCHEMA:
        assert _typed_value(settings, key) == settings.get(key) == SCHEMA[key].default, key
    for key, value in GOOD_VALUES.items():
        settings.set(key, value)
    for key in SCHEMA:
        value = settings.get(key)
        assert _typed_value(settings, key) == value, key
        assert type(_typed_value(settings, key)) is type(value), key
    assert settings.typed.printer.baudrate == 19200 and settings.typed.printer.width_mm == 58
    assert settings.typed.scanner.serial_ports[1] == {"port": "/dev/ttyACM1", "baud": 9600, "line_end": "auto"}


def test_the_typed_view_follows_each_change_and_cannot_be_changed_itself() -> None:
    settings = Settings()
    before = settings.typed
    assert settings.typed is before  # built once while nothing changes
    settings.set("printer.port", "9101")
    assert settings.typed.printer.port == 9101 and before.printer.port == 9100
    with pytest.raises(ValidationError):
        settings.typed.printer.port = 1  # type: ignore[misc]


def test_the_declared_types_agree_with_what_each_check_returns() -> None:
    """The typed view is validated strictly: a check returning another type than its field's fails here."""
    settings = Settings(GOOD_VALUES)
    assert TypedSettings.model_validate(settings.to_nested(), strict=True) == settings.typed
    assert TypedSettings() == Settings().typed
    with pytest.raises(ValidationError):
        TypedSettings.model_validate({"printer": {"port": "9100"}}, strict=True)


def test_every_setting_is_declared_with_a_label_help_and_check() -> None:
    assert len(SCHEMA) == 42
    for key, spec in SCHEMA.items():
        assert spec.key == key and spec.label and spec.help, key
        assert spec.check(spec.default) == spec.default, key  # the default passes its own check


@pytest.mark.parametrize("key", [key for key, spec in SCHEMA.items() if spec.choices and key != "printer.width_mm"])
def test_a_choice_setting_takes_its_declared_choices_and_names_them_otherwise(key: str) -> None:
    spec = SCHEMA[key]
    assert spec.choice_texts is not None
    settings = Settings()
    for text in spec.choice_texts:
        settings.set(key, text)
        assert str(settings.get(key)) == text
    with pytest.raises(SettingError) as refused:
        Settings().set(key, "not-a-choice")
    assert str(refused.value) == f"{key}: choose one of: {', '.join(spec.choice_texts)}"


def test_the_paper_width_offers_its_two_widths_and_keeps_its_own_words() -> None:
    assert SCHEMA["printer.width_mm"].choice_texts == ["58", "80"]
    with pytest.raises(SettingError, match="choose 58 or 80"):
        Settings().set("printer.width_mm", "70")


def test_yes_no_and_free_settings_offer_no_choices() -> None:
    assert SCHEMA["platform.verify_tls"].type is bool and SCHEMA["platform.verify_tls"].choices is None
    assert SCHEMA["printer.host"].choices is None and SCHEMA["camera.source"].choices is None


def test_each_printer_field_belongs_to_the_connection_its_help_names() -> None:
    """The declared connection agrees with the help line people read ("serial printer: ...")."""
    assert PRINTER_TYPES == ("none", "file", "network", "usb", "serial", "cups")
    for key, spec in SCHEMA.items():
        named = next((kind for kind in PRINTER_TYPES if spec.help.lower().startswith(f"{kind} printer:")), None)
        assert transport_of(key) == named, key
    assert transport_of("printer.baudrate") == "serial" and transport_of("printer.width_mm") is None


def test_a_managers_pin_changes_the_offline_limits_and_a_technicians_the_rest() -> None:
    for key, spec in SCHEMA.items():
        assert spec.changed_by is (Role.MANAGER if key.startswith("offline.") else Role.TECHNICIAN), key


def test_the_printer_adapter_takes_its_defaults_from_the_declaration(tmp_path: Path) -> None:
    config = PrinterConfig()
    for key, spec in SCHEMA.items():
        if key.startswith("printer."):
            assert getattr(config, key.removeprefix("printer.")) == spec.default, key
    settings = Settings({"printer.type": "network", "printer.host": "192.168.1.50", "printer.port": "9101"})
    loaded = PrinterConfig.from_settings(settings, tmp_path)
    assert (loaded.type, loaded.host, loaded.port, loaded.data_dir) == ("network", "192.168.1.50", 9101, tmp_path)
    assert loaded.describe() == "network printer 192.168.1.50:9101"
