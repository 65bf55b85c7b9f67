/**
 * Reply With Text answers a status a contact posted (Z-API: status/reply-status-text): `phone` is
 * who posted it, `statusMessageId` the ID of their status, both straight from the Z-API Trigger's
 * "A Contact Posted a Status" item.
 */
import { SECRETS } from './harness/secrets';
import { useToolkit } from './harness/toolkit';
import { startTriggerEndpoint } from './harness/trigger';

const toolkit = useToolkit();
const target = { phone: '={{ $json.phone }}', statusMessageId: 'D241XXXX732339502B68' };

test("a contact's status reaches the trigger, and the reply goes to its author, quoting that status", async () => {
	const endpoint = await startTriggerEndpoint({ events: ['contactStatus'], registration: 'manual', filters: {} }, toolkit.credentials());
	try {
		toolkit.sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
		const posted = await toolkit.sandbox().sendContactStatus(SECRETS.instanceId, { participantPhone: '5544999999999', participantLid: '81896604192873@lid', text: 'Open today' });
		expect(posted.status).toBe(200);
		const [item] = endpoint.started();
		const answered = await toolkit.run('replyStatusText', { phone: '={{ $json.author }}', statusMessageId: '={{ $json.statusMessageId }}', message: 'See you there' }, [{ json: item as never }]);
		expect(answered.status).toBe('success');
		expect(toolkit.sandbox().accepted()[0]).toEqual(
			expect.objectContaining({ endpoint: 'reply-status-text', fields: { phone: '5544999999999', message: 'See you there', statusMessageId: posted.messageId } }),
		);
	} finally {
		await endpoint.close();
	}
});

test('an author known only by LID is answered through the LID', async () => {
	const endpoint = await startTriggerEndpoint({ events: ['contactStatus'], registration: 'manual', filters: {} }, toolkit.credentials());
	try {
		toolkit.sandbox().setWebhookUrl(SECRETS.instanceId, 'received', endpoint.url);
		const posted = await toolkit.sandbox().sendContactStatus(SECRETS.instanceId, { participantPhone: null, participantLid: '81896604192873@lid' });
		const [item] = endpoint.started();
		expect(item).toEqual(expect.objectContaining({ author: '81896604192873@lid', authorIdKind: 'lid', authorPhone: null }));
		const answered = await toolkit.run('replyStatusText', { phone: '={{ $json.author }}', statusMessageId: '={{ $json.statusMessageId }}', message: 'Nice' }, [{ json: item as never }]);
		expect(answered.status).toBe('success');
		expect(toolkit.sandbox().accepted()[0].fields).toEqual({ phone: '81896604192873@lid', message: 'Nice', statusMessageId: posted.messageId });
	} finally {
		await endpoint.close();
	}
});

test('the phone is normalised to digits', async () => {
	const result = await toolkit.run('replyStatusText', { ...target, message: 'Thanks!' }, [{ json: { phone: '+55 (11) 98765-4321' } }]);
	expect(result.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0].fields).toEqual({ phone: '5511987654321', message: 'Thanks!', statusMessageId: 'D241XXXX732339502B68' });
});

test.each([
	['', 'Phone: The phone number is empty [item 0]'],
	['011987654321', 'Phone: The phone number starts with 0, so its country code is missing [item 0]'],
	['55 11 9876x4321', 'Phone: The phone number contains characters other than digits [item 0]'],
	['5511987654321234567', 'Phone: The phone number has 19 digits; with its country code it must have 10 to 15 [item 0]'],
	['abc@lid', 'Phone: The phone number contains characters other than digits [item 0]'],
])('refuses the phone %p before sending', async (phone, expected) => {
	const result = await toolkit.run('replyStatusText', { ...target, message: 'hi' }, [{ json: { phone } }]);
	expect(result.error?.message).toBe(expected);
	expect(toolkit.sandbox().requests).toHaveLength(0);
});

test('refuses an empty status message ID, pointing at the trigger field to map', async () => {
	const result = await toolkit.run('replyStatusText', { phone: '5511987654321', statusMessageId: '={{ $json.id }}', message: 'hi' }, [{ json: { id: '' } }]);
	expect(result.error?.message).toBe('Status Message ID: The status message ID is empty [item 0]');
	expect((result.error as { description?: string }).description).toMatch(/statusMessageId of the Z-API Trigger's A Contact Posted a Status/);
});
