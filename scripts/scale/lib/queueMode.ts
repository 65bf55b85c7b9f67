/**
 * n8n in queue mode: the environment every process shares (Postgres, Redis, one encryption key),
 * `n8n worker` processes with their health server on loopback, what each worker's log says it ran,
 * and memory sampling of a worker's process tree. `n8n start` itself comes from scripts/e2e/lib/n8n.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { n8nEnvironment, tail, type N8nContext } from '../../e2e/lib/n8n';
import { freePort, sleep, startProcess, stopProcess, type Started } from '../../e2e/lib/processes';
import type { Postgres, Redis } from './services';

/** What makes a process part of the queue-mode installation. The binary data mode is left to n8n. */
export function queueModeEnv(postgres: Postgres, redis: Redis): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: postgres.host,
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: postgres.database,
		DB_POSTGRESDB_USER: postgres.user,
		DB_POSTGRESDB_PASSWORD: postgres.password,
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
	};
}

export interface Worker {
	name: string;
	context: N8nContext;
	process: Started;
	pid: number;
	healthPort: number;
	concurrency: number;
	stdoutFile: string;
	stderrFile: string;
	/** SIGTERM (n8n drains running jobs), SIGKILL after the grace period. */
	stop(): Promise<void>;
	/** SIGKILL to the worker's whole process group (the n8n process and its task runner), at once. */
	kill(): void;
}

export async function startWorker(
	context: N8nContext,
	name: string,
	env: Record<string, string>,
	options: { concurrency: number; readyTimeoutMs?: number },
): Promise<Worker> {
	const healthPort = await freePort();
	const brokerPort = await freePort();
	const stdoutFile = join(context.logDir, `${name}.stdout.txt`);
	const stderrFile = join(context.logDir, `${name}.stderr.txt`);
	const started = startProcess(context.install.node, [context.install.n8nBin, 'worker', `--concurrency=${options.concurrency}`], {
		env: n8nEnvironment(context, {
			...env,
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		}),
		cwd: context.userFolder,
		stdoutFile,
		stderrFile,
	});
	const worker: Worker = {
		name,
		context,
		process: started,
		pid: started.child.pid ?? -1,
		healthPort,
		concurrency: options.concurrency,
		stdoutFile,
		stderrFile,
		stop: () => stopProcess(started, 35_000),
		kill: () => {
			if (started.child.pid === undefined) return;
			try {
				process.kill(-started.child.pid, 'SIGKILL');
			} catch {
				// already gone
			}
		},
	};
	const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
	while (Date.now() < deadline) {
		if (started.child.exitCode !== null || started.child.signalCode !== null) {
			throw new Error(`${name} exited with ${started.child.exitCode ?? started.child.signalCode} before it was ready:\n${tail(readText(stdoutFile) + readText(stderrFile), 20)}`);
		}
		try {
			const response = await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
			if (response.status === 200) return worker;
		} catch {
			// not listening yet
		}
		await sleep(250);
	}
	await worker.stop();
	throw new Error(`${name} was not ready within ${(options.readyTimeoutMs ?? 120_000) / 1000} s:\n${tail(readText(stdoutFile) + readText(stderrFile), 20)}`);
}

export function readText(file: string): string {
	return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export interface WorkerLog {
	/** Execution id -> how many times this worker logged "Worker started execution <id>". */
	started: Map<string, number>;
	finished: Set<string>;
	errored: Set<string>;
}

/** Reads the worker's console log (n8n logs each job it takes and finishes at level info). */
export function readWorkerLog(worker: Worker): WorkerLog {
	const text = readText(worker.stdoutFile) + readText(worker.stderrFile);
	const started = new Map<string, number>();
	const finished = new Set<string>();
	const errored = new Set<string>();
	for (const match of text.matchAll(/Worker started execution (\d+) \(job /g)) started.set(match[1], (started.get(match[1]) ?? 0) + 1);
	for (const match of text.matchAll(/Worker finished execution (\d+) \(job /g)) finished.add(match[1]);
	for (const match of text.matchAll(/Worker errored while running execution (\d+) \(job /g)) errored.add(match[1]);
	return { started, finished, errored };
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

/** The process and every descendant (n8n starts its JS task runner as a child). */
export function processTree(pid: number): number[] {
	const result: number[] = [];
	const queue = [pid];
	while (queue.length > 0) {
		const current = queue.shift()!;
		if (!existsSync(`/proc/${current}`)) continue;
		result.push(current);
		let threads: string[] = [];
		try {
			threads = readdirSync(`/proc/${current}/task`);
		} catch {
			continue;
		}
		for (const thread of threads) {
			try {
				for (const child of readFileSync(`/proc/${current}/task/${thread}/children`, 'utf8').trim().split(/\s+/)) {
					if (child) queue.push(Number(child));
				}
			} catch {
				// thread gone
			}
		}
	}
	return result;
}

/** RSS of the n8n worker process and of its whole process tree, now. */
export function currentRss(worker: Worker): { processBytes: number; treeBytes: number } {
	return {
		processBytes: statusField(worker.pid, 'VmRSS'),
		treeBytes: processTree(worker.pid).reduce((sum, pid) => sum + statusField(pid, 'VmRSS'), 0),
	};
}

export interface MemoryPeak {
	/** Highest sampled RSS of the n8n worker process alone. */
	processBytes: number;
	/** Highest sampled sum of RSS over the worker's process tree (n8n + task runner). */
	treeBytes: number;
	/** The kernel's peak RSS of the n8n process over its whole life (VmHWM) when last read. */
	lifetimePeakBytes: number;
	samples: number;
}

/** Samples the RSS of each worker's process tree every `intervalMs` until stop(). */
export class MemorySampler {
	private readonly peaks = new Map<string, MemoryPeak>();

	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly workers: () => Worker[],
		private readonly intervalMs = 200,
	) {}

	start(): void {
		this.sample();
		this.timer = setInterval(() => this.sample(), this.intervalMs);
	}

	stop(): Map<string, MemoryPeak> {
		if (this.timer) clearInterval(this.timer);
		this.timer = undefined;
		this.sample();
		return this.peaks;
	}

	private sample(): void {
		for (const worker of this.workers()) {
			if (worker.process.child.exitCode !== null || worker.process.child.signalCode !== null) continue;
			const own = statusField(worker.pid, 'VmRSS');
			if (own === 0) continue;
			const tree = processTree(worker.pid).reduce((sum, pid) => sum + statusField(pid, 'VmRSS'), 0);
			const peak = this.peaks.get(worker.name) ?? { processBytes: 0, treeBytes: 0, lifetimePeakBytes: 0, samples: 0 };
			peak.processBytes = Math.max(peak.processBytes, own);
			peak.treeBytes = Math.max(peak.treeBytes, tree);
			peak.lifetimePeakBytes = Math.max(peak.lifetimePeakBytes, statusField(worker.pid, 'VmHWM'));
			peak.samples++;
			this.peaks.set(worker.name, peak);
		}
	}
}

export function mebibytes(bytes: number): string {
	return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

// ---------------------------------------------------------------------------------------------
// CPU
// ---------------------------------------------------------------------------------------------

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture n8n runs on

/** CPU seconds of a process tree: each process's own time, plus the time of children it has reaped. */
function treeCpuSeconds(pid: number): number {
	let ticks = 0;
	for (const member of processTree(pid)) {
		try {
			const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
			// Fields after the command name (which may hold spaces): state is field 3, utime 14 ... cstime 17.
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
		} catch {
			// exited meanwhile
		}
	}
	return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Busy and total CPU seconds of the whole machine, from /proc/stat (all cores). */
function machineCpuSeconds(): { busy: number; total: number } {
	const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
	const numbers = values.map(Number);
	const total = numbers.slice(0, 8).reduce((sum, value) => sum + value, 0);
	const idle = numbers[3] + numbers[4]; // idle + iowait
	return { busy: (total - idle) / CLOCK_TICKS_PER_SECOND, total: total / CLOCK_TICKS_PER_SECOND };
}

export interface CpuSnapshot {
	at: number;
	perProcess: Map<string, number>;
	self: number;
	machine: { busy: number; total: number };
}

export interface CpuUse {
	wallSeconds: number;
	/** CPU seconds per named process tree during the interval. */
	perProcess: Map<string, number>;
	/** This process: the load generator, the Z-API sandbox and the video host. */
	self: number;
	/** Busy CPU seconds of the whole machine (every process, ours or not). */
	machineBusy: number;
	cores: number;
}

/** CPU accounting for named process trees (n8n main, workers, Postgres, Redis) and this process. */
export class CpuMeter {
	constructor(
		private readonly processes: () => Array<{ name: string; pid: number }>,
		private readonly cores: number,
	) {}

	snapshot(): CpuSnapshot {
		const usage = process.cpuUsage();
		return {
			at: performance.now(),
			perProcess: new Map(this.processes().map(({ name, pid }) => [name, treeCpuSeconds(pid)])),
			self: (usage.user + usage.system) / 1e6,
			machine: machineCpuSeconds(),
		};
	}

	since(before: CpuSnapshot): CpuUse {
		const after = this.snapshot();
		const perProcess = new Map<string, number>();
		for (const [name, seconds] of after.perProcess) {
			if (before.perProcess.has(name)) perProcess.set(name, seconds - before.perProcess.get(name)!);
		}
		return {
			wallSeconds: (after.at - before.at) / 1000,
			perProcess,
			self: after.self - before.self,
			machineBusy: after.machine.busy - before.machine.busy,
			cores: this.cores,
		};
	}
}

export function describeCpu(use: CpuUse): string {
	const ours = [...use.perProcess.values()].reduce((sum, seconds) => sum + seconds, 0) + use.self;
	const parts = [...use.perProcess.entries()].map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`);
	parts.push(`load generator + sandbox ${use.self.toFixed(1)}`);
	const others = Math.max(0, use.machineBusy - ours);
	return (
		`CPU-seconds in ${use.wallSeconds.toFixed(1)} s: ${parts.join(', ')} = ${ours.toFixed(1)} ` +
		`(${(ours / use.wallSeconds).toFixed(2)} of ${use.cores} cores); other processes on the machine ${others.toFixed(1)} ` +
		`(${(others / use.wallSeconds).toFixed(2)} cores); machine ${((use.machineBusy / use.wallSeconds / use.cores) * 100).toFixed(0)} % busy`
	);
}
