import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { box, concat, latin1, u32, u64 } from './fixtures/boxes';
import { seededRandom } from './fixtures/seededRandom';

import {
	DEFAULT_MP4_INSPECTION_LIMITS,
	inspectMp4WithStats,
	type Mp4Inspection,
	type Mp4InspectionLimits,
	type Mp4InspectionStats,
	type Mp4TrackInfo,
} from '../nodes/ZApi/media/mp4/inspector';

/*
 * Deterministic fuzzing of the MP4 reader: seeded campaigns of damaged real files and generated
 * box trees, fragment headers included. Each campaign runs inside its test (once, even when the
 * closing test that checks the totals asks for it too), so test names never change between runs.
 */

const MEDIA = join(__dirname, 'fixtures', 'media');
const FIXTURE_NAMES = [
	'h264-faststart.mp4',
	'h264-moov-at-end.mp4',
	'hevc.mp4',
	'long-75s.mp4',
	'h264-no-audio.mp4',
	'quicktime.mov',
	'not-a-video.png',
	// Fragmented (moof/traf/tfhd/tfdt/trun, mvex/trex/mehd), ftyp-less, rotated, anamorphic, encrypted.
	'frag-keyframe-10s.mp4',
	'frag-mehd-10s.mp4',
	'cmaf-10s.mp4',
	'frag-no-tfdt-10s.ismv',
	'qt-no-ftyp-moov-first.mov',
	'portrait-h264.mp4',
	'anamorphic.mp4',
	'encrypted.mp4',
];
const FIXTURES = FIXTURE_NAMES.map((name) => ({ name, bytes: Uint8Array.from(readFileSync(join(MEDIA, name))) }));

// ---- Byte helpers ----

const writeU32 = (bytes: Uint8Array, offset: number, value: number): void => bytes.set(u32(value), offset);

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'udta', 'dinf', 'mvex', 'moof', 'traf']);

/** Offsets of every box in a known-good file (test-side walk that trusts the file). */
function boxOffsets(bytes: Uint8Array, start = 0, end = bytes.length, found: number[] = []): number[] {
	let offset = start;
	while (offset + 8 <= end) {
		const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset);
		const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
		if (size < 8 || offset + size > end) break;
		found.push(offset);
		if (CONTAINERS.has(type)) boxOffsets(bytes, offset + 8, offset + size, found);
		if (type === 'stsd') found.push(offset + 16); // first sample entry
		offset += size;
	}
	return found;
}

// ---- Checking one case ----

const KINDS = new Set(['video', 'audio', 'other']);
const CONTAINER_KINDS = new Set(['mp4', 'quicktime', 'unknown']);
const PRINTABLE_FOURCC = /^[\x20-\x7e\xa9]{4}$/;

function sanityProblems(result: Mp4Inspection, stats: Mp4InspectionStats): string[] {
	const problems: string[] = [];
	const check = (ok: boolean, what: string): void => {
		if (!ok) problems.push(what);
	};
	const isDuration = (value: number | undefined): boolean => value === undefined || (Number.isFinite(value) && value > 0);
	const isSize = (value: number | undefined): boolean => value === undefined || (Number.isInteger(value) && value > 0 && value <= 65_536);

	check(stats.steps <= stats.maxBoxes, `steps ${stats.steps} > maxBoxes ${stats.maxBoxes}`);
	check(stats.deepestLevel <= stats.maxDepth, `level ${stats.deepestLevel} > maxDepth ${stats.maxDepth}`);
	check(stats.bytesRead <= stats.maxBytes, `read ${stats.bytesRead} bytes > maxBytes ${stats.maxBytes}`);
	check(CONTAINER_KINDS.has(result.container), `container ${String(result.container)}`);
	check(typeof result.complete === 'boolean', 'complete not boolean');
	check(Array.isArray(result.issues) && result.issues.every((issue) => typeof issue === 'string' && issue.length > 0), 'issues not strings');
	check(result.issues.length <= 21, `${result.issues.length} issues`);
	check(result.complete || result.issues.length > 0, 'incomplete without an issue');
	check(!result.issues.some((issue) => issue.startsWith('internal error')), `internal error: ${result.issues.join('; ')}`);
	check(Object.values(result).every((value) => value !== undefined), 'undefined-valued key');
	check(isDuration(result.durationSeconds), `duration ${result.durationSeconds}`);
	check(isSize(result.width) && isSize(result.height), `size ${result.width}x${result.height}`);
	check((result.width === undefined) === (result.height === undefined), 'width without height');
	check(isSize(result.codedWidth) && isSize(result.codedHeight) && (result.codedWidth === undefined) === (result.codedHeight === undefined), `coded size ${result.codedWidth}x${result.codedHeight}`);
	check(result.rotation === undefined || (Number.isInteger(result.rotation) && result.rotation >= 0 && result.rotation < 360), `rotation ${result.rotation}`);
	for (const flag of ['fragmented', 'cutShort', 'encrypted'] as const) check(result[flag] === undefined || result[flag] === true, `${flag} ${String(result[flag])}`);
	check(result.fastStart === undefined || typeof result.fastStart === 'boolean', 'fastStart type');
	check(result.brand === undefined || /^[\x20-\x7e\xa9]{0,3}[\x21-\x7e\xa9]$/.test(result.brand), `brand ${JSON.stringify(result.brand)}`);
	check(result.videoCodecTag === undefined || PRINTABLE_FOURCC.test(result.videoCodecTag), 'video tag');
	check(result.tracks.length <= stats.steps, 'more tracks than boxes read');
	const video = result.tracks.find((track) => track.kind === 'video');
	const audio = result.tracks.find((track) => track.kind === 'audio');
	check(result.videoCodec === video?.codecName && result.videoCodecTag === video?.codec, 'top-level video facts differ from the first video track');
	check(result.audioCodec === audio?.codecName, 'top-level audio codec differs from the first audio track');
	check(result.width === video?.width && result.height === video?.height, 'top-level size differs from the first video track');
	check(result.rotation === video?.rotation && result.codedWidth === video?.codedWidth, 'top-level rotation or coded size differs from the first video track');
	for (const track of result.tracks) {
		check(KINDS.has(track.kind), `track kind ${String(track.kind)}`);
		check(isDuration(track.durationSeconds), `track duration ${track.durationSeconds}`);
		check(isSize(track.width) && isSize(track.height), `track size ${track.width}x${track.height}`);
		check(track.codec === undefined || PRINTABLE_FOURCC.test(track.codec), `track codec ${JSON.stringify(track.codec)}`);
		check(track.kind !== 'other' || track.codecName === undefined, 'codec name on an other track');
		check(Object.values(track).every((value) => value !== undefined), 'undefined-valued track key');
	}
	return problems;
}

const TOP_LEVEL_FACTS = ['container', 'brand', 'durationSeconds', 'videoCodec', 'videoCodecTag', 'audioCodec', 'width', 'height', 'codedWidth', 'codedHeight', 'rotation', 'fastStart', 'fragmented', 'encrypted'] as const;

/**
 * "Unknown beats wrong": a prefix of a good file may know less than the whole file, never something
 * else. Except the length of a fragmented file: a prefix holding fewer fragments is a shorter
 * recording (what a live recording looks like halfway), never a longer one.
 */
function prefixProblems(prefix: Mp4Inspection, whole: Mp4Inspection): string[] {
	const problems: string[] = [];
	const fragmented = whole.fragmented === true;
	for (const fact of TOP_LEVEL_FACTS) {
		if (fragmented && fact === 'durationSeconds') {
			if ((prefix.durationSeconds ?? 0) > (whole.durationSeconds ?? 0) + 1e-9) problems.push(`duration ${prefix.durationSeconds} is longer than the whole file's`);
			continue;
		}
		if (prefix[fact] !== undefined && prefix[fact] !== whole[fact] && !(fact === 'container' && prefix[fact] === 'unknown')) {
			problems.push(`${fact}: ${String(prefix[fact])} but the whole file says ${String(whole[fact])}`);
		}
	}
	if (prefix.tracks.length > whole.tracks.length) problems.push('more tracks than the whole file');
	prefix.tracks.forEach((track, index) => {
		const wholeTrack: Mp4TrackInfo | undefined = whole.tracks[index];
		for (const [fact, value] of Object.entries(track)) {
			if (fact === 'kind' && value === 'other') continue;
			if (fragmented && fact === 'durationSeconds') continue;
			if (wholeTrack?.[fact as keyof Mp4TrackInfo] !== value) problems.push(`track ${index} ${fact}: ${String(value)}`);
		}
	});
	return problems;
}

class Campaign {
	cases = 0;
	maxSteps = 0;
	deepestLevel = 0;
	/** Cases read as fragmented files with a duration: the fragment paths were walked. */
	fragmentedWithDuration = 0;
	readonly failures: string[] = [];
	private failureCount = 0;

	run(
		label: string,
		bytes: Uint8Array,
		limits?: Mp4InspectionLimits,
		extraCheck?: (result: Mp4Inspection, stats: Mp4InspectionStats) => string[],
	): Mp4Inspection | undefined {
		this.cases++;
		let outcome: { inspection: Mp4Inspection; stats: Mp4InspectionStats };
		try {
			outcome = inspectMp4WithStats(bytes, limits);
		} catch (error) {
			this.fail(label, [`threw ${error instanceof Error ? error.message : String(error)}`]);
			return undefined;
		}
		const { inspection, stats } = outcome;
		this.maxSteps = Math.max(this.maxSteps, stats.steps);
		this.deepestLevel = Math.max(this.deepestLevel, stats.deepestLevel);
		if (inspection.fragmented && inspection.durationSeconds !== undefined) this.fragmentedWithDuration++;
		const expectedMaxBoxes = limits?.maxBoxes ?? DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes;
		const expectedMaxDepth = limits?.maxDepth ?? DEFAULT_MP4_INSPECTION_LIMITS.maxDepth;
		const expectedMaxBytes = limits?.maxBytes ?? DEFAULT_MP4_INSPECTION_LIMITS.maxBytes;
		const problems = [
			...sanityProblems(inspection, stats),
			...(stats.maxBoxes === expectedMaxBoxes && stats.maxDepth === expectedMaxDepth && stats.maxBytes === expectedMaxBytes ? [] : ['limits not applied']),
			...(extraCheck?.(inspection, stats) ?? []),
		];
		if (problems.length > 0) this.fail(label, problems);
		return inspection;
	}

	private fail(label: string, problems: string[]): void {
		this.failureCount++;
		if (this.failures.length < 20) this.failures.push(`${label}: ${problems.join('; ')}`);
	}
}

// ---- Campaigns ----

function truncations(): Campaign {
	const campaign = new Campaign();
	for (const { name, bytes } of FIXTURES) {
		const whole = inspectMp4WithStats(bytes).inspection;
		for (let length = 0; length <= bytes.length; length++) {
			campaign.run(`${name}[0,${length})`, bytes.subarray(0, length), undefined, (prefix) =>
				length === bytes.length ? [] : prefixProblems(prefix, whole),
			);
		}
	}
	return campaign;
}

function bitFlips(): Campaign {
	const campaign = new Campaign();
	const random = seededRandom(0x5eed_0001);
	for (const { name, bytes } of FIXTURES) {
		// Most damage goes where the structure is (the first boxes and moov); mdat payload is opaque anyway.
		const moovAt = Math.max(0, indexOfType(bytes, 'moov') - 4);
		for (let round = 0; round < 700; round++) {
			const damaged = Uint8Array.from(bytes);
			const flips = 1 + random.below(8);
			for (let flip = 0; flip < flips; flip++) {
				const where = random.next() < 0.7 ? moovAt + random.below(Math.min(2_600, bytes.length - moovAt)) : random.below(bytes.length);
				damaged[where] ^= 1 << random.below(8);
			}
			campaign.run(`${name} flip round ${round}`, damaged);
		}
	}
	return campaign;
}

/** Damage aimed at the fragment headers (moof and everything in it) of the fragmented files. */
function fragmentFlips(): Campaign {
	const campaign = new Campaign();
	const random = seededRandom(0x5eed_0004);
	for (const { name, bytes } of FIXTURES) {
		const spans = topLevelBoxes(bytes).filter((found) => found.type === 'moof');
		if (spans.length === 0) continue;
		const whole = inspectMp4WithStats(bytes).inspection;
		for (let round = 0; round < 600; round++) {
			const damaged = Uint8Array.from(bytes);
			const flips = 1 + random.below(6);
			for (let flip = 0; flip < flips; flip++) {
				const span = spans[random.below(spans.length)];
				damaged[span.offset + random.below(span.size)] ^= 1 << random.below(8);
			}
			campaign.run(`${name} fragment flip round ${round}`, damaged, undefined, (result) =>
				// Fragment damage may change the length; it must not touch what moov says.
				result.videoCodec === whole.videoCodec && result.width === whole.width ? [] : ['moov facts changed by fragment damage'],
			);
		}
	}
	return campaign;
}

function topLevelBoxes(bytes: Uint8Array): Array<{ type: string; offset: number; size: number }> {
	const found: Array<{ type: string; offset: number; size: number }> = [];
	for (let offset = 0; offset + 8 <= bytes.length; ) {
		const size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset);
		if (size < 8 || offset + size > bytes.length) break;
		found.push({ type: String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)), offset, size });
		offset += size;
	}
	return found;
}

function indexOfType(bytes: Uint8Array, type: string): number {
	const code = latin1(type);
	for (let index = 0; index + 4 <= bytes.length; index++) {
		if (code.every((byte, k) => bytes[index + k] === byte)) return index;
	}
	return -1;
}

function randomBytes(): Campaign {
	const campaign = new Campaign();
	const random = seededRandom(0x5eed_0002);
	for (let round = 0; round < 1_500; round++) {
		const length = random.below(round < 500 ? 64 : 4_096);
		const bytes = Uint8Array.from({ length }, () => random.below(256));
		// A third start like an MP4, so the reader gets past the first header.
		if (round % 3 === 1 && length >= 16) bytes.set(concat(u32(Math.min(length, 16)), latin1('ftyp'), latin1('isom'), u32(0)), 0);
		if (round % 3 === 2 && length >= 8) bytes.set(concat(u32(random.below(length + 8)), latin1('moov')), 0);
		campaign.run(`random bytes round ${round} (${length} bytes)`, bytes);
	}
	return campaign;
}

/** Which boxes the generator puts inside which: the path the reader walks, plus some noise. */
const TREE_CHILDREN: Readonly<Record<string, readonly string[]>> = {
	'': ['ftyp', 'moov', 'moov', 'mdat', 'free', 'moof', 'moof', 'mdat'],
	moov: ['mvhd', 'trak', 'trak', 'mvex', 'udta', 'cmov'],
	trak: ['tkhd', 'mdia', 'mdia', 'edts'],
	edts: ['elst'],
	mdia: ['mdhd', 'hdlr', 'minf', 'minf'],
	minf: ['stbl', 'stbl', 'vmhd', 'dinf'],
	stbl: ['stsd', 'stsd', 'stts', 'stco', 'co64', 'stsc', 'stsz'],
	stsd: ['avc1', 'hvc1', 'mp4v', 'encv', 'mp4a', 'enca', 'Opus'],
	mvex: ['mehd', 'trex', 'trex'],
	moof: ['mfhd', 'traf', 'traf'],
	traf: ['tfhd', 'tfdt', 'trun', 'trun'],
	avc1: ['avcC', 'pasp'],
	hvc1: ['hvcC'],
	mp4v: ['esds'],
	encv: ['sinf', 'esds'],
	mp4a: ['esds', 'wave'],
	enca: ['sinf', 'esds', 'wave'],
	wave: ['frma', 'mp4a', 'esds'],
	sinf: ['frma', 'schm'],
};
const ANY_TYPES = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'mvhd', 'tkhd', 'mdhd', 'hdlr', 'mdat', 'free', 'esds', 'wave', 'sinf', 'frma', '\xa9nam', 'uuid', 'moof', 'traf', 'trun', 'tfhd', 'mvex'];
/** Typical content lengths of the leaves the reader parses, per full-box version 0 and 1. */
const LEAF_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
	ftyp: [16, 16],
	mvhd: [100, 112],
	tkhd: [84, 96],
	mdhd: [24, 36],
	hdlr: [25, 25],
	frma: [4, 4],
	esds: [27, 27],
	pasp: [8, 8],
	elst: [20, 28],
	mehd: [8, 12],
	trex: [24, 24],
	tfdt: [8, 12],
	mfhd: [8, 8],
};
/** Fragment headers and sample tables: a version/flags word and a count that may lie, then entries. */
const COUNTED_LEAVES = new Set(['trun', 'tfhd', 'stco', 'co64', 'stsc', 'stsz', 'elst']);
const TRUN_FLAGS = [0x000001, 0x000101, 0x000301, 0x000f05, 0x000100, 0x000000];
const TFHD_FLAGS = [0x020000, 0x020008, 0x000001 | 0x000008, 0x00003b, 0x000000];
const VISUAL_ENTRIES = new Set(['avc1', 'hvc1', 'mp4v', 'encv']);
const AUDIO_ENTRIES = new Set(['mp4a', 'enca', 'Opus']);

/** Random trees shaped like real files, with sizes that are right most of the time and lie otherwise. */
function randomTrees(): Campaign {
	const campaign = new Campaign();
	const random = seededRandom(0x5eed_0003);
	const pick = <T>(items: readonly T[]): T => items[random.below(items.length)];
	const randomPayload = (length: number): Uint8Array =>
		Uint8Array.from({ length }, () => (random.next() < 0.5 ? 0 : random.below(256)));

	const countedContent = (type: string): Uint8Array => {
		const flags = type === 'trun' ? pick(TRUN_FLAGS) : type === 'tfhd' ? pick(TFHD_FLAGS) : 0;
		const version = random.below(4) === 0 ? 1 : 0;
		const entries = random.below(6);
		const count = random.next() < 0.8 ? entries : pick([0, 1, 0xffff, 0x7fff_ffff, 0xffff_ffff]);
		const entryWords = type === 'stsc' ? 3 : type === 'co64' ? 2 : type === 'elst' ? (version === 1 ? 5 : 3) : type === 'trun' ? 4 : 1;
		const words = Array.from({ length: entries * entryWords }, () => (random.next() < 0.5 ? random.below(2_000) : random.below(0x1_0000_0000)));
		const head = [u32(((type === 'elst' ? version : 0) << 24) | flags), u32(type === 'tfhd' ? 1 + random.below(2) : count)];
		if (type === 'stsz') head.push(u32(random.next() < 0.5 ? 0 : random.below(5_000)));
		return concat(...head, ...words.map(u32)).subarray(0, random.next() < 0.9 ? undefined : random.below(40));
	};

	const leafContent = (type: string): Uint8Array => {
		if (COUNTED_LEAVES.has(type)) return countedContent(type);
		const version = random.below(4) === 0 ? 1 : random.below(8) === 0 ? 2 : 0;
		const typical = LEAF_LENGTHS[type]?.[version === 1 ? 1 : 0];
		const length = typical !== undefined && random.next() < 0.7 ? typical : random.below(120);
		const content = randomPayload(length);
		if (length > 0) content[0] = version;
		if (type === 'hdlr' && length >= 12) content.set(latin1(pick(['vide', 'soun', 'soun', 'text', 'xxxx'])), 8);
		if ((type === 'frma' || type === 'ftyp') && length >= 4) content.set(latin1(pick(['avc1', 'mp4a', 'isom', 'qt  ', 'mp4v'])), 0);
		// Track IDs 1 and 2, so fragments and trex find the traks (tkhd) they belong to.
		if ((type === 'trex' || type === 'tkhd') && length >= 24) content.set(u32(1 + random.below(2)), type === 'trex' ? 4 : version === 1 ? 20 : 12);
		if (type === 'esds' && length >= 13) {
			content.set(Uint8Array.of(0x03, 0x80 | random.below(2), 0x16, 0, 1, random.below(256) & 0xe0, 0x04, 0x11, pick([0x40, 0x6b, 0x20, 0x61, 0xff])), 4);
		}
		return content;
	};

	const node = (type: string, depth: number): Uint8Array => {
		const childTypes = TREE_CHILDREN[type];
		const parts: Uint8Array[] = [];
		if (type === 'stsd') parts.push(Uint8Array.of(0, 0, 0, 0), u32(random.below(3)));
		if (VISUAL_ENTRIES.has(type)) {
			const fields = randomPayload(random.next() < 0.8 ? 78 : random.below(90));
			if (fields.length >= 28) fields.set(concat(Uint8Array.of(random.below(8), random.below(256)), Uint8Array.of(random.below(8), random.below(256))), 24);
			parts.push(fields);
		}
		if (AUDIO_ENTRIES.has(type)) {
			const version = pick([0, 0, 1, 2, 3]);
			const fields = randomPayload(random.next() < 0.8 ? [28, 44, 64, 28][version] : random.below(70));
			if (fields.length >= 10) fields.set(Uint8Array.of(0, version), 8);
			parts.push(fields);
		}
		if (childTypes && depth < 12) {
			const count = random.below(depth < 6 ? 4 : 2) + (type === '' ? 1 : 0);
			for (let index = 0; index < count; index++) {
				const childType = random.next() < 0.1 ? pick(ANY_TYPES) : pick(childTypes);
				parts.push(node(childType, depth + 1));
			}
		} else if (!childTypes) {
			parts.push(leafContent(type));
		}
		// The root ('') is the file itself, not a box.
		return type === '' ? concat(...parts) : sized(type, concat(...parts));
	};

	const sized = (type: string, content: Uint8Array): Uint8Array => {
		const lie = random.next();
		if (lie < 0.05) return concat(u32(random.below(16)), latin1(type), content);
		if (lie < 0.09) return concat(u32(8 + content.length + 1 + random.below(64)), latin1(type), content);
		if (lie < 0.11) return concat(u32(Math.max(0, 8 + content.length - 1 - random.below(16))), latin1(type), content);
		if (lie < 0.18) return concat(u32(1), latin1(type), u64(BigInt(16 + content.length)), content);
		if (lie < 0.2) return concat(u32(1), latin1(type), u64(2n ** 53n + BigInt(random.below(1_000))), content);
		return concat(u32(8 + content.length), latin1(type), content);
	};

	// Half the rounds: a sound fragmented movie (tracks 1 and 2, trex for both) followed by random fragments.
	const fullBox = (type: string, ...payload: Uint8Array[]) => box(type, u32(0), ...payload);
	const track = (trackId: number) =>
		box('trak', fullBox('tkhd', new Uint8Array(8), u32(trackId), new Uint8Array(60), u32(64 << 16), u32(64 << 16)),
			box('mdia', fullBox('mdhd', new Uint8Array(8), u32(1_000), u32(0), new Uint8Array(4)), fullBox('hdlr', new Uint8Array(4), latin1('vide'), new Uint8Array(13))));
	const trex = (trackId: number) => fullBox('trex', u32(trackId), u32(1), u32(40), u32(0), u32(0));
	const fragmentedMovie = concat(box('ftyp', latin1('iso6'), u32(0)), box('moov', fullBox('mvhd', new Uint8Array(8), u32(1_000), u32(0), new Uint8Array(80)), track(1), track(2), box('mvex', trex(1), trex(2))));
	for (let round = 0; round < 3_000; round++) {
		const file = round % 2 === 1
			? concat(fragmentedMovie, ...Array.from({ length: 1 + random.below(4) }, () => node(pick(['moof', 'moof', 'mdat']), 1)))
			: node('', 0);
		const limits = round % 4 === 0 ? { maxDepth: 1 + random.below(10), maxBoxes: 5 + random.below(60) } : undefined;
		campaign.run(`random tree round ${round}`, file, limits);
	}
	return campaign;
}

/** Every box of every real file given each hostile size, plus forged 64-bit sizes. */
function hostileSizes(): Campaign {
	const campaign = new Campaign();
	for (const { name, bytes } of FIXTURES.filter((fixture) => fixture.name !== 'not-a-video.png')) {
		for (const offset of boxOffsets(bytes)) {
			for (const size of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, bytes.length - offset + 1, bytes.length + 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]) {
				const damaged = Uint8Array.from(bytes);
				writeU32(damaged, offset, size);
				campaign.run(`${name} box@${offset} size ${size}`, damaged);
			}
			for (const largesize of [0n, 7n, 8n, 15n, 16n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n - BigInt(offset)]) {
				const damaged = Uint8Array.from(bytes);
				writeU32(damaged, offset, 1);
				if (offset + 16 <= damaged.length) damaged.set(u64(largesize), offset + 8);
				campaign.run(`${name} box@${offset} largesize ${largesize}`, damaged);
			}
		}
	}
	return campaign;
}

/** size, type, and for size 1 a largesize: headers strung one inside the other. */
function nested(types: string[], levels: number, large = false): Uint8Array {
	const header = large ? 16 : 8;
	const bytes = new Uint8Array(levels * header);
	for (let level = 0; level < levels; level++) {
		const offset = level * header;
		const size = (levels - level) * header;
		writeU32(bytes, offset, large ? 1 : size);
		bytes.set(latin1(types[level % types.length]), offset + 4);
		if (large) bytes.set(u64(BigInt(size)), offset + 8);
	}
	return bytes;
}

/** moov > trak > mdia (sound handler) > minf > stbl > stsd holding the given sample entry. */
const soundMovie = (entry: Uint8Array): Uint8Array =>
	box('moov', box('trak', box('mdia', box('hdlr', new Uint8Array(8), latin1('soun'), new Uint8Array(12)), box('minf', box('stbl', box('stsd', new Uint8Array(4), u32(1), entry))))));

function hostileTrees(): Campaign {
	const campaign = new Campaign();
	const ftyp = box('ftyp', latin1('isom'), u32(0));
	const depthRespected = (maxDepth: number) => (_: Mp4Inspection, stats: Mp4InspectionStats): string[] =>
		stats.deepestLevel <= maxDepth ? [] : [`reached level ${stats.deepestLevel}`];

	// 10,000 levels deep, in every arrangement of moov/trak and of the path the reader follows.
	const deepPaths = [['moov', 'trak'], ['moov'], ['trak'], ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'mp4a', 'wave', 'sinf']];
	for (const types of deepPaths) {
		for (const large of [false, true]) {
			for (const maxDepth of [0, 1, 2, 3, 5, 8, 16, 100, 1_000_000]) {
				campaign.run(`nested ${types.join('/')} x10000 large=${large} maxDepth ${maxDepth}`, concat(ftyp, nested(types, 10_000, large)), { maxDepth }, depthRespected(maxDepth));
			}
		}
	}
	// The deepest path the reader really walks: moov trak mdia minf stbl stsd entry wave esds.
	const esds = box('esds', new Uint8Array(4), Uint8Array.of(0x03, 0x08, 0, 1, 0, 0x04, 0x03, 0x40, 0x15, 0));
	const entry = box('mp4a', new Uint8Array(8), Uint8Array.of(0, 1), new Uint8Array(34), box('wave', esds));
	const deepest = concat(ftyp, soundMovie(entry));
	for (let maxDepth = 0; maxDepth <= 12; maxDepth++) {
		campaign.run(`real-path nesting maxDepth ${maxDepth}`, deepest, { maxDepth }, (result, stats) => [
			...depthRespected(maxDepth)(result, stats),
			...(maxDepth >= 9 && result.audioCodec !== 'AAC' ? ['esds inside wave not read'] : []),
			...(maxDepth < 9 && result.complete ? ['depth cut not flagged'] : []),
		]);
	}

	// Huge box counts: the step limit stops them, whatever maxBoxes is.
	const manyBoxes = (type: string, count: number) => {
		const bytes = new Uint8Array(count * 8);
		for (let index = 0; index < count; index++) {
			writeU32(bytes, index * 8, 8);
			bytes.set(latin1(type), index * 8 + 4);
		}
		return bytes;
	};
	const freeBoxes = concat(ftyp, manyBoxes('free', 200_000));
	const emptyTraks = concat(ftyp, box('moov', manyBoxes('trak', 100_000)));
	const stepsWithin = (limit: number) => (_: Mp4Inspection, stats: Mp4InspectionStats): string[] =>
		stats.steps <= limit ? [] : [`${stats.steps} steps`];
	for (const maxBoxes of [0, 1, 2, 10, 1_000, 10_000, 150_000, undefined]) {
		const limit = maxBoxes ?? DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes;
		campaign.run(`200k free boxes maxBoxes ${maxBoxes}`, freeBoxes, maxBoxes === undefined ? undefined : { maxBoxes }, stepsWithin(limit));
		campaign.run(`100k traks maxBoxes ${maxBoxes}`, emptyTraks, maxBoxes === undefined ? undefined : { maxBoxes }, stepsWithin(limit));
	}

	// A movie whose track 1 is fragmented (trex default duration 1), for the fragment cases below.
	const fragmentedMoov = box('moov', box('mvex', box('trex', u32(0), u32(1), u32(1), u32(1), u32(0), u32(0))));
	// Sizes that would make a careless reader loop or jump backwards.
	const loopers: Array<[string, Uint8Array]> = [
		['size 0 inside moov', concat(ftyp, box('moov', u32(0), latin1('trak'), new Uint8Array(32)))],
		['size 0 at every level', concat(ftyp, nested(['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'], 6).map((byte, index) => (index % 8 < 4 && index >= 8 ? 0 : byte)))],
		['size 0 top-level moov', concat(ftyp, u32(0), latin1('moov'), box('trak', box('mdia')))],
		['size 4', concat(ftyp, u32(4), latin1('moov'), new Uint8Array(40))],
		['largesize 0', concat(ftyp, u32(1), latin1('moov'), u64(0n), new Uint8Array(40))],
		['largesize 2^64 - offset', concat(ftyp, u32(1), latin1('moov'), u64(2n ** 64n - 16n), new Uint8Array(40))],
		['largesize 2^64 - 8', concat(ftyp, box('moov', u32(1), latin1('trak'), u64(2n ** 64n - 8n), new Uint8Array(40)))],
		['size past end in stsd', concat(ftyp, box('moov', box('trak', box('mdia', box('minf', box('stbl', box('stsd', new Uint8Array(4), u32(1), u32(0xffff_fff0), latin1('avc1'))))))))],
		['stsd with no room for entries', concat(ftyp, box('moov', box('trak', box('mdia', box('minf', box('stbl', box('stsd', new Uint8Array(3))))))))],
		['esds with endless descriptor length', concat(ftyp, soundMovie(box('mp4a', new Uint8Array(28), box('esds', new Uint8Array(4), Uint8Array.of(0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0x04, 0xff)))))],
		['esds cut inside its descriptors', concat(ftyp, soundMovie(box('mp4a', new Uint8Array(28), box('esds', new Uint8Array(4), Uint8Array.of(0x03, 0x80, 0x80)))))],
		['ftyp only, 250,000 compatible brands', box('ftyp', latin1('isom'), u32(0), new Uint8Array(1_000_000).fill(0x61))],
		['1 MB of zeros', new Uint8Array(1_000_000)],
		['trun claiming 2^32-1 samples with durations', concat(ftyp, fragmentedMoov, box('moof', box('traf', box('tfhd', u32(0x02_0000), u32(1)), box('trun', u32(0x101), u32(0xffff_ffff), u32(0), u32(7)))))],
		['trun claiming 2^32-1 samples of default duration 2^32-1', concat(ftyp, fragmentedMoov, box('moof', box('traf', box('tfhd', u32(0x02_0008), u32(1), u32(0xffff_ffff)), box('tfdt', u32(0x0100_0000), u64(2n ** 64n - 2n)), box('trun', u32(1), u32(0xffff_ffff), u32(0)))))],
		['tfhd claiming every optional field in 8 bytes', concat(ftyp, fragmentedMoov, box('moof', box('traf', box('tfhd', u32(0x3b), u32(1)), box('trun', u32(0x100), u32(3)))))],
		['stsz and stco counts far past their boxes', concat(ftyp, box('moov', box('trak', box('mdia', box('minf', box('stbl', box('stco', u32(0), u32(0xffff_ffff)), box('stsc', u32(0), u32(1), u32(1), u32(0xffff_ffff), u32(1)), box('stsz', u32(0), u32(0), u32(0xffff_ffff))))))))],
		['elst claiming 2^32-1 edits', concat(ftyp, box('moov', box('trak', box('edts', box('elst', u32(0), u32(0xffff_ffff), u32(5), u32(0), u32(0x1_0000))))))],
		['20,000 empty moofs', concat(ftyp, fragmentedMoov, manyBoxes('moof', 20_000))],
		['moof inside traf inside moof, 10,000 levels', concat(ftyp, fragmentedMoov, nested(['moof', 'traf'], 10_000))],
		['1 MB of 0xff', new Uint8Array(1_000_000).fill(0xff)],
	];
	for (const [label, bytes] of loopers) {
		for (const limits of [undefined, { maxBoxes: 5 }, { maxDepth: 2 }]) campaign.run(label, bytes, limits);
	}
	return campaign;
}

/** Real files under tight limits: whatever the limits, the reader stays inside them. */
function limitSweeps(): Campaign {
	const campaign = new Campaign();
	for (const { name, bytes } of FIXTURES) {
		for (let maxDepth = 0; maxDepth <= 10; maxDepth++) {
			for (const maxBoxes of [0, 1, 2, 3, 5, 8, 13, 21, 34, 55]) {
				campaign.run(`${name} maxDepth ${maxDepth} maxBoxes ${maxBoxes}`, bytes, { maxBoxes, maxDepth });
			}
		}
	}
	return campaign;
}

/** Each campaign runs once, when a test first asks for it. */
const CAMPAIGNS = {
	'every prefix of every real file': truncations,
	'random bit flips in the real files': bitFlips,
	'random bit flips in fragment headers': fragmentFlips,
	'random byte arrays': randomBytes,
	'random box trees with lying sizes, fragments included': randomTrees,
	'hostile sizes on every real box': hostileSizes,
	'hostile trees (deep, huge, looping)': hostileTrees,
	'real files under tight limits': limitSweeps,
} as const;
type CampaignName = keyof typeof CAMPAIGNS;
const finished = new Map<CampaignName, Campaign>();
function campaign(name: CampaignName): Campaign {
	let result = finished.get(name);
	if (!result) {
		result = CAMPAIGNS[name]();
		finished.set(name, result);
	}
	return result;
}

describe('inspectMp4 fuzzing (deterministic): never throws, stays within its limits, never contradicts the whole file', () => {
	test.each(Object.keys(CAMPAIGNS) as CampaignName[])('%s: every case passes the sanity checks', (name) => {
		const result = campaign(name);
		expect(result.failures).toEqual([]);
		expect(result.cases).toBeGreaterThan(100);
		if (name.includes('fragment')) expect(result.fragmentedWithDuration).toBeGreaterThan(20);
	});

	test('all campaigns together: over 50,000 cases, none above 150,000 box headers (the largest maxBoxes tried)', () => {
		const all = (Object.keys(CAMPAIGNS) as CampaignName[]).map(campaign);
		expect(all.reduce((sum, result) => sum + result.cases, 0)).toBeGreaterThan(50_000);
		expect(Math.max(...all.map((result) => result.maxSteps))).toBeLessThanOrEqual(150_000);
	});
});
