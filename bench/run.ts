/**
 * npm run bench: the Z-API node against a bare client, the streamed floor and n8n's usual workaround,
 * side by side, on loopback. See docs/benchmark.md for how to read the output.
 *
 * `npx ts-node --transpile-only bench/run.ts --report bench/results/latest.json` prints a saved run again.
 *
 * Environment knobs (all optional):
 *   BENCH_SCENARIOS=video10-fs,urls1000   run only these scenarios
 *   BENCH_REPS=3                          repetitions for every scenario (default: 7 for single videos, 5 otherwise;
 *                                         Extract From File with default options: 3, and 1 on 200 items)
 *   BENCH_CONTENDERS=node,bare,floor      run only these contenders (keys as in the table's JSON)
 *   BENCH_ALT_NODE=/abs/path/ZApi.node.ts add "node-alt": a prototype of the node, loaded from that file
 *   BENCH_ALT_LABELS="label 1|label 2"   their labels in the tables, in order
 *   BENCH_OUT=bench/results/other.json    where to write the results (default bench/results/latest.json)
 *   BENCH_CHILD_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof"   extra Node flags for every contender process
 *   BENCH_MALLOC=default                  leave glibc's dynamic mmap threshold on (see childEnv)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { Child } from './lib/child';
import { generatePayloads, TEN_MB, type PayloadFile, type Payloads } from './lib/payloads';
import { CLIENT_TOKEN, startBenchServers, type BenchServers, type ExpectedVideo, type Verdict } from './lib/servers';
import { fmt, max, MB, median, slope, table } from './lib/stats';

const ROOT = resolve(__dirname, '..');
const started = performance.now();

type ItemsSpec = { kind: 'binary'; files: string[] } | { kind: 'url'; urls: string[] } | { kind: 'base64'; textFile: string };
type ScenarioKind = 'binary' | 'url' | 'base64';

interface ContenderDef {
	key: string;
	label: string;
	runner: 'engine' | 'bare' | 'floor';
	engine?: 'node' | 'node-alt' | 'wa-default' | 'wa-tuned' | 'wa-http' | 'n8n-floor' | 'n8n-floor-head' | 'n8n-floor-file';
	urlHandling?: 'checkThenPass' | 'passLink';
	variant?: { connection: 'keepAlive' | 'new'; headFirst?: boolean };
	altIndex?: number;
	/** Fewer repetitions (the default-options workaround spends ~0.35 s per MiB in character-set detection). */
	reps?: number;
	memoryPass?: boolean;
}

interface Scenario {
	id: string;
	title: string;
	kind: ScenarioKind;
	binaryMode: 'default' | 'filesystem';
	reps: number;
	/** Bytes of video per item. */
	itemBytes: number;
	items: (instanceId: string) => ItemsSpec;
	warmup: (instanceId: string) => ItemsSpec;
	expected: (items: ItemsSpec) => ExpectedVideo[];
	contenders: ContenderDef[];
}

const C = {
	node: { key: 'node', label: 'Z-API node (this package)', runner: 'engine', engine: 'node' },
	nodeAlt: { key: 'node-alt', label: 'Z-API node, prototype (BENCH_ALT_NODE)', runner: 'engine', engine: 'node-alt' },
	bare: { key: 'bare', label: 'bare client (JSON.stringify)', runner: 'bare', variant: { connection: 'keepAlive' } },
	floor: { key: 'floor', label: 'streamed floor', runner: 'floor', variant: { connection: 'keepAlive' } },
	n8nFloorFile: { key: 'n8n-floor-file', label: 'minimal n8n node: the streamed POST via the same helper', runner: 'engine', engine: 'n8n-floor-file' },
	waTuned: { key: 'wa-tuned', label: 'Extract From File (File Encoding set) + HTTP Request', runner: 'engine', engine: 'wa-tuned' },
	waDefault: { key: 'wa-default', label: 'Extract From File (defaults) + HTTP Request', runner: 'engine', engine: 'wa-default' },
	waHttp: { key: 'wa-http', label: 'HTTP Request (JSON body)', runner: 'engine', engine: 'wa-http' },
} satisfies Record<string, ContenderDef>;

function buildScenarios(payloads: Payloads, urlFor: (instanceId: string, tag: string) => string): Scenario[] {
	const alt: ContenderDef[] = (process.env.BENCH_ALT_NODE ?? '')
		.split(',')
		.map((file) => file.trim())
		.filter(Boolean)
		.map((file, index) => ({
			...C.nodeAlt,
			key: index === 0 ? 'node-alt' : `node-alt${index + 1}`,
			label: (process.env.BENCH_ALT_LABELS ?? '').split('|')[index]?.trim() || `Z-API node, prototype ${index + 1} (${file.split('/').slice(-4, -3)[0] ?? file})`,
			altIndex: index + 1,
		}));
	const binary = (files: PayloadFile[]) => ({ kind: 'binary' as const, files: files.map((file) => file.path) });
	const byPath = new Map([payloads.video10, ...payloads.videos1, ...payloads.warmup].map((file) => [file.path, file]));
	const expectFiles = (items: ItemsSpec): ExpectedVideo[] =>
		items.kind === 'binary' ? items.files.map((path) => ({ kind: 'dataUri', bytes: byPath.get(path)!.bytes, sha256: byPath.get(path)!.sha256 })) : [];
	const urls = (instanceId: string, count: number, prefix = '') =>
		Array.from({ length: count }, (_, index) => urlFor(instanceId, `${prefix}${index}`));
	// The default-options workaround spends ~3.5 s per 10 MB in character-set detection: 3 repetitions.
	const binaryContenders = [C.node, ...alt, C.bare, C.floor, C.n8nFloorFile, C.waTuned, { ...C.waDefault, reps: 3 }];
	return [
		{
			id: 'video10-inline',
			title: '1 video of 10 MB, inline binary mode (N8N_DEFAULT_BINARY_DATA_MODE=default)',
			kind: 'binary',
			binaryMode: 'default',
			reps: 7,
			itemBytes: TEN_MB,
			items: () => binary([payloads.video10]),
			warmup: () => binary([payloads.warmup[0]]),
			expected: expectFiles,
			contenders: binaryContenders,
		},
		{
			id: 'video10-fs',
			title: '1 video of 10 MB, filesystem binary mode (n8n 2.x default)',
			kind: 'binary',
			binaryMode: 'filesystem',
			reps: 7,
			itemBytes: TEN_MB,
			items: () => binary([payloads.video10]),
			warmup: () => binary([payloads.warmup[0]]),
			expected: expectFiles,
			contenders: binaryContenders,
		},
		{
			id: 'videos1x200-fs',
			title: '200 videos of 1 MiB, filesystem binary mode',
			kind: 'binary',
			binaryMode: 'filesystem',
			reps: 5,
			itemBytes: payloads.videos1[0].bytes,
			items: () => binary(payloads.videos1),
			warmup: () => binary(payloads.warmup),
			expected: expectFiles,
			contenders: [C.node, ...alt, C.bare, C.floor, C.waTuned, { ...C.waDefault, reps: 1, memoryPass: false }],
		},
		{
			id: 'urls1000',
			title: '1,000 URL items (Z-API downloads the video)',
			kind: 'url',
			binaryMode: 'filesystem',
			reps: 3,
			itemBytes: 0,
			items: (instanceId) => ({ kind: 'url', urls: urls(instanceId, 1000) }),
			warmup: (instanceId) => ({ kind: 'url', urls: urls(instanceId, 20, 'w') }),
			expected: (items) => (items.kind === 'url' ? items.urls.map((url) => ({ kind: 'url', url })) : []),
			contenders: [
				{ ...C.node, key: 'node-check', label: 'Z-API node, Check Size Then Pass Link (default)', urlHandling: 'checkThenPass' },
				{ ...C.node, key: 'node-pass', label: 'Z-API node, Pass Link Only', urlHandling: 'passLink' },
				...alt.map((def) => ({ ...def, key: `${def.key}-check`, urlHandling: 'checkThenPass' as const })),
				{ key: 'bare', label: 'bare client, POST (keep-alive)', runner: 'bare', variant: { connection: 'keepAlive' } },
				{ key: 'bare-new', label: 'bare client, POST (new connection each)', runner: 'bare', variant: { connection: 'new' } },
				{ key: 'bare-head-new', label: 'bare client, HEAD + POST (new connections)', runner: 'bare', variant: { connection: 'new', headFirst: true } },
				{ key: 'n8n-floor', label: 'minimal n8n node: the POST via the same helper', runner: 'engine', engine: 'n8n-floor' },
				{ key: 'n8n-floor-head', label: 'minimal n8n node: HEAD + POST via the same helpers', runner: 'engine', engine: 'n8n-floor-head' },
				C.waHttp,
			],
		},
		{
			id: 'base64-10',
			title: '1 video of 10 MB as Base64 text in the item JSON (13,981,016 characters)',
			kind: 'base64',
			binaryMode: 'filesystem',
			reps: 7,
			itemBytes: TEN_MB,
			items: () => ({ kind: 'base64', textFile: payloads.video10Base64.path }),
			warmup: () => ({ kind: 'base64', textFile: payloads.warmupBase64.path }),
			expected: (items) =>
				items.kind === 'base64'
					? [
							items.textFile === payloads.video10Base64.path
								? { kind: 'dataUri', bytes: payloads.video10.bytes, sha256: payloads.video10.sha256 }
								: { kind: 'dataUri', bytes: payloads.warmupBase64.bytes, sha256: payloads.warmupBase64.sha256 },
						]
					: [],
			contenders: [C.node, ...alt, C.bare, C.floor, C.n8nFloorFile, C.waHttp],
		},
	];
}

function nodeParameters(kind: ScenarioKind, def: ContenderDef) {
	if (kind === 'binary') return { videoSource: 'binary', binaryPropertyName: 'data' };
	if (kind === 'base64') return { videoSource: 'base64', videoBase64: '={{ $json.video }}' };
	return { videoSource: 'url', videoUrl: '={{ $json.url }}', options: { urlHandling: def.urlHandling ?? 'checkThenPass' } };
}

interface RepResult {
	rep: number;
	position: number;
	ms: number;
	items: number;
	msPerItem: number;
	/** CPU time (user + system, all threads) of the contender process in the window, per item. */
	cpuMsPerItem: number;
	peakAboveIdle: number;
	peakAboveStart: number;
	startAboveIdle: number;
	verdict: Omit<Verdict, 'problems'>;
}

interface ContenderResult {
	key: string;
	label: string;
	pid?: number;
	idleRss?: number;
	exactPeak?: boolean;
	reps: RepResult[];
	memory?: { points: Array<{ item: number; live: number; rss: number }>; heldAfterLast: number; growthPerItem: number; heldMax: number };
	/** Live memory (V8 heap + Buffers, after a forced GC) halfway through sending a body, above the window start. */
	liveMidSend?: number;
	failed?: string[];
	summary?: Summary;
}

interface Summary {
	msPerItem: number;
	/** Median CPU ms per item (user + system, all threads of the contender process). */
	cpuMsPerItem: number;
	msPerItemMin: number;
	itemsPerSecond: number;
	videoMBps: number;
	/** Peak RSS above the RSS at the start of the timed window (after a forced GC, input in place): what the contender adds. */
	peakMB: number;
	/** Peak RSS above the process's idle RSS measured once after warm-up (drifts as V8 and malloc return memory). */
	peakAboveProcessIdleMB: number;
	/** RSS at the window start above the process idle RSS: mostly the input the engine holds (inline Base64, Base64 text). */
	inputHeldMB: number;
	peakFirstRepMB: number;
	heldAfterLastMB: number;
	growthPerItemKB: number;
	/** Live memory halfway through sending the first file body of the memory pass, above the window start. */
	liveMidSendMB: number;
	zapiRequestsPerItem: number;
	hostRequestsPerItem: number;
	zapiConnectionsPerItem: number;
	reps: number;
}

interface ScenarioResult {
	id: string;
	title: string;
	binaryMode: string;
	items: number;
	itemBytes: number;
	reps: number;
	contenders: ContenderResult[];
	wallSeconds: number;
	phases: Record<string, number>;
}

const childEnv = (n8nFolder: string): NodeJS.ProcessEnv => ({
	...process.env,
	N8N_USER_FOLDER: n8nFolder,
	N8N_DIAGNOSTICS_ENABLED: 'false',
	TS_NODE_TRANSPILE_ONLY: 'true',
	// nodes/ZApi/ZApi.node.json (the codex) would otherwise win over ZApi.node.ts in require('…/ZApi.node').
	TS_NODE_PREFER_TS_EXTS: 'true',
	TS_NODE_PROJECT: join(ROOT, 'tsconfig.test.json'),
	// Large buffers are always mmap'ed and returned to the OS when freed (glibc otherwise raises its
	// mmap threshold after the first free and keeps freed 10 MB buffers in RSS). Musl, which n8n's
	// Docker image uses, behaves like this anyway. Applies to every contender alike.
	...(process.env.BENCH_MALLOC === 'default' ? {} : { MALLOC_MMAP_THRESHOLD_: '262144' }),
});

function scriptFor(def: ContenderDef): { script: string; execArgv: string[] } {
	const extra = (process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean);
	if (def.runner === 'engine') {
		return { script: join(__dirname, 'contenders', 'engine.ts'), execArgv: ['--expose-gc', ...extra, '-r', 'ts-node/register/transpile-only'] };
	}
	return { script: join(__dirname, 'contenders', `${def.runner}.js`), execArgv: ['--expose-gc', ...extra] };
}

async function runScenario(scenario: Scenario, servers: BenchServers, n8nFolder: string, repsOverride?: number): Promise<ScenarioResult> {
	const t0 = performance.now();
	const reps = repsOverride ?? scenario.reps;
	const instanceOf = (def: ContenderDef) => `${scenario.id}--${def.key}`;
	const zapi = (def: ContenderDef) => ({
		baseUrl: servers.zapiBaseUrl,
		instanceId: instanceOf(def),
		instanceToken: servers.instanceToken,
		clientToken: CLIENT_TOKEN,
	});
	const running = scenario.contenders.map((def) => {
		const { script, execArgv } = scriptFor(def);
		const child = new Child(def.key, script, execArgv, childEnv(n8nFolder));
		const result: ContenderResult = { key: def.key, label: def.label, pid: child.pid, reps: [] };
		return { def, child, result, timed: scenario.items(instanceOf(def)), warmup: scenario.warmup(instanceOf(def)) };
	});
	const fail = (entry: (typeof running)[number], problems: string[]) => {
		entry.result.failed = [...(entry.result.failed ?? []), ...problems];
		process.stderr.write(`  ! ${entry.def.key} FAILED: ${problems.join('; ')}\n`);
	};
	const check = async (entry: (typeof running)[number], items: ItemsSpec, what: string): Promise<Verdict> => {
		const verdict = await servers.verify(instanceOf(entry.def), scenario.expected(items));
		if (!verdict.ok) fail(entry, verdict.problems.map((problem) => `${what}: ${problem}`));
		return verdict;
	};

	const phases: Record<string, number> = {};
	let phaseStart = performance.now();
	const phase = (name: string) => {
		const now = performance.now();
		phases[name] = (phases[name] ?? 0) + (now - phaseStart) / 1000;
		phaseStart = now;
	};
	try {
		// Start all contender processes side by side: imports, a warm-up run each, idle baseline.
		await Promise.all(
			running.map(async (entry) => {
				await entry.child.expect('hello');
				const ready = await entry.child.request(
					{
						type: 'setup',
						spec: {
							contender: entry.def.engine,
							altIndex: entry.def.altIndex,
							binaryMode: scenario.binaryMode,
							nodeParameters: nodeParameters(scenario.kind, entry.def),
							variant: entry.def.variant,
							zapi: zapi(entry.def),
							timed: entry.timed,
							warmup: entry.warmup,
						},
					},
					'ready',
				);
				entry.result.idleRss = (ready.idle as { rss: number }).rss;
				entry.result.exactPeak = ready.exactPeak as boolean;
			}),
		);
		for (const entry of running) await check(entry, entry.warmup, 'warm-up');
		phase('start, import, warm-up');

		// Timed repetitions: one contender at a time, order rotated every repetition.
		for (let rep = 0; rep < reps; rep++) {
			const order = running.map((_, index) => running[(index + rep) % running.length]);
			let position = 0;
			for (const entry of order) {
				if (entry.result.failed || rep >= Math.min(reps, entry.def.reps ?? reps)) continue;
				const answer = await entry.child.request({ type: 'run', phase: 'timed' }, 'result');
				const window = answer.window as { ms: number; cpuMs: number; startRss: number; peakRss: number };
				const items = answer.items as number;
				const verdict = await check(entry, entry.timed, `repetition ${rep + 1}`);
				const counts: RepResult['verdict'] = {
					ok: verdict.ok,
					posts: verdict.posts,
					zapiRequests: verdict.zapiRequests,
					zapiConnections: verdict.zapiConnections,
					hostRequests: verdict.hostRequests,
					hostHeads: verdict.hostHeads,
					bodyBytes: verdict.bodyBytes,
				};
				const idle = entry.result.idleRss ?? 0;
				entry.result.reps.push({
					rep,
					position: position++,
					ms: window.ms,
					items,
					msPerItem: window.ms / items,
					cpuMsPerItem: window.cpuMs / items,
					peakAboveIdle: window.peakRss - idle,
					peakAboveStart: window.peakRss - window.startRss,
					startAboveIdle: window.startRss - idle,
					verdict: counts,
				});
				process.stdout.write(`  ${scenario.id} rep ${rep + 1}/${reps} ${entry.def.key.padEnd(14)} ${fmt(window.ms / items, 2).padStart(9)} ms/item  peak +${fmt((window.peakRss - window.startRss) / MB)} MB\n`);
			}
		}

		phase('timed repetitions (with verification)');
		// Memory pass: untimed, a forced GC before items (at most ~10 probes) to see what stays held.
		for (const entry of running) {
			if (entry.result.failed || entry.def.memoryPass === false) continue;
			const instance = instanceOf(entry.def);
			servers.probeMidBody(instance, async () => {
				const { live, start } = await entry.child.flight();
				entry.result.liveMidSend = live - start;
			});
			const answer = await entry.child.request({ type: 'run', phase: 'memory' }, 'result');
			servers.probeMidBody(instance, undefined);
			await check(entry, entry.timed, 'memory pass');
			const points = (answer.probes as Array<{ item: number; live: number; rss: number }>) ?? [];
			if (points.length > 0) {
				const base = points[0].live;
				const relative = points.map((point) => ({ x: point.item, y: point.live - base }));
				entry.result.memory = {
					points,
					heldAfterLast: relative[relative.length - 1].y,
					growthPerItem: slope(relative.filter((point) => point.x > 0)),
					heldMax: max(relative.map((point) => point.y)),
				};
			}
		}
		phase('memory pass');
	} finally {
		await Promise.all(running.map((entry) => entry.child.stop().catch(() => undefined)));
	}
	process.stdout.write(`  phases: ${Object.entries(phases).map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(', ')}\n`);

	const items = running[0].timed.kind === 'binary' ? running[0].timed.files.length : running[0].timed.kind === 'url' ? running[0].timed.urls.length : 1;
	for (const entry of running) entry.result.summary = summarize(entry.result, scenario);
	return {
		id: scenario.id,
		title: scenario.title,
		binaryMode: scenario.binaryMode,
		items,
		itemBytes: scenario.itemBytes,
		reps,
		contenders: running.map((entry) => entry.result),
		wallSeconds: (performance.now() - t0) / 1000,
		phases,
	};
}

function summarize(result: ContenderResult, scenario: Scenario): Summary {
	const reps = result.reps;
	const msPerItem = median(reps.map((rep) => rep.msPerItem));
	const per = (pick: (verdict: RepResult['verdict']) => number) => median(reps.map((rep) => pick(rep.verdict) / rep.items));
	return {
		msPerItem,
		cpuMsPerItem: median(reps.map((rep) => rep.cpuMsPerItem)),
		msPerItemMin: Math.min(...reps.map((rep) => rep.msPerItem)),
		itemsPerSecond: 1000 / msPerItem,
		videoMBps: scenario.itemBytes ? scenario.itemBytes / MB / (msPerItem / 1000) : NaN,
		peakMB: median(reps.map((rep) => rep.peakAboveStart)) / MB,
		peakAboveProcessIdleMB: median(reps.map((rep) => rep.peakAboveIdle)) / MB,
		inputHeldMB: median(reps.map((rep) => rep.startAboveIdle)) / MB,
		peakFirstRepMB: (reps.find((rep) => rep.rep === 0)?.peakAboveStart ?? NaN) / MB,
		heldAfterLastMB: (result.memory?.heldAfterLast ?? NaN) / MB,
		growthPerItemKB: (result.memory?.growthPerItem ?? NaN) / 1024,
		liveMidSendMB: (result.liveMidSend ?? NaN) / MB,
		zapiRequestsPerItem: per((verdict) => verdict.zapiRequests),
		hostRequestsPerItem: per((verdict) => verdict.hostRequests),
		zapiConnectionsPerItem: per((verdict) => verdict.zapiConnections),
		reps: reps.length,
	};
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

interface TargetCheck {
	target: string;
	scenario: string;
	measured: string;
	limit: string;
	met: boolean | undefined;
}

function find(results: ScenarioResult[], scenario: string, key: string): Summary | undefined {
	const contender = results.find((result) => result.id === scenario)?.contenders.find((entry) => entry.key === key);
	return contender && !contender.failed ? contender.summary : undefined;
}

function ratioText(value: number): string {
	return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

function checkTargets(results: ScenarioResult[], nodeKey: string): TargetCheck[] {
	const checks: TargetCheck[] = [];
	const add = (target: string, scenario: string, value: number, limit: number, unit: string, limitText?: string) =>
		checks.push({
			target,
			scenario,
			measured: `${fmt(value, 2)}${unit}`,
			limit: `<= ${limitText ?? limit}${unit}`,
			met: Number.isFinite(value) ? value <= limit : undefined,
		});
	for (const scenario of ['video10-inline', 'video10-fs', 'videos1x200-fs', 'base64-10']) {
		const node = find(results, scenario, nodeKey);
		const bare = find(results, scenario, 'bare');
		if (node && bare) add('time per item vs bare client', scenario, node.msPerItem / bare.msPerItem, 1.1, 'x');
	}
	for (const scenario of ['video10-inline', 'video10-fs']) {
		const node = find(results, scenario, nodeKey);
		if (node) {
			add('peak RSS above pre-item baseline, x file size', scenario, (node.peakMB * MB) / TEN_MB, 3, 'x');
		}
	}
	const many = find(results, 'videos1x200-fs', nodeKey);
	if (many) add('held memory growth per item (flat = < 1% of the 1 MiB item)', 'videos1x200-fs', many.growthPerItemKB, 10.24, ' KiB');
	const tuned = find(results, 'videos1x200-fs', 'wa-tuned');
	for (const scenario of ['video10-inline', 'video10-fs', 'videos1x200-fs']) {
		const node = find(results, scenario, nodeKey);
		const workaround = find(results, scenario, 'wa-tuned');
		if (node && workaround) add('time vs tuned workaround (at least as fast)', scenario, node.msPerItem / workaround.msPerItem, 1, 'x');
	}
	if (many && tuned) add('peak memory vs tuned workaround on 200 items', 'videos1x200-fs', many.peakMB / tuned.peakMB, 1 / 3, 'x', '1/3');
	for (const scenario of ['video10-fs', 'video10-inline', 'videos1x200-fs', 'base64-10']) {
		const node = find(results, scenario, nodeKey);
		const floor = find(results, scenario, 'floor');
		if (node && floor) add('stretch: time vs streamed floor', scenario, node.msPerItem / floor.msPerItem, 1.25, 'x');
		if (node && floor && Number.isFinite(node.cpuMsPerItem)) add('stretch: CPU time vs streamed floor', scenario, node.cpuMsPerItem / floor.cpuMsPerItem, 1.25, 'x');
	}
	for (const scenario of ['video10-fs', 'video10-inline']) {
		const node = find(results, scenario, nodeKey);
		if (node) add('stretch: peak RSS above pre-item baseline, x file size', scenario, (node.peakMB * MB) / TEN_MB, 1.5, 'x');
	}
	for (const scenario of ['video10-fs', 'video10-inline', 'base64-10']) {
		const node = find(results, scenario, nodeKey);
		const floor = find(results, scenario, 'floor');
		if (node && floor) add("live memory halfway through a send, beyond the streamed floor's", scenario, node.liveMidSendMB - floor.liveMidSendMB, 2, ' MB');
	}
	const check = find(results, 'urls1000', nodeKey === 'node' ? 'node-check' : `${nodeKey}-check`);
	const pass = nodeKey === 'node' ? find(results, 'urls1000', 'node-pass') : undefined;
	// Beyond the round trips: against a bare client making the same requests on fresh connections,
	// and (the part the node controls) against a minimal n8n node making them through the same helpers.
	const headPost = find(results, 'urls1000', 'bare-head-new');
	const post = find(results, 'urls1000', 'bare-new');
	const floorHead = find(results, 'urls1000', 'n8n-floor-head');
	const floorPost = find(results, 'urls1000', 'n8n-floor');
	if (check && headPost) add('URL check size: time beyond a bare HEAD + POST', 'urls1000', check.msPerItem - headPost.msPerItem, 1, ' ms');
	if (check && floorHead) add("URL check size: node's own overhead (beyond a minimal n8n node)", 'urls1000', check.msPerItem - floorHead.msPerItem, 1, ' ms');
	if (pass && post) add('URL pass link: time beyond a bare POST', 'urls1000', pass.msPerItem - post.msPerItem, 1, ' ms');
	if (pass && floorPost) add("URL pass link: node's own overhead (beyond a minimal n8n node)", 'urls1000', pass.msPerItem - floorPost.msPerItem, 1, ' ms');
	return checks;
}

function report(results: ScenarioResult[]): string {
	const out: string[] = [];
	for (const scenario of results) {
		const bare = scenario.contenders.find((entry) => entry.key === 'bare')?.summary;
		const floor = scenario.contenders.find((entry) => entry.key === 'floor')?.summary;
		const tuned = scenario.contenders.find((entry) => entry.key === 'wa-tuned')?.summary;
		out.push('');
		out.push(`${scenario.title}  [${scenario.id}: ${scenario.items} item(s), ${scenario.reps} repetition(s)]`);
		const header = ['contender', 'ms/item', 'best', 'CPU ms', 'x floor CPU', 'items/s', 'peak MB', 'x file', 'live MB', 'held MB', 'KiB/item', 'x bare', 'x floor', 'x tuned', 'x tuned peak', 'requests/item'];
		const rows: string[][] = [header];
		for (const entry of scenario.contenders) {
			const s = entry.summary;
			if (!s || entry.failed) {
				rows.push([`${entry.label} [FAILED]`, ...header.slice(1).map(() => '-')]);
				continue;
			}
			const perFile = scenario.itemBytes ? (s.peakMB * MB) / scenario.itemBytes : NaN;
			rows.push([
				entry.label + (s.reps < scenario.reps ? ` (${s.reps} rep)` : ''),
				fmt(s.msPerItem, s.msPerItem < 10 ? 3 : 1),
				fmt(s.msPerItemMin, s.msPerItemMin < 10 ? 3 : 1),
				fmt(s.cpuMsPerItem, s.cpuMsPerItem < 10 ? 3 : 1),
				ratioText(floor ? s.cpuMsPerItem / floor.cpuMsPerItem : NaN),
				fmt(s.itemsPerSecond, s.itemsPerSecond < 10 ? 2 : 0),
				fmt(s.peakMB, 1),
				scenario.items === 1 ? ratioText(perFile) : 'n/a',
				fmt(s.liveMidSendMB, 2),
				fmt(s.heldAfterLastMB, 2),
				fmt(s.growthPerItemKB, 1),
				ratioText(bare ? s.msPerItem / bare.msPerItem : NaN),
				ratioText(floor ? s.msPerItem / floor.msPerItem : NaN),
				ratioText(tuned ? s.msPerItem / tuned.msPerItem : NaN),
				ratioText(tuned ? s.peakMB / tuned.peakMB : NaN),
				`${fmt(s.zapiRequestsPerItem + s.hostRequestsPerItem, 0)} (${fmt(s.hostRequestsPerItem, 0)} HEAD), ${fmt(s.zapiConnectionsPerItem, 2)} conn`,
			]);
		}
		out.push(table(rows, 1));
	}
	out.push(
		'',
		'ms/item: median over repetitions of (timed window / items); best: the fastest repetition. CPU ms: median CPU time (user + system, all threads)',
		'of the contender process in the window, per item; x floor CPU: its ratio to the streamed floor. peak MB: median peak RSS above the RSS at the start of the window',
		'(after a forced GC, input in place). x file: peak / file size. live MB: live memory (V8 heap + Buffers, forced GC) halfway through sending',
		'a body (the server stops reading there until measured), above the window start. held MB: live memory after the last item and a',
		'forced GC, minus before the first; KiB/item: its growth per item (least squares). x bare / x floor / x tuned: ms/item ratios to the',
		'bare client, the streamed floor and the tuned workaround (x tuned peak: peak ratio). requests/item: HTTP requests per item',
		"(HEADs to the video host among them) and new TCP connections to Z-API per item, from the servers' logs.",
	);
	return out.join('\n');
}

/** `bench/run.ts --report file.json`: prints the tables and target checks of an earlier run again. */
function reprint(file: string): void {
	const saved = JSON.parse(readFileSync(resolve(file), 'utf8')) as { date: string; wallSeconds: number; scenarios: ScenarioResult[]; altNode: string | null };
	const rows = (checks: TargetCheck[]) => [
		['target', 'scenario', 'measured', 'limit', 'met'],
		...checks.map((check) => [check.target, check.scenario, check.measured, check.limit, check.met === undefined ? 'n/a' : check.met ? 'met' : 'NOT MET']),
	];
	process.stdout.write(`Results of ${saved.date} (${saved.wallSeconds.toFixed(1)} s)\n${report(saved.scenarios)}\n\nTargets (this node):\n${table(rows(checkTargets(saved.scenarios, 'node')), 2)}\n`);
	if (saved.altNode) process.stdout.write(`\nTargets (prototype ${saved.altNode}):\n${table(rows(checkTargets(saved.scenarios, 'node-alt')), 2)}\n`);
}

async function main(): Promise<void> {
	const reportIndex = process.argv.indexOf('--report');
	if (reportIndex >= 0) return reprint(process.argv[reportIndex + 1] ?? 'bench/results/latest.json');
	const only = process.env.BENCH_SCENARIOS?.split(',').map((part) => part.trim()).filter(Boolean);
	const repsOverride = process.env.BENCH_REPS ? Number(process.env.BENCH_REPS) : undefined;
	const outFile = resolve(ROOT, process.env.BENCH_OUT ?? 'bench/results/latest.json');

	process.stdout.write(`Z-API node benchmark: ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}\n`);
	process.stdout.write('Generating test videos...\n');
	const payloads = generatePayloads();
	// The prefix keeps test/setup/env.ts (imported by the engine contenders) from making a folder of its own per process.
	const n8nFolder = mkdtempSync(join(tmpdir(), 'zapi-status-test-bench-'));
	const hosted = readFileSync(payloads.videos1[0].path);

	// Every (scenario, contender) gets its own Z-API instance, so requests can be told apart.
	let servers: BenchServers | undefined;
	const scenarios = buildScenarios(payloads, (instanceId, tag) => servers!.videoUrl(instanceId, tag)).filter(
		(scenario) => !only || only.includes(scenario.id),
	);
	const onlyContenders = process.env.BENCH_CONTENDERS?.split(',').map((part) => part.trim()).filter(Boolean);
	if (onlyContenders) for (const scenario of scenarios) scenario.contenders = scenario.contenders.filter((def) => onlyContenders.includes(def.key));
	if (scenarios.length === 0) throw new Error(`no scenario matches BENCH_SCENARIOS=${process.env.BENCH_SCENARIOS}`);
	const instanceIds = scenarios.flatMap((scenario) => scenario.contenders.map((def) => `${scenario.id}--${def.key}`));
	servers = await startBenchServers(instanceIds, hosted);

	const results: ScenarioResult[] = [];
	try {
		for (const scenario of scenarios) {
			process.stdout.write(`\n== ${scenario.title}\n`);
			results.push(await runScenario(scenario, servers, n8nFolder, repsOverride));
		}
	} finally {
		await servers.close();
		rmSync(payloads.dir, { recursive: true, force: true });
		rmSync(n8nFolder, { recursive: true, force: true });
	}

	const text = report(results);
	const checks = checkTargets(results, 'node');
	const altChecks = process.env.BENCH_ALT_NODE ? checkTargets(results, 'node-alt') : [];
	const targetRows = [['target', 'scenario', 'measured', 'limit', 'met'], ...checks.map((check) => [check.target, check.scenario, check.measured, check.limit, check.met === undefined ? 'n/a' : check.met ? 'met' : 'NOT MET'])];
	const wallSeconds = (performance.now() - started) / 1000;
	process.stdout.write(`\n${text}\n\nTargets (this node):\n${table(targetRows, 2)}\n`);
	if (altChecks.length) {
		const rows = [['target', 'scenario', 'measured', 'limit', 'met'], ...altChecks.map((check) => [check.target, check.scenario, check.measured, check.limit, check.met === undefined ? 'n/a' : check.met ? 'met' : 'NOT MET'])];
		process.stdout.write(`\nTargets (prototype from BENCH_ALT_NODE):\n${table(rows, 2)}\n`);
	}
	const failures = results.flatMap((scenario) => scenario.contenders.filter((entry) => entry.failed).map((entry) => `${scenario.id}/${entry.key}: ${entry.failed!.join('; ')}`));
	process.stdout.write(
		`\nEvery body was replayed into the Z-API sandbox after each turn and checked (decoded length and sha256 of the video, or the link): ${failures.length === 0 ? 'all correct' : `${failures.length} contender(s) FAILED`}.\n`,
	);
	process.stdout.write(`Total wall time: ${wallSeconds.toFixed(1)} s\n`);

	mkdirSync(join(outFile, '..'), { recursive: true });
	writeFileSync(
		outFile,
		JSON.stringify(
			{
				version: 1,
				date: new Date().toISOString(),
				machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMemGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
				altNode: process.env.BENCH_ALT_NODE ?? null,
				wallSeconds,
				scenarios: results,
				targets: checks,
				altTargets: altChecks,
				failures,
			},
			null,
			'\t',
		),
	);
	process.stdout.write(`Results written to ${outFile}\n`);
	if (failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
