import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { readZApiCredentials } from './transport/credentials';
import { CREDENTIAL_TYPE } from './transport/zApiRequest';
import { classifyCallback, matchesFilters } from './trigger/callbacks';
import type { TriggerEvent, TriggerFilters } from './trigger/callbacks';
import { triggerError } from './trigger/errors';
import type { WebhookKind } from './trigger/registration';
import { clearWebhooks, registerWebhooks, secretMatches, webhookKinds } from './trigger/registration';

export class ZApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Z-API Trigger',
		name: 'zApiTrigger',
		icon: { light: 'file:zapi.svg', dark: 'file:zapi.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["events"].join(", ") }}',
		description: "Starts the workflow when Z-API reports a status delivery, a contact's new status, a reply to or a view of your status, or a message",
		defaults: { name: 'Z-API Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'zApiApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'zapi' }],
		properties: [
			{
				displayName:
					'Z-API keeps one webhook URL per instance for each kind: "On send" (Delivery Result), "On receive" (replies, contacts\' statuses, messages) and "Message status" (views of your status). Let the node register its URL below: it adds a secret to it and refuses calls without that secret. A URL pasted into the Z-API panel by hand has no secret, so anyone who learns it can start this workflow.',
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
						name: 'A Contact Posted a Status',
						value: 'contactStatus',
						description:
							'A contact posted to their WhatsApp Status. The item has the author and the status ID (author, statusMessageId) that the Reply With Text, GIF or Sticker operations take.',
					},
					{
						name: 'Any Received Message',
						value: 'message',
						description:
							'Every other message the instance receives, and notifications such as a deleted message or status (their "notification" field says which, e.g. REVOKE)',
					},
					{
						name: 'Delivery Result',
						value: 'deliveryResult',
						description: 'Z-API reports whether a status (or message) it queued was published, with the error when it was not',
					},
					{
						name: 'My Status Was Viewed',
						value: 'statusViewed',
						description: 'Someone saw (or played) one of your statuses: viewer, status ID, read or played, and when',
					},
					{
						name: 'Reply to My Status',
						value: 'statusReply',
						description:
							'Someone replied to one of your statuses. The item has who replied and the ID of their reply (from, replyMessageId) that Answer a Reply to My Status takes, and which status they answered (myStatusMessageId).',
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
						description: 'Nothing is changed in Z-API; copy the Production URL into the Z-API panel yourself. The URL has no secret.',
					},
					{
						name: 'Register It Through Z-API on Activation',
						value: 'automatic',
						description:
							"The node sets the instance's webhook URL(s), with a secret only Z-API learns, when the workflow is activated and clears them when it is deactivated",
					},
				],
				default: 'manual',
			},
			{
				displayName:
					'Registering replaces the webhook URL(s) this instance has in Z-API for the selected events ("On send", "On receive", "Message status"): anything else receiving them stops receiving them. Z-API takes only HTTPS URLs, so n8n needs a public HTTPS address (WEBHOOK_URL). On deactivation the node clears them (and turns "notify sent by me" off again if it turned it on); if that fails, the error says what to undo in the Z-API panel.',
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
						description:
							'Only events about this WhatsApp message ID: the messageId Z-API returned when the status was sent, which deliveries, replies to it and views of it carry',
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
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Include My Own Messages',
						name: 'includeOwnMessages',
						type: 'boolean',
						default: false,
						description:
							"Whether messages the instance sent itself (fromMe) start the workflow, as Any Received Message. Off, a workflow that answers cannot start itself again. On, registration also turns on Z-API's \"notify sent by me\", and deactivation turns it off again if it was off before.",
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
				try {
					const url = this.getNodeWebhookUrl('default');
					const kinds = webhookKinds(this.getNodeParameter('events') as TriggerEvent[]);
					const options = this.getNodeParameter('options', {}) as { includeOwnMessages?: boolean };
					await registerWebhooks.call(this, url, kinds, options.includeOwnMessages === true);
				} catch (error) {
					throw triggerError(this.getNode(), error);
				}
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const registered = (this.getWorkflowStaticData('node').registered as WebhookKind[] | undefined) ?? [];
				// A failure propagates: n8n then reports that the webhook could not be removed, instead of
				// leaving Z-API calling a URL that no longer answers without anyone knowing.
				try {
					await clearWebhooks.call(this, registered);
				} catch (error) {
					throw triggerError(this.getNode(), error);
				}
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		// Z-API does not sign callbacks and an instance ID is no secret: when the node registered the
		// URL, only calls that carry the secret it added are Z-API's.
		if (this.getNodeParameter('registration') === 'automatic') {
			const secret = this.getWorkflowStaticData('node').webhookSecret;
			if (typeof secret !== 'string' || !secretMatches((this.getQueryData() as IDataObject).secret, secret)) return refuse(this);
		}
		let instanceId: string;
		try {
			instanceId = readZApiCredentials(await this.getCredentials(CREDENTIAL_TYPE)).instanceId;
		} catch (error) {
			throw triggerError(this.getNode(), error);
		}
		const body = this.getBodyData();
		const events = this.getNodeParameter('events') as TriggerEvent[];
		const filters = this.getNodeParameter('filters', {}) as TriggerFilters;
		const options = this.getNodeParameter('options', {}) as { includeOwnMessages?: boolean };
		const event = classifyCallback(body, instanceId, { includeOwnMessages: options.includeOwnMessages === true });
		// Calls that are not for this instance, not understood, or filtered out are answered (so Z-API
		// does not retry them) without starting the workflow.
		if (!event.accepted) return { webhookResponse: { received: true, ignored: event.reason } };
		if (!events.includes(event.item.event as TriggerEvent)) return { webhookResponse: { received: true, ignored: 'event not selected' } };
		if (!matchesFilters(event.item, filters)) return { webhookResponse: { received: true, ignored: 'filtered out' } };
		return { workflowData: [[{ json: event.item as IDataObject }]] };
	}
}

/** 403 without starting the workflow; the answer names no secret and tells a caller nothing useful. */
function refuse(context: IWebhookFunctions): IWebhookResponseData {
	const response = context.getResponseObject();
	response.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8' });
	response.end(JSON.stringify({ error: 'This webhook only accepts calls from Z-API' }));
	return { noWebhookResponse: true };
}
