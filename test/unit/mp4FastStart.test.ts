/**
 * Move Index to Front without ffmpeg (nodes/ZApi/media/mp4/fastStart.ts) on real moov-at-end files:
 * the copy is the source with its moov in front and nothing else changed, checked independently
 * (test/fixtures/sameMovie.ts); the cases the node leaves alone say why.
 */
import { readFileSync } from 'node:fs';

import { layoutFastStart, moveIndexToFront } from '../../nodes/ZApi/media/mp4/fastStart';
import type { MovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import { bufferSource, joinPieces, readMovieIndex } from '../../nodes/ZApi/media/mp4/partAssembler';
import type { InlineMedia } from '../../nodes/ZApi/media/source';
import type { StreamedMedia } from '../../nodes/ZApi/media/splitSource';
import { FIXTURES, OTHER_LAYOUT_FIXTURES, SPLIT_FIXTURES } from '../fixtures';
import { expectSameMovieMovedToFront } from '../fixtures/sameMovie';

const MOOV_AT_END = {
	h264: FIXTURES.h264MoovAtEnd,
	quicktimeWithoutFtyp: OTHER_LAYOUT_FIXTURES.qtNoFtypMoovAtEnd,
	split65s: SPLIT_FIXTURES.moovAtEnd,
};

const inline = (content: Buffer): InlineMedia => ({ kind: 'inline', mimeType: 'video/mp4', bytes: content.length, content });

async function moved(media: InlineMedia | StreamedMedia, index?: MovieIndex): Promise<Buffer> {
	const move = await moveIndexToFront(media, index);
	if ('reason' in move) throw new Error(`not moved: ${move.reason}`);
	return Buffer.from(joinPieces({ length: move.moved.bytes, pieces: await piecesOf(move.moved) }));
}

/** What the request body reads from the moved copy, piece by piece. */
async function piecesOf(media: InlineMedia): Promise<Uint8Array[]> {
	const pieces: Uint8Array[] = [];
	for await (const piece of media.open!()) pieces.push(piece);
	return pieces;
}

async function reasonFor(file: Uint8Array): Promise<string | undefined> {
	const move = await moveIndexToFront(inline(Buffer.from(file)));
	return 'reason' in move ? move.reason : undefined;
}

/** The position of the first `type` box header found in the file (a plain byte search: fine for the fixtures). */
const find = (file: Buffer, type: string) => file.indexOf(type, 0, 'latin1') - 4;

describe('moving the index to the front', () => {
	test.each(Object.entries(MOOV_AT_END))('%s: the same movie, moov first, every other byte and every sample unchanged', async (_name, path) => {
		const source = readFileSync(path);
		await expectSameMovieMovedToFront(source, await moved(inline(source)));
	});

	test("gives exactly the file ffmpeg's -movflags +faststart made of the same recording", async () => {
		// make.sh writes h264-faststart.mp4 and h264-moov-at-end.mp4 from one encode, with and without +faststart.
		const output = await moved(inline(readFileSync(FIXTURES.h264MoovAtEnd)));
		expect(output.equals(readFileSync(FIXTURES.h264))).toBe(true);
	});

	test('the same bytes from a Buffer, Base64 text and a stream in small chunks, with or without the index already read', async () => {
		const source = readFileSync(SPLIT_FIXTURES.moovAtEnd);
		const expected = await moved(inline(source));
		const base64: InlineMedia = { kind: 'inline', mimeType: 'video/mp4', bytes: source.length, payload: source.toString('base64') };
		const streamed: StreamedMedia = { kind: 'streamed', mimeType: 'video/mp4', bytes: source.length, open: bufferSource(source, 1000) };
		const index = await readMovieIndex(bufferSource(source, 333), source.length);
		for (const output of [await moved(base64), await moved(streamed), await moved(inline(source), index)]) expect(output.equals(expected)).toBe(true);
	});

	test('memory: the copy is streamed as the new ftyp and moov plus views of the source, never a second copy of the media', async () => {
		const source = readFileSync(SPLIT_FIXTURES.moovAtEnd);
		const move = await moveIndexToFront(inline(source));
		if ('reason' in move) throw new Error(move.reason);
		// Nothing is read until the request body reads it; every read streams the copy again (a retry).
		expect(move.moved.content).toBeUndefined();
		expect(move.moved.payload).toBeUndefined();
		const [header, ...media] = await piecesOf(move.moved);
		expect(Buffer.concat(await piecesOf(move.moved)).equals(Buffer.concat([header, ...media]))).toBe(true);
		const index = await readMovieIndex(bufferSource(source), source.length);
		expect(header.length).toBe(index.fileType!.length + index.moov.length);
		expect(media.every((piece) => piece.buffer === source.buffer)).toBe(true);
	});

	test('a moov that was the last box with size 0 ("to the end of the file") gets its real size in front', async () => {
		const source = Buffer.from(readFileSync(FIXTURES.h264MoovAtEnd));
		source.writeUInt32BE(0, find(source, 'moov'));
		const output = await moved(inline(source));
		expect(output.equals(readFileSync(FIXTURES.h264))).toBe(true);
	});
});

describe('files left as they are, saying why', () => {
	test('media kept in another file (a data reference without the self-contained flag)', async () => {
		const source = Buffer.from(readFileSync(FIXTURES.h264MoovAtEnd));
		const url = find(source, 'url ');
		source[url + 11] = 0;
		expect(await reasonFor(source)).toBe('its media is kept in another file');
	});

	test('file positions the node does not rewrite: sample auxiliary information (saio)', async () => {
		const source = Buffer.from(readFileSync(FIXTURES.h264MoovAtEnd));
		source.write('saio', find(source, 'stss') + 4, 'latin1');
		expect(await reasonFor(source)).toBe('it holds sample auxiliary information (saio) at file positions the node does not rewrite');
	});

	test('a chunk offset pointing into the moov itself', async () => {
		const source = Buffer.from(readFileSync(FIXTURES.h264MoovAtEnd));
		source.writeUInt32BE(find(source, 'moov') + 8, find(source, 'stco') + 16);
		expect(await reasonFor(source)).toBe('its index points into itself');
	});

	test('a fragmented MP4, and a file whose boxes cannot be read', async () => {
		const fragmented = readFileSync(SPLIT_FIXTURES.fragmented);
		const index = await readMovieIndex(bufferSource(fragmented), fragmented.length);
		expect(layoutFastStart({ ...index, moovFirst: false, fragments: undefined }, fragmented.length)).toEqual({ reason: 'it is a fragmented MP4' });
		expect(await reasonFor(readFileSync(FIXTURES.webm))).toBe('its boxes could not be read');
	});

	test('random changes to the moov end in a layout or a reason, never in an exception', async () => {
		const source = readFileSync(FIXTURES.h264MoovAtEnd);
		const index = await readMovieIndex(bufferSource(source), source.length);
		let seed = 7;
		const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 0x8000_0000) / 0x8000_0000);
		for (let round = 0; round < 2000; round++) {
			const moov = index.moov.slice();
			for (let change = 0; change < 1 + Math.floor(random() * 4); change++) moov[Math.floor(random() * moov.length)] = Math.floor(random() * 256);
			const layout = layoutFastStart({ ...index, moov }, source.length);
			if (!('reason' in layout)) expect(layout.header.length + layout.copies.reduce((sum, copy) => sum + copy.length, 0)).toBe(source.length);
		}
	});
});
