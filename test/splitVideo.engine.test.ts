/**
 * Send Video Status with Longer Videos = Split Into Several Statuses / Trim to Maximum Duration,
 * through n8n-core's real WorkflowExecute against the Z-API sandbox: what was posted (each part's
 * bytes), what the node output (one item per part, paired to its input item) and what happens when
 * a part fails halfway.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { INodeParameters } from 'n8n-workflow';

import { bufferSource, joinPieces, prepareSplit } from '../nodes/ZApi/media/mp4/partAssembler';
import { FIXTURES, SPLIT_FIXTURES, SPLIT_REPRODUCTIONS } from './fixtures';
import { box, concat, latin1, u16, u32, zeros } from './fixtures/boxes';
import type { BinaryMode } from './harness/binaryMode';
import { BINARY_MODES } from './harness/binaryMode';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import { nodeText, runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const long = readFileSync(SPLIT_FIXTURES.h264_180s);
// A stretch of the payload far from the header: finding it in the output means the payload leaked.
const payloadProbe = long.toString('base64').slice(40_000, 40_060);

/** The parts the splitter makes of a file, computed here without n8n, to compare with what Z-API got. */
async function expectedParts(file: Buffer, maxPartSeconds = 60, mode: 'split' | 'trim' = 'split') {
	const prepared = await prepareSplit(bufferSource(file), file.length, { maxPartSeconds, mode });
	const parts: Uint8Array[] = [];
	for await (const part of prepared.parts()) parts.push(joinPieces(part));
	return { plan: prepared.plan, hashes: parts.map(sha256), sizes: parts.map((part) => part.length) };
}

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));

interface SendOptions {
	items?: TestItemSpec[];
	continueOnFail?: boolean;
	binaryMode?: BinaryMode;
}

async function send(parameters: INodeParameters, options: SendOptions = {}) {
	const run = await runWorkflow(zApiWorkflow(parameters, { items: options.items, continueOnFail: options.continueOnFail }), {
		binaryMode: options.binaryMode,
		credentials: sandboxCredentials(sandbox),
	});
	const everything = runText(run);
	expect(everything).not.toContain(SECRETS.instanceToken);
	expect(everything).not.toContain(SECRETS.clientToken);
	expect(nodeText(run, ZAPI_NODE)).not.toContain(payloadProbe);
	return run;
}

const binaryItem = (file: string | Buffer, json = {}): TestItemSpec => ({
	json,
	binary: { data: typeof file === 'string' ? { file, mimeType: 'video/mp4', fileName: 'long.mp4' } : { content: file.toString('base64'), mimeType: 'video/mp4', fileName: 'long.mp4' } },
});

const split = (extra: INodeParameters['options'] = {}): INodeParameters => ({
	videoSource: 'binary',
	binaryPropertyName: 'data',
	caption: 'Our launch',
	options: { longVideo: 'split', ...(extra as object) },
});

describe('Longer Videos = Split Into Several Statuses', () => {
	test.each(BINARY_MODES)('a 3-minute video becomes three 60 s statuses, posted in order, in %s binary mode', async (binaryMode) => {
		const expected = await expectedParts(long);
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)], binaryMode });

		expect(run.status).toBe('success');
		const accepted = sandbox.accepted();
		expect(accepted.map((request) => request.video)).toEqual(
			expected.hashes.map((sha, index) => expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4', sha256: sha, bytes: expected.sizes[index] })),
		);
		// The caption goes with every part: each status is seen on its own.
		expect(accepted.map((request) => request.caption)).toEqual(['Our launch', 'Our launch', 'Our launch']);

		const output = run.output(ZAPI_NODE);
		expect(output).toHaveLength(3);
		output.forEach((item, index) => {
			const response = accepted[index].response as Record<string, unknown>;
			expect(item.pairedItem).toEqual({ item: 0 });
			expect(item.json).toEqual(
				expect.objectContaining({
					zaapId: response.zaapId,
					messageId: response.messageId,
					part: { number: index + 1, count: 3, startSeconds: index * 60, durationSeconds: 60, bytes: expected.sizes[index] },
				}),
			);
			expect(item.json.video).toEqual(expect.objectContaining({ bytes: long.length, durationSeconds: 180, videoCodec: 'H.264' }));
		});
		expect((output[0].json.video as { warnings: string[] }).warnings).toContain('The video (180.0 s) was split into 3 parts at keyframes');
	});

	test('items keep their own parts and pairing: two input videos, five output items', async () => {
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_61s), binaryItem(SPLIT_FIXTURES.hevc90s)] });
		expect(run.status).toBe('success');
		const output = run.output(ZAPI_NODE);
		expect(output.map((item) => [item.pairedItem, (item.json.part as { number: number }).number])).toEqual([
			[{ item: 0 }, 1],
			[{ item: 0 }, 2],
			[{ item: 1 }, 1],
			[{ item: 1 }, 2],
		]);
		expect(sandbox.accepted()).toHaveLength(4);
	});

	test('Base64 text is split too', async () => {
		const file = readFileSync(SPLIT_FIXTURES.bFrames70s);
		const expected = await expectedParts(file);
		const run = await send({ videoSource: 'base64', videoBase64: `data:video/mp4;base64,${file.toString('base64')}`, options: { longVideo: 'split' } });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
	});

	test('a link with URL Handling = Download and Send File is downloaded and split (moov at the end)', async () => {
		const file = readFileSync(SPLIT_FIXTURES.moovAtEnd);
		const expected = await expectedParts(file);
		const url = host.add('long.mp4', file);
		const run = await send({ videoSource: 'url', videoUrl: url, options: { longVideo: 'split', urlHandling: 'download' } });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
		expect(run.output(ZAPI_NODE).map((item) => (item.json.part as { durationSeconds: number }).durationSeconds)).toEqual([32, 33]);
		// The parts are fast start whatever the source was: no warning about the source's moov.
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toEqual(['The video (65.0 s) was split into 2 parts at keyframes']);
	});

	test('a link Z-API downloads itself is passed on whole, with a warning saying how to split it', async () => {
		const url = host.add('long.mp4', long);
		const run = await send({ videoSource: 'url', videoUrl: url, options: { longVideo: 'split' } });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(1);
		expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toContain(
			'Links that Z-API downloads are sent whole: set URL Handling to Download and Send File to split or trim them',
		);
	});

	test('QuickTime parts stay QuickTime; a timecode track is left out, saying so', async () => {
		const file = readFileSync(SPLIT_FIXTURES.quicktimeTimecode);
		const expected = await expectedParts(file);
		const run = await send(split(), { items: [{ binary: { data: { file: SPLIT_FIXTURES.quicktimeTimecode, mimeType: 'video/quicktime', fileName: 'clip.mov' } } }] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => request.video)).toEqual(
			expected.hashes.map((sha) => expect.objectContaining({ mimeType: 'video/quicktime', sha256: sha })),
		);
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toContain(
			'Tracks other than video and audio (tmcd) were left out of the parts',
		);
	});

	test('a motion photo: the movie track is split, the still left out, saying so', async () => {
		const file = readFileSync(SPLIT_REPRODUCTIONS.motionPhoto);
		const expected = await expectedParts(file, 2.1);
		const run = await send(split({ maxDurationSeconds: 2.1 }), { items: [binaryItem(file)] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toEqual([
			'The video (6.0 s) was split into 3 parts at keyframes',
			"The video has 2 video tracks: the one with the most frames was split, the other (2 frames, such as a motion photo's still picture) left out",
		]);
	});

	test('an encrypted (DRM) fragmented video stops the item before anything is posted, saying why', async () => {
		const run = await send(split({ maxDurationSeconds: 3 }), { items: [binaryItem(readFileSync(SPLIT_REPRODUCTIONS.encryptedFragmented))] });
		expect(run.error?.message).toBe('Input Binary Field: The video is encrypted (DRM), so its parts could not play: nothing was posted [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('an mdat header claiming more than the file holds is not "cut short": sent even when such files are refused', async () => {
		const file = readFileSync(SPLIT_REPRODUCTIONS.mdatOverclaims);
		for (const options of [{ uninspectable: 'refuse' }, { uninspectable: 'refuse', longVideo: 'split' }]) {
			const run = await send({ videoSource: 'binary', binaryPropertyName: 'data', options }, { items: [binaryItem(file)] });
			expect(run.status).toBe('success');
			expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toEqual([]);
		}
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual([sha256(file), sha256(file)]);
	});

	test('a video within the limits is sent as it is, as part 1 of 1', async () => {
		const file = readFileSync(SPLIT_FIXTURES.h264_61s);
		const run = await send(split({ maxDurationSeconds: 61 }), { items: [binaryItem(file)] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ sha256: sha256(file) }));
		expect(run.output(ZAPI_NODE)[0].json.part).toEqual({ number: 1, count: 1, startSeconds: 0, durationSeconds: 61, bytes: file.length });
	});

	test('input above 10 MB is accepted for splitting, each part staying under 10 MB', async () => {
		// The 3-minute video plus 12 MB of padding in a top-level free box after the media.
		const padded = Buffer.concat([long, Buffer.from(box('free', zeros(12 * 1024 * 1024)))]);
		const run = await send(split(), { items: [binaryItem(padded)], binaryMode: 'filesystem' });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(3);
	});

	test('input above Largest Video to Split is refused before anything is sent', async () => {
		const padded = Buffer.concat([long, Buffer.from(box('free', zeros(2 * 1024 * 1024)))]);
		const run = await send(split({ splitMaxInputMb: 1 }), { items: [binaryItem(padded)], binaryMode: 'filesystem' });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			`Input Binary Field: The video is 2.2 MB (${padded.length.toLocaleString('en-US')} bytes); Options > Largest Video to Split (MB) allows at most 1.0 MB (1,048,576 bytes) [item 0]`,
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a keyframe gap longer than the maximum stops the item before anything is posted', async () => {
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.keyframeGap)] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			'Input Binary Field: The video has no keyframe between 0.0 s and 75.0 s (a gap of 75.0 s), so it cannot be cut into parts of at most 60 s without re-encoding [item 0]',
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a part that would exceed 10 MB stops the item before anything is posted', async () => {
		const run = await send(split(), { items: [binaryItem(Buffer.from(heavyVideo()))], binaryMode: 'filesystem' });
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(
			/^Input Binary Field: The video from 0\.0 s to 40\.0 s has no keyframe to cut at and would make a part of 11\.0 MB \([\d,]+ bytes\); WhatsApp Status accepts at most 10\.0 MB \(10,485,760 bytes\)\. Nothing was posted \[item 0\]$/,
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('trimming: a first part over 10 MB is refused the same way', async () => {
		const run = await send(split({ longVideo: 'trim' }), { items: [binaryItem(Buffer.from(heavyVideo()))], binaryMode: 'filesystem' });
		expect(run.status).toBe('error');
		expect(run.error?.message).toMatch(/^Input Binary Field: Its first 60\.0 s would be 11\.0 MB \([\d,]+ bytes\); WhatsApp Status accepts at most 10\.0 MB/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('a fragmented MP4 (no duration in its header) is measured from its fragments and split', async () => {
		const file = readFileSync(SPLIT_FIXTURES.fragmented);
		const expected = await expectedParts(file);
		const run = await send(split(), { items: [binaryItem(file)], binaryMode: 'filesystem' });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
		const [first] = run.output(ZAPI_NODE);
		expect(first.json.video).toEqual(expect.objectContaining({ durationSeconds: 70.4 }));
		expect(run.output(ZAPI_NODE).map((item) => (item.json.part as { durationSeconds: number }).durationSeconds)).toEqual([34.4, 36]);
	});

	test('a video whose duration cannot be read is sent whole, saying so', async () => {
		// The 2-second fixture with every duration it stores zeroed: the movie's (mvhd), the tracks'
		// (tkhd, mdhd) and their edit lists' (elst), so no header tells how long it is.
		const file = Buffer.from(readFileSync(FIXTURES.h264));
		for (const [box, offset] of [['mvhd', 20], ['tkhd', 24], ['mdhd', 20], ['elst', 12]] as const) {
			for (let at = file.indexOf(box); at >= 0; at = file.indexOf(box, at + 4)) file.writeUInt32BE(0, at + offset);
		}
		const run = await send(split({ maxDurationSeconds: 1 }), { items: [binaryItem(file)] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ sha256: sha256(file) }));
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toContain(
			"The video's duration could not be read (movie duration not stored in mvhd or the tracks), so it was sent whole, without splitting or trimming",
		);
	});
});

describe('a part failing halfway', () => {
	test('stops at the failed part, posts nothing after it, and names the parts already posted', async () => {
		let calls = 0;
		sandbox.setFaultPolicy(() => (++calls === 2 ? { kind: 'status', status: 500, body: { error: 'Internal error' } } : undefined));
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });

		expect(run.status).toBe('error');
		expect(sandbox.requests.filter((request) => request.endpoint === 'send-video-status')).toHaveLength(2);
		const [first] = sandbox.accepted();
		const { messageId, zaapId } = first.response as Record<string, string>;
		expect(run.error?.message).toMatch(
			new RegExp(`^Part 2 of 3 failed: .+\\. Already posted: part 1 \\(messageId ${messageId}, zaapId ${zaapId}\\); part 3 was not sent\\. Set Start From Part to 2 to post the rest \\[item 0\\]$`),
		);
		expect(run.error?.description).toMatch(/run the item again with Options > Start From Part = 2: the parts before it are not posted again\.$/);
	});

	test('with Continue On Fail the error item lists the posted parts and the next input item still runs', async () => {
		let calls = 0;
		sandbox.setFaultPolicy(() => (++calls === 3 ? { kind: 'status', status: 400, body: { error: 'Invalid video' } } : undefined));
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_180s), binaryItem(SPLIT_FIXTURES.h264_61s)], continueOnFail: true });

		expect(run.status).toBe('success');
		const output = run.output(ZAPI_NODE);
		const accepted = sandbox.accepted();
		const ids = accepted.slice(0, 2).map((request) => (request.response as { messageId: string }).messageId);
		expect(output[0].pairedItem).toEqual({ item: 0 });
		expect(output[0].json.error).toMatch(
			new RegExp(`^Part 3 of 3 failed: .+\\. Already posted: part 1 \\(messageId ${ids[0]}, .+\\), part 2 \\(messageId ${ids[1]}, .+\\)\\. Set Start From Part to 3 to post the rest \\[item 0\\]$`),
		);
		// The error item carries what a workflow needs to post the rest itself.
		const zaapIds = accepted.slice(0, 2).map((request) => (request.response as { zaapId: string }).zaapId);
		expect(output[0].json).toEqual({
			error: output[0].json.error,
			postedParts: [
				{ number: 1, messageId: ids[0], zaapId: zaapIds[0] },
				{ number: 2, messageId: ids[1], zaapId: zaapIds[1] },
			],
			startFromPart: 3,
		});
		expect(output.slice(1).map((item) => [item.pairedItem, (item.json.part as { number: number }).number])).toEqual([
			[{ item: 1 }, 1],
			[{ item: 1 }, 2],
		]);
	});

	test('a rate-limited part is retried (Z-API certainly did not take it) and every part is posted once', async () => {
		let calls = 0;
		sandbox.setFaultPolicy(() => (++calls === 2 ? { kind: 'status', status: 429, headers: { 'Retry-After': '0' } } : undefined));
		const run = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(3);
		expect(new Set(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).size).toBe(3);
	});
});

describe('Longer Videos = Trim to Maximum Duration', () => {
	test('posts only the first Maximum Duration seconds, as one status', async () => {
		const expected = await expectedParts(long, 45, 'trim');
		const run = await send(split({ longVideo: 'trim', maxDurationSeconds: 45 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
		const [item] = run.output(ZAPI_NODE);
		expect(item.json.part).toEqual({ number: 1, count: 1, startSeconds: 0, durationSeconds: 45, bytes: expected.sizes[0] });
		expect((item.json.video as { warnings: string[] }).warnings).toContain('The video (180.0 s) was trimmed to its first 45.0 s');
	});
});

/**
 * An 80-second "video" whose first keyframe sample alone is 11 MB (zeros: the splitter copies
 * samples, it never decodes them): its first part cannot fit WhatsApp's limit.
 */
function heavyVideo(): Uint8Array {
	const sizes = [11 * 1024 * 1024, 1000];
	const full = (type: string, ...payload: Uint8Array[]) => box(type, u32(0), ...payload);
	const stbl = (mdatStart: number) =>
		box(
			'stbl',
			full('stsd', u32(1), box('avc1', zeros(6), u16(1), zeros(16), u16(64), u16(48), zeros(50))),
			full('stts', u32(1), u32(2), u32(40 * 1000)),
			full('stss', u32(2), u32(1), u32(2)),
			full('stsc', u32(1), u32(1), u32(2), u32(1)),
			full('stsz', u32(0), u32(2), ...sizes.map(u32)),
			full('stco', u32(1), u32(mdatStart)),
		);
	const moov = (mdatStart: number) =>
		box(
			'moov',
			full('mvhd', zeros(8), u32(1000), u32(80_000), zeros(80)),
			box(
				'trak',
				full('tkhd', zeros(8), u32(1), zeros(4), u32(80_000), zeros(60)),
				box(
					'mdia',
					full('mdhd', zeros(8), u32(1000), u32(80_000), zeros(4)),
					full('hdlr', u32(0), latin1('vide'), zeros(13)),
					box('minf', full('vmhd', zeros(8)), stbl(mdatStart)),
				),
			),
		);
	const ftyp = box('ftyp', latin1('isom'), u32(512), latin1('isom'));
	const headerBytes = ftyp.length + moov(0).length + 8;
	return concat(ftyp, moov(headerBytes), box('mdat', zeros(sizes[0] + sizes[1])));
}

describe('files the splitter cannot read', () => {
	test('a WebM within the limits is sent whole, with the usual warning that it could not be inspected', async () => {
		const run = await send(split(), { items: [{ binary: { data: { file: FIXTURES.webm, mimeType: 'video/webm', fileName: 'clip.webm' } } }], binaryMode: 'filesystem' });
		expect(run.status).toBe('success');
		expect(sandbox.accepted()).toHaveLength(1);
		expect((run.output(ZAPI_NODE)[0].json.video as { warnings: string[] }).warnings).toEqual(
			expect.arrayContaining([expect.stringMatching(/^The video could not be inspected: it is not an MP4\/QuickTime file/)]),
		);
	});

	test('a WebM above 10 MB is refused: only MP4 and QuickTime can be split', async () => {
		const big = Buffer.concat([readFileSync(FIXTURES.webm), Buffer.alloc(11 * 1024 * 1024)]);
		const run = await send(split(), { items: [{ binary: { data: { content: big.toString('base64'), mimeType: 'video/webm', fileName: 'clip.webm' } } }], binaryMode: 'filesystem' });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe('Input Binary Field: The video is not an MP4 or QuickTime file, so it cannot be split [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});
});

describe('a series fits the day: Maximum Parts and Start From Part', () => {
	test('a series longer than Maximum Parts stops the item before any request, saying how many parts it would take', async () => {
		const run = await send(split({ maxParts: 2 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			'Input Binary Field: The video (180.0 s) would take 3 statuses of at most 60 s; Options > Maximum Parts allows 2. Nothing was posted [item 0]',
		);
		expect(run.error?.description).toBe(
			"Raise Options > Maximum Duration (Seconds) if WhatsApp's limit allows it, set Longer Videos to Trim to Maximum Duration, or cut the video into shorter videos before sending it, or raise Options > Maximum Parts (at most 30).",
		);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('by default a video never becomes more than 30 statuses: 3 minutes in parts of at most 5 s would take 45', async () => {
		const run = await send(split({ maxDurationSeconds: 5 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			'Input Binary Field: The video (180.0 s) would take 45 statuses of at most 5 s; Options > Maximum Parts allows 30. Nothing was posted [item 0]',
		);
		expect(run.error?.description).not.toMatch(/raise Options > Maximum Parts/);
		expect(sandbox.requests).toHaveLength(0);
	});

	test('Start From Part posts exactly the rest; the parts keep their numbers and the count', async () => {
		const expected = await expectedParts(long);
		const run = await send(split({ startFromPart: 2 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)], binaryMode: 'filesystem' });
		expect(run.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes.slice(1));
		expect(run.output(ZAPI_NODE).map((item) => item.json.part)).toEqual([
			{ number: 2, count: 3, startSeconds: 60, durationSeconds: 60, bytes: expected.sizes[1] },
			{ number: 3, count: 3, startSeconds: 120, durationSeconds: 60, bytes: expected.sizes[2] },
		]);
	});

	test('after a failure halfway, the Start From Part the error item names posts the rest: the series is complete, nothing twice', async () => {
		const expected = await expectedParts(long);
		let calls = 0;
		sandbox.setFaultPolicy(() => (++calls === 2 ? { kind: 'status', status: 500, body: { error: 'Internal error' } } : undefined));
		const failed = await send(split(), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)], continueOnFail: true });
		const [errorItem] = failed.output(ZAPI_NODE);
		expect(errorItem.json).toEqual(expect.objectContaining({ startFromPart: 2, postedParts: [expect.objectContaining({ number: 1 })] }));

		sandbox.setFaultPolicy(undefined);
		const resumed = await send(split({ startFromPart: errorItem.json.startFromPart as number }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(resumed.status).toBe('success');
		expect(sandbox.accepted().map((request) => (request.video as { sha256: string }).sha256)).toEqual(expected.hashes);
	});

	test('a Start From Part beyond the series is refused before any request, naming the part count', async () => {
		const run = await send(split({ startFromPart: 4 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(run.error?.message).toBe('Start From Part is 4, but the video makes 3 parts [item 0]');
		expect(run.error?.description).toBe('Set Options > Start From Part to a number from 1 to 3, or remove it to post every part.');
		const twoParts = await send(split({ startFromPart: 3 }), { items: [binaryItem(SPLIT_FIXTURES.h264_61s)], binaryMode: 'filesystem' });
		expect(twoParts.error?.message).toBe('Start From Part is 3, but the video makes 2 parts [item 0]');
		const single = await send(split({ startFromPart: 2, maxDurationSeconds: 61 }), { items: [binaryItem(SPLIT_FIXTURES.h264_61s)] });
		expect(single.error?.message).toBe('Start From Part is 2, but the video makes only 1 part [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});

	test('Start From Part above Maximum Parts, and values that are not whole numbers, are refused as parameters', async () => {
		const above = await send(split({ maxParts: 3, startFromPart: 5 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(above.error?.message).toBe('Start From Part must be a whole number from 1 to 3 [item 0]');
		const fraction = await send(split({ maxParts: 2.5 }), { items: [binaryItem(SPLIT_FIXTURES.h264_180s)] });
		expect(fraction.error?.message).toBe('Maximum Parts must be a whole number from 1 to 30 [item 0]');
		expect(sandbox.requests).toHaveLength(0);
	});
});
