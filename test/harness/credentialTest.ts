import { ExecuteContext, RoutingNode } from 'n8n-core';
import type { ICredentialDataDecryptedObject, INode, INodeType, IRunExecutionData } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { credentialTypes } from './nodeTypes';
import { createAdditionalData } from './runWorkflow';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/**
 * Runs a credential type's declarative `test` the way n8n's CredentialsTester does (the editor's
 * "Test" button): the test request goes through n8n-core's RoutingNode with the credential's own
 * authentication, and failures are matched against the test's rules by HTTP status.
 */
export async function testCredentials(type: string, data: ICredentialDataDecryptedObject): Promise<CredentialTestResult> {
	const credentialType = credentialTypes[type];
	const test = credentialType?.test;
	if (!test) throw new Error(`Test harness: credential type ${type} has no test`);

	const nodeType: INodeType = {
		description: {
			displayName: 'Credential test',
			name: 'credentialTest',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: {},
			inputs: [],
			outputs: [],
			credentials: [{ name: type, required: true }],
			properties: [{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request: test.request }, default: '' }],
		},
	};
	const node: INode = {
		id: 'credential-test',
		name: 'Credential test',
		type: 'credentialTest',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [type]: { id: 'cred-1', name: 'Credential under test' } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: {
			getByName: () => nodeType,
			getByNameAndVersion: () => nodeType,
			getKnownTypes: () => ({}),
		},
	});
	const runExecutionData = { resultData: { runData: {} } } as unknown as IRunExecutionData;
	const context = new ExecuteContext(
		workflow,
		node,
		createAdditionalData({ [type]: data }),
		'internal',
		runExecutionData,
		0,
		[],
		{ main: [[{ json: {} }]] },
		{ node, data: {}, source: null },
		[],
	);
	try {
		await new RoutingNode(context, nodeType, { id: 'cred-1', name: 'Credential under test', type, data }).runNode();
	} catch (error) {
		const status: number | undefined = error.cause?.response?.status ?? (error.httpCode ? Number(error.httpCode) : undefined);
		const rule = test.rules?.find((candidate) => candidate.type === 'responseCode' && candidate.properties.value === status);
		if (rule && rule.type === 'responseCode') return { status: 'Error', message: rule.properties.message };
		if (status !== undefined) return { status: 'Error', message: `Received HTTP status code: ${status}` };
		return { status: 'Error', message: error.cause?.code ?? error.message };
	}
	return { status: 'OK', message: 'Connection successful!' };
}
