/**
 * Chooses where a video is cut, among the instants it can be cut at (keyframes), so that every
 * part is within the maximum duration and size: a plan is found whenever one exists, with the
 * fewest parts (each is a status of the day's allowance), and among those the most even ones.
 *
 * Pure: times and sizes in, chosen cuts or the reason there is no plan out (planParts.ts turns
 * reasons into errors). Dynamic programming over the cut points: the best plan ending at each
 * point from the best plans ending at the points within one part's reach of it.
 */

export interface CutLimits {
	/** Longest part, in ticks. */
	maxTicks: number;
	/** Largest part, in bytes (as partBytes estimates it). */
	maxBytes: number;
	maxParts: number;
}

export interface CutProblem {
	/** Where the first part starts, then the instants the video can be cut at (increasing), in ticks. */
	points: number[];
	/** Where the video ends: the last part ends here (or later, see lastPartEnd). */
	end: number;
	/** Bytes of a part from points[from] to points[to] (to === points.length: to the end). */
	partBytes(from: number, to: number): number;
	/** Where a last part starting at points[from] ends, at least `end` (it may take sound past the video); the default is `end`. */
	lastPartEnd?(from: number): number;
}

export type CutPlan =
	| { ok: true; /** Indices into points where parts start, the first being 0. */ starts: number[] }
	| { ok: false; reason: 'gap'; from: number; to: number }
	| { ok: false; reason: 'bytes'; from: number; to: number; bytes: number }
	| { ok: false; reason: 'parts'; parts: number };

interface Best {
	parts: number;
	/** Where the plan's last part ends (only the last part may end past the video, taking its sound). */
	covered: number;
	/** Sum of squared part lengths: for a fixed total, smallest when the parts are most even. */
	squares: number;
	previous: number;
}

/** Fewer parts; then more of the sound past the video; then more even parts. */
const better = (a: Best, b: Best | undefined) =>
	!b || a.parts < b.parts || (a.parts === b.parts && (a.covered > b.covered || (a.covered === b.covered && a.squares < b.squares)));

/**
 * The plan with the fewest parts, then the one whose last part takes the most of any sound past
 * the video, then the most even one. Every part runs from one point to a
 * later one (or to the end) and fits the limits. When none exists, the reason: the first stretch
 * between neighbouring points (a part can never be shorter) that is too long or too large, or
 * the number of parts the shortest plan needs.
 */
export function chooseCuts(problem: CutProblem, limits: CutLimits): CutPlan {
	const { points, end } = problem;
	const count = points.length;
	const lastEnd = (from: number) => Math.max(end, problem.lastPartEnd?.(from) ?? end);
	const time = (index: number) => (index === count ? end : points[index]);
	// Neighbouring points first: if each stretch fits, cutting at every point is a plan.
	for (let index = 0; index < count; index++) {
		if (time(index + 1) - points[index] > limits.maxTicks) return { ok: false, reason: 'gap', from: index, to: index + 1 };
		const bytes = problem.partBytes(index, index + 1);
		if (bytes > limits.maxBytes) return { ok: false, reason: 'bytes', from: index, to: index + 1, bytes };
	}

	// The fewest parts, each as long as it can be (greedy is exact for that count): beyond the
	// limit there is nothing to search, however many points there are.
	const fewest = fewestParts(problem, limits);
	if (fewest > limits.maxParts) return { ok: false, reason: 'parts', parts: fewest };

	const best: Array<Best | undefined> = new Array(count + 1);
	best[0] = { parts: 0, covered: 0, squares: 0, previous: -1 };
	// Points within reach of `to` are a sliding window: its start only moves forward.
	let reach = 0;
	for (let to = 1; to <= count; to++) {
		while (time(to) - points[reach] > limits.maxTicks) reach++;
		let chosen: Best | undefined;
		for (let from = to - 1; from >= reach; from--) {
			const before = best[from];
			if (!before) continue;
			// Sizes grow with the part: once one is too large, parts starting earlier are too.
			if (to - from > 1 && problem.partBytes(from, to) > limits.maxBytes) break;
			const partEnd = to === count ? lastEnd(from) : time(to);
			const length = partEnd - points[from];
			const candidate = { parts: before.parts + 1, covered: partEnd, squares: before.squares + length * length, previous: from };
			if (better(candidate, chosen)) chosen = candidate;
		}
		best[to] = chosen;
	}
	const last = best[count];
	// Unreachable only through the checks above, which return first; kept as a guard.
	if (!last) return { ok: false, reason: 'gap', from: 0, to: count };
	if (last.parts > limits.maxParts) return { ok: false, reason: 'parts', parts: last.parts };
	const starts: number[] = [];
	for (let at = last.previous; at >= 0; at = best[at]!.previous) starts.unshift(at);
	return { ok: true, starts };
}

/** How many parts the shortest plan has (its neighbouring points checked to fit). */
function fewestParts(problem: CutProblem, limits: CutLimits): number {
	const { points, end } = problem;
	const count = points.length;
	const time = (index: number) => (index === count ? end : points[index]);
	let parts = 0;
	for (let from = 0; from < count; parts++) {
		let to = from + 1;
		while (to < count && time(to + 1) - points[from] <= limits.maxTicks && problem.partBytes(from, to + 1) <= limits.maxBytes) to++;
		from = to;
	}
	return parts;
}

/**
 * The indices of the points to keep so that no two kept ones are closer than maxTicks / perPart
 * (the first of each cluster stays): the search then stays small for videos made of keyframes only.
 */
export function thinPoints(points: number[], maxTicks: number, perPart = 200): number[] {
	const spacing = maxTicks / perPart;
	const kept: number[] = [];
	points.forEach((point, index) => {
		if (kept.length === 0 || point - points[kept[kept.length - 1]] >= spacing) kept.push(index);
	});
	return kept;
}
