/** The workflows in examples/ (what users import) run as shipped, through the real engine and n8n's own nodes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { FIXTURES, SPLIT_FIXTURES } from './fixtures';
import { runWorkflow } from './harness/runWorkflow';
import type { WorkflowJson } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import type { VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';

const example = (name: string): WorkflowJson => JSON.parse(readFileSync(join(__dirname, '..', 'examples', name), 'utf8'));

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));
const credentials = () => sandboxCredentials(sandbox);

test.each(['default', 'filesystem'] as const)('send-video-status-from-file.json reads the file and posts it (%s binary mode)', async (binaryMode) => {
	const workflow = example('send-video-status-from-file.json');
	const reader = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.readWriteFile')!;
	reader.parameters.fileSelector = FIXTURES.h264;
	const run = await runWorkflow(workflow, { credentials: credentials(), binaryMode });
	expect(run.error?.message).toBeUndefined();
	expect(run.output('Post video status')[0].json).toEqual({ ...(sandbox.accepted()[0].response as object), video: expect.objectContaining({ videoCodec: 'H.264' }) });
	expect(sandbox.accepted()[0].video).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'video/mp4', bytes: readFileSync(FIXTURES.h264).length }));
	expect(sandbox.accepted()[0].caption).toMatch(/^New this week: \d\d\/\d\d$/);
});

test('send-video-status-from-url.json posts the link and the caption', async () => {
	const workflow = example('send-video-status-from-url.json');
	const url = host.add('promo.mp4', readFileSync(FIXTURES.h264));
	const fields = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.set')!;
	(fields.parameters.assignments as { assignments: Array<{ value: string }> }).assignments[0].value = url;
	const run = await runWorkflow(workflow, { credentials: credentials() });
	expect(run.error?.message).toBeUndefined();
	expect(run.output('Post video status')[0].json.messageId).toEqual(expect.any(String));
	expect(sandbox.accepted()[0].video).toEqual({ kind: 'url', url });
	expect(sandbox.accepted()[0].caption).toBe('Black Friday: 50% off today only');
});

test.each(['default', 'filesystem'] as const)('split-long-video-into-statuses.json posts a 3-minute video as three clips (%s binary mode)', async (binaryMode) => {
	const workflow = example('split-long-video-into-statuses.json');
	const reader = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.readWriteFile')!;
	reader.parameters.fileSelector = SPLIT_FIXTURES.h264_180s;
	const run = await runWorkflow(workflow, { credentials: credentials(), binaryMode });
	expect(run.error?.message).toBeUndefined();
	const messageIds = sandbox.accepted().map((request) => (request.response as { messageId: string }).messageId);
	expect(messageIds).toHaveLength(3);
	expect(run.output('One line per clip').map((item) => item.json)).toEqual([
		{ clip: '1 of 3', startsAtSecond: 0, seconds: 60, messageId: messageIds[0] },
		{ clip: '2 of 3', startsAtSecond: 60, seconds: 60, messageId: messageIds[1] },
		{ clip: '3 of 3', startsAtSecond: 120, seconds: 60, messageId: messageIds[2] },
	]);
	expect(sandbox.accepted().map((request) => request.caption)).toEqual(Array(3).fill('Our week in three minutes'));
});
