/** What the first bytes of a file say it is, independent of the name or MIME type it came with. */
export interface SniffResult {
	/** undefined when the bytes match nothing known. */
	category?: 'video' | 'image' | 'audio' | 'document' | 'archive';
	/** 'mp4', 'quicktime', '3gpp', 'webm', 'avi', 'mpeg-ts', 'png', 'jpeg', 'gif', 'webp', ... */
	format?: string;
	/** The type the format is usually sent as. */
	mimeType?: string;
	/** "a PNG image", for messages. */
	label: string;
}

/** Enough bytes for every signature below (MPEG-TS needs its second sync byte at 188). */
export const SNIFF_BYTES = 192;

function ascii(bytes: Uint8Array, start: number, end: number): string {
	let text = '';
	for (let index = start; index < end && index < bytes.length; index++) {
		text += String.fromCharCode(bytes[index]);
	}
	return text;
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
	if (bytes.length < signature.length) return false;
	return signature.every((byte, index) => bytes[index] === byte);
}

const SIGNATURES: Array<{ signature: number[]; result: SniffResult }> = [
	{ signature: [0x89, 0x50, 0x4e, 0x47], result: { category: 'image', format: 'png', mimeType: 'image/png', label: 'a PNG image' } },
	{ signature: [0xff, 0xd8, 0xff], result: { category: 'image', format: 'jpeg', mimeType: 'image/jpeg', label: 'a JPEG image' } },
	{ signature: [0x47, 0x49, 0x46, 0x38], result: { category: 'image', format: 'gif', mimeType: 'image/gif', label: 'a GIF image' } },
	{ signature: [0x1a, 0x45, 0xdf, 0xa3], result: { category: 'video', format: 'webm', mimeType: 'video/webm', label: 'a WebM video' } },
	{ signature: [0x25, 0x50, 0x44, 0x46], result: { category: 'document', format: 'pdf', mimeType: 'application/pdf', label: 'a PDF document' } },
	{ signature: [0x50, 0x4b, 0x03, 0x04], result: { category: 'archive', format: 'zip', mimeType: 'application/zip', label: 'a ZIP archive' } },
	{ signature: [0x49, 0x44, 0x33], result: { category: 'audio', format: 'mp3', mimeType: 'audio/mpeg', label: 'an MP3 audio file' } },
	{ signature: [0x4f, 0x67, 0x67, 0x53], result: { category: 'audio', format: 'ogg', mimeType: 'audio/ogg', label: 'an Ogg file' } },
];

const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1']);

/**
 * Recognises the containers WhatsApp media come in and the usual wrong files (an image or a
 * document renamed to .mp4, an HTML error page saved as the file). A result without `category`
 * means the bytes match nothing known: callers decide whether the declared MIME type is enough.
 */
export function sniffMedia(head: Uint8Array): SniffResult {
	// ISO base media (MP4, QuickTime, 3GP, and the HEIF/AVIF images): a box size, then "ftyp" and the major brand.
	if (ascii(head, 4, 8) === 'ftyp') {
		const brand = ascii(head, 8, 12);
		if (brand === 'qt  ') return { category: 'video', format: 'quicktime', mimeType: 'video/quicktime', label: 'a QuickTime video' };
		if (brand.startsWith('3g')) return { category: 'video', format: '3gpp', mimeType: 'video/3gpp', label: 'a 3GP video' };
		if (IMAGE_BRANDS.has(brand)) return { category: 'image', format: 'heif', mimeType: 'image/heif', label: 'an AVIF/HEIF image' };
		return { category: 'video', format: 'mp4', mimeType: 'video/mp4', label: 'an MP4 file' };
	}
	// QuickTime files written without ftyp start with a moov/mdat/wide/free box.
	if (head.length >= 8 && ['moov', 'mdat', 'wide', 'free'].includes(ascii(head, 4, 8))) {
		return { category: 'video', format: 'quicktime', mimeType: 'video/quicktime', label: 'a QuickTime video' };
	}
	if (ascii(head, 0, 4) === 'RIFF') {
		const format = ascii(head, 8, 12);
		if (format === 'AVI ') return { category: 'video', format: 'avi', mimeType: 'video/x-msvideo', label: 'an AVI video' };
		if (format === 'WEBP') return { category: 'image', format: 'webp', mimeType: 'image/webp', label: 'a WebP image' };
		if (format === 'WAVE') return { category: 'audio', format: 'wav', mimeType: 'audio/wav', label: 'a WAV audio file' };
	}
	// A lone 0x47 sync byte is too weak a signal; MPEG-TS repeats it every 188 bytes.
	if (head.length > 188 && head[0] === 0x47 && head[188] === 0x47) {
		return { category: 'video', format: 'mpeg-ts', mimeType: 'video/mp2t', label: 'an MPEG-TS video' };
	}
	for (const { signature, result } of SIGNATURES) {
		if (startsWith(head, signature)) return result;
	}
	const text = ascii(head, 0, 16).trimStart().toLowerCase();
	if (text.startsWith('<!doctype') || text.startsWith('<html') || text.startsWith('<?xml') || text.startsWith('{')) {
		return { category: 'document', format: 'text', label: 'a text document (HTML, XML or JSON)' };
	}
	return { label: 'unrecognised data' };
}
