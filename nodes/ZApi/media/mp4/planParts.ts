/**
 * Decides where a movie's parts start and end and which samples of each track they hold, on the
 * presentation timeline (after the edit lists): a part starts at a keyframe, lasts at most the
 * maximum and holds at most the largest size; every frame shown is in exactly one part.
 *
 * Pure: works on the expanded tables (sampleTables.ts); partLayout.ts lays the parts out.
 */
import { MediaError } from '../../InputError';
import { formatBytes } from '../limits';
import { STATUS_VIDEO_MAX_BYTES } from '../kinds';
import type { SampleMovie, SampleTrack } from './sampleTables';
import { sampleCodec } from './keyframes';
import type { CutPlan } from './planner';
import { chooseCuts, thinPoints } from './planner';
import { partTicksPerSecond, Timeline } from './timeline';

export interface SplitOptions {
	/** Longest part, in seconds. */
	maxPartSeconds: number;
	/** 'trim' keeps the first part only (and may end it anywhere, not only at a keyframe). */
	mode: 'split' | 'trim';
	/** Most parts allowed; default MAX_PARTS. */
	maxParts?: number;
	/** Largest part in bytes; default WhatsApp Status's 10 MB. */
	maxPartBytes?: number;
}

export interface TrackSlice {
	track: SampleTrack;
	first: number;
	/** One past the last sample. */
	end: number;
	/** Edit list of the track in the part: [duration in part ticks, media time (-1: empty)]. */
	edits: Array<[number, number]>;
}

export interface PartPlan {
	/** 1-based. */
	number: number;
	/** In ticks of the source presentation (partTicksPerSecond; the part's own movie timescale is the same). */
	startTicks: number;
	endTicks: number;
	startSeconds: number;
	durationSeconds: number;
	slices: TrackSlice[];
}

export interface SplitPlan {
	parts: PartPlan[];
	/** Presentation length of the source, in seconds. */
	sourceSeconds: number;
	/** Seconds of audio past the video's end left out because no part could hold them. */
	droppedTailSeconds: number;
	/** Seconds of audio before the video's first frame left out because the first part could not hold them. */
	droppedLeadSeconds: number;
	/** Handler types of the source's tracks that are neither video nor audio, left out of the parts. */
	skippedTracks: string[];
	/** Frames of each other video track left out (a motion photo's still, a second angle). */
	skippedVideoTracks: number[];
}

/** 100 statuses of a minute: far beyond what anyone posts at once, and a bound on the work. */
export const MAX_PARTS = 100;
// Beyond this many keyframes the search keeps about 200 per part's length (all-intra videos).
const THIN_ABOVE = 2000;
// Part headers: about 28 bytes of tables per sample at most, plus the boxes copied whole.
const HEADER_BYTES_PER_SAMPLE = 32;
const HEADER_BYTES_FIXED = 16 * 1024;

const seconds = (ticks: number, perSecond: number) => (ticks / perSecond).toFixed(1);

/**
 * The video track to cut: the one with the most frames (then the longest), since phones' motion
 * photos carry a still picture of a frame or two as a second video track. The others are left out.
 */
export function chooseVideoTrack(movie: SampleMovie): { video: SampleTrack; others: SampleTrack[] } {
	const videos = movie.tracks.filter((track) => track.kind === 'video');
	if (videos.length === 0) throw new MediaError('The video has no video track to cut at', 'Send a video with a video track.');
	const length = (track: SampleTrack) => (track.sampleCount ? (track.decodeTimes[track.sampleCount - 1] + track.durations[track.sampleCount - 1]) / track.timescale : 0);
	const video = videos.reduce((best, track) =>
		track.sampleCount > best.sampleCount || (track.sampleCount === best.sampleCount && length(track) > length(best)) ? track : best,
	);
	return { video, others: videos.filter((track) => track !== video) };
}

/** Refuses tracks whose samples are encrypted (DRM): parts made of them could not play. */
export function refuseEncrypted(tracks: SampleTrack[]): void {
	if (tracks.some((track) => sampleCodec(track).encrypted)) throw encryptedError();
}

export function encryptedError(): MediaError {
	return new MediaError(
		'The video is encrypted (DRM), so its parts could not play: nothing was posted',
		'Send a copy without DRM, as the camera or editing app exports it (a protected download from a streaming service cannot be split).',
	);
}

/** How long the movie plays, from its sample tables (for fragmented files, whose headers often leave it out). */
export function movieSeconds(movie: SampleMovie): number | undefined {
	const videos = movie.tracks.filter((track) => track.kind === 'video');
	if (videos.length === 0) return undefined;
	const { video } = chooseVideoTrack(movie);
	if (video.timescale === 0) return undefined;
	const tracks = movie.tracks.filter((track) => track === video || track.kind === 'audio');
	const ticksPerSecond = partTicksPerSecond(video.timescale);
	const end = Math.max(...tracks.map((track) => new Timeline(track, movie.timescale, ticksPerSecond).end));
	return end > 0 ? end / ticksPerSecond : undefined;
}

interface Bound {
	start: number;
	end: number;
	videoFirst: number;
	videoEnd: number;
}

/** Decides where the parts start and end and which samples of each track they hold. Throws MediaError. */
export function planParts(movie: SampleMovie, options: SplitOptions): SplitPlan {
	const { video, others } = chooseVideoTrack(movie);
	const tracks = movie.tracks.filter((track) => track === video || track.kind === 'audio');
	refuseEncrypted(tracks);
	if (video.sampleCount === 0) throw new MediaError('The video track has no frames', 'Send a video with frames in it.');
	const ticksPerSecond = partTicksPerSecond(video.timescale);
	const maxTicks = Math.floor(options.maxPartSeconds * ticksPerSecond);
	if (!(maxTicks > 0)) throw new MediaError('The Maximum Duration is too short to cut the video', 'Set Options > Maximum Duration (Seconds) to at least 1.');
	const timelines = tracks.map((track) => new Timeline(track, movie.timescale, ticksPerSecond));
	const videoTimeline = timelines[tracks.indexOf(video)];
	const end = Math.max(...timelines.map((timeline) => timeline.end));
	const videoEnd = videoTimeline.end;
	if (!(end > 0) || !(videoEnd > 0)) throw new MediaError('The video has no duration to cut', 'Send a video with frames in it.');

	const shown = firstShownFrame(video, videoTimeline);
	const audioStart = Math.min(...timelines.filter((timeline) => timeline !== videoTimeline).map((timeline) => Math.max(0, timeline.start)));
	// Sound before the first frame goes with the first part when it fits (an empty edit keeps it in sync).
	const leadStart = Math.min(shown.at, audioStart);
	let bounds: Bound[];
	let droppedLead = 0;
	if (options.mode === 'trim') {
		bounds = [{ start: leadStart, end: Math.min(end, leadStart + maxTicks), videoFirst: shown.entry, videoEnd: video.sampleCount }];
	} else {
		const cuts = cutPoints(video, videoTimeline, shown);
		const plan = (start: number) => planBounds(movie, tracks, timelines, cuts, { start, entry: shown.entry, end, videoEnd, videoSamples: video.sampleCount, maxTicks }, options);
		let planned = plan(leadStart);
		if (!Array.isArray(planned) && leadStart < shown.at) {
			const withoutLead = plan(shown.at);
			if (Array.isArray(withoutLead)) {
				planned = withoutLead;
				droppedLead = shown.at - leadStart;
			}
		}
		if (!Array.isArray(planned)) throw planned;
		bounds = planned;
	}
	const lastBound = bounds[bounds.length - 1];
	const droppedTail = options.mode === 'split' && lastBound.end < end ? end - lastBound.end : 0;

	const parts = bounds.map((bound, index): PartPlan => {
		const last = index === bounds.length - 1;
		const slices: TrackSlice[] = [];
		tracks.forEach((track, trackIndex) => {
			const timeline = timelines[trackIndex];
			let first: number;
			let sliceEnd: number;
			if (track === video) {
				first = bound.videoFirst;
				// Up to the last frame shown before the part ends, wherever it is in decode order: with
				// open GOPs (HEVC CRA keyframes) the frames shown just before a keyframe are decoded
				// after it and need it, so the part keeps the keyframe too (hidden by its edit list),
				// and the next part, which starts at that keyframe, skips them the same way.
				if (!last) sliceEnd = timeline.lastShownBefore(bound.end, bound.videoEnd, nextSync(video, bound.videoEnd)) + 1;
				else sliceEnd = options.mode === 'split' ? video.sampleCount : timeline.lastShownBefore(bound.end, 0, video.sampleCount) + 1;
			} else {
				// Audio starts at the sample nearest to the part's start: within one audio frame.
				first = index === 0 && droppedLead === 0 ? 0 : timeline.nearestStart(bound.start);
				sliceEnd = last ? timeline.firstStartingAtOrAfter(bound.end) : timeline.nearestStart(bound.end);
			}
			if (sliceEnd <= first) return;
			slices.push({ track, first, end: sliceEnd, edits: timeline.editsFor(first, sliceEnd, bound.start, bound.end) });
		});
		if (!slices.some((slice) => slice.track === video)) {
			throw new MediaError(`Part ${index + 1} would hold no video frame (the video starts late or ends early)`, 'Re-save the video with a video editor, or send a video within the limits.');
		}
		return {
			number: index + 1,
			startTicks: bound.start,
			endTicks: bound.end,
			startSeconds: bound.start / ticksPerSecond,
			durationSeconds: (bound.end - bound.start) / ticksPerSecond,
			slices,
		};
	});
	return {
		parts,
		sourceSeconds: end / ticksPerSecond,
		droppedTailSeconds: droppedTail / ticksPerSecond,
		droppedLeadSeconds: droppedLead / ticksPerSecond,
		skippedTracks: movie.skippedTracks,
		skippedVideoTracks: others.map((track) => track.sampleCount),
	};
}

interface ShownStart {
	/** When the first frame is shown. */
	at: number;
	/** The keyframe decoding starts at: the last one at or before (in decode order) every frame shown. */
	entry: number;
}

/**
 * The first frame the source shows and the keyframe its part must start decoding at. Frames the
 * edit list hides before it (pre-roll, leftovers of a trim) are not video: they count for nothing.
 */
function firstShownFrame(video: SampleTrack, timeline: Timeline): ShownStart {
	let at = Infinity;
	let firstDecoded = -1;
	for (let sample = 0; sample < video.sampleCount; sample++) {
		const shownAt = timeline.presentationOf(sample);
		if (shownAt < timeline.start || shownAt >= timeline.end) continue;
		at = Math.min(at, shownAt);
		if (firstDecoded < 0) firstDecoded = sample;
	}
	if (firstDecoded < 0) throw new MediaError('The video shows none of its frames (its edit list hides them all)', 'Re-save the video with a video editor, or send it whole.');
	let entry = firstDecoded;
	while (entry >= 0 && video.sync && video.sync[entry] !== 1) entry--;
	if (entry < 0) {
		throw new MediaError(
			'The video does not start with a keyframe (its first frames shown come before any), so it cannot be split without re-encoding',
			'Re-encode the video, or re-save it with a video editor, or send a video within the limits.',
		);
	}
	return { at, entry };
}

interface Cut {
	sample: number;
	at: number;
}

/**
 * Keyframes a part can start at, in decode order, with when they are shown: after the first
 * frame shown and before the end, and after every frame decoded before them (a frame decoded
 * earlier but shown later would be lost between the parts).
 */
function cutPoints(video: SampleTrack, timeline: Timeline, shown: ShownStart): Cut[] {
	const cuts: Cut[] = [];
	let shownBefore = -Infinity;
	for (let sample = shown.entry; sample < video.sampleCount; sample++) {
		const at = timeline.presentationOf(sample);
		const isKeyframe = !video.sync || video.sync[sample] === 1;
		if (isKeyframe && sample > shown.entry && at > shown.at && at < timeline.end && at > shownBefore && at > (cuts.length ? cuts[cuts.length - 1].at : -Infinity)) {
			cuts.push({ sample, at });
		}
		if (at >= timeline.start && at < timeline.end) shownBefore = Math.max(shownBefore, at);
	}
	return cuts;
}

/** The parts' bounds, or the error saying why there are none. */
function planBounds(
	movie: SampleMovie,
	tracks: SampleTrack[],
	timelines: Timeline[],
	allCuts: Cut[],
	span: { start: number; entry: number; end: number; videoEnd: number; videoSamples: number; maxTicks: number },
	options: SplitOptions,
): Bound[] | MediaError {
	const { start, entry, end, videoEnd, maxTicks } = span;
	const ticksPerSecond = partTicksPerSecond(tracks.find((track) => track.kind === 'video')!.timescale);
	const maxParts = options.maxParts ?? MAX_PARTS;
	const maxBytes = options.maxPartBytes ?? STATUS_VIDEO_MAX_BYTES;
	const sizes = sizeIndex(movie, tracks, timelines);

	const solve = (cuts: Cut[]) => {
		const points = [start, ...cuts.map((cut) => cut.at)];
		const sampleAt = (index: number) => (index === 0 ? entry : cuts[index - 1].sample);
		const timeAt = (index: number) => (index === points.length ? videoEnd : points[index]);
		const partBytes = (from: number, to: number) => sizes(sampleAt(from), to === points.length ? Infinity : sampleAt(to), points[from], to === points.length ? end : timeAt(to));
		const result = chooseCuts(
			{ points, end: videoEnd, partBytes, lastPartEnd: (from) => Math.min(end, points[from] + maxTicks) },
			{ maxTicks, maxBytes, maxParts },
		);
		return { result, points, sampleAt, timeAt };
	};
	// Many keyframes (all-intra video): search among fewer first, then among all of them.
	const thinned = allCuts.length > THIN_ABOVE ? thinPoints([start, ...allCuts.map((cut) => cut.at)], maxTicks).filter((index) => index > 0).map((index) => allCuts[index - 1]) : undefined;
	let solved = thinned ? solve(thinned) : undefined;
	if (!solved?.result.ok) solved = solve(allCuts);
	if (!solved.result.ok) return refusal({ result: solved.result, timeAt: solved.timeAt }, span, ticksPerSecond, options, maxBytes);
	const { starts } = solved.result;
	const { points, sampleAt } = solved;
	return starts.map((from, index) => {
		const next = starts[index + 1];
		return {
			start: points[from],
			end: next === undefined ? Math.min(end, points[from] + maxTicks) : points[next],
			videoFirst: sampleAt(from),
			videoEnd: next === undefined ? span.videoSamples : sampleAt(next),
		};
	});
}

function refusal(
	solved: { result: Exclude<CutPlan, { ok: true }>; timeAt: (index: number) => number },
	span: { end: number },
	perSecond: number,
	options: SplitOptions,
	maxBytes: number,
): MediaError {
	const { result, timeAt } = solved;
	if (result.reason === 'gap') {
		const [from, to] = [timeAt(result.from), timeAt(result.to)];
		return new MediaError(
			`The video has no keyframe between ${seconds(from, perSecond)} s and ${seconds(to, perSecond)} s (a gap of ${seconds(to - from, perSecond)} s), so it cannot be cut into parts of at most ${options.maxPartSeconds} s without re-encoding`,
			`Set Options > Maximum Duration (Seconds) to at least ${Math.ceil((to - from) / perSecond)} if WhatsApp's limit allows it, or re-encode the video with a keyframe at least every 2 seconds (screen recorders often write very few).`,
		);
	}
	if (result.reason === 'bytes') {
		const [from, to] = [timeAt(result.from), timeAt(result.to)];
		return new MediaError(
			`The video from ${seconds(from, perSecond)} s to ${seconds(to, perSecond)} s has no keyframe to cut at and would make a part of ${formatBytes(result.bytes)}; WhatsApp Status accepts at most ${formatBytes(maxBytes)}. Nothing was posted`,
			'Re-encode the video at a lower bitrate (720p H.264 at about 1.5 Mbit/s keeps 60 s under 10 MB) with a keyframe at least every 2 seconds.',
		);
	}
	return new MediaError(
		`The video (${seconds(span.end, perSecond)} s) would become more than ${options.maxParts ?? MAX_PARTS} statuses of at most ${options.maxPartSeconds} s (it needs ${result.parts})`,
		'Send a shorter video, raise Options > Maximum Duration (Seconds), or trim it with Longer Videos = Trim to Maximum Duration.',
	);
}

/**
 * An upper bound on a part's size: video samples [videoFirst, videoEnd) in decode order, each
 * other track's samples from `start` to `end`, and the header their tables need.
 */
function sizeIndex(movie: SampleMovie, tracks: SampleTrack[], timelines: Timeline[]) {
	const prefixes = tracks.map((track) => {
		const prefix = new Float64Array(track.sampleCount + 1);
		for (let sample = 0; sample < track.sampleCount; sample++) prefix[sample + 1] = prefix[sample] + track.sizes[sample];
		return prefix;
	});
	let fixed = HEADER_BYTES_FIXED + movie.mvhd.length;
	for (const track of tracks) {
		const { tkhd, mdhd, hdlr, mediaInfoHeaders, stsd } = track.boxes;
		fixed += tkhd.length + mdhd.length + hdlr.length + stsd.length + mediaInfoHeaders.reduce((sum, box) => sum + box.length, 0);
	}
	return (videoFirst: number, videoEnd: number, start: number, end: number): number => {
		let bytes = fixed;
		tracks.forEach((track, index) => {
			const prefix = prefixes[index];
			const timeline = timelines[index];
			const [first, last] =
				track.kind === 'video'
					? [videoFirst, Math.min(videoEnd, track.sampleCount)]
					: [Math.max(0, timeline.nearestStart(start) - 1), Math.min(track.sampleCount, timeline.firstStartingAtOrAfter(end) + 1)];
			if (last > first) bytes += prefix[last] - prefix[first] + (last - first) * HEADER_BYTES_PER_SAMPLE;
		});
		return bytes;
	};
}

/** The first sync sample after `sample` (the sample count when there is none). */
function nextSync(track: SampleTrack, sample: number): number {
	let next = sample + 1;
	while (next < track.sampleCount && track.sync && track.sync[next] !== 1) next++;
	return next;
}
