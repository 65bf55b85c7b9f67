/**
 * `npm run test:media`: decodes the splitter's parts with ffmpeg/ffprobe (apt-get install ffmpeg).
 * Kept out of `npm test`, which must pass on machines without ffmpeg; .ci/run installs it and runs this.
 */
/** @type {import('jest').Config} */
module.exports = {
	displayName: 'media (ffmpeg)',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/media'],
	testMatch: ['<rootDir>/test/media/**/*.media.ts'],
	transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 300_000,
};
