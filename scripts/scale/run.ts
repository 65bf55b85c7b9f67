/**
 * Scale stage (npm run test:scale): the package inside n8n's own distributed engine.
 *
 * 1. Provisions n8n 2.41.1 + Node 24 (scripts/e2e/provision-n8n.sh, the e2e stage's cache),
 *    PostgreSQL 17 from the npm registry (scripts/scale/provision-postgres.sh, cached beside it),
 *    Debian's PostgreSQL client tools and Redis (scripts/scale/provision-services.sh: apt-get only when missing).
 * 2. Starts, on 127.0.0.1 and in temporary folders: a private Postgres cluster, Redis, `n8n start`
 *    in queue mode (EXECUTIONS_MODE=queue, DB_TYPE=postgresdb) and two `n8n worker` processes, each
 *    with its own user folder holding the packed package installed like a community package, all
 *    with one encryption key; the Z-API sandbox and a video host run inside this process.
 * 3. Activates examples/webhook-video-status.json and sends it batches with 16 calls in flight:
 *    200 with two workers (asserted), 32 while worker-2 gets SIGTERM (drain, asserted), the batch-1
 *    mix with one worker (figures), then 64 while a new worker-2 gets SIGKILL (fault run, reported;
 *    only "no status twice, no execution re-run" is asserted).
 * 4. Checks that n8n accepts the database version (no "Postgres N is not supported" warning), and
 *    scans a dump of every table of the database for tokens and video payloads.
 *
 * 5. The memory scenario: worker-1 stops, one `n8n worker` in filesystem binary mode (concurrency 10)
 *    posts 10 videos of just under 10 MB at once, read from disk; its RSS is sampled every 50 ms and
 *    the peak above idle printed (reported, not asserted; delivery and executions are asserted).
 *
 * Flags: --skip-build (pack the current dist/), --keep (keep the work folder and its logs),
 * --package=<tarball> (install that npm pack tarball instead, e.g. the current release),
 * --memory-only (main and the memory scenario only: how docs/benchmark.md compares releases).
 * Exit code 0 only when every check passed. Everything started is stopped and removed at the end,
 * on failure and on SIGINT/SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { startVideoHost, startZApiSandbox, type ReceivedRequest, type VideoHost, type ZApiSandbox } from '../../test/sandbox/zapiSandbox';
import { firstOutputItem } from '../e2e/lib/executions';
import { n8nCommandOrFail, RestClient, setUpOwner, startN8nServer, tail, type N8nContext, type N8nServer } from '../e2e/lib/n8n';
import { killAllStartedSync, runningCount, sleep } from '../e2e/lib/processes';
import { buildAndPack, installCommunityPackage, provisionN8n, REPO_ROOT, type N8nInstall, type PackedPackage } from '../e2e/lib/setup';
import { EXAMPLES_DIR, readWorkflow } from '../e2e/lib/workflows';
import { describeHits, scanDump, type DumpScan } from './lib/dumpScan';
import { describePlan, MIB, percentile, planBatch, runBatch, type BatchPlan, type BatchRun, type LoadResult, type RequestKind } from './lib/load';
import { Checks, errorMessage, info, step } from './lib/log';
import { checkMemoryDelivery, checkMemoryExecutions, describeMemory, MEMORY_CONCURRENCY, MEMORY_VIDEOS, MEMORY_WEBHOOK_PATH, memoryWorkflow, runMemoryScenario, writeMemoryVideos } from './lib/memoryScenario';
import { lastPgExecutionId, readPgExecutions, webhookCaption, type PgExecution } from './lib/pgExecutions';
import { CpuMeter, currentRss, describeCpu, mebibytes, MemorySampler, type CpuUse, queueModeEnv, readText, readWorkerLog, startWorker, type MemoryPeak, type Worker } from './lib/queueMode';
import { provisionServices, startPostgres, startRedis, type Postgres, type Redis, type ServiceBinaries } from './lib/services';

const USAGE = 'usage: run.ts [--skip-build] [--keep] [--package=<tarball>] [--memory-only]';
const args = new Set(process.argv.slice(2).filter((flag) => !flag.startsWith('--package=')));
const packageTarball = process.argv
	.slice(2)
	.find((flag) => flag.startsWith('--package='))
	?.slice('--package='.length);
for (const flag of args) {
	if (!['--skip-build', '--keep', '--memory-only'].includes(flag)) {
		process.stderr.write(`unknown flag ${flag}\n${USAGE}\n`);
		process.exit(2);
	}
}
const memoryOnly = args.has('--memory-only');

// Secrets that appear nowhere else: finding one in the database or a log cannot be a coincidence.
const SECRETS = {
	instanceId: 'SCALE-INSTANCE-3c9e51',
	instanceToken: 'SCALE-TOKEN-q7Vt4x-81ab',
	clientToken: 'SCALE-CLIENT-Rm2k9P-5f0d',
};
const CREDENTIAL_ID = 'zapiCredential'; // the id examples/webhook-video-status.json refers to
const WORKFLOW_FILE = 'webhook-video-status.json';
const WEBHOOK_PATH = 'zapi-video-status';
const NODE_NAME = 'Post video status';

const BATCH_REQUESTS = 200;
const FAULT_REQUESTS = 64;
const IN_FLIGHT = 16;
const WORKER_CONCURRENCY = 10; // n8n worker's default, stated explicitly
const BAD_SHARE = 0.05;
const MAX_UPLOAD_BYTES = MIB;
const SEED = 20_412;
const REQUEST_TIMEOUT_MS = 120_000;
const FAULT_REQUEST_TIMEOUT_MS = 300_000;
/** During the fault batch the sandbox answers each status after this long, so executions are in flight when the worker dies. */
const FAULT_SANDBOX_DELAY_MS = 2_000;
const DRAIN_REQUESTS = 32;
const DRAIN_SANDBOX_DELAY_MS = 1_000;

const VIDEO = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'media', 'h264-faststart.mp4'));
const NOT_VIDEO = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'media', 'not-a-video.png'));
// Stretches of the video as the database would hold them: Base64 (a data URI, JSON) and hex (a bytea column in pg_dump).
const VIDEO_BASE64_STRETCH = VIDEO.toString('base64').slice(4000, 4064);
const VIDEO_HEX_STRETCH = VIDEO.subarray(3000, 3048).toString('hex');

const EXPECTED_ERRORS: Record<Exclude<RequestKind, 'link' | 'upload'>, string> = {
	oversize: 'Input Binary Field: The video is 10.0 MB (10,485,761 bytes); WhatsApp Status accepts at most 10.0 MB (10,485,760 bytes) [item 0]',
	notVideo: 'Input Binary Field: The file is a PNG image, not a video (it was labelled image/png) [item 0]',
	badLink: 'Video URL: The video URL points to text/html content, not a video [item 0]',
};

// ---------------------------------------------------------------------------------------------
// State and cleanup
// ---------------------------------------------------------------------------------------------

interface State {
	workDir: string;
	install: N8nInstall;
	services: ServiceBinaries;
	packed: PackedPackage;
	postgres: Postgres;
	redis: Redis;
	sandbox: ZApiSandbox;
	host: VideoHost;
	mainContext: N8nContext;
	workerContexts: N8nContext[];
	queueEnv: Record<string, string>;
	main: N8nServer;
	/** The workers running now. */
	workers: Worker[];
	/** Every worker started, running or not (their logs say which execution ran where). */
	allWorkers: Worker[];
	webhookUrl: string;
	workflowId: string;
}

let stopping = false;
let signalExitCode: number | undefined;
const cleanups: Array<{ label: string; run: () => Promise<void> }> = [];
const timings: Array<[string, number]> = [];

async function timed<T>(label: string, action: () => Promise<T>): Promise<T> {
	const start = Date.now();
	try {
		return await action();
	} finally {
		timings.push([label, (Date.now() - start) / 1000]);
	}
}

let cleaning: Promise<void> | undefined;

/** Stops and removes everything started, newest first; every caller waits for the same run. */
function cleanUp(): Promise<void> {
	cleaning ??= (async () => {
		while (cleanups.length > 0) {
			const cleanup = cleanups.pop()!;
			try {
				await cleanup.run();
			} catch (error) {
				info(`cleanup (${cleanup.label}): ${errorMessage(error)}`);
			}
		}
	})();
	return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		if (stopping) return;
		stopping = true;
		signalExitCode = signal === 'SIGINT' ? 130 : 143;
		info(`${signal}: stopping n8n, the workers, Redis, Postgres and the sandbox`);
		void cleanUp().finally(() => {
			killAllStartedSync();
			process.exit(signalExitCode);
		});
	});
}
process.on('exit', killAllStartedSync);

// ---------------------------------------------------------------------------------------------
// Evidence of one batch
// ---------------------------------------------------------------------------------------------

interface BatchEvidence {
	label: string;
	/** The last execution id before the batch. */
	afterId: number;
	run: BatchRun;
	/** false when some executions were still new/running 120 s after the batch. */
	settled: boolean;
	/** The sandbox's send-video-status requests during the batch. */
	sends: ReceivedRequest[];
	executions: PgExecution[];
	/** Caption -> executions holding it. */
	byCaption: Map<string, PgExecution[]>;
	/** Execution id -> names of the workers that logged starting it (one entry per start). */
	startedBy: Map<string, string[]>;
	memory: Map<string, MemoryPeak>;
	cpu: CpuUse;
	/** 1-minute load average of the machine when the batch started. */
	loadAtStart: number;
	workersUp: string[];
}

function sendsByCaption(sends: ReceivedRequest[]): Map<string, ReceivedRequest[]> {
	const map = new Map<string, ReceivedRequest[]>();
	for (const send of sends) {
		const key = send.caption ?? '(no caption)';
		map.set(key, [...(map.get(key) ?? []), send]);
	}
	return map;
}

/** Waits until `expected` executions after `afterId` exist and none is new/running (or the time is up). */
async function settledExecutions(state: State, afterId: number, expected: number, timeoutMs: number): Promise<{ executions: PgExecution[]; settled: boolean }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const [total, open] = (
			await state.postgres.query(`SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'running', 'waiting')) FROM execution_entity WHERE id > ${afterId}`)
		)
			.trim()
			.split('|')
			.map(Number);
		const settled = total >= expected && open === 0;
		if (settled || Date.now() > deadline) return { executions: await readPgExecutions(state.postgres, state.install, afterId + 1), settled };
		await sleep(500);
	}
}

function workerStarts(workers: Worker[], ids: Set<string>): Map<string, string[]> {
	const startedBy = new Map<string, string[]>();
	for (const worker of workers) {
		for (const [id, times] of readWorkerLog(worker).started) {
			if (!ids.has(id)) continue;
			for (let index = 0; index < times; index++) startedBy.set(id, [...(startedBy.get(id) ?? []), worker.name]);
		}
	}
	return startedBy;
}

interface BatchOptions {
	timeoutMs?: number;
	/** The sandbox answers each status after this long (keeps executions in flight). */
	sandboxDelayMs?: number;
	/** Runs alongside the batch (for example: stop a worker once it is busy). */
	during?: (afterId: number, batchStart: number, batchDone: () => boolean) => Promise<void>;
}

async function runLoadBatch(state: State, plan: BatchPlan, label: string, allWorkers: Worker[], options: BatchOptions = {}): Promise<BatchEvidence> {
	state.sandbox.reset();
	if (options.sandboxDelayMs) state.sandbox.setFaultPolicy(() => ({ kind: 'delay', ms: options.sandboxDelayMs! }));
	const afterId = await lastPgExecutionId(state.postgres);
	const workersUp = state.workers.map((worker) => worker.name);
	const sampler = new MemorySampler(() => state.workers);
	const meter = new CpuMeter(
		() => [
			{ name: 'main', pid: state.main.process.child.pid ?? -1 },
			...state.workers.map((worker) => ({ name: worker.name, pid: worker.pid })),
			{ name: 'postgres', pid: state.postgres.process.child.pid ?? -1 },
			{ name: 'redis', pid: state.redis.process.child.pid ?? -1 },
		],
		availableParallelism(),
	);
	const loadAtStart = loadavg()[0];
	const cpuBefore = meter.snapshot();
	sampler.start();
	let done = false;
	const batchStart = performance.now();
	const [run] = await Promise.all([
		runBatch(state.webhookUrl, plan, { concurrency: IN_FLIGHT, timeoutMs: options.timeoutMs ?? REQUEST_TIMEOUT_MS }).finally(() => (done = true)),
		options.during?.(afterId, batchStart, () => done),
	]);
	const memory = sampler.stop();
	const cpu = meter.since(cpuBefore);
	state.sandbox.setFaultPolicy(undefined);
	const sends = state.sandbox.requests.filter((request) => request.endpoint === 'send-video-status');
	const { executions, settled } = await settledExecutions(state, afterId, plan.requests.length, 120_000);
	const byCaption = new Map<string, PgExecution[]>();
	for (const execution of executions) {
		const caption = webhookCaption(execution) ?? `(execution ${execution.id}: no caption stored)`;
		byCaption.set(caption, [...(byCaption.get(caption) ?? []), execution]);
	}
	const startedBy = workerStarts(allWorkers, new Set(executions.map((execution) => execution.id)));
	return { label, afterId, run, sends, executions, settled, byCaption, startedBy, memory, cpu, loadAtStart, workersUp };
}

// ---------------------------------------------------------------------------------------------
// Assertions on a batch
// ---------------------------------------------------------------------------------------------

function statusCounts(results: LoadResult[]): string {
	const counts = new Map<string, number>();
	for (const result of results) {
		const key = result.status === undefined ? `no answer (${result.error ?? 'unknown'})` : `HTTP ${result.status}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return [...counts.entries()].map(([key, count]) => `${count} x ${key}`).join(', ');
}

function failures(list: string[], total: number): string {
	return `${list.length} of ${total} failed:\n${list.slice(0, 8).join('\n')}${list.length > 8 ? `\n... and ${list.length - 8} more` : ''}`;
}

function checkAnswered(evidence: BatchEvidence): string {
	const unanswered = evidence.run.results.filter((result) => result.status === undefined);
	assert.equal(unanswered.length, 0, `${unanswered.length} requests got no answer: ${statusCounts(evidence.run.results)}`);
	return `${evidence.run.results.length}/${evidence.run.plan.requests.length} answered: ${statusCounts(evidence.run.results)}`;
}

function checkGood(evidence: BatchEvidence): string {
	const byCaption = sendsByCaption(evidence.sends);
	const good = evidence.run.results.filter((result) => result.request.good);
	const problems: string[] = [];
	let uploadBytes = 0;
	for (const result of good) {
		const { request } = result;
		const received = byCaption.get(request.caption) ?? [];
		try {
			assert.equal(result.status, 200, `answered ${result.status ?? result.error}: ${result.text.slice(0, 200)}`);
			assert.equal(received.length, 1, `the sandbox received it ${received.length} times`);
			const [send] = received;
			assert.equal(send.status, 200, `the sandbox answered ${send.status}`);
			assert.equal(send.clientTokenHeader, SECRETS.clientToken, 'wrong Client-Token header');
			if (request.kind === 'upload') {
				assert.ok(send.video?.kind === 'dataUri', `the sandbox got ${JSON.stringify(send.video)}`);
				assert.equal(send.video.bytes, request.upload!.data.length, 'byte count differs');
				assert.equal(send.video.sha256, request.upload!.sha256, 'sha256 differs');
				assert.equal(send.video.mimeType, 'video/mp4');
				uploadBytes += send.video.bytes;
			} else {
				assert.deepEqual(send.video, { kind: 'url', url: request.url }, 'the link differs');
			}
			const answer = send.response as Record<string, unknown>;
			assert.deepEqual(result.json, { zaapId: answer.zaapId, messageId: answer.messageId }, 'the webhook answer is not the sandbox\'s ids');
		} catch (error) {
			problems.push(`${request.id} (${request.kind}): ${errorMessage(error)}`);
		}
	}
	if (problems.length > 0) throw new Error(failures(problems, good.length));
	const links = good.filter((result) => result.request.kind === 'link').length;
	return (
		`${good.length}/${good.length} good requests answered 200 with the sandbox's {zaapId, messageId}; the sandbox received each exactly once: ` +
		`${links} links exact, ${good.length - links} uploads byte-exact (${(uploadBytes / MIB).toFixed(1)} MiB, sha256 and length per file)`
	);
}

/** The node's message as the execution stored it: the node's task error, or the item on its error output. */
function storedNodeMessage(execution: PgExecution): { message?: string; where: string } {
	const runs = execution.data?.resultData?.runData?.[NODE_NAME];
	const last = runs?.[runs.length - 1];
	const task = `node task executionStatus "${last?.executionStatus ?? 'unset'}"`;
	if (last?.error && typeof last.error.message === 'string') return { message: last.error.message, where: `the node's error, ${task}` };
	const item = last?.data?.main?.[1]?.[0]?.json;
	if (item && typeof item.error === 'string') return { message: item.error, where: `the item on the node's error output, ${task}` };
	return { where: 'nowhere' };
}

function checkBad(evidence: BatchEvidence): string {
	const byCaption = sendsByCaption(evidence.sends);
	const bad = evidence.run.results.filter((result) => !result.request.good);
	const problems: string[] = [];
	const statuses = new Map<string, number>();
	const places = new Set<string>();
	for (const result of bad) {
		const { request } = result;
		const expected = EXPECTED_ERRORS[request.kind as keyof typeof EXPECTED_ERRORS];
		try {
			assert.equal(result.status, 422, `answered ${result.status ?? result.error}: ${result.text.slice(0, 200)}`);
			assert.deepEqual(result.json, { error: expected });
			assert.equal((byCaption.get(request.caption) ?? []).length, 0, 'the sandbox received it');
			const executions = evidence.byCaption.get(request.caption) ?? [];
			assert.equal(executions.length, 1, `${executions.length} stored executions`);
			const stored = storedNodeMessage(executions[0]);
			assert.equal(stored.message, expected, `stored message: ${JSON.stringify(stored.message)}`);
			// The example answers the caller, then fails the execution with the same message (Stop and Error).
			assert.equal(executions[0].status, 'error', `execution status ${executions[0].status}`);
			assert.equal(executions[0].data?.resultData?.error?.message, expected, 'the failed execution does not carry the node\'s message');
			places.add(stored.where);
			statuses.set(executions[0].status, (statuses.get(executions[0].status) ?? 0) + 1);
		} catch (error) {
			problems.push(`${request.id} (${request.kind}): ${errorMessage(error)}`);
		}
	}
	if (problems.length > 0) throw new Error(failures(problems, bad.length));
	const kinds = (['oversize', 'notVideo', 'badLink'] as const).map((kind) => `${bad.filter((result) => result.request.kind === kind).length} ${kind}`).join(', ');
	const statusText = [...statuses.entries()].map(([status, count]) => `${count} "${status}"`).join(', ');
	return (
		`${bad.length}/${bad.length} bad requests (${kinds}) answered 422 {error} with the node's own message, none reached the sandbox; ` +
		`each stored execution carries that message (${[...places].join(', ')}) and failed with it; execution status ${statusText}`
	);
}

function checkExecutions(evidence: BatchEvidence, expectWorkers: string[]): string {
	const { executions, run } = evidence;
	const problems: string[] = [];
	if (executions.length !== run.plan.requests.length) problems.push(`${executions.length} executions stored for ${run.plan.requests.length} requests`);
	for (const request of run.plan.requests) {
		const stored = evidence.byCaption.get(request.caption) ?? [];
		if (stored.length !== 1) problems.push(`${request.id}: ${stored.length} executions`);
	}
	const perWorker = new Map<string, number>();
	for (const execution of executions) {
		if (execution.mode !== 'webhook') problems.push(`execution ${execution.id} has mode ${execution.mode}`);
		const workers = evidence.startedBy.get(execution.id) ?? [];
		if (workers.length !== 1) problems.push(`execution ${execution.id} was started ${workers.length} times (${workers.join(', ') || 'by no worker log'})`);
		for (const worker of workers) perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
	}
	for (const worker of expectWorkers) if (!perWorker.get(worker)) problems.push(`${worker} ran no execution`);
	for (const worker of perWorker.keys()) if (!expectWorkers.includes(worker)) problems.push(`${worker} ran executions but should not have been running`);
	if (problems.length > 0) throw new Error(failures(problems, executions.length));
	const statuses = new Map<string, number>();
	for (const execution of executions) statuses.set(execution.status, (statuses.get(execution.status) ?? 0) + 1);
	return (
		`${executions.length} executions stored (mode webhook; ${[...statuses.entries()].map(([status, count]) => `${count} ${status}`).join(', ')}), ` +
		`each started exactly once by one worker: ${expectWorkers.map((worker) => `${worker} ${perWorker.get(worker) ?? 0}`).join(', ')}`
	);
}

async function checkBinaryMode(state: State, evidence: BatchEvidence): Promise<string> {
	const uploads = evidence.run.plan.requests.filter((request) => request.kind === 'upload');
	const modes = new Map<string, number>();
	const problems: string[] = [];
	for (const request of uploads) {
		const [execution] = evidence.byCaption.get(request.caption) ?? [];
		const binary = execution ? firstOutputItem(execution, 'Webhook')?.binary?.video : undefined;
		if (!binary) {
			problems.push(`${request.id}: no stored binary "video" on the Webhook node's output`);
			continue;
		}
		if (typeof binary.data === 'string' && binary.data.length > 100) problems.push(`${request.id}: the upload is stored inline in the execution`);
		const mode = typeof binary.id === 'string' ? binary.id.split(':')[0] : '(inline)';
		modes.set(mode, (modes.get(mode) ?? 0) + 1);
	}
	const rows = (await state.postgres.query(`SELECT encode(sha256(data), 'hex'), "fileSize", "sourceType" FROM binary_data`))
		.trim()
		.split('\n')
		.filter(Boolean)
		.map((line) => line.split('|'));
	const stored = new Set(rows.map(([hash]) => hash));
	const missing = uploads.filter((request) => !stored.has(request.upload!.sha256));
	if (missing.length > 0) problems.push(`${missing.length} uploads not found byte-exact in the binary_data table (${missing.slice(0, 3).map((request) => request.id).join(', ')})`);
	if (problems.length > 0) throw new Error(failures(problems, uploads.length));
	const totalBytes = rows.reduce((sum, [, size]) => sum + Number(size), 0);
	const modeText = [...modes.entries()].map(([mode, count]) => `${count} x "${mode}"`).join(', ');
	assert.deepEqual([...modes.keys()], ['database'], `binary ids: ${modeText}`);
	return (
		`N8N_DEFAULT_BINARY_DATA_MODE unset; in queue mode n8n 2.41.1 chose "database": the ${uploads.length} uploads' stored ids are ${modeText}; ` +
		`each upload is in Postgres byte-exact (sha256 of binary_data.data); binary_data now holds ${rows.length} rows, ${(totalBytes / MIB).toFixed(1)} MiB`
	);
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

interface Figures {
	label: string;
	workers: number;
	statuses: number;
	wallSeconds: number;
	perSecond: number;
	p50: number;
	p95: number;
	p50All: number;
	p95All: number;
	memory: Map<string, MemoryPeak>;
	cpu: CpuUse;
	loadAtStart: number;
}

function figuresOf(evidence: BatchEvidence): Figures {
	const ok = evidence.run.results.filter((result) => result.request.good && result.status === 200);
	const latencies = ok.map((result) => result.latencyMs);
	const all = evidence.run.results.filter((result) => result.status !== undefined).map((result) => result.latencyMs);
	const wallSeconds = evidence.run.wallMs / 1000;
	return {
		label: evidence.label,
		workers: evidence.workersUp.length,
		statuses: ok.length,
		wallSeconds,
		perSecond: ok.length / wallSeconds,
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		p50All: percentile(all, 50),
		p95All: percentile(all, 95),
		memory: evidence.memory,
		cpu: evidence.cpu,
		loadAtStart: evidence.loadAtStart,
	};
}

/** CPU milliseconds per posted status, by role: the figure that carries over to other machines. */
function cpuPerStatus(figures: Figures): string {
	const perRole = new Map<string, number>();
	for (const [name, seconds] of figures.cpu.perProcess) {
		const role = name.startsWith('worker') ? 'workers' : name;
		perRole.set(role, (perRole.get(role) ?? 0) + seconds);
	}
	perRole.set('load generator + sandbox', figures.cpu.self);
	return [...perRole.entries()].map(([role, seconds]) => `${role} ${((seconds * 1000) / figures.statuses).toFixed(0)} ms`).join(', ');
}

function describeFigures(figures: Figures): string {
	const memory = [...figures.memory.entries()]
		.map(([worker, peak]) => `${worker} ${mebibytes(peak.processBytes)} (with task runner ${mebibytes(peak.treeBytes)})`)
		.join(', ');
	return (
		`${figures.workers} worker${figures.workers === 1 ? '' : 's'}: ${figures.statuses} statuses in ${figures.wallSeconds.toFixed(1)} s = ${figures.perSecond.toFixed(1)} statuses/s; ` +
		`latency p50 ${figures.p50.toFixed(0)} ms, p95 ${figures.p95.toFixed(0)} ms (good requests; all requests p50 ${figures.p50All.toFixed(0)} ms, p95 ${figures.p95All.toFixed(0)} ms); ` +
		`peak RSS ${memory}\n${describeCpu(figures.cpu)}; load average ${figures.loadAtStart.toFixed(1)} at the start\n` +
		`CPU per status: ${cpuPerStatus(figures)}`
	);
}
// ---------------------------------------------------------------------------------------------
// A worker stopped under load: SIGTERM (n8n drains it) and SIGKILL (the fault run)
// ---------------------------------------------------------------------------------------------

/** Executions after `afterId` that the worker's log shows as started and not finished. */
function runningOn(worker: Worker, afterId: number): string[] {
	const log = readWorkerLog(worker);
	return [...log.started.keys()].filter((id) => Number(id) > afterId && !log.finished.has(id));
}

function finishedOn(worker: Worker, afterId: number): string[] {
	return [...readWorkerLog(worker).finished].filter((id) => Number(id) > afterId);
}

interface Interruption {
	signal: 'SIGTERM' | 'SIGKILL';
	victim: string;
	/** ms into the batch. */
	signalAtMs: number;
	/** Executions the victim's log showed as started and not finished when the signal was sent. */
	runningAtSignal: string[];
	finishedBeforeSignal: number;
	exitCode: number;
	exitAfterMs: number;
}

/**
 * Sends `signal` to the victim's process group once it runs at least `minimumRunning` executions
 * of the batch and the sandbox has answered `minimumAnswered` statuses (so the batch is well under way).
 */
function interrupt(state: State, victim: Worker, signal: 'SIGTERM' | 'SIGKILL', minimumRunning: number, minimumAnswered: number) {
	let outcome: Interruption | undefined;
	const during = async (afterId: number, batchStart: number, batchDone: () => boolean) => {
		const deadline = Date.now() + 60_000;
		while (Date.now() < deadline && !batchDone()) {
			const answered = state.sandbox.requests.filter((request) => request.status !== 0).length;
			if (runningOn(victim, afterId).length >= minimumRunning && answered >= minimumAnswered) break;
			await sleep(25);
		}
		const runningAtSignal = runningOn(victim, afterId);
		const finishedBeforeSignal = finishedOn(victim, afterId).length;
		const signalAtMs = performance.now() - batchStart;
		if (signal === 'SIGKILL') victim.kill();
		else void victim.stop(); // SIGTERM to the group; SIGKILL only if it is still there after 35 s
		const exitCode = await victim.process.exited;
		const exitAfterMs = performance.now() - batchStart - signalAtMs;
		outcome = { signal, victim: victim.name, signalAtMs, runningAtSignal, finishedBeforeSignal, exitCode, exitAfterMs };
		info(
			`${signal} to ${victim.name}'s process group (pid ${victim.pid}) at ${(signalAtMs / 1000).toFixed(1)} s into the batch, ` +
				`${runningAtSignal.length} executions running on it (${runningAtSignal.join(', ')}), ${finishedBeforeSignal} finished on it before; ` +
				`it exited ${signal === 'SIGKILL' ? 'at once' : `with code ${exitCode} after ${(exitAfterMs / 1000).toFixed(1)} s`}`,
		);
	};
	return { during, outcome: () => outcome };
}

function checkDrain(evidence: BatchEvidence, drain: Interruption | undefined, victim: Worker): string {
	assert.ok(drain, 'the worker was not stopped');
	assert.ok(drain.runningAtSignal.length > 0, 'no execution was running on the worker when SIGTERM was sent');
	assert.equal(drain.exitCode, 0, `${drain.victim} exited with ${drain.exitCode}`);
	const finished = new Set(readWorkerLog(victim).finished);
	const byId = new Map(evidence.executions.map((execution) => [execution.id, execution]));
	const notFinished = drain.runningAtSignal.filter((id) => !finished.has(id) || byId.get(id)?.status !== 'success');
	assert.equal(notFinished.length, 0, `executions running at SIGTERM that did not finish on ${drain.victim}: ${notFinished.join(', ')}`);
	const answered = checkAnswered(evidence);
	const good = checkGood(evidence);
	return (
		`SIGTERM at ${(drain.signalAtMs / 1000).toFixed(1)} s with ${drain.runningAtSignal.length} executions running on ${drain.victim}: all ${drain.runningAtSignal.length} finished there (status success); ` +
		`it exited with code 0 after ${(drain.exitAfterMs / 1000).toFixed(1)} s; ${answered.split(':').slice(1).join(':').trim()}; ${good.split(';')[1].trim()}`
	);
}

interface FaultOutcome {
	text: string;
	duplicates: number;
	rerun: number;
}

function describeFault(state: State, evidence: BatchEvidence, kill: Interruption | undefined): FaultOutcome {
	assert.ok(kill, 'the worker was not killed');
	const sends = sendsByCaption(evidence.sends);
	const groups = new Map<string, number[]>();
	for (const result of evidence.run.results) {
		const received = (sends.get(result.request.caption) ?? []).length;
		const posted = received === 0 ? 'status not posted' : received === 1 ? 'status posted once' : `status posted ${received} times`;
		const answer =
			result.status === undefined
				? `no answer (${result.error})`
				: result.status === 200
					? 'HTTP 200 {zaapId, messageId}'
					: `HTTP ${result.status} ${result.text.slice(0, 100)}`;
		const key = `${answer}, ${posted}`;
		groups.set(key, [...(groups.get(key) ?? []), result.latencyMs]);
	}
	const mainLog = readText(state.main.stdoutFile) + readText(state.main.stderrFile);
	const stalled = [...mainLog.matchAll(/Problem with execution (\d+): This execution failed to be processed too many times/g)]
		.map((match) => match[1])
		.filter((id) => Number(id) > evidence.afterId);
	const onVictim = [...new Set([...kill.runningAtSignal, ...stalled])].sort((a, b) => Number(a) - Number(b));
	const byId = new Map(evidence.executions.map((execution) => [execution.id, execution]));
	const count = (values: string[]) => {
		const map = new Map<string, number>();
		for (const value of values) map.set(value, (map.get(value) ?? 0) + 1);
		return [...map.entries()].map(([value, times]) => `${times} ${value}`).join(', ') || 'none';
	};
	const victimStatuses = count(onVictim.map((id) => byId.get(id)?.status ?? 'not stored'));
	const victimErrors = count(
		onVictim.map((id) => {
			const message = byId.get(id)?.data?.resultData?.error?.message;
			return typeof message === 'string' ? `"${message.slice(0, 70)}..."` : '(no run error)';
		}),
	);
	const rerun = [...evidence.startedBy.values()].filter((workers) => workers.length > 1).length;
	const duplicates = [...sends.values()].filter((list) => list.length > 1).length;
	const range = (values: number[]) =>
		values.length === 1 ? `${(values[0] / 1000).toFixed(1)} s` : `${(Math.min(...values) / 1000).toFixed(1)}-${(Math.max(...values) / 1000).toFixed(1)} s`;
	const text = [
		`batch: ${evidence.run.plan.requests.length} good requests, ${IN_FLIGHT} in flight, two workers, the sandbox answering each status after ${FAULT_SANDBOX_DELAY_MS} ms`,
		`SIGKILL to ${kill.victim} at ${(kill.signalAtMs / 1000).toFixed(1)} s: its log showed ${kill.runningAtSignal.length} executions started and not finished; ` +
			`n8n main later failed ${stalled.length} jobs of the batch as stalled; together ${onVictim.length} executions were on ${kill.victim} (${onVictim.join(', ')})`,
		`what n8n did with those ${onVictim.length}: finished ${onVictim.filter((id) => byId.get(id)?.status === 'success').length}, failed ${onVictim.filter((id) => byId.get(id)?.status === 'error').length}, crashed ${onVictim.filter((id) => byId.get(id)?.status === 'crashed').length} ` +
			`(stored status: ${victimStatuses}; run error: ${victimErrors}); re-run on the other worker: ${rerun}`,
		`the callers (all ${evidence.run.results.length} calls returned ${(evidence.run.wallMs / 1000).toFixed(1)} s after the first):`,
		...[...groups.entries()].map(([key, latencies]) => `  ${latencies.length} x ${key} (after ${range(latencies)})`),
		`all ${evidence.executions.length} executions of the batch: ${count(evidence.executions.map((execution) => execution.status))}`,
		`calls answered 200 although their execution is stored as failed (the worker died after Respond to Webhook): ` +
			`${Math.max(0, evidence.run.results.filter((result) => result.status === 200).length - evidence.executions.filter((execution) => execution.status === 'success').length)}`,
		`statuses the sandbox received twice: ${duplicates}`,
	].join('\n');
	return { text, duplicates, rerun };
}

// ---------------------------------------------------------------------------------------------
// The stage's steps, in the order main() runs them
// ---------------------------------------------------------------------------------------------

/** Checks of the full stage: 16 on queue mode, 2 of the memory scenario; --memory-only runs the first 3 and the last 2. */
const CHECK_TITLES = memoryOnly ? 5 : 18;

/** The other stages' caches and the services' binaries. */
async function provision(): Promise<{ install: N8nInstall; services: ServiceBinaries }> {
	step("provision n8n (the e2e stage's cache), PostgreSQL 17 (npm registry) and Debian's PostgreSQL client and Redis");
	const install = await timed('provision n8n', provisionN8n);
	const services = await timed('provision PostgreSQL and Redis', () => provisionServices(join(__dirname, 'provision-services.sh')));
	info(
		`n8n ${install.n8nVersion} on Node ${install.nodeVersion}; PostgreSQL ${services.pgVersion} (${services.pgServerBinDir}), ` +
			`its client tools ${services.pgClientVersion} (${services.pgClientBinDir}); Redis ${services.redisVersion} (${services.redisServer})`,
	);
	return { install, services };
}

/** A temporary folder for logs, files and the packed package; removed at the end unless --keep. */
function createWorkFolder(): string {
	const workDir = mkdtempSync(join(tmpdir(), 'zapi-scale-'));
	const keep = args.has('--keep');
	cleanups.push({
		label: 'work folder',
		run: async () => {
			if (keep) info(`kept ${workDir}`);
			else rmSync(workDir, { recursive: true, force: true });
		},
	});
	for (const dir of ['logs', 'files', 'pack']) mkdirSync(join(workDir, dir), { recursive: true });
	info(`work folder ${workDir} (logs in ${join(workDir, 'logs')})`);
	return workDir;
}

async function packPackage(workDir: string): Promise<PackedPackage> {
	if (packageTarball) {
		step(`the package from ${packageTarball} (--package)`);
		const manifest = JSON.parse(execFileSync('tar', ['-xzOf', packageTarball, 'package/package.json'], { encoding: 'utf8' })) as { name: string; version: string };
		const files = execFileSync('tar', ['-tzf', packageTarball], { encoding: 'utf8' }).trim().split('\n').length;
		const sha = execFileSync('sha256sum', [packageTarball], { encoding: 'utf8' }).split(' ')[0];
		info(`${manifest.name}@${manifest.version}: ${statSync(packageTarball).size} bytes, ${files} files, sha256 ${sha.slice(0, 16)}...`);
		return { name: manifest.name, version: manifest.version, tarball: packageTarball, bytes: statSync(packageTarball).size, files };
	}
	step('build and pack the package');
	const packed = await timed('build and pack', () => buildAndPack(join(workDir, 'pack'), { build: !args.has('--skip-build') }));
	info(`${packed.name}@${packed.version}: ${packed.bytes} bytes, ${packed.files} files`);
	return packed;
}

async function startPostgresAndRedis(services: ServiceBinaries, logDir: string): Promise<{ postgres: Postgres; redis: Redis }> {
	step('start PostgreSQL and Redis on 127.0.0.1');
	const postgres = await timed('start Postgres', () => startPostgres(services, logDir));
	cleanups.push({ label: 'Postgres', run: () => postgres.stop() });
	const redis = await timed('start Redis', () => startRedis(services, logDir));
	cleanups.push({ label: 'Redis', run: () => redis.stop() });
	info(`Postgres on 127.0.0.1:${postgres.port} (cluster ${postgres.root}, database n8n), Redis on 127.0.0.1:${redis.port} (no persistence)`);
	return { postgres, redis };
}

/** One user folder each for main and the two workers, the packed package installed into each, one encryption key. */
async function installPackage(install: N8nInstall, workDir: string, packed: PackedPackage): Promise<{ main: N8nContext; workers: N8nContext[] }> {
	step('install the package into the user folder of the main instance and of each worker');
	const encryptionKey = `zapi-scale-${Math.random().toString(36).slice(2)}`;
	const contextFor = (name: string): N8nContext => {
		const userFolder = join(workDir, name);
		mkdirSync(userFolder, { recursive: true });
		return { install, userFolder, logDir: join(workDir, 'logs'), filesDir: join(workDir, 'files'), encryptionKey };
	};
	const main = contextFor('main');
	const workers = [contextFor('worker-1'), contextFor('worker-2')];
	await timed('install package x3', () => Promise.all([main, ...workers].map((context) => installCommunityPackage(context.userFolder, packed))));
	info(`installed into ${[main, ...workers].map((context) => `${context.userFolder}/.n8n/nodes`).join(', ')}; one N8N_ENCRYPTION_KEY for all`);
	return { main, workers };
}

/** The Z-API sandbox and the video host, in this process. */
async function startSandboxAndVideoHost(): Promise<{ sandbox: ZApiSandbox; host: VideoHost }> {
	const sandbox = await startZApiSandbox({ instances: [{ id: SECRETS.instanceId, token: SECRETS.instanceToken }], clientToken: SECRETS.clientToken });
	cleanups.push({ label: 'sandbox', run: () => sandbox.close() });
	const host = await startVideoHost();
	cleanups.push({ label: 'video host', run: () => host.close() });
	info(`Z-API sandbox at ${sandbox.baseUrl} (Client-Token required), video host at ${host.baseUrl}`);
	return { sandbox, host };
}

/** The n8n CLI writes both into Postgres (running its migrations first); returns the workflow's id. */
async function importCredentialAndWorkflow(context: N8nContext, queueEnv: Record<string, string>, sandbox: ZApiSandbox, workDir: string): Promise<string> {
	step('import the credential and examples/webhook-video-status.json with the n8n CLI (into Postgres)');
	const credentialsFile = join(workDir, 'credentials.json');
	writeFileSync(
		credentialsFile,
		JSON.stringify([
			{
				id: CREDENTIAL_ID,
				name: 'Z-API account',
				type: 'zApiApi',
				data: { instanceId: SECRETS.instanceId, instanceToken: SECRETS.instanceToken, clientToken: SECRETS.clientToken, baseUrl: sandbox.baseUrl },
			},
		]),
	);
	const workflow = readWorkflow(join(EXAMPLES_DIR, WORKFLOW_FILE));
	const workflowFile = join(workDir, 'workflow.json');
	writeFileSync(workflowFile, JSON.stringify(workflow));
	const memoryWorkflowFile = join(workDir, 'memory-workflow.json');
	writeFileSync(memoryWorkflowFile, JSON.stringify(memoryWorkflow(CREDENTIAL_ID)));
	await timed('import (runs the Postgres migrations)', async () => {
		await n8nCommandOrFail(context, 'import-credentials', ['import:credentials', `--input=${credentialsFile}`], queueEnv);
		await n8nCommandOrFail(context, 'import-workflow', ['import:workflow', `--input=${workflowFile}`], queueEnv);
		await n8nCommandOrFail(context, 'import-memory-workflow', ['import:workflow', `--input=${memoryWorkflowFile}`], queueEnv);
	});
	rmSync(credentialsFile);
	info(`credential ${CREDENTIAL_ID} and workflow ${workflow.id} imported`);
	return workflow.id;
}

type Installation = Omit<State, 'main' | 'workers' | 'allWorkers' | 'webhookUrl'>;

/** `n8n start` in queue mode and two workers (none with --memory-only); returns the state every later step works on. */
async function startQueueMode(installation: Installation): Promise<State> {
	const workerContexts = memoryOnly ? [] : installation.workerContexts;
	step(`start n8n main (queue mode) and ${workerContexts.length} workers`);
	const main = await timed('n8n main until ready', () => startN8nServer(installation.mainContext, installation.queueEnv));
	cleanups.push({ label: 'n8n main', run: () => main.stop() });
	info(`n8n main ready at ${main.baseUrl}`);
	const workers = await timed(`${workerContexts.length} workers until ready`, () =>
		Promise.all(
			workerContexts.map((context, index) => startWorker(context, `worker-${index + 1}`, installation.queueEnv, { concurrency: WORKER_CONCURRENCY })),
		),
	);
	const allWorkers: Worker[] = [...workers];
	cleanups.push({ label: 'workers', run: async () => void (await Promise.all(allWorkers.map((worker) => worker.stop()))) });
	info(`${workers.map((worker) => `${worker.name} (pid ${worker.pid}, concurrency ${worker.concurrency}, health :${worker.healthPort})`).join(', ')} ready`);
	const idle = workers.map((worker) => ({ worker, rss: currentRss(worker) }));
	info(`idle RSS: ${idle.map(({ worker, rss }) => `${worker.name} ${mebibytes(rss.processBytes)} (with task runner ${mebibytes(rss.treeBytes)})`).join(', ')}`);
	for (const line of noteworthyLines(readText(main.stdoutFile) + readText(main.stderrFile))) info(`n8n main says: ${line}`);
	return { ...installation, main, workers, allWorkers, webhookUrl: `${main.baseUrl}/webhook/${WEBHOOK_PATH}` };
}

/** n8n's warning for a Postgres major it does not support (below 16) or supports for compatibility only (16). */
const POSTGRES_VERSION_WARNING = /Postgres \d+ (is not supported|is outside the supported range)[^\n]*/g;

async function checkDatabaseVersion(state: State, checks: Checks): Promise<void> {
	await checks.check('n8n runs on a PostgreSQL it supports: no Postgres version warning from any n8n process', async () => {
		const version = await state.postgres.serverVersion();
		assert.ok(Number.parseInt(version, 10) >= 17, `the server reports PostgreSQL ${version}; n8n 2.41 supports 17 and newer`);
		// Every n8n process connects once at start: the CLI imports, main and the workers.
		const logDir = state.mainContext.logDir;
		const files = readdirSync(logDir).filter((name) => !/^(postgres|redis)\./.test(name));
		const warnings = files.flatMap((name) => [...readText(join(logDir, name)).matchAll(POSTGRES_VERSION_WARNING)].map((match) => `${name}: ${match[0]}`));
		assert.equal(warnings.length, 0, `n8n warned about the database version:\n${warnings.slice(0, 4).join('\n')}`);
		return `the server reports PostgreSQL ${version}; none of ${files.length} n8n log files (imports, main, workers) holds n8n's "Postgres N is not supported" or "compatibility support only" warning`;
	});
}

/** Publishes a workflow through the REST API and waits until its production webhook answers; returns how long that took. */
async function publish(rest: RestClient, workflowId: string, webhookUrl: string): Promise<number> {
	const { versionId } = await rest.data<{ versionId: string }>('GET', `/rest/workflows/${workflowId}`);
	const activated = await rest.data<{ active: boolean }>('POST', `/rest/workflows/${workflowId}/activate`, { versionId });
	assert.equal(activated.active, true);
	const start = Date.now();
	let status = 0;
	while (Date.now() - start < 30_000) {
		status = (await fetch(webhookUrl, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1', 'Access-Control-Request-Method': 'POST' } })).status;
		if (status === 204) break;
		await sleep(200);
	}
	assert.equal(status, 204, `OPTIONS ${webhookUrl} answered ${status}`);
	return Date.now() - start;
}

async function publishWebhookWorkflow(state: State, checks: Checks): Promise<RestClient> {
	step('owner, package check, publish the webhook workflow');
	const rest = new RestClient(state.main.baseUrl);
	await setUpOwner(rest);
	await checks.check(`the package is loaded by main${state.workers.length ? ' and both workers' : ' (the memory scenario\'s worker proves it by its executions)'}`, async () => {
		const nodes = await rest.call<Array<{ name: string }>>('GET', '/types/nodes.json');
		assert.ok(nodes.body.some((type) => type.name === 'n8n-nodes-zapi-status.zApi'), 'main does not list n8n-nodes-zapi-status.zApi');
		const processes = [['main', state.main.stdoutFile] as const, ...state.workers.map((worker) => [worker.name, worker.stdoutFile] as const)];
		for (const [name, file] of processes) {
			const text = readText(file);
			assert.ok(!text.includes(`Failed to load package "${state.packed.name}"`), `${name} could not load the package`);
		}
		return `main lists n8n-nodes-zapi-status.zApi in /types/nodes.json; no process logged a failed package load (each worker proves it by running executions below)`;
	});
	await checks.check('the webhook workflow is published and its production webhook registered', async () => {
		const waitedMs = await publish(rest, state.workflowId, state.webhookUrl);
		return `POST /rest/workflows/${state.workflowId}/activate -> active; OPTIONS ${state.webhookUrl} -> 204 after ${waitedMs} ms`;
	});
	return rest;
}

interface BatchPlans {
	warmUp: BatchPlan;
	two: BatchPlan;
	one: BatchPlan;
	drain: BatchPlan;
	fault: BatchPlan;
}

function planBatches(host: VideoHost): BatchPlans {
	const plan = (name: string, count: number, seed: number, badShare: number) =>
		planBatch({ name, count, seed, badShare, video: VIDEO, notVideo: NOT_VIDEO, maxUploadBytes: MAX_UPLOAD_BYTES, host: addFile(host) });
	return {
		warmUp: plan('w', 16, SEED + 1, 0),
		two: plan('b1', BATCH_REQUESTS, SEED, BAD_SHARE),
		one: plan('b2', BATCH_REQUESTS, SEED, BAD_SHARE),
		drain: plan('d', DRAIN_REQUESTS, SEED + 3, 0),
		fault: plan('f', FAULT_REQUESTS, SEED + 2, 0),
	};
}

async function warmUp(state: State, plan: BatchPlan): Promise<void> {
	step(`warm-up: ${plan.requests.length} good requests (not measured)`);
	const warm = await runBatch(state.webhookUrl, plan, { concurrency: IN_FLIGHT, timeoutMs: REQUEST_TIMEOUT_MS });
	info(`warm-up: ${statusCounts(warm.results)} in ${(warm.wallMs / 1000).toFixed(1)} s`);
}

async function batchWithTwoWorkers(state: State, checks: Checks, plan: BatchPlan): Promise<BatchEvidence> {
	step(`batch 1, two workers: ${describePlan(plan)}; ${IN_FLIGHT} in flight`);
	const two = await timed('batch 1 (two workers)', () => runLoadBatch(state, plan, 'two workers', state.allWorkers));
	info(`batch 1: ${statusCounts(two.run.results)} in ${(two.run.wallMs / 1000).toFixed(1)} s; sandbox got ${two.sends.length} send-video-status requests; ${two.executions.length} executions stored`);
	info(`video host: ${describeHostRequests(state.host, plan)}`);
	await checks.check('batch 1: every request answered', () => checkAnswered(two));
	await checks.check('batch 1: every good video received by the sandbox exactly once, exact bytes', () => checkGood(two));
	await checks.check("batch 1: every bad input answered 422 with the node's message, stored in its execution", () => checkBad(two));
	await checks.check('batch 1: one execution per request, each run by one worker, both workers used', () => checkExecutions(two, ['worker-1', 'worker-2']));
	await checks.check("batch 1: binary data went through n8n's database mode", () => checkBinaryMode(state, two));
	return two;
}

/** worker-2 gets SIGTERM while it runs executions; afterwards only worker-1 is up. */
async function drainOneWorker(state: State, checks: Checks, plan: BatchPlan): Promise<void> {
	step(`drain: ${plan.requests.length} good requests, worker-2 stopped with SIGTERM while it runs executions`);
	const [worker1, worker2] = state.workers;
	const drainStop = interrupt(state, worker2, 'SIGTERM', 3, plan.requests.length / 4);
	const drain = await timed('drain batch (SIGTERM to worker-2)', () =>
		runLoadBatch(state, plan, 'drain', state.allWorkers, { sandboxDelayMs: DRAIN_SANDBOX_DELAY_MS, during: drainStop.during }),
	);
	state.workers = [worker1];
	await checks.check('drain: a worker stopped with SIGTERM finishes the executions it runs, no call lost', () => checkDrain(drain, drainStop.outcome(), worker2));
	await checks.check('drain: one execution per request, each started once', () => checkExecutions(drain, ['worker-1', 'worker-2']));
}

async function batchWithOneWorker(state: State, checks: Checks, plan: BatchPlan): Promise<BatchEvidence> {
	step(`batch 2, one worker (worker-1): the same mix as batch 1`);
	const one = await timed('batch 2 (one worker)', () => runLoadBatch(state, plan, 'one worker', state.allWorkers));
	info(`batch 2: ${statusCounts(one.run.results)} in ${(one.run.wallMs / 1000).toFixed(1)} s; sandbox got ${one.sends.length} send-video-status requests`);
	await checks.check('batch 2: every request answered, good videos received once byte-exact, bad ones 422', () =>
		[checkAnswered(one), checkGood(one), checkBad(one)].map((line) => line.split(';')[0]).join('; '),
	);
	await checks.check('batch 2: every execution ran on worker-1', () => checkExecutions(one, ['worker-1']));
	return one;
}

/** A new worker-2 joins and gets SIGKILL mid-batch; reported, with "no status twice, no re-run" asserted. */
async function faultRun(state: State, checks: Checks, plan: BatchPlan): Promise<void> {
	step(`fault run: a new worker-2 joins, ${FAULT_REQUESTS} good requests, worker-2 killed with SIGKILL mid-batch (n8n's default lock and stall settings)`);
	const [worker1] = state.workers;
	const worker2b = await timed('restart worker-2', () => startWorker(state.workerContexts[1], 'worker-2b', state.queueEnv, { concurrency: WORKER_CONCURRENCY }));
	state.allWorkers.push(worker2b);
	state.workers = [worker1, worker2b];
	const kill = interrupt(state, worker2b, 'SIGKILL', 4, plan.requests.length / 4);
	const evidence = await timed('fault batch (SIGKILL to worker-2b)', () =>
		runLoadBatch(state, plan, 'fault', state.allWorkers, { sandboxDelayMs: FAULT_SANDBOX_DELAY_MS, during: kill.during, timeoutMs: FAULT_REQUEST_TIMEOUT_MS }),
	);
	state.workers = [worker1];
	const fault = describeFault(state, evidence, kill.outcome());
	info(`fault run outcome:\n${fault.text}`);
	await checks.check('fault run: no status posted twice, no execution re-run on the surviving worker', () => {
		assert.equal(fault.duplicates, 0, `${fault.duplicates} statuses were received twice`);
		assert.equal(fault.rerun, 0, `${fault.rerun} executions were started twice`);
		return 'the sandbox received no status twice; n8n re-ran no execution (n8n 2.41 fails a stalled job instead of retrying it)';
	});
}

/**
 * The running workers stop (SIGTERM); one worker in filesystem binary mode posts 10 videos of just
 * under 10 MB at once while its RSS is sampled (lib/memoryScenario.ts). Delivery is asserted; the
 * memory figure is printed, never asserted.
 */
async function memoryScenario(state: State, checks: Checks, rest: RestClient): Promise<void> {
	step(
		`memory scenario: one worker (concurrency ${MEMORY_CONCURRENCY}, N8N_DEFAULT_BINARY_DATA_MODE=filesystem), ${MEMORY_VIDEOS} executions at once, ` +
			`each reading a different video of just under 10 MB from disk (Read/Write Files) and posting it`,
	);
	await timed('memory scenario', async () => {
		await Promise.all(state.workers.map((worker) => worker.stop()));
		state.workers = [];
		const { videos, warmUp } = writeMemoryVideos(state.mainContext.filesDir, VIDEO, SEED + 4);
		const webhookUrl = `${state.main.baseUrl}/webhook/${MEMORY_WEBHOOK_PATH}`;
		await publish(rest, 'zapiScaleMemory', webhookUrl);
		const run = await runMemoryScenario({
			context: state.workerContexts[1],
			queueEnv: state.queueEnv,
			sandbox: state.sandbox,
			webhookUrl,
			videos,
			warmUp,
			lastExecutionId: () => lastPgExecutionId(state.postgres),
			settledExecutions: async (afterId, expected) => (await settledExecutions(state, afterId, expected, 120_000)).executions,
			onWorker: (worker) => {
				state.allWorkers.push(worker);
				state.workers = [worker];
			},
			log: info,
		});
		info(describeMemory(run));
		await checks.check(`memory scenario: ${MEMORY_VIDEOS} videos of ~10 MB posted at once, each received by the sandbox exactly once, byte-exact`, () =>
			checkMemoryDelivery(run, SECRETS.clientToken),
		);
		await checks.check('memory scenario: each execution ran once on the filesystem-mode worker, its file stored in filesystem mode', () => checkMemoryExecutions(run));
		for (const video of [...videos, warmUp]) rmSync(video.path, { force: true });
	});
}

/** A dump of every row in the database, scanned per table, and every n8n log, for tokens and video payloads. */
async function scanDatabaseAndLogs(state: State, checks: Checks): Promise<void> {
	step('scan the whole Postgres database (every table, dumped with COPY) and the n8n logs');
	const dumpFile = join(state.workDir, 'n8n.sql');
	const dumpBytes = await timed('database dump', () => state.postgres.dump(dumpFile));
	const scan: DumpScan = await timed('scan dump', () =>
		scanDump(dumpFile, [
			{ name: 'instance token', texts: [SECRETS.instanceToken, encodeURIComponent(SECRETS.instanceToken)] },
			{ name: 'Client-Token', texts: [SECRETS.clientToken, encodeURIComponent(SECRETS.clientToken)] },
			{ name: 'video (hex, as bytea)', texts: [VIDEO_HEX_STRETCH] },
			{ name: 'video (Base64)', texts: [VIDEO_BASE64_STRETCH] },
			{ name: 'credential id', texts: [`${CREDENTIAL_ID}\t`] },
		]),
	);
	rmSync(dumpFile);
	const tableCount = scan.rows.size;
	const rowCount = [...scan.rows.values()].reduce((sum, rows) => sum + rows, 0);
	info(
		`database dump: ${(dumpBytes / MIB).toFixed(1)} MiB, ${tableCount} tables, ${rowCount} rows; execution_entity ${scan.rows.get('execution_entity') ?? 0} rows, ` +
			`execution_data ${scan.rows.get('execution_data') ?? 0}, binary_data ${scan.rows.get('binary_data') ?? 0}, credentials_entity ${scan.rows.get('credentials_entity') ?? 0}`,
	);
	await checks.check('database dump: no instance token and no Client-Token anywhere (the credential is stored encrypted)', () => {
		const token = scan.hits.get('instance token');
		const client = scan.hits.get('Client-Token');
		assert.equal(token?.size ?? 0, 0, `instance token found in ${describeHits(token)}`);
		assert.equal(client?.size ?? 0, 0, `Client-Token found in ${describeHits(client)}`);
		const credentialRows = scan.hits.get('credential id');
		assert.ok(credentialRows?.get('credentials_entity'), 'the credential row was not found in credentials_entity');
		return `both tokens found nowhere in ${(dumpBytes / MIB).toFixed(1)} MiB (${tableCount} tables, ${rowCount} rows); the credential row exists in credentials_entity with its data encrypted`;
	});
	await checks.check("database dump: no video payload in any execution or log table (only in binary_data, n8n's database binary store)", () => {
		const hex = scan.hits.get('video (hex, as bytea)') ?? new Map<string, number>();
		const base64 = scan.hits.get('video (Base64)');
		const outside = [...hex.keys()].filter((table) => table !== 'binary_data');
		assert.equal(outside.length, 0, `video bytes found outside binary_data: ${describeHits(hex)}`);
		assert.equal(base64?.size ?? 0, 0, `the video's Base64 found in ${describeHits(base64)}`);
		assert.ok((hex.get('binary_data') ?? 0) > 0, 'no video bytes in binary_data: the scan did not see the binary store');
		return `video bytes only in binary_data (${hex.get('binary_data')} rows); its Base64 nowhere; execution_entity, execution_data and every other table clean`;
	});
	await checks.check('n8n logs (main and every worker): no token', () => {
		const files = [state.main.stdoutFile, state.main.stderrFile, ...state.allWorkers.flatMap((worker) => [worker.stdoutFile, worker.stderrFile])];
		const text = files.map(readText).join('\n');
		for (const [name, secret] of Object.entries({ 'instance token': SECRETS.instanceToken, 'Client-Token': SECRETS.clientToken })) {
			assert.ok(!text.includes(secret), `the ${name} appears in an n8n log`);
		}
		return `${files.length} log files, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, clean`;
	});
}

/** Throughput, latency, memory and CPU of the two batches, side by side (reported, not asserted). */
function reportFigures(state: State, two: BatchEvidence, one: BatchEvidence): void {
	const figuresTwo = figuresOf(two);
	const figuresOne = figuresOf(one);
	step('figures (reported, not asserted)');
	info(`two workers: ${describeFigures(figuresTwo)}`);
	info(`one worker:  ${describeFigures(figuresOne)}`);
	info(`speed-up with the second worker: x${(figuresTwo.perSecond / figuresOne.perSecond).toFixed(2)}`);
	info(
		`lifetime peak RSS (VmHWM) of the n8n worker processes: ${state.allWorkers
			.map((worker) => {
				const peak = [two.memory, one.memory].map((memory) => memory.get(worker.name)?.lifetimePeakBytes ?? 0).reduce((a, b) => Math.max(a, b), 0);
				return `${worker.name} ${peak ? mebibytes(peak) : 'n/a'}`;
			})
			.join(', ')}`,
	);
	printTable(figuresTwo, figuresOne);
}

async function stopN8n(state: State): Promise<void> {
	step('stop everything');
	await timed('stop n8n, workers, Redis, Postgres', async () => {
		await Promise.all(state.allWorkers.map((worker) => worker.stop()));
		await state.main.stop();
	});
}

/** Versions, timings and the checks' verdict; the exit code. */
function summarize(state: State, checks: Checks, started: number): number {
	info('---- summary');
	info(
		`n8n ${state.install.n8nVersion} (Node ${state.install.nodeVersion}), PostgreSQL ${state.services.pgVersion} (client tools ${state.services.pgClientVersion}), ` +
			`Redis ${state.services.redisVersion}, package ${state.packed.name}@${state.packed.version}`,
	);
	for (const [label, seconds] of timings) info(`timing: ${label} ${seconds.toFixed(1)} s`);
	info(`timing: total ${((Date.now() - started) / 1000).toFixed(1)} s`);
	if (checks.results.length !== CHECK_TITLES) info(`note: ${checks.results.length} checks ran, ${CHECK_TITLES} declared`);
	const failed = checks.failed;
	info(`${checks.results.length - failed.length}/${CHECK_TITLES} checks passed${failed.length ? `; FAILED: ${failed.map((result) => result.number).join(', ')}` : ''}`);
	if (failed.length > 0) {
		info(`last lines of n8n main's log:\n${tail(readText(state.main.stdoutFile) + readText(state.main.stderrFile), 15)}`);
		for (const worker of state.allWorkers) info(`last lines of ${worker.name}'s log:\n${tail(readText(worker.stdoutFile) + readText(worker.stderrFile), 10)}`);
	}
	return failed.length === 0 && checks.results.length === CHECK_TITLES ? 0 : 1;
}

async function main(): Promise<number> {
	const started = Date.now();
	const checks = new Checks(CHECK_TITLES);
	info(`scale stage: the package inside n8n queue mode (main + 2 workers, Postgres, Redis) (${new Date().toISOString()})`);

	const { install, services } = await provision();
	const workDir = createWorkFolder();
	const packed = await packPackage(workDir);
	const { postgres, redis } = await startPostgresAndRedis(services, join(workDir, 'logs'));
	const contexts = await installPackage(install, workDir, packed);
	const { sandbox, host } = await startSandboxAndVideoHost();
	const queueEnv = queueModeEnv(postgres, redis);
	const workflowId = await importCredentialAndWorkflow(contexts.main, queueEnv, sandbox, workDir);
	const state = await startQueueMode({
		workDir,
		install,
		services,
		packed,
		postgres,
		redis,
		sandbox,
		host,
		mainContext: contexts.main,
		workerContexts: contexts.workers,
		queueEnv,
		workflowId,
	});

	await checkDatabaseVersion(state, checks);
	const rest = await publishWebhookWorkflow(state, checks);
	if (memoryOnly) {
		await memoryScenario(state, checks, rest);
	} else {
		const plans = planBatches(host);
		await warmUp(state, plans.warmUp);
		const two = await batchWithTwoWorkers(state, checks, plans.two);
		await drainOneWorker(state, checks, plans.drain);
		const one = await batchWithOneWorker(state, checks, plans.one);
		await faultRun(state, checks, plans.fault);
		await memoryScenario(state, checks, rest);
		await scanDatabaseAndLogs(state, checks);
		reportFigures(state, two, one);
	}
	await stopN8n(state);
	return summarize(state, checks, started);
}

/** What the workers asked the video host for the batch's links (the node checks a link before posting it). */
function describeHostRequests(host: VideoHost, plan: BatchPlan): string {
	const paths = new Set(plan.requests.filter((request) => request.url).map((request) => new URL(request.url!).pathname));
	const methods = new Map<string, number>();
	for (const request of host.requests) {
		if (paths.has(request.path.split('?')[0])) methods.set(request.method, (methods.get(request.method) ?? 0) + 1);
	}
	const tokens = host.requests.filter((request) => JSON.stringify(request.headers).includes(SECRETS.clientToken)).length;
	return `${paths.size} links in the batch, ${[...methods.entries()].map(([method, count]) => `${count} ${method}`).join(', ')} to them; ${tokens} carried the Client-Token`;
}

/** Lines of n8n's start-up log a reader of this stage should see. */
function noteworthyLines(log: string): string[] {
	return log.split('\n').filter((line) => /^Postgres \d+ is not supported/.test(line) || /binary data mode/i.test(line));
}

function addFile(host: VideoHost) {
	return (name: string, data: Buffer, contentType?: string) => host.add(name, data, contentType ? { contentType } : {});
}

function workerCpu(figures: Figures): string {
	const seconds = [...figures.cpu.perProcess.entries()].filter(([name]) => name.startsWith('worker')).reduce((sum, [, value]) => sum + value, 0);
	return ((seconds * 1000) / figures.statuses).toFixed(0);
}

function others(figures: Figures): string {
	const ours = [...figures.cpu.perProcess.values()].reduce((sum, seconds) => sum + seconds, 0) + figures.cpu.self;
	return (Math.max(0, figures.cpu.machineBusy - ours) / figures.cpu.wallSeconds).toFixed(2);
}

function printTable(two: Figures, one: Figures): void {
	const peak = (figures: Figures) =>
		[...figures.memory.entries()].map(([worker, memory]) => `${worker} ${mebibytes(memory.processBytes)}`).join(', ');
	const rows = [
		['', '1 worker', '2 workers'],
		['statuses/s', one.perSecond.toFixed(1), two.perSecond.toFixed(1)],
		['p50 latency (ms)', one.p50.toFixed(0), two.p50.toFixed(0)],
		['p95 latency (ms)', one.p95.toFixed(0), two.p95.toFixed(0)],
		['peak RSS per worker', peak(one), peak(two)],
		['worker CPU per status (ms)', workerCpu(one), workerCpu(two)],
		['other processes on the machine (cores)', others(one), others(two)],
	];
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	info(rows.map((row) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`).join('\n'));
}

main()
	.then(async (code) => {
		await cleanUp();
		if (runningCount() > 0) info(`stopping ${runningCount()} leftover child process group(s)`);
		killAllStartedSync();
		process.exit(signalExitCode ?? code);
	})
	.catch(async (error: unknown) => {
		// After SIGINT/SIGTERM the steps fail as their services go away: that is not the error to report.
		if (!stopping) info(`ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
		await cleanUp();
		killAllStartedSync();
		process.exit(signalExitCode ?? 1);
	});
