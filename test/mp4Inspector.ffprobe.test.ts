/**
 * Every committed video against what ffprobe (Debian 12's ffmpeg 5.1) reported for it, recorded
 * beside the file by test/fixtures/media/make.sh: <file>.ffprobe.json (streams and format) and
 * <file>.atoms.txt (the top-level boxes in the order ffprobe's trace log met them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { PROBED_VIDEOS } from './fixtures';

import { inspectMp4 } from '../nodes/ZApi/media/mp4/inspector';

interface ProbedStream {
	codec_type: string;
	codec_name?: string;
	width?: number;
	height?: number;
	sample_aspect_ratio?: string;
	avg_frame_rate?: string;
	duration?: string;
	side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface Probe {
	streams: ProbedStream[];
	format: { duration?: string };
}

const CODEC_NAMES: Record<string, string> = { h264: 'H.264', hevc: 'HEVC', aac: 'AAC' };

const ratio = (text: string | undefined): number => {
	const [numerator, denominator] = (text ?? '1:1').split(/[:/]/).map(Number);
	return denominator ? numerator / denominator : 1;
};

/** The facts as ffprobe states them, in the inspector's terms. */
function ffprobeFacts(path: string) {
	const probe = JSON.parse(readFileSync(`${path}.ffprobe.json`, 'utf8')) as Probe;
	const video = probe.streams.find((stream) => stream.codec_type === 'video');
	if (!video?.width || !video.height || !video.codec_name) throw new Error(`${path}: ffprobe found no video`);
	// ffprobe's rotation is counter-clockwise; the inspector's is clockwise, as phones and the "rotate" tag count.
	const counterClockwise = video.side_data_list?.find((data) => data.side_data_type === 'Display Matrix')?.rotation ?? 0;
	const rotation = (((-counterClockwise) % 360) + 360) % 360;
	const aspect = ratio(video.sample_aspect_ratio);
	const shown = [Math.round(video.width * (aspect > 0 ? aspect : 1)), video.height];
	if (rotation === 90 || rotation === 270) shown.reverse();
	// ffprobe gives 0 for the format when mvhd says 0; its streams still have their lengths.
	const formatDuration = Number(probe.format.duration ?? 0);
	const duration = formatDuration > 0 ? formatDuration : Math.max(...probe.streams.map((stream) => Number(stream.duration ?? 0)));
	const atoms = readFileSync(`${path}.atoms.txt`, 'utf8').split('\n').map((line) => /type:'(.{4})'/.exec(line)?.[1]);
	return {
		duration,
		frameSeconds: 1 / ratio(video.avg_frame_rate),
		videoCodec: CODEC_NAMES[video.codec_name] ?? video.codec_name,
		audioCodec: probe.streams.filter((stream) => stream.codec_type === 'audio').map((stream) => CODEC_NAMES[stream.codec_name ?? ''] ?? stream.codec_name)[0],
		width: shown[0],
		height: shown[1],
		codedWidth: video.width,
		codedHeight: video.height,
		rotation,
		fastStart: atoms.indexOf('moov') < atoms.indexOf('mdat'),
	};
}

describe('every committed video matches ffprobe', () => {
	test.each(PROBED_VIDEOS.map((path) => [basename(path), path]))('%s: duration within one frame, codecs, displayed and coded size, rotation, fast start', (_name, path) => {
		const expected = ffprobeFacts(path);
		const inspection = inspectMp4(readFileSync(path));
		expect(inspection.durationSeconds).toBeDefined();
		expect(Math.abs((inspection.durationSeconds ?? NaN) - expected.duration)).toBeLessThanOrEqual(expected.frameSeconds + 1e-9);
		expect({
			videoCodec: inspection.videoCodec,
			audioCodec: inspection.audioCodec,
			width: inspection.width,
			height: inspection.height,
			codedWidth: inspection.codedWidth,
			codedHeight: inspection.codedHeight,
			rotation: inspection.rotation,
			fastStart: inspection.fastStart,
		}).toEqual({
			videoCodec: expected.videoCodec,
			audioCodec: expected.audioCodec,
			width: expected.width,
			height: expected.height,
			codedWidth: expected.codedWidth,
			codedHeight: expected.codedHeight,
			rotation: expected.rotation,
			fastStart: expected.fastStart,
		});
	});
});
