import { ChatStreamAccumulator } from '../../../nodes/VisionChat/stream/answer/accumulate';

describe('ChatStreamAccumulator', () => {
	it('joins the deltas of each choice separately when n > 1', () => {
		const acc = new ChatStreamAccumulator();
		acc.push({ choices: [{ index: 0, delta: { role: 'assistant', content: 'A1' } }, { index: 1, delta: { content: 'B1' } }] });
		acc.push({ choices: [{ index: 1, delta: { content: ' B2' } }] });
		acc.push({ choices: [{ index: 0, delta: { content: ' A2' }, finish_reason: 'stop' }] });
		expect(acc.allChoicesFinished(2)).toBe(false);
		acc.push({ choices: [{ index: 1, delta: {}, finish_reason: 'length' }] });
		expect(acc.allChoicesFinished(2)).toBe(true);
		expect(acc.choiceResults()).toEqual([
			{ index: 0, text: 'A1 A2', finishReason: 'stop' },
			{ index: 1, text: 'B1 B2', finishReason: 'length' },
		]);
		expect(acc.partialText()).toBe('A1 A2');
	});

	it('assembles tool calls whose id and name arrive once and arguments in pieces', () => {
		const acc = new ChatStreamAccumulator();
		acc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] } }] });
		acc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }] });
		acc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }] } }] });
		acc.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] } }] });
		acc.push({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
		expect(acc.choiceResults()[0]).toEqual({
			index: 0,
			text: '',
			finishReason: 'tool_calls',
			toolCalls: [
				{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
				{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
			],
		});
	});

	it('keeps reasoning_content and reasoning deltas apart from the answer', () => {
		const acc = new ChatStreamAccumulator();
		expect(acc.push({ choices: [{ index: 0, delta: { reasoning_content: 'Look at ' } }] })).toBe(true);
		acc.push({ choices: [{ index: 0, delta: { reasoning: 'the cat.' } }] });
		acc.push({ choices: [{ index: 0, delta: { content: 'A cat.' }, finish_reason: 'stop' }] });
		expect(acc.choiceResults()[0]).toEqual({ index: 0, text: 'A cat.', finishReason: 'stop', reasoning: 'Look at the cat.' });
	});

	it('keeps a final usage chunk with empty choices, and the stream metadata', () => {
		const acc = new ChatStreamAccumulator();
		acc.push({ id: 'c1', model: 'm', created: 5, system_fingerprint: 'fp', choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }] });
		expect(acc.push({ id: 'c1', choices: [], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } })).toBe(false);
		expect(acc.usage).toEqual({ prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 });
		expect([acc.id, acc.model, acc.created, acc.systemFingerprint, acc.chunkCount]).toEqual(['c1', 'm', 5, 'fp', 2]);
	});

	it('takes a whole non-streamed chat.completion', () => {
		const acc = new ChatStreamAccumulator();
		acc.acceptCompletion({
			id: 'x',
			object: 'chat.completion',
			choices: [{ index: 0, message: { role: 'assistant', content: 'Whole answer' }, finish_reason: 'stop' }],
			usage: { total_tokens: 3 },
		});
		expect(acc.choiceResults()).toEqual([{ index: 0, text: 'Whole answer', finishReason: 'stop' }]);
		expect(acc.allChoicesFinished()).toBe(true);
	});
});
