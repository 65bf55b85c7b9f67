/**
 * Runs a workflow through n8n-core's real WorkflowExecute, like test/harness/runWorkflow.ts (same
 * credentials helper, node types, binary data modes), plus what a benchmark needs and a test does not:
 *
 * - nodeExecuteBefore/After hooks that open and close the timed window around the measured nodes
 *   only (upstream nodes that build the input items are not timed);
 * - an optional per-item probe: the first getNodeParameter(…, itemIndex) call for each new item of
 *   a measured node calls back (the memory pass forces a GC there: memory held after the previous item);
 * - the Z-API node can be loaded from another file (BENCH_ALT_NODE) to compare a prototype side by side;
 * - the execution's binary files are deleted after each run, so repeated 200-file runs do not fill the disk.
 */
import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService } from 'n8n-core';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ICredentialDataDecryptedObject, IExecuteFunctions, INodeType, IRun, IVersionedNodeType } from 'n8n-workflow';
import { isNodeClassInstance, NodeHelpers } from 'n8n-workflow';

import type { BinaryMode } from '../../test/harness/binaryMode';
import { PACKAGE_NODE_TYPE, TestNodeTypes } from '../../test/harness/nodeTypes';
import type { WorkflowJson, WorkflowRun } from '../../test/harness/runWorkflow';
import { runWorkflow } from '../../test/harness/runWorkflow';
import { BenchItems } from './benchItems';
import { MinimalPost } from './minimalPost';

export const BENCH_ITEMS_TYPE = 'bench.items';
export const ALT_NODE_TYPE = 'bench.zApiAlt';
export const MINIMAL_POST_TYPE = 'bench.minimalPost';

export interface RunHooks {
	/** Node names whose execution is timed: the window opens before the first and closes after the last. */
	measured: string[];
	onWindowStart(): void | Promise<void>;
	onWindowEnd(): void | Promise<void>;
	/** Called (synchronously, inside the node) when a measured node starts reading parameters of item `itemIndex`. */
	onItem?(nodeName: string, itemIndex: number): void;
}

let itemHook: RunHooks['onItem'];

function instrument(nodeType: INodeType, nodeName: () => string): INodeType {
	const original = nodeType.execute;
	if (!original) return nodeType;
	const wrapped = Object.create(nodeType) as INodeType;
	const classInstance = isNodeClassInstance(nodeType);
	wrapped.execute = async function (this: IExecuteFunctions, ...args: unknown[]) {
		const hook = itemHook;
		const context = (classInstance ? args[0] : this) as IExecuteFunctions;
		const invoke = () =>
			classInstance
				? (original as (...a: unknown[]) => ReturnType<NonNullable<INodeType['execute']>>).apply(nodeType, args)
				: (original as (...a: unknown[]) => ReturnType<NonNullable<INodeType['execute']>>).apply(this, args);
		if (!hook) return await invoke();
		const name = context.getNode().name;
		const getNodeParameter = context.getNodeParameter;
		let last = -1;
		(context as { getNodeParameter: unknown }).getNodeParameter = function (parameterName: string, itemIndex: number, ...rest: unknown[]) {
			if (typeof itemIndex === 'number' && itemIndex > last) {
				last = itemIndex;
				hook(name, itemIndex);
			}
			return (getNodeParameter as (...a: unknown[]) => unknown).call(context, parameterName, itemIndex, ...rest);
		};
		try {
			return await invoke();
		} finally {
			(context as { getNodeParameter: unknown }).getNodeParameter = getNodeParameter;
		}
	} as INodeType['execute'];
	void nodeName;
	return wrapped;
}

class BenchNodeTypes extends TestNodeTypes {
	private readonly extra = new Map<string, INodeType | IVersionedNodeType>();

	private readonly wrapped = new Map<string, INodeType>();

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		if (nodeType === BENCH_ITEMS_TYPE || nodeType === MINIMAL_POST_TYPE || nodeType.startsWith(ALT_NODE_TYPE)) {
			let type = this.extra.get(nodeType);
			if (!type) {
				if (nodeType === BENCH_ITEMS_TYPE) type = new BenchItems();
				else if (nodeType === MINIMAL_POST_TYPE) type = new MinimalPost();
				else {
					// bench.zApiAlt, bench.zApiAlt2, ...: the files listed (comma-separated) in BENCH_ALT_NODE.
					const index = Number(nodeType.slice(ALT_NODE_TYPE.length) || '1') - 1;
					const file = process.env.BENCH_ALT_NODE?.split(',')[index]?.trim();
					if (!file) throw new Error(`BENCH_ALT_NODE has no entry ${index + 1}`);
					// eslint-disable-next-line @typescript-eslint/no-require-imports
					type = new (require(file).ZApi)() as INodeType;
				}
				this.extra.set(nodeType, type);
			}
			return type;
		}
		return super.getByName(nodeType);
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		const key = `${nodeType}@${version ?? ''}`;
		let type = this.wrapped.get(key);
		if (!type) {
			type = instrument(NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version), () => nodeType);
			this.wrapped.set(key, type);
		}
		return type;
	}
}

const nodeTypes = new BenchNodeTypes();
let executionCounter = 0;

export interface BenchRun {
	run: IRun;
	outputLength(nodeName: string): number;
}

export async function runBenchWorkflow(
	json: WorkflowJson,
	options: { binaryMode: BinaryMode; credentials: Record<string, ICredentialDataDecryptedObject>; hooks: RunHooks },
): Promise<BenchRun> {
	const { measured } = options.hooks;
	const first = measured[0];
	const last = measured[measured.length - 1];
	let result: WorkflowRun;
	try {
		// The test harness's run, with hooks that time only the measured nodes.
		result = await runWorkflow(json, {
			binaryMode: options.binaryMode,
			credentials: options.credentials,
			nodeTypes,
			executionId: `bench-${process.pid}-${++executionCounter}`,
			prepareHooks: (hooks) => {
				hooks.addHandler('nodeExecuteBefore', async (nodeName) => {
					if (nodeName === first) {
						itemHook = options.hooks.onItem;
						await options.hooks.onWindowStart();
					}
				});
				hooks.addHandler('nodeExecuteAfter', async (nodeName) => {
					if (nodeName === last) {
						await options.hooks.onWindowEnd();
						itemHook = undefined;
					}
				});
			},
		});
	} finally {
		itemHook = undefined;
	}
	if (options.binaryMode !== 'default') {
		await Container.get(BinaryDataService)
			.deleteMany([{ type: 'execution', workflowId: result.workflowId, executionId: result.executionId }])
			.catch(() => undefined);
	}
	return { run: result.run, outputLength: (nodeName) => result.output(nodeName).length };
}

export { PACKAGE_NODE_TYPE };

/** Removes this process's binary data folder (made by test/harness/binaryMode.ts), at exit. */
export function removeBinaryStorage(): void {
	const path = Container.get(BinaryDataConfig).localStoragePath;
	if (typeof path === 'string' && path.startsWith(join(tmpdir(), 'zapi-status-binary-'))) rmSync(path, { recursive: true, force: true });
}
