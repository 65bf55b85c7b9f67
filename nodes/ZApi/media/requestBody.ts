import type { IDataObject } from 'n8n-workflow';

import { base64Length, base64Pieces, base64TextPieces } from './base64';
import { MediaError } from '../InputError';
import type { InlineMedia, PreparedMedia } from './source';

/**
 * The request body for an operation that sends one media field: an object for a link, a streamed
 * JSON body for a file (see JsonFileBody).
 */
export function mediaRequestBody(field: string, media: PreparedMedia, others: IDataObject = {}): IDataObject | JsonFileBody {
	if (media.kind === 'link') return { [field]: media.url, ...others };
	return new JsonFileBody(field, media, others);
}

/**
 * A Z-API request body with a file in it, {"<field>":"data:<type>;base64,<payload>", ...the other
 * fields}, that never exists whole: it is written to the socket as it is produced, the JSON head,
 * then the Base64 of the file 124 KiB at a time as the file is read (from n8n's binary data stream,
 * the item's Base64 text or the bytes in memory), then the tail. Its length is known before the
 * first byte, so the request carries an exact Content-Length.
 *
 * n8n's request helper (axios) takes it as a Blob: it sends `size` as the Content-Length, `type` as
 * the Content-Type and streams what `stream()` yields (a node may not import Node's stream module,
 * and a Blob is the one body axios streams from an async iterator). The Base64 goes as strings
 * (media/base64.ts says why), which axios turns into bytes as it writes them; Base64 is ASCII, so a
 * piece's length is its byte count. Every call to `stream()` reads
 * the file again from its start, so a retry sends the same bytes. When reading the file fails
 * halfway (a stored file removed, a storage error, a file shorter or longer than n8n recorded),
 * the stream fails before the body is complete: the request is torn down short of its
 * Content-Length, which no HTTP server takes as a request, and `failure` says what happened.
 */
export class JsonFileBody {
	readonly size: number;
	readonly type = 'application/json';
	/** Why reading the file failed during the last attempt; undefined when it did not. */
	failure?: MediaError;
	private readonly head: Buffer;
	private readonly tail: Buffer;
	private readonly payloadLength: number;
	private readonly reading = new Set<AsyncIterator<Uint8Array | string>>();

	constructor(
		private readonly field: string,
		private readonly media: InlineMedia,
		others: IDataObject,
	) {
		// JSON.stringify escapes whatever a field name, MIME type or caption holds; Base64 never needs escaping.
		this.head = Buffer.from(`{${JSON.stringify(field)}:${JSON.stringify(`data:${media.mimeType};base64,`).slice(0, -1)}`, 'utf8');
		const rest = JSON.stringify(others).slice(1, -1);
		this.tail = Buffer.from(`"${rest === '' ? '' : `,${rest}`}}`, 'utf8');
		this.payloadLength = media.payload !== undefined ? media.payload.length : base64Length(media.bytes);
		this.size = this.head.length + this.payloadLength + this.tail.length;
	}

	/** What axios reads this body as ("[object Blob]"). */
	get [Symbol.toStringTag](): string {
		return 'Blob';
	}

	/** The whole body, from the start of the file. */
	async *stream(): AsyncGenerator<Uint8Array | string> {
		this.failure = undefined;
		yield this.head;
		const payload = this.payload()[Symbol.asyncIterator]();
		this.reading.add(payload);
		let sent = 0;
		try {
			for (;;) {
				const next = await payload.next();
				if (next.done) break;
				sent += next.value.length;
				if (sent > this.payloadLength) break;
				yield next.value;
			}
		} catch (error) {
			throw (this.failure = this.readFailure(error));
		} finally {
			this.reading.delete(payload);
			await payload.return?.();
		}
		if (sent !== this.payloadLength) throw (this.failure = this.lengthFailure(sent));
		yield this.tail;
	}

	/** Stops reading the file (closing a stored file's stream) after an attempt, whether it sent everything or not. */
	release(): void {
		for (const payload of this.reading) void payload.return?.()?.catch(() => undefined);
		this.reading.clear();
	}

	private payload(): AsyncIterable<string> {
		const { media } = this;
		if (media.payload !== undefined) return toAsync(base64TextPieces(media.payload));
		if (media.open) return base64Pieces(media.open());
		return base64Pieces(media.content ? [media.content] : []);
	}

	private readFailure(error: unknown): MediaError {
		if (error instanceof MediaError) return error;
		const code = (error as { code?: unknown })?.code;
		const reason = typeof code === 'string' ? code : error instanceof Error ? error.message.slice(0, 200) : String(error);
		return new MediaError(
			`The ${this.field} could not be read while it was being sent (${reason}). Nothing was posted: the request was cut off before its end, so Z-API did not take it`,
			`Check that the file is still in n8n's binary data storage (a previous node, or n8n's pruning of old executions, may have removed it), then run the workflow again.`,
		);
	}

	private lengthFailure(sent: number): MediaError {
		const recorded = this.media.bytes.toLocaleString('en-US');
		const what = sent > this.payloadLength ? `is longer than the ${recorded} bytes n8n recorded` : `ended after about ${(Math.floor(sent / 4) * 3).toLocaleString('en-US')} of the ${recorded} bytes n8n recorded`;
		return new MediaError(
			`The ${this.field} file ${what}. Nothing was posted: the request was cut off before its end, so Z-API did not take it`,
			'The file changed while it was being sent. Run the node that produced it again, then this one.',
		);
	}
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
	yield* items;
}
