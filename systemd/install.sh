#!/usr/bin/env bash
# Installs, enables and starts the kiosk's services (called by
# ./setup.sh --services; needs root). Safe to re-run: an update runs it again.
#
#   systemd/install.sh [--check] [PROVISION_FILE]
#
# --check runs every check (root, systemd, where the checkout is, the
# provisioning file) and stops before changing anything: what the tests use.
#
# PROVISION_FILE (optional) is a KEY=VALUE file for unattended set-up of
# many devices, read by `python -m device provision` (device/provisioning.py:
# Windows line endings, quotes, a byte-order mark are fine; a line it cannot
# read stops the install, naming the line):
#   DEVICE_NAME=kiosk-bed-12    the device's name and host name (kiosk-bed-12.local)
#   LANGUAGE=ko                 ko or en
#   TIMEZONE=Asia/Seoul         an IANA time zone
#   DASHBOARD_PASSWORD=...      the caregiver's password; removed from the file once set
#   WARD_URL=https://ward.lan   the ward server it sends finished sessions to (docs/ward.md), with:
#   WARD_TOKEN=...              the token `python -m ward enrol DEVICE_NAME` printed; kept in
#                               /etc/expression-kiosk/ward-token, readable by the kiosk user only
#   WARD_PIN=AB:CD:...          the ward certificate's SHA-256 fingerprint `enrol` printed (https)
# Wi-Fi is left to the OS tools (Raspberry Pi Imager, nmcli).
set -euo pipefail

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }
# A step that fails without its own message still ends in one line naming it.
trap 'die "stopped at line $LINENO: $BASH_COMMAND"' ERR

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"  # python -m device runs from the checkout
check_only=0
if [ "${1:-}" = --check ]; then check_only=1; shift; fi
provision=${1:-}
service_user=kiosk
state_dir=/var/lib/expression-kiosk
config_dir=/etc/expression-kiosk
config=$config_dir/config.toml
units=(expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.service expression-kiosk-backup.timer
  expression-kiosk-firstboot.service expression-kiosk-ward.service)
ward_token_file=$config_dir/ward-token
# KIOSK_NO_START=1 (first boot, systemd/firstboot.sh): enable the services
# without starting them, since the first-boot unit runs before them.
no_start=${KIOSK_NO_START:-0}

[ "$(id -u)" = 0 ] || die "run as root (sudo ./setup.sh --services)"
command -v systemctl >/dev/null || die "no systemd on this system"
case "$root" in
  /home/*|/root/*) die "the services cannot read $root (ProtectHome): clone the software into /opt/expression-kiosk" ;;
esac

py=$root/.venv/bin/python
[ -x "$py" ] || die "no $py: run ./setup.sh first"
DEVICE_NAME="" LANGUAGE="" TIMEZONE="" DASHBOARD_PASSWORD="" WARD_URL="" WARD_TOKEN="" WARD_PIN=""
if [ -n "$provision" ]; then
  # The parser prints shell-quoted assignments, or one line naming what is wrong
  # (which becomes this script's one line).
  if ! assignments=$("$py" -m device provision --shell "$provision" 2>&1); then
    message=${assignments##*$'\n'}
    die "the provisioning file cannot be used: ${message#error: }"
  fi
  eval "$assignments"
  if [ -z "$DEVICE_NAME$LANGUAGE$TIMEZONE$DASHBOARD_PASSWORD" ]; then
    say "$provision sets nothing (no KEY=VALUE line): the device keeps its defaults"
  fi
fi
if [ "$check_only" = 1 ]; then
  say "checks passed; nothing was changed (--check)"
  exit 0
fi

if ! id "$service_user" >/dev/null 2>&1; then
  say "creating the system user $service_user"
  useradd --system --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin "$service_user"
fi
# Camera (video), display (render, video), touchscreen (input), sound (audio).
for group in video render input audio; do
  getent group "$group" >/dev/null && usermod -a -G "$group" "$service_user"
done

install -d -m 0755 "$config_dir"
install -d -m 0750 -o "$service_user" -g "$service_user" "$state_dir"
settings=(--set "device.data_dir=$state_dir")
[ -z "$DEVICE_NAME" ] || settings+=(--set "device.name=$DEVICE_NAME")
[ -z "$LANGUAGE" ] || settings+=(--set "kiosk.language=$LANGUAGE")
if [ -n "$WARD_URL" ]; then
  # The token stays out of config.toml, which anyone on the device may read.
  say "ward server $WARD_URL (token in $ward_token_file)"
  if [ -n "$WARD_TOKEN" ]; then
    (umask 0137 && printf '%s\n' "$WARD_TOKEN" > "$ward_token_file.new")
    chown "root:$service_user" "$ward_token_file.new"
    mv "$ward_token_file.new" "$ward_token_file"
  elif [ ! -s "$ward_token_file" ]; then
    # The token leaves the provisioning file once installed: WARD_URL alone means "keep the installed one".
    die "WARD_URL without WARD_TOKEN, and no token installed: enrol the device (python -m ward enrol NAME) and add WARD_TOKEN"
  fi
  settings+=(--set "ward.url=$WARD_URL" --set "ward.token_file=$ward_token_file" --set "ward.pin=$WARD_PIN")
fi
say "writing $config"
"$py" -m device config --write "$config" "${settings[@]}" || die "could not write $config"
KIOSK_CONFIG=$config "$py" -m device config > /dev/null || die "$config is not valid (see above)"
[ -z "$TIMEZONE" ] || timedatectl set-timezone "$TIMEZONE" || die "unknown timezone '$TIMEZONE'"
if [ -n "$DASHBOARD_PASSWORD" ]; then
  printf '%s\n' "$DASHBOARD_PASSWORD" | runuser -u "$service_user" -- env KIOSK_CONFIG="$config" \
    "$py" -m device web --set-password || die "could not set the dashboard password"
  # The plaintext password must not stay on the boot partition.
  "$py" -m device provision --forget-password "$provision"
fi
if [ -n "$WARD_TOKEN" ]; then
  # Nor the ward token: the device keeps it in $ward_token_file, readable by its service only.
  "$py" -m device provision --forget-ward-token "$provision"
fi
renamed=0
if [ -n "$DEVICE_NAME" ]; then
  say "host name $DEVICE_NAME (the dashboard: http://$DEVICE_NAME.local:PORT/)"
  [ "$(cat /etc/hostname 2>/dev/null)" = "$DEVICE_NAME" ] || renamed=1
  hostnamectl set-hostname "$DEVICE_NAME" || die "could not set the host name to $DEVICE_NAME"
  # sudo and other local tools resolve the host name through this line
  # (Debian's convention); without it sudo warns "unable to resolve host".
  hosts_line=$(printf '127.0.1.1\t%s' "$DEVICE_NAME")
  if ! grep -qxF "$hosts_line" /etc/hosts; then
    if grep -q '^127\.0\.1\.1[[:space:]]' /etc/hosts; then
      sed -i "s/^127\.0\.1\.1[[:space:]].*/$hosts_line/" /etc/hosts
    else
      printf '%s\n' "$hosts_line" >> /etc/hosts
    fi
  fi
fi
# avahi (mDNS) advertises the dashboard, so a phone finds NAME.local.
if [ -d /etc/avahi/services ]; then
  port=$(KIOSK_CONFIG=$config "$py" -c 'from device.config import load_config; print(load_config().web.port)') \
    || die "could not read web.port from $config"
  advertised=/etc/avahi/services/expression-kiosk.service
  before=$(cat "$advertised" 2>/dev/null || true)
  sed "s|@PORT@|$port|g" "$root/systemd/avahi-dashboard.xml" > "$advertised"
  # avahi keeps announcing the old name until it restarts; a new service
  # file only needs a reload.
  if [ "$renamed" = 1 ]; then
    systemctl --no-block try-restart avahi-daemon.service || true
  elif [ "$before" != "$(cat "$advertised")" ]; then
    systemctl --no-block try-reload-or-restart avahi-daemon.service || true
  fi
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
# The kiosk takes tty1; a desktop image would start its own session over it.
if [ "$(systemctl get-default 2>/dev/null || true)" = graphical.target ]; then
  say "a desktop image: starting on the console from now on (systemctl set-default multi-user.target)"
  systemctl set-default multi-user.target
fi
# The first-boot unit idles unless a sealed card arms it (firstboot.sh --seal).
systemctl enable expression-kiosk-firstboot.service
if [ "$no_start" = 1 ]; then
  systemctl enable expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.timer
  say "services installed and enabled: ${units[*]}"
else
  systemctl enable --now expression-kiosk.service expression-kiosk-web.service expression-kiosk-backup.timer
  say "services installed and started: ${units[*]}"
fi
# The ward sender runs only where a ward is configured (a provisioning file
# now, or an earlier install); restarted, so a new token takes effect.
ward_url=$(KIOSK_CONFIG=$config "$py" -c 'from device.config import load_config; print(load_config().ward.url)') \
  || die "could not read ward.url from $config"
if [ -n "$ward_url" ]; then
  systemctl enable expression-kiosk-ward.service
  [ "$no_start" = 1 ] || systemctl restart expression-kiosk-ward.service
  say "sending finished sessions to the ward at $ward_url (python -m device doctor shows the link)"
elif [ "$no_start" = 1 ]; then
  # At first boot nothing has started yet: only the enablement changes.
  systemctl disable expression-kiosk-ward.service 2>/dev/null || true
else
  systemctl disable --now expression-kiosk-ward.service 2>/dev/null || true
fi
