/**
 * A local stand-in for Z-API: a real HTTP server on loopback that answers the endpoints the node
 * uses the way Z-API does (paths, auth, validation, error bodies), records every request, and can
 * misbehave on demand (faults) so retries and error handling can be tested without the real service.
 *
 * Only Node built-ins are used so the same file serves jest, the demo, the benchmark and the
 * end-to-end tests against a real n8n. A request goes through named steps (handleRequest: record it,
 * take a queued fault, read the body; evaluate: the answer Z-API would give; applyFault or answer),
 * which share one SandboxRuntime; callbacks are built in callbacks.ts from Z-API's documented shapes,
 * and the third-party file host lives in videoHost.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
	createServer,
	STATUS_CODES,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { closeServer, listen, sendJson, sendText } from './http';
import { contactStatusCallback, deliveryCallback, newMessageId, notificationCallback, ownMessageCallback, statusReplyCallback, statusViewCallback } from './callbacks';

export interface SandboxInstance {
	id: string;
	token: string;
	/** Default true. A disconnected instance still authenticates but cannot post. */
	connected?: boolean;
}

export interface SandboxOptions {
	/** Default 0: a random free port. */
	port?: number;
	/** Default '127.0.0.1'. */
	host?: string;
	/** Default: one instance { id: 'SANDBOX-INSTANCE', token: 'SANDBOX-TOKEN' }. */
	instances?: SandboxInstance[];
	/** undefined: Client-Token not activated on the account (header ignored). A string: required. */
	clientToken?: string;
	/** Inclusive limit on the DECODED video bytes. Default 10 * 1024 * 1024. */
	maxVideoBytes?: number;
	/** Default false: keep only length and sha256 of received videos. true: also keep the bytes. */
	keepVideoBytes?: boolean;
	/** Called once per request when the sandbox is done with it (answered, dropped or left hanging). */
	onRequest?: (request: ReceivedRequest) => void;
}

export type ReceivedVideo =
	| { kind: 'url'; url: string }
	| { kind: 'dataUri'; mimeType: string; bytes: number; sha256: string; data?: Buffer };

export interface ReceivedRequest {
	method: string;
	/** Path and query as received, with the instance token replaced by '<token>'. */
	path: string;
	/** Last path segment for well-formed paths (e.g. 'send-video-status'), '' otherwise. */
	endpoint: string;
	instanceId?: string;
	/** What the sandbox answered; 0 while unanswered or when no answer was ever sent (hang, resets). */
	status: number;
	clientTokenHeader?: string;
	contentType?: string;
	/** The Content-Length header as sent (absent for a chunked body). */
	contentLength?: string;
	/** Set when the client went away before sending the whole body (a body shorter than its Content-Length): no answer, nothing posted. */
	incomplete?: true;
	bodyBytes: number;
	caption?: string;
	video?: ReceivedVideo;
	/** The media of the other endpoints (image, sticker, gif), parsed like `video`. */
	media?: ReceivedVideo;
	/** Text fields of the other endpoints: message, phone, statusMessageId, messageId (send-text). */
	fields?: Record<string, string>;
	/** The body sent back: parsed JSON object, or the raw text for non-JSON answers. */
	response: unknown;
	/** The injected fault this request consumed, if any. */
	fault?: Fault;
	receivedAt: number;
}

export type Fault =
	| { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'html'; status?: number }
	| { kind: 'malformedJson' }
	| { kind: 'delay'; ms: number }
	| { kind: 'hang' }
	| { kind: 'resetBeforeResponse' }
	| { kind: 'resetBeforeBody' }
	| { kind: 'okWithout'; field: 'messageId' | 'zaapId' }
	| { kind: 'valueFalse' };

export type FaultPolicy = (request: ReceivedRequest) => Fault | undefined;

/** The webhook kinds Z-API keeps one URL each for (docs: webhooks/webhooksConf/*). */
export type WebhookKind = 'delivery' | 'received' | 'message-status';

export interface WebhookCall {
	url: string;
	body: unknown;
	/** The HTTP status the webhook answered; undefined when it could not be reached (see error). */
	status?: number;
	error?: string;
}

/** One instance setting changed through the API, in order: what was set and what was put back. */
export interface SettingChange {
	instanceId: string;
	/** "webhook:<kind>", "notifySentByMe" or "autoReadStatus". */
	setting: string;
	value: string | boolean;
	/** The endpoint that changed it. */
	endpoint: string;
}

export interface ZApiSandbox {
	/** e.g. http://127.0.0.1:45678 (no trailing slash). */
	baseUrl: string;
	port: number;
	/** Every request in arrival order, including rejected ones. Cleared in place by reset(). */
	requests: ReceivedRequest[];
	/** Requests to send-* endpoints that were answered 200 (including 200-shaped faults). */
	accepted(): ReceivedRequest[];
	setClientToken(token: string | undefined): void;
	setInstanceConnected(id: string, connected: boolean): void;
	/** Queues a fault for the next `times` (default 1) POST requests to send-* endpoints. */
	injectFault(fault: Fault, times?: number): void;
	/**
	 * Decides a fault per request after its body is read (queued faults go first); undefined
	 * answers normally. resetBeforeBody cannot be chosen this way (the body is already read).
	 */
	setFaultPolicy(policy: FaultPolicy | undefined): void;
	/** Every webhook call the sandbox made (delivery callbacks, status replies), with the answer it got. */
	webhookCalls: WebhookCall[];
	webhookUrl(instanceId: string, kind: WebhookKind): string | undefined;
	/** What a user would paste into the Z-API panel; undefined removes it. */
	setWebhookUrl(instanceId: string, kind: WebhookKind, url: string | undefined): void;
	/** Z-API's "notify sent by me": what the instance sends comes back on the received webhook with fromMe true. */
	notifySentByMe(instanceId: string): boolean;
	/** Makes chosen webhook updates answer something else than {"value": true} (undefined: answer normally). */
	setWebhookUpdateAnswer(
		decide: ((kind: WebhookKind | 'notifySentByMe' | 'autoReadStatus', value: string | boolean) => { status: number; body: unknown } | undefined) | undefined,
	): void;
	setNotifySentByMe(instanceId: string, on: boolean): void;
	/** Z-API's automatic viewing of contacts' statuses (update-auto-read-status). */
	autoReadStatus(instanceId: string): boolean;
	setAutoReadStatus(instanceId: string, on: boolean): void;
	/**
	 * Every setting changed through the API (webhook URLs, "notify sent by me", automatic status
	 * viewing), in order, so a test sees what activation set and what deactivation put back. Cleared by reset().
	 */
	settingChanges: SettingChange[];
	/** Makes GET me answer this instead of the instance's settings (undefined: answer normally). */
	setMeAnswer(answer: { status: number; body: unknown } | undefined): void;
	/** Makes chosen deliveries fail: the returned text goes into the DeliveryCallback's "error". */
	setDeliveryFailure(decide: ((request: ReceivedRequest) => string | undefined) | undefined): void;
	/**
	 * Someone replied to one of the instance's statuses (received webhook; documented shape): `phone`
	 * is who replied, `referenceMessageId` the ID of the instance's status. Resolves with the HTTP status and the reply's ID.
	 */
	sendStatusReply(
		instanceId: string,
		reply: { phone: string; referenceMessageId: string; text: string; senderName?: string; senderLid?: string },
	): Promise<{ status: number | undefined; messageId: string }>;
	/** A contact posted a status (received webhook; inferred shape, see callbacks.ts). Resolves with the HTTP status and the status ID. */
	sendContactStatus(
		instanceId: string,
		post: { participantPhone?: string | null; participantLid?: string | null; participant?: string; text?: string },
	): Promise<{ status: number | undefined; messageId: string }>;
	/** A contact deleted a status they posted: a REVOKE notification in the status chat (received webhook; inferred shape, see callbacks.ts). */
	sendStatusDeletion(instanceId: string, deletion: { participantPhone?: string | null; participantLid?: string | null }): Promise<number | undefined>;
	/** Someone viewed one of the instance's statuses (message-status webhook; inferred shape, see callbacks.ts). */
	sendStatusView(
		instanceId: string,
		view: { statusMessageId: string; participant?: string; participantPhone?: string; participantLid?: string; played?: boolean },
	): Promise<number | undefined>;
	/** Posts any body to the instance's webhook of that kind, as Z-API would; resolves with the HTTP status. */
	postCallback(instanceId: string, kind: WebhookKind, body: unknown): Promise<number | undefined>;
	/** Waits until every webhook call in flight has been answered. */
	flushWebhooks(): Promise<void>;
	clearFaults(): void;
	/** Clears requests and queued faults; keeps instances, their connection state and the Client-Token. */
	reset(): void;
	/** Stops listening and destroys open sockets (including hanging requests). */
	close(): Promise<void>;
}

export { startVideoHost, type VideoHost, type VideoHostFileOptions, type VideoHostRequest } from './videoHost';

export const DEFAULT_INSTANCE: Readonly<Required<SandboxInstance>> = Object.freeze({
	id: 'SANDBOX-INSTANCE',
	token: 'SANDBOX-TOKEN',
	connected: true,
});
export const DEFAULT_MAX_VIDEO_BYTES = 10 * 1024 * 1024;
/** Bodies above this are answered 413 without being parsed. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Z-API's error texts, kept in one place so tests can compare against them. */
export const ZAPI_ERRORS = Object.freeze({
	instanceNotFound: { error: 'Instance not found' },
	invalidInstanceToken: { error: 'Unauthorized: invalid instance token' },
	notFound: { error: 'NOT_FOUND', message: 'Unable to find matching target resource method' },
	clientTokenMissing: { error: 'your client-token is not configured' },
	clientTokenRejected: (presented: string) => ({ error: `Client-Token ${presented} not allowed` }),
	methodNotAllowed: { error: 'Method Not Allowed' },
	unsupportedMediaType: { error: 'Unsupported Media Type' },
	invalidJson: { error: 'Invalid JSON body' },
	videoRequired: { error: 'video is required' },
	captionNotString: { error: 'caption must be a string' },
	videoNotLinkOrDataUri: { error: 'video must be a link or a Base64 data URI' },
	videoTooLarge: { error: 'Video exceeds the 10MB limit for status' },
	notConnected: { error: 'You are not connected.' },
	fieldRequired: (field: string) => ({ error: `${field} is required` }),
	mediaNotLinkOrDataUri: (field: string) => ({ error: `${field} must be a link or a Base64 data URI` }),
	invalidPhone: { error: 'phone must contain only digits, with the country code' },
	bodyTooLarge: { error: 'Request Entity Too Large' },
});

interface Answer {
	status: number;
	body: unknown;
}

/** Mutable server state shared by the route handlers. */
interface SandboxState {
	instances: Map<string, Required<SandboxInstance>>;
	clientToken: string | undefined;
	maxVideoBytes: number;
	keepVideoBytes: boolean;
	/** Webhook URLs by "<instanceId>:<kind>". */
	webhooks: Map<string, string>;
	/** Instances with "notify sent by me" on. */
	notifySentByMe: Set<string>;
	/** Instances viewing contacts' statuses automatically. */
	autoReadStatus: Set<string>;
	settingChanges: SettingChange[];
	meAnswer?: Answer;
	/** Decides the answer to a webhook URL update (kind) or a setting update (its name). */
	webhookUpdateAnswer?: (kind: WebhookKind | 'notifySentByMe' | 'autoReadStatus', value: string | boolean) => Answer | undefined;
	/** Decides whether (and why) a delivery fails: the text goes into the callback's "error". */
	deliveryFailure?: (request: ReceivedRequest) => string | undefined;
	postWebhook(url: string, body: unknown): void;
}

interface RouteContext {
	state: SandboxState;
	instance: Required<SandboxInstance>;
	/** Parsed JSON body (routes with `jsonBody: true` only). */
	body: unknown;
	record: ReceivedRequest;
}

interface EndpointRoute {
	method: 'GET' | 'POST' | 'PUT';
	/** POST routes that publish something: they take faults and count in accepted(). */
	sends: boolean;
	/** Requires Content-Type application/json and a parsable JSON body. */
	jsonBody: boolean;
	handle(context: RouteContext): Answer;
}

// ---------------------------------------------------------------------------------------------
// Routes. New Z-API endpoints (send-text-status, send-image-status, reply-status-text, ...) are
// added here; path parsing, auth, Client-Token, content-type, JSON parsing and faults are shared.
// ---------------------------------------------------------------------------------------------

const ROUTES: Readonly<Record<string, EndpointRoute>> = {
	status: {
		method: 'GET',
		sends: false,
		jsonBody: false,
		handle: ({ instance }) =>
			instance.connected
				? ok({ connected: true, error: null, smartphoneConnected: true })
				: ok({ connected: false, error: 'You are not connected.', smartphoneConnected: false }),
	},
	'send-video-status': {
		method: 'POST',
		sends: true,
		jsonBody: true,
		handle: ({ state, instance, body, record }) => {
			const fields = isPlainObject(body) ? body : {};
			const video = fields.video;
			const caption = fields.caption;
			if (typeof caption === 'string') record.caption = caption;
			if (typeof video !== 'string') return fail(400, ZAPI_ERRORS.videoRequired);
			if ('caption' in fields && typeof caption !== 'string') return fail(400, ZAPI_ERRORS.captionNotString);

			const media = parseMediaField(video, 'video', state.keepVideoBytes);
			if (!media) return fail(400, ZAPI_ERRORS.videoNotLinkOrDataUri);
			record.video = media;
			if (media.kind === 'dataUri' && media.bytes > state.maxVideoBytes) {
				return fail(400, ZAPI_ERRORS.videoTooLarge);
			}
			if (!instance.connected) return fail(400, ZAPI_ERRORS.notConnected);
			return accept(state, instance, record);
		},
	},
	'send-text-status': sendRoute({ text: ['message'] }),
	'send-image-status': sendRoute({ media: { field: 'image', topType: 'image' }, caption: true }),
	'reply-status-text': sendRoute({ text: ['phone', 'message', 'statusMessageId'] }),
	'reply-status-gif': sendRoute({ text: ['phone', 'statusMessageId'], media: { field: 'gif', topType: 'video', linkOnly: true } }),
	'reply-status-sticker': sendRoute({ text: ['phone', 'statusMessageId'], media: { field: 'sticker', topType: 'image' } }),
	// docs/message/send-message-text and message/reply-message: messageId quotes the message it answers.
	'send-text': sendRoute({ text: ['phone', 'message'], optionalText: ['messageId'] }),
	'update-webhook-delivery': webhookRoute('delivery'),
	'update-webhook-received': webhookRoute('received'),
	// docs/webhooks/on-message-received-notify-fromme: the received URL with "notify sent by me" on.
	'update-webhook-received-delivery': webhookRoute('received', true),
	'update-webhook-message-status': webhookRoute('message-status'),
	// docs/webhooks/update-notify-sent-by-me: {notifySentByMe: boolean} -> {value: boolean}.
	'update-notify-sent-by-me': settingRoute('update-notify-sent-by-me', 'notifySentByMe', (state) => state.notifySentByMe),
	// docs/instance/auto-read-status: {value: true or false} -> {value: true}.
	'update-auto-read-status': settingRoute('update-auto-read-status', 'value', (state) => state.autoReadStatus, 'autoReadStatus'),
	// docs/instance/me: the instance's data, with its webhook URLs and receiveCallbackSentByMe.
	me: {
		method: 'GET',
		sends: false,
		jsonBody: false,
		handle: ({ state, instance }) => {
			if (state.meAnswer) return state.meAnswer;
			const url = (kind: WebhookKind) => state.webhooks.get(`${instance.id}:${kind}`) ?? null;
			return ok({
				id: instance.id,
				token: instance.token,
				name: 'Sandbox instance',
				due: 1893456000000,
				connected: instance.connected,
				paymentStatus: 'PAID',
				created: '2026-01-01T00:00:00.000Z',
				connectedCallbackUrl: null,
				deliveryCallbackUrl: url('delivery'),
				disconnectedCallbackUrl: null,
				messageStatusCallbackUrl: url('message-status'),
				presenceChatCallbackUrl: null,
				receivedCallbackUrl: url('received'),
				receiveCallbackSentByMe: state.notifySentByMe.has(instance.id),
				callRejectAuto: false,
				callRejectMessage: null,
				autoReadMessage: false,
				initialDataCallbackUrl: null,
			});
		},
	},
};

/** PUT of one boolean instance setting, confirmed with {"value": true}; the change is recorded. */
function settingRoute(endpoint: string, field: string, set: (state: SandboxState) => Set<string>, setting: 'notifySentByMe' | 'autoReadStatus' = 'notifySentByMe'): EndpointRoute {
	return {
		method: 'PUT',
		sends: false,
		jsonBody: true,
		handle: ({ instance, body, state }) => {
			const value = isPlainObject(body) ? body[field] : undefined;
			if (typeof value !== 'boolean') return fail(400, ZAPI_ERRORS.fieldRequired(field));
			const other = state.webhookUpdateAnswer?.(setting, value);
			if (other) return other;
			if (value) set(state).add(instance.id);
			else set(state).delete(instance.id);
			state.settingChanges.push({ instanceId: instance.id, setting, value, endpoint });
			return ok({ value: true });
		},
	};
}

/** Z-API takes digits with the country code, or a LID ("<digits>@lid", docs: tips/lid). */
const RECIPIENT = /^(\d{10,15}|\d{5,25}@lid)$/;

/**
 * The other publishing endpoints share one shape: required text fields, optionally one media field
 * (a link, or a data URI of the given top-level type) and a caption.
 */
function sendRoute(shape: {
	text?: string[];
	optionalText?: string[];
	media?: { field: string; topType: string; linkOnly?: boolean };
	caption?: boolean;
}): EndpointRoute {
	return {
		method: 'POST',
		sends: true,
		jsonBody: true,
		handle: ({ state, instance, body, record }) => {
			const fields = isPlainObject(body) ? body : {};
			record.fields = {};
			for (const name of shape.text ?? []) {
				const value = fields[name];
				if (typeof value !== 'string' || value.trim() === '') return fail(400, ZAPI_ERRORS.fieldRequired(name));
				record.fields[name] = value;
			}
			for (const name of shape.optionalText ?? []) {
				if (typeof fields[name] === 'string') record.fields[name] = fields[name];
			}
			if ('phone' in record.fields && !RECIPIENT.test(record.fields.phone)) return fail(400, ZAPI_ERRORS.invalidPhone);
			if (shape.caption) {
				if (typeof fields.caption === 'string') record.caption = fields.caption;
				else if ('caption' in fields) return fail(400, ZAPI_ERRORS.captionNotString);
			}
			if (shape.media) {
				const value = fields[shape.media.field];
				if (typeof value !== 'string') return fail(400, ZAPI_ERRORS.fieldRequired(shape.media.field));
				const media = parseMediaField(value, shape.media.topType, state.keepVideoBytes);
				if (!media || (shape.media.linkOnly && media.kind !== 'url')) return fail(400, ZAPI_ERRORS.mediaNotLinkOrDataUri(shape.media.field));
				record.media = media;
			}
			if (!instance.connected) return fail(400, ZAPI_ERRORS.notConnected);
			return accept(state, instance, record);
		},
	};
}

/**
 * PUT update-webhook-*: one URL per instance and kind, replacing the previous one; answers
 * {"value": true} (docs: webhooks/update-every-webhooks, "Retorno do endpoint"). Like Z-API's
 * compatible servers, an empty value clears it; http is accepted here (only Z-API itself insists on
 * HTTPS, which the node checks before calling).
 */
function webhookRoute(kind: WebhookKind, notifySentByMe = false): EndpointRoute {
	return {
		method: 'PUT',
		sends: false,
		jsonBody: true,
		handle: ({ instance, body, state }) => {
			const value = isPlainObject(body) ? body.value : undefined;
			if (typeof value !== 'string') return fail(400, ZAPI_ERRORS.fieldRequired('value'));
			const other = state.webhookUpdateAnswer?.(kind, value);
			if (other) return other;
			const endpoint = `update-webhook-${kind}${notifySentByMe ? '-delivery' : ''}`;
			state.webhooks.set(`${instance.id}:${kind}`, value);
			state.settingChanges.push({ instanceId: instance.id, setting: `webhook:${kind}`, value, endpoint });
			if (notifySentByMe) {
				state.notifySentByMe.add(instance.id);
				state.settingChanges.push({ instanceId: instance.id, setting: 'notifySentByMe', value: true, endpoint });
			}
			return ok({ value: true });
		},
	};
}

/**
 * Answers a send with fresh ids; when the instance has a delivery webhook, reports the outcome there,
 * and with "notify sent by me" on, echoes the message on the received webhook (fromMe true).
 */
function accept(state: SandboxState, instance: Required<SandboxInstance>, record: ReceivedRequest): Answer {
	const ids = newMessageIds();
	// For a status, what Z-API puts in `phone` is undocumented; the instance ID stands in for it.
	const phone = record.fields?.phone ?? instance.id;
	const url = state.webhooks.get(`${instance.id}:delivery`);
	const error = url ? state.deliveryFailure?.(record) : undefined;
	if (url) {
		state.postWebhook(url, deliveryCallback({ instanceId: instance.id, phone, zaapId: ids.zaapId, messageId: ids.messageId, error }));
	}
	const received = state.webhooks.get(`${instance.id}:received`);
	if (received && state.notifySentByMe.has(instance.id) && !error) {
		state.postWebhook(
			received,
			ownMessageCallback({
				instanceId: instance.id,
				phone: record.fields?.phone ?? 'status@broadcast',
				messageId: ids.messageId,
				text: record.fields?.message ?? record.caption ?? '',
				referenceMessageId: record.fields?.messageId ?? record.fields?.statusMessageId,
			}),
		);
	}
	return ok(ids);
}


function ok(body: unknown): Answer {
	return { status: 200, body };
}

function fail(status: number, body: unknown): Answer {
	return { status, body };
}

/** Fresh ids in Z-API's shapes: zaapId 32 and messageId 20 upper-case hex characters. */
function newMessageIds(): { zaapId: string; messageId: string; id: string } {
	const messageId = newMessageId();
	return { zaapId: randomBytes(16).toString('hex').toUpperCase(), messageId, id: messageId };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Strict Base64: standard alphabet, '=' only as final padding. Length is checked separately.
const BASE64_PAYLOAD = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Accepts an http(s) link or `data:<topType>/<subtype>;base64,<payload>` with a valid payload.
 * Returns undefined for anything else (raw Base64, other schemes, bad padding, empty payload).
 */
function parseMediaField(value: string, topType: string, keepBytes: boolean): ReceivedVideo | undefined {
	if (/^https?:\/\//i.test(value)) {
		try {
			new URL(value);
			return { kind: 'url', url: value };
		} catch {
			return undefined;
		}
	}
	const header = new RegExp(`^data:(${topType}/[A-Za-z0-9][A-Za-z0-9.+-]*);base64,`).exec(value);
	if (!header) return undefined;
	const payload = value.slice(header[0].length);
	if (payload.length === 0 || payload.length % 4 !== 0 || !BASE64_PAYLOAD.test(payload)) return undefined;
	const data = Buffer.from(payload, 'base64');
	const video: ReceivedVideo = {
		kind: 'dataUri',
		mimeType: header[1],
		bytes: data.length,
		sha256: createHash('sha256').update(data).digest('hex'),
	};
	if (keepBytes) video.data = data;
	return video;
}

// ---------------------------------------------------------------------------------------------
// Request plumbing
// ---------------------------------------------------------------------------------------------

interface ParsedPath {
	instanceId: string;
	token: string;
	endpoint: string;
}

const INSTANCE_PATH = /^\/instances\/([^/]+)\/token\/([^/]+)\/([^/]+)$/;

function parseZApiPath(pathname: string): ParsedPath | undefined {
	const match = INSTANCE_PATH.exec(pathname);
	if (!match) return undefined;
	try {
		return {
			instanceId: decodeURIComponent(match[1]),
			token: decodeURIComponent(match[2]),
			endpoint: decodeURIComponent(match[3]),
		};
	} catch {
		return undefined;
	}
}

/** The instance token is a secret in the URL: never keep it in the log. */
export function maskInstanceToken(rawPath: string): string {
	return rawPath.replace(/\/token\/[^/?#]*/g, '/token/<token>');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name];
	return Array.isArray(value) ? value.join(', ') : value;
}

function isJsonContentType(contentType: string | undefined): boolean {
	return contentType?.split(';')[0].trim().toLowerCase() === 'application/json';
}

interface ReadBody {
	buffer: Buffer;
	bytes: number;
	tooLarge: boolean;
}

/** Collects the body into one Buffer; past the cap it keeps draining (so the client can finish) but stores nothing. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<ReadBody> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let bytes = 0;
		request.on('data', (chunk: Buffer) => {
			bytes += chunk.length;
			if (bytes <= maxBytes) chunks.push(chunk);
			else chunks.length = 0;
		});
		request.on('end', () => {
			const tooLarge = bytes > maxBytes;
			resolve({ buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, bytes), bytes, tooLarge });
		});
		request.on('error', reject);
		// A client that disconnects mid-body gets 'close' without 'end'.
		request.on('close', () => {
			if (!request.complete) reject(new Error('request aborted'));
		});
	});
}

function htmlErrorPage(status: number): string {
	const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
	return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

/** Everything the request steps share: the options, Z-API's state, the request log, faults, webhook calls, sockets and timers. */
interface SandboxRuntime {
	options: SandboxOptions;
	state: SandboxState;
	requests: ReceivedRequest[];
	faultQueue: Fault[];
	faultPolicy: FaultPolicy | undefined;
	webhookCalls: WebhookCall[];
	pendingWebhooks: Set<Promise<void>>;
	sockets: Set<Socket>;
	timers: Set<NodeJS.Timeout>;
}

function createRuntime(options: SandboxOptions): SandboxRuntime {
	const rt: SandboxRuntime = {
		options,
		state: {
			instances: new Map(
				(options.instances ?? [DEFAULT_INSTANCE]).map((instance) => [
					instance.id,
					{ id: instance.id, token: instance.token, connected: instance.connected ?? true },
				]),
			),
			clientToken: options.clientToken,
			maxVideoBytes: options.maxVideoBytes ?? DEFAULT_MAX_VIDEO_BYTES,
			keepVideoBytes: options.keepVideoBytes ?? false,
			webhooks: new Map(),
			notifySentByMe: new Set(),
			autoReadStatus: new Set(),
			settingChanges: [],
			postWebhook: (url, body) => {
				rt.pendingWebhooks.add(callWebhook(rt, url, body).then(() => undefined));
			},
		},
		requests: [],
		faultQueue: [],
		faultPolicy: undefined,
		webhookCalls: [],
		pendingWebhooks: new Set(),
		sockets: new Set(),
		timers: new Set(),
	};
	return rt;
}

// Step: calling the instance's webhooks back.

/** Like Z-API, calls back a moment after answering, and never lets a dead URL break the sandbox. */
async function callWebhook(rt: SandboxRuntime, url: string, body: unknown): Promise<number | undefined> {
	const call: WebhookCall = { url, body };
	rt.webhookCalls.push(call);
	await new Promise((resolve) => setTimeout(resolve, 20));
	try {
		const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		call.status = response.status;
		await response.arrayBuffer();
	} catch (error) {
		call.error = String(error);
	}
	return call.status;
}

async function postTo(rt: SandboxRuntime, instanceId: string, kind: WebhookKind, body: unknown): Promise<number | undefined> {
	const url = rt.state.webhooks.get(`${instanceId}:${kind}`);
	if (!url) throw new Error(`Sandbox: instance ${instanceId} has no ${kind} webhook`);
	return await callWebhook(rt, url, body);
}

// Steps: one request, from arrival to answer.

function finish(rt: SandboxRuntime, record: ReceivedRequest): void {
	rt.options.onRequest?.(record);
}

function answer(rt: SandboxRuntime, response: ServerResponse, record: ReceivedRequest, result: Answer): void {
	record.status = result.status;
	record.response = result.body;
	sendJson(response, result.status, result.body);
	finish(rt, record);
}

/** Everything up to and including the route handler: the answer Z-API itself would give. */
function evaluate(rt: SandboxRuntime, request: IncomingMessage, record: ReceivedRequest, parsed: ParsedPath | undefined, body: ReadBody): Answer {
	if (body.tooLarge) return fail(413, ZAPI_ERRORS.bodyTooLarge);
	if (!parsed) return fail(404, ZAPI_ERRORS.notFound);
	const instance = rt.state.instances.get(parsed.instanceId);
	if (!instance) return fail(404, ZAPI_ERRORS.instanceNotFound);
	if (instance.token !== parsed.token) return fail(401, ZAPI_ERRORS.invalidInstanceToken);
	const route = ROUTES[parsed.endpoint];
	if (!route) return fail(404, ZAPI_ERRORS.notFound);
	if (request.method !== route.method) return fail(405, ZAPI_ERRORS.methodNotAllowed);

	if (rt.state.clientToken !== undefined) {
		const presented = record.clientTokenHeader;
		if (presented === undefined || presented.trim() === '') return fail(400, ZAPI_ERRORS.clientTokenMissing);
		// Echoing the presented value is deliberate: tests use it to prove the node scrubs error bodies.
		if (presented !== rt.state.clientToken) return fail(403, ZAPI_ERRORS.clientTokenRejected(presented));
	}

	let json: unknown;
	if (route.jsonBody) {
		if (!isJsonContentType(record.contentType)) return fail(415, ZAPI_ERRORS.unsupportedMediaType);
		try {
			json = JSON.parse(body.buffer.toString('utf8'));
		} catch {
			return fail(400, ZAPI_ERRORS.invalidJson);
		}
	}
	return route.handle({ state: rt.state, instance, body: json, record });
}

/** Replaces (or, for delay, postpones) the normal answer. */
function applyFault(rt: SandboxRuntime, response: ServerResponse, record: ReceivedRequest, fault: Fault, normal: Answer): void {
	switch (fault.kind) {
		case 'status': {
			const body = fault.body ?? { error: STATUS_CODES[fault.status] ?? 'Error' };
			record.status = fault.status;
			record.response = body;
			if (typeof body === 'string') sendText(response, fault.status, 'text/plain; charset=utf-8', body, fault.headers);
			else sendJson(response, fault.status, body, fault.headers);
			return finish(rt, record);
		}
		case 'html': {
			const status = fault.status ?? 502;
			const page = htmlErrorPage(status);
			record.status = status;
			record.response = page;
			sendText(response, status, 'text/html', page);
			return finish(rt, record);
		}
		case 'malformedJson': {
			const complete = JSON.stringify(newMessageIds());
			const truncated = complete.slice(0, Math.floor(complete.length / 2));
			record.status = 200;
			record.response = truncated;
			sendText(response, 200, 'application/json; charset=utf-8', truncated);
			return finish(rt, record);
		}
		case 'delay': {
			const timer = setTimeout(() => {
				rt.timers.delete(timer);
				answer(rt, response, record, normal);
			}, fault.ms);
			rt.timers.add(timer);
			return;
		}
		case 'hang':
			// Never answer; close() destroys the socket.
			return finish(rt, record);
		case 'resetBeforeResponse':
			response.socket?.destroy();
			return finish(rt, record);
		case 'resetBeforeBody':
			// Handled on arrival, before the body is read.
			return;
		case 'okWithout': {
			const ids: Partial<ReturnType<typeof newMessageIds>> = newMessageIds();
			delete ids[fault.field];
			// `id` is an alias of messageId: leaving it would let the field be found anyway.
			if (fault.field === 'messageId') delete ids.id;
			return answer(rt, response, record, ok(ids));
		}
		case 'valueFalse':
			return answer(rt, response, record, ok({ value: false }));
	}
}

async function handleRequest(rt: SandboxRuntime, request: IncomingMessage, response: ServerResponse): Promise<void> {
	const rawPath = request.url ?? '/';
	const pathname = rawPath.split('?')[0];
	const parsed = parseZApiPath(pathname);
	const record: ReceivedRequest = {
		method: request.method ?? '',
		path: maskInstanceToken(rawPath),
		endpoint: parsed?.endpoint ?? '',
		instanceId: parsed?.instanceId,
		status: 0,
		clientTokenHeader: headerValue(request.headers, 'client-token'),
		contentType: headerValue(request.headers, 'content-type'),
		contentLength: headerValue(request.headers, 'content-length'),
		bodyBytes: 0,
		response: undefined,
		receivedAt: Date.now(),
	};
	rt.requests.push(record);

	// Faults are taken on arrival so concurrent rt.requests consume them in arrival order.
	const route = parsed ? ROUTES[parsed.endpoint] : undefined;
	const fault = route?.sends && request.method === 'POST' ? rt.faultQueue.shift() : undefined;
	if (fault) record.fault = fault;
	if (fault?.kind === 'resetBeforeBody') {
		request.socket.destroy();
		finish(rt, record);
		return;
	}

	let body: ReadBody;
	try {
		body = await readBody(request, MAX_BODY_BYTES);
	} catch {
		record.incomplete = true;
		finish(rt, record); // the client went away; nothing to answer
		return;
	}
	record.bodyBytes = body.bytes;

	const normal = evaluate(rt, request, record, parsed, body);
	// A policy sees the request once its body is read (caption, video), so it can fault chosen items.
	const chosen = fault ?? (route?.sends && request.method === 'POST' ? rt.faultPolicy?.(record) : undefined);
	if (chosen && !fault) record.fault = chosen;
	if (chosen && chosen.kind !== 'resetBeforeBody') applyFault(rt, response, record, chosen, normal);
	else answer(rt, response, record, normal);
}

export async function startZApiSandbox(options: SandboxOptions = {}): Promise<ZApiSandbox> {
	const host = options.host ?? '127.0.0.1';
	const rt = createRuntime(options);
	const server: Server = createServer((request, response) => {
		handleRequest(rt, request, response).catch((error: unknown) => {
			// A bug in the sandbox must show up as a 500, not as a hung test.
			if (!response.headersSent) sendJson(response, 500, { error: `sandbox error: ${String(error)}` });
		});
	});
	server.on('connection', (socket) => {
		rt.sockets.add(socket);
		socket.on('close', () => rt.sockets.delete(socket));
	});

	await listen(server, options.port ?? 0, host);
	const port = (server.address() as AddressInfo).port;
	let closing: Promise<void> | undefined;

	return {
		baseUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
		port,
		requests: rt.requests,
		accepted: () => rt.requests.filter((request) => request.status === 200 && ROUTES[request.endpoint]?.sends === true),
		setClientToken(token) {
			rt.state.clientToken = token;
		},
		setInstanceConnected(id, connected) {
			const instance = rt.state.instances.get(id);
			if (!instance) throw new Error(`Unknown sandbox instance: ${id}`);
			instance.connected = connected;
		},
		injectFault(fault, times = 1) {
			for (let count = 0; count < times; count++) rt.faultQueue.push(fault);
		},
		clearFaults() {
			rt.faultQueue.length = 0;
			rt.faultPolicy = undefined;
		},
		setFaultPolicy(policy) {
			rt.faultPolicy = policy;
		},
		webhookCalls: rt.webhookCalls,
		webhookUrl: (instanceId, kind) => rt.state.webhooks.get(`${instanceId}:${kind}`),
		setWebhookUrl(instanceId, kind, url) {
			if (url === undefined) rt.state.webhooks.delete(`${instanceId}:${kind}`);
			else rt.state.webhooks.set(`${instanceId}:${kind}`, url);
		},
		setDeliveryFailure(decide) {
			rt.state.deliveryFailure = decide;
		},
		notifySentByMe: (instanceId) => rt.state.notifySentByMe.has(instanceId),
		setWebhookUpdateAnswer(decide) {
			rt.state.webhookUpdateAnswer = decide;
		},
		setNotifySentByMe(instanceId, on) {
			if (on) rt.state.notifySentByMe.add(instanceId);
			else rt.state.notifySentByMe.delete(instanceId);
		},
		autoReadStatus: (instanceId) => rt.state.autoReadStatus.has(instanceId),
		setAutoReadStatus(instanceId, on) {
			if (on) rt.state.autoReadStatus.add(instanceId);
			else rt.state.autoReadStatus.delete(instanceId);
		},
		settingChanges: rt.state.settingChanges,
		setMeAnswer(answer) {
			rt.state.meAnswer = answer;
		},
		async sendStatusReply(instanceId, reply) {
			const body = statusReplyCallback({ instanceId, ...reply });
			return { status: await postTo(rt, instanceId, 'received', body), messageId: String(body.messageId) };
		},
		async sendContactStatus(instanceId, post) {
			const body = contactStatusCallback({ instanceId, ...post });
			return { status: await postTo(rt, instanceId, 'received', body), messageId: String(body.messageId) };
		},
		async sendStatusDeletion(instanceId, deletion) {
			return await postTo(rt, instanceId, 'received', notificationCallback({ instanceId, notification: 'REVOKE', phone: 'status@broadcast', ...deletion }));
		},
		async sendStatusView(instanceId, view) {
			const { played, ...who } = view;
			return await postTo(rt, instanceId, 'message-status', statusViewCallback({ instanceId, ...who, status: played ? 'PLAYED' : 'READ' }));
		},
		postCallback: (instanceId, kind, body) => postTo(rt, instanceId, kind, body),
		async flushWebhooks() {
			while (rt.pendingWebhooks.size > 0) {
				const pending = [...rt.pendingWebhooks];
				rt.pendingWebhooks.clear();
				await Promise.all(pending);
			}
		},
		reset() {
			rt.requests.length = 0;
			rt.webhookCalls.length = 0;
			rt.state.deliveryFailure = undefined;
			rt.state.webhookUpdateAnswer = undefined;
			rt.state.meAnswer = undefined;
			rt.state.settingChanges.length = 0;
			rt.faultQueue.length = 0;
			rt.faultPolicy = undefined;
		},
		close() {
			closing ??= closeServer(server, rt.sockets, rt.timers);
			return closing;
		},
	};
}
