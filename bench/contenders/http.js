'use strict';
/** The few HTTP calls the plain-Node contenders make, with nothing but node:http. */
const http = require('node:http');

/** A fresh connection per request (what n8n's request helper does: it builds a new agent per request). */
const NEW_CONNECTION = false;

function zapiUrl(zapi) {
	return `${zapi.baseUrl}/instances/${encodeURIComponent(zapi.instanceId)}/token/${encodeURIComponent(zapi.instanceToken)}/send-video-status`;
}

function readAnswer(response) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		response.on('data', (chunk) => chunks.push(chunk));
		response.on('error', reject);
		response.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			if (response.statusCode !== 200) return reject(new Error(`Z-API answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`));
			const body = JSON.parse(text);
			if (typeof body.messageId !== 'string' || body.messageId === '') return reject(new Error(`no messageId in ${text.slice(0, 200)}`));
			resolve(body);
		});
	});
}

/**
 * Opens a POST to send-video-status. `length` is the exact body length in bytes.
 * Returns the request (to write the body into) and a promise of Z-API's checked answer.
 */
function openPost(zapi, length, connection) {
	let request;
	const answer = new Promise((resolve, reject) => {
		request = http.request(
			zapiUrl(zapi),
			{
				method: 'POST',
				agent: connection === 'new' ? NEW_CONNECTION : undefined, // undefined: Node's global keep-alive agent
				headers: {
					'Content-Type': 'application/json',
					'Content-Length': length,
					Accept: 'application/json',
					'Client-Token': zapi.clientToken,
				},
			},
			(response) => readAnswer(response).then(resolve, reject),
		);
		request.on('error', reject);
	});
	return { request, answer };
}

/** POSTs a complete body (a string is written as UTF-8, as JSON must be). */
async function postBody(zapi, body, connection) {
	const { request, answer } = openPost(zapi, Buffer.byteLength(body), connection);
	request.end(body);
	return await answer;
}

/** A HEAD size probe, as the node's "Check Size Then Pass Link" makes. */
function head(url, connection) {
	return new Promise((resolve, reject) => {
		const request = http.request(url, { method: 'HEAD', agent: connection === 'new' ? NEW_CONNECTION : undefined }, (response) => {
			response.resume();
			response.on('end', () => {
				const length = Number(response.headers['content-length']);
				if (response.statusCode !== 200 || !(length > 0) || length > 10 * 1024 * 1024) reject(new Error(`bad probe answer ${response.statusCode} ${length}`));
				else resolve(length);
			});
		});
		request.on('error', reject);
		request.end();
	});
}

module.exports = { openPost, postBody, head };
