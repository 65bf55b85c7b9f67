import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { InputError } from '../InputError';
import { CredentialProblem } from '../transport/credentials';

/**
 * The one place where failures become the errors n8n shows: problems with the item's media or
 * the credential become input errors naming the item (and the parameter, when known); n8n's own
 * errors pass unchanged so their HTTP details stay; anything else is wrapped.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
	parameterLabel?: string,
): NodeOperationError | NodeApiError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		error.context.itemIndex ??= itemIndex;
		return error;
	}
	if (error instanceof InputError) {
		// Credential problems name the credential field already; the parameter label would mislead.
		const prefix = parameterLabel && !(error instanceof CredentialProblem) ? `${parameterLabel}: ` : '';
		return new NodeOperationError(node, `${prefix}${error.message} [item ${itemIndex}]`, {
			itemIndex,
			description: error.hint,
		});
	}
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
