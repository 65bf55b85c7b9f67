/**
 * The load of the scale stage: a batch of webhook calls built from a seed (JSON links, multipart
 * uploads of distinct MP4 files up to 1 MiB, and a share of bad inputs), sent with bounded
 * concurrency, each answer timed from the call to the last byte of the answer.
 *
 * Every request carries a unique caption ("scale <batch>-<n>"): the Z-API sandbox records the
 * caption of each status it receives and n8n stores it in the execution (the Webhook node's body),
 * which ties requests, executions and received statuses together.
 */
import { createHash } from 'node:crypto';

export type RequestKind = 'link' | 'upload' | 'oversize' | 'notVideo' | 'badLink';

export interface LoadRequest {
	id: string;
	kind: RequestKind;
	caption: string;
	good: boolean;
	/** JSON body's videoUrl (link and badLink). */
	url?: string;
	/** Multipart field "video" (upload, oversize and notVideo). */
	upload?: { data: Buffer; sha256: string; fileName: string; contentType: string };
}

export interface LoadResult extends Answer {
	request: LoadRequest;
	/** ms since the batch started when the call was made, and how long until the answer was read. */
	sentAtMs: number;
	latencyMs: number;
}

export interface BatchPlan {
	name: string;
	requests: LoadRequest[];
}

export const MIB = 1024 * 1024;
export const STATUS_LIMIT = 10 * MIB;

/** mulberry32: a small seeded generator, so every run sends the same mix in the same order. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function sha256(data: Buffer): string {
	return createHash('sha256').update(data).digest('hex');
}

/**
 * `video` followed by a top-level `free` box (ISO BMFF padding that players skip) so the file is
 * exactly `totalBytes` long and its bytes are unique to `tag`.
 */
export function paddedMp4(video: Buffer, totalBytes: number, tag: string, random: () => number): Buffer {
	const padding = totalBytes - video.length;
	if (padding < 8 + tag.length) throw new Error(`cannot pad a ${video.length}-byte video to ${totalBytes} bytes`);
	const box = Buffer.alloc(padding);
	box.writeUInt32BE(padding, 0);
	box.write('free', 4, 'latin1');
	box.write(tag, 8, 'latin1');
	for (let offset = 8 + tag.length; offset < padding; offset += 4) {
		const value = Math.floor(random() * 0x1_0000_0000) >>> 0;
		if (offset + 4 <= padding) box.writeUInt32BE(value, offset);
		else box.fill(value & 0xff, offset);
	}
	return Buffer.concat([video, box]);
}

export interface PlanOptions {
	name: string;
	count: number;
	seed: number;
	/** Share of bad inputs (0.05 = 5 %), split over oversize uploads, non-video uploads and bad links. */
	badShare: number;
	video: Buffer;
	notVideo: Buffer;
	/** Largest good upload. */
	maxUploadBytes: number;
	/** Serves a file on the video host and returns its URL. */
	host: (name: string, data: Buffer, contentType?: string) => string;
}

export function planBatch(options: PlanOptions): BatchPlan {
	const random = seededRandom(options.seed);
	const bad = Math.round(options.count * options.badShare);
	const badKinds: RequestKind[] = [];
	for (let index = 0; index < bad; index++) badKinds.push((['oversize', 'notVideo', 'badLink'] as const)[index % 3]);
	const good = options.count - bad;
	const kinds: RequestKind[] = [...badKinds];
	for (let index = 0; index < good; index++) kinds.push(index % 2 === 0 ? 'link' : 'upload');
	// Fisher-Yates with the seeded generator: bad inputs spread through the batch.
	for (let index = kinds.length - 1; index > 0; index--) {
		const other = Math.floor(random() * (index + 1));
		[kinds[index], kinds[other]] = [kinds[other], kinds[index]];
	}
	let oversize: Buffer | undefined;
	const requests = kinds.map((kind, index): LoadRequest => {
		const id = `${options.name}-${String(index + 1).padStart(3, '0')}`;
		const caption = `scale ${id}`;
		const request: LoadRequest = { id, kind, caption, good: kind === 'link' || kind === 'upload' };
		switch (kind) {
			case 'link':
				request.url = options.host(`${id}.mp4`, options.video);
				break;
			case 'badLink':
				request.url = options.host(`${id}.html`, Buffer.from(`<html><body>${id}: a web page, not a video</body></html>`), 'text/html; charset=utf-8');
				break;
			case 'upload': {
				// Log-uniform between the bare video and the largest upload: many small files, some large.
				const low = Math.log(options.video.length + 1024);
				const size = Math.round(Math.exp(low + random() * (Math.log(options.maxUploadBytes) - low)));
				const data = paddedMp4(options.video, size, id, random);
				request.upload = { data, sha256: sha256(data), fileName: `${id}.mp4`, contentType: 'video/mp4' };
				break;
			}
			case 'oversize':
				oversize ??= paddedMp4(options.video, STATUS_LIMIT + 1, 'oversize', random);
				request.upload = { data: oversize, sha256: sha256(oversize), fileName: `${id}.mp4`, contentType: 'video/mp4' };
				break;
			case 'notVideo':
				request.upload = { data: options.notVideo, sha256: sha256(options.notVideo), fileName: `${id}.png`, contentType: 'image/png' };
				break;
		}
		return request;
	});
	return { name: options.name, requests };
}

export function describePlan(plan: BatchPlan): string {
	const count = (kind: RequestKind) => plan.requests.filter((request) => request.kind === kind).length;
	const uploads = plan.requests.filter((request) => request.kind === 'upload').map((request) => request.upload!.data.length);
	const uploadBytes = uploads.reduce((sum, bytes) => sum + bytes, 0);
	return (
		`${plan.requests.length} requests: ${count('link')} JSON links, ${count('upload')} multipart uploads ` +
		`(${(Math.min(...uploads) / 1024).toFixed(0)} KiB to ${(Math.max(...uploads) / 1024).toFixed(0)} KiB, ${(uploadBytes / MIB).toFixed(1)} MiB in all), ` +
		`${plan.requests.length - count('link') - count('upload')} bad (${count('oversize')} oversize uploads of 10 MiB + 1 byte, ` +
		`${count('notVideo')} PNG uploads, ${count('badLink')} links to a web page)`
	);
}

function body(request: LoadRequest): { body: FormData | string; headers: Record<string, string> } {
	if (request.upload) {
		const form = new FormData();
		form.append('caption', request.caption);
		form.append('video', new Blob([request.upload.data], { type: request.upload.contentType }), request.upload.fileName);
		return { body: form, headers: {} };
	}
	return { body: JSON.stringify({ videoUrl: request.url, caption: request.caption }), headers: { 'Content-Type': 'application/json' } };
}

/** What a POST to a workflow's webhook answered: status, text and JSON when it is JSON, or why no answer came. */
export interface Answer {
	/** HTTP status; undefined when no answer came (see error). */
	status?: number;
	text: string;
	json?: Record<string, unknown>;
	error?: string;
}

/** POSTs and reads the whole answer; never throws (a failed call is an Answer with an error). */
export async function post(url: string, init: { body: FormData | string; headers: Record<string, string>; timeoutMs: number }): Promise<Answer> {
	const answer: Answer = { text: '' };
	try {
		const response = await fetch(url, { method: 'POST', body: init.body, headers: init.headers, signal: AbortSignal.timeout(init.timeoutMs) });
		answer.status = response.status;
		answer.text = await response.text();
		try {
			answer.json = JSON.parse(answer.text) as Record<string, unknown>;
		} catch {
			// not JSON: the caller's assertion says so
		}
	} catch (error) {
		answer.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
	}
	return answer;
}

async function send(url: string, request: LoadRequest, batchStart: number, timeoutMs: number): Promise<LoadResult> {
	const sentAt = performance.now();
	const answer = await post(url, { ...body(request), timeoutMs });
	return { request, ...answer, sentAtMs: sentAt - batchStart, latencyMs: performance.now() - sentAt };
}

export interface BatchRun {
	plan: BatchPlan;
	results: LoadResult[];
	/** From the first call to the last answer. */
	wallMs: number;
	concurrency: number;
}

/** Sends every request of the plan, at most `concurrency` at a time, in plan order. */
export async function runBatch(url: string, plan: BatchPlan, options: { concurrency: number; timeoutMs: number }): Promise<BatchRun> {
	const results: LoadResult[] = new Array(plan.requests.length);
	const start = performance.now();
	let next = 0;
	const lanes = Array.from({ length: Math.min(options.concurrency, plan.requests.length) }, async () => {
		while (next < plan.requests.length) {
			const index = next++;
			results[index] = await send(url, plan.requests[index], start, options.timeoutMs);
		}
	});
	await Promise.all(lanes);
	return { plan, results, wallMs: performance.now() - start, concurrency: options.concurrency };
}

export function percentile(values: number[], p: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	// Nearest rank.
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[rank - 1];
}
