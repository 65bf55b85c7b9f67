/**
 * The inspector's model of a movie: what its moov says (movie and track headers, edit lists,
 * handlers, the first sample entry, where the last chunk of samples ends, the fragment defaults),
 * read through the box walker and the shared box field readers. Leniently: what cannot be read
 * is noted and left out.
 */
import { readUint32 } from '../bytes';
import type { Box } from './boxWalker';
import type { InspectContext } from './inspectContext';
import type { Edit } from './movieBoxes';
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
import {
	editCount,
	editEntryLength,
	HANDLER_LENGTH,
	readEdit,
	readFragmentDuration,
	readHandlerType,
	readTimedHeader,
	readTrackExtends,
	readTrackHeader,
	timedHeaderLength,
	TRACK_EXTENDS_LENGTH,
	trackHeaderLength,
} from './movieBoxes';

export interface TrackFacts {
	trackId?: number;
	handlerType?: string;
	/** tkhd duration, in movie timescale units. */
	headerDuration?: number;
	/** tkhd width and height: the presentation size before rotation. */
	presentationWidth?: number;
	presentationHeight?: number;
	/** Clockwise degrees, from the tkhd matrix. */
	rotation?: number;
	edits?: Edit[];
	mediaTimescale?: number;
	mediaDuration?: number;
	sampleEntry?: Box;
	/** Where the last chunk of samples ends, from the sample tables (stco/co64, stsc, stsz). */
	mediaEnd?: number;
	/** Fragmented files: where the last fragment ends, in media timescale units. */
	fragmentsEnd?: number;
}

export interface FragmentDefaults {
	/** trex default_sample_duration per track_ID. */
	sampleDuration: Map<number, number>;
	/** mehd fragment_duration, in the movie timescale. */
	totalDuration?: number;
}

export interface MovieFacts {
	timescale?: number;
	duration?: number;
	headerRead: boolean;
	fragments?: FragmentDefaults;
	compressed: boolean;
	tracks: TrackFacts[];
}

interface SampleTables {
	lastChunkOffset?: number;
	samplesInLastChunk?: number;
	sampleSizes?: Box;
}

const MAX_EDITS = 64;
/** Sample sizes read for the cut-short check; a last chunk holding more samples is not checked. */
const MAX_LAST_CHUNK_SAMPLES = 65_536;

export function readMovie(context: InspectContext, moov: Box): MovieFacts {
	const { walker } = context;
	const movie: MovieFacts = { headerRead: false, compressed: false, tracks: [] };
	walker.walk(walker.childrenOf(moov), (box) => {
		if (box.type === 'mvhd' && !movie.headerRead) readMovieHeader(context, box, movie);
		else if (box.type === 'trak') movie.tracks.push(readTrack(context, box));
		else if (box.type === 'mvex' && !movie.fragments) movie.fragments = readMovieExtends(context, box);
		else if (box.type === 'cmov') movie.compressed = true;
	});
	return movie;
}

function readMovieHeader({ walker }: InspectContext, box: Box, movie: MovieFacts): void {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return;
	const content = walker.content(box, timedHeaderLength(version));
	if (!content) return;
	movie.headerRead = true;
	const { timescale, duration } = readTimedHeader(content, version);
	movie.timescale = timescale;
	movie.duration = duration;
}

/** mvex: the total length (mehd) and the default sample duration per track (trex). */
function readMovieExtends({ walker }: InspectContext, mvex: Box): FragmentDefaults {
	const defaults: FragmentDefaults = { sampleDuration: new Map() };
	walker.walk(walker.childrenOf(mvex), (box) => {
		if (box.type === 'mehd' && defaults.totalDuration === undefined) {
			const version = walker.fullBoxVersion(box);
			const content = version === undefined ? undefined : walker.content(box, version === 1 ? 12 : 8);
			if (content) defaults.totalDuration = readFragmentDuration(content, version ?? 0);
		} else if (box.type === 'trex') {
			const content = walker.content(box, TRACK_EXTENDS_LENGTH);
			if (content) {
				const trex = readTrackExtends(content);
				defaults.sampleDuration.set(trex.trackId, trex.duration);
			}
		}
	});
	return defaults;
}

function readTrack(context: InspectContext, trak: Box): TrackFacts {
	const { walker } = context;
	const track: TrackFacts = {};
	let headerSeen = false;
	let mediaSeen = false;
	let editsSeen = false;
	walker.walk(walker.childrenOf(trak), (box) => {
		if (box.type === 'tkhd' && !headerSeen) {
			headerSeen = true;
			readTrackHeaderFacts(context, box, track);
		} else if (box.type === 'mdia' && !mediaSeen) {
			mediaSeen = true;
			readMedia(context, box, track);
		} else if (box.type === 'edts' && !editsSeen) {
			editsSeen = true;
			walker.walk(walker.childrenOf(box), (child) => {
				if (child.type === 'elst' && track.edits === undefined) track.edits = readEditList(context, child);
			});
		}
	});
	return track;
}

function readTrackHeaderFacts({ walker }: InspectContext, box: Box, track: TrackFacts): void {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return;
	const content = walker.content(box, trackHeaderLength(version));
	if (!content) return;
	const header = readTrackHeader(content, version);
	track.trackId = header.trackId;
	if (header.duration !== undefined) track.headerDuration = header.duration;
	track.rotation = header.rotation;
	// Audio tracks store a zero size.
	if (header.width > 0 && header.height > 0) {
		track.presentationWidth = header.width;
		track.presentationHeight = header.height;
	}
}

function readEditList({ walker }: InspectContext, box: Box): Edit[] | undefined {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return undefined;
	const entrySize = editEntryLength(version);
	const header = walker.content(box, 8);
	if (!header) return undefined;
	const count = Math.min(editCount(header), MAX_EDITS, Math.floor((box.end - box.contentStart - 8) / entrySize));
	const content = walker.content(box, 8 + count * entrySize);
	if (!content) return undefined;
	const edits: Edit[] = [];
	for (let index = 0; index < count; index++) edits.push(readEdit(content, version, index));
	return edits;
}

function readMedia(context: InspectContext, mdia: Box, track: TrackFacts): void {
	const { walker } = context;
	walker.walk(walker.childrenOf(mdia), (box) => {
		if (box.type === 'mdhd' && track.mediaTimescale === undefined) readMediaHeader(context, box, track);
		else if (box.type === 'hdlr' && track.handlerType === undefined) {
			const content = walker.content(box, HANDLER_LENGTH);
			if (content) track.handlerType = readHandlerType(content);
		} else if (box.type === 'minf') {
			walker.walk(walker.childrenOf(box), (child) => {
				if (child.type === 'stbl') readSampleTables(context, child, track);
			});
		}
	});
}

function readMediaHeader({ walker }: InspectContext, box: Box, track: TrackFacts): void {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return;
	const content = walker.content(box, timedHeaderLength(version));
	if (!content) return;
	const { timescale, duration } = readTimedHeader(content, version);
	track.mediaTimescale = timescale;
	if (duration !== undefined) track.mediaDuration = duration;
}

function readSampleTables(context: InspectContext, stbl: Box, track: TrackFacts): void {
	const { walker } = context;
	const tables: SampleTables = {};
	walker.walk(walker.childrenOf(stbl), (table) => {
		if (table.type === 'stsd' && track.sampleEntry === undefined) readSampleDescription(context, table, track);
		else if ((table.type === 'stco' || table.type === 'co64') && tables.lastChunkOffset === undefined) {
			const wide = table.type === 'co64';
			tables.lastChunkOffset = readLastEntry(context, table, chunkOffsetLength(wide), (bytes) => chunkOffsetAt(bytes, 0, wide));
		} else if (table.type === 'stsc' && tables.samplesInLastChunk === undefined) {
			tables.samplesInLastChunk = readLastEntry(context, table, SAMPLE_TO_CHUNK_ENTRY_LENGTH, (bytes) => sampleToChunkAt(bytes, 0).samplesPerChunk);
		} else if (table.type === 'stsz' && tables.sampleSizes === undefined) {
			tables.sampleSizes = table;
		}
	});
	track.mediaEnd = lastChunkEnd(context, tables);
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

/** Where the samples of the last chunk end: its offset plus the sizes of its samples (stsz). */
function lastChunkEnd(context: InspectContext, tables: SampleTables): number | undefined {
	const { walker } = context;
	const { lastChunkOffset, samplesInLastChunk, sampleSizes } = tables;
	if (lastChunkOffset === undefined || !samplesInLastChunk || !sampleSizes) return undefined;
	const header = walker.content(sampleSizes, SAMPLE_SIZES_AT);
	if (!header) return undefined;
	const { constantSize, sampleCount } = sampleSizeHeader(header);
	const samples = Math.min(samplesInLastChunk, sampleCount);
	if (samples === 0) return undefined;
	if (constantSize !== 0) return lastChunkOffset + samples * constantSize;
	if (samples > MAX_LAST_CHUNK_SAMPLES) return undefined;
	if (SAMPLE_SIZES_AT + sampleCount * SAMPLE_NUMBER_LENGTH > sampleSizes.end - sampleSizes.contentStart) {
		context.note('stsz box too short for its sample count');
		return undefined;
	}
	const sizes = walker.read(sampleSizes.contentStart + SAMPLE_SIZES_AT + (sampleCount - samples) * SAMPLE_NUMBER_LENGTH, samples * SAMPLE_NUMBER_LENGTH);
	if (!sizes) return undefined;
	let end = lastChunkOffset;
	for (let offset = 0; offset < sizes.length; offset += 4) end += readUint32(sizes, offset);
	return end;
}

function readSampleDescription(context: InspectContext, stsd: Box, track: TrackFacts): void {
	const { walker } = context;
	// Entries may be readable even when stsd itself was cut, so only its fixed part must be whole.
	if (stsd.end - stsd.contentStart < 8) {
		if (!stsd.truncated) context.note('stsd box too short');
		return;
	}
	const header = walker.read(stsd.contentStart, 8);
	if (!header || readUint32(header, 4) === 0) return;
	const entries = walker.childrenOf(stsd, 8);
	const entry = walker.readBox(entries, entries.start);
	if (entry && !entry.truncated) track.sampleEntry = entry;
}
