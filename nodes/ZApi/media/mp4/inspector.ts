/**
 * Reads what matters before posting a video to WhatsApp Status (container, duration, codecs,
 * displayed size, rotation, fast start, whether it can play as posted) from the ISO BMFF /
 * QuickTime box structure, without decoding or copying media data.
 *
 * The bytes are untrusted: the reader never throws, its work is capped (box headers read, nesting
 * depth, bytes read), and it reports a fact only when the bytes holding it were actually read.
 * It reads through a ByteSource, so a file gives the same answers from memory and from Base64.
 */
import { definedOnly } from '../../definedOnly';
import type { ByteSource } from '../bytes';
import { byteSourceOf, isByteSource } from '../bytes';
import type { Box } from './boxWalker';
import type { Container } from './codecNames';
import { classifyContainer } from './codecNames';
import type { MovieDescription } from './describeMovie';
import { describeMovie } from './describeMovie';
import { InspectContext } from './inspectContext';
import type { Movie } from './movie';
import { readMovie, trackKind } from './movie';
import type { FileType } from './movieBoxes';
import { readFileType } from './movieBoxes';
import type { MovieFacts } from './movieFacts';
import { movieFacts } from './movieFacts';

export interface Mp4TrackInfo {
	kind: 'video' | 'audio' | 'other';
	/** Sample entry fourcc, e.g. 'avc1' ('encv' for an encrypted video track). */
	codec?: string;
	/** Friendly codec name, e.g. 'H.264', 'AAC'. Only for video and audio tracks. */
	codecName?: string;
	durationSeconds?: number;
	/** Size as displayed: pixel aspect ratio and rotation applied. */
	width?: number;
	height?: number;
	/** Size of the pictures as stored (sample entry). Video tracks only. */
	codedWidth?: number;
	codedHeight?: number;
	/** Clockwise degrees the stored picture is turned for display (0, 90, 180, 270). Video tracks only. */
	rotation?: number;
	/** The samples are encrypted (sample entry encv/enca: DRM, Common Encryption). */
	encrypted?: true;
}

export interface Mp4Inspection {
	container: Container;
	/** ftyp major brand without trailing spaces, e.g. 'isom', 'qt'. */
	brand?: string;
	/** Movie duration: mvhd, or for fragmented files mehd or the fragments, or the longest track. */
	durationSeconds?: number;
	/** Friendly codec name of the first video track. */
	videoCodec?: string;
	/** Sample entry fourcc of the first video track. */
	videoCodecTag?: string;
	/** Friendly codec name of the first audio track. */
	audioCodec?: string;
	/** Displayed size of the first video track (pixel aspect ratio and rotation applied). */
	width?: number;
	height?: number;
	/** Stored size of the first video track's pictures. */
	codedWidth?: number;
	codedHeight?: number;
	/** Clockwise rotation of the first video track, in degrees. */
	rotation?: number;
	/** true when moov precedes mdat at top level, false when mdat comes first. */
	fastStart?: boolean;
	/** The movie is fragmented (moov holds mvex; media in moof + mdat pairs). */
	fragmented?: true;
	/** The file ends before the media its own boxes or sample tables describe. */
	cutShort?: true;
	/** A video or audio track is encrypted. */
	encrypted?: true;
	tracks: Mp4TrackInfo[];
	/** false when the reader stopped early (truncation, limits, garbage) so facts may be missing. */
	complete: boolean;
	/** Short notes on what could not be read. */
	issues: string[];
}

export interface Mp4InspectionLimits {
	/** Most box headers read in total, across all levels. */
	maxBoxes?: number;
	/** Deepest nesting level read; top-level boxes are level 1. */
	maxDepth?: number;
	/** Most bytes read from the file in total (box headers and the fields read). */
	maxBytes?: number;
}

export interface Mp4InspectionStats {
	/** Box headers read. Never more than maxBoxes. */
	steps: number;
	/** Deepest nesting level at which a box header was read. Never more than maxDepth. */
	deepestLevel: number;
	/** Bytes read from the file. Never more than maxBytes. */
	bytesRead: number;
	maxBoxes: number;
	maxDepth: number;
	maxBytes: number;
}

export const DEFAULT_MP4_INSPECTION_LIMITS: Readonly<Required<Mp4InspectionLimits>> = {
	maxBoxes: 10_000,
	maxDepth: 16,
	// A 10 MB file's boxes (media data aside) are tens of kilobytes; a trun listing every sample of
	// a long recording is the largest thing read.
	maxBytes: 4 * 1024 * 1024,
};

const MAX_COMPATIBLE_BRANDS = 64;

/** Inspects a file held in memory, or read piecewise through a ByteSource (Base64 text). */
export function inspectMp4(file: Uint8Array | ByteSource, limits?: Mp4InspectionLimits): Mp4Inspection {
	return inspectMp4WithStats(file, limits).inspection;
}

/** Same as inspectMp4, plus how much work the reader did (for tests and diagnostics). */
export function inspectMp4WithStats(
	file: Uint8Array | ByteSource,
	limits?: Mp4InspectionLimits,
): { inspection: Mp4Inspection; stats: Mp4InspectionStats } {
	const maxBoxes = validLimit(limits?.maxBoxes, DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes);
	const maxDepth = validLimit(limits?.maxDepth, DEFAULT_MP4_INSPECTION_LIMITS.maxDepth);
	const maxBytes = validLimit(limits?.maxBytes, DEFAULT_MP4_INSPECTION_LIMITS.maxBytes);
	const source = Object.prototype.toString.call(file) === '[object Uint8Array]'
		? byteSourceOf(file as Uint8Array)
		: isByteSource(file)
			? file
			: undefined;
	if (!source) {
		return {
			inspection: unreadable('input is not a Uint8Array'),
			stats: { steps: 0, deepestLevel: 0, bytesRead: 0, maxBoxes, maxDepth, maxBytes },
		};
	}
	const context = new InspectContext(source, { maxBoxes, maxDepth, maxBytes });
	let inspection: Mp4Inspection;
	try {
		inspection = inspectFile(context);
	} catch (error) {
		// Not expected (every read is bounds-checked); kept so hostile input can never escape as an exception.
		inspection = unreadable(`internal error: ${error instanceof Error ? error.message : 'unknown'}`);
	}
	return {
		inspection,
		stats: { steps: context.walker.steps, deepestLevel: context.walker.deepestLevel, bytesRead: context.walker.bytesRead, maxBoxes, maxDepth, maxBytes },
	};
}

function validLimit(value: number | undefined, fallback: number): number {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0
		? Math.floor(value)
		: fallback;
}

function unreadable(issue: string): Mp4Inspection {
	return { container: 'unknown', tracks: [], complete: false, issues: [issue] };
}

function inspectFile(context: InspectContext): Mp4Inspection {
	const { walker } = context;
	const length = walker.source.length;
	if (length === 0) return unreadable('empty input');
	if (length < 8) return unreadable(`input too short for an MP4 box (${length} bytes)`);

	let fileType: FileType | undefined;
	let movie: Movie | undefined;
	let moovOffset: number | undefined;
	let mdatOffset: number | undefined;
	let topLevelBoxes = 0;
	const fragments: Box[] = [];
	let overclaimingMdat: Box | undefined;
	walker.walk(walker.file(), (box) => {
		topLevelBoxes++;
		if (box.truncated && box.type === 'mdat') overclaimingMdat = box;
		else if (box.truncated) context.cutShort = true;
		if (box.type === 'ftyp' && fileType === undefined) fileType = readFileTypeBox(context, box);
		else if (box.type === 'mdat' && mdatOffset === undefined) mdatOffset = box.start;
		else if (box.type === 'moof') fragments.push(box);
		else if (box.type === 'moov' && moovOffset === undefined) {
			moovOffset = box.start;
			movie = readMovie(walker, box);
		}
	});
	const facts = movie ? movieFacts(context, movie, fragments) : undefined;
	// reduce, not Math.max(...): a hostile file can hold thousands of tracks.
	const sampleTablesEnd = (facts?.tracks ?? []).reduce((end, track) => Math.max(end, track.mediaEnd ?? 0), 0);
	if (sampleTablesEnd > length) {
		context.cutShort = true;
		context.note(`the sample tables point ${sampleTablesEnd - length} bytes past the end of the file`, false);
	}
	if (overclaimingMdat) judgeOverclaimingMdat(context, overclaimingMdat, facts, length);

	// All-zero input ends the walk cleanly, but it is not an empty MP4 either.
	if (topLevelBoxes === 0 && context.issues.length === 0) context.note('no MP4 boxes found');
	if (topLevelBoxes > 0 && movie === undefined) {
		if (fileType === undefined) context.note('no ftyp box', false);
		context.note('no moov box', false);
	}
	const description: MovieDescription = facts ? describeMovie(context, facts) : { tracks: [] };
	const video = description.tracks.find((track) => track.kind === 'video');
	const audio = description.tracks.find((track) => track.kind === 'audio');
	const videoHasSize = video?.width !== undefined && video.height !== undefined;
	const videoHasCodedSize = video?.codedWidth !== undefined && video.codedHeight !== undefined;
	return definedOnly<Mp4Inspection>({
		container: classifyContainer(fileType, moovOffset !== undefined),
		brand: fileType?.majorBrand?.replace(/ +$/, '') || undefined,
		durationSeconds: description.durationSeconds,
		videoCodec: video?.codecName,
		videoCodecTag: video?.codec,
		audioCodec: audio?.codecName,
		width: videoHasSize ? video?.width : undefined,
		height: videoHasSize ? video?.height : undefined,
		codedWidth: videoHasCodedSize ? video?.codedWidth : undefined,
		codedHeight: videoHasCodedSize ? video?.codedHeight : undefined,
		rotation: video?.rotation,
		fastStart: moovOffset !== undefined && mdatOffset !== undefined ? moovOffset < mdatOffset : undefined,
		fragmented: movie?.fragmentDefaults ? true : undefined,
		cutShort: context.cutShort && movie !== undefined ? true : undefined,
		encrypted: description.tracks.some((track) => track.encrypted) ? true : undefined,
		tracks: description.tracks,
		complete: context.complete,
		issues: context.issues,
	});
}

/**
 * An mdat whose header claims more bytes than the file has: cut short only if samples are
 * missing. Some writers leave a wrong size while every sample is in the file, and players
 * play it whole. Fragmented files (whose later fragments the mdat would hide) count as cut short.
 */
function judgeOverclaimingMdat(context: InspectContext, mdat: Box, facts: MovieFacts | undefined, length: number): void {
	const tracks = (facts?.tracks ?? []).filter(({ track }) => trackKind(track) !== 'other');
	const samplesPresent =
		facts !== undefined && !facts.movie.fragmentDefaults && tracks.length > 0 && tracks.every((track) => track.mediaEnd !== undefined && track.mediaEnd <= length);
	if (samplesPresent) {
		context.note('the mdat box header claims more bytes than the file has, but every sample is in the file', false);
		return;
	}
	context.cutShort = true;
	context.note(mdat.end === length ? 'mdat box truncated' : 'mdat box overruns the file');
}

function readFileTypeBox({ walker }: InspectContext, box: Box): FileType | undefined {
	const content = walker.content(box, 8, 8 + MAX_COMPATIBLE_BRANDS * 4);
	return content ? readFileType(content) : undefined;
}
