import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { InputError } from '../../InputError';
import { requireValueTrue, zApiRequest } from '../../transport/zApiRequest';
import { optionsCollection, readRequestSettings } from '../requestOptions';
import type { ZApiOperation } from '../types';

const FIELD = 'View Statuses Automatically';

const description: INodeProperties[] = [
	{
		displayName:
			"Z-API views contacts' statuses automatically only while its automatic reading of messages is on (Z-API panel, or its update-auto-read-message call)",
		name: 'autoReadStatusNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: FIELD,
		name: 'autoReadStatus',
		type: 'boolean',
		default: true,
		description:
			"Whether Z-API marks every status your contacts post as viewed when it arrives (on), or leaves them unviewed (off). Contacts then see the instance among their status's viewers.",
	},
	optionsCollection(),
];

/** The setting from the field: a boolean, or the text "true"/"false" an expression may give. */
function readAutoReadStatus(context: IExecuteFunctions, itemIndex: number): boolean {
	const value = context.getNodeParameter('autoReadStatus', itemIndex) as unknown;
	if (typeof value === 'boolean') return value;
	if (typeof value === 'string' && ['true', 'false'].includes(value.trim().toLowerCase())) return value.trim().toLowerCase() === 'true';
	throw new InputError(
		`${JSON.stringify(value)} is not true or false`,
		'Turn the switch on or off, or give an expression that returns true (view statuses automatically) or false (stop).',
		FIELD,
	);
}

async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const { timeout, retry } = readRequestSettings(this.getNodeParameter('options', itemIndex, {}) as IDataObject);
	const autoReadStatus = readAutoReadStatus(this, itemIndex);
	// Z-API docs: instance/auto-read-status, PUT update-auto-read-status {"value": true|false} -> {"value": true}.
	const answer = await zApiRequest.call(this, itemIndex, {
		method: 'PUT',
		endpoint: 'update-auto-read-status',
		body: { value: autoReadStatus },
		timeout,
		retry,
		validate: requireValueTrue(
			'the automatic viewing of statuses',
			'Check the automatic reading of statuses in the Z-API panel (instance settings), then run the node again.',
		),
	});
	return { ...answer, autoReadStatus };
}

export const updateAutoReadStatus: ZApiOperation = { description, execute };
