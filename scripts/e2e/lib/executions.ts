/**
 * Executions as n8n stored them (execution_entity + execution_data in the user folder's
 * database.sqlite), read with the cached n8n's own sqlite3 and flatted modules under Node 24.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import type { N8nContext } from './n8n';

const run = promisify(execFile);

export interface StoredNodeRun {
	executionStatus?: string;
	data?: { main?: Array<Array<{ json: Record<string, unknown>; binary?: Record<string, Record<string, unknown>> }> | null> };
	error?: Record<string, unknown>;
}

export interface StoredExecution {
	id: string;
	workflowId: string;
	mode: string;
	status: string;
	finished: boolean;
	/** null in n8n 1.x (no such column). */
	storedAt: string | null;
	/** The execution data exactly as stored (flatted JSON text). */
	dataText: string | null;
	workflowDataText: string | null;
	data: {
		resultData?: {
			error?: Record<string, unknown>;
			runData?: Record<string, StoredNodeRun[]>;
			lastNodeExecuted?: string;
		};
	} | null;
}

let readCounter = 0;

async function query<T>(context: N8nContext, selection: string): Promise<T> {
	// <cache>/n8n-<version>/node_modules/n8n/bin/n8n -> <cache>/n8n-<version>/node_modules
	const modulesDir = dirname(dirname(dirname(context.install.n8nBin)));
	const output = join(context.logDir, `executions-${++readCounter}.json`);
	await run(
		context.install.node,
		[join(__dirname, 'read-executions.cjs'), modulesDir, join(context.userFolder, '.n8n', 'database.sqlite'), output, selection],
		{ maxBuffer: 1024 * 1024 },
	);
	try {
		return JSON.parse(readFileSync(output, 'utf8')) as T;
	} finally {
		rmSync(output, { force: true });
	}
}

/** Stored executions with an id of at least `minimumId`, oldest first, with their data. */
export async function readExecutions(context: N8nContext, minimumId = 0): Promise<StoredExecution[]> {
	return await query<StoredExecution[]>(context, String(minimumId));
}

export async function lastExecutionId(context: N8nContext): Promise<number> {
	return await query<number>(context, '--last-id');
}

/** The executions stored after `previousLastId`, for one workflow; exactly one is expected. */
export async function newExecutionOf(context: N8nContext, workflowId: string, previousLastId: number): Promise<StoredExecution> {
	const executions = (await readExecutions(context, previousLastId + 1)).filter((execution) => execution.workflowId === workflowId);
	if (executions.length !== 1) {
		throw new Error(`expected 1 new stored execution of workflow ${workflowId}, found ${executions.length}`);
	}
	return executions[0];
}

/** All text n8n stores for an execution: its run data and its copy of the workflow. */
export function storedText(execution: StoredExecution): string {
	return `${execution.dataText ?? ''}\n${execution.workflowDataText ?? ''}`;
}

/** One node's part of a stored run: its task data (including its error) as JSON text. */
export function nodeRunText(execution: StoredExecution, nodeName: string): string {
	return JSON.stringify(execution.data?.resultData?.runData?.[nodeName] ?? null);
}

export function firstOutputItem(execution: StoredExecution, nodeName: string, outputIndex = 0) {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	return runs?.[runs.length - 1]?.data?.main?.[outputIndex]?.[0];
}

export function nodeError(execution: StoredExecution, nodeName: string): Record<string, unknown> | undefined {
	const runs = execution.data?.resultData?.runData?.[nodeName];
	return runs?.[runs.length - 1]?.error;
}

/**
 * Whether an execution is over and its run data stored. n8n marks an execution finished and writes
 * its run data in separate statements, and a reader in between (seen with n8n 1.123.81) gets the
 * finished flag beside the data stored at the start, which holds no node's output yet.
 */
export function isStoredComplete(execution: StoredExecution): boolean {
	const over = execution.finished || ['error', 'crashed', 'canceled'].includes(execution.status);
	const result = execution.data?.resultData;
	return over && result !== undefined && (result.lastNodeExecuted !== undefined || result.error !== undefined);
}
