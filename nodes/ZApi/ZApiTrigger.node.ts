import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { readZApiCredentials } from './transport/credentials';
import { CREDENTIAL_TYPE, zApiRequest } from './transport/zApiRequest';
import { classifyCallback, matchesFilters } from './trigger/callbacks';
import type { TriggerEvent, TriggerFilters } from './trigger/callbacks';

/** Which Z-API webhook carries which event. */
const WEBHOOK_OF_EVENT: Record<TriggerEvent, 'delivery' | 'received'> = {
	deliveryResult: 'delivery',
	statusReply: 'received',
	message: 'received',
};

const REGISTRATION_TIMEOUT_MS = 30_000;

export class ZApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Z-API Trigger',
		name: 'zApiTrigger',
		icon: { light: 'file:zapi.svg', dark: 'file:zapi.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"].join(", ") }}',
		description: 'Starts the workflow when Z-API reports whether a status was published, or someone replies to one',
		defaults: { name: 'Z-API Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'zApiApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'zapi' }],
		properties: [
			{
				displayName:
					'Z-API keeps one webhook URL per instance for deliveries and one for received messages. Paste this node\'s Production URL into the Z-API panel (Webhooks: "On send" for delivery results, "On receive" for replies), or let the node register it below.',
				name: 'webhookNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: [
					{
						name: 'Delivery Result',
						value: 'deliveryResult',
						description: 'Z-API reports whether a status (or message) it queued was published, with the error when it was not',
					},
					{
						name: 'Reply to a Status',
						value: 'statusReply',
						description: 'Someone replied to one of the instance\'s statuses (received messages with isStatusReply)',
					},
					{
						name: 'Any Received Message',
						value: 'message',
						description: 'Every other message the instance receives',
					},
				],
				default: ['deliveryResult', 'statusReply'],
			},
			{
				displayName: 'Webhook Registration',
				name: 'registration',
				type: 'options',
				options: [
					{
						name: 'I Paste the URL Into Z-API',
						value: 'manual',
						description: 'Nothing is changed in Z-API; copy the Production URL into the Z-API panel yourself',
					},
					{
						name: 'Register It Through Z-API on Activation',
						value: 'automatic',
						description: "The node sets the instance's webhook URL(s) when the workflow is activated and clears them when it is deactivated",
					},
				],
				default: 'manual',
			},
			{
				displayName:
					'Registering replaces the webhook URL(s) this instance has in Z-API ("On send" for Delivery Result, "On receive" for replies and messages): anything else receiving them stops receiving them. On deactivation the node clears them; if that fails, the workflow cannot be deactivated cleanly and the error says which URL to remove in the Z-API panel.',
				name: 'registrationNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { registration: ['automatic'] } },
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add filter',
				default: {},
				options: [
					{
						displayName: 'Message ID',
						name: 'messageId',
						type: 'string',
						default: '',
						description: 'Only events about this WhatsApp message ID (the messageId Z-API returned when the status was sent)',
					},
					{
						displayName: 'Only Failed Deliveries',
						name: 'onlyFailures',
						type: 'boolean',
						default: false,
						description: 'Whether to start the workflow only for delivery results that report an error',
					},
					{
						displayName: 'Zaap ID',
						name: 'zaapId',
						type: 'string',
						default: '',
						description: 'Only events about this Z-API message ID (the zaapId Z-API returned when the status was sent)',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				// Z-API cannot be asked which URL it holds; registration is idempotent, so it is always (re)done.
				return this.getNodeParameter('registration') !== 'automatic';
			},
			async create(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('registration') !== 'automatic') return true;
				const url = this.getNodeWebhookUrl('default');
				if (!url) throw new NodeOperationError(this.getNode(), 'n8n did not give this trigger a webhook URL');
				const kinds = webhookKinds(this.getNodeParameter('events') as TriggerEvent[]);
				for (const kind of kinds) await setZApiWebhook.call(this, kind, url);
				this.getWorkflowStaticData('node').registered = kinds;
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const staticData = this.getWorkflowStaticData('node');
				const registered = (staticData.registered as Array<'delivery' | 'received'> | undefined) ?? [];
				// A failure here propagates: n8n then reports that the webhook could not be removed, instead of
				// leaving Z-API calling a URL that no longer answers without anyone knowing.
				for (const kind of registered) await setZApiWebhook.call(this, kind, '');
				delete staticData.registered;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const body = this.getBodyData();
		const credentials = readZApiCredentials(await this.getCredentials(CREDENTIAL_TYPE));
		const event = classifyCallback(body, credentials.instanceId);
		const events = this.getNodeParameter('events') as TriggerEvent[];
		const filters = this.getNodeParameter('filters', {}) as TriggerFilters;
		// Calls that are not for this instance, not understood, or filtered out are answered (so Z-API
		// does not retry them) without starting the workflow.
		if (!event.accepted) return { webhookResponse: { received: true, ignored: event.reason } };
		if (!events.includes(event.item.event as TriggerEvent)) return { webhookResponse: { received: true, ignored: 'event not selected' } };
		if (!matchesFilters(event.item, filters)) return { webhookResponse: { received: true, ignored: 'filtered out' } };
		return { workflowData: [[{ json: event.item }]] };
	}
}

function webhookKinds(events: TriggerEvent[]): Array<'delivery' | 'received'> {
	return [...new Set(events.map((event) => WEBHOOK_OF_EVENT[event]))];
}

async function setZApiWebhook(this: IHookFunctions, kind: 'delivery' | 'received', url: string): Promise<void> {
	// The transport's error handling (actionable, scrubbed messages) is shared with the action node.
	await zApiRequest.call(this, 0, {
		method: 'PUT',
		endpoint: `update-webhook-${kind}`,
		body: { value: url } as IDataObject,
		timeout: REGISTRATION_TIMEOUT_MS,
	});
}
