/**
 * The sample tables of an MP4/QuickTime movie, expanded to one entry per sample, for cutting it
 * into parts (planParts.ts). Reads only the moov box, which the caller has located and copied.
 *
 * The bytes are untrusted: every count is checked against the bytes that hold its entries (or,
 * for counts no entry backs, against the file size and a fixed cap) before anything is allocated,
 * so hostile tables end in a MediaError, never in an uncaught exception, a long loop or a huge
 * allocation.
 */
import { MediaError } from '../../InputError';
import type { Fragment, FragmentSamples, TrackDefaults } from './fragments';
import { readFragmentSamples } from './fragments';
import { byteSourceOf, readUint32 } from '../bytes';
import type { Box, BoxProblem } from './boxWalker';
import { BoxWalker } from './boxWalker';
import { editEntryLength, readEdit, readHandlerType, readTimedHeader, readTrackExtends, trackIdOffset, TRACK_EXTENDS_LENGTH } from './movieBoxes';
import { printableType } from './boxHeader';
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

/** Samples of all tracks together; a 6-minute 30 fps video with AAC has about 26,000. */
export const MAX_SAMPLES = 1_000_000;
const MAX_BOXES = 10_000;
const MAX_DEPTH = 12;

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

const damaged = (what: string) =>
	new MediaError(
		`The video's index (moov) is damaged: ${what}, so it cannot be split`,
		'Re-save the video with a video editor or converter, or send a video within the limits.',
	);

/** What the box walker could not trust, as the reason the index is damaged (stray trailing bytes are harmless). */
function refuse(problem: BoxProblem): void {
	if (problem.kind === 'strayBytes') return;
	if (problem.kind === 'tooDeep') throw damaged('boxes are nested too deeply');
	if (problem.kind === 'tooManyBoxes') throw damaged(`it has more than ${MAX_BOXES} boxes`);
	if (problem.kind === 'headerTruncated') throw damaged('a box header is cut off');
	if (problem.kind === 'endedEarly') throw damaged(problem.message);
	if (problem.type !== undefined) throw damaged(`the ${problem.type} box has an invalid size`);
	throw damaged('a box header is unreadable');
}

/** The moov's boxes, through the one box walker; refuses (MediaError) what the walker cannot trust (also used to move a moov as it is: fastStart.ts). */
export class MoovReader {
	private readonly walker: BoxWalker;

	constructor(private readonly bytes: Uint8Array) {
		this.walker = new BoxWalker(byteSourceOf(bytes), { maxBoxes: MAX_BOXES, maxDepth: MAX_DEPTH, maxBytes: Infinity }, refuse);
	}

	/** The top-level boxes of the bytes (the moov itself). */
	top(): Box[] {
		return this.walker.list(this.walker.file());
	}

	/** The boxes directly inside a box, after `skip` bytes of its own fields. */
	inside(box: Box, skip = 0): Box[] {
		return this.walker.list(this.walker.childrenOf(box, skip));
	}

	copy(box: Box): Uint8Array {
		return this.bytes.slice(box.start, box.end);
	}

	/** A box's content (version and flags first for a full box): a view, not a copy. */
	content(box: Box): Uint8Array {
		return this.bytes.subarray(box.contentStart, box.end);
	}

	/** Content of a full box after version and flags, checked to hold at least `length` bytes. */
	fullBox(box: Box, length: number): { version: number; at: number } {
		if (box.end - box.contentStart < 4 + length) throw damaged(`the ${box.type} box is too short`);
		return { version: this.bytes[box.contentStart], at: box.contentStart + 4 };
	}

	/** A table's entry count, checked against the bytes its entries need. */
	entryCount(box: Box, countAt: number, entryBytes: number): number {
		const count = readUint32(this.bytes, countAt);
		if (count * entryBytes > box.end - countAt - 4) throw damaged(`the ${box.type} table lists more entries than it holds`);
		return count;
	}
}

function single(boxes: Box[], type: string): Box | undefined {
	return boxes.find((box) => box.type === type);
}

function required(boxes: Box[], type: string, where: string): Box {
	const box = single(boxes, type);
	if (!box) throw damaged(`a track has no ${type} box in ${where}`);
	return box;
}

/**
 * Reads the moov box (header included) of a file of `fileBytes` bytes, plus, for a fragmented
 * MP4, the samples its moof boxes list. Throws MediaError.
 */
export function readSampleMovie(moov: Uint8Array, fileBytes: number, fragments?: Fragment[]): SampleMovie {
	try {
		return readMovie(moov, fileBytes, fragments);
	} catch (error) {
		// Anything but a MediaError is not expected (every read is bounds-checked); hostile input must still end in a clear error.
		throw error instanceof MediaError ? error : damaged(`unexpected structure (${error instanceof Error ? error.message : 'unknown'})`);
	}
}

function readMovie(moov: Uint8Array, fileBytes: number, fragments: Fragment[] | undefined): SampleMovie {
	const reader = new MoovReader(moov);
	const [moovBox] = reader.top();
	if (!moovBox || moovBox.type !== 'moov') throw damaged('it does not start with a moov box');
	const children = reader.inside(moovBox);
	const mvex = single(children, 'mvex');
	if (mvex && fragments === undefined) {
		throw new MediaError(
			'The video is a fragmented MP4 (its samples are indexed piece by piece in moof boxes, as live and screen recorders write them), which this node cannot split',
			'Convert it to a regular MP4 first (for example with a video editor, or ffmpeg -i input.mp4 -c copy output.mp4), or send a video within the limits.',
		);
	}
	const mvhdBox = single(children, 'mvhd');
	if (!mvhdBox) throw damaged('it has no mvhd box');
	const mvhd = reader.fullBox(mvhdBox, 20);
	const { timescale } = readTimedHeader(reader.content(mvhdBox), mvhd.version);
	if (mvhd.version > 1 || timescale === 0) throw damaged('its movie header (mvhd) is unreadable');
	if (mvhd.version === 1) reader.fullBox(mvhdBox, 32);

	const tracks: SampleTrack[] = [];
	const skippedTracks: string[] = [];
	let samples = 0;
	for (const trak of children.filter((box) => box.type === 'trak')) {
		const track = readTrack(reader, moov, trak, fileBytes, MAX_SAMPLES - samples);
		if (typeof track === 'string') skippedTracks.push(track);
		else {
			tracks.push(track);
			samples += track.sampleCount;
		}
	}
	if (mvex && fragments) {
		const defaults = readTrackDefaults(reader, moov, mvex);
		const startTimes = new Map(
			tracks.map((track) => [track.trackId, track.sampleCount ? track.decodeTimes[track.sampleCount - 1] + track.durations[track.sampleCount - 1] : 0]),
		);
		const fromFragments = readFragmentSamples(fragments, defaults, fileBytes, MAX_SAMPLES - samples, startTimes);
		const fragmentOnly = tracks.map((track) => track.sampleCount === 0);
		for (const [index, track] of tracks.entries()) {
			const extra = fromFragments.get(track.trackId);
			if (extra) tracks[index] = appendSamples(track, extra);
		}
		if (fragmentOnly.every(Boolean)) return { timescale, mvhd: reader.copy(mvhdBox), tracks: startAtFirstFragment(tracks), skippedTracks };
	}
	return { timescale, mvhd: reader.copy(mvhdBox), tracks, skippedTracks };
}

/**
 * A stream cut from a live or MSE session: its first fragment's decode time (tfdt) is where the
 * stream stood when it was captured, seconds or hours in, with no edit list to say where the
 * presentation starts. Players start at the first sample, so the presentation starts there too
 * (the same seconds taken off every track, keeping them in sync), not at a stretch of nothing.
 */
function startAtFirstFragment(tracks: SampleTrack[]): SampleTrack[] {
	const withoutEdits = (track: SampleTrack) => track.emptyEditTicks === 0 && track.mediaStart === 0 && track.editDuration === undefined;
	const timed = tracks.filter((track) => track.sampleCount > 0);
	if (timed.length === 0 || !tracks.every(withoutEdits)) return tracks;
	const lateSeconds = Math.min(...timed.map((track) => track.decodeTimes[0] / track.timescale));
	if (!(lateSeconds > 0)) return tracks;
	return tracks.map((track) => ({ ...track, mediaStart: Math.floor(lateSeconds * track.timescale) }));
}

/** trex boxes: each track's default sample description, duration, size and flags. */
function readTrackDefaults(reader: MoovReader, bytes: Uint8Array, mvex: Box): Map<number, TrackDefaults> {
	const defaults = new Map<number, TrackDefaults>();
	for (const trex of reader.inside(mvex).filter((box) => box.type === 'trex')) {
		reader.fullBox(trex, TRACK_EXTENDS_LENGTH - 4);
		const { trackId, ...trackDefaults } = readTrackExtends(reader.content(trex));
		defaults.set(trackId, trackDefaults);
	}
	return defaults;
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

/** A track, or the handler type of a track that is neither video nor audio. */
function readTrack(reader: MoovReader, bytes: Uint8Array, trak: Box, fileBytes: number, samplesLeft: number): SampleTrack | string {
	const trakChildren = reader.inside(trak);
	const mdia = required(trakChildren, 'mdia', 'trak');
	const mdiaChildren = reader.inside(mdia);
	const hdlr = required(mdiaChildren, 'hdlr', 'mdia');
	reader.fullBox(hdlr, 8);
	const handlerType = readHandlerType(reader.content(hdlr));
	if (handlerType !== 'vide' && handlerType !== 'soun') return printableType(reader.content(hdlr).subarray(4, 12));
	const tkhd = required(trakChildren, 'tkhd', 'trak');
	reader.fullBox(tkhd, bytes[tkhd.contentStart] === 1 ? 92 : 80);
	if (bytes[tkhd.contentStart] > 1) throw damaged('a track header (tkhd) has an unknown version');

	const mdhd = required(mdiaChildren, 'mdhd', 'mdia');
	const mediaHeader = reader.fullBox(mdhd, bytes[mdhd.contentStart] === 1 ? 28 : 16);
	if (mediaHeader.version > 1) throw damaged('a media header (mdhd) has an unknown version');
	const { timescale } = readTimedHeader(reader.content(mdhd), mediaHeader.version);
	if (timescale === 0) throw damaged('a track has a zero timescale');
	// ffmpeg, and the players built on it, read a timescale as a signed 32-bit number; one above
	// 2^31 - 1 is a corrupted header to them (they time the track in whole seconds instead).
	if (timescale > 0x7fff_ffff) throw damaged(`a track's timescale (${timescale}) is out of range`);

	const minf = required(mdiaChildren, 'minf', 'mdia');
	const minfChildren = reader.inside(minf);
	const stbl = required(minfChildren, 'stbl', 'minf');
	const tables = reader.inside(stbl);
	const stsd = required(tables, 'stsd', 'stbl');

	const track = readSampleTables(reader, bytes, tables, fileBytes, samplesLeft);
	const edit = readEditList(reader, bytes, trakChildren);
	return {
		kind: handlerType === 'vide' ? 'video' : 'audio',
		trackId: readUint32(reader.content(tkhd), trackIdOffset(bytes[tkhd.contentStart])),
		timescale,
		...track,
		...edit,
		boxes: {
			tkhd: reader.copy(tkhd),
			mdhd: reader.copy(mdhd),
			hdlr: reader.copy(hdlr),
			mediaInfoHeaders: minfChildren.filter((box) => box.type !== 'stbl').map((box) => reader.copy(box)),
			stsd: reader.copy(stsd),
		},
	};
}

type TableFacts = Pick<
	SampleTrack,
	'sampleCount' | 'offsets' | 'sizes' | 'decodeTimes' | 'durations' | 'compositionOffsets' | 'sync' | 'descriptionIndex'
>;

function readSampleTables(reader: MoovReader, bytes: Uint8Array, tables: Box[], fileBytes: number, samplesLeft: number): TableFacts {
	// Sizes first: they fix the sample count every other table must agree with.
	const stsz = single(tables, 'stsz');
	if (!stsz) throw damaged(single(tables, 'stz2') ? 'compact sample sizes (stz2) are not supported' : 'a track has no sample size table (stsz)');
	reader.fullBox(stsz, 8);
	const sizeTable = reader.content(stsz);
	const { constantSize, sampleCount: declaredCount } = sampleSizeHeader(sizeTable);
	const sampleCount = constantSize === 0 ? reader.entryCount(stsz, stsz.contentStart + 8, SAMPLE_NUMBER_LENGTH) : declaredCount;
	if (sampleCount > samplesLeft) throw damaged(`it lists more than ${MAX_SAMPLES.toLocaleString('en-US')} samples`);
	if (constantSize !== 0 && constantSize * sampleCount > fileBytes) throw damaged('its samples add up to more than the file');
	const sizes = new Uint32Array(sampleCount);
	for (let index = 0; index < sampleCount; index++) {
		sizes[index] = constantSize !== 0 ? constantSize : readUint32(sizeTable, SAMPLE_SIZES_AT + index * SAMPLE_NUMBER_LENGTH);
	}

	const durations = new Uint32Array(sampleCount);
	const decodeTimes = new Float64Array(sampleCount);
	const stts = single(tables, 'stts');
	if (!stts) throw damaged('a track has no time-to-sample table (stts)');
	const timeBox = reader.fullBox(stts, 4);
	const timeTable = reader.content(stts);
	expandRuns(reader.entryCount(stts, timeBox.at, RUN_ENTRY_LENGTH), sampleCount, 'stts', (entry) => runAt(timeTable, TABLE_ENTRIES_AT + entry * RUN_ENTRY_LENGTH, false), (sample, duration) => {
		durations[sample] = duration;
	});
	let time = 0;
	for (let index = 0; index < sampleCount; index++) {
		decodeTimes[index] = time;
		time += durations[index];
	}

	let compositionOffsets: Int32Array | undefined;
	const ctts = single(tables, 'ctts');
	if (ctts) {
		const offsets = new Int32Array(sampleCount);
		const offsetBox = reader.fullBox(ctts, 4);
		const offsetTable = reader.content(ctts);
		expandRuns(reader.entryCount(ctts, offsetBox.at, RUN_ENTRY_LENGTH), sampleCount, 'ctts', (entry) => runAt(offsetTable, TABLE_ENTRIES_AT + entry * RUN_ENTRY_LENGTH, true), (sample, offset) => {
			offsets[sample] = offset;
		});
		compositionOffsets = offsets;
	}

	let sync: Uint8Array | undefined;
	const stss = single(tables, 'stss');
	if (stss) {
		sync = new Uint8Array(sampleCount);
		const syncBox = reader.fullBox(stss, 4);
		const count = reader.entryCount(stss, syncBox.at, SAMPLE_NUMBER_LENGTH);
		const syncTable = reader.content(stss);
		for (let entry = 0; entry < count; entry++) {
			const sample = readUint32(syncTable, TABLE_ENTRIES_AT + entry * SAMPLE_NUMBER_LENGTH);
			if (sample >= 1 && sample <= sampleCount) sync[sample - 1] = 1;
		}
	}

	const { offsets, descriptionIndex } = readChunks(reader, bytes, tables, sizes, fileBytes);
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

function readChunks(
	reader: MoovReader,
	bytes: Uint8Array,
	tables: Box[],
	sizes: Uint32Array,
	fileBytes: number,
): { offsets: Float64Array; descriptionIndex: Uint32Array } {
	const sampleCount = sizes.length;
	const stco = single(tables, 'stco') ?? single(tables, 'co64');
	const stsc = single(tables, 'stsc');
	if (!stco || !stsc) throw damaged('a track has no chunk tables (stsc, stco)');
	const wide = stco.type === 'co64';
	const chunkBox = reader.fullBox(stco, 4);
	const chunkCount = reader.entryCount(stco, chunkBox.at, chunkOffsetLength(wide));
	const chunkTable = reader.content(stco);
	const mapBox = reader.fullBox(stsc, 4);
	const mapEntries = reader.entryCount(stsc, mapBox.at, SAMPLE_TO_CHUNK_ENTRY_LENGTH);
	const mapTable = reader.content(stsc);

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

function readEditList(reader: MoovReader, bytes: Uint8Array, trakChildren: Box[]): Pick<SampleTrack, 'emptyEditTicks' | 'mediaStart' | 'editDuration'> {
	const edts = single(trakChildren, 'edts');
	const elst = edts ? single(reader.inside(edts), 'elst') : undefined;
	if (!elst) return { emptyEditTicks: 0, mediaStart: 0 };
	const list = reader.fullBox(elst, 4);
	if (list.version > 1) throw damaged('an edit list (elst) has an unknown version');
	const count = reader.entryCount(elst, list.at, editEntryLength(list.version));
	const content = reader.content(elst);
	let emptyEditTicks = 0;
	let edit: { duration: number; mediaTime: number } | undefined;
	for (let entry = 0; entry < count; entry++) {
		const { segmentDuration: duration, mediaTime, rate } = readEdit(content, list.version, entry);
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
