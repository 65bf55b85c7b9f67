/**
 * What a track's samples really are, from their own bytes rather than the index: which video
 * samples a decoder can start at (H.264 IDR, HEVC IRAP pictures, read from their NAL unit
 * headers, since some muxers write a sync-sample table that is off), and whether a track is
 * encrypted (DRM), which no part made of its samples could play.
 *
 * Only the few bytes of each NAL unit header of the video samples are looked at: read where they
 * are when the node holds the file, else in one more pass over the source, front to back.
 */
import type { OpenSource } from './partAssembler';
import type { Fragment } from './fragments';
import type { SampleTrack } from './sampleTables';
import type { ByteSource } from '../bytes';
import { byteSourceOf } from '../bytes';
import { BoxWalker } from './boxWalker';
import { readTrackFragments } from './movieFragments';
import { entryEncrypted, readAudioSampleEntry, readVisualSampleEntry } from './sampleEntry';
import { MOOV_BUDGET } from './strictBoxes';

export interface SampleCodec {
	/** Sample entry fourcc of the track's first description, e.g. 'avc1', 'encv'. */
	fourcc: string;
	/** How the NAL units are told apart: their length prefixes' size (H.264 and HEVC only). */
	nal?: { family: 'h264' | 'hevc'; lengthSize: number };
	encrypted: boolean;
}

/** The codec of a track from its stsd box (header included), as the sample tables keep it, read by the inspector's sample entry reader. */
export function sampleCodec(track: Pick<SampleTrack, 'kind' | 'boxes'>): SampleCodec {
	const walker = new BoxWalker(byteSourceOf(track.boxes.stsd), MOOV_BUDGET, () => undefined);
	const [stsd] = walker.list(walker.file());
	// stsd: version and flags, entry count, then the entries.
	const [entry] = stsd && stsd.end - stsd.contentStart >= 8 ? walker.list(walker.childrenOf(stsd, 8)) : [];
	if (!entry) return { fourcc: '', encrypted: false };
	const details = track.kind === 'video' ? readVisualSampleEntry(walker, entry) : readAudioSampleEntry(walker, entry);
	// A length size of 3 is not allowed for either codec; such a file is not read for keyframes.
	const nal = details.nal && details.nal.lengthSize !== 3 ? details.nal : undefined;
	return { fourcc: entry.type, nal, encrypted: entryEncrypted(entry, details) };
}

/** What a NAL unit header says about its picture: a random-access point, another picture, or nothing (parameter sets, SEI). */
export function nalPicture(family: 'h264' | 'hevc', header: number): 'random-access' | 'other' | undefined {
	if (family === 'h264') {
		const type = header & 0x1f;
		if (type === 5) return 'random-access';
		return type >= 1 && type <= 4 ? 'other' : undefined;
	}
	const type = (header >> 1) & 0x3f;
	// IRAP: BLA, IDR and CRA pictures (16 to 23); VCL types below 16 are all other pictures.
	if (type >= 16 && type <= 23) return 'random-access';
	return type < 16 ? 'other' : undefined;
}

/** A sample's verdict: 1 random-access point, 0 another picture, 2 unknown (no picture found in its NAL units). */
export type KeyframeVerdicts = Uint8Array;
export const UNKNOWN = 2;

type NalFormat = NonNullable<SampleCodec['nal']>;

/** A NAL unit header at `at` (its length prefix, then its first byte): the unit's length and what it says of its picture. */
function readUnit(bytes: Uint8Array, nal: NalFormat, at = 0): { length: number; picture: ReturnType<typeof nalPicture> } {
	let length = 0;
	for (let byte = 0; byte < nal.lengthSize; byte++) length = length * 256 + bytes[at + byte];
	return { length, picture: length > 0 ? nalPicture(nal.family, bytes[at + nal.lengthSize]) : undefined };
}

/**
 * Tells which samples of a video track are random-access points, from the NAL unit headers of
 * every sample. Each sample's units are walked by their length prefixes until the first picture
 * (slice) unit; only those prefixes and headers are looked at.
 */
export async function scanKeyframes(open: OpenSource, track: SampleTrack, nal: NalFormat): Promise<KeyframeVerdicts> {
	return open.randomAccess ? readKeyframesAt(open.randomAccess, track, nal) : await streamKeyframes(open, track, nal);
}

/** Bytes read at once from where a sample's NAL units start: usually all the unit headers before its first slice. */
const SAMPLE_HEAD_BYTES = 16;

/** scanKeyframes where the bytes can be read at any offset: a few bytes at each sample's start, no pass over the file. */
function readKeyframesAt(source: ByteSource, track: SampleTrack, nal: NalFormat): KeyframeVerdicts {
	const verdicts = new Uint8Array(track.sampleCount).fill(UNKNOWN);
	const headerBytes = nal.lengthSize + 1;
	const none: Uint8Array = new Uint8Array(0);
	for (let sample = 0; sample < track.sampleCount; sample++) {
		const end = track.offsets[sample] + track.sizes[sample];
		let head = none;
		let headAt = 0;
		for (let unitAt = track.offsets[sample]; unitAt + headerBytes <= end; ) {
			if (unitAt + headerBytes > headAt + head.length) {
				headAt = unitAt;
				head = source.read(unitAt, Math.min(SAMPLE_HEAD_BYTES, end - unitAt));
				if (head.length < headerBytes) break;
			}
			const { length, picture } = readUnit(head, nal, unitAt - headAt);
			if (picture) {
				verdicts[sample] = picture === 'random-access' ? 1 : 0;
				break;
			}
			unitAt += nal.lengthSize + length;
		}
	}
	return verdicts;
}

/** scanKeyframes in one pass over a source read front to back. */
async function streamKeyframes(open: OpenSource, track: SampleTrack, nal: NalFormat): Promise<KeyframeVerdicts> {
	const verdicts = new Uint8Array(track.sampleCount).fill(UNKNOWN);
	// Samples in file order (usually decode order already).
	const order = Array.from({ length: track.sampleCount }, (_, sample) => sample);
	if (order.some((sample, index) => index > 0 && track.offsets[sample] < track.offsets[order[index - 1]])) {
		order.sort((a, b) => track.offsets[a] - track.offsets[b]);
	}
	const headerBytes = nal.lengthSize + 1;
	const header = new Uint8Array(headerBytes);
	let filled = 0;
	let index = 0;
	let unitAt = order.length ? track.offsets[order[0]] : 0;
	let position = 0;
	const sampleEnd = () => track.offsets[order[index]] + track.sizes[order[index]];
	const nextSample = () => {
		index++;
		filled = 0;
		if (index < order.length) unitAt = track.offsets[order[index]];
	};
	const source = open()[Symbol.asyncIterator]();
	try {
		while (index < order.length) {
			const { value: chunk, done } = await source.next();
			if (done) break;
			const chunkStart = position;
			position += chunk.length;
			while (index < order.length) {
				// Samples too short for a unit header, or units running past their sample: nothing more to learn.
				if (unitAt + headerBytes > sampleEnd()) {
					nextSample();
					continue;
				}
				const from = unitAt + filled;
				if (from >= position) break;
				if (from < chunkStart) {
					// Only when samples overlap (hostile tables): this one's bytes went by already.
					nextSample();
					continue;
				}
				const take = Math.min(headerBytes - filled, position - from);
				header.set(chunk.subarray(from - chunkStart, from - chunkStart + take), filled);
				filled += take;
				if (filled < headerBytes) break;
				const { length, picture } = readUnit(header, nal);
				if (picture) {
					verdicts[order[index]] = picture === 'random-access' ? 1 : 0;
					nextSample();
				} else {
					unitAt += nal.lengthSize + length;
					filled = 0;
				}
			}
		}
	} finally {
		await source.return?.();
	}
	return verdicts;
}

/**
 * The sync-sample flags to cut by: the samples' own verdicts where they have one, the table's
 * where they do not (undefined: every sample is a keyframe, as a track without stss says).
 */
export function trueSync(track: Pick<SampleTrack, 'sampleCount' | 'sync'>, verdicts: KeyframeVerdicts | undefined): Uint8Array | undefined {
	if (!verdicts) return track.sync;
	const sync = new Uint8Array(track.sampleCount);
	for (let sample = 0; sample < track.sampleCount; sample++) {
		sync[sample] = verdicts[sample] === UNKNOWN ? (track.sync ? track.sync[sample] : 1) : verdicts[sample];
	}
	return sync;
}

/** Whether a fragmented file's fragments carry encryption information (senc, saiz, saio in a traf). */
export function fragmentsEncrypted(fragments: Fragment[] | undefined): boolean {
	return (fragments ?? []).some(({ box }) => {
		const walker = new BoxWalker(byteSourceOf(box), MOOV_BUDGET, () => undefined);
		const [moof] = walker.list(walker.file());
		return moof !== undefined && readTrackFragments(walker, moof).some((fragment) => fragment.encrypted);
	});
}
