import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

/**
 * The floor of an item inside n8n (bench only): per item, one expression parameter and the same
 * requests the Z-API node makes through the same helpers, and nothing else: no validation, no error
 * mapping, no retries.
 *
 * - URL items: optionally a HEAD to the video host, then the POST with the credential.
 * - File items (`source` binary or base64): the POST with the video as a streamed body, built the way
 *   the streamed floor builds it (bench/contenders/floor.js): the head, the stored file read through
 *   n8n's getBinaryStream, encoded to Base64 piece by piece and handed on as strings, the tail, with
 *   the exact length up front; Base64 text (the item's, or inline binary data) is handed on in slices.
 *   Chunks and pieces have the node's sizes (186 KiB read, 124 KiB of Base64 per piece: the cheapest
 *   measured, see docs/benchmark.md). No check of the file before sending. Its body is a Blob-like
 *   object, the one streamed body n8n's helper passes on to axios (as media/requestBody.ts does).
 *
 * Its time minus the plain-script floor's is what n8n's engine, its binary data service and its
 * request helper cost per item; the Z-API node's time minus its time is the node's own overhead.
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
			{ displayName: 'Source', name: 'source', type: 'string', default: 'url' },
			{ displayName: 'Video URL', name: 'videoUrl', type: 'string', default: '' },
			{ displayName: 'Video Base64', name: 'videoBase64', type: 'string', default: '' },
			{ displayName: 'Probe', name: 'probe', type: 'boolean', default: false },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials = await this.getCredentials('zApiApi');
		const url = `${String(credentials.baseUrl)}/instances/${String(credentials.instanceId)}/token/${String(credentials.instanceToken)}/send-video-status`;
		const source = this.getNodeParameter('source', 0) as string;
		const probe = this.getNodeParameter('probe', 0) as boolean;
		const output: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			let request: IHttpRequestOptions;
			if (source === 'url') {
				const video = this.getNodeParameter('videoUrl', itemIndex) as string;
				if (probe) await this.helpers.httpRequest({ method: 'HEAD', url: video, returnFullResponse: true } as IHttpRequestOptions);
				request = { method: 'POST', url, body: { video }, json: true };
			} else {
				const body = source === 'base64' ? textBody(this.getNodeParameter('videoBase64', itemIndex) as string) : binaryBody(this, itemIndex);
				request = { method: 'POST', url, body: body as unknown as IDataObject, headers: { 'Content-Type': 'application/json' }, disableFollowRedirect: true, json: true };
			}
			const response = (await this.helpers.httpRequestWithAuthentication.call(this, 'zApiApi', request)) as IDataObject;
			if (typeof response.messageId !== 'string') throw new Error('no messageId');
			output.push({ json: response, pairedItem: { item: itemIndex } });
		}
		return [output];
	}
}

const HEAD = Buffer.from('{"video":"data:video/mp4;base64,', 'latin1');
const TAIL = Buffer.from('"}', 'latin1');
const PIECE_BYTES = 3 * 31 * 1024;
const CHUNK_BYTES = 2 * PIECE_BYTES;
const SLICE_CHARACTERS = (PIECE_BYTES / 3) * 4;

/** A body axios streams: it reads `size` and `type` and pipes what `stream()` yields. */
function blob(payloadLength: number, payload: () => AsyncIterable<string>) {
	return {
		size: HEAD.length + payloadLength + TAIL.length,
		type: 'application/json',
		[Symbol.toStringTag]: 'Blob',
		async *stream() {
			yield HEAD;
			yield* payload();
			yield TAIL;
		},
	};
}

function textBody(text: string) {
	return blob(text.length, async function* () {
		for (let offset = 0; offset < text.length; offset += SLICE_CHARACTERS) yield text.slice(offset, offset + SLICE_CHARACTERS);
	});
}

function binaryBody(context: IExecuteFunctions, itemIndex: number) {
	const binary = context.helpers.assertBinaryData(itemIndex, 'data');
	if (!binary.id) return textBody(binary.data);
	const id = binary.id;
	const bytes = binary.bytes as number;
	return blob(Math.ceil(bytes / 3) * 4, async function* () {
		const stream = await context.helpers.getBinaryStream(id, CHUNK_BYTES);
		// The stream's chunks are CHUNK_BYTES (a multiple of 3) but the last, so each piece encodes on its own.
		for await (const chunk of stream) {
			for (let from = 0; from < (chunk as Buffer).length; from += PIECE_BYTES) yield (chunk as Buffer).toString('base64', from, Math.min(from + PIECE_BYTES, (chunk as Buffer).length));
		}
	});
}
