import { globalIgnores } from 'eslint/config';
import { config } from '@n8n/node-cli/eslint';

// `n8n-node lint` runs `eslint .` from the project root with n8n's rules for community nodes.
// They apply to what ships (nodes/, credentials/, package.json). Tests, benchmarks and tooling
// run on Node and use its APIs (process, fs, timers) on purpose, so they are left out here.
// n8n's scanner lints the shipped code with its own copy of the rules (`npm run scan`).
export default [
	globalIgnores([
		'dist/',
		'coverage/',
		'test/',
		'scripts/',
		'bench/',
		'compat/',
		'examples/',
		'docs/',
		'jest.config.js',
		'gulpfile.js',
		'index.js',
		'eslint.config.mjs',
	]),
	...config,
];
