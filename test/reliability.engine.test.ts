/**
 * Reliability and security through the real engine: faults survived (and never turned into a
 * second post), bad input refused before anything is sent, secrets kept out of everything n8n
 * stores or shows, and no item lost under load.
 */
import { readFileSync } from 'node:fs';
import type { INodeParameters } from 'n8n-workflow';

import { FIXTURES } from './fixtures';
import { runWorkflow } from './harness/runWorkflow';
import { sandboxCredentials, useSandboxServers } from './harness/sandboxFixture';
import { errorText, nodeText, runText, SECRETS } from './harness/secrets';
import type { TestItemSpec } from './harness/testNodes';
import { ZAPI_NODE, zApiWorkflow } from './harness/workflows';
import type { Fault, VideoHost, ZApiSandbox } from './sandbox/zapiSandbox';
import { startZApiSandbox } from './sandbox/zapiSandbox';

const video = readFileSync(FIXTURES.h264);
const videoBase64 = video.toString('base64');
const payloadProbe = videoBase64.slice(4000, 4060);

let sandbox: ZApiSandbox;
let host: VideoHost;
useSandboxServers((servers) => ({ sandbox, host } = servers));

let pathsScanned = 0;

async function send(
	parameters: INodeParameters,
	options: { items?: TestItemSpec[]; continueOnFail?: boolean; credentials?: Record<string, string> } = {},
) {
	// By default the item carries the video as Base64 text (parameters hold only expressions, as in real workflows).
	const items = options.items ?? [{ json: { video: videoBase64 } }];
	const run = await runWorkflow(zApiWorkflow(parameters, { items, continueOnFail: options.continueOnFail }), {
		credentials: sandboxCredentials(sandbox, options.credentials),
		binaryMode: 'filesystem',
	});
	// The secret scan every test gets: the whole run as n8n stores it, and the error with its causes.
	const stored = runText(run);
	expect(stored).not.toContain(SECRETS.instanceToken);
	expect(stored).not.toContain(SECRETS.clientToken);
	expect(stored).not.toContain(encodeURIComponent(SECRETS.instanceToken));
	expect(nodeText(run, ZAPI_NODE)).not.toContain(payloadProbe);
	expect(errorText(run.error)).not.toContain(payloadProbe);
	if (run.error) pathsScanned++;
	return run;
}

const link = 'https://videos.example.com/promo.mp4';
const base64Video = (retries = 2, extra: INodeParameters = {}) => ({
	videoSource: 'base64',
	videoBase64: '={{ $json.video }}',
	options: { retries, retryDelay: 5, timeout: 2000, ...extra },
});

describe('faults from Z-API', () => {
	type Expectation = { status: 'success' | 'error'; requests: number; message?: RegExp; outcome?: 'rejected' | 'unknown' };
	const cases: Array<[string, Fault[], Expectation]> = [
		['429 without Retry-After, then accepted', [{ kind: 'status', status: 429, body: { error: 'rate limit' } }], { status: 'success', requests: 2 }],
		['503 twice, then accepted', [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }], { status: 'success', requests: 3 }],
		['503 on every attempt', Array(3).fill({ kind: 'status', status: 503 }), { status: 'error', requests: 3, message: /^Z-API is unavailable \(HTTP 503.*\(after 3 attempts\) \[item 0\]$/, outcome: 'rejected' }],
		['429 asking to wait 2 minutes (more than the node waits)', [{ kind: 'status', status: 429, headers: { 'Retry-After': '120' } }], { status: 'error', requests: 1, message: /rate-limiting/, outcome: 'rejected' }],
		['500 (never retried: the status may be posted)', [{ kind: 'status', status: 500, body: { error: 'boom' } }], { status: 'error', requests: 1, message: /HTTP 500/, outcome: 'unknown' }],
		['502 HTML page', [{ kind: 'html', status: 502 }], { status: 'error', requests: 1, message: /HTTP 502/, outcome: 'unknown' }],
		['504', [{ kind: 'status', status: 504 }], { status: 'error', requests: 1, message: /HTTP 504/, outcome: 'unknown' }],
		['connection reset after the body was sent', [{ kind: 'resetBeforeResponse' }], { status: 'error', requests: 1, message: /broke before it answered/, outcome: 'unknown' }],
		['connection reset before the body was read', [{ kind: 'resetBeforeBody' }], { status: 'error', requests: 1, message: /broke before it answered/, outcome: 'unknown' }],
		['no answer within the timeout', [{ kind: 'hang' }], { status: 'error', requests: 1, message: /^Z-API did not answer within 2 s \[item 0\]$/, outcome: 'unknown' }],
		['a slow answer within the timeout', [{ kind: 'delay', ms: 300 }], { status: 'success', requests: 1 }],
		['malformed JSON', [{ kind: 'malformedJson' }], { status: 'error', requests: 1, message: /without a JSON object/, outcome: 'unknown' }],
		['200 without messageId', [{ kind: 'okWithout', field: 'messageId' }], { status: 'error', requests: 1, message: /without a message ID/, outcome: 'unknown' }],
		['200 {"value": false}', [{ kind: 'valueFalse' }], { status: 'error', requests: 1, message: /without a message ID/, outcome: 'unknown' }],
	];

	test.each(cases)('%s: retried only when certainly not posted, accepted at most once, reported with its outcome', async (_label, faults, expected) => {
		for (const fault of faults) sandbox.injectFault(fault);
		const run = await send(base64Video());
		expect(run.status).toBe(expected.status);
		expect(sandbox.requests).toHaveLength(expected.requests);
		// Whatever happened, the status was accepted at most once.
		expect(sandbox.accepted().filter((request) => request.response && (request.response as { messageId?: string }).messageId)).toHaveLength(
			expected.status === 'success' ? 1 : 0,
		);
		if (expected.message) expect(run.error?.message).toMatch(expected.message);
		if (expected.outcome) expect((run.error as unknown as { context: { outcome: string } }).context.outcome).toBe(expected.outcome);
		if (expected.status === 'success') expect(run.output(ZAPI_NODE)[0].json.messageId).toEqual(expect.any(String));
	});

	test('Retry-After is honoured', async () => {
		sandbox.injectFault({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } });
		const run = await send(base64Video());
		expect(run.status).toBe('success');
		const [first, second] = sandbox.requests;
		expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(950);
	});

	test('"Retries When Not Sent: 0" sends once', async () => {
		sandbox.injectFault({ kind: 'status', status: 503 });
		const run = await send(base64Video(0));
		expect(run.error?.message).toMatch(/^Z-API is unavailable \(HTTP 503: Service Unavailable\) \[item 0\]$/);
		expect(sandbox.requests).toHaveLength(1);
	});

	test('connection refused is retried, then reported as not sent', async () => {
		const gone = await startZApiSandbox();
		const deadUrl = gone.baseUrl;
		await gone.close();
		const run = await send(base64Video(3), { credentials: { baseUrl: deadUrl } });
		expect(run.error?.message).toMatch(/could not be reached .*\(connection refused\) \(after 4 attempts\) \[item 0\]$/);
		expect(run.error?.description).toMatch(/Nothing was sent/);
	});

	test('an unknown host is reported as not sent', async () => {
		const run = await send(base64Video(0), { credentials: { baseUrl: 'http://zapi-host.invalid' } });
		expect(run.error?.message).toMatch(/^Z-API could not be reached at zapi-host\.invalid \((host not found|host name lookup failed)\) \[item 0\]$/);
	});
});

describe('bad input is refused before anything is sent', () => {
	const png = readFileSync(FIXTURES.png);
	const file = (content: Buffer, mimeType: string) => ({ binary: { data: { content: content.toString('base64'), mimeType } } });
	/**
	 * What goes in, what the error must say, and the parameter it must start with (undefined: the
	 * error is n8n's own and names the binary field itself, or it names the operation or the source
	 * in its words).
	 */
	type BadInput = [string, INodeParameters, TestItemSpec | undefined, RegExp, string | undefined];
	const viaUrl = (videoUrl: unknown): INodeParameters => ({ videoSource: 'url', videoUrl: '={{ $json.value }}', ...(videoUrl === undefined ? {} : {}) });
	const viaBase64 = (): INodeParameters => ({ videoSource: 'base64', videoBase64: '={{ $json.value }}' });
	const value = (value: unknown): TestItemSpec => ({ json: { value } as never });

	const cases: BadInput[] = [
		// Video URL
		['URL: empty', viaUrl(''), value(''), /^Video URL: The video URL is empty \[item 0\]$/, 'Video URL'],
		['URL: only spaces', viaUrl(''), value('   '), /^Video URL: The video URL is empty/, 'Video URL'],
		['URL: relative path', viaUrl(''), value('/promo.mp4'), /^Video URL: .*not a valid absolute URL/, 'Video URL'],
		['URL: no scheme', viaUrl(''), value('example.com/promo.mp4'), /^Video URL: .*not a valid absolute URL/, 'Video URL'],
		['URL: ftp', viaUrl(''), value('ftp://example.com/a.mp4'), /^Video URL: .*uses ftp: links/, 'Video URL'],
		['URL: file', viaUrl(''), value('file:///etc/passwd'), /^Video URL: .*uses file: links/, 'Video URL'],
		['URL: javascript', viaUrl(''), value('javascript:alert(1)'), /^Video URL: .*uses javascript: links/, 'Video URL'],
		['URL: data URI in the URL field', viaUrl(''), value(`data:video/mp4;base64,${videoBase64.slice(0, 40)}`), /^Video URL: .*uses data: links/, 'Video URL'],
		['URL: user and password', viaUrl(''), value('https://user:secret@example.com/a.mp4'), /^Video URL: .*user name or password/, 'Video URL'],
		['URL: user only', viaUrl(''), value('https://user@example.com/a.mp4'), /^Video URL: .*user name or password/, 'Video URL'],
		['URL: an object from an expression', viaUrl(''), value({ url: link }), /^Video URL must be text, but its expression gave an object \[item 0\]$/, 'Video URL'],
		['URL: a list from an expression', viaUrl(''), value([link]), /^Video URL must be text, but its expression gave a list/, 'Video URL'],
		['URL: a number from an expression', viaUrl(''), value(12345), /^Video URL: .*not a valid absolute URL/, 'Video URL'],
		['URL: spaces inside', viaUrl(''), value('https://exa mple.com/a.mp4'), /^Video URL: .*not a valid absolute URL/, 'Video URL'],
		// Base64
		['Base64: empty', viaBase64(), value(''), /^Video \(Base64\): The Base64 text is empty/, 'Video (Base64)'],
		['Base64: invalid character', viaBase64(), value(`${videoBase64.slice(0, 50)}!${videoBase64.slice(51)}`), /invalid character \("!"\)/, 'Video (Base64)'],
		['Base64: URL-safe alphabet', viaBase64(), value(videoBase64.replace(/\//g, '_')), /invalid character \("_"\)/, 'Video (Base64)'],
		['Base64: truncated', viaBase64(), value(videoBase64.slice(0, 101)), /cut short/, 'Video (Base64)'],
		['Base64: padding in the middle', viaBase64(), value(`QUJD==${videoBase64}`), /invalid character/, 'Video (Base64)'],
		['Base64: non-ASCII text', viaBase64(), value('vídeo'), /invalid character \(code 237\)/, 'Video (Base64)'],
		['Base64: a NUL character', viaBase64(), value(`AAAA\u0000AAAA`), /invalid character \(code 0\)/, 'Video (Base64)'],
		['Base64: image data URI', viaBase64(), value(`data:image/png;base64,${png.toString('base64')}`), /declares image\/png, not a video type/, 'Video (Base64)'],
		['Base64: audio data URI', viaBase64(), value(`data:audio/mp4;base64,${videoBase64}`), /declares audio\/mp4/, 'Video (Base64)'],
		['Base64: data URI without base64', viaBase64(), value('data:video/mp4,AAAA'), /not Base64-encoded/, 'Video (Base64)'],
		['Base64: data URI without comma', viaBase64(), value('data:video/mp4;base64'), /no comma/, 'Video (Base64)'],
		['Base64: raw PNG', viaBase64(), value(png.toString('base64')), /The file is a PNG image/, 'Video (Base64)'],
		['Base64: raw text that decodes to nothing video', viaBase64(), value(Buffer.from('hello world, not a video').toString('base64')), /not recognisable as an MP4/, 'Video (Base64)'],
		['Base64: an object from an expression', viaBase64(), value({ data: videoBase64 }), /^Video \(Base64\) must be text, but its expression gave an object/, 'Video (Base64)'],
		['Base64: a number from an expression', viaBase64(), value(12345), /cut short/, 'Video (Base64)'],
		['Base64: only padding', viaBase64(), value('===='), /invalid character|encodes an empty file/, 'Video (Base64)'],
		// Binary
		['Binary: a PNG', { videoSource: 'binary' }, file(png, 'image/png'), /^Input Binary Field: The file is a PNG image/, 'Input Binary Field'],
		['Binary: an empty file', { videoSource: 'binary' }, file(Buffer.alloc(0), 'video/mp4'), /The binary file is empty/, 'Input Binary Field'],
		['Binary: text labelled as text', { videoSource: 'binary' }, file(Buffer.from('hello'), 'text/plain'), /MIME type text\/plain, not a video type/, 'Input Binary Field'],
		['Binary: HTML labelled as MP4', { videoSource: 'binary' }, file(Buffer.from('<!DOCTYPE html><html></html>'), 'video/mp4'), /a text document/, 'Input Binary Field'],
		['Binary: unknown bytes, no type', { videoSource: 'binary' }, file(Buffer.from('0123456789abcdef'), ''), /no MIME type/, 'Input Binary Field'],
		['Binary: audio-only MP4', { videoSource: 'binary' }, { binary: { data: { file: FIXTURES.audioOnly, mimeType: 'video/mp4' } } }, /no video track/, 'Input Binary Field'],
		['Binary: missing property', { videoSource: 'binary', binaryPropertyName: 'video' }, file(video, 'video/mp4'), /no binary field 'video'/, undefined],
		['Binary: no binary data at all', { videoSource: 'binary' }, value('x'), /binary file 'data'/, undefined],
		['Binary: empty field name from an expression', { videoSource: 'binary', binaryPropertyName: '={{ $json.value }}' }, value(''), /No binary field name is set/, 'Input Binary Field'],
		['Binary: field name is an object', { videoSource: 'binary', binaryPropertyName: '={{ $json.value }}' }, value({ a: 1 }), /^Input Binary Field must be text/, 'Input Binary Field'],
		// Operation, source, caption and options
		['Operation: unknown value', { operation: 'sendAudioStatus' }, undefined, /^The operation "sendAudioStatus" of "status" is not supported \[item 0\]$/, undefined],
		['Source: unknown value from an expression', { videoSource: '={{ $json.value }}', videoUrl: link, videoBase64: '={{ $json.value }}' }, value('ftp'), /^Unknown video source "ftp" \[item 0\]$/, undefined],
		['Caption: an object from an expression', { ...base64Video(), caption: '={{ $json.value }}' }, value({ text: 'hi' }), /^Caption must be text/, 'Caption'],
		['Caption: over 1024 characters', { ...base64Video(), caption: '={{ $json.value }}' }, value('a'.repeat(1025)), /^Caption is 1025 characters long; WhatsApp allows 1024 \[item 0\]$/, 'Caption'],
		['Caption: a bell control character', { ...base64Video(), caption: '={{ $json.value }}' }, value('Sale\u0007!'), /control character \(code 7\) at position 5/, 'Caption'],
		['Caption: an escape sequence', { ...base64Video(), caption: '={{ $json.value }}' }, value('\u001b[31mred'), /control character \(code 27\)/, 'Caption'],
		['Option: timeout below 1 s', base64Video(2, { timeout: 10 }), undefined, /^Timeout must be a number at least 1000 \[item 0\]$/, 'Timeout'],
		['Option: timeout as text from an expression', base64Video(2, { timeout: '={{ "soon" }}' }), undefined, /^Timeout must be a number/, 'Timeout'],
		['Option: negative retries', base64Video(-1), undefined, /^Retries When Not Sent must be a whole number from 0 to 10/, 'Retries When Not Sent'],
		['Option: fractional retries', base64Video(1.5), undefined, /^Retries When Not Sent must be a whole number/, 'Retries When Not Sent'],
		['Option: retry wait over a minute', base64Video(2, { retryDelay: 120000 }), undefined, /^Retry Wait \(Ms\) must be a number from 0 to 60000/, 'Retry Wait (Ms)'],
	];

	test('covers at least 40 kinds of bad input', () => {
		expect(cases.length).toBeGreaterThanOrEqual(40);
	});

	test.each(cases)('%s: nothing is sent; the error says what is wrong, names the parameter and the item, and says how to fix it', async (_label, parameters, item, message, parameter) => {
		const run = await send(parameters, { items: item ? [item] : undefined });
		expect(run.status).toBe('error');
		const text = run.error?.message ?? '';
		expect(text).toMatch(message);
		if (parameter !== undefined) expect(text.slice(0, parameter.length)).toBe(parameter);
		expect(text).toMatch(/\[item 0\]$/);
		expect((run.error as unknown as { description?: string }).description ?? '').not.toBe('');
		expect(sandbox.requests).toHaveLength(0);
		expect(host.requests).toHaveLength(0);
	});

	test('with Continue On Fail every bad item gets its own error item, in place', async () => {
		const items = [value('https://ok.example.com/a.mp4'), value('ftp://x/a.mp4'), value({}), value('https://ok.example.com/b.mp4')];
		const run = await send({ videoSource: 'url', videoUrl: '={{ $json.value }}', options: { urlHandling: 'passLink' } }, { items, continueOnFail: true });
		const output = run.output(ZAPI_NODE);
		expect(output.map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(output[1].json.error).toMatch(/ftp: links.*\[item 1\]$/);
		expect(output[2].json.error).toMatch(/must be text.*\[item 2\]$/);
		expect(sandbox.accepted()).toHaveLength(2);
	});
});

describe('bad credential fields', () => {
	test.each([
		['base URL with another scheme', { baseUrl: 'ws://127.0.0.1:1' }, /Base URL .* plain http\(s\) address/],
		['base URL that is not a URL', { baseUrl: 'api z-api io' }, /Base URL .* not a valid URL/],
		['base URL with credentials', { baseUrl: 'https://user:pw@api.z-api.io' }, /plain http\(s\) address/],
		['instance token with a line break', { instanceToken: `${SECRETS.instanceToken}\nX-Injected: 1` }, /Instance Token .* spaces, line breaks/],
		['Client-Token with a line break (header injection)', { clientToken: `${SECRETS.clientToken}\r\nX-Injected: 1` }, /Client-Token .* line breaks/],
		['Client-Token with a tab inside', { clientToken: 'abc\tdef' }, /Client-Token .* spaces or line breaks/],
		['instance ID with a slash', { instanceId: 'A/B' }, /Instance ID .* URL characters/],
		['empty instance token', { instanceToken: '' }, /has no Instance Token/],
	])('%s: refused before any request, value never shown', async (_label, credentials, message) => {
		const run = await send(base64Video(0), { credentials });
		expect(run.error?.message).toMatch(message);
		expect(run.error?.message).toMatch(/\[item 0\]$/);
		expect(sandbox.requests).toHaveLength(0);
		for (const field of Object.values(credentials)) if (field.length > 3) expect(runText(run)).not.toContain(field);
	});

	test('surrounding whitespace and line breaks are trimmed, so none reaches the header', async () => {
		const run = await send(base64Video(0), { credentials: { clientToken: `\r\n ${SECRETS.clientToken}\r\n` } });
		expect(run.status).toBe('success');
		expect(sandbox.requests[0].clientTokenHeader).toBe(SECRETS.clientToken);
	});
});

describe('load', () => {
	test('1,000 mixed items with 10% retryable and 2% permanent faults: 1,000 outputs in order, each status received once', async () => {
		const total = 1000;
		const isPermanent = (index: number) => index % 50 === 7;
		const isRetryable = (index: number) => index % 10 === 3;
		const sources = ['binary', 'base64', 'url'] as const;
		const items: TestItemSpec[] = Array.from({ length: total }, (_unused, index) => {
			const source = sources[index % 3];
			const json = { source, n: index, text: source === 'base64' ? videoBase64 : undefined, link: `${link}?n=${index}` };
			return source === 'binary' ? { json, binary: { data: { file: FIXTURES.h264, mimeType: 'video/mp4' } } } : { json };
		});

		const attempts = new Map<number, number>();
		sandbox.setFaultPolicy((request) => {
			const index = Number(request.caption?.replace('item ', ''));
			const attempt = (attempts.get(index) ?? 0) + 1;
			attempts.set(index, attempt);
			if (isPermanent(index)) return { kind: 'status', status: 400, body: { error: 'Invalid video for status' } };
			if (isRetryable(index) && attempt === 1) {
				return index % 20 === 3 ? { kind: 'status', status: 503 } : { kind: 'status', status: 429, headers: { 'Retry-After': '0' } };
			}
			return undefined;
		});

		const started = Date.now();
		const run = await send(
			{
				videoSource: '={{ $json.source }}',
				videoUrl: '={{ $json.link }}',
				videoBase64: '={{ $json.text }}',
				caption: '={{ "item " + $json.n }}',
				options: { urlHandling: 'passLink', retries: 3, retryDelay: 1 },
			},
			{ items, continueOnFail: true },
		);
		const seconds = (Date.now() - started) / 1000;

		const output = run.output(ZAPI_NODE);
		expect(output).toHaveLength(total);
		expect(output.map((item) => item.pairedItem)).toEqual(items.map((_item, index) => ({ item: index })));

		const errorIndexes = output.flatMap((item, index) => ('error' in item.json ? [index] : []));
		const permanentIndexes = items.flatMap((_item, index) => (isPermanent(index) ? [index] : []));
		expect(errorIndexes).toEqual(permanentIndexes);
		for (const index of permanentIndexes) expect(output[index].json.error).toMatch(new RegExp(`HTTP 400: Invalid video for status.*\\[item ${index}\\]$`));

		const acceptedByCaption = new Map<string, string[]>();
		for (const request of sandbox.accepted()) {
			const ids = acceptedByCaption.get(request.caption!) ?? [];
			ids.push((request.response as { messageId: string }).messageId);
			acceptedByCaption.set(request.caption!, ids);
		}
		expect(acceptedByCaption.size).toBe(total - permanentIndexes.length);
		for (const [caption, ids] of acceptedByCaption) expect([caption, ids.length]).toEqual([caption, 1]);
		output.forEach((item, index) => {
			if (!isPermanent(index)) expect(item.json.messageId).toBe(acceptedByCaption.get(`item ${index}`)![0]);
		});
		const retried = [...attempts.entries()].filter(([index, count]) => isRetryable(index) && count === 2).length;
		expect(retried).toBe(items.filter((_item, index) => isRetryable(index)).length);

		console.info(
			`load: ${total} items (${total - permanentIndexes.length} sent, ${permanentIndexes.length} permanent errors, ${retried} retried once) in ${seconds.toFixed(1)} s; ${sandbox.requests.length} requests reached the sandbox`,
		);
	}, 120_000);
});

afterAll(() => {
	console.info(`secret scans: every run above, ${pathsScanned} of them error paths`);
});
