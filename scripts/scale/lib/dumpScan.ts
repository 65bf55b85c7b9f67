/**
 * Scans a dump in plain pg_dump's data layout (`COPY <table> (...) FROM stdin;`, rows, `\.`; see
 * the Postgres dump in ./services.ts) for strings that must not be stored: it reads the dump line by
 * line, knows which table each COPY data line belongs to, and counts, per table, the rows that
 * hold each needle. Schema statements count as "(schema)".
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Needle {
	name: string;
	/** Any of these texts counts as a hit (for example a token and its URL-encoded form). */
	texts: string[];
}

export interface DumpScan {
	bytes: number;
	/** Rows per table (COPY data lines). */
	rows: Map<string, number>;
	/** needle name -> table -> rows holding it. */
	hits: Map<string, Map<string, number>>;
}

export async function scanDump(file: string, needles: Needle[]): Promise<DumpScan> {
	const scan: DumpScan = { bytes: 0, rows: new Map(), hits: new Map(needles.map((needle) => [needle.name, new Map()])) };
	const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
	let table: string | undefined;
	for await (const line of lines) {
		scan.bytes += Buffer.byteLength(line) + 1;
		if (table === undefined) {
			const copy = /^COPY ([^ ]+) \(/.exec(line);
			if (copy) {
				table = copy[1].replace(/^public\./, '').replace(/"/g, '');
				scan.rows.set(table, scan.rows.get(table) ?? 0);
				continue;
			}
		} else if (line === '\\.') {
			table = undefined;
			continue;
		}
		const where = table ?? '(schema)';
		if (table !== undefined) scan.rows.set(table, (scan.rows.get(table) ?? 0) + 1);
		for (const needle of needles) {
			if (needle.texts.some((text) => line.includes(text))) {
				const perTable = scan.hits.get(needle.name)!;
				perTable.set(where, (perTable.get(where) ?? 0) + 1);
			}
		}
	}
	return scan;
}

export function describeHits(perTable: Map<string, number> | undefined): string {
	if (!perTable || perTable.size === 0) return 'nowhere';
	return [...perTable.entries()].map(([table, rows]) => `${table} (${rows} row${rows === 1 ? '' : 's'})`).join(', ');
}
