import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import { messageProperty, readMessageText } from '../parameters';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

/** WhatsApp's editor stops text statuses at 700 characters. */
export const MAX_TEXT_STATUS_LENGTH = 700;

const description: INodeProperties[] = [
	messageProperty(`The text of the status (at most ${MAX_TEXT_STATUS_LENGTH} characters)`),
	optionsCollection(),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { timeout, retry } = readRequestSettings(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const message = readMessageText(this, itemIndex, MAX_TEXT_STATUS_LENGTH);
	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'send-text-status',
		body: { message },
		timeout,
		retry,
		validate: requireMessageId,
	});
}

export const sendTextStatus: ZApiOperation = { description, execute };
