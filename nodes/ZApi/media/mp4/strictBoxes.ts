/**
 * The split readers' side of the box walker: what the walker could not trust, as the MediaError
 * that refuses the video. One wording for the index (moov) and the fragments (moof) alike; the
 * splitter, the fragment reader and the fast-start writer all refuse through here.
 */
import { MediaError } from '../../InputError';
import { byteSourceOf, readUint32 } from '../bytes';
import type { Box, BoxBudget, BoxProblem } from './boxWalker';
import { BoxWalker } from './boxWalker';

/** What the split readers read of a copied moov at most (its bytes are in memory already). */
export const MOOV_BUDGET: Readonly<BoxBudget> = { maxBoxes: 10_000, maxDepth: 12, maxBytes: Infinity };

/** The video's index (moov) cannot be trusted: `what` says why. */
export const damagedIndex = (what: string) =>
	new MediaError(
		`The video's index (moov) is damaged: ${what}, so it cannot be split`,
		'Re-save the video with a video editor or converter, or send a video within the limits.',
	);

/** The video's fragments (moof) cannot be trusted: `what` says why. */
export const damagedFragments = (what: string) =>
	new MediaError(
		`The video's fragments (moof) are damaged: ${what}, so it cannot be split`,
		'Convert it to a regular MP4 first (for example with a video editor, or ffmpeg -i input.mp4 -c copy output.mp4), or send a video within the limits.',
	);

/** Why a box the walker reported cannot be trusted; undefined for what is harmless (stray trailing bytes). */
export function problemReason(problem: BoxProblem, budget: Readonly<BoxBudget>): string | undefined {
	switch (problem.kind) {
		case 'strayBytes':
			return undefined;
		case 'tooDeep':
			return 'boxes are nested too deeply';
		case 'tooManyBoxes':
			return `it has more than ${budget.maxBoxes.toLocaleString('en-US')} boxes`;
		case 'tooManyBytes':
			return `it is larger than ${budget.maxBytes.toLocaleString('en-US')} bytes`;
		case 'headerTruncated':
			return 'a box header is cut off';
		case 'endedEarly':
			return problem.message;
		case 'tooShort':
			return `the ${problem.type} box is too short`;
		case 'unsupportedVersion':
			return `the ${problem.type} box has an unknown version`;
		default:
			return problem.type === undefined ? 'a box header is unreadable' : `the ${problem.type} box has an invalid size`;
	}
}

/** Content of a full box of a moov after version and flags, checked to hold at least `length` bytes. */
export function fullBoxOf(moov: Uint8Array, box: Box, length: number): { version: number; at: number } {
	if (box.end - box.contentStart < 4 + length) throw damagedIndex(`the ${box.type} box is too short`);
	return { version: moov[box.contentStart], at: box.contentStart + 4 };
}

/** A moov table's entry count (at `countAt`), checked against the bytes its entries need. */
export function entryCountOf(moov: Uint8Array, box: Box, countAt: number, entryBytes: number): number {
	const count = readUint32(moov, countAt);
	if (count * entryBytes > box.end - countAt - 4) throw damagedIndex(`the ${box.type} table lists more entries than it holds`);
	return count;
}

/**
 * A box walker over bytes the splitter holds (a copied moov or moof) that keeps what it could not
 * trust; `refuse()` then throws the first of it as the MediaError `damaged` makes.
 */
export class StrictWalker extends BoxWalker {
	private readonly problems: BoxProblem[];

	constructor(bytes: Uint8Array, budget: Readonly<BoxBudget>) {
		const problems: BoxProblem[] = [];
		super(byteSourceOf(bytes), budget, (problem) => problems.push(problem));
		this.problems = problems;
	}

	/** Throws the first problem worth refusing the video for; `budget` is the one to name when several walkers share it. */
	refuse(damaged: (what: string) => MediaError, budget = this.budget): void {
		for (const problem of this.problems) {
			const reason = problemReason(problem, budget);
			if (reason !== undefined) throw damaged(reason);
		}
	}
}
