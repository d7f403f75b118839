#!/usr/bin/env bash
# Installs a PostgreSQL 15 server with pgvector on a Debian bookworm machine.
# Bookworm ships no pgvector package for PostgreSQL 15, so we build Debian's own source package
# of pgvector (from trixie, deb-src only) against postgresql-server-dev-15. Idempotent: every step
# is skipped when its result is already there.
set -euo pipefail

PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONFIG=$PG_BIN/pg_config
export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-postgres] %s\n' "$*"; }

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
}

if [ ! -x "$PG_BIN/postgres" ] || [ ! -f /usr/share/postgresql/$PG_MAJOR/extension/btree_gist.control ]; then
  log "installing postgresql-$PG_MAJOR"
  apt_update_once
  apt-get install -y -qq "postgresql-$PG_MAJOR" postgresql-contrib >/dev/null
fi

if [ -f "/usr/share/postgresql/$PG_MAJOR/extension/vector.control" ]; then
  log "pgvector already installed: $(grep default_version /usr/share/postgresql/$PG_MAJOR/extension/vector.control)"
  exit 0
fi

log "building pgvector from Debian's source package"
if [ ! -f /etc/apt/sources.list.d/trixie-src.sources ]; then
  cat > /etc/apt/sources.list.d/trixie-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt_updated=0
fi
apt_update_once
apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" build-essential dpkg-dev >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -qq --download-only pgvector >/dev/null
dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null
cd src
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
log "pgvector installed: $(grep default_version /usr/share/postgresql/$PG_MAJOR/extension/vector.control)"
