import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { InputError } from '../InputError';

/**
 * Reads a text parameter and refuses values an expression turned into something else (an object,
 * an array), which would otherwise be sent as "[object Object]". Numbers and booleans are taken as text.
 */
export function getTextParameter(
	context: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
	fallback?: string,
): string {
	const value: unknown =
		fallback === undefined ? context.getNodeParameter(name, itemIndex) : context.getNodeParameter(name, itemIndex, fallback);
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (value === null || value === undefined) return '';
	const kind = Array.isArray(value) ? 'a list' : 'an object';
	throw new InputError(
		`${label} must be text, but its expression gave ${kind}`,
		`Change the expression in "${label}" so it returns text, for example by picking one field of the object.`,
		label,
	);
}

/**
 * Checks a number from the options collection, where an expression may have produced text or
 * nonsense; refuses values outside the range instead of sending with a surprising setting.
 */
export function getNumberOption(
	value: unknown,
	label: string,
	rules: { min: number; max?: number; fallback: number; integer?: boolean },
): number {
	if (value === undefined || value === null || value === '') return rules.fallback;
	const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
	const inRange = Number.isFinite(number) && number >= rules.min && (rules.max === undefined || number <= rules.max);
	if (!inRange || (rules.integer && !Number.isInteger(number))) {
		const range = rules.max === undefined ? `at least ${rules.min}` : `from ${rules.min} to ${rules.max}`;
		throw new InputError(
			`${label} must be a ${rules.integer ? 'whole ' : ''}number ${range}`,
			`Set Options > ${label} to a ${rules.integer ? 'whole ' : ''}number ${range}, or remove the option to use the default (${rules.fallback}).`,
			label,
		);
	}
	return number;
}

/** WhatsApp's limit for the caption of a media message. */
export const MAX_CAPTION_LENGTH = 1024;

/** The first control character other than tab, line feed and carriage return, if any. */
export function findControlCharacter(text: string): { code: number; position: number } | undefined {
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 127) return { code, position: index + 1 };
	}
	return undefined;
}

/**
 * Text for people (captions, messages): control characters other than line breaks and tabs are a
 * bug upstream (or an attempt to smuggle something), and WhatsApp cuts text past its limit.
 */
function checkText(text: string, label: string, maxLength: number): string {
	const length = [...text].length;
	if (length > maxLength) {
		throw new InputError(
			`${label} is ${length} characters long; WhatsApp allows ${maxLength}`,
			`Shorten the ${label.toLowerCase()}, for example with an expression such as {{ $json.text.slice(0, ${maxLength - 24}) }}.`,
			label,
		);
	}
	const control = findControlCharacter(text);
	if (control) {
		throw new InputError(
			`${label} contains a control character (code ${control.code}) at position ${control.position}`,
			`Remove control characters from the ${label.toLowerCase()}; line breaks and tabs are fine.`,
			label,
		);
	}
	return text;
}

/** WhatsApp's limit for one text message (replies and answers in a chat). */
export const MAX_MESSAGE_LENGTH = 65_536;

/** A required text (a text status, a reply): not blank, within WhatsApp's limit, no control characters. */
export function readMessageText(context: IExecuteFunctions, itemIndex: number, maxLength: number): string {
	const message = getTextParameter(context, 'message', 'Message', itemIndex);
	if (message.trim() === '') {
		throw new InputError('Message is empty', 'Enter the text to send, or map it from a previous node.', 'Message');
	}
	return checkText(message, 'Message', maxLength);
}

/** The optional caption of an image or video status. */
export const captionProperty: INodeProperties = {
	displayName: 'Caption',
	name: 'caption',
	type: 'string',
	typeOptions: { rows: 2 },
	default: '',
	description: `Text shown with the status. Left out when empty; at most ${MAX_CAPTION_LENGTH} characters.`,
};

/** The item's caption, checked; '' when there is none to send. */
export function readCaption(context: IExecuteFunctions, itemIndex: number): string {
	const caption = checkText(getTextParameter(context, 'caption', 'Caption', itemIndex, ''), 'Caption', MAX_CAPTION_LENGTH);
	return caption.trim() === '' ? '' : caption;
}

/** The required text of a text status or a text reply. */
export function messageProperty(description: string): INodeProperties {
	return {
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description,
	};
}
