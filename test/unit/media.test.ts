import { readFileSync } from 'node:fs';

import { base64DecodedLength, decodeBase64Range, parseBase64 } from '../../nodes/ZApi/media/base64';
import { exceedsLimit, formatBytes, tooLargeMessage } from '../../nodes/ZApi/media/limits';
import { MediaError } from '../../nodes/ZApi/InputError';
import { IMAGE, STATUS_VIDEO_MAX_BYTES, STICKER, VIDEO } from '../../nodes/ZApi/media/kinds';
import { normalizeMimeType, resolveMimeType } from '../../nodes/ZApi/media/mimeType';
import { sniffMedia } from '../../nodes/ZApi/media/sniff';
import { describeUrl, parseMediaUrl, readBase64Media } from '../../nodes/ZApi/media/source';
import { FIXTURES } from '../fixtures';

const mp4 = readFileSync(FIXTURES.h264);

function mediaError(run: () => unknown): MediaError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(MediaError);
		return error as MediaError;
	}
	throw new Error('expected a MediaError');
}

describe('size limits and how they are worded', () => {
	test('10 MB means 10,485,760 bytes, inclusive', () => {
		expect(STATUS_VIDEO_MAX_BYTES).toBe(10_485_760);
		expect(VIDEO.maxBytes).toBe(STATUS_VIDEO_MAX_BYTES);
		expect(exceedsLimit(10_485_760, VIDEO.maxBytes)).toBe(false);
		expect(exceedsLimit(10_485_761, VIDEO.maxBytes)).toBe(true);
	});

	test('formats sizes the way users read them, with the exact count', () => {
		expect(formatBytes(13_002_411)).toBe('12.4 MB (13,002,411 bytes)');
		expect(tooLargeMessage(10_485_761, VIDEO)).toBe('The video is 10.0 MB (10,485,761 bytes); WhatsApp Status accepts at most 10.0 MB (10,485,760 bytes)');
		expect(tooLargeMessage(16_777_217, STICKER)).toBe('The sticker is 16.0 MB (16,777,217 bytes); WhatsApp accepts at most 16.0 MB (16,777,216 bytes)');
	});
});

describe('Base64 and data URIs: checked in one pass, decoded only as needed', () => {
	const payload = mp4.toString('base64');

	test('raw Base64 passes through unchanged, without a copy', () => {
		const parsed = parseBase64(payload);
		expect(parsed).toEqual({ declaredMimeType: undefined, payload, bytes: mp4.length });
		expect(parsed.payload).toBe(payload);
	});

	test('data URIs: type, parameters and case', () => {
		expect(parseBase64(`data:video/mp4;base64,${payload}`)).toEqual({ declaredMimeType: 'video/mp4', payload, bytes: mp4.length });
		expect(parseBase64(`DATA:Video/MP4;name=a.mp4;BASE64,${payload}`).declaredMimeType).toBe('video/mp4');
		expect(parseBase64(`data:;base64,${payload}`).declaredMimeType).toBeUndefined();
	});

	test('whitespace and line breaks anywhere are ignored', () => {
		const wrapped = ` \n${payload.replace(/.{76}/g, '$&\r\n')}\t\n`;
		expect(parseBase64(wrapped)).toEqual({ declaredMimeType: undefined, payload, bytes: mp4.length });
	});

	test('missing padding is restored; a lone trailing character is refused', () => {
		expect(parseBase64('QUJD')).toEqual({ declaredMimeType: undefined, payload: 'QUJD', bytes: 3 });
		expect(parseBase64('QUI').payload).toBe('QUI=');
		expect(parseBase64('QQ').payload).toBe('QQ==');
		expect(mediaError(() => parseBase64('QUJDR')).message).toMatch(/cut short/);
	});

	test.each([
		['a character outside the alphabet', 'QU*D', /invalid character \("\*"\) at position 3/],
		['URL-safe characters', 'QU-D', /invalid character \("-"\)/],
		['non-ASCII text', 'QUJDé', /invalid character \(code 233\)/],
		['padding in the middle', 'QQ==QUJD', /invalid character \("Q"\) at position 5/],
		['three padding characters', 'QQ===', /invalid character \("="\)/],
		['padding on a complete group', 'QUJD=', /misplaced "=" padding/],
		['a data URI without a comma', 'data:video/mp4;base64', /no comma/],
		['a data URI that is not Base64', 'data:video/mp4,AAAA', /not Base64-encoded/],
	])('refuses %s', (_label, text, message) => {
		expect(mediaError(() => parseBase64(text)).message).toMatch(message);
	});

	test('URL-safe Base64 gets a hint on how to convert it', () => {
		expect(mediaError(() => parseBase64('QU_D')).hint).toMatch(/URL-safe Base64/);
	});

	test('decoded length and head decoding', () => {
		expect(base64DecodedLength('')).toBe(0);
		expect(base64DecodedLength('QQ==')).toBe(1);
		expect(base64DecodedLength('QUI=')).toBe(2);
		expect(base64DecodedLength(payload)).toBe(mp4.length);
		expect(decodeBase64Range(payload, 0, 16)).toEqual(mp4.subarray(0, 16));
		for (const [offset, length] of [[1, 5], [2, 7], [3, 3], [100, 61], [mp4.length - 5, 50]]) {
			expect(decodeBase64Range(payload, offset, length)).toEqual(mp4.subarray(offset, offset + length));
		}
	});

	test('any range of any file, short or long, padded or not, decodes to its bytes (fewer past the end)', () => {
		const file = Buffer.from(Array.from({ length: 80 }, (_, index) => (index * 151 + 7) & 0xff));
		for (let size = 0; size <= 80; size++) {
			const bytes = file.subarray(0, size);
			const text = bytes.toString('base64');
			for (let offset = 0; offset <= size + 2; offset++) {
				for (const length of [0, 1, 2, 3, 5, 16, 17, 64, 65, 100]) {
					const decoded = decodeBase64Range(text, offset, length);
					expect({ size, offset, length, decoded: Buffer.from(decoded).toString('hex') }).toEqual({
						size,
						offset,
						length,
						decoded: bytes.subarray(offset, offset + length).toString('hex'),
					});
				}
			}
		}
	});
});

describe('what a file is (its bytes) against what it claims (its MIME type)', () => {
	test.each([
		['h264', 'mp4'],
		['hevc', 'mp4'],
		['quicktime', 'quicktime'],
		['webm', 'webm'],
	] as const)('%s fixture is a %s video', (fixture, format) => {
		expect(sniffMedia(readFileSync(FIXTURES[fixture]))).toEqual(expect.objectContaining({ category: 'video', format }));
	});

	test('recognises images and the usual wrong files', () => {
		expect(sniffMedia(readFileSync(FIXTURES.png))).toEqual({ category: 'image', format: 'png', mimeType: 'image/png', label: 'a PNG image' });
		expect(sniffMedia(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toEqual(expect.objectContaining({ format: 'jpeg', label: 'a JPEG image' }));
		expect(sniffMedia(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toEqual(expect.objectContaining({ category: 'image', format: 'webp' }));
		expect(sniffMedia(Buffer.from('<!DOCTYPE html><html>'))).toEqual(expect.objectContaining({ category: 'document', label: 'a text document (HTML, XML or JSON)' }));
		expect(sniffMedia(Buffer.from('\x00\x00\x00\x1cftypavif'))).toEqual(expect.objectContaining({ category: 'image', label: 'an AVIF/HEIF image' }));
		expect(sniffMedia(Buffer.from('random'))).toEqual({ label: 'unrecognised data' });
		expect(sniffMedia(new Uint8Array(0))).toEqual({ label: 'unrecognised data' });
	});

	test('videos: a declared video type is kept; generic types need MP4 bytes and become video/mp4', () => {
		expect(normalizeMimeType(' Video/MP4; codecs="avc1" ')).toBe('video/mp4');
		expect(resolveMimeType('video/webm', readFileSync(FIXTURES.webm), VIDEO)).toBe('video/webm');
		expect(resolveMimeType('application/octet-stream', mp4, VIDEO)).toBe('video/mp4');
		expect(resolveMimeType(undefined, readFileSync(FIXTURES.quicktime), VIDEO)).toBe('video/mp4');
		expect(resolveMimeType('video/mp4', Buffer.from('unknown bytes'), VIDEO)).toBe('video/mp4');
		expect(mediaError(() => resolveMimeType('', Buffer.from('unknown bytes'), VIDEO)).message).toMatch(/no MIME type .* an MP4 video/);
		expect(mediaError(() => resolveMimeType('application/octet-stream', readFileSync(FIXTURES.webm), VIDEO)).message).toMatch(/not recognisable as an MP4 video/);
		expect(mediaError(() => resolveMimeType('image/gif', mp4, VIDEO)).message).toBe('The file has MIME type image/gif, not a video type');
		expect(mediaError(() => resolveMimeType('video/mp4', readFileSync(FIXTURES.png), VIDEO)).message).toBe('The file is a PNG image, not a video (it was labelled video/mp4)');
	});

	test('images and stickers: image types only; generic types need JPEG, PNG or WebP bytes', () => {
		const png = readFileSync(FIXTURES.png);
		expect(resolveMimeType('image/png', png, IMAGE)).toBe('image/png');
		expect(resolveMimeType('application/octet-stream', png, IMAGE)).toBe('image/png');
		expect(resolveMimeType(undefined, png, STICKER)).toBe('image/png');
		expect(mediaError(() => resolveMimeType('video/mp4', mp4, IMAGE)).message).toBe('The file is an MP4 file, not an image (it was labelled video/mp4)');
		expect(mediaError(() => resolveMimeType('image/png', mp4, STICKER)).message).toBe('The file is an MP4 file, not a sticker (it was labelled image/png)');
		expect(mediaError(() => resolveMimeType('application/pdf', Buffer.from('??'), IMAGE)).message).toBe('The file has MIME type application/pdf, not an image type');
	});
});

describe('Base64 media: size and type without decoding the whole file', () => {
	test('reports size and type without decoding the whole file', () => {
		const media = readBase64Media(mp4.toString('base64'), VIDEO);
		expect(media).toEqual({ kind: 'inline', mimeType: 'video/mp4', bytes: mp4.length, payload: mp4.toString('base64') });
	});

	test('applies the given limit to the decoded bytes, not the text', () => {
		const text = mp4.toString('base64');
		expect(() => readBase64Media(text, { ...VIDEO, maxBytes: mp4.length })).not.toThrow();
		expect(mediaError(() => readBase64Media(text, { ...VIDEO, maxBytes: mp4.length - 1 })).message).toMatch(/^The video is/);
		const png = readFileSync(FIXTURES.png).toString('base64');
		expect(readBase64Media(png, IMAGE)).toEqual(expect.objectContaining({ mimeType: 'image/png' }));
		expect(mediaError(() => readBase64Media(`data:video/mp4;base64,${text}`, IMAGE)).message).toBe('The data URI declares video/mp4, not an image type');
	});
});

describe('media links: checked before anything is sent', () => {
	test('accepts http(s) links, trimmed', () => {
		expect(parseMediaUrl('  https://cdn.example.com/v.mp4?sig=abc ', VIDEO).href).toBe('https://cdn.example.com/v.mp4?sig=abc');
		expect(parseMediaUrl('http://10.0.0.5:8080/v.mp4', VIDEO).protocol).toBe('http:');
	});

	test.each([
		['', /empty/],
		['cdn.example.com/v.mp4', /not a valid absolute URL/],
		['ftp://example.com/v.mp4', /uses ftp: links/],
		['data:video/mp4;base64,AAAA', /uses data: links/],
		['javascript:alert(1)', /uses javascript: links/],
		['https://u:p@example.com/v.mp4', /user name or password/],
	])('refuses %p', (text, message) => {
		expect(mediaError(() => parseMediaUrl(text, VIDEO)).message).toMatch(message);
	});

	test('names the kind of media in messages and examples', () => {
		expect(mediaError(() => parseMediaUrl('', IMAGE)).message).toBe('The image URL is empty');
		const relative = mediaError(() => parseMediaUrl('stickers/smile.webp', STICKER));
		expect([relative.message, relative.hint]).toEqual([
			'The sticker URL is not a valid absolute URL',
			'Use a full link that starts with https:// (or http://), for example https://example.com/picture.jpg.',
		]);
	});

	test('describes a link without its query string (signed links carry secrets there)', () => {
		expect(describeUrl(new URL('https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Signature=secret'))).toBe('https://bucket.s3.amazonaws.com/v.mp4');
	});
});
