/**
 * The fields of the movie's boxes that both the inspector and the split readers use: ftyp, mvhd,
 * mdhd, tkhd, hdlr, elst, mehd, trex. Each reader takes a box's content (what follows its header;
 * for a full box, version and flags first) whose length the caller has checked against the
 * `*Length` it needs, and only decodes: what is too short or unknown is the caller's to judge.
 */
import { readFourcc, readInt32, readUint32, readUint64 } from '../bytes';
import { printableType } from './boxHeader';

const UINT32_MAX = 0xffff_ffff;
const TWO_POW_32 = 0x1_0000_0000;

/** Version byte of a full box (its content's first byte). */
export function fullBoxVersion(content: Uint8Array): number {
	return content[0];
}

/** The flags of a full box (24 bits after the version). */
export function fullBoxFlags(content: Uint8Array): number {
	return readUint32(content, 0) & 0xff_ffff;
}

export interface FileType {
	majorBrand?: string;
	compatibleBrands: string[];
}

/** ftyp: major brand, minor version, then compatible brands to the end of `content`. */
export function readFileType(content: Uint8Array): FileType {
	const fileType: FileType = { compatibleBrands: [] };
	const majorBrand = readFourcc(content, 0);
	if (majorBrand !== undefined) fileType.majorBrand = majorBrand;
	for (let offset = 8; offset + 4 <= content.length; offset += 4) {
		const brand = readFourcc(content, offset);
		if (brand !== undefined) fileType.compatibleBrands.push(brand);
	}
	return fileType;
}

/** Bytes of mvhd or mdhd content up to the end of the duration: their first fields are laid out alike. */
export function timedHeaderLength(version: number): number {
	return version === 1 ? 32 : 20;
}

/** mvhd or mdhd: timescale, and duration (undefined when all ones: "unknown"). */
export function readTimedHeader(content: Uint8Array, version: number): { timescale: number; duration?: number } {
	// Version 1 widens creation and modification times, and the duration, to 64 bits.
	const timescale = readUint32(content, version === 1 ? 20 : 12);
	const duration = version === 1 ? readDuration64(content, 24) : readDuration32(content, 16);
	return duration === undefined ? { timescale } : { timescale, duration };
}

/** Bytes of tkhd content up to the end of its width and height. */
export function trackHeaderLength(version: number): number {
	return version === 1 ? 96 : 84;
}

/** Offset of track_ID in tkhd content. */
function trackIdOffset(version: number): number {
	return version === 1 ? 20 : 12;
}

export interface TrackHeader {
	trackId: number;
	/** In movie timescale units; undefined when all ones ("unknown"). */
	duration?: number;
	/** Clockwise degrees, from the matrix. */
	rotation: number;
	/** Presentation size before rotation, rounded from 16.16; 0 for audio tracks. */
	width: number;
	height: number;
}

export function readTrackHeader(content: Uint8Array, version: number): TrackHeader {
	// Version 1 widens creation and modification times (before track_ID) and duration by 4 bytes each.
	const trackId = readUint32(content, trackIdOffset(version));
	const duration = version === 1 ? readDuration64(content, 28) : readDuration32(content, 20);
	// Matrix {a b u; c d v; x y w}, a and b in 16.16: a = cos, b = sin of the clockwise turn.
	const matrix = version === 1 ? 52 : 40;
	const a = readInt32(content, matrix);
	const b = readInt32(content, matrix + 4);
	const rotation = (Math.round((Math.atan2(b, a) * 180) / Math.PI) + 360) % 360;
	const sizeOffset = matrix + 36;
	const width = Math.round(readUint32(content, sizeOffset) / 0x1_0000);
	const height = Math.round(readUint32(content, sizeOffset + 4) / 0x1_0000);
	const header: TrackHeader = { trackId, rotation, width, height };
	if (duration !== undefined) header.duration = duration;
	return header;
}

/** Bytes of hdlr content up to the end of the handler type. */
export const HANDLER_LENGTH = 12;

/**
 * hdlr: the handler type ('vide', 'soun', ...; anything unprintable shown as '?', to name a track
 * left out); QuickTime's component subtype sits at the same offset.
 */
export function readHandlerType(content: Uint8Array): string {
	return printableType(content.subarray(4, 12));
}

/** Bytes of one elst entry. */
export function editEntryLength(version: number): number {
	return version === 1 ? 20 : 12;
}

export interface Edit {
	/** In the movie timescale. */
	segmentDuration: number;
	/** In the media timescale; -1 for an empty edit. */
	mediaTime: number;
	/** 16.16 fixed point; 0x10000 is normal speed. */
	rate: number;
}

/** elst's declared entry count (content: version, flags, count, entries). */
export function editCount(content: Uint8Array): number {
	return readUint32(content, 4);
}

/** The elst entry at `index`; the caller has checked the content holds it. */
export function readEdit(content: Uint8Array, version: number, index: number): Edit {
	const at = 8 + index * editEntryLength(version);
	if (version === 1) {
		return {
			segmentDuration: readUint64(content, at),
			mediaTime: readInt32(content, at + 8) * TWO_POW_32 + readUint32(content, at + 12),
			rate: readInt32(content, at + 16),
		};
	}
	return { segmentDuration: readUint32(content, at), mediaTime: readInt32(content, at + 4), rate: readInt32(content, at + 8) };
}

/** mehd: the fragmented movie's whole duration, in the movie timescale. Content of 8 (v0) or 12 (v1) bytes. */
export function readFragmentDuration(content: Uint8Array, version: number): number | undefined {
	return version === 1 ? readDuration64(content, 4) : readDuration32(content, 4);
}

/** Bytes of trex content. */
export const TRACK_EXTENDS_LENGTH = 24;

export interface TrackExtends {
	trackId: number;
	descriptionIndex: number;
	duration: number;
	size: number;
	flags: number;
}

/** trex: what a track's fragment samples take when the fragment does not say. */
export function readTrackExtends(content: Uint8Array): TrackExtends {
	return {
		trackId: readUint32(content, 4),
		descriptionIndex: readUint32(content, 8),
		duration: readUint32(content, 12),
		size: readUint32(content, 16),
		flags: readUint32(content, 20),
	};
}

/** A 32-bit duration; all ones means "unknown". */
function readDuration32(bytes: Uint8Array, offset: number): number | undefined {
	const value = readUint32(bytes, offset);
	return value === UINT32_MAX ? undefined : value;
}

/** A 64-bit duration; all ones means "unknown". Values above 2^53 lose precision only. */
function readDuration64(bytes: Uint8Array, offset: number): number | undefined {
	const high = readUint32(bytes, offset);
	const low = readUint32(bytes, offset + 4);
	return high === UINT32_MAX && low === UINT32_MAX ? undefined : readUint64(bytes, offset);
}
