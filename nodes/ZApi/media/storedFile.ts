import type { ByteSource } from './bytes';
import { readUint32 } from './bytes';
import { MediaError } from '../InputError';
import type { OpenSource } from './mp4/partAssembler';

/** Always kept from the start of a file: what sniffing and a non-MP4 verdict read. */
const HEAD_BYTES = 64 * 1024;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * What the checks need from a file n8n stores outside the item, read in one pass over its stream
 * without holding the file: every top-level box except the media data (mdat) in full, and the mdat
 * headers. The MP4 reader (mp4/inspector.ts) reads box headers and the boxes that describe the movie,
 * never the media data, so this gives it exactly the answers the whole file would. Reads elsewhere
 * (inside mdat) return zeros. `boxes` false (images, stickers): only the file's first 64 KiB.
 */
export async function readFileOutline(open: OpenSource, fileBytes: number, boxes: boolean): Promise<ByteSource> {
	const kept: Array<{ start: number; bytes: Uint8Array }> = [];
	const keep = (start: number, bytes: Uint8Array) => {
		if (bytes.length > 0) kept.push({ start, bytes: bytes.slice() });
	};
	let walking = boxes;
	let boxStart = 0;
	let headerLength = 8;
	const header = new Uint8Array(16);
	let boxEnd = -1;
	let inMediaData = false;
	let moovSeen = false;
	let position = 0;
	let complete = false;

	const parseHeader = (): boolean => {
		const size32 = readUint32(header, 0);
		const type = String.fromCharCode(header[4], header[5], header[6], header[7]);
		if (!/^[\x20-\x7e\xa9]{4}$/.test(type)) return false;
		if (size32 === 1 && headerLength === 8) {
			headerLength = 16;
			return true;
		}
		const size = size32 === 1 ? readUint32(header, 8) * TWO_POW_32 + readUint32(header, 12) : size32 === 0 ? fileBytes - boxStart : size32;
		if (size < headerLength) return false;
		boxEnd = boxStart + size;
		inMediaData = type === 'mdat';
		if (type === 'moov') moovSeen = true;
		return true;
	};

	for await (const chunk of open()) {
		const chunkStart = position;
		position += chunk.length;
		let at = 0;
		while (at < chunk.length) {
			const offset = chunkStart + at;
			if (!walking) {
				if (offset < HEAD_BYTES) keep(offset, chunk.subarray(at, at + HEAD_BYTES - offset));
				if (offset + (chunk.length - at) >= HEAD_BYTES) complete = true;
				break;
			}
			if (boxEnd < 0) {
				// Reading the current box's header (it may span chunks).
				const take = Math.min(boxStart + headerLength - offset, chunk.length - at);
				header.set(chunk.subarray(at, at + take), offset - boxStart);
				keep(offset, chunk.subarray(at, at + take));
				at += take;
				if (chunkStart + at === boxStart + headerLength && !parseHeader()) walking = false;
				continue;
			}
			const take = Math.min(boxEnd - offset, chunk.length - at);
			if (!inMediaData || offset < HEAD_BYTES) keep(offset, chunk.subarray(at, at + (inMediaData ? Math.min(take, HEAD_BYTES - offset) : take)));
			at += take;
			if (chunkStart + at === boxEnd) {
				// moov already read and this mdat runs to the end of the file: nothing after it to look at.
				if (inMediaData && moovSeen && boxEnd === fileBytes) complete = true;
				boxStart = boxEnd;
				headerLength = 8;
				boxEnd = -1;
				if (boxStart >= fileBytes) complete = true;
			}
		}
		if (complete) break;
	}
	if (!complete && position !== fileBytes) {
		throw new MediaError(
			`The stored file holds ${position.toLocaleString('en-US')} bytes; n8n recorded ${fileBytes.toLocaleString('en-US')}`,
			'Run the node that produced the file again.',
		);
	}
	return outlineSource(merge(kept), fileBytes);
}

/** Joins pieces that follow each other, so a box read across chunks is one region. */
function merge(pieces: Array<{ start: number; bytes: Uint8Array }>): Array<{ start: number; bytes: Uint8Array }> {
	const regions: Array<{ start: number; bytes: Uint8Array }> = [];
	let run: Array<{ start: number; bytes: Uint8Array }> = [];
	const flush = () => {
		if (run.length === 0) return;
		const length = run.reduce((sum, piece) => sum + piece.bytes.length, 0);
		const bytes = run.length === 1 ? run[0].bytes : new Uint8Array(length);
		if (run.length > 1) {
			let offset = 0;
			for (const piece of run) {
				bytes.set(piece.bytes, offset);
				offset += piece.bytes.length;
			}
		}
		regions.push({ start: run[0].start, bytes });
		run = [];
	};
	for (const piece of pieces) {
		const last = run[run.length - 1];
		if (last && last.start + last.bytes.length !== piece.start) flush();
		run.push(piece);
	}
	flush();
	return regions;
}

function outlineSource(regions: Array<{ start: number; bytes: Uint8Array }>, length: number): ByteSource {
	return {
		length,
		read(offset, count) {
			const end = Math.min(length, offset + count);
			if (end <= offset) return new Uint8Array(0);
			// A region holding the whole read is a view; anything else is assembled over zeros.
			let low = 0;
			let high = regions.length - 1;
			while (low <= high) {
				const middle = (low + high) >> 1;
				if (regions[middle].start <= offset) low = middle + 1;
				else high = middle - 1;
			}
			const first = regions[high];
			if (first && first.start <= offset && first.start + first.bytes.length >= end) return first.bytes.subarray(offset - first.start, end - first.start);
			const out = new Uint8Array(end - offset);
			for (let index = Math.max(0, high); index < regions.length && regions[index].start < end; index++) {
				const region = regions[index];
				const from = Math.max(offset, region.start);
				const to = Math.min(end, region.start + region.bytes.length);
				if (to > from) out.set(region.bytes.subarray(from - region.start, to - region.start), from - offset);
			}
			return out;
		},
	};
}
