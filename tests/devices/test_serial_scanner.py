"""Serial scanners over socat pseudo-terminal pairs: the port really configured (termios), each code
once whatever the line ending, two scanners at once, and a scanner pulled out and plugged back in."""

from __future__ import annotations

import os
import queue
import termios
from pathlib import Path

import pytest
from devices_support import SocatScanner, wait_until

from hardware.serial_scanner import DISCONNECTED, READY, LineSplitter, ScannerPort, SerialScanner


@pytest.fixture
def scanners(tmp_path: Path):
    made: list[SocatScanner] = []

    def make(name: str) -> SocatScanner:
        scanner = SocatScanner(tmp_path / "tty", name)
        scanner.plug()
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.close()


def test_line_endings_split_where_the_scanner_ends_its_codes() -> None:
    auto = LineSplitter("auto")
    # a CRLF cut in two by the reads: the code ends at the CR, the lone LF is no second code
    assert [auto.feed(b"A1\r"), auto.feed(b"\nB2\n"), auto.feed(b"C3\r\nD"), auto.feed(b"4\r")] == \
        [["A1"], ["B2"], ["C3"], ["D4"]]
    crlf = LineSplitter("crlf")
    assert [crlf.feed(b"A1\r"), crlf.feed(b"\nB2\r\n")] == [[], ["A1", "B2"]]
    cr = LineSplitter("cr")
    assert cr.feed(b"\x02A1\x03\r\nB2\r") == ["A1", "B2"]  # prefix/suffix bytes and the LF are not code


def test_the_port_is_configured_and_each_code_arrives_once(scanners) -> None:
    pair = scanners("scanner0")
    codes: queue.Queue[tuple[str, str]] = queue.Queue()
    states: list[str] = []
    reader = SerialScanner(ScannerPort(str(pair.near), 19200, "auto"), lambda code, port: codes.put((code, port)),
                           lambda _port, state, _detail: states.append(state), retry_s=0.1)
    reader.start()
    try:
        wait_until(lambda: reader.state == READY, what="the scanner port")
        # what the kiosk set on the port, read back from the terminal itself
        fd = os.open(pair.near, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            iflag, _oflag, cflag, lflag, ispeed, ospeed, _cc = termios.tcgetattr(fd)
        finally:
            os.close(fd)
        assert (ispeed, ospeed) == (termios.B19200, termios.B19200)
        assert cflag & termios.CSIZE == termios.CS8 and not cflag & termios.PARENB and not cflag & termios.CSTOPB
        assert not lflag & (termios.ICANON | termios.ECHO) and not iflag & termios.ICRNL  # raw: bytes as sent

        for data in (b"VOUCHER-CR\r", b"VOUCHER-LF\n", b"VOUCHER-CRLF\r\n"):
            pair.type_code(data)
        got = [codes.get(timeout=5) for _ in range(3)]
        assert got == [("VOUCHER-CR", str(pair.near)), ("VOUCHER-LF", str(pair.near)),
                       ("VOUCHER-CRLF", str(pair.near))]
        pair.type_code(b"LAST\r\n")
        assert codes.get(timeout=5) == ("LAST", str(pair.near))
        assert codes.empty()  # no empty code from the CRLFs, nothing twice
    finally:
        reader.stop()
    assert states[:1] == [READY] and states[-1] == "stopped"


def test_a_scanner_pulled_out_and_plugged_back_in_reads_again(scanners) -> None:
    pair = scanners("scanner1")
    codes: queue.Queue[str] = queue.Queue()
    states: list[str] = []
    reader = SerialScanner(ScannerPort(str(pair.near), 9600, "cr"), lambda code, _port: codes.put(code),
                           lambda _port, state, _detail: states.append(state), retry_s=0.1)
    reader.start()
    try:
        wait_until(lambda: reader.state == READY, what="the scanner port")
        pair.type_code(b"BEFORE\r")
        assert codes.get(timeout=5) == "BEFORE"
        pair.unplug()
        wait_until(lambda: reader.state == DISCONNECTED, what="the unplug")
        pair.plug()  # a fresh pseudo-terminal at the same path, as udev makes the tty again
        wait_until(lambda: reader.state == READY, what="the replug")
        pair.type_code(b"AFTER\r")
        assert codes.get(timeout=5) == "AFTER"
        assert codes.empty()
    finally:
        reader.stop()
    assert states[:4] == [READY, DISCONNECTED, READY, "stopped"]


def test_the_scanner_setting_takes_ports_from_the_command_line_and_keeps_them_in_the_file(tmp_path) -> None:
    import tomllib

    from support import run_kiosk_in_process

    data = tmp_path / "kiosk"
    set_ports = run_kiosk_in_process("--data-dir", data, "config", "set", "scanner.serial_ports",
                                     "/dev/ttyACM0, /dev/serial/by-id/usb-Honeywell_1900-if00")
    assert set_ports.returncode == 0, set_ports.stderr
    saved = tomllib.loads((data / "config.toml").read_text(encoding="utf-8"))["scanner"]["serial_ports"]
    assert saved == [{"port": "/dev/ttyACM0", "baud": 9600, "line_end": "auto"},
                     {"port": "/dev/serial/by-id/usb-Honeywell_1900-if00", "baud": 9600, "line_end": "auto"}]
    twice = run_kiosk_in_process("--data-dir", data, "config", "set", "scanner.serial_ports", "/dev/a, /dev/a")
    assert twice.returncode == 2 and "a port is listed twice" in twice.stderr

    from kiosk.settings import SettingError, Settings

    settings = Settings()
    settings.set("scanner.serial_ports", [{"port": "COM3", "baud": "19200", "line_end": "crlf"}])
    assert settings.get("scanner.serial_ports") == [{"port": "COM3", "baud": 19200, "line_end": "crlf"}]
    for bad, words in (([{"port": "COM3", "baud": 12345}], "choose one of: 1200"),
                       ([{"port": "COM3", "line_end": "tab"}], "choose one of: auto, cr, lf, crlf"),
                       ([{"port": "COM3", "parity": "even"}], "not parity")):
        with pytest.raises(SettingError, match=words):
            settings.set("scanner.serial_ports", bad)
    assert settings.get("scanner.serial_ports")[0]["port"] == "COM3"  # a bad value changed nothing
