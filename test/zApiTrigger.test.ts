/**
 * The Z-API Trigger through n8n-core's own WebhookContext and HookContext, called by the sandbox the
 * way Z-API calls it: events, filters, own messages, registration with its secret, and errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { runWorkflow } from './harness/runWorkflow';
import { errorText, SECRETS } from './harness/secrets';
import { useToolkit } from './harness/toolkit';
import { runRegistration, startTriggerEndpoint } from './harness/trigger';
import { ZAPI_NODE } from './harness/workflows';

const toolkit = useToolkit();
const sandbox = () => toolkit.sandbox();
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const ignored = (result: { webhookResponse?: unknown }) => (result.webhookResponse as { ignored?: string }).ignored;

describe('events', () => {
	test('a status posted by one workflow reports its delivery to the trigger of another, matched by its IDs', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult', 'statusReply'], registration: 'manual', filters: {} }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
			const sent = await toolkit.run('sendTextStatus', { message: 'Hello' });
			await sandbox().flushWebhooks();
			const [started] = endpoint.started();
			expect(started).toEqual(expect.objectContaining({ event: 'deliveryResult', published: true, type: 'DeliveryCallback', instanceId: SECRETS.instanceId }));
			expect(started.zaapId).toBe(sent.output(ZAPI_NODE)[0].json.zaapId);
			expect(started.messageId).toBe(sent.output(ZAPI_NODE)[0].json.messageId);
		} finally {
			await endpoint.close();
		}
	});

	test('a failed delivery carries Z-API\'s error; "Only Failed Deliveries" lets only those through', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult'], registration: 'manual', filters: { onlyFailures: true } }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
			sandbox().setDeliveryFailure((request) => (request.fields?.message === 'bad' ? 'Message not send caused by invalid media url' : undefined));
			await toolkit.run('sendTextStatus', { message: '={{ $json.m }}' }, [{ json: { m: 'good' } }, { json: { m: 'bad' } }]);
			await sandbox().flushWebhooks();
			expect(endpoint.results).toHaveLength(2);
			expect(endpoint.started()).toEqual([expect.objectContaining({ event: 'deliveryResult', published: false, error: 'Message not send caused by invalid media url' })]);
			expect(endpoint.results.find((result) => !result.workflowData)?.webhookResponse).toEqual({ received: true, ignored: 'filtered out' });
		} finally {
			await endpoint.close();
		}
	});

	test('a view of my status starts the workflow with viewer, status ID, read or played, and time; the Message ID filter picks one status', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['statusViewed'], registration: 'manual', filters: { messageId: 'MY-STATUS-2' } }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'message-status', endpoint.url);
			await sandbox().sendStatusView(SECRETS.instanceId, { statusMessageId: 'MY-STATUS-1', participant: '5544999999999' });
			await sandbox().sendStatusView(SECRETS.instanceId, { statusMessageId: 'MY-STATUS-2', participant: '126104585119999@lid', played: true });
			expect(endpoint.started()).toEqual([
				expect.objectContaining({
					event: 'statusViewed',
					viewer: '126104585119999@lid',
					viewerIdKind: 'lid',
					myStatusMessageId: 'MY-STATUS-2',
					view: 'played',
					viewedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
					type: 'MessageStatusCallback',
				}),
			]);
			expect(ignored(endpoint.results[0])).toBe('filtered out');
		} finally {
			await endpoint.close();
		}
	});

	test('calls for another instance, malformed bodies and unselected events are answered 200 without starting the workflow', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult'], registration: 'manual', filters: {} }, toolkit.credentials());
		try {
			const answers = await Promise.all([
				post(endpoint.url, { type: 'DeliveryCallback', instanceId: 'SOMEONE-ELSE', zaapId: 'Z', messageId: 'M' }),
				post(endpoint.url, { hello: 'world' }),
				post(endpoint.url, [1, 2]),
				post(endpoint.url, { type: 'ReceivedCallback', instanceId: SECRETS.instanceId, isStatusReply: true, phone: '55' }),
			]);
			expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
			expect(endpoint.started()).toEqual([]);
			expect(endpoint.results.map(ignored).sort()).toEqual(['callback for another instance', 'event not selected', 'not a Z-API callback', 'not a Z-API callback']);
		} finally {
			await endpoint.close();
		}
	});

	test("a contact deleting a status (REVOKE in the status chat) never starts A Contact Posted a Status; Any Received Message carries it", async () => {
		const endpoint = await startTriggerEndpoint({ events: ['contactStatus', 'statusReply'], registration: 'automatic', filters: {} }, toolkit.credentials());
		try {
			await endpoint.activate();
			const posted = await sandbox().sendContactStatus(SECRETS.instanceId, { participantPhone: '5544999999999' });
			expect(await sandbox().sendStatusDeletion(SECRETS.instanceId, { participantPhone: '5544999999999' })).toBe(200);
			expect(endpoint.started()).toEqual([expect.objectContaining({ event: 'contactStatus', statusMessageId: posted.messageId })]);
			expect(ignored(endpoint.results[1])).toBe('event not selected');
		} finally {
			await endpoint.close();
		}
		const anyMessage = await startTriggerEndpoint({ events: ['contactStatus', 'message'], registration: 'manual', filters: {} }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'received', anyMessage.url);
			await sandbox().sendStatusDeletion(SECRETS.instanceId, { participantLid: '81896604192873@lid' });
			expect(anyMessage.started()).toEqual([expect.objectContaining({ event: 'message', notification: 'REVOKE', phone: 'status@broadcast', chatIdKind: 'broadcast' })]);
		} finally {
			await anyMessage.close();
		}
	});

	test("a callback's own `event` field neither replaces the trigger's event nor is lost", async () => {
		const endpoint = await startTriggerEndpoint({ events: ['message'], registration: 'manual', filters: {} }, toolkit.credentials());
		try {
			const body = { type: 'ReceivedCallback', instanceId: SECRETS.instanceId, phone: '5544999999999', fromMe: false, messageId: 'M1', event: { name: 'Launch', time: 1 } };
			await post(endpoint.url, body);
			const [item] = endpoint.started();
			expect(item.event).toBe('message');
			expect(item.zapi).toEqual(body);
		} finally {
			await endpoint.close();
		}
	});
});

describe('own messages', () => {
	test("a workflow's answer echoed back by Z-API (fromMe) does not start the trigger again", async () => {
		const endpoint = await startTriggerEndpoint({ events: ['statusReply', 'message', 'contactStatus'], registration: 'manual', filters: {} }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
			sandbox().setNotifySentByMe(SECRETS.instanceId, true);
			const reply = await sandbox().sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', referenceMessageId: 'MY-STATUS-1', text: 'Nice' });
			const [item] = endpoint.started();
			await toolkit.run('answerStatusReply', { phone: '={{ $json.from }}', replyMessageId: '={{ $json.replyMessageId }}', message: 'Thanks!' }, [{ json: item as never }]);
			await toolkit.run('replyStatusText', { phone: '5511987654321', statusMessageId: 'THEIR-STATUS', message: 'Cool' });
			await sandbox().flushWebhooks();
			const echoes = sandbox().webhookCalls.filter((call) => (call.body as { fromMe?: boolean }).fromMe === true);
			expect(echoes).toHaveLength(2);
			expect(echoes.map((call) => call.status)).toEqual([200, 200]);
			expect(endpoint.started()).toHaveLength(1);
			expect(endpoint.results.slice(1).map(ignored)).toEqual(['sent by this instance (Include My Own Messages is off)', 'sent by this instance (Include My Own Messages is off)']);
			expect(reply.status).toBe(200);
		} finally {
			await endpoint.close();
		}
	});

	test('Include My Own Messages lets them through as messages', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['message'], registration: 'manual', filters: {}, options: { includeOwnMessages: true } }, toolkit.credentials());
		try {
			sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
			sandbox().setNotifySentByMe(SECRETS.instanceId, true);
			await toolkit.run('answerStatusReply', { phone: '5511987654321', replyMessageId: 'R1', message: 'Thanks!' });
			await sandbox().flushWebhooks();
			expect(endpoint.started()).toEqual([expect.objectContaining({ event: 'message', fromMe: true, phone: '5511987654321', chatIdKind: 'phone' })]);
		} finally {
			await endpoint.close();
		}
	});
});

describe('registration', () => {
	const events = ['contactStatus', 'statusReply', 'statusViewed'];

	test('activation registers exactly the webhook kinds the events need, with a secret only Z-API learns', async () => {
		sandbox().setWebhookUrl(SECRETS.instanceId, 'delivery', 'https://mine.example.com/delivery');
		const endpoint = await startTriggerEndpoint({ events, registration: 'automatic', filters: {} }, toolkit.credentials());
		try {
			await endpoint.activate();
			const secret = endpoint.staticData.webhookSecret as string;
			expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
			expect(endpoint.staticData.registered).toEqual(['received', 'message-status']);
			expect(sandbox().webhookUrl(SECRETS.instanceId, 'received')).toBe(`${endpoint.url}?secret=${secret}`);
			expect(sandbox().webhookUrl(SECRETS.instanceId, 'message-status')).toBe(`${endpoint.url}?secret=${secret}`);
			expect(sandbox().webhookUrl(SECRETS.instanceId, 'delivery')).toBe('https://mine.example.com/delivery');
			expect(sandbox().requests.map((request) => `${request.method} ${request.endpoint} ${request.status}`)).toEqual([
				'PUT update-webhook-received 200',
				'PUT update-webhook-message-status 200',
			]);

			// Z-API's calls carry the secret and start the workflow ...
			const status = await sandbox().sendContactStatus(SECRETS.instanceId, { participantPhone: '5544999999999' });
			const view = await sandbox().sendStatusView(SECRETS.instanceId, { statusMessageId: 'MY-STATUS-1', participant: '5544999999999' });
			expect([status.status, view]).toEqual([200, 200]);
			expect(endpoint.started().map((item) => item.event)).toEqual(['contactStatus', 'statusViewed']);

			// ... a forged one, without the secret or with a wrong one, is refused and starts nothing.
			const forged = sandbox().webhookCalls[0].body;
			const answers = [await post(endpoint.url, forged), await post(`${endpoint.url}?secret=${'x'.repeat(32)}`, forged), await post(`${endpoint.url}?secret=`, forged)];
			expect(answers.map((answer) => answer.status)).toEqual([403, 403, 403]);
			const texts = await Promise.all(answers.map((answer) => answer.text()));
			expect(texts).toEqual(Array(3).fill(JSON.stringify({ error: 'This webhook only accepts calls from Z-API' })));
			expect(endpoint.started()).toHaveLength(2);
			expect(JSON.stringify(endpoint.results)).not.toContain(secret);

			await endpoint.deactivate();
			expect(sandbox().webhookUrl(SECRETS.instanceId, 'received')).toBe('');
			expect(sandbox().webhookUrl(SECRETS.instanceId, 'message-status')).toBe('');
			expect(endpoint.staticData).toEqual({});
			// After deactivation even the old secret no longer opens the door.
			expect((await post(`${endpoint.url}?secret=${secret}`, forged)).status).toBe(403);
		} finally {
			await endpoint.close();
		}
	});

	test('a new secret on every activation', async () => {
		const parameters = { events: ['deliveryResult'], registration: 'automatic', filters: {} };
		const first = await runRegistration(parameters, toolkit.credentials(), 'activate');
		const second = await runRegistration(parameters, toolkit.credentials(), 'activate');
		expect(first.staticData.webhookSecret).not.toBe(second.staticData.webhookSecret);
	});

	test('Include My Own Messages registers the received webhook with "notify sent by me"', async () => {
		await runRegistration({ events: ['message'], registration: 'automatic', filters: {}, options: { includeOwnMessages: true } }, toolkit.credentials(), 'activate');
		// GET me first: whether "notify sent by me" was already on decides what deactivation turns off.
		expect(sandbox().requests.map((request) => request.endpoint)).toEqual(['me', 'update-webhook-received-delivery']);
		expect(sandbox().notifySentByMe(SECRETS.instanceId)).toBe(true);
	});

	test('manual registration changes nothing in Z-API and checks no secret', async () => {
		sandbox().setWebhookUrl(SECRETS.instanceId, 'delivery', 'https://mine.example.com/hook');
		await runRegistration({ events: ['deliveryResult'], registration: 'manual', filters: {} }, toolkit.credentials(), 'activate');
		expect(sandbox().webhookUrl(SECRETS.instanceId, 'delivery')).toBe('https://mine.example.com/hook');
		expect(sandbox().requests).toHaveLength(0);
	});

	test('Z-API itself gets no http URL: activation fails before any request, saying to set WEBHOOK_URL', async () => {
		const activation = runRegistration({ events: ['deliveryResult'], registration: 'automatic', filters: {} }, { ...SECRETS, baseUrl: 'https://api.z-api.io' }, 'activate');
		await expect(activation).rejects.toThrow(
			"Z-API accepts only HTTPS webhook URLs, and n8n's URL for this trigger is http://127.0.0.1:5678/webhook/f3d7c5a2-zapi-trigger/zapi",
		);
		await expect(activation).rejects.toMatchObject({ description: expect.stringContaining('WEBHOOK_URL') });
	});

	test('a 200 that is not {"value": true} fails activation naming the webhook kind, and undoes the kinds already set', async () => {
		sandbox().setWebhookUpdateAnswer((kind, value) => (kind === 'message-status' && value !== '' ? { status: 200, body: { value: false } } : undefined));
		const staticData: Record<string, unknown> = {};
		const activation = runRegistration({ events, registration: 'automatic', filters: {} }, toolkit.credentials(), 'activate', staticData);
		await expect(activation).rejects.toThrow(
			'Could not set the "Message status" webhook in Z-API: Z-API did not confirm the webhook URL (it answered {"value":false} instead of {"value": true})',
		);
		const error = await activation.catch((caught: unknown) => caught);
		expect(errorText(error)).not.toMatch(/\[item 0\]/);
		expect(sandbox().webhookUrl(SECRETS.instanceId, 'received')).toBe('');
		expect(staticData).toEqual({});
	});

	test('a deactivation that cannot clear a URL fails, naming the webhook kind still set, without any secret', async () => {
		const parameters = { events, registration: 'automatic', filters: {} };
		const { staticData } = await runRegistration(parameters, toolkit.credentials(), 'activate');
		const secret = staticData.webhookSecret as string;
		sandbox().setWebhookUpdateAnswer((kind) => (kind === 'received' ? { status: 500, body: { error: `cannot clear ${secret}` } } : undefined));
		const deactivation = runRegistration(parameters, toolkit.credentials(), 'deactivate', staticData);
		await expect(deactivation).rejects.toThrow(/^Z-API still has this trigger's URL as its "On receive" \(received messages\) webhook: Z-API failed while handling the request \(HTTP 500: cannot clear \*\*\*\)$/);
		const error = await deactivation.catch((caught: unknown) => caught);
		expect((error as { description: string }).description).toBe(
			'Remove the URL in the Z-API panel (Webhooks: "On receive" (received messages)), or fix the problem and deactivate again. Z-API may or may not have made the change. Check Webhooks in the Z-API panel, then activate (or deactivate) the workflow again.',
		);
		expect(errorText(error)).not.toContain(secret);
		expect(errorText(error)).not.toContain(SECRETS.instanceToken);
		expect(sandbox().webhookUrl(SECRETS.instanceId, 'message-status')).toBe('');
		expect(staticData.registered).toEqual(['received']);
	});

	test('a credential problem at activation is one trigger error, without an item index', async () => {
		const activation = runRegistration({ events: ['deliveryResult'], registration: 'automatic', filters: {} }, { ...toolkit.credentials(), instanceToken: 'has space' }, 'activate');
		await expect(activation).rejects.toThrow(/^The Instance Token in the Z-API credential contains spaces, line breaks or URL characters$/);
		expect(sandbox().requests).toHaveLength(0);
	});

	test('a wrong Client-Token at activation names the webhook kind and the fix, without an item index or the token', async () => {
		const activation = runRegistration({ events: ['deliveryResult'], registration: 'automatic', filters: {} }, { ...toolkit.credentials(), clientToken: 'WRONG-client-token' }, 'activate');
		await expect(activation).rejects.toThrow(/^Could not set the "On send" \(delivery\) webhook in Z-API: Z-API rejected the Client-Token \(HTTP 403\)$/);
		const error = await activation.catch((caught: unknown) => caught);
		expect(errorText(error)).not.toContain('WRONG-client-token');
	});

	test('a credential problem when a callback arrives is one trigger error, and starts nothing', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult'], registration: 'manual', filters: {} }, { ...toolkit.credentials(), instanceId: '' });
		try {
			const answer = await post(endpoint.url, { type: 'DeliveryCallback', instanceId: SECRETS.instanceId, zaapId: 'Z', messageId: 'M' });
			expect(answer.status).toBe(500);
			expect(endpoint.started()).toEqual([]);
			expect(String((endpoint.results[0].webhookResponse as { error: string }).error)).toBe('NodeOperationError: The Z-API credential has no Instance ID');
		} finally {
			await endpoint.close();
		}
	});
});

test('examples/status-delivery-results.json branches on what the trigger reports', async () => {
	const endpoint = await startTriggerEndpoint({ events: ['deliveryResult', 'statusReply'], registration: 'manual', filters: {} }, toolkit.credentials());
	try {
		sandbox().setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
		sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
		sandbox().setDeliveryFailure((request) => (request.fields?.message === 'bad' ? 'Message not send caused by invalid media url' : undefined));
		await toolkit.run('sendTextStatus', { message: '={{ $json.m }}' }, [{ json: { m: 'good' } }, { json: { m: 'bad' } }]);
		await sandbox().flushWebhooks();
		await sandbox().sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', referenceMessageId: 'S1', text: 'Nice!' });
		await sandbox().flushWebhooks();
		const workflow = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'status-delivery-results.json'), 'utf8'));
		const routed = await runWorkflow(workflow, { credentials: { zApiApi: toolkit.credentials() }, startItems: endpoint.started().map((json) => ({ json: json as never })) });
		expect(routed.error?.message).toBeUndefined();
		expect(routed.output('Published').map((item) => item.json.published)).toEqual([true]);
		expect(routed.output('Not published, or a reply').map((item) => item.json.what).sort()).toEqual([
			'Reply from 5511987654321: Nice!',
			expect.stringMatching(/^Status [0-9A-F]+ was not published: Message not send caused by invalid media url$/),
		]);
	} finally {
		await endpoint.close();
	}
});

test('examples/status-conversation.json: a contact\'s status is answered on their status, a reply to mine in their chat, and views are listed', async () => {
	const workflow = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'status-conversation.json'), 'utf8'));
	const trigger = workflow.nodes.find((node: { type: string }) => node.type === 'n8n-nodes-zapi-status.zApiTrigger');
	const endpoint = await startTriggerEndpoint(trigger.parameters, toolkit.credentials());
	try {
		await endpoint.activate();
		sandbox().setNotifySentByMe(SECRETS.instanceId, true);
		const status = await sandbox().sendContactStatus(SECRETS.instanceId, { participantPhone: '5544999999999', participantLid: '81896604192873@lid' });
		const reply = await sandbox().sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', referenceMessageId: 'MY-STATUS-1', text: 'Where is it?' });
		await sandbox().sendStatusView(SECRETS.instanceId, { statusMessageId: 'MY-STATUS-1', participant: '126104585119999@lid' });
		const started = endpoint.started();
		expect(started.map((item) => item.event)).toEqual(['contactStatus', 'statusReply', 'statusViewed']);
		sandbox().reset();
		const runs = [];
		for (const item of started) runs.push(await runWorkflow(workflow, { credentials: { zApiApi: toolkit.credentials() }, startItems: [{ json: item as never }] }));
		expect(runs.map((run) => run.error?.message)).toEqual([undefined, undefined, undefined]);
		expect(sandbox().accepted().map((request) => [request.endpoint, request.fields])).toEqual([
			['reply-status-text', { phone: '5544999999999', message: 'Love this! 👏', statusMessageId: status.messageId }],
			['send-text', { phone: '5511987654321', message: 'Thanks for your reply! You said: Where is it?', messageId: reply.messageId }],
		]);
		expect(runs[2].output('Who saw my status')[0].json).toEqual({ viewer: '126104585119999@lid', viewerIdKind: 'lid', status: 'MY-STATUS-1', view: 'read', at: expect.any(String) });
		// The answers come back as the instance's own messages and start nothing.
		await sandbox().flushWebhooks();
		expect(endpoint.started()).toHaveLength(3);
		expect(endpoint.results.slice(3).map(ignored)).toEqual(['sent by this instance (Include My Own Messages is off)', 'sent by this instance (Include My Own Messages is off)']);
	} finally {
		await endpoint.close();
	}
});

test('deactivating a trigger that registered nothing needs no credential and calls nothing', async () => {
	await runRegistration({ events: ['deliveryResult'], registration: 'manual', filters: {} }, { ...toolkit.credentials(), instanceId: '' }, 'deactivate');
	expect(sandbox().requests).toHaveLength(0);
});
