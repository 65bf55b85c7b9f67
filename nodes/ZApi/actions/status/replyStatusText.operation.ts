import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { messageProperty, readMessageText } from '../parameters';
import { readReplyTarget, replyTargetProperties } from '../phone';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

// Answers a status another user posted (docs: status/reply-status-text).
const show = { resource: ['status'], operation: ['replyStatusText'] };

/** WhatsApp's limit for one text message. */
export const MAX_MESSAGE_LENGTH = 65_536;

const description: INodeProperties[] = [
	...replyTargetProperties(show),
	messageProperty(show, 'The text of your reply. It arrives in their chat, quoting their status.'),
	optionsCollection(show),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { timeout, retry } = readRequestSettings(this, this.getNodeParameter('options', itemIndex, {}) as IDataObject, itemIndex);
	const { phone, statusMessageId } = readReplyTarget(this, itemIndex);
	const message = readMessageText(this, itemIndex, MAX_MESSAGE_LENGTH);
	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'reply-status-text',
		body: { phone, message, statusMessageId },
		timeout,
		retry,
		validate: requireMessageId,
	});
}

export const replyStatusText: ZApiOperation = { description, execute };
