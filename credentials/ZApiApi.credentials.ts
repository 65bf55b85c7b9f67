import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	Icon,
	INodeProperties,
} from 'n8n-workflow';

import { clientTokenProblem, DEFAULT_BASE_URL } from '../nodes/ZApi/transport/credentials';

export class ZApiApi implements ICredentialType {
	name = 'zApiApi';

	displayName = 'Z-API API';

	icon: Icon = { light: 'file:zapi.svg', dark: 'file:zapi.dark.svg' };

	documentationUrl = 'https://developer.z-api.io/en/security/introduction';

	properties: INodeProperties[] = [
		{
			displayName: 'Instance ID',
			name: 'instanceId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '3C67AB6F1C2B4D5E8F90A1B2C3D4E5F6',
			description: 'The ID of your Z-API instance, shown on the instance page of the Z-API panel',
		},
		{
			displayName: 'Instance Token',
			name: 'instanceToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The token of the instance, shown next to the Instance ID in the Z-API panel',
		},
		{
			displayName: 'Client-Token',
			name: 'clientToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The account security token from Security in the Z-API panel. Required once the account has activated it; leave empty otherwise (then no Client-Token header is sent).',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description:
				'Change only for a Z-API-compatible server. Requests go to {Base URL}/instances/{Instance ID}/token/{Instance Token}/...',
		},
	];

	// A function rather than generic header auth: generic auth always sets the header,
	// and an empty "Client-Token:" header is rejected by accounts that never enabled it.
	authenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => {
		const clientToken = typeof credentials.clientToken === 'string' ? credentials.clientToken.trim() : '';
		// A token that breaks the rule is never put into a header; the node reports it before any
		// request (see transport/credentials.ts, which holds the rule).
		if (clientToken === '' || clientTokenProblem(clientToken) !== undefined) {
			return requestOptions;
		}
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, 'Client-Token': clientToken },
		};
	};

	test: ICredentialTestRequest = {
		request: {
			method: 'GET',
			url: `={{ String($credentials.baseUrl || ${JSON.stringify(DEFAULT_BASE_URL)}).trim().replace(/\\/+$/, "") }}/instances/{{ encodeURIComponent(String($credentials.instanceId).trim()) }}/token/{{ encodeURIComponent(String($credentials.instanceToken).trim()) }}/status`,
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 400,
					message:
						'Client-Token missing: this Z-API account requires its security token. Copy it from Security in the Z-API panel into the Client-Token field.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Instance Token rejected: copy the token again from the instance page of the Z-API panel.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'Client-Token rejected (or this server’s IP is not on the account’s allow-list): copy the account security token again from Security in the Z-API panel.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'Instance not found: check the Instance ID (and the Base URL, if you changed it).',
				},
			},
		],
	};
}
