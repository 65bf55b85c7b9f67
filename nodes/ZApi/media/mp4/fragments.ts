/**
 * The samples of a fragmented MP4 (moov with mvex, then moof + mdat pairs, as live and screen
 * recorders write them), from its moof boxes as the one fragment reader (movieFragments.ts) finds
 * them, checked strictly and expanded into the same per-sample arrays as a regular movie's tables
 * (sampleTables.ts), so the splitter can write regular parts from them.
 *
 * Untrusted like the rest: every sample count is checked against the bytes holding its entries,
 * or, for runs whose samples all take the defaults, against the remaining sample budget, before
 * anything is allocated.
 */
import { readInt32, readUint32 } from '../bytes';
import type { BoxBudget } from './boxWalker';
import { DEFAULT_BASE_IS_MOOF, SAMPLE_COMPOSITION_OFFSET, SAMPLE_DURATION, SAMPLE_FLAGS, SAMPLE_SIZE, trackRunEntryLayout } from './fragmentBoxes';
import type { TrackExtends } from './movieBoxes';
import { readTrackFragments } from './movieFragments';
import { damagedFragments as damaged, StrictWalker } from './strictBoxes';

/** A moof box, whole, and where it starts in the file. */
export interface Fragment {
	offset: number;
	box: Uint8Array;
}

/** What trex (in moov > mvex) says about a track's samples when a fragment does not. */
export type TrackDefaults = Omit<TrackExtends, 'trackId'>;

export interface FragmentSamples {
	count: number;
	offsets: Float64Array;
	sizes: Uint32Array;
	decodeTimes: Float64Array;
	durations: Uint32Array;
	/** Only when some run carries composition offsets. */
	compositionOffsets?: Int32Array;
	sync: Uint8Array;
	descriptionIndex: Uint32Array;
}

const NON_SYNC_SAMPLE = 0x0001_0000;
/** Boxes read in all the moofs together. */
const FRAGMENTS_BUDGET: Readonly<BoxBudget> = { maxBoxes: 100_000, maxDepth: 3, maxBytes: Infinity };

/** One trun: where its entries are and how to read them. */
interface Run {
	trackId: number;
	count: number;
	bytes: Uint8Array;
	/** First entry. */
	at: number;
	flags: number;
	firstSampleFlags?: number;
	dataStart: number;
	/** Decode time of its first sample, when the fragment said (tfdt); otherwise it follows the last one. */
	decodeTime?: number;
	defaults: TrackDefaults;
}

/**
 * Reads every run of every fragment; returns the samples of each track by track ID.
 * `samplesLeft` is the budget still available (the reader's cap minus the regular tables' samples).
 */
export function readFragmentSamples(
	fragments: Fragment[],
	trackDefaults: Map<number, TrackDefaults>,
	fileBytes: number,
	samplesLeft: number,
	/** Where each track's time stands after its own tables' samples (for fragments without tfdt). */
	startTimes: Map<number, number>,
): Map<number, FragmentSamples> {
	const runs: Run[] = [];
	const totals = new Map<number, number>();
	const withCompositionOffsets = new Set<number>();
	let boxesRead = 0;
	let total = 0;
	for (const { offset: moofOffset, box } of fragments) {
		// One walker per moof, all of them within one box budget.
		const walker = new StrictWalker(box, { ...FRAGMENTS_BUDGET, maxBoxes: FRAGMENTS_BUDGET.maxBoxes - boxesRead });
		const [moof] = walker.list(walker.file());
		const trackFragments = moof ? readTrackFragments(walker, moof) : [];
		walker.refuse(damaged, FRAGMENTS_BUDGET);
		let firstTraf = true;
		let previousTrafEnd = moofOffset;
		for (const { header: tfhd, decodeTime: firstDecodeTime, runs: trackRuns } of trackFragments) {
			if (!tfhd) throw damaged('a track fragment has no readable header (tfhd)');
			const trex = trackDefaults.get(tfhd.trackId);
			if (!trex) throw damaged(`a fragment names track ${tfhd.trackId}, which the movie does not define`);
			if (!tfhd.complete) throw damaged('a track fragment header (tfhd) is too short');
			const trackId = tfhd.trackId;
			const defaults: TrackDefaults = {
				descriptionIndex: tfhd.descriptionIndex ?? trex.descriptionIndex,
				duration: tfhd.duration ?? trex.duration,
				size: tfhd.size ?? trex.size,
				flags: tfhd.sampleFlags ?? trex.flags,
			};
			// Without an explicit base, data is relative to the moof (default-base-is-moof, or the first
			// traf) or follows the previous traf's data.
			const dataStart = tfhd.baseDataOffset ?? (tfhd.flags & DEFAULT_BASE_IS_MOOF || firstTraf ? moofOffset : previousTrafEnd);
			firstTraf = false;

			let decodeTime = firstDecodeTime;
			let nextData = dataStart;
			for (const { trun: trunBox, header: trun } of trackRuns) {
				const { flags, sampleCount: count, firstSampleFlags, entryLength: entryBytes } = trun;
				const entry = trunBox.contentStart + trun.entriesStart;
				if (entry > trunBox.end) throw damaged('a track run (trun) is too short');
				const runData = trun.dataOffset === undefined ? nextData : dataStart + trun.dataOffset;
				if (entryBytes > 0 && count * entryBytes > trunBox.end - entry) throw damaged('a track run lists more samples than it holds');
				total += count;
				if (total > samplesLeft) throw damaged('they list more samples than the node reads');
				if (entryBytes === 0 && count * Math.max(1, defaults.size) > fileBytes) throw damaged('their samples add up to more than the file');
				totals.set(trackId, (totals.get(trackId) ?? 0) + count);
				if (flags & SAMPLE_COMPOSITION_OFFSET) withCompositionOffsets.add(trackId);
				runs.push({ trackId, count, bytes: box, at: entry, flags, firstSampleFlags, dataStart: runData, decodeTime, defaults });
				decodeTime = undefined;
				// The next run without its own data offset continues after this one's samples.
				nextData = runData + runBytes(box, entry, flags, count, defaults.size, entryBytes);
			}
			previousTrafEnd = nextData;
		}
		boxesRead += walker.steps;
	}

	const samples = new Map<number, FragmentSamples & { filled: number; time: number }>();
	for (const [trackId, count] of totals) {
		samples.set(trackId, {
			count,
			offsets: new Float64Array(count),
			sizes: new Uint32Array(count),
			decodeTimes: new Float64Array(count),
			durations: new Uint32Array(count),
			compositionOffsets: withCompositionOffsets.has(trackId) ? new Int32Array(count) : undefined,
			sync: new Uint8Array(count),
			descriptionIndex: new Uint32Array(count),
			filled: 0,
			time: startTimes.get(trackId) ?? 0,
		});
	}
	for (const run of runs) {
		const track = samples.get(run.trackId)!;
		if (run.decodeTime !== undefined) track.time = run.decodeTime;
		let data = run.dataStart;
		let entry = run.at;
		for (let index = 0; index < run.count; index++) {
			const sample = track.filled++;
			const duration = run.flags & SAMPLE_DURATION ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.duration;
			const size = run.flags & SAMPLE_SIZE ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.size;
			let flags = run.flags & SAMPLE_FLAGS ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.flags;
			if (index === 0 && run.firstSampleFlags !== undefined) flags = run.firstSampleFlags;
			const composition = run.flags & SAMPLE_COMPOSITION_OFFSET ? readInt32(run.bytes, (entry += 4) - 4) : 0;
			if (data < 0 || data + size > fileBytes) throw damaged(`a sample lies outside the file`);
			track.offsets[sample] = data;
			track.sizes[sample] = size;
			track.decodeTimes[sample] = track.time;
			track.durations[sample] = duration;
			if (track.compositionOffsets) track.compositionOffsets[sample] = composition;
			track.sync[sample] = flags & NON_SYNC_SAMPLE ? 0 : 1;
			track.descriptionIndex[sample] = run.defaults.descriptionIndex;
			data += size;
			track.time += duration;
		}
	}
	return samples;
}

/** Bytes of a run's samples (for the next run's start). */
function runBytes(bytes: Uint8Array, at: number, flags: number, count: number, defaultSize: number, entryLength: number): number {
	const sizeAt = trackRunEntryLayout(flags).size;
	if (sizeAt === undefined) return count * defaultSize;
	let total = 0;
	for (let index = 0; index < count; index++) total += readUint32(bytes, at + index * entryLength + sizeAt);
	return total;
}
