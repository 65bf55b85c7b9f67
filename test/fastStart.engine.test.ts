/**
 * Move Index to Front through n8n-core's real WorkflowExecute against the Z-API sandbox, which keeps
 * the bytes it received: a video whose index (moov) is at the end goes out fast start, the same
 * movie, from every source the node holds the file of; off when the option is off; not applicable
 * to links Z-API downloads itself.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { FIXTURES, OTHER_LAYOUT_FIXTURES, SPLIT_FIXTURES } from './fixtures';
import { expectSameMovieMovedToFront } from './fixtures/sameMovie';
import type { BinaryMode } from './harness/binaryMode';
import { BINARY_MODES } from './harness/binaryMode';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import { runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers), { keepVideoBytes: true });

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const moovAtEnd = readFileSync(FIXTURES.h264MoovAtEnd);

async function send(parameters: INodeParameters, items?: TestItemSpec[], binaryMode: BinaryMode = 'filesystem') {
	const run = await runWorkflow(zApiWorkflow(parameters, { items }), { credentials: sandboxCredentials(sandbox), binaryMode });
	expect(runText(run)).not.toContain(SECRETS.instanceToken);
	expect(run.status).toBe('success');
	return run;
}

const fileItem = (path: string, mimeType = 'video/mp4'): TestItemSpec => ({ binary: { data: { file: path, mimeType } } });
const bytesItem = (content: Buffer): TestItemSpec => ({ binary: { data: { content: content.toString('base64'), mimeType: 'video/mp4' } } });
const videoOf = (run: Awaited<ReturnType<typeof send>>, index = 0) => run.output(ZAPI_NODE)[index].json.video as IDataObject;

/** The one video the sandbox received, as bytes. */
function received(): Buffer {
	const [request] = sandbox.accepted();
	expect(sandbox.accepted()).toHaveLength(1);
	const video = request.video as { kind: string; data?: Buffer };
	expect(video.kind).toBe('dataUri');
	return video.data!;
}

describe('Move Index to Front (on by default)', () => {
	test.each(BINARY_MODES)('binary data in %s mode: the moov-at-end video goes out fast start, the same movie', async (binaryMode) => {
		const run = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.h264MoovAtEnd)], binaryMode);
		await expectSameMovieMovedToFront(moovAtEnd, received());
		// The same file ffmpeg -movflags +faststart made of this recording.
		expect(sha256(received())).toBe(sha256(readFileSync(FIXTURES.h264)));
		expect(videoOf(run)).toEqual(expect.objectContaining({ bytes: moovAtEnd.length, fastStart: true, indexMovedToFront: true, warnings: [] }));
	});

	test('Base64 text and a link with URL Handling = Download and Send File are moved the same way', async () => {
		const base64 = await send({ videoSource: 'base64', videoBase64: `data:video/mp4;base64,${moovAtEnd.toString('base64')}` });
		await expectSameMovieMovedToFront(moovAtEnd, received());
		expect(videoOf(base64)).toEqual(expect.objectContaining({ fastStart: true, indexMovedToFront: true }));

		sandbox.reset();
		const url = host.add('end.mp4', moovAtEnd);
		const downloaded = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'download' } });
		await expectSameMovieMovedToFront(moovAtEnd, received());
		expect(videoOf(downloaded)).toEqual(expect.objectContaining({ fastStart: true, indexMovedToFront: true }));
	});

	test('QuickTime without ftyp: the moov goes first, the rest follows unchanged', async () => {
		const file = readFileSync(OTHER_LAYOUT_FIXTURES.qtNoFtypMoovAtEnd);
		await send({ videoSource: 'binary' }, [fileItem(OTHER_LAYOUT_FIXTURES.qtNoFtypMoovAtEnd, 'video/quicktime')]);
		await expectSameMovieMovedToFront(file, received());
		expect((sandbox.accepted()[0].video as { mimeType: string }).mimeType).toBe('video/quicktime');
	});

	test('a fast-start video is sent as it is, with no note', async () => {
		const run = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.h264)]);
		expect(sha256(received())).toBe(sha256(readFileSync(FIXTURES.h264)));
		expect(videoOf(run)).toEqual(expect.objectContaining({ fastStart: true, warnings: [] }));
		expect(videoOf(run).indexMovedToFront).toBeUndefined();
	});

	test('off: the video is sent as it is, with the warning', async () => {
		const run = await send({ videoSource: 'binary', options: { moveIndexToFront: false } }, [fileItem(FIXTURES.h264MoovAtEnd)]);
		expect(sha256(received())).toBe(sha256(moovAtEnd));
		expect(videoOf(run)).toEqual(expect.objectContaining({ fastStart: false, warnings: ['The MP4 index (moov) is at the end of the file, so viewers wait for the whole download before it plays'] }));
		expect(videoOf(run).indexMovedToFront).toBeUndefined();
	});

	test('a file the node cannot move as it is goes out unchanged, the warning saying why', async () => {
		// The track's data reference no longer says "in this file".
		const file = Buffer.from(moovAtEnd);
		file[file.indexOf('url ', 0, 'latin1') + 7] = 0;
		const run = await send({ videoSource: 'binary' }, [bytesItem(file)]);
		expect(sha256(received())).toBe(sha256(file));
		expect(videoOf(run)).toEqual(
			expect.objectContaining({
				fastStart: false,
				warnings: [
					'The MP4 index (moov) is at the end of the file, so viewers wait for the whole download before it plays; it could not be moved to the front: its media is kept in another file',
				],
			}),
		);
	});

	test('not applicable to links Z-API downloads itself: passed on as they are', async () => {
		const url = host.add('end.mp4', moovAtEnd);
		for (const urlHandling of ['checkThenPass', 'passLink']) {
			sandbox.reset();
			const run = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling } });
			expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
			expect(videoOf(run).fastStart).toBeUndefined();
			expect(videoOf(run).indexMovedToFront).toBeUndefined();
		}
	});
});

describe('Move Index to Front with Longer Videos = Split Into Several Statuses', () => {
	test.each(['filesystem', 'default'] as const)('a moov-at-end video within the limits goes out whole and fast start (%s binary mode)', async (binaryMode) => {
		const run = await send({ videoSource: 'binary', options: { longVideo: 'split' } }, [fileItem(FIXTURES.h264MoovAtEnd)], binaryMode);
		await expectSameMovieMovedToFront(moovAtEnd, received());
		const [item] = run.output(ZAPI_NODE);
		expect(item.json.part).toEqual({ number: 1, count: 1, startSeconds: 0, durationSeconds: 2, bytes: moovAtEnd.length });
		expect(item.json.video).toEqual(expect.objectContaining({ fastStart: true, indexMovedToFront: true, warnings: [] }));
	});

	test('off: the same video goes out unchanged, with the warning', async () => {
		const run = await send({ videoSource: 'binary', options: { longVideo: 'split', moveIndexToFront: false } }, [fileItem(FIXTURES.h264MoovAtEnd)]);
		expect(sha256(received())).toBe(sha256(moovAtEnd));
		expect((run.output(ZAPI_NODE)[0].json.video as IDataObject).warnings).toEqual([expect.stringMatching(/^The MP4 index \(moov\) is at the end of the file/)]);
	});

	test('a moov-at-end video that is cut: its parts are fast start anyway, and no index is moved', async () => {
		const run = await send({ videoSource: 'binary', options: { longVideo: 'split' } }, [fileItem(SPLIT_FIXTURES.moovAtEnd)]);
		expect(sandbox.accepted()).toHaveLength(2);
		expect(run.output(ZAPI_NODE).map((item) => (item.json.video as IDataObject).indexMovedToFront)).toEqual([undefined, undefined]);
	});
});
