import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { toNodeError } from './errors';
import { statusOperations } from './status/Status.resource';
import type { ZApiOperation } from './types';

const operationsByResource: Record<string, Record<string, ZApiOperation>> = {
	status: statusOperations,
};

/**
 * Runs the chosen operation once per input item, in order. Every input item yields output items
 * paired to it: the operation's result (one item; one per posted part for a video sent in parts),
 * or with Continue On Fail one error item.
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
				throw new NodeOperationError(this.getNode(), `The operation "${operationName}" of "${resource}" is not supported [item ${itemIndex}]`, {
					itemIndex,
				});
			}
			const result = await operation.execute.call(this, itemIndex);
			for (const json of Array.isArray(result) ? result : [result]) output.push({ json, pairedItem: { item: itemIndex } });
		} catch (error) {
			if (this.continueOnFail()) {
				output.push({ json: { error: toNodeError(this.getNode(), error, itemIndex).message }, pairedItem: { item: itemIndex } });
				continue;
			}
			throw toNodeError(this.getNode(), error, itemIndex);
		}
	}

	return [output];
}
