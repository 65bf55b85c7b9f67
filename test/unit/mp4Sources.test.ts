/**
 * The inspector reads every source through one byte reader (media/bytes.ts): a file held as bytes
 * and the same file as Base64 text must give the same facts, with the same work, and Base64 must
 * be decoded only where box headers and the fields read are.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { base64ByteSource, byteSourceOf, type ByteSource } from '../../nodes/ZApi/media/bytes';
import { inspectMp4, inspectMp4WithStats } from '../../nodes/ZApi/media/mp4/inspector';
import { FIXTURES, PROBED_VIDEOS, OTHER_LAYOUT_FIXTURES } from '../fixtures';
import { withCoverArt } from '../fixtures/coverArt';

const ALL_FILES = [...new Set([...PROBED_VIDEOS, ...Object.values(FIXTURES)])];

/** A source that counts what is asked of it. */
function counting(source: ByteSource) {
	const counts = { reads: 0, bytes: 0 };
	const counted: ByteSource = {
		length: source.length,
		read: (offset, length) => {
			const bytes = source.read(offset, length);
			counts.reads++;
			counts.bytes += bytes.length;
			return bytes;
		},
	};
	return { counted, counts };
}

describe('byte sources', () => {
	test('Base64 text reads exactly the bytes the file holds at any offset and length, fewer at its end', () => {
		for (const length of [0, 1, 2, 3, 4, 5, 100, 101, 102]) {
			const file = Buffer.from(Array.from({ length }, (_, index) => (index * 37 + 11) & 0xff));
			const bytes = byteSourceOf(file);
			const base64 = base64ByteSource(file.toString('base64'), file.length);
			expect(base64.length).toBe(length);
			for (let offset = 0; offset <= length + 2; offset++) {
				for (const count of [0, 1, 2, 3, 4, 7, 16, length + 5]) {
					expect(Buffer.from(base64.read(offset, count))).toEqual(Buffer.from(bytes.read(offset, count)));
				}
			}
		}
	});
});

describe('one reader for bytes and Base64 text', () => {
	test.each(ALL_FILES.map((path) => [basename(path), path]))('%s: the same facts and the same work from bytes and from Base64', (_name, path) => {
		const file = readFileSync(path);
		const fromBytes = inspectMp4WithStats(file);
		const fromBase64 = inspectMp4WithStats(base64ByteSource(file.toString('base64'), file.length));
		expect(fromBase64).toEqual(fromBytes);
		expect(inspectMp4(byteSourceOf(file))).toEqual(fromBytes.inspection);
	});

	test('every prefix of a real file (a cut-short upload) reads the same from Base64', () => {
		const file = readFileSync(FIXTURES.quicktime);
		for (let length = 0; length <= file.length; length += 7) {
			const prefix = file.subarray(0, length);
			expect(inspectMp4(base64ByteSource(prefix.toString('base64'), prefix.length))).toEqual(inspectMp4(prefix));
		}
	});

	test('a 10 MB file with moov at the end: a few kilobytes of Base64 are decoded, never the media', () => {
		const original = readFileSync(FIXTURES.h264MoovAtEnd);
		const moovAt = original.indexOf('moov') - 4;
		const mdatAt = original.indexOf('mdat') - 4;
		// Grow mdat to ~10 MB: same boxes, same order, a big payload in the middle.
		const extra = 10 * 1024 * 1024 - original.length;
		const big = Buffer.concat([original.subarray(0, moovAt), Buffer.alloc(extra), original.subarray(moovAt)]);
		big.writeUInt32BE(original.readUInt32BE(mdatAt) + extra, mdatAt);
		const { counted, counts } = counting(base64ByteSource(big.toString('base64'), big.length));
		const inspection = inspectMp4(counted);
		expect(inspection).toMatchObject({ durationSeconds: 2, videoCodec: 'H.264', fastStart: false, complete: true });
		expect(counts.bytes).toBeLessThan(4_000);
		expect(counts.reads).toBeLessThan(100);
	});

	test('a 75-second video with 4.7 MB of cover art before its tracks: the same facts from bytes and Base64, the art never read', () => {
		const file = withCoverArt(readFileSync(FIXTURES.long75s), 4.7 * 1024 * 1024);
		expect(file.length).toBeGreaterThan(4.7 * 1024 * 1024);
		const { counted, counts } = counting(base64ByteSource(file.toString('base64'), file.length));
		const fromBase64 = inspectMp4(counted);
		expect(fromBase64).toEqual(inspectMp4(file));
		expect(fromBase64).toMatchObject({ durationSeconds: 75, videoCodec: 'H.264', fastStart: true, complete: true, issues: [] });
		expect(counts.bytes).toBeLessThan(4_000);
	});

	test('the read budget stops the reader, the same way from every source', () => {
		const file = readFileSync(OTHER_LAYOUT_FIXTURES.cmaf);
		const fromBytes = inspectMp4WithStats(file, { maxBytes: 600 });
		expect(fromBytes.stats.bytesRead).toBeLessThanOrEqual(600);
		expect(fromBytes.inspection.complete).toBe(false);
		expect(fromBytes.inspection.issues).toContain('stopped after reading 600 bytes');
		expect(inspectMp4WithStats(base64ByteSource(file.toString('base64'), file.length), { maxBytes: 600 })).toEqual(fromBytes);
	});
});
