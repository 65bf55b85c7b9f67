/**
 * The splitter on real videos (test/fixtures/media/make-split.sh), checked structurally without
 * ffmpeg: every part is re-read with the node's own readers. `npm run test:media` decodes the same
 * parts with ffmpeg.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4/inspector';
import { assembleParts, bufferSource, joinPieces, prepareSplit, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { SampleTrack } from '../../nodes/ZApi/media/mp4/sampleTables';
import { readSampleMovie } from '../../nodes/ZApi/media/mp4/sampleTables';
import { SPLIT_FIXTURES } from '../fixtures';

async function split(path: string, maxPartSeconds = 60, mode: 'split' | 'trim' = 'split', chunkBytes = 4096) {
	const source = readFileSync(path);
	const prepared = await prepareSplit(bufferSource(source, chunkBytes), source.length, { maxPartSeconds, mode });
	const parts: Uint8Array[] = [];
	for await (const part of prepared.parts()) parts.push(joinPieces(part));
	return { source, prepared, parts };
}

function moovOf(file: Uint8Array): Uint8Array {
	let offset = 0;
	while (offset + 8 <= file.length) {
		const size = Buffer.from(file.buffer, file.byteOffset + offset, 4).readUInt32BE(0);
		const type = Buffer.from(file.subarray(offset + 4, offset + 8)).toString('latin1');
		if (type === 'moov') return file.subarray(offset, offset + size);
		offset += size;
	}
	throw new Error('no moov');
}

/** The bytes of samples [first, end) of a track, in decode order. */
function sampleBytes(file: Uint8Array, track: SampleTrack, first = 0, end = track.sampleCount): Buffer[] {
	const samples: Buffer[] = [];
	for (let sample = first; sample < end; sample++) {
		samples.push(Buffer.from(file.subarray(track.offsets[sample], track.offsets[sample] + track.sizes[sample])));
	}
	return samples;
}

/** A copy of the file whose video is shown turned 90° (tkhd matrix), as phones record portrait video. */
function rotated(file: Buffer): Buffer {
	const copy = Buffer.from(file);
	const at = copy.indexOf('tkhd') + 4 + 40;
	[0, 0x1_0000, 0, -0x1_0000, 0, 0, 0, 0, 0x4000_0000].forEach((value, index) => copy.writeInt32BE(value, at + index * 4));
	return copy;
}

const sha = (buffers: Buffer[]) => buffers.reduce((hash, buffer) => hash.update(buffer), createHash('sha256')).digest('hex');

describe('splitting real videos into standalone parts', () => {
	test.each(Object.entries(SPLIT_FIXTURES).filter(([name]) => !['keyframeGap', 'hevcOpenGop90s'].includes(name)))(
		'%s: parts of at most 60 s, fast start, each opening on a keyframe, holding every sample exactly once',
		async (_name, path) => {
			const { source, prepared, parts } = await split(path);
			// Fragmented sources list their samples in moof boxes, which the index pass collects.
			const index = await readMovieIndex(bufferSource(source), source.length);
			const sourceMovie = readSampleMovie(index.moov, source.length, index.fragments);
			expect(parts.length).toBe(prepared.plan.parts.length);
			expect(parts.length).toBeGreaterThanOrEqual(2);

			const partsByKind: Record<string, Buffer[]> = { video: [], audio: [] };
			parts.forEach((part, index) => {
				expect(part.length).toBe(prepared.layouts[index].bytes);
				const inspection = inspectMp4(part);
				expect(inspection).toEqual(expect.objectContaining({ complete: true, fastStart: true, issues: [] }));
				expect(inspection.durationSeconds).toBeLessThanOrEqual(60);
				expect(inspection.durationSeconds).toBeCloseTo(prepared.plan.parts[index].durationSeconds, 3);
				const movie = readSampleMovie(moovOf(part), part.length);
				for (const track of movie.tracks) {
					if (track.kind === 'video') expect(track.sync?.[0] ?? 1).toBe(1);
					partsByKind[track.kind].push(...sampleBytes(part, track));
				}
			});
			for (const track of sourceMovie.tracks) {
				const expected = sampleBytes(source, track);
				if (track.kind === 'video' || path !== SPLIT_FIXTURES.audioLonger) {
					expect(partsByKind[track.kind].length).toBe(expected.length);
					expect(sha(partsByKind[track.kind])).toBe(sha(expected));
				}
			}
			const total = prepared.plan.parts.reduce((sum, part) => sum + part.durationSeconds, 0);
			expect(total).toBeCloseTo(Math.min(prepared.plan.sourceSeconds, total + prepared.plan.droppedTailSeconds), 3);
		},
	);

	test('3 minutes with a keyframe every 4 s become three parts of exactly 60 s', async () => {
		const { prepared } = await split(SPLIT_FIXTURES.h264_180s);
		expect(prepared.plan.parts.map((part) => [part.startSeconds, part.durationSeconds])).toEqual([
			[0, 60],
			[60, 60],
			[120, 60],
		]);
		expect(prepared.moovFirst).toBe(true);
	});

	test('parts never exceed the maximum: 30 s parts of the 90 s HEVC video', async () => {
		const { prepared, parts } = await split(SPLIT_FIXTURES.hevc90s, 30);
		expect(prepared.plan.parts.map((part) => part.durationSeconds)).toEqual([30, 30, 30]);
		expect(inspectMp4(parts[0]).videoCodec).toBe('HEVC');
	});

	test('open GOPs: the keyframe a cut starts at, and the frames decoded after it but shown before it, are in both parts', async () => {
		const { source, parts } = await split(SPLIT_FIXTURES.hevcOpenGop90s, 30);
		const sourceVideo = readSampleMovie(moovOf(source), source.length).tracks.find((track) => track.kind === 'video')!;
		const videos = parts.map((part) => readSampleMovie(moovOf(part), part.length).tracks.find((track) => track.kind === 'video')!);
		expect(videos).toHaveLength(3);
		const joined: Buffer[] = sampleBytes(parts[0], videos[0]);
		const sharedCounts: number[] = [];
		for (let index = 1; index < parts.length; index++) {
			const [first, second] = [videos[index - 1], videos[index]];
			// Samples of the second part already in the first: its CRA keyframe and leading (RASL) frames.
			let shared = 0;
			for (let count = 1; count <= Math.min(4, first.sampleCount, second.sampleCount); count++) {
				if (sha(sampleBytes(parts[index - 1], first, first.sampleCount - count)) === sha(sampleBytes(parts[index], second, 0, count))) shared = count;
			}
			sharedCounts.push(shared);
			joined.push(...sampleBytes(parts[index], second, shared));
		}
		// x265 puts up to 3 B-frames before a CRA in display order: cuts at 30 s and 60 s have 1 and 2.
		expect(sharedCounts).toEqual([2, 3]);
		expect(sha(joined)).toBe(sha(sampleBytes(source, sourceVideo)));
	});

	test('a rotated phone video stays rotated: every part keeps the display matrix of the track header', async () => {
		const source = rotated(readFileSync(SPLIT_FIXTURES.h264_61s));
		const prepared = await prepareSplit(bufferSource(source), source.length, { maxPartSeconds: 60, mode: 'split' });
		const matrixOf = (file: Uint8Array) => {
			const at = Buffer.from(file).indexOf('tkhd') + 4 + 40; // from version/flags, 40 bytes to the matrix (v0)
			return Buffer.from(file.subarray(at, at + 36)).toString('hex');
		};
		// 0, 1, 0 / -1, 0, 0 / 0, 0, 1 in 16.16 (and 2.30 for the last column): a quarter turn.
		expect(matrixOf(source)).toBe('000000000001000000000000ffff00000000000000000000000000000000000040000000');
		for await (const part of prepared.parts()) expect(matrixOf(joinPieces(part))).toBe(matrixOf(source));
	});

	test('moov at the end: the index is found after the media, parts are still fast start', async () => {
		const { prepared, parts } = await split(SPLIT_FIXTURES.moovAtEnd);
		expect(prepared.moovFirst).toBe(false);
		expect(parts.every((part) => inspectMp4(part).fastStart)).toBe(true);
	});

	test('audio past the video: the last part takes it when it fits', async () => {
		const { prepared } = await split(SPLIT_FIXTURES.audioLonger);
		// Video until 70 s, audio until 82 s: two even parts, the second ending with the audio.
		expect(prepared.plan.parts.map((part) => part.durationSeconds)).toEqual([42, 40]);
		expect(prepared.plan.droppedTailSeconds).toBe(0);
	});

	test('audio past the video beyond the last part: the part ends at the maximum and the rest is reported', async () => {
		// Keyframes every 2 s, video until 70 s, audio until 82 s: seven parts (the fewest) hold the
		// video; the last starts at 60 s and takes the audio up to 70 s.
		const { prepared } = await split(SPLIT_FIXTURES.audioLonger, 10);
		expect(prepared.plan.parts).toHaveLength(7);
		const last = prepared.plan.parts[prepared.plan.parts.length - 1];
		expect([last.startSeconds, last.durationSeconds]).toEqual([60, 10]);
		expect(prepared.plan.droppedTailSeconds).toBeCloseTo(12, 1);
	});

	test('trimming keeps the first 45 s exactly (the end need not be a keyframe), one part', async () => {
		const { source, prepared, parts } = await split(SPLIT_FIXTURES.h264_180s, 45, 'trim');
		expect(parts).toHaveLength(1);
		expect(prepared.plan.parts[0].durationSeconds).toBe(45);
		expect(inspectMp4(parts[0]).durationSeconds).toBe(45);
		const video = readSampleMovie(moovOf(parts[0]), parts[0].length).tracks.find((track) => track.kind === 'video')!;
		const sourceVideo = readSampleMovie(moovOf(source), source.length).tracks.find((track) => track.kind === 'video')!;
		// Every frame shown in the first 45 s (5 fps), plus at most the frames B-frames depend on.
		expect(video.sampleCount).toBeGreaterThanOrEqual(225);
		expect(video.sampleCount).toBeLessThan(230);
		expect(sha(sampleBytes(parts[0], video))).toBe(sha(sampleBytes(source, sourceVideo, 0, video.sampleCount)));
	});

	test('the chunk size of the source does not change the parts', async () => {
		const small = await split(SPLIT_FIXTURES.bFrames70s, 60, 'split', 1000);
		const whole = await split(SPLIT_FIXTURES.bFrames70s, 60, 'split', 10_000_000);
		expect(small.parts.map((part) => sha([Buffer.from(part)]))).toEqual(whole.parts.map((part) => sha([Buffer.from(part)])));
	});

	test('a keyframe gap longer than the maximum is an error that names the gap and the fix', async () => {
		const error = await split(SPLIT_FIXTURES.keyframeGap).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toBe(
			'The video has no keyframe between 0.0 s and 75.0 s (a gap of 75.0 s), so it cannot be cut into parts of at most 60 s without re-encoding',
		);
		expect((error as MediaError).hint).toMatch(/keyframe at least every 2 seconds/);
	});

	test('a video that would become too many statuses is refused before any part is written', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_61s);
		const error = await prepareSplit(bufferSource(source), source.length, { maxPartSeconds: 2, mode: 'split', maxParts: 5 }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toBe('The video (61.0 s) would become more than 5 statuses of at most 2 s (it needs 31)');
		const many = await prepareSplit(bufferSource(source), source.length, { maxPartSeconds: 2, mode: 'split' });
		expect(many.plan.parts).toHaveLength(31);
	});

	test('fragmented MP4: the samples come from the moof boxes, the parts are regular MP4 (no mvex, no moof)', async () => {
		const { prepared, parts } = await split(SPLIT_FIXTURES.fragmented);
		expect(prepared.plan.parts.map((part) => part.durationSeconds)).toEqual([34.4, 36]);
		for (const part of parts) {
			const text = Buffer.from(part).toString('latin1');
			expect(text.includes('mvex') || text.includes('moof')).toBe(false);
		}
	});

	test('a fragmented MP4 cut short is refused', async () => {
		const whole = readFileSync(SPLIT_FIXTURES.fragmented);
		const cut = whole.subarray(0, whole.length - 30_000);
		const error = await prepareSplit(bufferSource(cut), cut.length, { maxPartSeconds: 60, mode: 'split' }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toMatch(/^The video file is damaged or cut short: its (moof|mdat) box at byte [\d,]+ runs past the end$/);
	});

	test('a file that ends early stops with an error instead of a part with holes', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_61s);
		const { layouts } = await prepareSplit(bufferSource(source), source.length, { maxPartSeconds: 60, mode: 'split' });
		const collected: Uint8Array[] = [];
		const error = await (async () => {
			for await (const part of assembleParts(bufferSource(source.subarray(0, source.length - 5000)), layouts, source.length)) collected.push(joinPieces(part));
		})().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toMatch(/^The video file ended after [\d,]+ bytes; [\d,]+ were expected$/);
	});
});
