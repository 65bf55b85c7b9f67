import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, MediaError } from '../InputError';
import type { MediaKind } from '../media/kinds';
import type { LinkedMedia, PreparedMedia } from '../media/source';
import { downloadMedia, parseMediaUrl, probeGap, probeMediaUrl, readBase64Media, readBinaryMedia } from '../media/source';
import { getTextParameter } from './parameters';

/** How an operation whose media can only be a link names its field ("gifUrl" for the GIF reply). */
export interface MediaLinkFields {
	kind: MediaKind;
	url: string;
	/** "Video", "GIF": the start of each field's label ("Video URL"). */
	label: string;
}

/** How one operation names its media fields ("videoSource", "videoUrl", ... for the video). */
export interface MediaFields extends MediaLinkFields {
	source: string;
	base64: string;
	/** Shown under the URL and binary fields: what a good file is. */
	advice: string;
}

export type UrlHandling = 'checkThenPass' | 'passLink' | 'download';

/** The display names of an operation's media fields, by source: the editor shows them, errors name them. */
function fieldLabels(fields: MediaLinkFields): Record<'url' | 'binary' | 'base64', string> {
	return { url: `${fields.label} URL`, binary: 'Input Binary Field', base64: `${fields.label} (Base64)` };
}

/**
 * The editor fields for picking a file: source, then the link, the binary field or the Base64 text.
 * The link and Base64 fields are not marked required: when the source is an expression n8n shows
 * every field and would refuse to start for the empty ones; an empty value is refused per item instead.
 */
export function mediaSourceProperties(fields: MediaFields): INodeProperties[] {
	const { kind, label } = fields;
	const labels = fieldLabels(fields);
	const options = [
		{ name: 'URL', value: 'url', description: `A public link to the ${kind.noun} file` },
		{ name: 'Binary File', value: 'binary', description: `${label} file from a previous node (binary data)` },
		{ name: 'Base64', value: 'base64', description: `The ${kind.noun} file as Base64 text or a data URI` },
	];
	const forSource = (source: string) => ({ show: { [fields.source]: [source] } });
	return [
		{
			displayName: `${label} Source`,
			name: fields.source,
			type: 'options',
			options,
			default: 'url',
			description: `Where the ${kind.noun} comes from`,
		},
		{
			displayName: labels.url,
			name: fields.url,
			type: 'string',
			default: '',
			placeholder: kind.example.url,
			description: `Direct http(s) link to the ${kind.noun} file (${fields.advice})`,
			displayOptions: forSource('url'),
		},
		{
			displayName: labels.binary,
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
			displayName: labels.base64,
			name: fields.base64,
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder: kind.example.dataUri,
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

/** An item's media, and the display name of the field it came from, to name in problems found later. */
export interface MediaInput {
	media: PreparedMedia;
	parameter: string;
}

/** The label of the field an item's media comes from with this source; undefined for an unknown source. */
export function mediaParameter(fields: MediaLinkFields, source: string): string | undefined {
	return (fieldLabels(fields) as Record<string, string | undefined>)[source];
}

/**
 * Reads, checks and encodes the item's media as its operation's fields describe, whatever the
 * source; every problem found names the field the media came from.
 */
export async function readMediaInput(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: MediaFields,
	urlHandling: UrlHandling,
	timeout: number,
): Promise<MediaInput> {
	const source = context.getNodeParameter(fields.source, itemIndex) as string;
	const parameter = mediaParameter(fields, source);
	if (parameter === undefined) {
		throw new MediaError(
			`Unknown ${fields.kind.noun} source "${source}"`,
			`The ${fields.label} Source must be "url", "binary" or "base64"; check the expression that sets it.`,
		);
	}
	const media = await concerning(parameter, async (): Promise<PreparedMedia> => {
		switch (source) {
			case 'url': {
				const url = parseMediaUrl(getTextParameter(context, fields.url, parameter, itemIndex), fields.kind);
				if (urlHandling === 'download') return await downloadMedia(context, url, fields.kind, timeout);
				return await linkTo(context, url, fields.kind, urlHandling === 'checkThenPass', timeout);
			}
			case 'binary':
				return await readBinaryMedia(context, itemIndex, readBinaryPropertyName(context, itemIndex, fields.kind), fields.kind);
			default: // 'base64': any other source was refused above
				return readBase64Media(getTextParameter(context, fields.base64, parameter, itemIndex), fields.kind);
		}
	});
	return { media, parameter };
}

/** The name of the input binary field that holds the item's media. */
export function readBinaryPropertyName(context: IExecuteFunctions, itemIndex: number, kind: MediaKind): string {
	const propertyName = getTextParameter(context, 'binaryPropertyName', 'Input Binary Field', itemIndex).trim();
	if (propertyName === '') {
		throw new MediaError('No binary field name is set', `Enter the name of the input binary field that holds the ${kind.noun}, usually "data".`);
	}
	return propertyName;
}

/** Reads and checks the item's link, for operations whose media can only be one (Z-API downloads the file). */
export async function readMediaLink(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: MediaLinkFields,
	check: boolean,
	timeout: number,
): Promise<LinkedMedia> {
	const parameter = fieldLabels(fields).url;
	return await concerning(parameter, async () => {
		const url = parseMediaUrl(getTextParameter(context, fields.url, parameter, itemIndex), fields.kind);
		return await linkTo(context, url, fields.kind, check, timeout);
	});
}

/** A link passed on to Z-API, after asking its host for the size and type when `check` is set. */
async function linkTo(context: IExecuteFunctions, url: URL, kind: MediaKind, check: boolean, timeout: number): Promise<LinkedMedia> {
	if (!check) return { kind: 'link', url: url.href };
	const probe = await probeMediaUrl(context, url, kind, timeout);
	return { kind: 'link', url: url.href, bytes: probe.bytes, mimeType: probe.mimeType, uncheckedReason: probeGap(probe) };
}
