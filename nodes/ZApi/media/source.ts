import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { base64DecodedLength, decodeBase64Range, parseBase64 } from './base64';
import { exceedsLimit, formatBytes, tooLargeMessage } from './limits';
import { MediaError } from './MediaError';
import { normalizeMimeType, resolveVideoMimeType } from './mimeType';
import { SNIFF_BYTES } from './sniff';

/** A file the node sends itself, as the Base64 payload of a data URI. */
export interface InlineMedia {
	kind: 'inline';
	mimeType: string;
	/** Size of the file itself (not of its Base64 text). */
	bytes: number;
	/** Clean, padded standard Base64. */
	payload: string;
	/** The decoded file, when the source had to decode it anyway (kept for inspection). */
	content?: Buffer;
}

/** A link Z-API downloads itself. */
export interface LinkedMedia {
	kind: 'link';
	url: string;
	/** From the size check, when one was made and the server told. */
	bytes?: number;
	mimeType?: string;
}

export type PreparedMedia = InlineMedia | LinkedMedia;

const oversize = (bytes: number, maxBytes: number, hint: string) =>
	new MediaError(tooLargeMessage(bytes, maxBytes), hint);

const SHRINK_HINT =
	'Shorten or re-encode the video (for example 720p H.264 at about 1.5 Mbit/s keeps a 60-second clip under 10 MB).';

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
 * Reads a video from an item's binary property in whatever binary data mode n8n runs
 * (inline Base64, filesystem, database, object storage), refusing oversize files before reading them.
 */
export async function readBinaryMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	propertyName: string,
	maxBytes: number,
): Promise<InlineMedia> {
	const binary = context.helpers.assertBinaryData(itemIndex, propertyName);
	const declaredBytes = await declaredBinarySize(context, binary);
	if (declaredBytes !== undefined && exceedsLimit(declaredBytes, maxBytes)) {
		throw oversize(declaredBytes, maxBytes, SHRINK_HINT);
	}
	const content = await context.helpers.getBinaryDataBuffer(itemIndex, propertyName);
	if (content.length === 0) {
		throw new MediaError('The binary file is empty (0 bytes)', 'Check that the previous node produced the video file.');
	}
	if (exceedsLimit(content.length, maxBytes)) throw oversize(content.length, maxBytes, SHRINK_HINT);
	const mimeType = resolveVideoMimeType(binary.mimeType, content.subarray(0, SNIFF_BYTES));
	return { kind: 'inline', mimeType, bytes: content.length, payload: content.toString('base64'), content };
}

/** Reads a video given as Base64 text (raw or a data URI) without decoding more than its first bytes. */
export function readBase64Media(text: string, maxBytes: number): InlineMedia {
	if (text.trim() === '') {
		throw new MediaError('The Base64 text is empty', 'Map the Base64 of the video file into this field.');
	}
	const { declaredMimeType, payload, bytes } = parseBase64(text);
	if (bytes === 0) {
		throw new MediaError('The Base64 text encodes an empty file', 'Map the Base64 of the video file into this field.');
	}
	if (exceedsLimit(bytes, maxBytes)) throw oversize(bytes, maxBytes, SHRINK_HINT);
	if (declaredMimeType !== undefined && !declaredMimeType.startsWith('video/')) {
		throw new MediaError(
			`The data URI declares ${declaredMimeType}, not a video type`,
			'Use data:video/mp4;base64,... for an MP4 video, or pass raw Base64 of the video file.',
		);
	}
	// Raw Base64 carries no type: it must be recognisably MP4 and is sent as video/mp4.
	const mimeType = resolveVideoMimeType(declaredMimeType, decodeBase64Range(payload, 0, SNIFF_BYTES));
	return { kind: 'inline', mimeType, bytes, payload };
}

/** Shown in messages instead of the full link: query strings of signed links are secrets too. */
export function describeUrl(url: URL): string {
	return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Checks a video link before anything is sent: absolute http(s), no credentials embedded. */
export function parseMediaUrl(text: string): URL {
	const trimmed = text.trim();
	if (trimmed === '') {
		throw new MediaError('The video URL is empty', 'Enter a public http(s) link to the video file, or map one from a previous node.');
	}
	if (!URL.canParse(trimmed)) {
		throw new MediaError(
			'The video URL is not a valid absolute URL',
			'Use a full link that starts with https:// (or http://), for example https://example.com/video.mp4.',
		);
	}
	const url = new URL(trimmed);
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw new MediaError(
			`The video URL uses ${url.protocol.replace(/:$/, '')}: links, which Z-API cannot download`,
			'Use a public link that starts with https:// (or http://).',
		);
	}
	if (url.username || url.password) {
		throw new MediaError(
			'The video URL contains a user name or password',
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

const NOT_VIDEO_CONTENT_TYPE = /^(text\/|image\/|audio\/|application\/(json|xml|pdf|zip)\b)/;

/**
 * Asks the video's host for its size and type with a HEAD request (sent without the Z-API
 * credential: the host is a third party). An answer that proves the link wrong is an error;
 * no answer, or a host that does not support HEAD, is not: the link is then passed on unchecked.
 */
export async function probeMediaUrl(
	context: IExecuteFunctions,
	url: URL,
	maxBytes: number,
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

	if (probe.bytes !== undefined && exceedsLimit(probe.bytes, maxBytes)) {
		throw oversize(probe.bytes, maxBytes, `${SHRINK_HINT} (Size reported by ${url.host}.)`);
	}
	if (probe.mimeType && NOT_VIDEO_CONTENT_TYPE.test(probe.mimeType)) {
		throw new MediaError(
			`The video URL points to ${probe.mimeType} content, not a video`,
			'Share links of Google Drive, Dropbox and similar open a web page, not the file. Use a direct download link to the video file.',
		);
	}
	return probe;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/**
 * Downloads the video into n8n (for links Z-API cannot reach, such as intranet hosts), stopping
 * as soon as it passes the size limit instead of after buffering an oversize file.
 */
export async function downloadMedia(
	context: IExecuteFunctions,
	url: URL,
	maxBytes: number,
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
			`The video could not be downloaded from ${describeUrl(url)}${failureCode}`,
			'Check that the link works from the n8n server, or let Z-API download it (URL Handling: Pass Link).',
		);
	}
	if (response.statusCode < 200 || response.statusCode >= 300) {
		response.body.destroy?.();
		throw new MediaError(
			`The video host answered HTTP ${response.statusCode} for ${describeUrl(url)}`,
			'Check that the link is correct and publicly readable (or signed) from the n8n server.',
		);
	}
	const announced = Number(headerValue(response.headers, 'content-length'));
	if (Number.isSafeInteger(announced) && exceedsLimit(announced, maxBytes)) {
		response.body.destroy?.();
		throw oversize(announced, maxBytes, SHRINK_HINT);
	}
	const chunks: Buffer[] = [];
	let received = 0;
	for await (const chunk of response.body) {
		received += chunk.length;
		if (exceedsLimit(received, maxBytes)) {
			response.body.destroy?.();
			throw new MediaError(
				`The video is larger than ${formatBytes(maxBytes)}; the download was stopped there`,
				SHRINK_HINT,
			);
		}
		chunks.push(chunk);
	}
	const content = Buffer.concat(chunks, received);
	if (content.length === 0) {
		throw new MediaError(`The video host sent an empty file for ${describeUrl(url)}`, 'Check the link.');
	}
	const mimeType = resolveVideoMimeType(headerValue(response.headers, 'content-type'), content.subarray(0, SNIFF_BYTES));
	return { kind: 'inline', mimeType, bytes: content.length, payload: content.toString('base64'), content };
}
