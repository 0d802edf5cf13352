"""A throwaway root for what runs as root on a device (install, first boot,
update): the real scripts run in it, as root, and can never reach the
machine the tests run on.

The root is a folder holding a copy of /etc, an empty /var/lib, a
/boot/firmware, the checkout at /opt/expression-kiosk, and read-only views of
/usr and of the Python the checkout's .venv was made with. Each command runs
in new mount, UTS, IPC, network and PID namespaces, chrooted into that
folder, so every path it writes is the copy's. Only what talks to the init
system (systemctl, hostnamectl, timedatectl) is a stub: each records its
arguments in /stub-calls.log and does to the root's files what the real one
would (hostnamectl writes /etc/hostname, timedatectl the /etc/localtime link).

Mount namespaces need root (CI runs the suite as root); elsewhere the tests
that need one say so and are skipped.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

INSIDE_CHECKOUT = "/opt/expression-kiosk"

STUBS = {
    "systemctl": r"""#!/bin/sh
echo "systemctl $*" >> /stub-calls.log
case "$1" in
  get-default) cat /stub-default-target 2>/dev/null || echo multi-user.target ;;
  set-default) echo "$2" > /stub-default-target ;;
  is-active) exit 3 ;;
esac
exit 0
""",
    "hostnamectl": r"""#!/bin/sh
echo "hostnamectl $*" >> /stub-calls.log
[ "$1" = set-hostname ] && printf '%s\n' "$2" > /etc/hostname
exit 0
""",
    "timedatectl": r"""#!/bin/sh
echo "timedatectl $*" >> /stub-calls.log
if [ "$1" = set-timezone ]; then
  [ -f "/usr/share/zoneinfo/$2" ] || { echo "Failed to set time zone: Invalid or unknown time zone" >&2; exit 1; }
  ln -sfn "/usr/share/zoneinfo/$2" /etc/localtime
fi
exit 0
""",
}

# Made inside the namespaces before chrooting: nothing here is mounted on
# the machine's own tree, only on folders inside the throwaway root.
ENTER = r"""
set -eu
R=$1; shift
ro_bind() { mkdir -p "$R$2"; mount --rbind "$1" "$R$2"; mount -o remount,bind,ro "$R$2"; }
ro_bind /usr /usr
if [ -n "$PYTHON_HOME" ]; then ro_bind "$PYTHON_HOME" "$PYTHON_HOME"; fi
mkdir -p "$R$INSIDE_CHECKOUT" "$R/proc" "$R/dev"
mount --bind "$CHECKOUT" "$R$INSIDE_CHECKOUT"
[ "$CHECKOUT_WRITABLE" = 1 ] || mount -o remount,bind,ro "$R$INSIDE_CHECKOUT"
mount --rbind /proc "$R/proc"
for node in null zero random urandom; do
  [ -e "$R/dev/$node" ] || touch "$R/dev/$node"
  mount --bind "/dev/$node" "$R/dev/$node"
done
exec chroot "$R" /usr/bin/env -i PATH=/stubs:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root LANG=C.UTF-8 "$@"
"""


def python_home(checkout: Path) -> str:
    """The installation the checkout's .venv was made from (its pyvenv.cfg's
    home), when it lives outside /usr: the root needs it to run the venv."""
    cfg = (checkout / ".venv" / "pyvenv.cfg").resolve()
    home = sys.base_prefix
    if cfg.exists():
        for line in cfg.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home":
                home = str(Path(value.strip()).parent)
    return "" if home.startswith("/usr") else home


def available() -> str | None:
    """Why a throwaway root cannot be made here, or None."""
    if os.geteuid() != 0:
        return "a throwaway root needs mount namespaces, which need root (CI runs the suite as root)"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is needed"
    return None


@dataclass
class Sandbox:
    root: Path
    checkout: Path
    writable_checkout: bool = False  # an update changes its checkout; an install never does
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "stub-calls.log"

    @classmethod
    def create(cls, folder: Path, checkout: Path, writable_checkout: bool = False) -> Sandbox:
        root = folder / "root"
        root.mkdir()
        # symlinks=True: /etc's links (localtime, os-release, ...) are kept as links.
        shutil.copytree("/etc", root / "etc", symlinks=True, ignore_dangling_symlinks=True)
        for folder_ in ("var/lib", "var/log", "var/tmp", "tmp", "run", "boot/firmware", "root", "stubs"):
            (root / folder_).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        for name in ("bin", "sbin", "lib", "lib64"):
            if Path("/" + name).is_symlink():
                (root / name).symlink_to(os.readlink("/" + name))
        # avahi-daemon is installed on a device (setup.sh --services).
        (root / "etc/avahi/services").mkdir(parents=True, exist_ok=True)
        for name, text in STUBS.items():
            stub = root / "stubs" / name
            stub.write_text(text)
            stub.chmod(0o755)
        return cls(root, checkout, writable_checkout)

    def run(self, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`bash -c command` as root inside the throwaway root, from the checkout."""
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "CHECKOUT": str(self.checkout),
            "INSIDE_CHECKOUT": INSIDE_CHECKOUT,
            "CHECKOUT_WRITABLE": "1" if self.writable_checkout else "0",
            "PYTHON_HOME": python_home(self.checkout),
        }
        return subprocess.run(
            ["unshare", "--mount", "--uts", "--ipc", "--net", "--pid", "--fork", "--mount-proc",
             "bash", "-c", ENTER, "enter", str(self.root),
             "bash", "-c", f"cd {INSIDE_CHECKOUT} && {command}"],
            env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def path(self, inner: str) -> Path:
        return self.root / inner.lstrip("/")

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def state(self, *places: str) -> dict[str, str]:
        """Every file under `places` (inside the root): its content's hash,
        its mode and owner, or a link's target."""
        found: dict[str, str] = {}
        for place in places:
            top = self.path(place)
            for path in sorted([top, *top.rglob("*")]) if top.exists() else []:
                info = path.lstat()
                key = str(path.relative_to(self.root))
                if path.is_symlink():
                    found[key] = "-> " + os.readlink(path)
                elif path.is_file():
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                    found[key] = f"{digest} {info.st_mode:o} {info.st_uid}:{info.st_gid}"
                else:
                    found[key] = f"dir {info.st_mode:o} {info.st_uid}:{info.st_gid}"
        return found
