/**
 * Shared set-up of the Status toolkit's test files: one sandbox (Client-Token on) and one video host
 * per file, cleared before each test, and run(), which runs the Z-API node through the real engine
 * and checks that no secret reached the run data.
 */
import type { INodeParameters } from 'n8n-workflow';

import type { VideoHost, ZApiSandbox } from '../sandbox/zapiSandbox';
import { startVideoHost, startZApiSandbox } from '../sandbox/zapiSandbox';
import { runWorkflow } from './runWorkflow';
import { runText, SECRETS } from './secrets';
import type { TestItemSpec } from './testNodes';
import { zApiWorkflow } from './workflows';

export interface Toolkit {
	sandbox(): ZApiSandbox;
	host(): VideoHost;
	credentials(): { instanceId: string; instanceToken: string; clientToken: string; baseUrl: string };
	run(operation: string, parameters: INodeParameters, items?: TestItemSpec[]): ReturnType<typeof runWorkflow>;
}

export function useToolkit(): Toolkit {
	let sandbox: ZApiSandbox;
	let host: VideoHost;
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
		for (const kind of ['delivery', 'received', 'message-status'] as const) sandbox.setWebhookUrl(SECRETS.instanceId, kind, undefined);
		sandbox.setNotifySentByMe(SECRETS.instanceId, false);
	});
	const credentials = () => ({ ...SECRETS, baseUrl: sandbox.baseUrl });
	return {
		sandbox: () => sandbox,
		host: () => host,
		credentials,
		async run(operation, parameters, items) {
			const result = await runWorkflow(zApiWorkflow({ operation, ...parameters }, { items }), {
				credentials: { zApiApi: credentials() },
				binaryMode: 'filesystem',
			});
			expect(runText(result)).not.toContain(SECRETS.instanceToken);
			expect(runText(result)).not.toContain(SECRETS.clientToken);
			return result;
		},
	};
}
