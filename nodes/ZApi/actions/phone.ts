import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { concerning, InputError } from '../InputError';
import { asLid } from '../lid';
import { getTextParameter } from './parameters';

// E.164: at most 15 digits with the country code; the shortest numbers with one have 10.
const MIN_DIGITS = 10;
const MAX_DIGITS = 15;

/**
 * "+55 (11) 98765-4321" -> "5511987654321": Z-API wants digits only, country code first. A LID
 * ("81896604192873@lid") is passed as it is. Punctuation people type is removed; anything else is
 * refused rather than guessed.
 */
export function normalizePhone(text: string): string {
	const trimmed = text.trim();
	if (trimmed === '') {
		throw new InputError('The phone number is empty', 'Enter the number with its country code, for example 5511987654321, or a LID such as 81896604192873@lid.');
	}
	const lid = asLid(trimmed);
	if (lid) return lid;
	const digits = trimmed.replace(/^\+/, '').replace(/[\s().-]/g, '');
	if (!/^\d+$/.test(digits)) {
		throw new InputError(
			'The phone number contains characters other than digits',
			'Use digits only, country code first (for example 5511987654321), or a LID as Z-API sends it (81896604192873@lid); spaces, dashes, dots, brackets and a leading + are removed for you.',
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
			'Include the country code (55 for Brazil) and the area code, for example 5511987654321. A LID needs its suffix: 81896604192873@lid.',
		);
	}
	return digits;
}

/** A phone parameter: a number or a LID, normalised by normalizePhone. */
export function phoneProperty(description: string, placeholder = '5511987654321'): INodeProperties {
	return { displayName: 'Phone', name: 'phone', type: 'string', default: '', required: true, placeholder, description };
}

export function readPhone(context: IExecuteFunctions, itemIndex: number): string {
	return concerning('Phone', () => normalizePhone(getTextParameter(context, 'phone', 'Phone', itemIndex)));
}

/** A WhatsApp message ID parameter: required, one word. */
export function readMessageId(
	context: IExecuteFunctions,
	itemIndex: number,
	field: { name: string; label: string; noun: string; hint: string },
): string {
	const { name, label, noun, hint } = field;
	const value = getTextParameter(context, name, label, itemIndex).trim();
	if (value === '' || /\s/.test(value)) {
		throw new InputError(value === '' ? `The ${noun} is empty` : `The ${noun} contains spaces`, hint, label);
	}
	return value;
}

/**
 * The fields of the reply-status-* operations, which answer a status another user posted
 * (docs: status/reply-status-text): `phone` is who posted it, `statusMessageId` is the ID of their
 * status. The Z-API Trigger's "A Contact Posted a Status" items carry both (author, statusMessageId).
 */
export function replyTargetProperties(): INodeProperties[] {
	return [
		phoneProperty(
			"Who posted the status: their number with country code, or their LID (…@lid). From the Z-API Trigger's A Contact Posted a Status, map {{ $json.author }}.",
		),
		{
			displayName: 'Status Message ID',
			name: 'statusMessageId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '={{ $json.statusMessageId }}',
			description:
				"The ID of their status (not one of yours): the statusMessageId of the Z-API Trigger's A Contact Posted a Status. To answer someone who replied to your status, use Answer a Reply to My Status instead.",
		},
	];
}

export function readReplyTarget(context: IExecuteFunctions, itemIndex: number): { phone: string; statusMessageId: string } {
	const phone = readPhone(context, itemIndex);
	const statusMessageId = readMessageId(context, itemIndex, {
		name: 'statusMessageId',
		label: 'Status Message ID',
		noun: 'status message ID',
		hint: "Map the ID of the contact's status: statusMessageId of the Z-API Trigger's A Contact Posted a Status.",
	});
	return { phone, statusMessageId };
}
