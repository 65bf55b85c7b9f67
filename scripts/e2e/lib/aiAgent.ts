/**
 * The AI agent check: n8n's AI Agent with n8n's own OpenAI Chat Model node, whose credential's
 * Base URL points at the local OpenAI sandbox (test/sandbox/openAiSandbox.ts), and two Z-API tool
 * nodes (Send Text Status, Send Video Status by link) whose fields the model fills through $fromAI.
 *
 * The sandbox plays the model: on the first turn it reads the user's request, picks the two tools
 * by the argument names their schemas offer and calls both with the arguments an agent would
 * choose; on the second turn it answers with a text built from the tool results it was sent.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { findTool, messageText, type ChatCompletionRequest, type ChatScript } from '../../../test/sandbox/openAiSandbox';
import { REPO_ROOT } from './setup';
import { fillPlaceholders, type Addresses, type WorkflowFile } from './workflows';

export const AGENT_WORKFLOW_FILE = 'scripts/e2e/workflows/ai-agent/zapi-tools-agent.json';
export const OPENAI_CREDENTIAL = { id: 'e2eOpenAiSandbox', name: 'OpenAI (local sandbox)', type: 'openAiApi' };
export const AGENT_NODE = 'AI Agent';
export const TEXT_TOOL_NODE = 'Post text status';
export const VIDEO_TOOL_NODE = 'Post video status';

/** The arguments the scripted model gives each tool (the video link comes from the user's request). */
export interface AgentArguments {
	text: { statusText: string };
	video: { videoUrl: string; caption: string };
}

export const STATUS_TEXT = 'Launch day! Our new collection is live: see the teaser in our Status.';
export const VIDEO_CAPTION = 'Launch teaser: the new collection';

/** IDs found in a tool result (the Z-API node's output items, as the agent passes them to the model). */
export interface ToolResultIds {
	toolName: string;
	zaapIds: string[];
	messageIds: string[];
	content: string;
}

/** zaapId / messageId values anywhere in a tool message's content (JSON text, or text around JSON). */
export function idsInToolResult(content: string): { zaapIds: string[]; messageIds: string[] } {
	const grab = (key: string) => [...content.matchAll(new RegExp(`\\\\?"${key}\\\\?"\\s*:\\s*\\\\?"([0-9A-Za-z-]+)`, 'g'))].map((match) => match[1]);
	return { zaapIds: [...new Set(grab('zaapId'))], messageIds: [...new Set(grab('messageId'))] };
}

/** The model's script for the agent workflow; `seen` collects what the second turn received. */
export function agentScript(seen: { toolResults: ToolResultIds[]; arguments?: AgentArguments }): ChatScript {
	return (request: ChatCompletionRequest) => {
		const toolMessages = request.messages.filter((message) => message.role === 'tool');
		if (toolMessages.length === 0) {
			const user = [...request.messages].reverse().find((message) => message.role === 'user');
			const videoUrl = /https?:\/\/\S+?\.mp4\b/.exec(user ? messageText(user) : '')?.[0];
			if (!videoUrl) throw new Error('the user message names no .mp4 link');
			const textTool = findTool(request, ['statusText']);
			const videoTool = findTool(request, ['videoUrl', 'caption']);
			if (!textTool || !videoTool) {
				throw new Error(`the request offers no tool with statusText / videoUrl+caption arguments: ${JSON.stringify(request.tools?.map((tool) => tool.function.name))}`);
			}
			seen.arguments = { text: { statusText: STATUS_TEXT }, video: { videoUrl, caption: VIDEO_CAPTION } };
			return {
				toolCalls: [
					{ name: textTool.function.name, arguments: seen.arguments.text },
					{ name: videoTool.function.name, arguments: seen.arguments.video },
				],
			};
		}
		// Second turn: the tool results, each matched to the call it answers.
		const calls = new Map(
			request.messages.flatMap((message) => message.tool_calls ?? []).map((call) => [call.id, call.function.name] as const),
		);
		seen.toolResults = toolMessages.map((message) => {
			const content = messageText(message);
			return { toolName: calls.get(message.tool_call_id ?? '') ?? message.name ?? '?', content, ...idsInToolResult(content) };
		});
		const lines = seen.toolResults.map(
			(result) => `- ${result.toolName}: messageId ${result.messageIds.join(', ') || 'none'}, zaapId ${result.zaapIds.join(', ') || 'none'}`,
		);
		return { content: `Both statuses are posted on WhatsApp. Z-API's IDs:\n${lines.join('\n')}` };
	};
}

/** Writes the agent workflow (placeholders filled) and the OpenAI credential for `n8n import:*`. */
export function prepareAgentFiles(outputDir: string, addresses: Addresses, openAi: { baseUrl: string; apiKey: string }): { workflow: WorkflowFile; workflowFile: string; credentialsFile: string } {
	const text = fillPlaceholders(readFileSync(join(REPO_ROOT, AGENT_WORKFLOW_FILE), 'utf8'), addresses, AGENT_WORKFLOW_FILE);
	const workflow = JSON.parse(text) as WorkflowFile;
	const workflowFile = join(outputDir, `${workflow.id}.json`);
	writeFileSync(workflowFile, JSON.stringify(workflow, null, 2));
	const credentialsFile = join(outputDir, 'openai-credentials.json');
	writeFileSync(
		credentialsFile,
		JSON.stringify([{ ...OPENAI_CREDENTIAL, data: { apiKey: openAi.apiKey, url: openAi.baseUrl, header: false } }]),
	);
	return { workflow, workflowFile, credentialsFile };
}
