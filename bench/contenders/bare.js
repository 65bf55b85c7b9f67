'use strict';
/**
 * The bare client: what a careful hand-written integration costs. Per item it reads the file,
 * builds the JSON body with JSON.stringify and POSTs it with node:http, one item after the other.
 *
 * Variants (spec.variant): connection 'keepAlive' (Node's global agent, the default) or 'new'
 * (a fresh TCP connection per request, as n8n's request helper makes); headFirst: a HEAD size probe
 * to the video host before each POST (URL items only), the same round trips as the node's default.
 */
const { readFile } = require('node:fs/promises');
const { readFileSync } = require('node:fs');

const { serve, settle } = require('./probe');
const { postBody, head } = require('./http');

let spec;

const PREFIX = 'data:video/mp4;base64,';

/** One item in its own function, so nothing of it stays reachable from the loop's frame afterwards. */
async function sendFile(file, connection) {
	const content = await readFile(file);
	await postBody(spec.zapi, JSON.stringify({ video: PREFIX + content.toString('base64') }), connection);
}

async function sendText(text, connection) {
	await postBody(spec.zapi, JSON.stringify({ video: PREFIX + text }), connection);
}

async function sendUrl(url, connection) {
	if (spec.variant.headFirst) await head(url, connection);
	await postBody(spec.zapi, JSON.stringify({ video: url }), connection);
}

async function runItems(items, { window, probes }) {
	const connection = spec.variant.connection;
	let text;
	if (items.kind === 'base64') text = readFileSync(items.textFile, 'latin1'); // the same string the node gets, before the window
	window.begin();
	if (probes) probes.take(0);
	let count = 0;
	if (items.kind === 'binary') {
		for (const file of items.files) {
			await sendFile(file, connection);
			count++;
			if (probes && probes.due(count, items.files.length) && count < items.files.length) probes.take(count);
		}
	} else if (items.kind === 'base64') {
		await sendText(text, connection);
		count = 1;
	} else {
		for (const url of items.urls) {
			await sendUrl(url, connection);
			count++;
			if (probes && probes.due(count, items.urls.length) && count < items.urls.length) probes.take(count);
		}
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
