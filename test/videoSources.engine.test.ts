/**
 * One verdict whatever the source: every committed video (and the several-MB cover-art case built
 * from a small one) gives the same facts, warnings and decision when read from disk (filesystem
 * binary mode), from n8n's inline binary mode and from Base64 text, through the real engine.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { FIXTURES, PROBED_VIDEOS, OTHER_LAYOUT_FIXTURES } from './fixtures';
import { withCoverArt } from './fixtures/coverArt';
import type { BinaryMode } from './harness/binaryMode';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { ZApiSandbox } from './sandbox/zapiSandbox';

let sandbox: ZApiSandbox;
useSandboxServers((servers) => ({ sandbox } = servers));

const COVER_ART = 'long-75s.mp4 with 4.7 MB of cover art';
const FILES: Array<{ name: string; bytes: Buffer }> = [
	...[...PROBED_VIDEOS, FIXTURES.audioOnly, FIXTURES.webm, FIXTURES.png].map((path) => ({ name: basename(path), bytes: readFileSync(path) })),
	{ name: COVER_ART, bytes: withCoverArt(readFileSync(FIXTURES.long75s), 4.7 * 1024 * 1024) },
];

/** What the node decided for one item: the facts it sent with, or the error (without the field's label). */
function verdict(item: INodeExecutionData): IDataObject {
	if (item.json.error !== undefined) return { refused: String(item.json.error).replace(/^(Input Binary Field|Video \(Base64\)): /, '') };
	return { sent: item.json.video as IDataObject };
}

/** The type each file is labelled with, the same on every source (a renamed PNG included). */
const mimeTypeOf = (name: string) => (name.endsWith('.mov') ? 'video/quicktime' : name.endsWith('.webm') ? 'video/webm' : 'video/mp4');

async function verdicts(source: 'binary' | 'base64', binaryMode: BinaryMode): Promise<Record<string, IDataObject>> {
	const items: TestItemSpec[] = FILES.map(({ name, bytes }) =>
		source === 'binary'
			? { binary: { data: { content: bytes.toString('base64'), mimeType: mimeTypeOf(name), fileName: 'video' } } }
			: { json: { base64: `data:${mimeTypeOf(name)};base64,${bytes.toString('base64')}` } },
	);
	const parameters = source === 'binary' ? { videoSource: 'binary' } : { videoSource: 'base64', videoBase64: '={{ $json.base64 }}' };
	const run = await runWorkflow(zApiWorkflow(parameters, { items, continueOnFail: true }), {
		credentials: sandboxCredentials(sandbox),
		binaryMode,
	});
	expect(run.status).toBe('success');
	const output = run.output(ZAPI_NODE);
	expect(output).toHaveLength(FILES.length);
	return Object.fromEntries(FILES.map(({ name }, index) => [name, verdict(output[index])]));
}

describe('the same facts, warnings and decision from disk, inline binary data and Base64 text', () => {
	let fromDisk: Record<string, IDataObject>;

	beforeAll(async () => {
		fromDisk = await verdicts('binary', 'filesystem');
	});

	test('inline binary data (n8n\'s default binary mode) gets the verdicts the file on disk gets', async () => {
		expect(await verdicts('binary', 'default')).toEqual(fromDisk);
	});

	// The stored modes read only the file's outline for the checks (media/storedFile.ts), never the whole file.
	test('binary data in an offloaded store (database, S3) gets the verdicts the file on disk gets', async () => {
		expect(await verdicts('binary', 'offloaded')).toEqual(fromDisk);
	});

	test('Base64 text gets the verdicts the file on disk gets', async () => {
		expect(await verdicts('base64', 'filesystem')).toEqual(fromDisk);
	});

	test('the verdicts are the ones issue 13 asks for', () => {
		const sent = (name: string) => fromDisk[name].sent as IDataObject;
		expect(fromDisk[basename(OTHER_LAYOUT_FIXTURES.frag180s)].refused).toMatch(/^The video is 180\.0 s long; WhatsApp Status allows 60 s \[item \d+\]$/);
		expect(fromDisk[COVER_ART].refused).toMatch(/^The video is 75\.0 s long/);
		for (const fragmented of ['fragKeyframe', 'fragEmptyMoov', 'fragMehd', 'cmaf', 'fragNoTfdt'] as const) {
			const facts = sent(basename(OTHER_LAYOUT_FIXTURES[fragmented]));
			expect(facts.warnings).toEqual([]);
			expect(Math.abs((facts.durationSeconds as number) - 10)).toBeLessThanOrEqual(0.2);
		}
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.portraitH264))).toEqual(expect.objectContaining({ width: 96, height: 160, rotation: 90, codedWidth: 160, codedHeight: 96, warnings: [] }));
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.anamorphic))).toEqual(expect.objectContaining({ width: 128, height: 96, codedWidth: 96, codedHeight: 96 }));
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.qtNoFtypMoovFirst))).toEqual(expect.objectContaining({ container: 'quicktime', durationSeconds: 2, warnings: [] }));
		// Its index is moved to the front (Move Index to Front, on by default) from every source alike.
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.qtNoFtypMoovAtEnd))).toEqual(expect.objectContaining({ fastStart: true, indexMovedToFront: true, warnings: [] }));
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.mvhdZero))).toEqual(expect.objectContaining({ durationSeconds: 2, warnings: [] }));
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.cutShort))).toEqual(expect.objectContaining({ durationSeconds: 2, warnings: [expect.stringMatching(/^The video file is cut short/)] }));
		expect(sent(basename(OTHER_LAYOUT_FIXTURES.encrypted)).warnings).toEqual(['The video is encrypted (DRM), so WhatsApp cannot play it']);
		expect(sent(basename(FIXTURES.webm)).warnings).toEqual([expect.stringMatching(/^The video could not be inspected: it is not an MP4\/QuickTime file/)]);
		expect(fromDisk[basename(FIXTURES.png)].refused).toMatch(/^The file is a PNG image, not a video \(it was labelled video\/mp4\)/);
	});
});
