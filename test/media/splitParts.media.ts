/**
 * Every part the splitter writes, decoded by ffmpeg: ffprobe reads it without an error, every
 * frame decodes (`ffmpeg -v error ... -f null -` prints nothing), it opens on a keyframe, it lasts
 * at most the maximum, and the parts together hold exactly the source's video frames (per-frame
 * hashes), none lost, none twice. Run with `npm run test:media` (needs ffmpeg and ffprobe).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { bufferSource, joinPieces, prepareSplit } from '../../nodes/ZApi/media/mp4/partAssembler';
import { SPLIT_FIXTURES, SPLIT_REAL_WORLD } from '../fixtures';

const work = mkdtempSync(join(tmpdir(), 'zapi-split-media-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[]): { stdout: string; stderr: string } {
	try {
		const stdout = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
		return { stdout, stderr: '' };
	} catch (error) {
		const failed = error as { stdout?: string; stderr?: string; message: string };
		return { stdout: failed.stdout ?? '', stderr: failed.stderr || failed.message };
	}
}

/**
 * One MD5 per decoded frame of the (first) video track, in presentation order, as ffmpeg shows
 * them (edit lists applied). Parts hold one video track: a source's other ones (a motion photo's
 * still) are left out.
 */
function frameHashes(path: string): string[] {
	const { stdout, stderr } = run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:v:0', '-f', 'framemd5', '-']);
	expect(stderr).toBe('');
	return stdout
		.split('\n')
		.filter((line) => line !== '' && !line.startsWith('#'))
		.map((line) => line.split(',').pop()!.trim());
}

function probe(path: string) {
	const { stdout, stderr } = run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
	const firstPacket = run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', path]);
	const info = JSON.parse(stdout || '{}') as {
		format?: { duration?: string };
		streams?: Array<{ codec_type: string; duration?: string; start_time?: string; sample_rate?: string }>;
	};
	return { stderr: stderr + firstPacket.stderr, info, firstPacketFlags: firstPacket.stdout.trim() };
}

/** How much later the source's audio starts than its video (negative: earlier). */
function sourceStartGap(source: string): number {
	const streams = probe(source).info.streams ?? [];
	const start = (type: string) => Number(streams.find((stream) => stream.codec_type === type)?.start_time ?? 0);
	return start('audio') - start('video');
}

async function writeParts(name: string, source: string, maxPartSeconds: number, mode: 'split' | 'trim') {
	const bytes = readFileSync(source);
	const prepared = await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds, mode });
	const paths: string[] = [];
	for await (const pieces of prepared.parts()) {
		const part = joinPieces(pieces);
		const path = join(work, `${name}-${mode}-${maxPartSeconds}-part${paths.length + 1}.mp4`);
		writeFileSync(path, part);
		paths.push(path);
	}
	return { prepared, paths };
}

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
	['B-frame pyramid with an edit list hiding a GOP', SPLIT_REAL_WORLD.pyramidPreroll, 0.65],
	['samples before the first keyframe, hidden by the edit list', SPLIT_REAL_WORLD.prerollNoKeyframe, 0.65],
	['keyframes at 0, 0.6, 8.3 and 9.2 s', SPLIT_REAL_WORLD.unevenKeyframes, 7.95],
	['a video track starting 1 s late (empty edit)', SPLIT_REAL_WORLD.lateStart, 2.1],
	['a motion photo (a second video track with a still)', SPLIT_REAL_WORLD.motionPhoto, 2.1],
	['a keyframe table off by one', SPLIT_REAL_WORLD.stssOffByOne, 2.3],
	['an mdat header claiming more than the file', SPLIT_REAL_WORLD.mdatOverclaims, 2.1],
];

describe('split parts decode with ffmpeg', () => {
	test.each(CASES)('%s: every part is valid and the parts hold exactly the source frames', async (label, source, maxPartSeconds) => {
		const name = label.replace(/\W+/g, '-');
		const { prepared, paths } = await writeParts(name, source, maxPartSeconds, 'split');
		expect(paths.length).toBeGreaterThanOrEqual(2);
		const partFrames: string[] = [];
		for (const path of paths) {
			const { stderr, info, firstPacketFlags } = probe(path);
			expect(stderr).toBe('');
			expect(run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']).stderr).toBe('');
			expect(firstPacketFlags.startsWith('K')).toBe(true);
			expect(Number(info.format?.duration)).toBeLessThanOrEqual(maxPartSeconds);
			// One video track and the audio stay; other tracks (timecode, data, a second video) are left out.
			const sourceStreams = probe(source).info.streams?.map((stream) => stream.codec_type).filter((type) => type === 'video' || type === 'audio');
			expect(info.streams?.map((stream) => stream.codec_type)).toEqual(sourceStreams?.filter((type, index) => type !== 'video' || sourceStreams.indexOf('video') === index));
			// Sound and picture in sync: the audio starts with the video (in the first part, as far from
			// it as in the source) and, except where the source's audio runs past its video, ends with
			// it, both to within one AAC frame (1024 samples).
			const video = info.streams?.find((stream) => stream.codec_type === 'video');
			const audio = info.streams?.find((stream) => stream.codec_type === 'audio');
			if (video && audio) {
				const audioFrame = 1024 / Number(audio.sample_rate);
				const [videoStart, audioStart] = [Number(video.start_time), Number(audio.start_time)];
				const expectedGap = path === paths[0] ? sourceStartGap(source) : 0;
				expect(Math.abs(audioStart - videoStart - expectedGap)).toBeLessThanOrEqual(audioFrame);
				const lastOfAudioLonger = source === SPLIT_FIXTURES.audioLonger && path === paths[paths.length - 1];
				if (!lastOfAudioLonger) {
					expect(Math.abs(audioStart + Number(audio.duration) - (videoStart + Number(video.duration)))).toBeLessThanOrEqual(audioFrame);
				}
			}
			// No part is empty: each shows at least one frame.
			const frames = frameHashes(path);
			expect(frames.length).toBeGreaterThan(0);
			partFrames.push(...frames);
		}
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
