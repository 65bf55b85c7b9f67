import type { MediaKind } from './kinds';

const MEBIBYTE = 1024 * 1024;

/** "12.4 MB (13,002,411 bytes)": the rounded figure users think in, plus the exact count to compare. */
export function formatBytes(bytes: number): string {
	return `${(bytes / MEBIBYTE).toFixed(1)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

/** Limits are inclusive: a file of exactly maxBytes is accepted. */
export function exceedsLimit(bytes: number, maxBytes: number): boolean {
	return bytes > maxBytes;
}

/** "The image is 17.0 MB (…); WhatsApp accepts at most 16.0 MB (…)", in the words of the kind of media. */
export function tooLargeMessage(bytes: number, kind: Pick<MediaKind, 'noun' | 'maxBytes' | 'limitSetBy'>): string {
	return `The ${kind.noun} is ${formatBytes(bytes)}; ${kind.limitSetBy} at most ${formatBytes(kind.maxBytes)}`;
}
