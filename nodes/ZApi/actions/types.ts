import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** One operation of one resource: its fields in the editor and what it does for one item. */
export interface ZApiOperation {
	description: INodeProperties[];
	/**
	 * Handles the item at itemIndex and returns the JSON of its output item, or of several (Send
	 * Video Status posting a video in parts: one item per part, each paired to the input item).
	 */
	execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject | IDataObject[]>;
}
