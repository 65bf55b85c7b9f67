import type { ByteSource } from './bytes';
import { readUint32 } from './bytes';
import { MediaError } from '../InputError';
import { isHeaderProblem, MAX_BOX_HEADER_BYTES, parseBoxHeader } from './mp4/boxHeader';
import type { OpenSource } from './mp4/partAssembler';
import { SequentialReader } from './mp4/partAssembler';

/** Always kept from the start of a file: what sniffing and a non-MP4 verdict read. */
const HEAD_BYTES = 64 * 1024;

/**
 * What the checks need from a file n8n stores outside the item, read in one pass over its stream
 * without holding the file: every top-level box except the media data (mdat) in full, and the mdat
 * headers. The MP4 reader (mp4/inspector.ts) reads box headers and the boxes that describe the movie,
 * never the media data, so this gives it exactly the answers the whole file would. Reads elsewhere
 * (inside mdat) return zeros. `boxes` false (images, stickers), or top-level boxes that cannot be
 * read (mp4/boxHeader.ts, the one header parser): only the file's first 64 KiB.
 */
export async function readFileOutline(open: OpenSource, fileBytes: number, boxes: boolean): Promise<ByteSource> {
	const kept: Array<{ start: number; bytes: Uint8Array }> = [];
	const keep = (start: number, bytes: Uint8Array) => {
		if (bytes.length > 0) kept.push({ start, bytes });
	};
	const reader = new SequentialReader(open());
	let complete = false;
	try {
		let walking = boxes;
		let moovSeen = false;
		while (walking) {
			const start = reader.position;
			if (start >= fileBytes) {
				complete = true;
				break;
			}
			let header = await reader.read(8);
			keep(start, header);
			if (header.length < 8) break;
			if (readUint32(header, 0) === 1) {
				const large = await reader.read(MAX_BOX_HEADER_BYTES - 8);
				keep(start + 8, large);
				if (large.length < MAX_BOX_HEADER_BYTES - 8) break;
				header = Uint8Array.of(...header, ...large);
			}
			const parsed = parseBoxHeader(header, fileBytes - start);
			if (isHeaderProblem(parsed)) {
				walking = false;
				break;
			}
			// A box said to run past the file ends with it (a cut file, or a size-0 box).
			const end = Math.min(start + parsed.size, fileBytes);
			if (parsed.type !== 'mdat') {
				if (parsed.type === 'moov') moovSeen = true;
				const content = await reader.read(end - reader.position);
				keep(start + header.length, content);
				if (reader.position < end) break;
				continue;
			}
			if (reader.position < HEAD_BYTES) keep(reader.position, await reader.read(Math.min(end, HEAD_BYTES) - reader.position));
			if (!(await reader.skip(end - reader.position))) break;
			// moov already read and this mdat runs to the end of the file: nothing after it to look at.
			if (moovSeen && end === fileBytes) complete = true;
		}
		if (!walking && !complete) {
			if (reader.position < HEAD_BYTES) keep(reader.position, await reader.read(HEAD_BYTES - reader.position));
			complete = reader.position >= HEAD_BYTES;
		}
	} finally {
		await reader.close();
	}
	if (!complete && reader.position !== fileBytes) {
		throw new MediaError(
			`The stored file holds ${reader.position.toLocaleString('en-US')} bytes; n8n recorded ${fileBytes.toLocaleString('en-US')}`,
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
