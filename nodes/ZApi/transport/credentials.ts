import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { CredentialProblem } from '../InputError';

export const DEFAULT_BASE_URL = 'https://api.z-api.io';

/** The credential's fields, trimmed and checked: safe to put into a URL path and a header. */
export interface ZApiCredentials {
	instanceId: string;
	instanceToken: string;
	clientToken?: string;
	/** Absolute http(s) URL without trailing slashes. */
	baseUrl: string;
}

// For the Instance ID and Instance Token, which go into the URL path: whitespace inside, or any
// control character, is a copy-paste accident (a trailing line break is the usual one), and / ? #
// would change the path. Outer whitespace is trimmed; anything left is refused instead.
function hasUnsafePathCharacter(text: string): boolean {
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code <= 0x20 || code === 0x7f || code === 0x85 || code === 0xa0 || (code >= 0x2000 && code <= 0x200b) || code === 0x2028 || code === 0x2029 || code === 0x3000 || code === 0xfeff) return true;
		if (text[index] === '/' || text[index] === '?' || text[index] === '#') return true;
	}
	return false;
}

/**
 * What a Client-Token may hold once trimmed: visible ASCII characters (letters, digits and
 * punctuation), which an HTTP header carries as they are. A space, line break or control character
 * inside is a copy-paste accident, and would break or smuggle a header. Says what is wrong, or
 * undefined for a token that can be sent; the credential's authenticate() and readZApiCredentials
 * below both use this rule.
 */
export function clientTokenProblem(token: string): string | undefined {
	if (/^[\x21-\x7e]+$/.test(token)) return undefined;
	// Whitespace and control characters of any script count as "spaces or line breaks".
	if (/[\s\p{Cc}\p{Cf}]/u.test(token)) return 'contains spaces or line breaks';
	return 'contains characters other than letters, digits and punctuation';
}

function requiredField(value: unknown, label: string, where: string): string {
	const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
	if (text === '') {
		throw new CredentialProblem(`The Z-API credential has no ${label}`, `Open the credential and fill in ${label}: ${where}.`);
	}
	if (hasUnsafePathCharacter(text)) {
		throw new CredentialProblem(
			`The ${label} in the Z-API credential contains spaces, line breaks or URL characters`,
			`Open the credential and paste the ${label} again, exactly as shown ${where}.`,
		);
	}
	return text;
}

export function readZApiCredentials(raw: ICredentialDataDecryptedObject): ZApiCredentials {
	const instanceId = requiredField(raw.instanceId, 'Instance ID', 'on the instance page of the Z-API panel');
	const instanceToken = requiredField(raw.instanceToken, 'Instance Token', 'on the instance page of the Z-API panel');

	let clientToken: string | undefined;
	const rawClientToken = typeof raw.clientToken === 'string' ? raw.clientToken.trim() : '';
	if (rawClientToken !== '') {
		const problem = clientTokenProblem(rawClientToken);
		if (problem) {
			throw new CredentialProblem(
				`The Client-Token in the Z-API credential ${problem}`,
				'Open the credential and paste the Client-Token again, exactly as shown under Security in the Z-API panel.',
			);
		}
		clientToken = rawClientToken;
	}

	const rawBaseUrl = typeof raw.baseUrl === 'string' && raw.baseUrl.trim() !== '' ? raw.baseUrl.trim() : DEFAULT_BASE_URL;
	if (!URL.canParse(rawBaseUrl)) {
		throw new CredentialProblem(
			'The Base URL in the Z-API credential is not a valid URL',
			`Use ${DEFAULT_BASE_URL}, or the full http(s) address of your Z-API-compatible server.`,
		);
	}
	const parsed = new URL(rawBaseUrl);
	if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.search || parsed.hash || parsed.username) {
		throw new CredentialProblem(
			'The Base URL in the Z-API credential must be a plain http(s) address',
			`Use ${DEFAULT_BASE_URL}, or the http(s) address of your Z-API-compatible server, without query, fragment or user name.`,
		);
	}
	const baseUrl = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
	return { instanceId, instanceToken, clientToken, baseUrl };
}

/** The only place a Z-API URL is built. The instance token travels in the path: treat the result as a secret. */
export function buildZApiUrl(credentials: ZApiCredentials, endpoint: string): string {
	const path = endpoint.replace(/^\/+/, '');
	return `${credentials.baseUrl}/instances/${encodeURIComponent(credentials.instanceId)}/token/${encodeURIComponent(credentials.instanceToken)}/${path}`;
}

/** Values that must never appear in an error, a log or the run data. */
export function secretsOf(credentials: ZApiCredentials): string[] {
	return [credentials.instanceToken, credentials.clientToken].filter(
		(secret): secret is string => typeof secret === 'string' && secret.length > 0,
	);
}
