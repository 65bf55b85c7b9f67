/** HTTP plumbing shared by the sandbox and the video host: answering, listening and closing. */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
	const text = JSON.stringify(body);
	response.writeHead(status, {
		'Content-Type': 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(text),
		...headers,
	});
	response.end(text);
}

export function sendText(response: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
	response.writeHead(status, {
		'Content-Type': contentType,
		'Content-Length': Buffer.byteLength(text),
		...headers,
	});
	response.end(text);
}

export function listen(server: Server, port: number, host: string): Promise<void> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
}

export function closeServer(server: Server, sockets: Set<Socket>, timers: Set<NodeJS.Timeout> = new Set()): Promise<void> {
	for (const timer of timers) clearTimeout(timer);
	timers.clear();
	return new Promise((resolve) => {
		server.close(() => resolve());
		for (const socket of sockets) socket.destroy();
	});
}
