/**
 * Turns the inspector's movie model (movieFacts.ts) into the facts it reports per track and for
 * the movie: durations (headers, edit lists, fragments), codec names, displayed size, rotation.
 */
import { definedOnly } from '../../definedOnly';
import { AUDIO_OBJECT_TYPES, describeAudioCodec, describeVideoCodec, VIDEO_OBJECT_TYPES } from './codecNames';
import type { InspectContext } from './inspectContext';
import type { Mp4TrackInfo } from './inspector';
import type { MovieFacts, TrackFacts } from './movieFacts';
import type { SampleEntryDetails } from './sampleEntry';
import { readAudioSampleEntry, readVisualSampleEntry } from './sampleEntry';

export interface MovieDescription {
	durationSeconds?: number;
	tracks: Mp4TrackInfo[];
}

export function describeMovie(context: InspectContext, movie: MovieFacts): MovieDescription {
	if (movie.compressed) context.note('compressed moov (cmov) is not supported');
	if (!movie.headerRead && !movie.compressed) context.note('no readable mvhd box', false);
	const tracks = movie.tracks.map((track) => describeTrack(context, track, movie));
	const longestTrack = tracks.reduce((longest, track) => Math.max(longest, track.durationSeconds ?? 0), 0) || undefined;
	let durationSeconds: number | undefined;
	if (movie.fragments) {
		// moov of a fragmented file describes at most its first fragment. The fragments hold what
		// plays: mehd may be stale (copied from the file it was cut from, fragments removed since),
		// so it counts only when no fragment could be read.
		const fragmentsEnd = movie.tracks.reduce((longest, track, index) => (track.fragmentsEnd ? Math.max(longest, tracks[index].durationSeconds ?? 0) : longest), 0) || undefined;
		durationSeconds = fragmentsEnd ?? secondsOf(movie.fragments.totalDuration, movie.timescale) ?? longestTrack;
	} else {
		// Some muxers leave mvhd at 0 and keep the length in the tracks only.
		durationSeconds = secondsOf(movie.duration, movie.timescale) ?? longestTrack;
	}
	if (movie.headerRead && durationSeconds === undefined) {
		if (movie.timescale === 0) context.note('mvhd timescale is zero', false);
		else if (movie.fragments) context.note('fragmented MP4 with no duration in mehd or its fragments', false);
		else context.note('movie duration not stored in mvhd or the tracks', false);
	}
	return { durationSeconds, tracks };
}

function describeTrack(context: InspectContext, track: TrackFacts, movie: MovieFacts): Mp4TrackInfo {
	const kind = track.handlerType === 'vide' ? 'video' : track.handlerType === 'soun' ? 'audio' : 'other';
	const durationSeconds = trackDuration(track, movie);
	const entry = track.sampleEntry;
	if (!entry || kind === 'other') {
		const displayed = displayedSize(track, {});
		return definedOnly<Mp4TrackInfo>({ kind, codec: entry?.type, durationSeconds, width: displayed?.[0], height: displayed?.[1] });
	}
	const details = kind === 'video' ? readVisualSampleEntry(context.walker, entry) : readAudioSampleEntry(context.walker, entry);
	const format = details.originalFormat ?? entry.type;
	const objectTypes = kind === 'video' ? VIDEO_OBJECT_TYPES : AUDIO_OBJECT_TYPES;
	// An esds that names an unfamiliar object type leaves the fourcc rather than a guess.
	const byObjectType =
		(format === 'mp4v' || format === 'mp4a') && details.objectType !== undefined
			? (objectTypes[details.objectType] ?? format)
			: undefined;
	const encrypted = entry.type === 'encv' || entry.type === 'enca' ? true : undefined;
	const facts: Mp4TrackInfo = {
		kind,
		codec: entry.type,
		codecName: byObjectType ?? (kind === 'video' ? describeVideoCodec(format) : describeAudioCodec(format)),
		durationSeconds,
		encrypted,
	};
	if (kind === 'video') {
		const displayed = displayedSize(track, details);
		Object.assign(facts, {
			width: displayed?.[0],
			height: displayed?.[1],
			codedWidth: details.codedWidth,
			codedHeight: details.codedHeight,
			rotation: track.rotation,
		});
	}
	return definedOnly(facts);
}

/**
 * How long a track plays: for fragmented files where its last fragment ends; otherwise tkhd (the
 * presented length, after edit lists: e.g. without AAC priming), the edit list itself, then mdhd.
 */
function trackDuration(track: TrackFacts, movie: MovieFacts): number | undefined {
	if (movie.fragments && track.fragmentsEnd) {
		return secondsOf(track.fragmentsEnd, track.mediaTimescale);
	}
	const edited = track.edits?.length && track.edits.every((edit) => edit.segmentDuration > 0)
		? track.edits.reduce((total, edit) => total + edit.segmentDuration, 0)
		: undefined;
	return (
		secondsOf(track.headerDuration, movie.timescale) ??
		secondsOf(edited, movie.timescale) ??
		secondsOf(track.mediaDuration, track.mediaTimescale)
	);
}

/**
 * The size a viewer sees: the stored size stretched by a non-square pixel aspect ratio (pasp),
 * else tkhd's presentation size, else the stored size; turned a quarter by a 90/270 rotation.
 */
function displayedSize(track: TrackFacts, details: SampleEntryDetails): [number, number] | undefined {
	let size: [number, number] | undefined;
	const [hSpacing, vSpacing] = details.pixelAspect ?? [0, 0];
	if (details.codedWidth !== undefined && details.codedHeight !== undefined && hSpacing > 0 && vSpacing > 0 && hSpacing !== vSpacing) {
		const stretched = Math.round((details.codedWidth * hSpacing) / vSpacing);
		if (stretched >= 1 && stretched <= 65_535) size = [stretched, details.codedHeight];
	}
	size ??= track.presentationWidth !== undefined && track.presentationHeight !== undefined
		? [track.presentationWidth, track.presentationHeight]
		: details.codedWidth !== undefined && details.codedHeight !== undefined
			? [details.codedWidth, details.codedHeight]
			: undefined;
	if (size && (track.rotation === 90 || track.rotation === 270)) return [size[1], size[0]];
	return size;
}

function secondsOf(duration: number | undefined, timescale: number | undefined): number | undefined {
	// Zero means "not stored here" (fragmented files), not an empty movie.
	if (duration === undefined || timescale === undefined || duration === 0 || timescale === 0) return undefined;
	const seconds = duration / timescale;
	return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
