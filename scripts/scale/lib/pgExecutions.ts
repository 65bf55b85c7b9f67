/**
 * Executions as n8n stored them in Postgres (execution_entity + execution_data), in the same shape
 * as scripts/e2e/lib/executions.ts reads them from SQLite, so its helpers (nodeError,
 * firstOutputItem, storedText, ...) apply. The run data is parsed with the cached n8n's own
 * `flatted` module (plain JavaScript, loads on any Node).
 */
import { dirname, join } from 'node:path';

import type { StoredExecution } from '../../e2e/lib/executions';
import type { N8nInstall } from '../../e2e/lib/setup';
import type { Postgres } from './services';

type Flatted = { parse(text: string): unknown };

function loadFlatted(install: N8nInstall): Flatted {
	// <cache>/n8n-<version>/node_modules/n8n/bin/n8n -> <cache>/n8n-<version>/node_modules/n8n
	const n8nDir = dirname(dirname(install.n8nBin));
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(require.resolve('flatted', { paths: [n8nDir, join(n8nDir, '..')] })) as Flatted;
}

export interface PgExecution extends StoredExecution {
	startedAt: string | null;
	stoppedAt: string | null;
	createdAt: string;
}

export async function readPgExecutions(postgres: Postgres, install: N8nInstall, minimumId = 0): Promise<PgExecution[]> {
	const flatted = loadFlatted(install);
	const output = await postgres.query(`
		SELECT json_build_object(
			'id', e.id::text, 'workflowId', e."workflowId", 'mode', e.mode, 'status', e.status, 'finished', e.finished,
			'storedAt', e."storedAt", 'startedAt', e."startedAt", 'stoppedAt', e."stoppedAt", 'createdAt', e."createdAt",
			'dataText', d.data::text, 'workflowDataText', d."workflowData"::text)::text
		FROM execution_entity e LEFT JOIN execution_data d ON d."executionId" = e.id
		WHERE e.id >= ${Math.floor(minimumId)} ORDER BY e.id`);
	return output
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => {
			const row = JSON.parse(line) as PgExecution;
			let data: StoredExecution['data'] = null;
			try {
				data = row.dataText ? (flatted.parse(row.dataText) as StoredExecution['data']) : null;
			} catch (error) {
				data = { unparsable: String(error) } as unknown as StoredExecution['data'];
			}
			return { ...row, data };
		});
}

export async function lastPgExecutionId(postgres: Postgres): Promise<number> {
	const text = (await postgres.query('SELECT coalesce(max(id), 0) FROM execution_entity')).trim();
	return Number(text);
}

/** The caption the webhook received, as the Webhook node stored it: ties an execution to its request. */
export function webhookCaption(execution: StoredExecution): string | undefined {
	const runs = execution.data?.resultData?.runData?.Webhook;
	const body = runs?.[0]?.data?.main?.[0]?.[0]?.json?.body as Record<string, unknown> | undefined;
	return typeof body?.caption === 'string' ? body.caption : undefined;
}
