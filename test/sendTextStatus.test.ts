/** Send Text Status through the real engine against the sandbox. */
import { useToolkit } from './harness/toolkit';
import { ZAPI_NODE } from './harness/workflows';

const toolkit = useToolkit();

test('posts the message an expression builds, and outputs Z-API\'s answer', async () => {
	const result = await toolkit.run('sendTextStatus', { message: '={{ "Open until " + $json.hour }}' }, [{ json: { hour: '22h' } }]);
	expect(result.status).toBe('success');
	const [accepted] = toolkit.sandbox().accepted();
	expect(accepted).toEqual(expect.objectContaining({ endpoint: 'send-text-status', fields: { message: 'Open until 22h' } }));
	expect(result.output(ZAPI_NODE)[0].json).toEqual(accepted.response);
});

test.each([
	['empty', '', /^Message is empty \[item 0\]$/],
	['too long', 'x'.repeat(701), /^Message is 701 characters long; WhatsApp allows 700 \[item 0\]$/],
	['with a control character', 'a\u0000b', /^Message contains a control character \(code 0\) at position 2 \[item 0\]$/],
])('refuses a message that is %s before sending', async (_label, message, expected) => {
	const result = await toolkit.run('sendTextStatus', { message: '={{ $json.message }}' }, [{ json: { message } }]);
	expect(result.error?.message).toMatch(expected);
	expect(toolkit.sandbox().requests).toHaveLength(0);
});
