/**
 * Cuts an MP4/QuickTime movie into consecutive parts at video keyframes, without re-encoding: each
 * part is a standalone, fast-start MP4 (ftyp, moov, mdat) holding whole samples copied from the
 * source, with its own sample tables, durations and edit lists.
 *
 * Pure: planParts and layoutPart work on the expanded tables (sampleTables.ts) and return the
 * part's header bytes plus a list of byte ranges of the source it is made of, in the source's own
 * order where possible; partAssembler.ts fills the parts from the source's bytes as they stream by.
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

/** A byte range of the source copied into a part. */
export interface PartCopy {
	source: number;
	length: number;
	/** Where it goes in the part. */
	target: number;
}

interface TrackSlice {
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

export interface PartLayout {
	/** ftyp, moov and the mdat header: the first header.length bytes of the part. */
	header: Uint8Array;
	/** Sorted by source offset. */
	copies: PartCopy[];
	/** Size of the whole part file. */
	bytes: number;
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

// When a source's own order cannot be kept (interleavedChunks): chunks of about half a second
// interleave audio and video the way muxers usually do.
const CHUNK_SECONDS = 0.5;
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

/** Builds a part's header (ftyp, moov, mdat header) and the source ranges its mdat is made of. */
export function layoutPart(movie: SampleMovie, fileType: Uint8Array | undefined, part: PartPlan): PartLayout {
	const slices = part.slices;
	const chunks = sourceOrderChunks(slices) ?? interleavedChunks(slices);
	let mediaBytes = 0;
	for (const chunk of chunks) mediaBytes += chunk.bytes;
	const ftyp = fileType ?? defaultFileType();
	// A 64-bit mdat size (and co64) only for parts of 4 GB and more.
	const wide = mediaBytes + 1_000_000 + ftyp.length > 0xffff_ffff - 16;
	const mdatHeaderBytes = wide ? 16 : 8;
	// Chunk offsets are written relative to the media, then moved by where the media starts (which
	// depends on the moov's own length).
	const offsetPositions: number[] = [];
	const moov = buildMoov(movie, part, chunks, wide, offsetPositions);
	const mediaStart = ftyp.length + moov.length + mdatHeaderBytes;
	const moovView = new DataView(moov.buffer, moov.byteOffset, moov.byteLength);
	for (const position of offsetPositions) {
		if (wide) {
			const offset = moovView.getUint32(position) * 0x1_0000_0000 + moovView.getUint32(position + 4) + mediaStart;
			moovView.setUint32(position, Math.floor(offset / 0x1_0000_0000));
			moovView.setUint32(position + 4, offset % 0x1_0000_0000);
		} else {
			moovView.setUint32(position, moovView.getUint32(position) + mediaStart);
		}
	}

	const header = new Uint8Array(mediaStart);
	header.set(ftyp, 0);
	header.set(moov, ftyp.length);
	const mdat = new BoxWriter();
	if (wide) mdat.u32(1).type('mdat').u64(mdatHeaderBytes + mediaBytes);
	else mdat.u32(mdatHeaderBytes + mediaBytes).type('mdat');
	header.set(mdat.bytes(), ftyp.length + moov.length);

	const copies: PartCopy[] = [];
	let target = mediaStart;
	const addCopy = (source: number, length: number) => {
		const previous = copies[copies.length - 1];
		if (previous && previous.source + previous.length === source && previous.target + previous.length === target) previous.length += length;
		else if (length > 0) copies.push({ source, length, target });
		target += length;
	};
	for (const chunk of chunks) {
		const { track } = chunk.slice;
		if (chunk.contiguous) addCopy(track.offsets[chunk.first], chunk.bytes);
		else for (let sample = chunk.first; sample < chunk.end; sample++) addCopy(track.offsets[sample], track.sizes[sample]);
	}
	// Already in source order when the source's own order was kept (the usual case).
	if (copies.some((copy, index) => index > 0 && copy.source < copies[index - 1].source)) copies.sort((a, b) => a.source - b.source);
	return { header, copies, bytes: mediaStart + mediaBytes };
}

interface Chunk {
	slice: TrackSlice;
	first: number;
	end: number;
	bytes: number;
	/** Decode time of its first sample, in seconds from the slice's first (orders interleavedChunks' chunks). */
	seconds: number;
	/** Where the chunk lands relative to the start of the part's media. */
	mediaOffset: number;
	/** Its samples follow each other in the source too (one copy for the whole chunk). */
	contiguous: boolean;
}

/**
 * The samples in the order the source stores them (its own interleaving), so a part's media is a
 * few long runs of the source: few copies, and pieces of the source's chunks can be sent as they
 * are. Undefined when a track's samples do not follow each other through the file.
 */
function sourceOrderChunks(slices: TrackSlice[]): Chunk[] | undefined {
	const next = slices.map((slice) => slice.first);
	const chunks: Chunk[] = [];
	let offset = 0;
	for (;;) {
		// The slice whose next sample comes first in the file (a handful of tracks: a linear scan).
		let pick = -1;
		for (let index = 0; index < slices.length; index++) {
			if (next[index] >= slices[index].end) continue;
			if (pick < 0 || slices[index].track.offsets[next[index]] < slices[pick].track.offsets[next[pick]]) pick = index;
		}
		if (pick < 0) break;
		// A chunk: this track's samples for as long as they follow each other in the file.
		const slice = slices[pick];
		const { offsets, sizes, descriptionIndex } = slice.track;
		const first = next[pick];
		let sample = first;
		let bytes = sizes[sample];
		while (
			sample + 1 < slice.end &&
			offsets[sample + 1] === offsets[sample] + sizes[sample] &&
			descriptionIndex[sample + 1] === descriptionIndex[first]
		) {
			sample++;
			bytes += sizes[sample];
		}
		next[pick] = sample + 1;
		// A track going back in the file cannot keep its decode order this way.
		if (next[pick] < slice.end && offsets[next[pick]] < offsets[sample] + sizes[sample]) return undefined;
		chunks.push({ slice, first, end: sample + 1, bytes, seconds: 0, mediaOffset: offset, contiguous: true });
		offset += bytes;
	}
	return chunks;
}

/** Samples regrouped into half-second chunks, interleaved by time: for sources whose order cannot be kept. */
function interleavedChunks(slices: TrackSlice[]): Chunk[] {
	const chunks: Chunk[] = [];
	for (const slice of slices) {
		const { track } = slice;
		const perChunk = CHUNK_SECONDS * track.timescale;
		const base = track.decodeTimes[slice.first];
		let chunk: Chunk | undefined;
		for (let sample = slice.first; sample < slice.end; sample++) {
			const time = track.decodeTimes[sample] - base;
			if (
				!chunk ||
				time - (chunk.seconds * track.timescale) >= perChunk ||
				track.descriptionIndex[sample] !== track.descriptionIndex[chunk.first]
			) {
				chunk = { slice, first: sample, end: sample, bytes: 0, seconds: time / track.timescale, mediaOffset: 0, contiguous: false };
				chunks.push(chunk);
			}
			chunk.end = sample + 1;
			chunk.bytes += track.sizes[sample];
		}
	}
	// Stable: at equal times the tracks keep their order (video first when it comes first).
	chunks.sort((a, b) => a.seconds - b.seconds);
	let offset = 0;
	for (const chunk of chunks) {
		chunk.mediaOffset = offset;
		offset += chunk.bytes;
	}
	return chunks;
}

function defaultFileType(): Uint8Array {
	const box = new BoxWriter();
	box.u32(32).type('isom').u32(0x200).type('isom').type('iso2').type('avc1').type('mp41');
	return box.bytes();
}

function buildMoov(movie: SampleMovie, part: PartPlan, chunks: Chunk[], wide: boolean, offsetPositions: number[]): Uint8Array {
	const timescale = part.slices.find((slice) => slice.track.kind === 'video')?.track.timescale ?? movie.timescale;
	const duration = part.endTicks - part.startTicks;
	// About 16 bytes of tables per sample: one allocation instead of a dozen doublings.
	const moov = new BoxWriter(part.slices.reduce((sum, slice) => sum + (slice.end - slice.first) * 16, 4096));
	moov.open('moov');
	moov.raw(patchHeader(movie.mvhd, duration, timescale, true));
	for (const slice of part.slices) {
		const trackDuration = slice.edits.reduce((sum, [length]) => sum + length, 0);
		const mediaDuration = slice.track.decodeTimes[slice.end - 1] + slice.track.durations[slice.end - 1] - slice.track.decodeTimes[slice.first];
		moov.open('trak');
		moov.raw(patchHeader(slice.track.boxes.tkhd, trackDuration));
		moov.open('edts');
		const longEdits = slice.edits.some(([length, time]) => length > 0xffff_ffff || time > 0x7fff_ffff);
		moov.fullBox('elst', longEdits ? 1 : 0, 0).u32(slice.edits.length);
		for (const [length, time] of slice.edits) {
			if (longEdits) moov.u64(length).i64(time).u32(0x1_0000);
			else moov.u32(length).i32(time).u32(0x1_0000);
		}
		moov.close();
		moov.close();
		moov.open('mdia');
		moov.raw(patchHeader(slice.track.boxes.mdhd, mediaDuration));
		moov.raw(slice.track.boxes.hdlr);
		moov.open('minf');
		for (const box of slice.track.boxes.mediaInfoHeaders) moov.raw(box);
		moov.open('stbl');
		moov.raw(slice.track.boxes.stsd);
		writeSampleTables(moov, slice, chunks.filter((chunk) => chunk.slice === slice), wide, offsetPositions);
		moov.close();
		moov.close();
		moov.close();
		moov.close();
	}
	moov.close();
	return moov.bytes();
}

function writeSampleTables(moov: BoxWriter, slice: TrackSlice, chunks: Chunk[], wide: boolean, offsetPositions: number[]): void {
	const { track, first, end } = slice;
	// Run-length tables (count, value): the entry count is filled in once the runs are written.
	const writeRuns = (values: Uint32Array | Int32Array) => {
		const countAt = moov.position;
		moov.u32(0);
		let entries = 0;
		for (let sample = first; sample < end; entries++) {
			const value = values[sample];
			let count = 1;
			while (sample + count < end && values[sample + count] === value) count++;
			moov.u32(count).i32(value);
			sample += count;
		}
		moov.setU32(countAt, entries);
	};

	moov.fullBox('stts', 0, 0);
	writeRuns(track.durations);

	if (track.compositionOffsets) {
		let negative = false;
		for (let sample = first; sample < end && !negative; sample++) negative = track.compositionOffsets[sample] < 0;
		moov.fullBox('ctts', negative ? 1 : 0, 0);
		writeRuns(track.compositionOffsets);
	}

	if (track.sync) {
		const sync = track.sync;
		const keyframes: number[] = [];
		for (let sample = first; sample < end; sample++) if (sync[sample] === 1) keyframes.push(sample - first + 1);
		moov.fullBox('stss', 0, 0).u32(keyframes.length);
		for (const keyframe of keyframes) moov.u32(keyframe);
	}

	const samplesToChunks: Array<[number, number, number]> = [];
	chunks.forEach((chunk, index) => {
		const count = chunk.end - chunk.first;
		const description = track.descriptionIndex[chunk.first];
		const lastEntry = samplesToChunks[samplesToChunks.length - 1];
		if (!lastEntry || lastEntry[1] !== count || lastEntry[2] !== description) samplesToChunks.push([index + 1, count, description]);
	});
	moov.fullBox('stsc', 0, 0).u32(samplesToChunks.length);
	for (const [firstChunk, count, description] of samplesToChunks) moov.u32(firstChunk).u32(count).u32(description);

	let constant = end > first ? track.sizes[first] : 0;
	for (let sample = first; sample < end && constant !== 0; sample++) if (track.sizes[sample] !== constant) constant = 0;
	moov.fullBox('stsz', 0, 0).u32(constant).u32(end - first);
	if (constant === 0) for (let sample = first; sample < end; sample++) moov.u32(track.sizes[sample]);

	moov.fullBox(wide ? 'co64' : 'stco', 0, 0).u32(chunks.length);
	for (const chunk of chunks) {
		offsetPositions.push(moov.position);
		if (wide) moov.u64(chunk.mediaOffset);
		else moov.u32(chunk.mediaOffset);
	}
	moov.close(); // co64/stco
}

/**
 * A copy of an mvhd, tkhd or mdhd with a new duration (and, for mvhd, timescale). The source's
 * boxes were checked to be long enough for these fields (sampleTables.ts).
 */
function patchHeader(box: Uint8Array, duration: number, timescale?: number, isMovie = false): Uint8Array {
	const copy = box.slice();
	const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
	// Boxes over 4 GB carry a 64-bit size after the type.
	const headerBytes = view.getUint32(0) === 1 ? 16 : 8;
	const version = copy[headerBytes];
	const content = headerBytes + 4;
	// mvhd and mdhd: times, timescale, duration; tkhd: times, track ID, reserved, duration.
	const isTrackHeader = !isMovie && String.fromCharCode(copy[4], copy[5], copy[6], copy[7]) === 'tkhd';
	if (version === 1) {
		const timescaleAt = content + 16;
		const durationAt = isTrackHeader ? content + 24 : content + 20;
		if (timescale !== undefined && !isTrackHeader) view.setUint32(timescaleAt, timescale);
		view.setUint32(durationAt, Math.floor(duration / 0x1_0000_0000));
		view.setUint32(durationAt + 4, duration >>> 0);
	} else {
		const timescaleAt = content + 8;
		const durationAt = isTrackHeader ? content + 16 : content + 12;
		if (timescale !== undefined && !isTrackHeader) view.setUint32(timescaleAt, timescale);
		view.setUint32(durationAt, Math.min(duration, 0xffff_ffff));
	}
	return copy;
}

/** Writes boxes into a growing buffer; open/close fill in the sizes. */
class BoxWriter {
	private buffer: Uint8Array;
	private view: DataView;
	private length = 0;
	private readonly openBoxes: number[] = [];

	constructor(capacity = 1024) {
		this.buffer = new Uint8Array(capacity);
		this.view = new DataView(this.buffer.buffer);
	}
	/** Full boxes written by fullBox, closed by the next fullBox, open, close or bytes(). */
	private leaf: number | undefined;

	/** Where the next value is written. */
	get position(): number {
		return this.length;
	}

	/** Overwrites a value already written. */
	setU32(position: number, value: number): this {
		this.view.setUint32(position, value >>> 0);
		return this;
	}

	private reserve(bytes: number): void {
		if (this.length + bytes <= this.buffer.length) return;
		let size = this.buffer.length * 2;
		while (size < this.length + bytes) size *= 2;
		const grown = new Uint8Array(size);
		grown.set(this.buffer.subarray(0, this.length));
		this.buffer = grown;
		this.view = new DataView(grown.buffer);
	}

	u32(value: number): this {
		this.reserve(4);
		this.view.setUint32(this.length, value >>> 0);
		this.length += 4;
		return this;
	}

	i32(value: number): this {
		this.reserve(4);
		this.view.setInt32(this.length, value);
		this.length += 4;
		return this;
	}

	u64(value: number): this {
		return this.u32(Math.floor(value / 0x1_0000_0000)).u32(value % 0x1_0000_0000);
	}

	i64(value: number): this {
		if (value >= 0) return this.u64(value);
		return this.u32(0xffff_ffff).u32(value >>> 0);
	}

	type(fourcc: string): this {
		this.reserve(4);
		for (let index = 0; index < 4; index++) this.buffer[this.length + index] = fourcc.charCodeAt(index);
		this.length += 4;
		return this;
	}

	raw(bytes: Uint8Array): this {
		this.endLeaf();
		this.reserve(bytes.length);
		this.buffer.set(bytes, this.length);
		this.length += bytes.length;
		return this;
	}

	open(fourcc: string): this {
		this.endLeaf();
		this.openBoxes.push(this.length);
		return this.u32(0).type(fourcc);
	}

	fullBox(fourcc: string, version: number, flags: number): this {
		this.endLeaf();
		this.leaf = this.length;
		return this.u32(0).type(fourcc).u32(((version & 0xff) << 24) | (flags & 0xff_ffff));
	}

	close(): this {
		if (this.leaf !== undefined) return this.endLeaf();
		const start = this.openBoxes.pop();
		if (start !== undefined) this.view.setUint32(start, this.length - start);
		return this;
	}

	bytes(): Uint8Array {
		this.endLeaf();
		while (this.openBoxes.length) this.close();
		return this.buffer.slice(0, this.length);
	}

	private endLeaf(): this {
		if (this.leaf !== undefined) this.view.setUint32(this.leaf, this.length - this.leaf);
		this.leaf = undefined;
		return this;
	}
}
