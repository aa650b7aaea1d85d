"""kiosk/ is pure domain code: importing it loads no adapter library (Qt, OpenCV, decoders, ESC/POS, SQL, HTTP)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from support import REPO, subprocess_env

FORBIDDEN = ("PySide6", "cv2", "pyzbar", "zxingcpp", "escpos", "sqlalchemy", "httpx", "fastapi", "uvicorn", "numpy")


def test_importing_every_kiosk_module_loads_no_adapter_library() -> None:
    modules = sorted(f"kiosk.{p.stem}" for p in (REPO / "kiosk").glob("*.py") if p.stem != "__init__")
    assert "kiosk.redemption" in modules and "kiosk.codes" in modules
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=subprocess_env(),
                         cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", f"kiosk/ pulled in adapter libraries: {out.stdout}"


def test_kiosk_sources_name_no_adapter_library() -> None:
    offenders = []
    for path in (REPO / "kiosk").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{Path(path).name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_the_wire_package_loads_pydantic_and_nothing_of_either_side() -> None:
    """wire/ is shared by the platform and the kiosk's client: no web framework, database or HTTP
    library, and neither side's own code."""
    modules = sorted(f"wire.{p.stem}" for p in (REPO / "wire").glob("*.py") if p.stem != "__init__")
    assert "wire.platform" in modules
    sides = ("kiosk", "offline_queue", "platform_link", "o2o_platform", "ui", "hardware", "store_lan")
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN + sides!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=subprocess_env(),
                         cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", f"wire/ pulled in: {out.stdout}"
    loaded = subprocess.run([sys.executable, "-c", "import json, sys, wire.platform\n"
                             "print('pydantic' in sys.modules)"], capture_output=True, text=True,
                            env=subprocess_env(), cwd=REPO, check=True)
    assert loaded.stdout.strip() == "True"  # the walk above really imported the models


# What the platform's redemption decisions may take from the kiosk: the one set of voucher rules
# and the pure types those rules speak in (codes, reasons), never the kiosk's own decision or policy.
PLATFORM_MAY_USE = {"kiosk.voucher_rules", "kiosk.codes", "kiosk.reasons"}


def test_the_platform_judges_by_the_kiosk_rules_module_only() -> None:
    used: dict[str, set[str]] = {}
    for path in sorted((REPO / "o2o_platform" / "redeeming").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kiosk":
                used.setdefault(node.module, set()).add(path.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "kiosk":
                        used.setdefault(alias.name, set()).add(path.name)
    assert "kiosk.voucher_rules" in used, "the platform's decisions no longer call the shared rules"
    assert set(used) <= PLATFORM_MAY_USE, {m: files for m, files in used.items() if m not in PLATFORM_MAY_USE}
