/**
 * The one parser of an ISO BMFF / QuickTime box header: 32-bit size and type, a 64-bit
 * `largesize` after the type when the size is 1, and size 0 meaning "to the end of the range".
 * Every reader of the format (the box walker, the stream scanner of partAssembler.ts) decodes
 * headers here, so they all agree on what a box is.
 */
import { readFourcc, readUint32, readUint64 } from '../bytes';

/** Bytes of the longest header: size, type, largesize. (A 'uuid' box's extended type is part of its content.) */
export const MAX_BOX_HEADER_BYTES = 16;

export interface BoxHeader {
	type: string;
	/** 8, or 16 with a 64-bit largesize. */
	headerSize: number;
	/** The whole box in bytes, header included; for size 0 the rest of the range. */
	size: number;
	/** The 32-bit size field was 0. */
	sizeZero: boolean;
}

export type BoxHeaderProblem =
	/** Fewer than 8 bytes are left in the range. */
	| { problem: 'short' }
	/** The type is not four printable characters (QuickTime's © allowed). */
	| { problem: 'unreadableType' }
	/** Size 1 announces a largesize, but fewer than 16 bytes are left. */
	| { problem: 'largeSizeCut'; type: string }
	/** The declared size is smaller than the header itself. */
	| { problem: 'invalidSize'; type: string; size: number };

/**
 * Decodes the header at the start of `header` (up to 16 bytes of it are looked at), with
 * `remaining` bytes left in the enclosing range from there. A size beyond `remaining` is returned
 * as declared: whether that is damage or a cut file is the caller's call.
 */
export function parseBoxHeader(
	header: Uint8Array,
	remaining: number,
	/** Takes an unprintable type as an opaque box (its type shown with '?') instead of refusing it. */
	anyType = false,
): BoxHeader | BoxHeaderProblem {
	if (remaining < 8 || header.length < 8) return { problem: 'short' };
	const size32 = readUint32(header, 0);
	const type = readFourcc(header, 4) ?? (anyType ? printableType(header) : undefined);
	if (type === undefined) return { problem: 'unreadableType' };
	let headerSize = 8;
	let size = size32;
	if (size32 === 1) {
		if (remaining < 16 || header.length < 16) return { problem: 'largeSizeCut', type };
		headerSize = 16;
		// Beyond 2^53 the value is approximate, but then it is far past any real input anyway.
		size = readUint64(header, 8);
	} else if (size32 === 0) {
		size = remaining;
	}
	if (size < headerSize) return { problem: 'invalidSize', type, size };
	return { type, headerSize, size, sizeZero: size32 === 0 };
}

export function isHeaderProblem(parsed: BoxHeader | BoxHeaderProblem): parsed is BoxHeaderProblem {
	return 'problem' in parsed;
}

/** The box's type with anything unprintable shown as '?', for messages. */
export function printableType(header: Uint8Array): string {
	let type = '';
	for (let index = 4; index < Math.min(8, header.length); index++) {
		const code = header[index];
		type += code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : '?';
	}
	return type;
}
