/**
 * Deterministic fuzzing of the one box walker (nodes/ZApi/media/mp4/boxWalker.ts) and of the
 * stream scanner that shares its header parser (readMovieIndex): generated box trees with hostile
 * sizes (0, 1 with any largesize, past the parent, below the header) and types, and real files
 * with damaged headers, under random budgets. Every case checks that the walker never throws,
 * keeps within its budgets, only returns boxes inside their parents, reads the same from bytes
 * and from Base64, and that the scanner finds the moov the walker finds.
 */
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { base64ByteSource, byteSourceOf, type ByteSource } from '../../nodes/ZApi/media/bytes';
import { isHeaderProblem, parseBoxHeader } from '../../nodes/ZApi/media/mp4/boxHeader';
import { BoxWalker, type Box, type BoxBudget, type Region } from '../../nodes/ZApi/media/mp4/boxWalker';
import { bufferSource, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import { FIXTURES, OTHER_LAYOUT_FIXTURES, SPLIT_FIXTURES } from '../fixtures';
import { concat, latin1, u32, u64 } from '../fixtures/boxes';
import { seededRandom } from '../fixtures/seededRandom';

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'mvex', 'moof', 'traf', 'udta', 'dinf']);
const TYPES = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'moof', 'traf', 'mdat', 'free', 'ftyp', 'uuid', 'stsd', '\u00a9nam'];

/** A random box tree, some headers hostile. */
function randomTree(random: (limit: number) => number, depth: number): Uint8Array {
	const boxes: Uint8Array[] = [];
	const count = random(4);
	for (let index = 0; index < count; index++) {
		const type = TYPES[random(TYPES.length)];
		const content = depth < 6 && CONTAINERS.has(type) && random(3) > 0 ? randomTree(random, depth + 1) : new Uint8Array(random(24));
		const typeBytes = random(20) === 0 ? Uint8Array.of(random(256), random(256), random(256), random(256)) : latin1(type);
		const size = 8 + content.length;
		switch (random(12)) {
			case 0:
				boxes.push(concat(u32(0), typeBytes, content));
				break;
			case 1:
				boxes.push(concat(u32(1), typeBytes, u64(BigInt(size + 8)), content));
				break;
			case 2:
				boxes.push(concat(u32(1), typeBytes, u64(BigInt(random(2) ? random(64) : 2 ** 40 + random(1000))), content));
				break;
			case 3:
				boxes.push(concat(u32(size + random(64)), typeBytes, content));
				break;
			case 4:
				boxes.push(concat(u32(random(8)), typeBytes, content));
				break;
			default:
				boxes.push(concat(u32(size), typeBytes, content));
		}
	}
	if (random(8) === 0) boxes.push(new Uint8Array(random(8)));
	return concat(...boxes);
}

/** Real files with a few header bytes (sizes and types) overwritten. */
const REAL = [FIXTURES.h264, FIXTURES.h264MoovAtEnd, FIXTURES.quicktime, OTHER_LAYOUT_FIXTURES.fragKeyframe, OTHER_LAYOUT_FIXTURES.cmaf, SPLIT_FIXTURES.editList].map(
	(path) => Uint8Array.from(readFileSync(path)),
);

interface Walked {
	boxes: string[];
	problems: string[];
	steps: number;
	bytesRead: number;
	deepestLevel: number;
	/** The first whole top-level moov, when the top level read cleanly. */
	moov?: Uint8Array;
	topLevelClean: boolean;
}

/** Walks everything, checking the walker's invariants as it goes; returns what it saw. */
function walkAll(source: ByteSource, budget: BoxBudget, bytes: Uint8Array, failures: string[], label: string): Walked {
	const problems: string[] = [];
	const walker = new BoxWalker(source, budget, (problem) => problems.push(`${problem.kind}:${problem.message}`));
	const boxes: string[] = [];
	const check = (condition: boolean, what: string) => {
		if (!condition) failures.push(`${label}: ${what}`);
	};
	let moov: Uint8Array | undefined;
	const walkRegion = (region: Region) => {
		let previousEnd = region.start;
		walker.walk(region, (box: Box) => {
			boxes.push(`${box.level}:${box.type}@${box.start}-${box.end}`);
			check(box.start === previousEnd, `box ${box.type} at ${box.start} does not follow the previous one (${previousEnd})`);
			check(box.start >= region.start && box.end <= region.end && box.contentStart <= box.end, `box ${box.type} ${box.start}-${box.end} outside ${region.start}-${region.end}`);
			check(box.level === region.level && box.level <= budget.maxDepth, `box level ${box.level}`);
			check(box.truncated || !region.cutShort || box.cutShort, 'cutShort not inherited');
			// The shared header parser agrees with what the walker returned.
			const parsed = parseBoxHeader(bytes.subarray(box.start, box.start + 16), region.end - box.start);
			check(!isHeaderProblem(parsed) && parsed.type === box.type && box.contentStart - box.start === parsed.headerSize, `header of ${box.type} at ${box.start} parsed differently`);
			if (!isHeaderProblem(parsed)) check(box.truncated ? parsed.size > region.end - box.start : box.end - box.start === parsed.size, `size of ${box.type} at ${box.start}`);
			previousEnd = box.end;
			if (box.level === 1 && box.type === 'moov' && !box.truncated && moov === undefined) moov = bytes.slice(box.start, box.end);
			if (CONTAINERS.has(box.type)) walkRegion(walker.childrenOf(box));
		});
	};
	let topLevelClean = true;
	const before = problems.length;
	try {
		walkRegion(walker.file());
	} catch (error) {
		failures.push(`${label}: threw ${String(error)}`);
	}
	topLevelClean = problems.length === before;
	check(walker.steps <= budget.maxBoxes, `steps ${walker.steps} > ${budget.maxBoxes}`);
	check(walker.bytesRead <= budget.maxBytes, `bytesRead ${walker.bytesRead} > ${budget.maxBytes}`);
	check(walker.deepestLevel <= budget.maxDepth, `deepestLevel ${walker.deepestLevel} > ${budget.maxDepth}`);
	return { boxes, problems, steps: walker.steps, bytesRead: walker.bytesRead, deepestLevel: walker.deepestLevel, moov, topLevelClean };
}

function randomBudget(random: (limit: number) => number): BoxBudget {
	return {
		maxBoxes: random(4) === 0 ? random(20) : 10_000,
		maxDepth: random(4) === 0 ? random(6) : 16,
		maxBytes: random(4) === 0 ? random(4_000) : 4 * 1024 * 1024,
	};
}

/** One case: the walker over bytes and over Base64, and the stream scanner over the same bytes. */
async function fuzzCase(bytes: Uint8Array, budget: BoxBudget, failures: string[], label: string): Promise<void> {
	const fromBytes = walkAll(byteSourceOf(bytes), budget, bytes, failures, label);
	const fromBase64 = walkAll(base64ByteSource(Buffer.from(bytes).toString('base64'), bytes.length), budget, bytes, failures, `${label} (Base64)`);
	if (JSON.stringify(fromBytes) !== JSON.stringify(fromBase64)) failures.push(`${label}: bytes and Base64 read differently`);

	// The scanner: only MediaErrors, and the walker's moov when the walker read the top level cleanly without stopping.
	try {
		const index = await readMovieIndex(bufferSource(bytes, 1 + (bytes.length % 997)), bytes.length);
		const unlimited = budget.maxBoxes >= 10_000 && budget.maxBytes >= 4 * 1024 * 1024 && budget.maxDepth >= 16;
		if (unlimited && fromBytes.moov && index.moov.length !== fromBytes.moov.length) failures.push(`${label}: scanner and walker found different moov boxes`);
	} catch (error) {
		if (!(error instanceof MediaError)) failures.push(`${label}: scanner threw ${String(error)}`);
	}
}

describe('fuzzing the box walker and the stream scanner', () => {
	test('2,000 generated box trees with hostile sizes and types, under random budgets', async () => {
		const random = seededRandom(0x0b0c_0001).below;
		const failures: string[] = [];
		for (let round = 0; round < 2_000; round++) {
			const tree = randomTree(random, 1);
			await fuzzCase(tree, randomBudget(random), failures, `tree ${round}`);
		}
		expect(failures.slice(0, 10)).toEqual([]);
	});

	test('1,500 real files with box headers overwritten', async () => {
		const random = seededRandom(0x0b0c_0002).below;
		const failures: string[] = [];
		for (let round = 0; round < 1_500; round++) {
			const file = REAL[round % REAL.length].slice();
			// Header positions of the file as it is, so the damage lands on sizes and types.
			const headers: number[] = [];
			const walker = new BoxWalker(byteSourceOf(file), { maxBoxes: 10_000, maxDepth: 16, maxBytes: 1e9 }, () => undefined);
			const collect = (region: Region) =>
				walker.walk(region, (box) => {
					headers.push(box.start);
					if (CONTAINERS.has(box.type)) collect(walker.childrenOf(box));
				});
			collect(walker.file());
			for (let hits = 1 + random(3); hits > 0; hits--) {
				const at = headers[random(headers.length)] + random(8);
				const values = [0, 1, 7, 8, 0xff, random(256)];
				file[at] = values[random(values.length)];
			}
			const cut = random(5) === 0 ? file.subarray(0, random(file.length)) : file;
			await fuzzCase(cut, randomBudget(random), failures, `real ${round}`);
		}
		expect(failures.slice(0, 10)).toEqual([]);
	});

	test('every truncation of a small file', async () => {
		const file = REAL[0];
		const failures: string[] = [];
		for (let length = 0; length <= file.length; length += 1 + (length % 7)) {
			await fuzzCase(file.subarray(0, length), { maxBoxes: 10_000, maxDepth: 16, maxBytes: 4 * 1024 * 1024 }, failures, `cut at ${length}`);
		}
		expect(failures.slice(0, 10)).toEqual([]);
	});
});
