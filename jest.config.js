/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
		// n8n-core pulls a few ESM-only packages; let ts-jest turn them into CommonJS.
		'^.+\\.m?js$': ['ts-jest', { tsconfig: { allowJs: true } }],
	},
	transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
	setupFiles: ['<rootDir>/test/setup/env.ts'],
	testTimeout: 60_000,
};
