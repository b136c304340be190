#!/usr/bin/env bash
# The integration suite also runs on PostgreSQL: a throwaway cluster (test/pg/global-setup.ts) needs the
# server binaries (initdb, pg_ctl). Installs Debian's PostgreSQL when they are missing; needs root.
set -euo pipefail
if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
  exit 0
fi
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql' (or set SCRM_TEST_PG=0 to test on SQLite only)." >&2
  exit 1
fi
echo "Installing postgresql for the PostgreSQL tests…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq postgresql >&2
