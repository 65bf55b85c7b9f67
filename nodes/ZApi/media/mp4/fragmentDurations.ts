/**
 * For the inspector: where each track of a fragmented movie ends, from the fragment headers only
 * (moof > traf > tfhd, tfdt, trun), read through the box walker and the shared field readers.
 */
import { readUint32 } from '../bytes';
import type { Box } from './boxWalker';
import { decodeTimeLength, readDecodeTime, readTrackFragmentHeader, readTrackRunHeader, SAMPLE_DURATION, TRACK_RUN_HEADER_LENGTH } from './fragmentBoxes';
import type { InspectContext } from './inspectContext';
import type { FragmentDefaults, MovieFacts, TrackFacts } from './movieFacts';

/** One track's share of one fragment (traf). */
interface FragmentRun {
	trackId: number;
	/** tfdt: decode time of the first sample, in media timescale units. */
	baseTime?: number;
	/** Sum of the sample durations of the traf's truns. */
	duration: number;
}

/** tfhd content read: version, flags, track_ID and the optional fields up to the default duration. */
const TRACK_FRAGMENT_HEADER_READ = 24;

/**
 * Where each fragmented track ends: the last fragment's tfdt plus its sample durations, read
 * backwards from the last moof until every track is placed; a track whose fragments carry no
 * tfdt is the sum of all its fragments after what moov holds. Sets each track's fragmentsEnd.
 */
export function readFragmentEnds(context: InspectContext, moofs: Box[], movie: MovieFacts): void {
	const defaults = movie.fragments;
	if (!defaults || moofs.length === 0) return;
	const tracks = new Map<number, TrackFacts>();
	for (const track of movie.tracks) {
		if (track.trackId !== undefined && !tracks.has(track.trackId)) tracks.set(track.trackId, track);
	}
	const later = new Map<number, number>();
	const placed = new Set<number>();
	const wanted = defaults.sampleDuration.size > 0 ? [...defaults.sampleDuration.keys()] : [...tracks.keys()];
	for (let index = moofs.length - 1; index >= 0 && !context.walker.stopped; index--) {
		for (const run of readFragment(context, moofs[index], defaults).reverse()) {
			const track = tracks.get(run.trackId);
			if (!track || placed.has(run.trackId)) continue;
			const after = (later.get(run.trackId) ?? 0) + run.duration;
			if (run.baseTime === undefined) {
				later.set(run.trackId, after);
			} else {
				track.fragmentsEnd = run.baseTime + after;
				placed.add(run.trackId);
			}
		}
		if (wanted.every((trackId) => placed.has(trackId))) break;
	}
	if (context.walker.stopped) return;
	for (const [trackId, total] of later) {
		const track = tracks.get(trackId);
		if (track && !placed.has(trackId)) track.fragmentsEnd = (track.mediaDuration ?? 0) + total;
	}
}

/** The track runs of one moof, in file order. */
function readFragment(context: InspectContext, moof: Box, defaults: FragmentDefaults): FragmentRun[] {
	const { walker } = context;
	const runs: FragmentRun[] = [];
	walker.walk(walker.childrenOf(moof), (traf) => {
		if (traf.type !== 'traf') return;
		let trackId: number | undefined;
		let defaultDuration: number | undefined;
		let baseTime: number | undefined;
		let duration = 0;
		walker.walk(walker.childrenOf(traf), (box) => {
			if (box.type === 'tfhd' && trackId === undefined) {
				const content = walker.content(box, 8, TRACK_FRAGMENT_HEADER_READ);
				if (!content) return;
				const header = readTrackFragmentHeader(content);
				trackId = header.trackId;
				defaultDuration = header.duration ?? defaults.sampleDuration.get(trackId);
			} else if (box.type === 'tfdt' && baseTime === undefined) {
				const version = walker.fullBoxVersion(box);
				const content = version === undefined ? undefined : walker.content(box, decodeTimeLength(version));
				if (content) baseTime = readDecodeTime(content, version ?? 0);
			} else if (box.type === 'trun') {
				duration += readTrackRunDuration(context, box, defaultDuration ?? (trackId === undefined ? undefined : defaults.sampleDuration.get(trackId)));
			}
		});
		if (trackId !== undefined) runs.push({ trackId, baseTime, duration });
	});
	return runs;
}

/** Sum of a trun's sample durations: listed per sample, or its sample count times the default. */
function readTrackRunDuration(context: InspectContext, trun: Box, defaultDuration: number | undefined): number {
	const { walker } = context;
	const content = walker.content(trun, TRACK_RUN_HEADER_LENGTH);
	if (!content) return 0;
	const { flags, sampleCount, entriesStart, entryLength } = readTrackRunHeader(content);
	if (!(flags & SAMPLE_DURATION)) return sampleCount * (defaultDuration ?? 0);
	const available = Math.max(0, Math.floor((trun.end - trun.contentStart - entriesStart) / entryLength));
	if (sampleCount > available) context.note('trun box too short for its sample count');
	const samples = Math.min(sampleCount, available);
	if (samples === 0) return 0;
	const entries = walker.read(trun.contentStart + entriesStart, samples * entryLength);
	if (!entries) return 0;
	// The duration is the first field of each entry.
	let total = 0;
	for (let offset = 0; offset < entries.length; offset += entryLength) total += readUint32(entries, offset);
	return total;
}
