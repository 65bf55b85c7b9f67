import type { ICredentialType, INodeType, INodeTypes, IVersionedNodeType } from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { ZApiApi } from '../../credentials/ZApiApi.credentials';
import { ZApi } from '../../nodes/ZApi/ZApi.node';
import { ZApiTrigger } from '../../nodes/ZApi/ZApiTrigger.node';
import { TestItems } from './testNodes';

export const PACKAGE_NODE_TYPE = 'n8n-nodes-zapi-status.zApi';

/**
 * n8n's own nodes used around ours in the example and test workflows, loaded lazily from
 * n8n-nodes-base (the real implementations, as the n8n app runs them).
 */
const baseNodes: Record<string, () => INodeType | IVersionedNodeType> = {
	'n8n-nodes-base.manualTrigger': () => new (require('n8n-nodes-base/dist/nodes/ManualTrigger/ManualTrigger.node').ManualTrigger)(),
	'n8n-nodes-base.noOp': () => new (require('n8n-nodes-base/dist/nodes/NoOp/NoOp.node').NoOp)(),
	'n8n-nodes-base.if': () => new (require('n8n-nodes-base/dist/nodes/If/If.node').If)(),
	'n8n-nodes-base.set': () => new (require('n8n-nodes-base/dist/nodes/Set/Set.node').Set)(),
	'n8n-nodes-base.switch': () => new (require('n8n-nodes-base/dist/nodes/Switch/Switch.node').Switch)(),
	'n8n-nodes-base.stickyNote': () => new (require('n8n-nodes-base/dist/nodes/StickyNote/StickyNote.node').StickyNote)(),
	'n8n-nodes-base.readWriteFile': () =>
		new (require('n8n-nodes-base/dist/nodes/Files/ReadWriteFile/ReadWriteFile.node').ReadWriteFile)(),
	'n8n-nodes-base.extractFromFile': () =>
		new (require('n8n-nodes-base/dist/nodes/Files/ExtractFromFile/ExtractFromFile.node').ExtractFromFile)(),
	'n8n-nodes-base.httpRequest': () => new (require('n8n-nodes-base/dist/nodes/HttpRequest/HttpRequest.node').HttpRequest)(),
};

const ownNodes: Record<string, () => INodeType> = {
	[PACKAGE_NODE_TYPE]: () => new ZApi(),
	'n8n-nodes-zapi-status.zApiTrigger': () => new ZApiTrigger(),
	'test.testItems': () => new TestItems(),
};

export const credentialTypes: Record<string, ICredentialType> = {
	zApiApi: new ZApiApi(),
};

export class TestNodeTypes implements INodeTypes {
	private readonly loaded = new Map<string, INodeType | IVersionedNodeType>();

	getByName(nodeType: string): INodeType | IVersionedNodeType {
		let type = this.loaded.get(nodeType);
		if (!type) {
			const factory = ownNodes[nodeType] ?? baseNodes[nodeType];
			if (!factory) throw new Error(`Test harness: unknown node type ${nodeType}`);
			type = factory();
			this.loaded.set(nodeType, type);
		}
		return type;
	}

	getByNameAndVersion(nodeType: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
	}

	getKnownTypes() {
		return {};
	}
}
