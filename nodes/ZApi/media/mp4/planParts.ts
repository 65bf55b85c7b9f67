/**
 * Cuts an MP4/QuickTime movie into consecutive parts at video keyframes, without re-encoding: each
 * part is a standalone, fast-start MP4 (ftyp, moov, mdat) holding whole samples copied from the
 * source, with its own sample tables, durations and edit lists.
 *
 * Pure: planParts works on the expanded tables (sampleTables.ts) and decides where the parts start
 * and end and which samples of each track they hold; partLayout.ts writes each part's header and
 * the byte ranges of the source it is made of; partAssembler.ts fills the parts from the source's
 * bytes as they stream by.
 */
import { MediaError } from '../../InputError';
import type { SampleMovie, SampleTrack } from './sampleTables';

export interface SplitOptions {
	/** Longest part, in seconds. */
	maxPartSeconds: number;
	/** 'trim' keeps the first part only (and may end it anywhere, not only at a keyframe). */
	mode: 'split' | 'trim';
	/** Most parts allowed; default MAX_PARTS. */
	maxParts?: number;
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
	/** In video ticks of the source presentation (the part's own timescale is the same). */
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
	/** Handler types of the source's tracks that are neither video nor audio, left out of the parts. */
	skippedTracks: string[];
}

/** 100 statuses of a minute: far beyond what anyone posts at once, and a bound on the work. */
export const MAX_PARTS = 100;

/** How long the movie plays, from its sample tables (for fragmented files, whose headers often leave it out). */
export function movieSeconds(movie: SampleMovie): number | undefined {
	const video = movie.tracks.find((track) => track.kind === 'video');
	if (!video || video.timescale === 0) return undefined;
	const end = Math.max(...movie.tracks.map((track) => new Timeline(track, movie.timescale, video.timescale).end));
	return end > 0 ? end / video.timescale : undefined;
}

/** Decides where the parts start and end and which samples of each track they hold. Throws MediaError. */
export function planParts(movie: SampleMovie, options: SplitOptions): SplitPlan {
	const videos = movie.tracks.filter((track) => track.kind === 'video');
	if (videos.length !== 1) {
		throw new MediaError(
			videos.length === 0 ? 'The video has no video track to cut at' : `The video has ${videos.length} video tracks; only one can be split`,
			'Send a video with one video track.',
		);
	}
	const video = videos[0];
	if (video.sampleCount === 0) throw new MediaError('The video track has no frames', 'Send a video with frames in it.');
	if (video.sync && video.sync[0] !== 1) {
		throw new MediaError('The video does not start with a keyframe, so it cannot be split without re-encoding', 'Re-encode the video, or send a video within the limits.');
	}
	const ticksPerSecond = video.timescale;
	const maxTicks = Math.floor(options.maxPartSeconds * ticksPerSecond);
	if (!(maxTicks > 0)) throw new MediaError('The Maximum Duration is too short to cut the video', 'Set Options > Maximum Duration (Seconds) to at least 1.');
	const timelines = movie.tracks.map((track) => new Timeline(track, movie.timescale, ticksPerSecond));
	const videoTimeline = timelines[movie.tracks.indexOf(video)];
	const end = Math.max(...timelines.map((timeline) => timeline.end));
	const videoEnd = videoTimeline.end;
	if (!(end > 0)) throw new MediaError('The video has no duration to cut', 'Send a video with frames in it.');

	// Keyframes after the first, with the time their part would start at, in decode order.
	const cuts: Array<{ sample: number; at: number }> = [];
	for (let sample = 1; sample < video.sampleCount; sample++) {
		if (video.sync && video.sync[sample] !== 1) continue;
		const at = videoTimeline.presentationOf(sample);
		if (at > (cuts.length ? cuts[cuts.length - 1].at : 0) && at < videoEnd) cuts.push({ sample, at });
	}

	const bounds: Array<{ start: number; end: number; videoFirst: number; videoEnd: number }> = [];
	let start = 0;
	let videoFirst = 0;
	let next = 0;
	let droppedTail = 0;
	for (;;) {
		if (options.mode === 'trim' || end - start <= maxTicks) {
			const partEnd = Math.min(end, start + maxTicks);
			if (partEnd < end) droppedTail = options.mode === 'trim' ? 0 : end - partEnd;
			bounds.push({ start, end: partEnd, videoFirst, videoEnd: video.sampleCount });
			break;
		}
		while (next < cuts.length && cuts[next].at <= start) next++;
		let chosen = -1;
		for (let index = next; index < cuts.length && cuts[index].at - start <= maxTicks; index++) chosen = index;
		if (chosen < 0) {
			if (videoEnd - start <= maxTicks) {
				// Only audio runs past this part: it ends with the longest part allowed.
				droppedTail = end - (start + maxTicks);
				bounds.push({ start, end: start + maxTicks, videoFirst, videoEnd: video.sampleCount });
				break;
			}
			const gapEnd = next < cuts.length ? cuts[next].at : videoEnd;
			const seconds = (ticks: number) => (ticks / ticksPerSecond).toFixed(1);
			throw new MediaError(
				`The video has no keyframe between ${seconds(start)} s and ${seconds(gapEnd)} s (a gap of ${seconds(gapEnd - start)} s), so it cannot be cut into parts of at most ${options.maxPartSeconds} s without re-encoding`,
				`Set Options > Maximum Duration (Seconds) to at least ${Math.ceil((gapEnd - start) / ticksPerSecond)} if WhatsApp's limit allows it, or re-encode the video with a keyframe at least every 2 seconds (screen recorders often write very few).`,
			);
		}
		bounds.push({ start, end: cuts[chosen].at, videoFirst, videoEnd: cuts[chosen].sample });
		if (bounds.length >= (options.maxParts ?? MAX_PARTS)) {
			throw new MediaError(
				`The video (${(end / ticksPerSecond).toFixed(1)} s) would become more than ${options.maxParts ?? MAX_PARTS} statuses of at most ${options.maxPartSeconds} s`,
				'Send a shorter video, or trim it with Longer Videos = Trim to Maximum Duration.',
			);
		}
		start = cuts[chosen].at;
		videoFirst = cuts[chosen].sample;
		next = chosen + 1;
	}

	const parts = bounds.map((bound, index): PartPlan => {
		const last = index === bounds.length - 1;
		const slices: TrackSlice[] = [];
		movie.tracks.forEach((track, trackIndex) => {
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
				first = index === 0 ? 0 : timeline.nearestStart(bound.start);
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
	return { parts, sourceSeconds: end / ticksPerSecond, droppedTailSeconds: droppedTail / ticksPerSecond, skippedTracks: movie.skippedTracks };
}

/** The first sync sample after `sample` (the sample count when there is none). */
function nextSync(track: SampleTrack, sample: number): number {
	let next = sample + 1;
	while (next < track.sampleCount && track.sync && track.sync[next] !== 1) next++;
	return next;
}

/**
 * One track's samples on the source's presentation timeline, in ticks of the video track (the
 * parts' movie timescale): where each sample is shown after the source's edit list.
 */
class Timeline {
	/** Presentation ticks of media time 0. */
	private readonly origin: number;
	private readonly scale: number;
	readonly end: number;

	constructor(
		private readonly track: SampleTrack,
		movieTimescale: number,
		ticksPerSecond: number,
	) {
		this.scale = ticksPerSecond / track.timescale;
		this.origin = Math.round((track.emptyEditTicks * ticksPerSecond) / movieTimescale) - track.mediaStart * this.scale;
		let mediaEnd = 0;
		for (let sample = 0; sample < track.sampleCount; sample++) {
			mediaEnd = Math.max(mediaEnd, this.presentationOf(sample) + track.durations[sample] * this.scale);
		}
		const shownStart = this.origin + track.mediaStart * this.scale;
		const editEnd = track.editDuration === undefined ? Infinity : shownStart + (track.editDuration * ticksPerSecond) / movieTimescale;
		this.end = Math.max(0, Math.floor(Math.min(mediaEnd, editEnd)));
	}

	presentationOf(sample: number): number {
		const composition = this.track.compositionOffsets ? this.track.compositionOffsets[sample] : 0;
		return this.origin + (this.track.decodeTimes[sample] + composition) * this.scale;
	}

	/** First sample whose start is nearest to `at` (decode order equals presentation order for audio). */
	nearestStart(at: number): number {
		let low = 0;
		let high = this.track.sampleCount;
		while (low < high) {
			const middle = (low + high) >> 1;
			const mid = this.presentationOf(middle) + (this.track.durations[middle] * this.scale) / 2;
			if (mid < at) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	firstStartingAtOrAfter(at: number): number {
		let low = 0;
		let high = this.track.sampleCount;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (this.presentationOf(middle) < at) low = middle + 1;
			else high = middle;
		}
		return low;
	}

	/**
	 * The last sample of [from, to) in decode order that is shown before `at` (every sample it
	 * depends on precedes it), or from - 1 when none is.
	 */
	lastShownBefore(at: number, from: number, to: number): number {
		let last = from - 1;
		for (let sample = from; sample < to; sample++) {
			if (this.presentationOf(sample) < at) last = sample;
		}
		return last;
	}

	/** The part's edit list for this track: show [start, end) of the source, with samples from `first` on. */
	editsFor(first: number, sliceEnd: number, start: number, end: number): Array<[number, number]> {
		const partEnd = Math.min(end, this.end) - start;
		if (partEnd <= 0) return [];
		const base = this.track.decodeTimes[first];
		// Media time (rebased to the part's first sample) shown at the part's start.
		const mediaTime = Math.round((start - this.origin) / this.scale - base);
		// The earliest media time a sample of the part is shown at (after B-frame reordering).
		let firstShown = Infinity;
		for (let sample = first; sample < sliceEnd; sample++) {
			const composition = this.track.compositionOffsets ? this.track.compositionOffsets[sample] : 0;
			firstShown = Math.min(firstShown, this.track.decodeTimes[sample] + composition - base);
		}
		if (mediaTime >= firstShown) return [[Math.floor(partEnd), mediaTime]];
		// Nothing to show yet at the part's start (audio starting a little later, video whose first
		// frame is shown late): an empty edit first, so that every player waits the same time.
		const empty = Math.round((firstShown - mediaTime) * this.scale);
		if (empty >= partEnd) return [];
		return [
			[empty, -1],
			[Math.floor(partEnd - empty), firstShown],
		];
	}
}
