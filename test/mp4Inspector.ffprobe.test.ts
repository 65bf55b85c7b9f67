/**
 * Every committed video against what ffprobe (Debian 12's ffmpeg 5.1) reported for it, recorded
 * beside the file by test/fixtures/media/make.sh: <file>.ffprobe.json (streams and format) and
 * <file>.atoms.txt (the top-level boxes in the order ffprobe's trace log met them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

import { PROBED_VIDEOS } from './fixtures';
import { expectInspectionMatchesFfprobe } from './fixtures/ffprobeFacts';

import { inspectMp4 } from '../nodes/ZApi/media/mp4/inspector';

describe('every committed video matches ffprobe', () => {
	test.each(PROBED_VIDEOS.map((path) => [basename(path), path]))('%s: duration within one frame, codecs, displayed and coded size, rotation, fast start', (_name, path) => {
		expectInspectionMatchesFfprobe(inspectMp4(readFileSync(path)), path);
	});
});
