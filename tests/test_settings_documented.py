"""Every setting is explained, in the table and in docs/configuration.md."""

from __future__ import annotations

import re

from device.settings import SETTINGS
from tests.helpers import ROOT


def test_every_setting_has_help_text() -> None:
    for setting in SETTINGS:
        assert len(setting.help.split()) >= 4, f"{setting.key} needs help text"
        assert isinstance(setting.default, setting.type), f"{setting.key}: default is not a {setting.type}"


def test_every_setting_is_in_the_configuration_guide() -> None:
    readme = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", readme, flags=re.MULTILINE))
    keys = {s.key for s in SETTINGS}
    assert keys - documented == set(), "settings missing from docs/configuration.md's table"
    assert documented - keys == set(), "docs/configuration.md documents settings that do not exist"


def test_every_environment_override_is_in_the_configuration_guide() -> None:
    readme = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        if setting.env:
            assert setting.env in readme, f"{setting.env} is not documented"
