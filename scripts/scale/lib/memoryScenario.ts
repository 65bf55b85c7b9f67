/**
 * The memory scenario of the scale stage: one `n8n worker` (concurrency 10, filesystem binary
 * mode) runs 10 executions at once, each reading a different video of just under 10 MB from disk
 * (Read/Write Files) and posting it with the Z-API node. The worker's RSS is sampled every 50 ms
 * from idle to the end; "peak above idle" is what sending ten large videos at once costs the
 * worker. It is measured and reported, never asserted: the checks are about correctness
 * (every video reaches the sandbox once, byte-exact; every execution ran once on that worker, its
 * binary data in filesystem mode).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ReceivedRequest, ZApiSandbox } from '../../../test/sandbox/zapiSandbox';
import { firstOutputItem } from '../../e2e/lib/executions';
import type { N8nContext } from '../../e2e/lib/n8n';
import { sleep } from '../../e2e/lib/processes';
import type { Answer } from './load';
import { MIB, paddedMp4, post, seededRandom, sha256, STATUS_LIMIT } from './load';
import { mebibytes, processTree, readWorkerLog, startWorker, type Worker } from './queueMode';
import type { PgExecution } from './pgExecutions';

export const MEMORY_WEBHOOK_PATH = 'zapi-scale-memory';
export const MEMORY_VIDEOS = 10;
export const MEMORY_CONCURRENCY = 10;
const SAMPLE_EVERY_MS = 50;
/** Idle is the median RSS over this long, after the warm-up execution and a pause. */
const IDLE_SETTLE_MS = 3_000;
const IDLE_WINDOW_MS = 2_000;
/** The sandbox answers each status after this long, so all ten requests are open at the same time. */
const SANDBOX_DELAY_MS = 1_000;
const READ_NODE = 'Read video file';

/** Webhook (JSON: path, caption) -> Read/Write Files -> Z-API node; the webhook answers with the node's output. */
export function memoryWorkflow(credentialId: string): Record<string, unknown> {
	return {
		id: 'zapiScaleMemory',
		name: 'Scale: post a video file read from disk (memory scenario)',
		nodes: [
			{
				id: '6c1d2e3f-0a4b-4c5d-8e9f-a0b1c2d3e401',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2.1,
				position: [0, 0],
				webhookId: '6c1d2e3f-0a4b-4c5d-8e9f-a0b1c2d3e4ff',
				parameters: { httpMethod: 'POST', path: MEMORY_WEBHOOK_PATH, responseMode: 'lastNode', options: {} },
			},
			{
				id: '6c1d2e3f-0a4b-4c5d-8e9f-a0b1c2d3e402',
				name: READ_NODE,
				type: 'n8n-nodes-base.readWriteFile',
				typeVersion: 1.1,
				position: [220, 0],
				parameters: { operation: 'read', fileSelector: '={{ $json.body.path }}', options: {} },
			},
			{
				id: '6c1d2e3f-0a4b-4c5d-8e9f-a0b1c2d3e403',
				name: 'Post video status',
				type: 'n8n-nodes-zapi-status.zApi',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					resource: 'status',
					operation: 'sendVideoStatus',
					videoSource: 'binary',
					binaryPropertyName: 'data',
					caption: "={{ $('Webhook').item.json.body.caption }}",
					options: {},
				},
				credentials: { zApiApi: { id: credentialId, name: 'Z-API account' } },
			},
		],
		connections: {
			Webhook: { main: [[{ node: READ_NODE, type: 'main', index: 0 }]] },
			[READ_NODE]: { main: [[{ node: 'Post video status', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

export interface MemoryVideo {
	caption: string;
	path: string;
	bytes: number;
	sha256: string;
}

/** Ten distinct MP4 files of just under 10 MB (10,485,760 bytes minus 4 KiB per index) in `filesDir`. */
export function writeMemoryVideos(filesDir: string, video: Buffer, seed: number): { videos: MemoryVideo[]; warmUp: MemoryVideo } {
	const random = seededRandom(seed);
	const write = (name: string, data: Buffer): MemoryVideo => {
		const path = join(filesDir, `${name}.mp4`);
		writeFileSync(path, data);
		return { caption: `scale ${name}`, path, bytes: data.length, sha256: sha256(data) };
	};
	const videos = Array.from({ length: MEMORY_VIDEOS }, (_, index) => {
		const name = `m-${String(index + 1).padStart(2, '0')}`;
		return write(name, paddedMp4(video, STATUS_LIMIT - 4096 * (index + 1), name, random));
	});
	return { videos, warmUp: write('m-warm-up', paddedMp4(video, 256 * 1024, 'm-warm-up', random)) };
}

function vmRss(pid: number): number {
	try {
		const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

interface RssSample {
	at: number;
	/** The `n8n worker` process alone. */
	process: number;
	/** The worker's process tree: n8n and its JS task runner. */
	tree: number;
	/** Statuses open in the sandbox (received, not yet answered). */
	open: number;
}

/** Samples the worker's RSS every 50 ms (and how many statuses the sandbox holds open) until stop(). */
class RssRecorder {
	readonly samples: RssSample[] = [];

	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly pid: number,
		private readonly open: () => number,
	) {}

	start(): void {
		this.sample();
		this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.sample();
	}

	between(from: number, to: number): RssSample[] {
		return this.samples.filter((sample) => sample.at >= from && sample.at <= to);
	}

	private sample(): void {
		const own = vmRss(this.pid);
		if (own === 0) return;
		const tree = processTree(this.pid).reduce((sum, pid) => sum + vmRss(pid), 0);
		this.samples.push({ at: performance.now(), process: own, tree, open: this.open() });
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export interface CallResult extends Answer {
	video: MemoryVideo;
}

export interface MemoryRun {
	worker: Worker;
	calls: CallResult[];
	sends: ReceivedRequest[];
	executions: PgExecution[];
	/** Median RSS over the idle window, and the highest sample from the first call to the end. */
	idle: { process: number; tree: number };
	peak: { process: number; tree: number };
	/** Most statuses open in the sandbox at one sample. */
	mostOpen: number;
	samples: number;
	wallSeconds: number;
	/** Worker started execution N: how many times, per stored execution of the batch. */
	startedOnWorker: Map<string, number>;
}

export interface MemoryScenarioSetup {
	context: N8nContext;
	queueEnv: Record<string, string>;
	sandbox: ZApiSandbox;
	webhookUrl: string;
	videos: MemoryVideo[];
	warmUp: MemoryVideo;
	lastExecutionId: () => Promise<number>;
	/** The batch's executions once stored and finished. */
	settledExecutions: (afterId: number, expected: number) => Promise<PgExecution[]>;
	/** Called with the worker as soon as it is started (so the stage stops it at the end). */
	onWorker: (worker: Worker) => void;
	log: (line: string) => void;
}

async function call(url: string, video: MemoryVideo): Promise<CallResult> {
	const body = JSON.stringify({ path: video.path, caption: video.caption });
	return { video, ...(await post(url, { body, headers: { 'Content-Type': 'application/json' }, timeoutMs: 180_000 })) };
}

/** Starts the filesystem-mode worker, warms it up with one small video, samples idle, then posts the ten videos at once. */
export async function runMemoryScenario(setup: MemoryScenarioSetup): Promise<MemoryRun> {
	const worker = await startWorker(setup.context, 'worker-fs', { ...setup.queueEnv, N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem' }, { concurrency: MEMORY_CONCURRENCY });
	setup.onWorker(worker);
	setup.log(`worker-fs (pid ${worker.pid}, concurrency ${worker.concurrency}, N8N_DEFAULT_BINARY_DATA_MODE=filesystem) ready; the only worker running`);
	const warm = await call(setup.webhookUrl, setup.warmUp);
	if (warm.status !== 200) throw new Error(`the warm-up call answered ${warm.status ?? warm.error}: ${warm.text.slice(0, 300)}`);
	const recorder = new RssRecorder(worker.pid, () => setup.sandbox.requests.filter((request) => request.endpoint === 'send-video-status' && request.status === 0).length);
	recorder.start();
	try {
		await sleep(IDLE_SETTLE_MS);
		const idleFrom = performance.now();
		await sleep(IDLE_WINDOW_MS);
		const idleSamples = recorder.between(idleFrom, performance.now());
		setup.sandbox.reset();
		setup.sandbox.setFaultPolicy(() => ({ kind: 'delay', ms: SANDBOX_DELAY_MS }));
		const afterId = await setup.lastExecutionId();
		const start = performance.now();
		const calls = await Promise.all(setup.videos.map((video) => call(setup.webhookUrl, video)));
		const executions = await setup.settledExecutions(afterId, setup.videos.length);
		await sleep(500);
		const end = performance.now();
		recorder.stop();
		setup.sandbox.setFaultPolicy(undefined);
		const batchSamples = recorder.between(start, end);
		const ids = new Set(executions.map((execution) => execution.id));
		const startedOnWorker = new Map([...readWorkerLog(worker).started].filter(([id]) => ids.has(id)));
		return {
			worker,
			calls,
			sends: setup.sandbox.requests.filter((request) => request.endpoint === 'send-video-status'),
			executions,
			idle: { process: median(idleSamples.map((sample) => sample.process)), tree: median(idleSamples.map((sample) => sample.tree)) },
			peak: { process: Math.max(...batchSamples.map((sample) => sample.process)), tree: Math.max(...batchSamples.map((sample) => sample.tree)) },
			mostOpen: Math.max(...batchSamples.map((sample) => sample.open)),
			samples: batchSamples.length,
			wallSeconds: (end - start) / 1000,
			startedOnWorker,
		};
	} finally {
		recorder.stop();
		setup.sandbox.setFaultPolicy(undefined);
	}
}

/** Every call answered 200 with the sandbox's ids; each video received exactly once, byte-exact. */
export function checkMemoryDelivery(run: MemoryRun, clientToken: string): string {
	const problems: string[] = [];
	for (const result of run.calls) {
		const received = run.sends.filter((send) => send.caption === result.video.caption);
		try {
			if (result.status !== 200) throw new Error(`answered ${result.status ?? result.error}: ${result.text.slice(0, 200)}`);
			if (received.length !== 1) throw new Error(`the sandbox received it ${received.length} times`);
			const [send] = received;
			if (send.status !== 200) throw new Error(`the sandbox answered ${send.status}`);
			if (send.clientTokenHeader !== clientToken) throw new Error('wrong Client-Token header');
			if (send.video?.kind !== 'dataUri') throw new Error(`the sandbox got ${JSON.stringify(send.video)}`);
			if (send.video.bytes !== result.video.bytes) throw new Error(`${send.video.bytes} bytes received, ${result.video.bytes} sent`);
			if (send.video.sha256 !== result.video.sha256) throw new Error('sha256 differs');
			const answer = send.response as Record<string, unknown>;
			if (result.json?.messageId !== answer.messageId) throw new Error(`the webhook answered ${result.text.slice(0, 200)}, not the sandbox's messageId`);
		} catch (error) {
			problems.push(`${result.video.caption}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}
	if (problems.length > 0) throw new Error(`${problems.length} of ${run.calls.length} failed:\n${problems.join('\n')}`);
	const sizes = run.calls.map((result) => result.video.bytes);
	return (
		`${run.calls.length}/${run.calls.length} answered 200 with the sandbox's messageId; each video (${Math.min(...sizes).toLocaleString('en-US')} to ` +
		`${Math.max(...sizes).toLocaleString('en-US')} bytes) received exactly once, byte count and sha256 equal to the file; up to ${run.mostOpen} statuses open in the sandbox at once`
	);
}

/** Each execution ran once, on the filesystem-mode worker, and its file went through filesystem binary storage. */
export function checkMemoryExecutions(run: MemoryRun): string {
	const problems: string[] = [];
	if (run.executions.length !== run.calls.length) problems.push(`${run.executions.length} executions stored for ${run.calls.length} calls`);
	const modes = new Map<string, number>();
	for (const execution of run.executions) {
		if (execution.status !== 'success') problems.push(`execution ${execution.id}: status ${execution.status}`);
		const started = run.startedOnWorker.get(execution.id) ?? 0;
		if (started !== 1) problems.push(`execution ${execution.id}: ${run.worker.name} logged starting it ${started} times`);
		const id = firstOutputItem(execution, READ_NODE)?.binary?.data?.id;
		const mode = typeof id === 'string' ? id.split(':')[0] : '(no binary id)';
		modes.set(mode, (modes.get(mode) ?? 0) + 1);
	}
	const modeText = [...modes.entries()].map(([mode, count]) => `${count} x "${mode}"`).join(', ');
	if ([...modes.keys()].some((mode) => !mode.startsWith('filesystem'))) problems.push(`binary ids: ${modeText}`);
	if (problems.length > 0) throw new Error(problems.join('\n'));
	return `${run.executions.length} executions, each status success, each started once by ${run.worker.name}; the read files' binary ids: ${modeText}`;
}

export function describeMemory(run: MemoryRun): string {
	const above = (peak: number, idle: number) => `${((peak - idle) / MIB).toFixed(1)} MiB`;
	return (
		`MEMORY: ${run.calls.length} videos of ~10 MB at once, one worker (concurrency ${MEMORY_CONCURRENCY}, filesystem binary mode): ` +
		`worker peak RSS above idle ${above(run.peak.process, run.idle.process)} ` +
		`(n8n worker process, VmRSS every ${SAMPLE_EVERY_MS} ms: idle ${mebibytes(run.idle.process)}, peak ${mebibytes(run.peak.process)}; ` +
		`with its task runner: ${above(run.peak.tree, run.idle.tree)} above ${mebibytes(run.idle.tree)}); ` +
		`${run.samples} samples over ${run.wallSeconds.toFixed(1)} s`
	);
}
