/**
 * Child processes of the end-to-end run. Each one is started in its own process group (n8n starts
 * task runners of its own), remembered, and stopped by group id: on normal exit, on failure and on
 * SIGINT/SIGTERM. Nothing else is ever signalled.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';

const running = new Set<ChildProcess>();

export interface Started {
	child: ChildProcess;
	/** Resolves with the exit code; a process ended by a signal gets the shell's 128 + signal number (143 for SIGTERM). */
	exited: Promise<number>;
}

/** Starts a command with stdout and stderr written to files (never pipes: n8n writes a lot). */
export function startProcess(command: string, args: string[], options: SpawnOptions & { stdoutFile: string; stderrFile: string }): Started {
	const stdout = openSync(options.stdoutFile, 'w');
	const stderr = openSync(options.stderrFile, 'w');
	const { stdoutFile: _stdout, stderrFile: _stderr, ...spawnOptions } = options;
	let child: ChildProcess;
	try {
		child = spawn(command, args, { ...spawnOptions, stdio: ['ignore', stdout, stderr], detached: true });
	} finally {
		closeSync(stdout);
		closeSync(stderr);
	}
	running.add(child);
	const exited = new Promise<number>((resolve) => {
		child.once('error', () => {
			running.delete(child);
			resolve(-1);
		});
		child.once('exit', (code, signal) => {
			running.delete(child);
			resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : -1));
		});
	});
	return { child, exited };
}

/** Runs a command to completion; rejects after `timeoutMs` (and stops it). */
export async function runProcess(
	command: string,
	args: string[],
	options: SpawnOptions & { stdoutFile: string; stderrFile: string; timeoutMs: number },
): Promise<number> {
	const { timeoutMs, ...rest } = options;
	const started = startProcess(command, args, rest);
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			void stopProcess(started);
			reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
		}, timeoutMs);
	});
	try {
		return await Promise.race([started.exited, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	if (child.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}

/** SIGTERM to the process group, SIGKILL after `graceMs` if it is still there. */
export async function stopProcess(started: Started, graceMs = 10_000): Promise<void> {
	if (started.child.exitCode !== null || started.child.signalCode !== null) {
		signalGroup(started.child, 'SIGKILL'); // leftovers of the group (task runners), if any
		return;
	}
	signalGroup(started.child, 'SIGTERM');
	let timer: NodeJS.Timeout | undefined;
	const killed = new Promise<void>((resolve) => {
		timer = setTimeout(() => {
			signalGroup(started.child, 'SIGKILL');
			resolve();
		}, graceMs);
	});
	await Promise.race([started.exited.then(() => undefined), killed]);
	clearTimeout(timer);
	signalGroup(started.child, 'SIGKILL');
}

/** Synchronous last resort (process exit handlers): SIGKILL every group still running. */
export function killAllStartedSync(): void {
	for (const child of running) signalGroup(child, 'SIGKILL');
}

export function runningCount(): number {
	return running.size;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
