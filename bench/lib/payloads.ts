/**
 * Test videos for the benchmark, generated at bench time into a temporary directory (never the repo):
 * deterministic pseudo-random bytes (AES-256-CTR keystream of a fixed seed) behind the real 32-byte
 * `ftyp` box of test/fixtures/media/h264-faststart.mp4, so the node's sniffing takes them as MP4.
 * Random bytes are the honest worst case: nothing compresses, Base64 is exactly 4/3 of the file.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEN_MB = 10 * 1024 * 1024; // 10,485,760 bytes: Z-API's inclusive limit
export const ONE_MIB = 1024 * 1024;
export const WARMUP_BYTES = 64 * 1024;

const FTYP_SOURCE = join(__dirname, '..', '..', 'test', 'fixtures', 'media', 'h264-faststart.mp4');

export interface PayloadFile {
	path: string;
	bytes: number;
	sha256: string;
}

export interface Payloads {
	dir: string;
	/** One 10 MB video. */
	video10: PayloadFile;
	/** The same video as raw Base64 text (latin1 file), for the Base64-text scenario. */
	video10Base64: PayloadFile & { chars: number };
	/** 200 distinct 1 MiB videos. */
	videos1: PayloadFile[];
	/** Small files for warm-up runs. */
	warmup: PayloadFile[];
	warmupBase64: PayloadFile & { chars: number };
}

function header(): Buffer {
	const ftyp = readFileSync(FTYP_SOURCE).subarray(0, 32);
	if (ftyp.toString('latin1', 4, 8) !== 'ftyp') throw new Error(`${FTYP_SOURCE} does not start with an ftyp box`);
	return Buffer.from(ftyp);
}

/** Writes `bytes` deterministic bytes for `label` to `path`, returning its sha256. */
function writeVideo(path: string, bytes: number, label: string, ftyp: Buffer): PayloadFile {
	const key = createHash('sha256').update(`zapi-bench:${label}`).digest();
	const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
	const hash = createHash('sha256');
	const fd = openSync(path, 'w');
	try {
		const head = ftyp.subarray(0, Math.min(ftyp.length, bytes));
		writeSync(fd, head);
		hash.update(head);
		const zeros = Buffer.alloc(1024 * 1024);
		let left = bytes - head.length;
		while (left > 0) {
			const n = Math.min(left, zeros.length);
			const chunk = cipher.update(zeros.subarray(0, n));
			writeSync(fd, chunk);
			hash.update(chunk);
			left -= n;
		}
	} finally {
		closeSync(fd);
	}
	return { path, bytes, sha256: hash.digest('hex') };
}

function writeBase64(source: PayloadFile, path: string): PayloadFile & { chars: number } {
	const text = readFileSync(source.path).toString('base64');
	const fd = openSync(path, 'w');
	try {
		writeSync(fd, text, 0, 'latin1');
	} finally {
		closeSync(fd);
	}
	// bytes/sha256 describe the decoded video, which is what the sandbox checks.
	return { path, bytes: source.bytes, sha256: source.sha256, chars: text.length };
}

export function generatePayloads(): Payloads {
	const dir = mkdtempSync(join(tmpdir(), 'zapi-bench-media-'));
	const ftyp = header();
	const video10 = writeVideo(join(dir, 'video-10mb.mp4'), TEN_MB, 'video-10mb', ftyp);
	const video10Base64 = writeBase64(video10, join(dir, 'video-10mb.b64.txt'));
	mkdirSync(join(dir, '1mib'));
	const videos1: PayloadFile[] = [];
	for (let index = 0; index < 200; index++) {
		const name = `v${String(index).padStart(3, '0')}.mp4`;
		videos1.push(writeVideo(join(dir, '1mib', name), ONE_MIB, `1mib-${index}`, ftyp));
	}
	const warmup: PayloadFile[] = [];
	for (let index = 0; index < 4; index++) {
		warmup.push(writeVideo(join(dir, `warmup-${index}.mp4`), WARMUP_BYTES + index * 3001, `warmup-${index}`, ftyp));
	}
	const warmupBase64 = writeBase64(warmup[0], join(dir, 'warmup-0.b64.txt'));
	return { dir, video10, video10Base64, videos1, warmup, warmupBase64 };
}
