import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { InputError } from '../InputError';
import { scrubSecrets } from '../transport/scrub';

/**
 * The trigger's one error boundary (activation, deactivation, callbacks): every failure becomes a
 * NodeOperationError with its advice as the description, no item index (a trigger has no items),
 * and none of the given secrets (the webhook secret, the tokens) in any text.
 */
export function triggerError(node: INode, error: unknown, secrets: readonly string[], prefix = '', unknownOutcomeAdvice?: string): NodeOperationError {
	const clean = (value: string) => scrubSecrets(value, secrets);
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		// The transport's advice for failures Z-API may have acted on speaks of posted statuses.
		const advice = unknownOutcomeAdvice && error.context.outcome === 'unknown' ? unknownOutcomeAdvice : error.description;
		return new NodeOperationError(node, clean(`${prefix}${error.message}`), { description: clean(advice ?? '') || undefined });
	}
	if (error instanceof InputError) {
		return new NodeOperationError(node, clean(`${prefix}${error.message}`), { description: clean(error.hint) });
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, clean(`${prefix}${message}`));
}
