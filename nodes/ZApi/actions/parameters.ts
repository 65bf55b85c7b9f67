import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

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
	throw new NodeOperationError(context.getNode(), `${label} must be text, but its expression gave ${kind} [item ${itemIndex}]`, {
		itemIndex,
		description: `Change the expression in "${label}" so it returns text, for example by picking one field of the object.`,
	});
}

/**
 * Reads a number from the options collection, where an expression may have produced text or
 * nonsense; refuses values outside the range instead of sending with a surprising setting.
 */
export function getNumberOption(
	context: IExecuteFunctions,
	value: unknown,
	label: string,
	itemIndex: number,
	rules: { min: number; max?: number; fallback: number; integer?: boolean },
): number {
	if (value === undefined || value === null || value === '') return rules.fallback;
	const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
	const inRange = Number.isFinite(number) && number >= rules.min && (rules.max === undefined || number <= rules.max);
	if (!inRange || (rules.integer && !Number.isInteger(number))) {
		const range = rules.max === undefined ? `at least ${rules.min}` : `from ${rules.min} to ${rules.max}`;
		throw new NodeOperationError(context.getNode(), `${label} must be a ${rules.integer ? 'whole ' : ''}number ${range} [item ${itemIndex}]`, {
			itemIndex,
			description: `Set Options > ${label} to a ${rules.integer ? 'whole ' : ''}number ${range}, or remove the option to use the default (${rules.fallback}).`,
		});
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
function checkText(context: IExecuteFunctions, text: string, label: string, maxLength: number, itemIndex: number): string {
	const length = [...text].length;
	if (length > maxLength) {
		throw new NodeOperationError(context.getNode(), `${label} is ${length} characters long; WhatsApp allows ${maxLength} [item ${itemIndex}]`, {
			itemIndex,
			description: `Shorten the ${label.toLowerCase()}, for example with an expression such as {{ $json.text.slice(0, ${maxLength - 24}) }}.`,
		});
	}
	const control = findControlCharacter(text);
	if (control) {
		throw new NodeOperationError(
			context.getNode(),
			`${label} contains a control character (code ${control.code}) at position ${control.position} [item ${itemIndex}]`,
			{ itemIndex, description: `Remove control characters from the ${label.toLowerCase()}; line breaks and tabs are fine.` },
		);
	}
	return text;
}

export function checkCaption(context: IExecuteFunctions, caption: string, itemIndex: number): string {
	return checkText(context, caption, 'Caption', MAX_CAPTION_LENGTH, itemIndex);
}

/** A required text (a text status, a reply): not blank, within WhatsApp's limit, no control characters. */
export function readMessageText(context: IExecuteFunctions, itemIndex: number, maxLength: number): string {
	const message = getTextParameter(context, 'message', 'Message', itemIndex);
	if (message.trim() === '') {
		throw new NodeOperationError(context.getNode(), `Message is empty [item ${itemIndex}]`, {
			itemIndex,
			description: 'Enter the text to send, or map it from a previous node.',
		});
	}
	return checkText(context, message, 'Message', maxLength, itemIndex);
}

/** The optional caption of an image or video status. */
export function captionProperty(show: Record<string, string[]>): INodeProperties {
	return {
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		description: `Text shown with the status. Left out when empty; at most ${MAX_CAPTION_LENGTH} characters.`,
		displayOptions: { show },
	};
}

/** The item's caption, checked; '' when there is none to send. */
export function readCaption(context: IExecuteFunctions, itemIndex: number): string {
	const caption = checkCaption(context, getTextParameter(context, 'caption', 'Caption', itemIndex, ''), itemIndex);
	return caption.trim() === '' ? '' : caption;
}

/** The required text of a text status or a text reply. */
export function messageProperty(show: Record<string, string[]>, description: string): INodeProperties {
	return {
		displayName: 'Message',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description,
		displayOptions: { show },
	};
}
