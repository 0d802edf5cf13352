"""Imports run only down the layers: the whole tree held to one order.

Every module of the project belongs to one unit (a top-level package, or a
subpackage or module of `device`), and every unit to one layer below. A
module may import from its own layer or any layer under it, never from one
above: so the device runs without the kiosk or the tooling, storage knows
nothing of the web, vision nothing of exercises. A new unit must be placed
here, or this test fails, so the order stays complete. It reads source with
`ast` (no imports run) and belongs to the fast loop.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import ROOT

# Top to bottom. Units on one line are one layer: they may import each other.
LAYERS: list[set[str]] = [
    {"tests"},
    {"benchmarks", "tools"},
    # The ward server reads the device's definitions (what counts as practice) and words.
    {"ui", "model_export", "ward"},
    {"device.__main__", "device.commands"},
    # Doctor checks every part, the dashboard's password included.
    {"device.doctor", "device.support_bundle"},
    {"device.web"},
    {"device.inventory", "device.provisioning"},
    # The ward link delivers the store's outbox.
    {"device.ward_link", "device.ward_plans"},
    {"device.store"},
    # The word catalogues name exercises and outcomes, and the practice
    # sentences are words: one layer.
    # The progress rules (better than last time, the trend sentences) are told in words.
    {"device.practice", "device.progress", "device.i18n", "device.korean"},
    {"device.pipeline"},
    {"device.expression"},
    {"device.vision"},
    {"device.camera"},
    {
        "device.logs",
        "device.service",
        "device.heartbeat",
        "device.timing",
        "device.passwords",
        "device.names",
    },
    {
        "device.config",
        "device.settings",
        "device.settings_typed",
        "device.settings_codegen",
        "device.clock",
        "device.ward_address",
    },
    {"device.errors", "device"},
]
OURS = ("device", "ui", "model_export", "ward", "benchmarks", "tools", "tests")


def unit_of(module: str) -> str:
    """`device.store.queries` -> `device.store`; `ui.screens.home` -> `ui`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "device" and len(parts) > 1 else parts[0]


def layer_of(unit: str) -> int:
    for depth, layer in enumerate(LAYERS):
        if unit in layer:
            return depth
    raise AssertionError(f"{unit} has no place in tests/test_layers.py's LAYERS: add it where it belongs")


def imports_of(path: Path) -> set[str]:
    """Every project module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {m for m in found if m.split(".")[0] in OURS}


def sources() -> list[Path]:
    return sorted(p for top in OURS for p in (ROOT / top).rglob("*.py"))


def test_every_import_runs_down_the_layers() -> None:
    upward = []
    for path in sources():
        own = unit_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for module in imports_of(path):
            if layer_of(unit_of(module)) < layer_of(own):
                upward.append(f"{path.relative_to(ROOT)} imports {module}")
    assert upward == []


def test_screens_import_neither_each_other_nor_the_app() -> None:
    """A screen says where to go next with an intent (ui/navigation.py) and
    sees the kiosk through its Host protocol; ui.app decides which screen
    an intent opens. Imports under TYPE_CHECKING count too."""
    crossing = []
    for path in sorted((ROOT / "ui" / "screens").glob("*.py")):
        own = f"ui.screens.{path.stem}"
        for module in imports_of(path):
            if module == "ui.app" or (module.startswith("ui.screens.") and module not in {own, "ui.screens.base"}):
                crossing.append(f"{path.name} imports {module}")
    assert crossing == []


def test_the_architecture_page_lists_these_layers() -> None:
    """docs/architecture.md's numbered list under "Layers" names the same
    units on the same lines, so the page a newcomer reads is this order."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    units = set().union(*LAYERS)
    listed = [
        {name for name in re.findall(r"`([\w.]+)`", line) if name in units}
        for line in re.findall(r"^\d+\. (.*)$", section, re.MULTILINE)
    ]
    assert listed == LAYERS, "docs/architecture.md's Layers list differs from LAYERS here: change both"


def test_the_layer_check_sees_an_upward_import() -> None:
    """The check itself works: storage importing the dashboard is upward."""
    assert layer_of(unit_of("device.web.pages")) < layer_of(unit_of("device.store.queries"))
    assert layer_of(unit_of("device.store")) < layer_of(unit_of("device.vision.geometry"))
