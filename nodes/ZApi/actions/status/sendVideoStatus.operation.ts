import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { STATUS_VIDEO_MAX_BYTES } from '../../media/limits';
import { MediaError } from '../../media/MediaError';
import type { PreparedMedia } from '../../media/source';
import { downloadMedia, parseMediaUrl, probeMediaUrl, readBase64Media, readBinaryMedia } from '../../media/source';
import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { toNodeError } from '../errors';
import { getTextParameter } from '../parameters';
import type { ZApiOperation } from '../types';

const showFor = (extra: IDataObject = {}) => ({
	show: { resource: ['status'], operation: ['sendVideoStatus'], ...extra },
});

export const DEFAULT_TIMEOUT_MS = 120_000;

type UrlHandling = 'checkThenPass' | 'passLink' | 'download';

interface SendVideoOptions {
	urlHandling?: UrlHandling;
	timeout?: number;
}

const description: INodeProperties[] = [
	{
		displayName: 'Video Source',
		name: 'videoSource',
		type: 'options',
		options: [
			{ name: 'URL', value: 'url', description: 'A public link to the video file' },
			{ name: 'Binary File', value: 'binary', description: 'A video file from a previous node (binary data)' },
			{ name: 'Base64', value: 'base64', description: 'The video file as Base64 text or a data URI' },
		],
		default: 'url',
		description: 'Where the video comes from',
		displayOptions: showFor(),
	},
	{
		displayName: 'Video URL',
		name: 'videoUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/video.mp4',
		description: 'Direct http(s) link to the video file (MP4 with H.264 is safest; at most 10 MB)',
		displayOptions: showFor({ videoSource: ['url'] }),
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		placeholder: 'e.g. data',
		hint: 'The name of the input binary field containing the video file',
		description: 'The video file must be at most 10 MB; MP4 with H.264 is safest',
		displayOptions: showFor({ videoSource: ['binary'] }),
	},
	{
		displayName: 'Video (Base64)',
		name: 'videoBase64',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		required: true,
		placeholder: 'data:video/mp4;base64,AAAAIGZ0eXBpc29t...',
		description:
			'The video as a data URI (data:video/mp4;base64,...) or as raw Base64, which is sent as video/mp4. Line breaks are ignored. At most 10 MB of video.',
		displayOptions: showFor({ videoSource: ['base64'] }),
	},
	{
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		description: 'Text shown with the video on the status. Left out when empty.',
		displayOptions: showFor(),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: showFor(),
		options: [
			{
				displayName: 'Timeout',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1000 },
				default: DEFAULT_TIMEOUT_MS,
				description:
					'Milliseconds to wait for Z-API (and for the video host, when checking or downloading a link). Uploading 13 MB of Base64 over a slow link takes a while.',
			},
			{
				displayName: 'URL Handling',
				name: 'urlHandling',
				type: 'options',
				displayOptions: { show: { '/videoSource': ['url'] } },
				options: [
					{
						name: 'Check Size Then Pass Link',
						value: 'checkThenPass',
						description:
							"Ask the video's host for the size and type first (one HEAD request) and refuse links over 10 MB or to web pages; Z-API downloads the file. If the host does not answer HEAD, the link is passed on unchecked.",
					},
					{
						name: 'Pass Link Only',
						value: 'passLink',
						description: 'Send the link to Z-API as it is, with no request to the video host',
					},
					{
						name: 'Download and Send File',
						value: 'download',
						description:
							'Download the video into n8n (stopping at 10 MB) and send it as Base64: for links Z-API cannot reach, such as private or intranet hosts',
					},
				],
				default: 'checkThenPass',
				description: 'How a video link is checked and who downloads it',
			},
		],
	},
];

const PARAMETER_LABELS: Record<string, string> = {
	url: 'Video URL',
	binary: 'Input Binary Field',
	base64: 'Video (Base64)',
};

async function prepareVideo(
	this: IExecuteFunctions,
	itemIndex: number,
	source: string,
	options: SendVideoOptions,
	timeout: number,
): Promise<PreparedMedia> {
	switch (source) {
		case 'url': {
			const url = parseMediaUrl(getTextParameter(this, 'videoUrl', 'Video URL', itemIndex));
			const handling = options.urlHandling ?? 'checkThenPass';
			if (handling === 'download') return await downloadMedia(this, url, STATUS_VIDEO_MAX_BYTES, timeout);
			if (handling === 'passLink') return { kind: 'link', url: url.href };
			const probe = await probeMediaUrl(this, url, STATUS_VIDEO_MAX_BYTES, timeout);
			return { kind: 'link', url: url.href, bytes: probe.bytes, mimeType: probe.mimeType };
		}
		case 'binary': {
			const propertyName = getTextParameter(this, 'binaryPropertyName', 'Input Binary Field', itemIndex).trim();
			if (propertyName === '') {
				throw new MediaError('No binary field name is set', 'Enter the name of the input binary field that holds the video, usually "data".');
			}
			return await readBinaryMedia(this, itemIndex, propertyName, STATUS_VIDEO_MAX_BYTES);
		}
		case 'base64':
			return readBase64Media(getTextParameter(this, 'videoBase64', 'Video (Base64)', itemIndex), STATUS_VIDEO_MAX_BYTES);
		default:
			throw new NodeOperationError(this.getNode(), `Unknown video source "${source}" [item ${itemIndex}]`, {
				itemIndex,
				description: 'The Video Source must be "url", "binary" or "base64"; check the expression that sets it.',
			});
	}
}

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const source = this.getNodeParameter('videoSource', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as SendVideoOptions;
	const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
	const caption = getTextParameter(this, 'caption', 'Caption', itemIndex, '');

	let media: PreparedMedia;
	try {
		media = await prepareVideo.call(this, itemIndex, source, options, timeout);
	} catch (error) {
		throw toNodeError(this.getNode(), error, itemIndex, PARAMETER_LABELS[source]);
	}

	const body: IDataObject = {
		video: media.kind === 'link' ? media.url : `data:${media.mimeType};base64,${media.payload}`,
	};
	if (caption.trim() !== '') body.caption = caption;

	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'send-video-status',
		body,
		timeout,
		validate: requireMessageId,
	});
}

export const sendVideoStatus: ZApiOperation = { description, execute };
