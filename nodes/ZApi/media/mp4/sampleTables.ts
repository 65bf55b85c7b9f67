/**
 * The sample tables of an MP4/QuickTime movie, expanded to one entry per sample, for cutting it
 * into parts (planParts.ts). Reads only the moov box, which the caller has located and copied,
 * through the one model of the movie (movie.ts), on which it applies the splitter's strict checks.
 *
 * The bytes are untrusted: every count is checked against the bytes that hold its entries (or,
 * for counts no entry backs, against the file size and a fixed cap) before anything is allocated,
 * so hostile tables end in a MediaError, never in an uncaught exception, a long loop or a huge
 * allocation.
 */
import { MediaError } from '../../InputError';
import type { Fragment, FragmentSamples, TrackDefaults } from './fragments';
import { readFragmentSamples } from './fragments';
import { readUint32 } from '../bytes';
import type { Box } from './boxWalker';
import type { EditList, MovieTrack, SampleTableBoxes } from './movie';
import { MAX_EDITS, readMovie, startsAtFirstSample, trackKind } from './movie';
import {
	chunkOffsetAt,
	chunkOffsetLength,
	RUN_ENTRY_LENGTH,
	runAt,
	SAMPLE_NUMBER_LENGTH,
	SAMPLE_SIZES_AT,
	SAMPLE_TO_CHUNK_ENTRY_LENGTH,
	sampleSizeHeader,
	sampleToChunkAt,
	TABLE_ENTRIES_AT,
} from './sampleTableBoxes';
import { damagedIndex as damaged, entryCountOf, fullBoxOf, MOOV_BUDGET, StrictWalker } from './strictBoxes';

/** Samples of all tracks together; a 6-minute 30 fps video with AAC has about 26,000. */
export const MAX_SAMPLES = 1_000_000;

export interface SampleTrack {
	kind: 'video' | 'audio';
	/** tkhd track_ID (fragments name their track by it). */
	trackId: number;
	/** mdhd timescale: ticks per second of this track's media time. */
	timescale: number;
	sampleCount: number;
	/** Where each sample starts in the file. */
	offsets: Float64Array;
	sizes: Uint32Array;
	/** Decode time of each sample, in media ticks from the first. */
	decodeTimes: Float64Array;
	durations: Uint32Array;
	/** Composition offsets (B-frames), when the track has a ctts. */
	compositionOffsets?: Int32Array;
	/** 1 for sync samples (keyframes); undefined when every sample is one (no stss). */
	sync?: Uint8Array;
	/** The stsd entry (1-based) each sample uses. */
	descriptionIndex: Uint32Array;
	/** Presentation start in movie ticks (empty edits before the media). */
	emptyEditTicks: number;
	/** Media time shown first (edit list media_time), in media ticks. */
	mediaStart: number;
	/** Length of the shown media in movie ticks; undefined when the edit list does not limit it. */
	editDuration?: number;
	/** Boxes copied into every part unchanged (tkhd and mdhd get new durations). */
	boxes: { tkhd: Uint8Array; mdhd: Uint8Array; hdlr: Uint8Array; mediaInfoHeaders: Uint8Array[]; stsd: Uint8Array };
}

export interface SampleMovie {
	/** mvhd timescale. */
	timescale: number;
	mvhd: Uint8Array;
	tracks: SampleTrack[];
	/** Handler types of tracks left out of the parts (timecode, metadata, subtitles). */
	skippedTracks: string[];
}

/**
 * Reads the moov box (header included) of a file of `fileBytes` bytes, plus, for a fragmented
 * MP4, the samples its moof boxes list. Throws MediaError.
 */
export function readSampleMovie(moov: Uint8Array, fileBytes: number, fragments?: Fragment[]): SampleMovie {
	try {
		return readStrictly(moov, fileBytes, fragments);
	} catch (error) {
		// Anything but a MediaError is not expected (every read is bounds-checked); hostile input must still end in a clear error.
		throw error instanceof MediaError ? error : damaged(`unexpected structure (${error instanceof Error ? error.message : 'unknown'})`);
	}
}

function readStrictly(bytes: Uint8Array, fileBytes: number, fragments: Fragment[] | undefined): SampleMovie {
	const walker = new StrictWalker(bytes, MOOV_BUDGET);
	const [moovBox] = walker.list(walker.file());
	const movie = moovBox?.type === 'moov' ? readMovie(walker, moovBox) : undefined;
	walker.refuse(damaged);
	if (!movie) throw damaged('it does not start with a moov box');
	if (movie.fragmentDefaults && fragments === undefined) {
		throw new MediaError(
			'The video is a fragmented MP4 (its samples are indexed piece by piece in moof boxes, as live and screen recorders write them), which this node cannot split',
			'Convert it to a regular MP4 first (for example with a video editor, or ffmpeg -i input.mp4 -c copy output.mp4), or send a video within the limits.',
		);
	}
	if (!movie.mvhdBox) throw damaged('it has no mvhd box');
	const timescale = movie.header?.timescale;
	if (!timescale) throw damaged('its movie header (mvhd) is unreadable');

	const tracks: SampleTrack[] = [];
	const skippedTracks: string[] = [];
	const samplesInMoov = new Map<MovieTrack, number>();
	let samples = 0;
	for (const movieTrack of movie.tracks) {
		const track = readTrack(bytes, movieTrack, fileBytes, MAX_SAMPLES - samples);
		if (typeof track === 'string') skippedTracks.push(track);
		else {
			tracks.push(track);
			samplesInMoov.set(movieTrack, track.sampleCount);
			samples += track.sampleCount;
		}
	}
	const mvhd = copy(bytes, movie.mvhdBox);
	if (!movie.fragmentDefaults || !fragments) return { timescale, mvhd, tracks, skippedTracks };
	const defaults = new Map<number, TrackDefaults>();
	for (const { trackId, ...trackDefaults } of movie.fragmentDefaults.trackExtends.values()) defaults.set(trackId, trackDefaults);
	const startTimes = new Map(
		tracks.map((track) => [track.trackId, track.sampleCount ? track.decodeTimes[track.sampleCount - 1] + track.durations[track.sampleCount - 1] : 0]),
	);
	const fromFragments = readFragmentSamples(fragments, defaults, fileBytes, MAX_SAMPLES - samples, startTimes);
	const lateStart = startsAtFirstSample(movie, (movieTrack) => samplesInMoov.get(movieTrack) ?? 0);
	const withFragments = tracks.map((track) => {
		const extra = fromFragments.get(track.trackId);
		return extra ? appendSamples(track, extra) : track;
	});
	return { timescale, mvhd, tracks: lateStart ? startAtFirstSample(withFragments) : withFragments, skippedTracks };
}

/** The presentation starts at the first sample (movie.ts, startsAtFirstSample): the same seconds taken off every track. */
function startAtFirstSample(tracks: SampleTrack[]): SampleTrack[] {
	const timed = tracks.filter((track) => track.sampleCount > 0);
	if (timed.length === 0) return tracks;
	const lateSeconds = Math.min(...timed.map((track) => track.decodeTimes[0] / track.timescale));
	if (!(lateSeconds > 0)) return tracks;
	return tracks.map((track) => ({ ...track, mediaStart: Math.floor(lateSeconds * track.timescale) }));
}

function copy(bytes: Uint8Array, box: Box): Uint8Array {
	return bytes.slice(box.start, box.end);
}

/** A track with the samples of its fragments after those of its own tables. */
function appendSamples(track: SampleTrack, extra: FragmentSamples): SampleTrack {
	const count = track.sampleCount + extra.count;
	const join = <T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(make: (length: number) => T, own: T | undefined, more: T | undefined, fill = 0): T => {
		const joined = make(count);
		if (own) joined.set(own, 0);
		else joined.fill(fill, 0, track.sampleCount);
		if (more) joined.set(more, track.sampleCount);
		else joined.fill(fill, track.sampleCount);
		return joined;
	};
	const withOffsets = track.compositionOffsets !== undefined || extra.compositionOffsets !== undefined;
	return {
		...track,
		sampleCount: count,
		offsets: join((length) => new Float64Array(length), track.offsets, extra.offsets),
		sizes: join((length) => new Uint32Array(length), track.sizes, extra.sizes),
		// Fragments without tfdt continue from the end of the track's own samples.
		decodeTimes: join((length) => new Float64Array(length), track.decodeTimes, extra.decodeTimes),
		durations: join((length) => new Uint32Array(length), track.durations, extra.durations),
		compositionOffsets: withOffsets ? join((length) => new Int32Array(length), track.compositionOffsets, extra.compositionOffsets) : undefined,
		sync: track.sync || extra.sync ? join((length) => new Uint8Array(length), track.sync, extra.sync, 1) : undefined,
		descriptionIndex: join((length) => new Uint32Array(length), track.descriptionIndex, extra.descriptionIndex),
	};
}

function required<T>(found: T | undefined, type: string, where: string): T {
	if (found === undefined) throw damaged(`a track has no ${type} box in ${where}`);
	return found;
}

/** A track, or the handler type of a track that is neither video nor audio. */
function readTrack(bytes: Uint8Array, track: MovieTrack, fileBytes: number, samplesLeft: number): SampleTrack | string {
	required(track.mdia, 'mdia', 'trak');
	const hdlr = required(track.hdlrBox, 'hdlr', 'mdia');
	const handlerType = required(track.handlerType, 'hdlr', 'mdia');
	const kind = trackKind(track);
	if (kind === 'other') return handlerType;
	const tkhd = required(track.tkhdBox, 'tkhd', 'trak');
	const header = required(track.header, 'tkhd', 'trak');
	const mdhd = required(track.mdhdBox, 'mdhd', 'mdia');
	const { timescale } = required(track.media, 'mdhd', 'mdia');
	if (timescale === 0) throw damaged('a track has a zero timescale');
	// ffmpeg, and the players built on it, read a timescale as a signed 32-bit number; one above
	// 2^31 - 1 is a corrupted header to them (they time the track in whole seconds instead).
	if (timescale > 0x7fff_ffff) throw damaged(`a track's timescale (${timescale}) is out of range`);
	required(track.minf, 'minf', 'mdia');
	required(track.stbl, 'stbl', 'minf');
	const stsd = required(track.tables.stsd, 'stsd', 'stbl');

	const tables = readSampleTables(bytes, track, fileBytes, samplesLeft);
	const edit = readEditList(track.editList);
	return {
		kind,
		trackId: header.trackId,
		timescale,
		...tables,
		...edit,
		boxes: {
			tkhd: copy(bytes, tkhd),
			mdhd: copy(bytes, mdhd),
			hdlr: copy(bytes, hdlr),
			mediaInfoHeaders: track.mediaInfoHeaders.map((box) => copy(bytes, box)),
			stsd: copy(bytes, stsd),
		},
	};
}

type TableFacts = Pick<
	SampleTrack,
	'sampleCount' | 'offsets' | 'sizes' | 'decodeTimes' | 'durations' | 'compositionOffsets' | 'sync' | 'descriptionIndex'
>;

function readSampleTables(bytes: Uint8Array, track: MovieTrack, fileBytes: number, samplesLeft: number): TableFacts {
	const { tables } = track;
	const content = (box: Box) => bytes.subarray(box.contentStart, box.end);
	// Sizes first: they fix the sample count every other table must agree with.
	const { stsz } = tables;
	if (!stsz) throw damaged(tables.stz2 ? 'compact sample sizes (stz2) are not supported' : 'a track has no sample size table (stsz)');
	fullBoxOf(bytes, stsz, 8);
	const sizeTable = content(stsz);
	const { constantSize, sampleCount: declaredCount } = sampleSizeHeader(sizeTable);
	const sampleCount = constantSize === 0 ? entryCountOf(bytes, stsz, stsz.contentStart + 8, SAMPLE_NUMBER_LENGTH) : declaredCount;
	if (sampleCount > samplesLeft) throw damaged(`it lists more than ${MAX_SAMPLES.toLocaleString('en-US')} samples`);
	if (constantSize !== 0 && constantSize * sampleCount > fileBytes) throw damaged('its samples add up to more than the file');
	const sizes = new Uint32Array(sampleCount);
	for (let index = 0; index < sampleCount; index++) {
		sizes[index] = constantSize !== 0 ? constantSize : readUint32(sizeTable, SAMPLE_SIZES_AT + index * SAMPLE_NUMBER_LENGTH);
	}

	const durations = new Uint32Array(sampleCount);
	const decodeTimes = new Float64Array(sampleCount);
	const { stts } = tables;
	if (!stts) throw damaged('a track has no time-to-sample table (stts)');
	const timeBox = fullBoxOf(bytes, stts, 4);
	const timeTable = content(stts);
	expandRuns(entryCountOf(bytes, stts, timeBox.at, RUN_ENTRY_LENGTH), sampleCount, 'stts', (entry) => runAt(timeTable, TABLE_ENTRIES_AT + entry * RUN_ENTRY_LENGTH, false), (sample, duration) => {
		durations[sample] = duration;
	});
	let time = 0;
	for (let index = 0; index < sampleCount; index++) {
		decodeTimes[index] = time;
		time += durations[index];
	}

	let compositionOffsets: Int32Array | undefined;
	const { ctts } = tables;
	if (ctts) {
		const offsets = new Int32Array(sampleCount);
		const offsetBox = fullBoxOf(bytes, ctts, 4);
		const offsetTable = content(ctts);
		expandRuns(entryCountOf(bytes, ctts, offsetBox.at, RUN_ENTRY_LENGTH), sampleCount, 'ctts', (entry) => runAt(offsetTable, TABLE_ENTRIES_AT + entry * RUN_ENTRY_LENGTH, true), (sample, offset) => {
			offsets[sample] = offset;
		});
		compositionOffsets = offsets;
	}

	let sync: Uint8Array | undefined;
	const { stss } = tables;
	if (stss) {
		sync = new Uint8Array(sampleCount);
		const syncBox = fullBoxOf(bytes, stss, 4);
		const count = entryCountOf(bytes, stss, syncBox.at, SAMPLE_NUMBER_LENGTH);
		const syncTable = content(stss);
		for (let entry = 0; entry < count; entry++) {
			const sample = readUint32(syncTable, TABLE_ENTRIES_AT + entry * SAMPLE_NUMBER_LENGTH);
			if (sample >= 1 && sample <= sampleCount) sync[sample - 1] = 1;
		}
	}

	const { offsets, descriptionIndex } = readChunks(bytes, tables, sizes, fileBytes);
	return { sampleCount, offsets, sizes, decodeTimes, durations, compositionOffsets, sync, descriptionIndex };
}

/** Expands run-length entries (count, value) into exactly sampleCount samples. */
function expandRuns(
	entries: number,
	sampleCount: number,
	table: string,
	entryAt: (entry: number) => [number, number],
	set: (sample: number, value: number) => void,
): void {
	let sample = 0;
	for (let entry = 0; entry < entries && sample < sampleCount; entry++) {
		const [count, value] = entryAt(entry);
		const end = Math.min(sampleCount, sample + count);
		for (; sample < end; sample++) set(sample, value);
	}
	if (sample < sampleCount) throw damaged(`the ${table} table covers ${sample} of ${sampleCount} samples`);
}

function readChunks(bytes: Uint8Array, tables: SampleTableBoxes, sizes: Uint32Array, fileBytes: number): { offsets: Float64Array; descriptionIndex: Uint32Array } {
	const sampleCount = sizes.length;
	const { chunkOffsets: stco, stsc } = tables;
	if (!stco || !stsc) throw damaged('a track has no chunk tables (stsc, stco)');
	const wide = stco.type === 'co64';
	const chunkBox = fullBoxOf(bytes, stco, 4);
	const chunkCount = entryCountOf(bytes, stco, chunkBox.at, chunkOffsetLength(wide));
	const chunkTable = bytes.subarray(stco.contentStart, stco.end);
	const mapBox = fullBoxOf(bytes, stsc, 4);
	const mapEntries = entryCountOf(bytes, stsc, mapBox.at, SAMPLE_TO_CHUNK_ENTRY_LENGTH);
	const mapTable = bytes.subarray(stsc.contentStart, stsc.end);

	const offsets = new Float64Array(sampleCount);
	const descriptionIndex = new Uint32Array(sampleCount);
	let sample = 0;
	for (let entry = 0; entry < mapEntries && sample < sampleCount; entry++) {
		const at = TABLE_ENTRIES_AT + entry * SAMPLE_TO_CHUNK_ENTRY_LENGTH;
		const { firstChunk, samplesPerChunk: perChunk, descriptionIndex: description } = sampleToChunkAt(mapTable, at);
		const nextFirst = entry + 1 < mapEntries ? sampleToChunkAt(mapTable, at + SAMPLE_TO_CHUNK_ENTRY_LENGTH).firstChunk : chunkCount + 1;
		if (firstChunk < 1 || nextFirst <= firstChunk) throw damaged('the stsc table is out of order');
		// Each chunk holds at least one sample, so the loop ends after at most sampleCount chunks.
		for (let chunk = firstChunk; chunk < nextFirst && chunk <= chunkCount && sample < sampleCount; chunk++) {
			if (perChunk === 0) throw damaged('the stsc table has an empty chunk');
			let offset = chunkOffsetAt(chunkTable, TABLE_ENTRIES_AT + (chunk - 1) * chunkOffsetLength(wide), wide);
			const end = Math.min(sampleCount, sample + perChunk);
			for (; sample < end; sample++) {
				if (offset + sizes[sample] > fileBytes) throw damaged(`sample ${sample + 1} lies past the end of the file`);
				offsets[sample] = offset;
				descriptionIndex[sample] = description;
				offset += sizes[sample];
			}
		}
	}
	if (sample < sampleCount) throw damaged(`the chunk tables place ${sample} of ${sampleCount} samples`);
	return { offsets, descriptionIndex };
}

/** Where the shown media starts and how long it lasts: at most one media edit, after empty ones, at normal speed. */
function readEditList(editList: EditList | undefined): Pick<SampleTrack, 'emptyEditTicks' | 'mediaStart' | 'editDuration'> {
	if (!editList) return { emptyEditTicks: 0, mediaStart: 0 };
	if (editList.declaredCount > editList.edits.length) {
		// The model keeps MAX_EDITS entries: a longer list (that the box holds) is no single clip.
		throw editList.edits.length === MAX_EDITS ? unsupportedEdits() : damaged('the elst table lists more entries than it holds');
	}
	let emptyEditTicks = 0;
	let edit: { duration: number; mediaTime: number } | undefined;
	for (const { segmentDuration: duration, mediaTime, rate } of editList.edits) {
		if (mediaTime === -1) {
			if (edit) throw unsupportedEdits();
			emptyEditTicks += duration;
			continue;
		}
		if (edit || rate !== 0x1_0000 || mediaTime < 0) throw unsupportedEdits();
		edit = { duration, mediaTime };
	}
	if (!edit) return { emptyEditTicks, mediaStart: 0 };
	return { emptyEditTicks, mediaStart: edit.mediaTime, editDuration: edit.duration > 0 ? edit.duration : undefined };
}

function unsupportedEdits(): MediaError {
	return new MediaError(
		'The video has an edit list that plays its media in several pieces or at another speed, which this node cannot split',
		'Export the video again from the editor that made it (as a single continuous clip), or send a video within the limits.',
	);
}
