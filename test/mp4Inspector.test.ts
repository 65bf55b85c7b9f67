import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { box, concat, latin1, u16, u32, u64, u8, zeros } from './fixtures/boxes';

import {
	describeAudioCodec,
	describeVideoCodec,
	inspectMp4,
	inspectMp4WithStats,
	type Mp4Inspection,
} from '../nodes/ZApi/media/mp4Inspector';

const MEDIA = join(__dirname, 'fixtures', 'media');
const readFixture = (name: string): Uint8Array => readFileSync(join(MEDIA, name));

// ---- A tiny box builder: just enough ISO BMFF to describe trees by hand. ----

/** A box with size 1 and a 64-bit largesize. */
const largeBox = (type: string, ...payload: Uint8Array[]): Uint8Array => {
	const content = concat(...payload);
	return concat(u32(1), latin1(type), u64(BigInt(16 + content.length)), content);
};
/** A box whose size field says whatever we want. */
const boxWithSize = (size: number, type: string, ...payload: Uint8Array[]): Uint8Array =>
	concat(u32(size), latin1(type), ...payload);
const fullBox = (type: string, version: number, ...payload: Uint8Array[]): Uint8Array =>
	box(type, u8(version), zeros(3), ...payload);

const ftyp = (major: string, ...compatible: string[]): Uint8Array =>
	box('ftyp', latin1(major), u32(0x200), ...compatible.map(latin1));

const mvhd = (timescale: number, duration: number): Uint8Array =>
	fullBox('mvhd', 0, zeros(8), u32(timescale), u32(duration), zeros(80));
const mvhd64 = (timescale: number, duration: bigint): Uint8Array =>
	fullBox('mvhd', 1, zeros(16), u32(timescale), u64(duration), zeros(80));

/** width/height in 16.16 fixed point, as tkhd stores them. */
const tkhd = (duration: number, width16: number, height16: number): Uint8Array =>
	fullBox('tkhd', 0, zeros(8), u32(1), zeros(4), u32(duration), zeros(52), u32(width16), u32(height16));
const tkhd64 = (duration: bigint, width16: number, height16: number): Uint8Array =>
	fullBox('tkhd', 1, zeros(16), u32(1), zeros(4), u64(duration), zeros(52), u32(width16), u32(height16));
const mdhd = (timescale: number, duration: number): Uint8Array =>
	fullBox('mdhd', 0, zeros(8), u32(timescale), u32(duration), zeros(4));
const mdhd64 = (timescale: number, duration: bigint): Uint8Array =>
	fullBox('mdhd', 1, zeros(16), u32(timescale), u64(duration), zeros(4));
const hdlr = (handler: string): Uint8Array => fullBox('hdlr', 0, zeros(4), latin1(handler), zeros(12), u8(0));

const visualEntry = (fourcc: string, width: number, height: number, ...children: Uint8Array[]): Uint8Array =>
	box(fourcc, zeros(6), u16(1), zeros(16), u16(width), u16(height), zeros(50), ...children);
const audioEntry = (fourcc: string, ...children: Uint8Array[]): Uint8Array =>
	box(fourcc, zeros(6), u16(1), zeros(8), u16(2), u16(16), zeros(4), u32(48_000 * 0x1_0000), ...children);
/** esds with an ES_Descriptor holding a DecoderConfigDescriptor of the given object type. */
const esds = (objectType: number): Uint8Array =>
	fullBox('esds', 0, Uint8Array.of(0x03, 0x80, 0x80, 0x80, 0x14, 0x00, 0x01, 0x00, 0x04, 0x80, 0x80, 0x80, 0x0d, objectType, 0x15), zeros(11));
const stsd = (entry: Uint8Array): Uint8Array => fullBox('stsd', 0, u32(1), entry);

const trak = (header: Uint8Array, mediaHeader: Uint8Array, handler: string, entry: Uint8Array): Uint8Array =>
	box('trak', header, box('mdia', mediaHeader, hdlr(handler), box('minf', box('stbl', stsd(entry)))));

const videoTrak = (entry = visualEntry('avc1', 640, 360)): Uint8Array =>
	trak(tkhd(3_000, 640 * 0x1_0000, 360 * 0x1_0000), mdhd(15_360, 46_080), 'vide', entry);
const audioTrak = (entry = audioEntry('mp4a', esds(0x40))): Uint8Array =>
	trak(tkhd(3_000, 0, 0), mdhd(48_000, 144_000), 'soun', entry);

const movie = (...tracks: Uint8Array[]): Uint8Array => box('moov', mvhd(1_000, 3_000), ...tracks);
const mdat = (length = 64): Uint8Array => box('mdat', new Uint8Array(length).fill(0xab));

/** ftyp + moov (one H.264 640x360 track, one AAC track, 3 s) + mdat. */
const simpleFile = (): Uint8Array => concat(ftyp('isom', 'isom', 'mp41'), movie(videoTrak(), audioTrak()), mdat());

const SIMPLE_FACTS = {
	container: 'mp4',
	brand: 'isom',
	durationSeconds: 3,
	videoCodec: 'H.264',
	videoCodecTag: 'avc1',
	audioCodec: 'AAC',
	width: 640,
	height: 360,
	fastStart: true,
};

// ---- Real files ----

interface FixtureExpectation {
	file: string;
	container: Mp4Inspection['container'];
	brand: string;
	duration: number;
	videoCodec: string;
	videoCodecTag: string;
	width: number;
	height: number;
	audioCodec: string | undefined;
	fastStart: boolean;
}

const FIXTURES: FixtureExpectation[] = [
	{ file: 'h264-faststart.mp4', container: 'mp4', brand: 'isom', duration: 2, videoCodec: 'H.264', videoCodecTag: 'avc1', width: 96, height: 160, audioCodec: 'AAC', fastStart: true },
	{ file: 'h264-moov-at-end.mp4', container: 'mp4', brand: 'isom', duration: 2, videoCodec: 'H.264', videoCodecTag: 'avc1', width: 96, height: 160, audioCodec: 'AAC', fastStart: false },
	{ file: 'hevc.mp4', container: 'mp4', brand: 'isom', duration: 2, videoCodec: 'HEVC', videoCodecTag: 'hvc1', width: 96, height: 160, audioCodec: 'AAC', fastStart: true },
	{ file: 'long-75s.mp4', container: 'mp4', brand: 'isom', duration: 75, videoCodec: 'H.264', videoCodecTag: 'avc1', width: 32, height: 32, audioCodec: undefined, fastStart: true },
	{ file: 'h264-no-audio.mp4', container: 'mp4', brand: 'isom', duration: 2, videoCodec: 'H.264', videoCodecTag: 'avc1', width: 96, height: 160, audioCodec: undefined, fastStart: true },
	{ file: 'quicktime.mov', container: 'quicktime', brand: 'qt', duration: 2, videoCodec: 'H.264', videoCodecTag: 'avc1', width: 96, height: 160, audioCodec: 'AAC', fastStart: true },
];

describe('inspectMp4 on the real fixture files', () => {
	test.each(FIXTURES)('$file', (expected) => {
		const result = inspectMp4(readFixture(expected.file));
		expect(result.durationSeconds).toBeCloseTo(expected.duration, 1);
		expect(Math.abs((result.durationSeconds ?? NaN) - expected.duration)).toBeLessThanOrEqual(0.05);
		expect(result).toMatchObject({
			container: expected.container,
			brand: expected.brand,
			videoCodec: expected.videoCodec,
			videoCodecTag: expected.videoCodecTag,
			width: expected.width,
			height: expected.height,
			fastStart: expected.fastStart,
			complete: true,
			issues: [],
		});
		expect(result.audioCodec).toBe(expected.audioCodec);
		expect('audioCodec' in result).toBe(expected.audioCodec !== undefined);

		const kinds = result.tracks.map((track) => track.kind);
		expect(kinds).toEqual(expected.audioCodec ? ['video', 'audio'] : ['video']);
		const [video, audio] = result.tracks;
		expect(video).toMatchObject({ codec: expected.videoCodecTag, codecName: expected.videoCodec, width: expected.width, height: expected.height });
		expect(Math.abs((video.durationSeconds ?? NaN) - expected.duration)).toBeLessThanOrEqual(0.05);
		if (expected.audioCodec) {
			expect(audio).toMatchObject({ kind: 'audio', codec: 'mp4a', codecName: 'AAC' });
			// tkhd gives the presented 2.0 s; mdhd alone would say 2.128 s (AAC priming samples).
			expect(Math.abs((audio.durationSeconds ?? NaN) - expected.duration)).toBeLessThanOrEqual(0.05);
			expect(audio.width).toBeUndefined();
		}
	});

	test('the PNG is not a video', () => {
		const result = inspectMp4(readFixture('not-a-video.png'));
		expect(result).toEqual({
			container: 'unknown',
			tracks: [],
			complete: false,
			issues: ['not an MP4/QuickTime file (no box header at the start)'],
		});
	});

	test('reads a view into a larger buffer (non-zero byteOffset) the same as the file itself', () => {
		const file = readFixture('hevc.mp4');
		const backing = new Uint8Array(file.length + 13).fill(0xee);
		backing.set(file, 7);
		const view = backing.subarray(7, 7 + file.length);
		expect(inspectMp4(view)).toEqual(inspectMp4(file));
		expect(inspectMp4(Uint8Array.from(file))).toEqual(inspectMp4(file));
	});

	test.each(['h264-faststart.mp4', 'quicktime.mov'])(
		'%s: the esds object type decides the mp4a codec (also inside QuickTime wave)',
		(name) => {
			const file = Uint8Array.from(readFixture(name));
			// DecoderConfigDescriptor: tag 4, 4-byte length 0x17, objectTypeIndication 0x40 (AAC).
			const marker = [0x04, 0x80, 0x80, 0x80, 0x17, 0x40];
			const at = file.findIndex((_, index) => marker.every((byte, k) => file[index + k] === byte));
			expect(at).toBeGreaterThan(0);
			file[at + 5] = 0x6b; // MPEG-1 Audio layer 3
			const result = inspectMp4(file);
			expect(result.audioCodec).toBe('MP3');
			expect(result.tracks[1]).toMatchObject({ codec: 'mp4a', codecName: 'MP3' });
			expect(result.complete).toBe(true);
		},
	);

	test('maxDepth 2 reads mvhd and the trak headers but nothing inside them', () => {
		const { inspection, stats } = inspectMp4WithStats(readFixture('h264-faststart.mp4'), { maxDepth: 2 });
		expect(stats.deepestLevel).toBe(2);
		expect(inspection.durationSeconds).toBe(2);
		expect(inspection.tracks).toEqual([{ kind: 'other' }, { kind: 'other' }]);
		expect(inspection.videoCodec).toBeUndefined();
		expect(inspection.complete).toBe(false);
		expect(inspection.issues).toContain('boxes nested deeper than 2 levels were not read');
	});

	test('maxBoxes 3 stops after ftyp, moov and mvhd', () => {
		const { inspection, stats } = inspectMp4WithStats(readFixture('h264-faststart.mp4'), { maxBoxes: 3 });
		expect(stats.steps).toBe(3);
		expect(inspection).toMatchObject({ container: 'mp4', durationSeconds: 2, complete: false, tracks: [] });
		expect(inspection.fastStart).toBeUndefined(); // mdat never reached
		expect(inspection.issues).toContain('stopped after reading 3 boxes');
	});

	test('reports the work done', () => {
		const { stats } = inspectMp4WithStats(readFixture('quicktime.mov'));
		expect(stats).toEqual({ steps: 49, deepestLevel: 9, maxBoxes: 10_000, maxDepth: 16 });
	});
});

// ---- Hand-built trees ----

describe('inspectMp4 on hand-built box trees', () => {
	test('a plain moov-first file', () => {
		const result = inspectMp4(simpleFile());
		expect(result).toMatchObject({ ...SIMPLE_FACTS, complete: true, issues: [] });
		expect(result.tracks).toEqual([
			{ kind: 'video', codec: 'avc1', codecName: 'H.264', durationSeconds: 3, width: 640, height: 360 },
			{ kind: 'audio', codec: 'mp4a', codecName: 'AAC', durationSeconds: 3 },
		]);
	});

	test('64-bit largesize boxes at every level', () => {
		const entry = visualEntry('avc1', 640, 360);
		const track = largeBox(
			'trak',
			tkhd(3_000, 640 * 0x1_0000, 360 * 0x1_0000),
			largeBox('mdia', mdhd(15_360, 46_080), hdlr('vide'), largeBox('minf', largeBox('stbl', stsd(entry)))),
		);
		const file = concat(
			largeBox('ftyp', latin1('isom'), u32(0), latin1('isom')),
			largeBox('moov', mvhd(1_000, 3_000), track, audioTrak()),
			largeBox('mdat', zeros(100)),
		);
		expect(inspectMp4(file)).toMatchObject({ ...SIMPLE_FACTS, complete: true, issues: [] });
	});

	test('a largesize that runs past the end is truncation, whatever its magnitude', () => {
		for (const largesize of [200n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
			const file = concat(ftyp('isom'), movie(videoTrak()), u32(1), latin1('mdat'), u64(largesize), zeros(40));
			const result = inspectMp4(file);
			expect(result).toMatchObject({ videoCodec: 'H.264', fastStart: true, complete: false });
			expect(result.issues).toEqual(['mdat box truncated']);
		}
	});

	test('largesize smaller than the 16-byte header is invalid', () => {
		const file = concat(ftyp('isom'), movie(videoTrak()), u32(1), latin1('free'), u64(8n), zeros(8));
		const result = inspectMp4(file);
		expect(result.complete).toBe(false);
		expect(result.issues[0]).toMatch(/free box at offset \d+ has an invalid size \(8\)/);
		expect(result.videoCodec).toBe('H.264');
	});

	test('a size-0 mdat runs to the end of the file', () => {
		const file = concat(ftyp('isom'), movie(videoTrak(), audioTrak()), boxWithSize(0, 'mdat', zeros(5_000)));
		expect(inspectMp4(file)).toMatchObject({ ...SIMPLE_FACTS, complete: true, issues: [] });
	});

	test('a size-0 mdat before moov swallows it: no moov, no guess', () => {
		const file = concat(ftyp('isom'), boxWithSize(0, 'mdat', zeros(100)), movie(videoTrak()));
		const result = inspectMp4(file);
		expect(result).toEqual({ container: 'mp4', brand: 'isom', tracks: [], complete: true, issues: ['no moov box'] });
	});

	test('v1 mvhd, tkhd and mdhd with 64-bit durations', () => {
		const video = trak(tkhd64(5_000_000_000n, 1_280 * 0x1_0000, 720 * 0x1_0000), mdhd64(90_000, 450_000_000_000n), 'vide', visualEntry('avc3', 1_280, 720));
		const audio = trak(tkhd64(0n, 0, 0), mdhd64(44_100, 2n ** 40n), 'soun', audioEntry('Opus'));
		const file = concat(ftyp('mp42', 'isom'), box('moov', mvhd64(1_000, 5_000_000_000n), video, audio), mdat());
		const result = inspectMp4(file);
		expect(result).toMatchObject({ durationSeconds: 5_000_000, videoCodec: 'H.264', videoCodecTag: 'avc3', audioCodec: 'Opus', width: 1_280, height: 720, complete: true });
		expect(result.tracks[0].durationSeconds).toBe(5_000_000);
		// tkhd says 0 (unknown) so the media header is used.
		expect(result.tracks[1].durationSeconds).toBeCloseTo(2 ** 40 / 44_100, 6);
	});

	test('all-ones durations mean unknown, zero timescale gives no duration', () => {
		const allOnes = concat(ftyp('isom'), box('moov', mvhd64(1_000, 2n ** 64n - 1n), videoTrak()));
		expect(inspectMp4(allOnes).durationSeconds).toBeUndefined();
		expect(inspectMp4(allOnes).issues).toContain('movie duration not stored in mvhd');
		const allOnes32 = concat(ftyp('isom'), box('moov', mvhd(1_000, 0xffff_ffff), videoTrak()));
		expect(inspectMp4(allOnes32).durationSeconds).toBeUndefined();
		const zeroScale = concat(ftyp('isom'), box('moov', mvhd(0, 3_000), videoTrak()));
		expect(inspectMp4(zeroScale).durationSeconds).toBeUndefined();
		expect(inspectMp4(zeroScale).issues).toContain('mvhd timescale is zero');
	});

	test('a fragmented file stores no duration in moov and says so', () => {
		const video = trak(tkhd(0, 640 * 0x1_0000, 360 * 0x1_0000), mdhd(15_360, 0), 'vide', visualEntry('avc1', 640, 360));
		const file = concat(ftyp('iso6', 'iso6', 'dash'), box('moov', mvhd(1_000, 0), video, box('mvex', box('trex', zeros(24)))), box('moof', zeros(16)), mdat());
		const result = inspectMp4(file);
		expect(result).toMatchObject({ container: 'mp4', videoCodec: 'H.264', width: 640, fastStart: true, complete: true });
		expect(result.durationSeconds).toBeUndefined();
		expect(result.tracks[0].durationSeconds).toBeUndefined();
		expect(result.issues).toEqual(['movie duration not stored in mvhd (fragmented MP4)']);
	});

	test('truncated moov: what was whole is reported, the rest is not guessed', () => {
		const file = simpleFile();
		const moovStart = ftyp('isom', 'isom', 'mp41').length;
		const audioStart = moovStart + 8 + mvhd(1, 1).length + videoTrak().length;

		// Audio trak header (8) and its whole tkhd (92) are in; its mdia is cut.
		const cutInAudio = inspectMp4(file.subarray(0, audioStart + 8 + 92 + 20));
		expect(cutInAudio).toMatchObject({ container: 'mp4', durationSeconds: 3, videoCodec: 'H.264', width: 640, complete: false });
		expect(cutInAudio.audioCodec).toBeUndefined();
		expect(cutInAudio.fastStart).toBeUndefined();
		expect(cutInAudio.issues).toEqual(['moov box truncated']);
		expect(cutInAudio.tracks).toHaveLength(2);
		expect(cutInAudio.tracks[1]).toEqual({ kind: 'other', durationSeconds: 3 });

		const cutInMvhd = inspectMp4(file.subarray(0, moovStart + 8 + 30));
		expect(cutInMvhd).toMatchObject({ container: 'mp4', brand: 'isom', tracks: [], complete: false });
		expect(cutInMvhd.durationSeconds).toBeUndefined();
		expect(cutInMvhd.issues[0]).toBe('moov box truncated');
	});

	test('a child overrunning an intact parent is corruption, not truncation', () => {
		const video = videoTrak();
		const damaged = Uint8Array.from(video);
		damaged.set(u32(video.length + 500), 0); // trak claims more than moov holds
		const file = concat(ftyp('isom'), box('moov', mvhd(1_000, 3_000), damaged), mdat());
		const result = inspectMp4(file);
		expect(result.issues).toEqual(['trak box overruns moov']);
		expect(result).toMatchObject({ durationSeconds: 3, videoCodec: 'H.264', fastStart: true, complete: false });
	});

	test('garbage after valid boxes keeps the facts and flags the garbage', () => {
		const garbage = Uint8Array.from({ length: 37 }, (_, index) => (index * 97 + 13) & 0xff);
		const result = inspectMp4(concat(simpleFile(), garbage));
		expect(result).toMatchObject({ ...SIMPLE_FACTS, complete: false });
		expect(result.issues).toHaveLength(1);
		expect(result.issues[0]).toMatch(/unreadable box header at offset \d+ in the file|box truncated/);

		const fewBytes = inspectMp4(concat(simpleFile(), Uint8Array.of(1, 2, 3)));
		expect(fewBytes).toMatchObject({ ...SIMPLE_FACTS, complete: false, issues: ['3 stray bytes at the end of the file'] });
	});

	test('zero padding after the last box is harmless', () => {
		expect(inspectMp4(concat(simpleFile(), zeros(3)))).toMatchObject({ complete: true, issues: [] });
		expect(inspectMp4(concat(simpleFile(), zeros(4_096)))).toMatchObject({ complete: true, issues: [] });
	});

	test('QuickTime terminators inside containers end them quietly', () => {
		const withWordTerminator = concat(ftyp('qt  ', 'qt  '), box('moov', mvhd(600, 1_800), videoTrak(), zeros(4)), mdat());
		expect(inspectMp4(withWordTerminator)).toMatchObject({ container: 'quicktime', brand: 'qt', durationSeconds: 3, complete: true, issues: [] });
		const withZeroAtom = concat(ftyp('qt  '), box('moov', mvhd(600, 1_800), videoTrak(), u32(8), zeros(4)), mdat());
		expect(inspectMp4(withZeroAtom)).toMatchObject({ videoCodec: 'H.264', complete: true, issues: [] });
		const earlyEnd = concat(ftyp('qt  '), box('moov', mvhd(600, 1_800), zeros(4), videoTrak()), mdat());
		const early = inspectMp4(earlyEnd);
		expect(early).toMatchObject({ durationSeconds: 3, tracks: [], complete: false, issues: ['a zero-size box ended moov early'] });
	});

	test('box sizes below the header length are refused', () => {
		for (const size of [2, 3, 4, 5, 6, 7]) {
			const result = inspectMp4(concat(ftyp('isom'), boxWithSize(size, 'moov', zeros(32))));
			expect(result.complete).toBe(false);
			expect(result.issues).toEqual([`moov box at offset 16 has an invalid size (${size})`, 'no moov box']);
		}
	});

	test('codecs named by sample entry and esds', () => {
		const cases: Array<[Uint8Array, Partial<Mp4Inspection>]> = [
			[videoTrak(visualEntry('hev1', 640, 360)), { videoCodec: 'HEVC', videoCodecTag: 'hev1' }],
			[videoTrak(visualEntry('av01', 640, 360)), { videoCodec: 'AV1', videoCodecTag: 'av01' }],
			[videoTrak(visualEntry('vp09', 640, 360)), { videoCodec: 'VP9', videoCodecTag: 'vp09' }],
			[videoTrak(visualEntry('mp4v', 640, 360, esds(0x20))), { videoCodec: 'MPEG-4 Visual', videoCodecTag: 'mp4v' }],
			[videoTrak(visualEntry('mp4v', 640, 360, esds(0x61))), { videoCodec: 'MPEG-2 Video', videoCodecTag: 'mp4v' }],
			[videoTrak(visualEntry('mp4v', 640, 360)), { videoCodec: 'MPEG-4 Visual', videoCodecTag: 'mp4v' }],
			[videoTrak(visualEntry('xyz1', 640, 360)), { videoCodec: 'xyz1', videoCodecTag: 'xyz1' }],
			[videoTrak(visualEntry('encv', 640, 360, box('sinf', box('frma', latin1('avc1'))))), { videoCodec: 'H.264', videoCodecTag: 'encv' }],
			[audioTrak(audioEntry('mp4a', esds(0x6b))), { audioCodec: 'MP3' }],
			[audioTrak(audioEntry('mp4a', esds(0x99))), { audioCodec: 'mp4a' }],
			[audioTrak(audioEntry('mp4a')), { audioCodec: 'AAC' }],
			[audioTrak(audioEntry('.mp3')), { audioCodec: 'MP3' }],
			[audioTrak(audioEntry('ac-3')), { audioCodec: 'AC-3' }],
			[audioTrak(audioEntry('Opus')), { audioCodec: 'Opus' }],
			[audioTrak(audioEntry('enca', box('sinf', box('frma', latin1('mp4a'))), esds(0x40))), { audioCodec: 'AAC' }],
		];
		for (const [track, expected] of cases) {
			const result = inspectMp4(concat(ftyp('isom'), movie(track), mdat()));
			expect(result).toEqual({ ...result, ...expected });
			expect(result.complete).toBe(true);
		}
	});

	test('the display size comes from tkhd (rounded 16.16), the coded size only as a fallback', () => {
		const fractional = trak(tkhd(3_000, 853.5 * 0x1_0000, 480 * 0x1_0000), mdhd(1, 3), 'vide', visualEntry('avc1', 720, 480));
		expect(inspectMp4(concat(ftyp('isom'), movie(fractional)))).toMatchObject({ width: 854, height: 480 });
		const noDisplaySize = trak(tkhd(3_000, 0, 0), mdhd(1, 3), 'vide', visualEntry('avc1', 720, 480));
		expect(inspectMp4(concat(ftyp('isom'), movie(noDisplaySize)))).toMatchObject({ width: 720, height: 480 });
		const noSizeAtAll = trak(tkhd(3_000, 0, 0), mdhd(1, 3), 'vide', visualEntry('avc1', 0, 0));
		const result = inspectMp4(concat(ftyp('isom'), movie(noSizeAtAll)));
		expect(result.width).toBeUndefined();
		expect(result.height).toBeUndefined();
		expect(result.videoCodec).toBe('H.264');
	});

	test('a track without hdlr is "other" and gives no video facts', () => {
		const noHandler = box('trak', tkhd(3_000, 0, 0), box('mdia', mdhd(1, 3), box('minf', box('stbl', stsd(visualEntry('avc1', 64, 64))))));
		const result = inspectMp4(concat(ftyp('isom'), movie(noHandler)));
		expect(result.tracks).toEqual([{ kind: 'other', codec: 'avc1', durationSeconds: 3 }]);
		expect(result.videoCodec).toBeUndefined();
	});

	test('container from ftyp brands', () => {
		const withMovie = (brands: Uint8Array) => concat(brands, movie(videoTrak()));
		expect(inspectMp4(withMovie(ftyp('M4V ', 'M4V ', 'M4A ', 'mp42')))).toMatchObject({ container: 'mp4', brand: 'M4V' });
		expect(inspectMp4(withMovie(ftyp('3gp5', '3gp5')))).toMatchObject({ container: 'mp4', brand: '3gp5' });
		expect(inspectMp4(withMovie(ftyp('abcd', 'qt  ')))).toMatchObject({ container: 'quicktime', brand: 'abcd' });
		expect(inspectMp4(withMovie(ftyp('abcd')))).toMatchObject({ container: 'mp4', brand: 'abcd' });
		// A HEIF still image: ISO BMFF, but not a movie.
		expect(inspectMp4(concat(ftyp('mif1', 'mif1', 'heic'), box('meta', zeros(20))))).toMatchObject({ container: 'unknown', brand: 'mif1', tracks: [] });
		const noFtyp = inspectMp4(concat(box('wide'), movie(videoTrak()), mdat()));
		expect(noFtyp).toMatchObject({ container: 'unknown', durationSeconds: 3, videoCodec: 'H.264', complete: true, issues: ['no ftyp box'] });
		expect(noFtyp.brand).toBeUndefined();
	});

	test('tiny, empty and non-byte inputs', () => {
		expect(inspectMp4(new Uint8Array(0))).toEqual({ container: 'unknown', tracks: [], complete: false, issues: ['empty input'] });
		expect(inspectMp4(Uint8Array.of(0))).toEqual({ container: 'unknown', tracks: [], complete: false, issues: ['input too short for an MP4 box (1 bytes)'] });
		expect(inspectMp4(latin1('\0\0\0\x08fty'))).toMatchObject({ container: 'unknown', complete: false });
		expect(inspectMp4(box('ftyp'))).toMatchObject({ container: 'unknown', complete: false, issues: ['ftyp box too short', 'no ftyp box', 'no moov box'] });
		for (const notBytes of [undefined, null, 'ftyp', 42, {}, [0, 0, 0, 8], new Uint16Array(8), new DataView(new ArrayBuffer(8))]) {
			expect(inspectMp4(notBytes as unknown as Uint8Array)).toEqual({ container: 'unknown', tracks: [], complete: false, issues: ['input is not a Uint8Array'] });
		}
	});

	test('nonsense limits fall back to the defaults', () => {
		for (const limit of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
			const { stats } = inspectMp4WithStats(simpleFile(), { maxBoxes: limit, maxDepth: limit });
			expect(stats).toMatchObject({ maxBoxes: 10_000, maxDepth: 16 });
		}
		expect(inspectMp4WithStats(simpleFile(), { maxBoxes: 0 }).inspection).toMatchObject({ container: 'unknown', complete: false, issues: ['stopped after reading 0 boxes'] });
	});

	test('friendly codec names', () => {
		expect(['avc1', 'avc3', 'hvc1', 'hev1', 'av01', 'vp09', 'mp4v', 'abcd'].map(describeVideoCodec)).toEqual(['H.264', 'H.264', 'HEVC', 'HEVC', 'AV1', 'VP9', 'MPEG-4 Visual', 'abcd']);
		expect(['mp4a', 'Opus', '.mp3', 'ac-3', 'ec-3', 'zzzz'].map(describeAudioCodec)).toEqual(['AAC', 'Opus', 'MP3', 'AC-3', 'E-AC-3', 'zzzz']);
		expect(describeVideoCodec('constructor')).toBe('constructor');
	});
});
