/**
 * Every part the splitter writes, decoded by ffmpeg: ffprobe reads it without an error, every
 * frame decodes (`ffmpeg -v error ... -f null -` prints nothing), it opens on a keyframe, it lasts
 * at most the maximum, and the parts together hold exactly the source's video frames (per-frame
 * hashes), none lost, none twice. Run with `npm run test:media` (needs ffmpeg and ffprobe).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { SPLIT_FIXTURES, SPLIT_REPRODUCTIONS } from '../fixtures';
import { frameHashes, judgePart, probe, run, sourceStartGap, writeParts as writePartsIn } from './judge';

const work = mkdtempSync(join(tmpdir(), 'zapi-split-media-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const writeParts = (name: string, source: string, maxPartSeconds: number, mode: 'split' | 'trim') => writePartsIn(work, name, source, { maxPartSeconds, mode });

const CASES: Array<[string, string, number]> = [
	['H.264 + AAC, 3 min', SPLIT_FIXTURES.h264_180s, 60],
	['H.264 + AAC, 61 s', SPLIT_FIXTURES.h264_61s, 60],
	['HEVC + AAC', SPLIT_FIXTURES.hevc90s, 60],
	['HEVC + AAC, 30 s parts', SPLIT_FIXTURES.hevc90s, 30],
	['HEVC with open GOPs', SPLIT_FIXTURES.hevcOpenGop90s, 60],
	['HEVC with open GOPs, 20 s parts', SPLIT_FIXTURES.hevcOpenGop90s, 20],
	['B-frames (ctts)', SPLIT_FIXTURES.bFrames70s, 60],
	['B-frames, 20 s parts', SPLIT_FIXTURES.bFrames70s, 20],
	['edit list starting inside a GOP', SPLIT_FIXTURES.editList, 60],
	['moov at the end', SPLIT_FIXTURES.moovAtEnd, 60],
	['audio longer than video', SPLIT_FIXTURES.audioLonger, 60],
	['QuickTime with a timecode track', SPLIT_FIXTURES.quicktimeTimecode, 60],
	['fragmented MP4', SPLIT_FIXTURES.fragmented, 60],
	['fragmented MP4, 20 s parts', SPLIT_FIXTURES.fragmented, 20],
	// Issue 18, each with a Maximum Duration just above its longest keyframe gap.
	['B-frame pyramid with an edit list hiding a GOP', SPLIT_REPRODUCTIONS.pyramidPreroll, 0.65],
	['samples before the first keyframe, hidden by the edit list', SPLIT_REPRODUCTIONS.prerollNoKeyframe, 0.65],
	['keyframes at 0, 0.6, 8.3 and 9.2 s', SPLIT_REPRODUCTIONS.unevenKeyframes, 7.95],
	['a video track starting 1 s late (empty edit)', SPLIT_REPRODUCTIONS.lateStart, 2.1],
	['a motion photo (a second video track with a still)', SPLIT_REPRODUCTIONS.motionPhoto, 2.1],
	['a keyframe table off by one', SPLIT_REPRODUCTIONS.stssOffByOne, 2.3],
	['an mdat header claiming more than the file', SPLIT_REPRODUCTIONS.mdatOverclaims, 2.1],
];

describe('split parts decode with ffmpeg', () => {
	test.each(CASES)('%s: every part is valid and the parts hold exactly the source frames', async (label, source, maxPartSeconds) => {
		const name = label.replace(/\W+/g, '-');
		const { prepared, paths } = await writeParts(name, source, maxPartSeconds, 'split');
		expect(paths.length).toBeGreaterThanOrEqual(2);
		const partFrames: string[] = [];
		const judgement = {
			maxPartSeconds,
			sourceStreamTypes: (probe(source).info.streams ?? []).map((stream) => stream.codec_type),
			sourceStartGap: sourceStartGap(source),
			audioRunsLonger: source === SPLIT_FIXTURES.audioLonger,
		};
		paths.forEach((path, index) => {
			judgePart(path, index, paths.length, judgement);
			// No part is empty: each shows at least one frame.
			const frames = frameHashes(path);
			expect(frames.length).toBeGreaterThan(0);
			partFrames.push(...frames);
		});
		expect(prepared.plan.parts).toHaveLength(paths.length);
		const sourceFrames = frameHashes(source);
		expect(partFrames.length).toBe(sourceFrames.length);
		expect(partFrames).toEqual(sourceFrames);
	});

	test('a portrait phone video (rotated by its track header) stays rotated in every part', async () => {
		const source = Buffer.from(readFileSync(SPLIT_FIXTURES.h264_61s));
		const matrixAt = source.indexOf('tkhd') + 4 + 40;
		[0, 0x1_0000, 0, -0x1_0000, 0, 0, 0, 0, 0x4000_0000].forEach((value, index) => source.writeInt32BE(value, matrixAt + index * 4));
		const path = join(work, 'rotated.mp4');
		writeFileSync(path, source);
		const rotation = (file: string) =>
			run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream_side_data=rotation', '-of', 'csv=p=0', file]).stdout.trim();
		expect(rotation(path)).toMatch(/^-?90$/);
		const { paths } = await writeParts('rotated', path, 60, 'split');
		expect(paths).toHaveLength(2);
		for (const part of paths) expect(rotation(part)).toBe(rotation(path));
	});

	test.each([
		['H.264 + AAC, 3 min', 45, SPLIT_FIXTURES.h264_180s],
		['edit list starting inside a GOP', 50, SPLIT_FIXTURES.editList],
		['HEVC + AAC', 33, SPLIT_FIXTURES.hevc90s],
	] as Array<[string, number, string]>)('trimming %s to %d s keeps exactly the first frames', async (label, maxPartSeconds, source) => {
		const { paths } = await writeParts(label.replace(/\W+/g, '-'), source, maxPartSeconds, 'trim');
		expect(paths).toHaveLength(1);
		const { stderr, info, firstPacketFlags } = probe(paths[0]);
		expect(stderr).toBe('');
		expect(run('ffmpeg', ['-v', 'error', '-i', paths[0], '-f', 'null', '-']).stderr).toBe('');
		expect(firstPacketFlags.startsWith('K')).toBe(true);
		expect(Number(info.format?.duration)).toBeCloseTo(maxPartSeconds, 2);
		const frames = frameHashes(paths[0]);
		// 5 fps: every frame shown in the first maxPartSeconds.
		expect(frames.length).toBe(maxPartSeconds * 5);
		expect(frames).toEqual(frameHashes(source).slice(0, frames.length));
	});
});
