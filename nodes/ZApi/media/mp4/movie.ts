/**
 * The one model of a movie: what its moov says (movie header, tracks with their track and media
 * headers, handler, edit list, sample description and sample-table boxes, the boxes every part
 * copies, the fragment defaults of mvex, cmov, meta), read once through the box walker, for the
 * inspector (inspector.ts, movieFacts.ts), the splitter (sampleTables.ts) and Move Index to Front
 * (fastStart.ts) alike.
 *
 * Read leniently: a box that is missing, too short or of an unknown version is left out of the
 * model, and the walker reports why (its BoxProblem). The inspector turns those reports into notes;
 * the splitter refuses them (strictBoxes.ts) and applies its own checks on what the model holds.
 * Tables are located here, not expanded: each reader takes from them what it needs.
 */
import { readUint32 } from '../bytes';
import type { Box, BoxWalker } from './boxWalker';
import type { Edit, TrackExtends, TrackHeader } from './movieBoxes';
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

export interface MovieHeader {
	timescale: number;
	/** undefined when stored as "unknown" (all ones). */
	duration?: number;
}

export interface EditList {
	/** The entry count elst declares. */
	declaredCount: number;
	/** The entries read: at most MAX_EDITS, and only those the box holds. */
	edits: Edit[];
}

export interface MediaHeader {
	/** Ticks per second of the track's media time. */
	timescale: number;
	duration?: number;
}

/** The boxes of a track's sample table (stbl) the readers use, first of each type. */
export interface SampleTableBoxes {
	/** Sample descriptions: the entries (avc1, mp4a, ...) follow its 8 bytes of fields. */
	stsd?: Box;
	/** stsd's first entry, when its header is whole. */
	sampleEntry?: Box;
	stsz?: Box;
	/** Compact sample sizes, which the splitter does not read. */
	stz2?: Box;
	stts?: Box;
	ctts?: Box;
	stss?: Box;
	stsc?: Box;
	/** stco or co64 (its type says which). */
	chunkOffsets?: Box;
	/** Sample auxiliary information offsets: file positions besides the chunk offsets. */
	saio?: Box;
}

export interface MovieTrack {
	trak: Box;
	/** tkhd, when whole; tkhdBox when present at all. */
	header?: TrackHeader;
	tkhdBox?: Box;
	/** elst, when readable. */
	editList?: EditList;
	mdia?: Box;
	/** hdlr's handler type ('vide', 'soun', 'tmcd', ...; '?' for unprintable bytes), when whole. */
	handlerType?: string;
	hdlrBox?: Box;
	/** mdhd, when whole; mdhdBox when present at all. */
	media?: MediaHeader;
	mdhdBox?: Box;
	minf?: Box;
	/** minf's boxes other than stbl (vmhd/smhd, dinf), which every part copies. */
	mediaInfoHeaders: Box[];
	stbl?: Box;
	tables: SampleTableBoxes;
}

/** mvex: the movie is fragmented; what its fragments take when they do not say. */
export interface FragmentDefaults {
	/** trex per track_ID. */
	trackExtends: Map<number, TrackExtends>;
	/** mehd fragment_duration, in the movie timescale. */
	totalDuration?: number;
}

export interface Movie {
	moov: Box;
	/** mvhd, when whole; mvhdBox when present at all. */
	header?: MovieHeader;
	mvhdBox?: Box;
	tracks: MovieTrack[];
	/** mvex: present when the movie is fragmented. */
	fragmentDefaults?: FragmentDefaults;
	/** The moov is compressed (cmov): nothing inside it can be read. */
	compressed: boolean;
	/** The moov's meta boxes (they may hold file positions: iloc). */
	metadata: Box[];
	/** udta: user data, whose content is not read here (some writers put more than boxes in it). */
	userData?: Box;
}

/** Edit list entries kept; a longer list is no single clip anyway. */
export const MAX_EDITS = 64;

const SAMPLE_TABLES: ReadonlyArray<keyof SampleTableBoxes> = ['stsz', 'stz2', 'stts', 'ctts', 'stss', 'stsc', 'saio'];

export function readMovie(walker: BoxWalker, moov: Box): Movie {
	const movie: Movie = { moov, tracks: [], compressed: false, metadata: [] };
	walker.walk(walker.childrenOf(moov), (box) => {
		if (box.type === 'mvhd' && !movie.mvhdBox) {
			movie.mvhdBox = box;
			movie.header = readTimed(walker, box);
		} else if (box.type === 'trak') movie.tracks.push(readTrack(walker, box));
		else if (box.type === 'mvex' && !movie.fragmentDefaults) movie.fragmentDefaults = readFragmentDefaults(walker, box);
		else if (box.type === 'cmov') movie.compressed = true;
		else if (box.type === 'meta') movie.metadata.push(box);
		else if (box.type === 'udta') movie.userData ??= box;
	});
	return movie;
}

/** mvhd or mdhd: timescale and duration, when the box is whole and of a known version. */
function readTimed(walker: BoxWalker, box: Box): MovieHeader | undefined {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return undefined;
	const content = walker.content(box, timedHeaderLength(version));
	return content ? readTimedHeader(content, version) : undefined;
}

function readFragmentDefaults(walker: BoxWalker, mvex: Box): FragmentDefaults {
	const defaults: FragmentDefaults = { trackExtends: new Map() };
	let durationSeen = false;
	walker.walk(walker.childrenOf(mvex), (box) => {
		if (box.type === 'mehd' && !durationSeen) {
			durationSeen = true;
			const version = walker.fullBoxVersion(box);
			const content = version === undefined ? undefined : walker.content(box, version === 1 ? 12 : 8);
			if (content) defaults.totalDuration = readFragmentDuration(content, version ?? 0);
		} else if (box.type === 'trex') {
			const content = walker.content(box, TRACK_EXTENDS_LENGTH);
			if (content) {
				const trex = readTrackExtends(content);
				defaults.trackExtends.set(trex.trackId, trex);
			}
		}
	});
	return defaults;
}

function readTrack(walker: BoxWalker, trak: Box): MovieTrack {
	const track: MovieTrack = { trak, mediaInfoHeaders: [], tables: {} };
	let editsSeen = false;
	walker.walk(walker.childrenOf(trak), (box) => {
		if (box.type === 'tkhd' && !track.tkhdBox) {
			track.tkhdBox = box;
			const version = walker.fullBoxVersion(box);
			const content = version === undefined ? undefined : walker.content(box, trackHeaderLength(version));
			if (content) track.header = readTrackHeader(content, version ?? 0);
		} else if (box.type === 'mdia' && !track.mdia) {
			track.mdia = box;
			readMedia(walker, box, track);
		} else if (box.type === 'edts' && !editsSeen) {
			editsSeen = true;
			walker.walk(walker.childrenOf(box), (child) => {
				if (child.type === 'elst' && track.editList === undefined) track.editList = readEditList(walker, child);
			});
		}
	});
	return track;
}

function readEditList(walker: BoxWalker, box: Box): EditList | undefined {
	const version = walker.fullBoxVersion(box);
	if (version === undefined) return undefined;
	const entryLength = editEntryLength(version);
	const header = walker.content(box, 8);
	if (!header) return undefined;
	const declaredCount = editCount(header);
	const count = Math.min(declaredCount, MAX_EDITS, Math.floor((box.end - box.contentStart - 8) / entryLength));
	const content = walker.content(box, 8 + count * entryLength);
	if (!content) return undefined;
	const edits: Edit[] = [];
	for (let index = 0; index < count; index++) edits.push(readEdit(content, version, index));
	return { declaredCount, edits };
}

function readMedia(walker: BoxWalker, mdia: Box, track: MovieTrack): void {
	walker.walk(walker.childrenOf(mdia), (box) => {
		if (box.type === 'mdhd' && !track.mdhdBox) {
			track.mdhdBox = box;
			track.media = readTimed(walker, box);
		} else if (box.type === 'hdlr' && !track.hdlrBox) {
			track.hdlrBox = box;
			const content = walker.content(box, HANDLER_LENGTH);
			if (content) track.handlerType = readHandlerType(content);
		} else if (box.type === 'minf' && !track.minf) {
			track.minf = box;
			walker.walk(walker.childrenOf(box), (child) => {
				if (child.type !== 'stbl') track.mediaInfoHeaders.push(child);
				else if (!track.stbl) {
					track.stbl = child;
					readSampleTableBoxes(walker, child, track.tables);
				}
			});
		}
	});
}

function readSampleTableBoxes(walker: BoxWalker, stbl: Box, tables: SampleTableBoxes): void {
	walker.walk(walker.childrenOf(stbl), (box) => {
		const type = box.type as keyof SampleTableBoxes;
		if (type === 'stsd' && !tables.stsd) {
			tables.stsd = box;
			tables.sampleEntry = readFirstSampleEntry(walker, box);
		} else if (SAMPLE_TABLES.includes(type)) tables[type] ??= box;
		else if (box.type === 'stco' || box.type === 'co64') tables.chunkOffsets ??= box;
	});
}

function readFirstSampleEntry(walker: BoxWalker, stsd: Box): Box | undefined {
	// Entries may be readable even when stsd itself was cut, so only its fixed part must be whole.
	const header = !stsd.truncated
		? walker.content(stsd, 8)
		: stsd.end - stsd.contentStart >= 8
			? walker.read(stsd.contentStart, 8)
			: undefined;
	if (!header || readUint32(header, 4) === 0) return undefined;
	const entries = walker.childrenOf(stsd, 8);
	const entry = walker.readBox(entries, entries.start);
	return entry && !entry.truncated ? entry : undefined;
}

/** A track is video or audio by its handler. */
export function trackKind(track: MovieTrack): 'video' | 'audio' | 'other' {
	return track.handlerType === 'vide' ? 'video' : track.handlerType === 'soun' ? 'audio' : 'other';
}

/**
 * Whether an edit list leaves the media's timeline as it is: no list, or only entries of no
 * duration that start at media time 0 or are empty.
 */
export function leavesTimelineAsIs(editList: EditList | undefined): boolean {
	return (editList?.edits ?? []).every((edit) => edit.segmentDuration === 0 && (edit.mediaTime === 0 || edit.mediaTime === -1));
}

/**
 * A stream cut from a live or MSE session: a fragmented movie whose video and audio tracks hold no
 * samples in moov and have no edit list. Its first fragment's decode time (tfdt) is where the
 * stream stood when it was captured, seconds or hours in, with nothing to say where the
 * presentation starts. Players start at the first sample, so the presentation starts there (the
 * same seconds taken off every track, keeping them in sync), for the inspector and the splitter.
 */
export function startsAtFirstSample(movie: Movie, samplesInMoov: (track: MovieTrack) => number): boolean {
	if (!movie.fragmentDefaults) return false;
	const tracks = movie.tracks.filter((track) => trackKind(track) !== 'other');
	return tracks.length > 0 && tracks.every((track) => samplesInMoov(track) === 0 && leavesTimelineAsIs(track.editList));
}
