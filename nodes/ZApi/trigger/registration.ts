import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { randomString } from 'n8n-workflow';

import { readZApiCredentials, secretsOf } from '../transport/credentials';
import type { ZApiFailure } from '../transport/zApiRequest';
import { CREDENTIAL_TYPE, zApiRequest } from '../transport/zApiRequest';
import type { TriggerEvent } from './callbacks';
import { scrubSecrets } from '../transport/scrub';
import { TriggerProblem } from './errors';

/**
 * Z-API keeps one URL per instance for each webhook kind (docs: webhooks/webhooksConf/*,
 * webhooks/on-message-send, on-message-received, on-whatsapp-message-status-changes).
 */
export type WebhookKind = 'delivery' | 'received' | 'message-status';

const KIND_OF_EVENT: Record<TriggerEvent, WebhookKind> = {
	deliveryResult: 'delivery',
	statusReply: 'received',
	message: 'received',
	contactStatus: 'received',
	statusViewed: 'message-status',
};

/** How the Z-API panel names each webhook, for messages that tell the user where to look. */
export const KIND_LABEL: Record<WebhookKind, string> = {
	delivery: '"On send" (delivery)',
	received: '"On receive" (received messages)',
	'message-status': '"Message status"',
};

const REGISTRATION_TIMEOUT_MS = 30_000;

const UNKNOWN_OUTCOME_ADVICE =
	'Z-API may or may not have changed the webhook URL. Check Webhooks in the Z-API panel, then activate (or deactivate) the workflow again.';

/** Exactly the webhook kinds the selected events need, in a stable order. */
export function webhookKinds(events: TriggerEvent[]): WebhookKind[] {
	const needed = new Set(events.map((event) => KIND_OF_EVENT[event]).filter(Boolean));
	return (['delivery', 'received', 'message-status'] as const).filter((kind) => needed.has(kind));
}

function endpointOf(kind: WebhookKind, includeOwnMessages: boolean): string {
	// update-webhook-received-delivery sets the same URL with "notify sent by me" on (docs:
	// webhooks/on-message-received-notify-fromme); clearing always goes through update-webhook-received.
	if (kind === 'received' && includeOwnMessages) return 'update-webhook-received-delivery';
	return `update-webhook-${kind}`;
}

/** The webhook URL with its secret: the only form Z-API is given. */
export function withSecret(url: string, secret: string): string {
	const parsed = new URL(url);
	parsed.searchParams.set('secret', secret);
	return parsed.toString();
}

/** A new secret: 32 characters from n8n's crypto-backed randomString (about 190 bits). */
export function newWebhookSecret(): string {
	return randomString(32);
}

/** Compares without stopping at the first difference, so timing tells nothing about the secret. */
export function secretMatches(presented: unknown, expected: string): boolean {
	if (typeof presented !== 'string' || presented.length !== expected.length) return false;
	let difference = 0;
	for (let index = 0; index < expected.length; index++) difference |= presented.charCodeAt(index) ^ expected.charCodeAt(index);
	return difference === 0;
}

/** Z-API itself, as opposed to a Z-API-compatible server of the user's own (which may take http). */
export function isZApiItself(baseUrl: string): boolean {
	const host = new URL(baseUrl).hostname.toLowerCase();
	return host === 'z-api.io' || host.endsWith('.z-api.io');
}

/** Z-API accepts only HTTPS webhook URLs (a caution on every webhook page of its docs). */
export function checkWebhookUrlAccepted(baseUrl: string, webhookUrl: string): void {
	if (!isZApiItself(baseUrl) || new URL(webhookUrl).protocol === 'https:') return;
	throw new TriggerProblem(
		`Z-API accepts only HTTPS webhook URLs, and n8n's URL for this trigger is ${webhookUrl}`,
		"Set n8n's public HTTPS address in the WEBHOOK_URL environment variable (for example https://n8n.example.com/), restart n8n and activate the workflow again. Nothing was changed in Z-API.",
	);
}

/** Z-API answers {"value": true} when it took the URL; a 200 with anything else is a failure. */
function requireValueTrue(body: IDataObject): ZApiFailure | undefined {
	if (body.value === true) return undefined;
	return {
		message: `Z-API did not confirm the webhook URL (it answered ${JSON.stringify(body)} instead of {"value": true})`,
		description: 'Check in the Z-API panel (Webhooks) which URL the instance has, then activate the workflow again.',
		outcome: 'unknown',
	};
}

/** Sets (or, with '', clears) one webhook; what went wrong comes back as a problem, or nothing. */
async function putWebhook(this: IHookFunctions, endpoint: string, value: string, secrets: string[], prefix: string): Promise<TriggerProblem | undefined> {
	try {
		await zApiRequest.call(this, undefined, {
			method: 'PUT',
			endpoint,
			body: { value },
			timeout: REGISTRATION_TIMEOUT_MS,
			validate: requireValueTrue,
		});
		return undefined;
	} catch (error) {
		return webhookProblem(error, secrets, prefix);
	}
}

/**
 * What a failed webhook update tells the user, without the secrets (Z-API may echo the URL, and so
 * the webhook secret). The transport's advice for failures Z-API may have acted on speaks of posted
 * statuses; here it is about the webhook URL.
 */
function webhookProblem(error: unknown, secrets: string[], prefix: string): TriggerProblem {
	const failure = error as { message?: string; description?: string | null; context?: { outcome?: unknown } };
	const advice = failure.context?.outcome === 'unknown' ? UNKNOWN_OUTCOME_ADVICE : (failure.description ?? '');
	return new TriggerProblem(scrubSecrets(`${prefix}${failure.message ?? String(error)}`, secrets), scrubSecrets(advice, secrets));
}

async function credentialSecrets(this: IHookFunctions): Promise<{ baseUrl: string; secrets: string[] }> {
	const credentials = readZApiCredentials(await this.getCredentials(CREDENTIAL_TYPE));
	return { baseUrl: credentials.baseUrl, secrets: secretsOf(credentials) };
}

/**
 * Activation: refuses a URL Z-API would not take before any request, makes a new secret, sets every
 * needed webhook kind to n8n's URL with that secret, and keeps both in the workflow's static data.
 * When one kind fails, the kinds already set are cleared again (best effort) and the error says
 * which kind failed.
 */
export async function registerWebhooks(this: IHookFunctions, url: string | undefined, kinds: WebhookKind[], includeOwnMessages: boolean): Promise<void> {
	if (!url) throw new TriggerProblem('n8n did not give this trigger a webhook URL', 'Save the workflow and activate it again.');
	const { baseUrl, secrets } = await credentialSecrets.call(this);
	checkWebhookUrlAccepted(baseUrl, url);
	const staticData = this.getWorkflowStaticData('node');
	const secret = newWebhookSecret();
	const hidden = [...secrets, secret];
	const registered: WebhookKind[] = [];
	staticData.webhookSecret = secret;
	staticData.registered = registered;
	for (const kind of kinds) {
		const problem = await putWebhook.call(this, endpointOf(kind, includeOwnMessages), withSecret(url, secret), hidden, `Could not set the ${KIND_LABEL[kind]} webhook in Z-API: `);
		if (problem) {
			await clearWebhooks.call(this, registered).catch(() => undefined);
			delete staticData.webhookSecret;
			throw problem;
		}
		registered.push(kind);
	}
}

/**
 * Deactivation: clears every kind this trigger set. Kinds that could not be cleared stay listed in
 * the static data, and the error names them, so the user knows which URL Z-API still calls.
 */
export async function clearWebhooks(this: IHookFunctions, kinds: WebhookKind[]): Promise<void> {
	const staticData = this.getWorkflowStaticData('node');
	if (kinds.length === 0) {
		// Nothing was registered (manual registration): nothing to clear, and no credential needed.
		delete staticData.webhookSecret;
		delete staticData.registered;
		return;
	}
	const hidden = [...(await credentialSecrets.call(this)).secrets];
	if (typeof staticData.webhookSecret === 'string') hidden.push(staticData.webhookSecret);
	const stillSet: WebhookKind[] = [];
	let firstFailure: TriggerProblem | undefined;
	for (const kind of kinds) {
		const problem = await putWebhook.call(this, endpointOf(kind, false), '', hidden, '');
		if (!problem) continue;
		stillSet.push(kind);
		firstFailure ??= problem;
	}
	delete staticData.webhookSecret;
	if (stillSet.length === 0) {
		delete staticData.registered;
		return;
	}
	staticData.registered = stillSet;
	const labels = stillSet.map((kind) => KIND_LABEL[kind]).join(' and ');
	throw new TriggerProblem(
		`Z-API still has this trigger's URL as its ${labels} webhook: ${firstFailure?.message ?? 'clearing it failed'}`,
		`Remove the URL in the Z-API panel (Webhooks: ${labels}), or fix the problem and deactivate again. ${firstFailure?.hint ?? ''}`.trim(),
	);
}

