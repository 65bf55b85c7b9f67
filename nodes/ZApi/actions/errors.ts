import type { IDataObject, INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { InputError } from '../InputError';

/**
 * The router's one way of turning a failure into the error n8n shows. An input problem becomes a
 * NodeOperationError naming the parameter (as a prefix, unless its message already starts with
 * the parameter's name, as in "Caption is 1025 characters long") and the item, with the fix as its
 * description. n8n's own errors (the transport's NodeApiError for Z-API's answers, the binary data
 * helpers' errors) pass unchanged so their HTTP details stay; anything else is a crash and is wrapped.
 */
export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeOperationError | NodeApiError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	if (error instanceof InputError) {
		const { parameter } = error;
		const prefix = parameter && !error.message.startsWith(parameter) ? `${parameter}: ` : '';
		const nodeError = new NodeOperationError(node, `${prefix}${error.message} [item ${itemIndex}]`, {
			itemIndex,
			description: error.hint,
		});
		if (error.itemFields) nodeError.context.itemFields = error.itemFields;
		return nodeError;
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}

/**
 * The Continue On Fail item of a failed input item: the error's message, plus the fields the
 * failure put in its context for the workflow to use (`itemFields`: the parts of a series already
 * posted and the Start From Part that posts the rest).
 */
export function errorItemJson(error: NodeOperationError | NodeApiError): IDataObject {
	const fields = error.context.itemFields;
	return { error: error.message, ...(fields && typeof fields === 'object' ? (fields as IDataObject) : {}) };
}
