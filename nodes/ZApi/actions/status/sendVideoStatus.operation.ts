import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { STATUS_VIDEO_MAX_BYTES } from '../../media/limits';
import { MediaError } from '../../media/MediaError';
import type { PreparedMedia } from '../../media/source';
import { downloadMedia, parseMediaUrl, probeMediaUrl, readBase64Media, readBinaryMedia } from '../../media/source';
import type { VideoCheckOptions, VideoFacts } from '../../media/videoChecks';
import { checkVideo, DEFAULT_VIDEO_CHECKS, inspectInlineMedia } from '../../media/videoChecks';
import { MAX_RETRY_WAIT_MS, requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { toNodeError } from '../errors';
import { checkCaption, getNumberOption, getTextParameter } from '../parameters';
import type { ZApiOperation } from '../types';

const showFor = (extra: IDataObject = {}) => ({
	show: { resource: ['status'], operation: ['sendVideoStatus'], ...extra },
});

export const DEFAULT_TIMEOUT_MS = 120_000;

type UrlHandling = 'checkThenPass' | 'passLink' | 'download';

interface SendVideoOptions extends Partial<VideoCheckOptions> {
	urlHandling?: UrlHandling;
	timeout?: number;
	retries?: number;
	retryDelay?: number;
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
				displayName: 'Longer Videos',
				name: 'longVideo',
				type: 'options',
				options: [
					{
						name: 'Refuse',
						value: 'refuse',
						description: 'Stop the item with an error naming the duration, and send nothing',
					},
					{
						name: 'Send With Warning',
						value: 'warn',
						description: 'Send it, and add a warning to the output',
					},
				],
				default: 'refuse',
				description:
					'What to do with a video longer than the Maximum Duration. Refusing is the default because Z-API accepts such videos and WhatsApp then cuts or drops them without telling anyone.',
			},
			{
				displayName: 'Maximum Duration (Seconds)',
				name: 'maxDurationSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 60,
				description:
					'WhatsApp shows status videos of up to 60 seconds. Checked for files the node reads (binary, Base64, downloaded links). 0 turns the check off.',
			},
			{
				displayName: 'Require H.264',
				name: 'requireH264',
				type: 'options',
				options: [
					{ name: 'Off', value: 'off', description: 'Do not check the codec' },
					{ name: 'Warn', value: 'warn', description: 'Send other codecs, with a warning in the output' },
					{ name: 'Refuse', value: 'refuse', description: 'Stop the item when the video is not H.264' },
				],
				default: 'warn',
				description:
					'H.264 plays on every phone. Z-API converts other codecs (such as the HEVC of iPhone recordings), which can fail.',
			},
			{
				displayName: 'Retries When Not Sent',
				name: 'retries',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 2,
				description:
					"How often to try the item again when Z-API certainly did not take it: unreachable, rate-limited (HTTP 429) or unavailable (HTTP 503). Waits honour Z-API's Retry-After. Failures where the status may have been posted (timeouts, broken connections, HTTP 500) are never retried, so nothing is posted twice.",
			},
			{
				displayName: 'Retry Wait (Ms)',
				name: 'retryDelay',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 1000,
				description: 'Wait before the first retry; it doubles for each further one, up to 60 seconds',
			},
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
			{
				displayName: 'Video That Cannot Be Inspected',
				name: 'uninspectable',
				type: 'options',
				options: [
					{ name: 'Send', value: 'send', description: 'Send it without comment' },
					{ name: 'Send With Warning', value: 'warn', description: 'Send it, with a warning in the output' },
					{ name: 'Refuse', value: 'refuse', description: 'Stop the item with an error' },
				],
				default: 'warn',
				description:
					'A file that is not MP4/QuickTime (such as WebM) or whose structure is damaged cannot have its duration and codec checked',
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
	const timeout = getNumberOption(this, options.timeout, 'Timeout', itemIndex, { min: 1000, fallback: DEFAULT_TIMEOUT_MS });
	const retry = {
		maxRetries: getNumberOption(this, options.retries, 'Retries When Not Sent', itemIndex, { min: 0, max: 10, fallback: 2, integer: true }),
		baseDelayMs: getNumberOption(this, options.retryDelay, 'Retry Wait (Ms)', itemIndex, { min: 0, max: MAX_RETRY_WAIT_MS, fallback: 1000 }),
	};
	const caption = checkCaption(this, getTextParameter(this, 'caption', 'Caption', itemIndex, ''), itemIndex);

	let media: PreparedMedia;
	try {
		media = await prepareVideo.call(this, itemIndex, source, options, timeout);
	} catch (error) {
		throw toNodeError(this.getNode(), error, itemIndex, PARAMETER_LABELS[source]);
	}

	const facts = checkVideoOrFail.call(this, itemIndex, source, media, options);

	const body: IDataObject = {
		video: media.kind === 'link' ? media.url : `data:${media.mimeType};base64,${media.payload}`,
	};
	if (caption.trim() !== '') body.caption = caption;

	const response = await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'send-video-status',
		body,
		timeout,
		validate: requireMessageId,
		retry,
	});
	// Z-API's fields stay exactly as returned; what the node learned goes under one key of its own.
	return { ...response, video: facts as unknown as IDataObject };
}

function checkVideoOrFail(
	this: IExecuteFunctions,
	itemIndex: number,
	source: string,
	media: PreparedMedia,
	options: SendVideoOptions,
): VideoFacts {
	const checks: VideoCheckOptions = {
		maxDurationSeconds: options.maxDurationSeconds ?? DEFAULT_VIDEO_CHECKS.maxDurationSeconds,
		longVideo: options.longVideo ?? DEFAULT_VIDEO_CHECKS.longVideo,
		requireH264: options.requireH264 ?? DEFAULT_VIDEO_CHECKS.requireH264,
		uninspectable: options.uninspectable ?? DEFAULT_VIDEO_CHECKS.uninspectable,
	};
	try {
		return checkVideo(media, inspectInlineMedia(media), checks);
	} catch (error) {
		throw toNodeError(this.getNode(), error, itemIndex, PARAMETER_LABELS[source]);
	}
}

export const sendVideoStatus: ZApiOperation = { description, execute };
