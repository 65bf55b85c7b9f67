import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { base64DecodedLength, decodeBase64Range, ENCODE_PIECE_BYTES, parseBase64 } from './base64';
import type { ByteSource } from './bytes';
import type { MediaKind } from './kinds';
import { exceedsLimit, formatBytes, tooLargeMessage } from './limits';
import { MediaError } from '../InputError';
import { normalizeMimeType, resolveMimeType } from './mimeType';
import type { OpenSource } from './mp4/partAssembler';
import { SNIFF_BYTES } from './sniff';
import { readFileOutline } from './storedFile';

/**
 * A file the node sends itself, as the Base64 payload of a data URI. It stays in the form its source
 * had, `payload` (Base64 text: the Base64 field, n8n's inline binary mode), `open` (binary data n8n
 * stores outside the item, read as a stream) or `content` (bytes: downloads), and the request body
 * encodes it as it is sent (media/requestBody.ts): a 10 MB video is 13.3 MB of Base64, and every
 * intermediate form would be one more copy of it.
 */
export interface InlineMedia {
	kind: 'inline';
	mimeType: string;
	/** Size of the file itself (not of its Base64 text). */
	bytes: number;
	/** Clean, padded standard Base64. */
	payload?: string;
	/** The file's bytes. */
	content?: Buffer;
	/** The file as a stream from its start, opened again for every attempt (binary data stored outside the item, a part of a split video). */
	open?: OpenSource;
	/** With `open`: the file without its media data, for the checks (see readFileOutline). */
	outline?: ByteSource;
}

/** A link Z-API downloads itself. */
export interface LinkedMedia {
	kind: 'link';
	url: string;
	/** From the size check, when one was made and the server told. */
	bytes?: number;
	mimeType?: string;
	/** Why the size check could not vouch for the link (the host did not answer HEAD, or not usefully). */
	uncheckedReason?: string;
}

export type PreparedMedia = InlineMedia | LinkedMedia;

const oversize = (bytes: number, kind: MediaKind, note = '') => new MediaError(tooLargeMessage(bytes, kind), `${shrinkHint(kind)}${note}`);

function shrinkHint(kind: MediaKind): string {
	return kind.category === 'video'
		? 'Shorten or re-encode the video (for example 720p H.264 at about 1.5 Mbit/s keeps a 60-second clip under 10 MB).'
		: `Resize or compress the ${kind.noun}.`;
}

/** Size of a binary property from its metadata, without reading the file; undefined when unknown. */
async function declaredBinarySize(
	context: IExecuteFunctions,
	binary: IBinaryData,
): Promise<number | undefined> {
	// n8n 2.x records the exact byte count; fileSize is only a display string ("1.2 MB").
	if (typeof binary.bytes === 'number' && Number.isFinite(binary.bytes)) return binary.bytes;
	if (binary.id) {
		const metadata = await context.helpers.getBinaryMetadata(binary.id);
		return typeof metadata.fileSize === 'number' ? metadata.fileSize : undefined;
	}
	// Inline mode keeps the file as Base64 in the item: its size follows from the text length.
	if (typeof binary.data === 'string' && binary.data.length > 0) return base64DecodedLength(binary.data);
	return undefined;
}

/**
 * Reads a file from an item's binary property in whatever binary data mode n8n runs
 * (inline Base64, filesystem, database, object storage), refusing oversize files before reading them.
 */
export async function readBinaryMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	kind: MediaKind,
): Promise<InlineMedia> {
	const binary = context.helpers.assertBinaryData(itemIndex, propertyName);
	const declaredBytes = await declaredBinarySize(context, binary);
	if (declaredBytes !== undefined && exceedsLimit(declaredBytes, kind.maxBytes)) throw oversize(declaredBytes, kind);
	if (!binary.id && typeof binary.data === 'string' && binary.data !== '') {
		// Inline binary mode: the item already holds the file as Base64 (n8n writes it with
		// Buffer#toString), which is exactly the payload; only what sniffing and the MP4 inspection
		// need is ever decoded.
		const { payload, bytes } = parseBase64(binary.data);
		if (bytes === 0) {
			throw new MediaError('The binary file is empty (0 bytes)', `Check that the previous node produced the ${kind.noun} file.`);
		}
		if (exceedsLimit(bytes, kind.maxBytes)) throw oversize(bytes, kind);
		const mimeType = resolveMimeType(binary.mimeType, decodeBase64Range(payload, 0, SNIFF_BYTES), kind);
		return { kind: 'inline', mimeType, bytes, payload };
	}
	if (binary.id && declaredBytes !== undefined) {
		// Stored outside the item: never read whole. The checks read its outline, the request body streams it.
		if (declaredBytes === 0) {
			throw new MediaError('The binary file is empty (0 bytes)', `Check that the previous node produced the ${kind.noun} file.`);
		}
		return await readStoredMedia(storedBinarySource(context, binary.id), declaredBytes, binary.mimeType, kind);
	}
	const content = await context.helpers.getBinaryDataBuffer(itemIndex, propertyName);
	if (content.length === 0) {
		throw new MediaError('The binary file is empty (0 bytes)', `Check that the previous node produced the ${kind.noun} file.`);
	}
	if (exceedsLimit(content.length, kind.maxBytes)) throw oversize(content.length, kind);
	const mimeType = resolveMimeType(binary.mimeType, content.subarray(0, SNIFF_BYTES), kind);
	return { kind: 'inline', mimeType, bytes: content.length, content };
}

// Two Base64 pieces' worth (a multiple of 3): chunks of stored files then encode to Base64 without
// carrying bytes between them, and without a short piece at the end of each chunk.
const STORED_CHUNK_BYTES = 2 * ENCODE_PIECE_BYTES;

/** A file n8n stores outside the item (filesystem, database, object storage), read from its start each time it is opened. */
export function storedBinarySource(context: IExecuteFunctions, id: string, chunkBytes = STORED_CHUNK_BYTES): OpenSource {
	return async function* () {
		const stream = await context.helpers.getBinaryStream(id, chunkBytes);
		try {
			for await (const chunk of stream) yield chunk as Uint8Array;
		} finally {
			stream.destroy();
		}
	};
}

/** A stored file ready to send: its type from its first bytes, its outline for the checks, its bytes left where they are. */
export async function readStoredMedia(open: OpenSource, bytes: number, declaredMimeType: string | undefined, kind: MediaKind): Promise<InlineMedia> {
	const outline = await readFileOutline(open, bytes, kind.category === 'video');
	const mimeType = resolveMimeType(declaredMimeType, outline.read(0, SNIFF_BYTES), kind);
	return { kind: 'inline', mimeType, bytes, open, outline };
}

/** Reads a file given as Base64 text (raw or a data URI) without decoding more than its first bytes. */
export function readBase64Media(text: string, kind: MediaKind): InlineMedia {
	if (text.trim() === '') {
		throw new MediaError('The Base64 text is empty', `Map the Base64 of the ${kind.noun} file into this field.`);
	}
	const { declaredMimeType, payload, bytes } = parseBase64(text);
	if (bytes === 0) {
		throw new MediaError('The Base64 text encodes an empty file', `Map the Base64 of the ${kind.noun} file into this field.`);
	}
	if (exceedsLimit(bytes, kind.maxBytes)) throw oversize(bytes, kind);
	if (declaredMimeType !== undefined && !declaredMimeType.startsWith(`${kind.category}/`)) {
		throw new MediaError(
			`The data URI declares ${declaredMimeType}, not ${kind.category === 'image' ? 'an image' : 'a video'} type`,
			`Use ${kind.example.dataUri.split(',')[0]},... for the ${kind.noun}, or pass raw Base64 of the ${kind.noun} file.`,
		);
	}
	// Raw Base64 carries no type: it must be recognisable, and is sent with the type its format maps to.
	const mimeType = resolveMimeType(declaredMimeType, decodeBase64Range(payload, 0, SNIFF_BYTES), kind);
	return { kind: 'inline', mimeType, bytes, payload };
}

/** Shown in messages instead of the full link: query strings of signed links are secrets too. */
export function describeUrl(url: URL): string {
	return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Checks a media link before anything is sent: absolute http(s), no credentials embedded. */
export function parseMediaUrl(text: string, kind: MediaKind): URL {
	const { noun } = kind;
	const trimmed = text.trim();
	if (trimmed === '') {
		throw new MediaError(`The ${noun} URL is empty`, `Enter a public http(s) link to the ${noun} file, or map one from a previous node.`);
	}
	if (!URL.canParse(trimmed)) {
		throw new MediaError(
			`The ${noun} URL is not a valid absolute URL`,
			`Use a full link that starts with https:// (or http://), for example ${kind.example.url}.`,
		);
	}
	const url = new URL(trimmed);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new MediaError(
			`The ${noun} URL uses ${url.protocol.replace(/:$/, '')}: links, which Z-API cannot download`,
			'Use a public link that starts with https:// (or http://).',
		);
	}
	if (url.username || url.password) {
		throw new MediaError(
			`The ${noun} URL contains a user name or password`,
			'Z-API would store and use these credentials. Use a public or signed link instead.',
		);
	}
	return url;
}

export interface UrlProbe {
	/** HTTP status of the HEAD request; undefined when the host could not be reached. */
	status?: number;
	bytes?: number;
	mimeType?: string;
}

/** Why a probe could not check the size, in words for the output's warnings; undefined when it did. */
export function probeGap(probe: UrlProbe): string | undefined {
	if (probe.status === undefined) return 'its host did not answer the HEAD request';
	if (probe.status < 200 || probe.status >= 300) return `its host answered HTTP ${probe.status} to the HEAD request`;
	if (probe.bytes === undefined) return 'its host did not tell the size';
	return undefined;
}

const NEVER_MEDIA_CONTENT_TYPE = /^(text\/|audio\/|application\/(json|xml|pdf|zip)\b)/;

/** A Content-Type that proves the link is not this kind of media (generic types prove nothing). */
function wrongContentType(contentType: string, kind: MediaKind): boolean {
	if (NEVER_MEDIA_CONTENT_TYPE.test(contentType)) return true;
	const other = kind.category === 'video' ? 'image/' : 'video/';
	return contentType.startsWith(other);
}

/**
 * Asks the file's host for its size and type with a HEAD request (sent without the Z-API
 * credential: the host is a third party). An answer that proves the link wrong is an error;
 * no answer, or a host that does not support HEAD, is not: the link is then passed on unchecked.
 */
export async function probeMediaUrl(
	context: IExecuteFunctions,
	url: URL,
	kind: MediaKind,
	timeout: number,
): Promise<UrlProbe> {
	let response: { statusCode: number; headers: Record<string, string | string[] | undefined> };
	try {
		response = (await context.helpers.httpRequest({
			method: 'HEAD',
			url: url.href,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout,
		} as IHttpRequestOptions)) as typeof response;
	} catch {
		return {};
	}
	const probe: UrlProbe = { status: response.statusCode };
	if (response.statusCode < 200 || response.statusCode >= 300) return probe;
	const length = Number(headerValue(response.headers, 'content-length'));
	if (Number.isSafeInteger(length) && length >= 0) probe.bytes = length;
	const contentType = normalizeMimeType(headerValue(response.headers, 'content-type'));
	if (contentType) probe.mimeType = contentType;

	if (probe.bytes !== undefined && exceedsLimit(probe.bytes, kind.maxBytes)) {
		throw oversize(probe.bytes, kind, ` (Size reported by ${url.host}.)`);
	}
	if (probe.mimeType && wrongContentType(probe.mimeType, kind)) {
		throw new MediaError(
			`The ${kind.noun} URL points to ${probe.mimeType} content, not ${kind.category === 'image' ? 'an image' : 'a video'}`,
			`Share links of Google Drive, Dropbox and similar open a web page, not the file. Use a direct download link to the ${kind.noun} file.`,
		);
	}
	return probe;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/**
 * Downloads the file into n8n (for links Z-API cannot reach, such as intranet hosts), stopping
 * as soon as it passes the size limit instead of after buffering an oversize file.
 */
export async function downloadMedia(
	context: IExecuteFunctions,
	url: URL,
	kind: MediaKind,
	timeout: number,
): Promise<InlineMedia> {
	let response:
		| {
				statusCode: number;
				headers: Record<string, string | string[] | undefined>;
				body: AsyncIterable<Buffer> & { destroy?: () => void };
		  }
		| undefined;
	let failureCode = '';
	try {
		response = (await context.helpers.httpRequest({
			method: 'GET',
			url: url.href,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout,
		} as IHttpRequestOptions)) as typeof response;
	} catch (error) {
		failureCode = typeof error?.code === 'string' ? ` (${error.code})` : '';
	}
	if (!response) {
		throw new MediaError(
			`The ${kind.noun} could not be downloaded from ${describeUrl(url)}${failureCode}`,
			'Check that the link works from the n8n server, or let Z-API download it (URL Handling: Pass Link).',
		);
	}
	if (response.statusCode < 200 || response.statusCode >= 300) {
		response.body.destroy?.();
		throw new MediaError(
			`The ${kind.noun} host answered HTTP ${response.statusCode} for ${describeUrl(url)}`,
			'Check that the link is correct and publicly readable (or signed) from the n8n server.',
		);
	}
	const announced = Number(headerValue(response.headers, 'content-length'));
	if (Number.isSafeInteger(announced) && exceedsLimit(announced, kind.maxBytes)) {
		response.body.destroy?.();
		throw oversize(announced, kind);
	}
	const chunks: Buffer[] = [];
	let received = 0;
	for await (const chunk of response.body) {
		received += chunk.length;
		if (exceedsLimit(received, kind.maxBytes)) {
			response.body.destroy?.();
			throw new MediaError(
				`The ${kind.noun} is larger than ${formatBytes(kind.maxBytes)}; the download was stopped there`,
				shrinkHint(kind),
			);
		}
		chunks.push(chunk);
	}
	const content = Buffer.concat(chunks, received);
	if (content.length === 0) {
		throw new MediaError(`The ${kind.noun} host sent an empty file for ${describeUrl(url)}`, 'Check the link.');
	}
	const mimeType = resolveMimeType(headerValue(response.headers, 'content-type'), content.subarray(0, SNIFF_BYTES), kind);
	return { kind: 'inline', mimeType, bytes: content.length, content };
}
