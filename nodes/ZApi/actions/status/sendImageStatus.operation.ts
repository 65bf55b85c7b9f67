import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { definedOnly } from '../../definedOnly';
import { concerning, MediaError } from '../../InputError';
import { IMAGE } from '../../media/kinds';
import { mediaRequestBody } from '../../media/requestBody';
import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import type { MediaFields, UrlHandling } from '../mediaInput';
import { mediaSourceProperties, readMediaInput, urlHandlingOption } from '../mediaInput';
import { captionProperty, readCaption } from '../parameters';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

export const IMAGE_FIELDS: MediaFields = {
	kind: IMAGE,
	source: 'imageSource',
	url: 'imageUrl',
	base64: 'imageBase64',
	label: 'Image',
	advice: 'JPEG or PNG is safest; at most 16 MB',
};

const description: INodeProperties[] = [
	...mediaSourceProperties(IMAGE_FIELDS),
	captionProperty,
	optionsCollection([urlHandlingOption(IMAGE_FIELDS)]),
];

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject & { urlHandling?: UrlHandling };
	const { timeout, retry } = readRequestSettings(options);
	const caption = readCaption(this, itemIndex);
	const { media, parameter } = await readMediaInput(this, itemIndex, IMAGE_FIELDS, options.urlHandling ?? 'checkThenPass', timeout);

	const body = mediaRequestBody('image', media, caption ? { caption } : {});
	// A file that fails while it is sent is a problem with the field it came from.
	const response = await concerning(parameter, async () =>
		await zApiRequest.call(this, itemIndex, {
			method: 'POST',
			endpoint: 'send-image-status',
			body,
			timeout,
			retry,
			validate: requireMessageId,
		}),
		MediaError,
	);
	return { ...response, image: definedOnly({ bytes: media.bytes, mimeType: media.mimeType }) };
}

export const sendImageStatus: ZApiOperation = { description, execute };
