/**
 * npm run bench:split: what splitting a long video costs (Longer Videos = Split Into Several Statuses).
 *
 * A 6-minute H.264 + AAC video of about 45 MB with moov first is generated with ffmpeg (once; cached
 * in the system temp folder), stored through n8n's BinaryDataService in filesystem mode, then, side
 * by side and alternating, BENCH_REPS times (default 15):
 *   read:  the file read once through getAsStream, which is all that this.helpers.getBinaryStream
 *          does (n8n-core's binary helper functions), in the 256 KiB chunks the node asks for;
 *   split: what the node does before Base64 and the POSTs: index pass, sample tables, plan, and
 *          every part's bytes, streamed from a second pass over the same stream the way the request
 *          bodies read them (media/partStream.ts).
 * Memory: for one more split run, the peak of heap + ArrayBuffers above the level just before it
 * (after a full GC), sampled every millisecond and inside every part, against 3x the largest part
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
	const open: OpenSource = async function* () {
		const stream = await service.getAsStream(id, CHUNK_BYTES);
		for await (const chunk of stream) yield chunk as Uint8Array;
	};

	async function readOnce(): Promise<number> {
		let total = 0;
		for await (const chunk of open()) total += chunk.length;
		if (total !== bytes) throw new Error(`read ${total} of ${bytes} bytes`);
		return total;
	}

	/** Every part's bytes, as the request bodies read them while they are posted; `onSample` every 64 pieces and at each part's end. */
	async function splitAll(onSample?: () => unknown) {
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

	// Warm-up (page cache, JIT), then alternate so both see the same machine state.
	await readOnce();
	const { prepared, sizes } = await splitAll();
	const readTimes: number[] = [];
	const splitTimes: number[] = [];
	for (let rep = 0; rep < REPS; rep++) {
		let started = performance.now();
		await readOnce();
		readTimes.push(performance.now() - started);
		started = performance.now();
		await splitAll();
		splitTimes.push(performance.now() - started);
	}

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
				for await (const chunk of open()) {
					void chunk;
					await sample();
				}
			}, false),
		);
		rawSplits.push(await peakAbove((sample) => splitAll(sample), false));
		liveSplits.push(await peakAbove((sample) => splitAll(sample), true));
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
	// Each rep's two runs follow each other: their ratio is steadier than the ratio of medians on a busy machine.
	const pairedRatio = median(splitTimes.map((time, rep) => time / readTimes[rep]));
	const mb = (value: number) => `${(value / MB).toFixed(1)} MB`;
	const ms = (value: number) => `${value.toFixed(0)} ms`;
	const result = {
		video: { bytes, seconds: prepared.plan.sourceSeconds, moovFirst: prepared.moovFirst, parts: sizes.length, largestPart },
		reps: REPS,
		readMs: readTimes.map(Math.round),
		splitMs: splitTimes.map(Math.round),
		fastestReadMs: Math.round(Math.min(...readTimes)),
		fastestSplitMs: Math.round(Math.min(...splitTimes)),
		medianReadMs: Math.round(readMedian),
		medianSplitMs: Math.round(splitMedian),
		timeRatio: Number((splitMedian / readMedian).toFixed(2)),
		pairedTimeRatio: Number(pairedRatio.toFixed(2)),
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
	console.log(`Read once through getBinaryStream: median ${ms(readMedian)} (${readTimes.map(ms).join(', ')})`);
	console.log(`Stream all parts:                  median ${ms(splitMedian)} (${splitTimes.map(ms).join(', ')})`);
	console.log(`Time ratio split/read: ${result.timeRatio}x of the medians, ${result.pairedTimeRatio}x median of the paired runs (target <= 1.5x); fastest runs ${ms(Math.min(...readTimes))} and ${ms(Math.min(...splitTimes))}`);
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
