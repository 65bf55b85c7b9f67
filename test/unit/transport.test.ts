import { ZApiApi } from '../../credentials/ZApiApi.credentials';
import { CredentialProblem } from '../../nodes/ZApi/InputError';
import { buildZApiUrl, readZApiCredentials, secretsOf } from '../../nodes/ZApi/transport/credentials';
import { errorTextOf, scrubSecrets } from '../../nodes/ZApi/transport/scrub';
import { describeNetworkFailure, describeZApiFailure, networkCodeOf, parseRetryAfter, requireMessageId, requireValueTrue, retryDelay } from '../../nodes/ZApi/transport/zApiRequest';

const raw = { instanceId: 'INST1', instanceToken: 'TOK1', clientToken: 'CT1', baseUrl: 'https://api.z-api.io' };

describe('credential fields: checked before any request, built into the Z-API path', () => {
	test('builds the Z-API path; trailing slashes never produce "//"', () => {
		for (const baseUrl of ['https://api.z-api.io', 'https://api.z-api.io/', 'https://api.z-api.io///', ' https://api.z-api.io/ ']) {
			expect(buildZApiUrl(readZApiCredentials({ ...raw, baseUrl }), 'send-video-status')).toBe(
				'https://api.z-api.io/instances/INST1/token/TOK1/send-video-status',
			);
		}
		expect(buildZApiUrl(readZApiCredentials({ ...raw, baseUrl: 'http://127.0.0.1:8080/zapi/' }), '/status')).toBe(
			'http://127.0.0.1:8080/zapi/instances/INST1/token/TOK1/status',
		);
	});

	test('an empty base URL means Z-API; an empty Client-Token means none', () => {
		const credentials = readZApiCredentials({ ...raw, baseUrl: '', clientToken: '  ' });
		expect(credentials).toEqual({ instanceId: 'INST1', instanceToken: 'TOK1', clientToken: undefined, baseUrl: 'https://api.z-api.io' });
		expect(secretsOf(credentials)).toEqual(['TOK1']);
	});

	test.each([
		[{ instanceId: '' }, /has no Instance ID/],
		[{ instanceToken: '' }, /has no Instance Token/],
		[{ instanceToken: 'TO K1' }, /Instance Token .* contains spaces/],
		[{ instanceId: 'IN/ST' }, /Instance ID .* URL characters/],
		[{ clientToken: 'CT\n1' }, /Client-Token .* line breaks/],
		[{ clientToken: 'CT\u200b1' }, /Client-Token .* line breaks/],
		[{ baseUrl: 'api.z-api.io' }, /not a valid URL/],
		[{ baseUrl: 'ftp://api.z-api.io' }, /plain http\(s\) address/],
		[{ baseUrl: 'https://api.z-api.io/?x=1' }, /plain http\(s\) address/],
	])('refuses %o, never quoting the value', (overrides, message) => {
		let problem: unknown;
		try {
			readZApiCredentials({ ...raw, ...overrides } as Record<string, string>);
		} catch (error) {
			problem = error;
		}
		expect(problem).toBeInstanceOf(CredentialProblem);
		expect((problem as Error).message).toMatch(message);
		for (const value of Object.values(overrides)) if (value) expect((problem as Error).message).not.toContain(value);
	});
});

describe('what a Client-Token may contain: one rule for the credential form and the node', () => {
	const credentialType = new ZApiApi();
	const headerSent = async (clientToken: string) =>
		(await credentialType.authenticate({ ...raw, clientToken }, { url: 'https://api.z-api.io/x' })).headers?.['Client-Token'];
	const nodeReads = (clientToken: string) => {
		try {
			return readZApiCredentials({ ...raw, clientToken }).clientToken;
		} catch (error) {
			expect(error).toBeInstanceOf(CredentialProblem);
			return (error as Error).message;
		}
	};

	test.each([
		['letters and digits', 'F1a2B3c4', 'F1a2B3c4'],
		['punctuation such as / + = - _ .', 'aB/cD+eF=g-h_i.j', 'aB/cD+eF=g-h_i.j'],
		['surrounding whitespace (trimmed)', ' \r\nF1a2\t ', 'F1a2'],
	])('%s: sent as a header, accepted by the node', async (_label, token, sent) => {
		expect(await headerSent(token)).toBe(sent);
		expect(nodeReads(token)).toBe(sent);
	});

	test.each([
		['a line break inside', 'F1a2\r\nX-Injected: 1', 'The Client-Token in the Z-API credential contains spaces or line breaks'],
		['a space inside', 'F1a2 B3c4', 'The Client-Token in the Z-API credential contains spaces or line breaks'],
		['a zero-width space inside', 'F1a2\u200bB3c4', 'The Client-Token in the Z-API credential contains spaces or line breaks'],
		['a letter outside ASCII', 'F1a2éB3c4', 'The Client-Token in the Z-API credential contains characters other than letters, digits and punctuation'],
	])('%s: no header is sent, and the node names the problem', async (_label, token, message) => {
		expect(await headerSent(token)).toBeUndefined();
		expect(nodeReads(token)).toBe(message);
	});
});

describe('scrubbing what users and logs see', () => {
	test('masks secrets in plain and URL-encoded form, drops payloads, bounds length', () => {
		const secret = 'a/b+c secret';
		const text = `GET https://h/instances/I/token/${encodeURIComponent(secret)}/x failed; token ${secret}; body ${'QUJD'.repeat(100)}`;
		const scrubbed = scrubSecrets(text, [secret]);
		expect(scrubbed).not.toContain(secret);
		expect(scrubbed).not.toContain(encodeURIComponent(secret));
		expect(scrubbed).toContain('[media data omitted]');
		expect(scrubSecrets('x'.repeat(2000), []).length).toBeLessThanOrEqual(501);
	});

	test('reads Z-API reasons from "error", "message" or text', () => {
		expect(errorTextOf({ error: 'a', message: 'b' })).toBe('a: b');
		expect(errorTextOf({ message: 'only' })).toBe('only');
		expect(errorTextOf(' <html>oops</html> ')).toBe('<html>oops</html>');
		expect(errorTextOf({ other: 1 })).toBe('{"other":1}');
		expect(errorTextOf(undefined)).toBe('');
	});
});

describe("Z-API's answers and network failures, in words a user can act on", () => {
	test.each([
		[400, { error: 'your client-token is not configured' }, /requires a Client-Token/, 'rejected'],
		[400, { error: 'null not allowed' }, /requires a Client-Token/, 'rejected'],
		[403, { error: 'Client-Token XYZ not allowed' }, /rejected the Client-Token/, 'rejected'],
		[403, { error: '203.0.113.9 not allowed' }, /IP address/, 'rejected'],
		[404, { error: 'Instance not found' }, /instance ID and token/, 'rejected'],
		[401, { message: 'Unauthorized' }, /instance ID and token/, 'rejected'],
		[400, { error: 'You are not connected.' }, /not connected to WhatsApp/, 'rejected'],
		[404, { error: 'NOT_FOUND', message: 'Unable to find matching target resource method' }, /does not know the endpoint/, 'rejected'],
		[405, {}, /refused the request format/, 'rejected'],
		[415, {}, /refused the request format/, 'rejected'],
		[413, {}, /too large/, 'rejected'],
		[307, {}, /^Z-API answered with a redirect \(HTTP 307\)/, 'rejected'],
		[429, {}, /rate-limiting/, 'rejected'],
		[503, {}, /unavailable/, 'rejected'],
		[500, {}, /failed while handling/, 'unknown'],
		[504, '<html>Gateway Timeout</html>', /failed while handling/, 'unknown'],
		[422, { error: 'something else' }, /refused the request \(HTTP 422: something else\)/, 'rejected'],
	])('HTTP %i %o is explained as %s, with a fix; outcome: %s', (status, body, message, outcome) => {
		const failure = describeZApiFailure(status, body, 'send-video-status');
		expect(failure.message).toMatch(message);
		expect(failure.outcome).toBe(outcome);
		expect(failure.description.length).toBeGreaterThan(20);
	});

	test('network failures: refused and unknown hosts were certainly not sent; timeouts and resets may have been', () => {
		expect(describeNetworkFailure('ECONNREFUSED', 'h:1', 60000).outcome).toBe('rejected');
		expect(describeNetworkFailure('ENOTFOUND', 'h:1', 60000).outcome).toBe('rejected');
		expect(describeNetworkFailure('ECONNABORTED', 'h:1', 60000)).toEqual(expect.objectContaining({ message: 'Z-API did not answer within 60 s', outcome: 'unknown' }));
		expect(describeNetworkFailure('ECONNRESET', 'h:1', 60000).outcome).toBe('unknown');
		expect(describeNetworkFailure(undefined, 'h:1', 60000).outcome).toBe('unknown');
	});

	test('finds the code along the cause chain', () => {
		expect(networkCodeOf({ message: 'x', cause: { cause: { code: 'ECONNRESET' } } })).toBe('ECONNRESET');
		expect(networkCodeOf({ code: 'not-a-code' })).toBeUndefined();
		expect(networkCodeOf(undefined)).toBeUndefined();
	});

	test("finds the code n8n 1.x keeps as httpCode when its NodeApiError drops the HTTP error's cause", () => {
		// n8n-workflow 1.x: message replaced by n8n's generic text, `cause` reset to undefined, code in httpCode.
		const wrapped = { message: 'The service refused the connection - perhaps it is offline', httpCode: 'ECONNREFUSED', cause: undefined };
		expect(networkCodeOf(wrapped)).toBe('ECONNREFUSED');
		expect(networkCodeOf({ httpCode: 'ECONNABORTED' })).toBe('ECONNABORTED');
		expect(networkCodeOf({ httpCode: '503' })).toBeUndefined();
	});

	test('a 200 is an acceptance only with a message ID', () => {
		expect(requireMessageId({ zaapId: 'Z', messageId: 'M' })).toBeUndefined();
		expect(requireMessageId({ zaapId: 'Z' })?.outcome).toBe('unknown');
		expect(requireMessageId({ value: false })?.outcome).toBe('unknown');
		expect(requireMessageId({ messageId: 'M', value: false })).toBeDefined();
		expect(requireMessageId({ messageId: '' })).toBeDefined();
	});

	test('a settings change is confirmed only by {"value": true}', () => {
		const confirmed = requireValueTrue('the setting', 'Check it in the panel.');
		expect(confirmed({ value: true })).toBeUndefined();
		expect(confirmed({ value: false })).toEqual({
			message: 'Z-API did not confirm the setting (it answered {"value":false} instead of {"value": true})',
			description: 'Check it in the panel.',
			outcome: 'unknown',
		});
		expect(confirmed({ value: 'true' })).toBeDefined();
		expect(confirmed({})).toBeDefined();
	});
});

describe('retries', () => {
	const policy = { maxRetries: 2, baseDelayMs: 1000 };
	const unavailable = describeZApiFailure(503, {}, 'send-video-status');

	test('Retry-After in seconds or as an HTTP date', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter(['1.5'])).toBe(1500);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});

	test('backoff doubles; Retry-After wins; only certainly-rejected, retryable failures; capped at a minute', () => {
		expect([1, 2, 3].map((retry) => retryDelay(unavailable, retry, policy))).toEqual([1000, 2000, undefined]);
		expect(retryDelay({ ...unavailable, retryAfterMs: 5000 }, 1, policy)).toBe(5000);
		expect(retryDelay({ ...unavailable, retryAfterMs: 61_000 }, 1, policy)).toBeUndefined();
		expect(retryDelay(describeZApiFailure(500, {}, 'x'), 1, policy)).toBeUndefined();
		expect(retryDelay(describeZApiFailure(400, { error: 'your client-token is not configured' }, 'x'), 1, policy)).toBeUndefined();
		expect(retryDelay(describeNetworkFailure('ECONNRESET', 'h', 1000), 1, policy)).toBeUndefined();
		expect(retryDelay(describeNetworkFailure('ECONNREFUSED', 'h', 1000), 1, policy)).toBe(1000);
		expect(retryDelay(describeZApiFailure(429, {}, 'x'), 1, { maxRetries: 0, baseDelayMs: 1 })).toBeUndefined();
	});
});
