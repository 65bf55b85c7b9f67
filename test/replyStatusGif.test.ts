/** Reply With GIF answers a contact's status with an MP4 link (Z-API: status/reply-status-gif). */
import { readFileSync } from 'node:fs';

import { FIXTURES } from './fixtures';
import { useToolkit } from './harness/toolkit';

const toolkit = useToolkit();

test('sends the MP4 link to the author of the status, quoting it', async () => {
	const gif = toolkit.host().add('thanks.mp4', readFileSync(FIXTURES.noAudio), { contentType: 'video/mp4' });
	const result = await toolkit.run('replyStatusGif', { phone: '={{ $json.author }}', statusMessageId: '={{ $json.statusMessageId }}', gifUrl: gif }, [
		{ json: { author: '5511987654321', statusMessageId: '3EB054C12BAAC70228AAB6' } },
	]);
	expect(result.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0]).toEqual(
		expect.objectContaining({ endpoint: 'reply-status-gif', media: { kind: 'url', url: gif }, fields: { phone: '5511987654321', statusMessageId: '3EB054C12BAAC70228AAB6' } }),
	);
});

test('a LID is accepted as the phone', async () => {
	const gif = toolkit.host().add('thanks.mp4', readFileSync(FIXTURES.noAudio), { contentType: 'video/mp4' });
	const result = await toolkit.run('replyStatusGif', { phone: '81896604192873@lid', statusMessageId: 'S1', gifUrl: gif });
	expect(result.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0].fields?.phone).toBe('81896604192873@lid');
});
