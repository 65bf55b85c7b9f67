import type { WorkflowRun } from './runWorkflow';

/** Secrets that appear nowhere else, so that finding one in the output cannot be an accident. */
export const SECRETS = {
	instanceId: 'INSTANCE-3c67ab6f',
	instanceToken: 'TOKEN-q8ZrW2-unique-4d1e',
	clientToken: 'CLIENT-Fk93Lm-unique-77ab',
} as const;

/** Everything of an error a user or a log could see: message, description, context, stack, causes. */
export function errorText(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; depth < 8 && current; depth++) {
		if (typeof current !== 'object') {
			parts.push(String(current));
			break;
		}
		const record = current as Record<string, unknown>;
		for (const key of ['message', 'description', 'stack', 'name']) {
			if (record[key] !== undefined) parts.push(String(record[key]));
		}
		try {
			parts.push(JSON.stringify(record));
		} catch {
			parts.push('[unserialisable]');
		}
		if (record.context) parts.push(JSON.stringify(record.context));
		current = record.cause;
	}
	return parts.join('\n');
}

/** All of a run that n8n would store or show: run data (every node), the error and its causes. */
export function runText(run: WorkflowRun): string {
	return `${JSON.stringify(run.run)}\n${errorText(run.error)}`;
}

/** The text of one node's part of a run: its task data, including its error, as n8n stores it. */
export function nodeText(run: WorkflowRun, nodeName: string): string {
	const tasks = run.run.data.resultData.runData[nodeName] ?? [];
	return `${JSON.stringify(tasks)}\n${tasks.map((task) => errorText(task.error)).join('\n')}\n${errorText(run.error)}`;
}
