import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** What the "Bench Items" node emits. */
export type BenchItemsSpec =
	| { kind: 'binary'; files: string[] }
	| { kind: 'url'; urls: string[] }
	| { kind: 'base64'; textFile: string };

/**
 * The untimed upstream node of every engine contender: like test.testItems, but reads the files
 * itself instead of carrying their content in its parameters (a 13 MB JSON parameter would be
 * parsed and copied by the engine and inflate the process's memory before the measured node runs).
 * Binary files go through n8n's real prepareBinaryData, so they land in the run's binary data mode.
 */
export class BenchItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Bench Items',
		name: 'benchItems',
		group: ['input'],
		version: 1,
		description: 'Emits the benchmark items (bench only)',
		defaults: { name: 'Bench Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Spec', name: 'spec', type: 'string', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const spec = JSON.parse(this.getNodeParameter('spec', 0) as string) as BenchItemsSpec;
		const output: INodeExecutionData[] = [];
		if (spec.kind === 'binary') {
			for (const file of spec.files) {
				const binary = await this.helpers.prepareBinaryData(readFileSync(file), basename(file), 'video/mp4');
				output.push({ json: {}, binary: { data: binary }, pairedItem: { item: 0 } });
			}
		} else if (spec.kind === 'url') {
			for (const url of spec.urls) output.push({ json: { url }, pairedItem: { item: 0 } });
		} else {
			output.push({ json: { video: readFileSync(spec.textFile, 'latin1') }, pairedItem: { item: 0 } });
		}
		return [output];
	}
}
