/**
 * npm run bench:split: what splitting a long video costs (Longer Videos = Split Into Several Statuses).
 *
 * A 6-minute H.264 + AAC video of about 45 MB with moov first is generated with ffmpeg (once; cached
 * in the system temp folder) and split, side by side and alternating, BENCH_REPS times (default 15),
 * from the two places the node finds a long video:
 *   stored: n8n's BinaryDataService in filesystem mode, read as a stream (this.helpers.getBinaryStream
 *           runs getAsStream), in the 256 KiB chunks the node asks for. Contenders: the file read once;
 *           read twice, the floor of a split whose keyframes are checked before anything is posted
 *           when the bytes come front to back only (once to check, once to send); the split.
 *   held:   Base64 text (n8n's inline binary mode, the Base64 field), decoded a piece at a time the way
 *           the node reads it (media/splitSource.ts). Contenders: the file decoded once; the split,
 *           which reads the few bytes it checks where they are.
 * split is what the node does before Base64 and the POSTs: index pass, sample tables, keyframe check,
 * plan, and every part's bytes, streamed from one more pass the way the request bodies read them
 * (media/partStream.ts).
 * Memory (stored): for one more split run, the peak of heap + ArrayBuffers above the level just before
 * it (after a full GC), sampled every millisecond and inside every part, against 3x the largest part
 * plus the expanded sample tables; "live" forces a full GC before each sample.
 */
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import type { OpenSource } from '../nodes/ZApi/media/mp4/partAssembler';
import { prepareSplit } from '../nodes/ZApi/media/mp4/partAssembler';
import { streamParts } from '../nodes/ZApi/media/partStream';
import { sourceOf } from '../nodes/ZApi/media/splitSource';
import { useBinaryMode } from '../test/harness/binaryMode';
import { median } from './lib/stats';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const REPS = Number(process.env.BENCH_REPS ?? 15);
/** Memory is measured this many times for each of read and split, alternating; medians are reported. */
const MEMORY_REPS = 5;
const CHUNK_BYTES = 256 * 1024;
const MB = 1024 * 1024;

function sixMinuteVideo(): string {
	const folder = join(tmpdir(), 'zapi-bench-split');
	const path = join(folder, 'six-minutes.mp4');
	if (existsSync(path)) return path;
	mkdirSync(folder, { recursive: true });
	// Constant bitrate (filler NAL units pad x264's output) so the size is about 45 MB on any build.
	execFileSync('ffmpeg', [
		...['-hide_banner', '-loglevel', 'error', '-y'],
		...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=360'],
		...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=360'],
		...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60'],
		...['-b:v', '900k', '-minrate', '900k', '-maxrate', '900k', '-bufsize', '900k', '-x264-params', 'nal-hrd=cbr'],
		...['-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', path],
	]);
	return path;
}

async function main(): Promise<void> {
	const path = sixMinuteVideo();
	await useBinaryMode('filesystem');
	const service = Container.get(BinaryDataService);
	const file = readFileSync(path);
	const stored = await service.store({ type: 'execution', workflowId: 'bench', executionId: 'split' }, file, {
		data: '',
		mimeType: 'video/mp4',
		fileName: 'six-minutes.mp4',
	} as never);
	const id = stored.id!;
	const bytes = file.length;
	const stream: OpenSource = async function* () {
		const chunks = await service.getAsStream(id, CHUNK_BYTES);
		for await (const chunk of chunks) yield chunk as Uint8Array;
	};
	const held = sourceOf({ kind: 'inline', mimeType: 'video/mp4', bytes, payload: file.toString('base64') });

	async function readOnce(open: OpenSource): Promise<number> {
		let total = 0;
		for await (const chunk of open()) total += chunk.length;
		if (total !== bytes) throw new Error(`read ${total} of ${bytes} bytes`);
		return total;
	}

	/** Every part's bytes, as the request bodies read them while they are posted; `onSample` every 64 pieces and at each part's end. */
	async function splitAll(open: OpenSource, onSample?: () => unknown) {
		const prepared = await prepareSplit(open, bytes, { maxPartSeconds: 60, mode: 'split' });
		const sizes: number[] = [];
		const { parts, close } = streamParts(open, prepared.layouts, bytes);
		try {
			for (const part of parts) {
				let read = 0;
				let pieces = 0;
				for await (const piece of part.open()) {
					read += piece.length;
					if (++pieces % 64 === 0) await onSample?.();
				}
				if (read !== part.length) throw new Error(`part of ${read} bytes, expected ${part.length}`);
				sizes.push(read);
				await onSample?.();
			}
		} finally {
			await close();
		}
		return { prepared, sizes };
	}

	// Contenders of each source, run in turn every repetition (so they see the same machine state), each timed alone.
	const contenders: Record<string, Record<string, () => Promise<unknown>>> = {
		stored: {
			'read once': () => readOnce(stream),
			'read twice (floor)': async () => {
				await readOnce(stream);
				await readOnce(stream);
			},
			split: () => splitAll(stream),
		},
		held: {
			'decode once': () => readOnce(held),
			split: () => splitAll(held),
		},
	};
	// Warm-up (page cache, JIT).
	for (const runs of Object.values(contenders)) for (const run of Object.values(runs)) await run();
	const { prepared, sizes } = await splitAll(stream);
	const times: Record<string, Record<string, number[]>> = {};
	// CPU time (user + system, all threads): other jobs on the machine stretch wall time, hardly CPU time.
	const cpuTimes: Record<string, Record<string, number[]>> = {};
	for (let rep = 0; rep < REPS; rep++) {
		for (const [source, runs] of Object.entries(contenders)) {
			for (const [name, run] of Object.entries(runs)) {
				const cpuStart = process.cpuUsage();
				const started = performance.now();
				await run();
				((times[source] ??= {})[name] ??= []).push(performance.now() - started);
				const cpu = process.cpuUsage(cpuStart);
				((cpuTimes[source] ??= {})[name] ??= []).push((cpu.user + cpu.system) / 1000);
			}
		}
	}
	const cpuMedian = (source: string, name: string) => median(cpuTimes[source][name]);
	const readTimes = times.stored['read once'];
	const floorTimes = times.stored['read twice (floor)'];
	const splitTimes = times.stored.split;
	const decodeTimes = times.held['decode once'];
	const heldSplitTimes = times.held.split;

	// Memory: heap + ArrayBuffers above the level after a full GC, sampled every millisecond and at
	// every part. `raw` counts what the GC has not collected yet (the stream's spent chunks, parts
	// already handed over); `live` forces a full GC (and lets V8 sweep the freed ArrayBuffers)
	// before each sample, taken every 64 pieces inside each part and at its end.
	const fullGc = async () => {
		gc();
		await new Promise((resolve) => setImmediate(resolve));
		gc();
	};
	const level = () => {
		const usage = process.memoryUsage();
		return usage.heapUsed + usage.arrayBuffers;
	};
	async function peakAbove(run: (sample: () => Promise<void>) => Promise<unknown>, collect: boolean): Promise<number> {
		await fullGc();
		const baseline = level();
		let peak = baseline;
		const sample = () => {
			peak = Math.max(peak, level());
		};
		const timer = collect ? undefined : setInterval(sample, 1);
		await run(async () => {
			if (collect) await fullGc();
			sample();
		});
		if (timer) clearInterval(timer);
		sample();
		return peak - baseline;
	}
	const rawReads: number[] = [];
	const rawSplits: number[] = [];
	const liveSplits: number[] = [];
	for (let rep = 0; rep < MEMORY_REPS; rep++) {
		rawReads.push(
			await peakAbove(async (sample) => {
				for await (const chunk of stream()) {
					void chunk;
					await sample();
				}
			}, false),
		);
		rawSplits.push(await peakAbove((sample) => splitAll(stream, sample), false));
		liveSplits.push(await peakAbove((sample) => splitAll(stream, sample), true));
	}
	const rawRead = median(rawReads);
	const rawSplit = median(rawSplits);
	const liveSplit = median(liveSplits);

	const largestPart = Math.max(...sizes);
	const tracks = new Set(prepared.plan.parts.flatMap((part) => part.slices.map((slice) => slice.track)));
	const samples = [...tracks].reduce((sum, track) => sum + track.sampleCount, 0);
	// offsets (8) + decode times (8) + sizes, durations, composition offsets, description index (4 each) + sync (1).
	const tableBytes = samples * 33;
	const budget = 3 * largestPart + tableBytes;
	const readMedian = median(readTimes);
	const splitMedian = median(splitTimes);
	// Each rep's runs follow each other: their ratio is steadier than the ratio of medians on a busy machine.
	const paired = (over: number[], under: number[]) => median(over.map((time, rep) => time / under[rep]));
	const ratio = (value: number) => Number(value.toFixed(2));
	const mb = (value: number) => `${(value / MB).toFixed(1)} MB`;
	const ms = (value: number) => `${value.toFixed(0)} ms`;
	const result = {
		video: { bytes, seconds: prepared.plan.sourceSeconds, moovFirst: prepared.moovFirst, parts: sizes.length, largestPart },
		reps: REPS,
		stored: {
			readMs: readTimes.map(Math.round),
			floorMs: floorTimes.map(Math.round),
			splitMs: splitTimes.map(Math.round),
			medianReadMs: Math.round(readMedian),
			medianFloorMs: Math.round(median(floorTimes)),
			medianSplitMs: Math.round(splitMedian),
			overReadPaired: ratio(paired(splitTimes, readTimes)),
			overFloorPaired: ratio(paired(splitTimes, floorTimes)),
			overFloorMedians: ratio(splitMedian / median(floorTimes)),
			cpuMs: { read: cpuMedian('stored', 'read once'), floor: cpuMedian('stored', 'read twice (floor)'), split: cpuMedian('stored', 'split') },
			overFloorCpu: ratio(cpuMedian('stored', 'split') / cpuMedian('stored', 'read twice (floor)')),
		},
		held: {
			decodeMs: decodeTimes.map(Math.round),
			splitMs: heldSplitTimes.map(Math.round),
			medianDecodeMs: Math.round(median(decodeTimes)),
			medianSplitMs: Math.round(median(heldSplitTimes)),
			overDecodePaired: ratio(paired(heldSplitTimes, decodeTimes)),
			overDecodeMedians: ratio(median(heldSplitTimes) / median(decodeTimes)),
			cpuMs: { decode: cpuMedian('held', 'decode once'), split: cpuMedian('held', 'split') },
			overDecodeCpu: ratio(cpuMedian('held', 'split') / cpuMedian('held', 'decode once')),
		},
		peakAboveBaselineBytes: rawSplit,
		livePeakAboveBaselineBytes: liveSplit,
		readOncePeakAboveBaselineBytes: rawRead,
		sampleTableBytes: Math.round(tableBytes),
		memoryBudgetBytes: Math.round(budget),
		memoryRatio: Number((rawSplit / budget).toFixed(2)),
		splitOverReadPeakBytes: rawSplit - rawRead,
		liveMemoryRatio: Number((liveSplit / budget).toFixed(2)),
	};
	console.log(`Video: ${mb(bytes)}, ${result.video.seconds.toFixed(1)} s, moov first: ${prepared.moovFirst}; ${sizes.length} parts (${sizes.map(mb).join(', ')})`);
	const runs = (values: number[]) => values.map(ms).join(', ');
	console.log('Stored file (filesystem binary mode), read front to back through getBinaryStream:');
	console.log(`  read once:          median ${ms(readMedian)} (${runs(readTimes)})`);
	console.log(`  read twice (floor): median ${ms(median(floorTimes))} (${runs(floorTimes)})`);
	console.log(`  split:              median ${ms(splitMedian)} (${runs(splitTimes)})`);
	console.log(`  split / floor: ${result.stored.overFloorPaired}x median of the paired runs, ${result.stored.overFloorMedians}x of the medians (target <= 1.5x); split / one read: ${result.stored.overReadPaired}x paired`);
	console.log(`  CPU time, medians: read once ${ms(result.stored.cpuMs.read)}, read twice ${ms(result.stored.cpuMs.floor)}, split ${ms(result.stored.cpuMs.split)}: split / floor ${result.stored.overFloorCpu}x`);
	console.log('Held file (Base64 text, inline binary mode), read where needed:');
	console.log(`  decode once:        median ${ms(median(decodeTimes))} (${runs(decodeTimes)})`);
	console.log(`  split:              median ${ms(median(heldSplitTimes))} (${runs(heldSplitTimes)})`);
	console.log(`  split / one decode: ${result.held.overDecodePaired}x median of the paired runs, ${result.held.overDecodeMedians}x of the medians (no second read: one decode plus the planning)`);
	console.log(`  CPU time, medians: decode once ${ms(result.held.cpuMs.decode)}, split ${ms(result.held.cpuMs.split)}: split / one decode ${result.held.overDecodeCpu}x`);
	console.log(
		`Peak heap + ArrayBuffers above baseline (median of ${MEMORY_REPS}): ${mb(rawSplit)}; budget 3 x ${mb(largestPart)} + tables ${mb(tableBytes)} = ${mb(budget)}; ratio ${result.memoryRatio} (target <= 1)`,
	);
	console.log(
		`Reading the file once, sampled the same way (median of ${MEMORY_REPS}), peaks at ${mb(rawRead)} above baseline (spent stream chunks not yet collected): splitting adds ${mb(rawSplit - rawRead)}`,
	);
	console.log(`Live while the parts stream (full GC before each sample, every 64 pieces and at each part's end; median of ${MEMORY_REPS}): ${mb(liveSplit)}; ratio ${(liveSplit / budget).toFixed(2)}; sample tables ${mb(tableBytes)}`);
	console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
