import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// n8n-core reads its settings from N8N_USER_FOLDER on first import; without this it
// would create ~/.n8n on the developer's machine.
if (!process.env.N8N_USER_FOLDER?.includes('zapi-status-test-')) {
	process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'zapi-status-test-'));
}
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
process.env.N8N_LOG_LEVEL ??= 'silent';
process.env.N8N_ENCRYPTION_KEY ??= 'zapi-status-tests-only-key';
// n8n 2.x lets the Read/Write Files node read only below this folder.
process.env.N8N_RESTRICT_FILE_ACCESS_TO ??= join(__dirname, '..', 'fixtures');
