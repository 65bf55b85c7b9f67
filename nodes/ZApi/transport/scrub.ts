const MASK = '***';

// Base64 runs this long are file payloads, never useful in a message.
const LONG_BASE64_RUN = /[A-Za-z0-9+/]{200,}={0,2}/g;

const MAX_TEXT_LENGTH = 500;

function escapeForRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes secrets (in plain and URL-encoded form) and media payloads from text that may reach the
 * user, the execution log or the run data, and bounds its length. Errors from the HTTP layer carry
 * the request URL (with the instance token in its path) and servers echo the headers they refuse.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
	let result = text;
	for (const secret of secrets) {
		if (secret.length < 3) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			result = result.replace(new RegExp(escapeForRegExp(form), 'g'), MASK);
		}
	}
	result = result.replace(LONG_BASE64_RUN, '[media data omitted]');
	if (result.length > MAX_TEXT_LENGTH) result = `${result.slice(0, MAX_TEXT_LENGTH)}…`;
	return result;
}

/** Z-API puts its reason under "error" or "message" (sometimes both, sometimes plain text). */
export function errorTextOf(body: unknown): string {
	if (typeof body === 'string') return body.trim();
	if (body && typeof body === 'object') {
		const record = body as Record<string, unknown>;
		const parts = [record.error, record.message]
			.filter((part): part is string | number => typeof part === 'string' || typeof part === 'number')
			.map(String)
			.filter((part, index, all) => part.trim() !== '' && all.indexOf(part) === index);
		if (parts.length > 0) return parts.join(': ');
		try {
			return JSON.stringify(body);
		} catch {
			return '';
		}
	}
	return '';
}
