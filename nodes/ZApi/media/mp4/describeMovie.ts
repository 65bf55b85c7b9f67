/**
 * Turns the movie model (movie.ts) and the inspector's view of it (movieFacts.ts) into the facts it
 * reports per track and for the movie: durations (headers, edit lists, fragments), codec names,
 * displayed size, rotation.
 */
import { definedOnly } from '../../definedOnly';
import { AUDIO_OBJECT_TYPES, describeAudioCodec, describeVideoCodec, VIDEO_OBJECT_TYPES } from './codecNames';
import type { InspectContext } from './inspectContext';
import type { Mp4TrackInfo } from './inspector';
import type { MovieTrack } from './movie';
import { trackKind } from './movie';
import type { MovieFacts, TrackFacts } from './movieFacts';
import type { SampleEntryDetails } from './sampleEntry';
import { entryEncrypted, readAudioSampleEntry, readVisualSampleEntry } from './sampleEntry';

export interface MovieDescription {
	durationSeconds?: number;
	tracks: Mp4TrackInfo[];
}

export function describeMovie(context: InspectContext, facts: MovieFacts): MovieDescription {
	const { movie } = facts;
	const timescale = movie.header?.timescale;
	if (movie.compressed) context.note('compressed moov (cmov) is not supported');
	if (!movie.header && !movie.compressed) context.note('no readable mvhd box', false);
	const tracks = facts.tracks.map((track) => describeTrack(context, track, facts));
	const longestTrack = tracks.reduce((longest, track) => Math.max(longest, track.durationSeconds ?? 0), 0) || undefined;
	let durationSeconds: number | undefined;
	if (movie.fragmentDefaults) {
		// moov of a fragmented file describes at most its first fragment. The fragments hold what
		// plays: mehd may be stale (copied from the file it was cut from, fragments removed since),
		// so it counts only when no fragment could be read.
		const fragmentsEnd = facts.tracks.reduce((longest, track, index) => (track.fragmentsEnd ? Math.max(longest, tracks[index].durationSeconds ?? 0) : longest), 0) || undefined;
		durationSeconds = fragmentsEnd ?? secondsOf(movie.fragmentDefaults.totalDuration, timescale) ?? longestTrack;
	} else {
		// Some muxers leave mvhd at 0 and keep the length in the tracks only.
		durationSeconds = secondsOf(movie.header?.duration, timescale) ?? longestTrack;
	}
	if (movie.header && durationSeconds === undefined) {
		if (timescale === 0) context.note('mvhd timescale is zero', false);
		else if (movie.fragmentDefaults) context.note('fragmented MP4 with no duration in mehd or its fragments', false);
		else context.note('movie duration not stored in mvhd or the tracks', false);
	}
	return { durationSeconds, tracks };
}

function describeTrack(context: InspectContext, trackFacts: TrackFacts, movie: MovieFacts): Mp4TrackInfo {
	const { track } = trackFacts;
	const kind = trackKind(track);
	const durationSeconds = trackDuration(trackFacts, movie);
	const entry = track.tables.sampleEntry;
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
	const encrypted = entryEncrypted(entry, details) ? true : undefined;
	const info: Mp4TrackInfo = {
		kind,
		codec: entry.type,
		codecName: byObjectType ?? (kind === 'video' ? describeVideoCodec(format) : describeAudioCodec(format)),
		durationSeconds,
		encrypted,
	};
	if (kind === 'video') {
		const displayed = displayedSize(track, details);
		Object.assign(info, {
			width: displayed?.[0],
			height: displayed?.[1],
			codedWidth: details.codedWidth,
			codedHeight: details.codedHeight,
			rotation: track.header?.rotation,
		});
	}
	return definedOnly(info);
}

/**
 * How long a track plays: for fragmented files where its last fragment ends (less the seconds
 * before the presentation starts, for a stream that starts at its first sample); otherwise tkhd
 * (the presented length, after edit lists: e.g. without AAC priming), the edit list itself, then mdhd.
 */
function trackDuration({ track, fragmentsEnd }: TrackFacts, { movie, lateSeconds }: MovieFacts): number | undefined {
	if (movie.fragmentDefaults && fragmentsEnd) {
		const seconds = secondsOf(fragmentsEnd, track.media?.timescale);
		return seconds === undefined ? undefined : secondsOf(seconds - lateSeconds, 1);
	}
	const edits = track.editList?.edits;
	const edited = edits?.length && edits.every((edit) => edit.segmentDuration > 0)
		? edits.reduce((total, edit) => total + edit.segmentDuration, 0)
		: undefined;
	const timescale = movie.header?.timescale;
	return secondsOf(track.header?.duration, timescale) ?? secondsOf(edited, timescale) ?? secondsOf(track.media?.duration, track.media?.timescale);
}

/**
 * The size a viewer sees: the stored size stretched by a non-square pixel aspect ratio (pasp),
 * else tkhd's presentation size, else the stored size; turned a quarter by a 90/270 rotation.
 */
function displayedSize(track: MovieTrack, details: SampleEntryDetails): [number, number] | undefined {
	let size: [number, number] | undefined;
	const [hSpacing, vSpacing] = details.pixelAspect ?? [0, 0];
	if (details.codedWidth !== undefined && details.codedHeight !== undefined && hSpacing > 0 && vSpacing > 0 && hSpacing !== vSpacing) {
		const stretched = Math.round((details.codedWidth * hSpacing) / vSpacing);
		if (stretched >= 1 && stretched <= 65_535) size = [stretched, details.codedHeight];
	}
	// Audio tracks store a zero presentation size.
	const presented = track.header && track.header.width > 0 && track.header.height > 0 ? track.header : undefined;
	size ??= presented
		? [presented.width, presented.height]
		: details.codedWidth !== undefined && details.codedHeight !== undefined
			? [details.codedWidth, details.codedHeight]
			: undefined;
	const rotation = track.header?.rotation;
	if (size && (rotation === 90 || rotation === 270)) return [size[1], size[0]];
	return size;
}

function secondsOf(duration: number | undefined, timescale: number | undefined): number | undefined {
	// Zero means "not stored here" (fragmented files), not an empty movie.
	if (duration === undefined || timescale === undefined || duration === 0 || timescale === 0) return undefined;
	const seconds = duration / timescale;
	return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
