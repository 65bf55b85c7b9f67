/**
 * npm run n8n: the n8n editor with this package loaded, for development.
 *
 * Builds and packs the package, installs the tarball into a persistent n8n user folder like the
 * Community Nodes screen does (again on every start, so a restart picks up code changes), and runs
 * `n8n start` (the version the e2e tests use, on Node 24, from the provisioning cache) in the
 * foreground. Ctrl-C stops it.
 *
 *   npm run n8n                      # http://127.0.0.1:5678, your own Z-API credential
 *   npm run n8n -- --sandbox         # plus a local Z-API sandbox, a credential for it and the examples
 *   npm run n8n -- --port 5690 --user-folder /tmp/my-n8n --fresh --skip-build
 *   npm run n8n -- --n8n 1.123.81    # the last n8n 1.x instead of the pinned 2.41.1
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startVideoHost, startZApiSandbox } from '../../test/sandbox/zapiSandbox';
import { freePort } from './lib/processes';
import { n8nCommandOrFail, n8nEnvironment, type N8nContext } from './lib/n8n';
import { buildAndPack, installCommunityPackage, LAST_1X_N8N_VERSION, PINNED_N8N_VERSION, provisionN8n, REPO_ROOT } from './lib/setup';
import { prepareWorkflows } from './lib/workflows';

const USAGE = 'usage: npm run n8n -- [--port N] [--sandbox] [--user-folder DIR] [--fresh] [--skip-build] [--n8n 2.41.1|1.123.81]';

interface Options {
	port: number;
	sandbox: boolean;
	userFolder: string;
	fresh: boolean;
	build: boolean;
	n8nVersion: string;
}

function parseOptions(argv: string[]): Options {
	const cacheRoot = process.env.ZAPI_E2E_CACHE ?? '/var/cache/n8n-nodes-zapi-status';
	const options: Options = { port: 5678, sandbox: false, userFolder: '', fresh: false, build: true, n8nVersion: PINNED_N8N_VERSION };
	for (let index = 0; index < argv.length; index++) {
		const flag = argv[index];
		const value = () => {
			const next = argv[++index];
			if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
			return next;
		};
		if (flag === '--port') options.port = Number(value());
		else if (flag === '--sandbox') options.sandbox = true;
		else if (flag === '--user-folder') options.userFolder = value();
		else if (flag === '--fresh') options.fresh = true;
		else if (flag === '--skip-build') options.build = false;
		else if (flag === '--n8n') options.n8nVersion = value();
		else if (flag === '--help' || flag === '-h') {
			process.stdout.write(`${USAGE}\n`);
			process.exit(0);
		} else throw new Error(`unknown argument ${flag}\n${USAGE}`);
	}
	if (!Number.isInteger(options.port) || options.port <= 0) throw new Error(`--port expects a port number\n${USAGE}`);
	if (![PINNED_N8N_VERSION, LAST_1X_N8N_VERSION].includes(options.n8nVersion)) throw new Error(`--n8n expects ${PINNED_N8N_VERSION} or ${LAST_1X_N8N_VERSION}\n${USAGE}`);
	// One user folder per app: n8n 1.x cannot open a database that n8n 2.x has migrated.
	if (!options.userFolder) options.userFolder = join(cacheRoot, options.n8nVersion === PINNED_N8N_VERSION ? 'dev-user' : `dev-user-${options.n8nVersion}`);
	return options;
}

const log = (message: string) => process.stdout.write(`[n8n-dev] ${message}\n`);

async function main(): Promise<void> {
	const options = parseOptions(process.argv.slice(2));
	const install = await provisionN8n(options.n8nVersion);
	if (options.fresh) rmSync(options.userFolder, { recursive: true, force: true });
	const firstStart = !existsSync(join(options.userFolder, '.n8n', 'database.sqlite'));
	const filesDir = join(options.userFolder, 'files');
	const logDir = join(options.userFolder, 'logs');
	mkdirSync(filesDir, { recursive: true });
	mkdirSync(logDir, { recursive: true });

	const packDir = mkdtempSync(join(tmpdir(), 'zapi-n8n-dev-pack-'));
	const packed = await buildAndPack(packDir, { build: options.build });
	rmSync(join(options.userFolder, '.n8n', 'nodes', 'node_modules', packed.name), { recursive: true, force: true });
	await installCommunityPackage(options.userFolder, packed);
	rmSync(packDir, { recursive: true, force: true });
	log(`${packed.name}@${packed.version} installed into ${options.userFolder}/.n8n/nodes`);

	const context: N8nContext = { install, userFolder: options.userFolder, logDir, filesDir, encryptionKey: 'zapi-n8n-dev-local-only' };
	const closers: Array<() => Promise<void>> = [];
	if (options.sandbox) {
		const sandbox = await startZApiSandbox({ instances: [{ id: 'DEV-INSTANCE', token: 'DEV-TOKEN' }], clientToken: 'DEV-CLIENT-TOKEN', onRequest: (request) => log(`sandbox: ${request.method} ${request.path} -> ${request.status}`) });
		const host = await startVideoHost();
		closers.push(() => sandbox.close(), () => host.close());
		const video = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'media', 'h264-faststart.mp4'));
		const videoFile = join(filesDir, 'promo.mp4');
		copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'media', 'h264-faststart.mp4'), videoFile);
		const longVideoFile = join(filesDir, 'long-video.mp4');
		copyFileSync(join(REPO_ROOT, 'test', 'fixtures', 'media', 'split-h264-180s.mp4'), longVideoFile);
		const videoUrl = host.add('promo.mp4', video);
		const credentials = join(logDir, 'sandbox-credential.json');
		writeFileSync(
			credentials,
			JSON.stringify([
				{
					id: 'zapiCredential',
					name: 'Z-API account',
					type: 'zApiApi',
					data: { instanceId: 'DEV-INSTANCE', instanceToken: 'DEV-TOKEN', clientToken: 'DEV-CLIENT-TOKEN', baseUrl: sandbox.baseUrl },
				},
			]),
		);
		await n8nCommandOrFail(context, 'import-sandbox-credential', ['import:credentials', `--input=${credentials}`]);
		rmSync(credentials);
		if (firstStart) {
			const workflowsDir = join(logDir, 'examples');
			rmSync(workflowsDir, { recursive: true, force: true });
			mkdirSync(workflowsDir);
			const prepared = prepareWorkflows(workflowsDir, { videoFile, oversizeFile: videoFile, videoUrl, longVideoFile }, { examplesOnly: true });
			await n8nCommandOrFail(context, 'import-examples', ['import:workflow', '--separate', `--input=${workflowsDir}`]);
			log(`imported ${prepared.count} example workflows`);
		}
		log(`Z-API sandbox at ${sandbox.baseUrl} (credential "Z-API account" points at it), video ${videoUrl}`);
	}

	const url = `http://127.0.0.1:${options.port}`;
	log(`starting n8n ${install.n8nVersion} (Node ${install.node}) at ${url}${firstStart ? ' - first start: create the owner account in the browser' : ''}`);
	const child = spawn(install.node, [install.n8nBin, 'start'], {
		stdio: 'inherit',
		cwd: options.userFolder,
		env: n8nEnvironment(context, {
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PORT: String(options.port),
			N8N_EDITOR_BASE_URL: url,
			WEBHOOK_URL: `${url}/`,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			N8N_SECURE_COOKIE: 'false',
		}),
	});
	// Ctrl-C in a terminal reaches n8n directly (same process group). n8n handles SIGINT and SIGTERM
	// once each and a repeated SIGINT kills it on the spot, so pass any stop signal on as one SIGTERM.
	let forwarded = false;
	const forward = () => {
		if (forwarded || child.exitCode !== null) return;
		forwarded = true;
		child.kill('SIGTERM');
	};
	process.on('SIGINT', forward);
	process.on('SIGTERM', forward);
	const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 0)));
	for (const close of closers) await close();
	process.exit(code);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
});
