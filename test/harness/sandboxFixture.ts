import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import type { SandboxOptions, VideoHost, ZApiSandbox } from '../sandbox/zapiSandbox';
import { startVideoHost, startZApiSandbox } from '../sandbox/zapiSandbox';
import { SECRETS } from './secrets';

export interface SandboxServers {
	/** Z-API's look-alike, with one instance: SECRETS' ID and token, requiring SECRETS' Client-Token. */
	sandbox: ZApiSandbox;
	/** The third-party host of video links. */
	host: VideoHost;
}

/**
 * The servers an engine suite runs against, shared by every test of the suite file: started before
 * the first test, closed after the last, and put back before each test as they started (sandbox log,
 * faults, Client-Token, instance connected, webhooks, notify sent by me; the host's request log). Call it at the top
 * level of a suite; `onStarted` hands the servers over once they listen.
 *
 *     let sandbox: ZApiSandbox;
 *     let host: VideoHost;
 *     useSandboxServers((servers) => ({ sandbox, host } = servers));
 *
 * `keepVideoBytes` makes the sandbox keep each received video's bytes (`request.video.data`), for
 * suites that re-read what was posted.
 */
export function useSandboxServers(onStarted: (servers: SandboxServers) => void, options: Pick<SandboxOptions, 'keepVideoBytes'> = {}): void {
	let servers: SandboxServers | undefined;
	beforeAll(async () => {
		const sandbox = await startZApiSandbox({
			instances: [{ id: SECRETS.instanceId, token: SECRETS.instanceToken }],
			clientToken: SECRETS.clientToken,
			...options,
		});
		servers = { sandbox, host: await startVideoHost() };
		onStarted(servers);
	});
	afterAll(async () => {
		await servers?.sandbox.close();
		await servers?.host.close();
	});
	beforeEach(() => {
		const { sandbox, host } = servers!;
		sandbox.reset();
		sandbox.setClientToken(SECRETS.clientToken);
		sandbox.setInstanceConnected(SECRETS.instanceId, true);
		for (const kind of ['delivery', 'received', 'message-status'] as const) sandbox.setWebhookUrl(SECRETS.instanceId, kind, undefined);
		sandbox.setNotifySentByMe(SECRETS.instanceId, false);
		sandbox.setAutoReadStatus(SECRETS.instanceId, false);
		host.requests.length = 0;
	});
}

/** The Z-API credential of the sandbox's instance, for runWorkflow's `credentials`; overrides replace fields. */
export function sandboxCredentials(
	sandbox: ZApiSandbox,
	overrides: Record<string, string> = {},
): { zApiApi: ICredentialDataDecryptedObject } {
	return { zApiApi: { ...SECRETS, baseUrl: sandbox.baseUrl, ...overrides } };
}
