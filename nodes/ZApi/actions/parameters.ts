import type { IExecuteFunctions } from 'n8n-workflow';
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

/**
 * Captions are text for people: control characters other than line breaks and tabs are a bug
 * upstream (or an attempt to smuggle something), and WhatsApp cuts long captions.
 */
export function checkCaption(context: IExecuteFunctions, caption: string, itemIndex: number): string {
	const length = [...caption].length;
	if (length > MAX_CAPTION_LENGTH) {
		throw new NodeOperationError(
			context.getNode(),
			`Caption is ${length} characters long; WhatsApp allows ${MAX_CAPTION_LENGTH} [item ${itemIndex}]`,
			{ itemIndex, description: 'Shorten the caption, for example with an expression such as {{ $json.text.slice(0, 1000) }}.' },
		);
	}
	for (let index = 0; index < caption.length; index++) {
		const code = caption.charCodeAt(index);
		const allowed = code === 9 || code === 10 || code === 13;
		if ((code < 32 && !allowed) || code === 127) {
			throw new NodeOperationError(
				context.getNode(),
				`Caption contains a control character (code ${code}) at position ${index + 1} [item ${itemIndex}]`,
				{ itemIndex, description: 'Remove control characters from the caption; line breaks and tabs are fine.' },
			);
		}
	}
	return caption;
}
