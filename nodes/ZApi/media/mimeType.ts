import type { MediaKind } from './kinds';
import { MediaError } from '../InputError';
import { sniffMedia } from './sniff';

const GENERIC_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);

/** "Video/MP4; codecs=avc1" -> "video/mp4". */
export function normalizeMimeType(mimeType: string | undefined): string {
	return (mimeType ?? '').split(';')[0].trim().toLowerCase();
}

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * Decides the MIME type a file is sent with, from what it claims and what its bytes are. A declared
 * type of the right category is trusted unless the bytes are plainly something else; a generic or
 * missing type is accepted only for the formats the kind lists, sent with the type it maps them to.
 */
export function resolveMimeType(declared: string | undefined, head: Uint8Array, kind: MediaKind): string {
	const mimeType = normalizeMimeType(declared);
	const sniffed = sniffMedia(head);
	if (sniffed.category !== undefined && sniffed.category !== kind.category) {
		throw new MediaError(
			`The file is ${sniffed.label}, not ${article(kind.noun)}${mimeType ? ` (it was labelled ${mimeType})` : ''}`,
			kind.wrongKindHint,
		);
	}
	if (mimeType.startsWith(`${kind.category}/`)) return mimeType;
	if (GENERIC_TYPES.has(mimeType)) {
		const sentAs = sniffed.format === undefined ? undefined : kind.genericFormats[sniffed.format];
		if (sentAs) return sentAs;
		throw new MediaError(
			`The file has ${mimeType ? `the generic type ${mimeType}` : 'no MIME type'} and its content is not recognisable as ${kind.genericFormatsLabel}`,
			`Send ${kind.genericFormatsLabel}, or set the correct MIME type on the binary data (for example with the Edit Fields or Read/Write Files node).`,
		);
	}
	throw new MediaError(`The file has MIME type ${mimeType}, not ${article(kind.noun)} type`, kind.wrongKindHint);
}
