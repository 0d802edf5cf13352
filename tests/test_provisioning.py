"""The provisioning file as technicians write it on any computer: every
editor habit is read right, and anything unreadable stops with one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.provisioning import ProvisioningError, forget_password, parse, read
from tests.helpers import run_device

GOOD = {
    "DEVICE_NAME": "kiosk-bed-12",
    "LANGUAGE": "ko",
    "TIMEZONE": "Asia/Seoul",
    "DASHBOARD_PASSWORD": "blue heron 42",
}


@pytest.mark.parametrize(
    "text",
    [
        "DEVICE_NAME=kiosk-bed-12\nLANGUAGE=ko\nTIMEZONE=Asia/Seoul\nDASHBOARD_PASSWORD=blue heron 42\n",
        # Windows line endings
        "DEVICE_NAME=kiosk-bed-12\r\nLANGUAGE=ko\r\nTIMEZONE=Asia/Seoul\r\nDASHBOARD_PASSWORD=blue heron 42\r\n",
        # no newline after the last line: the password is not lost
        "DEVICE_NAME=kiosk-bed-12\nLANGUAGE=ko\nTIMEZONE=Asia/Seoul\nDASHBOARD_PASSWORD=blue heron 42",
        # quotes, spaces around '=', comments, blank lines, export
        "# bed 12\n\nDEVICE_NAME = \"kiosk-bed-12\"\nexport LANGUAGE='ko'\n  TIMEZONE= Asia/Seoul  \n"
        'DASHBOARD_PASSWORD="blue heron 42"\n',
        # a byte-order mark (Notepad's UTF-8)
        "\ufeffDEVICE_NAME=kiosk-bed-12\nLANGUAGE=ko\nTIMEZONE=Asia/Seoul\nDASHBOARD_PASSWORD=blue heron 42\n",
    ],
    ids=["plain", "crlf", "no-final-newline", "quotes-and-spaces", "byte-order-mark"],
)
def test_every_editor_habit_is_read_right(text: str) -> None:
    assert parse(text).values == GOOD


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DEVICE_NAME kiosk\n", "line 1: expected KEY=VALUE"),
        ("LANGUAGE=ko\nWIFI=home\n", "line 2: unknown key 'WIFI'"),
        ("LANGUAGE=ko\nLANGUAGE=en\n", "line 2: LANGUAGE is set twice"),
        ('DEVICE_NAME="kiosk\n', "line 1: the quote is not closed"),
        ("DEVICE_NAME=Bed 12\n", "DEVICE_NAME 'Bed 12' must be 1-63 lower-case letters"),
        ("LANGUAGE=kr\n", "LANGUAGE must be ko or en"),
        ("TIMEZONE=Seoul\n", "TIMEZONE 'Seoul' is not a time zone"),
        ("DASHBOARD_PASSWORD=        \n", "DASHBOARD_PASSWORD: the password needs at least 8"),
    ],
)
def test_a_line_that_cannot_be_read_for_sure_is_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(ProvisioningError, match=message):
        parse(text)


def test_the_password_is_removed_from_the_file_once_used(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.txt"
    path.write_bytes(b"DEVICE_NAME=kiosk-bed-12\r\nDASHBOARD_PASSWORD=blue heron 42\r\nLANGUAGE=ko")
    assert forget_password(path)
    assert read(path).values == {"DEVICE_NAME": "kiosk-bed-12", "LANGUAGE": "ko"}
    assert b"heron" not in path.read_bytes()
    assert not forget_password(path)  # nothing left to remove


@pytest.mark.slow
def test_the_command_is_one_line_for_a_bad_file_and_quotes_for_the_shell(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("DEVICE_NAME=kiosk\nWIFI_PASSWORD=x\n", encoding="utf-8")
    result = run_device("provision", str(bad))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "line 2: unknown key 'WIFI_PASSWORD'" in line
    good = tmp_path / "good.txt"
    good.write_text('DEVICE_NAME=kiosk-bed-12\nDASHBOARD_PASSWORD=it\'s a "long" one $HOME\n', encoding="utf-8")
    shell = run_device("provision", "--shell", str(good))
    assert shell.returncode == 0, shell.stderr
    import subprocess

    echoed = subprocess.run(
        ["bash", "-c", 'eval "$1"; printf "%s" "$DASHBOARD_PASSWORD"', "_", shell.stdout],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert echoed == 'it\'s a "long" one $HOME'  # exactly as written: no expansion, no quotes kept
    shown = run_device("provision", str(good))
    assert "set (" in shown.stdout
    assert "long" not in shown.stdout  # the password is never printed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A comment after a value is a comment, not part of the password.
        ("DASHBOARD_PASSWORD=secret-pass # for the caregiver\n", {"DASHBOARD_PASSWORD": "secret-pass"}),
        ('LANGUAGE="ko" # Korean\n', {"LANGUAGE": "ko"}),
        ("TIMEZONE='Asia/Seoul'   #ward 3\n", {"TIMEZONE": "Asia/Seoul"}),
        # Inside quotes, or without a space before it, # is part of the value.
        ('DASHBOARD_PASSWORD="blue # heron 42"\n', {"DASHBOARD_PASSWORD": "blue # heron 42"}),
        ("DASHBOARD_PASSWORD=blue#heron42\n", {"DASHBOARD_PASSWORD": "blue#heron42"}),
        # A tab is whitespace, not a hidden character.
        ("DEVICE_NAME=\tkiosk-bed-12\t# tabbed\n", {"DEVICE_NAME": "kiosk-bed-12"}),
    ],
)
def test_inline_comments_are_comments(text: str, expected: dict[str, str]) -> None:
    assert parse(text).values == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LANGUAGE=ko\nDASHBOARD_PASSWORD=blue heron\u007f42\n", r"line 2: a hidden character U\+007F"),
        ("LANGUAGE=ko\u0085TIMEZONE=Asia/Seoul\n", r"line 1: a hidden character U\+0085"),
        ("LANGUAGE=ko\u2028TIMEZONE=Asia/Seoul\n", r"line 1: a hidden character U\+2028 \(line separator\)"),
        ("LANGUAGE=ko\n\fTIMEZONE=Asia/Seoul\n", r"line 2: a hidden character U\+000C"),
        ("DASHBOARD_PASSWORD=\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\n", r"U\+200B \(zero width space\)"),
        ("DEVICE_NAME=kiosk-bed-12\nDASHBOARD_PASSWORD=abc\u202edef ghijk\n", r"line 2: .*U\+202E"),
        ("LANGUAGE=ko\u0090\n", r"line 1: a hidden character U\+0090 \(a control character\) at column 12"),
        ("DEVICE_NAME=localhost\n", "every machine's name for itself"),
        ('LANGUAGE="ko" en\n', "after the closing quote"),
    ],
    ids=["del", "next-line", "line-separator", "form-feed", "zero-width", "bidi", "c1", "localhost", "after-quote"],
)
def test_hidden_characters_and_reserved_names_are_refused_by_line(text: str, message: str) -> None:
    with pytest.raises(ProvisioningError, match=message):
        parse(text)


@pytest.mark.slow
def test_an_empty_file_says_it_sets_nothing(tmp_path: Path) -> None:
    for text in ("", "# only a comment\n\n"):
        empty = tmp_path / "kiosk.env"
        empty.write_text(text, encoding="utf-8")
        result = run_device("provision", str(empty))
        assert result.returncode == 0
        assert "sets nothing" in result.stderr
        assert "fine" not in result.stderr
