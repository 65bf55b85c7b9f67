#!/usr/bin/env node
/*
 * Reads the executions n8n stored in a user folder's database.sqlite, with the sqlite3 and flatted
 * modules of the cached n8n install (sqlite3 is built for n8n's Node 24: run this file with it).
 *
 *   node read-executions.cjs <n8n node_modules dir> <database.sqlite> <output.json> [minimum execution id | --last-id]
 *
 * Writes a JSON array, oldest first: { id, workflowId, mode, status, finished, storedAt (null in n8n 1.x),
 * dataText (the stored text, as n8n wrote it), workflowDataText, data (dataText parsed with flatted) };
 * with --last-id only the highest execution id (0 when there is none).
 */
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const [modulesDir, databasePath, outputPath, minimumId = '0'] = process.argv.slice(2);
if (!modulesDir || !databasePath || !outputPath) {
	process.stderr.write('usage: read-executions.cjs <n8n node_modules dir> <database.sqlite> <output.json> [minimum id]\n');
	process.exit(2);
}
const fromN8n = (name) => require(require.resolve(name, { paths: [join(modulesDir, 'n8n')] }));
const sqlite3 = fromN8n('sqlite3');
const flatted = fromN8n('flatted');

const database = new sqlite3.Database(databasePath, sqlite3.OPEN_READONLY, (openError) => {
	if (openError) fail(openError);
});
if (minimumId === '--last-id') {
	database.get('SELECT COALESCE(MAX(id), 0) AS lastId FROM execution_entity', (queryError, row) => {
		if (queryError) return fail(queryError);
		writeFileSync(outputPath, JSON.stringify(row.lastId));
		database.close();
	});
} else {
	readAll();
}

function readAll() {
// n8n 1.x has no execution_entity.storedAt column (n8n 2.x added it): select it only where it exists.
database.all('PRAGMA table_info(execution_entity)', (pragmaError, columns) => {
	if (pragmaError) return fail(pragmaError);
	const storedAt = columns.some((column) => column.name === 'storedAt') ? 'e.storedAt' : 'NULL AS storedAt';
	selectExecutions(storedAt);
});
}

function selectExecutions(storedAt) {
database.all(
	`SELECT e.id, e.workflowId, e.mode, e.status, e.finished, ${storedAt}, d.data AS dataText, d.workflowData AS workflowDataText
	 FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id
	 WHERE e.id >= ? ORDER BY e.id`,
	[Number(minimumId)],
	(queryError, rows) => {
		if (queryError) return fail(queryError);
		const executions = rows.map((row) => {
			let data = null;
			try {
				data = row.dataText ? flatted.parse(row.dataText) : null;
			} catch (parseError) {
				data = { unparsable: String(parseError) };
			}
			return { ...row, id: String(row.id), finished: Boolean(row.finished), data };
		});
		writeFileSync(outputPath, JSON.stringify(executions));
		database.close();
	},
);
}

function fail(error) {
	process.stderr.write(`read-executions: ${error && error.message ? error.message : String(error)}\n`);
	process.exit(1);
}
