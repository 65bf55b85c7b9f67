#!/usr/bin/env bash
# Makes sure the scale stage (scripts/scale/run.ts) has its services' binaries:
# - the PostgreSQL server, a version n8n supports (17), from the npm registry through
#   scripts/scale/provision-postgres.sh (cached outside the repository);
# - Debian's PostgreSQL client tools (`postgresql-client`: psql, pg_isready) and `redis-server`,
#   installed with apt-get only when missing, without letting the packages start their system
#   services: while apt-get runs, a temporary /usr/sbin/policy-rc.d (exit 101, Debian's standard
#   "do not start services" hook) is in place, unless the machine already has one;
# - as root, the `postgres` system user the server runs as (PostgreSQL refuses to run as root);
#   Debian's server package would create it, the client package does not.
# The stage itself runs private instances on loopback in temporary folders; nothing here starts a server.
#
# Prints on stdout, shell-evaluable (progress and timings go to stderr):
#   SCALE_PG_SERVER_BIN_DIR=<dir with initdb, postgres>   SCALE_PG_VERSION=<server x.y>
#   SCALE_PG_CLIENT_BIN_DIR=<dir with psql, pg_isready>   SCALE_PG_CLIENT_VERSION=<client x.y>
#   SCALE_REDIS_SERVER=<redis-server binary>   SCALE_REDIS_VERSION=<version>
# Usage:  eval "$(bash scripts/scale/provision-services.sh)"
set -euo pipefail

log() { printf '[provision-services] %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_START=$(now)
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Debian's client tools of any major version, newest first (Debian 12: 15).
find_pg_client_dir() {
	local dir
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn); do
		[[ -x "$dir/psql" && -x "$dir/pg_isready" ]] && {
			echo "$dir"
			return 0
		}
	done
	return 1
}

find_redis() { command -v redis-server 2>/dev/null || { [[ -x /usr/bin/redis-server ]] && echo /usr/bin/redis-server; }; }

missing=()
find_pg_client_dir >/dev/null || missing+=(postgresql-client)
find_redis >/dev/null || missing+=(redis-server)

if ((${#missing[@]} > 0)); then
	SUDO=()
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			SUDO=(sudo -n)
		else
			die "${missing[*]} missing and not root (no password-less sudo): install them with apt-get install -y --no-install-recommends ${missing[*]}"
		fi
	fi
	command -v apt-get >/dev/null || die "${missing[*]} missing and apt-get not available (Debian/Ubuntu only)"

	POLICY=/usr/sbin/policy-rc.d
	created_policy=0
	remove_policy() {
		if ((created_policy)); then
			"${SUDO[@]}" rm -f "$POLICY" || true
			created_policy=0
		fi
	}
	trap remove_policy EXIT
	if [[ ! -e "$POLICY" ]]; then
		# Debian's hook (invoke-rc.d honours it under sysvinit and systemd): exit 101 = "action forbidden".
		printf '#!/bin/sh\n# temporary, from n8n-nodes-zapi-status scripts/scale: no service starts during apt-get\nexit 101\n' |
			"${SUDO[@]}" tee "$POLICY" >/dev/null
		"${SUDO[@]}" chmod 755 "$POLICY"
		created_policy=1
		log "temporary $POLICY (exit 101) so the packages do not start their services"
	else
		log "$POLICY exists already; left as it is"
	fi

	export DEBIAN_FRONTEND=noninteractive
	T=$(now)
	log "apt-get install ${missing[*]} (not found on this machine)"
	install() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
	if ! install; then
		log "install failed; apt-get update and once more"
		"${SUDO[@]}" apt-get update >&2
		install || die "apt-get install ${missing[*]} failed"
	fi
	log "timing: apt-get install $(elapsed "$T") s"
	remove_policy
	trap - EXIT
fi

PG_CLIENT_DIR=$(find_pg_client_dir) || die "psql and pg_isready not found under /usr/lib/postgresql/*/bin after the install"
REDIS_SERVER=$(find_redis) || die "redis-server not found after the install"
PG_CLIENT_VERSION=$("$PG_CLIENT_DIR/psql" --version | sed -n 's/^psql (PostgreSQL) \([0-9][0-9.]*\).*/\1/p')
[[ -n "$PG_CLIENT_VERSION" ]] || die "could not read the version of $PG_CLIENT_DIR/psql"
REDIS_VERSION=$("$REDIS_SERVER" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
[[ -n "$REDIS_VERSION" ]] || die "could not read the version of $REDIS_SERVER"

if [[ $(id -u) -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres ||
		die "could not create the postgres system user"
	log "created the postgres system user (the server refuses to run as root)"
fi

server=$(bash "$SCRIPT_DIR/provision-postgres.sh") || die "scripts/scale/provision-postgres.sh failed"
eval "$server"
[[ -x "${SCALE_PG_SERVER_BIN_DIR:-}/postgres" ]] || die "provision-postgres.sh did not name a server folder"

log "PostgreSQL server $SCALE_PG_SERVER_VERSION in $SCALE_PG_SERVER_BIN_DIR, client tools $PG_CLIENT_VERSION in $PG_CLIENT_DIR, Redis $REDIS_VERSION at $REDIS_SERVER"
log "timing: total $(elapsed "$T_START") s"

printf 'SCALE_PG_SERVER_BIN_DIR=%q\n' "$SCALE_PG_SERVER_BIN_DIR"
printf 'SCALE_PG_VERSION=%q\n' "$SCALE_PG_SERVER_VERSION"
printf 'SCALE_PG_CLIENT_BIN_DIR=%q\n' "$PG_CLIENT_DIR"
printf 'SCALE_PG_CLIENT_VERSION=%q\n' "$PG_CLIENT_VERSION"
printf 'SCALE_REDIS_SERVER=%q\n' "$REDIS_SERVER"
printf 'SCALE_REDIS_VERSION=%q\n' "$REDIS_VERSION"
