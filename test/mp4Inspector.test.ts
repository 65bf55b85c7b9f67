import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { box, concat, latin1, u16, u32, u64, u8, zeros } from './fixtures/boxes';

import { describeAudioCodec, describeVideoCodec } from '../nodes/ZApi/media/mp4/codecNames';
import {
	inspectMp4,
	inspectMp4WithStats,
	type Mp4Inspection,
} from '../nodes/ZApi/media/mp4/inspector';

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
	test.each(FIXTURES)('$file: container, brand, duration, codecs, size and fast start as made', (expected) => {
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

	test('a PNG is reported as not an MP4/QuickTime file, with no facts', () => {
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

	test('reports the work done (box headers, deepest level, bytes read) and the limits applied', () => {
		const { stats } = inspectMp4WithStats(readFixture('quicktime.mov'));
		expect(stats).toEqual({ steps: 53, deepestLevel: 9, bytesRead: 1_384, maxBoxes: 10_000, maxDepth: 16, maxBytes: 4 * 1024 * 1024 });
	});
});

// ---- Hand-built trees ----

describe('inspectMp4 on hand-built box trees', () => {
	test('a plain moov-first file gives every fact, with the coded size and rotation of its video track', () => {
		const result = inspectMp4(simpleFile());
		expect(result).toMatchObject({ ...SIMPLE_FACTS, complete: true, issues: [] });
		expect(result.tracks).toEqual([
			{ kind: 'video', codec: 'avc1', codecName: 'H.264', durationSeconds: 3, width: 640, height: 360, codedWidth: 640, codedHeight: 360, rotation: 0 },
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

	test('v1 mvhd, tkhd and mdhd: their 64-bit durations are read', () => {
		const video = trak(tkhd64(5_000_000_000n, 1_280 * 0x1_0000, 720 * 0x1_0000), mdhd64(90_000, 450_000_000_000n), 'vide', visualEntry('avc3', 1_280, 720));
		const audio = trak(tkhd64(0n, 0, 0), mdhd64(44_100, 2n ** 40n), 'soun', audioEntry('Opus'));
		const file = concat(ftyp('mp42', 'isom'), box('moov', mvhd64(1_000, 5_000_000_000n), video, audio), mdat());
		const result = inspectMp4(file);
		expect(result).toMatchObject({ durationSeconds: 5_000_000, videoCodec: 'H.264', videoCodecTag: 'avc3', audioCodec: 'Opus', width: 1_280, height: 720, complete: true });
		expect(result.tracks[0].durationSeconds).toBe(5_000_000);
		// tkhd says 0 (unknown) so the media header is used.
		expect(result.tracks[1].durationSeconds).toBeCloseTo(2 ** 40 / 44_100, 6);
	});

	test('all-ones or zero-timescale movie headers give way to the tracks; with nothing anywhere, no duration', () => {
		const allOnes = concat(ftyp('isom'), box('moov', mvhd64(1_000, 2n ** 64n - 1n), videoTrak()));
		expect(inspectMp4(allOnes).durationSeconds).toBe(3);
		const allOnes32 = concat(ftyp('isom'), box('moov', mvhd(1_000, 0xffff_ffff), videoTrak()));
		expect(inspectMp4(allOnes32).durationSeconds).toBe(3);
		// tkhd counts in the (zero) movie timescale, so only mdhd is left.
		const zeroScale = concat(ftyp('isom'), box('moov', mvhd(0, 3_000), videoTrak()));
		expect(inspectMp4(zeroScale).durationSeconds).toBe(3);
		const nothing = concat(ftyp('isom'), box('moov', mvhd(0, 3_000), trak(tkhd(0, 0, 0), mdhd(0, 10), 'vide', visualEntry('avc1', 8, 8))));
		expect(inspectMp4(nothing).durationSeconds).toBeUndefined();
		expect(inspectMp4(nothing).issues).toContain('mvhd timescale is zero');
		const unknown = concat(ftyp('isom'), box('moov', mvhd(1_000, 0xffff_ffff), trak(tkhd(0, 0, 0), mdhd(1_000, 0), 'vide', visualEntry('avc1', 8, 8))));
		expect(inspectMp4(unknown).issues).toContain('movie duration not stored in mvhd or the tracks');
	});

	test('a fragmented file with no duration in moov and no readable fragment says so', () => {
		const video = trak(tkhd(0, 640 * 0x1_0000, 360 * 0x1_0000), mdhd(15_360, 0), 'vide', visualEntry('avc1', 640, 360));
		const file = concat(ftyp('iso6', 'iso6', 'dash'), box('moov', mvhd(1_000, 0), video, box('mvex', box('trex', zeros(24)))), box('moof', zeros(16)), mdat());
		const result = inspectMp4(file);
		expect(result).toMatchObject({ container: 'mp4', videoCodec: 'H.264', width: 640, fastStart: true, complete: true });
		expect(result.durationSeconds).toBeUndefined();
		expect(result.tracks[0].durationSeconds).toBeUndefined();
		expect(result.issues).toEqual(['fragmented MP4 with no duration in mehd or its fragments']);
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

	test('codecs are named by the sample entry, or by the esds object type for mp4v/mp4a', () => {
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

	test('the displayed size comes from tkhd (rounded 16.16), the coded size only as a fallback', () => {
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

	test('the container comes from the ftyp brands; a movie without ftyp is QuickTime', () => {
		const withMovie = (brands: Uint8Array) => concat(brands, movie(videoTrak()));
		expect(inspectMp4(withMovie(ftyp('M4V ', 'M4V ', 'M4A ', 'mp42')))).toMatchObject({ container: 'mp4', brand: 'M4V' });
		expect(inspectMp4(withMovie(ftyp('3gp5', '3gp5')))).toMatchObject({ container: 'mp4', brand: '3gp5' });
		expect(inspectMp4(withMovie(ftyp('abcd', 'qt  ')))).toMatchObject({ container: 'quicktime', brand: 'abcd' });
		expect(inspectMp4(withMovie(ftyp('abcd')))).toMatchObject({ container: 'mp4', brand: 'abcd' });
		// A HEIF still image: ISO BMFF, but not a movie.
		expect(inspectMp4(concat(ftyp('mif1', 'mif1', 'heic'), box('meta', zeros(20))))).toMatchObject({ container: 'unknown', brand: 'mif1', tracks: [] });
		// Older QuickTime has no ftyp: a movie box is enough.
		const noFtyp = inspectMp4(concat(box('wide'), movie(videoTrak()), mdat()));
		expect(noFtyp).toMatchObject({ container: 'quicktime', durationSeconds: 3, videoCodec: 'H.264', complete: true, issues: [] });
		expect(noFtyp.brand).toBeUndefined();
		expect(inspectMp4(concat(box('wide'), mdat()))).toMatchObject({ container: 'unknown', issues: ['no ftyp box', 'no moov box'] });
	});

	test('tiny, empty and non-byte inputs are unreadable, without throwing', () => {
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

	test('codec fourccs get friendly names; unknown ones stay as they are', () => {
		expect(['avc1', 'avc3', 'hvc1', 'hev1', 'av01', 'vp09', 'mp4v', 'abcd'].map(describeVideoCodec)).toEqual(['H.264', 'H.264', 'HEVC', 'HEVC', 'AV1', 'VP9', 'MPEG-4 Visual', 'abcd']);
		expect(['mp4a', 'Opus', '.mp3', 'ac-3', 'ec-3', 'zzzz'].map(describeAudioCodec)).toEqual(['AAC', 'Opus', 'MP3', 'AC-3', 'E-AC-3', 'zzzz']);
		expect(describeVideoCodec('constructor')).toBe('constructor');
	});
});

// ---- Fragments, movie headers that say 0, rotation, pixel aspect, damage and DRM ----

const trex = (trackId: number, defaultDuration: number): Uint8Array => fullBox('trex', 0, u32(trackId), u32(1), u32(defaultDuration), u32(0), u32(0));
const mehd = (duration: number): Uint8Array => fullBox('mehd', 0, u32(duration));
/** tfhd with default-base-is-moof, and default_sample_duration when given. */
const tfhd = (trackId: number, defaultDuration?: number): Uint8Array =>
	box('tfhd', Uint8Array.of(0, 0x02, 0, defaultDuration === undefined ? 0 : 0x08), u32(trackId), ...(defaultDuration === undefined ? [] : [u32(defaultDuration)]));
const tfdt = (baseTime: number): Uint8Array => fullBox('tfdt', 1, u64(BigInt(baseTime)));
/** trun with a data offset and, when given a list, one duration per sample. */
const trun = (samples: number | number[]): Uint8Array =>
	typeof samples === 'number'
		? box('trun', Uint8Array.of(0, 0, 0, 0x01), u32(samples), u32(0))
		: box('trun', Uint8Array.of(0, 0, 0x01, 0x01), u32(samples.length), u32(0), ...samples.map(u32));
const traf = (...children: Uint8Array[]): Uint8Array => box('traf', ...children);
const moof = (sequence: number, ...trafs: Uint8Array[]): Uint8Array => box('moof', fullBox('mfhd', 0, u32(sequence)), ...trafs);
/** tkhd with a track ID and a rotation matrix (a, b, c, d in 16.16). */
const tkhdWith = (trackId: number, duration: number, width: number, height: number, [a, b, c, d] = [1, 0, 0, 1]): Uint8Array =>
	fullBox('tkhd', 0, zeros(8), u32(trackId), zeros(4), u32(duration), zeros(16),
		u32(a * 0x1_0000), u32(b * 0x1_0000), zeros(4), u32(c * 0x1_0000), u32(d * 0x1_0000), zeros(12), u32(0x4000_0000),
		u32(width * 0x1_0000), u32(height * 0x1_0000));
const elst = (...edits: Array<[number, number]>): Uint8Array =>
	box('edts', fullBox('elst', 0, u32(edits.length), ...edits.flatMap(([segment, mediaTime]) => [u32(segment), u32(mediaTime), u32(0x1_0000)])));
const fragmentedVideo = (trackId: number, timescale: number, mediaDuration = 0): Uint8Array =>
	trak(tkhdWith(trackId, 0, 320, 240), mdhd(timescale, mediaDuration), 'vide', visualEntry('avc1', 320, 240));
const fragmentedAudio = (trackId: number, timescale: number): Uint8Array =>
	box('trak', tkhdWith(trackId, 0, 0, 0), box('mdia', mdhd(timescale, 0), hdlr('soun'), box('minf', box('stbl', stsd(audioEntry('mp4a', esds(0x40)))))));
const fragmentedFile = (moovChildren: Uint8Array[], ...fragments: Uint8Array[]): Uint8Array =>
	concat(ftyp('iso6', 'iso6', 'cmfc'), box('moov', mvhd(1_000, 0), ...moovChildren), ...fragments.flatMap((fragment) => [fragment, mdat(16)]));

describe('inspectMp4 on fragmented files (moov with mvex, media in moof + mdat)', () => {
	test('the duration is where the last fragment ends: its tfdt plus its sample durations (trex defaults)', () => {
		const file = fragmentedFile(
			[fragmentedVideo(1, 1_000), box('mvex', trex(1, 100))],
			...[0, 1_000, 2_000].map((start, index) => moof(index + 1, traf(tfhd(1), tfdt(start), trun(10)))),
		);
		const { inspection, stats } = inspectMp4WithStats(file);
		expect(inspection).toMatchObject({ durationSeconds: 3, fragmented: true, fastStart: true, complete: true, issues: [] });
		expect(inspection.tracks[0].durationSeconds).toBe(3);
		// Only the last moof is opened, and the first (where the stream starts, for a movie with no edit list):
		// ftyp, moov and its 12 boxes, 3 moof + 3 mdat, then 5 boxes of each of the two fragments.
		expect(stats.steps).toBe(1 + 13 + 6 + 5 + 5);
	});

	test('a stream whose fragments start late, with no edit list, is timed from its first sample, as the splitter cuts it', () => {
		// An audio track of the trex with no fragment of its own does not make the reader open every fragment for the start.
		const late = (...moovChildren: Uint8Array[]) =>
			fragmentedFile(
				[fragmentedVideo(1, 1_000), fragmentedAudio(2, 1_000), ...moovChildren, box('mvex', trex(1, 100), trex(2, 100))],
				...[8_000, 9_000, 10_000].map((start, index) => moof(index + 1, traf(tfhd(1), tfdt(start), trun(10)))),
			);
		const { inspection, stats } = inspectMp4WithStats(late());
		expect(inspection).toMatchObject({ durationSeconds: 3, complete: true, issues: [] });
		expect(inspection.tracks[0].durationSeconds).toBe(3);
		// ftyp, moov and the 23 boxes read inside it, 3 moof + 3 mdat, every moof from the last for the ends (the audio
		// track has no fragment to end in), then the first moof again for the start, and no more.
		expect(stats.steps).toBe(1 + 1 + 23 + 6 + 3 * 5 + 5);
	});

	test('tfhd default durations and per-sample durations in trun both count', () => {
		const file = fragmentedFile(
			[fragmentedVideo(1, 90_000), box('mvex', trex(1, 1))],
			moof(1, traf(tfhd(1, 3_000), tfdt(0), trun(30))),
			moof(2, traf(tfhd(1, 3_000), tfdt(90_000), trun([3_000, 3_000, 6_000]))),
		);
		expect(inspectMp4(file).durationSeconds).toBeCloseTo(1 + 12_000 / 90_000, 9);
	});

	test('the fragments, not mehd, are the duration (mehd may be stale: copied from the file the fragments were cut from)', () => {
		const file = fragmentedFile([fragmentedVideo(1, 1_000), box('mvex', mehd(7_500), trex(1, 100))], moof(1, traf(tfhd(1), tfdt(0), trun(10))));
		expect(inspectMp4(file).durationSeconds).toBe(1);
	});

	test('mehd is the duration when no fragment is there to read (the index alone)', () => {
		const file = fragmentedFile([fragmentedVideo(1, 1_000), box('mvex', mehd(7_500), trex(1, 100))]);
		expect(inspectMp4(file).durationSeconds).toBe(7.5);
	});

	test('fragments without tfdt: what moov holds plus every fragment after it', () => {
		const file = fragmentedFile(
			[fragmentedVideo(1, 1_000, 1_000), box('mvex', trex(1, 100))],
			moof(1, traf(tfhd(1), trun([500, 500]))),
			moof(2, traf(tfhd(1), trun(10))),
		);
		expect(inspectMp4(file).durationSeconds).toBe(3);
	});

	test('one moof per track: each track ends where its own last fragment does; the longest is the movie', () => {
		const file = fragmentedFile(
			[fragmentedVideo(1, 1_000), fragmentedAudio(2, 8_000), box('mvex', trex(1, 100), trex(2, 1_024))],
			moof(1, traf(tfhd(1), tfdt(0), trun(20))),
			moof(2, traf(tfhd(2), tfdt(0), trun(20))),
			moof(3, traf(tfhd(1), tfdt(2_000), trun(20))),
			moof(4, traf(tfhd(2), tfdt(20 * 1_024), trun(20))),
		);
		const result = inspectMp4(file);
		expect(result.tracks.map((track) => track.durationSeconds)).toEqual([4, (40 * 1_024) / 8_000]);
		expect(result.durationSeconds).toBe(5.12);
	});

	test('a trun that claims more samples than it holds counts what is there and says so', () => {
		const lying = box('trun', Uint8Array.of(0, 0, 0x01, 0x00), u32(0xffff_ffff), u32(100), u32(100));
		const file = fragmentedFile([fragmentedVideo(1, 1_000), box('mvex', trex(1, 100))], moof(1, traf(tfhd(1), tfdt(1_000), lying)));
		const { inspection, stats } = inspectMp4WithStats(file);
		// Two samples of 100 ticks after the tfdt (1 s); with no edit list the movie starts at its first sample.
		expect(inspection.durationSeconds).toBeCloseTo(0.2, 9);
		expect(inspection.issues).toContain('trun box too short for its sample count');
		expect(stats.bytesRead).toBeLessThan(2_000);
	});

	test('more fragments than the box budget: no length is guessed, and the reader says why', () => {
		const fragment = concat(moof(1, traf(tfhd(1), tfdt(0), trun(1))), mdat(0));
		const many = new Uint8Array(fragment.length * 6_000);
		for (let index = 0; index < 6_000; index++) many.set(fragment, index * fragment.length);
		const { inspection, stats } = inspectMp4WithStats(concat(fragmentedFile([fragmentedVideo(1, 1_000), box('mvex', trex(1, 100))]), many));
		expect(stats.steps).toBe(10_000);
		expect(inspection.durationSeconds).toBeUndefined();
		expect(inspection).toMatchObject({ videoCodec: 'H.264', fragmented: true, complete: false });
		expect(inspection.issues[0]).toBe('stopped after reading 10000 boxes');
	});

	test('without any readable fragment, the moov lengths are all there is', () => {
		const file = fragmentedFile([fragmentedVideo(1, 1_000, 1_500), box('mvex', trex(1, 100))]);
		expect(inspectMp4(file)).toMatchObject({ durationSeconds: 1.5, fragmented: true });
	});
});

describe('inspectMp4: movie headers that say 0, rotation, pixel aspect, cut-short and encrypted files', () => {
	test('mvhd says 0: the longest track is the movie, its edit list honoured when tkhd says 0 too', () => {
		const edited = box('trak', tkhdWith(1, 0, 64, 64), elst([1_000, -1 >>> 0], [2_500, 0]), box('mdia', mdhd(1_000, 9_000), hdlr('vide'), box('minf', box('stbl', stsd(visualEntry('avc1', 64, 64))))));
		const audio = trak(tkhd(0, 0, 0), mdhd(8_000, 24_000), 'soun', audioEntry('mp4a', esds(0x40)));
		const result = inspectMp4(concat(ftyp('isom'), box('moov', mvhd(1_000, 0), edited, audio), mdat()));
		expect(result.tracks.map((track) => track.durationSeconds)).toEqual([3.5, 3]);
		expect(result).toMatchObject({ durationSeconds: 3.5, complete: true, issues: [] });
	});

	test.each([
		[[1, 0, 0, 1], 0, [640, 360]],
		[[0, 1, -1, 0], 90, [360, 640]],
		[[-1, 0, 0, -1], 180, [640, 360]],
		[[0, -1, 1, 0], 270, [360, 640]],
	])('matrix %j is a %i° clockwise turn, shown %j', (matrix, rotation, [width, height]) => {
		const video = trak(tkhdWith(1, 3_000, 640, 360, matrix as [number, number, number, number]), mdhd(1, 3), 'vide', visualEntry('avc1', 640, 360));
		const result = inspectMp4(concat(ftyp('isom'), movie(video)));
		expect(result).toMatchObject({ rotation, width, height, codedWidth: 640, codedHeight: 360 });
		expect(result.tracks[0]).toMatchObject({ rotation, width, height, codedWidth: 640, codedHeight: 360 });
	});

	test('a non-square pixel aspect ratio (pasp) stretches the stored width', () => {
		const pasp = (h: number, v: number) => box('pasp', u32(h), u32(v));
		const withPasp = (h: number, v: number) =>
			inspectMp4(concat(ftyp('isom'), movie(trak(tkhd(3_000, 96 * 0x1_0000, 96 * 0x1_0000), mdhd(1, 3), 'vide', visualEntry('avc1', 96, 96, pasp(h, v))))));
		expect(withPasp(4, 3)).toMatchObject({ width: 128, height: 96, codedWidth: 96, codedHeight: 96 });
		expect(withPasp(3, 4)).toMatchObject({ width: 72, height: 96 });
		expect(withPasp(1, 1)).toMatchObject({ width: 96, height: 96 });
		// Nonsense ratios leave the size as tkhd has it.
		expect(withPasp(0xffff_ffff, 1)).toMatchObject({ width: 96, height: 96 });
		expect(withPasp(0, 0)).toMatchObject({ width: 96, height: 96 });
	});

	test('an encrypted sample entry (encv) names the real codec (sinf/frma) and marks the file encrypted', () => {
		const sinf = (format: string) => box('sinf', box('frma', latin1(format)), fullBox('schm', 0, latin1('cenc'), u32(0x1_0000)));
		const video = trak(tkhd(3_000, 64 * 0x1_0000, 64 * 0x1_0000), mdhd(1, 3), 'vide', visualEntry('encv', 64, 64, sinf('avc1')));
		const result = inspectMp4(concat(ftyp('isom'), movie(video), mdat()));
		expect(result).toMatchObject({ videoCodec: 'H.264', videoCodecTag: 'encv', encrypted: true, complete: true });
		expect(result.tracks[0].encrypted).toBe(true);
		expect(inspectMp4(simpleFile()).encrypted).toBeUndefined();
	});

	test('sample tables that point past the end of the file mark it cut short, with the duration they declare', () => {
		const tables = (chunkOffset: number) => [
			fullBox('stco', 0, u32(2), u32(chunkOffset - 100), u32(chunkOffset)),
			fullBox('stsc', 0, u32(1), u32(1), u32(3), u32(1)),
			fullBox('stsz', 0, u32(0), u32(6), ...[10, 10, 10, 40, 50, 60].map(u32)),
		];
		const build = (chunkOffset: number) =>
			concat(ftyp('isom'), box('moov', mvhd(1_000, 3_000), box('trak', tkhd(3_000, 64 * 0x1_0000, 64 * 0x1_0000), box('mdia', mdhd(1, 3), hdlr('vide'), box('minf', box('stbl', stsd(visualEntry('avc1', 64, 64)), ...tables(chunkOffset)))))), boxWithSize(0, 'mdat', zeros(400)));
		const fileLength = build(0).length;
		// The last chunk holds the last 3 samples (150 bytes).
		expect(inspectMp4(build(fileLength - 150)).cutShort).toBeUndefined();
		const cut = inspectMp4(build(fileLength - 149));
		expect(cut).toMatchObject({ cutShort: true, durationSeconds: 3, complete: true });
		expect(cut.issues).toEqual(['the sample tables point 1 bytes past the end of the file']);
	});

	test('a top-level box running past the end of the file is a cut-short file too', () => {
		const file = simpleFile();
		expect(inspectMp4(file.subarray(0, file.length - 1))).toMatchObject({ cutShort: true, durationSeconds: 3, complete: false });
		expect(inspectMp4(file).cutShort).toBeUndefined();
	});
});
