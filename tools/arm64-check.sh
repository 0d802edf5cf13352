#!/usr/bin/env bash
# Checks this checkout on emulated arm64 Debian, the base of Raspberry Pi OS:
# builds a Debian root for SUITE with debootstrap, clones the checkout into
# it, and there runs ./setup.sh, the main job on the embedded demo, and the
# tests that need neither a display nor the model-building packages.
#
#   sudo tools/arm64-check.sh [bookworm|trixie] [WORK_DIR]
#   sudo QEMU_CPU=cortex-a72 tools/arm64-check.sh trixie    # a Pi 4's CPU, not qemu's "max"
#
# Needs root, debootstrap, qemu-user-static and binfmt-support (Debian
# packages): the arm64 programs run through qemu's user-mode emulator. The
# root is kept in WORK_DIR (default /var/tmp/arm64-check-SUITE) for the next
# run; the clone is fresh each time. Prints the time each step took.
set -euo pipefail

die() { printf 'arm64-check: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

suite=${1:-bookworm}
case "$suite" in bookworm|trixie) ;; *) die "suite must be bookworm (Python 3.11) or trixie (Python 3.13)" ;; esac
work=${2:-/var/tmp/arm64-check-$suite}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
checkout=$(cd "$(dirname "$0")/.." && pwd)
target=$work/root

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
command -v debootstrap >/dev/null || die "apt-get install debootstrap qemu-user-static binfmt-support"
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 2>/dev/null \
  || die "no binfmt entry for arm64: apt-get install qemu-user-static binfmt-support"

timed() {  # timed NAME COMMAND...: run it, then say how long it took
  local name=$1 start=$SECONDS
  shift
  "$@"
  say "$name: $((SECONDS - start)) s"
}

if [ ! -x "$target/usr/bin/python3" ]; then
  say "building an arm64 $suite root in $target (once; later runs reuse it)"
  timed "debootstrap" debootstrap --arch=arm64 \
    --include=python3,python3-venv,python3-dev,git,ca-certificates,sudo "$suite" "$target" "$mirror"
fi

mounts=(proc sys dev dev/pts)
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "$target/${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount -t proc proc "$target/proc"
mount --rbind /sys "$target/sys"
mount --rbind /dev "$target/dev"
mount -t devpts devpts "$target/dev/pts" 2>/dev/null || true
cp /etc/resolv.conf "$target/etc/resolv.conf"
# The root trusts what this machine trusts (a site's TLS proxy included), so
# pip inside it reaches PyPI wherever this machine does.
cp /etc/ssl/certs/ca-certificates.crt "$target/etc/ssl/certs/host-ca-certificates.crt"

rm -rf "$target/opt/expression-kiosk"
git clone --quiet "$checkout" "$target/opt/expression-kiosk"
say "cloned $(git -C "$checkout" rev-parse --short HEAD) into the $suite root ($(chroot "$target" uname -m))"

# QEMU_CPU picks the CPU qemu-user emulates (default: "max", every arm64
# extension); cortex-a72 is a Pi 4's, so an instruction it lacks fails here too.
in_root() {
  chroot "$target" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    ${QEMU_CPU:+QEMU_CPU="$QEMU_CPU"} PIP_CERT=/etc/ssl/certs/host-ca-certificates.crt "$@"
}
[ -z "${QEMU_CPU:-}" ] || say "emulating a $QEMU_CPU CPU"
timed "setup.sh" in_root bash -c 'cd /opt/expression-kiosk && ./setup.sh'
# The SDL inside the kiosk's pygame must have KMS/DRM (the Pi console's only way to the screen) and ALSA.
timed "the display and sound drivers" in_root bash -c 'cd /opt/expression-kiosk \
  && .venv/bin/python -m pip install -q pytest scikit-image \
  && .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_display_driver.py -k the_sdl_that_pygame_loads'
timed "the main job on the demo (20 s)" in_root bash -c \
  'cd /opt/expression-kiosk && .venv/bin/python -m device run --seconds 20'
timed "the expression model" in_root bash -c \
  'cd /opt/expression-kiosk && .venv/bin/python -m device evaluate --data tests/fixtures/expressions'
# The tests that need no display, no browser and no model-building packages.
timed "tests" in_root bash -c 'cd /opt/expression-kiosk && .venv/bin/python -m pip install -q pytest scikit-image \
  && .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_config.py tests/test_geometry.py \
     tests/test_practice_logic.py tests/test_practice_session.py tests/test_store.py tests/test_shipped_model.py \
     tests/test_assess.py tests/test_provisioning.py tests/test_trend_rule.py'
say "arm64 $suite: all steps passed"
