/**
 * Split parts read while they are posted (media/partStream.ts): each part's bytes, streamed from one
 * shared pass over the source, are exactly the part its layout describes (built here directly from
 * the whole file, independently of the pass), whatever the chunk size;
 * a retry reads the same bytes again; a source that ends early is an error.
 */
import { readFileSync } from 'node:fs';

import { MediaError } from '../../nodes/ZApi/InputError';
import { bufferSource, prepareSplit } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { OpenSource } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { PartLayout } from '../../nodes/ZApi/media/mp4/partLayout';
import { streamPart, streamParts } from '../../nodes/ZApi/media/partStream';
import { SPLIT_FIXTURES } from '../fixtures';

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
	const out: Buffer[] = [];
	for await (const chunk of chunks) out.push(Buffer.from(chunk));
	return Buffer.concat(out);
}

/** A part built from its layout and the whole file: the header, then each copy at its target. */
function partFromLayout(source: Buffer, layout: PartLayout): Buffer {
	const part = Buffer.alloc(layout.bytes);
	part.set(layout.header, 0);
	for (const copy of layout.copies) part.set(source.subarray(copy.source, copy.source + copy.length), copy.target);
	return part;
}

const cases = Object.entries(SPLIT_FIXTURES).filter(([name]) => name !== 'keyframeGap');

describe('streamParts', () => {
	test.each(cases)('%s: every part, streamed in order from one pass, is the part its layout describes, byte for byte', async (_name, path) => {
		const source = readFileSync(path);
		for (const chunkBytes of [4096, 256 * 1024]) {
			const prepared = await prepareSplit(bufferSource(source, chunkBytes), source.length, { maxPartSeconds: 30, mode: 'split' });
			const expected = prepared.layouts.map((layout) => partFromLayout(source, layout));
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
		const expected = prepared.layouts.map((layout) => partFromLayout(source, layout));
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

	test('streamPart (one laid-out file, as the fast-start copy): the same bytes at every read, each closing the source when read or stopped', async () => {
		const source = readFileSync(SPLIT_FIXTURES.h264_180s);
		const prepared = await prepareSplit(bufferSource(source, 65536), source.length, { maxPartSeconds: 30, mode: 'split' });
		const layout = prepared.layouts[1];
		let open = 0;
		const counted: OpenSource = async function* () {
			open++;
			try {
				yield* bufferSource(source, 65536)();
			} finally {
				open--;
			}
		};
		const part = streamPart(counted, layout, source.length);
		expect((await collect(part())).equals(partFromLayout(source, layout))).toBe(true);
		expect(open).toBe(0);
		const stopped = part()[Symbol.asyncIterator]();
		await stopped.next();
		await stopped.next();
		await stopped.return?.(undefined);
		expect(open).toBe(0);
		expect((await collect(part())).equals(partFromLayout(source, layout))).toBe(true);
	});
});
