/**
 * Writes a planned part (planParts.ts) as a standalone, fast-start MP4: its header (ftyp, moov with
 * the part's own sample tables, durations and edit lists, the mdat header) and the byte ranges of
 * the source its media is made of, in the source's own order where possible.
 */
import { BoxWriter } from './boxWriter';
import type { PartPlan, TrackSlice } from './planParts';
import type { SampleMovie } from './sampleTables';
import { partTicksPerSecond } from './timeline';

/** A byte range of the source copied into a part. */
export interface PartCopy {
	source: number;
	length: number;
	/** Where it goes in the part. */
	target: number;
}

export interface PartLayout {
	/** ftyp, moov and the mdat header: the first header.length bytes of the part. */
	header: Uint8Array;
	/** Sorted by source offset. */
	copies: PartCopy[];
	/** Size of the whole part file. */
	bytes: number;
}

// When a source's own order cannot be kept (interleavedChunks): chunks of about half a second
// interleave audio and video the way muxers usually do.
const CHUNK_SECONDS = 0.5;

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
	const video = part.slices.find((slice) => slice.track.kind === 'video')?.track;
	const timescale = video ? partTicksPerSecond(video.timescale) : movie.timescale;
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
 * boxes were checked to be long enough for these fields (movie.ts reads them whole, sampleTables.ts refuses them otherwise).
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
