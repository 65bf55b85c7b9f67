/**
 * The one reader of a movie fragment (moof > traf > tfhd, tfdt, trun), through the box walker, for
 * the inspector (where each track ends: fragmentDurations.ts) and the splitter (every sample:
 * fragments.ts) alike. Leniently, like the moov model (movie.ts): what is missing or too short is
 * left out and the walker reports why. Runs are located, not expanded: their entries stay where
 * they are, for each reader to take what it needs.
 */
import type { Box, BoxWalker } from './boxWalker';
import type { TrackFragmentHeader, TrackRunHeader } from './fragmentBoxes';
import { decodeTimeLength, readDecodeTime, readTrackFragmentHeader, readTrackRunHeader, TRACK_FRAGMENT_HEADER_LENGTH, TRACK_RUN_HEADER_LENGTH } from './fragmentBoxes';

/** Bytes of tfhd content read: version, flags, track_ID and every optional field. */
const TRACK_FRAGMENT_HEADER_READ = TRACK_FRAGMENT_HEADER_LENGTH + 24;
/** Bytes of trun content read: version, flags, sample count, data offset and first sample flags. */
const TRACK_RUN_HEADER_READ = TRACK_RUN_HEADER_LENGTH + 8;

export interface TrackRun {
	trun: Box;
	header: TrackRunHeader;
}

/** One track's share of one fragment (traf). */
export interface TrackFragment {
	traf: Box;
	/** tfhd, when there and whole enough to name its track. */
	header?: TrackFragmentHeader;
	/** tfdt: decode time of the first sample, in media timescale units. */
	decodeTime?: number;
	runs: TrackRun[];
	/** Its samples are encrypted: it carries their encryption information (senc, or saiz and saio). */
	encrypted: boolean;
}

/** The track fragments of one moof, in file order. */
export function readTrackFragments(walker: BoxWalker, moof: Box): TrackFragment[] {
	const fragments: TrackFragment[] = [];
	walker.walk(walker.childrenOf(moof), (traf) => {
		if (traf.type === 'traf') fragments.push(readTrackFragment(walker, traf));
	});
	return fragments;
}

function readTrackFragment(walker: BoxWalker, traf: Box): TrackFragment {
	const fragment: TrackFragment = { traf, runs: [], encrypted: false };
	let headerSeen = false;
	let decodeTimeSeen = false;
	walker.walk(walker.childrenOf(traf), (box) => {
		if (box.type === 'tfhd' && !headerSeen) {
			headerSeen = true;
			const content = walker.content(box, TRACK_FRAGMENT_HEADER_LENGTH, TRACK_FRAGMENT_HEADER_READ);
			if (content) fragment.header = readTrackFragmentHeader(content);
		} else if (box.type === 'tfdt' && !decodeTimeSeen) {
			decodeTimeSeen = true;
			const version = walker.fullBoxVersion(box);
			const content = version === undefined ? undefined : walker.content(box, decodeTimeLength(version));
			if (content) fragment.decodeTime = readDecodeTime(content, version ?? 0);
		} else if (box.type === 'trun') {
			const content = walker.content(box, TRACK_RUN_HEADER_LENGTH, TRACK_RUN_HEADER_READ);
			if (content) fragment.runs.push({ trun: box, header: readTrackRunHeader(content) });
		} else if (box.type === 'senc' || box.type === 'saiz' || box.type === 'saio') {
			fragment.encrypted = true;
		}
	});
	return fragment;
}
