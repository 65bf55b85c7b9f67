const path = require('path');
const { task, src, dest } = require('gulp');

// Icons and codex files are not TypeScript, so tsc leaves them behind; n8n resolves
// `file:` icons and `*.node.json` codex files next to the compiled node and credential.
function copyAssets() {
	const assets = [
		path.resolve('nodes', '**', '*.{png,svg}'),
		path.resolve('nodes', '**', '*.node.json'),
		path.resolve('credentials', '**', '*.{png,svg}'),
	];
	return src(assets, { base: '.', encoding: false }).pipe(dest(path.resolve('dist')));
}

task('build:icons', copyAssets);
