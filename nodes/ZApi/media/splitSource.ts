import type { IExecuteFunctions } from 'n8n-workflow';

import { decodeBase64Range } from './base64';
import { base64ByteSource } from './bytes';
import type { MediaKind } from './kinds';
import { exceedsLimit, tooLargeMessage } from './limits';
import { MediaError } from '../InputError';
import { resolveMimeType } from './mimeType';
import type { OpenSource } from './mp4/partAssembler';
import { bufferSource } from './mp4/partAssembler';
import { SNIFF_BYTES } from './sniff';
import type { InlineMedia } from './source';
import { readBinaryMedia, readStoredMedia, storedBinarySource } from './source';

/**
 * A video to split that n8n stores outside the item (filesystem, database or object storage
 * binary mode): read as a stream, once for its index and once for its parts, so a file several
 * times the 10 MB limit never sits in memory whole.
 */
export interface StreamedMedia {
	kind: 'streamed';
	mimeType: string;
	bytes: number;
	open: OpenSource;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Reads a binary property for splitting: stored files stream, inline (Base64) ones stay text.
 * The size limit is the kind's, which the caller raises to the largest file it splits.
 */
export async function readBinaryForSplit(
	context: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	kind: MediaKind,
): Promise<InlineMedia | StreamedMedia> {
	const binary = context.helpers.assertBinaryData(itemIndex, propertyName);
	const id = binary.id;
	const declared = id
		? typeof binary.bytes === 'number'
			? binary.bytes
			: (await context.helpers.getBinaryMetadata(id)).fileSize
		: undefined;
	// Inline files, and stored ones whose size n8n does not tell, are read the ordinary way.
	if (!id || typeof declared !== 'number' || !Number.isFinite(declared)) return await readBinaryMedia(context, itemIndex, propertyName, kind);
	if (declared === 0) {
		throw new MediaError('The binary file is empty (0 bytes)', `Check that the previous node produced the ${kind.noun} file.`);
	}
	if (exceedsLimit(declared, kind.maxBytes)) {
		throw new MediaError(tooLargeMessage(declared, kind), 'Send a shorter or smaller video.');
	}
	const open = storedBinarySource(context, id, CHUNK_BYTES);
	let head: Uint8Array = new Uint8Array(0);
	for await (const chunk of open()) {
		head = chunk.subarray(0, SNIFF_BYTES);
		break;
	}
	return { kind: 'streamed', mimeType: resolveMimeType(binary.mimeType, head, kind), bytes: declared, open };
}

/** The bytes of a file the node holds, in chunks: slices of a Buffer, or decoded from Base64 text a piece at a time. */
export function sourceOf(media: InlineMedia | StreamedMedia): OpenSource {
	if (media.kind === 'streamed') return media.open;
	if (media.open) return media.open;
	if (media.content) return bufferSource(media.content, CHUNK_BYTES);
	const payload = media.payload ?? '';
	const bytes = media.bytes;
	const chunks = async function* () {
		for (let offset = 0; offset < bytes; offset += CHUNK_BYTES) yield decodeBase64Range(payload, offset, Math.min(CHUNK_BYTES, bytes - offset));
	};
	return Object.assign(chunks, { randomAccess: base64ByteSource(payload, bytes) });
}

/** The file as one to send as it is (it is then at most 10 MB): a stored file stays a stream, read again for the request. */
export async function toInlineMedia(media: InlineMedia | StreamedMedia, kind: MediaKind): Promise<InlineMedia> {
	if (media.kind === 'inline') return media;
	return await readStoredMedia(media.open, media.bytes, media.mimeType, kind);
}
