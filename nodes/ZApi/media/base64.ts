import { MediaError } from '../InputError';

/** Base64 text as the user gave it, split into what Z-API needs. */
export interface ParsedBase64 {
	/** From the data URI, lower-cased; undefined for raw Base64. */
	declaredMimeType?: string;
	/** Standard Base64 with padding, no whitespace: ready to put after "base64,". */
	payload: string;
	/** Bytes of the file it encodes, computed without decoding. */
	bytes: number;
}

const DATA_URI_PREFIX = /^data:([^;,]*)((?:;[^;,]*)*),/i;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
// Lookup table for the standard alphabet: 1 = Base64 character, 2 = whitespace, 0 = invalid.
const CHARACTER_CLASS = new Uint8Array(128);
// Each character's 6-bit value (for decoding a few bytes by hand).
const CHARACTER_VALUE = new Uint8Array(128);
for (let value = 0; value < ALPHABET.length; value++) {
	CHARACTER_CLASS[ALPHABET.charCodeAt(value)] = 1;
	CHARACTER_VALUE[ALPHABET.charCodeAt(value)] = value;
}
for (const character of ' \t\r\n\f\v') CHARACTER_CLASS[character.charCodeAt(0)] = 2;

const EQUALS = 61;

/** Bytes encoded by clean, padded Base64. */
export function base64DecodedLength(payload: string): number {
	if (payload.length === 0) return 0;
	let padding = 0;
	if (payload.charCodeAt(payload.length - 1) === EQUALS) padding++;
	if (payload.charCodeAt(payload.length - 2) === EQUALS) padding++;
	return (payload.length / 4) * 3 - padding;
}

function invalidCharacter(text: string, index: number, offset: number): MediaError {
	const code = text.charCodeAt(index);
	const shown = code >= 33 && code < 127 ? `"${text[index]}"` : `code ${code}`;
	const urlSafe = text[index] === '-' || text[index] === '_';
	return new MediaError(
		`The Base64 text has an invalid character (${shown}) at position ${index - offset + 1}`,
		urlSafe
			? 'This looks like URL-safe Base64 ("-" and "_"). Convert it to standard Base64 ("+" and "/") before sending.'
			: 'Pass the file as standard Base64 (A-Z, a-z, 0-9, "+", "/", "=" padding), optionally as a data URI such as data:video/mp4;base64,...',
	);
}

/**
 * Validates Base64 (raw or inside a data URI) in one pass over the text, and removes whitespace
 * and line breaks only when there are some: a 10 MB video is 13.3 MB of text, so copies and
 * regular expressions over it are avoided on the common, clean path.
 */
export function parseBase64(text: string): ParsedBase64 {
	let start = 0;
	let declaredMimeType: string | undefined;
	const trimmedStart = text.length - text.trimStart().length;
	if (text.startsWith('data:', trimmedStart) || text.startsWith('DATA:', trimmedStart)) {
		const header = DATA_URI_PREFIX.exec(text.slice(trimmedStart, trimmedStart + 256));
		if (!header) {
			throw new MediaError(
				'The data URI has no comma after its header',
				'A data URI looks like data:video/mp4;base64,AAAAIGZ0eXBpc29t...',
			);
		}
		const parameters = header[2].toLowerCase().split(';').map((part) => part.trim());
		if (!parameters.includes('base64')) {
			throw new MediaError(
				'The data URI is not Base64-encoded (";base64" is missing)',
				'Use a data URI of the form data:video/mp4;base64,<Base64 of the file>.',
			);
		}
		declaredMimeType = header[1].trim().toLowerCase() || undefined;
		start = trimmedStart + header[0].length;
	}

	const fast = cleanBase64Fast(text, start);
	if (fast !== undefined) return { declaredMimeType, payload: fast, bytes: base64DecodedLength(fast) };

	const end = text.length;
	let hasWhitespace = false;
	let significant = 0;
	let paddingSeen = 0;
	for (let index = start; index < end; index++) {
		const code = text.charCodeAt(index);
		const kind = code < 128 ? CHARACTER_CLASS[code] : 0;
		if (kind === 1) {
			if (paddingSeen > 0) throw invalidCharacter(text, index, start);
			significant++;
		} else if (kind === 2) {
			hasWhitespace = true;
		} else if (code === EQUALS) {
			paddingSeen++;
			if (paddingSeen > 2) throw invalidCharacter(text, index, start);
		} else {
			throw invalidCharacter(text, index, start);
		}
	}

	// Padding is optional in practice (some encoders drop it); a lone trailing character never is.
	const remainder = significant % 4;
	if (remainder === 1) {
		throw new MediaError(
			'The Base64 text is cut short (its length is not a whole number of bytes)',
			'The text was probably truncated when it was copied or built; pass the complete Base64 of the file.',
		);
	}
	if (paddingSeen > 0 && (significant + paddingSeen) % 4 !== 0) {
		throw new MediaError(
			'The Base64 text has misplaced "=" padding',
			'Pass the complete Base64 of the file; "=" may only appear at the very end.',
		);
	}

	let payload: string;
	if (hasWhitespace) {
		payload = text.slice(start).replace(/\s+/g, '');
	} else {
		payload = start > 0 ? text.slice(start) : text;
	}
	if (paddingSeen === 0 && remainder !== 0) payload += remainder === 2 ? '==' : '=';

	return { declaredMimeType, payload, bytes: base64DecodedLength(payload) };
}

/**
 * Decodes only the bytes [offset, offset + length) of the file that clean, padded Base64 encodes
 * (fewer at its end): enough to sniff or walk box headers without decoding a 13 MB text.
 */
export function decodeBase64Range(payload: string, offset: number, length: number): Uint8Array {
	if (length <= SMALL_RANGE_BYTES) return decodeSmallRange(payload, offset, length);
	const firstGroup = Math.floor(offset / 3);
	const endGroup = Math.ceil((offset + length) / 3);
	const decoded = Buffer.from(payload.slice(firstGroup * 4, endGroup * 4), 'base64');
	const skip = offset - firstGroup * 3;
	return decoded.subarray(skip, skip + length);
}

/** Up to this many bytes are decoded by hand: the heads of samples and boxes, read thousands of times (keyframes.ts). */
const SMALL_RANGE_BYTES = 64;

function decodeSmallRange(payload: string, offset: number, length: number): Uint8Array {
	const bytes = new Uint8Array(length);
	let filled = 0;
	// Whole 4-character groups, 3 bytes each; `skip` bytes of the first are before the range.
	let skip = offset % 3;
	for (let group = (offset - skip) / 3 * 4; filled < length && group + 4 <= payload.length; group += 4) {
		const bits =
			(CHARACTER_VALUE[payload.charCodeAt(group) & 127] << 18) |
			(CHARACTER_VALUE[payload.charCodeAt(group + 1) & 127] << 12) |
			(CHARACTER_VALUE[payload.charCodeAt(group + 2) & 127] << 6) |
			CHARACTER_VALUE[payload.charCodeAt(group + 3) & 127];
		// Padding ends the file: "xx==" holds one byte, "xxx=" two.
		const held = payload.charCodeAt(group + 2) === EQUALS ? 1 : payload.charCodeAt(group + 3) === EQUALS ? 2 : 3;
		for (let position = skip; position < held && filled < length; position++) bytes[filled++] = (bits >> (16 - 8 * position)) & 0xff;
		if (held < 3) break;
		skip = 0;
	}
	return filled === length ? bytes : bytes.subarray(0, filled);
}

// Text per decode in the fast check: a multiple of 4, so only the last piece may carry padding.
const CHECK_PIECE_CHARACTERS = 64 * 1024;
let checkScratch: Buffer | undefined;

/**
 * The common case in about a millisecond for 13 MB: standard, padded Base64 without inner
 * whitespace (what Buffer#toString('base64') and n8n write). Node's decoder is vectorised and skips
 * characters outside the alphabet, so a piece that decodes to fewer bytes than its length says
 * holds something else; "-" and "_" (which it takes as URL-safe) are looked for separately.
 * Returns the payload (a slice of `text`, not a copy) or undefined: then the exact pass decides,
 * strips whitespace or names the first bad character.
 */
function cleanBase64Fast(text: string, start: number): string | undefined {
	let end = text.length;
	while (end > start) {
		const code = text.charCodeAt(end - 1);
		if (code >= 128 || CHARACTER_CLASS[code] !== 2) break;
		end--;
	}
	const length = end - start;
	if (length === 0 || length % 4 !== 0) return undefined;
	const payload = start === 0 && end === text.length ? text : text.slice(start, end);
	if (payload.indexOf('-') !== -1 || payload.indexOf('_') !== -1) return undefined;
	checkScratch ??= Buffer.allocUnsafe((CHECK_PIECE_CHARACTERS / 4) * 3);
	for (let offset = 0; offset < length; offset += CHECK_PIECE_CHARACTERS) {
		const piece = payload.slice(offset, offset + CHECK_PIECE_CHARACTERS);
		let padding = 0;
		if (offset + CHECK_PIECE_CHARACTERS >= length && piece.charCodeAt(piece.length - 1) === EQUALS) {
			padding = piece.charCodeAt(piece.length - 2) === EQUALS ? 2 : 1;
		}
		if (checkScratch.write(piece, 0, 'base64') !== (piece.length / 4) * 3 - padding) return undefined;
	}
	return payload;
}

/** Bytes of padded Base64 text for `bytes` bytes of file. */
export function base64Length(bytes: number): number {
	return Math.ceil(bytes / 3) * 4;
}

// Pieces are handed on as Base64 strings, not Buffers: axios reads up to 16 pieces ahead of the
// socket, and Buffers waiting there outlived V8's young generation, their memory (outside the heap)
// freed only by a full collection of n8n's heap; strings wait inside the young generation and die
// there (axios' byte-counting Transform makes each a Buffer only as it writes it). 93 KiB of file per
// piece, a multiple of 3 (pieces encode on their own): 124 KiB of Base64, just under the size at
// which V8 allocates a string as a large object (128 KiB). Measured in docs/benchmark.md.
export const ENCODE_PIECE_BYTES = 3 * 31 * 1024;
/** Base64 characters per piece of a streamed body: what ENCODE_PIECE_BYTES of file encode to. */
const TEXT_PIECE_CHARACTERS = (ENCODE_PIECE_BYTES / 3) * 4;

function encodePiece(bytes: Uint8Array, start: number, end: number): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('base64');
}

/**
 * The Base64 of a file that arrives as consecutive chunks of any size (a stream of stored binary
 * data, a split video's pieces, one Buffer), as strings of at most 124 KiB. Base64 encodes groups of
 * 3 bytes, so the 1 or 2 bytes a chunk ends with are carried into a group with the start of the next.
 */
export async function* base64Pieces(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<string> {
	const carry = new Uint8Array(3);
	let carried = 0;
	for await (const chunk of chunks) {
		let start = 0;
		if (carried > 0) {
			start = Math.min(3 - carried, chunk.length);
			carry.set(chunk.subarray(0, start), carried);
			carried += start;
			if (carried < 3) continue;
			yield encodePiece(carry, 0, 3);
			carried = 0;
		}
		const whole = start + Math.floor((chunk.length - start) / 3) * 3;
		for (let from = start; from < whole; from += ENCODE_PIECE_BYTES) yield encodePiece(chunk, from, Math.min(from + ENCODE_PIECE_BYTES, whole));
		carry.set(chunk.subarray(whole), 0);
		carried = chunk.length - whole;
	}
	if (carried > 0) yield encodePiece(carry, 0, carried);
}

/** Base64 text (already clean and padded: what parseBase64 returns) in pieces of 124 KiB: slices of it, not copies. */
export function* base64TextPieces(payload: string): Generator<string> {
	for (let offset = 0; offset < payload.length; offset += TEXT_PIECE_CHARACTERS) {
		yield payload.slice(offset, offset + TEXT_PIECE_CHARACTERS);
	}
}
