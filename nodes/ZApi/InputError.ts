/**
 * A problem with what the user gave the node (a parameter, a file, the credential), found before
 * anything is sent. The node turns it into a NodeOperationError that names the item (and the
 * parameter); the modules that find these problems stay free of n8n's execution context.
 */
export class InputError extends Error {
	constructor(
		message: string,
		/** How the user fixes it: shown as the error's description in n8n. */
		readonly hint: string,
	) {
		super(message);
		this.name = new.target.name;
	}
}
