"""The platform's OpenAPI document fuzzed with schemathesis against a live ``o2o-platform serve``.

No 500s, answers that match the document (status codes, content types, schemas). Bounded here;
``RELIABILITY_FULL=1`` runs the bigger form documented in docs/reliability.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

FULL = os.environ.get("RELIABILITY_FULL") == "1"
MAX_EXAMPLES = 200 if FULL else 10
MAX_TIME_S = 300 if FULL else 60
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")


@pytest.mark.timeout(MAX_TIME_S * 2 + 120)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(platform, tmp_path: Path) -> None:
    enrolled = httpx.post(f"{platform.url}/api/v1/enroll", timeout=10,
                          json={"enrollment_code": platform.enrollment_code("S1", "FUZZ")})
    token = enrolled.json()["terminal_token"]
    st = Path(sys.executable).with_name("st")
    args = [str(st), "run", f"{platform.url}/openapi.json", "--header", f"Authorization: Bearer {token}",
            "--checks", CHECKS, "--max-examples", str(MAX_EXAMPLES),
            *(["--max-time", str(MAX_TIME_S)] if FULL else []),  # a time budget makes fuzzing use all of it
            "--seed", os.environ.get("RELIABILITY_SEED", "20261123"), "--workers", "1",
            "--phases", "examples,coverage,fuzzing", "--generation-database", "none", "--no-color",
            "--request-timeout", "10"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=MAX_TIME_S * 3 + 60, cwd=tmp_path)
    summary = [line for line in done.stdout.splitlines() if line.strip()][-12:]
    print("\n".join(summary))
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    # The run really generated and sent cases, and the server is still up and sane afterwards.
    tried = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert tried is not None, done.stdout[-2000:]
    generated, passed = int(tried.group(1)), int(tried.group(2))
    print(f"schemathesis: {generated} cases generated, {passed} passed")
    assert generated == passed and generated >= 13 * MAX_EXAMPLES
    assert httpx.get(f"{platform.url}/api/v1/health", timeout=5).json()["ok"] is True
    log = (platform.workdir / "platform.log").read_text()
    assert "Traceback" not in log and "unhandled error" not in log, log[-3000:]
