import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { router } from './actions/router';
import { statusDescription } from './actions/status/Status.resource';

export class ZApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Z-API',
		name: 'zApi',
		icon: { light: 'file:zapi.svg', dark: 'file:zapi.dark.svg' },
		group: ['output'],
		version: 1,
		// n8n's linters read the subtitle only as a string literal, so it cannot be built from the
		// Operation list; test/unit/nodeDescription.test.ts checks that it names each operation as that list does.
		subtitle:
			'={{ {"answerStatusReply": "Answer a Reply to My Status", "replyStatusGif": "Reply With GIF", "replyStatusSticker": "Reply With Sticker", "replyStatusText": "Reply With Text", "sendImageStatus": "Send Image Status", "sendTextStatus": "Send Text Status", "sendVideoStatus": "Send Video Status", "updateAutoReadStatus": "Set Automatic Status Viewing"}[$parameter["operation"]] || $parameter["operation"] }}',
		description: 'Post to the WhatsApp Status of a Z-API instance',
		defaults: { name: 'Z-API' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'zApiApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Status', value: 'status', description: 'The WhatsApp Status (stories) of the instance' }],
				default: 'status',
			},
			...statusDescription,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
