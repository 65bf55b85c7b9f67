#!/usr/bin/env bash
# Makes sure Debian's PostgreSQL and Redis binaries are on this machine for the scale stage
# (scripts/scale/run.ts). Installs `postgresql` and `redis-server` with apt-get only when they are
# missing, without letting the packages start their system services: while apt-get runs, a
# temporary /usr/sbin/policy-rc.d (exit 101, Debian's standard "do not start services" hook) is in
# place, unless the machine already has one. The stage itself runs private instances on loopback
# in temporary folders; nothing here starts a server.
#
# Prints on stdout, shell-evaluable (progress and timings go to stderr):
#   SCALE_PG_BIN_DIR=<dir with initdb, postgres, pg_ctl, psql, pg_dump>   SCALE_PG_VERSION=<major>
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
PREFERRED_PG=15 # Debian 12's PostgreSQL

find_pg_bin_dir() {
	local dir
	if [[ -x "/usr/lib/postgresql/$PREFERRED_PG/bin/initdb" ]]; then
		echo "/usr/lib/postgresql/$PREFERRED_PG/bin"
		return 0
	fi
	# Any other Debian-packaged major version, newest first.
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn); do
		[[ -x "$dir/initdb" && -x "$dir/postgres" && -x "$dir/pg_dump" && -x "$dir/psql" ]] && {
			echo "$dir"
			return 0
		}
	done
	return 1
}

find_redis() { command -v redis-server 2>/dev/null || { [[ -x /usr/bin/redis-server ]] && echo /usr/bin/redis-server; }; }

missing=()
find_pg_bin_dir >/dev/null || missing+=(postgresql)
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

PG_BIN_DIR=$(find_pg_bin_dir) || die "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin after the install"
REDIS_SERVER=$(find_redis) || die "redis-server not found after the install"
PG_VERSION=$("$PG_BIN_DIR/postgres" --version | sed -n 's/^postgres (PostgreSQL) \([0-9][0-9.]*\).*/\1/p')
[[ -n "$PG_VERSION" ]] || die "could not read the version of $PG_BIN_DIR/postgres"
REDIS_VERSION=$("$REDIS_SERVER" --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')
[[ -n "$REDIS_VERSION" ]] || die "could not read the version of $REDIS_SERVER"
log "PostgreSQL $PG_VERSION in $PG_BIN_DIR, Redis $REDIS_VERSION at $REDIS_SERVER"
log "timing: total $(elapsed "$T_START") s"

printf 'SCALE_PG_BIN_DIR=%q\n' "$PG_BIN_DIR"
printf 'SCALE_PG_VERSION=%q\n' "${PG_VERSION%%.*}"
printf 'SCALE_REDIS_SERVER=%q\n' "$REDIS_SERVER"
printf 'SCALE_REDIS_VERSION=%q\n' "$REDIS_VERSION"
