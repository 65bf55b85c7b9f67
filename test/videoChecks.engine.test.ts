/**
 * Looking inside each video before it is posted: the facts in the output, and the checks a user
 * can set, through the real engine against the Z-API sandbox.
 */
import { readFileSync } from 'node:fs';
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { FIXTURES, OTHER_LAYOUT_FIXTURES } from './fixtures';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import { runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));

async function send(parameters: INodeParameters, items?: TestItemSpec[], continueOnFail = false) {
	const run = await runWorkflow(zApiWorkflow(parameters, { items, continueOnFail }), {
		credentials: sandboxCredentials(sandbox),
		binaryMode: 'filesystem',
	});
	expect(runText(run)).not.toContain(SECRETS.instanceToken);
	return run;
}

const fileItem = (path: string, mimeType = 'video/mp4'): TestItemSpec => ({ binary: { data: { file: path, mimeType } } });
const videoOf = (run: Awaited<ReturnType<typeof send>>, index = 0) => run.output(ZAPI_NODE)[index].json.video as IDataObject;

describe('facts in the output, under "video"', () => {
	test.each([
		['h264', { container: 'mp4', durationSeconds: 2, width: 96, height: 160, rotation: 0, codedWidth: 96, codedHeight: 160, videoCodec: 'H.264', audioCodec: 'AAC', fastStart: true, warnings: [] }],
		['noAudio', { container: 'mp4', durationSeconds: 2, width: 96, height: 160, rotation: 0, codedWidth: 96, codedHeight: 160, videoCodec: 'H.264', fastStart: true, warnings: [] }],
		['quicktime', { container: 'quicktime', durationSeconds: 2, width: 96, height: 160, rotation: 0, codedWidth: 96, codedHeight: 160, videoCodec: 'H.264', audioCodec: 'AAC', fastStart: true, warnings: [] }],
	] as const)('%s: container, duration, picture size, codecs and fast start as the file holds them', async (fixture, expected) => {
		const path = FIXTURES[fixture];
		const run = await send({ videoSource: 'binary' }, [fileItem(path, fixture === 'quicktime' ? 'video/quicktime' : 'video/mp4')]);
		expect(run.status).toBe('success');
		expect(videoOf(run)).toEqual({ ...expected, bytes: readFileSync(path).length, mimeType: fixture === 'quicktime' ? 'video/quicktime' : 'video/mp4' });
		expect(Object.keys(run.output(ZAPI_NODE)[0].json).sort()).toEqual(['id', 'messageId', 'video', 'zaapId']);
	});

	test('the Base64 source reports the same facts as the binary source, from box headers only', async () => {
		const file = readFileSync(FIXTURES.h264MoovAtEnd);
		const binary = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.h264MoovAtEnd)]);
		const base64 = await send({ videoSource: 'base64', videoBase64: file.toString('base64') });
		expect(videoOf(base64)).toEqual(videoOf(binary));
		// Both had their index moved to the front (Move Index to Front is on by default).
		expect(videoOf(base64)).toEqual(expect.objectContaining({ fastStart: true, indexMovedToFront: true, durationSeconds: 2 }));
	});

	test('URL sources: full facts when downloaded; size and type from the size check; nothing when passed on', async () => {
		const url = host.add('v.mp4', readFileSync(FIXTURES.h264));
		const downloaded = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'download' } });
		expect(videoOf(downloaded)).toEqual(expect.objectContaining({ durationSeconds: 2, videoCodec: 'H.264', bytes: 10557 }));
		const checked = await send({ videoSource: 'url', videoUrl: url });
		expect(videoOf(checked)).toEqual({ bytes: 10557, mimeType: 'video/mp4', warnings: [] });
		const passed = await send({ videoSource: 'url', videoUrl: url, options: { urlHandling: 'passLink' } });
		expect(videoOf(passed)).toEqual({ warnings: [] });
	});
});

describe('checks', () => {
	test('a 75-second video is refused by default, naming the duration, and nothing is sent', async () => {
		const run = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.long75s)]);
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe('Input Binary Field: The video is 75.0 s long; WhatsApp Status allows 60 s [item 0]');
		expect(run.error?.description).toMatch(/Trim the video to 60 seconds/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('with "Send With Warning" it is sent and the warning is in the output', async () => {
		const run = await send({ videoSource: 'binary', options: { longVideo: 'warn' } }, [fileItem(FIXTURES.long75s)]);
		expect(run.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(1);
		expect(videoOf(run).warnings).toEqual(['The video is 75.0 s long; WhatsApp Status allows 60 s; WhatsApp may cut or reject it']);
	});

	test('the maximum can be raised, or the check turned off', async () => {
		expect((await send({ videoSource: 'binary', options: { maxDurationSeconds: 90 } }, [fileItem(FIXTURES.long75s)])).status).toBe('success');
		expect((await send({ videoSource: 'binary', options: { maxDurationSeconds: 0 } }, [fileItem(FIXTURES.long75s)])).status).toBe('success');
		const strict = await send({ videoSource: 'binary', options: { maxDurationSeconds: 1.5 } }, [fileItem(FIXTURES.h264)]);
		expect(strict.error?.message).toMatch(/The video is 2.0 s long; WhatsApp Status allows 1.5 s/);
	});

	test('HEVC: a warning by default, refused with "Require H.264: Refuse", unchecked with "Off"', async () => {
		const warned = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.hevc)]);
		expect(warned.status).toBe('success');
		expect(videoOf(warned)).toEqual(expect.objectContaining({ videoCodec: 'HEVC' }));
		expect(videoOf(warned).warnings).toEqual(['The video is HEVC, not H.264: Z-API converts it, which can fail, and some phones cannot play it']);

		sandbox.reset();
		const refused = await send({ videoSource: 'binary', options: { requireH264: 'refuse' } }, [fileItem(FIXTURES.hevc)]);
		expect(refused.error?.message).toBe('Input Binary Field: The video is HEVC, not H.264 [item 0]');
		expect(sandbox.requests).toHaveLength(0);

		const off = await send({ videoSource: 'binary', options: { requireH264: 'off' } }, [fileItem(FIXTURES.hevc)]);
		expect(videoOf(off).warnings).toEqual([]);
	});

	test('with Move Index to Front off, moov at the end of the file is a warning, never a refusal', async () => {
		const run = await send({ videoSource: 'binary', options: { requireH264: 'refuse', moveIndexToFront: false } }, [fileItem(FIXTURES.h264MoovAtEnd)]);
		expect(run.status).toBe('success');
		expect(videoOf(run).warnings).toEqual([expect.stringMatching(/moov\) is at the end of the file/)]);
	});

	test('a file that cannot be inspected (WebM): sent with a warning by default; "Send" and "Refuse" as chosen', async () => {
		const warned = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.webm, 'video/webm')]);
		expect(warned.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ mimeType: 'video/webm' }));
		expect(videoOf(warned)).toEqual({
			bytes: readFileSync(FIXTURES.webm).length,
			mimeType: 'video/webm',
			container: 'unknown',
			warnings: ['The video could not be inspected: it is not an MP4/QuickTime file; duration and codec were not checked'],
		});
		const silent = await send({ videoSource: 'binary', options: { uninspectable: 'send' } }, [fileItem(FIXTURES.webm, 'video/webm')]);
		expect(videoOf(silent).warnings).toEqual([]);
		sandbox.reset();
		const refused = await send({ videoSource: 'binary', options: { uninspectable: 'refuse' } }, [fileItem(FIXTURES.webm, 'video/webm')]);
		expect(refused.error?.message).toBe('Input Binary Field: The video could not be inspected: it is not an MP4/QuickTime file [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a fragmented 180-second recording is refused by default, naming its length', async () => {
		const run = await send({ videoSource: 'binary' }, [fileItem(OTHER_LAYOUT_FIXTURES.frag180s)]);
		expect(run.error?.message).toBe('Input Binary Field: The video is 180.0 s long; WhatsApp Status allows 60 s [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a fragmented file too long for the box budget: its length is unknown, so it gets the "could not be inspected" treatment', async () => {
		// frag-180s.mp4's header, then one of its fragments (moof + mdat) 5,001 times: more top-level boxes than the 10,000 read.
		const original = readFileSync(OTHER_LAYOUT_FIXTURES.frag180s);
		const firstMoof = original.indexOf('moof') - 4;
		const pairEnd = firstMoof + original.readUInt32BE(firstMoof) + original.readUInt32BE(firstMoof + original.readUInt32BE(firstMoof));
		const file = Buffer.concat([original.subarray(0, firstMoof), ...Array.from({ length: 5_001 }, () => original.subarray(firstMoof, pairEnd))]);
		const message = 'The video could not be inspected: its length could not be read (stopped after reading 10000 boxes)';
		const warned = await send({ videoSource: 'base64', videoBase64: file.toString('base64') });
		expect(warned.status).toBe('success');
		expect(videoOf(warned)).toEqual(expect.objectContaining({ videoCodec: 'H.264', warnings: [`${message}; the duration was not checked`] }));
		expect(videoOf(warned).durationSeconds).toBeUndefined();
		sandbox.reset();
		const refused = await send({ videoSource: 'base64', videoBase64: file.toString('base64'), options: { uninspectable: 'refuse' } });
		expect(refused.error?.message).toBe(`Video (Base64): ${message} [item 0]`);
		expect(sandbox.requests).toHaveLength(0);
	});

	test.each([
		['cutShort', 'The video file is cut short: it ends before the media its own index describes, so it stops early or does not play', /Send the complete file/],
		['encrypted', 'The video is encrypted (DRM), so WhatsApp cannot play it', /Send a copy without DRM/],
	] as const)('%s: sent with a warning by default, refused with "Refuse", sent silently with "Send"', async (fixture, message, hint) => {
		const warned = await send({ videoSource: 'binary' }, [fileItem(OTHER_LAYOUT_FIXTURES[fixture])]);
		expect(warned.status).toBe('success');
		expect(videoOf(warned).warnings).toEqual([message]);
		expect(videoOf(warned)).toEqual(expect.objectContaining({ durationSeconds: fixture === 'cutShort' ? 2 : 1, videoCodec: 'H.264' }));

		sandbox.reset();
		const refused = await send({ videoSource: 'binary', options: { uninspectable: 'refuse' } }, [fileItem(OTHER_LAYOUT_FIXTURES[fixture])]);
		expect(refused.error?.message).toBe(`Input Binary Field: ${message} [item 0]`);
		expect(refused.error?.description).toMatch(hint);
		expect(sandbox.requests).toHaveLength(0);

		const silent = await send({ videoSource: 'binary', options: { uninspectable: 'send' } }, [fileItem(OTHER_LAYOUT_FIXTURES[fixture])]);
		expect(videoOf(silent).warnings).toEqual([]);
	});

	test('a portrait phone video: displayed size, rotation and stored size; its only warning is the codec', async () => {
		const run = await send({ videoSource: 'binary' }, [fileItem(OTHER_LAYOUT_FIXTURES.portraitHevc)]);
		expect(videoOf(run)).toEqual(expect.objectContaining({ width: 96, height: 160, rotation: 270, codedWidth: 160, codedHeight: 96, videoCodec: 'HEVC' }));
		expect(videoOf(run).warnings).toEqual([expect.stringMatching(/not H.264/)]);
	});

	test('an MP4 holding only audio is refused', async () => {
		const run = await send({ videoSource: 'binary' }, [fileItem(FIXTURES.audioOnly, 'application/octet-stream')]);
		expect(run.error?.message).toBe('Input Binary Field: The file has no video track (it holds only audio or other data) [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('with Continue On Fail, refused videos become error items and the rest are sent', async () => {
		const run = await send(
			{ videoSource: 'binary' },
			[fileItem(FIXTURES.h264), fileItem(FIXTURES.long75s), fileItem(FIXTURES.hevc), fileItem(FIXTURES.audioOnly)],
			true,
		);
		const output = run.output(ZAPI_NODE).map((item) => item.json);
		expect(output.map((json) => (json.error ? 'error' : 'sent'))).toEqual(['sent', 'error', 'sent', 'error']);
		expect(output[1].error).toMatch(/75.0 s long.*\[item 1\]/);
		expect(sandbox.accepted()).toHaveLength(2);
	});
});
