import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, InputError } from '../InputError';
import { getTextParameter } from './parameters';

// E.164: at most 15 digits with the country code; the shortest numbers with one have 10.
const MIN_DIGITS = 10;
const MAX_DIGITS = 15;

/**
 * "+55 (11) 98765-4321" -> "5511987654321": Z-API wants digits only, country code first.
 * Punctuation people type is removed; anything else is refused rather than guessed.
 */
export function normalizePhone(text: string): string {
	const trimmed = text.trim();
	if (trimmed === '') {
		throw new InputError('The phone number is empty', 'Enter the number with its country code, for example 5511987654321.');
	}
	const digits = trimmed.replace(/^\+/, '').replace(/[\s().-]/g, '');
	if (!/^\d+$/.test(digits)) {
		throw new InputError(
			'The phone number contains characters other than digits',
			'Use digits only, country code first (for example 5511987654321); spaces, dashes, dots, brackets and a leading + are removed for you.',
		);
	}
	if (digits.startsWith('0')) {
		throw new InputError(
			'The phone number starts with 0, so its country code is missing',
			'Write it in international form without the leading 0 or 00: country code first, for example 5511987654321 for Brazil.',
		);
	}
	if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) {
		throw new InputError(
			`The phone number has ${digits.length} digits; with its country code it must have ${MIN_DIGITS} to ${MAX_DIGITS}`,
			'Include the country code (55 for Brazil) and the area code, for example 5511987654321.',
		);
	}
	return digits;
}

/** The fields every status reply has: who, and which of our statuses they replied to. */
export function replyTargetProperties(): INodeProperties[] {
	return [
		{
			displayName: 'Phone',
			name: 'phone',
			type: 'string',
			default: '',
			required: true,
			placeholder: '5511987654321',
			description: 'The number of the person who replied to the status, with country code (digits; +, spaces and dashes are removed)',
		},
		{
			displayName: 'Status Message ID',
			name: 'statusMessageId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '={{ $json.messageId }}',
			description: "The status being replied to: the messageId from Z-API's received-message webhook (isStatusReply), as the Z-API Trigger outputs it",
		},
	];
}

export function readReplyTarget(context: IExecuteFunctions, itemIndex: number): { phone: string; statusMessageId: string } {
	const phone = concerning('Phone', () => normalizePhone(getTextParameter(context, 'phone', 'Phone', itemIndex)));
	const statusMessageId = getTextParameter(context, 'statusMessageId', 'Status Message ID', itemIndex).trim();
	if (statusMessageId === '' || /\s/.test(statusMessageId)) {
		throw new InputError(
			statusMessageId === '' ? 'The status message ID is empty' : 'The status message ID contains spaces',
			"Map the messageId of the status from Z-API's received-message webhook (the Z-API Trigger's status replies).",
			'Status Message ID',
		);
	}
	return { phone, statusMessageId };
}
