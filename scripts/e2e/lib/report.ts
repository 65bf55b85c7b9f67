/**
 * Numbered, plain-text results for the end-to-end run: every check is declared up front so each
 * line can say "PASS 3/17"; a check that throws is a FAIL with the reason, and the run goes on.
 */
export interface CheckDefinition {
	title: string;
	/** Returns the detail printed after the title (ids, byte counts, hashes); throws to fail. */
	run: () => Promise<string>;
}

export interface Phase {
	name: string;
	/** Printed before each check title (e.g. the n8n version the phase runs in). */
	tag?: string;
	/** Runs before the phase's checks; when it throws, every check of the phase fails with its reason. */
	setup?: () => Promise<void>;
	checks: CheckDefinition[];
}

export interface CheckResult {
	number: number;
	title: string;
	passed: boolean;
	detail: string;
	seconds: number;
}

const started = Date.now();

function clock(): string {
	return `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
}

export function info(message: string): void {
	process.stdout.write(`[e2e ${clock()}] ${message}\n`);
}

export function errorMessage(error: unknown): string {
	if (error instanceof Error) return error.message;
	return typeof error === 'string' ? error : JSON.stringify(error);
}

export class Report {
	readonly results: CheckResult[] = [];

	private count = 0;

	constructor(readonly total: number) {}

	async runPhase(phase: Phase): Promise<void> {
		info(`---- ${phase.name}`);
		let setupError: string | undefined;
		if (phase.setup) {
			try {
				await phase.setup();
			} catch (error) {
				setupError = errorMessage(error);
				info(`setup of "${phase.name}" failed: ${setupError}`);
			}
		}
		for (const check of phase.checks) {
			const titled = phase.tag ? { ...check, title: `[${phase.tag}] ${check.title}` } : check;
			if (setupError !== undefined) this.record(titled.title, false, `not run: ${setupError}`, 0);
			else await this.run(titled);
		}
	}

	get failed(): CheckResult[] {
		return this.results.filter((result) => !result.passed);
	}

	private async run(check: CheckDefinition): Promise<void> {
		const start = Date.now();
		try {
			const detail = await check.run();
			this.record(check.title, true, detail, (Date.now() - start) / 1000);
		} catch (error) {
			this.record(check.title, false, errorMessage(error), (Date.now() - start) / 1000);
		}
	}

	private record(title: string, passed: boolean, detail: string, seconds: number): void {
		this.count++;
		this.results.push({ number: this.count, title, passed, detail, seconds });
		const lines = detail.split('\n');
		const head = `${passed ? 'PASS' : 'FAIL'} ${this.count}/${this.total} ${title}: ${lines[0]} (${seconds.toFixed(1)} s)`;
		process.stdout.write(`[e2e ${clock()}] ${head}\n`);
		for (const line of lines.slice(1)) process.stdout.write(`            ${line}\n`);
	}
}
