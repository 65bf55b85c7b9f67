import type { IDataObject } from 'n8n-workflow';

import { base64Length, writeBase64, writeBase64Pieces } from './base64';
import type { InlineMedia, PreparedMedia } from './source';

/**
 * The request body for an operation that sends one media field: an object for a link, a finished
 * JSON Buffer for a file (see mediaJsonBody). Drops the media's own copy of the file once it is in
 * the body, so only the body stays in memory while it is sent.
 */
export function mediaRequestBody(field: string, media: PreparedMedia, others: IDataObject = {}): IDataObject | Buffer {
	if (media.kind === 'link') return { [field]: media.url, ...others };
	const body = mediaJsonBody(field, media, others);
	media.payload = undefined;
	media.content = undefined;
	media.pieces = undefined;
	return body;
}

/**
 * A Z-API request body with a file in it, written once into one Buffer of its exact size:
 * {"<field>":"data:<type>;base64,<payload>", ...the other fields}.
 *
 * Handed an object, n8n's request helper (axios) runs JSON.stringify over the 13 MB data URI (a
 * scan for characters to escape, which Base64 never has, into a second 13 MB string) and then
 * Buffer.from(…, 'utf-8') (a third copy), after the node itself built the Base64 text and the data
 * URI (two more). A Buffer body is sent as it is: one copy of the payload in all, about 40 ms less
 * per 10 MB video, and the file's bytes can be dropped as soon as it is written.
 */
export function mediaJsonBody(field: string, media: InlineMedia, others: IDataObject = {}): Buffer {
	// JSON.stringify escapes whatever a field name, MIME type or caption holds; Base64 never needs escaping.
	const head = Buffer.from(`{${JSON.stringify(field)}:${JSON.stringify(`data:${media.mimeType};base64,`).slice(0, -1)}`, 'utf8');
	const rest = JSON.stringify(others).slice(1, -1);
	const tail = Buffer.from(`"${rest === '' ? '' : `,${rest}`}}`, 'utf8');
	const payloadLength = media.payload !== undefined ? media.payload.length : base64Length(media.bytes);
	const body = Buffer.allocUnsafe(head.length + payloadLength + tail.length);
	let offset = head.copy(body, 0);
	if (media.payload !== undefined) offset += body.write(media.payload, offset, 'latin1');
	else if (media.content) offset = writeBase64(media.content, body, offset);
	else if (media.pieces) offset = writeBase64Pieces(media.pieces, body, offset);
	if (offset !== head.length + payloadLength) throw new Error(`The request body's payload is ${offset - head.length} bytes, expected ${payloadLength}`);
	tail.copy(body, offset);
	return body;
}
