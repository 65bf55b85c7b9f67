/**
 * Reads what matters before posting a video to WhatsApp Status (container, duration, codecs,
 * displayed size, rotation, fast start, whether it can play as posted) from the ISO BMFF /
 * QuickTime box structure, without decoding or copying media data.
 *
 * The bytes are untrusted: the reader never throws, its work is capped (box headers read, nesting
 * depth, bytes read), and it reports a fact only when the bytes holding it were actually read.
 * It reads through a ByteSource, so a file gives the same answers from memory and from Base64.
 */
import { definedOnly } from '../definedOnly';
import type { ByteSource } from './bytes';
import { byteSourceOf, isByteSource, readFourcc, readInt32, readUint16, readUint32, readUint64 } from './bytes';

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
	container: 'mp4' | 'quicktime' | 'unknown';
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

const MAX_ISSUES = 20;
const MAX_COMPATIBLE_BRANDS = 64;
const MAX_EDITS = 64;
/** Sample sizes read for the cut-short check; a last chunk holding more samples is not checked. */
const MAX_LAST_CHUNK_SAMPLES = 65_536;
const UINT32_MAX = 0xffff_ffff;
/** Bytes compared per read when checking that a stretch of the file is zero padding. */
const ZERO_SCAN_CHUNK = 64 * 1024;

const VIDEO_CODEC_NAMES: Readonly<Record<string, string>> = {
	avc1: 'H.264',
	avc2: 'H.264',
	avc3: 'H.264',
	avc4: 'H.264',
	hvc1: 'HEVC',
	hev1: 'HEVC',
	av01: 'AV1',
	vp08: 'VP8',
	vp09: 'VP9',
	mp4v: 'MPEG-4 Visual',
	vvc1: 'VVC',
	vvi1: 'VVC',
	dvh1: 'Dolby Vision (HEVC)',
	dvhe: 'Dolby Vision (HEVC)',
	dva1: 'Dolby Vision (H.264)',
	dvav: 'Dolby Vision (H.264)',
	dav1: 'Dolby Vision (AV1)',
	s263: 'H.263',
	h263: 'H.263',
	apch: 'Apple ProRes',
	apcn: 'Apple ProRes',
	apcs: 'Apple ProRes',
	apco: 'Apple ProRes',
	ap4h: 'Apple ProRes',
	ap4x: 'Apple ProRes',
	jpeg: 'Motion JPEG',
	mjpa: 'Motion JPEG',
	mjpb: 'Motion JPEG',
};

const AUDIO_CODEC_NAMES: Readonly<Record<string, string>> = {
	mp4a: 'AAC',
	Opus: 'Opus',
	'.mp3': 'MP3',
	'ac-3': 'AC-3',
	'ec-3': 'E-AC-3',
	'ac-4': 'AC-4',
	dtsc: 'DTS',
	fLaC: 'FLAC',
	alac: 'ALAC',
	samr: 'AMR-NB',
	sawb: 'AMR-WB',
	sowt: 'PCM',
	twos: 'PCM',
	lpcm: 'PCM',
	ipcm: 'PCM',
	fpcm: 'PCM',
	ulaw: 'G.711 µ-law',
	alaw: 'G.711 A-law',
	mha1: 'MPEG-H Audio',
	mhm1: 'MPEG-H Audio',
};

// esds objectTypeIndication values (MPEG-4 Systems registry); 'mp4a'/'mp4v' alone do not say
// which codec is inside, ffmpeg for one stores MP3 as 'mp4a' with type 0x6B.
const AUDIO_OBJECT_TYPES: Readonly<Record<number, string>> = {
	0x40: 'AAC',
	0x66: 'AAC',
	0x67: 'AAC',
	0x68: 'AAC',
	0x69: 'MP3',
	0x6b: 'MP3',
	0xa5: 'AC-3',
	0xa6: 'E-AC-3',
	0xa9: 'DTS',
	0xad: 'Opus',
	0xdd: 'Vorbis',
};

const VIDEO_OBJECT_TYPES: Readonly<Record<number, string>> = {
	0x20: 'MPEG-4 Visual',
	0x21: 'H.264',
	0x23: 'HEVC',
	0x60: 'MPEG-2 Video',
	0x61: 'MPEG-2 Video',
	0x62: 'MPEG-2 Video',
	0x63: 'MPEG-2 Video',
	0x64: 'MPEG-2 Video',
	0x65: 'MPEG-2 Video',
	0x6a: 'MPEG-1 Video',
	0x6c: 'JPEG',
};

const ISO_VIDEO_BRANDS = new Set([
	'isom',
	'avc1',
	'M4V ',
	'M4VH',
	'M4VP',
	'M4A ',
	'M4B ',
	'f4v ',
	'dash',
	'mmp4',
	'MSNV',
	'NDAS',
	'XAVC',
	'cmfc',
	'cmf2',
]);

/** Friendly name of a video sample entry fourcc; unknown ones are returned verbatim. */
export function describeVideoCodec(fourcc: string): string {
	return Object.hasOwn(VIDEO_CODEC_NAMES, fourcc) ? VIDEO_CODEC_NAMES[fourcc] : fourcc;
}

/** Friendly name of an audio sample entry fourcc; unknown ones are returned verbatim. */
export function describeAudioCodec(fourcc: string): string {
	return Object.hasOwn(AUDIO_CODEC_NAMES, fourcc) ? AUDIO_CODEC_NAMES[fourcc] : fourcc;
}

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
	const reader = new BoxReader(source, maxBoxes, maxDepth, maxBytes);
	let inspection: Mp4Inspection;
	try {
		inspection = reader.inspect();
	} catch (error) {
		// Not expected (every read is bounds-checked); kept so hostile input can never escape as an exception.
		inspection = unreadable(`internal error: ${error instanceof Error ? error.message : 'unknown'}`);
	}
	return {
		inspection,
		stats: { steps: reader.steps, deepestLevel: reader.deepestLevel, bytesRead: reader.bytesRead, maxBoxes, maxDepth, maxBytes },
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

interface Region {
	start: number;
	end: number;
	/** Nesting level of the boxes inside; top-level boxes are level 1. */
	level: number;
	/** Type of the enclosing box, '' for the file itself. */
	parentType: string;
	/** The enclosing box (or an ancestor) runs past the available bytes; its truncation is already noted. */
	cutShort: boolean;
}

interface Box {
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

interface FileType {
	majorBrand?: string;
	compatibleBrands: string[];
}

interface Edit {
	/** In the movie timescale. */
	segmentDuration: number;
	/** In the media timescale; -1 for an empty edit. */
	mediaTime: number;
}

interface TrackFacts {
	trackId?: number;
	handlerType?: string;
	/** tkhd duration, in movie timescale units. */
	headerDuration?: number;
	/** tkhd width and height: the presentation size before rotation. */
	presentationWidth?: number;
	presentationHeight?: number;
	/** Clockwise degrees, from the tkhd matrix. */
	rotation?: number;
	edits?: Edit[];
	mediaTimescale?: number;
	mediaDuration?: number;
	sampleEntry?: Box;
	/** Where the last chunk of samples ends, from the sample tables (stco/co64, stsc, stsz). */
	mediaEnd?: number;
	/** Fragmented files: where the last fragment ends, in media timescale units. */
	fragmentsEnd?: number;
}

interface SampleTables {
	lastChunkOffset?: number;
	samplesInLastChunk?: number;
	sampleSizes?: Box;
}

interface FragmentDefaults {
	/** trex default_sample_duration per track_ID. */
	sampleDuration: Map<number, number>;
	/** mehd fragment_duration, in the movie timescale. */
	totalDuration?: number;
}

interface MovieFacts {
	timescale?: number;
	duration?: number;
	headerRead: boolean;
	fragments?: FragmentDefaults;
	compressed: boolean;
	tracks: TrackFacts[];
}

interface MovieDescription {
	durationSeconds?: number;
	tracks: Mp4TrackInfo[];
}

interface SampleEntryDetails {
	objectType?: number;
	originalFormat?: string;
	codedWidth?: number;
	codedHeight?: number;
	/** pasp: horizontal and vertical spacing, the pixel aspect ratio. */
	pixelAspect?: [number, number];
}

/** One track's share of one fragment (traf). */
interface FragmentRun {
	trackId: number;
	/** tfdt: decode time of the first sample, in media timescale units. */
	baseTime?: number;
	/** Sum of the sample durations of the traf's truns. */
	duration: number;
}

class BoxReader {
	steps = 0;
	deepestLevel = 0;
	bytesRead = 0;
	private stopped = false;
	private complete = true;
	private cutShort = false;
	private readonly issues: string[] = [];

	constructor(
		private readonly source: ByteSource,
		private readonly maxBoxes: number,
		private readonly maxDepth: number,
		private readonly maxBytes: number,
	) {}

	inspect(): Mp4Inspection {
		const length = this.source.length;
		if (length === 0) return unreadable('empty input');
		if (length < 8) return unreadable(`input too short for an MP4 box (${length} bytes)`);

		let fileType: FileType | undefined;
		let movie: MovieFacts | undefined;
		let moovOffset: number | undefined;
		let mdatOffset: number | undefined;
		let topLevelBoxes = 0;
		const fragments: Box[] = [];
		const file: Region = { start: 0, end: length, level: 1, parentType: '', cutShort: false };
		let overclaimingMdat: Box | undefined;
		this.walk(file, (box) => {
			topLevelBoxes++;
			if (box.truncated && box.type === 'mdat') overclaimingMdat = box;
			else if (box.truncated) this.cutShort = true;
			if (box.type === 'ftyp' && fileType === undefined) fileType = this.readFileType(box);
			else if (box.type === 'mdat' && mdatOffset === undefined) mdatOffset = box.start;
			else if (box.type === 'moof') fragments.push(box);
			else if (box.type === 'moov' && moovOffset === undefined) {
				moovOffset = box.start;
				movie = this.readMovie(box);
			}
		});
		if (movie?.fragments) this.readFragments(fragments, movie);
		// reduce, not Math.max(...): a hostile file can hold thousands of tracks.
		const sampleTablesEnd = (movie?.tracks ?? []).reduce((end, track) => Math.max(end, track.mediaEnd ?? 0), 0);
		if (sampleTablesEnd > length) {
			this.cutShort = true;
			this.note(`the sample tables point ${sampleTablesEnd - length} bytes past the end of the file`, false);
		}
		if (overclaimingMdat) this.judgeOverclaimingMdat(overclaimingMdat, movie, length);

		// All-zero input ends the walk cleanly, but it is not an empty MP4 either.
		if (topLevelBoxes === 0 && this.issues.length === 0) this.note('no MP4 boxes found');
		if (topLevelBoxes > 0 && movie === undefined) {
			if (fileType === undefined) this.note('no ftyp box', false);
			this.note('no moov box', false);
		}
		const movieFacts: MovieDescription = movie ? this.describeMovie(movie) : { tracks: [] };
		const video = movieFacts.tracks.find((track) => track.kind === 'video');
		const audio = movieFacts.tracks.find((track) => track.kind === 'audio');
		const videoHasSize = video?.width !== undefined && video.height !== undefined;
		const videoHasCodedSize = video?.codedWidth !== undefined && video.codedHeight !== undefined;
		return definedOnly<Mp4Inspection>({
			container: classifyContainer(fileType, moovOffset !== undefined),
			brand: fileType?.majorBrand?.replace(/ +$/, '') || undefined,
			durationSeconds: movieFacts.durationSeconds,
			videoCodec: video?.codecName,
			videoCodecTag: video?.codec,
			audioCodec: audio?.codecName,
			width: videoHasSize ? video?.width : undefined,
			height: videoHasSize ? video?.height : undefined,
			codedWidth: videoHasCodedSize ? video?.codedWidth : undefined,
			codedHeight: videoHasCodedSize ? video?.codedHeight : undefined,
			rotation: video?.rotation,
			fastStart: moovOffset !== undefined && mdatOffset !== undefined ? moovOffset < mdatOffset : undefined,
			fragmented: movie?.fragments ? true : undefined,
			cutShort: this.cutShort && movie !== undefined ? true : undefined,
			encrypted: movieFacts.tracks.some((track) => track.encrypted) ? true : undefined,
			tracks: movieFacts.tracks,
			complete: this.complete,
			issues: this.issues,
		});
	}

	/**
	 * An mdat whose header claims more bytes than the file has: cut short only if samples are
	 * missing. Some writers leave a wrong size while every sample is in the file, and players
	 * play it whole. Fragmented files (whose later fragments the mdat would hide) count as cut short.
	 */
	private judgeOverclaimingMdat(mdat: Box, movie: MovieFacts | undefined, length: number): void {
		const tracks = (movie?.tracks ?? []).filter((track) => track.handlerType === 'vide' || track.handlerType === 'soun');
		const samplesPresent =
			movie !== undefined && !movie.fragments && tracks.length > 0 && tracks.every((track) => track.mediaEnd !== undefined && track.mediaEnd <= length);
		if (samplesPresent) {
			this.note('the mdat box header claims more bytes than the file has, but every sample is in the file', false);
			return;
		}
		this.cutShort = true;
		this.note(mdat.end === length ? 'mdat box truncated' : 'mdat box overruns the file');
	}

	private describeMovie(movie: MovieFacts): MovieDescription {
		if (movie.compressed) this.note('compressed moov (cmov) is not supported');
		if (!movie.headerRead && !movie.compressed) this.note('no readable mvhd box', false);
		const tracks = movie.tracks.map((track) => this.describeTrack(track, movie));
		const longestTrack = tracks.reduce((longest, track) => Math.max(longest, track.durationSeconds ?? 0), 0) || undefined;
		let durationSeconds: number | undefined;
		if (movie.fragments) {
			// moov of a fragmented file describes at most its first fragment: mehd, else the fragments tell.
			durationSeconds = secondsOf(movie.fragments.totalDuration, movie.timescale) ?? longestTrack;
		} else {
			// Some muxers leave mvhd at 0 and keep the length in the tracks only.
			durationSeconds = secondsOf(movie.duration, movie.timescale) ?? longestTrack;
		}
		if (movie.headerRead && durationSeconds === undefined) {
			if (movie.timescale === 0) this.note('mvhd timescale is zero', false);
			else if (movie.fragments) this.note('fragmented MP4 with no duration in mehd or its fragments', false);
			else this.note('movie duration not stored in mvhd or the tracks', false);
		}
		return { durationSeconds, tracks };
	}

	private describeTrack(track: TrackFacts, movie: MovieFacts): Mp4TrackInfo {
		const kind = track.handlerType === 'vide' ? 'video' : track.handlerType === 'soun' ? 'audio' : 'other';
		const durationSeconds = trackDuration(track, movie);
		const entry = track.sampleEntry;
		if (!entry || kind === 'other') {
			const displayed = displayedSize(track, {});
			return definedOnly<Mp4TrackInfo>({ kind, codec: entry?.type, durationSeconds, width: displayed?.[0], height: displayed?.[1] });
		}
		const details = kind === 'video' ? this.readVisualSampleEntry(entry) : this.readAudioSampleEntry(entry);
		const format = details.originalFormat ?? entry.type;
		const objectTypes = kind === 'video' ? VIDEO_OBJECT_TYPES : AUDIO_OBJECT_TYPES;
		// An esds that names an unfamiliar object type leaves the fourcc rather than a guess.
		const byObjectType =
			(format === 'mp4v' || format === 'mp4a') && details.objectType !== undefined
				? (objectTypes[details.objectType] ?? format)
				: undefined;
		const encrypted = entry.type === 'encv' || entry.type === 'enca' ? true : undefined;
		const facts: Mp4TrackInfo = {
			kind,
			codec: entry.type,
			codecName: byObjectType ?? (kind === 'video' ? describeVideoCodec(format) : describeAudioCodec(format)),
			durationSeconds,
			encrypted,
		};
		if (kind === 'video') {
			const displayed = displayedSize(track, details);
			Object.assign(facts, {
				width: displayed?.[0],
				height: displayed?.[1],
				codedWidth: details.codedWidth,
				codedHeight: details.codedHeight,
				rotation: track.rotation,
			});
		}
		return definedOnly(facts);
	}

	/** Reads consecutive boxes of a region; stops at the first one that cannot be trusted. */
	private walk(region: Region, visit: (box: Box) => void): void {
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

	/** Up to `length` bytes at `offset`, within the read budget; undefined (and the reader stops) past it. */
	private read(offset: number, length: number): Uint8Array | undefined {
		if (this.stopped) return undefined;
		const wanted = Math.max(0, Math.min(length, this.source.length - offset));
		if (this.bytesRead + wanted > this.maxBytes) {
			this.note(`stopped after reading ${this.maxBytes} bytes`);
			this.stopped = true;
			return undefined;
		}
		this.bytesRead += wanted;
		const bytes = this.source.read(offset, wanted);
		return bytes.length === wanted ? bytes : undefined;
	}

	/** Reads one box header; undefined when the region ends here (cleanly or not, noted either way). */
	private readBox(region: Region, offset: number): Box | undefined {
		const topLevel = region.level === 1;
		const where = topLevel ? 'the file' : region.parentType;
		if (region.level > this.maxDepth) {
			this.note(`boxes nested deeper than ${this.maxDepth} levels were not read`);
			return undefined;
		}
		const remaining = region.end - offset;
		if (remaining < 8) {
			// QuickTime ends some atom lists with a 32-bit zero; zero padding is harmless too.
			if (!this.isAllZero(offset, region.end) && !region.cutShort && !this.stopped) {
				this.note(`${remaining} stray bytes at the end of ${where}`);
			}
			return undefined;
		}
		if (this.steps >= this.maxBoxes) {
			this.note(`stopped after reading ${this.maxBoxes} boxes`);
			this.stopped = true;
			return undefined;
		}
		const header = this.read(offset, Math.min(16, remaining));
		if (!header) return undefined;
		this.steps++;
		if (region.level > this.deepestLevel) this.deepestLevel = region.level;

		const size32 = readUint32(header, 0);
		const typeIsZero = readUint32(header, 4) === 0;
		if (!topLevel && (size32 === 0 || (size32 === 8 && typeIsZero))) {
			// Size 0 is only meaningful at top level; inside a container it (or an empty
			// zero-type atom) is a QuickTime terminator that ends the list.
			if (!this.isAllZero(offset + (size32 === 0 ? 4 : 8), region.end) && !this.stopped) {
				this.note(`a zero-size box ended ${where} early`);
			}
			return undefined;
		}
		if (topLevel && typeIsZero && this.isAllZero(offset, region.end)) return undefined;
		const type = readFourcc(header, 4);
		if (type === undefined) {
			if (this.stopped) return undefined;
			this.note(
				topLevel && offset === 0
					? 'not an MP4/QuickTime file (no box header at the start)'
					: `unreadable box header at offset ${offset} in ${where}`,
			);
			return undefined;
		}

		let headerSize = 8;
		let size = size32;
		if (size32 === 1) {
			if (remaining < 16) {
				if (!region.cutShort) this.note(`${type} box header truncated`);
				if (topLevel) this.cutShort = true;
				return undefined;
			}
			headerSize = 16;
			// Beyond 2^53 the value is approximate, but then it is far past any real input anyway.
			size = readUint64(header, 8);
		} else if (size32 === 0) {
			size = remaining;
		}
		if (size < headerSize) {
			this.note(`${type} box at offset ${offset} has an invalid size (${size})`);
			return undefined;
		}
		const truncated = size > remaining;
		// A top-level mdat claiming more than the file holds is judged by its samples (inspect()).
		if (truncated && !region.cutShort && !(topLevel && type === 'mdat')) {
			this.note(region.end === this.source.length ? `${type} box truncated` : `${type} box overruns ${where}`);
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

	private childrenOf(box: Box, skip = 0): Region {
		return {
			start: Math.min(box.contentStart + skip, box.end),
			end: box.end,
			level: box.level + 1,
			parentType: box.type,
			cutShort: box.cutShort,
		};
	}

	/**
	 * The first bytes (at most maxLength) of a whole leaf box of at least minLength bytes, or
	 * undefined (noted when malformed).
	 */
	private content(box: Box, minLength: number, maxLength = minLength): Uint8Array | undefined {
		if (box.truncated) return undefined;
		const length = box.end - box.contentStart;
		if (length < minLength) {
			this.note(`${box.type} box too short`);
			return undefined;
		}
		return this.read(box.contentStart, Math.min(length, Math.max(minLength, maxLength)));
	}

	private readFileType(box: Box): FileType | undefined {
		const content = this.content(box, 8, 8 + MAX_COMPATIBLE_BRANDS * 4);
		if (!content) return undefined;
		const fileType: FileType = { compatibleBrands: [] };
		const majorBrand = readFourcc(content, 0);
		if (majorBrand !== undefined) fileType.majorBrand = majorBrand;
		for (let offset = 8; offset + 4 <= content.length; offset += 4) {
			const brand = readFourcc(content, offset);
			if (brand !== undefined) fileType.compatibleBrands.push(brand);
		}
		return fileType;
	}

	private readMovie(moov: Box): MovieFacts {
		const movie: MovieFacts = { headerRead: false, compressed: false, tracks: [] };
		this.walk(this.childrenOf(moov), (box) => {
			if (box.type === 'mvhd' && !movie.headerRead) this.readMovieHeader(box, movie);
			else if (box.type === 'trak') movie.tracks.push(this.readTrack(box));
			else if (box.type === 'mvex' && !movie.fragments) movie.fragments = this.readMovieExtends(box);
			else if (box.type === 'cmov') movie.compressed = true;
		});
		return movie;
	}

	private readMovieHeader(box: Box, movie: MovieFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined) return;
		const content = this.content(box, version === 1 ? 32 : 20);
		if (!content) return;
		movie.headerRead = true;
		movie.timescale = readUint32(content, version === 1 ? 20 : 12);
		movie.duration = version === 1 ? readDuration64(content, 24) : readDuration32(content, 16);
	}

	/** mvex: the total length (mehd) and the default sample duration per track (trex). */
	private readMovieExtends(mvex: Box): FragmentDefaults {
		const defaults: FragmentDefaults = { sampleDuration: new Map() };
		this.walk(this.childrenOf(mvex), (box) => {
			if (box.type === 'mehd' && defaults.totalDuration === undefined) {
				const version = this.fullBoxVersion(box);
				const content = version === undefined ? undefined : this.content(box, version === 1 ? 12 : 8);
				if (content) defaults.totalDuration = version === 1 ? readDuration64(content, 4) : readDuration32(content, 4);
			} else if (box.type === 'trex') {
				const content = this.content(box, 24);
				if (content) defaults.sampleDuration.set(readUint32(content, 4), readUint32(content, 12));
			}
		});
		return defaults;
	}

	private readTrack(trak: Box): TrackFacts {
		const track: TrackFacts = {};
		let headerSeen = false;
		let mediaSeen = false;
		let editsSeen = false;
		this.walk(this.childrenOf(trak), (box) => {
			if (box.type === 'tkhd' && !headerSeen) {
				headerSeen = true;
				this.readTrackHeader(box, track);
			} else if (box.type === 'mdia' && !mediaSeen) {
				mediaSeen = true;
				this.readMedia(box, track);
			} else if (box.type === 'edts' && !editsSeen) {
				editsSeen = true;
				this.walk(this.childrenOf(box), (child) => {
					if (child.type === 'elst' && track.edits === undefined) track.edits = this.readEditList(child);
				});
			}
		});
		return track;
	}

	private readTrackHeader(box: Box, track: TrackFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined) return;
		const content = this.content(box, version === 1 ? 96 : 84);
		if (!content) return;
		// Version 1 widens creation and modification times (before track_ID) and duration by 4 bytes each.
		track.trackId = readUint32(content, version === 1 ? 20 : 12);
		const duration = version === 1 ? readDuration64(content, 28) : readDuration32(content, 20);
		if (duration !== undefined) track.headerDuration = duration;
		// Matrix {a b u; c d v; x y w}, a and b in 16.16: a = cos, b = sin of the clockwise turn.
		const matrix = version === 1 ? 52 : 40;
		const a = readInt32(content, matrix);
		const b = readInt32(content, matrix + 4);
		track.rotation = (Math.round((Math.atan2(b, a) * 180) / Math.PI) + 360) % 360;
		const sizeOffset = matrix + 36;
		// 16.16 fixed point; audio tracks store zero.
		const width = Math.round(readUint32(content, sizeOffset) / 0x1_0000);
		const height = Math.round(readUint32(content, sizeOffset + 4) / 0x1_0000);
		if (width > 0 && height > 0) {
			track.presentationWidth = width;
			track.presentationHeight = height;
		}
	}

	private readEditList(box: Box): Edit[] | undefined {
		const version = this.fullBoxVersion(box);
		if (version === undefined) return undefined;
		const entrySize = version === 1 ? 20 : 12;
		const header = this.content(box, 8);
		if (!header) return undefined;
		const count = Math.min(readUint32(header, 4), MAX_EDITS, Math.floor((box.end - box.contentStart - 8) / entrySize));
		const content = this.content(box, 8 + count * entrySize);
		if (!content) return undefined;
		const edits: Edit[] = [];
		for (let index = 0; index < count; index++) {
			const at = 8 + index * entrySize;
			edits.push(
				version === 1
					? { segmentDuration: readUint64(content, at), mediaTime: readInt32(content, at + 8) < 0 ? -1 : readUint64(content, at + 8) }
					: { segmentDuration: readUint32(content, at), mediaTime: readInt32(content, at + 4) },
			);
		}
		return edits;
	}

	private readMedia(mdia: Box, track: TrackFacts): void {
		this.walk(this.childrenOf(mdia), (box) => {
			if (box.type === 'mdhd' && track.mediaTimescale === undefined) this.readMediaHeader(box, track);
			else if (box.type === 'hdlr' && track.handlerType === undefined) {
				// QuickTime calls it component subtype, ISO handler_type: same offset either way.
				const content = this.content(box, 12);
				if (content) track.handlerType = readFourcc(content, 8);
			} else if (box.type === 'minf') {
				this.walk(this.childrenOf(box), (child) => {
					if (child.type === 'stbl') this.readSampleTables(child, track);
				});
			}
		});
	}

	private readMediaHeader(box: Box, track: TrackFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined) return;
		const content = this.content(box, version === 1 ? 32 : 20);
		if (!content) return;
		track.mediaTimescale = readUint32(content, version === 1 ? 20 : 12);
		const duration = version === 1 ? readDuration64(content, 24) : readDuration32(content, 16);
		if (duration !== undefined) track.mediaDuration = duration;
	}

	private readSampleTables(stbl: Box, track: TrackFacts): void {
		const tables: SampleTables = {};
		this.walk(this.childrenOf(stbl), (table) => {
			if (table.type === 'stsd' && track.sampleEntry === undefined) this.readSampleDescription(table, track);
			else if ((table.type === 'stco' || table.type === 'co64') && tables.lastChunkOffset === undefined) {
				tables.lastChunkOffset = this.readLastEntry(table, table.type === 'co64' ? 8 : 4, (bytes) =>
					table.type === 'co64' ? readUint64(bytes, 0) : readUint32(bytes, 0),
				);
			} else if (table.type === 'stsc' && tables.samplesInLastChunk === undefined) {
				tables.samplesInLastChunk = this.readLastEntry(table, 12, (bytes) => readUint32(bytes, 4));
			} else if (table.type === 'stsz' && tables.sampleSizes === undefined) {
				tables.sampleSizes = table;
			}
		});
		track.mediaEnd = this.lastChunkEnd(tables);
	}

	/** The last entry of a table box (version/flags, entry count, entries), decoded by `decode`. */
	private readLastEntry(table: Box, entrySize: number, decode: (entry: Uint8Array) => number): number | undefined {
		const header = this.content(table, 8);
		if (!header) return undefined;
		const count = readUint32(header, 4);
		if (count === 0) return undefined;
		if (8 + count * entrySize > table.end - table.contentStart) {
			this.note(`${table.type} box too short for its ${count} entries`);
			return undefined;
		}
		const entry = this.read(table.contentStart + 8 + (count - 1) * entrySize, entrySize);
		return entry ? decode(entry) : undefined;
	}

	/** Where the samples of the last chunk end: its offset plus the sizes of its samples (stsz). */
	private lastChunkEnd(tables: SampleTables): number | undefined {
		const { lastChunkOffset, samplesInLastChunk, sampleSizes } = tables;
		if (lastChunkOffset === undefined || !samplesInLastChunk || !sampleSizes) return undefined;
		const header = this.content(sampleSizes, 12);
		if (!header) return undefined;
		const constantSize = readUint32(header, 4);
		const sampleCount = readUint32(header, 8);
		const samples = Math.min(samplesInLastChunk, sampleCount);
		if (samples === 0) return undefined;
		if (constantSize !== 0) return lastChunkOffset + samples * constantSize;
		if (samples > MAX_LAST_CHUNK_SAMPLES) return undefined;
		if (12 + sampleCount * 4 > sampleSizes.end - sampleSizes.contentStart) {
			this.note('stsz box too short for its sample count');
			return undefined;
		}
		const sizes = this.read(sampleSizes.contentStart + 12 + (sampleCount - samples) * 4, samples * 4);
		if (!sizes) return undefined;
		let end = lastChunkOffset;
		for (let offset = 0; offset < sizes.length; offset += 4) end += readUint32(sizes, offset);
		return end;
	}

	private readSampleDescription(stsd: Box, track: TrackFacts): void {
		// Entries may be readable even when stsd itself was cut, so only its fixed part must be whole.
		if (stsd.end - stsd.contentStart < 8) {
			if (!stsd.truncated) this.note('stsd box too short');
			return;
		}
		const header = this.read(stsd.contentStart, 8);
		if (!header || readUint32(header, 4) === 0) return;
		const entries = this.childrenOf(stsd, 8);
		const entry = this.readBox(entries, entries.start);
		if (entry && !entry.truncated) track.sampleEntry = entry;
	}

	private readVisualSampleEntry(entry: Box): SampleEntryDetails {
		const details: SampleEntryDetails = {};
		const fields = entry.end - entry.contentStart >= 28 ? this.read(entry.contentStart, 28) : undefined;
		if (fields) {
			const width = readUint16(fields, 24);
			const height = readUint16(fields, 26);
			if (width > 0 && height > 0) {
				details.codedWidth = width;
				details.codedHeight = height;
			}
		}
		// Child boxes follow the 78-byte visual fields: pasp, esds (mp4v), sinf (encv).
		if (entry.end - entry.contentStart >= 78) this.readSampleEntryChildren(this.childrenOf(entry, 78), details);
		return details;
	}

	private readAudioSampleEntry(entry: Box): SampleEntryDetails {
		const details: SampleEntryDetails = {};
		if ((entry.type !== 'mp4a' && entry.type !== 'enca') || entry.end - entry.contentStart < 28) return details;
		const fields = this.read(entry.contentStart, 10);
		if (!fields) return details;
		// QuickTime sound descriptions v1/v2 carry 16/36 more bytes before the child boxes.
		const version = readUint16(fields, 8);
		const fieldsLength = version === 0 ? 28 : version === 1 ? 44 : version === 2 ? 64 : undefined;
		if (fieldsLength !== undefined && entry.end - entry.contentStart >= fieldsLength) {
			this.readSampleEntryChildren(this.childrenOf(entry, fieldsLength), details);
		}
		return details;
	}

	private readSampleEntryChildren(children: Region, details: SampleEntryDetails): void {
		this.walk(children, (box) => {
			if (box.type === 'esds' && details.objectType === undefined) {
				const content = this.content(box, 4, 256);
				if (content) details.objectType = readObjectType(content, 4, content.length);
			} else if (box.type === 'wave' || box.type === 'sinf') {
				// QuickTime keeps esds inside 'wave'; encrypted entries name the real format in sinf > frma.
				this.readSampleEntryChildren(this.childrenOf(box), details);
			} else if (box.type === 'frma' && details.originalFormat === undefined) {
				const content = this.content(box, 4);
				if (content) details.originalFormat = readFourcc(content, 0);
			} else if (box.type === 'pasp' && details.pixelAspect === undefined) {
				const content = this.content(box, 8);
				if (content) details.pixelAspect = [readUint32(content, 0), readUint32(content, 4)];
			}
		});
	}

	/**
	 * Where each fragmented track ends: the last fragment's tfdt plus its sample durations, read
	 * backwards from the last moof until every track is placed; a track whose fragments carry no
	 * tfdt is the sum of all its fragments after what moov holds. Fragment headers only.
	 */
	private readFragments(moofs: Box[], movie: MovieFacts): void {
		const defaults = movie.fragments;
		if (!defaults || moofs.length === 0) return;
		const tracks = new Map<number, TrackFacts>();
		for (const track of movie.tracks) {
			if (track.trackId !== undefined && !tracks.has(track.trackId)) tracks.set(track.trackId, track);
		}
		const later = new Map<number, number>();
		const placed = new Set<number>();
		const wanted = defaults.sampleDuration.size > 0 ? [...defaults.sampleDuration.keys()] : [...tracks.keys()];
		for (let index = moofs.length - 1; index >= 0 && !this.stopped; index--) {
			for (const run of this.readFragment(moofs[index], defaults).reverse()) {
				const track = tracks.get(run.trackId);
				if (!track || placed.has(run.trackId)) continue;
				const after = (later.get(run.trackId) ?? 0) + run.duration;
				if (run.baseTime === undefined) {
					later.set(run.trackId, after);
				} else {
					track.fragmentsEnd = run.baseTime + after;
					placed.add(run.trackId);
				}
			}
			if (wanted.every((trackId) => placed.has(trackId))) break;
		}
		if (this.stopped) return;
		for (const [trackId, total] of later) {
			const track = tracks.get(trackId);
			if (track && !placed.has(trackId)) track.fragmentsEnd = (track.mediaDuration ?? 0) + total;
		}
	}

	/** The track runs of one moof, in file order. */
	private readFragment(moof: Box, defaults: FragmentDefaults): FragmentRun[] {
		const runs: FragmentRun[] = [];
		this.walk(this.childrenOf(moof), (traf) => {
			if (traf.type !== 'traf') return;
			let trackId: number | undefined;
			let defaultDuration: number | undefined;
			let baseTime: number | undefined;
			let duration = 0;
			this.walk(this.childrenOf(traf), (box) => {
				if (box.type === 'tfhd' && trackId === undefined) {
					const content = this.content(box, 8, 24);
					if (!content) return;
					trackId = readUint32(content, 4);
					const flags = readUint32(content, 0) & 0xff_ffff;
					// base_data_offset (8 bytes), sample_description_index (4), then default_sample_duration.
					const at = 8 + (flags & 0x1 ? 8 : 0) + (flags & 0x2 ? 4 : 0);
					defaultDuration =
						flags & 0x8 && at + 4 <= content.length ? readUint32(content, at) : defaults.sampleDuration.get(trackId);
				} else if (box.type === 'tfdt' && baseTime === undefined) {
					const version = this.fullBoxVersion(box);
					const content = version === undefined ? undefined : this.content(box, version === 1 ? 12 : 8);
					if (content) baseTime = version === 1 ? readUint64(content, 4) : readUint32(content, 4);
				} else if (box.type === 'trun') {
					duration += this.readTrackRunDuration(box, defaultDuration ?? (trackId === undefined ? undefined : defaults.sampleDuration.get(trackId)));
				}
			});
			if (trackId !== undefined) runs.push({ trackId, baseTime, duration });
		});
		return runs;
	}

	/** Sum of a trun's sample durations: listed per sample, or its sample count times the default. */
	private readTrackRunDuration(trun: Box, defaultDuration: number | undefined): number {
		const header = this.content(trun, 8);
		if (!header) return 0;
		const flags = readUint32(header, 0) & 0xff_ffff;
		const sampleCount = readUint32(header, 4);
		if (!(flags & 0x100)) return sampleCount * (defaultDuration ?? 0);
		// data_offset and first_sample_flags, then per sample: duration, size, flags, composition offset.
		const fieldsStart = 8 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0);
		const entrySize = 4 * [0x100, 0x200, 0x400, 0x800].filter((flag) => flags & flag).length;
		const available = Math.max(0, Math.floor((trun.end - trun.contentStart - fieldsStart) / entrySize));
		if (sampleCount > available) this.note('trun box too short for its sample count');
		const samples = Math.min(sampleCount, available);
		if (samples === 0) return 0;
		const entries = this.read(trun.contentStart + fieldsStart, samples * entrySize);
		if (!entries) return 0;
		let total = 0;
		for (let offset = 0; offset < entries.length; offset += entrySize) total += readUint32(entries, offset);
		return total;
	}

	private fullBoxVersion(box: Box): number | undefined {
		if (box.truncated) return undefined;
		if (box.end - box.contentStart < 4) {
			this.note(`${box.type} box too short`);
			return undefined;
		}
		const version = this.read(box.contentStart, 1)?.[0];
		if (version === undefined) return undefined;
		if (version > 1) {
			this.note(`${box.type} version ${version} not supported`);
			return undefined;
		}
		return version;
	}

	/** Whether [from, to) holds only zero bytes, read in pieces within the read budget. */
	private isAllZero(from: number, to: number): boolean {
		for (let offset = from; offset < to; offset += ZERO_SCAN_CHUNK) {
			const bytes = this.read(offset, Math.min(ZERO_SCAN_CHUNK, to - offset));
			if (!bytes) return false;
			for (let index = 0; index < bytes.length; index++) {
				if (bytes[index] !== 0) return false;
			}
		}
		return true;
	}

	/** Records an issue; structural ones (the default) mean some facts may be missing. */
	private note(issue: string, structural = true): void {
		if (structural) this.complete = false;
		if (this.issues.includes(issue)) return;
		if (this.issues.length < MAX_ISSUES) this.issues.push(issue);
		else if (this.issues.length === MAX_ISSUES) this.issues.push('further issues omitted');
	}
}

/**
 * How long a track plays: for fragmented files where its last fragment ends; otherwise tkhd (the
 * presented length, after edit lists: e.g. without AAC priming), the edit list itself, then mdhd.
 */
function trackDuration(track: TrackFacts, movie: MovieFacts): number | undefined {
	if (movie.fragments && track.fragmentsEnd) {
		return secondsOf(track.fragmentsEnd, track.mediaTimescale);
	}
	const edited = track.edits?.length && track.edits.every((edit) => edit.segmentDuration > 0)
		? track.edits.reduce((total, edit) => total + edit.segmentDuration, 0)
		: undefined;
	return (
		secondsOf(track.headerDuration, movie.timescale) ??
		secondsOf(edited, movie.timescale) ??
		secondsOf(track.mediaDuration, track.mediaTimescale)
	);
}

/**
 * The size a viewer sees: the stored size stretched by a non-square pixel aspect ratio (pasp),
 * else tkhd's presentation size, else the stored size; turned a quarter by a 90/270 rotation.
 */
function displayedSize(track: TrackFacts, details: SampleEntryDetails): [number, number] | undefined {
	let size: [number, number] | undefined;
	const [hSpacing, vSpacing] = details.pixelAspect ?? [0, 0];
	if (details.codedWidth !== undefined && details.codedHeight !== undefined && hSpacing > 0 && vSpacing > 0 && hSpacing !== vSpacing) {
		const stretched = Math.round((details.codedWidth * hSpacing) / vSpacing);
		if (stretched >= 1 && stretched <= 65_535) size = [stretched, details.codedHeight];
	}
	size ??= track.presentationWidth !== undefined && track.presentationHeight !== undefined
		? [track.presentationWidth, track.presentationHeight]
		: details.codedWidth !== undefined && details.codedHeight !== undefined
			? [details.codedWidth, details.codedHeight]
			: undefined;
	if (size && (track.rotation === 90 || track.rotation === 270)) return [size[1], size[0]];
	return size;
}

function classifyContainer(fileType: FileType | undefined, hasMovie: boolean): Mp4Inspection['container'] {
	// Older QuickTime files have no ftyp: they start straight with moov, wide or mdat.
	if (!fileType) return hasMovie ? 'quicktime' : 'unknown';
	if (fileType.majorBrand === 'qt  ') return 'quicktime';
	const brands = fileType.majorBrand === undefined
		? fileType.compatibleBrands
		: [fileType.majorBrand, ...fileType.compatibleBrands];
	if (brands.some(isIsoVideoBrand)) return 'mp4';
	if (brands.includes('qt  ')) return 'quicktime';
	// An ftyp with unfamiliar brands plus a movie box is still an ISO BMFF movie.
	return hasMovie ? 'mp4' : 'unknown';
}

function isIsoVideoBrand(brand: string): boolean {
	return ISO_VIDEO_BRANDS.has(brand) || /^(iso[0-9a-z]|mp4[12]|mp71|3gp[0-9]|3g2[0-9a-z])/.test(brand);
}

function secondsOf(duration: number | undefined, timescale: number | undefined): number | undefined {
	// Zero means "not stored here" (fragmented files), not an empty movie.
	if (duration === undefined || timescale === undefined || duration === 0 || timescale === 0) return undefined;
	const seconds = duration / timescale;
	return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** A 32-bit duration; all ones means "unknown". */
function readDuration32(bytes: Uint8Array, offset: number): number | undefined {
	const value = readUint32(bytes, offset);
	return value === UINT32_MAX ? undefined : value;
}

/** A 64-bit duration; all ones means "unknown". Values above 2^53 lose precision only. */
function readDuration64(bytes: Uint8Array, offset: number): number | undefined {
	const high = readUint32(bytes, offset);
	const low = readUint32(bytes, offset + 4);
	return high === UINT32_MAX && low === UINT32_MAX ? undefined : readUint64(bytes, offset);
}

/** objectTypeIndication from an esds payload (ES_Descriptor > DecoderConfigDescriptor). */
function readObjectType(bytes: Uint8Array, start: number, end: number): number | undefined {
	const ES_DESCRIPTOR_TAG = 0x03;
	const DECODER_CONFIG_TAG = 0x04;
	if (start >= end || bytes[start] !== ES_DESCRIPTOR_TAG) return undefined;
	const esDescriptor = readDescriptorLength(bytes, start + 1, end);
	if (!esDescriptor) return undefined;
	const esEnd = Math.min(end, esDescriptor.contentStart + esDescriptor.length);
	let offset = esDescriptor.contentStart;
	// ES_ID (2 bytes), then flags announcing optional fields.
	if (offset + 3 > esEnd) return undefined;
	const flags = bytes[offset + 2];
	offset += 3;
	if (flags & 0x80) offset += 2;
	if (flags & 0x40) {
		if (offset >= esEnd) return undefined;
		offset += 1 + bytes[offset];
	}
	if (flags & 0x20) offset += 2;
	if (offset >= esEnd || bytes[offset] !== DECODER_CONFIG_TAG) return undefined;
	const decoderConfig = readDescriptorLength(bytes, offset + 1, esEnd);
	if (!decoderConfig || decoderConfig.length < 1 || decoderConfig.contentStart >= esEnd) return undefined;
	return bytes[decoderConfig.contentStart];
}

/** MPEG-4 descriptor length: up to four 7-bit groups, high bit set on all but the last. */
function readDescriptorLength(
	bytes: Uint8Array,
	start: number,
	end: number,
): { length: number; contentStart: number } | undefined {
	let length = 0;
	for (let offset = start; offset < Math.min(end, start + 4); offset++) {
		length = length * 128 + (bytes[offset] & 0x7f);
		if ((bytes[offset] & 0x80) === 0) return { length, contentStart: offset + 1 };
	}
	return undefined;
}
