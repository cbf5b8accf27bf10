import { ConcurrencyWindow, INITIAL_WINDOW } from '../../../nodes/VisionChat/stream/schedule/concurrencyWindow';

function succeed(window: ConcurrencyWindow, times: number): void {
	for (let i = 0; i < times; i++) window.succeeded();
}

describe('ConcurrencyWindow (AIMD)', () => {
	it('starts at the initial window and gains one slot per accepted request until the first 429', () => {
		const window = new ConcurrencyWindow();
		expect(window.limit).toBe(INITIAL_WINDOW);
		for (let i = 0; i < 5; i++) window.accepted();
		expect(window.limit).toBe(INITIAL_WINDOW + 5);
	});

	it('never goes above the user cap', () => {
		const window = new ConcurrencyWindow();
		window.setCap(3);
		expect(window.limit).toBe(3);
		window.accepted();
		expect(window.limit).toBe(3);
		window.setCap(0); // no cap: back to the initial window while still growing
		window.accepted();
		expect(window.limit).toBe(INITIAL_WINDOW + 1);
	});

	it('halves on a 429 when the server was serving nothing else, down to 1', () => {
		const window = new ConcurrencyWindow();
		expect(window.refused(0, 20, 0)).toBe(true);
		expect(window.limit).toBe(4); // min(limit 8, 20 in flight) halved
		expect(window.refused(1, 4, 0)).toBe(true);
		expect(window.limit).toBe(2);
		window.refused(2, 2, 0);
		window.refused(3, 1, 0);
		expect(window.limit).toBe(1);
	});

	it('lowers to what the server was serving when that is more than half', () => {
		const window = new ConcurrencyWindow();
		for (let i = 0; i < 8; i++) window.accepted();
		window.refused(0, 16, 8);
		expect(window.limit).toBe(8);
	});

	it('decreases once per congestion event: 429s of requests sent before the decrease are ignored', () => {
		const window = new ConcurrencyWindow();
		window.refused(0, 8, 0);
		expect(window.limit).toBe(4);
		expect(window.refused(0, 7, 0)).toBe(false);
		expect(window.limit).toBe(4);
	});

	it('adds one slot back per run of successes (a run is as wide as the window)', () => {
		const window = new ConcurrencyWindow();
		window.refused(0, 16, 0); // 8 → 4, the refused level was 8
		expect(window.limit).toBe(4);
		succeed(window, 3);
		expect(window.limit).toBe(4);
		succeed(window, 1);
		expect(window.limit).toBe(5);
		succeed(window, 5);
		expect(window.limit).toBe(6);
	});

	it('probes the level the server refused only after longer runs, longer after each refused probe', () => {
		const window = new ConcurrencyWindow();
		for (let i = 0; i < 8; i++) window.accepted();
		window.refused(0, 16, 8); // serving 8: the window is 8, 9 was refused
		succeed(window, 8 * 4 - 1);
		expect(window.limit).toBe(8);
		succeed(window, 1);
		expect(window.limit).toBe(9); // the probe
		window.refused(window.epoch, 9, 8);
		expect(window.limit).toBe(8);
		succeed(window, 8 * 4);
		expect(window.limit).toBe(8); // patience doubled
		succeed(window, 8 * 4);
		expect(window.limit).toBe(9);
	});
});
