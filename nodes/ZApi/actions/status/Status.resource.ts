import type { INodeProperties } from 'n8n-workflow';

import type { ZApiOperation } from '../types';
import { sendVideoStatus } from './sendVideoStatus.operation';

/** The Status resource's operations, by the value of the "operation" parameter. */
export const statusOperations: Record<string, ZApiOperation> = {
	sendVideoStatus,
};

export const statusDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['status'] } },
		options: [
			{
				name: 'Send Video Status',
				value: 'sendVideoStatus',
				description: 'Post a video to the WhatsApp Status of the instance',
				action: 'Send a video status',
			},
		],
		default: 'sendVideoStatus',
	},
	...sendVideoStatus.description,
];
