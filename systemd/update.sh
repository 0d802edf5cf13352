#!/usr/bin/env bash
# Updates this checkout to a release and rolls back if the new version fails
# its checks. On a device, as root: systemd/update.sh v1.2.0
#
#   systemd/update.sh [--no-services] TAG
#
# TAG must be a release tag, exactly vX.Y.Z (or refs/tags/vX.Y.Z): never a
# branch, whose meaning changes under the technician's feet, nor a revision
# expression such as v2.0.0~1 or TAG^{/text}, which name untagged commits.
# The device's own commands (backup, doctor) run as the service user, so
# nothing in its data folder ends up owned by root; the newest
# KEEP_UPDATE_COPIES pre-update copies of the database are kept.
#
# Where a keyring is configured (UPDATE_KEYRING: a public key file, binary or
# armoured, from `gpg --export`), the tag must carry a signature by one of its
# keys (git verify-tag), or nothing changes.
#
# 1. checks the tag (and its signature), then stops the services and backs up
#    the database (python -m device backup);
# 2. checks out REF, re-runs ./setup.sh (--services);
# 3. checks the new version: python -m device doctor --software (models,
#    database: its migration runs here, after its own copy; disk);
# 4. on success starts the services; on any failure checks out the previous
#    commit, puts the database copy back, re-runs set-up, starts the previous
#    version's services and exits 1.
# --no-services: no systemd (a development checkout, and the tests).
set -euo pipefail

die() { printf 'update.sh: %s\n' "$*" >&2; exit 1; }
UPDATE_KEYRING=/etc/expression-kiosk/update-keyring.gpg
UNITS=(expression-kiosk.service expression-kiosk-web.service)
say() { printf '==> %s\n' "$*"; }

services=1
if [ "${1:-}" = "--no-services" ]; then
  services=0
  shift
fi
[ "$#" = 1 ] || die "usage: systemd/update.sh [--no-services] TAG"
ref=${1#refs/tags/}
[[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "'$1' is not a release tag: give one exactly, such as v1.2.0 (git tag --list shows them); nothing was changed"
keep_copies=${KEEP_UPDATE_COPIES:-3}
service_user=kiosk
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=.venv/bin/python
setup_flags=()
[ "$services" = 1 ] && setup_flags=(--services)

# The device's commands, as the service user when the services are installed
# (run as root, they would leave root-owned files in its data folder).
as_device() {
  if [ "$services" = 1 ] && [ "$(id -u)" = 0 ] && id "$service_user" >/dev/null 2>&1; then
    runuser -u "$service_user" -- "$@"
  else
    "$@"
  fi
}

previous=$(git rev-parse HEAD)
git rev-parse --verify --quiet "refs/tags/$ref" >/dev/null || git fetch --tags --quiet || true
git rev-parse --verify --quiet "refs/tags/$ref" >/dev/null \
  || die "'$ref' is not a release tag of this checkout (git tag --list shows them); nothing was changed"

# The signature, before anything changes. gpg reads the configured keys into
# a throwaway home, so only they can vouch for a tag (never root's own keyring).
if [ -f "$UPDATE_KEYRING" ]; then
  command -v gpg >/dev/null || die "a keyring is configured ($UPDATE_KEYRING) but gpg is missing; nothing was changed"
  gnupg_home=$(mktemp -d)
  trap 'rm -rf "$gnupg_home"' EXIT
  gpg --batch --quiet --homedir "$gnupg_home" --import "$UPDATE_KEYRING" >/dev/null 2>&1 \
    || die "the update keyring $UPDATE_KEYRING cannot be read by gpg; nothing was changed"
  GNUPGHOME=$gnupg_home git verify-tag "refs/tags/$ref" >/dev/null 2>&1 \
    || die "'$ref' is not signed by a key in $UPDATE_KEYRING; nothing was changed"
  say "$ref is signed by a key in $UPDATE_KEYRING"
fi

data_dir=$("$py" -c 'from device.config import load_config; print(load_config().data_dir)') \
  || die "the current configuration does not load"
database=$data_dir/kiosk.sqlite
backup=""
# Stopped before the copy: a session written after it would be lost on a rollback.
start_services() {
  [ "$services" = 1 ] || return 0
  systemctl start "${UNITS[@]}"
}
if [ "$services" = 1 ]; then
  systemctl stop "${UNITS[@]}" || true
fi
if [ -f "$database" ]; then
  backup=$data_dir/backups/before-update-$(date +%Y%m%d-%H%M%S).sqlite
  if ! as_device "$py" -m device backup "$backup"; then
    start_services || true
    die "could not back up the database; nothing was changed"
  fi
  # Keep the newest few pre-update copies: each is a whole database.
  find "$data_dir/backups" -maxdepth 1 -name 'before-update-*.sqlite' -printf '%f\n' | sort -r \
    | tail -n +"$((keep_copies + 1))" | while read -r old; do rm -f "$data_dir/backups/$old"; done
fi

say "updating $(git rev-parse --short HEAD) -> $ref"
if git checkout --quiet --detach "refs/tags/$ref" \
  && ./setup.sh "${setup_flags[@]}" \
  && as_device "$py" -m device doctor --software \
  && start_services; then
  say "updated to $ref ($(git rev-parse --short HEAD))"
  exit 0
fi

say "the new version failed its checks: rolling back to ${previous:0:12}"
git checkout --quiet --force --detach "$previous"
# The new version's set-up may have started its services: stopped before the copy goes back.
[ "$services" = 0 ] || systemctl stop "${UNITS[@]}" || true
if [ -n "$backup" ]; then
  cp "$backup" "$database"
  rm -f "$database-wal" "$database-shm"
fi
# The previous version's set-up puts its packages and units back; its
# services are started even if set-up fails, so the bedside is not left dark.
restored=1
./setup.sh "${setup_flags[@]}" || restored=0
start_services || die "rolled back to ${previous:0:12}, but its services did not start: journalctl -u expression-kiosk -e"
[ "$restored" = 1 ] || die "rolling back failed too: restore by hand (docs/technician.md: updating)"
started=""
[ "$services" = 0 ] || started=" and started its services"
die "update to $ref failed; rolled back to ${previous:0:12}${started}${backup:+, database restored from $backup}"
