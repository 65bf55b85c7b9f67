import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, MediaError } from '../../InputError';
import { VIDEO } from '../../media/kinds';
import type { VideoCheckOptions } from '../../media/videoChecks';
import { checkVideo, DEFAULT_VIDEO_CHECKS, inspectInlineMedia } from '../../media/videoChecks';
import type { MediaFields, UrlHandling } from '../mediaInput';
import { mediaSourceProperties, readMediaInput, urlHandlingOption } from '../mediaInput';
import { captionProperty, getNumberOption, readCaption } from '../parameters';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';
import { DEFAULT_SPLIT_INPUT_MB, MAX_SPLIT_INPUT_MB, postVideoStatus, sendVideoInParts } from './videoParts';

/** Public names: workflows depend on them. */
export const VIDEO_FIELDS: MediaFields = {
	kind: VIDEO,
	source: 'videoSource',
	url: 'videoUrl',
	base64: 'videoBase64',
	label: 'Video',
	advice: 'MP4 with H.264 is safest; at most 10 MB',
};

const videoCheckOptions: INodeProperties[] = [
	{
		displayName: 'Longer Videos',
		name: 'longVideo',
		type: 'options',
		options: [
			{ name: 'Refuse', value: 'refuse', description: 'Stop the item with an error naming the duration, and send nothing' },
			{ name: 'Send With Warning', value: 'warn', description: 'Send it, and add a warning to the output' },
			{
				name: 'Split Into Several Statuses',
				value: 'split',
				description:
					'Cut it at keyframes (no re-encoding) into consecutive parts of at most the Maximum Duration and up to 10 MB each, posted in order; one output item per part',
			},
			{
				name: 'Trim to Maximum Duration',
				value: 'trim',
				description: 'Post only its first Maximum Duration seconds (cut without re-encoding)',
			},
		],
		default: 'refuse',
		description:
			'What to do with a video longer than the Maximum Duration. Refusing is the default because Z-API accepts such videos and WhatsApp then cuts or drops them without telling anyone. Splitting and trimming work on files the node reads (binary, Base64, links with URL Handling = Download and Send File).',
	},
	{
		displayName: 'Largest Video to Split (MB)',
		name: 'splitMaxInputMb',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_SPLIT_INPUT_MB },
		default: DEFAULT_SPLIT_INPUT_MB,
		description: `With Longer Videos set to Split or Trim, the largest input file accepted (each part still has to stay within 10 MB). Up to ${MAX_SPLIT_INPUT_MB} MB.`,
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
		description: 'H.264 plays on every phone. Z-API converts other codecs (such as the HEVC of iPhone recordings), which can fail.',
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
			'A file that is not MP4/QuickTime (such as WebM) or whose structure is damaged cannot have its duration and codec checked. A file that is cut short or encrypted (DRM) is readable but cannot play as posted; it is handled the same way.',
	},
];

const description: INodeProperties[] = [
	...mediaSourceProperties(VIDEO_FIELDS),
	captionProperty,
	optionsCollection([...videoCheckOptions, urlHandlingOption(VIDEO_FIELDS)]),
];

interface SendVideoOptions extends Partial<Omit<VideoCheckOptions, 'longVideo'>> {
	longVideo?: VideoCheckOptions['longVideo'] | 'split' | 'trim';
	splitMaxInputMb?: number;
	urlHandling?: UrlHandling;
}

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject | IDataObject[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as SendVideoOptions & IDataObject;
	const { timeout, retry } = readRequestSettings(options);
	const caption = readCaption(this, itemIndex);

	if (options.longVideo === 'split' || options.longVideo === 'trim') {
		const maxInputMb = getNumberOption(options.splitMaxInputMb, 'Largest Video to Split (MB)', {
			min: 1,
			max: MAX_SPLIT_INPUT_MB,
			fallback: DEFAULT_SPLIT_INPUT_MB,
		});
		return await sendVideoInParts.call(this, itemIndex, VIDEO_FIELDS, {
			mode: options.longVideo,
			checks: readVideoChecks(options),
			maxInputBytes: Math.floor(maxInputMb * 1024 * 1024),
			urlHandling: options.urlHandling ?? 'checkThenPass',
			caption,
			timeout,
			retry,
		});
	}

	const { media, parameter } = await readMediaInput(this, itemIndex, VIDEO_FIELDS, options.urlHandling ?? 'checkThenPass', timeout);
	const checks = readVideoChecks(options);
	// A refused video is a problem with the field it came from.
	const facts = concerning(parameter, () => checkVideo(media, inspectInlineMedia(media), checks));

	// A file that fails while it is sent is a problem with the field it came from.
	const response = await concerning(parameter, async () => await postVideoStatus.call(this, itemIndex, media, { caption, timeout, retry }), MediaError);
	// Z-API's fields stay exactly as returned; what the node learned goes under one key of its own.
	return { ...response, video: facts as unknown as IDataObject };
}

/** The item's video check settings, defaults filled in. */
function readVideoChecks(options: SendVideoOptions): VideoCheckOptions {
	return {
		maxDurationSeconds: getNumberOption(options.maxDurationSeconds, 'Maximum Duration (Seconds)', {
			min: 0,
			fallback: DEFAULT_VIDEO_CHECKS.maxDurationSeconds,
		}),
		longVideo: options.longVideo === 'warn' ? 'warn' : DEFAULT_VIDEO_CHECKS.longVideo,
		requireH264: options.requireH264 ?? DEFAULT_VIDEO_CHECKS.requireH264,
		uninspectable: options.uninspectable ?? DEFAULT_VIDEO_CHECKS.uninspectable,
	};
}

export const sendVideoStatus: ZApiOperation = { description, execute };
