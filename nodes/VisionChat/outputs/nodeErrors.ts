import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, type JsonObject } from 'n8n-workflow';
import { VisionStreamError } from '../stream/errors/streamError';
import { InputError } from '../helpers/inputError';
import { StructuredAnswerError } from '../structured/structuredAnswer';

/** The core's and the input checks' errors as n8n's own error types, with the item and the fix. */
export function toNodeError(ctx: IExecuteFunctions, error: Error, itemIndex: number, asTool = false): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const node = ctx.getNode();
	if (error instanceof InputError) {
		let message = /\bitem \d+\b/i.test(error.message) ? error.message : `${error.message} (item ${itemIndex})`;
		// An agent sees only the message: give it the fix too.
		if (asTool && error.hint) message += `. ${error.hint}`;
		return new NodeOperationError(node, message, { itemIndex, description: error.hint });
	}
	if (error instanceof StructuredAnswerError) {
		return new NodeOperationError(node, `${error.message} (item ${itemIndex})`, { itemIndex, description: `${error.hint}\n\nThe answer: ${preview(error.text)}` });
	}
	if (error instanceof VisionStreamError) {
		const description = descriptionOf(error);
		if (error.kind === 'cancelled') return new NodeOperationError(node, error.message, { itemIndex, description });
		const response: JsonObject = { message: error.message, kind: error.kind, chunkCount: error.chunkCount };
		if (error.httpCode !== undefined) response.httpCode = error.httpCode;
		if (error.serverMessage !== undefined) response.serverMessage = error.serverMessage;
		if (error.partialText !== undefined) response.partialText = error.partialText;
		const apiError = new NodeApiError(node, response, {
			message: error.message,
			description,
			httpCode: error.httpCode !== undefined ? String(error.httpCode) : undefined,
			itemIndex,
		});
		if (error.partialText !== undefined) apiError.context.partialText = error.partialText;
		// n8n swaps messages that mention ECONNRESET & co. for generic ones; ours already say more.
		apiError.message = error.message;
		return apiError;
	}
	return new NodeOperationError(node, error, { itemIndex });
}

function descriptionOf(error: VisionStreamError): string | undefined {
	const parts: string[] = [];
	if (error.hint) parts.push(error.hint);
	if (error.partialText) {
		parts.push(`Text received before the failure (${error.partialText.length} characters, ${error.chunkCount} chunks): ${preview(error.partialText)}`);
	}
	return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Enough of a long text to recognise it in the error view. */
function preview(text: string): string {
	return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
