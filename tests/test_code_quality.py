"""The code stays lint-clean, formatted and type-checked: these fail the suite."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


# (files, modules they must not import, why)
LAYERS = [
    ("device", ("ui", "model_export", "benchmarks", "tests"), "the device runs without the kiosk or the tooling"),
    (
        "device/practice",
        ("device.store", "device.web"),
        "practice depends on the Recorder protocol; store implements it",
    ),
    (
        "device/vision",
        ("device.practice", "device.store", "device.web"),
        "vision knows nothing of exercises or storage",
    ),
    ("ui/screens", ("ui.screens.",), "screens navigate by name through ui.app.SCREENS"),
    ("benchmarks", ("tests",), "benchmarks run without the test suite"),
]


@pytest.mark.parametrize(("folder", "forbidden", "why"), LAYERS, ids=[layer[0] for layer in LAYERS])
def test_layers_import_only_downwards(folder: str, forbidden: tuple[str, ...], why: str) -> None:
    offenders = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for module in imported_modules(path):
            if folder == "ui/screens" and module in {"ui.screens.base", own}:
                continue  # every screen builds on the base screen
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == [], why


def test_no_shell_script_fails_shellcheck() -> None:
    scripts = [
        ROOT / "setup.sh",
        ROOT / ".ci" / "run",
        *sorted((ROOT / "systemd").glob("*.sh")),
        *sorted((ROOT / "tools").glob("*.sh")),
    ]
    result = subprocess.run(["shellcheck", *map(str, scripts)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
