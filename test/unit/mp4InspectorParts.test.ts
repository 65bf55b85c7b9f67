/**
 * The inspector's own readers, one by one (nodes/ZApi/media/mp4/): the container from the ftyp
 * brands, the esds object type, a sample entry's details, the movie model (movie.ts, shared with
 * the splitter) and the inspector's view of it (movieFacts.ts, fragmentDurations.ts).
 * The inspector as a whole is tested in test/mp4Inspector*.test.ts.
 */
import { byteSourceOf } from '../../nodes/ZApi/media/bytes';
import { classifyContainer, describeAudioCodec, describeVideoCodec } from '../../nodes/ZApi/media/mp4/codecNames';
import { readFragmentEnds, readFragmentStarts } from '../../nodes/ZApi/media/mp4/fragmentDurations';
import { InspectContext } from '../../nodes/ZApi/media/mp4/inspectContext';
import { leavesTimelineAsIs, readMovie, startsAtFirstSample } from '../../nodes/ZApi/media/mp4/movie';
import { movieFacts } from '../../nodes/ZApi/media/mp4/movieFacts';
import { readAudioSampleEntry, readObjectType, readVisualSampleEntry } from '../../nodes/ZApi/media/mp4/sampleEntry';
import { box, concat, latin1, u16, u32, u64, u8, zeros } from '../fixtures/boxes';

const BUDGET = { maxBoxes: 1_000, maxDepth: 16, maxBytes: 1_000_000 };

/** A context over `file` and its top-level boxes. */
function open(file: Uint8Array) {
	const context = new InspectContext(byteSourceOf(file), BUDGET);
	return { context, boxes: context.walker.list(context.walker.file()) };
}

describe('codecNames', () => {
	test('the container from the brands', () => {
		expect(classifyContainer(undefined, true)).toBe('quicktime');
		expect(classifyContainer(undefined, false)).toBe('unknown');
		expect(classifyContainer({ majorBrand: 'qt  ', compatibleBrands: [] }, true)).toBe('quicktime');
		expect(classifyContainer({ majorBrand: 'mp42', compatibleBrands: [] }, false)).toBe('mp4');
		expect(classifyContainer({ majorBrand: 'xxxx', compatibleBrands: ['qt  '] }, true)).toBe('quicktime');
		expect(classifyContainer({ majorBrand: 'xxxx', compatibleBrands: [] }, true)).toBe('mp4');
		expect(classifyContainer({ majorBrand: 'xxxx', compatibleBrands: [] }, false)).toBe('unknown');
	});

	test('friendly names, unknown fourccs verbatim', () => {
		expect(describeVideoCodec('hvc1')).toBe('HEVC');
		expect(describeAudioCodec('mp4a')).toBe('AAC');
		// QuickTime's 8-bit PCM (exiftool-QuickTime.mov in the real-world corpus; ffprobe: pcm_u8).
		expect(describeAudioCodec('raw ')).toBe('PCM');
		expect(describeAudioCodec('in24')).toBe('PCM');
		expect(describeVideoCodec('zzzz')).toBe('zzzz');
		expect(describeVideoCodec('constructor')).toBe('constructor');
	});
});

describe('sampleEntry', () => {
	/** esds content after version and flags: ES_Descriptor > DecoderConfigDescriptor(objectType). */
	const esds = (objectType: number, esFlags = 0) => concat(u8(0x03), u8(0x80), u8(0x80), u8(0x80), u8(20), u16(1), u8(esFlags), ...(esFlags & 0x80 ? [u16(0)] : []), u8(0x04), u8(13), u8(objectType), zeros(12));

	test('readObjectType: through the ES descriptor, long lengths and optional fields', () => {
		expect(readObjectType(esds(0x40), 0, 64)).toBe(0x40);
		expect(readObjectType(esds(0x6b, 0x80), 0, 64)).toBe(0x6b);
		expect(readObjectType(Uint8Array.of(0x05, 0), 0, 2)).toBeUndefined();
		expect(readObjectType(esds(0x40), 0, 8)).toBeUndefined();
	});

	test('a visual entry: stored size, pasp, and the original format behind encryption', () => {
		const fields = concat(zeros(24), u16(640), u16(360), zeros(50));
		const entry = box('encv', fields, box('pasp', u32(4), u32(3)), box('sinf', box('frma', latin1('avc1'))));
		const { context, boxes } = open(entry);
		expect(readVisualSampleEntry(context.walker, boxes[0])).toEqual({ codedWidth: 640, codedHeight: 360, pixelAspect: [4, 3], originalFormat: 'avc1', protected: true });
		expect(context.issues).toEqual([]);
	});

	test('how NAL units are framed: the length size from avcC (5th byte) and hvcC (22nd byte); 3 is kept here, refused by the splitter', () => {
		const fields = concat(zeros(24), u16(640), u16(360), zeros(50));
		const read = (entry: Uint8Array) => {
			const { context, boxes } = open(entry);
			return readVisualSampleEntry(context.walker, boxes[0]).nal;
		};
		expect(read(box('avc1', fields, box('avcC', u8(1), u8(100), u8(0), u8(31), u8(0xfc | 3))))).toEqual({ family: 'h264', lengthSize: 4 });
		expect(read(box('avc1', fields, box('avcC', u8(1), u8(100), u8(0), u8(31), u8(0xfc | 1))))).toEqual({ family: 'h264', lengthSize: 2 });
		expect(read(box('hvc1', fields, box('hvcC', zeros(21), u8(0xfc | 3), zeros(1))))).toEqual({ family: 'hevc', lengthSize: 4 });
		expect(read(box('hev1', fields, box('hvcC', zeros(21), u8(0xfc | 2))))).toEqual({ family: 'hevc', lengthSize: 3 });
		// Too short to hold the byte: nothing is guessed.
		expect(read(box('avc1', fields, box('avcC', u8(1), u8(100), u8(0), u8(31))))).toBeUndefined();
		expect(read(box('mp4v', fields))).toBeUndefined();
	});

	test("an audio entry: esds found after QuickTime's version 1 fields and inside 'wave'", () => {
		const fields = concat(zeros(8), u16(1), zeros(18), zeros(16));
		const entry = box('mp4a', fields, box('wave', box('esds', u32(0), esds(0x69))));
		const { context, boxes } = open(entry);
		expect(readAudioSampleEntry(context.walker, boxes[0])).toEqual({ objectType: 0x69 });
	});
});

describe('the movie model and the inspector\'s view of it', () => {
	const mvhd = box('mvhd', u32(0), u32(0), u32(0), u32(1000), u32(0), zeros(80));
	const tkhd = box('tkhd', u32(0), u32(0), u32(0), u32(1), u32(0), u32(0), zeros(16), u32(0x1_0000), zeros(12), u32(0x1_0000), zeros(12), u32(0x4000_0000), u32(320 << 16), u32(240 << 16));
	const mdhd = box('mdhd', u32(0), u32(0), u32(0), u32(90_000), u32(0), zeros(4));
	const hdlr = box('hdlr', u32(0), u32(0), latin1('vide'), zeros(12));
	const stsd = box('stsd', u32(0), u32(1), box('avc1', zeros(78)));
	const stsz = box('stsz', u32(0), u32(0), u32(0));
	const stbl = box('stbl', stsd, box('stts', u32(0), u32(0)), box('stsc', u32(0), u32(0)), stsz, box('stco', u32(0), u32(0)));
	const minf = box('minf', box('vmhd', u32(1), zeros(8)), box('dinf'), stbl);
	const trex = box('trex', u32(0), u32(1), u32(1), u32(3000), u32(0), u32(0));
	const moov = box('moov', mvhd, box('trak', tkhd, box('mdia', mdhd, hdlr, minf)), box('mvex', box('mehd', u32(0), u32(0)), trex));
	const moof = (decodeTime: bigint, samples: number) =>
		box('moof', box('traf', box('tfhd', u32(0x2_0000), u32(1)), box('tfdt', u32(0x0100_0000), u64(decodeTime)), box('trun', u32(0), u32(samples))));

	test('readMovie: the headers, the handler, the sample tables located, the fragment defaults', () => {
		const { context, boxes } = open(moov);
		const movie = readMovie(context.walker, boxes[0]);
		expect(movie).toMatchObject({ header: { timescale: 1000, duration: 0 }, compressed: false, fragmentDefaults: { totalDuration: 0 } });
		expect(movie.fragmentDefaults?.trackExtends.get(1)).toEqual({ trackId: 1, descriptionIndex: 1, duration: 3000, size: 0, flags: 0 });
		expect(movie.tracks).toHaveLength(1);
		const [track] = movie.tracks;
		expect(track).toMatchObject({
			header: { trackId: 1, duration: 0, rotation: 0, width: 320, height: 240 },
			media: { timescale: 90_000, duration: 0 },
			handlerType: 'vide',
			tables: { sampleEntry: { type: 'avc1' } },
		});
		expect(Object.keys(track.tables).sort()).toEqual(['chunkOffsets', 'sampleEntry', 'stsc', 'stsd', 'stsz', 'stts']);
		expect(track.mediaInfoHeaders.map((found) => found.type)).toEqual(['vmhd', 'dinf']);
		expect(track.editList).toBeUndefined();
		expect(context.issues).toEqual([]);
	});

	test('readMovie is lenient: a header too short is left out, and the walker says why', () => {
		const shortTkhd = box('tkhd', u32(0), u32(0), u32(0), u32(1));
		const { context, boxes } = open(box('moov', mvhd, box('trak', shortTkhd, box('mdia', mdhd, hdlr)), box('cmov')));
		const movie = readMovie(context.walker, boxes[0]);
		expect(movie.tracks[0].header).toBeUndefined();
		expect(movie.tracks[0].tkhdBox).toBeDefined();
		expect(movie.compressed).toBe(true);
		expect(context.issues).toEqual(['tkhd box too short']);
	});

	test('readFragmentEnds: the last tfdt plus its durations; runs with defaults count too', () => {
		const file = concat(moov, moof(0n, 30), box('mdat'), moof(90_000n, 30), box('mdat'));
		const { context, boxes } = open(file);
		const movie = readMovie(context.walker, boxes[0]);
		const moofs = boxes.filter((found) => found.type === 'moof');
		expect(readFragmentEnds(context, moofs, movie).get(movie.tracks[0])).toBe(90_000 + 30 * 3000);
		expect(readFragmentStarts(context, moofs, movie).get(movie.tracks[0])).toBe(0);
	});

	test('a stream without edit list whose first fragment starts late is timed from its first sample, as the splitter cuts it', () => {
		const file = concat(moov, moof(720_000n, 30), box('mdat'), moof(810_000n, 30), box('mdat'));
		const { context, boxes } = open(file);
		const movie = readMovie(context.walker, boxes[0]);
		const facts = movieFacts(context, movie, boxes.filter((found) => found.type === 'moof'));
		expect(facts.lateSeconds).toBe(8);
		expect(facts.tracks[0].fragmentsEnd).toBe(810_000 + 30 * 3000);
		expect(startsAtFirstSample(movie, () => 0)).toBe(true);
		// Samples in moov, or an edit list that places the media, keep the timeline as it is.
		expect(startsAtFirstSample(movie, () => 1)).toBe(false);
		expect(leavesTimelineAsIs({ declaredCount: 1, edits: [{ segmentDuration: 0, mediaTime: 0, rate: 0x1_0000 }] })).toBe(true);
		expect(leavesTimelineAsIs({ declaredCount: 1, edits: [{ segmentDuration: 1000, mediaTime: 0, rate: 0x1_0000 }] })).toBe(false);
		expect(leavesTimelineAsIs({ declaredCount: 1, edits: [{ segmentDuration: 0, mediaTime: 720_000, rate: 0x1_0000 }] })).toBe(false);
	});
});
