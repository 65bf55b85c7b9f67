/**
 * Video host: a third-party file server for the node's URL source (link checks with HEAD, downloads,
 * hosts that stream or refuse HEAD), recording each request's headers to prove no secret reaches it.
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { closeServer, listen, sendText } from './http';

export interface VideoHostFileOptions {
	/** Default 'video/mp4'. An empty string sends no Content-Type header. */
	contentType?: string;
	/** Send GET chunked and HEAD without Content-Length, like hosts that stream. */
	omitContentLength?: boolean;
	/** Answer HEAD with this status (headers only) instead of 200, e.g. 405 or 403. */
	headStatus?: number;
	/** Answer GET with this status and a short text body instead of the file, e.g. 403 or 500. */
	getStatus?: number;
}

export interface VideoHostRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
}

export interface VideoHost {
	/** e.g. http://127.0.0.1:45679 */
	baseUrl: string;
	port: number;
	/** Every request in arrival order, with its headers (to prove no secret ever reaches a third party). */
	requests: VideoHostRequest[];
	/** Serves `data` at /files/<name> and returns that absolute URL. Re-adding a name replaces it. */
	add(name: string, data: Buffer, options?: VideoHostFileOptions): string;
	close(): Promise<void>;
}

interface HostedFile {
	data: Buffer;
	options: VideoHostFileOptions;
}

/** Pieces in which chunked answers are written, so the client really sees several chunks. */
const STREAM_CHUNK_BYTES = 64 * 1024;

export async function startVideoHost(): Promise<VideoHost> {
	const files = new Map<string, HostedFile>();
	const requests: VideoHostRequest[] = [];
	const sockets = new Set<Socket>();

	const server = createServer((request, response) => {
		const path = request.url ?? '/';
		requests.push({ method: request.method ?? '', path, headers: { ...request.headers } });
		request.resume(); // no request bodies expected; drain anything sent

		const match = /^\/files\/([^/?#]+)(?:\?.*)?$/.exec(path);
		let file: HostedFile | undefined;
		try {
			file = match ? files.get(decodeURIComponent(match[1])) : undefined;
		} catch {
			file = undefined;
		}
		if (!file) return sendText(response, 404, 'text/plain; charset=utf-8', 'Not Found');

		const { data, options } = file;
		const headers: Record<string, string | number> = {};
		const contentType = options.contentType ?? 'video/mp4';
		if (contentType !== '') headers['Content-Type'] = contentType;

		if (request.method === 'HEAD') {
			const status = options.headStatus ?? 200;
			if (status >= 200 && status < 300 && !options.omitContentLength) headers['Content-Length'] = data.length;
			response.writeHead(status, headers);
			return response.end();
		}
		if (request.method !== 'GET') {
			return sendText(response, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { Allow: 'GET, HEAD' });
		}
		if (options.getStatus !== undefined && (options.getStatus < 200 || options.getStatus >= 300)) {
			return sendText(response, options.getStatus, 'text/plain; charset=utf-8', STATUS_CODES[options.getStatus] ?? 'Error');
		}
		if (!options.omitContentLength) headers['Content-Length'] = data.length;
		response.writeHead(options.getStatus ?? 200, headers);
		for (let offset = 0; offset < data.length; offset += STREAM_CHUNK_BYTES) {
			response.write(data.subarray(offset, offset + STREAM_CHUNK_BYTES));
		}
		response.end();
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	await listen(server, 0, '127.0.0.1');
	const port = (server.address() as AddressInfo).port;
	const baseUrl = `http://127.0.0.1:${port}`;
	let closing: Promise<void> | undefined;

	return {
		baseUrl,
		port,
		requests,
		add(name, data, options = {}) {
			files.set(name, { data, options });
			return `${baseUrl}/files/${encodeURIComponent(name)}`;
		},
		close() {
			closing ??= closeServer(server, sockets);
			return closing;
		},
	};
}
