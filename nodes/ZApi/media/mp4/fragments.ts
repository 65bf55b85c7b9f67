/**
 * The samples of a fragmented MP4 (moov with mvex, then moof + mdat pairs, as live and screen
 * recorders write them), read from its moof boxes into the same per-sample arrays as a regular
 * movie's tables (sampleTables.ts), so the splitter can write regular parts from them.
 *
 * Untrusted like the rest: every sample count is checked against the bytes holding its entries,
 * or, for runs whose samples all take the defaults, against the remaining sample budget, before
 * anything is allocated.
 */
import { MediaError } from '../../InputError';
import { readInt32, readUint32, readUint64 } from '../bytes';

/** A moof box, whole, and where it starts in the file. */
export interface Fragment {
	offset: number;
	box: Uint8Array;
}

/** What trex (in moov > mvex) says about a track's samples when a fragment does not. */
export interface TrackDefaults {
	descriptionIndex: number;
	duration: number;
	size: number;
	flags: number;
}

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
const MAX_BOXES = 100_000;

const damaged = (what: string) =>
	new MediaError(
		`The video's fragments (moof) are damaged: ${what}, so it cannot be split`,
		'Convert it to a regular MP4 first (for example with a video editor, or ffmpeg -i input.mp4 -c copy output.mp4), or send a video within the limits.',
	);




interface Child {
	type: string;
	start: number;
	end: number;
}

/** The boxes directly inside [start, end) of one moof's bytes. */
function children(bytes: Uint8Array, start: number, end: number, counter: { boxes: number }): Child[] {
	const found: Child[] = [];
	let offset = start;
	while (end - offset >= 8) {
		if (++counter.boxes > MAX_BOXES) throw damaged(`they hold more than ${MAX_BOXES.toLocaleString('en-US')} boxes`);
		const size = readUint32(bytes, offset);
		if (size < 8 || size > end - offset) throw damaged('a box has an invalid size');
		found.push({ type: String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]), start: offset, end: offset + size });
		offset += size;
	}
	return found;
}

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
	const counter = { boxes: 0 };
	let total = 0;
	for (const { offset: moofOffset, box } of fragments) {
		const moof = children(box, 8, box.length, counter);
		let firstTraf = true;
		let previousTrafEnd = moofOffset;
		for (const traf of moof.filter((child) => child.type === 'traf')) {
			const parts = children(box, traf.start + 8, traf.end, counter);
			const tfhd = parts.find((child) => child.type === 'tfhd');
			if (!tfhd || tfhd.end - tfhd.start < 16) throw damaged('a track fragment has no readable header (tfhd)');
			const tfhdFlags = readUint32(box, tfhd.start + 8) & 0xff_ffff;
			const trackId = readUint32(box, tfhd.start + 12);
			const trex = trackDefaults.get(trackId);
			if (!trex) throw damaged(`a fragment names track ${trackId}, which the movie does not define`);
			// Optional tfhd fields, in order, each present when its flag is set.
			let at = tfhd.start + 16;
			const field = (flag: number, size: number): number | undefined => {
				if (!(tfhdFlags & flag)) return undefined;
				if (at + size > tfhd.end) throw damaged('a track fragment header (tfhd) is too short');
				const value = size === 8 ? readUint64(box, at) : readUint32(box, at);
				at += size;
				return value;
			};
			const baseDataOffset = field(0x1, 8);
			const defaults: TrackDefaults = {
				descriptionIndex: field(0x2, 4) ?? trex.descriptionIndex,
				duration: field(0x8, 4) ?? trex.duration,
				size: field(0x10, 4) ?? trex.size,
				flags: field(0x20, 4) ?? trex.flags,
			};
			// Without an explicit base, data is relative to the moof (default-base-is-moof, or the first
			// traf) or follows the previous traf's data.
			const dataStart = baseDataOffset ?? (tfhdFlags & 0x2_0000 || firstTraf ? moofOffset : previousTrafEnd);
			firstTraf = false;

			const tfdt = parts.find((child) => child.type === 'tfdt');
			let decodeTime: number | undefined;
			if (tfdt) {
				const version = box[tfdt.start + 8];
				if (tfdt.end - tfdt.start < (version === 1 ? 20 : 16)) throw damaged('a decode time box (tfdt) is too short');
				decodeTime = version === 1 ? readUint64(box, tfdt.start + 12) : readUint32(box, tfdt.start + 12);
			}

			let nextData = dataStart;
			for (const trun of parts.filter((child) => child.type === 'trun')) {
				if (trun.end - trun.start < 16) throw damaged('a track run (trun) is too short');
				const flags = readUint32(box, trun.start + 8) & 0xff_ffff;
				const count = readUint32(box, trun.start + 12);
				let entry = trun.start + 16;
				let runData = nextData;
				if (flags & 0x1) {
					if (entry + 4 > trun.end) throw damaged('a track run (trun) is too short');
					runData = dataStart + readInt32(box, entry);
					entry += 4;
				}
				let firstSampleFlags: number | undefined;
				if (flags & 0x4) {
					if (entry + 4 > trun.end) throw damaged('a track run (trun) is too short');
					firstSampleFlags = readUint32(box, entry);
					entry += 4;
				}
				const entryBytes = 4 * [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length;
				if (entryBytes > 0 && count * entryBytes > trun.end - entry) throw damaged('a track run lists more samples than it holds');
				total += count;
				if (total > samplesLeft) throw damaged('they list more samples than the node reads');
				if (entryBytes === 0 && count * Math.max(1, defaults.size) > fileBytes) throw damaged('their samples add up to more than the file');
				totals.set(trackId, (totals.get(trackId) ?? 0) + count);
				if (flags & 0x800) withCompositionOffsets.add(trackId);
				runs.push({ trackId, count, bytes: box, at: entry, flags, firstSampleFlags, dataStart: runData, decodeTime, defaults });
				decodeTime = undefined;
				// The next run without its own data offset continues after this one's samples.
				nextData = runData + runBytes(box, entry, flags, count, defaults.size);
			}
			previousTrafEnd = nextData;
		}
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
			const duration = run.flags & 0x100 ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.duration;
			const size = run.flags & 0x200 ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.size;
			let flags = run.flags & 0x400 ? readUint32(run.bytes, (entry += 4) - 4) : run.defaults.flags;
			if (index === 0 && run.firstSampleFlags !== undefined) flags = run.firstSampleFlags;
			const composition = run.flags & 0x800 ? readInt32(run.bytes, (entry += 4) - 4) : 0;
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
function runBytes(bytes: Uint8Array, at: number, flags: number, count: number, defaultSize: number): number {
	if (!(flags & 0x200)) return count * defaultSize;
	const step = 4 * [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length;
	const sizeAt = flags & 0x100 ? 4 : 0;
	let total = 0;
	for (let index = 0; index < count; index++) total += readUint32(bytes, at + index * step + sizeAt);
	return total;
}
