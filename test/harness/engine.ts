import { Container } from '@n8n/di';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';

import type { BinaryMode } from './binaryMode';

/**
 * The one place where the harness knows which n8n engine line it runs on. The engine-level suites
 * run twice (see jest.config.js): on the pinned 2.x packages, and on the last 1.x packages
 * (compat/n8n-1.x) mapped in for `n8n-core`, `n8n-workflow`, `n8n-nodes-base` and `@n8n/di`.
 * Everything the harness does differently per line is here; all other harness code is line-agnostic.
 *
 * What the harness uses is the same on both lines (WorkflowExecute, ExecutionLifecycleHooks,
 * ExecuteContext, RoutingNode, WebhookContext, HookContext, Credentials, BinaryDataService with
 * setManager, the BinaryData.Manager interface); 2.x merely adds fields to the additional data
 * (formBaseUrl, mcpBaseUrl, getRuntimeCredential, ...) that 1.x never reads.
 */
export type EngineLine = '1.x' | '2.x';

// Read through the (mapped) package name, so it is the engine this run really loaded.
const version: string = require('n8n-core/package.json').version;

export const ENGINE = {
	line: (version.startsWith('1.') ? '1.x' : '2.x') as EngineLine,
	/** n8n-core's version, e.g. "1.122.48". */
	version,
};

/**
 * The binary data modes each line's n8n offers, as the harness runs them:
 * - default: Base64 inside the item; on both lines;
 * - filesystem: files on disk; on both lines (filesystem-v2 ids on both);
 * - offloaded: a store reached only through BinaryDataService's manager interface, registered with
 *   setManager('database', ...). Both lines have the "database" mode this way: the 1.x app (1.123)
 *   registers its DatabaseManager exactly so when N8N_AVAILABLE_BINARY_DATA_MODES includes
 *   "database", 2.x likewise. Their S3 (both) and Azure (2.x) modes sit behind the same interface.
 */
const BINARY_MODES_BY_LINE: Record<EngineLine, BinaryMode[]> = {
	'1.x': ['default', 'filesystem', 'offloaded'],
	'2.x': ['default', 'filesystem', 'offloaded'],
};

export const ENGINE_BINARY_MODES: BinaryMode[] = BINARY_MODES_BY_LINE[ENGINE.line];

/**
 * What n8n's shutdown would stop. n8n-core 1.x starts a referenced 60-second cleanup timer the
 * first time a trigger runs (SSHClientsManager, created for every trigger's SSH tunnel helpers),
 * which keeps Jest from exiting; 2.x unreferences it. Stopping it is harmless on both lines.
 */
export function releaseEngine(): void {
	Container.get(SSHClientsManager).onShutdown();
}
