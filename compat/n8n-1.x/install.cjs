#!/usr/bin/env node
/**
 * Installs the last n8n 1.x engine (n8n-core, n8n-workflow, n8n-nodes-base, @n8n/di as n8n 1.123.81
 * ships them) into compat/n8n-1.x/node_modules for the "[n8n 1.x]" jest project, with `npm ci` from
 * this folder's lockfile, scripts off. Does nothing when the tree already matches the lockfile, so the
 * project's globalSetup runs it before every 1.x run; CI runs it as a stage of its own.
 *
 * Why a tree of its own and not npm aliases in the root devDependencies: n8n-nodes-base 1.x depends
 * on xlsx as a tarball on cdn.sheetjs.com, which not every network reaches. This folder's
 * package.json points xlsx at the registry's release with `overrides`, a field the community-node
 * lint rules forbid in the package's own package.json (and which would be published with it).
 * Nothing here is published: the package ships dist/ only.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const stampFile = path.join(here, 'node_modules', '.installed-from');
const lockDir = path.join(here, '.installing');

/** The lockfile decides the tree (npm ci refuses a package.json that no longer matches it). */
const wanted = () => createHash('sha256').update(fs.readFileSync(path.join(here, 'package-lock.json'))).digest('hex');

const upToDate = () => fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === wanted();

function holderAlive() {
	try {
		process.kill(Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')), 0);
		return true;
	} catch {
		return false;
	}
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One installer at a time (parallel test runs share this folder); the others wait for it. */
function withLock(action) {
	for (let waited = 0; ; waited += 1000) {
		try {
			fs.mkdirSync(lockDir);
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			if (!holderAlive() && waited > 2000) fs.rmSync(lockDir, { recursive: true, force: true });
			else if (waited > 15 * 60_000) throw new Error(`compat/n8n-1.x: another install has held ${lockDir} for 15 minutes`);
			sleep(1000);
		}
	}
	fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
	try {
		return action();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

function install() {
	if (upToDate()) return;
	withLock(() => {
		if (upToDate()) return;
		process.stderr.write('compat/n8n-1.x: installing the n8n 1.x engine for the [n8n 1.x] tests (npm ci, once per lockfile change)\n');
		const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
		const result = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
			cwd: here,
			stdio: ['ignore', 'inherit', 'inherit'],
		});
		if (result.status !== 0) throw new Error(`compat/n8n-1.x: npm ci failed (exit ${result.status ?? result.signal})`);
		fs.writeFileSync(stampFile, wanted());
	});
}

module.exports = install;

if (require.main === module) install();
