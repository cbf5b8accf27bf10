import type { ChatStreamResult, Usage } from '../stream/types';
import { parseAnswerJson } from './answerJson';
import type { SchemaValidators, Violation } from './schemaValidator';

/** What the node checks a JSON answer against, set up once per item. */
export interface StructuredPlan {
	/** Undefined for "any JSON object" (json_object). */
	schema?: Record<string, unknown>;
	retries: number;
	validators: SchemaValidators;
}

export interface CheckedAnswer {
	json?: unknown;
	/** Why the answer is not usable: not JSON, or breaks the schema. */
	jsonError?: string;
	violations?: Violation[];
}

const SHOWN_VIOLATIONS = 5;

export function checkAnswer(text: string, plan: StructuredPlan): CheckedAnswer {
	const parsed = parseAnswerJson(text);
	if (!parsed.ok) return { jsonError: parsed.message };
	if (!plan.schema) return { json: parsed.value };
	const violations = plan.validators.violationsOf(plan.schema, parsed.value);
	if (violations.length === 0) return { json: parsed.value };
	return { json: parsed.value, jsonError: `the answer does not match the schema: ${listViolations(violations)}`, violations };
}

export function listViolations(violations: Violation[]): string {
	const shown = violations.slice(0, SHOWN_VIOLATIONS).map((v) => `${v.path}: ${v.message}`);
	const more = violations.length - shown.length;
	return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

/** The follow-up turn: the model sees its answer (as the assistant message) and exactly what to fix. */
export function repairRequest(checked: CheckedAnswer, plan: StructuredPlan): string {
	const problems = checked.violations
		? checked.violations.map((v) => `- ${v.path}: ${v.message}`).join('\n')
		: `- ${checked.jsonError}`;
	const target = plan.schema ? `valid JSON that matches this JSON schema:\n${JSON.stringify(plan.schema)}` : 'one valid JSON object';
	return `Your answer cannot be used:\n${problems}\n\nReply with the corrected answer only: ${target}\nNo explanations, no Markdown.`;
}

/** A JSON answer that is still unusable after the allowed tries; the raw text is kept. */
export class StructuredAnswerError extends Error {
	readonly hint: string;

	constructor(
		readonly text: string,
		readonly checked: CheckedAnswer,
		readonly attempts: number,
	) {
		super(`The answer ${checked.violations ? 'does not match the JSON schema' : 'is not usable JSON'}: ${checked.violations ? listViolations(checked.violations) : checked.jsonError}${attempts > 1 ? ` (after ${attempts} tries)` : ''}`);
		this.name = 'StructuredAnswerError';
		this.hint = 'Make the prompt say which fields to fill, raise "JSON Retries" to let the model correct itself, or loosen the schema. The answer is kept in "text".';
	}
}

/** Usage of several tries added up, nested details included; numbers only, the rest from the last try. */
export function addUsage(total: Usage | undefined, next: Usage | undefined): Usage | undefined {
	if (!total) return next;
	if (!next) return total;
	return sumNumbers(total, next) as Usage;
}

function sumNumbers(a: unknown, b: unknown): unknown {
	if (typeof a === 'number' && typeof b === 'number') return a + b;
	if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
		const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
		for (const [key, value] of Object.entries(b as Record<string, unknown>)) out[key] = key in out ? sumNumbers(out[key], value) : value;
		return out;
	}
	return b ?? a;
}

/** The sum of a run's tries as one result: the last answer, every try's usage, the tries counted. */
export function combineTries(tries: ChatStreamResult[]): ChatStreamResult {
	const last = tries[tries.length - 1];
	let usage: Usage | undefined;
	for (const result of tries) usage = addUsage(usage, result.usage);
	const warnings = tries.flatMap((result) => result.warnings ?? []);
	const combined: ChatStreamResult = { ...last, usage, chunkCount: tries.reduce((n, r) => n + r.chunkCount, 0) };
	if (warnings.length > 0) combined.warnings = [...new Set(warnings)];
	else delete combined.warnings;
	return combined;
}
