import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, MediaError } from '../../InputError';
import { STICKER } from '../../media/kinds';
import { mediaRequestBody } from '../../media/requestBody';
import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import type { MediaFields, UrlHandling } from '../mediaInput';
import { mediaSourceProperties, readMediaInput, urlHandlingOption } from '../mediaInput';
import { readReplyTarget, replyTargetProperties } from '../phone';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

// Answers a status another user posted (docs: status/reply-status-sticker).
const STICKER_FIELDS: MediaFields = {
	kind: STICKER,
	source: 'stickerSource',
	url: 'stickerUrl',
	base64: 'stickerBase64',
	label: 'Sticker',
	advice: 'WebP is native; PNG and JPEG are converted by Z-API',
};

const description: INodeProperties[] = [
	...replyTargetProperties(),
	...mediaSourceProperties(STICKER_FIELDS),
	optionsCollection([urlHandlingOption(STICKER_FIELDS)]),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject & { urlHandling?: UrlHandling };
	const { timeout, retry } = readRequestSettings(options);
	const { phone, statusMessageId } = readReplyTarget(this, itemIndex);
	const { media, parameter } = await readMediaInput(this, itemIndex, STICKER_FIELDS, options.urlHandling ?? 'checkThenPass', timeout);
	// A file that fails while it is sent is a problem with the field it came from.
	return await concerning(parameter, async () =>
		await zApiRequest.call(this, itemIndex, {
			method: 'POST',
			endpoint: 'reply-status-sticker',
			body: mediaRequestBody('sticker', media, { phone, statusMessageId }),
			timeout,
			retry,
			validate: requireMessageId,
		}),
		MediaError,
	);
}

export const replyStatusSticker: ZApiOperation = { description, execute };
