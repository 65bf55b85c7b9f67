/**
 * Shared set-up of the Status toolkit's test files: the suite's sandbox servers (useSandboxServers), and
 * run(), which runs the Z-API node through the real engine and checks that no secret reached the run data.
 */
import type { INodeParameters } from 'n8n-workflow';

import type { VideoHost, ZApiSandbox } from '../sandbox/zapiSandbox';
import type { SandboxServers } from './sandboxFixture';
import { useSandboxServers } from './sandboxFixture';
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
	let servers: SandboxServers;
	useSandboxServers((started) => (servers = started));
	const sandbox = () => servers.sandbox;
	const credentials = () => ({ ...SECRETS, baseUrl: sandbox().baseUrl });
	return {
		sandbox,
		host: () => servers.host,
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
