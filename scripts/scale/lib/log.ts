/**
 * Plain-text log of the scale stage: numbered steps ("== 4. ..."), numbered checks
 * ("PASS 7/13 ..." / "FAIL 7/13 ... reason") and indented detail lines. A failed check does not
 * stop the run; the stage exits 1 at the end if any failed.
 */
const started = Date.now();

function clock(): string {
	return `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
}

export function info(message: string): void {
	for (const [index, line] of message.split('\n').entries()) {
		process.stdout.write(index === 0 ? `[scale ${clock()}] ${line}\n` : `                ${line}\n`);
	}
}

let stepCount = 0;

export function step(title: string): void {
	info(`== ${++stepCount}. ${title}`);
}

export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return typeof error === 'string' ? error : JSON.stringify(error);
}

export interface CheckResult {
	number: number;
	title: string;
	passed: boolean;
	detail: string;
}

export class Checks {
	readonly results: CheckResult[] = [];

	constructor(readonly total: number) {}

	/** Runs one check; its return value is the detail printed after the title. Never throws. */
	async check(title: string, run: () => string | Promise<string>): Promise<boolean> {
		let passed = true;
		let detail: string;
		try {
			detail = await run();
		} catch (error) {
			passed = false;
			detail = errorMessage(error);
		}
		this.record(title, passed, detail);
		return passed;
	}

	/** A check that could not run (its step failed earlier). */
	skip(title: string, reason: string): void {
		this.record(title, false, `not run: ${reason}`);
	}

	get failed(): CheckResult[] {
		return this.results.filter((result) => !result.passed);
	}

	private record(title: string, passed: boolean, detail: string): void {
		const number = this.results.length + 1;
		this.results.push({ number, title, passed, detail });
		const [first, ...rest] = detail.split('\n');
		info(`${passed ? 'PASS' : 'FAIL'} ${number}/${this.total} ${title}: ${first}${rest.length ? `\n${rest.join('\n')}` : ''}`);
	}
}
