export function median(values: number[]): number {
	const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (finite.length === 0) return NaN;
	const middle = finite.length >> 1;
	return finite.length % 2 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

export function min(values: number[]): number {
	return values.length ? Math.min(...values) : NaN;
}

export function max(values: number[]): number {
	return values.length ? Math.max(...values) : NaN;
}

/** Least-squares slope of y over x (bytes per item for held-memory probes). */
export function slope(points: Array<{ x: number; y: number }>): number {
	if (points.length < 2) return NaN;
	const n = points.length;
	const mx = points.reduce((sum, point) => sum + point.x, 0) / n;
	const my = points.reduce((sum, point) => sum + point.y, 0) / n;
	let numerator = 0;
	let denominator = 0;
	for (const point of points) {
		numerator += (point.x - mx) * (point.y - my);
		denominator += (point.x - mx) ** 2;
	}
	return denominator === 0 ? NaN : numerator / denominator;
}

export const MB = 1024 * 1024;

export function fmt(value: number, digits = 1): string {
	if (!Number.isFinite(value)) return 'n/a';
	return value.toFixed(digits);
}

/** Renders rows as a fixed-width text table (first row is the header). */
export function table(rows: string[][], rightAlignFrom = 2): string {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
	const line = (row: string[]) =>
		row
			.map((cell, column) => (column >= rightAlignFrom ? (cell ?? '').padStart(widths[column]) : (cell ?? '').padEnd(widths[column])))
			.join('  ')
			.trimEnd();
	return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
