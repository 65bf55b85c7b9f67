/**
 * The status conversation inside the real n8n (examples/status-conversation.json, published through
 * the REST API): the trigger registers its own webhooks with a secret, a contact's status is answered
 * on their status (reply-status-text), a reply to my status is answered in that chat (send-text with
 * messageId), a contact deleting a status (a REVOKE notification) is not answered, a view of my
 * status reaches the workflow, the answers' echoes (fromMe) start nothing, forged callbacks are
 * refused, and deactivation clears the webhooks; a trigger with Include My Own Messages turns
 * "notify sent by me" off again on deactivation. Kept apart from run.ts, which only lists these
 * checks among the server phase's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { textMessageCallback } from '../../../test/sandbox/callbacks';
import type { ReceivedRequest, ZApiSandbox } from '../../../test/sandbox/zapiSandbox';
import { firstOutputItem, isStoredComplete, lastExecutionId, readExecutions, type StoredExecution } from './executions';
import type { N8nContext, N8nServer, RestClient } from './n8n';
import { sleep } from './processes';
import type { CheckDefinition } from './report';
import type { PreparedWorkflows } from './workflows';

export const CONVERSATION_EXAMPLE = 'examples/status-conversation.json';
export const OWN_MESSAGES_WORKFLOW = 'scripts/e2e/workflows/own-messages-trigger.json';

export interface TriggerEventsState {
	context: N8nContext;
	sandbox: ZApiSandbox;
	workflows: PreparedWorkflows;
	server?: N8nServer;
	rest?: RestClient;
}

export interface TriggerEventsOptions {
	state: () => TriggerEventsState;
	instanceId: string;
	/** Checks that no credential secret is in a stored execution (run.ts's assertNoSecrets). */
	assertNoSecrets: (execution: StoredExecution) => void;
}

const TRIGGER_TYPE = 'n8n-nodes-zapi-status.zApiTrigger';

/** Milliseconds until the workflow's stored static data records that the trigger turned "notify sent by me" on. */
async function staticDataStored(rest: RestClient, workflowId: string): Promise<number> {
	const start = Date.now();
	while (Date.now() - start < 15_000) {
		const workflow = await rest.data<{ staticData?: Record<string, Record<string, unknown> | undefined> | null }>('GET', `/rest/workflows/${workflowId}`);
		if (workflow.staticData?.['node:Z-API Trigger']?.turnedOnNotifySentByMe === true) return Date.now() - start;
		await sleep(200);
	}
	throw new Error('n8n did not store the trigger\'s static data (turnedOnNotifySentByMe) within 15 s of publishing');
}
const OWN_MESSAGE_IGNORED = { received: true, ignored: 'sent by this instance (Include My Own Messages is off)' };

export function triggerEventChecks(options: TriggerEventsOptions): CheckDefinition[] {
	const { instanceId } = options;
	let workflowId = '';
	let triggerUrl = '';
	let secret = '';
	const state = () => {
		const s = options.state();
		assert.ok(s.server && s.rest, 'n8n start is not running');
		return s as Required<TriggerEventsState>;
	};

	/** Waits for `count` finished executions of the workflow after `after`. */
	const executionsAfter = async (after: number, count: number): Promise<StoredExecution[]> => {
		const start = Date.now();
		let runs: StoredExecution[] = [];
		while (Date.now() - start < 30_000) {
			runs = (await readExecutions(state().context, after + 1)).filter(
				(execution) => execution.workflowId === workflowId && isStoredComplete(execution),
			);
			if (runs.length >= count) break;
			await sleep(300);
		}
		assert.equal(runs.length, count, `expected ${count} execution(s) of ${CONVERSATION_EXAMPLE}, found ${runs.length}`);
		return runs;
	};
	/** The secret must be nowhere in what n8n stores as the run, nor in n8n's log. */
	const assertSecretHidden = (execution: StoredExecution) => {
		options.assertNoSecrets(execution);
		assert.ok(!(execution.dataText ?? '').includes(secret), `the webhook secret appears in the run data of execution ${execution.id}`);
	};
	const sends = (sandbox: ZApiSandbox, endpoint: string): ReceivedRequest[] => sandbox.requests.filter((request) => request.endpoint === endpoint);

	return [
		{
			title: `Z-API Trigger registration (${CONVERSATION_EXAMPLE}): publishing sets exactly the "On receive" and "Message status" webhooks, with a secret`,
			run: async () => {
				const s = state();
				workflowId = s.workflows.ids[CONVERSATION_EXAMPLE];
				const workflow = await s.rest.data<{ versionId: string; nodes: Array<{ type: string; webhookId?: string }> }>('GET', `/rest/workflows/${workflowId}`);
				const webhookId = workflow.nodes.find((node) => node.type === TRIGGER_TYPE)?.webhookId;
				assert.ok(webhookId, 'the trigger node has no webhookId');
				triggerUrl = `${s.server.baseUrl}/webhook/${webhookId}/zapi`;
				s.sandbox.reset();
				const deliveryBefore = s.sandbox.webhookUrl(instanceId, 'delivery');
				const activated = await s.rest.data<{ active: boolean }>('POST', `/rest/workflows/${workflowId}/activate`, { versionId: workflow.versionId });
				assert.equal(activated.active, true, `activate answered ${JSON.stringify(activated).slice(0, 300)}`);
				// n8n registers a published workflow's webhooks after answering the activation.
				const start = Date.now();
				while (Date.now() - start < 30_000 && s.sandbox.requests.filter((request) => request.status !== 0).length < 2) await sleep(200);
				const registrations = s.sandbox.requests.map((request) => `${request.method} ${request.endpoint} -> ${request.status}`);
				assert.deepEqual(registrations, ['PUT update-webhook-received -> 200', 'PUT update-webhook-message-status -> 200']);
				const received = s.sandbox.webhookUrl(instanceId, 'received') ?? '';
				const match = /^(.*)\?secret=([A-Za-z0-9]{32})$/.exec(received);
				assert.ok(match, `the "On receive" URL is ${received.replace(/secret=[^&]+/, 'secret=…')}, not n8n's URL with a 32-character secret`);
				assert.equal(match[1], triggerUrl);
				secret = match[2];
				assert.equal(s.sandbox.webhookUrl(instanceId, 'message-status'), received);
				assert.equal(s.sandbox.webhookUrl(instanceId, 'delivery'), deliveryBefore, 'the delivery webhook was changed');
				return `POST /rest/workflows/${workflowId}/activate -> active; after ${Date.now() - start} ms ${registrations.join(', ')}; URL ${triggerUrl.replace(s.server.baseUrl, '')}?secret=<32 characters>`;
			},
		},
		{
			title: "Z-API Trigger: a contact's status starts the workflow, which replies to that status (reply-status-text to its author)",
			run: async () => {
				const s = state();
				s.sandbox.reset();
				s.sandbox.setNotifySentByMe(instanceId, true);
				const before = await lastExecutionId(s.context);
				const posted = await s.sandbox.sendContactStatus(instanceId, { participantPhone: '5544999999999', participantLid: '81896604192873@lid', text: 'Open today' });
				assert.equal(posted.status, 200);
				const [run] = await executionsAfter(before, 1);
				assert.equal(run.status, 'success', `execution ${run.id} ended ${run.status}`);
				const trigger = firstOutputItem(run, 'Z-API Trigger')?.json;
				assert.equal(trigger?.event, 'contactStatus');
				assert.equal(trigger?.author, '5544999999999');
				assert.equal(trigger?.statusMessageId, posted.messageId);
				const replies = sends(s.sandbox, 'reply-status-text');
				assert.equal(replies.length, 1, 'expected one reply-status-text');
				assert.deepEqual(replies[0].fields, { phone: '5544999999999', message: 'Love this! 👏', statusMessageId: posted.messageId });
				assertSecretHidden(run);
				// n8n stores a copy of the workflow with each execution; whether it includes the static data is n8n's choice.
				const inCopy = (run.workflowDataText ?? '').includes(secret) ? "n8n's copy of the workflow in the execution holds it (static data)" : 'not in the stored execution at all';
				return `execution ${run.id}: reply-status-text {phone 5544999999999, statusMessageId ${posted.messageId}} -> ${replies[0].status}; webhook secret: ${inCopy}`;
			},
		},
		{
			title: 'Z-API Trigger: a contact deleting a status (REVOKE notification in status@broadcast) does not start A Contact Posted a Status, and is not answered',
			run: async () => {
				const s = state();
				await s.sandbox.flushWebhooks();
				s.sandbox.reset();
				const before = await lastExecutionId(s.context);
				const status = await s.sandbox.sendStatusDeletion(instanceId, { participantPhone: '5544999999999', participantLid: '81896604192873@lid' });
				assert.equal(status, 200);
				await sleep(1500);
				const later = (await readExecutions(s.context, before + 1)).filter((execution) => execution.workflowId === workflowId);
				assert.equal(later.length, 0, `the deletion started ${later.length} execution(s)`);
				assert.equal(s.sandbox.requests.length, 0, 'the deletion made the workflow call Z-API');
				return 'REVOKE in status@broadcast answered 200; no execution, no request to Z-API';
			},
		},
		{
			title: 'Z-API Trigger: a reply to my status starts the workflow, which answers in that chat (send-text quoting the reply); the echo starts nothing',
			run: async () => {
				const s = state();
				await s.sandbox.flushWebhooks();
				s.sandbox.reset();
				const before = await lastExecutionId(s.context);
				const reply = await s.sandbox.sendStatusReply(instanceId, { phone: '5511987654321', referenceMessageId: 'MY-STATUS-1', text: 'Where is it?' });
				assert.equal(reply.status, 200);
				const [run] = await executionsAfter(before, 1);
				assert.equal(run.status, 'success', `execution ${run.id} ended ${run.status}`);
				const answers = sends(s.sandbox, 'send-text');
				assert.equal(answers.length, 1, 'expected one send-text');
				assert.deepEqual(answers[0].fields, { phone: '5511987654321', message: 'Thanks for your reply! You said: Where is it?', messageId: reply.messageId });
				assert.equal(sends(s.sandbox, 'reply-status-text').length, 0, 'a reply to my status was answered with reply-status-text');
				// Z-API echoes the answer (notify sent by me): the trigger answers it without starting anything.
				await s.sandbox.flushWebhooks();
				const echo = s.sandbox.webhookCalls.find((call) => (call.body as { fromMe?: boolean }).fromMe === true);
				assert.ok(echo, 'the sandbox did not echo the answer');
				assert.equal(echo.status, 200);
				await sleep(1500);
				const later = (await readExecutions(s.context, before + 1)).filter((execution) => execution.workflowId === workflowId);
				assert.equal(later.length, 1, `the echo of the answer started ${later.length - 1} more execution(s)`);
				assertSecretHidden(run);
				return `execution ${run.id}: send-text {phone 5511987654321, messageId ${reply.messageId}} -> ${answers[0].status}; echo (fromMe) answered ${echo.status}, no new execution (${JSON.stringify(OWN_MESSAGE_IGNORED.ignored)})`;
			},
		},
		{
			title: 'Z-API Trigger: a view of my status starts the workflow with the viewer, the status ID, read or played, and the time',
			run: async () => {
				const s = state();
				s.sandbox.reset();
				const before = await lastExecutionId(s.context);
				const status = await s.sandbox.sendStatusView(instanceId, { statusMessageId: 'MY-STATUS-1', participant: '126104585119999@lid', played: true });
				assert.equal(status, 200);
				const [run] = await executionsAfter(before, 1);
				const seen = firstOutputItem(run, 'Who saw my status')?.json;
				assert.equal(seen?.viewer, '126104585119999@lid');
				assert.equal(seen?.viewerIdKind, 'lid');
				assert.equal(seen?.status, 'MY-STATUS-1');
				assert.equal(seen?.view, 'played');
				assert.match(String(seen?.at), /^\d{4}-\d\d-\d\dT/);
				assert.equal(s.sandbox.requests.length, 0, 'a view made the workflow call Z-API');
				assertSecretHidden(run);
				return `execution ${run.id}: ${JSON.stringify(seen)}`;
			},
		},
		{
			title: 'Z-API Trigger: a forged callback (no secret, a wrong one) is answered 403 and starts nothing; the secret is in no answer and no log',
			run: async () => {
				const s = state();
				const before = await lastExecutionId(s.context);
				const forged = { type: 'ReceivedCallback', instanceId, isStatusReply: true, fromMe: false, phone: '5511987654321', messageId: 'FORGED', referenceMessageId: 'MY-STATUS-1', text: { message: 'hi' } };
				const answers: Array<{ status: number; text: string }> = [];
				for (const url of [triggerUrl, `${triggerUrl}?secret=${'A'.repeat(32)}`, `${triggerUrl}?secret=${secret.slice(0, 31)}`]) {
					const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(forged) });
					answers.push({ status: response.status, text: await response.text() });
				}
				assert.deepEqual(answers.map((answer) => answer.status), [403, 403, 403], JSON.stringify(answers));
				for (const answer of answers) assert.ok(!answer.text.includes(secret), 'an answer contains the secret');
				await sleep(1500);
				const later = (await readExecutions(s.context, before + 1)).filter((execution) => execution.workflowId === workflowId);
				assert.equal(later.length, 0, `a forged callback started ${later.length} execution(s)`);
				const log = readFileSync(s.server.stdoutFile, 'utf8') + readFileSync(s.server.stderrFile, 'utf8');
				assert.ok(!log.includes(secret), "the webhook secret appears in n8n's log");
				return `3 forged POSTs -> ${answers.map((answer) => answer.status).join(', ')} ${answers[0].text}; no execution; secret not in n8n's log`;
			},
		},
		{
			title: 'Z-API Trigger: unpublishing clears the webhooks it registered',
			run: async () => {
				const s = state();
				s.sandbox.reset();
				await s.rest.data('POST', `/rest/workflows/${workflowId}/deactivate`, {});
				const start = Date.now();
				while (Date.now() - start < 30_000 && s.sandbox.requests.filter((request) => request.status !== 0).length < 2) await sleep(200);
				const clears = s.sandbox.requests.map((request) => `${request.method} ${request.endpoint} -> ${request.status}`);
				assert.deepEqual(clears, ['PUT update-webhook-received -> 200', 'PUT update-webhook-message-status -> 200']);
				assert.equal(s.sandbox.webhookUrl(instanceId, 'received'), '');
				assert.equal(s.sandbox.webhookUrl(instanceId, 'message-status'), '');
				s.sandbox.setNotifySentByMe(instanceId, false);
				return `POST /rest/workflows/${workflowId}/deactivate: ${clears.join(', ')}; both URLs now empty`;
			},
		},
		{
			title: `Z-API Trigger with Include My Own Messages (${OWN_MESSAGES_WORKFLOW}): publishing turns "notify sent by me" on, unpublishing turns it off again`,
			run: async () => {
				const s = state();
				const id = s.workflows.ids[OWN_MESSAGES_WORKFLOW];
				s.sandbox.reset();
				s.sandbox.setNotifySentByMe(instanceId, false);
				const requestsDone = async (count: number) => {
					const start = Date.now();
					while (Date.now() - start < 30_000 && s.sandbox.requests.filter((request) => request.status !== 0).length < count) await sleep(200);
					return s.sandbox.requests.map((request) => `${request.method} ${request.endpoint} -> ${request.status}`);
				};
				const workflow = await s.rest.data<{ versionId: string }>('GET', `/rest/workflows/${id}`);
				const activated = await s.rest.data<{ active: boolean }>('POST', `/rest/workflows/${id}/activate`, { versionId: workflow.versionId });
				assert.equal(activated.active, true, `activate answered ${JSON.stringify(activated).slice(0, 300)}`);
				try {
					const registered = await requestsDone(2);
					assert.deepEqual(registered, ['GET me -> 200', 'PUT update-webhook-received-delivery -> 200']);
					assert.equal(s.sandbox.notifySentByMe(instanceId), true, '"notify sent by me" is not on after publishing');
					// A contact's message starts the workflow, as in real use. Deactivation reads the trigger's static data
					// (what to undo) back from the database; wait until n8n stored it.
					const message = await s.sandbox.postCallback(instanceId, 'received', textMessageCallback({ instanceId, phone: '5544999999999', text: 'hi' }));
					assert.equal(message, 200);
					const stored = await staticDataStored(s.rest, id);
					s.sandbox.reset();
					await s.rest.data('POST', `/rest/workflows/${id}/deactivate`, {});
					const undone = await requestsDone(2);
					assert.deepEqual(undone, ['PUT update-webhook-received -> 200', 'PUT update-notify-sent-by-me -> 200']);
					assert.equal(s.sandbox.notifySentByMe(instanceId), false, '"notify sent by me" is still on after unpublishing');
					assert.equal(s.sandbox.webhookUrl(instanceId, 'received'), '');
					const changes = s.sandbox.settingChanges.map(({ setting, value }) => `${setting}=${value === '' ? "''" : String(value)}`);
					assert.deepEqual(changes, ["webhook:received=''", 'notifySentByMe=false']);
					return `publish: ${registered.join(', ')}; static data stored after ${stored} ms; unpublish: ${undone.join(', ')}; "notify sent by me" off again, "On receive" URL empty`;
				} finally {
					// The next checks (and the other app) start from a quiet instance whatever happened here.
					s.sandbox.setNotifySentByMe(instanceId, false);
				}
			},
		},
	];
}
