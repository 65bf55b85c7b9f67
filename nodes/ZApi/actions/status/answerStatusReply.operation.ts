import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { MAX_MESSAGE_LENGTH, messageProperty, readMessageText } from '../parameters';
import { phoneProperty, readMessageId, readPhone } from '../phone';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

/**
 * A reply to one of my statuses arrives as an ordinary message in the replier's chat, so it is
 * answered like any message: send-text with messageId, which quotes it (docs: message/reply-message).
 * The reply-status-* endpoints are for statuses other people posted, and would quote a status the
 * recipient never posted.
 */
const description: INodeProperties[] = [
	phoneProperty(
		"Who replied to your status: their number with country code, or their LID (…@lid). From the Z-API Trigger's Reply to My Status, map {{ $json.from }}.",
	),
	{
		displayName: 'Reply Message ID',
		name: 'replyMessageId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.replyMessageId }}',
		description: "The ID of their reply, which your answer quotes: the replyMessageId of the Z-API Trigger's Reply to My Status",
	},
	messageProperty('The text of your answer'),
	optionsCollection(),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { timeout, retry } = readRequestSettings(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const phone = readPhone(this, itemIndex);
	const messageId = readMessageId(this, itemIndex, {
		name: 'replyMessageId',
		label: 'Reply Message ID',
		noun: 'reply message ID',
		hint: "Map the ID of their reply: replyMessageId of the Z-API Trigger's Reply to My Status.",
	});
	const message = readMessageText(this, itemIndex, MAX_MESSAGE_LENGTH);
	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'send-text',
		body: { phone, message, messageId },
		timeout,
		retry,
		validate: requireMessageId,
	});
}

export const answerStatusReply: ZApiOperation = { description, execute };
