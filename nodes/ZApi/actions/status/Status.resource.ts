import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { ZApiOperation } from '../types';
import { answerStatusReply } from './answerStatusReply.operation';
import { replyStatusGif } from './replyStatusGif.operation';
import { replyStatusSticker } from './replyStatusSticker.operation';
import { replyStatusText } from './replyStatusText.operation';
import { sendImageStatus } from './sendImageStatus.operation';
import { sendTextStatus } from './sendTextStatus.operation';
import { sendVideoStatus } from './sendVideoStatus.operation';
import { updateAutoReadStatus } from './updateAutoReadStatus.operation';

/**
 * The Status resource's operations, by the value of the "operation" parameter: how the editor
 * lists each one (its name is also the node's subtitle) and what runs it. Alphabetical by name,
 * as n8n lists options.
 */
const operations: Record<string, Omit<INodePropertyOptions, 'value'> & { action: string; run: ZApiOperation }> = {
	answerStatusReply: {
		name: 'Answer a Reply to My Status',
		description: 'Answer someone who replied to one of your statuses, in their chat, quoting their reply',
		action: 'Answer a reply to my status',
		run: answerStatusReply,
	},
	replyStatusGif: {
		name: 'Reply With GIF',
		description: 'Reply to a status a contact posted with a GIF (an MP4 link); it arrives in their chat, quoting their status',
		action: 'Reply to the status of a contact with a GIF',
		run: replyStatusGif,
	},
	replyStatusSticker: {
		name: 'Reply With Sticker',
		description: 'Reply to a status a contact posted with a sticker; it arrives in their chat, quoting their status',
		action: 'Reply to the status of a contact with a sticker',
		run: replyStatusSticker,
	},
	replyStatusText: {
		name: 'Reply With Text',
		description: 'Reply to a status a contact posted with a text message; it arrives in their chat, quoting their status',
		action: 'Reply to the status of a contact with text',
		run: replyStatusText,
	},
	sendImageStatus: {
		name: 'Send Image Status',
		description: 'Post an image to the WhatsApp Status of the instance',
		action: 'Send an image status',
		run: sendImageStatus,
	},
	sendTextStatus: {
		name: 'Send Text Status',
		description: 'Post a text to the WhatsApp Status of the instance',
		action: 'Send a text status',
		run: sendTextStatus,
	},
	sendVideoStatus: {
		name: 'Send Video Status',
		description: 'Post a video to the WhatsApp Status of the instance',
		action: 'Send a video status',
		run: sendVideoStatus,
	},
	updateAutoReadStatus: {
		name: 'Set Automatic Status Viewing',
		description: "Turn on or off Z-API's automatic viewing of the statuses your contacts post",
		action: "Turn automatic viewing of contacts' statuses on or off",
		run: updateAutoReadStatus,
	},
};

/** What runs each operation, for the router. */
export const statusOperations: Record<string, ZApiOperation> = Object.fromEntries(
	Object.entries(operations).map(([value, { run }]) => [value, run]),
);

/** The entries of the Operation field. */
export const statusOperationOptions: INodePropertyOptions[] = Object.entries(operations).map(([value, { name, description, action }]) => ({
	name,
	value,
	description,
	action,
}));

/** The Operation field, then each operation's fields, shown only while that operation is chosen. */
export const statusDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['status'] } },
		options: statusOperationOptions,
		default: 'sendVideoStatus',
	},
	...Object.entries(statusOperations).flatMap(([value, operation]) =>
		updateDisplayOptions({ show: { resource: ['status'], operation: [value] } }, operation.description),
	),
];
