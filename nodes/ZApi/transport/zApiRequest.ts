import type { IDataObject, IExecuteFunctions, IHookFunctions, IHttpRequestMethods, IHttpRequestOptions, JsonObject } from 'n8n-workflow';

/** Where Z-API is called from: an operation, or a trigger registering its webhook. */
export type ZApiContext = IExecuteFunctions | IHookFunctions;
import { NodeApiError, sleep } from 'n8n-workflow';

import { JsonFileBody } from '../media/requestBody';
import { buildZApiUrl, readZApiCredentials, secretsOf } from './credentials';
import { errorTextOf, scrubSecrets } from './scrub';

export const CREDENTIAL_TYPE = 'zApiApi';

export interface ZApiCall {
	method: IHttpRequestMethods;
	/** Path after /instances/{id}/token/{token}/, e.g. "send-video-status". */
	endpoint: string;
	/** An object is sent as JSON by n8n; a file body streams its JSON (media/requestBody.ts). */
	body?: IDataObject | JsonFileBody;
	/** Milliseconds to wait for Z-API's answer. */
	timeout: number;
	/** Checks a 2xx answer; a failure returned here is raised like any other Z-API error. */
	validate?: (body: IDataObject) => ZApiFailure | undefined;
	/** Re-sending only ever happens for failures where Z-API certainly did not accept the call. */
	retry?: RetryPolicy;
}

export interface RetryPolicy {
	/** Extra attempts after the first; 0 sends once. */
	maxRetries: number;
	/** Wait before the first retry, doubled for each further one (unless Z-API says how long). */
	baseDelayMs: number;
}

/** The longest wait honoured, from a Retry-After header or the backoff. */
export const MAX_RETRY_WAIT_MS = 60_000;

/**
 * Whether Z-API may have acted on a request that failed. "rejected": it certainly did not
 * (refused, unreachable, told us no); "unknown": it may have (no answer after the body was sent,
 * a server error mid-way). Anything that re-sends must only ever re-send "rejected" calls, or a
 * status could be posted twice.
 */
export type FailureOutcome = 'rejected' | 'unknown';

export interface ZApiFailure {
	message: string;
	description: string;
	outcome: FailureOutcome;
	httpCode?: number;
	/** ECONNREFUSED, ETIMEDOUT, ...: kept in the error's context for logs and retries. */
	networkCode?: string;
	/** Rejected, and worth another try later (unreachable, rate-limited, unavailable). */
	retryable?: boolean;
	/** Milliseconds Z-API asked to wait (Retry-After). */
	retryAfterMs?: number;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (typeof text !== 'string' || text.trim() === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text.trim()) * 1000);
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How long to wait before retry number `retry` (1-based), or undefined when it should not be retried. */
export function retryDelay(failure: ZApiFailure, retry: number, policy: RetryPolicy): number | undefined {
	if (!failure.retryable || failure.outcome !== 'rejected' || retry > policy.maxRetries) return undefined;
	const delay = failure.retryAfterMs ?? policy.baseDelayMs * 2 ** (retry - 1);
	return delay <= MAX_RETRY_WAIT_MS ? delay : undefined;
}

const CLIENT_TOKEN_HELP = 'Security in the Z-API panel (app.z-api.io): copy the account security token into the Client-Token field of the Z-API credential';

/** Turns Z-API's answer into an actionable explanation. Pure: the text is scrubbed by the caller. */
export function describeZApiFailure(status: number, body: unknown, endpoint: string): ZApiFailure {
	const reason = errorTextOf(body);
	const lower = reason.toLowerCase();
	const saying = reason ? `: ${reason}` : '';
	const httpCode = status;

	if (/client-token|null not allowed/.test(lower) && (status === 400 || /not configured|null not allowed/.test(lower))) {
		return {
			message: `Z-API requires a Client-Token for this account, and none was sent (HTTP ${status})`,
			description: `Your Z-API account has the Client-Token security enabled. Open ${CLIENT_TOKEN_HELP}.`,
			outcome: 'rejected',
			httpCode,
		};
	}
	if (/client-token/.test(lower) || (status === 403 && /not allowed/.test(lower) && !/ip|\d+\.\d+\.\d+\.\d+/.test(lower))) {
		return {
			message: `Z-API rejected the Client-Token (HTTP ${status})`,
			description: `The Client-Token in the credential does not match the account's security token. Open ${CLIENT_TOKEN_HELP}.`,
			outcome: 'rejected',
			httpCode,
		};
	}
	if (/\d+\.\d+\.\d+\.\d+.*not allowed|ip .*not allowed/.test(lower)) {
		return {
			message: `Z-API refused calls from this n8n server's IP address (HTTP ${status})`,
			description: "The account restricts calls to an IP allow-list. Add this server's public IP under Security in the Z-API panel.",
			outcome: 'rejected',
			httpCode,
		};
	}
	if (/not connected|disconnected/.test(lower)) {
		return {
			message: 'The Z-API instance is not connected to WhatsApp',
			description: 'Open the instance in the Z-API panel and connect it by scanning the QR code with the phone, then run again.',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status === 401 || status === 404 && /instance|token|not found/.test(lower) && !/resource method/.test(lower)) {
		return {
			message: `Z-API did not accept the instance ID and token (HTTP ${status}${saying ? `${saying}` : ''})`,
			description: 'Check the Instance ID and Instance Token in the Z-API credential: both are on the instance page of the Z-API panel. If you changed the Base URL, check it too.',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status === 404) {
		return {
			message: `Z-API does not know the endpoint "${endpoint}" (HTTP 404${saying})`,
			description: 'If the credential uses a custom Base URL, check that the server is Z-API-compatible and the address is complete.',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status === 405 || status === 415) {
		return {
			message: `Z-API refused the request format (HTTP ${status}${saying})`,
			description: 'This points to a proxy or a non-Z-API server between n8n and Z-API rewriting the request. Check the Base URL in the credential.',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status === 413 || /10 ?mb|too large|exceeds/.test(lower)) {
		return {
			message: `Z-API refused the file as too large (HTTP ${status}${saying})`,
			description: 'WhatsApp Status videos can be at most 10 MB. Shorten or re-encode the video.',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status >= 300 && status < 400) {
		// Only file bodies reach here: they stream, and a streamed body is not sent again to another address.
		return {
			message: `Z-API answered with a redirect (HTTP ${status}), which the node does not follow when it sends a file`,
			description: 'Nothing was posted. Set the Base URL in the credential to the address Z-API redirects to (for example https:// instead of http://).',
			outcome: 'rejected',
			httpCode,
		};
	}
	if (status === 429) {
		return {
			message: 'Z-API is rate-limiting this instance (HTTP 429)',
			description: 'Too many requests in a short time. Space the sends out (for example with a Wait node or a Loop Over Items batch) and run again.',
			outcome: 'rejected',
			retryable: true,
			httpCode,
		};
	}
	if (status === 503) {
		return {
			message: `Z-API is unavailable (HTTP 503${saying})`,
			description: 'Z-API is down or in maintenance. Nothing was posted; run again later.',
			outcome: 'rejected',
			retryable: true,
			httpCode,
		};
	}
	if (status >= 500) {
		return {
			message: `Z-API failed while handling the request (HTTP ${status}${saying})`,
			description: 'The status may or may not have been posted. Check the phone before running again, to avoid posting it twice.',
			outcome: 'unknown',
			httpCode,
		};
	}
	return {
		message: `Z-API refused the request (HTTP ${status}${saying})`,
		description: 'Check the parameters of this item. Z-API gave the reason above.',
		outcome: 'rejected',
		httpCode,
	};
}

/**
 * The first error code (ECONNREFUSED, ETIMEDOUT, ...) found along an error's cause chain. n8n 1.x
 * drops the cause when it wraps the HTTP error in a NodeApiError, but keeps the code as httpCode.
 */
export function networkCodeOf(error: unknown): string | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
		const { code, httpCode } = current as { code?: unknown; httpCode?: unknown };
		for (const candidate of [code, httpCode]) {
			if (typeof candidate === 'string' && /^E[A-Z_]+$/.test(candidate)) return candidate;
		}
		current = (current as { cause?: unknown }).cause;
	}
	return undefined;
}

// Plain words instead of the raw codes: n8n replaces any error message that contains one of them
// with its own generic text, which would drop the host and the advice.
const NOT_SENT: Record<string, string> = {
	ECONNREFUSED: 'connection refused',
	ENOTFOUND: 'host not found',
	EAI_AGAIN: 'host name lookup failed',
	EHOSTUNREACH: 'host unreachable',
	ENETUNREACH: 'network unreachable',
};

const TIMED_OUT = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

export function describeNetworkFailure(code: string | undefined, host: string, timeout: number): ZApiFailure {
	if (code && NOT_SENT[code]) {
		return {
			message: `Z-API could not be reached at ${host} (${NOT_SENT[code]})`,
			description: 'Nothing was sent. Check the Base URL in the credential and the network of the n8n server, then run again.',
			outcome: 'rejected',
			retryable: true,
		};
	}
	if (code && TIMED_OUT.has(code)) {
		return {
			message: `Z-API did not answer within ${Math.round(timeout / 1000)} s`,
			description:
				'The status may or may not have been posted. Check the phone before running again, to avoid posting it twice; raise the Timeout option for large videos on slow links.',
			outcome: 'unknown',
		};
	}
	return {
		message: `The connection to Z-API at ${host} broke before it answered`,
		description: 'The status may or may not have been posted. Check the phone before running again, to avoid posting it twice.',
		outcome: 'unknown',
	};
}

/**
 * The one function that talks to Z-API: builds the URL from the credential, authenticates through
 * n8n (Client-Token header), and turns every failure into an error that says what to do and holds
 * no instance token, Client-Token or media payload.
 */
/** itemIndex undefined: a call that is not for an item (the trigger's webhook registration). */
export async function zApiRequest(this: ZApiContext, itemIndex: number | undefined, call: ZApiCall): Promise<IDataObject> {
	// A CredentialProblem thrown here becomes an input error naming the item (see actions/errors.ts).
	const credentials = readZApiCredentials(await this.getCredentials(CREDENTIAL_TYPE, itemIndex));
	const secrets = secretsOf(credentials);
	const host = new URL(credentials.baseUrl).host;

	const raise = (failure: ZApiFailure, attempts: number, body?: unknown): never => {
		const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
		const where = itemIndex === undefined ? '' : ` [item ${itemIndex}]`;
		const message = scrubSecrets(`${failure.message}${tries}${where}`, secrets);
		const clean: JsonObject = { message, outcome: failure.outcome };
		if (failure.httpCode !== undefined) clean.httpCode = String(failure.httpCode);
		if (body !== undefined) clean.response = scrubSecrets(errorTextOf(body), secrets);
		const error = new NodeApiError(this.getNode(), clean, {
			message,
			description: scrubSecrets(failure.description, secrets),
			httpCode: failure.httpCode !== undefined ? String(failure.httpCode) : undefined,
			itemIndex,
		});
		error.context.outcome = failure.outcome;
		error.context.attempts = attempts;
		if (failure.networkCode) error.context.networkCode = failure.networkCode;
		throw error;
	};

	const fileBody = call.body instanceof JsonFileBody ? call.body : undefined;
	const request: IHttpRequestOptions = {
		method: call.method,
		url: buildZApiUrl(credentials, call.endpoint),
		// A file body streams (n8n's helper passes it to axios as a Blob; it is not in n8n's type) and
		// is read again from the start for every attempt, so a retry sends the same bytes.
		body: call.body as IDataObject | undefined,
		// Following redirects would make axios keep every chunk written, in case it had to send them again.
		...(fileBody ? { headers: { 'Content-Type': 'application/json' }, disableFollowRedirect: true } : {}),
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: call.timeout,
	};
	const policy = call.retry ?? { maxRetries: 0, baseDelayMs: 0 };

	for (let attempt = 1; ; attempt++) {
		const { failure, body } = await attemptOnce.call(this, request, call, host).finally(() => fileBody?.release());
		// The file could not be read to its end: the request was cut off, so Z-API took nothing. An input problem, not Z-API's.
		if (fileBody?.failure) throw fileBody.failure;
		if (!failure) return body as IDataObject;
		const wait = retryDelay(failure, attempt, policy);
		if (wait === undefined) return raise(failure, attempt, body);
		await sleep(wait);
	}
}

async function attemptOnce(
	this: ZApiContext,
	request: IHttpRequestOptions,
	call: ZApiCall,
	host: string,
): Promise<{ failure?: ZApiFailure; body?: unknown }> {
	let response: { statusCode: number; body: unknown; headers?: Record<string, unknown> };
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, request)) as typeof response;
	} catch (error) {
		// The HTTP layer's own error text carries the request URL, and so the instance token: never pass it on.
		const networkCode = networkCodeOf(error);
		return { failure: { ...describeNetworkFailure(networkCode, host, call.timeout), networkCode } };
	}

	if (response.statusCode < 200 || response.statusCode >= 300) {
		const failure = describeZApiFailure(response.statusCode, response.body, call.endpoint);
		const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
		return { failure: retryAfterMs === undefined ? failure : { ...failure, retryAfterMs }, body: response.body };
	}
	if (!response.body || typeof response.body !== 'object' || Array.isArray(response.body)) {
		return {
			failure: {
				message: `Z-API answered HTTP ${response.statusCode} without a JSON object`,
				description:
					'The status may or may not have been posted. Check the phone before running again; if this repeats, check the Base URL in the credential.',
				outcome: 'unknown',
				httpCode: response.statusCode,
			},
			body: response.body,
		};
	}
	const body = response.body as IDataObject;
	return { failure: call.validate?.(body), body };
}

/**
 * Z-API answers 200 for anything it queued; a 200 without a message ID (or saying {"value": false})
 * did not queue a message and must not pass as a success.
 */
export function requireMessageId(body: IDataObject): ZApiFailure | undefined {
	if (typeof body.messageId === 'string' && body.messageId !== '' && body.value !== false) return undefined;
	return {
		message: 'Z-API answered without a message ID, so the status was not queued',
		description: `Z-API's answer was ${JSON.stringify(body)}, so the status may or may not have been posted. Check the phone, and that the instance is connected, before running again.`,
		outcome: 'unknown',
	};
}

/**
 * Z-API confirms a change of an instance setting (a webhook URL, "notify sent by me", automatic
 * status viewing) with {"value": true} (docs: webhooks/update-every-webhooks, instance/auto-read-status);
 * a 200 with anything else did not confirm it. `what` names the setting, `advice` says where to check it.
 */
export function requireValueTrue(what: string, advice: string): (body: IDataObject) => ZApiFailure | undefined {
	return (body) =>
		body.value === true
			? undefined
			: { message: `Z-API did not confirm ${what} (it answered ${JSON.stringify(body)} instead of {"value": true})`, description: advice, outcome: 'unknown' };
}
