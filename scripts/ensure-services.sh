#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432, user postgres, trust auth) and Redis (127.0.0.1:6379) are up for
# the tests: start them if installed, install them from Debian's packages if not (needs root).
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=0
apt_install() {
  [ "$apt_updated" = 1 ] || { as_root apt-get update -qq && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}
wait_for() { for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done; return 1; }

if ! up 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "installing PostgreSQL from Debian's packages"
    apt_install postgresql || echo "could not install PostgreSQL" >&2
    # Tests connect over TCP as postgres without a password, as on the development machines.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      [ -f "$hba" ] && as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    done
  fi
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$version" ]; then
    echo "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  wait_for 5432 || echo "PostgreSQL is still not reachable on 127.0.0.1:5432" >&2
fi

if ! up 6379; then
  command -v redis-server >/dev/null || { echo "installing Redis from Debian's packages"; apt_install redis-server; }
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  wait_for 6379 || echo "Redis is still not reachable on 127.0.0.1:6379" >&2
fi
up 5432 && up 6379 && echo "PostgreSQL and Redis are up"
exit 0
