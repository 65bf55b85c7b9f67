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

export interface TriggerEndpointOptions {
	/** The node's static data, shared by registration and webhook calls (n8n keeps it with the workflow). */
	staticData?: Record<string, unknown>;
}

export interface RegisteringTriggerEndpoint extends TriggerEndpoint {
	staticData: Record<string, unknown>;
	/** n8n's activation of the workflow, with this endpoint as n8n's webhook address. */
	activate(): Promise<{ webhookUrl: string | undefined }>;
	deactivate(): Promise<void>;
}

export async function startTriggerEndpoint(
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject,
	options: TriggerEndpointOptions = {},
): Promise<RegisteringTriggerEndpoint> {
	const { workflow, node } = triggerWorkflow(parameters);
	const staticData = options.staticData ?? {};
	workflow.staticData = { [`node:${node.name}`]: staticData } as never;
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
			const query = Object.fromEntries(new URL(request.url ?? '/', 'http://127.0.0.1').searchParams);
			const additionalData = createAdditionalData({ zApiApi: credentials });
			additionalData.httpRequest = { body, headers: request.headers, params: {}, query } as never;
			// n8n hands the node its Express response; a Node ServerResponse has the methods the node uses.
			additionalData.httpResponse = response as never;
			const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData(workflow, node), [], null);
			try {
				const result = await trigger.webhook.call(context);
				results.push(result);
				if (result.noWebhookResponse) return;
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify(result.webhookResponse ?? { message: 'Workflow was started' }));
			} catch (error) {
				results.push({ webhookResponse: { error: String(error) } });
				if (!response.headersSent) response.writeHead(500);
				response.end();
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const webhookBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
	return {
		url: `${webhookBaseUrl}/f3d7c5a2-zapi-trigger/zapi`,
		results,
		staticData,
		started: () => results.flatMap((result) => (result.workflowData ? [result.workflowData[0][0].json] : [])),
		activate: async () => ({ webhookUrl: (await runRegistration(parameters, credentials, 'activate', staticData, { webhookBaseUrl })).webhookUrl }),
		deactivate: async () => {
			await runRegistration(parameters, credentials, 'deactivate', staticData, { webhookBaseUrl });
		},
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

/**
 * Activation (checkExists, then create when it says false) or deactivation (delete), as n8n runs
 * them. The static data object is the one given, changed in place, as n8n keeps it with the workflow.
 */
export async function runRegistration(
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject,
	action: 'activate' | 'deactivate',
	staticData: Record<string, unknown> = {},
	options: { webhookBaseUrl?: string } = {},
): Promise<{ webhookUrl: string | undefined; staticData: Record<string, unknown> }> {
	const { workflow, node } = triggerWorkflow(parameters);
	workflow.staticData = { [`node:${node.name}`]: staticData } as never;
	const additionalData = createAdditionalData({ zApiApi: credentials });
	if (options.webhookBaseUrl) additionalData.webhookBaseUrl = options.webhookBaseUrl;
	const context = new HookContext(workflow, node, additionalData, 'trigger', action === 'activate' ? 'activate' : 'manual', webhookData(workflow, node));
	const methods = new ZApiTrigger().webhookMethods.default;
	if (action === 'activate') {
		if (!(await methods.checkExists.call(context))) await methods.create.call(context);
	} else {
		await methods.delete.call(context);
	}
	return { webhookUrl: context.getNodeWebhookUrl('default'), staticData: workflow.staticData[`node:${node.name}`] as Record<string, unknown> };
}
