/**
 * What a video or audio sample entry (stsd) tells about the pictures and the codec: stored size,
 * pixel aspect ratio (pasp), the esds object type (mp4v/mp4a), how H.264/HEVC NAL units are
 * framed (avcC/hvcC), protection (sinf) and the original format of an encrypted entry (sinf >
 * frma), QuickTime's wave wrapper. Read through the box walker, for the inspector and the
 * splitter (keyframes.ts) alike.
 */
import { readFourcc, readUint16, readUint32 } from '../bytes';
import type { Box, BoxWalker, Region } from './boxWalker';

export interface SampleEntryDetails {
	objectType?: number;
	originalFormat?: string;
	codedWidth?: number;
	codedHeight?: number;
	/** pasp: horizontal and vertical spacing, the pixel aspect ratio. */
	pixelAspect?: [number, number];
	/** H.264 (avcC) or HEVC (hvcC): the size of the length prefix before each NAL unit in a sample. */
	nal?: { family: 'h264' | 'hevc'; lengthSize: number };
	/** The entry carries protection information (sinf): its samples are encrypted. */
	protected?: true;
}

/** avcC: version, profile, compatibility, level, then lengthSizeMinusOne in the low bits of its 5th byte; hvcC: of its 22nd. */
const LENGTH_SIZE_AT = { avcC: 4, hvcC: 21 } as const;

/** An entry whose samples are encrypted (DRM): encv or enca, or any entry that carries protection information. */
export function entryEncrypted(entry: Box, details: SampleEntryDetails): boolean {
	return entry.type === 'encv' || entry.type === 'enca' || details.protected === true;
}

export function readVisualSampleEntry(walker: BoxWalker, entry: Box): SampleEntryDetails {
	const details: SampleEntryDetails = {};
	const fields = entry.end - entry.contentStart >= 28 ? walker.read(entry.contentStart, 28) : undefined;
	if (fields) {
		const width = readUint16(fields, 24);
		const height = readUint16(fields, 26);
		if (width > 0 && height > 0) {
			details.codedWidth = width;
			details.codedHeight = height;
		}
	}
	// Child boxes follow the 78-byte visual fields: pasp, esds (mp4v), sinf (encv).
	if (entry.end - entry.contentStart >= 78) readSampleEntryChildren(walker, walker.childrenOf(entry, 78), details);
	return details;
}

export function readAudioSampleEntry(walker: BoxWalker, entry: Box): SampleEntryDetails {
	const details: SampleEntryDetails = {};
	if ((entry.type !== 'mp4a' && entry.type !== 'enca') || entry.end - entry.contentStart < 28) return details;
	const fields = walker.read(entry.contentStart, 10);
	if (!fields) return details;
	// QuickTime sound descriptions v1/v2 carry 16/36 more bytes before the child boxes.
	const version = readUint16(fields, 8);
	const fieldsLength = version === 0 ? 28 : version === 1 ? 44 : version === 2 ? 64 : undefined;
	if (fieldsLength !== undefined && entry.end - entry.contentStart >= fieldsLength) {
		readSampleEntryChildren(walker, walker.childrenOf(entry, fieldsLength), details);
	}
	return details;
}

function readSampleEntryChildren(walker: BoxWalker, children: Region, details: SampleEntryDetails): void {
	walker.walk(children, (box) => {
		if (box.type === 'esds' && details.objectType === undefined) {
			const content = walker.content(box, 4, 256);
			if (content) details.objectType = readObjectType(content, 4, content.length);
		} else if ((box.type === 'avcC' || box.type === 'hvcC') && details.nal === undefined) {
			const at = LENGTH_SIZE_AT[box.type];
			const content = walker.content(box, at + 1);
			if (content) details.nal = { family: box.type === 'avcC' ? 'h264' : 'hevc', lengthSize: (content[at] & 3) + 1 };
		} else if (box.type === 'wave' || box.type === 'sinf') {
			// QuickTime keeps esds inside 'wave'; encrypted entries name the real format in sinf > frma.
			if (box.type === 'sinf') details.protected = true;
			readSampleEntryChildren(walker, walker.childrenOf(box), details);
		} else if (box.type === 'frma' && details.originalFormat === undefined) {
			const content = walker.content(box, 4);
			if (content) details.originalFormat = readFourcc(content, 0);
		} else if (box.type === 'pasp' && details.pixelAspect === undefined) {
			const content = walker.content(box, 8);
			if (content) details.pixelAspect = [readUint32(content, 0), readUint32(content, 4)];
		}
	});
}

/** objectTypeIndication from an esds payload (ES_Descriptor > DecoderConfigDescriptor). */
export function readObjectType(bytes: Uint8Array, start: number, end: number): number | undefined {
	const ES_DESCRIPTOR_TAG = 0x03;
	const DECODER_CONFIG_TAG = 0x04;
	if (start >= end || bytes[start] !== ES_DESCRIPTOR_TAG) return undefined;
	const esDescriptor = readDescriptorLength(bytes, start + 1, end);
	if (!esDescriptor) return undefined;
	const esEnd = Math.min(end, esDescriptor.contentStart + esDescriptor.length);
	let offset = esDescriptor.contentStart;
	// ES_ID (2 bytes), then flags announcing optional fields.
	if (offset + 3 > esEnd) return undefined;
	const flags = bytes[offset + 2];
	offset += 3;
	if (flags & 0x80) offset += 2;
	if (flags & 0x40) {
		if (offset >= esEnd) return undefined;
		offset += 1 + bytes[offset];
	}
	if (flags & 0x20) offset += 2;
	if (offset >= esEnd || bytes[offset] !== DECODER_CONFIG_TAG) return undefined;
	const decoderConfig = readDescriptorLength(bytes, offset + 1, esEnd);
	if (!decoderConfig || decoderConfig.length < 1 || decoderConfig.contentStart >= esEnd) return undefined;
	return bytes[decoderConfig.contentStart];
}

/** MPEG-4 descriptor length: up to four 7-bit groups, high bit set on all but the last. */
function readDescriptorLength(
	bytes: Uint8Array,
	start: number,
	end: number,
): { length: number; contentStart: number } | undefined {
	let length = 0;
	for (let offset = start; offset < Math.min(end, start + 4); offset++) {
		length = length * 128 + (bytes[offset] & 0x7f);
		if ((bytes[offset] & 0x80) === 0) return { length, contentStart: offset + 1 };
	}
	return undefined;
}
