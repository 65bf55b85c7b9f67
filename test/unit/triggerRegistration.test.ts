/** The trigger's registration rules that need no engine: which webhooks, the secret, the HTTPS rule. */
import { contactOf } from '../../nodes/ZApi/trigger/contacts';
import { isZApiItself, newWebhookSecret, secretMatches, webhookKinds, withSecret } from '../../nodes/ZApi/trigger/registration';

test('exactly the webhook kinds the events need, each once, in a stable order', () => {
	expect(webhookKinds(['statusViewed', 'contactStatus', 'statusReply', 'message'])).toEqual(['received', 'message-status']);
	expect(webhookKinds(['deliveryResult'])).toEqual(['delivery']);
	expect(webhookKinds(['statusViewed', 'deliveryResult', 'statusReply'])).toEqual(['delivery', 'received', 'message-status']);
	expect(webhookKinds([])).toEqual([]);
});

test('the secret is added as a query parameter, keeping the path', () => {
	expect(withSecret('https://n8n.example.com/webhook/abc/zapi', 'S3cr3t')).toBe('https://n8n.example.com/webhook/abc/zapi?secret=S3cr3t');
});

test('secrets are 32 random alphanumerics, different each time', () => {
	const secrets = new Set(Array.from({ length: 50 }, newWebhookSecret));
	expect(secrets.size).toBe(50);
	for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
});

test('a presented secret matches only when identical', () => {
	expect(secretMatches('abc', 'abc')).toBe(true);
	expect(secretMatches('abd', 'abc')).toBe(false);
	expect(secretMatches('ab', 'abc')).toBe(false);
	expect(secretMatches(undefined, 'abc')).toBe(false);
	expect(secretMatches(['abc'], 'abc')).toBe(false);
});

test('the HTTPS rule applies to Z-API itself only', () => {
	expect(isZApiItself('https://api.z-api.io')).toBe(true);
	expect(isZApiItself('https://API.Z-API.IO/')).toBe(true);
	expect(isZApiItself('http://127.0.0.1:8080')).toBe(false);
	expect(isZApiItself('https://zapi.example.com')).toBe(false);
	expect(isZApiItself('https://z-api.io.example.com')).toBe(false);
});

test('who a callback is about: number, LID, or digits that may be either', () => {
	expect(contactOf({ phone: ['5544999999999'], lid: ['81896604192873@lid'] })).toEqual({ id: '5544999999999', phone: '5544999999999', lid: '81896604192873@lid', kind: 'phone' });
	expect(contactOf({ phone: ['65998849469@lid'] })).toEqual({ id: '65998849469@lid', phone: null, lid: '65998849469@lid', kind: 'lid' });
	expect(contactOf({ phone: [null], lid: [null], either: ['126104585119999'] })).toEqual({ id: '126104585119999', phone: null, lid: null, kind: 'unknown' });
	expect(contactOf({ either: ['5544999999999@s.whatsapp.net'] })).toEqual({ id: '5544999999999', phone: '5544999999999', lid: null, kind: 'phone' });
	expect(contactOf({ phone: [undefined, ''], lid: [42] })).toEqual({ id: null, phone: null, lid: null, kind: null });
});
