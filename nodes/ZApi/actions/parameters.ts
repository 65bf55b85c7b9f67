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
