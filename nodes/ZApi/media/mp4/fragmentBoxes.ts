/**
 * The fields of a movie fragment's boxes (moof > traf > tfhd, tfdt, trun), for the inspector (a
 * fragmented file's duration) and the split reader (its samples) alike. Each reader takes the
 * box's content (version and flags first) and decodes only the bytes that content holds.
 */
import { readInt32, readUint32, readUint64 } from '../bytes';
import { fullBoxFlags } from './movieBoxes';

/** tfhd flags. */
const BASE_DATA_OFFSET = 0x1;
const DESCRIPTION_INDEX = 0x2;
const DEFAULT_DURATION = 0x8;
const DEFAULT_SIZE = 0x10;
const DEFAULT_FLAGS = 0x20;
/** Data offsets are relative to the moof (when no base data offset is given). */
export const DEFAULT_BASE_IS_MOOF = 0x2_0000;

/** Bytes of tfhd content before its optional fields (version, flags, track_ID). */
export const TRACK_FRAGMENT_HEADER_LENGTH = 8;

export interface TrackFragmentHeader {
	trackId: number;
	flags: number;
	baseDataOffset?: number;
	descriptionIndex?: number;
	duration?: number;
	size?: number;
	sampleFlags?: number;
	/** Every field its flags announce was there. */
	complete: boolean;
}

/** tfhd: the track and the optional defaults its flags announce, in order, as far as they fit. */
export function readTrackFragmentHeader(content: Uint8Array): TrackFragmentHeader {
	const flags = fullBoxFlags(content);
	const header: TrackFragmentHeader = { trackId: readUint32(content, 4), flags, complete: true };
	let at = TRACK_FRAGMENT_HEADER_LENGTH;
	const field = (flag: number, size: number): number | undefined => {
		if (!(flags & flag) || !header.complete) return undefined;
		if (at + size > content.length) {
			header.complete = false;
			return undefined;
		}
		const value = size === 8 ? readUint64(content, at) : readUint32(content, at);
		at += size;
		return value;
	};
	header.baseDataOffset = field(BASE_DATA_OFFSET, 8);
	header.descriptionIndex = field(DESCRIPTION_INDEX, 4);
	header.duration = field(DEFAULT_DURATION, 4);
	header.size = field(DEFAULT_SIZE, 4);
	header.sampleFlags = field(DEFAULT_FLAGS, 4);
	return header;
}

/** Bytes of tfdt content for its version. */
export function decodeTimeLength(version: number): number {
	return version === 1 ? 12 : 8;
}

/** tfdt: decode time of the fragment's first sample, in media timescale units. */
export function readDecodeTime(content: Uint8Array, version: number): number {
	return version === 1 ? readUint64(content, 4) : readUint32(content, 4);
}

/** trun flags. */
const DATA_OFFSET = 0x1;
const FIRST_SAMPLE_FLAGS = 0x4;
export const SAMPLE_DURATION = 0x100;
export const SAMPLE_SIZE = 0x200;
export const SAMPLE_FLAGS = 0x400;
export const SAMPLE_COMPOSITION_OFFSET = 0x800;

/** Bytes of trun content before its optional fields (version, flags, sample_count). */
export const TRACK_RUN_HEADER_LENGTH = 8;

export interface TrackRunHeader {
	flags: number;
	sampleCount: number;
	/** Relative to the traf's base data offset. */
	dataOffset?: number;
	firstSampleFlags?: number;
	/** Where the per-sample entries start in the content; past its end when the optional fields do not fit. */
	entriesStart: number;
	/** Bytes of one per-sample entry (0 when every sample takes the defaults). */
	entryLength: number;
}

/** trun: its flags, count and optional fields (read when they fit), and where its entries are. */
export function readTrackRunHeader(content: Uint8Array): TrackRunHeader {
	const flags = fullBoxFlags(content);
	const header: TrackRunHeader = { flags, sampleCount: readUint32(content, 4), entriesStart: TRACK_RUN_HEADER_LENGTH, entryLength: 0 };
	if (flags & DATA_OFFSET) {
		if (header.entriesStart + 4 <= content.length) header.dataOffset = readInt32(content, header.entriesStart);
		header.entriesStart += 4;
	}
	if (flags & FIRST_SAMPLE_FLAGS) {
		if (header.entriesStart + 4 <= content.length) header.firstSampleFlags = readUint32(content, header.entriesStart);
		header.entriesStart += 4;
	}
	header.entryLength = 4 * [SAMPLE_DURATION, SAMPLE_SIZE, SAMPLE_FLAGS, SAMPLE_COMPOSITION_OFFSET].filter((flag) => flags & flag).length;
	return header;
}

/** Offsets of a sample's fields within one trun entry (undefined: not listed, the default applies). */
export function trackRunEntryLayout(flags: number): { duration?: number; size?: number; flags?: number; compositionOffset?: number } {
	let at = 0;
	const next = (flag: number): number | undefined => {
		if (!(flags & flag)) return undefined;
		at += 4;
		return at - 4;
	};
	return { duration: next(SAMPLE_DURATION), size: next(SAMPLE_SIZE), flags: next(SAMPLE_FLAGS), compositionOffset: next(SAMPLE_COMPOSITION_OFFSET) };
}
