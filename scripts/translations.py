"""Build ui/translations/kiosk_zh_CN.ts from the *_zh.py dictionaries and compile the .qm.

    .venv/bin/python scripts/translations.py          # rebuild both files
    .venv/bin/python scripts/translations.py --check  # exit 1 if the committed files are stale
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "ui" / "translations"


def merged() -> dict[str, str]:
    table: dict[str, str] = {}
    for module_path in sorted(OUT.glob("*_zh.py")):
        module = importlib.import_module(f"ui.translations.{module_path.stem}")
        for source, target in module.ZH_CN.items():
            if table.get(source, target) != target:
                raise SystemExit(f"{source!r} is translated two ways ({table[source]!r}, {target!r})")
            table[source] = target
    return table


def ts_text(table: dict[str, str]) -> str:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>", '<TS version="2.1" language="zh_CN">',
             "<context>", "    <name>kiosk</name>"]
    for source in sorted(table):
        lines += ["    <message>", f"        <source>{escape(source)}</source>",
                  f"        <translation>{escape(table[source])}</translation>", "    </message>"]
    lines += ["</context>", "</TS>", ""]
    return "\n".join(lines)


def lrelease(ts: Path, qm: Path) -> None:
    tool = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(tool), "-silent", str(ts), "-qm", str(qm)], check=True)


def main() -> int:
    text = ts_text(merged())
    ts, qm = OUT / "kiosk_zh_CN.ts", OUT / "kiosk_zh_CN.qm"
    if "--check" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            fresh_ts, fresh_qm = Path(tmp) / "k.ts", Path(tmp) / "k.qm"
            fresh_ts.write_text(text, encoding="utf-8")
            lrelease(fresh_ts, fresh_qm)
            stale = not ts.exists() or ts.read_text(encoding="utf-8") != text or not qm.exists() \
                or qm.read_bytes() != fresh_qm.read_bytes()
        if stale:
            print("ui/translations is stale: run .venv/bin/python scripts/translations.py", file=sys.stderr)
            return 1
        return 0
    ts.write_text(text, encoding="utf-8")
    lrelease(ts, qm)
    print(f"{len(merged())} strings → {qm.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
