/**
 * Send Video Status through n8n-core's real WorkflowExecute, against the Z-API sandbox on loopback.
 * Every test asserts both what the node output and what the sandbox received.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { INodeParameters } from 'n8n-workflow';

import { FIXTURES } from './fixtures';
import { BINARY_MODES } from './harness/binaryMode';
import type { BinaryMode } from './harness/binaryMode';
import { testCredentials } from './harness/credentialTest';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import { nodeText, runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';
import { startZApiSandbox } from './sandbox/zapiSandbox';

const LIMIT = 10_485_760;
const video = readFileSync(FIXTURES.h264);
const videoSha = sha256(video);
const videoBase64 = video.toString('base64');
// A stretch of the payload far from the (generic) MP4 header: finding it anywhere means the payload leaked.
const payloadProbe = videoBase64.slice(4000, 4060);

function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

/** A file of exactly `bytes` bytes that sniffs as MP4 (the real fixture's header, then filler). */
function mp4OfSize(bytes: number): Buffer {
	const file = Buffer.alloc(bytes, 0x5a);
	video.copy(file, 0, 0, Math.min(video.length, bytes));
	return file;
}

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));

interface SendOptions {
	items?: TestItemSpec[];
	continueOnFail?: boolean;
	binaryMode?: BinaryMode;
	credentials?: Record<string, string>;
}

async function send(parameters: INodeParameters, options: SendOptions = {}) {
	const run = await runWorkflow(zApiWorkflow(parameters, { items: options.items, continueOnFail: options.continueOnFail }), {
		binaryMode: options.binaryMode,
		credentials: sandboxCredentials(sandbox, options.credentials),
	});
	// Whatever happened, the node never leaks a secret into what n8n stores or shows.
	const everything = runText(run);
	expect(everything).not.toContain(SECRETS.instanceToken);
	expect(everything).not.toContain(SECRETS.clientToken);
	expect(nodeText(run, ZAPI_NODE)).not.toContain(payloadProbe);
	return run;
}

const binaryItem = (file: string | Buffer, mimeType: string | undefined = 'video/mp4', json = {}): TestItemSpec => ({
	json,
	binary: {
		data:
			typeof file === 'string'
				? { file, mimeType, fileName: file.split('/').pop() }
				: { content: file.toString('base64'), mimeType, fileName: 'video.mp4' },
	},
});

describe('binary source', () => {
	test.each(BINARY_MODES)('sends the file as a video/mp4 data URI in %s binary mode', async (binaryMode) => {
		const run = await send(
			{ videoSource: 'binary', binaryPropertyName: 'data', caption: 'Promo' },
			{ items: [binaryItem(FIXTURES.h264)], binaryMode },
		);

		expect(run.status).toBe('success');
		const [item] = run.output(ZAPI_NODE);
		const [received] = sandbox.accepted();
		const { video: facts, ...zApiFields } = item.json;
		expect(zApiFields).toEqual(received.response);
		expect(zApiFields).toEqual(expect.objectContaining({ zaapId: expect.any(String), messageId: expect.any(String) }));
		expect(facts).toEqual(expect.objectContaining({ bytes: video.length, mimeType: 'video/mp4', videoCodec: 'H.264', durationSeconds: 2 }));
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(received.video).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4', bytes: video.length, sha256: videoSha }));
		expect(received.caption).toBe('Promo');
		expect(received.clientTokenHeader).toBe(SECRETS.clientToken);
		expect(received.contentType).toMatch(/^application\/json/);
	});

	test.each(BINARY_MODES)('accepts exactly 10,485,760 bytes and refuses one byte more, sending nothing, in %s mode', async (binaryMode) => {
		const atLimit = await send({ videoSource: 'binary' }, { items: [binaryItem(mp4OfSize(LIMIT))], binaryMode });
		expect(atLimit.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(1);
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ bytes: LIMIT }));

		sandbox.reset();
		const overLimit = await send({ videoSource: 'binary' }, { items: [binaryItem(mp4OfSize(LIMIT + 1))], binaryMode });
		expect(overLimit.status).toBe('error');
		expect(overLimit.error?.message).toBe(
			'Input Binary Field: The video is 10.0 MB (10,485,761 bytes); WhatsApp Status accepts at most 10.0 MB (10,485,760 bytes) [item 0]',
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('sends a QuickTime file with its own video type', async () => {
		const run = await send({ videoSource: 'binary' }, { items: [binaryItem(FIXTURES.quicktime, 'video/quicktime')] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ mimeType: 'video/quicktime' }));
	});

	test('accepts application/octet-stream when the bytes are MP4, and sends it as video/mp4', async () => {
		const run = await send({ videoSource: 'binary' }, { items: [binaryItem(FIXTURES.h264, 'application/octet-stream')] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ mimeType: 'video/mp4', sha256: videoSha }));
	});

	test.each([
		['a PNG labelled as a PNG', FIXTURES.png, 'image/png', 'Input Binary Field: The file is a PNG image, not a video (it was labelled image/png) [item 0]'],
		['a PNG labelled as MP4', FIXTURES.png, 'video/mp4', 'Input Binary Field: The file is a PNG image, not a video (it was labelled video/mp4) [item 0]'],
		['a PNG labelled octet-stream', FIXTURES.png, 'application/octet-stream', 'Input Binary Field: The file is a PNG image, not a video (it was labelled application/octet-stream) [item 0]'],
		['unknown bytes with a generic type', Buffer.from('just some text that is no video'), 'application/octet-stream', 'Input Binary Field: The file has the generic type application/octet-stream and its content is not recognisable as an MP4 video [item 0]'],
		['a PDF with its own type', Buffer.from('%PDF-1.7 fake'), 'application/pdf', 'Input Binary Field: The file is a PDF document, not a video (it was labelled application/pdf) [item 0]'],
		['an empty file', Buffer.alloc(0), 'video/mp4', 'Input Binary Field: The binary file is empty (0 bytes) [item 0]'],
	])('refuses %s before sending', async (_label, file, mimeType, message) => {
		const run = await send({ videoSource: 'binary' }, { items: [binaryItem(file, mimeType)] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(message);
		expect(run.error?.description).toEqual(expect.any(String));
		expect(sandbox.requests).toHaveLength(0);
	});

	test('names the missing binary field', async () => {
		const run = await send({ videoSource: 'binary', binaryPropertyName: 'video' }, { items: [binaryItem(FIXTURES.h264)] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe("The item has no binary field 'video' [item 0]");
		expect(sandbox.requests).toHaveLength(0);
	});

	test('says so when the item has no binary data at all', async () => {
		const run = await send({ videoSource: 'binary' }, { items: [{ json: { a: 1 } }] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(/expects the node's input data to contain a binary file 'data'.*\[item 0\]/);
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('base64 source', () => {
	test.each([
		['raw Base64', videoBase64],
		['raw Base64 with line breaks every 76 characters', videoBase64.replace(/.{76}/g, '$&\r\n')],
		['a data URI', `data:video/mp4;base64,${videoBase64}`],
		['a data URI with line breaks and surrounding spaces', `  data:video/mp4;base64,${videoBase64.replace(/.{64}/g, '$&\n')}\n`],
	])('sends %s as a video/mp4 data URI with the exact bytes', async (_label, text) => {
		const run = await send({ videoSource: 'base64', videoBase64: '={{ $json.video }}' }, { items: [{ json: { video: text } }] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4', bytes: video.length, sha256: videoSha }));
	});

	test('keeps the video type a data URI declares', async () => {
		const quicktime = readFileSync(FIXTURES.quicktime);
		const run = await send({ videoSource: 'base64', videoBase64: `data:video/quicktime;base64,${quicktime.toString('base64')}` });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ mimeType: 'video/quicktime', sha256: sha256(quicktime) }));
	});

	test('accepts exactly 10 MB of decoded bytes and refuses one more, sending nothing', async () => {
		const atLimit = mp4OfSize(LIMIT).toString('base64');
		const ok = await send({ videoSource: 'base64', videoBase64: '={{ $json.video }}' }, { items: [{ json: { video: atLimit } }] });
		expect(ok.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ bytes: LIMIT }));

		sandbox.reset();
		const tooBig = mp4OfSize(LIMIT + 1).toString('base64');
		const refused = await send({ videoSource: 'base64', videoBase64: '={{ $json.video }}' }, { items: [{ json: { video: tooBig } }] });
		expect(refused.status).toBe('error');
		expect(refused.error?.message).toBe(
			'Video (Base64): The video is 10.0 MB (10,485,761 bytes); WhatsApp Status accepts at most 10.0 MB (10,485,760 bytes) [item 0]',
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test.each([
		['an invalid character', `${videoBase64.slice(0, 100)}*${videoBase64.slice(101)}`, /invalid character \("\*"\) at position 101/],
		['URL-safe Base64', videoBase64.replace(/\+/g, '-'), /invalid character \("-"\)/],
		['truncated Base64', videoBase64.slice(0, 4001), /cut short/],
		['an image data URI', `data:image/png;base64,${readFileSync(FIXTURES.png).toString('base64')}`, /declares image\/png, not a video type/],
		['a data URI that is not Base64', 'data:video/mp4,hello', /not Base64-encoded/],
		['raw Base64 of a PNG', readFileSync(FIXTURES.png).toString('base64'), /The file is a PNG image, not a video/],
		['an empty text', '   ', /The Base64 text is empty/],
	])('refuses %s before sending', async (_label, text, message) => {
		const run = await send({ videoSource: 'base64', videoBase64: '={{ $json.video }}' }, { items: [{ json: { video: text } }] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(/^Video \(Base64\): /);
		expect(run.error?.message).toMatch(message);
		expect(run.error?.message).toMatch(/\[item 0\]$/);
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('url source', () => {
	test('checks size and type with one HEAD to the video host (without the Client-Token), then passes the link', async () => {
		const url = host.add('clip.mp4', video);
		const run = await send({ videoSource: 'url', videoUrl: url, caption: 'From a link' });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
		expect(sandbox.accepted()[0].caption).toBe('From a link');
		expect(host.requests.map((request) => request.method)).toEqual(['HEAD']);
		expect(JSON.stringify(host.requests)).not.toContain(SECRETS.clientToken);
		expect(JSON.stringify(host.requests).toLowerCase()).not.toContain('client-token');
	});

	test('refuses a link the host reports as over 10 MB, and one that is a web page', async () => {
		const big = host.add('big.mp4', mp4OfSize(LIMIT + 1));
		const page = host.add('share', Buffer.from('<!doctype html><html>Drive</html>'), { contentType: 'text/html; charset=utf-8' });
		const bigRun = await send({ videoSource: 'url', videoUrl: big });
		expect(bigRun.error?.message).toMatch(/^Video URL: The video is 10.0 MB \(10,485,761 bytes\).*\[item 0\]$/);
		const pageRun = await send({ videoSource: 'url', videoUrl: page });
		expect(pageRun.error?.message).toBe('Video URL: The video URL points to text/html content, not a video [item 0]');
		expect(pageRun.error?.description).toMatch(/direct download link/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('passes the link on unchecked when the host does not answer HEAD', async () => {
		const url = host.add('signed.mp4', video, { headStatus: 403 });
		const run = await send({ videoSource: 'url', videoUrl: url });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toEqual([
			'The link was passed on without a size check: its host answered HTTP 403 to the HEAD request',
		]);
	});

	test('"Pass Link Only" makes no request to the video host', async () => {
		const url = host.add('clip2.mp4', video);
		const run = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'passLink' } });
		expect(run.status).toBe('success');
		expect(host.requests).toHaveLength(0);
		expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
	});

	test('"Download and Send File" sends the bytes as a data URI, and stops an oversize download', async () => {
		const url = host.add('private.mp4', video, { contentType: 'application/octet-stream' });
		const run = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'download' } });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4', sha256: videoSha }));
		expect(JSON.stringify(host.requests).toLowerCase()).not.toContain('client-token');

		sandbox.reset();
		const chunked = host.add('huge.mp4', mp4OfSize(LIMIT + 1), { omitContentLength: true });
		const refused = await send({ videoSource: 'url', videoUrl: chunked, options: { urlHandling: 'download' } });
		expect(refused.error?.message).toMatch(/larger than 10.0 MB .*download was stopped/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test.each([
		['a relative path', '/videos/a.mp4', 'Video URL: The video URL is not a valid absolute URL [item 0]'],
		['an ftp link', 'ftp://example.com/a.mp4', 'Video URL: The video URL uses ftp: links, which Z-API cannot download [item 0]'],
		['a file path', 'file:///etc/passwd', 'Video URL: The video URL uses file: links, which Z-API cannot download [item 0]'],
		['credentials in the link', 'https://user:pass@example.com/a.mp4', 'Video URL: The video URL contains a user name or password [item 0]'],
		['an empty link (from an expression)', '', 'Video URL: The video URL is empty [item 0]'],
	])('refuses %s before sending', async (_label, link, message) => {
		const run = await send({ videoSource: 'url', videoUrl: '={{ $json.link }}' }, { items: [{ json: { link } }] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(message);
		expect(sandbox.requests).toHaveLength(0);
		expect(host.requests).toHaveLength(0);
	});
});

describe('caption', () => {
	test('comes from an expression per item, and is left out when empty', async () => {
		const url = host.add('c.mp4', video);
		const run = await send(
			{ videoSource: 'url', videoUrl: url, caption: '={{ $json.caption }}', options: { urlHandling: 'passLink' } },
			{ items: [{ json: { caption: 'Black Friday: 50% off' } }, { json: { caption: '' } }, { json: { caption: '   ' } }] },
		);
		expect(run.status).toBe('success');
		const captions = sandbox.accepted().map((request) => request.caption);
		expect(captions).toEqual(['Black Friday: 50% off', undefined, undefined]);
	});

	test('refuses an expression that gives an object', async () => {
		const run = await send(
			{ videoSource: 'url', videoUrl: 'https://example.com/a.mp4', caption: '={{ $json.meta }}', options: { urlHandling: 'passLink' } },
			{ items: [{ json: { meta: { text: 'x' } } }] },
		);
		expect(run.error?.message).toBe('Caption must be text, but its expression gave an object [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('many items', () => {
	test('one output item per input item, in order, each paired to its input, across sources', async () => {
		const items: TestItemSpec[] = [];
		for (let index = 0; index < 24; index++) {
			const kind = ['binary', 'base64', 'url'][index % 3];
			if (kind === 'binary') items.push(binaryItem(FIXTURES.h264, 'video/mp4', { kind, n: index }));
			if (kind === 'base64') items.push({ json: { kind, n: index, text: videoBase64 } });
			if (kind === 'url') items.push({ json: { kind, n: index, link: `https://videos.example.com/${index}.mp4` } });
		}
		const run = await send(
			{
				videoSource: '={{ $json.kind }}',
				videoUrl: '={{ $json.link }}',
				videoBase64: '={{ $json.text }}',
				caption: '={{ "item " + $json.n }}',
				options: { urlHandling: 'passLink' },
			},
			{ items, binaryMode: 'filesystem' },
		);
		expect(run.error?.message).toBeUndefined();
		expect(run.status).toBe('success');
		const output = run.output(ZAPI_NODE);
		expect(output).toHaveLength(24);
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
		const accepted = sandbox.accepted();
		expect(accepted.map((request) => request.caption)).toEqual(items.map((_item, index) => `item ${index}`));
		expect(output.map((item) => item.json.messageId)).toEqual(accepted.map((request) => (request.response as { messageId: string }).messageId));
	});

	test('Continue On Fail: bad items become error items in place, the good ones are still sent', async () => {
		const items: TestItemSpec[] = [
			binaryItem(FIXTURES.h264, 'video/mp4', { n: 0 }),
			binaryItem(FIXTURES.png, 'image/png', { n: 1 }),
			binaryItem(FIXTURES.h264, 'video/mp4', { n: 2 }),
			{ json: { n: 3 } },
			binaryItem(mp4OfSize(LIMIT + 1), 'video/mp4', { n: 4 }),
			binaryItem(FIXTURES.hevc, 'video/mp4', { n: 5 }),
		];
		const run = await send({ videoSource: 'binary', caption: '={{ "n" + $json.n }}' }, { items, continueOnFail: true });
		expect(run.status).toBe('success');
		const output = run.output(ZAPI_NODE);
		expect(output).toHaveLength(6);
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));
		expect(output.map((item) => ('error' in item.json ? 'error' : 'sent'))).toEqual(['sent', 'error', 'sent', 'error', 'error', 'sent']);
		expect(output[1].json.error).toBe('Input Binary Field: The file is a PNG image, not a video (it was labelled image/png) [item 1]');
		expect(output[3].json.error).toMatch(/binary file 'data'.*\[item 3\]/);
		expect(output[4].json.error).toMatch(/10,485,761 bytes.*\[item 4\]/);
		expect(sandbox.accepted().map((request) => request.caption)).toEqual(['n0', 'n2', 'n5']);
	});

	test('without Continue On Fail the node stops at the first failing item', async () => {
		const items = [binaryItem(FIXTURES.h264), binaryItem(FIXTURES.png, 'image/png'), binaryItem(FIXTURES.h264)];
		const run = await send({ videoSource: 'binary' }, { items });
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(/\[item 1\]$/);
		expect(sandbox.accepted()).toHaveLength(1);
	});
});

describe('Z-API errors', () => {
	const url = 'https://videos.example.com/a.mp4';
	// Retries are the reliability suite's subject; here each failure is seen as it first comes.
	const viaLink = { videoSource: 'url', videoUrl: url, options: { urlHandling: 'passLink', retries: 0 } };

	test('no Client-Token header when the field is empty; an account without Client-Token security accepts that', async () => {
		sandbox.setClientToken(undefined);
		const run = await send(viaLink, { credentials: { clientToken: '' } });
		expect(run.status).toBe('success');
		expect(sandbox.requests[0].clientTokenHeader).toBeUndefined();
	});

	test('an empty Client-Token on an account that requires one: HTTP 400 explained, pointing to the Client-Token field', async () => {
		const run = await send(viaLink, { credentials: { clientToken: '' } });
		expect(run.error?.message).toBe('Z-API requires a Client-Token for this account, and none was sent (HTTP 400) [item 0]');
		expect(run.error?.description).toMatch(/Client-Token field/);
		expect((run.error as unknown as { httpCode?: string }).httpCode).toBe('400');
	});

	test('a wrong Client-Token: HTTP 403 explained, and the value Z-API echoes never reaches the error', async () => {
		const run = await send(viaLink, { credentials: { clientToken: 'CLIENT-wrong-5e5e-unique' } });
		expect(run.error?.message).toBe('Z-API rejected the Client-Token (HTTP 403) [item 0]');
		expect(runText(run)).not.toContain('CLIENT-wrong-5e5e-unique');
	});

	test('a wrong instance ID (404) or instance token (401): both named as not accepted, the token never shown', async () => {
		const wrongId = await send(viaLink, { credentials: { instanceId: 'NO-SUCH-INSTANCE' } });
		expect(wrongId.error?.message).toMatch(/^Z-API did not accept the instance ID and token \(HTTP 404/);
		const wrongToken = await send(viaLink, { credentials: { instanceToken: 'TOKEN-wrong-unique-9911' } });
		expect(wrongToken.error?.message).toMatch(/^Z-API did not accept the instance ID and token \(HTTP 401/);
		expect(runText(wrongToken)).not.toContain('TOKEN-wrong-unique-9911');
	});

	test('an instance not connected to WhatsApp: says so and how to connect it', async () => {
		sandbox.setInstanceConnected(SECRETS.instanceId, false);
		const run = await send(viaLink);
		expect(run.error?.message).toBe('The Z-API instance is not connected to WhatsApp [item 0]');
		expect(run.error?.description).toMatch(/scanning the QR code/);
	});

	test.each([
		[{ kind: 'status', status: 503, body: { error: 'Service Unavailable' } } as const, /^Z-API is unavailable \(HTTP 503/, 'rejected'],
		[{ kind: 'status', status: 500, body: { error: 'Internal error' } } as const, /^Z-API failed while handling the request \(HTTP 500/, 'unknown'],
		[{ kind: 'status', status: 429, body: { error: 'Too many requests' }, headers: { 'Retry-After': '3' } } as const, /^Z-API is rate-limiting this instance/, 'rejected'],
		[{ kind: 'html', status: 502 } as const, /^Z-API failed while handling the request \(HTTP 502/, 'unknown'],
		[{ kind: 'valueFalse' } as const, /^Z-API answered without a message ID/, 'unknown'],
		[{ kind: 'okWithout', field: 'messageId' } as const, /^Z-API answered without a message ID/, 'unknown'],
		[{ kind: 'malformedJson' } as const, /^Z-API answered HTTP 200 without a JSON object/, 'unknown'],
		[{ kind: 'resetBeforeResponse' } as const, /^The connection to Z-API at 127\.0\.0\.1:\d+ broke before it answered \[item 0\]$/, 'unknown'],
	])('%o becomes a clear error that says whether the status may have been posted', async (fault, message, outcome) => {
		sandbox.injectFault(fault);
		const run = await send(viaLink);
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(message);
		expect((run.error as unknown as { context: { outcome: string } }).context.outcome).toBe(outcome);
		if (outcome === 'unknown') expect(run.error?.description).toMatch(/may or may not have been posted/);
	});

	test('Z-API unreachable: retried, then reported as not sent', async () => {
		const closed = await startZApiSandbox();
		const deadUrl = closed.baseUrl;
		await closed.close();
		const run = await send({ ...viaLink, options: { urlHandling: 'passLink', retries: 2, retryDelay: 10 } }, { credentials: { baseUrl: deadUrl } });
		expect(run.error?.message).toMatch(/^Z-API could not be reached at 127\.0\.0\.1:\d+ \(connection refused\) \(after 3 attempts\) \[item 0\]$/);
		expect(run.error?.description).toMatch(/Nothing was sent/);
	});

	test('a timeout is reported as an unknown outcome', async () => {
		sandbox.injectFault({ kind: 'hang' });
		const run = await send({ ...viaLink, options: { urlHandling: 'passLink', timeout: 1000 } });
		expect(sandbox.requests).toHaveLength(1);
		expect(run.error?.message).toBe('Z-API did not answer within 1 s [item 0]');
		expect(run.error?.description).toMatch(/may or may not have been posted/);
	});

	test('a base URL with a trailing slash gives clean paths', async () => {
		const run = await send(viaLink, { credentials: { baseUrl: `${sandbox.baseUrl}//` } });
		expect(run.status).toBe('success');
		expect(sandbox.requests[0].path).toBe(`/instances/${SECRETS.instanceId}/token/<token>/send-video-status`);
	});

	test.each([
		['a line break inside the Client-Token', { clientToken: 'CLIENT-Fk93\nLm' }, 'The Client-Token in the Z-API credential contains spaces or line breaks [item 0]'],
		['a space inside the instance token', { instanceToken: 'TOKEN q8' }, 'The Instance Token in the Z-API credential contains spaces, line breaks or URL characters [item 0]'],
		['no instance ID', { instanceId: '  ' }, 'The Z-API credential has no Instance ID [item 0]'],
		['a base URL that is not http(s)', { baseUrl: 'ftp://api.z-api.io' }, 'The Base URL in the Z-API credential must be a plain http(s) address [item 0]'],
	])('credential with %s is refused before sending', async (_label, overrides, message) => {
		const run = await send(viaLink, { credentials: overrides });
		expect(run.error?.message).toBe(message);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('surrounding whitespace in the credential fields is ignored', async () => {
		const run = await send(viaLink, {
			credentials: { instanceId: ` ${SECRETS.instanceId}\n`, instanceToken: `${SECRETS.instanceToken} `, clientToken: `\t${SECRETS.clientToken}\n` },
		});
		expect(run.status).toBe('success');
		expect(sandbox.requests[0].clientTokenHeader).toBe(SECRETS.clientToken);
	});
});

describe('credential test (the editor\'s "Test" button)', () => {
	const data = (overrides: Record<string, string> = {}) => sandboxCredentials(sandbox, overrides).zApiApi;

	test('passes for valid credentials, also with a trailing slash in the base URL', async () => {
		expect(await testCredentials('zApiApi', data())).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(await testCredentials('zApiApi', data({ baseUrl: `${sandbox.baseUrl}/` }))).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sandbox.requests.map((request) => request.path)).toEqual([
			`/instances/${SECRETS.instanceId}/token/<token>/status`,
			`/instances/${SECRETS.instanceId}/token/<token>/status`,
		]);
	});

	test('passes for a valid credential whose phone is offline (a warning, not a credential failure)', async () => {
		sandbox.setInstanceConnected(SECRETS.instanceId, false);
		expect((await testCredentials('zApiApi', data())).status).toBe('OK');
	});

	test.each([
		['an empty Client-Token', { clientToken: '' }, /^Client-Token missing/],
		['a wrong Client-Token', { clientToken: 'nope' }, /^Client-Token rejected/],
		['a wrong instance token', { instanceToken: 'nope' }, /^Instance Token rejected/],
		['a wrong instance ID', { instanceId: 'nope' }, /^Instance not found/],
	])('names the field at fault for %s', async (_label, overrides, message) => {
		const result = await testCredentials('zApiApi', data(overrides));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(message);
		expect(result.message).not.toContain(SECRETS.instanceToken);
	});
});
