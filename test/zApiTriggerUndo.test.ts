/**
 * Deactivation puts back what activation changed, through n8n-core's HookContext against the
 * sandbox, which records every setting changed: each URL the trigger set is cleared, and "notify
 * sent by me" (Z-API docs: webhooks/update-notify-sent-by-me) is turned off again exactly when this
 * trigger turned it on, which GET me tells (receiveCallbackSentByMe, Z-API docs: instance/me).
 */
import { errorText, SECRETS } from './harness/secrets';
import { useToolkit } from './harness/toolkit';
import { runRegistration } from './harness/trigger';

const toolkit = useToolkit();
const sandbox = () => toolkit.sandbox();
const changes = () => sandbox().settingChanges.map(({ setting, value, endpoint }) => `${endpoint} ${setting}=${value === '' ? "''" : typeof value === 'string' ? 'URL' : value}`);

/** One event per webhook kind, so every combination of kinds is one combination of events. */
const EVENT_OF_KIND = { delivery: 'deliveryResult', received: 'contactStatus', 'message-status': 'statusViewed' } as const;
type Kind = keyof typeof EVENT_OF_KIND;
const KINDS = Object.keys(EVENT_OF_KIND) as Kind[];
const kindSets = Array.from({ length: 7 }, (_, mask) => KINDS.filter((_kind, bit) => ((mask + 1) >> bit) & 1));

const cases = kindSets.flatMap((kinds) =>
	[false, true].flatMap((includeOwnMessages) =>
		[false, true].map((notifyBefore) => ({ kinds, includeOwnMessages, notifyBefore, label: `${kinds.join(' + ')}, Include My Own Messages ${includeOwnMessages ? 'on' : 'off'}, "notify sent by me" ${notifyBefore ? 'on' : 'off'} before` })),
	),
);

test.each(cases.map((entry) => [entry.label, entry] as const))('%s: deactivation leaves the instance as activation found it', async (_label, { kinds, includeOwnMessages, notifyBefore }) => {
	sandbox().setNotifySentByMe(SECRETS.instanceId, notifyBefore);
	const parameters = { events: kinds.map((kind) => EVENT_OF_KIND[kind]), registration: 'automatic', filters: {}, options: { includeOwnMessages } };
	const { staticData } = await runRegistration(parameters, toolkit.credentials(), 'activate');
	const turnsNotifyOn = includeOwnMessages && kinds.includes('received');
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(notifyBefore || turnsNotifyOn);
	expect(staticData.turnedOnNotifySentByMe).toBe(turnsNotifyOn && !notifyBefore ? true : undefined);

	await runRegistration(parameters, toolkit.credentials(), 'deactivate', staticData);
	for (const kind of KINDS) expect(sandbox().webhookUrl(SECRETS.instanceId, kind)).toBe(kinds.includes(kind) ? '' : undefined);
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(notifyBefore);
	expect(staticData).toEqual({});

	const endpointOf = (kind: Kind) => (kind === 'received' && includeOwnMessages ? 'update-webhook-received-delivery' : `update-webhook-${kind}`);
	expect(changes()).toEqual([
		...kinds.flatMap((kind) => [
			`${endpointOf(kind)} webhook:${kind}=URL`,
			...(kind === 'received' && includeOwnMessages ? ['update-webhook-received-delivery notifySentByMe=true'] : []),
		]),
		...kinds.map((kind) => `update-webhook-${kind} webhook:${kind}=''`),
		...(turnsNotifyOn && !notifyBefore ? ['update-notify-sent-by-me notifySentByMe=false'] : []),
	]);
	// GET me is read only when activation is about to turn "notify sent by me" on.
	expect(sandbox().requests.filter((request) => request.endpoint === 'me')).toHaveLength(turnsNotifyOn ? 1 : 0);
});

const ownMessages = { events: ['message'], registration: 'automatic', filters: {}, options: { includeOwnMessages: true } };

test('re-activated without a deactivation in between (n8n restarting), the trigger still knows it turned "notify sent by me" on', async () => {
	const { staticData } = await runRegistration(ownMessages, toolkit.credentials(), 'activate');
	await runRegistration(ownMessages, toolkit.credentials(), 'activate', staticData);
	expect(staticData.turnedOnNotifySentByMe).toBe(true);
	await runRegistration(ownMessages, toolkit.credentials(), 'deactivate', staticData);
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(false);
});

test('when GET me does not say, the trigger assumes "notify sent by me" was off and turns it off again on deactivation', async () => {
	sandbox().setMeAnswer({ status: 404, body: { error: 'NOT_FOUND' } });
	const { staticData } = await runRegistration(ownMessages, toolkit.credentials(), 'activate');
	expect(staticData.turnedOnNotifySentByMe).toBe(true);
	await runRegistration(ownMessages, toolkit.credentials(), 'deactivate', staticData);
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(false);

	// A 200 without receiveCallbackSentByMe (a compatible server) says nothing either.
	sandbox().setMeAnswer({ status: 200, body: { id: SECRETS.instanceId, connected: true } });
	const second = await runRegistration(ownMessages, toolkit.credentials(), 'activate');
	expect(second.staticData.turnedOnNotifySentByMe).toBe(true);
});

test('a failed activation undoes "notify sent by me" along with the URLs already set', async () => {
	sandbox().setWebhookUpdateAnswer((kind, value) => (kind === 'message-status' && value !== '' ? { status: 200, body: { value: false } } : undefined));
	const staticData: Record<string, unknown> = {};
	const parameters = { ...ownMessages, events: ['message', 'statusViewed'] };
	await expect(runRegistration(parameters, toolkit.credentials(), 'activate', staticData)).rejects.toThrow(/^Could not set the "Message status" webhook in Z-API/);
	expect(sandbox().webhookUrl(SECRETS.instanceId, 'received')).toBe('');
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(false);
	expect(staticData).toEqual({});
});

test('a deactivation that cannot turn "notify sent by me" off fails naming it, keeps it for the next deactivation, and clears the URL anyway', async () => {
	const { staticData } = await runRegistration(ownMessages, toolkit.credentials(), 'activate');
	const secret = staticData.webhookSecret as string;
	sandbox().setWebhookUpdateAnswer((setting, value) => (setting === 'notifySentByMe' && value === false ? { status: 200, body: { value: false } } : undefined));
	const deactivation = runRegistration(ownMessages, toolkit.credentials(), 'deactivate', staticData);
	await expect(deactivation).rejects.toThrow(
		'Z-API still has "notify sent by me" on, which this trigger turned on: Z-API did not confirm "notify sent by me" (it answered {"value":false} instead of {"value": true})',
	);
	const error = await deactivation.catch((caught: unknown) => caught);
	expect((error as { description: string }).description).toBe(
		'Turn off "Notify sent by me" in the Z-API panel (Webhooks), or fix the problem and deactivate again. Z-API may or may not have made the change. Check Webhooks in the Z-API panel, then activate (or deactivate) the workflow again.',
	);
	expect(errorText(error)).not.toContain(secret);
	expect(sandbox().webhookUrl(SECRETS.instanceId, 'received')).toBe('');
	expect(staticData).toEqual({ turnedOnNotifySentByMe: true });

	sandbox().setWebhookUpdateAnswer(undefined);
	await runRegistration(ownMessages, toolkit.credentials(), 'deactivate', staticData);
	expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(false);
	expect(staticData).toEqual({});
});

test('when neither the URL nor "notify sent by me" can be undone, the error names both', async () => {
	const { staticData } = await runRegistration(ownMessages, toolkit.credentials(), 'activate');
	sandbox().setClientToken('ANOTHER-client-token');
	const deactivation = runRegistration(ownMessages, toolkit.credentials(), 'deactivate', staticData);
	await expect(deactivation).rejects.toThrow(
		'Z-API still has this trigger\'s URL as its "On receive" (received messages) webhook, and "notify sent by me" on, which this trigger turned on: Z-API rejected the Client-Token (HTTP 403)',
	);
	const error = await deactivation.catch((caught: unknown) => caught);
	expect((error as { description: string }).description).toMatch(
		/^Remove the URL in the Z-API panel \(Webhooks: "On receive" \(received messages\)\) and turn off "Notify sent by me" in the Z-API panel \(Webhooks\), or fix the problem and deactivate again\./,
	);
	expect(staticData).toEqual({ registered: ['received'], turnedOnNotifySentByMe: true });
});
