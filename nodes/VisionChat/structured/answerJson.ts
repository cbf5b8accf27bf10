/** The JSON inside an answer: bare, or in one Markdown code fence (many models and relays add one); never inside prose. */
export type ParsedAnswer = { ok: true; value: unknown } | { ok: false; message: string };

const FENCED = /^```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

export function parseAnswerJson(text: string): ParsedAnswer {
	const trimmed = text.trim();
	if (!trimmed) return { ok: false, message: 'the answer is empty' };
	const fenced = FENCED.exec(trimmed);
	const candidate = fenced ? fenced[1].trim() : trimmed;
	try {
		return { ok: true, value: JSON.parse(candidate) };
	} catch (error) {
		const starts = candidate[0] === '{' || candidate[0] === '[';
		return {
			ok: false,
			message: starts ? `the answer is not valid JSON (${(error as Error).message})` : 'the answer is not JSON: it does not start with { or [',
		};
	}
}
