"""python -m device config: the effective settings and where each came from;
also writes a configuration file (the technician's provisioning uses this).

    python -m device config                       # effective values and their sources
    python -m device config --template            # a commented file with every default
    python -m device config --write FILE --set device.name=bed-12 --set kiosk.language=en
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from device.commands.common import load
from device.config import ConfigError, Value, load_config
from device.settings import BY_KEY, SETTINGS, Setting


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("config", help="print the effective settings and where each came from")
    parser.add_argument("--template", action="store_true", help="print a commented config.toml with every default")
    parser.add_argument("--write", type=Path, metavar="FILE", help="write FILE: its current values plus --set ones")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="with --write (repeatable)")
    parser.set_defaults(handler=run)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def render(explicit: dict[str, Value]) -> str:
    """The whole file: every setting with its help, set ones active, the rest commented defaults.
    A TOML table may be declared once, so the settings are grouped by section."""
    sections: dict[str, list[Setting]] = {}
    for setting in SETTINGS:
        sections.setdefault(setting.key.partition(".")[0], []).append(setting)
    lines: list[str] = []
    for index, (section, settings) in enumerate(sections.items()):
        lines += [""] if index else []
        lines.append(f"[{section}]")
        for setting in settings:
            name = setting.key.partition(".")[2]
            lines.append(f"# {setting.help}")
            if setting.key in explicit:
                lines.append(f"{name} = {_toml(explicit[setting.key])}")
            else:
                lines.append(f"# {name} = {_toml(setting.default)}")
    return "\n".join(lines) + "\n"


def write(path: Path, assignments: list[str]) -> None:
    current = load_config(path=path, env={}) if path.exists() else None
    explicit = {k: v for k, v in current.values.items() if current.sources[k] == "file"} if current else {}
    overrides: dict[str, object] = {}
    for assignment in assignments:
        key, sep, raw = assignment.partition("=")
        if not sep or key not in BY_KEY:
            raise ConfigError(f"--set '{assignment}': expected KEY=VALUE with a known key, e.g. device.name=bed-12")
        overrides[key] = raw
    checked = load_config(path=path if path.exists() else None, env={}, overrides=overrides)  # validates types
    explicit |= {key: checked[key] for key in overrides}
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render(explicit), encoding="utf-8")
    os.replace(temporary, path)  # a power cut leaves the old file or the new one


def run(args: argparse.Namespace) -> int:
    if args.template:
        print(render({}), end="")
        return 0
    if args.write is not None:
        write(args.write, args.set)
        print(f"wrote {args.write}")
        return 0
    if args.set:
        raise ConfigError("--set goes with --write FILE")
    config = load(args)
    print(f"# config file: {config.path or 'none (defaults and environment only)'}")
    width = max(len(s.key) for s in SETTINGS)
    for setting in SETTINGS:
        print(f"{setting.key:<{width}} = {_toml(config[setting.key]):<24} # {config.sources[setting.key]}")
    print(f"# data folder: {config.data_dir}")
    return 0
