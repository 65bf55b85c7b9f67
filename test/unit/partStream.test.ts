/**
 * Split parts read while they are posted (media/partStream.ts): each part's bytes, streamed from one
 * shared pass over the source, are exactly the part the assembler builds, whatever the chunk size;
 * a retry reads the same bytes again; a source that ends early is an error.
 */
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { bufferSource, joinPieces, prepareSplit } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { OpenSource } from '../../nodes/ZApi/media/mp4/partAssembler';
import { streamParts } from '../../nodes/ZApi/media/partStream';
import { SPLIT_FIXTURES } from '../fixtures';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
	const out: Buffer[] = [];
	for await (const chunk of chunks) out.push(Buffer.from(chunk));
	return Buffer.concat(out);
}

const cases = Object.entries(SPLIT_FIXTURES).filter(([name]) => name !== 'keyframeGap');

describe('streamParts', () => {
	test.each(cases)('%s: every part, streamed in order from one pass, is the assembled part byte for byte', async (_name, path) => {
		const source = readFileSync(path);
		for (const chunkBytes of [4096, 256 * 1024]) {
			const prepared = await prepareSplit(bufferSource(source, chunkBytes), source.length, { maxPartSeconds: 30, mode: 'split' });
			const expected: Buffer[] = [];
			for await (const part of prepared.parts()) expected.push(Buffer.from(joinPieces(part)));
			let opened = 0;
			const counted: OpenSource = () => {
				opened++;
				return bufferSource(source, chunkBytes)();
			};
			const { parts, close } = streamParts(counted, prepared.layouts, source.length);
			expect(parts.map((part) => part.length)).toEqual(expected.map((part) => part.length));
			for (const [index, part] of parts.entries()) expect((await collect(part.open())).equals(expected[index])).toBe(true);
			// One pass over the source for all the parts.
			expect(opened).toBe(1);
			await close();
		}
	});

	test('a part opened again (a retry) reads the source again and gives the same bytes; later parts are unaffected', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_180s);
		const prepared = await prepareSplit(bufferSource(source, 65536), source.length, { maxPartSeconds: 30, mode: 'split' });
		const expected: Buffer[] = [];
		for await (const part of prepared.parts()) expected.push(Buffer.from(joinPieces(part)));
		const { parts, close } = streamParts(bufferSource(source, 65536), prepared.layouts, source.length);
		// The first attempt at part 2 stops halfway (the request failed); the retry and part 3 are whole.
		await collect(parts[0].open());
		const first = parts[1].open()[Symbol.asyncIterator]();
		await first.next();
		await first.next();
		await first.return?.(undefined);
		expect((await collect(parts[1].open())).equals(expected[1])).toBe(true);
		expect((await collect(parts[2].open())).equals(expected[2])).toBe(true);
		await close();
	});

	test('a source that ends early fails the part being read', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_180s);
		const prepared = await prepareSplit(bufferSource(source, 65536), source.length, { maxPartSeconds: 30, mode: 'split' });
		const { parts, close } = streamParts(bufferSource(source.subarray(0, source.length - 5000), 65536), prepared.layouts, source.length);
		for (const part of parts.slice(0, -1)) await collect(part.open());
		const error = await collect(parts[parts.length - 1].open()).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toMatch(/^The video file ended after [\d,]+ bytes; [\d,]+ were expected$/);
		await close();
	});

	test('closing stops reading the source', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_180s);
		const prepared = await prepareSplit(bufferSource(source, 65536), source.length, { maxPartSeconds: 30, mode: 'split' });
		let closed = false;
		const open: OpenSource = async function* () {
			try {
				yield* bufferSource(source, 65536)();
			} finally {
				closed = true;
			}
		};
		const { parts, close } = streamParts(open, prepared.layouts, source.length);
		await collect(parts[0].open());
		expect(closed).toBe(false);
		await close();
		expect(closed).toBe(true);
	});
});
