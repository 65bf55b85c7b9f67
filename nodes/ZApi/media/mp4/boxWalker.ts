/**
 * The one bounded box walker: reads the boxes of a range (the file, or a box's content) through a
 * ByteSource, so a file in memory and one in Base64 text read the same. Its budgets (box headers
 * read, nesting depth, bytes read) are enforced here and only here.
 *
 * It never throws on its own: whatever cannot be trusted is reported as a BoxProblem and the walk
 * stops there. The inspector notes problems and carries on with what it has; the split readers
 * (strictBoxes.ts) turn them into a MediaError.
 */
import type { ByteSource } from '../bytes';
import { readUint32 } from '../bytes';
import { isHeaderProblem, MAX_BOX_HEADER_BYTES, parseBoxHeader } from './boxHeader';

export interface BoxBudget {
	/** Most box headers read in total, across all levels. */
	maxBoxes: number;
	/** Deepest nesting level read; top-level boxes are level 1. */
	maxDepth: number;
	/** Most bytes read from the source in total (box headers and the fields read). */
	maxBytes: number;
}

export interface Region {
	start: number;
	end: number;
	/** Nesting level of the boxes inside; top-level boxes are level 1. */
	level: number;
	/** Type of the enclosing box, '' for the file itself. */
	parentType: string;
	/** The enclosing box (or an ancestor) runs past the available bytes; its truncation is already reported. */
	cutShort: boolean;
}

export interface Box {
	type: string;
	start: number;
	contentStart: number;
	/** Where the box ends, clipped to the bytes available in its parent. */
	end: number;
	level: number;
	/** The declared size runs past its parent or the end of the input. */
	truncated: boolean;
	cutShort: boolean;
}

export type BoxProblemKind =
	| 'tooDeep'
	| 'tooManyBoxes'
	| 'tooManyBytes'
	| 'strayBytes'
	| 'endedEarly'
	| 'notMp4'
	| 'unreadableHeader'
	| 'headerTruncated'
	| 'invalidSize'
	| 'truncated'
	| 'overruns'
	| 'tooShort'
	| 'unsupportedVersion';

export interface BoxProblem {
	kind: BoxProblemKind;
	/** A short English note, e.g. 'stsd box too short'. */
	message: string;
	/** The box concerned, when there is one. */
	type?: string;
	/** The problem also means the file ends early (a top-level box header is cut off). */
	fileCutShort?: boolean;
	/** Follows from an enclosing box's truncation, which was reported already. */
	repeat?: boolean;
	/** The box concerned is a top-level box (truncated and overruns only). */
	topLevel?: boolean;
}

/** Bytes compared per read when checking that a stretch of the file is zero padding. */
const ZERO_SCAN_CHUNK = 64 * 1024;

export class BoxWalker {
	/** Box headers read. Never more than maxBoxes. */
	steps = 0;
	/** Deepest nesting level at which a box header was read. Never more than maxDepth. */
	deepestLevel = 0;
	/** Bytes read from the source. Never more than maxBytes. */
	bytesRead = 0;
	/** A budget ran out: nothing more is read. */
	stopped = false;

	constructor(
		readonly source: ByteSource,
		readonly budget: Readonly<BoxBudget>,
		private readonly report: (problem: BoxProblem) => void,
	) {}

	/** The whole source as a region of top-level boxes. */
	file(): Region {
		return { start: 0, end: this.source.length, level: 1, parentType: '', cutShort: false };
	}

	/** Reads consecutive boxes of a region; stops at the first one that cannot be trusted. */
	walk(region: Region, visit: (box: Box) => void): void {
		let offset = region.start;
		while (offset < region.end && !this.stopped) {
			const box = this.readBox(region, offset);
			if (!box) return;
			visit(box);
			// Nothing after a truncated box can be located.
			if (box.truncated) return;
			offset = box.end;
		}
	}

	/** The boxes of a region, in order. */
	list(region: Region): Box[] {
		const boxes: Box[] = [];
		this.walk(region, (box) => boxes.push(box));
		return boxes;
	}

	/** The boxes inside a box, after `skip` bytes of its own fields. */
	childrenOf(box: Box, skip = 0): Region {
		return {
			start: Math.min(box.contentStart + skip, box.end),
			end: box.end,
			level: box.level + 1,
			parentType: box.type,
			cutShort: box.cutShort,
		};
	}

	/** Up to `length` bytes at `offset`, within the read budget; undefined (and the walker stops) past it. */
	read(offset: number, length: number): Uint8Array | undefined {
		if (this.stopped) return undefined;
		const wanted = Math.max(0, Math.min(length, this.source.length - offset));
		if (this.bytesRead + wanted > this.budget.maxBytes) {
			this.problem('tooManyBytes', `stopped after reading ${this.budget.maxBytes} bytes`);
			this.stopped = true;
			return undefined;
		}
		this.bytesRead += wanted;
		const bytes = this.source.read(offset, wanted);
		return bytes.length === wanted ? bytes : undefined;
	}

	/**
	 * The first bytes (at most maxLength) of a whole leaf box of at least minLength bytes, or
	 * undefined (reported when malformed).
	 */
	content(box: Box, minLength: number, maxLength = minLength): Uint8Array | undefined {
		if (box.truncated) return undefined;
		const length = box.end - box.contentStart;
		if (length < minLength) {
			this.problem('tooShort', `${box.type} box too short`, box.type);
			return undefined;
		}
		return this.read(box.contentStart, Math.min(length, Math.max(minLength, maxLength)));
	}

	/** A full box's version, when it is 0 or 1 (the only ones defined for the boxes read). */
	fullBoxVersion(box: Box): number | undefined {
		if (box.truncated) return undefined;
		if (box.end - box.contentStart < 4) {
			this.problem('tooShort', `${box.type} box too short`, box.type);
			return undefined;
		}
		const version = this.read(box.contentStart, 1)?.[0];
		if (version === undefined) return undefined;
		if (version > 1) {
			this.problem('unsupportedVersion', `${box.type} version ${version} not supported`, box.type);
			return undefined;
		}
		return version;
	}

	/** Reads one box header; undefined when the region ends here (cleanly or not, reported either way). */
	readBox(region: Region, offset: number): Box | undefined {
		const topLevel = region.level === 1;
		const where = topLevel ? 'the file' : region.parentType;
		if (region.level > this.budget.maxDepth) {
			this.problem('tooDeep', `boxes nested deeper than ${this.budget.maxDepth} levels were not read`);
			return undefined;
		}
		const remaining = region.end - offset;
		if (remaining < 8) {
			// QuickTime ends some atom lists with a 32-bit zero; zero padding is harmless too.
			if (!this.isAllZero(offset, region.end) && !region.cutShort && !this.stopped) {
				this.problem('strayBytes', `${remaining} stray bytes at the end of ${where}`);
			}
			return undefined;
		}
		if (this.steps >= this.budget.maxBoxes) {
			this.problem('tooManyBoxes', `stopped after reading ${this.budget.maxBoxes} boxes`);
			this.stopped = true;
			return undefined;
		}
		const header = this.read(offset, Math.min(MAX_BOX_HEADER_BYTES, remaining));
		if (!header) return undefined;
		this.steps++;
		if (region.level > this.deepestLevel) this.deepestLevel = region.level;

		const size32 = readUint32(header, 0);
		const typeIsZero = readUint32(header, 4) === 0;
		if (!topLevel && (size32 === 0 || (size32 === 8 && typeIsZero))) {
			// Size 0 is only meaningful at top level; inside a container it (or an empty
			// zero-type atom) is a QuickTime terminator that ends the list.
			if (!this.isAllZero(offset + (size32 === 0 ? 4 : 8), region.end) && !this.stopped) {
				this.problem('endedEarly', `a zero-size box ended ${where} early`);
			}
			return undefined;
		}
		if (topLevel && typeIsZero && this.isAllZero(offset, region.end)) return undefined;
		const parsed = parseBoxHeader(header, remaining);
		if (isHeaderProblem(parsed)) {
			if (parsed.problem === 'largeSizeCut') {
				this.problem('headerTruncated', `${parsed.type} box header truncated`, parsed.type, { fileCutShort: topLevel, repeat: region.cutShort });
			} else if (parsed.problem === 'invalidSize') {
				this.problem('invalidSize', `${parsed.type} box at offset ${offset} has an invalid size (${parsed.size})`, parsed.type);
			} else if (!this.stopped) {
				if (topLevel && offset === 0) this.problem('notMp4', 'not an MP4/QuickTime file (no box header at the start)');
				else this.problem('unreadableHeader', `unreadable box header at offset ${offset} in ${where}`);
			}
			return undefined;
		}
		const { type, headerSize, size } = parsed;
		const truncated = size > remaining;
		if (truncated && !region.cutShort) {
			if (region.end === this.source.length) this.problem('truncated', `${type} box truncated`, type, { topLevel });
			else this.problem('overruns', `${type} box overruns ${where}`, type, { topLevel });
		}
		return {
			type,
			start: offset,
			contentStart: offset + headerSize,
			end: truncated ? region.end : offset + size,
			level: region.level,
			truncated,
			cutShort: truncated || region.cutShort,
		};
	}

	/** Whether [from, to) holds only zero bytes, read in pieces within the read budget. */
	isAllZero(from: number, to: number): boolean {
		for (let offset = from; offset < to; offset += ZERO_SCAN_CHUNK) {
			const bytes = this.read(offset, Math.min(ZERO_SCAN_CHUNK, to - offset));
			if (!bytes) return false;
			for (let index = 0; index < bytes.length; index++) {
				if (bytes[index] !== 0) return false;
			}
		}
		return true;
	}

	private problem(kind: BoxProblemKind, message: string, type?: string, more?: Pick<BoxProblem, 'fileCutShort' | 'repeat' | 'topLevel'>): void {
		this.report({ kind, message, type, ...more });
	}
}
