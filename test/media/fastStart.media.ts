/**
 * Move Index to Front, checked by ffmpeg: each video is remuxed by ffmpeg with its moov at the end
 * (every stream kept, timecode included), moved to the front by the node, and then ffprobe must
 * read it without an error, every frame must decode silently, every packet of every stream must be
 * the same (`-c copy -f framemd5`), the decoded video frames must be the same, and the streams and
 * duration unchanged. Run with `npm run test:media` (needs ffmpeg and ffprobe).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { moveIndexToFront } from '../../nodes/ZApi/media/mp4/fastStart';
import { inspectMp4 } from '../../nodes/ZApi/media/mp4/inspector';
import { joinPieces } from '../../nodes/ZApi/media/mp4/partAssembler';
import { FIXTURES, OTHER_LAYOUT_FIXTURES, SPLIT_FIXTURES } from '../fixtures';
import { expectSameMovieMovedToFront } from '../fixtures/sameMovie';
import { run } from './judge';

const work = mkdtempSync(join(tmpdir(), 'zapi-faststart-media-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function framemd5(path: string, args: string[]): string[] {
	const { stdout, stderr } = run('ffmpeg', ['-v', 'error', '-i', path, ...args, '-f', 'framemd5', '-']);
	expect(stderr).toBe('');
	return stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

function streams(path: string): string {
	const { stdout, stderr } = run('ffprobe', ['-v', 'error', '-show_entries', 'stream=index,codec_type,codec_tag_string,duration:format=duration', '-of', 'csv=p=0', path]);
	expect(stderr).toBe('');
	return stdout;
}

/** The source remuxed by ffmpeg with every stream and its moov at the end (the mov/mp4 muxers' default). */
function moovAtEndCopy(name: string, source: string): string {
	const quicktime = source.endsWith('.mov');
	const path = join(work, `${name}-moov-at-end.${quicktime ? 'mov' : 'mp4'}`);
	const { stderr } = run('ffmpeg', ['-v', 'error', '-y', '-i', source, '-map', '0', '-c', 'copy', '-f', quicktime ? 'mov' : 'mp4', path]);
	expect(stderr).toBe('');
	expect(inspectMp4(readFileSync(path)).fastStart).toBe(false);
	return path;
}

const CASES: Array<[string, string]> = [
	['H.264 + AAC', SPLIT_FIXTURES.h264_61s],
	['HEVC + AAC', SPLIT_FIXTURES.hevc90s],
	['HEVC with open GOPs', SPLIT_FIXTURES.hevcOpenGop90s],
	['B-frames (ctts)', SPLIT_FIXTURES.bFrames70s],
	['edit list starting inside a GOP', SPLIT_FIXTURES.editList],
	['audio longer than video', SPLIT_FIXTURES.audioLonger],
	['QuickTime with a timecode track', SPLIT_FIXTURES.quicktimeTimecode],
	['rotated portrait H.264', OTHER_LAYOUT_FIXTURES.portraitH264],
];

const AS_RECORDED: Array<[string, string]> = [
	['moov at the end, 65 s', SPLIT_FIXTURES.moovAtEnd],
	['moov at the end, 2 s', FIXTURES.h264MoovAtEnd],
	['QuickTime without ftyp, moov at the end', OTHER_LAYOUT_FIXTURES.qtNoFtypMoovAtEnd],
];

describe('Move Index to Front: the fast-start copy decodes with ffmpeg to the same frames', () => {
	test.each([...CASES.map(([label, source]): [string, string, boolean] => [label, source, true]), ...AS_RECORDED.map(([label, source]): [string, string, boolean] => [label, source, false])])(
		'%s',
		async (label, source, remux) => {
			const name = label.replace(/\W+/g, '-');
			const original = remux ? moovAtEndCopy(name, source) : source;
			const bytes = readFileSync(original);
			const move = await moveIndexToFront({ kind: 'inline', mimeType: 'video/mp4', bytes: bytes.length, content: bytes });
			if ('reason' in move) throw new Error(`not moved: ${move.reason}`);
			const pieces: Uint8Array[] = [];
			for await (const piece of move.moved.open!()) pieces.push(piece);
			const output = joinPieces({ length: move.moved.bytes, pieces });
			await expectSameMovieMovedToFront(bytes, output);
			const path = join(work, `${name}-fast-start.${original.endsWith('.mov') ? 'mov' : 'mp4'}`);
			writeFileSync(path, output);

			expect(run('ffmpeg', ['-v', 'error', '-i', path, '-map', '0', '-f', 'null', '-']).stderr).toBe('');
			expect(streams(path)).toBe(streams(original));
			// Every packet of every stream (timecode too), and every decoded video frame.
			expect(framemd5(path, ['-map', '0', '-c', 'copy'])).toEqual(framemd5(original, ['-map', '0', '-c', 'copy']));
			expect(framemd5(path, ['-map', '0:v'])).toEqual(framemd5(original, ['-map', '0:v']));
		},
	);
});
