/**
 * The rest of the Status toolkit through the real engine: text and image statuses, replies, and
 * the Z-API Trigger receiving the sandbox's delivery callbacks and status replies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { INodeParameters } from 'n8n-workflow';

import { normalizePhone } from '../nodes/ZApi/actions/phone';
import { classifyCallback, matchesFilters } from '../nodes/ZApi/trigger/callbacks';
import { FIXTURES } from './fixtures';
import { runWorkflow } from './harness/runWorkflow';
import { runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { runRegistration, startTriggerEndpoint } from './harness/trigger';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';
import { startVideoHost, startZApiSandbox } from './sandbox/zapiSandbox';

const png = readFileSync(FIXTURES.png);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let sandbox: ZApiSandbox;
let host: VideoHost;
const credentials = () => ({ ...SECRETS, baseUrl: sandbox.baseUrl });

beforeAll(async () => {
	sandbox = await startZApiSandbox({ instances: [{ id: SECRETS.instanceId, token: SECRETS.instanceToken }], clientToken: SECRETS.clientToken });
	host = await startVideoHost();
});
afterAll(async () => {
	await sandbox.close();
	await host.close();
});
beforeEach(() => {
	sandbox.reset();
	sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', undefined);
	sandbox.setWebhookUrl(SECRETS.instanceId, 'received', undefined);
});

async function run(operation: string, parameters: INodeParameters, items?: TestItemSpec[]) {
	const result = await runWorkflow(zApiWorkflow({ operation, ...parameters }, { items }), {
		credentials: { zApiApi: credentials() },
		binaryMode: 'filesystem',
	});
	expect(runText(result)).not.toContain(SECRETS.instanceToken);
	expect(runText(result)).not.toContain(SECRETS.clientToken);
	return result;
}

describe('Send Text Status', () => {
	test('posts the message', async () => {
		const result = await run('sendTextStatus', { message: '={{ "Open until " + $json.hour }}' }, [{ json: { hour: '22h' } }]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0]).toEqual(expect.objectContaining({ endpoint: 'send-text-status', fields: { message: 'Open until 22h' } }));
		expect(result.output(ZAPI_NODE)[0].json).toEqual(sandbox.accepted()[0].response);
	});

	test.each([
		['empty', '', /^Message is empty \[item 0\]$/],
		['too long', 'x'.repeat(701), /^Message is 701 characters long; WhatsApp allows 700 \[item 0\]$/],
		['with a control character', 'a\u0000b', /^Message contains a control character \(code 0\) at position 2 \[item 0\]$/],
	])('refuses a message that is %s', async (_label, message, expected) => {
		const result = await run('sendTextStatus', { message: '={{ $json.message }}' }, [{ json: { message } }]);
		expect(result.error?.message).toMatch(expected);
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('Send Image Status', () => {
	test('binary image: sent as a data URI of its own type, with the caption', async () => {
		const result = await run('sendImageStatus', { imageSource: 'binary', caption: 'New menu' }, [
			{ binary: { data: { file: FIXTURES.png, mimeType: 'image/png' } } },
		]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0].media).toEqual({ kind: 'dataUri', mimeType: 'image/png', bytes: png.length, sha256: sha256(png) });
		expect(sandbox.accepted()[0].caption).toBe('New menu');
		expect(result.output(ZAPI_NODE)[0].json.image).toEqual({ bytes: png.length, mimeType: 'image/png' });
	});

	test('raw Base64 of a PNG is recognised and sent as image/png', async () => {
		const result = await run('sendImageStatus', { imageSource: 'base64', imageBase64: '={{ $json.b64 }}' }, [{ json: { b64: png.toString('base64') } }]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0].media).toEqual(expect.objectContaining({ mimeType: 'image/png', sha256: sha256(png) }));
	});

	test('link: checked with one HEAD, then passed; a video link is refused', async () => {
		const image = host.add('menu.png', png, { contentType: 'image/png' });
		const ok = await run('sendImageStatus', { imageSource: 'url', imageUrl: image });
		expect(ok.status).toBe('success');
		expect(sandbox.accepted()[0].media).toEqual({ kind: 'url', url: image });
		const clip = host.add('clip.mp4', readFileSync(FIXTURES.h264), { contentType: 'video/mp4' });
		const refused = await run('sendImageStatus', { imageSource: 'url', imageUrl: clip });
		expect(refused.error?.message).toBe('Image URL: The image URL points to video/mp4 content, not an image [item 0]');
	});

	test('a video file is not an image', async () => {
		const result = await run('sendImageStatus', { imageSource: 'binary' }, [{ binary: { data: { file: FIXTURES.h264, mimeType: 'video/mp4' } } }]);
		expect(result.error?.message).toBe('Input Binary Field: The file is an MP4 file, not an image (it was labelled video/mp4) [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('replies to a status', () => {
	const target = { phone: '={{ $json.phone }}', statusMessageId: 'D241XXXX732339502B68' };

	test('text reply: the phone is normalised to digits', async () => {
		const result = await run('replyStatusText', { ...target, message: 'Thanks! The offer is valid until Sunday.' }, [{ json: { phone: '+55 (11) 98765-4321' } }]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0].fields).toEqual({ phone: '5511987654321', message: 'Thanks! The offer is valid until Sunday.', statusMessageId: 'D241XXXX732339502B68' });
	});

	test('GIF reply: an MP4 link', async () => {
		const gif = host.add('thanks.mp4', readFileSync(FIXTURES.noAudio), { contentType: 'video/mp4' });
		const result = await run('replyStatusGif', { ...target, gifUrl: gif }, [{ json: { phone: '5511987654321' } }]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0]).toEqual(expect.objectContaining({ endpoint: 'reply-status-gif', media: { kind: 'url', url: gif } }));
	});

	test('sticker reply: from binary data, as a data URI', async () => {
		const result = await run('replyStatusSticker', { ...target, stickerSource: 'binary' }, [
			{ json: { phone: '5511987654321' }, binary: { data: { file: FIXTURES.png, mimeType: 'image/png' } } },
		]);
		expect(result.status).toBe('success');
		expect(sandbox.accepted()[0].media).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'image/png' }));
	});

	test.each([
		['', /^Phone: The phone number is empty \[item 0\]$/],
		['11 98765-4321', /^Phone: The phone number has 10 digits|Phone: The phone number/],
		['011987654321', /^Phone: The phone number starts with 0, so its country code is missing \[item 0\]$/],
		['55 11 9876x4321', /^Phone: The phone number contains characters other than digits \[item 0\]$/],
		['5511987654321234567', /^Phone: The phone number has 19 digits; with its country code it must have 10 to 15 \[item 0\]$/],
	])('refuses the phone %p before sending', async (phone, expected) => {
		const result = await run('replyStatusText', { ...target, message: 'hi' }, [{ json: { phone } }]);
		if (phone === '11 98765-4321') {
			// 10 digits is a valid length for some countries: it is sent as typed (documented limitation).
			expect(result.status).toBe('success');
			return;
		}
		expect(result.error?.message).toMatch(expected);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('refuses an empty status message ID', async () => {
		const result = await run('replyStatusText', { phone: '5511987654321', statusMessageId: '={{ $json.id }}', message: 'hi' }, [{ json: { id: '' } }]);
		expect(result.error?.message).toBe('Status Message ID: The status message ID is empty [item 0]');
	});

	test('normalizePhone', () => {
		expect(normalizePhone(' +55 11 98765.4321 ')).toBe('5511987654321');
		expect(normalizePhone('(1) 415-555-2671')).toBe('14155552671');
	});
});

describe('Z-API Trigger', () => {
	test('a status posted by one workflow reports its delivery to the trigger of another, matched by its IDs', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult', 'statusReply'], registration: 'manual', filters: {} }, credentials());
		try {
			sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
			const sent = await run('sendTextStatus', { message: 'Hello' });
			await sandbox.flushWebhooks();
			const [started] = endpoint.started();
			expect(started).toEqual(expect.objectContaining({ event: 'deliveryResult', published: true, type: 'DeliveryCallback', instanceId: SECRETS.instanceId }));
			expect(started.zaapId).toBe(sent.output(ZAPI_NODE)[0].json.zaapId);
			expect(started.messageId).toBe(sent.output(ZAPI_NODE)[0].json.messageId);
		} finally {
			await endpoint.close();
		}
	});

	test('a failed delivery carries Z-API\'s error; "Only Failed Deliveries" lets only those through', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult'], registration: 'manual', filters: { onlyFailures: true } }, credentials());
		try {
			sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
			sandbox.setDeliveryFailure((request) => (request.fields?.message === 'bad' ? 'Message not send caused by invalid media url' : undefined));
			await run('sendTextStatus', { message: '={{ $json.m }}' }, [{ json: { m: 'good' } }, { json: { m: 'bad' } }]);
			await sandbox.flushWebhooks();
			expect(endpoint.results).toHaveLength(2);
			expect(endpoint.started()).toEqual([
				expect.objectContaining({ event: 'deliveryResult', published: false, error: 'Message not send caused by invalid media url' }),
			]);
			expect(endpoint.results.find((result) => !result.workflowData)?.webhookResponse).toEqual({ received: true, ignored: 'filtered out' });
		} finally {
			await endpoint.close();
		}
	});

	test('a reply to a status starts the workflow with the status message ID, ready for a reply operation', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['statusReply'], registration: 'manual', filters: {} }, credentials());
		try {
			sandbox.setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
			const status = await sandbox.sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', statusMessageId: 'STATUS-MSG-1', text: 'Is it still on sale?' });
			expect(status).toBe(200);
			const [reply] = endpoint.started();
			expect(reply).toEqual(expect.objectContaining({ event: 'statusReply', statusMessageId: 'STATUS-MSG-1', phone: '5511987654321' }));
			const answered = await run('replyStatusText', { phone: '={{ $json.phone }}', statusMessageId: '={{ $json.statusMessageId }}', message: 'Yes, until Sunday' }, [{ json: reply as never }]);
			expect(answered.status).toBe('success');
			expect(sandbox.accepted()[0].fields).toEqual({ phone: '5511987654321', message: 'Yes, until Sunday', statusMessageId: 'STATUS-MSG-1' });
		} finally {
			await endpoint.close();
		}
	});

	test('calls for another instance, malformed bodies and unselected events are answered without starting the workflow', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult'], registration: 'manual', filters: {} }, credentials());
		try {
			const post = (body: unknown) => fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
			const answers = await Promise.all([
				post({ type: 'DeliveryCallback', instanceId: 'SOMEONE-ELSE', zaapId: 'Z', messageId: 'M' }),
				post({ hello: 'world' }),
				post([1, 2]),
				post({ type: 'ReceivedCallback', instanceId: SECRETS.instanceId, isStatusReply: true, phone: '55' }),
			]);
			expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
			expect(endpoint.started()).toEqual([]);
			expect(endpoint.results.map((result) => (result.webhookResponse as { ignored: string }).ignored).sort()).toEqual([
				'callback for another instance',
				'event not selected',
				'not a Z-API callback',
				'not a Z-API callback',
			]);
		} finally {
			await endpoint.close();
		}
	});

	test('opt-in registration sets the instance\'s webhook URLs on activation and clears them on deactivation', async () => {
		sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', 'https://old.example.com/hook');
		const parameters = { events: ['deliveryResult', 'statusReply'], registration: 'automatic', filters: {} };
		const activated = await runRegistration(parameters, credentials(), 'activate');
		expect(activated.webhookUrl).toMatch(/\/webhook\/f3d7c5a2-zapi-trigger\/zapi$/);
		expect(sandbox.webhookUrl(SECRETS.instanceId, 'delivery')).toBe(activated.webhookUrl);
		expect(sandbox.webhookUrl(SECRETS.instanceId, 'received')).toBe(activated.webhookUrl);
		expect(activated.staticData).toEqual({ registered: ['delivery', 'received'] });

		await runRegistration(parameters, credentials(), 'deactivate', activated.staticData);
		expect(sandbox.webhookUrl(SECRETS.instanceId, 'delivery')).toBe('');
		expect(sandbox.webhookUrl(SECRETS.instanceId, 'received')).toBe('');
	});

	test('manual registration changes nothing in Z-API', async () => {
		sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', 'https://mine.example.com/hook');
		await runRegistration({ events: ['deliveryResult'], registration: 'manual', filters: {} }, credentials(), 'activate');
		expect(sandbox.webhookUrl(SECRETS.instanceId, 'delivery')).toBe('https://mine.example.com/hook');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a deactivation that cannot clear the URL fails loudly, naming the problem (never silently)', async () => {
		const parameters = { events: ['deliveryResult'], registration: 'automatic', filters: {} };
		await expect(
			runRegistration(parameters, { ...credentials(), clientToken: 'wrong-token' }, 'deactivate', { registered: ['delivery'] }),
		).rejects.toThrow(/Z-API rejected the Client-Token/);
	});

	test('examples/status-delivery-results.json branches on what the trigger reports', async () => {
		const endpoint = await startTriggerEndpoint({ events: ['deliveryResult', 'statusReply'], registration: 'manual', filters: {} }, credentials());
		try {
			sandbox.setWebhookUrl(SECRETS.instanceId, 'delivery', endpoint.url);
			sandbox.setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
			sandbox.setDeliveryFailure((request) => (request.fields?.message === 'bad' ? 'Message not send caused by invalid media url' : undefined));
			await run('sendTextStatus', { message: '={{ $json.m }}' }, [{ json: { m: 'good' } }, { json: { m: 'bad' } }]);
			await sandbox.flushWebhooks();
			await sandbox.sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', statusMessageId: 'S1', text: 'Nice!' });
			await sandbox.flushWebhooks();
			const workflow = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'status-delivery-results.json'), 'utf8'));
			const routed = await runWorkflow(workflow, {
				credentials: { zApiApi: credentials() },
				startItems: endpoint.started().map((json) => ({ json: json as never })),
			});
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

	test('classifyCallback and matchesFilters', () => {
		const delivery = classifyCallback({ type: 'DeliveryCallback', instanceId: 'I', zaapId: 'Z', messageId: 'M', error: '' }, 'I');
		expect(delivery).toEqual({ accepted: true, item: expect.objectContaining({ event: 'deliveryResult', published: true }) });
		if (!delivery.accepted) throw new Error('unreachable');
		expect(matchesFilters(delivery.item, { zaapId: 'Z' })).toBe(true);
		expect(matchesFilters(delivery.item, { zaapId: 'other' })).toBe(false);
		expect(matchesFilters(delivery.item, { messageId: ' M ' })).toBe(true);
		expect(matchesFilters(delivery.item, { onlyFailures: true })).toBe(false);
		expect(classifyCallback({ type: 'MessageStatusCallback', instanceId: 'I' }, 'I')).toEqual({ accepted: false, reason: 'callback type MessageStatusCallback is not handled' });
		expect(classifyCallback({ type: 'DeliveryCallback', instanceId: 'I' }, 'I')).toEqual({ accepted: false, reason: 'delivery callback without message IDs' });
	});
});
