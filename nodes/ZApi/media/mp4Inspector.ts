import { definedOnly } from '../definedOnly';

/**
 * Reads what matters before posting a video to WhatsApp Status (container, duration, codecs,
 * picture size, fast start) from the ISO BMFF / QuickTime box structure, without decoding or
 * copying media data.
 *
 * The bytes are untrusted: the reader never throws, its work is capped (box headers read and
 * nesting depth), and it reports a fact only when the bytes holding it were actually read.
 */

export interface Mp4TrackInfo {
	kind: 'video' | 'audio' | 'other';
	/** Sample entry fourcc, e.g. 'avc1'. */
	codec?: string;
	/** Friendly codec name, e.g. 'H.264', 'AAC'. Only for video and audio tracks. */
	codecName?: string;
	durationSeconds?: number;
	width?: number;
	height?: number;
}

export interface Mp4Inspection {
	container: 'mp4' | 'quicktime' | 'unknown';
	/** ftyp major brand without trailing spaces, e.g. 'isom', 'qt'. */
	brand?: string;
	/** Movie duration from mvhd. */
	durationSeconds?: number;
	/** Friendly codec name of the first video track. */
	videoCodec?: string;
	/** Sample entry fourcc of the first video track. */
	videoCodecTag?: string;
	/** Friendly codec name of the first audio track. */
	audioCodec?: string;
	width?: number;
	height?: number;
	/** true when moov precedes mdat at top level, false when mdat comes first. */
	fastStart?: boolean;
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
}

export interface Mp4InspectionStats {
	/** Box headers read. Never more than maxBoxes. */
	steps: number;
	/** Deepest nesting level at which a box header was read. Never more than maxDepth. */
	deepestLevel: number;
	maxBoxes: number;
	maxDepth: number;
}

export const DEFAULT_MP4_INSPECTION_LIMITS: Readonly<Required<Mp4InspectionLimits>> = {
	maxBoxes: 10_000,
	maxDepth: 16,
};

const MAX_ISSUES = 20;
const MAX_COMPATIBLE_BRANDS = 64;
const TWO_POW_32 = 0x1_0000_0000;
const UINT32_MAX = 0xffff_ffff;

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

export function inspectMp4(bytes: Uint8Array, limits?: Mp4InspectionLimits): Mp4Inspection {
	return inspectMp4WithStats(bytes, limits).inspection;
}

/** Same as inspectMp4, plus how much work the reader did (for tests and diagnostics). */
export function inspectMp4WithStats(
	bytes: Uint8Array,
	limits?: Mp4InspectionLimits,
): { inspection: Mp4Inspection; stats: Mp4InspectionStats } {
	const maxBoxes = validLimit(limits?.maxBoxes, DEFAULT_MP4_INSPECTION_LIMITS.maxBoxes);
	const maxDepth = validLimit(limits?.maxDepth, DEFAULT_MP4_INSPECTION_LIMITS.maxDepth);
	if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') {
		return {
			inspection: unreadable('input is not a Uint8Array'),
			stats: { steps: 0, deepestLevel: 0, maxBoxes, maxDepth },
		};
	}
	const reader = new BoxReader(bytes, maxBoxes, maxDepth);
	let inspection: Mp4Inspection;
	try {
		inspection = reader.inspect();
	} catch (error) {
		// Not expected (every read is bounds-checked); kept so hostile input can never escape as an exception.
		inspection = unreadable(`internal error: ${error instanceof Error ? error.message : 'unknown'}`);
	}
	return {
		inspection,
		stats: { steps: reader.steps, deepestLevel: reader.deepestLevel, maxBoxes, maxDepth },
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

interface TrackFacts {
	handlerType?: string;
	/** tkhd duration, in movie timescale units. */
	headerDuration?: number;
	displayWidth?: number;
	displayHeight?: number;
	mediaTimescale?: number;
	mediaDuration?: number;
	sampleEntry?: Box;
}

interface MovieFacts {
	timescale?: number;
	duration?: number;
	headerRead: boolean;
	fragmented: boolean;
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
}

class BoxReader {
	steps = 0;
	deepestLevel = 0;
	private stopped = false;
	private complete = true;
	private readonly issues: string[] = [];

	constructor(
		private readonly bytes: Uint8Array,
		private readonly maxBoxes: number,
		private readonly maxDepth: number,
	) {}

	inspect(): Mp4Inspection {
		const bytes = this.bytes;
		if (bytes.length === 0) return unreadable('empty input');
		if (bytes.length < 8) return unreadable(`input too short for an MP4 box (${bytes.length} bytes)`);

		let fileType: FileType | undefined;
		let movie: MovieFacts | undefined;
		let moovOffset: number | undefined;
		let mdatOffset: number | undefined;
		let topLevelBoxes = 0;
		const file: Region = { start: 0, end: bytes.length, level: 1, parentType: '', cutShort: false };
		this.walk(file, (box) => {
			topLevelBoxes++;
			if (box.type === 'ftyp' && fileType === undefined) fileType = this.readFileType(box);
			if (box.type === 'mdat' && mdatOffset === undefined) mdatOffset = box.start;
			if (box.type === 'moov' && moovOffset === undefined) {
				moovOffset = box.start;
				movie = this.readMovie(box);
			}
		});

		// All-zero input ends the walk cleanly, but it is not an empty MP4 either.
		if (topLevelBoxes === 0 && this.issues.length === 0) this.note('no MP4 boxes found');
		if (topLevelBoxes > 0 && fileType === undefined) this.note('no ftyp box', false);
		if (topLevelBoxes > 0 && movie === undefined) this.note('no moov box', false);
		const movieFacts: MovieDescription = movie ? this.describeMovie(movie) : { tracks: [] };
		const video = movieFacts.tracks.find((track) => track.kind === 'video');
		const audio = movieFacts.tracks.find((track) => track.kind === 'audio');
		const videoHasSize = video?.width !== undefined && video.height !== undefined;
		return definedOnly<Mp4Inspection>({
			container: classifyContainer(fileType, moovOffset !== undefined),
			brand: fileType?.majorBrand?.replace(/ +$/, '') || undefined,
			durationSeconds: movieFacts.durationSeconds,
			videoCodec: video?.codecName,
			videoCodecTag: video?.codec,
			audioCodec: audio?.codecName,
			width: videoHasSize ? video?.width : undefined,
			height: videoHasSize ? video?.height : undefined,
			fastStart: moovOffset !== undefined && mdatOffset !== undefined ? moovOffset < mdatOffset : undefined,
			tracks: movieFacts.tracks,
			complete: this.complete,
			issues: this.issues,
		});
	}

	private describeMovie(movie: MovieFacts): MovieDescription {
		if (movie.compressed) this.note('compressed moov (cmov) is not supported');
		if (!movie.headerRead && !movie.compressed) this.note('no readable mvhd box', false);
		const durationSeconds = secondsOf(movie.duration, movie.timescale);
		if (movie.headerRead && durationSeconds === undefined) {
			if (movie.timescale === 0) this.note('mvhd timescale is zero', false);
			else if (movie.fragmented) this.note('movie duration not stored in mvhd (fragmented MP4)', false);
			else this.note('movie duration not stored in mvhd', false);
		}
		return {
			durationSeconds,
			tracks: movie.tracks.map((track) => this.describeTrack(track, movie.timescale)),
		};
	}

	private describeTrack(track: TrackFacts, movieTimescale: number | undefined): Mp4TrackInfo {
		const kind = track.handlerType === 'vide' ? 'video' : track.handlerType === 'soun' ? 'audio' : 'other';
		// tkhd holds the presented duration (after edit lists, e.g. without AAC priming); mdhd is the fallback.
		const durationSeconds =
			secondsOf(track.headerDuration, movieTimescale) ?? secondsOf(track.mediaDuration, track.mediaTimescale);
		const entry = track.sampleEntry;
		if (!entry || kind === 'other') {
			return definedOnly<Mp4TrackInfo>({
				kind,
				codec: entry?.type,
				durationSeconds,
				width: track.displayWidth,
				height: track.displayHeight,
			});
		}
		const details = kind === 'video' ? this.readVisualSampleEntry(entry) : this.readAudioSampleEntry(entry);
		const format = details.originalFormat ?? entry.type;
		const objectTypes = kind === 'video' ? VIDEO_OBJECT_TYPES : AUDIO_OBJECT_TYPES;
		// An esds that names an unfamiliar object type leaves the fourcc rather than a guess.
		const byObjectType =
			(format === 'mp4v' || format === 'mp4a') && details.objectType !== undefined
				? (objectTypes[details.objectType] ?? format)
				: undefined;
		// The display size (tkhd) is what viewers see; the coded size is only a fallback.
		const useCodedSize = kind === 'video' && track.displayWidth === undefined;
		return definedOnly<Mp4TrackInfo>({
			kind,
			codec: entry.type,
			codecName: byObjectType ?? (kind === 'video' ? describeVideoCodec(format) : describeAudioCodec(format)),
			durationSeconds,
			width: useCodedSize ? details.codedWidth : track.displayWidth,
			height: useCodedSize ? details.codedHeight : track.displayHeight,
		});
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

	/** Reads one box header; undefined when the region ends here (cleanly or not, noted either way). */
	private readBox(region: Region, offset: number): Box | undefined {
		const bytes = this.bytes;
		const topLevel = region.level === 1;
		const where = topLevel ? 'the file' : region.parentType;
		if (region.level > this.maxDepth) {
			this.note(`boxes nested deeper than ${this.maxDepth} levels were not read`);
			return undefined;
		}
		const remaining = region.end - offset;
		if (remaining < 8) {
			// QuickTime ends some atom lists with a 32-bit zero; zero padding is harmless too.
			if (!this.isAllZero(offset, region.end) && !region.cutShort) {
				this.note(`${remaining} stray bytes at the end of ${where}`);
			}
			return undefined;
		}
		if (this.steps >= this.maxBoxes) {
			this.note(`stopped after reading ${this.maxBoxes} boxes`);
			this.stopped = true;
			return undefined;
		}
		this.steps++;
		if (region.level > this.deepestLevel) this.deepestLevel = region.level;

		const size32 = readUint32(bytes, offset);
		const typeIsZero = readUint32(bytes, offset + 4) === 0;
		if (!topLevel && (size32 === 0 || (size32 === 8 && typeIsZero))) {
			// Size 0 is only meaningful at top level; inside a container it (or an empty
			// zero-type atom) is a QuickTime terminator that ends the list.
			if (!this.isAllZero(offset + (size32 === 0 ? 4 : 8), region.end)) {
				this.note(`a zero-size box ended ${where} early`);
			}
			return undefined;
		}
		if (topLevel && typeIsZero && this.isAllZero(offset, region.end)) return undefined;
		const type = readFourcc(bytes, offset + 4);
		if (type === undefined) {
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
				return undefined;
			}
			headerSize = 16;
			// Beyond 2^53 the value is approximate, but then it is far past any real input anyway.
			size = readUint32(bytes, offset + 8) * TWO_POW_32 + readUint32(bytes, offset + 12);
		} else if (size32 === 0) {
			size = remaining;
		}
		if (size < headerSize) {
			this.note(`${type} box at offset ${offset} has an invalid size (${size})`);
			return undefined;
		}
		const truncated = size > remaining;
		if (truncated && !region.cutShort) {
			this.note(region.end === bytes.length ? `${type} box truncated` : `${type} box overruns ${where}`);
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

	/** Whole content of a leaf box of at least minLength bytes, or false (noted when malformed). */
	private hasWholeContent(box: Box, minLength: number): boolean {
		if (box.truncated) return false;
		if (box.end - box.contentStart >= minLength) return true;
		this.note(`${box.type} box too short`);
		return false;
	}

	private readFileType(box: Box): FileType | undefined {
		if (!this.hasWholeContent(box, 8)) return undefined;
		const bytes = this.bytes;
		const fileType: FileType = { compatibleBrands: [] };
		const majorBrand = readFourcc(bytes, box.contentStart);
		if (majorBrand !== undefined) fileType.majorBrand = majorBrand;
		const lastBrandStart = Math.min(box.end, box.contentStart + 8 + MAX_COMPATIBLE_BRANDS * 4) - 4;
		for (let offset = box.contentStart + 8; offset <= lastBrandStart; offset += 4) {
			const brand = readFourcc(bytes, offset);
			if (brand !== undefined) fileType.compatibleBrands.push(brand);
		}
		return fileType;
	}

	private readMovie(moov: Box): MovieFacts {
		const movie: MovieFacts = { headerRead: false, fragmented: false, compressed: false, tracks: [] };
		this.walk(this.childrenOf(moov), (box) => {
			if (box.type === 'mvhd' && !movie.headerRead) this.readMovieHeader(box, movie);
			else if (box.type === 'trak') movie.tracks.push(this.readTrack(box));
			else if (box.type === 'mvex') movie.fragmented = true;
			else if (box.type === 'cmov') movie.compressed = true;
		});
		return movie;
	}

	private readMovieHeader(box: Box, movie: MovieFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined || !this.hasWholeContent(box, version === 1 ? 32 : 20)) return;
		const content = box.contentStart;
		movie.headerRead = true;
		movie.timescale = readUint32(this.bytes, content + (version === 1 ? 20 : 12));
		movie.duration =
			version === 1 ? readDuration64(this.bytes, content + 24) : readDuration32(this.bytes, content + 16);
	}

	private readTrack(trak: Box): TrackFacts {
		const track: TrackFacts = {};
		let headerSeen = false;
		let mediaSeen = false;
		this.walk(this.childrenOf(trak), (box) => {
			if (box.type === 'tkhd' && !headerSeen) {
				headerSeen = true;
				this.readTrackHeader(box, track);
			} else if (box.type === 'mdia' && !mediaSeen) {
				mediaSeen = true;
				this.readMedia(box, track);
			}
		});
		return track;
	}

	private readTrackHeader(box: Box, track: TrackFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined || !this.hasWholeContent(box, version === 1 ? 96 : 84)) return;
		const bytes = this.bytes;
		const content = box.contentStart;
		const duration =
			version === 1 ? readDuration64(bytes, content + 28) : readDuration32(bytes, content + 20);
		if (duration !== undefined) track.headerDuration = duration;
		const sizeOffset = content + (version === 1 ? 88 : 76);
		// 16.16 fixed point; audio tracks store zero.
		const width = Math.round(readUint32(bytes, sizeOffset) / 0x1_0000);
		const height = Math.round(readUint32(bytes, sizeOffset + 4) / 0x1_0000);
		if (width > 0 && height > 0) {
			track.displayWidth = width;
			track.displayHeight = height;
		}
	}

	private readMedia(mdia: Box, track: TrackFacts): void {
		this.walk(this.childrenOf(mdia), (box) => {
			if (box.type === 'mdhd' && track.mediaTimescale === undefined) this.readMediaHeader(box, track);
			else if (box.type === 'hdlr' && track.handlerType === undefined) {
				// QuickTime calls it component subtype, ISO handler_type: same offset either way.
				if (this.hasWholeContent(box, 12)) track.handlerType = readFourcc(this.bytes, box.contentStart + 8);
			} else if (box.type === 'minf') {
				this.walk(this.childrenOf(box), (child) => {
					if (child.type !== 'stbl') return;
					this.walk(this.childrenOf(child), (table) => {
						if (table.type === 'stsd' && track.sampleEntry === undefined) this.readSampleDescription(table, track);
					});
				});
			}
		});
	}

	private readMediaHeader(box: Box, track: TrackFacts): void {
		const version = this.fullBoxVersion(box);
		if (version === undefined || !this.hasWholeContent(box, version === 1 ? 32 : 20)) return;
		const content = box.contentStart;
		track.mediaTimescale = readUint32(this.bytes, content + (version === 1 ? 20 : 12));
		const duration =
			version === 1 ? readDuration64(this.bytes, content + 24) : readDuration32(this.bytes, content + 16);
		if (duration !== undefined) track.mediaDuration = duration;
	}

	private readSampleDescription(stsd: Box, track: TrackFacts): void {
		// Entries may be readable even when stsd itself was cut, so only its fixed part must be whole.
		if (stsd.end - stsd.contentStart < 8) {
			if (!stsd.truncated) this.note('stsd box too short');
			return;
		}
		if (readUint32(this.bytes, stsd.contentStart + 4) === 0) return;
		const entries = this.childrenOf(stsd, 8);
		const entry = this.readBox(entries, entries.start);
		if (entry && !entry.truncated) track.sampleEntry = entry;
	}

	private readVisualSampleEntry(entry: Box): SampleEntryDetails {
		const details: SampleEntryDetails = {};
		const content = entry.contentStart;
		if (entry.end - content >= 28) {
			const width = readUint16(this.bytes, content + 24);
			const height = readUint16(this.bytes, content + 26);
			if (width > 0 && height > 0) {
				details.codedWidth = width;
				details.codedHeight = height;
			}
		}
		// Child boxes follow the 78-byte visual fields; other codecs' children are not needed.
		if ((entry.type === 'mp4v' || entry.type === 'encv') && entry.end - content >= 78) {
			this.readSampleEntryChildren(this.childrenOf(entry, 78), details);
		}
		return details;
	}

	private readAudioSampleEntry(entry: Box): SampleEntryDetails {
		const details: SampleEntryDetails = {};
		const content = entry.contentStart;
		if ((entry.type !== 'mp4a' && entry.type !== 'enca') || entry.end - content < 28) return details;
		// QuickTime sound descriptions v1/v2 carry 16/36 more bytes before the child boxes.
		const version = readUint16(this.bytes, content + 8);
		const fieldsLength = version === 0 ? 28 : version === 1 ? 44 : version === 2 ? 64 : undefined;
		if (fieldsLength !== undefined && entry.end - content >= fieldsLength) {
			this.readSampleEntryChildren(this.childrenOf(entry, fieldsLength), details);
		}
		return details;
	}

	private readSampleEntryChildren(children: Region, details: SampleEntryDetails): void {
		this.walk(children, (box) => {
			if (box.type === 'esds' && details.objectType === undefined) {
				if (this.hasWholeContent(box, 4)) details.objectType = readObjectType(this.bytes, box.contentStart + 4, box.end);
			} else if (box.type === 'wave' || box.type === 'sinf') {
				// QuickTime keeps esds inside 'wave'; encrypted entries name the real format in sinf > frma.
				this.readSampleEntryChildren(this.childrenOf(box), details);
			} else if (box.type === 'frma' && details.originalFormat === undefined) {
				if (this.hasWholeContent(box, 4)) details.originalFormat = readFourcc(this.bytes, box.contentStart);
			}
		});
	}

	private fullBoxVersion(box: Box): number | undefined {
		if (box.truncated) return undefined;
		if (box.end - box.contentStart < 4) {
			this.note(`${box.type} box too short`);
			return undefined;
		}
		const version = this.bytes[box.contentStart];
		if (version > 1) {
			this.note(`${box.type} version ${version} not supported`);
			return undefined;
		}
		return version;
	}

	private isAllZero(from: number, to: number): boolean {
		for (let offset = from; offset < to; offset++) {
			if (this.bytes[offset] !== 0) return false;
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

function classifyContainer(fileType: FileType | undefined, hasMovie: boolean): Mp4Inspection['container'] {
	if (!fileType) return 'unknown';
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
	return duration / timescale;
}

function readUint16(bytes: Uint8Array, offset: number): number {
	return (bytes[offset] << 8) | bytes[offset + 1];
}

function readUint32(bytes: Uint8Array, offset: number): number {
	// Multiplying the top byte keeps the result unsigned (a << 24 would go negative).
	return bytes[offset] * 0x100_0000 + ((bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]);
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
	return high === UINT32_MAX && low === UINT32_MAX ? undefined : high * TWO_POW_32 + low;
}

/** Four printable characters (or QuickTime's ©), else undefined. */
function readFourcc(bytes: Uint8Array, offset: number): string | undefined {
	if (offset + 4 > bytes.length) return undefined;
	let fourcc = '';
	for (let index = offset; index < offset + 4; index++) {
		const code = bytes[index];
		if ((code < 0x20 || code > 0x7e) && code !== 0xa9) return undefined;
		fourcc += String.fromCharCode(code);
	}
	return fourcc;
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
