'use strict';
/**
 * The streamed floor: the physical limit of sending this body. Per item it announces the exact
 * Content-Length, then reads the file in 192 KiB pieces (a multiple of 3, so each piece encodes to
 * Base64 on its own), encodes each and writes it to the socket, waiting for 'drain' when the socket
 * buffer is full: about one piece of the file is ever in memory, never the whole body.
 * Base64-text items are written in slices of the string the same way.
 */
const { open } = require('node:fs/promises');
const { readFileSync } = require('node:fs');
const { once } = require('node:events');

const { serve, settle } = require('./probe');
const { openPost } = require('./http');

let spec;

const PREFIX = '{"video":"data:video/mp4;base64,';
const SUFFIX = '"}';
const PIECE = 3 * 64 * 1024;

async function write(request, text) {
	if (!request.write(text, 'latin1')) await once(request, 'drain');
}

async function sendFile(path, piece) {
	const handle = await open(path, 'r');
	try {
		const { size } = await handle.stat();
		const length = PREFIX.length + Math.ceil(size / 3) * 4 + SUFFIX.length;
		const { request, answer } = openPost(spec.zapi, length, spec.variant.connection);
		answer.catch(() => undefined); // awaited below; avoid an unhandled rejection while writing
		await write(request, PREFIX);
		let position = 0;
		while (position < size) {
			// Fill the piece completely (short reads are allowed) so every piece but the last is a multiple of 3.
			let filled = 0;
			while (filled < piece.length && position + filled < size) {
				const { bytesRead } = await handle.read(piece, filled, piece.length - filled, position + filled);
				if (bytesRead === 0) break;
				filled += bytesRead;
			}
			position += filled;
			await write(request, piece.toString('base64', 0, filled));
		}
		request.end(SUFFIX, 'latin1');
		return await answer;
	} finally {
		await handle.close();
	}
}

async function sendText(text) {
	const length = PREFIX.length + text.length + SUFFIX.length;
	const { request, answer } = openPost(spec.zapi, length, spec.variant.connection);
	answer.catch(() => undefined);
	await write(request, PREFIX);
	const slice = (PIECE / 3) * 4;
	for (let offset = 0; offset < text.length; offset += slice) await write(request, text.slice(offset, offset + slice));
	request.end(SUFFIX, 'latin1');
	return await answer;
}

async function runItems(items, { window, probes }) {
	let text;
	if (items.kind === 'base64') text = readFileSync(items.textFile, 'latin1');
	if (items.kind === 'url') throw new Error('the streamed floor has no URL variant');
	window.begin();
	const piece = Buffer.allocUnsafe(PIECE);
	if (probes) probes.take(0);
	let count = 0;
	if (items.kind === 'binary') {
		for (const file of items.files) {
			await sendFile(file, piece);
			count++;
			if (probes && probes.due(count, items.files.length) && count < items.files.length) probes.take(count);
		}
	} else {
		await sendText(text);
		count = 1;
	}
	window.end();
	if (probes) {
		await settle();
		probes.take(count);
	}
	return { items: count };
}

serve({
	async setup(value) {
		spec = value;
	},
	async run({ phase, window, probes }) {
		return await runItems(phase === 'warmup' ? spec.warmup : spec.timed, { window, probes });
	},
});
