/** Reply With Sticker answers a contact's status with a sticker (Z-API: status/reply-status-sticker). */
import { FIXTURES } from './fixtures';
import { useToolkit } from './harness/toolkit';

const toolkit = useToolkit();

test('a sticker from binary data is sent as a data URI to the author of the status', async () => {
	const result = await toolkit.run('replyStatusSticker', { phone: '={{ $json.author }}', statusMessageId: '={{ $json.statusMessageId }}', stickerSource: 'binary' }, [
		{ json: { author: '5511987654321', statusMessageId: 'S1' }, binary: { data: { file: FIXTURES.png, mimeType: 'image/png' } } },
	]);
	expect(result.status).toBe('success');
	const [accepted] = toolkit.sandbox().accepted();
	expect(accepted.media).toEqual(expect.objectContaining({ kind: 'dataUri', mimeType: 'image/png' }));
	expect(accepted.fields).toEqual({ phone: '5511987654321', statusMessageId: 'S1' });
});

test('a missing status message ID is refused before anything is sent', async () => {
	const result = await toolkit.run('replyStatusSticker', { phone: '5511987654321', statusMessageId: 'two words', stickerSource: 'binary' }, [
		{ json: {}, binary: { data: { file: FIXTURES.png, mimeType: 'image/png' } } },
	]);
	expect(result.error?.message).toBe('Status Message ID: The status message ID contains spaces [item 0]');
	expect(toolkit.sandbox().requests).toHaveLength(0);
});
