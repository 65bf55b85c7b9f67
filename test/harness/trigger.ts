import { HookContext, WebhookContext } from 'n8n-core';
import type { ICredentialDataDecryptedObject, INode, INodeParameters, IWebhookData, IWebhookResponseData } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ZApiTrigger } from '../../nodes/ZApi/ZApiTrigger.node';
import { CREDENTIAL_REF } from './workflows';
import { createAdditionalData, nodeTypes } from './runWorkflow';

/**
 * Runs the Z-API Trigger the way n8n's webhook server does, with n8n-core's own WebhookContext and
 * HookContext (the n8n app adds only HTTP routing around them): a real HTTP endpoint on loopback
 * that Z-API (the sandbox) calls, whose requests go to the node's webhook(), and the node's
 * registration methods (activation, deactivation) against Z-API.
 */
export interface TriggerEndpoint {
	url: string;
	/** What each call produced: the items that would start the workflow, or the answer without starting it. */
	results: IWebhookResponseData[];
	/** The workflows that would have started (one per accepted call), as their first item's JSON. */
	started(): Array<Record<string, unknown>>;
	close(): Promise<void>;
}

const TRIGGER_NODE = 'Z-API Trigger';

function triggerWorkflow(parameters: INodeParameters): { workflow: Workflow; node: INode } {
	const node: INode = {
		id: 'trigger',
		name: TRIGGER_NODE,
		type: 'n8n-nodes-zapi-status.zApiTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: CREDENTIAL_REF,
		webhookId: 'f3d7c5a2-zapi-trigger',
	};
	const workflow = new Workflow({ id: 'trigger-workflow', nodes: [node], connections: {}, active: true, nodeTypes, settings: { executionOrder: 'v1' } });
	return { workflow, node };
}

function webhookData(workflow: Workflow, node: INode): IWebhookData {
	return {
		httpMethod: 'POST',
		node: node.name,
		path: 'zapi',
		webhookDescription: new ZApiTrigger().description.webhooks![0],
		workflowId: workflow.id,
		workflowExecuteAdditionalData: undefined as never,
	} as IWebhookData;
}

export async function startTriggerEndpoint(
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject,
): Promise<TriggerEndpoint> {
	const { workflow, node } = triggerWorkflow(parameters);
	const trigger = new ZApiTrigger();
	const results: IWebhookResponseData[] = [];
	const server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', async () => {
			let body: unknown;
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			} catch {
				body = {};
			}
			const additionalData = createAdditionalData({ zApiApi: credentials });
			additionalData.httpRequest = { body, headers: request.headers, params: {}, query: {} } as never;
			const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData(workflow, node), [], null);
			try {
				const result = await trigger.webhook.call(context);
				results.push(result);
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify(result.webhookResponse ?? { message: 'Workflow was started' }));
			} catch (error) {
				results.push({ webhookResponse: { error: String(error) } });
				response.writeHead(500);
				response.end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/f3d7c5a2-zapi-trigger/zapi`,
		results,
		started: () => results.flatMap((result) => (result.workflowData ? [result.workflowData[0][0].json] : [])),
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

/** Activation (checkExists, then create when it says false) or deactivation (delete), as n8n runs them. */
export async function runRegistration(
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject,
	action: 'activate' | 'deactivate',
	staticData: Record<string, unknown> = {},
): Promise<{ webhookUrl: string | undefined; staticData: Record<string, unknown> }> {
	const { workflow, node } = triggerWorkflow(parameters);
	workflow.staticData = { [`node:${node.name}`]: staticData } as never;
	const context = new HookContext(workflow, node, createAdditionalData({ zApiApi: credentials }), 'trigger', action === 'activate' ? 'activate' : 'manual', webhookData(workflow, node));
	const methods = new ZApiTrigger().webhookMethods.default;
	if (action === 'activate') {
		if (!(await methods.checkExists.call(context))) await methods.create.call(context);
	} else {
		await methods.delete.call(context);
	}
	return { webhookUrl: context.getNodeWebhookUrl('default'), staticData: workflow.staticData[`node:${node.name}`] as Record<string, unknown> };
}
