/**
 * How the media suites judge the splitter's parts with ffmpeg and ffprobe (apt-get install ffmpeg):
 * shared by splitParts.media.ts (files this project made) and realWorld.media.ts (the real-world corpus).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { bufferSource, joinPieces, prepareSplit } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { SplitOptions } from '../../nodes/ZApi/media/mp4/planParts';

export function run(command: string, args: string[]): { stdout: string; stderr: string } {
	try {
		const stdout = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
		return { stdout, stderr: '' };
	} catch (error) {
		const failed = error as { stdout?: string; stderr?: string; message: string };
		return { stdout: failed.stdout ?? '', stderr: failed.stderr || failed.message };
	}
}

/**
 * One MD5 per decoded video frame, in presentation order, as ffmpeg shows them (edit lists applied),
 * and what ffmpeg complained of while decoding the video and the audio (one pass: decoding is the slow part).
 */
export function decodedFrames(path: string): { hashes: string[]; stderr: string } {
	// Every picture the decoder makes, once: -fps_mode passthrough, or ffmpeg's frame-rate sync drops
	// frames whose times round to one output tick (a VLC file's 1 µs sample pairs) and does so
	// differently at a part's end than mid-source; -strict strict, or the H.264 decoder, guessing the
	// B-frame reorder depth of a stream whose SPS does not say it, drops a picture each time it has to
	// guess again (a different picture in a part, which starts with a fresh decoder, than in the source).
	// -threads 1: with frame threads, a picture that does not decode cleanly is concealed, and
	// complained of, differently from run to run on a busy machine (ff-test_case_1187067.mp4).
	const { stdout, stderr } = run('ffmpeg', ['-v', 'error', '-strict', 'strict', '-threads', '1', '-i', path, '-map', '0:v:0', '-fps_mode', 'passthrough', '-f', 'framemd5', '-', '-map', '0:a:0?', '-f', 'null', '-']);
	const hashes = stdout
		.split('\n')
		.filter((line) => line !== '' && !line.startsWith('#'))
		.map((line) => line.split(',').pop()!.trim());
	return { hashes, stderr };
}

/** decodedFrames for a file that must decode without a complaint. */
export function frameHashes(path: string): string[] {
	const { hashes, stderr } = decodedFrames(path);
	expect(stderr).toBe('');
	return hashes;
}

export interface ProbedStreamInfo {
	codec_type: string;
	duration?: string;
	start_time?: string;
	sample_rate?: string;
}

export function probe(path: string) {
	const { stdout, stderr } = run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
	const firstPacket = run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', path]);
	const info = JSON.parse(stdout || '{}') as { format?: { duration?: string }; streams?: ProbedStreamInfo[] };
	return { stderr: stderr + firstPacket.stderr, info, firstPacketFlags: firstPacket.stdout.trim() };
}

export interface Packet {
	codec_type: string;
	pts_time?: string;
	duration_time?: string;
	flags: string;
	data_hash: string;
}

/** Every packet of the first video and audio streams, in file order, with an MD5 of its bytes. */
export function packets(path: string): Packet[] {
	const { stdout } = run('ffprobe', ['-v', 'quiet', '-show_data_hash', 'MD5', '-show_entries', 'packet=codec_type,pts_time,duration_time,flags,data_hash', '-of', 'json', path]);
	return ((JSON.parse(stdout || '{}') as { packets?: Packet[] }).packets ?? []).filter((packet) => packet.codec_type === 'video' || packet.codec_type === 'audio');
}

/** A number ffprobe printed, 0 where it printed N/A or nothing. */
export const seconds = (text: string | undefined): number => (Number.isFinite(Number(text)) ? Number(text) : 0);

/**
 * The longest stretch of the video without a keyframe, in seconds: between keyframes in
 * presentation order, and from the last keyframe to the end of the last frame. Packets hidden by
 * the edit list (flag D) do not count.
 */
export function longestKeyframeGap(videoPackets: Packet[]): number {
	const shown = videoPackets.filter((packet) => !packet.flags.includes('D') && Number.isFinite(Number(packet.pts_time)));
	const keyframes = shown.filter((packet) => packet.flags.includes('K')).map((packet) => seconds(packet.pts_time)).sort((a, b) => a - b);
	const end = Math.max(...shown.map((packet) => seconds(packet.pts_time) + seconds(packet.duration_time)));
	const times = [...keyframes, end];
	let longest = 0;
	for (let index = 1; index < times.length; index++) longest = Math.max(longest, times[index] - times[index - 1]);
	return longest;
}

/** How much later the source's audio starts than its video (negative: earlier). */
export function sourceStartGap(source: string): number {
	const streams = probe(source).info.streams ?? [];
	const start = (type: string) => Number(streams.find((stream) => stream.codec_type === type)?.start_time ?? 0);
	return start('audio') - start('video');
}

export async function writeParts(work: string, name: string, source: string, options: SplitOptions) {
	const bytes = readFileSync(source);
	const prepared = await prepareSplit(bufferSource(bytes), bytes.length, options);
	const paths: string[] = [];
	for await (const pieces of prepared.parts()) {
		const path = join(work, `${name}-${options.mode}-${options.maxPartSeconds}-part${paths.length + 1}.mp4`);
		writeFileSync(path, joinPieces(pieces));
		paths.push(path);
	}
	return { prepared, paths };
}

export interface PartJudgement {
	maxPartSeconds: number;
	/** The source's stream types (probe(source)), and how much later its audio starts than its video (sourceStartGap). */
	sourceStreamTypes: string[];
	sourceStartGap: number;
	/** The source's audio runs past its video: the last part's audio may end later than its video. */
	audioRunsLonger?: boolean;
	/** ffprobe or ffmpeg already complain of the source; its parts are not held to silence. */
	sourceComplains?: boolean;
	/** The caller checked that the part decodes silently (decodedFrames), so it is not decoded again here. */
	decodeChecked?: boolean;
	/** Where the source has audio (seconds of its presentation) and where this part starts: a part the audio does not reach has none. */
	sourceAudio?: { start: number; end: number };
	partStartSeconds?: number;
}

/**
 * One part on its own: ffprobe reads it without an error, every frame decodes, it opens on a
 * keyframe, lasts at most the maximum, keeps the source's video and audio streams, and its sound
 * starts and ends with its picture (to within one audio frame; in the first part, as far from it
 * as in the source).
 */
export function judgePart(path: string, index: number, count: number, judgement: PartJudgement): void {
	const { stderr, info, firstPacketFlags } = probe(path);
	if (!judgement.sourceComplains) {
		expect(stderr).toBe('');
		if (!judgement.decodeChecked) expect(run('ffmpeg', ['-v', 'error', '-threads', '1', '-i', path, '-f', 'null', '-']).stderr).toBe('');
	}
	expect(firstPacketFlags.startsWith('K')).toBe(true);
	expect(Number(info.format?.duration)).toBeLessThanOrEqual(judgement.maxPartSeconds + 1e-6);
	const kept = (streams: ProbedStreamInfo[] | undefined) =>
		(streams ?? []).map((stream) => stream.codec_type).filter((type) => type === 'video' || type === 'audio');
	// One video track and the audio stay; other tracks (timecode, data, a second video such as a motion photo's still) are left out.
	let expectedTypes = judgement.sourceStreamTypes.filter((type, index, types) => type === 'audio' || (type === 'video' && types.indexOf('video') === index));
	const { sourceAudio, partStartSeconds } = judgement;
	if (sourceAudio && partStartSeconds !== undefined) {
		const partEnd = partStartSeconds + Number(info.format?.duration ?? 0);
		// Overlapping by less than a few milliseconds is no audio to keep.
		if (Math.min(partEnd, sourceAudio.end) - Math.max(partStartSeconds, sourceAudio.start) < 0.005) expectedTypes = expectedTypes.filter((type) => type !== 'audio');
	}
	expect(kept(info.streams)).toEqual(expectedTypes);
	const video = info.streams?.find((stream) => stream.codec_type === 'video');
	const audio = info.streams?.find((stream) => stream.codec_type === 'audio');
	if (video && audio) {
		const audioPackets = packets(path).filter((packet) => packet.codec_type === 'audio');
		const audioFrame = Math.max(1024 / Number(audio.sample_rate || 48_000), ...audioPackets.map((packet) => seconds(packet.duration_time)));
		const [videoStart, audioStart] = [Number(video.start_time), Number(audio.start_time)];
		// Where the source's audio starts late or stops early, the part's audio does too, at the same moments.
		const partStart = partStartSeconds ?? 0;
		const partEnd = partStart + Number(video.duration);
		const lateStart = sourceAudio && partStartSeconds !== undefined ? Math.max(0, sourceAudio.start - partStart) : 0;
		const earlyEnd = sourceAudio && partStartSeconds !== undefined ? Math.min(0, sourceAudio.end - partEnd) : 0;
		const expectedGap = index === 0 ? judgement.sourceStartGap : lateStart;
		expect(Math.abs(audioStart - videoStart - expectedGap)).toBeLessThanOrEqual(audioFrame + 1e-6);
		if (!(judgement.audioRunsLonger && index === count - 1)) {
			expect(Math.abs(audioStart + Number(audio.duration) - (videoStart + Number(video.duration)) - earlyEnd)).toBeLessThanOrEqual(audioFrame + 1e-6);
		}
	}
}
