"""``kiosk print-test``, ``kiosk receipt``, ``kiosk report`` and the printer settings, the commands called in
this process against a real network printer stand-in."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from escpos_standin import PrinterStandIn
from PIL import Image

from support import CliResult

PREVIEW_COPY = Path("/tmp/kiosk-receipt-preview.png")  # kept for a person to look at


@pytest.fixture
def kiosk(kiosk_cli: Callable[..., CliResult], public_pem: Path) -> Callable[..., CliResult]:
    result = kiosk_cli("init", "--store", "S1", "--terminal", "T1", "--trust-key", public_pem,
                       "--store-name", "Golden Dragon Noodles 金龙面馆", "--timezone", "Asia/Shanghai")
    assert result.returncode == 0, result.stderr
    for key, value in [("terminal.store_address", "88 Nanjing Road West, Jing'an, Shanghai"),
                       ("platform.url", "https://platform.example.com")]:
        assert kiosk_cli("config", "set", key, value).returncode == 0
    return kiosk_cli


def _redeem(kiosk: Callable[..., CliResult], code: str) -> str:
    result = kiosk("redeem", code, "--offline", "--cashier", "amy")
    assert result.returncode == 0, result.stderr
    return str(result.json()["redemption_id"])


def test_receipt_png_preview_and_text(kiosk: Callable[..., CliResult], make_code: Callable[..., str],
                                      tmp_path: Path) -> None:
    rid = _redeem(kiosk, make_code(sku="双人套餐 Set meal for two"))
    png = tmp_path / "receipt.png"
    result = kiosk("receipt", rid[:8], "--png", png)  # the short id printed on the receipt works
    assert result.returncode == 0, result.stderr
    out = result.json()
    assert out["redemption_id"] == rid and (out["paid"], out["list_price"], out["saving"]) == ("88.00", "128.00",
                                                                                             "40.00")
    assert out["mode"] == "OFFLINE — pending upload"
    image = Image.open(png)
    assert image.format == "PNG" and image.width == 576 + 2 * 24 + 48 and image.height > 900
    shutil.copy(png, PREVIEW_COPY)

    lines = kiosk("receipt", rid).json()["lines"]
    assert any(line.endswith("88.00") and "Paid online" in line for line in lines)
    assert any("https://platform.example.com/feedback/" + rid in line for line in lines)


def test_receipt_for_an_unknown_id_says_so(kiosk: Callable[..., CliResult]) -> None:
    result = kiosk("receipt", "deadbeef")
    assert result.returncode == 2 and "no redemption 'deadbeef'" in result.stderr


def test_printer_settings_are_validated_in_plain_words(kiosk: Callable[..., CliResult]) -> None:
    bad = kiosk("config", "set", "printer.width_mm", "70")
    assert bad.returncode == 2 and "choose 58 or 80" in bad.stderr
    bad = kiosk("config", "set", "printer.type", "bluetooth")
    assert bad.returncode == 2 and "none, file, network, usb, serial, cups" in bad.stderr
    assert kiosk("config", "set", "printer.usb_vendor", "4b8").json() == {"printer.usb_vendor": "0x04b8"}
    assert kiosk("config", "get", "printer.port").json() == {"printer.port": 9100}


def test_print_test_reprint_and_reports_on_the_network_printer(
    kiosk: Callable[..., CliResult], make_code: Callable[..., str], standin: PrinterStandIn, tmp_path: Path
) -> None:
    for key, value in [("printer.type", "network"), ("printer.host", "127.0.0.1"),
                       ("printer.port", str(standin.port)), ("printer.width_mm", "58")]:
        assert kiosk("config", "set", key, value).returncode == 0
    result = kiosk("print-test")
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.json()["printed"] is True and result.json()["status"] == "ready"
    [test_page] = standin.wait_for_prints(1)
    assert "PRINTER TEST" in test_page.text and "12345678901234567890123456789012" in test_page.text

    rid = _redeem(kiosk, make_code())
    reprint = kiosk("receipt", rid, "--reprint", "--cashier", "amy")
    assert reprint.returncode == 0 and reprint.json()["printed"] is True
    papers = standin.wait_for_prints(2)
    assert papers[1].lines[0].strip().startswith("REPRINT") and "40.00" in papers[1].text

    x = kiosk("report", "x", "--print")
    assert x.returncode == 0 and x.json()["redemptions"] == 1
    z = kiosk("report", "z", "--print")
    assert z.returncode == 0 and z.json()["number"] == 1
    again = kiosk("report", "z")
    assert again.returncode == 1 and again.json()["existing"] == 1 and "already closed" in again.json()["refused"]
    copy = kiosk("report", "z", "--copy", "--print")
    assert copy.returncode == 0
    papers = standin.wait_for_prints(5)
    assert [p.lines[0].strip() for p in papers[2:5]] == ["X REPORT", "Z REPORT No. 1",
                                                         "COPY of Z No. 1"]

    standin.state = "paper_out"
    stuck = kiosk("print-test", "--wait", "1")
    assert stuck.returncode == 1 and "out of paper" in stuck.json()["message"]
    standin.unplug()
    gone = kiosk("print-test", "--wait", "1")
    assert gone.returncode == 1 and "Cannot reach" in gone.json()["message"]
    assert json.loads(gone.stdout.splitlines()[-1])["status"] == "unreachable"
