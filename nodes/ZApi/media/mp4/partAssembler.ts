/**
 * Reads a movie's index and fills its parts from the source's bytes as they stream by, so a
 * 50 MB file stored on disk (or in n8n's database or object storage) never sits in memory whole:
 * only the source chunks of the parts being filled do (usually one part, two where parts
 * interleave in the source). A part is its header plus views of those chunks, never a copy.
 */
import { MediaError } from '../../InputError';
import type { Fragment } from './fragments';
import { readSampleMovie } from './sampleTables';
import type { PartLayout } from './partLayout';
import { layoutPart } from './partLayout';
import type { SplitOptions, SplitPlan } from './planParts';
import { movieSeconds, planParts } from './planParts';
import type { ByteSource } from '../bytes';
import { byteSourceOf, readUint32 } from '../bytes';
import { isHeaderProblem, parseBoxHeader, printableType } from './boxHeader';
import type { BoxBudget } from './boxWalker';
import { BoxWalker } from './boxWalker';
import { cuttableMovie, withDeniedKeyframes } from './cuttableMovie';
import { streamParts } from '../partStream';

/**
 * The source, read front to back in chunks of any size; can be started again (a second pass).
 * `randomAccess`, when the node holds the bytes (in memory or as Base64 text), reads any range
 * directly, so what needs only a few bytes here and there costs no pass over the file.
 */
export type OpenSource = (() => AsyncIterable<Uint8Array>) & { randomAccess?: ByteSource };

export interface MovieIndex {
	fileType?: Uint8Array;
	/** The whole moov box, header included. */
	moov: Uint8Array;
	/** moov comes before the media: the first pass ended as soon as it was read. */
	moovFirst: boolean;
	/** Where the moov box starts in the file. */
	moovOffset: number;
	/** Where fileType starts in the file. */
	fileTypeOffset?: number;
	/** A fragmented MP4's moof boxes (its moov has an mvex), read to the end of the file. */
	fragments?: Fragment[];
}

/**
 * What the scan of the top-level boxes reads at most. Boxes: a fragmented recording has a moof and
 * an mdat per fragment, an hour in 1-second fragments is 7,200 of each. Bytes: a 50 MB file's moov
 * is well under 2 MB, far beyond is not a real one; the same budget caps a fragmented file's moof
 * boxes together.
 */
const INDEX_BUDGET: BoxBudget = { maxBoxes: 100_000, maxDepth: 2, maxBytes: 32 * 1024 * 1024 };

/** Reads exactly the bytes asked for from a chunked source (the stream scanner's, and storedFile.ts's). */
export class SequentialReader {
	private readonly iterator: AsyncIterator<Uint8Array>;
	private chunk: Uint8Array = new Uint8Array(0);
	private at = 0;
	position = 0;

	constructor(source: AsyncIterable<Uint8Array>) {
		this.iterator = source[Symbol.asyncIterator]();
	}

	/** Up to `length` bytes (fewer only at the end of the source). */
	async read(length: number): Promise<Uint8Array> {
		const out = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			if (this.at >= this.chunk.length && !(await this.next())) break;
			const take = Math.min(length - filled, this.chunk.length - this.at);
			out.set(this.chunk.subarray(this.at, this.at + take), filled);
			this.at += take;
			filled += take;
		}
		this.position += filled;
		return filled === length ? out : out.subarray(0, filled);
	}

	/** Skips `length` bytes; false when the source ended first. */
	async skip(length: number): Promise<boolean> {
		let left = length;
		while (left > 0) {
			if (this.at >= this.chunk.length && !(await this.next())) return false;
			const take = Math.min(left, this.chunk.length - this.at);
			this.at += take;
			left -= take;
			this.position += take;
		}
		return true;
	}

	async close(): Promise<void> {
		await this.iterator.return?.();
	}

	private async next(): Promise<boolean> {
		const { value, done } = await this.iterator.next();
		if (done) return false;
		this.chunk = value;
		this.at = 0;
		return true;
	}
}

const fragmented = () =>
	new MediaError(
		'The video is a fragmented MP4 whose fragments (moof boxes) could not all be read (a fragment before the index, a file cut short, or too many), so it cannot be split',
		'Convert it to a regular MP4 first (for example with a video editor, or ffmpeg -i input.mp4 -c copy output.mp4), or send a video within the limits.',
	);

/** Whether a box (header included) has a direct child of this type. */
function hasChild(box: Uint8Array, type: string): boolean {
	const walker = new BoxWalker(byteSourceOf(box), INDEX_BUDGET, () => undefined);
	const [outer] = walker.list(walker.file());
	return outer !== undefined && walker.list(walker.childrenOf(outer)).some((child) => child.type === type);
}

/**
 * Walks the top-level boxes to the moov (reading the whole file only when moov is at its end, or
 * for a fragmented MP4, whose moof boxes are spread through it).
 */
export async function readMovieIndex(open: OpenSource, fileBytes: number): Promise<MovieIndex> {
	const reader = new SequentialReader(open());
	try {
		let fileType: Uint8Array | undefined;
		let fileTypeOffset: number | undefined;
		let mediaSeen = false;
		let found: MovieIndex | undefined;
		let fragmentBytes = 0;
		const readBox = async (header: Uint8Array, size: number): Promise<Uint8Array | undefined> => {
			const box = new Uint8Array(size);
			box.set(header);
			const rest = await reader.read(size - header.length);
			if (rest.length < size - header.length) return undefined;
			box.set(rest, header.length);
			return box;
		};
		for (let count = 0; reader.position < fileBytes && count < INDEX_BUDGET.maxBoxes; count++) {
			const start = reader.position;
			let header = await reader.read(8);
			if (header.length < 8) break;
			if (readUint32(header, 0) === 1) {
				const large = await reader.read(8);
				if (large.length < 8) break;
				const joined = new Uint8Array(16);
				joined.set(header);
				joined.set(large, 8);
				header = joined;
			}
			// Past the first box an unprintable type is an opaque box like any other (zero padding, vendor data).
			const parsed = parseBoxHeader(header, fileBytes - start, start > 0);
			if (isHeaderProblem(parsed) && parsed.problem === 'unreadableType') {
				throw new MediaError('The video is not an MP4 or QuickTime file, so it cannot be split', 'Convert it to MP4 (H.264) first, or send a video within the limits.');
			}
			// The source itself ended inside a 64-bit header.
			if (isHeaderProblem(parsed) && parsed.problem === 'largeSizeCut' && header.length < 16) break;
			if (isHeaderProblem(parsed) || parsed.size > fileBytes - start) {
				throw new MediaError(
					`The video file is damaged or cut short: its ${printableType(header)} box at byte ${start} runs past the end`,
					'Check that the whole file was downloaded or uploaded, or re-save it with a video editor.',
				);
			}
			const { type, size } = parsed;
			if (type === 'moof') {
				// Fragments are only readable after the moov that says they exist.
				if (!found?.fragments) throw fragmented();
				fragmentBytes += size;
				if (fragmentBytes > INDEX_BUDGET.maxBytes) throw new MediaError("The video's fragments (moof) are implausibly large", 'Re-save the video with a video editor or converter.');
				const box = await readBox(header, size);
				if (!box) break;
				found.fragments.push({ offset: start, box });
				continue;
			}
			if (type === 'moov' && !found) {
				if (size > INDEX_BUDGET.maxBytes) throw new MediaError('The video\'s index (moov) is implausibly large', 'Re-save the video with a video editor or converter.');
				const moov = await readBox(header, size);
				if (!moov) break;
				found = { fileType, fileTypeOffset, moov, moovFirst: !mediaSeen, moovOffset: start };
				if (!hasChild(moov, 'mvex')) return found;
				found.fragments = [];
				continue;
			}
			if (type === 'ftyp' && fileType === undefined && size <= 1024) {
				const rest = await reader.read(size - header.length);
				fileType = new Uint8Array(size);
				fileTypeOffset = start;
				fileType.set(header);
				fileType.set(rest, header.length);
				continue;
			}
			if (type === 'mdat') mediaSeen = true;
			if (!(await reader.skip(size - header.length))) break;
		}
		if (found?.fragments && reader.position >= fileBytes) return found;
		if (found?.fragments) throw fragmented();
		throw new MediaError('The video has no readable index (moov box), so it cannot be split', 'Check that the whole file was uploaded, or re-save it with a video editor.');
	} finally {
		await reader.close();
	}
}

/** A finished part: its bytes are the header followed by pieces of the source's own chunks (views, not copies), in order. */
export interface PartBytes {
	length: number;
	pieces: Uint8Array[];
}

/**
 * Each part whole, in order, filled in one pass over the source (the pass the node posts from:
 * media/partStream.ts), for tests and tools. A part holds on to the source chunks its samples are
 * in until it is handed over. Stops reading (closing the source) after the last part, or when the
 * caller stops asking.
 */
export async function* assembleParts(open: OpenSource, layouts: PartLayout[], fileBytes: number): AsyncGenerator<PartBytes> {
	const streamed = streamParts(open, layouts, fileBytes);
	try {
		for (const part of streamed.parts) {
			const pieces: Uint8Array[] = [];
			for await (const piece of part.open()) pieces.push(piece);
			yield { length: part.length, pieces };
		}
	} finally {
		await streamed.close();
	}
}

/** A part as one contiguous copy (for tests and tools; the node sends the pieces). */
export function joinPieces(part: PartBytes): Uint8Array {
	const joined = new Uint8Array(part.length);
	let offset = 0;
	for (const piece of part.pieces) {
		joined.set(piece, offset);
		offset += piece.length;
	}
	return joined;
}

export interface PreparedSplit {
	plan: SplitPlan;
	/** One per part, in order: each part's size is known before any media is read. */
	layouts: PartLayout[];
	moovFirst: boolean;
	/** The parts' bytes from part `first` (1-based, default 1) on, in order, filled in one more pass over the source. */
	parts(first?: number): AsyncGenerator<PartBytes>;
}

/**
 * Reads the index, checks the video's keyframes in its samples, plans the parts and lays them out;
 * the rest of the media is read only when parts() is iterated.
 */
export async function prepareSplit(open: OpenSource, fileBytes: number, options: SplitOptions): Promise<PreparedSplit> {
	return await prepareSplitFromIndex(await readMovieIndex(open, fileBytes), open, fileBytes, options);
}

/** prepareSplit for an index already read (to inspect the movie before deciding to split it). */
export async function prepareSplitFromIndex(index: MovieIndex, open: OpenSource, fileBytes: number, options: SplitOptions): Promise<PreparedSplit> {
	try {
		const { movie, deniedKeyframes } = await cuttableMovie(readSampleMovie(index.moov, fileBytes, index.fragments), open, index.fragments);
		let plan: SplitPlan;
		try {
			plan = planParts(movie, options);
		} catch (error) {
			throw withDeniedKeyframes(error, deniedKeyframes);
		}
		const layouts = plan.parts.map((part) => layoutPart(movie, index.fileType, part));
		// Each sample lies inside the file, but hostile tables could list the same bytes over and over.
		// Real parts hold each sample once, except the few frames around open-GOP cuts.
		const media = layouts.reduce((sum, layout) => sum + layout.bytes - layout.header.length, 0);
		const overlapping = layouts.some(({ copies }) => copies.some((copy, index) => index > 0 && copy.source < copies[index - 1].source + copies[index - 1].length));
		if (overlapping) {
			throw new MediaError("The video's index (moov) lists samples that overlap each other in the file, so it cannot be split", 'Re-save the video with a video editor or converter.');
		}
		if (media > 2 * fileBytes) {
			throw new MediaError("The video's index (moov) lists more media than the file holds, so it cannot be split", 'Re-save the video with a video editor or converter.');
		}
		return { plan, layouts, moovFirst: index.moovFirst, parts: (first = 1) => assembleParts(open, layouts.slice(first - 1), fileBytes) };
	} catch (error) {
		// Anything but a MediaError is not expected; hostile input must still end in a clear error.
		throw error instanceof MediaError
			? error
			: new MediaError(`The video could not be split (${error instanceof Error ? error.message : 'unexpected structure'})`, 'Re-save the video with a video editor or converter.');
	}
}

/** A source held in memory, handed out in slices (no copies), and read directly where only a few bytes are needed. */
export function bufferSource(bytes: Uint8Array, chunkBytes = 1024 * 1024): OpenSource {
	const chunks = async function* () {
		for (let offset = 0; offset < bytes.length; offset += chunkBytes) yield bytes.subarray(offset, offset + chunkBytes);
	};
	return Object.assign(chunks, { randomAccess: byteSourceOf(bytes) });
}

/** ftyp, moov and an empty mdat in the source's order: what the box reader (inspector.ts) needs. */
export function skeletonOf(index: MovieIndex): Uint8Array {
	const mdat = Uint8Array.of(0, 0, 0, 8, 0x6d, 0x64, 0x61, 0x74);
	const parts = [index.fileType ?? new Uint8Array(0), ...(index.moovFirst ? [index.moov, mdat] : [mdat, index.moov])];
	const skeleton = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		skeleton.set(part, offset);
		offset += part.length;
	}
	return skeleton;
}

/** A fragmented MP4's duration from its fragments (its mvhd usually says 0); undefined when unreadable. */
export function fragmentedSeconds(index: MovieIndex, fileBytes: number): number | undefined {
	if (!index.fragments) return undefined;
	try {
		return movieSeconds(readSampleMovie(index.moov, fileBytes, index.fragments));
	} catch {
		return undefined;
	}
}
