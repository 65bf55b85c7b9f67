/** What the first bytes of a file say it is, independent of the name or MIME type it came with. */
export type SniffResult =
	| { isVideo: true; container: 'mp4' | 'quicktime' | '3gpp' | 'webm' | 'avi' | 'mpeg-ts'; mimeType: string }
	| { isVideo: false; label: string }
	| { isVideo: undefined };

/** Enough bytes for every signature below (MPEG-TS needs its second sync byte at 188). */
export const SNIFF_BYTES = 192;

function ascii(bytes: Uint8Array, start: number, end: number): string {
	let text = '';
	for (let index = start; index < end && index < bytes.length; index++) {
		text += String.fromCharCode(bytes[index]);
	}
	return text;
}

function startsWith(bytes: Uint8Array, signature: number[], offset = 0): boolean {
	if (bytes.length < offset + signature.length) return false;
	return signature.every((byte, index) => bytes[offset + index] === byte);
}

const NOT_VIDEO_SIGNATURES: Array<{ label: string; signature: number[]; offset?: number }> = [
	{ label: 'a PNG image', signature: [0x89, 0x50, 0x4e, 0x47] },
	{ label: 'a JPEG image', signature: [0xff, 0xd8, 0xff] },
	{ label: 'a GIF image', signature: [0x47, 0x49, 0x46, 0x38] },
	{ label: 'a PDF document', signature: [0x25, 0x50, 0x44, 0x46] },
	{ label: 'a ZIP archive', signature: [0x50, 0x4b, 0x03, 0x04] },
	{ label: 'an MP3 audio file', signature: [0x49, 0x44, 0x33] },
	{ label: 'an Ogg file', signature: [0x4f, 0x67, 0x67, 0x53] },
];

/**
 * Recognises the video containers WhatsApp users send and the usual wrong files (an image or a
 * document renamed to .mp4, an HTML error page saved as the video). `isVideo: undefined` means
 * the bytes match nothing known: callers decide whether the declared MIME type is enough.
 */
export function sniffMedia(head: Uint8Array): SniffResult {
	// ISO base media (MP4, QuickTime, 3GP): a box size, then "ftyp" and the major brand.
	if (ascii(head, 4, 8) === 'ftyp') {
		const brand = ascii(head, 8, 12);
		if (brand === 'qt  ') return { isVideo: true, container: 'quicktime', mimeType: 'video/quicktime' };
		if (brand.startsWith('3g')) return { isVideo: true, container: '3gpp', mimeType: 'video/3gpp' };
		if (brand === 'avif' || brand === 'avis' || brand === 'heic' || brand === 'heix' || brand === 'mif1') {
			return { isVideo: false, label: 'an AVIF/HEIF image' };
		}
		return { isVideo: true, container: 'mp4', mimeType: 'video/mp4' };
	}
	// QuickTime files written without ftyp start with a moov/mdat/wide/free box.
	if (['moov', 'mdat', 'wide', 'free'].includes(ascii(head, 4, 8)) && head.length >= 8) {
		return { isVideo: true, container: 'quicktime', mimeType: 'video/quicktime' };
	}
	if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return { isVideo: true, container: 'webm', mimeType: 'video/webm' };
	if (ascii(head, 0, 4) === 'RIFF') {
		const format = ascii(head, 8, 12);
		if (format === 'AVI ') return { isVideo: true, container: 'avi', mimeType: 'video/x-msvideo' };
		if (format === 'WEBP') return { isVideo: false, label: 'a WebP image' };
		if (format === 'WAVE') return { isVideo: false, label: 'a WAV audio file' };
	}
	// A lone 0x47 sync byte is too weak a signal; MPEG-TS repeats it every 188 bytes.
	if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) {
		return { isVideo: true, container: 'mpeg-ts', mimeType: 'video/mp2t' };
	}
	for (const { label, signature, offset } of NOT_VIDEO_SIGNATURES) {
		if (startsWith(head, signature, offset)) return { isVideo: false, label };
	}
	const text = ascii(head, 0, 16).trimStart().toLowerCase();
	if (text.startsWith('<!doctype') || text.startsWith('<html') || text.startsWith('<?xml') || text.startsWith('{')) {
		return { isVideo: false, label: 'a text document (HTML, XML or JSON)' };
	}
	return { isVideo: undefined };
}
