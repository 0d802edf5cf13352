#!/usr/bin/env bash
# The clone-twenty-cards path (docs/technician.md): prepare one card, seal
# it, copy it, give each copy its own kiosk.env on the boot partition.
#
#   systemd/firstboot.sh --seal   on the prepared card, as root, just before
#                                 copying it: stops the services, removes the
#                                 card's identity and patient data, and arms
#                                 the first-boot unit
#   systemd/firstboot.sh          what expression-kiosk-firstboot.service runs
#                                 at a copy's first boot: a new machine-id,
#                                 new SSH host keys, a new dashboard secret,
#                                 an empty database, then the boot partition's
#                                 kiosk.env applied by install.sh (name,
#                                 language, time zone, password)
#
# Wi-Fi is the OS's (Raspberry Pi Imager's settings, or nmcli), as for one device.
set -euo pipefail

die() { printf 'firstboot.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }
trap 'die "stopped at line $LINENO: $BASH_COMMAND"' ERR

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
state_dir=/var/lib/expression-kiosk
pending=/etc/expression-kiosk/firstboot-pending
boot_env=${KIOSK_BOOT_ENV:-/boot/firmware/kiosk.env}

[ "$(id -u)" = 0 ] || die "run as root"

# What makes one card this card and not its copies: removed when sealing,
# made anew at first boot. The database and backups are the patients'.
forget_identity() {
  rm -f "$state_dir"/kiosk.sqlite "$state_dir"/kiosk.sqlite-wal "$state_dir"/kiosk.sqlite-shm \
    "$state_dir"/kiosk.before-v*.sqlite "$state_dir"/dashboard-secret.key "$state_dir"/dashboard-password.json \
    "$state_dir"/camera-heartbeat.json "$state_dir"/preferences.json
  rm -rf "$state_dir"/backups
  rm -f /etc/ssh/ssh_host_*
  # An empty machine-id: systemd treats the next boot as a first boot and
  # every copy gets its own (DHCP leases, the journal and avahi key on it).
  : > /etc/machine-id
  rm -f /var/lib/dbus/machine-id
}

if [ "${1:-}" = --seal ]; then
  systemctl stop expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.timer || true
  forget_identity
  install -d -m 0755 "$(dirname "$pending")"
  : > "$pending"
  systemctl enable expression-kiosk-firstboot.service
  say "sealed: copy this card now (power off first); each copy applies its own $boot_env at first boot"
  exit 0
fi
[ "$#" = 0 ] || die "usage: systemd/firstboot.sh [--seal]"

if [ ! -e "$pending" ]; then
  say "not a first boot (no $pending): nothing to do"
  exit 0
fi
forget_identity
if [ ! -s /etc/machine-id ]; then
  # 128 random bits, as systemd-machine-id-setup writes them.
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > /etc/machine-id
  printf '\n' >> /etc/machine-id
fi
if command -v ssh-keygen >/dev/null; then
  ssh-keygen -A >/dev/null
  say "new SSH host keys (a technician's ssh will warn once that the key changed)"
fi
provision=()
if [ -f "$boot_env" ]; then
  provision=("$boot_env")
else
  say "no $boot_env: the card keeps the prepared card's name and settings"
fi
# Enabled, not started: this runs before the services, which start after it.
KIOSK_NO_START=1 "$root/systemd/install.sh" "${provision[@]}"
rm -f "$pending"
say "first boot done: $(cat /etc/hostname 2>/dev/null || echo '?') has its own identity"
