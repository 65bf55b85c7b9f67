/**
 * Tests for the Z-API sandbox itself (test/sandbox/zapiSandbox.ts), through plain HTTP, so the
 * node's tests can trust what it answers.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import {
	DEFAULT_INSTANCE,
	MAX_BODY_BYTES,
	ZAPI_ERRORS,
	startVideoHost,
	startZApiSandbox,
	type ReceivedRequest,
	type VideoHost,
	type ZApiSandbox,
} from './sandbox/zapiSandbox';

const MEDIA = join(__dirname, 'fixtures', 'media');
const TEN_MB = 10 * 1024 * 1024;

const { id: INSTANCE_ID, token: INSTANCE_TOKEN } = DEFAULT_INSTANCE;

function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

function dataUri(data: Buffer, mimeType = 'video/mp4'): string {
	return `data:${mimeType};base64,${data.toString('base64')}`;
}

function endpointUrl(sandbox: ZApiSandbox, endpoint: string, instanceId = INSTANCE_ID, token = INSTANCE_TOKEN): string {
	return `${sandbox.baseUrl}/instances/${instanceId}/token/${token}/${endpoint}`;
}

interface HttpAnswer {
	status: number;
	headers: Headers;
	text: string;
	json: unknown;
}

async function call(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
	const response = await fetch(url, init);
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

function postVideoStatus(
	sandbox: ZApiSandbox,
	body: unknown,
	headers: Record<string, string> = {},
	instanceId?: string,
	token?: string,
): Promise<HttpAnswer> {
	return call(endpointUrl(sandbox, 'send-video-status', instanceId, token), {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
}

function lastRequest(sandbox: ZApiSandbox): ReceivedRequest {
	const request = sandbox.requests.at(-1);
	if (!request) throw new Error('the sandbox received no request');
	return request;
}

/** Sends raw bytes over TCP and resolves with whatever came back once the server closes. */
function rawExchange(port: number, raw: string): Promise<{ received: string; closedBy: 'server' | 'timeout' }> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1');
		let received = '';
		const timer = setTimeout(() => {
			socket.destroy();
			resolve({ received, closedBy: 'timeout' });
		}, 3000);
		socket.on('connect', () => socket.write(raw));
		socket.on('data', (chunk) => (received += chunk.toString('latin1')));
		socket.on('close', () => {
			clearTimeout(timer);
			resolve({ received, closedBy: 'server' });
		});
		socket.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== 'ECONNRESET') reject(error);
		});
	});
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

const faststartMp4 = readFileSync(join(MEDIA, 'h264-faststart.mp4'));

describe('Z-API sandbox', () => {
	let sandbox: ZApiSandbox;

	beforeAll(async () => {
		sandbox = await startZApiSandbox();
	});
	afterEach(() => {
		sandbox.reset();
		sandbox.setClientToken(undefined);
		sandbox.setInstanceConnected(INSTANCE_ID, true);
	});
	afterAll(async () => {
		await sandbox.close();
	});

	describe('startup', () => {
		it('listens on a random loopback port and exposes a base URL without trailing slash', () => {
			expect(sandbox.port).toBeGreaterThan(0);
			expect(sandbox.baseUrl).toBe(`http://127.0.0.1:${sandbox.port}`);
		});
	});

	describe('paths, instance and token', () => {
		it('GET status answers connected for a connected instance', async () => {
			const answer = await call(endpointUrl(sandbox, 'status'));
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({ connected: true, error: null, smartphoneConnected: true });
		});

		it('GET status answers 200 with connected:false for a disconnected instance', async () => {
			sandbox.setInstanceConnected(INSTANCE_ID, false);
			const answer = await call(endpointUrl(sandbox, 'status'));
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({ connected: false, error: 'You are not connected.', smartphoneConnected: false });
		});

		it('rejects an unknown instance id with 404', async () => {
			const answer = await call(endpointUrl(sandbox, 'status', 'NO-SUCH-INSTANCE'));
			expect(answer.status).toBe(404);
			expect(answer.json).toEqual({ error: 'Instance not found' });
		});

		it('rejects a wrong instance token with 401', async () => {
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, {}, INSTANCE_ID, 'WRONG');
			expect(answer.status).toBe(401);
			expect(answer.json).toEqual({ error: 'Unauthorized: invalid instance token' });
		});

		it('rejects an unknown endpoint with Z-API\'s NOT_FOUND body', async () => {
			const answer = await call(endpointUrl(sandbox, 'send-hologram-status'), { method: 'POST' });
			expect(answer.status).toBe(404);
			expect(answer.json).toEqual({ error: 'NOT_FOUND', message: 'Unable to find matching target resource method' });
		});

		it.each(['/', '/instances', `/instances/${INSTANCE_ID}/token/${INSTANCE_TOKEN}`, `/instances/${INSTANCE_ID}/token/${INSTANCE_TOKEN}/status/extra`, '/status'])(
			'answers 404 for the malformed path %s',
			async (path) => {
				const answer = await call(`${sandbox.baseUrl}${path}`);
				expect(answer.status).toBe(404);
				expect(lastRequest(sandbox).endpoint).toBe('');
			},
		);

		it('serves several configured instances, each with its own token and connection state', async () => {
			const multi = await startZApiSandbox({
				instances: [
					{ id: 'A', token: 'TA' },
					{ id: 'B', token: 'TB', connected: false },
				],
			});
			try {
				expect((await call(endpointUrl(multi, 'status', 'A', 'TA'))).json).toMatchObject({ connected: true });
				expect((await call(endpointUrl(multi, 'status', 'B', 'TB'))).json).toMatchObject({ connected: false });
				expect((await call(endpointUrl(multi, 'status', 'A', 'TB'))).status).toBe(401);
				expect((await call(endpointUrl(multi, 'status', INSTANCE_ID, INSTANCE_TOKEN))).status).toBe(404);
			} finally {
				await multi.close();
			}
		});

		it('setInstanceConnected refuses an unknown instance', () => {
			expect(() => sandbox.setInstanceConnected('NOPE', false)).toThrow('Unknown sandbox instance');
		});
	});

	describe('Client-Token', () => {
		it('ignores the header while the account has no Client-Token', async () => {
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).status).toBe(200);
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Client-Token': 'anything' })).status).toBe(200);
		});

		it('answers 400 when required and missing', async () => {
			sandbox.setClientToken('ACCOUNT-SECRET');
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ error: 'your client-token is not configured' });
		});

		it('answers 400 when required and empty', async () => {
			sandbox.setClientToken('ACCOUNT-SECRET');
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Client-Token': '' });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual(ZAPI_ERRORS.clientTokenMissing);
		});

		it('answers 403 and echoes the presented value when wrong', async () => {
			sandbox.setClientToken('ACCOUNT-SECRET');
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Client-Token': 'guessed-value' });
			expect(answer.status).toBe(403);
			expect(answer.json).toEqual({ error: 'Client-Token guessed-value not allowed' });
		});

		it('accepts the right value, on status and send endpoints', async () => {
			const sandboxWithToken = await startZApiSandbox({ clientToken: 'ACCOUNT-SECRET' });
			try {
				const headers = { 'Client-Token': 'ACCOUNT-SECRET' };
				expect((await call(endpointUrl(sandboxWithToken, 'status'), { headers })).status).toBe(200);
				expect((await call(endpointUrl(sandboxWithToken, 'status'))).status).toBe(400);
				expect((await postVideoStatus(sandboxWithToken, { video: 'https://example.com/a.mp4' }, headers)).status).toBe(200);
				expect(sandboxWithToken.requests.map((request) => request.clientTokenHeader)).toEqual([
					'ACCOUNT-SECRET',
					undefined,
					'ACCOUNT-SECRET',
				]);
			} finally {
				await sandboxWithToken.close();
			}
		});

		it('is checked after the instance token and before the body', async () => {
			sandbox.setClientToken('ACCOUNT-SECRET');
			expect((await postVideoStatus(sandbox, 'not json', {}, INSTANCE_ID, 'WRONG')).status).toBe(401);
			expect((await postVideoStatus(sandbox, 'not json', { 'Client-Token': 'bad' })).status).toBe(403);
			expect((await postVideoStatus(sandbox, 'not json', { 'Client-Token': 'ACCOUNT-SECRET' })).status).toBe(400);
			expect(lastRequest(sandbox).response).toEqual(ZAPI_ERRORS.invalidJson);
		});

		it('can be switched off again at run time', async () => {
			sandbox.setClientToken('ACCOUNT-SECRET');
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).status).toBe(400);
			sandbox.setClientToken(undefined);
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).status).toBe(200);
		});
	});

	describe('send-video-status validation', () => {
		it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers 405 to %s', async (method) => {
			const answer = await call(endpointUrl(sandbox, 'send-video-status'), {
				method,
				...(method === 'GET' ? {} : { headers: { 'Content-Type': 'application/json' }, body: '{}' }),
			});
			expect(answer.status).toBe(405);
			expect(answer.json).toEqual({ error: 'Method Not Allowed' });
		});

		it('answers 405 when status is POSTed', async () => {
			expect((await call(endpointUrl(sandbox, 'status'), { method: 'POST' })).status).toBe(405);
		});

		it('answers 415 without a Content-Type', async () => {
			const answer = await call(endpointUrl(sandbox, 'send-video-status'), {
				method: 'POST',
				body: new TextEncoder().encode('{"video":"https://example.com/a.mp4"}'),
			});
			expect(answer.status).toBe(415);
			expect(answer.json).toEqual({ error: 'Unsupported Media Type' });
			expect(lastRequest(sandbox).contentType).toBeUndefined();
		});

		it('answers 415 to text/plain', async () => {
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Content-Type': 'text/plain' });
			expect(answer.status).toBe(415);
		});

		it('accepts application/json with a charset parameter', async () => {
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Content-Type': 'Application/JSON; charset=utf-8' });
			expect(answer.status).toBe(200);
		});

		it('answers 400 to a body that is not JSON', async () => {
			const answer = await postVideoStatus(sandbox, '{"video": ');
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ error: 'Invalid JSON body' });
		});

		it.each([
			['missing', {}],
			['a number', { video: 42 }],
			['null', { video: null }],
			['an object', { video: { url: 'https://example.com/a.mp4' } }],
		])('answers 400 "video is required" when video is %s', async (_label, body) => {
			const answer = await postVideoStatus(sandbox, body);
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ error: 'video is required' });
		});

		it.each(['[]', '"video"', 'null', '7'])('answers 400 "video is required" to the JSON body %s', async (body) => {
			const answer = await postVideoStatus(sandbox, body);
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual(ZAPI_ERRORS.videoRequired);
		});

		it.each([
			['a number', 5],
			['null', null],
			['an array', ['a']],
		])('answers 400 when caption is %s', async (_label, caption) => {
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4', caption });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual(ZAPI_ERRORS.captionNotString);
		});

		it('accepts and records a string caption, including an empty one', async () => {
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4', caption: 'Olá 👋' })).status).toBe(200);
			expect(lastRequest(sandbox).caption).toBe('Olá 👋');
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4', caption: '' })).status).toBe(200);
			expect(lastRequest(sandbox).caption).toBe('');
		});

		it.each([
			['raw Base64 without the data: prefix', faststartMp4.toString('base64')],
			['an image data URI', dataUri(faststartMp4, 'image/png')],
			['a data URI without ;base64', `data:video/mp4,${faststartMp4.toString('base64')}`],
			['an ftp link', 'ftp://example.com/a.mp4'],
			['a relative path', '/videos/a.mp4'],
			['an empty string', ''],
			['an empty payload', 'data:video/mp4;base64,'],
			['characters outside the Base64 alphabet', 'data:video/mp4;base64,AAAA$AAA'],
			['URL-safe Base64', 'data:video/mp4;base64,AA-_'],
			['a payload whose length is not a multiple of 4', 'data:video/mp4;base64,AAAAA'],
			['missing padding', 'data:video/mp4;base64,AAAAAA'],
			['padding in the middle', 'data:video/mp4;base64,AA==AAAA'],
			['three padding characters', 'data:video/mp4;base64,A==='],
			['embedded whitespace', 'data:video/mp4;base64,AAAA AAAA'],
			['an unparsable http URL', 'http://'],
		])('answers 400 when video is %s', async (_label, video) => {
			const answer = await postVideoStatus(sandbox, { video });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ error: 'video must be a link or a Base64 data URI' });
		});

		it.each(['https://example.com/videos/a.mp4?sig=1', 'http://127.0.0.1:9/x.mp4', 'HTTPS://EXAMPLE.COM/A.MP4'])(
			'accepts the link %s and records it',
			async (video) => {
				const answer = await postVideoStatus(sandbox, { video });
				expect(answer.status).toBe(200);
				expect(lastRequest(sandbox).video).toEqual({ kind: 'url', url: video });
			},
		);

		it('accepts a real MP4 as a data URI and records its size and hash, not its bytes', async () => {
			const answer = await postVideoStatus(sandbox, { video: dataUri(faststartMp4), caption: 'fixture' });
			expect(answer.status).toBe(200);
			expect(lastRequest(sandbox).video).toEqual({
				kind: 'dataUri',
				mimeType: 'video/mp4',
				bytes: faststartMp4.length,
				sha256: sha256(faststartMp4),
			});
		});

		it('accepts other video subtypes (QuickTime)', async () => {
			const mov = readFileSync(join(MEDIA, 'quicktime.mov'));
			expect((await postVideoStatus(sandbox, { video: dataUri(mov, 'video/quicktime') })).status).toBe(200);
			expect(lastRequest(sandbox).video).toMatchObject({ mimeType: 'video/quicktime', bytes: mov.length });
		});

		it('keeps the decoded bytes when keepVideoBytes is set', async () => {
			const keeping = await startZApiSandbox({ keepVideoBytes: true });
			try {
				expect((await postVideoStatus(keeping, { video: dataUri(faststartMp4) })).status).toBe(200);
				const video = lastRequest(keeping).video;
				expect(video?.kind === 'dataUri' && video.data?.equals(faststartMp4)).toBe(true);
			} finally {
				await keeping.close();
			}
		});

		it('accepts exactly 10,485,760 decoded bytes and rejects one more', async () => {
			const atLimit = Buffer.alloc(TEN_MB, 7);
			const accepted = await postVideoStatus(sandbox, { video: dataUri(atLimit) });
			expect(accepted.status).toBe(200);
			expect(lastRequest(sandbox).video).toMatchObject({ kind: 'dataUri', bytes: 10_485_760, sha256: sha256(atLimit) });

			const overLimit = Buffer.alloc(TEN_MB + 1, 7);
			const rejected = await postVideoStatus(sandbox, { video: dataUri(overLimit) });
			expect(rejected.status).toBe(400);
			expect(rejected.json).toEqual({ error: 'Video exceeds the 10MB limit for status' });
			// The limit is on the file, not on its Base64 text, which is a third larger.
			expect(lastRequest(sandbox).bodyBytes).toBeGreaterThan(TEN_MB * 1.33);
			expect(lastRequest(sandbox).video).toMatchObject({ bytes: 10_485_761 });
			expect(sandbox.accepted()).toHaveLength(1);
		});

		it('honours a custom maxVideoBytes', async () => {
			const small = await startZApiSandbox({ maxVideoBytes: 1000 });
			try {
				expect((await postVideoStatus(small, { video: dataUri(Buffer.alloc(1000)) })).status).toBe(200);
				expect((await postVideoStatus(small, { video: dataUri(Buffer.alloc(1001)) })).json).toEqual(ZAPI_ERRORS.videoTooLarge);
				// Links are not fetched, so their size is unknown to the sandbox, as to Z-API at request time.
				expect((await postVideoStatus(small, { video: 'https://example.com/huge.mp4' })).status).toBe(200);
			} finally {
				await small.close();
			}
		});

		it('answers 400 "You are not connected." for a disconnected instance, after validation', async () => {
			sandbox.setInstanceConnected(INSTANCE_ID, false);
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' });
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual({ error: 'You are not connected.' });
			expect((await postVideoStatus(sandbox, {})).json).toEqual(ZAPI_ERRORS.videoRequired);
		});

		it('answers 413 to bodies over 32 MB without parsing them', async () => {
			const body = `{"video":"data:video/mp4;base64,${'A'.repeat(MAX_BODY_BYTES)}"}`;
			const answer = await postVideoStatus(sandbox, body);
			expect(answer.status).toBe(413);
			expect(lastRequest(sandbox).bodyBytes).toBe(body.length);
			expect(lastRequest(sandbox).video).toBeUndefined();
		});

		it('answers fresh Z-API-shaped ids on success', async () => {
			const first = (await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).json as Record<string, string>;
			const second = (await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).json as Record<string, string>;
			for (const ids of [first, second]) {
				expect(ids.zaapId).toMatch(/^[0-9A-F]{32}$/);
				expect(ids.messageId).toMatch(/^[0-9A-F]{20}$/);
				expect(ids.id).toBe(ids.messageId);
				expect(Object.keys(ids).sort()).toEqual(['id', 'messageId', 'zaapId']);
			}
			expect(second.zaapId).not.toBe(first.zaapId);
			expect(second.messageId).not.toBe(first.messageId);
		});
	});

	describe('request log', () => {
		it('records every request in order, with the instance token masked', async () => {
			const before = Date.now();
			await call(endpointUrl(sandbox, 'status'));
			await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4', caption: 'hi' }, { 'Client-Token': 'CT' });
			await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, {}, INSTANCE_ID, 'WRONG-TOKEN');
			await call(`${endpointUrl(sandbox, 'status')}?x=1`);

			expect(sandbox.requests).toHaveLength(4);
			const [status, sent, rejected, withQuery] = sandbox.requests;
			expect(status).toMatchObject({
				method: 'GET',
				path: `/instances/${INSTANCE_ID}/token/<token>/status`,
				endpoint: 'status',
				instanceId: INSTANCE_ID,
				status: 200,
				bodyBytes: 0,
			});
			expect(sent).toMatchObject({
				method: 'POST',
				path: `/instances/${INSTANCE_ID}/token/<token>/send-video-status`,
				endpoint: 'send-video-status',
				status: 200,
				clientTokenHeader: 'CT',
				contentType: 'application/json',
				caption: 'hi',
				video: { kind: 'url', url: 'https://example.com/a.mp4' },
				bodyBytes: JSON.stringify({ video: 'https://example.com/a.mp4', caption: 'hi' }).length,
			});
			expect(sent.response).toMatchObject({ zaapId: expect.any(String), messageId: expect.any(String) });
			expect(rejected).toMatchObject({ path: `/instances/${INSTANCE_ID}/token/<token>/send-video-status`, status: 401 });
			expect(withQuery.path).toBe(`/instances/${INSTANCE_ID}/token/<token>/status?x=1`);
			for (const request of sandbox.requests) {
				expect(request.receivedAt).toBeGreaterThanOrEqual(before);
			}
			const log = JSON.stringify(sandbox.requests);
			expect(log).not.toContain(INSTANCE_TOKEN);
			expect(log).not.toContain('WRONG-TOKEN');
		});

		it('accepted() lists only send-* requests answered 200', async () => {
			await call(endpointUrl(sandbox, 'status'));
			await postVideoStatus(sandbox, { video: 'https://example.com/1.mp4' });
			await postVideoStatus(sandbox, { video: 'nope' });
			await postVideoStatus(sandbox, { video: 'https://example.com/2.mp4' });
			expect(sandbox.accepted().map((request) => request.video)).toEqual([
				{ kind: 'url', url: 'https://example.com/1.mp4' },
				{ kind: 'url', url: 'https://example.com/2.mp4' },
			]);
		});

		it('reset() clears requests and faults in place but keeps the configuration', async () => {
			const log = sandbox.requests;
			sandbox.setClientToken('ACCOUNT-SECRET');
			await call(endpointUrl(sandbox, 'status'));
			sandbox.injectFault({ kind: 'status', status: 500 });
			sandbox.reset();
			expect(log).toHaveLength(0);
			expect(sandbox.requests).toBe(log);
			const answer = await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' }, { 'Client-Token': 'ACCOUNT-SECRET' });
			expect(answer.status).toBe(200);
			expect((await postVideoStatus(sandbox, { video: 'https://example.com/a.mp4' })).status).toBe(400);
		});

		it('calls onRequest once per finished request', async () => {
			const seen: Array<[string, number]> = [];
			const observed = await startZApiSandbox({ onRequest: (request) => seen.push([request.endpoint, request.status]) });
			try {
				await call(endpointUrl(observed, 'status'));
				await postVideoStatus(observed, {});
				expect(seen).toEqual([
					['status', 200],
					['send-video-status', 400],
				]);
			} finally {
				await observed.close();
			}
		});
	});

	describe('faults', () => {
		const video = { video: 'https://example.com/a.mp4' };

		it('status: answers the given status, headers and a default JSON body', async () => {
			sandbox.injectFault({ kind: 'status', status: 429, headers: { 'Retry-After': '2' } });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(429);
			expect(answer.headers.get('retry-after')).toBe('2');
			expect(answer.json).toEqual({ error: 'Too Many Requests' });
			expect(lastRequest(sandbox)).toMatchObject({ status: 429, fault: { kind: 'status', status: 429 } });
			expect(sandbox.accepted()).toHaveLength(0);
		});

		it.each([500, 502, 503, 504])('status: %i with a custom JSON body', async (status) => {
			sandbox.injectFault({ kind: 'status', status, body: { message: 'upstream trouble' } });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(status);
			expect(answer.json).toEqual({ message: 'upstream trouble' });
		});

		it('status: a string body is sent as text', async () => {
			sandbox.injectFault({ kind: 'status', status: 503, body: 'Service Unavailable' });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(503);
			expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
			expect(answer.text).toBe('Service Unavailable');
		});

		it('html: answers an HTML error page, 502 by default', async () => {
			sandbox.injectFault({ kind: 'html' });
			sandbox.injectFault({ kind: 'html', status: 504 });
			const first = await postVideoStatus(sandbox, video);
			expect(first.status).toBe(502);
			expect(first.headers.get('content-type')).toBe('text/html');
			expect(first.text).toContain('<title>502 Bad Gateway</title>');
			expect(first.json).toBeUndefined();
			const second = await postVideoStatus(sandbox, video);
			expect(second.status).toBe(504);
			expect(second.text).toContain('504 Gateway Timeout');
		});

		it('malformedJson: answers 200 with a truncated JSON body', async () => {
			sandbox.injectFault({ kind: 'malformedJson' });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(200);
			expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
			expect(answer.text.startsWith('{"zaapId":')).toBe(true);
			expect(() => JSON.parse(answer.text)).toThrow();
		});

		it('delay: answers normally after the delay', async () => {
			sandbox.injectFault({ kind: 'delay', ms: 300 });
			const started = Date.now();
			const answer = await postVideoStatus(sandbox, video);
			expect(Date.now() - started).toBeGreaterThanOrEqual(290);
			expect(answer.status).toBe(200);
			expect(answer.json).toMatchObject({ zaapId: expect.stringMatching(/^[0-9A-F]{32}$/) });
			expect(sandbox.accepted()).toHaveLength(1);
		});

		it('delay: keeps a validation error as the answer', async () => {
			sandbox.injectFault({ kind: 'delay', ms: 50 });
			const answer = await postVideoStatus(sandbox, {});
			expect(answer.status).toBe(400);
			expect(answer.json).toEqual(ZAPI_ERRORS.videoRequired);
		});

		it('hang: reads the body and never answers', async () => {
			sandbox.injectFault({ kind: 'hang' });
			await expect(
				fetch(endpointUrl(sandbox, 'send-video-status'), {
					method: 'POST',
					headers: { 'Content-Type': 'application/json' },
					body: JSON.stringify(video),
					signal: AbortSignal.timeout(300),
				}),
			).rejects.toThrow();
			expect(lastRequest(sandbox)).toMatchObject({ status: 0, bodyBytes: JSON.stringify(video).length, fault: { kind: 'hang' } });
			// The next request is served normally.
			expect((await postVideoStatus(sandbox, video)).status).toBe(200);
		});

		it('hang: close() ends the hanging request instead of waiting for it', async () => {
			const hanging = await startZApiSandbox();
			hanging.injectFault({ kind: 'hang' });
			const pending = postVideoStatus(hanging, video);
			pending.catch(() => undefined);
			await waitFor(() => hanging.requests.length === 1 && hanging.requests[0].bodyBytes > 0);
			const started = Date.now();
			await hanging.close();
			expect(Date.now() - started).toBeLessThan(1000);
			await expect(pending).rejects.toThrow();
		});

		it('resetBeforeResponse: reads the body then destroys the socket', async () => {
			sandbox.injectFault({ kind: 'resetBeforeResponse' });
			await expect(postVideoStatus(sandbox, video)).rejects.toThrow();
			expect(lastRequest(sandbox)).toMatchObject({ status: 0, bodyBytes: JSON.stringify(video).length, video: { kind: 'url' } });
			expect(sandbox.accepted()).toHaveLength(0);
		});

		it('resetBeforeBody: destroys the socket as soon as the headers arrive', async () => {
			sandbox.injectFault({ kind: 'resetBeforeBody' });
			// Headers announce a body that is never sent: only a reset on header arrival can end this.
			const outcome = await rawExchange(
				sandbox.port,
				`POST /instances/${INSTANCE_ID}/token/${INSTANCE_TOKEN}/send-video-status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
			);
			expect(outcome).toEqual({ received: '', closedBy: 'server' });
			expect(lastRequest(sandbox)).toMatchObject({ status: 0, bodyBytes: 0, fault: { kind: 'resetBeforeBody' } });
		});

		it('resetBeforeBody: a fetch client sees a network error', async () => {
			sandbox.injectFault({ kind: 'resetBeforeBody' });
			await expect(postVideoStatus(sandbox, { video: dataUri(faststartMp4) })).rejects.toThrow();
		});

		it.each(['messageId', 'zaapId'] as const)('okWithout: answers 200 without %s', async (field) => {
			sandbox.injectFault({ kind: 'okWithout', field });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(200);
			const body = answer.json as Record<string, string>;
			expect(body).not.toHaveProperty(field);
			if (field === 'messageId') {
				// `id` mirrors messageId, so it goes too.
				expect(Object.keys(body)).toEqual(['zaapId']);
			} else {
				expect(Object.keys(body).sort()).toEqual(['id', 'messageId']);
			}
		});

		it('valueFalse: answers 200 {"value": false}', async () => {
			sandbox.injectFault({ kind: 'valueFalse' });
			const answer = await postVideoStatus(sandbox, video);
			expect(answer.status).toBe(200);
			expect(answer.json).toEqual({ value: false });
		});

		it('applies a fault `times` times, then answers normally', async () => {
			sandbox.injectFault({ kind: 'status', status: 500 }, 2);
			const statuses: number[] = [];
			for (let attempt = 0; attempt < 3; attempt++) statuses.push((await postVideoStatus(sandbox, video)).status);
			expect(statuses).toEqual([500, 500, 200]);
			expect(sandbox.accepted()).toHaveLength(1);
		});

		it('applies queued faults in order', async () => {
			sandbox.injectFault({ kind: 'status', status: 429 });
			sandbox.injectFault({ kind: 'html', status: 502 });
			sandbox.injectFault({ kind: 'valueFalse' });
			const statuses: Array<[number, unknown]> = [];
			for (let attempt = 0; attempt < 4; attempt++) {
				const answer = await postVideoStatus(sandbox, video);
				statuses.push([answer.status, answer.json && Object.keys(answer.json as object)]);
			}
			expect(statuses).toEqual([
				[429, ['error']],
				[502, undefined],
				[200, ['value']],
				[200, ['zaapId', 'messageId', 'id']],
			]);
		});

		it('only POSTs to send-* endpoints consume faults', async () => {
			sandbox.injectFault({ kind: 'status', status: 500 });
			expect((await call(endpointUrl(sandbox, 'status'))).status).toBe(200);
			expect((await call(endpointUrl(sandbox, 'send-video-status'))).status).toBe(405);
			expect((await call(endpointUrl(sandbox, 'no-such-endpoint'), { method: 'POST' })).status).toBe(404);
			expect((await postVideoStatus(sandbox, video)).status).toBe(500);
		});

		it('replaces the answer even when the request itself is invalid', async () => {
			sandbox.injectFault({ kind: 'status', status: 503 });
			expect((await postVideoStatus(sandbox, {}, {}, INSTANCE_ID, 'WRONG')).status).toBe(503);
		});

		it('clearFaults() drops queued faults', async () => {
			sandbox.injectFault({ kind: 'status', status: 500 }, 3);
			sandbox.clearFaults();
			expect((await postVideoStatus(sandbox, video)).status).toBe(200);
		});
	});

	describe('webhooks and callbacks (Z-API docs: webhooks/*)', () => {
		const put = (endpoint: string, body: unknown) =>
			call(endpointUrl(sandbox, endpoint), { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		const postJson = (endpoint: string, body: unknown) =>
			call(endpointUrl(sandbox, endpoint), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
		afterEach(() => {
			for (const kind of ['delivery', 'received', 'message-status'] as const) sandbox.setWebhookUrl(INSTANCE_ID, kind, undefined);
			sandbox.setNotifySentByMe(INSTANCE_ID, false);
		});

		it('keeps one URL per kind, answers {"value": true}, and an empty value clears it', async () => {
			expect((await put('update-webhook-message-status', { value: 'http://127.0.0.1:1/status' })).json).toEqual({ value: true });
			expect((await put('update-webhook-received', { value: 'http://127.0.0.1:1/received' })).json).toEqual({ value: true });
			expect(sandbox.webhookUrl(INSTANCE_ID, 'message-status')).toBe('http://127.0.0.1:1/status');
			expect(sandbox.notifySentByMe(INSTANCE_ID)).toBe(false);
			expect((await put('update-webhook-received-delivery', { value: 'http://127.0.0.1:1/both' })).json).toEqual({ value: true });
			expect(sandbox.webhookUrl(INSTANCE_ID, 'received')).toBe('http://127.0.0.1:1/both');
			expect(sandbox.notifySentByMe(INSTANCE_ID)).toBe(true);
			expect((await put('update-notify-sent-by-me', { notifySentByMe: false })).json).toEqual({ value: true });
			expect(sandbox.notifySentByMe(INSTANCE_ID)).toBe(false);
			await put('update-webhook-message-status', { value: '' });
			expect(sandbox.webhookUrl(INSTANCE_ID, 'message-status')).toBe('');
			expect((await put('update-webhook-delivery', {})).json).toEqual(ZAPI_ERRORS.fieldRequired('value'));
		});

		it('records every setting changed through the API, in order; GET me reports the URLs and "notify sent by me" (docs: instance/me)', async () => {
			sandbox.reset();
			await put('update-webhook-received-delivery', { value: 'http://127.0.0.1:1/both' });
			await put('update-notify-sent-by-me', { notifySentByMe: false });
			await put('update-webhook-received', { value: '' });
			expect(sandbox.settingChanges.map(({ endpoint, setting, value }) => [endpoint, setting, value])).toEqual([
				['update-webhook-received-delivery', 'webhook:received', 'http://127.0.0.1:1/both'],
				['update-webhook-received-delivery', 'notifySentByMe', true],
				['update-notify-sent-by-me', 'notifySentByMe', false],
				['update-webhook-received', 'webhook:received', ''],
			]);
			sandbox.setNotifySentByMe(INSTANCE_ID, true);
			await put('update-webhook-delivery', { value: 'http://127.0.0.1:1/d' });
			const me = await call(endpointUrl(sandbox, 'me'), { method: 'GET' });
			expect(me.json).toEqual(expect.objectContaining({ id: INSTANCE_ID, deliveryCallbackUrl: 'http://127.0.0.1:1/d', receivedCallbackUrl: '', messageStatusCallbackUrl: null, receiveCallbackSentByMe: true }));
			sandbox.setMeAnswer({ status: 404, body: { error: 'NOT_FOUND' } });
			expect((await call(endpointUrl(sandbox, 'me'), { method: 'GET' })).status).toBe(404);
			sandbox.reset();
			expect(sandbox.settingChanges).toEqual([]);
			expect((await call(endpointUrl(sandbox, 'me'), { method: 'GET' })).status).toBe(200);
		});

		it('update-auto-read-status takes {"value": boolean} and answers {"value": true} (docs: instance/auto-read-status)', async () => {
			expect((await put('update-auto-read-status', { value: true })).json).toEqual({ value: true });
			expect(sandbox.autoReadStatus(INSTANCE_ID)).toBe(true);
			expect((await put('update-auto-read-status', { value: false })).json).toEqual({ value: true });
			expect(sandbox.autoReadStatus(INSTANCE_ID)).toBe(false);
			expect((await put('update-auto-read-status', { value: 'yes' })).json).toEqual(ZAPI_ERRORS.fieldRequired('value'));
			expect((await put('update-notify-sent-by-me', { value: false })).json).toEqual(ZAPI_ERRORS.fieldRequired('notifySentByMe'));
		});

		it('setWebhookUpdateAnswer() replaces the answer for chosen updates without storing the URL', async () => {
			sandbox.setWebhookUpdateAnswer((kind) => (kind === 'delivery' ? { status: 200, body: { value: false } } : undefined));
			expect((await put('update-webhook-delivery', { value: 'http://127.0.0.1:1/d' })).json).toEqual({ value: false });
			expect(sandbox.webhookUrl(INSTANCE_ID, 'delivery')).toBeUndefined();
		});

		it('send-text takes a LID or a number and an optional messageId; with "notify sent by me" it echoes the message (fromMe)', async () => {
			const received: unknown[] = [];
			const { createServer } = await import('node:http');
			const server = createServer((request, response) => {
				let text = '';
				request.on('data', (chunk: Buffer) => (text += chunk.toString()));
				request.on('end', () => {
					received.push(JSON.parse(text));
					response.end('{}');
				});
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			try {
				const address = server.address() as { port: number };
				sandbox.setWebhookUrl(INSTANCE_ID, 'received', `http://127.0.0.1:${address.port}/r`);
				sandbox.setNotifySentByMe(INSTANCE_ID, true);
				const sent = await postJson('send-text', { phone: '81896604192873@lid', message: 'hi', messageId: 'R1' });
				expect(sent.status).toBe(200);
				expect(sandbox.requests[0].fields).toEqual({ phone: '81896604192873@lid', message: 'hi', messageId: 'R1' });
				expect((await postJson('send-text', { phone: 'abc@lid', message: 'hi' })).json).toEqual(ZAPI_ERRORS.invalidPhone);
				await sandbox.flushWebhooks();
				expect(received).toEqual([
					expect.objectContaining({ type: 'ReceivedCallback', fromMe: true, phone: '81896604192873@lid', messageId: (sent.json as { messageId: string }).messageId, referenceMessageId: 'R1' }),
				]);
			} finally {
				await new Promise((resolve) => server.close(resolve));
			}
		});

		it('refuses to post a callback for a kind without a URL', async () => {
			await expect(sandbox.sendStatusView(INSTANCE_ID, { statusMessageId: 'S' })).rejects.toThrow('has no message-status webhook');
		});
	});

	describe('close()', () => {
		it('destroys idle keep-alive sockets, resolves quickly and can be called twice', async () => {
			const closing = await startZApiSandbox();
			expect((await call(endpointUrl(closing, 'status'))).status).toBe(200);
			const started = Date.now();
			await Promise.all([closing.close(), closing.close()]);
			expect(Date.now() - started).toBeLessThan(1000);
			await expect(fetch(endpointUrl(closing, 'status'))).rejects.toThrow();
		});
	});
});

describe('video host', () => {
	let host: VideoHost;
	const big = Buffer.alloc(300 * 1024);
	for (let offset = 0; offset < big.length; offset++) big[offset] = offset % 251;

	beforeAll(async () => {
		host = await startVideoHost();
	});
	beforeEach(() => {
		host.requests.length = 0;
	});
	afterAll(async () => {
		await host.close();
	});

	it('add() returns an absolute loopback URL under /files/', () => {
		const url = host.add('clip.mp4', faststartMp4);
		expect(url).toBe(`http://127.0.0.1:${host.port}/files/clip.mp4`);
		expect(host.baseUrl).toBe(`http://127.0.0.1:${host.port}`);
	});

	it('HEAD answers headers only, with Content-Type and Content-Length', async () => {
		const url = host.add('clip.mp4', faststartMp4);
		const response = await fetch(url, { method: 'HEAD' });
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('video/mp4');
		expect(response.headers.get('content-length')).toBe(String(faststartMp4.length));
		expect((await response.arrayBuffer()).byteLength).toBe(0);
	});

	it('GET streams the exact bytes with Content-Length', async () => {
		const url = host.add('big.mp4', big);
		const response = await fetch(url);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-length')).toBe(String(big.length));
		expect(Buffer.from(await response.arrayBuffer()).equals(big)).toBe(true);
	});

	it('omitContentLength: GET is chunked and HEAD has no Content-Length', async () => {
		const url = host.add('chunked.mp4', big, { omitContentLength: true });
		const head = await fetch(url, { method: 'HEAD' });
		expect(head.status).toBe(200);
		expect(head.headers.get('content-length')).toBeNull();
		const get = await fetch(url);
		expect(get.headers.get('content-length')).toBeNull();
		expect(get.headers.get('transfer-encoding')).toBe('chunked');
		expect(Buffer.from(await get.arrayBuffer()).equals(big)).toBe(true);
	});

	it('honours contentType, headStatus and getStatus', async () => {
		const url = host.add('odd.bin', faststartMp4, { contentType: 'application/octet-stream', headStatus: 405, getStatus: 403 });
		const head = await fetch(url, { method: 'HEAD' });
		expect(head.status).toBe(405);
		expect(head.headers.get('content-length')).toBeNull();
		const get = await fetch(url);
		expect(get.status).toBe(403);
		expect(await get.text()).toBe('Forbidden');

		const untyped = host.add('untyped', faststartMp4, { contentType: '' });
		expect((await fetch(untyped, { method: 'HEAD' })).headers.get('content-type')).toBeNull();
		const typed = host.add('typed.mov', faststartMp4, { contentType: 'video/quicktime' });
		expect((await fetch(typed)).headers.get('content-type')).toBe('video/quicktime');
	});

	it('serves names that need URL encoding', async () => {
		const url = host.add('my clip #1.mp4', faststartMp4);
		expect(url.endsWith('/files/my%20clip%20%231.mp4')).toBe(true);
		expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(faststartMp4)).toBe(true);
	});

	it('answers 404 for unknown names and other paths', async () => {
		expect((await fetch(`${host.baseUrl}/files/missing.mp4`)).status).toBe(404);
		expect((await fetch(`${host.baseUrl}/other`)).status).toBe(404);
		expect((await fetch(`${host.baseUrl}/files/missing.mp4`, { method: 'HEAD' })).status).toBe(404);
	});

	it('records method, path and headers of every request', async () => {
		const url = host.add('clip.mp4', faststartMp4);
		await fetch(url, { method: 'HEAD', headers: { 'User-Agent': 'sandbox-test' } });
		await fetch(`${url}?download=1`, { headers: { 'Client-Token': 'leaked' } });
		expect(host.requests.map(({ method, path }) => ({ method, path }))).toEqual([
			{ method: 'HEAD', path: '/files/clip.mp4' },
			{ method: 'GET', path: '/files/clip.mp4?download=1' },
		]);
		expect(host.requests[0].headers['user-agent']).toBe('sandbox-test');
		expect(host.requests[0].headers['client-token']).toBeUndefined();
		// The log is what lets node tests prove secrets never reach a third-party host.
		expect(host.requests[1].headers['client-token']).toBe('leaked');
	});
});
