/** Set Automatic Status Viewing through the real engine against the sandbox (Z-API docs: instance/auto-read-status). */
import { errorText, SECRETS } from './harness/secrets';
import { useToolkit } from './harness/toolkit';
import { ZAPI_NODE } from './harness/workflows';

const toolkit = useToolkit();

test('turns automatic status viewing on and off, sending {"value": true|false} and outputting the confirmation', async () => {
	const on = await toolkit.run('updateAutoReadStatus', { autoReadStatus: true });
	expect(on.error?.message).toBeUndefined();
	expect(toolkit.sandbox().autoReadStatus(SECRETS.instanceId)).toBe(true);
	expect(on.output(ZAPI_NODE)[0].json).toEqual({ value: true, autoReadStatus: true });

	const off = await toolkit.run('updateAutoReadStatus', { autoReadStatus: '={{ $json.view }}' }, [{ json: { view: false } }]);
	expect(off.output(ZAPI_NODE)[0].json).toEqual({ value: true, autoReadStatus: false });
	expect(toolkit.sandbox().autoReadStatus(SECRETS.instanceId)).toBe(false);
	expect(toolkit.sandbox().requests.map((request) => `${request.method} ${request.endpoint} ${request.status}`)).toEqual([
		'PUT update-auto-read-status 200',
		'PUT update-auto-read-status 200',
	]);
	expect(toolkit.sandbox().settingChanges.map(({ setting, value }) => [setting, value])).toEqual([
		['autoReadStatus', true],
		['autoReadStatus', false],
	]);
});

test('the text "true" or "false" from an expression is read as the switch; anything else is refused before any request', async () => {
	const result = await toolkit.run('updateAutoReadStatus', { autoReadStatus: '={{ $json.view }}' }, [{ json: { view: 'TRUE' } }, { json: { view: 'maybe' } }]);
	expect(result.error?.message).toBe('View Statuses Automatically: "maybe" is not true or false [item 1]');
	expect(toolkit.sandbox().settingChanges.map(({ value }) => value)).toEqual([true]);
});

test('a 200 that is not {"value": true} is an error naming the item', async () => {
	toolkit.sandbox().setWebhookUpdateAnswer((setting) => (setting === 'autoReadStatus' ? { status: 200, body: { value: false } } : undefined));
	const result = await toolkit.run('updateAutoReadStatus', { autoReadStatus: true });
	expect(result.error?.message).toBe('Z-API did not confirm the automatic viewing of statuses (it answered {"value":false} instead of {"value": true}) [item 0]');
	expect(toolkit.sandbox().autoReadStatus(SECRETS.instanceId)).toBe(false);
});

test("Z-API's refusals are the same errors as every other call's, without the tokens", async () => {
	toolkit.sandbox().setClientToken('ANOTHER-client-token');
	const result = await toolkit.run('updateAutoReadStatus', { autoReadStatus: true });
	expect(result.error?.message).toBe('Z-API rejected the Client-Token (HTTP 403) [item 0]');
	expect(errorText(result.error)).not.toContain(SECRETS.clientToken);
});
