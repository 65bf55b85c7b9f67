import { readFileSync } from 'node:fs';

import { decodeBase64Range } from '../../nodes/ZApi/media/base64';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4Inspector';
import { mp4Skeleton } from '../../nodes/ZApi/media/mp4Skeleton';
import { FIXTURES } from '../fixtures';

const readerOf = (file: Uint8Array) => (offset: number, length: number) => file.subarray(offset, offset + length);

describe('mp4Skeleton', () => {
	test.each(Object.entries(FIXTURES))('%s: the skeleton inspects exactly like the whole file', (_name, path) => {
		const file = readFileSync(path);
		const skeleton = mp4Skeleton(readerOf(file), file.length);
		expect(inspectMp4(skeleton)).toEqual(inspectMp4(file));
	});

	test('leaves media payloads out: a 10 MB file with moov at the end gives a small skeleton with the same facts', () => {
		const original = readFileSync(FIXTURES.h264MoovAtEnd);
		const moovAt = original.indexOf('moov') - 4;
		const mdatAt = original.indexOf('mdat') - 4;
		// Grow mdat to ~10 MB: same boxes, same order, a big payload in the middle.
		const extra = 10 * 1024 * 1024 - original.length;
		const big = Buffer.concat([original.subarray(0, moovAt), Buffer.alloc(extra), original.subarray(moovAt)]);
		big.writeUInt32BE(original.readUInt32BE(mdatAt) + extra, mdatAt);
		// moov's chunk offsets now point into the wrong place, which inspection never reads.
		let reads = 0;
		let bytesRead = 0;
		const skeleton = mp4Skeleton((offset, length) => {
			reads++;
			bytesRead += Math.min(length, big.length - offset);
			return big.subarray(offset, offset + length);
		}, big.length);
		expect(skeleton.length).toBeLessThan(10_000);
		expect(bytesRead).toBeLessThan(10_000);
		expect(reads).toBeLessThan(10);
		expect(inspectMp4(skeleton)).toEqual(expect.objectContaining({ durationSeconds: 2, videoCodec: 'H.264', fastStart: false, complete: true }));
	});

	test('works piecewise on Base64 text', () => {
		const file = readFileSync(FIXTURES.hevc);
		const payload = file.toString('base64');
		const skeleton = mp4Skeleton((offset, length) => decodeBase64Range(payload, offset, length), file.length);
		expect(inspectMp4(skeleton)).toEqual(inspectMp4(file));
	});

	test('every truncation and bit flip of a real file: never throws, stays bounded', () => {
		const file = readFileSync(FIXTURES.quicktime);
		for (let length = 0; length <= file.length; length += 7) {
			const prefix = file.subarray(0, length);
			expect(() => inspectMp4(mp4Skeleton(readerOf(prefix), prefix.length))).not.toThrow();
		}
		for (let bit = 0; bit < 64 * 8; bit++) {
			const flipped = Buffer.from(file);
			flipped[bit >> 3] ^= 1 << (bit & 7);
			const skeleton = mp4Skeleton(readerOf(flipped), flipped.length);
			expect(skeleton.length).toBeLessThanOrEqual(flipped.length);
		}
	});

	test('a file of a thousand empty boxes stops at the top-level box limit', () => {
		const boxes = Buffer.alloc(8 * 5000);
		for (let index = 0; index < 5000; index++) {
			boxes.writeUInt32BE(8, index * 8);
			boxes.write('free', index * 8 + 4, 'latin1');
		}
		expect(mp4Skeleton(readerOf(boxes), boxes.length).length).toBe(8 * 1000);
	});
});
