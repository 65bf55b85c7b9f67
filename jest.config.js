/**
 * Three projects:
 * - "unit": suites that need no n8n engine (media, transport, sandbox, MP4 inspector); run once;
 * - "[n8n 2.x]": every other suite, on the current engine (n8n-core, n8n-workflow, n8n-nodes-base as pinned);
 * - "[n8n 1.x]": the same suites on the last 1.x engine (n8n 1.123.81's n8n-core, n8n-workflow,
 *   n8n-nodes-base), installed into compat/n8n-1.x by the project's globalSetup when missing.
 * A failure's project badge says which line broke; `jest --selectProjects "[n8n 1.x]"` runs one line.
 */
const shared = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	transform: {
		'^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
		// n8n-core pulls a few ESM-only packages; let ts-jest turn them into CommonJS.
		'^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true } }],
	},
	transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
	setupFiles: ['<rootDir>/test/setup/env.ts'],
	testTimeout: 60_000,
};

/**
 * The suites that need no engine. Everything else runs workflows through n8n's engine
 * (test/harness) and runs once per engine line: a new suite is covered on both lines by default.
 */
const ENGINE_FREE = ['/test/unit/.+\\.test\\.ts$', '/test/mp4Inspector[^/]*\\.test\\.ts$', '/test/sandbox\\.test\\.ts$'];

const engineProject = {
	...shared,
	testMatch: ['<rootDir>/test/**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', ...ENGINE_FREE],
	// Stops what the engine leaves running (n8n 1.x keeps a timer alive) once a suite is done.
	setupFilesAfterEnv: ['<rootDir>/test/setup/engine.ts'],
};

/**
 * The [n8n 1.x] project loads n8n from compat/n8n-1.x, a tree of its own holding the last 1.x
 * engine (see compat/n8n-1.x/install.cjs for why it is not in the root devDependencies). Our code
 * (nodes/, credentials/, test/) and n8n's own packages alike get these from that tree, deep imports
 * (n8n-nodes-base/dist/...) included, so each is one module instance: the engine, the workflow
 * library (errors are told apart with instanceof, across packages), the DI container (one per
 * process) and n8n's own nodes. Everything else n8n 1.x needs resolves inside that tree.
 */
const N8N_1X = '<rootDir>/compat/n8n-1.x/node_modules';
const v1ModuleNameMapper = Object.fromEntries(
	['n8n-core', 'n8n-workflow', 'n8n-nodes-base', '@n8n/di'].flatMap((name) => [
		[`^${name}$`, `${N8N_1X}/${name}`],
		[`^${name}/(.*)$`, `${N8N_1X}/${name}/$1`],
	]),
);

/** @type {import('jest').Config} */
module.exports = {
	testTimeout: shared.testTimeout,
	projects: [
		{ ...shared, displayName: 'unit', testRegex: ENGINE_FREE },
		{ ...engineProject, displayName: { name: '[n8n 2.x]', color: 'cyan' } },
		{
			...engineProject,
			displayName: { name: '[n8n 1.x]', color: 'yellow' },
			moduleNameMapper: v1ModuleNameMapper,
			globalSetup: '<rootDir>/compat/n8n-1.x/install.cjs',
		},
	],
};
