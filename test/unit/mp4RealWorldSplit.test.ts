/**
 * Split-path fixes found on the real-world corpus (issue 18), each on the file that showed it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferSource, prepareSplit, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import { readSampleMovie } from '../../nodes/ZApi/media/mp4/sampleTables';
import { partTicksPerSecond, Timeline } from '../../nodes/ZApi/media/mp4/timeline';
import { MediaError } from '../../nodes/ZApi/InputError';

const corpusFile = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'real-world', name));

describe('a fragmented stream whose first fragment starts late (tfdt 8 s in, no edit list)', () => {
	const bytes = corpusFile('ff-bug1718709_low_res.mp4');

	test('its presentation starts at its first sample, not 8 s of nothing before it', async () => {
		const index = await readMovieIndex(bufferSource(bytes), bytes.length);
		const movie = readSampleMovie(index.moov, bytes.length, index.fragments);
		const [video] = movie.tracks;
		expect(video.decodeTimes[0]).toBe(722_993);
		const timeline = new Timeline(video, movie.timescale, video.timescale);
		expect(timeline.start).toBe(0);
		// The first frame is shown after its composition offset (B-frames): 0.12 s, not 8.15 s.
		expect(timeline.presentationOf(0) / video.timescale).toBeCloseTo(0.12, 6);
		expect(timeline.end / video.timescale).toBeCloseTo(6.12, 6);
	});

	test('cuts into parts of its 2 s keyframe interval (before: "no keyframe between 0.0 s and 10.2 s")', async () => {
		const prepared = await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds: 2.13, mode: 'split', maxParts: 100 });
		expect(prepared.plan.parts.map((part) => part.startSeconds)).toEqual([expect.closeTo(0.12, 6), expect.closeTo(2.12, 6), expect.closeTo(4.12, 6)]);
	});
});

describe('a track whose media header (mdhd) timescale is corrupted (0xF800001E: 30 with its top bits set)', () => {
	const bytes = corpusFile('ff-crash-1833896.mp4');

	test('is refused as damaged, not cut into parts that carry the bad timescale (ffprobe timed one as 902 s)', async () => {
		const index = await readMovieIndex(bufferSource(bytes), bytes.length);
		expect(() => readSampleMovie(index.moov, bytes.length)).toThrow(
			new MediaError("The video's index (moov) is damaged: a track's timescale (4160749598) is out of range, so it cannot be split", ''),
		);
	});
});

describe("the parts' movie timescale", () => {
	test('is the video timescale, times the least whole number that makes a tick at most a millisecond', () => {
		expect(partTicksPerSecond(24)).toBe(1008);
		expect(partTicksPerSecond(600)).toBe(1200);
		expect(partTicksPerSecond(1000)).toBe(1000);
		expect(partTicksPerSecond(90_000)).toBe(90_000);
	});

	test("ends the audio of a 24-per-second video's last part with its last sample, not up to 41 ms before (openshot-sintel_trailer-720p.mp4)", async () => {
		const bytes = corpusFile('openshot-sintel_trailer-720p.mp4');
		const prepared = await prepareSplit(bufferSource(bytes), bytes.length, { maxPartSeconds: 10.43, mode: 'split', maxParts: 100 });
		const last = prepared.plan.parts[prepared.plan.parts.length - 1];
		const audio = last.slices.find((slice) => slice.track.kind === 'audio')!;
		expect(audio.track.timescale).toBe(48_000);
		// The source's audio ends 51.946667 s in (2,435 AAC frames of 1,024 samples at 48 kHz).
		const audioEndSeconds = last.startSeconds + audio.edits.reduce((sum, [length]) => sum + length, 0) / partTicksPerSecond(24);
		expect(Math.abs(audioEndSeconds - (2435 * 1024) / 48_000)).toBeLessThanOrEqual(0.001);
	});
});
