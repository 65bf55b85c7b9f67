import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	IConnections,
	INode,
	INodeExecutionData,
	INodeTypes,
	IRun,
	IRunExecutionData,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import type { BinaryMode } from './binaryMode';
import { useBinaryMode } from './binaryMode';
import { TestCredentialsHelper } from './credentialsHelper';
import { credentialTypes, TestNodeTypes } from './nodeTypes';

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IWorkflowBase['settings'];
}

export interface RunOptions {
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	binaryMode?: BinaryMode;
	mode?: WorkflowExecuteMode;
	/** What the start node receives (a trigger passes it on, as when its webhook fired); default one empty item. */
	startItems?: INodeExecutionData[];
	/** Node types to run with (default: ours, the test nodes and n8n's own). */
	nodeTypes?: INodeTypes;
	executionId?: string;
	/** Adds handlers to the run's lifecycle hooks before it starts (the benchmark times nodes this way). */
	prepareHooks?: (hooks: ExecutionLifecycleHooks) => void;
}

export interface WorkflowRun {
	run: IRun;
	/** Where n8n stored the run's binary data: the workflow id and execution id. */
	workflowId: string;
	executionId: string;
	status: IRun['status'];
	/** The error that stopped the run, if one did. */
	error: IRun['data']['resultData']['error'];
	/** The items a node put on its first output in its last run ([] when it did not run). */
	output(nodeName: string): INodeExecutionData[];
}

export const nodeTypes = new TestNodeTypes();

/** What n8n's app passes to every execution; URLs only need to be valid. */
export function createAdditionalData(
	credentials: Record<string, ICredentialDataDecryptedObject>,
	hooks?: ExecutionLifecycleHooks,
	executionId?: string,
): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new TestCredentialsHelper(credentialTypes, credentials),
		hooks,
		executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1:5678/rest',
		instanceBaseUrl: 'http://127.0.0.1:5678/',
		formBaseUrl: 'http://127.0.0.1:5678/form',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
		variables: {},
		logAiEvent: () => {},
		executeWorkflow: async () => {
			throw new Error('Test harness: sub-workflows are not supported');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: async () => {
			throw new Error('Test harness: task runners are not available');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}


let executionCounter = 0;

function startNodeOf(workflow: Workflow, nodes: INode[]): INode {
	const withoutParents = nodes.filter((node) => workflow.getParentNodes(node.name).length === 0 && !node.disabled);
	const start = withoutParents.find((node) => /trigger/i.test(node.type)) ?? withoutParents[0];
	if (!start) throw new Error('Test harness: the workflow has no start node');
	return start;
}

/**
 * Runs a workflow through n8n-core's WorkflowExecute, as the n8n app does for a manual run:
 * real parameter resolution, expressions, binary data service, credential authentication,
 * HTTP helpers, Continue On Fail and paired items.
 */
export async function runWorkflow(json: WorkflowJson, options: RunOptions = {}): Promise<WorkflowRun> {
	await useBinaryMode(options.binaryMode ?? 'default');
	const mode = options.mode ?? 'manual';
	const workflow = new Workflow({
		id: json.id ?? 'test-workflow',
		name: json.name ?? 'Test workflow',
		nodes: json.nodes,
		connections: json.connections,
		nodeTypes: options.nodeTypes ?? nodeTypes,
		settings: json.settings ?? { executionOrder: 'v1' },
		active: false,
	});

	const executionId = options.executionId ?? String(++executionCounter);
	const hooks = new ExecutionLifecycleHooks(mode, executionId, {
		id: workflow.id,
		name: workflow.name ?? 'Test workflow',
		active: false,
		isArchived: false,
		nodes: json.nodes,
		connections: json.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		activeVersionId: null,
	} as unknown as IWorkflowBase);
	let resolveFinished!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolve) => (resolveFinished = resolve));
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => resolveFinished(fullRunData));
	options.prepareHooks?.(hooks);

	const additionalData = createAdditionalData(options.credentials ?? {}, hooks, executionId);

	const runExecutionData: IRunExecutionData = {
		version: 1,
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: {},
			metadata: {},
			nodeExecutionStack: [{ node: startNodeOf(workflow, json.nodes), data: { main: [options.startItems ?? [{ json: {} }]] }, source: null }],
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	} as unknown as IRunExecutionData;

	await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);
	const run = await finished;

	return {
		run,
		workflowId: workflow.id,
		executionId,
		status: run.status,
		error: run.data.resultData.error,
		output(nodeName: string): INodeExecutionData[] {
			const runs = run.data.resultData.runData[nodeName];
			return runs?.[runs.length - 1]?.data?.main?.[0] ?? [];
		},
	};
}
