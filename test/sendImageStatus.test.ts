/** Send Image Status through the real engine against the sandbox and a file host. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { FIXTURES } from './fixtures';
import { useToolkit } from './harness/toolkit';
import { ZAPI_NODE } from './harness/workflows';

const toolkit = useToolkit();
const png = readFileSync(FIXTURES.png);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('a binary image is sent as a data URI of its own type, with the caption', async () => {
	const result = await toolkit.run('sendImageStatus', { imageSource: 'binary', caption: 'New menu' }, [{ binary: { data: { file: FIXTURES.png, mimeType: 'image/png' } } }]);
	expect(result.status).toBe('success');
	const [accepted] = toolkit.sandbox().accepted();
	expect(accepted.media).toEqual({ kind: 'dataUri', mimeType: 'image/png', bytes: png.length, sha256: sha256(png) });
	expect(accepted.caption).toBe('New menu');
	expect(result.output(ZAPI_NODE)[0].json.image).toEqual({ bytes: png.length, mimeType: 'image/png' });
});

test('raw Base64 of a PNG is recognised and sent as image/png', async () => {
	const result = await toolkit.run('sendImageStatus', { imageSource: 'base64', imageBase64: '={{ $json.b64 }}' }, [{ json: { b64: png.toString('base64') } }]);
	expect(result.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0].media).toEqual(expect.objectContaining({ mimeType: 'image/png', sha256: sha256(png) }));
});

test('a link is checked with one HEAD, then passed; a link to a video is refused', async () => {
	const image = toolkit.host().add('menu.png', png, { contentType: 'image/png' });
	const ok = await toolkit.run('sendImageStatus', { imageSource: 'url', imageUrl: image });
	expect(ok.status).toBe('success');
	expect(toolkit.sandbox().accepted()[0].media).toEqual({ kind: 'url', url: image });
	const clip = toolkit.host().add('clip.mp4', readFileSync(FIXTURES.h264), { contentType: 'video/mp4' });
	const refused = await toolkit.run('sendImageStatus', { imageSource: 'url', imageUrl: clip });
	expect(refused.error?.message).toBe('Image URL: The image URL points to video/mp4 content, not an image [item 0]');
});

test('a video file given as the image is refused before sending', async () => {
	const result = await toolkit.run('sendImageStatus', { imageSource: 'binary' }, [{ binary: { data: { file: FIXTURES.h264, mimeType: 'video/mp4' } } }]);
	expect(result.error?.message).toBe('Input Binary Field: The file is an MP4 file, not an image (it was labelled video/mp4) [item 0]');
	expect(toolkit.sandbox().requests).toHaveLength(0);
});
