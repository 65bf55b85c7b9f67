import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { InputError } from '../InputError';

/**
 * A failure of the trigger's own work (a webhook Z-API would refuse, could not set or could not
 * clear), with advice. Whoever throws it knows the secrets involved and leaves them out of its text.
 */
export class TriggerProblem extends Error {
	constructor(
		message: string,
		/** What the user can do about it: the error's description in n8n. */
		readonly hint: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}

/**
 * The trigger's one error boundary: whatever fails in activation, deactivation or a callback becomes
 * the NodeOperationError n8n shows here, with its advice as the description and no item index (a
 * trigger has no items). Texts reaching it are already free of secrets: the transport scrubs Z-API's
 * answers, credential problems never quote a value, and TriggerProblems are written without them.
 */
export function triggerError(node: INode, error: unknown): NodeOperationError {
	if (error instanceof TriggerProblem || error instanceof InputError) {
		return new NodeOperationError(node, error.message, { description: error.hint || undefined });
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		return new NodeOperationError(node, error.message, { description: error.description ?? undefined });
	}
	return new NodeOperationError(node, error instanceof Error ? error.message : String(error));
}
