import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { MAX_MESSAGE_LENGTH, messageProperty, readMessageText } from '../parameters';
import { readReplyTarget, replyTargetProperties } from '../phone';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

// Answers a status another user posted (docs: status/reply-status-text).
const description: INodeProperties[] = [
	...replyTargetProperties(),
	messageProperty('The text of your reply. It arrives in their chat, quoting their status.'),
	optionsCollection(),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { timeout, retry } = readRequestSettings(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
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
