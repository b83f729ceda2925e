#!/usr/bin/env bash
# Installs the Debian packages the app needs (WeasyPrint's Pango, a CJK font, the PostgreSQL client, Chromium for
# browser tests, gettext). Does nothing when they are already there.
set -euo pipefail
# postgresql-client: pg_dump and pg_restore for `make backup` and `make restore` (Debian 12 ships 15, the
# server version of docker-compose.yml and `make test`).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-noto-cjk gettext postgresql-client)
if [ "${1:-}" = "--with-browser" ]; then packages+=(chromium); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
as_root=()
if [ "$(id -u)" != "0" ]; then
  if ! command -v sudo >/dev/null; then
    echo "Missing system packages: ${missing[*]} (run as root or with sudo, or install them with apt-get)" >&2
    exit 1
  fi
  as_root=(sudo)
fi
echo "Installing system packages: ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
