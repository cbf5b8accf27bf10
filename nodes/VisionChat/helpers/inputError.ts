/** A problem with what the user entered or fed in; the node turns it into a NodeOperationError for the item. */
export class InputError extends Error {
	constructor(
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'InputError';
	}
}
