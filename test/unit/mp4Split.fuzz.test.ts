/**
 * Deterministic fuzzing of the splitter (sample table reader, planner, writer, assembler): hostile
 * moov boxes must end in a MediaError or in valid parts, never in another exception, an endless
 * loop or an allocation beyond the file's own size.
 */
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { bufferSource, prepareSplit } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { SplitOptions } from '../../nodes/ZApi/media/mp4/planParts';
import { SPLIT_FIXTURES } from '../fixtures';
import { box, concat, latin1, u16, u32, zeros } from '../fixtures/boxes';
import { seededRandom } from '../fixtures/seededRandom';

const SOURCES = [SPLIT_FIXTURES.h264_61s, SPLIT_FIXTURES.bFrames70s, SPLIT_FIXTURES.editList, SPLIT_FIXTURES.moovAtEnd, SPLIT_FIXTURES.fragmented].map((path) =>
	readFileSync(path),
);
const FRAGMENTED = SOURCES[SOURCES.length - 1];
const TABLES = ['mvhd', 'tkhd', 'mdhd', 'hdlr', 'elst', 'stsd', 'stts', 'ctts', 'stss', 'stsc', 'stsz', 'stco', 'trex', 'mfhd', 'tfhd', 'tfdt', 'trun'];
/** Fragment boxes repeat once per fragment: the first few of each are enough. */
const OCCURRENCES_PER_TABLE = 4;
const EXTREMES = [0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x0001_0000, 1_000_001];

interface Outcome {
	kind: 'parts' | 'media-error' | 'other-error';
	detail?: string;
	/** Bytes the parts were laid out to take, to check allocation stays within the file. */
	partBytes: number;
}

async function attempt(file: Buffer, options: SplitOptions = { maxPartSeconds: 60, mode: 'split' }): Promise<Outcome> {
	try {
		const prepared = await prepareSplit(bufferSource(file, 8192), file.length, options);
		const partBytes = prepared.layouts.reduce((sum, layout) => sum + layout.bytes, 0);
		// The header of each part is bounded by the sample count (itself bounded); the media by the file.
		const headers = prepared.layouts.reduce((sum, layout) => sum + layout.header.length, 0);
		if (partBytes - headers > 2 * file.length) return { kind: 'other-error', detail: `laid out ${partBytes} bytes`, partBytes };
		for await (const part of prepared.parts()) void part;
		return { kind: 'parts', partBytes };
	} catch (error) {
		// The catch-all wrappers keep the node safe, but reaching them means a check is missing.
		const caughtByCatchAll = error instanceof MediaError && /unexpected structure|could not be split \(|could not be put back together/.test(error.message);
		if (error instanceof MediaError && !caughtByCatchAll) return { kind: 'media-error', partBytes: 0 };
		return { kind: 'other-error', detail: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error), partBytes: 0 };
	}
}

function tableOffsets(file: Buffer): Array<{ type: string; at: number; size: number }> {
	const found: Array<{ type: string; at: number; size: number }> = [];
	for (const type of TABLES) {
		let at = file.indexOf(type);
		for (let seen = 0; at >= 4 && seen < OCCURRENCES_PER_TABLE; seen++) {
			found.push({ type, at: at - 4, size: file.readUInt32BE(at - 4) });
			at = file.indexOf(type, at + 4);
		}
	}
	return found;
}

describe('splitter fuzzing', () => {
	test('overwriting every count and field of every table with extreme values', async () => {
		const failures: string[] = [];
		let cases = 0;
		for (const source of SOURCES) {
			for (const table of tableOffsets(source)) {
				// Header size, version/flags, then the first fields (counts, sizes, durations, entries).
				for (let field = 8; field < Math.min(table.size, 40); field += 4) {
					for (const value of EXTREMES) {
						const file = Buffer.from(source);
						file.writeUInt32BE(value, table.at + field);
						cases++;
						const outcome = await attempt(file);
						if (outcome.kind === 'other-error') failures.push(`${table.type}+${field}=${value}: ${outcome.detail}`);
					}
				}
			}
		}
		expect(cases).toBeGreaterThan(2000);
		expect(failures).toEqual([]);
	});

	test('random byte changes inside the moov', async () => {
		const failures: string[] = [];
		const outcomes = { parts: 0, 'media-error': 0 };
		for (let seed = 1; seed <= 400; seed++) {
			const random = seededRandom(seed).below;
			const source = SOURCES[seed % SOURCES.length];
			const moovAt = source.indexOf('moov') - 4;
			const moovSize = source.readUInt32BE(moovAt);
			const file = Buffer.from(source);
			for (let change = 1 + random(8); change > 0; change--) file[moovAt + 8 + random(moovSize - 8)] = random(256);
			// Part lengths from 0.5 s to 90 s, splitting and trimming: the planner sees odd limits too.
			const options: SplitOptions = { maxPartSeconds: 0.5 + random(180) / 2, mode: seed % 3 === 0 ? 'trim' : 'split' };
			const outcome = await attempt(file, options);
			if (outcome.kind === 'other-error') failures.push(`seed ${seed}: ${outcome.detail}`);
			else outcomes[outcome.kind]++;
		}
		expect(failures).toEqual([]);
		// Both ends are exercised: some changes leave a splittable file, others are caught.
		expect(outcomes.parts).toBeGreaterThan(0);
		expect(outcomes['media-error']).toBeGreaterThan(0);
	});

	test('random byte changes inside the fragments (moof) of a fragmented MP4', async () => {
		const failures: string[] = [];
		const moofs: Array<{ at: number; size: number }> = [];
		for (let at = FRAGMENTED.indexOf('moof'); at >= 4; at = FRAGMENTED.indexOf('moof', at + 4)) moofs.push({ at: at - 4, size: FRAGMENTED.readUInt32BE(at - 4) });
		expect(moofs.length).toBeGreaterThan(30);
		const outcomes = { parts: 0, 'media-error': 0 };
		for (let seed = 1; seed <= 300; seed++) {
			const random = seededRandom(seed).below;
			const file = Buffer.from(FRAGMENTED);
			for (let change = 1 + random(6); change > 0; change--) {
				const moof = moofs[random(moofs.length)];
				file[moof.at + 8 + random(moof.size - 8)] = random(256);
			}
			const outcome = await attempt(file, { maxPartSeconds: 5 + random(60), mode: seed % 4 === 0 ? 'trim' : 'split' });
			if (outcome.kind === 'other-error') failures.push(`seed ${seed}: ${outcome.detail}`);
			else outcomes[outcome.kind]++;
		}
		expect(failures).toEqual([]);
		expect(outcomes.parts).toBeGreaterThan(0);
		expect(outcomes['media-error']).toBeGreaterThan(0);
	});

	test('every truncation of the moov', async () => {
		const failures: string[] = [];
		const source = SOURCES[0];
		const moovAt = source.indexOf('moov') - 4;
		const moovSize = source.readUInt32BE(moovAt);
		for (let cut = 0; cut < moovSize; cut += 13) {
			const file = Buffer.concat([source.subarray(0, moovAt + cut)]);
			const outcome = await attempt(file);
			if (outcome.kind === 'other-error') failures.push(`cut ${cut}: ${outcome.detail}`);
			expect(outcome.kind).toBe('media-error');
		}
		expect(failures).toEqual([]);
	});

	test('a sample size table claiming four billion one-byte samples is refused before anything is allocated', async () => {
		const file = Buffer.from(SOURCES[0]);
		const stsz = file.indexOf('stsz') - 4;
		file.writeUInt32BE(1, stsz + 12); // constant size 1
		file.writeUInt32BE(0xffff_ffff, stsz + 16); // sample count
		const outcome = await attempt(file);
		expect(outcome.kind).toBe('media-error');
	});
});

describe('work stays bounded on huge, valid-looking tables', () => {
	/** A million one-byte, one-second keyframes: as many samples as the reader accepts. */
	function millionKeyframes(): Buffer {
		const count = 1_000_000;
		const full = (type: string, ...payload: Uint8Array[]) => box(type, u32(0), ...payload);
		const moov = (mdatStart: number) =>
			box(
				'moov',
				full('mvhd', zeros(8), u32(1), u32(count), zeros(80)),
				box(
					'trak',
					full('tkhd', zeros(8), u32(1), zeros(4), u32(count), zeros(60)),
					box(
						'mdia',
						full('mdhd', zeros(8), u32(1), u32(count), zeros(4)),
						full('hdlr', u32(0), latin1('vide'), zeros(13)),
						box(
							'minf',
							full('vmhd', zeros(8)),
							box(
								'stbl',
								full('stsd', u32(1), box('avc1', zeros(6), u16(1), zeros(16), u16(64), u16(48), zeros(50))),
								full('stts', u32(1), u32(count), u32(1)),
								full('stsc', u32(1), u32(1), u32(count), u32(1)),
								full('stsz', u32(1), u32(count)),
								full('stco', u32(1), u32(mdatStart)),
							),
						),
					),
				),
			);
		const ftyp = box('ftyp', latin1('isom'), u32(512), latin1('isom'));
		const headerBytes = ftyp.length + moov(0).length + 8;
		return Buffer.from(concat(ftyp, moov(headerBytes), box('mdat', zeros(count))));
	}

	test('splitting stops at the part limit, trimming takes the first minute', async () => {
		const file = millionKeyframes();
		const split = await attempt(file);
		expect(split.kind).toBe('media-error');
		const error = await prepareSplit(bufferSource(file), file.length, { maxPartSeconds: 60, mode: 'split' }).catch((caught: unknown) => caught);
		expect((error as Error).message).toBe('The video (1000000.0 s) would become more than 100 statuses of at most 60 s (it needs 16667)');
		const trimmed = await prepareSplit(bufferSource(file), file.length, { maxPartSeconds: 60, mode: 'trim' });
		expect(trimmed.plan.parts).toHaveLength(1);
		expect(trimmed.layouts[0].bytes - trimmed.layouts[0].header.length).toBe(60);
	});
});
