import { MediaError } from '../InputError';
import type { OpenSource } from './mp4/partAssembler';
import type { PartLayout } from './mp4/partLayout';

/** A part of a split video that is read as it is sent: its size is known, its bytes come from the source when asked for. */
export interface StreamedPart {
	length: number;
	/** The part's bytes from its start. The first call reads the shared pass over the source; a retry reads the source again. */
	open: OpenSource;
}

const ended = (position: number, fileBytes: number) =>
	new MediaError(
		`The video file ended after ${position.toLocaleString('en-US')} bytes; ${fileBytes.toLocaleString('en-US')} were expected`,
		'Check that the whole file was uploaded, then run the workflow again.',
	);
const misplaced = () => new MediaError("The video's samples could not be put back together, so it cannot be split", 'Re-save the video with a video editor or converter.');

/**
 * One pass over the source that hands each part its bytes while the part is being sent: a part's
 * pieces are views of the source's chunks, yielded as soon as they are next in the part; pieces of
 * later parts met on the way (parts interleave a little at their boundaries) wait for their part.
 * So a part being posted holds about one source chunk, not the whole part.
 */
class PartPass {
	private readonly iterator: AsyncIterator<Uint8Array>;
	/** Per part: pieces read but not yet sent, by where they go in the part. */
	private readonly found: Array<Map<number, Uint8Array>>;
	private readonly nextCopy: number[];
	private position = 0;

	constructor(
		open: OpenSource,
		private readonly layouts: PartLayout[],
		private readonly fileBytes: number,
	) {
		this.iterator = open()[Symbol.asyncIterator]();
		this.found = layouts.map(() => new Map());
		this.nextCopy = layouts.map(() => 0);
	}

	async *part(index: number): AsyncGenerator<Uint8Array> {
		const layout = this.layouts[index];
		// Parts before this one are over (posted, or failed): what they still had waiting can go.
		for (let earlier = 0; earlier < index; earlier++) this.found[earlier].clear();
		yield layout.header;
		let expected = layout.header.length;
		while (expected < layout.bytes) {
			const piece = this.found[index].get(expected);
			if (piece) {
				this.found[index].delete(expected);
				expected += piece.length;
				yield piece;
				continue;
			}
			// Not reached for layouts prepareSplit accepted (it refuses overlapping samples); kept as a guard.
			if (this.nextCopy[index] === layout.copies.length) throw misplaced();
			if (!(await this.pull(index))) throw ended(this.position, this.fileBytes);
		}
		this.found[index].clear();
	}

	async close(): Promise<void> {
		for (const waiting of this.found) waiting.clear();
		await this.iterator.return?.();
	}

	/** Reads one more chunk and gives its pieces to the parts from `from` on; false at the end of the source. */
	private async pull(from: number): Promise<boolean> {
		const { value: chunk, done } = await this.iterator.next();
		if (done) return false;
		const chunkStart = this.position;
		const chunkEnd = chunkStart + chunk.length;
		this.position = chunkEnd;
		for (let index = from; index < this.layouts.length; index++) {
			const copies = this.layouts[index].copies;
			let next = this.nextCopy[index];
			while (next < copies.length && copies[next].source < chunkEnd) {
				const copy = copies[next];
				const start = Math.max(copy.source, chunkStart);
				const end = Math.min(copy.source + copy.length, chunkEnd);
				if (end > start) this.found[index].set(copy.target + (start - copy.source), chunk.subarray(start - chunkStart, end - chunkStart));
				if (copy.source + copy.length > chunkEnd) break;
				next++;
			}
			this.nextCopy[index] = next;
		}
		return true;
	}
}

/**
 * The parts of a split video, each read while it is posted (see PartPass). Parts are meant to be
 * opened in order, once each; opening one again (a retry) reads the source again for that part alone.
 * `close` stops reading the source.
 */
export function streamParts(open: OpenSource, layouts: PartLayout[], fileBytes: number): { parts: StreamedPart[]; close: () => Promise<void> } {
	let shared: PartPass | undefined;
	const parts = layouts.map((layout, index): StreamedPart => {
		let opened = 0;
		return {
			length: layout.bytes,
			open: () => (opened++ === 0 ? (shared ??= new PartPass(open, layouts, fileBytes)).part(index) : streamPart(open, layout, fileBytes)()),
		};
	});
	return { parts, close: async () => await shared?.close() };
}

/**
 * One laid-out file (a fast-start copy: mp4/fastStart.ts) read from the source each time it is
 * opened, as a part is: its header, then views of the source's chunks. The source is closed when
 * the file has been read, or when the reader stops early.
 */
export function streamPart(open: OpenSource, layout: PartLayout, fileBytes: number): OpenSource {
	return async function* () {
		const pass = new PartPass(open, [layout], fileBytes);
		try {
			yield* pass.part(0);
		} finally {
			await pass.close();
		}
	};
}
