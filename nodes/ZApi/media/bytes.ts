import { decodeBase64Range } from './base64';

/**
 * Random access to a file's bytes, whatever holds them: bytes in memory (stored binary data,
 * downloads) or Base64 text (the Base64 field, n8n's inline binary mode). The media code reads
 * files only through this, so a file gives the same answers from every source.
 */
export interface ByteSource {
	/** Size of the file in bytes. */
	readonly length: number;
	/** Up to `length` bytes at `offset`, fewer at the end of the file. */
	read(offset: number, length: number): Uint8Array;
}

/** Bytes in memory: reads are views, nothing is copied. */
export function byteSourceOf(bytes: Uint8Array): ByteSource {
	return {
		length: bytes.length,
		read: (offset, length) => bytes.subarray(offset, offset + length),
	};
}

/** Clean, padded Base64 of a `length`-byte file: each read decodes only the bytes asked for. */
export function base64ByteSource(payload: string, length: number): ByteSource {
	return {
		length,
		read: (offset, count) => decodeBase64Range(payload, offset, Math.max(0, Math.min(count, length - offset))),
	};
}

export function isByteSource(value: unknown): value is ByteSource {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as ByteSource).read === 'function' &&
		Number.isSafeInteger((value as ByteSource).length) &&
		(value as ByteSource).length >= 0
	);
}

// Big-endian fields, as ISO BMFF / QuickTime store them. Callers check bounds first.

export function readUint16(bytes: Uint8Array, offset: number): number {
	return (bytes[offset] << 8) | bytes[offset + 1];
}

export function readUint32(bytes: Uint8Array, offset: number): number {
	// Multiplying the top byte keeps the result unsigned (a << 24 would go negative).
	return bytes[offset] * 0x100_0000 + ((bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]);
}

export function readInt32(bytes: Uint8Array, offset: number): number {
	return (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}

/** A 64-bit unsigned value; above 2^53 it is approximate. */
export function readUint64(bytes: Uint8Array, offset: number): number {
	return readUint32(bytes, offset) * 0x1_0000_0000 + readUint32(bytes, offset + 4);
}

/** Four printable characters (or QuickTime's ©), else undefined. */
export function readFourcc(bytes: Uint8Array, offset: number): string | undefined {
	if (offset < 0 || offset + 4 > bytes.length) return undefined;
	let fourcc = '';
	for (let index = offset; index < offset + 4; index++) {
		const code = bytes[index];
		if ((code < 0x20 || code > 0x7e) && code !== 0xa9) return undefined;
		fourcc += String.fromCharCode(code);
	}
	return fourcc;
}
