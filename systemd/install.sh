#!/usr/bin/env bash
# Installs, enables and starts the kiosk's services (called by
# ./setup.sh --services; needs root). Safe to re-run: an update runs it again.
#
#   systemd/install.sh [--check] [PROVISION_FILE]
#
# --check runs every check (root, systemd, where the checkout is, the
# provisioning file) and stops before changing anything: what the tests use.
#
# PROVISION_FILE (optional) is a shell-style KEY=VALUE file for unattended
# set-up of many devices:
#   DEVICE_NAME=bed-12          shown on the kiosk and the dashboard
#   LANGUAGE=ko                 ko or en
#   TIMEZONE=Asia/Seoul         any name timedatectl knows
#   DASHBOARD_PASSWORD=...      the caregiver's password (at least 8 characters)
# Wi-Fi is left to the OS tools (Raspberry Pi Imager, nmcli).
set -euo pipefail

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"  # python -m device runs from the checkout
check_only=0
if [ "${1:-}" = --check ]; then check_only=1; shift; fi
provision=${1:-}
service_user=kiosk
state_dir=/var/lib/expression-kiosk
config_dir=/etc/expression-kiosk
config=$config_dir/config.toml
units=(expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.service expression-kiosk-backup.timer)

[ "$(id -u)" = 0 ] || die "run as root (sudo ./setup.sh --services)"
command -v systemctl >/dev/null || die "no systemd on this system"
case "$root" in
  /home/*|/root/*) die "the services cannot read $root (ProtectHome): clone the software into /opt/expression-kiosk" ;;
esac

DEVICE_NAME="" LANGUAGE="" TIMEZONE="" DASHBOARD_PASSWORD=""
if [ -n "$provision" ]; then
  [ -r "$provision" ] || die "cannot read the provisioning file $provision"
  while IFS='=' read -r key value; do
    case "$key" in
      ''|'#'*) continue ;;
      DEVICE_NAME) DEVICE_NAME=$value ;;
      LANGUAGE) LANGUAGE=$value ;;
      TIMEZONE) TIMEZONE=$value ;;
      DASHBOARD_PASSWORD) DASHBOARD_PASSWORD=$value ;;
      *) die "$provision: unknown key '$key' (DEVICE_NAME, LANGUAGE, TIMEZONE, DASHBOARD_PASSWORD)" ;;
    esac
  done < "$provision"
fi
if [ "$check_only" = 1 ]; then
  say "checks passed; nothing was changed (--check)"
  exit 0
fi

if ! id "$service_user" >/dev/null 2>&1; then
  say "creating the system user $service_user"
  useradd --system --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin "$service_user"
fi
for group in video render input; do
  getent group "$group" >/dev/null && usermod -a -G "$group" "$service_user"
done

install -d -m 0755 "$config_dir"
install -d -m 0750 -o "$service_user" -g "$service_user" "$state_dir"
settings=(--set "device.data_dir=$state_dir")
[ -z "$DEVICE_NAME" ] || settings+=(--set "device.name=$DEVICE_NAME")
[ -z "$LANGUAGE" ] || settings+=(--set "kiosk.language=$LANGUAGE")
say "writing $config"
"$root/.venv/bin/python" -m device config --write "$config" "${settings[@]}" || die "could not write $config"
KIOSK_CONFIG=$config "$root/.venv/bin/python" -m device config > /dev/null || die "$config is not valid (see above)"
[ -z "$TIMEZONE" ] || timedatectl set-timezone "$TIMEZONE" || die "unknown timezone '$TIMEZONE'"
if [ -n "$DASHBOARD_PASSWORD" ]; then
  printf '%s\n' "$DASHBOARD_PASSWORD" | runuser -u "$service_user" -- env KIOSK_CONFIG="$config" \
    "$root/.venv/bin/python" -m device web --set-password || die "could not set the dashboard password"
fi

# Logs go to the journal; cap it so the SD card never fills with logs.
install -d /etc/systemd/journald.conf.d
printf '[Journal]\nSystemMaxUse=100M\nMaxRetentionSec=1month\n' > /etc/systemd/journald.conf.d/expression-kiosk.conf
systemctl restart systemd-journald || true

for unit in "${units[@]}"; do
  sed "s|@ROOT@|$root|g" "$root/systemd/$unit" > "/etc/systemd/system/$unit"
done
systemd-analyze verify "${units[@]/#//etc/systemd/system/}" || die "the unit files do not verify"
systemctl daemon-reload
systemctl enable --now expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.timer
say "services installed and started: ${units[*]}"
