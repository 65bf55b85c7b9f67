import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

import type { INode } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { toNodeError } from '../../nodes/ZApi/actions/errors';
import { concerning, CredentialProblem, InputError, MediaError } from '../../nodes/ZApi/InputError';

const node: INode = { id: 'z', name: 'Z-API', type: 'zApi', typeVersion: 1, position: [0, 0], parameters: {} };

describe('the error boundary (toNodeError): where an item failure becomes the error n8n shows', () => {
	test('an input problem names its parameter first and the item last, with the fix as description', () => {
		const error = toNodeError(node, new MediaError('The video URL is empty', 'Enter a link.', 'Video URL'), 3);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect([error.message, error.description, error.context.itemIndex]).toEqual(['Video URL: The video URL is empty [item 3]', 'Enter a link.', 3]);
	});

	test('a message that already starts with its parameter is not prefixed again', () => {
		const error = toNodeError(node, new InputError('Caption is 1025 characters long; WhatsApp allows 1024', 'Shorten it.', 'Caption'), 0);
		expect(error.message).toBe('Caption is 1025 characters long; WhatsApp allows 1024 [item 0]');
	});

	test('a credential problem names the credential field in its own words, without a parameter', () => {
		const error = toNodeError(node, new CredentialProblem('The Z-API credential has no Instance ID', 'Open the credential.'), 1);
		expect(error.message).toBe('The Z-API credential has no Instance ID [item 1]');
	});

	test("n8n's own errors pass unchanged, with the item added when missing", () => {
		const apiError = new NodeApiError(node, { message: 'x' }, { message: 'Z-API is unavailable (HTTP 503) [item 2]', itemIndex: 2 });
		expect(toNodeError(node, apiError, 2)).toBe(apiError);
		const helperError = new NodeOperationError(node, "The item has no binary field 'video'");
		expect(toNodeError(node, helperError, 4)).toBe(helperError);
		expect(helperError.context.itemIndex).toBe(4);
	});

	test('anything else is a crash: wrapped as it is, not dressed up as an input problem', () => {
		const crash = new TypeError("Cannot read properties of undefined (reading 'length')");
		const error = toNodeError(node, crash, 0);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(crash.message);
	});
});

describe('concerning: naming the parameter a step reads', () => {
	test('names the parameter in input problems of synchronous and asynchronous steps', async () => {
		const sync = (() => {
			try {
				return concerning('Phone', () => {
					throw new InputError('The phone number is empty', 'Enter it.');
				});
			} catch (error) {
				return error;
			}
		})();
		expect((sync as InputError).parameter).toBe('Phone');
		await expect(
			concerning('Video (Base64)', async () => {
				throw new MediaError('The Base64 text is empty', 'Map it.');
			}),
		).rejects.toEqual(expect.objectContaining({ parameter: 'Video (Base64)' }));
	});

	test('keeps a parameter the problem already names, and lets other errors and results through', async () => {
		await expect(
			concerning('Video URL', async () => {
				throw new InputError('Video URL must be text, but its expression gave an object', 'Fix it.', 'Video URL');
			}),
		).rejects.toEqual(expect.objectContaining({ parameter: 'Video URL' }));
		expect(() =>
			concerning('Caption', () => {
				throw new InputError('Timeout must be a number at least 1000', 'Fix it.', 'Timeout');
			}),
		).toThrow(expect.objectContaining({ parameter: 'Timeout' }));
		const crash = new RangeError('boom');
		expect(() =>
			concerning('Caption', () => {
				throw crash;
			}),
		).toThrow(crash);
		expect(concerning('Caption', () => 42)).toBe(42);
		await expect(concerning('Caption', async () => 'ok')).resolves.toBe('ok');
	});
});

describe('where n8n errors are made', () => {
	const root = join(__dirname, '..', '..');
	const shipped = (folder: string): string[] =>
		readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
			.filter((file) => file.endsWith('.ts'))
			.map((file) => [folder, ...file.split(sep)].join('/'));

	test("n8n errors are constructed only at the three boundaries: the router's helper, the trigger's and the transport", () => {
		const makers = [...shipped('nodes'), ...shipped('credentials')].filter((file) =>
			/new\s+Node(Operation|Api)Error\b/.test(readFileSync(join(root, file), 'utf8')),
		);
		expect(makers.sort()).toEqual(['nodes/ZApi/actions/errors.ts', 'nodes/ZApi/transport/zApiRequest.ts', 'nodes/ZApi/trigger/errors.ts']);
	});
});
