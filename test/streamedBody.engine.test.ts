/**
 * File bodies stream into the request (media/requestBody.ts), through n8n's own request helper on
 * both engine lines: what Z-API receives is exactly the file's Base64 with an exact Content-Length,
 * from every source and binary mode; a retry sends the same bytes again; a file that fails while it
 * is being sent ends the item with an error and never as a success.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { INodeParameters } from 'n8n-workflow';

import { FIXTURES, SPLIT_FIXTURES } from './fixtures';
import { BINARY_MODES, failStoredStreams } from './harness/binaryMode';
import type { BinaryMode } from './harness/binaryMode';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { ReceivedRequest, VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** 3 MB that sniff and inspect as a real MP4 (the fixture, then bytes the MP4 reader never looks at). */
function largeVideo(): Buffer {
	const fixture = readFileSync(FIXTURES.h264);
	const file = Buffer.alloc(3 * 1024 * 1024 + 1);
	for (let index = 0; index < file.length; index++) file[index] = (index * 7919) % 251;
	fixture.copy(file);
	return file;
}
const video = largeVideo();
const small = readFileSync(FIXTURES.h264);

async function send(parameters: INodeParameters, items: TestItemSpec[], binaryMode: BinaryMode = 'filesystem', continueOnFail = false) {
	return await runWorkflow(zApiWorkflow(parameters, { items, continueOnFail }), { credentials: sandboxCredentials(sandbox), binaryMode });
}

const binaryItem = (file: Buffer): TestItemSpec => ({ binary: { data: { content: file.toString('base64'), mimeType: 'video/mp4', fileName: 'video.mp4' } } });

/** The request carried the exact body length up front (no chunked encoding) and the file byte for byte. */
function expectExact(request: ReceivedRequest, file: Buffer) {
	expect(request.incomplete).toBeUndefined();
	expect(request.contentLength).toBe(String(request.bodyBytes));
	expect(request.video ?? request.media).toEqual(expect.objectContaining({ kind: 'dataUri', bytes: file.length, sha256: sha256(file) }));
}

describe('what Z-API receives is exactly the file, streamed with its length announced', () => {
	test.each(BINARY_MODES)('binary data in %s mode', async (binaryMode) => {
		// Non-MP4 checks off: the filler after the fixture's moov is not what its index describes.
		const run = await send({ videoSource: 'binary', caption: 'Olá', options: { uninspectable: 'send', maxDurationSeconds: 0 } }, [binaryItem(video), binaryItem(small)], binaryMode);
		expect(run.status).toBe('success');
		const [first, second] = sandbox.accepted();
		expectExact(first, video);
		expectExact(second, small);
		expect(first.caption).toBe('Olá');
	});

	test('Base64 text', async () => {
		const run = await send({ videoSource: 'base64', videoBase64: '={{ $json.b64 }}', options: { uninspectable: 'send', maxDurationSeconds: 0 } }, [{ json: { b64: video.toString('base64') } }]);
		expect(run.status).toBe('success');
		expectExact(sandbox.accepted()[0], video);
	});

	test('a downloaded link', async () => {
		const url = host.add('stream.mp4', video);
		const run = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'download', uninspectable: 'send', maxDurationSeconds: 0 } }, [{ json: {} }]);
		expect(run.status).toBe('success');
		expectExact(sandbox.accepted()[0], video);
	});

	test.each(BINARY_MODES)('the parts of a split video, each with its exact length (%s mode)', async (binaryMode) => {
		const long = readFileSync(SPLIT_FIXTURES.h264_180s);
		const run = await send({ videoSource: 'binary', options: { longVideo: 'split' } }, [binaryItem(long)], binaryMode);
		expect(run.error?.message).toBeUndefined();
		expect(run.status).toBe('success');
		const parts = sandbox.accepted().length;
		expect(parts).toBeGreaterThan(1);
		for (const request of sandbox.accepted()) {
			expect(request.contentLength).toBe(String(request.bodyBytes));
			expect(request.video).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4' }));
		}
	});

	test.each(BINARY_MODES)('an image from binary data in %s mode', async (binaryMode) => {
		const png = readFileSync(FIXTURES.png);
		const item: TestItemSpec = { binary: { data: { content: png.toString('base64'), mimeType: 'image/png', fileName: 'a.png' } } };
		const image = await runWorkflow(zApiWorkflow({ operation: 'sendImageStatus', imageSource: 'binary' }, { items: [item] }), { credentials: sandboxCredentials(sandbox), binaryMode });
		expect(image.status).toBe('success');
		expectExact(sandbox.accepted()[0], png);
		expect(image.output(ZAPI_NODE)).toHaveLength(1);
	});
});

describe('retries', () => {
	test.each(BINARY_MODES)('a retry after a 503 sends the same bytes again (%s mode)', async (binaryMode) => {
		sandbox.injectFault({ kind: 'status', status: 503 });
		const run = await send({ videoSource: 'binary', options: { retries: 2, retryDelay: 5, uninspectable: 'send', maxDurationSeconds: 0 } }, [binaryItem(video)], binaryMode);
		expect(run.status).toBe('success');
		expect(sandbox.requests).toHaveLength(2);
		for (const request of sandbox.requests) expectExact(request, video);
		expect(sandbox.accepted()).toHaveLength(1);
	});
});

test('a redirect is not followed with a file (a streamed body is not sent twice): the item fails, saying so', async () => {
	sandbox.injectFault({ kind: 'status', status: 307, headers: { Location: `${sandbox.baseUrl}/elsewhere` } });
	const run = await send({ videoSource: 'binary' }, [binaryItem(small)]);
	expect(run.status).toBe('error');
	expect(run.error?.message).toBe('Z-API answered with a redirect (HTTP 307), which the node does not follow when it sends a file [item 0]');
	expect(sandbox.requests).toHaveLength(1);
});

/** The sandbox learns that a cut-off request ended only once its socket closes, which a loaded machine delays: wait for it (5 s at most). */
async function sandboxSawTheEnd(): Promise<void> {
	for (let waited = 0; waited < 5000; waited += 20) {
		const last = sandbox.requests.at(-1);
		if (last && (last.incomplete || last.status !== 0)) return;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

describe('a file that fails while it is being sent', () => {
	afterEach(() => failStoredStreams(undefined));

	const storageFails = BINARY_MODES.includes('offloaded') ? test : test.skip;

	storageFails('a storage error halfway ends the item with an error naming it; Z-API gets a cut-off request and posts nothing', async () => {
		// The first stream is the checks' pass over the file's outline; the second is the request body.
		failStoredStreams({ fromOpen: 2, afterBytes: 2.5 * 1024 * 1024 });
		const run = await send({ videoSource: 'binary', options: { retries: 2, retryDelay: 5, uninspectable: 'send', maxDurationSeconds: 0 } }, [binaryItem(video)], 'offloaded');
		await sandboxSawTheEnd();
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			'Input Binary Field: The video could not be read while it was being sent (storage read failed (test fault)). Nothing was posted: the request was cut off before its end, so Z-API did not take it [item 0]',
		);
		expect(run.error?.description).toMatch(/^Check that the file is still in n8n's binary data storage/);
		expect(sandbox.accepted()).toHaveLength(0);
		// Sent once (not retried: reading the file again would fail the same way), cut off short of its Content-Length.
		expect(sandbox.requests).toHaveLength(1);
		expect(sandbox.requests[0]).toEqual(expect.objectContaining({ incomplete: true, status: 0, contentLength: expect.any(String) }));
	});

	storageFails('with Continue On Fail the error is the item\'s output, and the next item is still sent', async () => {
		failStoredStreams({ fromOpen: 2, afterBytes: 1024 * 1024 });
		const run = await send({ videoSource: 'binary', options: { uninspectable: 'send', maxDurationSeconds: 0 } }, [binaryItem(video), binaryItem(small)], 'offloaded', true);
		expect(run.status).toBe('success');
		const [failed, sent] = run.output(ZAPI_NODE);
		expect(String(failed.json.error)).toMatch(/could not be read while it was being sent/);
		expect(failed.pairedItem).toEqual({ item: 0 });
		expect(sent.json.messageId).toEqual(expect.any(String));
		expect(sandbox.accepted()).toHaveLength(1);
		expectExact(sandbox.accepted()[0], small);
	});
});
