/**
 * The workflows the end-to-end run imports into n8n: the shipped examples (examples/*.json) with
 * only their outside-world addresses rewritten to the test's file folder and video host, and the
 * e2e-only workflows of scripts/e2e/workflows/ with their placeholders filled in.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './setup';

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	[key: string]: unknown;
}

export interface WorkflowFile {
	id: string;
	name: string;
	nodes: WorkflowNode[];
	[key: string]: unknown;
}

export const PACKAGE_PREFIX = 'n8n-nodes-zapi-status.';

export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
const E2E_WORKFLOWS_DIR = join(REPO_ROOT, 'scripts', 'e2e', 'workflows');

export function readWorkflow(path: string): WorkflowFile {
	return JSON.parse(readFileSync(path, 'utf8')) as WorkflowFile;
}

export function nodeOfType(workflow: WorkflowFile, type: string): WorkflowNode {
	const node = workflow.nodes.find((candidate) => candidate.type === type);
	if (!node) throw new Error(`workflow ${workflow.id} has no ${type} node`);
	return node;
}

export interface Addresses {
	/** Local path of the video the file-reading workflows read. */
	videoFile: string;
	/** A file over the 10 MB limit. */
	oversizeFile: string;
	/** http URL of the video on the test's video host. */
	videoUrl: string;
	/** Local path of a 3-minute video, for the example that splits it into statuses. */
	longVideoFile: string;
}

/** Examples the e2e run executes (after adaptExample); any other example is imported but not run. */
export const EXAMPLES_RUN = [
	'send-video-status-from-file.json',
	'send-video-status-from-url.json',
	'webhook-video-status.json',
	'status-delivery-results.json',
	'status-conversation.json',
	'split-long-video-into-statuses.json',
];

/** Rewrites one shipped example; anything not listed here stays exactly as shipped. */
function adaptExample(fileName: string, workflow: WorkflowFile, addresses: Addresses): WorkflowFile {
	switch (fileName) {
		case 'send-video-status-from-file.json':
			nodeOfType(workflow, 'n8n-nodes-base.readWriteFile').parameters.fileSelector = addresses.videoFile;
			break;
		case 'split-long-video-into-statuses.json':
			nodeOfType(workflow, 'n8n-nodes-base.readWriteFile').parameters.fileSelector = addresses.longVideoFile;
			break;
		case 'send-video-status-from-url.json': {
			const assignments = (nodeOfType(workflow, 'n8n-nodes-base.set').parameters.assignments as { assignments: Array<{ name: string; value: unknown }> })
				.assignments;
			const videoUrl = assignments.find((assignment) => assignment.name === 'video_url');
			if (!videoUrl) throw new Error('send-video-status-from-url.json: no video_url assignment');
			videoUrl.value = addresses.videoUrl;
			break;
		}
		default:
			break; // nothing points outside the machine
	}
	return workflow;
}

export interface PreparedWorkflows {
	/** Workflow id by file name (examples/... and scripts/e2e/workflows/...). */
	ids: Record<string, string>;
	count: number;
	/** Examples imported without an e2e check that runs them. */
	notRun: string[];
}

/** Writes every workflow, ready to import, into `outputDir` (one file each, for `import:workflow --separate`). */
export function prepareWorkflows(outputDir: string, addresses: Addresses, options: { examplesOnly?: boolean } = {}): PreparedWorkflows {
	const ids: Record<string, string> = {};
	const notRun: string[] = [];
	let count = 0;
	const write = (label: string, workflow: WorkflowFile) => {
		if (!workflow.nodes.some((node) => node.type.startsWith(PACKAGE_PREFIX))) throw new Error(`${label} has no node of the package`);
		ids[label] = workflow.id;
		writeFileSync(join(outputDir, `${workflow.id}.json`), JSON.stringify(workflow, null, 2));
		count++;
	};
	for (const fileName of readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.json')).sort()) {
		write(`examples/${fileName}`, adaptExample(fileName, readWorkflow(join(EXAMPLES_DIR, fileName)), addresses));
		if (!EXAMPLES_RUN.includes(fileName)) notRun.push(`examples/${fileName}`);
	}
	if (options.examplesOnly) return { ids, count, notRun };
	for (const fileName of readdirSync(E2E_WORKFLOWS_DIR).filter((name) => name.endsWith('.json')).sort()) {
		const label = `scripts/e2e/workflows/${fileName}`;
		write(label, JSON.parse(fillPlaceholders(readFileSync(join(E2E_WORKFLOWS_DIR, fileName), 'utf8'), addresses, label)) as WorkflowFile);
	}
	return { ids, count, notRun };
}

/** Fills the __E2E_*__ placeholders of an e2e-only workflow's JSON text (values escaped for JSON strings). */
export function fillPlaceholders(text: string, addresses: Addresses, label: string): string {
	const placeholders: Record<string, string> = {
		__E2E_VIDEO_FILE__: addresses.videoFile,
		__E2E_OVERSIZE_FILE__: addresses.oversizeFile,
		__E2E_VIDEO_URL__: addresses.videoUrl,
	};
	let filled = text;
	for (const [placeholder, value] of Object.entries(placeholders)) filled = filled.split(placeholder).join(value.replace(/["\\]/g, '\\$&'));
	const leftover = /__E2E_[A-Z_]+__/.exec(filled);
	if (leftover) throw new Error(`${label}: unknown placeholder ${leftover[0]}`);
	return filled;
}
