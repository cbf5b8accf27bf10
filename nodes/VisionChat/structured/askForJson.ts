import type { IDataObject } from 'n8n-workflow';
import type { ChatStreamResult } from '../stream/types';
import { checkAnswer, combineTries, repairRequest, StructuredAnswerError, type CheckedAnswer, type StructuredPlan } from './structuredAnswer';

export interface JsonAnswer {
	result: ChatStreamResult;
	/** One per choice, in choice order. */
	checked: CheckedAnswer[];
	tries: number;
}

/**
 * Asks, checks every choice's JSON, and while the first choice is unusable and tries are
 * left, asks again with the model's own answer and the problems found. A refusal or a pure
 * tool call is not a JSON answer and is passed through as it is.
 */
export async function askForJson(
	ask: (body: IDataObject) => Promise<ChatStreamResult>,
	body: IDataObject,
	plan: StructuredPlan,
	onRetry: () => void,
): Promise<JsonAnswer> {
	const tries: ChatStreamResult[] = [];
	let request = body;
	for (;;) {
		const result = await ask(request);
		tries.push(result);
		const checked = result.choices.map((choice) => (isJsonAnswer(choice) ? checkAnswer(choice.text, plan) : {}));
		const first = checked[0];
		const firstText = result.choices[0]?.text ?? '';
		if (!first?.jsonError) return { result: combineTries(tries), checked, tries: tries.length };
		if (tries.length > plan.retries) throw new StructuredAnswerError(firstText, first, tries.length);
		onRetry();
		const messages = [...(request.messages as IDataObject[]), { role: 'assistant', content: firstText }, { role: 'user', content: repairRequest(first, plan) }];
		request = { ...request, messages };
	}
}

function isJsonAnswer(choice: ChatStreamResult['choices'][number]): boolean {
	if (choice.text.trim()) return true;
	return !choice.refusal && !choice.toolCalls;
}
