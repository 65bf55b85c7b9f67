/**
 * A problem with the media an item supplied. The node turns it into a NodeOperationError that
 * names the item and the parameter; media functions stay free of n8n's execution context.
 */
export class MediaError extends Error {
	constructor(
		message: string,
		/** How the user fixes it: shown as the error's description in n8n. */
		readonly hint: string,
	) {
		super(message);
		this.name = 'MediaError';
	}
}
