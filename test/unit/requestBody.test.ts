import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { base64Pieces, base64TextPieces } from '../../nodes/ZApi/media/base64';
import { MediaError } from '../../nodes/ZApi/InputError';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4/inspector';
import { bufferSource } from '../../nodes/ZApi/media/mp4/partAssembler';
import { JsonFileBody, mediaRequestBody } from '../../nodes/ZApi/media/requestBody';
import type { InlineMedia } from '../../nodes/ZApi/media/source';
import { readFileOutline } from '../../nodes/ZApi/media/storedFile';

let seed = 7;
const random = (limit: number) => {
	seed = (seed * 1103515245 + 12345) % 0x8000_0000;
	return seed % limit;
};
const randomBytes = (length: number) => Buffer.from(Uint8Array.from({ length }, () => random(256)));

async function collect(chunks: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
	const out: Buffer[] = [];
	for await (const chunk of chunks) out.push(Buffer.from(chunk));
	return Buffer.concat(out);
}

describe('base64Pieces (a file encoded chunk by chunk)', () => {
	test('gives exactly the Base64 of the joined bytes, whatever the chunk lengths, as strings of at most 124 KiB', async () => {
		for (let round = 0; round < 300; round++) {
			const chunks = Array.from({ length: random(12) }, () => randomBytes(random(round % 3 === 0 ? 7 : 200_000)));
			const pieces: string[] = [];
			for await (const piece of base64Pieces(chunks)) pieces.push(piece);
			expect(pieces.join('')).toBe(Buffer.concat(chunks).toString('base64'));
			for (const piece of pieces) {
				expect(typeof piece).toBe('string');
				expect(piece.length).toBeLessThanOrEqual(124 * 1024);
			}
		}
	});

	test('base64TextPieces hands the text on unchanged, 124 KiB at a time', () => {
		const text = randomBytes(400_001).toString('base64');
		const pieces = [...base64TextPieces(text)];
		expect(pieces.join('')).toBe(text);
		expect(pieces.map((piece) => piece.length)).toEqual([126_976, 126_976, 126_976, 126_976, text.length - 4 * 126_976]);
	});
});

describe('JsonFileBody (the request body, streamed)', () => {
	const file = randomBytes(1_000_003);
	const expected = Buffer.from(JSON.stringify({ video: `data:video/mp4;base64,${file.toString('base64')}`, caption: 'Olá "x"' }), 'utf8');

	const sources: Array<[string, InlineMedia]> = [
		['bytes in memory', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, content: file }],
		['Base64 text', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, payload: file.toString('base64') }],
		['pieces of uneven sizes (a split part)', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, open: async function* () { yield* [file.subarray(0, 5), file.subarray(5, 70_001), file.subarray(70_001)]; } }],
		['a stored file (a stream of 256 KiB chunks)', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, open: bufferSource(file, 256 * 1024) }],
	];

	test.each(sources)('%s: exactly the JSON body, its length announced beforehand, the same bytes every time it is read', async (_name, media) => {
		const body = mediaRequestBody('video', media, { caption: 'Olá "x"' }) as JsonFileBody;
		expect(body).toBeInstanceOf(JsonFileBody);
		expect(Object.prototype.toString.call(body)).toBe('[object Blob]');
		expect(body.type).toBe('application/json');
		expect(body.size).toBe(expected.length);
		expect((await collect(body.stream())).equals(expected)).toBe(true);
		expect((await collect(body.stream())).equals(expected)).toBe(true);
		expect(body.failure).toBeUndefined();
	});

	test('a link stays an object', () => {
		expect(mediaRequestBody('video', { kind: 'link', url: 'https://example.com/a.mp4' }, { caption: 'c' })).toEqual({ video: 'https://example.com/a.mp4', caption: 'c' });
	});

	test('a source that fails halfway ends the stream with a MediaError, before the end of the body', async () => {
		const failing = async function* () {
			yield file.subarray(0, 300_000);
			throw Object.assign(new Error("ENOENT: no such file or directory, open '/data/binary/x'"), { code: 'ENOENT' });
		};
		const body = mediaRequestBody('video', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, open: failing }) as JsonFileBody;
		const received: Buffer[] = [];
		const error = await (async () => {
			for await (const chunk of body.stream()) received.push(Buffer.from(chunk));
		})().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect(body.failure).toBe(error);
		expect((error as MediaError).message).toBe(
			'The video could not be read while it was being sent (ENOENT). Nothing was posted: the request was cut off before its end, so Z-API did not take it',
		);
		expect(Buffer.concat(received).length).toBeLessThan(body.size);
	});

	test.each([
		['shorter', file.subarray(0, 600_000), /^The video file ended after about 600,000 of the 1,000,003 bytes n8n recorded\. Nothing was posted/],
		['longer', Buffer.concat([file, Buffer.alloc(10)]), /^The video file is longer than the 1,000,003 bytes n8n recorded\. Nothing was posted/],
	])('a stored file %s than n8n recorded fails before the body is complete', async (_name, actual, message) => {
		const body = mediaRequestBody('video', { kind: 'inline', mimeType: 'video/mp4', bytes: file.length, open: bufferSource(actual, 65_536 * 3) }) as JsonFileBody;
		const received: Buffer[] = [];
		const error = await (async () => {
			for await (const chunk of body.stream()) received.push(Buffer.from(chunk));
		})().catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(MediaError);
		expect((error as MediaError).message).toMatch(message);
		expect(Buffer.concat(received).length).toBeLessThan(body.size);
	});

	test('release() stops reading the file when an attempt ends early', async () => {
		let closed = false;
		const source = async function* () {
			try {
				for (let index = 0; index < 100; index++) yield file.subarray(0, 30_000);
			} finally {
				closed = true;
			}
		};
		const body = mediaRequestBody('video', { kind: 'inline', mimeType: 'video/mp4', bytes: 3_000_000, open: source }) as JsonFileBody;
		const iterator = body.stream();
		await iterator.next();
		await iterator.next();
		expect(closed).toBe(false);
		body.release();
		await new Promise((resolve) => setImmediate(resolve));
		expect(closed).toBe(true);
	});
});

describe('readFileOutline (a stored file, for the checks, without its media data)', () => {
	const media = join(__dirname, '..', 'fixtures', 'media');
	const files = readdirSync(media).filter((name) => /\.(mp4|mov|webm|png|m4a)$/.test(name));

	test.each(files)('%s: the MP4 reader gives the same verdict as from the whole file, whatever the chunk size', async (name) => {
		const bytes = readFileSync(join(media, name));
		const whole = inspectMp4(bytes);
		for (const chunk of [7, 4096, 192 * 1024]) {
			const outline = await readFileOutline(bufferSource(bytes, chunk), bytes.length, true);
			expect(inspectMp4(outline)).toEqual(whole);
			expect(Buffer.from(outline.read(0, 64)).equals(bytes.subarray(0, 64))).toBe(true);
		}
	});

	test('keeps far less than the file: the media data is not held', async () => {
		const bytes = readFileSync(join(media, 'split-h264-180s.mp4'));
		const outline = await readFileOutline(bufferSource(bytes, 4096), bytes.length, true);
		let zeros = 0;
		const all = outline.read(0, bytes.length);
		for (let index = 64 * 1024; index < all.length; index++) if (all[index] === 0 && bytes[index] !== 0) zeros++;
		expect(all.length).toBe(bytes.length);
		expect(zeros).toBeGreaterThan(bytes.length / 2);
	});

	test('a stored file shorter than n8n recorded is an error', async () => {
		const bytes = readFileSync(join(media, files[0]));
		await expect(readFileOutline(bufferSource(bytes.subarray(0, 100), 4096), bytes.length, false)).rejects.toThrow(/^The stored file holds 100 bytes; n8n recorded/);
	});
});
