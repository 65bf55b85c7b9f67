/**
 * A track's samples on the source's presentation timeline (after its edit list), in ticks of the
 * parts' movie timescale (partTicksPerSecond).
 */
import type { SampleTrack } from './sampleTables';

/**
 * The parts' movie timescale, which the plan counts in: the video's own, times the least whole
 * number that makes a tick at most a millisecond. Edit lists are written in it, so a coarse one
 * (a 24-per-second video) would end the audio up to a tick (41 ms) short of its last sample.
 */
export function partTicksPerSecond(videoTimescale: number): number {
	return videoTimescale * Math.max(1, Math.ceil(1000 / videoTimescale));
}

/** Where each sample of one track is shown after the source's edit list. */
export class Timeline {
	/** Presentation ticks of media time 0. */
	private readonly origin: number;
	private readonly scale: number;
	/** Where the media starts to be shown (after any empty edit), in presentation ticks. */
	readonly start: number;
	/** Where the last sample shown ends, in presentation ticks. */
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
		this.start = shownStart;
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
