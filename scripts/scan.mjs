/**
 * npm run scan: n8n's own verification scanner (@n8n/scan-community-package, pinned in
 * devDependencies) on this package, the two ways n8n lints a published version once its npm
 * provenance has been checked:
 *   1. the sources: the scanner's SOURCE_FILE_PATTERNS (package.json, nodes/ and credentials/);
 *   2. the tarball `npm pack` makes (the file `npm publish` uploads), unpacked: every .js file and
 *      package.json.
 * Both legs use the scanner's own `analyzePackage` and rule set, not this project's ESLint config.
 * The provenance check itself needs a version published from CI (docs/release.md).
 *
 * Flags: --skip-build (pack the dist/ there is; CI has just built it), --keep (keep the unpacked tarball).
 * Exit code 0 only when both legs pass; 1 on any violation, on a leg with no file to lint, or on a failure.
 *
 * Written as an ES module because the scanner is one (ts-node here compiles to CommonJS).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/scan.mjs [--skip-build] [--keep]';
const args = new Set(process.argv.slice(2));
for (const flag of args) {
	if (!['--skip-build', '--keep'].includes(flag)) {
		process.stderr.write(`unknown flag ${flag}\n${USAGE}\n`);
		process.exit(2);
	}
}

const require = createRequire(import.meta.url);
const scannerPath = require.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
const scannerVersion = JSON.parse(readFileSync(join(dirname(scannerPath), '..', 'package.json'), 'utf8')).version;
// The scanner's own dependencies: the same file matching it uses, and its temp-folder module
// (importing the scanner makes a temp folder; graceful cleanup removes it when this process exits).
const fromScanner = createRequire(scannerPath);
const glob = fromScanner('fast-glob');
fromScanner('tmp').setGracefulCleanup();
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(scannerPath);

/** The tarball leg's patterns, as the scanner's analyzePackageByName passes them. */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

function log(message) {
	process.stdout.write(`[scan] ${message}\n`);
}

function run(command, commandArgs) {
	const result = spawnSync(command, commandArgs, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	if (result.status !== 0) {
		throw new Error(`${command} ${commandArgs.join(' ')} failed (exit ${result.status ?? result.signal}):\n${(result.stderr || result.stdout).trim()}`);
	}
	return result.stdout;
}

/** The files the scanner will lint in `dir`: the same glob and ignores as its analyzePackage. */
function filesToLint(dir, patterns) {
	return glob.sync(patterns, { cwd: dir, ignore: ['node_modules/**', '**/package-lock.json'] }).sort();
}

/** One leg: the scanner's analysis of `dir`; prints what it linted and every violation. */
async function scanLeg(label, dir, patterns) {
	const files = filesToLint(dir, patterns);
	const folders = [...new Set(files.map((file) => (file.includes('/') ? `${file.split('/')[0]}/` : file)))].join(', ');
	log(`${label}: ${files.length} files (${patterns.join(', ')}): ${folders || 'none'}`);
	if (files.length === 0) {
		// The scanner counts an empty leg as passed; here it means nothing was checked.
		log(`FAIL ${label}: no file to lint in ${dir}`);
		return false;
	}
	const result = await analyzePackage(dir, patterns);
	if (result.passed) {
		log(`PASS ${label}: no violation`);
		return true;
	}
	log(`FAIL ${label}: ${result.message}`);
	if (result.details) process.stdout.write(`${result.details.trimEnd()}\n`);
	return false;
}

/** `npm run build` (unless --skip-build), `npm pack` into a temp folder, and the tarball unpacked there. */
function packAndUnpack(workDir) {
	if (!args.has('--skip-build')) {
		log('npm run build');
		run('npm', ['run', 'build', '--silent']);
	}
	const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', workDir]));
	const tarball = join(workDir, packed.filename);
	const unpacked = join(workDir, 'package');
	mkdirSync(unpacked);
	// As the scanner unpacks a downloaded version.
	run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	log(`packed ${packed.filename}: ${statSync(tarball).size} bytes, ${packed.entryCount} files, unpacked in ${unpacked}`);
	return unpacked;
}

async function main() {
	const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
	log(`n8n's verification scanner @n8n/scan-community-package ${scannerVersion} on ${manifest.name}@${manifest.version}`);
	const sourcesPassed = await scanLeg('1/2 sources', REPO_ROOT, SOURCE_FILE_PATTERNS);

	const workDir = mkdtempSync(join(tmpdir(), 'zapi-scan-'));
	try {
		const unpacked = packAndUnpack(workDir);
		const tarballPassed = await scanLeg('2/2 npm pack tarball', unpacked, TARBALL_FILE_PATTERNS);
		const passed = sourcesPassed && tarballPassed;
		log(passed ? 'scan passed: sources and tarball clean' : 'scan FAILED: fix the violations above (rule names at the end of each line)');
		if (args.has('--keep')) log(`kept ${workDir}`);
		return passed ? 0 : 1;
	} finally {
		if (!args.has('--keep')) rmSync(workDir, { recursive: true, force: true });
	}
}

main().then(
	(code) => process.exit(code),
	(error) => {
		log(`ERROR: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	},
);
