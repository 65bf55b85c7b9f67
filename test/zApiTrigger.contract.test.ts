/**
 * Contract: every callback fixture in Z-API's documented (or, where nothing is published, inferred)
 * shapes goes through the real trigger endpoint with every event selected, and yields the expected
 * event and fields, with Z-API's raw fields kept, or is answered 200 and ignored for the stated reason.
 */
import { callbackFixtures } from './fixtures/zapiCallbacks';
import { SECRETS } from './harness/secrets';
import type { RegisteringTriggerEndpoint } from './harness/trigger';
import { startTriggerEndpoint } from './harness/trigger';

const ALL_EVENTS = ['deliveryResult', 'statusReply', 'message', 'contactStatus', 'statusViewed'];
let endpoint: RegisteringTriggerEndpoint;

beforeAll(async () => {
	// No request reaches Z-API here (manual registration), so the credential's Base URL is never called.
	endpoint = await startTriggerEndpoint({ events: ALL_EVENTS, registration: 'manual', filters: {} }, { ...SECRETS, baseUrl: 'http://127.0.0.1:9' });
});
afterAll(async () => endpoint.close());

const fixtures = callbackFixtures(SECRETS.instanceId);

test('the fixtures cover every event and both bases', () => {
	const events = new Set(fixtures.flatMap((fixture) => ('event' in fixture.expected ? [fixture.expected.event] : [])));
	expect([...events].sort()).toEqual([...ALL_EVENTS].sort());
	expect(new Set(fixtures.map((fixture) => fixture.basis))).toEqual(new Set(['documented', 'inferred']));
});

test.each(fixtures.map((fixture) => [`${fixture.basis}: ${fixture.name} (${fixture.source})`, fixture] as const))('%s', async (_title, fixture) => {
	const before = endpoint.results.length;
	const answer = await fetch(endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fixture.body) });
	expect(answer.status).toBe(200);
	const result = endpoint.results[before];
	const raw = JSON.parse(JSON.stringify(fixture.body)) as Record<string, unknown>;
	if ('ignored' in fixture.expected) {
		expect(result.workflowData).toBeUndefined();
		expect(result.webhookResponse).toEqual({ received: true, ignored: fixture.expected.ignored });
		return;
	}
	const item = result.workflowData![0][0].json;
	expect(item.event).toBe(fixture.expected.event);
	expect(item).toEqual(expect.objectContaining(fixture.expected.fields));
	expect(item.zapi).toEqual(raw);
	// Z-API's own fields stay at the top level too, unless the trigger's field of the same name wins.
	for (const [key, value] of Object.entries(raw)) {
		if (!(key in fixture.expected.fields) && key !== 'event') expect(item[key]).toEqual(value);
	}
});
