/** WhatsApp Status accepts a video file of at most 10 MB; Z-API counts the file, not its Base64 text. */
export const STATUS_VIDEO_MAX_BYTES = 10 * 1024 * 1024;

const MEBIBYTE = 1024 * 1024;

/** "12.4 MB (13,002,411 bytes)": the rounded figure users think in, plus the exact count to compare. */
export function formatBytes(bytes: number): string {
	return `${(bytes / MEBIBYTE).toFixed(1)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** The limit is inclusive: exactly STATUS_VIDEO_MAX_BYTES is accepted. */
export function exceedsLimit(bytes: number, maxBytes: number = STATUS_VIDEO_MAX_BYTES): boolean {
	return bytes > maxBytes;
}

export function tooLargeMessage(
	bytes: number,
	maxBytes: number = STATUS_VIDEO_MAX_BYTES,
	noun = 'video',
	limitSetBy = 'WhatsApp Status accepts',
): string {
	return `The ${noun} is ${formatBytes(bytes)}; ${limitSetBy} at most ${formatBytes(maxBytes)}`;
}
