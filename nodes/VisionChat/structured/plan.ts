import { InputError } from '../helpers/inputError';
import type { VisionChatOptions } from '../description/options';
import { answerSchemaOf, asksForJson } from './responseFormat';
import type { SchemaValidators } from './schemaValidator';
import type { StructuredPlan } from './structuredAnswer';
import { MAX_JSON_RETRIES } from './structuredOptions';

/** How this item's answer is checked; undefined when no JSON was asked for. */
export function structuredPlanOf(options: VisionChatOptions, validators: SchemaValidators): StructuredPlan | undefined {
	if (!asksForJson(options)) return undefined;
	const retries = options.jsonRetries ?? 0;
	if (!Number.isInteger(retries) || retries < 0 || retries > MAX_JSON_RETRIES) {
		throw new InputError(`"JSON Retries" is ${String(retries)}, outside 0 to ${MAX_JSON_RETRIES}`, `Set "JSON Retries" to a whole number from 0 to ${MAX_JSON_RETRIES}`);
	}
	return { schema: answerSchemaOf(options), retries, validators };
}
