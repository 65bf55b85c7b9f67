/**
 * The one ISO BMFF reader (nodes/ZApi/media/mp4/): the box header parser, the bounded box walker
 * and the readers of the box fields the inspector and the split readers share.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MediaError } from '../../nodes/ZApi/InputError';
import { base64ByteSource, byteSourceOf, type ByteSource } from '../../nodes/ZApi/media/bytes';
import { parseBoxHeader, printableType } from '../../nodes/ZApi/media/mp4/boxHeader';
import { BoxWalker, type Box, type BoxBudget, type BoxProblem } from '../../nodes/ZApi/media/mp4/boxWalker';
import {
	decodeTimeLength,
	readDecodeTime,
	readTrackFragmentHeader,
	readTrackRunHeader,
	trackRunEntryLayout,
} from '../../nodes/ZApi/media/mp4/fragmentBoxes';
import {
	editEntryLength,
	readEdit,
	readFileType,
	readFragmentDuration,
	readHandlerType,
	readTimedHeader,
	readTrackExtends,
	readTrackHeader,
	trackHeaderLength,
} from '../../nodes/ZApi/media/mp4/movieBoxes';
import { bufferSource, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import {
	chunkOffsetAt,
	chunkOffsetLength,
	runAt,
	sampleSizeHeader,
	sampleToChunkAt,
	TABLE_ENTRIES_AT,
	tableEntryCount,
} from '../../nodes/ZApi/media/mp4/sampleTableBoxes';
import { readFragmentSamples } from '../../nodes/ZApi/media/mp4/fragments';
import { readSampleMovie } from '../../nodes/ZApi/media/mp4/sampleTables';
import { problemReason } from '../../nodes/ZApi/media/mp4/strictBoxes';
import { box, concat, latin1, u16, u32, u64, u8, zeros } from '../fixtures/boxes';

const LOOSE: BoxBudget = { maxBoxes: 1_000, maxDepth: 16, maxBytes: 1_000_000 };

function walker(bytes: Uint8Array | ByteSource, budget: BoxBudget = LOOSE): { walker: BoxWalker; problems: BoxProblem[] } {
	const problems: BoxProblem[] = [];
	const source = bytes instanceof Uint8Array ? byteSourceOf(bytes) : bytes;
	return { walker: new BoxWalker(source, budget, (problem) => problems.push(problem)), problems };
}

/** Every box of the tree, depth first, as "level:type@start-end" (containers listed are walked into). */
function tree(bytes: Uint8Array, containers = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'edts', 'mvex']): { boxes: string[]; problems: BoxProblem[] } {
	const { walker: reader, problems } = walker(bytes);
	const boxes: string[] = [];
	const visit = (found: Box) => {
		boxes.push(`${found.level}:${found.type}@${found.start}-${found.end}${found.truncated ? '!' : ''}`);
		if (containers.includes(found.type)) reader.walk(reader.childrenOf(found), visit);
	};
	reader.walk(reader.file(), visit);
	return { boxes, problems };
}

const kinds = (problems: BoxProblem[]) => problems.map((problem) => problem.kind);

describe('parseBoxHeader', () => {
	test('a 32-bit size and a type', () => {
		expect(parseBoxHeader(concat(u32(24), latin1('moov')), 100)).toEqual({ type: 'moov', headerSize: 8, size: 24, sizeZero: false });
	});

	test('size 1: a 64-bit largesize after the type, 16 header bytes', () => {
		const header = concat(u32(1), latin1('mdat'), u64(0x1_0000_0010n));
		expect(parseBoxHeader(header, 2 ** 40)).toEqual({ type: 'mdat', headerSize: 16, size: 0x1_0000_0010, sizeZero: false });
	});

	test('size 0: the rest of the range', () => {
		expect(parseBoxHeader(concat(u32(0), latin1('mdat')), 1234)).toEqual({ type: 'mdat', headerSize: 8, size: 1234, sizeZero: true });
	});

	test('a size past the range is returned as declared (the caller decides)', () => {
		expect(parseBoxHeader(concat(u32(500), latin1('free')), 100)).toMatchObject({ size: 500 });
	});

	test('problems: too few bytes, unprintable type, largesize cut off, size below the header', () => {
		expect(parseBoxHeader(concat(u32(8), latin1('fre')), 7)).toEqual({ problem: 'short' });
		expect(parseBoxHeader(concat(u32(8), Uint8Array.of(0, 1, 2, 3)), 8)).toEqual({ problem: 'unreadableType' });
		expect(parseBoxHeader(concat(u32(1), latin1('mdat'), u32(0)), 12)).toEqual({ problem: 'largeSizeCut', type: 'mdat' });
		expect(parseBoxHeader(concat(u32(1), latin1('mdat')), 100)).toEqual({ problem: 'largeSizeCut', type: 'mdat' });
		expect(parseBoxHeader(concat(u32(7), latin1('free')), 100)).toEqual({ problem: 'invalidSize', type: 'free', size: 7 });
		expect(parseBoxHeader(concat(u32(1), latin1('mdat'), u64(15n)), 100)).toEqual({ problem: 'invalidSize', type: 'mdat', size: 15 });
	});

	test("QuickTime's © is a type character; anyType takes other bytes as an opaque box", () => {
		expect(parseBoxHeader(concat(u32(8), Uint8Array.of(0xa9), latin1('nam')), 8)).toMatchObject({ type: '\u00a9nam' });
		expect(parseBoxHeader(concat(u32(8), zeros(4)), 8, true)).toEqual({ type: '????', headerSize: 8, size: 8, sizeZero: false });
		expect(printableType(concat(u32(8), Uint8Array.of(0x61, 0, 0x62, 0xff)))).toBe('a?b?');
	});

	test("a 'uuid' box is an ordinary box: its 16-byte extended type is the start of its content", () => {
		const uuid = box('uuid', zeros(16), latin1('data'));
		expect(parseBoxHeader(uuid, uuid.length)).toEqual({ type: 'uuid', headerSize: 8, size: 28, sizeZero: false });
		expect(tree(concat(uuid, box('free'))).boxes).toEqual(['1:uuid@0-28', '1:free@28-36']);
	});
});

describe('BoxWalker', () => {
	test('walks nested boxes within their parents, with levels', () => {
		const file = concat(box('ftyp', latin1('isom'), u32(0)), box('moov', box('mvhd', zeros(4)), box('trak', box('tkhd'))), box('mdat', zeros(3)));
		const { boxes, problems } = tree(file);
		expect(boxes).toEqual(['1:ftyp@0-16', '1:moov@16-52', '2:mvhd@24-36', '2:trak@36-52', '3:tkhd@44-52', '1:mdat@52-63']);
		expect(problems).toEqual([]);
	});

	test('a 64-bit size at top level and inside a container', () => {
		const inner = concat(u32(1), latin1('free'), u64(20n), zeros(4));
		const file = concat(u32(1), latin1('moov'), u64(BigInt(16 + inner.length)), inner);
		expect(tree(file).boxes).toEqual(['1:moov@0-36', '2:free@16-36']);
	});

	test('size 0 at top level runs to the end of the file', () => {
		const file = concat(box('ftyp', latin1('isom'), u32(0)), u32(0), latin1('mdat'), zeros(10));
		expect(tree(file)).toEqual({ boxes: ['1:ftyp@0-16', '1:mdat@16-34'], problems: [] });
	});

	test('size 0 inside a container ends its list (a QuickTime terminator); bytes after it are reported', () => {
		const clean = tree(box('moov', box('mvhd'), u32(0)));
		expect(clean).toEqual({ boxes: ['1:moov@0-20', '2:mvhd@8-16'], problems: [] });
		const early = tree(box('moov', box('mvhd'), u32(0), latin1('trak'), box('free')));
		expect(early.boxes).toEqual(['1:moov@0-32', '2:mvhd@8-16']);
		expect(kinds(early.problems)).toEqual(['endedEarly']);
		expect(early.problems[0].message).toBe('a zero-size box ended moov early');
	});

	test('top-level zero padding ends the file cleanly; stray bytes are reported', () => {
		expect(tree(concat(box('free'), zeros(40))).problems).toEqual([]);
		const stray = tree(concat(box('free'), Uint8Array.of(1, 2, 3)));
		expect(stray.problems.map((problem) => problem.message)).toEqual(['3 stray bytes at the end of the file']);
	});

	test('a box larger than its parent is truncated to the parent and ends the list', () => {
		const file = concat(box('moov', concat(u32(100), latin1('trak')), box('mvhd')), box('free'));
		const { boxes, problems } = tree(file, ['moov']);
		expect(boxes).toEqual(['1:moov@0-24', '2:trak@8-24!', '1:free@24-32']);
		expect(problems.map((problem) => problem.message)).toEqual(['trak box overruns moov']);
	});

	test('a box larger than the file is truncated and reported once, not again for its children', () => {
		const file = concat(u32(1000), latin1('moov'), concat(u32(500), latin1('trak')));
		const { boxes, problems } = tree(file);
		expect(boxes).toEqual(['1:moov@0-16!', '2:trak@8-16!']);
		expect(problems.map((problem) => problem.message)).toEqual(['moov box truncated']);
	});

	test('a cut-off 64-bit header: reported, and marks the file as cut short at top level', () => {
		const { problems } = tree(concat(box('free'), u32(1), latin1('mdat'), u32(0)));
		expect(problems).toEqual([{ kind: 'headerTruncated', message: 'mdat box header truncated', type: 'mdat', fileCutShort: true, repeat: false }]);
	});

	test('a size smaller than the header, an unreadable header, a file that is not MP4', () => {
		expect(tree(concat(box('free'), u32(4), latin1('free'))).problems.map((problem) => problem.message)).toEqual(['free box at offset 8 has an invalid size (4)']);
		expect(tree(concat(box('free'), u32(8), Uint8Array.of(1, 2, 3, 4))).problems.map((problem) => problem.message)).toEqual([
			'unreadable box header at offset 8 in the file',
		]);
		expect(kinds(tree(concat(u32(8), Uint8Array.of(0xff, 0xd8, 0xff, 0xe0), zeros(16))).problems)).toEqual(['notMp4']);
	});

	test('the depth budget: boxes deeper than maxDepth are not read', () => {
		let nested = box('free');
		for (let level = 0; level < 5; level++) nested = box('moov', nested);
		const { walker: reader, problems } = walker(nested, { ...LOOSE, maxDepth: 3 });
		const visit = (found: Box) => reader.walk(reader.childrenOf(found), visit);
		reader.walk(reader.file(), visit);
		expect(reader.deepestLevel).toBe(3);
		expect(problems.map((problem) => problem.message)).toEqual(['boxes nested deeper than 3 levels were not read']);
	});

	test('the box budget: at most maxBoxes headers, then the walker stops for good', () => {
		const file = concat(...Array.from({ length: 10 }, () => box('free')));
		const { walker: reader, problems } = walker(file, { ...LOOSE, maxBoxes: 4 });
		expect(reader.list(reader.file())).toHaveLength(4);
		expect(reader.steps).toBe(4);
		expect(reader.stopped).toBe(true);
		expect(reader.list(reader.file())).toHaveLength(0);
		expect(problems.map((problem) => problem.message)).toEqual(['stopped after reading 4 boxes']);
	});

	test('the byte budget: never more than maxBytes read, then the walker stops', () => {
		const file = concat(...Array.from({ length: 10 }, () => box('free')));
		const { walker: reader, problems } = walker(file, { ...LOOSE, maxBytes: 40 });
		reader.list(reader.file());
		expect(reader.bytesRead).toBeLessThanOrEqual(40);
		expect(reader.stopped).toBe(true);
		expect(kinds(problems)).toEqual(['tooManyBytes']);
	});

	test('content and fullBoxVersion: whole leaf boxes only, long enough, version 0 or 1', () => {
		const file = concat(box('mvhd', u8(1), zeros(3)), box('mdhd', u8(2), zeros(3)), box('hdlr', zeros(2)));
		const { walker: reader, problems } = walker(file);
		const [mvhd, mdhd, hdlr] = reader.list(reader.file());
		expect(reader.fullBoxVersion(mvhd)).toBe(1);
		expect(reader.fullBoxVersion(mdhd)).toBeUndefined();
		expect(reader.content(hdlr, 12)).toBeUndefined();
		expect(Array.from(reader.content(mvhd, 2, 3) ?? [])).toEqual([1, 0, 0]);
		expect(problems.map((problem) => problem.message)).toEqual(['mdhd version 2 not supported', 'hdlr box too short']);
	});

	test('reads the same from bytes and from Base64 text', () => {
		const file = Uint8Array.from(readFileSync(join(__dirname, '..', 'fixtures', 'media', 'h264-faststart.mp4')));
		const fromBytes = tree(file);
		const { walker: reader } = walker(base64ByteSource(Buffer.from(file).toString('base64'), file.length));
		const boxes: string[] = [];
		const visit = (found: Box) => {
			boxes.push(`${found.level}:${found.type}@${found.start}-${found.end}${found.truncated ? '!' : ''}`);
			if (['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'edts', 'mvex'].includes(found.type)) reader.walk(reader.childrenOf(found), visit);
		};
		reader.walk(reader.file(), visit);
		expect(boxes).toEqual(fromBytes.boxes);
		expect(boxes).toContain('5:stbl@' + fromBytes.boxes.find((entry) => entry.startsWith('5:stbl@'))?.slice(7));
	});
});

describe('movie box fields', () => {
	test('ftyp: major brand and the printable compatible brands', () => {
		expect(readFileType(concat(latin1('isom'), u32(512), latin1('isom'), Uint8Array.of(0, 1, 2, 3), latin1('mp41')))).toEqual({
			majorBrand: 'isom',
			compatibleBrands: ['isom', 'mp41'],
		});
	});

	test('mvhd / mdhd: timescale and duration, versions 0 and 1, all ones is unknown', () => {
		expect(readTimedHeader(concat(u32(0), u32(1), u32(2), u32(600), u32(1200)), 0)).toEqual({ timescale: 600, duration: 1200 });
		expect(readTimedHeader(concat(u32(0x0100_0000), u64(1n), u64(2n), u32(90_000), u64(0x1_0000_0000n)), 1)).toEqual({ timescale: 90_000, duration: 0x1_0000_0000 });
		expect(readTimedHeader(concat(u32(0), u32(1), u32(2), u32(600), u32(0xffff_ffff)), 0)).toEqual({ timescale: 600 });
	});

	test('tkhd: track ID, duration, rotation from the matrix, size in 16.16', () => {
		const rotated = [0, 0x1_0000, 0, -0x1_0000 >>> 0, 0, 0, 0, 0, 0x4000_0000];
		const v0 = concat(u32(0), u32(0), u32(0), u32(7), u32(0), u32(3000), zeros(16), ...rotated.map(u32), u32(1280 << 16), u32(720 << 16));
		expect(v0.length).toBe(trackHeaderLength(0));
		expect(readTrackHeader(v0, 0)).toEqual({ trackId: 7, duration: 3000, rotation: 90, width: 1280, height: 720 });
		const identity = [0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000];
		const v1 = concat(u32(0x0100_0000), u64(0n), u64(0n), u32(2), u32(0), u64(0xffff_ffff_ffff_ffffn), zeros(16), ...identity.map(u32), u32(0), u32(0));
		expect(v1.length).toBe(trackHeaderLength(1));
		expect(readTrackHeader(v1, 1)).toEqual({ trackId: 2, rotation: 0, width: 0, height: 0 });
	});

	test('hdlr, elst, mehd, trex', () => {
		expect(readHandlerType(concat(u32(0), u32(0), latin1('vide')))).toBe('vide');
		expect(readHandlerType(concat(u32(0), u32(0), zeros(4)))).toBe('????');
		const v0 = concat(u32(0), u32(2), u32(100), u32(0xffff_ffff), u32(0x1_0000), u32(500), u32(1024), u32(0x1_0000));
		expect(editEntryLength(0)).toBe(12);
		expect(readEdit(v0, 0, 0)).toEqual({ segmentDuration: 100, mediaTime: -1, rate: 0x1_0000 });
		expect(readEdit(v0, 0, 1)).toEqual({ segmentDuration: 500, mediaTime: 1024, rate: 0x1_0000 });
		const v1 = concat(u32(0x0100_0000), u32(1), u64(0x2_0000_0000n), u64(0xffff_ffff_ffff_ffffn), u16(1), u16(0));
		expect(readEdit(v1, 1, 0)).toEqual({ segmentDuration: 0x2_0000_0000, mediaTime: -1, rate: 0x1_0000 });
		expect(readFragmentDuration(concat(u32(0), u32(900)), 0)).toBe(900);
		expect(readFragmentDuration(concat(u32(0x0100_0000), u64(0xffff_ffff_ffff_ffffn)), 1)).toBeUndefined();
		expect(readTrackExtends(concat(u32(0), u32(1), u32(1), u32(512), u32(0), u32(0x0101_0000)))).toEqual({
			trackId: 1,
			descriptionIndex: 1,
			duration: 512,
			size: 0,
			flags: 0x0101_0000,
		});
	});
});

describe('fragment box fields', () => {
	test('tfhd: the optional fields its flags announce, in order, as far as they fit', () => {
		const all = concat(u32(0x3b), u32(2), u64(4096n), u32(1), u32(1024), u32(300), u32(0x0101_0000));
		expect(readTrackFragmentHeader(all)).toEqual({
			trackId: 2,
			flags: 0x3b,
			baseDataOffset: 4096,
			descriptionIndex: 1,
			duration: 1024,
			size: 300,
			sampleFlags: 0x0101_0000,
			complete: true,
		});
		expect(readTrackFragmentHeader(concat(u32(0x2_0008), u32(1), u32(512)))).toMatchObject({ duration: 512, complete: true });
		expect(readTrackFragmentHeader(concat(u32(0x9), u32(1), u64(0n)))).toMatchObject({ baseDataOffset: 0, duration: undefined, complete: false });
	});

	test('tfdt: 32 or 64 bits', () => {
		expect(decodeTimeLength(0)).toBe(8);
		expect(readDecodeTime(concat(u32(0), u32(48_000)), 0)).toBe(48_000);
		expect(readDecodeTime(concat(u32(0x0100_0000), u64(0x1_0000_0000n)), 1)).toBe(0x1_0000_0000);
	});

	test('trun: count, data offset, first sample flags, entry layout', () => {
		const run = readTrackRunHeader(concat(u32(0xb05), u32(3), u32(-8 >>> 0), u32(0x0200_0000)));
		expect(run).toEqual({ flags: 0xb05, sampleCount: 3, dataOffset: -8, firstSampleFlags: 0x0200_0000, entriesStart: 16, entryLength: 12 });
		expect(trackRunEntryLayout(0xb05)).toEqual({ duration: 0, size: 4, flags: undefined, compositionOffset: 8 });
		// Optional fields that do not fit are left out; entriesStart then lies past the content.
		expect(readTrackRunHeader(concat(u32(0x1), u32(0)))).toEqual({ flags: 1, sampleCount: 0, entriesStart: 12, entryLength: 0 });
	});
});

describe('the split readers refuse what the walker cannot trust', () => {
	const mvhd = box('mvhd', zeros(4), u32(0), u32(0), u32(1000), u32(0), zeros(80));
	const refusal = (moov: Uint8Array): string => {
		try {
			readSampleMovie(moov, 1_000_000);
			return 'no error';
		} catch (error) {
			return error instanceof MediaError ? error.message : `not a MediaError: ${String(error)}`;
		}
	};

	test('unreadable headers, boxes past their parent, too many boxes, zero-size boxes before data', () => {
		expect(refusal(box('moov', mvhd, u32(8), Uint8Array.of(1, 2, 3, 4)))).toMatch(/index \(moov\) is damaged: a box header is unreadable/);
		expect(refusal(box('moov', mvhd, u32(64), latin1('trak')))).toMatch(/damaged: the trak box has an invalid size/);
		expect(refusal(box('moov', mvhd, u32(1), latin1('trak'), u32(0)))).toMatch(/damaged: a box header is cut off/);
		expect(refusal(box('moov', mvhd, u32(0), latin1('trak'), box('free')))).toMatch(/damaged: a zero-size box ended moov early/);
		expect(refusal(box('moov', ...Array.from({ length: 10_001 }, () => box('free'))))).toMatch(/damaged: it has more than 10,000 boxes/);
		// A clean list ending in a QuickTime terminator is fine (no track: the planner's concern, not the reader's).
		expect(readSampleMovie(box('moov', mvhd, u32(0)), 1000)).toMatchObject({ timescale: 1000, tracks: [] });
	});

	test('fields the movie model cannot read are refused too: too short, or of an unknown version', () => {
		expect(refusal(box('moov', box('mvhd', zeros(8))))).toMatch(/index \(moov\) is damaged: the mvhd box is too short/);
		expect(refusal(box('moov', box('mvhd', Uint8Array.of(2), zeros(99))))).toMatch(/index \(moov\) is damaged: the mvhd box has an unknown version/);
	});

	test('the index and the fragments are refused in the same words, from one place (strictBoxes.ts)', () => {
		const budget = { maxBoxes: 100_000, maxDepth: 3, maxBytes: Infinity };
		const problem = (kind: BoxProblem['kind'], type?: string): BoxProblem => ({ kind, message: 'a zero-size box ended moof early', type });
		expect(problemReason(problem('strayBytes'), budget)).toBeUndefined();
		expect(problemReason(problem('tooManyBoxes'), budget)).toBe('it has more than 100,000 boxes');
		expect(problemReason(problem('overruns', 'traf'), budget)).toBe('the traf box has an invalid size');
		expect(problemReason(problem('unreadableHeader'), budget)).toBe('a box header is unreadable');
		expect(problemReason(problem('endedEarly'), budget)).toBe('a zero-size box ended moof early');
		const fragment = (moof: Uint8Array) => () => readFragmentSamples([{ offset: 0, box: moof }], new Map([[1, { descriptionIndex: 1, duration: 1, size: 1, flags: 0 }]]), 1_000, 1_000, new Map());
		expect(fragment(box('moof', box('traf', box('tfhd', u32(0), u32(1)), box('trun', u32(0)))))).toThrow(
			new MediaError("The video's fragments (moof) are damaged: the trun box is too short, so it cannot be split", ''),
		);
		expect(fragment(box('moof', concat(u32(64), latin1('traf'))))).toThrow(/fragments \(moof\) are damaged: the traf box has an invalid size/);
		expect(fragment(box('moof', box('traf', box('trun', u32(0), u32(0)))))).toThrow(/fragments \(moof\) are damaged: a track fragment has no readable header \(tfhd\)/);
	});

	test('the stream scanner: 64-bit sizes, opaque boxes, the first header must be MP4, boxes past the end', async () => {
		const file = Uint8Array.from(readFileSync(join(__dirname, '..', 'fixtures', 'media', 'h264-moov-at-end.mp4')));
		const index = await readMovieIndex(bufferSource(file, 100), file.length);
		const padded = concat(
			concat(u32(1), latin1('free'), u64(24n), zeros(8)),
			concat(u32(16), zeros(4), zeros(8)),
			file,
		);
		const fromPadded = await readMovieIndex(bufferSource(padded, 100), padded.length);
		expect(fromPadded.moov).toEqual(index.moov);
		expect(fromPadded.moovFirst).toBe(false);
		await expect(readMovieIndex(bufferSource(concat(u32(8), Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))), 8)).rejects.toThrow(/not an MP4 or QuickTime file/);
		await expect(readMovieIndex(bufferSource(concat(box('free'), u32(100), latin1('mdat'))), 16)).rejects.toThrow(/mdat box at byte 8 runs past the end/);
		await expect(readMovieIndex(bufferSource(concat(box('free'), u32(4), zeros(4))), 16)).rejects.toThrow(/\?\?\?\? box at byte 8 runs past the end/);
	});
});

describe('sample table fields', () => {
	test('entry counts, chunk offsets (32 and 64 bits), sample-to-chunk entries, runs, sample sizes', () => {
		const stco = concat(u32(0), u32(2), u32(48), u32(4096));
		expect(tableEntryCount(stco)).toBe(2);
		expect(chunkOffsetAt(stco, TABLE_ENTRIES_AT + chunkOffsetLength(false), false)).toBe(4096);
		const co64 = concat(u32(0), u32(1), u64(0x1_0000_0030n));
		expect(chunkOffsetAt(co64, TABLE_ENTRIES_AT, true)).toBe(0x1_0000_0030);
		const stsc = concat(u32(0), u32(1), u32(1), u32(5), u32(1));
		expect(sampleToChunkAt(stsc, TABLE_ENTRIES_AT)).toEqual({ firstChunk: 1, samplesPerChunk: 5, descriptionIndex: 1 });
		const ctts = concat(u32(0), u32(1), u32(3), u32(-512 >>> 0));
		expect(runAt(ctts, TABLE_ENTRIES_AT, true)).toEqual([3, -512]);
		expect(runAt(ctts, TABLE_ENTRIES_AT, false)).toEqual([3, 0xffff_fe00]);
		expect(sampleSizeHeader(concat(u32(0), u32(0), u32(20)))).toEqual({ constantSize: 0, sampleCount: 20 });
	});
});
