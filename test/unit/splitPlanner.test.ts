/**
 * The splitter's planning (nodes/ZApi/media/mp4/): the cut search on its own (chooseCuts), the
 * keyframe truth read from NAL units, and the plans for the videos of issue 18
 * (test/fixtures/media/make-split.sh), checked without ffmpeg. `npm run test:media` decodes them.
 */
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { fragmentsEncrypted, nalPicture, sampleCodec, scanKeyframes, trueSync, UNKNOWN } from '../../nodes/ZApi/media/mp4/keyframes';
import { chooseCuts, thinPoints } from '../../nodes/ZApi/media/mp4/planner';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4/inspector';
import { bufferSource, prepareSplit, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import { readSampleMovie } from '../../nodes/ZApi/media/mp4/sampleTables';
import { sourceOf } from '../../nodes/ZApi/media/splitSource';
import { checkVideo, DEFAULT_VIDEO_CHECKS } from '../../nodes/ZApi/media/videoChecks';
import { FIXTURES, OTHER_LAYOUT_FIXTURES, SPLIT_FIXTURES, SPLIT_REPRODUCTIONS } from '../fixtures';
import { CORPUS } from '../fixtures/realWorld';

const NO_BYTE_LIMIT = { maxBytes: Infinity, maxParts: 100 };
/** The bytes as a stored file gives them: front to back only, in chunks of `chunkBytes`. */
const streamedOnly = (bytes: Uint8Array, chunkBytes: number) => {
	const source = bufferSource(bytes, chunkBytes);
	return () => source();
};
const bytesNone = () => 0;

describe('chooseCuts: a plan whenever one exists', () => {
	test('keyframes at 0, 0.6, 8.3 and 9.2 s of 17 s with parts of at most 7.95 s: cut at all three', () => {
		const plan = chooseCuts({ points: [0, 0.6, 8.3, 9.2], end: 17, partBytes: bytesNone }, { maxTicks: 7.95, ...NO_BYTE_LIMIT });
		expect(plan).toEqual({ ok: true, starts: [0, 1, 2, 3] });
	});

	test('the fewest parts first, then the most even: 61 s with a keyframe every second makes 30 + 31 s, not 60 + 1 s', () => {
		const points = Array.from({ length: 61 }, (_, second) => second);
		const plan = chooseCuts({ points, end: 61, partBytes: bytesNone }, { maxTicks: 60, ...NO_BYTE_LIMIT });
		expect(plan.ok && plan.starts.map((index) => points[index])).toEqual([0, 31]);
	});

	test('three parts of exactly 60 s when only those fit', () => {
		const points = Array.from({ length: 45 }, (_, index) => index * 4);
		const plan = chooseCuts({ points, end: 180, partBytes: bytesNone }, { maxTicks: 60, ...NO_BYTE_LIMIT });
		expect(plan.ok && plan.starts.map((index) => points[index])).toEqual([0, 60, 120]);
	});

	test('the size limit adds parts where the duration alone would not', () => {
		// 1 MB per second, 10 s, parts of at most 60 s but 4 MB: three parts (4 + 3 + 3 s), not one.
		const points = Array.from({ length: 10 }, (_, second) => second);
		const partBytes = (from: number, to: number) => ((to === points.length ? 10 : points[to]) - points[from]) * 1_000_000;
		const plan = chooseCuts({ points, end: 10, partBytes }, { maxTicks: 60, maxBytes: 4_000_000, maxParts: 100 });
		expect(plan.ok && plan.starts.map((index) => points[index])).toEqual([0, 4, 7]);
	});

	test('a last part may take sound past the video, and counts it when balancing', () => {
		const points = [0, 10, 20, 30, 40];
		// Video until 50, sound until 70, parts of at most 40: a second part from 30 or 35 takes all the
		// sound, and 35 + 35 s is more even than 30 + 40 s; from 10 or 20 it would leave sound out.
		const plan = chooseCuts({ points, end: 50, partBytes: bytesNone, lastPartEnd: (from) => Math.min(70, points[from] + 40) }, { maxTicks: 40, ...NO_BYTE_LIMIT });
		expect(plan.ok && plan.starts).toEqual([0, 4]);
	});

	test('refusals name the stretch that cannot fit, or the parts needed', () => {
		expect(chooseCuts({ points: [0, 2, 10], end: 12, partBytes: bytesNone }, { maxTicks: 5, ...NO_BYTE_LIMIT })).toEqual({ ok: false, reason: 'gap', from: 1, to: 2 });
		expect(chooseCuts({ points: [0, 2], end: 9, partBytes: bytesNone }, { maxTicks: 5, ...NO_BYTE_LIMIT })).toEqual({ ok: false, reason: 'gap', from: 1, to: 2 });
		const partBytes = (from: number, to: number) => (from === 1 && to === 2 ? 20 : 5);
		expect(chooseCuts({ points: [0, 2, 4], end: 6, partBytes }, { maxTicks: 5, maxBytes: 10, maxParts: 100 })).toEqual({ ok: false, reason: 'bytes', from: 1, to: 2, bytes: 20 });
		const points = Array.from({ length: 10 }, (_, index) => index * 2);
		expect(chooseCuts({ points, end: 20, partBytes: bytesNone }, { maxTicks: 2, maxBytes: Infinity, maxParts: 9 })).toEqual({ ok: false, reason: 'parts', parts: 10 });
	});

	test('thinPoints keeps the first of points closer than a part / perPart', () => {
		expect(thinPoints([0, 1, 2, 3, 10, 11, 25], 100, 10)).toEqual([0, 4, 6]);
	});
});

describe('keyframes from the samples themselves', () => {
	test('NAL unit types: H.264 IDR (5) and HEVC IRAP (16 to 23) are random-access points', () => {
		expect(nalPicture('h264', 0x65)).toBe('random-access');
		expect(nalPicture('h264', 0x41)).toBe('other');
		expect(nalPicture('h264', 0x06)).toBeUndefined();
		expect(nalPicture('hevc', 19 << 1)).toBe('random-access');
		expect(nalPicture('hevc', 21 << 1)).toBe('random-access');
		expect(nalPicture('hevc', 1 << 1)).toBe('other');
		expect(nalPicture('hevc', 39 << 1)).toBeUndefined();
	});

	async function videoOf(path: string) {
		const bytes = readFileSync(path);
		const index = await readMovieIndex(bufferSource(bytes), bytes.length);
		const movie = readSampleMovie(index.moov, bytes.length, index.fragments);
		return { bytes, index, video: movie.tracks.find((track) => track.kind === 'video')! };
	}

	test('the codec and its NAL length size come from the sample description', async () => {
		expect(sampleCodec((await videoOf(SPLIT_FIXTURES.h264_61s)).video)).toEqual({ fourcc: 'avc1', nal: { family: 'h264', lengthSize: 4 }, encrypted: false });
		expect(sampleCodec((await videoOf(SPLIT_FIXTURES.hevc90s)).video)).toEqual({ fourcc: 'hvc1', nal: { family: 'hevc', lengthSize: 4 }, encrypted: false });
		expect(sampleCodec((await videoOf(OTHER_LAYOUT_FIXTURES.encrypted)).video).encrypted).toBe(true);
	});

	test('a table that names the frame after each keyframe is corrected from the samples, whatever the chunk size', async () => {
		const { bytes, video } = await videoOf(SPLIT_REPRODUCTIONS.stssOffByOne);
		const listed = [...video.sync!.keys()].filter((sample) => video.sync![sample] === 1);
		expect(listed).toEqual([0, 11, 21, 31, 41, 51]);
		const nal = sampleCodec(video).nal!;
		for (const source of [bufferSource(bytes), ...[7, 4096, 1 << 20].map((chunkBytes) => streamedOnly(bytes, chunkBytes))]) {
			const sync = trueSync(video, await scanKeyframes(source, video, nal))!;
			expect([...sync.keys()].filter((sample) => sync[sample] === 1)).toEqual([0, 10, 20, 30, 40, 50]);
		}
	});

	test('the samples are read where they are when the node holds the file (bytes or Base64 text), and front to back when it streams: the same verdicts on every real-world H.264/HEVC file', async () => {
		const files = CORPUS.filter((entry) => entry.expect !== 'inspect');
		let compared = 0;
		for (const entry of files) {
			const bytes = readFileSync(entry.fullPath);
			let video;
			try {
				const index = await readMovieIndex(bufferSource(bytes), bytes.length);
				video = readSampleMovie(index.moov, bytes.length, index.fragments).tracks.find((track) => track.kind === 'video');
			} catch {
				continue;
			}
			const nal = video && sampleCodec(video).nal;
			if (!video || !nal) continue;
			const direct = await scanKeyframes(bufferSource(bytes), video, nal);
			const asBase64 = sourceOf({ kind: 'inline', mimeType: 'video/mp4', bytes: bytes.length, payload: bytes.toString('base64') });
			for (const source of [streamedOnly(bytes, 65_536), asBase64]) {
				expect({ file: entry.file, verdicts: [...(await scanKeyframes(source, video, nal))] }).toEqual({ file: entry.file, verdicts: [...direct] });
			}
			// Not a scan that finds nothing: a file's first picture is a random-access point.
			expect({ file: entry.file, first: direct.find((verdict) => verdict !== UNKNOWN) }).toEqual({ file: entry.file, first: 1 });
			compared++;
		}
		expect(compared).toBeGreaterThanOrEqual(30);
	});

	test('HEVC open GOPs: every CRA keyframe the table lists is one', async () => {
		const { bytes, video } = await videoOf(SPLIT_FIXTURES.hevcOpenGop90s);
		const sync = trueSync(video, await scanKeyframes(bufferSource(bytes), video, sampleCodec(video).nal!))!;
		expect([...sync]).toEqual([...video.sync!]);
	});

	test('encryption information in fragments (senc, saiz, saio in a traf) is found', async () => {
		const box = (type: string, ...children: Buffer[]) => {
			const header = Buffer.alloc(8);
			header.writeUInt32BE(8 + children.reduce((sum, child) => sum + child.length, 0));
			header.write(type, 4, 'latin1');
			return Buffer.concat([header, ...children]);
		};
		const moof = (...trafChildren: Buffer[]) => ({ offset: 0, box: box('moof', box('mfhd', Buffer.alloc(8)), box('traf', box('tfhd', Buffer.alloc(8)), ...trafChildren)) });
		expect(fragmentsEncrypted([moof(box('trun', Buffer.alloc(8))), moof(box('senc', Buffer.alloc(8)))])).toBe(true);
		expect(fragmentsEncrypted([moof(box('saiz', Buffer.alloc(5)))])).toBe(true);
		expect(fragmentsEncrypted([moof(box('trun', Buffer.alloc(8)))])).toBe(false);
		expect(fragmentsEncrypted((await videoOf(SPLIT_FIXTURES.fragmented)).index.fragments)).toBe(false);
		// ffmpeg keeps its encryption boxes in the moov of this one: the sample description (encv) tells.
		expect(sampleCodec((await videoOf(SPLIT_REPRODUCTIONS.encryptedFragmented)).video)).toEqual(expect.objectContaining({ fourcc: 'encv', encrypted: true }));
	});
});

async function plan(path: string, maxPartSeconds: number) {
	const bytes = readFileSync(path);
	return await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds, mode: 'split' });
}
const startsOf = (prepared: Awaited<ReturnType<typeof plan>>) => prepared.plan.parts.map((part) => Math.round(part.startSeconds * 100) / 100);

describe('issue 18: the videos people really have', () => {
	test('a B-frame pyramid with an edit list hiding a GOP: no empty part, the first starts at the first frame shown', async () => {
		const prepared = await plan(SPLIT_REPRODUCTIONS.pyramidPreroll, 0.65);
		expect(startsOf(prepared)).toEqual([0.1, 0.7, 1.3, 1.9]);
		const shown = prepared.plan.parts.map((part) => part.slices.find((slice) => slice.track.kind === 'video')!.end - part.slices.find((slice) => slice.track.kind === 'video')!.first);
		expect(shown).toEqual([3, 3, 3, 3]);
	});

	test('H.264 open GOPs: the I-frames the index lists are not cut at (frames would be lost); refused, saying why', async () => {
		const error = await plan(SPLIT_REPRODUCTIONS.h264OpenGop, 0.85).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toBe(
			'The video has no keyframe between 0.0 s and 2.4 s (a gap of 2.4 s), so it cannot be cut into parts of at most 0.85 s without re-encoding. Its index also lists 2 keyframes whose pictures a part cannot start at (I-frames of an open GOP, or a wrong keyframe table)',
		);
		expect((error as MediaError).hint).toMatch(/at least 3 .*closed GOPs/);
	});

	test('samples before the first keyframe, hidden by the edit list, are left out instead of refused', async () => {
		const prepared = await plan(SPLIT_REPRODUCTIONS.prerollNoKeyframe, 0.65);
		expect(prepared.plan.parts).toHaveLength(4);
		const first = prepared.plan.parts[0].slices.find((slice) => slice.track.kind === 'video')!;
		expect(first.first).toBe(2);
		expect(first.track.sync![first.first]).toBe(1);
	});

	test('keyframes at 0, 0.6, 8.3 and 9.2 s of 17 s at 7.95 s: cut at each', async () => {
		expect(startsOf(await plan(SPLIT_REPRODUCTIONS.unevenKeyframes, 7.95))).toEqual([0, 0.6, 8.3, 9.2]);
	});

	test('an empty edit first is not video: the first part starts at the first frame', async () => {
		const prepared = await plan(SPLIT_REPRODUCTIONS.lateStart, 2.1);
		expect(prepared.plan.parts.map((part) => [part.startSeconds, part.durationSeconds])).toEqual([
			[1, 2],
			[3, 2],
			[5, 2],
		]);
	});

	test('a motion photo: the movie track is split, the still left out and counted', async () => {
		const prepared = await plan(SPLIT_REPRODUCTIONS.motionPhoto, 2.1);
		expect(prepared.plan.skippedVideoTracks).toEqual([2]);
		expect(prepared.plan.parts.every((part) => part.slices.length === 1 && part.slices[0].track.sampleCount === 30)).toBe(true);
	});

	test('a keyframe table off by one: parts start at the real keyframes, and their own tables say so', async () => {
		const prepared = await plan(SPLIT_REPRODUCTIONS.stssOffByOne, 2.3);
		expect(startsOf(prepared)).toEqual([0, 2, 4, 6, 8, 10]);
		for (const part of prepared.plan.parts) {
			const video = part.slices.find((slice) => slice.track.kind === 'video')!;
			expect(video.first % 10).toBe(0);
			expect(video.track.sync![video.first]).toBe(1);
		}
	});

	test('an encrypted fragmented video is refused before anything is posted, saying why', async () => {
		const error = await plan(SPLIT_REPRODUCTIONS.encryptedFragmented, 3).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toBe('The video is encrypted (DRM), so its parts could not play: nothing was posted');
		expect((error as MediaError).hint).toMatch(/without DRM/);
	});

	test('an mdat header claiming more than the file holds, with every sample in it, is not cut short', () => {
		const bytes = readFileSync(SPLIT_REPRODUCTIONS.mdatOverclaims);
		const inspection = inspectMp4(bytes);
		expect(inspection.cutShort).toBeUndefined();
		expect(inspection.issues).toEqual(['the mdat box header claims more bytes than the file has, but every sample is in the file']);
		const media = { kind: 'inline' as const, mimeType: 'video/mp4', bytes: bytes.length, content: bytes };
		expect(() => checkVideo(media, inspection, { ...DEFAULT_VIDEO_CHECKS, uninspectable: 'refuse' })).not.toThrow();
		// A file that really is cut short still is.
		expect(inspectMp4(readFileSync(OTHER_LAYOUT_FIXTURES.cutShort)).cutShort).toBe(true);
		const truncated = bytes.subarray(0, bytes.length - 3000);
		expect(inspectMp4(truncated).cutShort).toBe(true);
	});

	test('a part over 10 MB is avoided by cutting more often, and refused when one stretch alone is over', async () => {
		const bytes = readFileSync(SPLIT_FIXTURES.h264_61s);
		const small = await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds: 60, mode: 'split', maxPartBytes: 40_000 });
		expect(small.plan.parts.length).toBeGreaterThan(2);
		expect(small.layouts.every((layout) => layout.bytes <= 40_000)).toBe(true);
		const error = await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds: 60, mode: 'split', maxPartBytes: 17_000 }).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toMatch(/^The video from [\d.]+ s to [\d.]+ s has no keyframe to cut at and would make a part of .*; WhatsApp Status accepts at most 0\.0 MB \(17,000 bytes\)\. Nothing was posted$/);
	});

	test('a video whose first keyframe comes after frames it shows is refused, saying why', async () => {
		const bytes = readFileSync(FIXTURES.h264);
		const index = await readMovieIndex(bufferSource(bytes), bytes.length);
		const movie = readSampleMovie(index.moov, bytes.length);
		const video = movie.tracks.find((track) => track.kind === 'video')!;
		const sync = new Uint8Array(video.sampleCount);
		sync[5] = 1;
		const { planParts } = await import('../../nodes/ZApi/media/mp4/planParts');
		const broken = { ...movie, tracks: movie.tracks.map((track) => (track === video ? { ...track, sync } : track)) };
		expect(() => planParts(broken, { maxPartSeconds: 1, mode: 'split' })).toThrow(/does not start with a keyframe/);
	});
});
