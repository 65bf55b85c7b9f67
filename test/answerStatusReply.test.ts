/**
 * Answer a Reply to My Status: a reply to one of my statuses is a message in the replier's chat,
 * answered with send-text and messageId = their reply (Z-API: message/reply-message), never with
 * reply-status-*, which would quote a status the recipient never posted.
 */
import { SECRETS } from './harness/secrets';
import { useToolkit } from './harness/toolkit';
import { startTriggerEndpoint } from './harness/trigger';
import { ZAPI_NODE } from './harness/workflows';

const toolkit = useToolkit();

test("a reply to my status reaches the trigger, and the answer goes to the replier's chat quoting their reply", async () => {
	const endpoint = await startTriggerEndpoint({ events: ['statusReply'], registration: 'manual', filters: {} }, toolkit.credentials());
	try {
		toolkit.sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
		const reply = await toolkit.sandbox().sendStatusReply(SECRETS.instanceId, { phone: '5511987654321', referenceMessageId: 'MY-STATUS-1', text: 'Is it still on sale?' });
		expect(reply.status).toBe(200);
		const [item] = endpoint.started();
		expect(item).toEqual(expect.objectContaining({ event: 'statusReply', from: '5511987654321', replyMessageId: reply.messageId, myStatusMessageId: 'MY-STATUS-1' }));
		expect(item).not.toHaveProperty('statusMessageId');
		const answered = await toolkit.run('answerStatusReply', { phone: '={{ $json.from }}', replyMessageId: '={{ $json.replyMessageId }}', message: 'Yes, until Sunday' }, [{ json: item as never }]);
		expect(answered.status).toBe('success');
		const [accepted] = toolkit.sandbox().accepted();
		expect(accepted).toEqual(expect.objectContaining({ endpoint: 'send-text', fields: { phone: '5511987654321', message: 'Yes, until Sunday', messageId: reply.messageId } }));
		expect(answered.output(ZAPI_NODE)[0].json).toEqual(accepted.response);
	} finally {
		await endpoint.close();
	}
});

test('a replier known only by LID is answered through the LID', async () => {
	const result = await toolkit.run('answerStatusReply', { phone: '81896604192873@LID', replyMessageId: 'R1', message: 'Thanks' });
	expect(result.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0].fields).toEqual({ phone: '81896604192873@lid', message: 'Thanks', messageId: 'R1' });
});

test.each([
	[{ phone: '5511987654321', replyMessageId: '' }, 'Reply Message ID: The reply message ID is empty [item 0]'],
	[{ phone: '', replyMessageId: 'R1' }, 'Phone: The phone number is empty [item 0]'],
	[{ phone: '5511987654321', replyMessageId: 'R 1' }, 'Reply Message ID: The reply message ID contains spaces [item 0]'],
])('refuses %p before sending', async (json, expected) => {
	const result = await toolkit.run('answerStatusReply', { phone: '={{ $json.phone }}', replyMessageId: '={{ $json.replyMessageId }}', message: 'hi' }, [{ json }]);
	expect(result.error?.message).toBe(expected);
	expect(toolkit.sandbox().requests).toHaveLength(0);
});
