import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** One operation of one resource: its fields in the editor and what it does for one item. */
export interface ZApiOperation {
	description: INodeProperties[];
	/** Handles the item at itemIndex and returns the JSON of its output item. */
	execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject>;
}
