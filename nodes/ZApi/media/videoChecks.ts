import { definedOnly } from '../definedOnly';
import { decodeBase64Range } from './base64';
import { MediaError } from '../InputError';
import type { Mp4Inspection } from './mp4Inspector';
import { inspectMp4 } from './mp4Inspector';
import { mp4Skeleton } from './mp4Skeleton';
import type { PreparedMedia } from './source';

export type CheckPolicy = 'off' | 'warn' | 'refuse';

export interface VideoCheckOptions {
	/** WhatsApp shows status videos up to 60 s. 0 turns the check off. */
	maxDurationSeconds: number;
	longVideo: 'warn' | 'refuse';
	requireH264: CheckPolicy;
	/** A file whose duration and codec cannot be read (not MP4/QuickTime, damaged). */
	uninspectable: 'send' | 'warn' | 'refuse';
}

export const DEFAULT_VIDEO_CHECKS: Readonly<VideoCheckOptions> = {
	maxDurationSeconds: 60,
	longVideo: 'refuse',
	requireH264: 'warn',
	uninspectable: 'warn',
};

/** What the node learned about the video, added to the output item under `video`. */
export interface VideoFacts {
	bytes?: number;
	mimeType?: string;
	container?: 'mp4' | 'quicktime' | 'unknown';
	durationSeconds?: number;
	width?: number;
	height?: number;
	videoCodec?: string;
	audioCodec?: string;
	fastStart?: boolean;
	/** Things worth knowing that did not stop the item. */
	warnings: string[];
}

/** Reads the box structure of a file the node holds, decoding only box headers for Base64 text. */
export function inspectInlineMedia(media: PreparedMedia): Mp4Inspection | undefined {
	if (media.kind !== 'inline') return undefined;
	if (media.content) return inspectMp4(media.content);
	const { payload, bytes } = media;
	if (payload === undefined) return undefined;
	return inspectMp4(mp4Skeleton((offset, length) => decodeBase64Range(payload, offset, length), bytes));
}

const seconds = (value: number) => `${value.toFixed(1)} s`;

function uninspectableReason(inspection: Mp4Inspection): string | undefined {
	if (inspection.container === 'unknown') return 'it is not an MP4/QuickTime file';
	if (inspection.durationSeconds === undefined && inspection.videoCodec === undefined) {
		return `its structure could not be read${inspection.issues.length ? ` (${inspection.issues[0]})` : ''}`;
	}
	return undefined;
}

/**
 * Applies the user's checks to what the inspection found: returns the facts and warnings, or
 * throws a MediaError naming the fact found when a check refuses the video.
 */
export function checkVideo(
	media: PreparedMedia,
	inspection: Mp4Inspection | undefined,
	options: VideoCheckOptions,
): VideoFacts {
	const facts: VideoFacts = { bytes: media.bytes, mimeType: media.mimeType, warnings: [] };
	if (media.kind === 'link' && media.uncheckedReason) facts.warnings.push(`The link was passed on without a size check: ${media.uncheckedReason}`);
	if (!inspection) return definedOnly(facts);

	Object.assign(facts, {
		container: inspection.container,
		durationSeconds: inspection.durationSeconds === undefined ? undefined : Math.round(inspection.durationSeconds * 1000) / 1000,
		width: inspection.width,
		height: inspection.height,
		videoCodec: inspection.videoCodec,
		audioCodec: inspection.audioCodec,
		fastStart: inspection.fastStart,
	});

	const notInspectable = uninspectableReason(inspection);
	if (notInspectable) {
		const message = `The video could not be inspected: ${notInspectable}`;
		if (options.uninspectable === 'refuse') {
			throw new MediaError(message, 'Send an MP4 (H.264) file, or set Options > Video That Cannot Be Inspected to Send.');
		}
		if (options.uninspectable === 'warn') facts.warnings.push(`${message}; duration and codec were not checked`);
		return definedOnly(facts);
	}

	if (inspection.tracks.length > 0 && !inspection.tracks.some((track) => track.kind === 'video')) {
		throw new MediaError('The file has no video track (it holds only audio or other data)', 'Send a video file.');
	}

	const duration = inspection.durationSeconds;
	if (options.maxDurationSeconds > 0 && duration !== undefined && duration > options.maxDurationSeconds) {
		const message = `The video is ${seconds(duration)} long; WhatsApp Status allows ${seconds(options.maxDurationSeconds).replace('.0 s', ' s')}`;
		if (options.longVideo === 'refuse') {
			throw new MediaError(
				message,
				`Trim the video to ${options.maxDurationSeconds} seconds or less. To send it anyway, set Options > Longer Videos to Send With Warning.`,
			);
		}
		facts.warnings.push(`${message}; WhatsApp may cut or reject it`);
	}

	const codec = inspection.videoCodec;
	if (options.requireH264 !== 'off' && codec !== undefined && codec !== 'H.264') {
		const message = `The video is ${codec}, not H.264`;
		if (options.requireH264 === 'refuse') {
			throw new MediaError(message, 'Re-encode it as MP4 with H.264, or set Options > Require H.264 to Warn or Off.');
		}
		facts.warnings.push(`${message}: Z-API converts it, which can fail, and some phones cannot play it`);
	}

	if (inspection.fastStart === false) {
		facts.warnings.push('The MP4 index (moov) is at the end of the file, so viewers wait for the whole download before it plays');
	}
	return definedOnly(facts);
}
