/**
 * What a track's samples really are, from their own bytes rather than the index: which video
 * samples a decoder can start at (H.264 IDR, HEVC IRAP pictures, read from their NAL unit
 * headers, since some muxers write a sync-sample table that is off), and whether a track is
 * encrypted (DRM), which no part made of its samples could play.
 *
 * The samples are read in one more pass over the source, front to back, taking only the few
 * bytes of each NAL unit header of the video samples: nothing else is kept.
 */
import type { OpenSource } from './partAssembler';
import type { Fragment } from './fragments';
import type { SampleTrack } from './sampleTables';
import { readUint32 } from '../bytes';

export interface SampleCodec {
	/** Sample entry fourcc of the track's first description, e.g. 'avc1', 'encv'. */
	fourcc: string;
	/** How the NAL units are told apart: their length prefixes' size (H.264 and HEVC only). */
	nal?: { family: 'h264' | 'hevc'; lengthSize: number };
	encrypted: boolean;
}

/** Sample entries of video (78 bytes of fields) and audio (28 bytes, version 0) before their child boxes. */
const VISUAL_FIELDS = 78;
const AUDIO_FIELDS = 28;

const fourccAt = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);

/** Child boxes of [start, end) as [type, content start, end]; stops at anything that does not fit. */
function childBoxes(bytes: Uint8Array, start: number, end: number): Array<[string, number, number]> {
	const found: Array<[string, number, number]> = [];
	for (let at = start; at + 8 <= end; ) {
		const size = readUint32(bytes, at);
		if (size < 8 || at + size > end) break;
		found.push([fourccAt(bytes, at + 4), at + 8, at + size]);
		at += size;
	}
	return found;
}

/** The codec of a track from its stsd box (header included), as the sample tables keep it. */
export function sampleCodec(track: Pick<SampleTrack, 'kind' | 'boxes'>): SampleCodec {
	const stsd = track.boxes.stsd;
	// stsd: header, version and flags, entry count, then the entries.
	const entryAt = 16;
	if (stsd.length < entryAt + 8) return { fourcc: '', encrypted: false };
	const entryEnd = Math.min(stsd.length, entryAt + readUint32(stsd, entryAt));
	const fourcc = fourccAt(stsd, entryAt + 4);
	const fieldsEnd = entryAt + 8 + (track.kind === 'video' ? VISUAL_FIELDS : AUDIO_FIELDS);
	const children = childBoxes(stsd, fieldsEnd, entryEnd);
	const encrypted = fourcc === 'encv' || fourcc === 'enca' || children.some(([type]) => type === 'sinf');
	let nal: SampleCodec['nal'];
	for (const [type, at, end] of children) {
		// avcC: version, profile, compatibility, level, then 6 reserved bits and lengthSizeMinusOne.
		if (type === 'avcC' && end - at >= 5) nal = { family: 'h264', lengthSize: (stsd[at + 4] & 3) + 1 };
		// hvcC: lengthSizeMinusOne in the low bits of its 22nd byte.
		if (type === 'hvcC' && end - at >= 22) nal = { family: 'hevc', lengthSize: (stsd[at + 21] & 3) + 1 };
	}
	// A length size of 3 is not allowed for either codec; such a file is not read for keyframes.
	if (nal && nal.lengthSize === 3) nal = undefined;
	return { fourcc, nal, encrypted };
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

/**
 * Reads the NAL unit headers of every sample of a video track in one pass over the source and
 * tells which samples are random-access points. Each sample's units are walked by their length
 * prefixes until the first picture (slice) unit; only those prefixes and headers are looked at.
 */
export async function scanKeyframes(open: OpenSource, track: SampleTrack, nal: NonNullable<SampleCodec['nal']>): Promise<KeyframeVerdicts> {
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
				let length = 0;
				for (let byte = 0; byte < nal.lengthSize; byte++) length = length * 256 + header[byte];
				const picture = length > 0 ? nalPicture(nal.family, header[nal.lengthSize]) : undefined;
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
	for (const { box } of fragments ?? []) {
		for (const [type, at, end] of childBoxes(box, 8, box.length)) {
			if (type !== 'traf') continue;
			if (childBoxes(box, at, end).some(([child]) => child === 'senc' || child === 'saiz' || child === 'saio')) return true;
		}
	}
	return false;
}
