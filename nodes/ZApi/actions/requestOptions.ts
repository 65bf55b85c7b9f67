import type { INodeProperties } from 'n8n-workflow';

import type { RetryPolicy } from '../transport/zApiRequest';
import { MAX_RETRY_WAIT_MS } from '../transport/zApiRequest';
import { getNumberOption } from './parameters';

export const DEFAULT_TIMEOUT_MS = 120_000;

/** The options every operation has for its call to Z-API. */
export const requestOptions: INodeProperties[] = [
	{
		displayName: 'Retries When Not Sent',
		name: 'retries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 2,
		description:
			"How often to try the item again when Z-API certainly did not take it: unreachable, rate-limited (HTTP 429) or unavailable (HTTP 503). Waits honour Z-API's Retry-After. Failures where the status may have been posted (timeouts, broken connections, HTTP 500) are never retried, so nothing is posted twice.",
	},
	{
		displayName: 'Retry Wait (Ms)',
		name: 'retryDelay',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 1000,
		description: 'Wait before the first retry; it doubles for each further one, up to 60 seconds',
	},
	{
		displayName: 'Timeout',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: DEFAULT_TIMEOUT_MS,
		description:
			'Milliseconds to wait for Z-API (and for the media host, when checking or downloading a link). Uploading 13 MB of Base64 over a slow link takes a while.',
	},
];

export interface RequestSettings {
	timeout: number;
	retry: RetryPolicy;
}

/** Checks the request options of the item (from its "Options" collection). */
export function readRequestSettings(options: Record<string, unknown>): RequestSettings {
	return {
		timeout: getNumberOption(options.timeout, 'Timeout', { min: 1000, fallback: DEFAULT_TIMEOUT_MS }),
		retry: {
			maxRetries: getNumberOption(options.retries, 'Retries When Not Sent', { min: 0, max: 10, fallback: 2, integer: true }),
			baseDelayMs: getNumberOption(options.retryDelay, 'Retry Wait (Ms)', { min: 0, max: MAX_RETRY_WAIT_MS, fallback: 1000 }),
		},
	};
}

/** n8n lists a collection's options in the order given; keep them alphabetical as its style guide asks. */
export function byDisplayName(options: INodeProperties[]): INodeProperties[] {
	return [...options].sort((first, second) => first.displayName.localeCompare(second.displayName));
}

/** The "Options" collection of an operation: its own options plus the request options, alphabetical. */
export function optionsCollection(ownOptions: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: byDisplayName([...ownOptions, ...requestOptions]),
	};
}
