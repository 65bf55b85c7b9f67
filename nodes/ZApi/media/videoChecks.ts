import { definedOnly } from '../definedOnly';
import { MediaError } from '../InputError';
import { base64ByteSource } from './bytes';
import type { Mp4Inspection } from './mp4/inspector';
import { inspectMp4 } from './mp4/inspector';
import type { PreparedMedia } from './source';

export type CheckPolicy = 'off' | 'warn' | 'refuse';

export interface VideoCheckOptions {
	/** WhatsApp shows status videos up to 60 s. 0 turns the check off. */
	maxDurationSeconds: number;
	longVideo: 'warn' | 'refuse';
	requireH264: CheckPolicy;
	/** A file whose duration and codec cannot be read (not MP4/QuickTime, damaged), or that cannot play as posted (cut short, encrypted). */
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
	/** Size as displayed: pixel aspect ratio and rotation applied. */
	width?: number;
	height?: number;
	/** Clockwise degrees the stored picture is turned for display. */
	rotation?: number;
	/** Size of the pictures as stored. */
	codedWidth?: number;
	codedHeight?: number;
	videoCodec?: string;
	audioCodec?: string;
	/** The file as posted starts playing before it is fully downloaded (its index, moov, comes first). */
	fastStart?: boolean;
	/** The node moved the index to the front (Move Index to Front): the original had it at the end. */
	indexMovedToFront?: boolean;
	/** Things worth knowing that did not stop the item. */
	warnings: string[];
}

/**
 * Reads the box structure of a file the node holds. Bytes, Base64 text and a stored file's outline
 * go through the same reader (Base64 decoded piecewise, box headers and fields only), so every
 * source gets one verdict.
 */
export function inspectInlineMedia(media: PreparedMedia): Mp4Inspection | undefined {
	if (media.kind !== 'inline') return undefined;
	if (media.outline) return inspectMp4(media.outline);
	if (media.content) return inspectMp4(media.content);
	if (media.payload === undefined) return undefined;
	return inspectMp4(base64ByteSource(media.payload, media.bytes));
}

const seconds = (value: number) => `${value.toFixed(1)} s`;

const MOOV_AT_END = 'The MP4 index (moov) is at the end of the file, so viewers wait for the whole download before it plays';

function uninspectableReason(inspection: Mp4Inspection): string | undefined {
	if (inspection.container === 'unknown') return 'it is not an MP4/QuickTime file';
	if (inspection.durationSeconds === undefined && inspection.videoCodec === undefined) {
		return `its structure could not be read${inspection.issues.length ? ` (${inspection.issues[0]})` : ''}`;
	}
	return undefined;
}

/** Why a readable file would not play as posted, with what to do about it; undefined when it would. */
function unplayableReason(inspection: Mp4Inspection): { message: string; hint: string } | undefined {
	if (inspection.encrypted) {
		return {
			message: 'The video is encrypted (DRM), so WhatsApp cannot play it',
			hint: 'Send a copy without DRM, as the camera or editing app exports it, or set Options > Video That Cannot Be Inspected to Send.',
		};
	}
	if (inspection.cutShort) {
		return {
			message: 'The video file is cut short: it ends before the media its own index describes, so it stops early or does not play',
			hint: 'Send the complete file (an upload or download probably stopped partway), or set Options > Video That Cannot Be Inspected to Send.',
		};
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
		rotation: inspection.rotation,
		codedWidth: inspection.codedWidth,
		codedHeight: inspection.codedHeight,
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

	// A readable movie whose length is not known (limits reached, no duration anywhere) must not pass the duration check silently.
	if (options.maxDurationSeconds > 0 && inspection.durationSeconds === undefined) {
		const message = `The video could not be inspected: its length could not be read${inspection.issues.length ? ` (${inspection.issues[0]})` : ''}`;
		if (options.uninspectable === 'refuse') {
			throw new MediaError(message, 'Send an MP4 (H.264) file, or set Options > Video That Cannot Be Inspected to Send.');
		}
		if (options.uninspectable === 'warn') facts.warnings.push(`${message}; the duration was not checked`);
	}

	const unplayable = unplayableReason(inspection);
	if (unplayable) {
		if (options.uninspectable === 'refuse') throw new MediaError(unplayable.message, unplayable.hint);
		if (options.uninspectable === 'warn') facts.warnings.push(unplayable.message);
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

	if (inspection.fastStart === false) facts.warnings.push(MOOV_AT_END);
	return definedOnly(facts);
}

/**
 * The facts once the node tried to move the index of a file to the front (mp4/fastStart.ts): moved,
 * the file as posted is fast start and the warning goes; not moved, the warning says why.
 */
export function recordIndexMove(facts: VideoFacts, move: { moved: unknown } | { reason: string }): VideoFacts {
	const { warnings, ...rest } = facts;
	const others = warnings.filter((warning) => warning !== MOOV_AT_END);
	if ('moved' in move) return { ...rest, fastStart: true, indexMovedToFront: true, warnings: others };
	return { ...rest, fastStart: false, warnings: [...others, `${MOOV_AT_END}; it could not be moved to the front: ${move.reason}`] };
}
