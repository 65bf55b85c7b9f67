import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { InputError } from '../InputError';
import { errorItemJson, toNodeError } from './errors';
import { statusOperations } from './status/Status.resource';
import type { ZApiOperation } from './types';

const operationsByResource: Record<string, Record<string, ZApiOperation>> = {
	status: statusOperations,
};

/**
 * Runs the chosen operation once per input item, in order. Every input item yields output items
 * paired to it: the operation's result (one item; one per posted part for a video sent in parts),
 * or with Continue On Fail one error item. This is where an item's failure becomes the error n8n
 * shows (see errors.ts): operations and the code they call throw InputError (or MediaError,
 * CredentialProblem) naming the parameter, and let n8n's own errors pass.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];

	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const resource = this.getNodeParameter('resource', itemIndex) as string;
			const operationName = this.getNodeParameter('operation', itemIndex) as string;
			const operation = operationsByResource[resource]?.[operationName];
			if (!operation) {
				throw new InputError(
					`The operation "${operationName}" of "${resource}" is not supported`,
					'Pick one of the operations the node lists; this workflow may come from a newer version of the node.',
				);
			}
			const result = await operation.execute.call(this, itemIndex);
			for (const json of Array.isArray(result) ? result : [result]) output.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			output.push({ json: errorItemJson(nodeError), pairedItem: { item: itemIndex } });
		}
	}

	return [output];
}
