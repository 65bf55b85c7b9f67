import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

/**
 * The floor of a URL item inside n8n (bench only): per item, one expression parameter and the same
 * requests the Z-API node makes through the same helpers (optionally a HEAD to the video host, then
 * the POST with the credential), and nothing else: no validation, no error mapping, no retries.
 * Its time minus the bare client's is what n8n's engine and request helpers cost per item; the
 * Z-API node's time minus its time is the node's own overhead.
 */
export class MinimalPost implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Minimal Post',
		name: 'minimalPost',
		group: ['output'],
		version: 1,
		description: 'One request per item through n8n helpers (bench only)',
		defaults: { name: 'Minimal Post' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'zApiApi', required: true }],
		properties: [
			{ displayName: 'Video URL', name: 'videoUrl', type: 'string', default: '' },
			{ displayName: 'Probe', name: 'probe', type: 'boolean', default: false },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials = await this.getCredentials('zApiApi');
		const url = `${String(credentials.baseUrl)}/instances/${String(credentials.instanceId)}/token/${String(credentials.instanceToken)}/send-video-status`;
		const probe = this.getNodeParameter('probe', 0) as boolean;
		const output: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const video = this.getNodeParameter('videoUrl', itemIndex) as string;
			if (probe) await this.helpers.httpRequest({ method: 'HEAD', url: video, returnFullResponse: true } as IHttpRequestOptions);
			const response = (await this.helpers.httpRequestWithAuthentication.call(this, 'zApiApi', {
				method: 'POST',
				url,
				body: { video },
				json: true,
			})) as IDataObject;
			if (typeof response.messageId !== 'string') throw new Error('no messageId');
			output.push({ json: response, pairedItem: { item: itemIndex } });
		}
		return [output];
	}
}
