import type { INode, INodeParameters } from 'n8n-workflow';

import { PACKAGE_NODE_TYPE } from './nodeTypes';
import type { WorkflowJson } from './runWorkflow';
import type { TestItemSpec } from './testNodes';

export const ZAPI_NODE = 'Z-API';
export const CREDENTIAL_REF = { zApiApi: { id: 'cred-1', name: 'Z-API account' } };

export interface ZApiWorkflowOptions {
	/** Items fed to the Z-API node (default: one empty item). */
	items?: TestItemSpec[];
	continueOnFail?: boolean;
}

/** Manual Trigger -> Test Items -> Z-API, with the given parameters on the Z-API node. */
export function zApiWorkflow(parameters: INodeParameters, options: ZApiWorkflowOptions = {}): WorkflowJson {
	const nodes: INode[] = [
		{
			id: 'trigger',
			name: 'When clicking Execute workflow',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'items',
			name: 'Items',
			type: 'test.testItems',
			typeVersion: 1,
			position: [200, 0],
			parameters: { items: JSON.stringify(options.items ?? [{}]) },
		},
		{
			id: 'zapi',
			name: ZAPI_NODE,
			type: PACKAGE_NODE_TYPE,
			typeVersion: 1,
			position: [400, 0],
			parameters: { resource: 'status', operation: 'sendVideoStatus', ...parameters },
			credentials: CREDENTIAL_REF,
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		},
	];
	return {
		nodes,
		connections: {
			'When clicking Execute workflow': { main: [[{ node: 'Items', type: 'main', index: 0 }]] },
			Items: { main: [[{ node: ZAPI_NODE, type: 'main', index: 0 }]] },
		},
	};
}
