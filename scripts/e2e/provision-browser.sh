#!/usr/bin/env bash
# Provision the headless browser for end-to-end checks of the n8n editor:
#   - Debian's chromium at /usr/bin/chromium (apt-get, only when missing)
#   - playwright-core (exact version) in the cache root, outside the repository
# then verify both by rendering a data: URL headless and taking a screenshot.
#
# Prints on stdout, shell-evaluable:   PLAYWRIGHT_CORE_DIR=...   CHROMIUM_PATH=...
# Everything else (progress, timings) goes to stderr.
# Usage: eval "$(bash scripts/e2e/provision-browser.sh)"
# Env:   ZAPI_E2E_CACHE   cache root (default /var/cache/n8n-nodes-zapi-status)
set -euo pipefail

PLAYWRIGHT_CORE_VERSION=1.64.1
CHROMIUM_PATH=/usr/bin/chromium
ROOT="${ZAPI_E2E_CACHE:-/var/cache/n8n-nodes-zapi-status}"
PW_DIR="$ROOT/playwright-core-$PLAYWRIGHT_CORE_VERSION"
MARKER=.zapi-e2e-complete

log() { printf '[provision-browser] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

T_START=$(now)
command -v node >/dev/null || die "node is required on PATH (any version >= 20)"
command -v npm >/dev/null || die "npm is required on PATH"

mkdir -p "$ROOT"
exec 8>"$ROOT/.provision-browser.lock"
flock 8

TMP_DIRS=()
cleanup() { local d; for d in "${TMP_DIRS[@]}"; do rm -rf "$d" 2>/dev/null || true; done; }
trap cleanup EXIT

# ---- chromium -------------------------------------------------------------
T=$(now)
if [[ -x "$CHROMIUM_PATH" ]]; then
	log "chromium present: $("$CHROMIUM_PATH" --version 2>/dev/null || echo '?')"
else
	[[ $(id -u) -eq 0 ]] || die "$CHROMIUM_PATH is missing and installing it needs root (apt-get install chromium)"
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the package lists only when they are missing or do not know chromium.
	# (capture first: `apt-cache ... | grep -q` under pipefail fails when grep exits early)
	policy=$(apt-cache policy chromium 2>/dev/null || true)
	if [[ "$policy" != *"Candidate: "[0-9]* ]]; then
		log "apt-get update (no chromium candidate in the package lists)"
		apt-get update -qq >&2
	fi
	log "apt-get install chromium fonts-liberation"
	if ! apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2; then
		# Stale lists can point at a version the mirror no longer has: refresh once and retry.
		log "install failed; apt-get update and retry"
		apt-get update -qq >&2
		apt-get install -y -qq --no-install-recommends chromium fonts-liberation >&2
	fi
	[[ -x "$CHROMIUM_PATH" ]] || die "chromium installed but $CHROMIUM_PATH is missing"
	log "chromium installed: $("$CHROMIUM_PATH" --version 2>/dev/null || echo '?')"
fi
log "timing: chromium $(elapsed "$T") s"

# ---- playwright-core ------------------------------------------------------
T=$(now)
pw_ok() {
	[[ -f "$1/$MARKER" ]] &&
		[[ "$(node -p "require('$1/node_modules/playwright-core/package.json').version" 2>/dev/null)" == "$PLAYWRIGHT_CORE_VERSION" ]]
}
if pw_ok "$PW_DIR"; then
	log "playwright-core $PLAYWRIGHT_CORE_VERSION cached in $PW_DIR"
else
	log "installing playwright-core@$PLAYWRIGHT_CORE_VERSION into $PW_DIR"
	tmp=$(mktemp -d "$ROOT/.tmp-playwright.XXXXXX")
	TMP_DIRS+=("$tmp")
	printf '{ "name": "zapi-e2e-playwright", "private": true, "dependencies": { "playwright-core": "%s" } }\n' \
		"$PLAYWRIGHT_CORE_VERSION" >"$tmp/package.json"
	# playwright-core has no install script and no dependencies; scripts stay off regardless.
	(cd "$tmp" && npm install --no-audit --no-fund --loglevel=error --ignore-scripts --save-exact >&2)
	pw_version=$(node -p "require('$tmp/node_modules/playwright-core/package.json').version")
	[[ "$pw_version" == "$PLAYWRIGHT_CORE_VERSION" ]] || die "installed playwright-core $pw_version, wanted $PLAYWRIGHT_CORE_VERSION"
	echo "playwright-core=$PLAYWRIGHT_CORE_VERSION" >"$tmp/$MARKER"
	chmod 755 "$tmp" # mktemp -d makes it 0700
	if [[ -e "$PW_DIR" ]]; then
		old=$(mktemp -d "$ROOT/.old-playwright.XXXXXX")
		TMP_DIRS+=("$old")
		mv "$PW_DIR" "$old/"
	fi
	mv "$tmp" "$PW_DIR"
fi
PLAYWRIGHT_CORE_DIR="$PW_DIR/node_modules/playwright-core"
log "timing: playwright-core $(elapsed "$T") s"

# ---- verification: headless render + screenshot of a data: URL ------------
T=$(now)
shot_dir=$(mktemp -d)
TMP_DIRS+=("$shot_dir")
PLAYWRIGHT_CORE_DIR="$PLAYWRIGHT_CORE_DIR" CHROMIUM_PATH="$CHROMIUM_PATH" SHOT="$shot_dir/check.png" \
	node - >&2 <<'EOF'
const fs = require('fs');
const { chromium } = require(process.env.PLAYWRIGHT_CORE_DIR);
(async () => {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH,
		headless: true,
		args: [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
		],
		timeout: 60000,
	});
	try {
		const page = await browser.newPage({ viewport: { width: 320, height: 200 } });
		const html = '<title>zapi-e2e</title><body style="margin:0;background:#00ff00">'
			+ '<h1 id="t">browser check</h1></body>';
		await page.goto('data:text/html,' + encodeURIComponent(html));
		const text = await page.textContent('#t');
		if (text !== 'browser check') throw new Error('unexpected page text: ' + text);
		await page.screenshot({ path: process.env.SHOT });
		const png = fs.readFileSync(process.env.SHOT);
		if (png.length < 100 || png.readUInt32BE(0) !== 0x89504e47) throw new Error('screenshot is not a PNG');
		console.error(`[provision-browser] verified: ${browser.version()} rendered a data: URL, screenshot ${png.length} bytes`);
	} finally {
		await browser.close();
	}
})().catch((e) => { console.error(e); process.exit(1); });
EOF
log "timing: verification $(elapsed "$T") s"
log "timing: total $(elapsed "$T_START") s"

printf 'PLAYWRIGHT_CORE_DIR=%q\n' "$PLAYWRIGHT_CORE_DIR"
printf 'CHROMIUM_PATH=%q\n' "$CHROMIUM_PATH"
