import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { box, concat, latin1, u32, u64 } from './fixtures/boxes';

import {
	DEFAULT_MP4_INSPECTION_LIMITS,
	inspectMp4WithStats,
	type Mp4Inspection,
	type Mp4InspectionLimits,
	type Mp4InspectionStats,
	type Mp4TrackInfo,
} from '../nodes/ZApi/media/mp4Inspector';

/*
 * Deterministic fuzzing of the MP4 reader. Every case runs while the suite is collected so the
 * test names can carry the counts; the tests then assert that no case failed.
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
];
const FIXTURES = FIXTURE_NAMES.map((name) => ({ name, bytes: Uint8Array.from(readFileSync(join(MEDIA, name))) }));

/** xorshift32: small, seeded, the same sequence on every run. */
function seededRandom(seed: number): { next: () => number; below: (limit: number) => number } {
	let state = seed >>> 0 || 1;
	const next = (): number => {
		state ^= state << 13;
		state >>>= 0;
		state ^= state >>> 17;
		state ^= state << 5;
		state >>>= 0;
		return state / 0x1_0000_0000;
	};
	return { next, below: (limit) => Math.floor(next() * limit) };
}

// ---- Byte helpers ----

const writeU32 = (bytes: Uint8Array, offset: number, value: number): void => bytes.set(u32(value), offset);

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'udta', 'dinf', 'mvex']);

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
	check(result.fastStart === undefined || typeof result.fastStart === 'boolean', 'fastStart type');
	check(result.brand === undefined || /^[\x20-\x7e\xa9]{0,3}[\x21-\x7e\xa9]$/.test(result.brand), `brand ${JSON.stringify(result.brand)}`);
	check(result.videoCodecTag === undefined || PRINTABLE_FOURCC.test(result.videoCodecTag), 'video tag');
	check(result.tracks.length <= stats.steps, 'more tracks than boxes read');
	const video = result.tracks.find((track) => track.kind === 'video');
	const audio = result.tracks.find((track) => track.kind === 'audio');
	check(result.videoCodec === video?.codecName && result.videoCodecTag === video?.codec, 'top-level video facts differ from the first video track');
	check(result.audioCodec === audio?.codecName, 'top-level audio codec differs from the first audio track');
	check(result.width === video?.width && result.height === video?.height, 'top-level size differs from the first video track');
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

const TOP_LEVEL_FACTS = ['container', 'brand', 'durationSeconds', 'videoCodec', 'videoCodecTag', 'audioCodec', 'width', 'height', 'fastStart'] as const;

/** "Unknown beats wrong": a prefix of a good file may know less than the whole file, never something else. */
function prefixProblems(prefix: Mp4Inspection, whole: Mp4Inspection): string[] {
	const problems: string[] = [];
	for (const fact of TOP_LEVEL_FACTS) {
		if (prefix[fact] !== undefined && prefix[fact] !== whole[fact] && !(fact === 'container' && prefix[fact] === 'unknown')) {
			problems.push(`${fact}: ${String(prefix[fact])} but the whole file says ${String(whole[fact])}`);
		}
	}
	if (prefix.tracks.length > whole.tracks.length) problems.push('more tracks than the whole file');
	prefix.tracks.forEach((track, index) => {
		const wholeTrack: Mp4TrackInfo | undefined = whole.tracks[index];
		for (const [fact, value] of Object.entries(track)) {
			if (fact === 'kind' && value === 'other') continue;
			if (wholeTrack?.[fact as keyof Mp4TrackInfo] !== value) problems.push(`track ${index} ${fact}: ${String(value)}`);
		}
	});
	return problems;
}

class Campaign {
	cases = 0;
	maxSteps = 0;
	deepestLevel = 0;
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
		const expectedMaxBoxes = limits?.maxBoxes ?? DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes;
		const expectedMaxDepth = limits?.maxDepth ?? DEFAULT_MP4_INSPECTION_LIMITS.maxDepth;
		const problems = [
			...sanityProblems(inspection, stats),
			...(stats.maxBoxes === expectedMaxBoxes && stats.maxDepth === expectedMaxDepth ? [] : ['limits not applied']),
			...(extraCheck?.(inspection, stats) ?? []),
		];
		if (problems.length > 0) this.fail(label, problems);
		return inspection;
	}

	/** Summary line: counts and the most work any case took. */
	get summary(): string {
		return `${this.cases} cases, max ${this.maxSteps} steps, deepest level ${this.deepestLevel}, ${this.failureCount} failures`;
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
	'': ['ftyp', 'moov', 'moov', 'mdat', 'free'],
	moov: ['mvhd', 'trak', 'trak', 'mvex', 'udta', 'cmov'],
	trak: ['tkhd', 'mdia', 'mdia', 'edts'],
	mdia: ['mdhd', 'hdlr', 'minf', 'minf'],
	minf: ['stbl', 'stbl', 'vmhd', 'dinf'],
	stbl: ['stsd', 'stsd', 'stts'],
	stsd: ['avc1', 'hvc1', 'mp4v', 'encv', 'mp4a', 'enca', 'Opus'],
	avc1: ['avcC', 'pasp'],
	hvc1: ['hvcC'],
	mp4v: ['esds'],
	encv: ['sinf', 'esds'],
	mp4a: ['esds', 'wave'],
	enca: ['sinf', 'esds', 'wave'],
	wave: ['frma', 'mp4a', 'esds'],
	sinf: ['frma', 'schm'],
};
const ANY_TYPES = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'mvhd', 'tkhd', 'mdhd', 'hdlr', 'mdat', 'free', 'esds', 'wave', 'sinf', 'frma', '\xa9nam', 'uuid'];
/** Typical content lengths of the leaves the reader parses, per full-box version 0 and 1. */
const LEAF_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
	ftyp: [16, 16],
	mvhd: [100, 112],
	tkhd: [84, 96],
	mdhd: [24, 36],
	hdlr: [25, 25],
	frma: [4, 4],
	esds: [27, 27],
};
const VISUAL_ENTRIES = new Set(['avc1', 'hvc1', 'mp4v', 'encv']);
const AUDIO_ENTRIES = new Set(['mp4a', 'enca', 'Opus']);

/** Random trees shaped like real files, with sizes that are right most of the time and lie otherwise. */
function randomTrees(): Campaign {
	const campaign = new Campaign();
	const random = seededRandom(0x5eed_0003);
	const pick = <T>(items: readonly T[]): T => items[random.below(items.length)];
	const randomPayload = (length: number): Uint8Array =>
		Uint8Array.from({ length }, () => (random.next() < 0.5 ? 0 : random.below(256)));

	const leafContent = (type: string): Uint8Array => {
		const version = random.below(4) === 0 ? 1 : random.below(8) === 0 ? 2 : 0;
		const typical = LEAF_LENGTHS[type]?.[version === 1 ? 1 : 0];
		const length = typical !== undefined && random.next() < 0.7 ? typical : random.below(120);
		const content = randomPayload(length);
		if (length > 0) content[0] = version;
		if (type === 'hdlr' && length >= 12) content.set(latin1(pick(['vide', 'soun', 'soun', 'text', 'xxxx'])), 8);
		if ((type === 'frma' || type === 'ftyp') && length >= 4) content.set(latin1(pick(['avc1', 'mp4a', 'isom', 'qt  ', 'mp4v'])), 0);
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

	for (let round = 0; round < 3_000; round++) {
		const file = node('', 0);
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

describe('inspectMp4 fuzzing (deterministic)', () => {
	const started = Date.now();
	const campaigns: Array<[string, Campaign]> = [
		['every prefix of every real file', truncations()],
		['random bit flips in the real files', bitFlips()],
		['random byte arrays', randomBytes()],
		['random box trees with lying sizes', randomTrees()],
		['hostile sizes on every real box', hostileSizes()],
		['hostile trees (deep, huge, looping)', hostileTrees()],
		['real files under tight limits', limitSweeps()],
	];
	const elapsedSeconds = ((Date.now() - started) / 1_000).toFixed(1);

	test.each(campaigns.map(([name, campaign]) => [`${name}: ${campaign.summary}`, campaign] as const))('%s', (_, campaign) => {
		expect(campaign.failures).toEqual([]);
	});

	const total = campaigns.reduce((sum, [, campaign]) => sum + campaign.cases, 0);
	const maxSteps = Math.max(...campaigns.map(([, campaign]) => campaign.maxSteps));
	test(`summary: ${total} cases in ${elapsedSeconds} s, max ${maxSteps} steps (limit ${DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes})`, () => {
		expect(total).toBeGreaterThan(5_000);
		expect(maxSteps).toBeLessThanOrEqual(150_000);
	});
});
