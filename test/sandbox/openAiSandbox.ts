/**
 * A local stand-in for OpenAI's Chat Completions API: a real HTTP server on loopback that n8n's own
 * OpenAI Chat Model node can use through its credential's Base URL. It does not think: a script
 * given by the test decides each answer (tool calls, or a final text) from the request it got,
 * and every request is recorded so the test can check what the model was shown.
 *
 * Implemented: `GET /v1/models`, `POST /v1/chat/completions` (plain JSON and `stream: true` as
 * server-sent events), Bearer-key authentication, OpenAI's error body shape. The Responses API
 * (`POST /v1/responses`) is not: it answers 404 like an unknown path, so a node left on that API
 * fails with a clear message instead of a made-up answer.
 *
 * Only Node built-ins are used (like the Z-API sandbox), so jest and the end-to-end run share it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The parts of a chat message the script needs (the request may carry more). */
export interface ChatMessage {
	role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
	content: string | null | Array<{ type: string; text?: string }>;
	tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
	tool_call_id?: string;
	name?: string;
}

export interface ChatTool {
	type: 'function';
	function: { name: string; description?: string; parameters?: { type?: string; properties?: Record<string, unknown>; required?: string[] } };
}

export interface ChatCompletionRequest {
	model: string;
	messages: ChatMessage[];
	tools?: ChatTool[];
	stream?: boolean;
	[key: string]: unknown;
}

/** What the script answers: calls to tools the request offered, or the final text. */
export type ScriptedReply = { toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> } | { content: string };

export type ChatScript = (request: ChatCompletionRequest, turn: number) => ScriptedReply;

export interface RecordedChatRequest {
	method: string;
	path: string;
	status: number;
	authorized: boolean;
	body?: ChatCompletionRequest;
	/** The assistant message sent back (chat completions only). */
	reply?: ChatMessage;
	receivedAt: number;
}

export interface OpenAiSandboxOptions {
	/** Requests must carry `Authorization: Bearer <apiKey>`. */
	apiKey: string;
	script: ChatScript;
	/** Default ['gpt-4.1-mini']: what GET /v1/models lists. */
	models?: string[];
}

export interface OpenAiSandbox {
	/** http://127.0.0.1:<port>/v1, the value for the OpenAI credential's Base URL. */
	baseUrl: string;
	requests: RecordedChatRequest[];
	/** The chat completion requests only, oldest first. */
	readonly chatRequests: RecordedChatRequest[];
	reset(): void;
	close(): Promise<void>;
}

/** Text of a message's content, whichever of OpenAI's shapes it came in. */
export function messageText(message: ChatMessage): string {
	if (typeof message.content === 'string') return message.content;
	if (Array.isArray(message.content)) return message.content.map((part) => part.text ?? '').join('');
	return '';
}

/** The tool the request offers whose JSON schema has all these argument names (undefined when none does). */
export function findTool(request: ChatCompletionRequest, argumentNames: string[]): ChatTool | undefined {
	return request.tools?.find((tool) => {
		const properties = Object.keys(tool.function.parameters?.properties ?? {});
		return argumentNames.every((name) => properties.includes(name));
	});
}

function openAiError(response: ServerResponse, status: number, message: string, type: string, code: string | null): void {
	response.writeHead(status, { 'content-type': 'application/json' });
	response.end(JSON.stringify({ error: { message, type, param: null, code } }));
}

function assistantMessage(reply: ScriptedReply): ChatMessage {
	if ('content' in reply) return { role: 'assistant', content: reply.content };
	return {
		role: 'assistant',
		content: null,
		tool_calls: reply.toolCalls.map((call) => ({
			id: `call_${randomBytes(12).toString('hex')}`,
			type: 'function',
			function: { name: call.name, arguments: JSON.stringify(call.arguments) },
		})),
	};
}

function usage(request: ChatCompletionRequest, message: ChatMessage) {
	// Rough counts (4 characters a token): the node only reports them.
	const promptTokens = Math.ceil(JSON.stringify(request.messages).length / 4);
	const completionTokens = Math.ceil(JSON.stringify(message).length / 4);
	return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function sendCompletion(response: ServerResponse, request: ChatCompletionRequest, message: ChatMessage): void {
	const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
	const created = Math.floor(Date.now() / 1000);
	const finishReason = message.tool_calls ? 'tool_calls' : 'stop';
	if (!request.stream) {
		response.writeHead(200, { 'content-type': 'application/json' });
		response.end(
			JSON.stringify({
				id,
				object: 'chat.completion',
				created,
				model: request.model,
				choices: [{ index: 0, message: { ...message, refusal: null }, logprobs: null, finish_reason: finishReason }],
				usage: usage(request, message),
			}),
		);
		return;
	}
	// Server-sent events in OpenAI's chunk format: role, then the content or each tool call, then the finish.
	response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
	const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
		response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`);
	chunk({ role: 'assistant', content: message.tool_calls ? null : '' }, null);
	if (message.tool_calls) {
		message.tool_calls.forEach((call, index) => chunk({ tool_calls: [{ index, ...call }] }, null));
	} else {
		chunk({ content: messageText(message) }, null);
	}
	chunk({}, finishReason);
	const options = request.stream_options as { include_usage?: boolean } | undefined;
	if (options?.include_usage) {
		response.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [], usage: usage(request, message) })}\n\n`);
	}
	response.end('data: [DONE]\n\n');
}

export async function startOpenAiSandbox(options: OpenAiSandboxOptions): Promise<OpenAiSandbox> {
	const requests: RecordedChatRequest[] = [];
	const models = options.models ?? ['gpt-4.1-mini'];
	const sockets = new Set<Socket>();

	const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
		const chunks: Buffer[] = [];
		for await (const chunk of incoming) chunks.push(chunk as Buffer);
		const path = (incoming.url ?? '/').split('?')[0].replace(/\/+$/, '');
		const authorized = incoming.headers.authorization === `Bearer ${options.apiKey}`;
		const record: RecordedChatRequest = { method: incoming.method ?? '', path, status: 0, authorized, receivedAt: Date.now() };
		requests.push(record);
		const send = (status: number, fn: () => void) => {
			record.status = status;
			fn();
		};
		if (!authorized) {
			return send(401, () => openAiError(response, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
		}
		if (incoming.method === 'GET' && path === '/v1/models') {
			return send(200, () => {
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'sandbox' })) }));
			});
		}
		if (incoming.method !== 'POST' || path !== '/v1/chat/completions') {
			return send(404, () => openAiError(response, 404, `Unknown request URL: ${incoming.method} ${path}. This sandbox answers POST /v1/chat/completions and GET /v1/models only.`, 'invalid_request_error', 'unknown_url'));
		}
		let body: ChatCompletionRequest;
		try {
			body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatCompletionRequest;
		} catch {
			return send(400, () => openAiError(response, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null));
		}
		record.body = body;
		if (!Array.isArray(body.messages) || body.messages.length === 0) {
			return send(400, () => openAiError(response, 400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter'));
		}
		const turn = requests.filter((request) => request.body !== undefined).length - 1;
		let reply: ScriptedReply;
		try {
			reply = options.script(body, turn);
		} catch (error) {
			return send(500, () => openAiError(response, 500, `The sandbox's script failed: ${error instanceof Error ? error.message : String(error)}`, 'server_error', null));
		}
		if ('toolCalls' in reply) {
			const offered = new Set((body.tools ?? []).map((tool) => tool.function.name));
			const unknown = reply.toolCalls.filter((call) => !offered.has(call.name));
			if (unknown.length > 0) {
				return send(500, () => openAiError(response, 500, `The script called tools the request did not offer: ${unknown.map((call) => call.name).join(', ')}`, 'server_error', null));
			}
		}
		const message = assistantMessage(reply);
		record.reply = message;
		send(200, () => sendCompletion(response, body, message));
	};

	const server: Server = createServer((incoming, response) => {
		handle(incoming, response).catch((error: unknown) => {
			if (!response.headersSent) openAiError(response, 500, String(error), 'server_error', null);
			else response.end();
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		get chatRequests() {
			return requests.filter((request) => request.body !== undefined);
		},
		reset() {
			requests.length = 0;
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}
