import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { MediaKind } from '../media/kinds';
import { MediaError } from '../media/MediaError';
import type { PreparedMedia } from '../media/source';
import { downloadMedia, parseMediaUrl, probeGap, probeMediaUrl, readBase64Media, readBinaryMedia } from '../media/source';
import { mediaJsonBody } from '../transport/jsonBody';
import { toNodeError } from './errors';
import { getTextParameter } from './parameters';

/** How one operation names its media fields ("videoSource", "videoUrl", ... for the video). */
export interface MediaFields {
	kind: MediaKind;
	source: string;
	url: string;
	base64: string;
	/** "Video", "Image", "Sticker": the start of each field's label. */
	label: string;
	/** Shown under the URL and binary fields: what a good file is. */
	advice: string;
}

export type UrlHandling = 'checkThenPass' | 'passLink' | 'download';

type Show = Record<string, Array<string | number | boolean>>;

/**
 * The editor fields for picking a file: source, then the link, the binary field or the Base64 text.
 * The link and Base64 fields are not marked required: when the source is an expression n8n shows
 * every field and would refuse to start for the empty ones; an empty value is refused per item instead.
 */
export function mediaSourceProperties(fields: MediaFields, show: Show): INodeProperties[] {
	const { kind, label } = fields;
	const options = [
		{ name: 'URL', value: 'url', description: `A public link to the ${kind.noun} file` },
		{ name: 'Binary File', value: 'binary', description: `${label} file from a previous node (binary data)` },
		{ name: 'Base64', value: 'base64', description: `The ${kind.noun} file as Base64 text or a data URI` },
	];
	const example = kind.category === 'video' ? 'https://example.com/video.mp4' : 'https://example.com/picture.jpg';
	const uriExample = kind.category === 'video' ? 'data:video/mp4;base64,AAAAIGZ0eXBpc29t...' : 'data:image/png;base64,iVBORw0KGgo...';
	const forSource = (source: string) => ({ show: { ...show, [fields.source]: [source] } });
	return [
		{
			displayName: `${label} Source`,
			name: fields.source,
			type: 'options',
			options,
			default: 'url',
			description: `Where the ${kind.noun} comes from`,
			displayOptions: { show },
		},
		{
			displayName: `${label} URL`,
			name: fields.url,
			type: 'string',
			default: '',
			placeholder: example,
			description: `Direct http(s) link to the ${kind.noun} file (${fields.advice})`,
			displayOptions: forSource('url'),
		},
		{
			displayName: 'Input Binary Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			required: true,
			placeholder: 'e.g. data',
			hint: `The name of the input binary field containing the ${kind.noun} file`,
			description: fields.advice.charAt(0).toUpperCase() + fields.advice.slice(1),
			displayOptions: forSource('binary'),
		},
		{
			displayName: `${label} (Base64)`,
			name: fields.base64,
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: uriExample,
			description: `The ${kind.noun} as a data URI or as raw Base64 (its type is then recognised from its bytes). Line breaks are ignored.`,
			displayOptions: forSource('base64'),
		},
	];
}

/** The "URL Handling" option, for operations whose media can come from a link. */
export function urlHandlingOption(fields: MediaFields): INodeProperties {
	const { kind } = fields;
	return {
		displayName: 'URL Handling',
		name: 'urlHandling',
		type: 'options',
		displayOptions: { show: { [`/${fields.source}`]: ['url'] } },
		options: [
			{
				name: 'Check Size Then Pass Link',
				value: 'checkThenPass',
				description: `Ask the ${kind.noun}'s host for the size and type first (one HEAD request) and refuse links that are too big or point to web pages; Z-API downloads the file. If the host does not answer HEAD, the link is passed on unchecked.`,
			},
			{ name: 'Pass Link Only', value: 'passLink', description: `Send the link to Z-API as it is, with no request to the ${kind.noun} host` },
			{
				name: 'Download and Send File',
				value: 'download',
				description: `Download the ${kind.noun} into n8n (stopping at the size limit) and send it as Base64: for links Z-API cannot reach, such as private or intranet hosts`,
			},
		],
		default: 'checkThenPass',
		description: 'How a link is checked and who downloads it',
	};
}

/**
 * Reads, checks and encodes the item's media as its operation's fields describe, whatever the
 * source; problems become input errors naming the item and the field.
 */
export async function readMediaInput(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: MediaFields,
	urlHandling: UrlHandling,
	timeout: number,
	/** For operations with a single possible source (and so no source field). */
	fixedSource?: 'url' | 'binary' | 'base64',
): Promise<PreparedMedia> {
	const source = fixedSource ?? (context.getNodeParameter(fields.source, itemIndex) as string);
	try {
		switch (source) {
			case 'url': {
				const url = parseMediaUrl(getTextParameter(context, fields.url, `${fields.label} URL`, itemIndex), fields.kind.noun);
				if (urlHandling === 'download') return await downloadMedia(context, url, fields.kind, timeout);
				if (urlHandling === 'passLink') return { kind: 'link', url: url.href };
				const probe = await probeMediaUrl(context, url, fields.kind, timeout);
				return { kind: 'link', url: url.href, bytes: probe.bytes, mimeType: probe.mimeType, uncheckedReason: probeGap(probe) };
			}
			case 'binary': {
				const propertyName = getTextParameter(context, 'binaryPropertyName', 'Input Binary Field', itemIndex).trim();
				if (propertyName === '') {
					throw new MediaError('No binary field name is set', `Enter the name of the input binary field that holds the ${fields.kind.noun}, usually "data".`);
				}
				return await readBinaryMedia(context, itemIndex, propertyName, fields.kind);
			}
			case 'base64':
				return readBase64Media(getTextParameter(context, fields.base64, `${fields.label} (Base64)`, itemIndex), fields.kind);
			default:
				throw new MediaError(
					`Unknown ${fields.kind.noun} source "${source}"`,
					`The ${fields.label} Source must be "url", "binary" or "base64"; check the expression that sets it.`,
				);
		}
	} catch (error) {
		throw toNodeError(context.getNode(), error, itemIndex, mediaParameterLabel(fields, source));
	}
}

/** The label of the field an item's media came from, to name it in errors. */
export function mediaParameterLabel(fields: MediaFields, source: string): string | undefined {
	const labels: Record<string, string> = { url: `${fields.label} URL`, binary: 'Input Binary Field', base64: `${fields.label} (Base64)` };
	return labels[source];
}

/**
 * The request body for an operation that sends one media field: an object for a link, a finished
 * JSON Buffer for a file (see transport/jsonBody.ts). Drops the media's own copy of the file once
 * it is in the body, so only the body stays in memory while it is sent.
 */
export function mediaRequestBody(field: string, media: PreparedMedia, others: IDataObject = {}): IDataObject | Buffer {
	if (media.kind === 'link') return { [field]: media.url, ...others };
	const body = mediaJsonBody(field, media, others);
	media.payload = undefined;
	media.content = undefined;
	media.pieces = undefined;
	return body;
}
