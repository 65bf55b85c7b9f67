/**
 * The OpenAI sandbox (test/sandbox/openAiSandbox.ts) and the scripted model of the e2e agent check
 * (scripts/e2e/lib/aiAgent.ts), through plain HTTP: what n8n's OpenAI Chat Model node will get back.
 */
import { agentScript, idsInToolResult, STATUS_TEXT, VIDEO_CAPTION, type ToolResultIds } from '../../scripts/e2e/lib/aiAgent';
import { startOpenAiSandbox, type ChatCompletionRequest, type OpenAiSandbox } from '../sandbox/openAiSandbox';

const KEY = 'sk-unit-test-key';

const TOOLS: ChatCompletionRequest['tools'] = [
	{ type: 'function', function: { name: 'Post_text_status', parameters: { type: 'object', properties: { statusText: { type: 'string' } } } } },
	{ type: 'function', function: { name: 'Post_video_status', parameters: { type: 'object', properties: { videoUrl: { type: 'string' }, caption: { type: 'string' } } } } },
];

const USER = { role: 'user' as const, content: 'Post the teaser at http://127.0.0.1:4567/promo.mp4 and a text.' };

async function post(sandbox: OpenAiSandbox, body: unknown, key = KEY): Promise<Response> {
	return await fetch(`${sandbox.baseUrl}/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
}

describe('OpenAI sandbox with the agent script', () => {
	let sandbox: OpenAiSandbox;
	let seen: { toolResults: ToolResultIds[]; arguments?: { text: { statusText: string }; video: { videoUrl: string; caption: string } } };

	beforeEach(async () => {
		seen = { toolResults: [] };
		sandbox = await startOpenAiSandbox({ apiKey: KEY, script: agentScript(seen) });
	});
	afterEach(async () => await sandbox.close());

	it('answers the first turn with one call to each tool, picked by argument names, the link taken from the prompt', async () => {
		const response = await post(sandbox, { model: 'gpt-4.1-mini', messages: [USER], tools: TOOLS });
		expect(response.status).toBe(200);
		const body = (await response.json()) as { object: string; choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }> };
		expect(body.object).toBe('chat.completion');
		expect(body.choices[0].finish_reason).toBe('tool_calls');
		const calls = body.choices[0].message.tool_calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)]);
		expect(calls).toEqual([
			['Post_text_status', { statusText: STATUS_TEXT }],
			['Post_video_status', { videoUrl: 'http://127.0.0.1:4567/promo.mp4', caption: VIDEO_CAPTION }],
		]);
		expect(sandbox.chatRequests).toHaveLength(1);
	});

	it('answers the second turn with a text carrying the IDs found in the tool results', async () => {
		const calls = [
			{ id: 'call_a', type: 'function', function: { name: 'Post_text_status', arguments: '{}' } },
			{ id: 'call_b', type: 'function', function: { name: 'Post_video_status', arguments: '{}' } },
		];
		const messages = [
			USER,
			{ role: 'assistant', content: null, tool_calls: calls },
			{ role: 'tool', tool_call_id: 'call_a', content: JSON.stringify([{ zaapId: 'AAA111', messageId: 'BBB222', id: 'BBB222' }]) },
			// Tool output passed on as text around JSON, with escaped quotes.
			{ role: 'tool', tool_call_id: 'call_b', content: 'Result: "[{\\"zaapId\\":\\"CCC333\\",\\"messageId\\":\\"DDD444\\"}]"' },
		];
		const response = await post(sandbox, { model: 'gpt-4.1-mini', messages, tools: TOOLS });
		const body = (await response.json()) as { choices: Array<{ finish_reason: string; message: { content: string } }> };
		expect(body.choices[0].finish_reason).toBe('stop');
		for (const id of ['AAA111', 'BBB222', 'CCC333', 'DDD444']) expect(body.choices[0].message.content).toContain(id);
		expect(seen.toolResults.map((result) => result.toolName)).toEqual(['Post_text_status', 'Post_video_status']);
	});

	it('streams the same answer as server-sent chunks when asked to', async () => {
		const response = await post(sandbox, { model: 'gpt-4.1-mini', messages: [USER], tools: TOOLS, stream: true, stream_options: { include_usage: true } });
		expect(response.headers.get('content-type')).toBe('text/event-stream');
		const events = (await response.text()).split('\n\n').filter(Boolean);
		expect(events[events.length - 1]).toBe('data: [DONE]');
		const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as { choices: Array<{ delta: { tool_calls?: Array<{ function: { name: string } }> }; finish_reason: string | null }>; usage?: unknown });
		const names = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? [])).map((call) => call.function.name);
		expect(names).toEqual(['Post_text_status', 'Post_video_status']);
		expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
		expect(chunks[chunks.length - 1].usage).toBeDefined();
	});

	it("refuses a wrong key and unknown paths with OpenAI's error shape, and fails clearly when no tool fits", async () => {
		const unauthorized = await post(sandbox, { model: 'x', messages: [USER] }, 'sk-wrong');
		expect(unauthorized.status).toBe(401);
		expect(((await unauthorized.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
		const responses = await fetch(`${sandbox.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: '{}' });
		expect(responses.status).toBe(404);
		const noTools = await post(sandbox, { model: 'x', messages: [USER] });
		expect(noTools.status).toBe(500);
		expect(((await noTools.json()) as { error: { message: string } }).error.message).toMatch(/offers no tool with statusText/);
		const models = await fetch(`${sandbox.baseUrl}/models`, { headers: { authorization: `Bearer ${KEY}` } });
		expect(((await models.json()) as { data: Array<{ id: string }> }).data.map((model) => model.id)).toEqual(['gpt-4.1-mini']);
	});
});

describe('idsInToolResult', () => {
	it('finds zaapId and messageId in plain and in escaped JSON', () => {
		expect(idsInToolResult('{"zaapId":"Z1","messageId":"M1"}')).toEqual({ zaapIds: ['Z1'], messageIds: ['M1'] });
		expect(idsInToolResult('[{\\"zaapId\\": \\"Z2\\", \\"messageId\\": \\"M2\\"}]')).toEqual({ zaapIds: ['Z2'], messageIds: ['M2'] });
		expect(idsInToolResult('no ids here')).toEqual({ zaapIds: [], messageIds: [] });
	});
});
