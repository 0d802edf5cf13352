"""The code stays lint-clean, formatted and type-checked: these fail the suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # ruff and mypy over the whole tree: see the README's fast loop


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_shell_script_fails_shellcheck() -> None:
    scripts = [
        ROOT / "setup.sh",
        ROOT / ".ci" / "run",
        *sorted((ROOT / "systemd").glob("*.sh")),
        *sorted((ROOT / "tools").glob("*.sh")),
    ]
    result = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
