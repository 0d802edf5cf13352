"""python -m device config: the effective settings and where each came from."""

from __future__ import annotations

import argparse
from typing import Any

from device.commands.common import load
from device.settings import SETTINGS, Setting


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("config", help="print the effective settings and where each came from")
    parser.add_argument("--template", action="store_true", help="print a commented config.toml with every default")
    parser.set_defaults(handler=run)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def run(args: argparse.Namespace) -> int:
    if args.template:
        # A TOML table may be declared once: group the settings by section.
        sections: dict[str, list[Setting]] = {}
        for setting in SETTINGS:
            sections.setdefault(setting.key.partition(".")[0], []).append(setting)
        for index, (section, settings) in enumerate(sections.items()):
            print(f"{chr(10) if index else ''}[{section}]")
            for setting in settings:
                print(f"# {setting.help}")
                print(f"# {setting.key.partition('.')[2]} = {_toml(setting.default)}")
        return 0
    config = load(args)
    print(f"# config file: {config.path or 'none (defaults and environment only)'}")
    width = max(len(s.key) for s in SETTINGS)
    for setting in SETTINGS:
        print(f"{setting.key:<{width}} = {_toml(config[setting.key]):<24} # {config.sources[setting.key]}")
    print(f"# data folder: {config.data_dir}")
    return 0
