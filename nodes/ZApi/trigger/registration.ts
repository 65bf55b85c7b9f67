import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { randomString } from 'n8n-workflow';

import { readZApiCredentials, secretsOf } from '../transport/credentials';
import type { ZApiFailure } from '../transport/zApiRequest';
import { CREDENTIAL_TYPE, requireValueTrue, zApiRequest } from '../transport/zApiRequest';
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
	'Z-API may or may not have made the change. Check Webhooks in the Z-API panel, then activate (or deactivate) the workflow again.';

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

const WEBHOOK_CONFIRMED = requireValueTrue(
	'the webhook URL',
	'Check in the Z-API panel (Webhooks) which URL the instance has, then activate the workflow again.',
);
const NOTIFY_CONFIRMED = requireValueTrue('"notify sent by me"', 'Check "Notify sent by me" in the Z-API panel (Webhooks).');

/** Sets (or, with '', clears) one webhook; what went wrong comes back as a problem, or nothing. */
async function putWebhook(this: IHookFunctions, endpoint: string, value: string, secrets: string[], prefix: string): Promise<TriggerProblem | undefined> {
	return await putSetting.call(this, endpoint, { value }, WEBHOOK_CONFIRMED, secrets, prefix);
}

/** One PUT of an instance setting that Z-API confirms with {"value": true}. */
async function putSetting(
	this: IHookFunctions,
	endpoint: string,
	body: IDataObject,
	validate: (answer: IDataObject) => ZApiFailure | undefined,
	secrets: string[],
	prefix: string,
): Promise<TriggerProblem | undefined> {
	try {
		await zApiRequest.call(this, undefined, {
			method: 'PUT',
			endpoint,
			body,
			timeout: REGISTRATION_TIMEOUT_MS,
			validate,
		});
		return undefined;
	} catch (error) {
		return webhookProblem(error, secrets, prefix);
	}
}

/**
 * Whether "notify sent by me" is on now: GET me answers receiveCallbackSentByMe (Z-API docs:
 * instance/me). Undefined when Z-API does not say (a failed call, a compatible server without the
 * field): the caller then assumes it was off, Z-API's setting for an instance nobody changed.
 */
async function readNotifySentByMe(this: IHookFunctions): Promise<boolean | undefined> {
	try {
		const me = await zApiRequest.call(this, undefined, { method: 'GET', endpoint: 'me', timeout: REGISTRATION_TIMEOUT_MS });
		return typeof me.receiveCallbackSentByMe === 'boolean' ? me.receiveCallbackSentByMe : undefined;
	} catch {
		return undefined;
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

/** The static data's record that this trigger turned "notify sent by me" on, so deactivation turns it off. */
const NOTIFY_TURNED_ON = 'turnedOnNotifySentByMe';

/**
 * Activation: refuses a URL Z-API would not take before any request, makes a new secret, sets every
 * needed webhook kind to n8n's URL with that secret, and keeps both in the workflow's static data.
 * With Include My Own Messages the received webhook goes through update-webhook-received-delivery,
 * which also turns "notify sent by me" on; when it was off before (GET me), the static data says
 * this trigger turned it on. When one kind fails, what was already done is undone (best effort)
 * and the error says which kind failed.
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
		const turnsNotifyOn = kind === 'received' && includeOwnMessages;
		// Read before the change; a flag kept from an activation never undone (n8n re-activating after
		// a restart) stays: the "on" seen now is this trigger's own doing.
		const wasOn = turnsNotifyOn && staticData[NOTIFY_TURNED_ON] !== true ? await readNotifySentByMe.call(this) : undefined;
		const problem = await putWebhook.call(this, endpointOf(kind, includeOwnMessages), withSecret(url, secret), hidden, `Could not set the ${KIND_LABEL[kind]} webhook in Z-API: `);
		// A failed update may still have turned it on (an unknown outcome): undo it as well.
		if (turnsNotifyOn && wasOn !== true) staticData[NOTIFY_TURNED_ON] = true;
		if (problem) {
			await clearWebhooks.call(this, registered).catch(() => undefined);
			delete staticData.webhookSecret;
			throw problem;
		}
		registered.push(kind);
	}
}

/**
 * Deactivation: clears every kind this trigger set and turns "notify sent by me" off again when this
 * trigger turned it on (PUT update-notify-sent-by-me, Z-API docs: webhooks/update-notify-sent-by-me).
 * What could not be undone stays in the static data (for the next deactivation) and the error names
 * it, so the user knows what Z-API still does.
 */
export async function clearWebhooks(this: IHookFunctions, kinds: WebhookKind[]): Promise<void> {
	const staticData = this.getWorkflowStaticData('node');
	const turnOffNotify = staticData[NOTIFY_TURNED_ON] === true;
	if (kinds.length === 0 && !turnOffNotify) {
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
	let notifyStillOn = false;
	if (turnOffNotify) {
		const problem = await putSetting.call(this, 'update-notify-sent-by-me', { notifySentByMe: false }, NOTIFY_CONFIRMED, hidden, '');
		if (problem) {
			notifyStillOn = true;
			firstFailure ??= problem;
		} else delete staticData[NOTIFY_TURNED_ON];
	}
	delete staticData.webhookSecret;
	if (stillSet.length === 0) delete staticData.registered;
	else staticData.registered = stillSet;
	if (stillSet.length === 0 && !notifyStillOn) return;
	throw undoProblem(stillSet, notifyStillOn, firstFailure);
}

/** What deactivation could not undo, and where in the Z-API panel to undo it by hand. */
function undoProblem(stillSet: WebhookKind[], notifyStillOn: boolean, failure: TriggerProblem | undefined): TriggerProblem {
	const labels = stillSet.map((kind) => KIND_LABEL[kind]).join(' and ');
	const left = [
		...(stillSet.length > 0 ? [`this trigger's URL as its ${labels} webhook`] : []),
		...(notifyStillOn ? ['"notify sent by me" on, which this trigger turned on'] : []),
	].join(', and ');
	const fixes = [
		...(stillSet.length > 0 ? [`remove the URL in the Z-API panel (Webhooks: ${labels})`] : []),
		...(notifyStillOn ? ['turn off "Notify sent by me" in the Z-API panel (Webhooks)'] : []),
	].join(' and ');
	return new TriggerProblem(
		`Z-API still has ${left}: ${failure?.message ?? 'undoing it failed'}`,
		`${fixes.charAt(0).toUpperCase()}${fixes.slice(1)}, or fix the problem and deactivate again. ${failure?.hint ?? ''}`.trim(),
	);
}
