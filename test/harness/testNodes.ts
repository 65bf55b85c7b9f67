import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { readFileSync } from 'node:fs';

/** One item the "Test Items" node emits; `file` goes through n8n's real prepareBinaryData. */
export interface TestItemSpec {
	json?: IDataObject;
	binary?: Record<string, { file?: string; content?: string /* base64 */; mimeType?: string; fileName?: string }>;
}

/**
 * Emits the items given in its `items` parameter (a JSON string), storing binary files through
 * this.helpers.prepareBinaryData, so they land in whichever binary data mode the run uses:
 * what a Read/Write Files or HTTP Request node would hand to the next node.
 */
export class TestItems implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Test Items',
		name: 'testItems',
		group: ['input'],
		version: 1,
		description: 'Emits fixed items with binary data (tests only)',
		defaults: { name: 'Test Items' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Items', name: 'items', type: 'string', default: '[]' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const specs = JSON.parse(this.getNodeParameter('items', 0) as string) as TestItemSpec[];
		const output: INodeExecutionData[] = [];
		for (const [index, spec] of specs.entries()) {
			const item: INodeExecutionData = { json: spec.json ?? {}, pairedItem: { item: 0 } };
			if (spec.binary) {
				item.binary = {};
				for (const [property, file] of Object.entries(spec.binary)) {
					const content = file.file ? readFileSync(file.file) : Buffer.from(file.content ?? '', 'base64');
					const binary = await this.helpers.prepareBinaryData(content, file.fileName ?? `video-${index}.mp4`, file.mimeType);
					// prepareBinaryData guesses a type from the name when none is given; a test asking
					// for a specific (or empty) type gets exactly that.
					if (file.mimeType !== undefined) binary.mimeType = file.mimeType;
					item.binary[property] = binary;
				}
			}
			output.push(item);
		}
		return [output];
	}
}
