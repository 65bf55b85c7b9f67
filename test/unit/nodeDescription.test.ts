import type { INodeProperties } from 'n8n-workflow';

import { statusOperationOptions, statusOperations } from '../../nodes/ZApi/actions/status/Status.resource';
import { ZApi } from '../../nodes/ZApi/ZApi.node';

const { description } = new ZApi();

describe('the Z-API node description', () => {
	test('the subtitle names each operation exactly as the Operation field lists it', () => {
		const names = Object.fromEntries(statusOperationOptions.map(({ value, name }) => [value, name]));
		const subtitleNames = /^=\{\{ (\{.*\})\[\$parameter\["operation"\]\] \|\| \$parameter\["operation"\] \}\}$/.exec(description.subtitle ?? '');
		expect(subtitleNames).not.toBeNull();
		expect(JSON.parse(subtitleNames![1])).toEqual(names);
	});

	test('the Operation field lists exactly the operations the router runs, alphabetically', () => {
		const values = statusOperationOptions.map((option) => option.value);
		expect(values).toEqual(Object.keys(statusOperations));
		const names = statusOperationOptions.map((option) => option.name);
		expect(names).toEqual([...names].sort((first, second) => first.localeCompare(second)));
	});

	test("each operation's fields are shown only while that operation of the Status resource is chosen", () => {
		const fields = description.properties.filter((property) => !['resource', 'operation'].includes(property.name));
		const byOperation = new Map<string, INodeProperties[]>();
		for (const field of fields) {
			const show = field.displayOptions?.show ?? {};
			expect([field.name, show.resource]).toEqual([field.name, ['status']]);
			expect([field.name, show.operation]).toEqual([field.name, [expect.any(String)]]);
			const operation = show.operation![0] as string;
			byOperation.set(operation, [...(byOperation.get(operation) ?? []), field]);
		}
		expect([...byOperation.keys()].sort()).toEqual(Object.keys(statusOperations).sort());
		// The media fields keep their own condition (which source is chosen) next to the operation's.
		const videoUrl = byOperation.get('sendVideoStatus')!.find((field) => field.name === 'videoUrl');
		expect(videoUrl?.displayOptions?.show).toEqual({ resource: ['status'], operation: ['sendVideoStatus'], videoSource: ['url'] });
	});
});
