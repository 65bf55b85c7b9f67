/**
 * The benchmark's network side, all on loopback in the orchestrator process (idle while a contender
 * runs, so it takes the second core without competing with the contender):
 *
 * - a recording front on the Z-API address the contenders use: it reads each request body as raw
 *   chunks and answers at once in Z-API's shape, so no contender's time includes server-side JSON
 *   parsing, Base64 decoding or hashing;
 * - the real Z-API sandbox (test/sandbox/zapiSandbox.ts): after a contender's turn, outside every
 *   timed window, each recorded request is replayed byte for byte into it, and its verdict (status,
 *   decoded video length and sha256, or link) is checked against the source files;
 * - the video host (startVideoHost) for URL items, answering the node's HEAD size probes.
 *
 * Requests are bucketed by the instance ID in the path (one instance per contender), and TCP
 * connections and video-host requests are counted per contender, so round trips per item can be
 * reported from the servers' own logs.
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { startVideoHost, startZApiSandbox, type VideoHost, type ZApiSandbox } from '../../test/sandbox/zapiSandbox';

export const CLIENT_TOKEN = 'BENCH-CLIENT-TOKEN-7f3a';

interface RecordedRequest {
	method: string;
	path: string;
	headers: IncomingMessage['headers'];
	chunks: Buffer[];
	bytes: number;
	newConnection: boolean;
}

interface Bucket {
	requests: RecordedRequest[];
	connections: number;
}

export type ExpectedVideo = { kind: 'dataUri'; bytes: number; sha256: string } | { kind: 'url'; url: string };

export interface Verdict {
	ok: boolean;
	problems: string[];
	/** POSTs to send-video-status received. */
	posts: number;
	/** All HTTP requests to the Z-API address (POSTs and anything else). */
	zapiRequests: number;
	/** New TCP connections opened to the Z-API address. */
	zapiConnections: number;
	/** Requests to the video host (HEAD probes, GET downloads). */
	hostRequests: number;
	hostHeads: number;
	bodyBytes: number;
}

export interface BenchServers {
	zapiBaseUrl: string;
	instanceToken: string;
	videoHost: VideoHost;
	/** URL of a 1 MiB MP4 on the video host, tagged with the contender and item so each is distinct. */
	videoUrl(instanceId: string, tag: string | number): string;
	/**
	 * Calls `probe` once, for the next request of this instance with a body of 1 MiB or more, when half
	 * of its body has arrived: the front stops reading (the sender's buffers fill as in any slow
	 * network) until the probe is done. Undefined removes it.
	 */
	probeMidBody(instanceId: string, probe: (() => Promise<void>) | undefined): void;
	/** Replays and checks everything a contender sent since its last verification, then forgets it. */
	verify(instanceId: string, expected: ExpectedVideo[]): Promise<Verdict>;
	close(): Promise<void>;
}

export async function startBenchServers(instanceIds: string[], hostedVideo: Buffer): Promise<BenchServers> {
	const instanceToken = 'BENCH-TOKEN-' + randomBytes(6).toString('hex');
	const sandbox: ZApiSandbox = await startZApiSandbox({
		instances: instanceIds.map((id) => ({ id, token: instanceToken })),
		clientToken: CLIENT_TOKEN,
		keepVideoBytes: false,
	});
	const videoHost = await startVideoHost();
	const hostedUrl = videoHost.add('clip.mp4', hostedVideo);

	const buckets = new Map<string, Bucket>();
	const bucket = (id: string): Bucket => {
		let found = buckets.get(id);
		if (!found) buckets.set(id, (found = { requests: [], connections: 0 }));
		return found;
	};
	const midBodyProbes = new Map<string, () => Promise<void>>();
	const seenSockets = new WeakSet<Socket>();
	const sockets = new Set<Socket>();

	const front = createServer((request, response) => {
		const path = request.url ?? '/';
		const match = /^\/instances\/([^/]+)\/token\/[^/]+\/([^/?#]+)/.exec(path);
		const id = match ? decodeURIComponent(match[1]) : '(unknown)';
		const record: RecordedRequest = {
			method: request.method ?? '',
			path,
			headers: request.headers,
			chunks: [],
			bytes: 0,
			newConnection: !seenSockets.has(request.socket),
		};
		seenSockets.add(request.socket);
		const target = bucket(id);
		target.requests.push(record);
		if (record.newConnection) target.connections++;
		const announced = Number(request.headers['content-length']);
		request.on('data', (chunk: Buffer) => {
			record.chunks.push(chunk);
			record.bytes += chunk.length;
			const probe = midBodyProbes.get(id);
			if (probe && announced >= 1024 * 1024 && record.bytes >= announced / 2) {
				midBodyProbes.delete(id);
				request.pause();
				void probe().finally(() => request.resume());
			}
		});
		request.on('end', () => {
			const messageId = randomBytes(10).toString('hex').toUpperCase();
			const text = JSON.stringify({ zaapId: randomBytes(16).toString('hex').toUpperCase(), messageId, id: messageId });
			response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
			response.end(text);
		});
	});
	front.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	front.keepAliveTimeout = 60_000;
	await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
	const zapiBaseUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

	const REPLAY_CONCURRENCY = 4;
	const replayAgent = new Agent({ keepAlive: true, maxSockets: REPLAY_CONCURRENCY });
	const replay = (record: RecordedRequest): Promise<void> =>
		new Promise((resolve, reject) => {
			const body = Buffer.concat(record.chunks, record.bytes);
			const headers: Record<string, string | number> = { 'Content-Length': body.length };
			for (const name of ['content-type', 'client-token', 'accept']) {
				const value = record.headers[name];
				if (typeof value === 'string') headers[name] = value;
			}
			const outgoing = httpRequest(`${sandbox.baseUrl}${record.path}`, { method: record.method, headers, agent: replayAgent }, (answer) => {
				answer.resume();
				answer.on('end', resolve);
				answer.on('error', reject);
			});
			outgoing.on('error', reject);
			outgoing.end(body);
		});

	return {
		zapiBaseUrl,
		instanceToken,
		videoHost,
		videoUrl: (instanceId, tag) => `${hostedUrl}?c=${encodeURIComponent(instanceId)}&i=${tag}`,
		probeMidBody(instanceId, probe) {
			if (probe) midBodyProbes.set(instanceId, probe);
			else midBodyProbes.delete(instanceId);
		},
		async verify(instanceId, expected) {
			const mine = bucket(instanceId);
			buckets.delete(instanceId);
			const problems: string[] = [];
			const tag = `c=${encodeURIComponent(instanceId)}&`;
			const hostRequests = videoHost.requests.filter((entry) => entry.path.includes(tag));
			videoHost.requests.splice(0, videoHost.requests.length, ...videoHost.requests.filter((entry) => !entry.path.includes(tag)));

			const received: string[] = [];
			let posts = 0;
			let bodyBytes = 0;
			// Replay everything (a few at a time), then read the sandbox's log: one record per request.
			sandbox.reset();
			const queue = [...mine.requests];
			await Promise.all(
				Array.from({ length: Math.min(REPLAY_CONCURRENCY, queue.length) }, async () => {
					for (let record = queue.shift(); record; record = queue.shift()) await replay(record);
				}),
			);
			if (sandbox.requests.length !== mine.requests.length) {
				problems.push(`replayed ${mine.requests.length} requests, the sandbox recorded ${sandbox.requests.length}`);
			}
			for (const record of mine.requests) bodyBytes += record.bytes;
			for (const verdict of sandbox.requests) {
				if (verdict.endpoint !== 'send-video-status' || verdict.method !== 'POST') {
					problems.push(`unexpected request ${verdict.method} /${verdict.endpoint}`);
					continue;
				}
				posts++;
				if (verdict.status !== 200) {
					problems.push(`the sandbox refused a body (HTTP ${verdict.status}: ${JSON.stringify(verdict.response)})`);
					continue;
				}
				const video = verdict.video;
				if (!video) problems.push('accepted without a video');
				else if (video.kind === 'url') received.push(`url ${video.url}`);
				else received.push(`data ${video.mimeType} ${video.bytes} ${video.sha256}`);
			}
			const wanted = expected
				.map((item) => (item.kind === 'url' ? `url ${item.url}` : `data video/mp4 ${item.bytes} ${item.sha256}`))
				.sort();
			received.sort();
			if (received.length !== wanted.length) problems.push(`expected ${wanted.length} videos, the sandbox accepted ${received.length}`);
			let mismatches = 0;
			for (let index = 0; index < Math.max(received.length, wanted.length); index++) {
				if (received[index] !== wanted[index]) mismatches++;
			}
			if (mismatches > 0) {
				const sample = received.find((entry) => !wanted.includes(entry));
				problems.push(`${mismatches} received video(s) differ from the source files${sample ? ` (e.g. ${sample.slice(0, 120)})` : ''}`);
			}
			sandbox.reset();
			return {
				ok: problems.length === 0,
				problems,
				posts,
				zapiRequests: mine.requests.length,
				zapiConnections: mine.connections,
				hostRequests: hostRequests.length,
				hostHeads: hostRequests.filter((entry) => entry.method === 'HEAD').length,
				bodyBytes,
			};
		},
		async close() {
			replayAgent.destroy();
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => front.close(() => resolve()));
			await videoHost.close();
			await sandbox.close();
		},
	};
}
