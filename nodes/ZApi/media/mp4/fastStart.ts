/**
 * Fast start without ffmpeg: a movie whose index (moov) comes after its media is rewritten with the
 * moov in front, as `ffmpeg -movflags +faststart` does. Nothing else changes: every box keeps its
 * bytes and its order (tracks of any kind, metadata, sample groups), the media is not touched, and
 * only the chunk offsets (stco/co64) move by the moov's length. The file keeps its size.
 *
 * The rewritten file is laid out like a split part (partLayout.ts): a header (ftyp and the patched
 * moov) plus ranges of the source, streamed as a part is (media/partStream.ts) while it is posted,
 * so it needs the new moov and nothing more than the source's chunks being sent.
 */
import { MediaError } from '../../InputError';
import { readUint32, readUint64 } from '../bytes';
import type { MovieIndex } from './partAssembler';
import { readMovieIndex } from './partAssembler';
import type { Box } from './boxWalker';
import { readMovie } from './movie';
import { damagedIndex, entryCountOf, fullBoxOf, MOOV_BUDGET, StrictWalker } from './strictBoxes';
import type { PartCopy, PartLayout } from './partLayout';
import { streamPart } from '../partStream';
import type { InlineMedia } from '../source';
import type { StreamedMedia } from '../splitSource';
import { sourceOf } from '../splitSource';

/** Why the index stayed where it was (completes "it could not be moved to the front: ..."). */
export interface NotMoved {
	reason: string;
}

/** The file as posted once its index is in front, or why that could not be done. */
export type IndexMove = { moved: InlineMedia } | NotMoved;

const TWO_POW_32 = 0x1_0000_0000;

/** Where each chunk offset sits in the moov, and how wide it is. */
interface OffsetField {
	at: number;
	wide: boolean;
}

/**
 * Lays out the fast-start copy of a file whose moov comes after its media: the leading ftyp (when
 * the file starts with one), the moov with its chunk offsets moved, then every other byte of the
 * file in its own order. Pure; returns why not when the moov cannot be moved as it is.
 */
export function layoutFastStart(index: MovieIndex, fileBytes: number): PartLayout | NotMoved {
	if (index.moovFirst) return { reason: 'its index is already before its media' };
	const moovStart = index.moovOffset;
	const moovLength = index.moov.length;
	const moovEnd = moovStart + moovLength;
	const insertAt = index.fileType && index.fileTypeOffset === 0 ? index.fileType.length : 0;
	if (moovStart < insertAt || moovEnd > fileBytes) return { reason: 'its boxes are not where its index says' };

	let fields: OffsetField[];
	try {
		const found = offsetFields(index.moov);
		if ('reason' in found) return found;
		fields = found;
	} catch {
		// The box reader's bounds checks (MediaError): hostile boxes must end in a reason too.
		return { reason: 'its index (moov) is damaged' };
	}

	const moov = index.moov.slice();
	const view = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
	// A moov that was the last box may say "to the end of the file" (size 0): in front it needs its real size.
	if (view.getUint32(0) === 0) {
		if (moovLength > 0xffff_ffff) return { reason: 'its index is too large' };
		view.setUint32(0, moovLength);
	}
	for (const { at, wide } of fields) {
		const offset = wide ? readUint64(moov, at) : readUint32(moov, at);
		if (offset >= moovStart && offset < moovEnd) return { reason: 'its index points into itself' };
		const moved = offset >= insertAt && offset < moovStart ? offset + moovLength : offset;
		if (wide) {
			view.setUint32(at, Math.floor(moved / TWO_POW_32));
			view.setUint32(at + 4, moved % TWO_POW_32);
		} else if (moved > 0xffff_ffff) {
			return { reason: 'its media would move past 4 GB' };
		} else {
			view.setUint32(at, moved);
		}
	}

	const header = new Uint8Array(insertAt + moovLength);
	if (insertAt > 0 && index.fileType) header.set(index.fileType, 0);
	header.set(moov, insertAt);
	const copies: PartCopy[] = [];
	if (moovStart > insertAt) copies.push({ source: insertAt, length: moovStart - insertAt, target: insertAt + moovLength });
	if (fileBytes > moovEnd) copies.push({ source: moovEnd, length: fileBytes - moovEnd, target: moovEnd });
	return { header, copies, bytes: fileBytes };
}

/**
 * Every chunk offset in the moov (each track's stco or co64, as the movie model locates them), or
 * why the moov cannot be moved as it is: file positions the node does not rewrite, or media kept in
 * another file. Throws MediaError for a moov whose boxes do not fit.
 */
function offsetFields(moov: Uint8Array): OffsetField[] | NotMoved {
	const walker = new StrictWalker(moov, MOOV_BUDGET);
	const [moovBox] = walker.list(walker.file());
	const movie = moovBox?.type === 'moov' ? readMovie(walker, moovBox) : undefined;
	walker.refuse(damagedIndex);
	if (!movie) return { reason: 'its index (moov) is damaged' };
	if (movie.fragmentDefaults) return { reason: 'it is a fragmented MP4' };
	const holds = (box: Box, fourcc: string) => Buffer.from(moov.buffer, moov.byteOffset + box.start, box.end - box.start).includes(fourcc, 0, 'latin1');
	// Item locations (iloc) in a meta box are file positions too; no camera writes them into a movie.
	const userMetadata = movie.userData ? walker.list(walker.childrenOf(movie.userData)).filter((box) => box.type === 'meta') : [];
	walker.refuse(damagedIndex);
	if ([...movie.metadata, ...userMetadata].some((meta) => holds(meta, 'iloc'))) return { reason: 'its metadata holds file positions (iloc) the node does not rewrite' };

	const fields: OffsetField[] = [];
	for (const track of movie.tracks) {
		if (!track.stbl) return { reason: 'a track has no sample table' };
		const dinf = track.mediaInfoHeaders.find((box) => box.type === 'dinf');
		if (dinf && !selfContained(walker, moov, dinf)) return { reason: 'its media is kept in another file' };
		if (track.tables.saio) return { reason: 'it holds sample auxiliary information (saio) at file positions the node does not rewrite' };
		const table = track.tables.chunkOffsets;
		if (!table) continue;
		const wide = table.type === 'co64';
		const { at } = fullBoxOf(moov, table, 4);
		const count = entryCountOf(moov, table, at, wide ? 8 : 4);
		for (let entry = 0; entry < count; entry++) fields.push({ at: at + 4 + entry * (wide ? 8 : 4), wide });
	}
	return fields;
}

/** Whether every data reference of a track says "in this file" (flag 1), as all but reference movies do. */
function selfContained(walker: StrictWalker, moov: Uint8Array, dinf: Box): boolean {
	const dref = walker.list(walker.childrenOf(dinf)).find((box) => box.type === 'dref');
	walker.refuse(damagedIndex);
	if (!dref) return true;
	const { at } = fullBoxOf(moov, dref, 4);
	const entries = walker.list(walker.childrenOf(dref, at + 4 - dref.contentStart));
	walker.refuse(damagedIndex);
	return entries.every((entry) => entry.end - entry.contentStart >= 4 && (moov[entry.contentStart + 3] & 1) === 1);
}

/**
 * The fast-start copy of a file the node holds (bytes, Base64 text or a stored file), for posting;
 * `index` when it was already read. Never throws for what the file holds: it says why not instead.
 * The copy is streamed from the file each time the request body is read (a retry reads it again).
 */
export async function moveIndexToFront(media: InlineMedia | StreamedMedia, index?: MovieIndex): Promise<IndexMove> {
	const open = sourceOf(media);
	const movie =
		index ??
		(await readMovieIndex(open, media.bytes).catch((error: unknown) => {
			if (error instanceof MediaError) return { reason: 'its boxes could not be read' };
			throw error;
		}));
	if ('reason' in movie) return movie;
	const layout = layoutFastStart(movie, media.bytes);
	if ('reason' in layout) return layout;
	return { moved: { kind: 'inline', mimeType: media.mimeType, bytes: layout.bytes, open: streamPart(open, layout, media.bytes) } };
}
