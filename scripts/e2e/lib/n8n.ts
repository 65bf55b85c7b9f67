/**
 * The real n8n app, run from the provisioning cache with Node 24: CLI commands (import, execute),
 * `n8n start` on loopback, and a small REST client with n8n's auth cookie.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, runProcess, sleep, startProcess, stopProcess, type Started } from './processes';
import type { N8nInstall } from './setup';

export interface N8nContext {
	install: N8nInstall;
	userFolder: string;
	/** Where command logs go (one stdout/stderr pair per command). */
	logDir: string;
	/** Folder the Read/Write Files node may read (N8N_RESTRICT_FILE_ACCESS_TO). */
	filesDir: string;
	encryptionKey: string;
}

let commandCounter = 0;

/** The environment of every n8n process: ours minus any N8N_* / DB_* settings, plus a fixed, quiet setup. */
export function n8nEnvironment(context: N8nContext, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(([name]) => !/^(N8N_|DB_|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$)/.test(name)),
	);
	return {
		...inherited,
		PATH: `${context.install.nodeBinDir}:${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: context.userFolder,
		N8N_ENCRYPTION_KEY: context.encryptionKey,
		N8N_RESTRICT_FILE_ACCESS_TO: context.filesDir,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		GENERIC_TIMEZONE: 'UTC',
		...extra,
	};
}

export interface CommandResult {
	code: number;
	stdout: string;
	stderr: string;
	stdoutFile: string;
	stderrFile: string;
}

/** Runs `n8n <args>` to completion. Each call gets its own Task Broker port. */
export async function n8nCommand(
	context: N8nContext,
	label: string,
	args: string[],
	env: Record<string, string> = {},
	timeoutMs = 180_000,
): Promise<CommandResult> {
	const base = join(context.logDir, `${String(++commandCounter).padStart(2, '0')}-${label.replace(/[^a-z0-9.-]+/gi, '_')}`);
	const stdoutFile = `${base}.stdout.txt`;
	const stderrFile = `${base}.stderr.txt`;
	const brokerPort = await freePort();
	const code = await runProcess(context.install.node, [context.install.n8nBin, ...args], {
		env: n8nEnvironment(context, { N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...env }),
		cwd: context.userFolder,
		stdoutFile,
		stderrFile,
		timeoutMs,
	});
	return { code, stdout: readFileSync(stdoutFile, 'utf8'), stderr: readFileSync(stderrFile, 'utf8'), stdoutFile, stderrFile };
}

export async function n8nCommandOrFail(context: N8nContext, label: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
	const result = await n8nCommand(context, label, args, env);
	if (result.code !== 0) {
		throw new Error(`n8n ${args.join(' ')} exited with ${result.code}; see ${result.stdoutFile}\n${tail(result.stdout + result.stderr, 15)}`);
	}
	return result;
}

export function tail(text: string, lines: number): string {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * The run printed by `n8n execute --rawOutput`: log lines first, then pretty-printed JSON from a
 * line that is exactly "{". On a failed run n8n logs the same JSON after "Execution error:".
 */
export function parseExecuteOutput(stdout: string): Record<string, unknown> | undefined {
	// Pretty-printed with indentation: the object's own closing brace is the first unindented "}".
	const lines = stdout.split('\n');
	for (let start = lines.indexOf('{'); start !== -1; start = lines.indexOf('{', start + 1)) {
		const end = lines.indexOf('}', start);
		if (end === -1) break;
		try {
			return JSON.parse(lines.slice(start, end + 1).join('\n')) as Record<string, unknown>;
		} catch {
			// not a JSON object after all; look for the next one
		}
	}
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// n8n start
// ---------------------------------------------------------------------------------------------

export interface N8nServer {
	baseUrl: string;
	port: number;
	process: Started;
	stdoutFile: string;
	stderrFile: string;
	/** When /healthz/readiness first answered 200, and when the REST API did (ms after the start). */
	readyAfterMs?: number;
	restAfterMs?: number;
	stop(): Promise<void>;
}

export async function startN8nServer(context: N8nContext, env: Record<string, string> = {}, readyTimeoutMs = 120_000): Promise<N8nServer> {
	const port = await freePort();
	const brokerPort = await freePort();
	const stdoutFile = join(context.logDir, 'n8n-start.stdout.txt');
	const stderrFile = join(context.logDir, 'n8n-start.stderr.txt');
	const started = startProcess(context.install.node, [context.install.n8nBin, 'start'], {
		env: n8nEnvironment(context, {
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PORT: String(port),
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
			WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			N8N_SECURE_COOKIE: 'false',
			...env,
		}),
		cwd: context.userFolder,
		stdoutFile,
		stderrFile,
	});
	const baseUrl = `http://127.0.0.1:${port}`;
	const startedAt = Date.now();
	const server: N8nServer = { baseUrl, port, process: started, stdoutFile, stderrFile, stop: () => stopProcess(started) };
	const deadline = Date.now() + readyTimeoutMs;
	let exitCode: number | undefined;
	void started.exited.then((code) => (exitCode = code));
	while (Date.now() < deadline) {
		if (exitCode !== undefined) {
			throw new Error(`n8n start exited with ${exitCode} before it was ready:\n${tail(readLog(stdoutFile) + readLog(stderrFile), 20)}`);
		}
		try {
			// Readiness (database up) comes first; n8n 1.x answers it before its REST routes exist (a
			// POST /rest/owner/setup then gets 404), so also wait for GET /rest/settings, which both
			// versions register last and answer without a login.
			const readiness = await fetch(`${baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
			if (readiness.status === 200) {
				server.readyAfterMs ??= Date.now() - startedAt;
				const settings = await fetch(`${baseUrl}/rest/settings`, { signal: AbortSignal.timeout(2000) });
				if (settings.status === 200) {
					server.restAfterMs = Date.now() - startedAt;
					return server;
				}
			}
		} catch {
			// not listening yet
		}
		await sleep(250);
	}
	await server.stop();
	throw new Error(`n8n start was not ready within ${readyTimeoutMs / 1000} s:\n${tail(readLog(stdoutFile) + readLog(stderrFile), 20)}`);
}

function readLog(file: string): string {
	return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

export interface RestAnswer<T = unknown> {
	status: number;
	body: T;
	text: string;
}

export class RestClient {
	private cookie: string | undefined;

	constructor(readonly baseUrl: string) {}

	get authCookie(): string | undefined {
		return this.cookie;
	}

	async call<T = unknown>(method: string, path: string, body?: unknown): Promise<RestAnswer<T>> {
		const headers: Record<string, string> = {};
		if (body !== undefined) headers['Content-Type'] = 'application/json';
		if (this.cookie) headers.Cookie = `n8n-auth=${this.cookie}`;
		const response = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
		const setCookie = response.headers.getSetCookie().find((value) => value.startsWith('n8n-auth='));
		if (setCookie) this.cookie = setCookie.slice('n8n-auth='.length).split(';')[0];
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: response.status, body: parsed as T, text };
	}

	/** Like call(), but a non-2xx answer is an error; returns the body's `data`. */
	async data<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const answer = await this.call<{ data: T }>(method, path, body);
		if (answer.status < 200 || answer.status >= 300) {
			throw new Error(`${method} ${path} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
		}
		return answer.body.data;
	}
}

export interface Owner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export const E2E_OWNER: Owner = {
	email: 'owner@zapi-e2e.test',
	password: 'E2e-Owner-Passw0rd',
	firstName: 'E2E',
	lastName: 'Owner',
};

/**
 * Creates the owner (first run of the instance) and logs in; the client keeps the auth cookie.
 * n8n 1.123.81 and 2.41.1 take the same calls: `POST /rest/owner/setup`, then `POST /rest/login`
 * with `emailOrLdapLoginId` (`email` is refused with 400 by both).
 */
export async function setUpOwner(client: RestClient, owner: Owner = E2E_OWNER): Promise<{ id: string; role: string }> {
	const user = await client.data<{ id: string; role: string }>('POST', '/rest/owner/setup', owner);
	await client.data('POST', '/rest/login', { emailOrLdapLoginId: owner.email, password: owner.password });
	return user;
}

/**
 * Publishes (activates) a workflow the way the editor does: `POST /rest/workflows/<id>/activate`
 * with the workflow's current `versionId` (n8n 1.123.81 and 2.41.1 alike). Returns the call made.
 */
export async function publishWorkflow(client: RestClient, id: string): Promise<string> {
	const workflow = await client.data<{ versionId: string }>('GET', `/rest/workflows/${id}`);
	const activated = await client.data<{ active: boolean }>('POST', `/rest/workflows/${id}/activate`, { versionId: workflow.versionId });
	if (activated.active !== true) throw new Error(`activate answered ${JSON.stringify(activated).slice(0, 300)}`);
	return `POST /rest/workflows/${id}/activate`;
}
