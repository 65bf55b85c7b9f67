/**
 * Runs the Z-API sandbox as a standalone process (for the demo, the benchmark and e2e tests
 * against a real n8n):
 *
 *   npx ts-node --transpile-only test/sandbox/cli.ts [--port N] [--client-token X] [--instance ID:TOKEN]...
 *
 * Prints one JSON line {"baseUrl","instanceId","instanceToken"} to stdout (the first instance),
 * logs each request to stderr with the instance token masked, and exits on SIGINT/SIGTERM.
 */
import { DEFAULT_INSTANCE, startZApiSandbox, type ReceivedRequest, type SandboxInstance, type SandboxOptions } from './zapiSandbox';

const USAGE = 'usage: cli.ts [--port N] [--host H] [--client-token X] [--instance ID:TOKEN]... [--max-video-bytes N]';

function parseArguments(argv: string[]): SandboxOptions {
	const options: SandboxOptions = {};
	const instances: SandboxInstance[] = [];
	for (let index = 0; index < argv.length; index++) {
		const flag = argv[index];
		const value = (): string => {
			const next = argv[++index];
			if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
			return next;
		};
		switch (flag) {
			case '--port':
				options.port = parseNonNegativeInteger(flag, value());
				break;
			case '--host':
				options.host = value();
				break;
			case '--client-token':
				options.clientToken = value();
				break;
			case '--max-video-bytes':
				options.maxVideoBytes = parseNonNegativeInteger(flag, value());
				break;
			case '--instance': {
				const pair = value();
				const separator = pair.indexOf(':');
				if (separator <= 0 || separator === pair.length - 1) throw new Error(`--instance expects ID:TOKEN, got "${pair}"`);
				instances.push({ id: pair.slice(0, separator), token: pair.slice(separator + 1) });
				break;
			}
			case '--help':
			case '-h':
				process.stderr.write(`${USAGE}\n`);
				process.exit(0);
			// eslint-disable-next-line no-fallthrough
			default:
				throw new Error(`unknown argument "${flag}"\n${USAGE}`);
		}
	}
	if (instances.length > 0) options.instances = instances;
	return options;
}

function parseNonNegativeInteger(flag: string, text: string): number {
	const number = Number(text);
	if (!Number.isInteger(number) || number < 0) throw new Error(`${flag} expects a non-negative integer, got "${text}"`);
	return number;
}

function logRequest(request: ReceivedRequest): void {
	const status = request.status === 0 ? 'no answer' : String(request.status);
	process.stderr.write(`${new Date(request.receivedAt).toISOString()} ${request.method} ${request.path} -> ${status}\n`);
}

async function main(): Promise<void> {
	const options = parseArguments(process.argv.slice(2));
	const sandbox = await startZApiSandbox({ ...options, onRequest: logRequest });
	const first = options.instances?.[0] ?? DEFAULT_INSTANCE;
	process.stdout.write(`${JSON.stringify({ baseUrl: sandbox.baseUrl, instanceId: first.id, instanceToken: first.token })}\n`);

	let stopping = false;
	const stop = (signal: NodeJS.Signals): void => {
		if (stopping) return;
		stopping = true;
		process.stderr.write(`${signal}: closing the sandbox\n`);
		sandbox.close().then(
			() => process.exit(0),
			(error: unknown) => {
				process.stderr.write(`close failed: ${String(error)}\n`);
				process.exit(1);
			},
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(2);
});
