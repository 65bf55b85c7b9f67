/**
 * What the end-to-end run needs before n8n starts: the cached n8n app and browser (provisioning
 * scripts), and the package itself, built, packed with `npm pack` and installed into a user
 * folder the way n8n's Community Nodes screen installs it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = join(__dirname, '..', '..', '..');
const SCRIPT_DIR = join(REPO_ROOT, 'scripts', 'e2e');

export interface N8nInstall {
	/** The Node binary n8n runs on (24 for n8n 2.x, 20 for 1.x). */
	node: string;
	/** Its bin directory (first on PATH for n8n: it starts its task runner as `node`). */
	nodeBinDir: string;
	/** n8n's bin/n8n (a JS file: run it with `node`). */
	n8nBin: string;
	n8nVersion: string;
	nodeVersion: string;
}

export interface BrowserInstall {
	playwrightCoreDir: string;
	chromiumPath: string;
}

/** Runs a provisioning script (its progress goes to our stderr) and reads its NAME=value lines. */
async function provision(script: string, names: string[], scriptArgs: string[] = []): Promise<Record<string, string>> {
	// The scripts print shell-quoted assignments: let bash evaluate them, then print the values plainly.
	const program = `set -euo pipefail; out=$(bash "$@"); eval "$out"; ${names.map((name) => `printf '%s\\n' "$${name}"`).join('; ')}`;
	const child = execFile('bash', ['-c', program, 'provision', join(SCRIPT_DIR, script), ...scriptArgs], { maxBuffer: 1024 * 1024 });
	child.stderr?.pipe(process.stderr);
	let stdout = '';
	child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? -1)));
	if (code !== 0) throw new Error(`scripts/e2e/${script} failed with exit code ${code}`);
	const values = stdout.replace(/\n$/, '').split('\n');
	if (values.length !== names.length || values.some((value) => value === '')) {
		throw new Error(`scripts/e2e/${script} did not print ${names.join(', ')}`);
	}
	return Object.fromEntries(names.map((name, index) => [name, values[index]]));
}

/** The n8n versions provision-n8n.sh knows: the pinned 2.x (its default) and the last 1.x. */
export const PINNED_N8N_VERSION = '2.41.1';
export const LAST_1X_N8N_VERSION = '1.123.81';

export async function provisionN8n(version: string = PINNED_N8N_VERSION): Promise<N8nInstall> {
	const values = await provision('provision-n8n.sh', ['N8N_E2E_NODE', 'N8N_E2E_NODE_BIN_DIR', 'N8N_E2E_N8N_BIN', 'N8N_E2E_N8N_VERSION'], [`--n8n=${version}`]);
	if (values.N8N_E2E_N8N_VERSION !== version) throw new Error(`provision-n8n.sh provisioned n8n ${values.N8N_E2E_N8N_VERSION}, not ${version}`);
	const { stdout } = await run(values.N8N_E2E_NODE, ['--version']);
	return {
		node: values.N8N_E2E_NODE,
		nodeBinDir: values.N8N_E2E_NODE_BIN_DIR,
		n8nBin: values.N8N_E2E_N8N_BIN,
		n8nVersion: values.N8N_E2E_N8N_VERSION,
		nodeVersion: stdout.trim(),
	};
}

export async function provisionBrowser(): Promise<BrowserInstall> {
	const values = await provision('provision-browser.sh', ['PLAYWRIGHT_CORE_DIR', 'CHROMIUM_PATH']);
	return { playwrightCoreDir: values.PLAYWRIGHT_CORE_DIR, chromiumPath: values.CHROMIUM_PATH };
}

export interface PackedPackage {
	name: string;
	version: string;
	tarball: string;
	bytes: number;
	files: number;
}

/** `npm run build` (unless skipped) and `npm pack` into `destination`. */
export async function buildAndPack(destination: string, options: { build: boolean }): Promise<PackedPackage> {
	if (options.build) {
		await run('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
	}
	const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
		cwd: REPO_ROOT,
		maxBuffer: 16 * 1024 * 1024,
	});
	const [packed] = JSON.parse(stdout) as Array<{ name: string; version: string; filename: string; size: number; files: unknown[] }>;
	return { name: packed.name, version: packed.version, tarball: join(destination, packed.filename), bytes: packed.size, files: packed.files.length };
}

/**
 * Installs a packed tarball into `<userFolder>/.n8n/nodes` as n8n 2.x's CommunityPackagesService
 * does for a package from the registry: unpack into node_modules/<name>, drop dev/peer/optional
 * dependencies from its package.json, `npm install` its own dependencies without scripts, and
 * record it in the folder's package.json.
 */
export async function installCommunityPackage(userFolder: string, packed: PackedPackage): Promise<string> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const packageDir = join(nodesDir, 'node_modules', packed.name);
	mkdirSync(packageDir, { recursive: true });
	await run('tar', ['-xzf', packed.tarball, '-C', packageDir, '--strip-components=1']);
	const manifestPath = join(packageDir, 'package.json');
	const { devDependencies: _dev, peerDependencies: _peer, optionalDependencies: _optional, ...manifest } = JSON.parse(
		readFileSync(manifestPath, 'utf8'),
	) as Record<string, unknown>;
	writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
	await run(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			'--legacy-peer-deps',
		],
		{ cwd: packageDir, maxBuffer: 16 * 1024 * 1024 },
	);
	writeFileSync(
		join(nodesDir, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [packed.name]: packed.version } }, null, 2)}\n`,
	);
	return packageDir;
}
