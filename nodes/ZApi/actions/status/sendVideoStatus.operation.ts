import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, MediaError } from '../../InputError';
import { VIDEO } from '../../media/kinds';
import { moveIndexToFront } from '../../media/mp4/fastStart';
import type { VideoCheckOptions } from '../../media/videoChecks';
import { checkVideo, DEFAULT_VIDEO_CHECKS, inspectInlineMedia, recordIndexMove } from '../../media/videoChecks';
import type { MediaFields, UrlHandling } from '../mediaInput';
import { mediaSourceProperties, readMediaInput, urlHandlingOption } from '../mediaInput';
import { captionProperty, getNumberOption, readCaption } from '../parameters';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';
import type { SplitSettings } from './videoParts';
import { DEFAULT_SPLIT_INPUT_MB, MAX_SERIES_PARTS, MAX_SPLIT_INPUT_MB, postVideoStatus, sendVideoInParts } from './videoParts';

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
		displayName: 'Maximum Parts',
		name: 'maxParts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_SERIES_PARTS },
		default: MAX_SERIES_PARTS,
		description: `With Longer Videos set to Split Into Several Statuses, the most statuses one video may become. A video that needs more is stopped before anything is posted. At most ${MAX_SERIES_PARTS}, so that a series fits one day's statuses of a number.`,
	},
	{
		displayName: 'Start From Part',
		name: 'startFromPart',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_SERIES_PARTS },
		default: 1,
		description:
			'With Longer Videos set to Split Into Several Statuses, the first part to post; the parts before it are skipped and the others keep their numbers. After a part failed halfway, set it to the part the error names to post only the rest.',
	},
	{
		displayName: 'Move Index to Front',
		name: 'moveIndexToFront',
		type: 'boolean',
		default: true,
		description:
			'Whether to rewrite a video whose index (moov) is at the end of the file with the index first, so the status starts playing before it is fully downloaded. The same frames and sound, nothing re-encoded; for files the node reads (binary, Base64, downloaded links).',
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
	maxParts?: number;
	startFromPart?: number;
	moveIndexToFront?: boolean;
	urlHandling?: UrlHandling;
}

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject | IDataObject[]> {
	const options = this.getNodeParameter('options', itemIndex, {}) as SendVideoOptions & IDataObject;
	const { timeout, retry } = readRequestSettings(options);
	const caption = readCaption(this, itemIndex);
	const moveIndex = options.moveIndexToFront !== false;

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
			...readSeriesSettings(options),
			moveIndexToFront: moveIndex,
			urlHandling: options.urlHandling ?? 'checkThenPass',
			caption,
			timeout,
			retry,
		});
	}

	const { media, parameter } = await readMediaInput(this, itemIndex, VIDEO_FIELDS, options.urlHandling ?? 'checkThenPass', timeout);
	const checks = readVideoChecks(options);
	const inspection = inspectInlineMedia(media);
	// A refused video is a problem with the field it came from.
	let facts = concerning(parameter, () => checkVideo(media, inspection, checks));
	let sent = media;
	if (moveIndex && media.kind === 'inline' && inspection?.fastStart === false) {
		const move = await moveIndexToFront(media);
		if ('moved' in move) sent = move.moved;
		facts = recordIndexMove(facts, move);
	}

	// A file that fails while it is sent is a problem with the field it came from.
	const response = await concerning(parameter, async () => await postVideoStatus.call(this, itemIndex, sent, { caption, timeout, retry }), MediaError);
	// Z-API's fields stay exactly as returned; what the node learned goes under one key of its own.
	return { ...response, video: facts as unknown as IDataObject };
}

/** Maximum Parts and Start From Part, which only splitting uses (a trimmed video is one part). */
function readSeriesSettings(options: SendVideoOptions): Pick<SplitSettings, 'maxParts' | 'startFromPart'> {
	if (options.longVideo !== 'split') return { maxParts: MAX_SERIES_PARTS, startFromPart: 1 };
	const maxParts = getNumberOption(options.maxParts, 'Maximum Parts', { min: 1, max: MAX_SERIES_PARTS, fallback: MAX_SERIES_PARTS, integer: true });
	const startFromPart = getNumberOption(options.startFromPart, 'Start From Part', { min: 1, max: maxParts, fallback: 1, integer: true });
	return { maxParts, startFromPart };
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
