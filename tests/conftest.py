"""Named fixtures shared by every test module.

Tests that need ``../shared`` (beside the checkout) must run in CI: when
CI=true and it is missing, they fail instead of skipping.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"../shared is missing beside the checkout ({SHARED}); CI needs it")
        pytest.skip("../shared not present")
    return SHARED


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return ROOT / "examples" / "reports"


@pytest.fixture(scope="session")
def report_schema(shared_dir):
    import json
    return json.loads((shared_dir / "contract" / "report.schema.json").read_text())
