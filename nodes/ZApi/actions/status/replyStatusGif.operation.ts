import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { VIDEO } from '../../media/kinds';
import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import type { MediaLinkFields } from '../mediaInput';
import { readMediaLink } from '../mediaInput';
import { readReplyTarget, replyTargetProperties } from '../phone';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

// Answers a status another user posted (docs: status/reply-status-gif).
// Z-API takes GIF replies as a link to an MP4 (WhatsApp's "GIFs" are silent looping MP4 videos).
const GIF_FIELDS: MediaLinkFields = {
	kind: { ...VIDEO, noun: 'video', limitSetBy: 'WhatsApp accepts' },
	url: 'gifUrl',
	label: 'GIF',
};

const description: INodeProperties[] = [
	...replyTargetProperties(),
	{
		displayName: 'GIF URL',
		name: 'gifUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/reaction.mp4',
		description: 'Direct http(s) link to the GIF as an MP4 video (Z-API takes GIF replies as MP4 links only)',
	},
	optionsCollection([
		{
			displayName: 'Check Link First',
			name: 'checkLink',
			type: 'boolean',
			default: true,
			description:
				"Whether to ask the link's host for size and type first (one HEAD request), refusing web pages and files over 10 MB; hosts that do not answer HEAD are passed unchecked",
		},
	]),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const { timeout, retry } = readRequestSettings(options);
	const { phone, statusMessageId } = readReplyTarget(this, itemIndex);
	const gif = await readMediaLink(this, itemIndex, GIF_FIELDS, options.checkLink !== false, timeout);
	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'reply-status-gif',
		body: { phone, gif: gif.url, statusMessageId },
		timeout,
		retry,
		validate: requireMessageId,
	});
}

export const replyStatusGif: ZApiOperation = { description, execute };
