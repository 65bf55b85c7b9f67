import { MediaError } from './MediaError';
import { sniffMedia } from './sniff';

const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** "Video/MP4; codecs=avc1" -> "video/mp4". */
export function normalizeMimeType(mimeType: string | undefined): string {
	return (mimeType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Decides the MIME type the video is sent with, from what the file claims and what its bytes are.
 * A declared video type is trusted unless the bytes are plainly something else; a generic or
 * missing type is accepted only for an MP4/QuickTime (ftyp) file, which Z-API takes as video/mp4.
 */
export function resolveVideoMimeType(declared: string | undefined, head: Uint8Array): string {
	const mimeType = normalizeMimeType(declared);
	const sniffed = sniffMedia(head);
	if (sniffed.isVideo === false) {
		throw new MediaError(
			`The file is ${sniffed.label}, not a video${mimeType ? ` (it was labelled ${mimeType})` : ''}`,
			'WhatsApp Status videos must be video files, ideally MP4 with H.264. Check which file the previous node passes on.',
		);
	}
	if (mimeType.startsWith('video/')) return mimeType;
	if (GENERIC_TYPES.has(mimeType)) {
		if (sniffed.isVideo && ['mp4', 'quicktime', '3gpp'].includes(sniffed.container)) return 'video/mp4';
		throw new MediaError(
			`The file has ${mimeType ? `the generic type ${mimeType}` : 'no MIME type'} and its content is not recognisable as an MP4 video`,
			'Send an MP4 file, or set the correct video MIME type on the binary data (for example with the Edit Fields or Read/Write Files node).',
		);
	}
	throw new MediaError(
		`The file has MIME type ${mimeType}, not a video type`,
		'WhatsApp Status videos must be video files (video/mp4 is the safe choice). Check which file the previous node passes on.',
	);
}
