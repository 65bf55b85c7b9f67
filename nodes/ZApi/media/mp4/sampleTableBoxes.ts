/**
 * The layout of the sample tables (stbl > stts, ctts, stss, stsc, stsz, stco, co64), for the
 * inspector (the last chunk, to tell a cut file) and the split reader (every sample) alike.
 * `content` is a table box's content: version and flags, the entry count (stsz: the constant
 * size first), then the entries. Callers check that an entry lies within the box before reading it.
 */
import { readInt32, readUint32, readUint64 } from '../bytes';

/** Where the entries start in stts, ctts, stss, stsc, stco and co64 content. */
export const TABLE_ENTRIES_AT = 8;
/** Where the per-sample sizes start in stsz content (after the constant size and the count). */
export const SAMPLE_SIZES_AT = 12;
/** Bytes of one stts or ctts entry (sample count, value). */
export const RUN_ENTRY_LENGTH = 8;
/** Bytes of one stsc entry. */
export const SAMPLE_TO_CHUNK_ENTRY_LENGTH = 12;
/** Bytes of one stss entry and one stsz size. */
export const SAMPLE_NUMBER_LENGTH = 4;

/** The entry count of a table (the sample count of stsz is sampleSizeHeader's). */
export function tableEntryCount(content: Uint8Array): number {
	return readUint32(content, 4);
}

/** Bytes of one stco (32-bit) or co64 (64-bit) entry. */
export function chunkOffsetLength(wide: boolean): number {
	return wide ? 8 : 4;
}

/** A chunk's offset in the file (stco or co64 entry at `at`). */
export function chunkOffsetAt(bytes: Uint8Array, at: number, wide: boolean): number {
	return wide ? readUint64(bytes, at) : readUint32(bytes, at);
}

export interface SampleToChunk {
	/** 1-based. */
	firstChunk: number;
	samplesPerChunk: number;
	/** 1-based stsd entry. */
	descriptionIndex: number;
}

/** The stsc entry at `at`. */
export function sampleToChunkAt(bytes: Uint8Array, at: number): SampleToChunk {
	return { firstChunk: readUint32(bytes, at), samplesPerChunk: readUint32(bytes, at + 4), descriptionIndex: readUint32(bytes, at + 8) };
}

/** stts (durations, unsigned) or ctts (composition offsets, signed: writers store negative ones in version 0 too): [sample count, value]. */
export function runAt(bytes: Uint8Array, at: number, signed: boolean): [number, number] {
	return [readUint32(bytes, at), signed ? readInt32(bytes, at + 4) : readUint32(bytes, at + 4)];
}

/** stsz: one size for every sample (0: listed per sample), and the sample count. */
export function sampleSizeHeader(content: Uint8Array): { constantSize: number; sampleCount: number } {
	return { constantSize: readUint32(content, 4), sampleCount: readUint32(content, 8) };
}
