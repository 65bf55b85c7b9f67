/** Reads up to `length` bytes of the file at `offset` (fewer at its end). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

// Top-level boxes whose payload says nothing about the video; only their place in the file matters.
const PAYLOAD_ONLY = new Set(['mdat', 'free', 'skip', 'wide']);

// A 10 MB file's moov is tens of kilobytes; anything past this budget is not read.
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 1000;

function uint32(bytes: Uint8Array, offset: number): number {
	return bytes[offset] * 0x1000000 + ((bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]);
}

function boxType(bytes: Uint8Array): string {
	return String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
}

function emptyBox(type: string): Uint8Array {
	const box = new Uint8Array(8);
	box[3] = 8;
	for (let index = 0; index < 4; index++) box[4 + index] = type.charCodeAt(index);
	return box;
}

/**
 * A copy of an MP4's top-level structure with every media payload left out (an mdat becomes an
 * empty mdat in the same place), for inspecting a file that is only available piecewise, such as
 * Base64 text: the result is a few kilobytes, reads the same to the box reader (order included,
 * so fast start is kept), and costs a handful of small decodes instead of decoding the whole file.
 */
export function mp4Skeleton(readAt: ReadAt, fileBytes: number): Uint8Array {
	const parts: Uint8Array[] = [];
	let offset = 0;
	let kept = 0;
	for (let count = 0; offset < fileBytes && count < MAX_TOP_LEVEL_BOXES; count++) {
		const header = readAt(offset, 16);
		if (header.length < 8) {
			parts.push(header);
			break;
		}
		let size = uint32(header, 0);
		let headerSize = 8;
		if (size === 1) {
			if (header.length < 16) {
				parts.push(header);
				break;
			}
			size = uint32(header, 8) * 0x100000000 + uint32(header, 12);
			headerSize = 16;
		} else if (size === 0) {
			size = fileBytes - offset;
		}
		const remaining = fileBytes - offset;
		if (size < headerSize || size > remaining) {
			// Garbage or truncation: hand the reader the header so it can say so.
			parts.push(header.subarray(0, headerSize));
			break;
		}
		const type = boxType(header);
		if (PAYLOAD_ONLY.has(type)) {
			parts.push(emptyBox(type));
		} else if (kept + size > MAX_KEPT_BYTES) {
			parts.push(header.subarray(0, headerSize));
			break;
		} else {
			parts.push(readAt(offset, size));
			kept += size;
		}
		offset += size;
	}
	let length = 0;
	for (const part of parts) length += part.length;
	const skeleton = new Uint8Array(length);
	let position = 0;
	for (const part of parts) {
		skeleton.set(part, position);
		position += part.length;
	}
	return skeleton;
}
