/**
 * The inspector's view of the movie model (movie.ts): per track, where its samples end in the file
 * (the last chunk of its sample tables, to tell a cut file) and, for a fragmented movie, where its
 * fragments end on the timeline and how late the presentation starts. Computed from the model's
 * boxes, reading only the table entries needed, leniently: what cannot be read is noted and left out.
 */
import { readUint32 } from '../bytes';
import type { Box } from './boxWalker';
import { readFragmentEnds, readFragmentStarts } from './fragmentDurations';
import type { InspectContext } from './inspectContext';
import type { Movie, MovieTrack } from './movie';
import { startsAtFirstSample, trackKind } from './movie';
import {
	chunkOffsetAt,
	chunkOffsetLength,
	SAMPLE_NUMBER_LENGTH,
	SAMPLE_SIZES_AT,
	SAMPLE_TO_CHUNK_ENTRY_LENGTH,
	sampleSizeHeader,
	sampleToChunkAt,
	TABLE_ENTRIES_AT,
	tableEntryCount,
} from './sampleTableBoxes';

export interface TrackFacts {
	track: MovieTrack;
	/** Where the last chunk of samples ends, from the sample tables (stco/co64, stsc, stsz). */
	mediaEnd?: number;
	/** Fragmented movies: where the last fragment ends, in media timescale units. */
	fragmentsEnd?: number;
}

export interface MovieFacts {
	movie: Movie;
	/** One per track of the model, in its order. */
	tracks: TrackFacts[];
	/**
	 * Seconds of the media timeline before the presentation starts: a fragmented movie cut from a
	 * stream starts at its first sample (movie.ts, startsAtFirstSample), as the splitter cuts it.
	 */
	lateSeconds: number;
}

/** Sample sizes read for the cut-short check; a last chunk holding more samples is not checked. */
const MAX_LAST_CHUNK_SAMPLES = 65_536;

/** The facts of a movie read from `moofs` (its top-level moof boxes, for a fragmented one) and its tables. */
export function movieFacts(context: InspectContext, movie: Movie, moofs: Box[]): MovieFacts {
	const tracks: TrackFacts[] = movie.tracks.map((track) => ({ track, mediaEnd: lastChunkEnd(context, track) }));
	let lateSeconds = 0;
	if (movie.fragmentDefaults && moofs.length > 0) {
		const ends = readFragmentEnds(context, moofs, movie);
		for (const facts of tracks) facts.fragmentsEnd = ends.get(facts.track);
		if (startsAtFirstSample(movie, (track) => sampleCount(context, track))) lateSeconds = firstSampleSeconds(context, moofs, movie);
	}
	return { movie, tracks, lateSeconds };
}

/** Where the video and audio tracks' first fragments start, in seconds: the earliest of them. */
function firstSampleSeconds(context: InspectContext, moofs: Box[], movie: Movie): number {
	let earliest = Infinity;
	for (const [track, decodeTime] of readFragmentStarts(context, moofs, movie)) {
		const timescale = track.media?.timescale;
		if (trackKind(track) !== 'other' && timescale) earliest = Math.min(earliest, decodeTime / timescale);
	}
	return Number.isFinite(earliest) && earliest > 0 ? earliest : 0;
}

/** The samples a track's own tables hold (stsz). */
function sampleCount({ walker }: InspectContext, track: MovieTrack): number {
	const { stsz } = track.tables;
	const header = stsz ? walker.content(stsz, SAMPLE_SIZES_AT) : undefined;
	return header ? sampleSizeHeader(header).sampleCount : 0;
}

/** Where the samples of the last chunk end: its offset plus the sizes of its samples (stsz). */
function lastChunkEnd(context: InspectContext, track: MovieTrack): number | undefined {
	const { walker } = context;
	const { chunkOffsets, stsc, stsz } = track.tables;
	if (!chunkOffsets || !stsc || !stsz) return undefined;
	const wide = chunkOffsets.type === 'co64';
	const lastChunkOffset = readLastEntry(context, chunkOffsets, chunkOffsetLength(wide), (bytes) => chunkOffsetAt(bytes, 0, wide));
	const samplesInLastChunk = readLastEntry(context, stsc, SAMPLE_TO_CHUNK_ENTRY_LENGTH, (bytes) => sampleToChunkAt(bytes, 0).samplesPerChunk);
	if (lastChunkOffset === undefined || !samplesInLastChunk) return undefined;
	const header = walker.content(stsz, SAMPLE_SIZES_AT);
	if (!header) return undefined;
	const { constantSize, sampleCount: count } = sampleSizeHeader(header);
	const samples = Math.min(samplesInLastChunk, count);
	if (samples === 0) return undefined;
	if (constantSize !== 0) return lastChunkOffset + samples * constantSize;
	if (samples > MAX_LAST_CHUNK_SAMPLES) return undefined;
	if (SAMPLE_SIZES_AT + count * SAMPLE_NUMBER_LENGTH > stsz.end - stsz.contentStart) {
		context.note('stsz box too short for its sample count');
		return undefined;
	}
	const sizes = walker.read(stsz.contentStart + SAMPLE_SIZES_AT + (count - samples) * SAMPLE_NUMBER_LENGTH, samples * SAMPLE_NUMBER_LENGTH);
	if (!sizes) return undefined;
	let end = lastChunkOffset;
	for (let offset = 0; offset < sizes.length; offset += 4) end += readUint32(sizes, offset);
	return end;
}

/** The last entry of a table box (version/flags, entry count, entries), decoded by `decode`. */
function readLastEntry(context: InspectContext, table: Box, entrySize: number, decode: (entry: Uint8Array) => number): number | undefined {
	const { walker } = context;
	const header = walker.content(table, TABLE_ENTRIES_AT);
	if (!header) return undefined;
	const count = tableEntryCount(header);
	if (count === 0) return undefined;
	if (TABLE_ENTRIES_AT + count * entrySize > table.end - table.contentStart) {
		context.note(`${table.type} box too short for its ${count} entries`);
		return undefined;
	}
	const entry = walker.read(table.contentStart + TABLE_ENTRIES_AT + (count - 1) * entrySize, entrySize);
	return entry ? decode(entry) : undefined;
}
