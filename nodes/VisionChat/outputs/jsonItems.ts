import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { JsonAnswer } from '../structured/askForJson';

/** The reserved key under which a record keeps the node's own facts about the answer. */
export const RECORD_META_KEY = '_visionChat';

/** `json` beside the other Result fields, for the first choice and in every `choices` entry. */
export function addJsonFields(item: INodeExecutionData, answer: JsonAnswer): void {
	const json = item.json;
	if (answer.checked[0]?.json !== undefined) json.json = answer.checked[0].json as IDataObject;
	if (Array.isArray(json.choices)) {
		(json.choices as IDataObject[]).forEach((choice, index) => {
			const checked = answer.checked[index];
			if (checked?.json !== undefined) choice.json = checked.json as IDataObject;
			if (checked?.jsonError) {
				choice.jsonError = checked.jsonError;
				if (checked.violations) choice.violations = checked.violations as unknown as IDataObject[];
			}
		});
	}
	json.jsonAttempts = answer.tries;
}

/**
 * Record mode: each item's json is exactly the parsed record (ready for Sheets, Airtable,
 * Postgres), one item per choice, each paired to its input item; everything else the node
 * knows goes under one reserved key.
 */
export function recordItems(resultItem: INodeExecutionData, answer: JsonAnswer, itemIndex: number): INodeExecutionData[] {
	const { text: _text, json: _json, choices, ...facts } = resultItem.json;
	return answer.checked.map((checked, index) => {
		const value = checked.json;
		const record: IDataObject = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as IDataObject) } : { value: value as IDataObject };
		const choice = (choices as IDataObject[] | undefined)?.[index] ?? {};
		const meta: IDataObject = { ...facts, choiceIndex: index, finishReason: choice.finishReason ?? null };
		if (checked.jsonError) {
			meta.jsonError = checked.jsonError;
			meta.text = choice.text ?? null;
			if (checked.violations) meta.violations = checked.violations as unknown as IDataObject[];
		}
		record[RECORD_META_KEY] = meta;
		return { json: record, pairedItem: { item: itemIndex } };
	});
}
