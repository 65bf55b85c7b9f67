/**
 * Names the inspector reports: friendly codec names for sample entry fourccs and esds object
 * types, and which container a file is from its ftyp brands.
 */
import type { FileType } from './movieBoxes';

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
	// QuickTime's own PCM fourccs: 8-bit unsigned ('raw '), 24/32-bit integer, 32/64-bit float.
	'raw ': 'PCM',
	in24: 'PCM',
	in32: 'PCM',
	fl32: 'PCM',
	fl64: 'PCM',
	ulaw: 'G.711 µ-law',
	alaw: 'G.711 A-law',
	mha1: 'MPEG-H Audio',
	mhm1: 'MPEG-H Audio',
};

// esds objectTypeIndication values (MPEG-4 Systems registry); 'mp4a'/'mp4v' alone do not say
// which codec is inside, ffmpeg for one stores MP3 as 'mp4a' with type 0x6B.
export const AUDIO_OBJECT_TYPES: Readonly<Record<number, string>> = {
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

export const VIDEO_OBJECT_TYPES: Readonly<Record<number, string>> = {
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

export type Container = 'mp4' | 'quicktime' | 'unknown';

/** The container a file is, from its ftyp brands and whether it has a movie box. */
export function classifyContainer(fileType: FileType | undefined, hasMovie: boolean): Container {
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
