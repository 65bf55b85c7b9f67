/**
 * Problems with what the user gave the node (a parameter, a file, the credential), found before
 * anything is sent. The code that finds them stays free of n8n's execution context: it throws one
 * of these classes, and the router turns it into the NodeOperationError n8n shows, once, naming
 * the item and the parameter (actions/errors.ts). Anything else that reaches the router is a crash.
 */
export class InputError extends Error {
	constructor(
		message: string,
		/** How the user fixes it: shown as the error's description in n8n. */
		readonly hint: string,
		/** The display name of the parameter at fault ("Video URL"); set by whoever knows which one was read. */
		public parameter?: string,
	) {
		super(message);
		this.name = new.target.name;
	}

	/** Fields for the Continue On Fail error item besides `error` (the parts of a series already posted). */
	itemFields?: Record<string, unknown>;
}

/** A problem with the media an item supplied (its size, type, encoding or link). */
export class MediaError extends InputError {}

/** A problem in the Z-API credential itself; its message names the field, never its value. */
export class CredentialProblem extends InputError {}

/**
 * Runs a step that reads or checks one parameter and names that parameter in every input problem
 * the step finds without naming one itself (only those of class `only`, when given: sending a
 * file names its field in a MediaError, not in the credential's problems). Other errors pass unchanged.
 */
export function concerning<T>(parameter: string, step: () => T, only: typeof InputError = InputError): T {
	const named = (error: unknown) => {
		if (error instanceof only) error.parameter ??= parameter;
		return error;
	};
	try {
		const result = step();
		if (result instanceof Promise) {
			return result.catch((error: unknown) => {
				throw named(error);
			}) as T;
		}
		return result;
	} catch (error) {
		throw named(error);
	}
}
