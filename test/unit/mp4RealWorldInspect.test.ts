/**
 * Inspector fixes found on the real-world corpus (issue 18), each on the file that showed it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4/inspector';

const inspect = (name: string) => inspectMp4(readFileSync(join(__dirname, '..', 'fixtures', 'real-world', name)));

describe('a fragmented movie lasts as long as its fragments, not its mehd', () => {
	test('mehd copied from the unfragmented source (5.589 s) where the fragments hold 2.0 s', () => {
		const inspection = inspect('ff-gizmo-frag.mp4');
		expect(inspection.fragmented).toBe(true);
		expect(inspection.durationSeconds).toBeCloseTo(2.005, 3);
	});

	test('an audio track whose fragments were all removed: the video fragments are what plays (9.843 s, mehd 10.032 s)', () => {
		expect(inspect('ff-test_case_1519617-track2-trafs-removed.mp4').durationSeconds).toBeCloseTo(9.843, 3);
	});
});
