/**
 * Engine contenders: a workflow run through n8n-core's real WorkflowExecute, timed from the start of
 * the first measured node to the end of the last (upstream "Bench Items", which stores the input
 * files through prepareBinaryData, is not timed).
 *
 *   node        Bench Items -> Z-API (this package)
 *   node-alt    Bench Items -> the Z-API node loaded from BENCH_ALT_NODE (a prototype, side by side)
 *   wa-default  Bench Items -> Extract From File (binary to Base64 property, default options) -> HTTP Request (JSON body)
 *   wa-tuned    the same with Extract From File's "File Encoding" option set (skips character-set detection)
 *   wa-http     Bench Items -> HTTP Request only (URL and Base64-text items need no Extract From File)
 *   n8n-floor   Bench Items -> Minimal Post (bench/engine/minimalPost.ts): the same POST per URL item through
 *               the same n8n helper and nothing else; n8n-floor-head adds the HEAD probe first
 */
import '../../test/setup/env';

import type { ICredentialDataDecryptedObject, INode, INodeParameters } from 'n8n-workflow';

import type { BenchItemsSpec } from '../engine/benchItems';
import { ALT_NODE_TYPE, BENCH_ITEMS_TYPE, MINIMAL_POST_TYPE, PACKAGE_NODE_TYPE, removeBinaryStorage, runBenchWorkflow } from '../engine/runner';
import type { WorkflowJson } from '../../test/harness/runWorkflow';
import type { BinaryMode } from '../../test/harness/binaryMode';

interface WindowLike {
	begin(): void;
	end(): unknown;
}
interface ProbesLike {
	take(item: number): void;
	due(item: number, total: number): boolean;
}
interface RunRequest {
	phase: string;
	window: WindowLike;
	probes?: ProbesLike;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { serve, settle } = require('./probe') as { settle(ms?: number): Promise<void>; serve(impl: { setup(spec: EngineSpec): Promise<void>; run(request: RunRequest): Promise<{ items: number }> }): void };

interface EngineSpec {
	contender: 'node' | 'node-alt' | 'wa-default' | 'wa-tuned' | 'wa-http' | 'n8n-floor' | 'n8n-floor-head' | 'n8n-floor-file';
	/** 1 for the first BENCH_ALT_NODE entry, 2 for the second, ... */
	altIndex?: number;
	binaryMode: BinaryMode;
	/** Z-API node parameters beyond resource/operation. */
	nodeParameters?: INodeParameters;
	zapi: { baseUrl: string; instanceId: string; instanceToken: string; clientToken: string };
	timed: BenchItemsSpec;
	warmup: BenchItemsSpec;
}

let spec: EngineSpec;
let usedBinaryStorage = false;
process.on('exit', () => {
	if (usedBinaryStorage) removeBinaryStorage();
});

const HTTP_REQUEST_VERSION = 4.2;
const EXTRACT_VERSION = 1.1;

function itemCount(items: BenchItemsSpec): number {
	return items.kind === 'binary' ? items.files.length : items.kind === 'url' ? items.urls.length : 1;
}

function httpRequestNode(videoExpression: string): INode {
	const { baseUrl, instanceId, instanceToken, clientToken } = spec.zapi;
	return {
		id: 'http',
		name: 'HTTP Request',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: HTTP_REQUEST_VERSION,
		position: [600, 0],
		parameters: {
			method: 'POST',
			url: `${baseUrl}/instances/${instanceId}/token/${instanceToken}/send-video-status`,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'Client-Token', value: clientToken }] },
			sendBody: true,
			contentType: 'json',
			specifyBody: 'keypair',
			bodyParameters: { parameters: [{ name: 'video', value: videoExpression }] },
			options: {},
		},
	};
}

function workflowFor(items: BenchItemsSpec): { json: WorkflowJson; measured: string[] } {
	const nodes: INode[] = [
		{ id: 'trigger', name: 'Trigger', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: 'items', name: 'Bench Items', type: BENCH_ITEMS_TYPE, typeVersion: 1, position: [200, 0], parameters: { spec: JSON.stringify(items) } },
	];
	const chain = ['Trigger', 'Bench Items'];
	let measured: string[];
	switch (spec.contender) {
		case 'node':
		case 'node-alt':
			nodes.push({
				id: 'zapi',
				name: 'Z-API',
				type: spec.contender === 'node' ? PACKAGE_NODE_TYPE : `${ALT_NODE_TYPE}${(spec.altIndex ?? 1) > 1 ? spec.altIndex : ''}`,
				typeVersion: 1,
				position: [400, 0],
				parameters: { resource: 'status', operation: 'sendVideoStatus', ...spec.nodeParameters },
				credentials: { zApiApi: { id: 'cred-1', name: 'Z-API account' } },
			});
			measured = ['Z-API'];
			break;
		case 'wa-default':
		case 'wa-tuned':
			nodes.push({
				id: 'extract',
				name: 'Extract From File',
				type: 'n8n-nodes-base.extractFromFile',
				typeVersion: EXTRACT_VERSION,
				position: [400, 0],
				parameters: {
					operation: 'binaryToPropery',
					binaryPropertyName: 'data',
					destinationKey: 'data',
					options: spec.contender === 'wa-tuned' ? { encoding: 'utf8' } : {},
				},
			});
			nodes.push(httpRequestNode('=data:video/mp4;base64,{{ $json.data }}'));
			measured = ['Extract From File', 'HTTP Request'];
			break;
		case 'n8n-floor':
		case 'n8n-floor-head':
		case 'n8n-floor-file':
			nodes.push({
				id: 'minimal',
				name: 'Minimal Post',
				type: MINIMAL_POST_TYPE,
				typeVersion: 1,
				position: [400, 0],
				parameters:
					items.kind === 'url'
						? { source: 'url', videoUrl: '={{ $json.url }}', probe: spec.contender === 'n8n-floor-head' }
						: items.kind === 'base64'
							? { source: 'base64', videoBase64: '={{ $json.video }}' }
							: { source: 'binary' },
				credentials: { zApiApi: { id: 'cred-1', name: 'Z-API account' } },
			});
			measured = ['Minimal Post'];
			break;
		case 'wa-http':
			nodes.push(httpRequestNode(items.kind === 'url' ? '={{ $json.url }}' : '=data:video/mp4;base64,{{ $json.video }}'));
			measured = ['HTTP Request'];
			break;
	}
	nodes.forEach((node, index) => (node.position = [index * 200, 0]));
	const connections: WorkflowJson['connections'] = {};
	const names = [...chain, ...measured];
	for (let index = 0; index < names.length - 1; index++) {
		connections[names[index]] = { main: [[{ node: names[index + 1], type: 'main', index: 0 }]] };
	}
	return { json: { nodes, connections }, measured };
}

serve({
	async setup(value: EngineSpec) {
		spec = value;
	},
	async run({ phase, window, probes }: RunRequest) {
		const items = phase === 'warmup' ? spec.warmup : spec.timed;
		const total = itemCount(items);
		const { json, measured } = workflowFor(items);
		const credentials: Record<string, ICredentialDataDecryptedObject> = {
			zApiApi: {
				instanceId: spec.zapi.instanceId,
				instanceToken: spec.zapi.instanceToken,
				clientToken: spec.zapi.clientToken,
				baseUrl: spec.zapi.baseUrl,
			},
		};
		usedBinaryStorage = true;
		const result = await runBenchWorkflow(json, {
			binaryMode: spec.binaryMode,
			credentials,
			hooks: {
				measured,
				onWindowStart: () => {
					window.begin();
					probes?.take(0);
				},
				onWindowEnd: async () => {
					window.end();
					if (probes) {
						await settle();
						probes.take(total);
					}
				},
				onItem: probes
					? (nodeName, itemIndex) => {
							if (nodeName === measured[0] && itemIndex > 0 && probes.due(itemIndex, total)) probes.take(itemIndex);
						}
					: undefined,
			},
		});
		const error = result.run.data.resultData.error;
		if (error) throw new Error(`the workflow failed: ${error.message} ${(error as { description?: string }).description ?? ''}`);
		const last = measured[measured.length - 1];
		const produced = result.outputLength(last);
		if (produced !== total) throw new Error(`${last} put out ${produced} items, expected ${total}`);
		return { items: total };
	},
});
