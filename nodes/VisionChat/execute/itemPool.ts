/** A small worker pool: at most `limit` items in flight, started in input order. `run` never throws. */
export async function runAll(count: number, limit: number, run: (index: number) => Promise<void>, stopped: () => boolean): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count && !stopped()) await run(next++);
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
