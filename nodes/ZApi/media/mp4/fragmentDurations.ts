/**
 * For the inspector: where each track of a fragmented movie starts and ends on its media timeline,
 * from the fragment headers only, as the one fragment reader (movieFragments.ts) finds them.
 */
import { readUint32 } from '../bytes';
import type { Box } from './boxWalker';
import { SAMPLE_DURATION } from './fragmentBoxes';
import type { InspectContext } from './inspectContext';
import type { Movie, MovieTrack } from './movie';
import type { TrackRun } from './movieFragments';
import { readTrackFragments } from './movieFragments';

/** One track's share of one fragment (traf). */
interface FragmentRun {
	trackId: number;
	/** tfdt: decode time of the first sample, in media timescale units. */
	baseTime?: number;
	/** Sum of the sample durations of the traf's truns. */
	duration: number;
}

/**
 * Where each fragmented track ends: the last fragment's tfdt plus its sample durations, read
 * backwards from the last moof until every track is placed; a track whose fragments carry no
 * tfdt is the sum of all its fragments after what moov holds. In media timescale units.
 */
export function readFragmentEnds(context: InspectContext, moofs: Box[], movie: Movie): Map<MovieTrack, number> {
	const ends = new Map<MovieTrack, number>();
	const defaults = movie.fragmentDefaults;
	if (!defaults) return ends;
	const tracks = tracksById(movie);
	const later = new Map<number, number>();
	const wanted = defaults.trackExtends.size > 0 ? [...defaults.trackExtends.keys()] : [...tracks.keys()];
	for (let index = moofs.length - 1; index >= 0 && !context.walker.stopped; index--) {
		for (const run of readFragment(context, moofs[index], movie).reverse()) {
			const track = tracks.get(run.trackId);
			if (!track || ends.has(track)) continue;
			const after = (later.get(run.trackId) ?? 0) + run.duration;
			if (run.baseTime === undefined) later.set(run.trackId, after);
			else ends.set(track, run.baseTime + after);
		}
		if (wanted.every((trackId) => tracks.has(trackId) && ends.has(tracks.get(trackId)!))) break;
	}
	if (context.walker.stopped) return ends;
	for (const [trackId, total] of later) {
		const track = tracks.get(trackId);
		if (track && !ends.has(track)) ends.set(track, (track.media?.duration ?? 0) + total);
	}
	return ends;
}

/**
 * Where the tracks of the first fragment that holds any start (their tfdt, 0 without one), in media
 * timescale units. Fragments come in decode order, so a track first seen in a later one starts
 * later: only that first fragment is read, however many follow.
 */
export function readFragmentStarts(context: InspectContext, moofs: Box[], movie: Movie): Map<MovieTrack, number> {
	const starts = new Map<MovieTrack, number>();
	const tracks = tracksById(movie);
	for (const moof of moofs) {
		if (context.walker.stopped || starts.size > 0) break;
		for (const { header, decodeTime } of readTrackFragments(context.walker, moof)) {
			const track = header && tracks.get(header.trackId);
			if (track && !starts.has(track)) starts.set(track, decodeTime ?? 0);
		}
	}
	return starts;
}

/** The movie's tracks by track_ID (the first of each). */
function tracksById(movie: Movie): Map<number, MovieTrack> {
	const tracks = new Map<number, MovieTrack>();
	for (const track of movie.tracks) {
		if (track.header && !tracks.has(track.header.trackId)) tracks.set(track.header.trackId, track);
	}
	return tracks;
}

/** The track runs of one moof, in file order. */
function readFragment(context: InspectContext, moof: Box, movie: Movie): FragmentRun[] {
	const runs: FragmentRun[] = [];
	for (const { header, decodeTime, runs: trackRuns } of readTrackFragments(context.walker, moof)) {
		if (!header) continue;
		const defaultDuration = header.duration ?? movie.fragmentDefaults?.trackExtends.get(header.trackId)?.duration;
		const duration = trackRuns.reduce((total, run) => total + readTrackRunDuration(context, run, defaultDuration), 0);
		runs.push({ trackId: header.trackId, baseTime: decodeTime, duration });
	}
	return runs;
}

/** Sum of a trun's sample durations: listed per sample, or its sample count times the default. */
function readTrackRunDuration(context: InspectContext, { trun, header }: TrackRun, defaultDuration: number | undefined): number {
	const { flags, sampleCount, entriesStart, entryLength } = header;
	if (!(flags & SAMPLE_DURATION)) return sampleCount * (defaultDuration ?? 0);
	const available = Math.max(0, Math.floor((trun.end - trun.contentStart - entriesStart) / entryLength));
	if (sampleCount > available) context.note('trun box too short for its sample count');
	const samples = Math.min(sampleCount, available);
	if (samples === 0) return 0;
	const entries = context.walker.read(trun.contentStart + entriesStart, samples * entryLength);
	if (!entries) return 0;
	// The duration is the first field of each entry.
	let total = 0;
	for (let offset = 0; offset < entries.length; offset += entryLength) total += readUint32(entries, offset);
	return total;
}
