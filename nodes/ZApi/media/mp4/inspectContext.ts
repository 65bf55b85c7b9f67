/**
 * What the inspector's readers share while reading one file: the box walker (its budgets) and the
 * notes on what could not be read. Walker problems become notes here, so the inspector never throws.
 */
import type { ByteSource } from '../bytes';
import type { BoxBudget } from './boxWalker';
import { BoxWalker } from './boxWalker';

const MAX_ISSUES = 20;

export class InspectContext {
	readonly walker: BoxWalker;
	/** false once something structural could not be read, so facts may be missing. */
	complete = true;
	/** The file ends before what its boxes describe. */
	cutShort = false;
	readonly issues: string[] = [];

	constructor(source: ByteSource, budget: BoxBudget) {
		this.walker = new BoxWalker(source, budget, (problem) => {
			// A top-level mdat that claims more than the file holds is judged by its samples (inspector.ts).
			if (problem.topLevel && problem.type === 'mdat') return;
			if (problem.fileCutShort) this.cutShort = true;
			if (!problem.repeat) this.note(problem.message);
		});
	}

	/** Records an issue; structural ones (the default) mean some facts may be missing. */
	note(issue: string, structural = true): void {
		if (structural) this.complete = false;
		if (this.issues.includes(issue)) return;
		if (this.issues.length < MAX_ISSUES) this.issues.push(issue);
		else if (this.issues.length === MAX_ISSUES) this.issues.push('further issues omitted');
	}
}
