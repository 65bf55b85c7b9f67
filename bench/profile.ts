/**
 * Where the node's time and memory go, for one scenario, in one process:
 *
 *   TS_NODE_PREFER_TS_EXTS=true npx ts-node --transpile-only bench/profile.ts [--scenario video10-fs] [--node /abs/ZApi.node.ts] [--iterations 20] [--copies]
 *
 * (TS_NODE_PREFER_TS_EXTS must be set before ts-node starts: otherwise require('…/ZApi.node') loads the
 * codex, ZApi.node.json, and the run fails with "ZApi is not a constructor".)
 *
 * - CPU: V8's sampling profiler runs only while the Z-API node executes (started and stopped by the
 *   engine's nodeExecuteBefore/After hooks); self time is summed per function over all iterations and
 *   the top entries are printed (the raw .cpuprofile of the last iteration goes to bench/results/).
 * - --copies: one extra iteration takes a heap snapshot at the moment the node's POST starts (the body
 *   is built, nothing sent yet) and lists every object of 1 MB or more: each copy of the payload.
 *
 * Scenarios: video10-fs, video10-inline, base64-10, videos1x200-fs, urls1000 (with --url-handling checkThenPass|passLink).
 */
import '../test/setup/env';

import { Session } from 'node:inspector';
import dc from 'node:diagnostics_channel';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

import type { INodeParameters } from 'n8n-workflow';

import type { BenchItemsSpec } from './engine/benchItems';
import { ALT_NODE_TYPE, BENCH_ITEMS_TYPE, PACKAGE_NODE_TYPE, runBenchWorkflow } from './engine/runner';
import { generatePayloads } from './lib/payloads';
import { CLIENT_TOKEN, startBenchServers, type ExpectedVideo } from './lib/servers';

const argument = (name: string, fallback?: string) => {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : fallback;
};

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
	children?: number[];
}
interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples?: number[];
	timeDeltas?: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
	return new Promise((resolvePost, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolvePost(result as T))));
}

function selfTimes(profile: CpuProfile, into: Map<string, number>): void {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const samples = profile.samples ?? [];
	const deltas = profile.timeDeltas ?? [];
	for (let index = 0; index < samples.length; index++) {
		const node = byId.get(samples[index]);
		if (!node) continue;
		const { functionName, url, lineNumber } = node.callFrame;
		const where = url ? `${url.replace(/^file:\/\//, '').replace(resolve(__dirname, '..') + '/', '')}:${lineNumber + 1}` : '';
		const key = `${functionName || '(anonymous)'} ${where}`.trim();
		into.set(key, (into.get(key) ?? 0) + (deltas[index + 1] ?? deltas[index] ?? 0) / 1000);
	}
}

function largeObjects(file: string): string {
	const snapshot = JSON.parse(readFileSync(file, 'utf8'));
	const fields: string[] = snapshot.snapshot.meta.node_fields;
	const types: string[] = snapshot.snapshot.meta.node_types[0];
	const width = fields.length;
	const nodes: number[] = snapshot.nodes;
	const strings: string[] = snapshot.strings;
	const lines: string[] = [];
	let total = 0;
	for (let index = 0; index < nodes.length; index += width) {
		const size = nodes[index + fields.indexOf('self_size')];
		if (size < 1_000_000) continue;
		total += size;
		const type = types[nodes[index + fields.indexOf('type')]];
		const name = String(strings[nodes[index + fields.indexOf('name')]]).slice(0, 48).replace(/\s+/g, ' ');
		lines.push(`  ${(size / 2 ** 20).toFixed(2).padStart(7)} MB  ${type.padEnd(8)} ${name}`);
	}
	return `${lines.join('\n')}\n  ${(total / 2 ** 20).toFixed(1).padStart(7)} MB  in objects of 1 MB or more (strings are shown by their first characters; JSArrayBufferData is Buffer memory)`;
}

async function main(): Promise<void> {
	const scenario = argument('scenario', 'video10-fs')!;
	const iterations = Number(argument('iterations', '20'));
	const nodeFile = argument('node');
	if (nodeFile) process.env.BENCH_ALT_NODE = resolve(nodeFile);
	const payloads = generatePayloads();
	const servers = await startBenchServers(['PROFILE'], readFileSync(payloads.videos1[0].path));
	try {
		let items: BenchItemsSpec;
		let parameters: INodeParameters;
		let expected: ExpectedVideo[];
		const mode = scenario === 'video10-inline' ? 'default' : 'filesystem';
		if (!['video10-fs', 'video10-inline', 'base64-10', 'videos1x200-fs', 'urls1000'].includes(scenario)) throw new Error(`unknown scenario ${scenario}`);
		if (scenario === 'urls1000') {
			const urls = Array.from({ length: 1000 }, (_, index) => servers.videoUrl('PROFILE', index));
			items = { kind: 'url', urls };
			parameters = { videoSource: 'url', videoUrl: '={{ $json.url }}', options: { urlHandling: argument('url-handling', 'checkThenPass')! } };
			expected = urls.map((url) => ({ kind: 'url', url }));
		} else if (scenario === 'base64-10') {
			items = { kind: 'base64', textFile: payloads.video10Base64.path };
			parameters = { videoSource: 'base64', videoBase64: '={{ $json.video }}' };
			expected = [{ kind: 'dataUri', bytes: payloads.video10.bytes, sha256: payloads.video10.sha256 }];
		} else {
			const files = scenario === 'videos1x200-fs' ? payloads.videos1 : [payloads.video10];
			items = { kind: 'binary', files: files.map((file) => file.path) };
			parameters = { videoSource: 'binary', binaryPropertyName: 'data' };
			expected = files.map((file) => ({ kind: 'dataUri', bytes: file.bytes, sha256: file.sha256 }));
		}
		const workflow = {
			nodes: [
				{ id: 't', name: 'Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} },
				{ id: 'i', name: 'Bench Items', type: BENCH_ITEMS_TYPE, typeVersion: 1, position: [200, 0] as [number, number], parameters: { spec: JSON.stringify(items) } },
				{
					id: 'z',
					name: 'Z-API',
					type: nodeFile ? ALT_NODE_TYPE : PACKAGE_NODE_TYPE,
					typeVersion: 1,
					position: [400, 0] as [number, number],
					parameters: { resource: 'status', operation: 'sendVideoStatus', ...parameters },
					credentials: { zApiApi: { id: 'cred-1', name: 'Z-API account' } },
				},
			],
			connections: {
				Trigger: { main: [[{ node: 'Bench Items', type: 'main' as const, index: 0 }]] },
				'Bench Items': { main: [[{ node: 'Z-API', type: 'main' as const, index: 0 }]] },
			},
		};
		const credentials = { zApiApi: { instanceId: 'PROFILE', instanceToken: servers.instanceToken, clientToken: CLIENT_TOKEN, baseUrl: servers.zapiBaseUrl } };

		const session = new Session();
		session.connect();
		await post(session, 'Profiler.enable');
		await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
		const totals = new Map<string, number>();
		let windowMs = 0;
		let last: CpuProfile | undefined;
		for (let iteration = -2; iteration < iterations; iteration++) {
			const measure = iteration >= 0;
			let t0 = 0;
			await runBenchWorkflow(workflow, {
				binaryMode: mode,
				credentials,
				hooks: {
					measured: ['Z-API'],
					onWindowStart: async () => {
						if (measure) await post(session, 'Profiler.start');
						t0 = performance.now();
					},
					onWindowEnd: async () => {
						const ms = performance.now() - t0;
						if (!measure) return;
						windowMs += ms;
						const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
						selfTimes(profile, totals);
						last = profile;
					},
				},
			});
			const verdict = await servers.verify('PROFILE', expected);
			if (!verdict.ok) throw new Error(`wrong body: ${verdict.problems.join('; ')}`);
		}
		const out = resolve(__dirname, 'results');
		mkdirSync(out, { recursive: true });
		if (last) writeFileSync(join(out, `profile-${scenario}.cpuprofile`), JSON.stringify(last));
		const sampled = [...totals.values()].reduce((sum, value) => sum + value, 0);
		process.stdout.write(
			`${nodeFile ?? 'this package'}: ${scenario}, ${iterations} iterations, ${(windowMs / iterations).toFixed(1)} ms per run of the node (${(sampled / iterations).toFixed(1)} ms sampled)\n\nSelf time per run, top functions:\n`,
		);
		for (const [name, ms] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
			process.stdout.write(`  ${(ms / iterations).toFixed(2).padStart(7)} ms  ${((ms / sampled) * 100).toFixed(1).padStart(5)}%  ${name.slice(0, 110)}\n`);
		}

		// Self time by component (who spends the time: the node, n8n's engine/expressions, the HTTP stack, V8).
		const component = (key: string): string => {
			const special = /^\((garbage collector|idle|program)\)/.exec(key);
			if (special) return special[0];
			// The servers run in this process (so a profile needs no second process); their share is named.
			if (/_http_server|parserOnIncoming|bench\/lib\/servers|test\/sandbox/.test(key)) return 'test servers in this process (not the node)';
			const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(key.replace(/.*node_modules\/n8n-core\/node_modules\//, 'node_modules/'));
			if (match) return match[1];
			if (/\/nodes\/ZApi\//.test(key)) return 'the Z-API node';
			if (/ node:/.test(key)) return 'Node.js (http, net, streams, buffer)';
			if (/bench\//.test(key)) return 'bench harness';
			return 'native builtins (TCP connect/write/close, Buffer, string, JSON)';
		};
		const byComponent = new Map<string, number>();
		for (const [name, ms] of totals) byComponent.set(component(name), (byComponent.get(component(name)) ?? 0) + ms);
		process.stdout.write('\nSelf time per run, by component:\n');
		for (const [name, ms] of [...byComponent.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14)) {
			process.stdout.write(`  ${(ms / iterations).toFixed(2).padStart(7)} ms  ${((ms / sampled) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
		}

		if (process.argv.includes('--copies')) {
			let file: string | undefined;
			let armed = true;
			const onStart = ({ request }: { request: { method: string } }) => {
				if (!armed || request.method !== 'POST') return;
				armed = false;
				file = writeHeapSnapshot(join(out, `copies-${scenario}.heapsnapshot`));
			};
			dc.subscribe('http.client.request.start', onStart as (message: unknown) => void);
			await runBenchWorkflow(workflow, { binaryMode: mode, credentials, hooks: { measured: ['Z-API'], onWindowStart: () => {}, onWindowEnd: () => {} } });
			dc.unsubscribe('http.client.request.start', onStart as (message: unknown) => void);
			await servers.verify('PROFILE', expected);
			if (file) {
				process.stdout.write(`\nAlive when the node's POST starts (heap snapshot ${file}):\n${largeObjects(file)}\n`);
				rmSync(file, { force: true });
			}
		}
		session.disconnect();
	} finally {
		await servers.close();
		rmSync(payloads.dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	process.stderr.write(`${error?.stack ?? error}\n`);
	process.exit(1);
});
