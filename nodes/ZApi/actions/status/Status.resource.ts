import type { INodeProperties } from 'n8n-workflow';

import type { ZApiOperation } from '../types';
import { answerStatusReply } from './answerStatusReply.operation';
import { replyStatusGif } from './replyStatusGif.operation';
import { replyStatusSticker } from './replyStatusSticker.operation';
import { replyStatusText } from './replyStatusText.operation';
import { sendImageStatus } from './sendImageStatus.operation';
import { sendTextStatus } from './sendTextStatus.operation';
import { sendVideoStatus } from './sendVideoStatus.operation';

/** The Status resource's operations, by the value of the "operation" parameter. */
export const statusOperations: Record<string, ZApiOperation> = {
	sendVideoStatus,
	sendImageStatus,
	sendTextStatus,
	replyStatusText,
	replyStatusGif,
	replyStatusSticker,
	answerStatusReply,
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
				name: 'Answer a Reply to My Status',
				value: 'answerStatusReply',
				description: 'Answer someone who replied to one of your statuses, in their chat, quoting their reply',
				action: 'Answer a reply to my status',
			},
			{
				name: 'Reply With GIF',
				value: 'replyStatusGif',
				description: "Reply to a status a contact posted with a GIF (an MP4 link); it arrives in their chat, quoting their status",
				action: 'Reply to the status of a contact with a GIF',
			},
			{
				name: 'Reply With Sticker',
				value: 'replyStatusSticker',
				description: "Reply to a status a contact posted with a sticker; it arrives in their chat, quoting their status",
				action: 'Reply to the status of a contact with a sticker',
			},
			{
				name: 'Reply With Text',
				value: 'replyStatusText',
				description: "Reply to a status a contact posted with a text message; it arrives in their chat, quoting their status",
				action: 'Reply to the status of a contact with text',
			},
			{
				name: 'Send Image Status',
				value: 'sendImageStatus',
				description: 'Post an image to the WhatsApp Status of the instance',
				action: 'Send an image status',
			},
			{
				name: 'Send Text Status',
				value: 'sendTextStatus',
				description: 'Post a text to the WhatsApp Status of the instance',
				action: 'Send a text status',
			},
			{
				name: 'Send Video Status',
				value: 'sendVideoStatus',
				description: 'Post a video to the WhatsApp Status of the instance',
				action: 'Send a video status',
			},
		],
		default: 'sendVideoStatus',
	},
	...Object.values(statusOperations).flatMap((operation) => operation.description),
];
