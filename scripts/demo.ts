/**
 * npm run demo: posts a real MP4 as a video status through n8n's real workflow engine.
 *
 * By default it runs examples/send-video-status-from-file.json against the built-in Z-API sandbox
 * (a loopback server that behaves like Z-API). With ZAPI_INSTANCE_ID, ZAPI_INSTANCE_TOKEN and
 * ZAPI_CLIENT_TOKEN set, the same workflow posts to real Z-API (ZAPI_BASE_URL to change the host);
 * with ZAPI_VIDEO_URL also set, it posts that link with the URL example instead of the file.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');
const demoVideo = join(root, 'test/fixtures/media/h264-faststart.mp4');

// n8n-core reads these on first import: keep its settings out of ~/.n8n, and let the
// Read/Write Files node read the demo video's folder (n8n 2.x restricts file access by default).
process.env.N8N_USER_FOLDER ??= mkdtempSync(join(tmpdir(), 'zapi-status-demo-'));
process.env.N8N_RESTRICT_FILE_ACCESS_TO = dirname(demoVideo);
process.env.N8N_ENCRYPTION_KEY ??= 'zapi-status-demo-only-key';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

async function main() {
	const { runWorkflow } = await import('../test/harness/runWorkflow');
	const { startZApiSandbox } = await import('../test/sandbox/zapiSandbox');

	const real = Boolean(process.env.ZAPI_INSTANCE_ID && process.env.ZAPI_INSTANCE_TOKEN);
	const videoUrl = process.env.ZAPI_VIDEO_URL;
	const sandbox = real
		? undefined
		: await startZApiSandbox({ instances: [{ id: 'DEMO-INSTANCE', token: 'DEMO-TOKEN' }], clientToken: 'DEMO-CLIENT-TOKEN' });

	const credentials = real
		? {
				instanceId: process.env.ZAPI_INSTANCE_ID!,
				instanceToken: process.env.ZAPI_INSTANCE_TOKEN!,
				clientToken: process.env.ZAPI_CLIENT_TOKEN ?? '',
				// Empty means the credential's default Base URL: Z-API itself.
				baseUrl: process.env.ZAPI_BASE_URL ?? '',
			}
		: { instanceId: 'DEMO-INSTANCE', instanceToken: 'DEMO-TOKEN', clientToken: 'DEMO-CLIENT-TOKEN', baseUrl: sandbox!.baseUrl };

	const exampleFile = videoUrl ? 'send-video-status-from-url.json' : 'send-video-status-from-file.json';
	const workflow = JSON.parse(readFileSync(join(root, 'examples', exampleFile), 'utf8'));
	for (const node of workflow.nodes) {
		if (node.type === 'n8n-nodes-base.readWriteFile') node.parameters.fileSelector = demoVideo;
		if (node.type === 'n8n-nodes-base.set' && videoUrl) node.parameters.assignments.assignments[0].value = videoUrl;
	}

	const target = real ? `real Z-API at ${credentials.baseUrl}` : `the Z-API sandbox at ${sandbox!.baseUrl}`;
	const what = videoUrl ? `the link ${videoUrl}` : `${demoVideo.replace(`${root}/`, '')} (${readFileSync(demoVideo).length} bytes)`;
	console.log(`Running examples/${exampleFile} through n8n's workflow engine: posting ${what} to ${target}\n`);

	const run = await runWorkflow(workflow, { credentials: { zApiApi: credentials }, binaryMode: 'filesystem' });
	const output = run.output('Post video status');

	console.log(`Workflow status: ${run.status}`);
	if (run.error) console.log(`Error: ${run.error.message}\n       ${(run.error as { description?: string }).description ?? ''}`);
	console.log('Output of "Post video status":');
	console.log(JSON.stringify(output.map((item) => item.json), null, 2));

	if (sandbox) {
		console.log('\nWhat the sandbox received:');
		for (const request of sandbox.requests) {
			console.log(
				JSON.stringify(
					{
						request: `${request.method} ${request.path}`,
						clientToken: request.clientTokenHeader ? 'sent' : 'not sent',
						video: request.video,
						caption: request.caption,
						answer: { status: request.status, body: request.response },
					},
					null,
					2,
				),
			);
		}
		await sandbox.close();
	}
	process.exitCode = run.status === 'success' ? 0 : 1;
}

main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
