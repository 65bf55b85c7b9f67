import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { MediaKind } from '../../media/kinds';
import { concerning, InputError, MediaError } from '../../InputError';
import { STATUS_VIDEO_MAX_BYTES, VIDEO } from '../../media/kinds';
import { exceedsLimit, formatBytes } from '../../media/limits';
import type { Mp4Inspection } from '../../media/mp4/inspector';
import { inspectMp4 } from '../../media/mp4/inspector';
import type { MovieIndex, PreparedSplit } from '../../media/mp4/partAssembler';
import { fragmentedSeconds, prepareSplitFromIndex, readMovieIndex, skeletonOf } from '../../media/mp4/partAssembler';
import { moveIndexToFront } from '../../media/mp4/fastStart';
import type { InlineMedia, PreparedMedia } from '../../media/source';
import type { StreamedMedia } from '../../media/splitSource';
import { readBinaryForSplit, sourceOf, toInlineMedia } from '../../media/splitSource';
import type { VideoCheckOptions, VideoFacts } from '../../media/videoChecks';
import { checkVideo, inspectInlineMedia, recordIndexMove } from '../../media/videoChecks';
import { streamParts } from '../../media/partStream';
import { mediaRequestBody } from '../../media/requestBody';
import type { RetryPolicy } from '../../transport/zApiRequest';
import { requireMessageId, zApiRequest } from '../../transport/zApiRequest';
import type { MediaFields, UrlHandling } from '../mediaInput';
import { mediaParameter, readBinaryPropertyName, readMediaInput } from '../mediaInput';

/** Default of Options > Largest Video to Split (MB). */
export const DEFAULT_SPLIT_INPUT_MB = 50;
/** Files above this are refused even when the user raises the option: the node holds them in memory in some binary modes. */
export const MAX_SPLIT_INPUT_MB = 200;
/** Default and most of Options > Maximum Parts, so that a series fits one day's statuses of a number (Z-API's docs state no daily number: README). */
export const MAX_SERIES_PARTS = 30;

export interface SplitSettings {
	mode: 'split' | 'trim';
	checks: VideoCheckOptions;
	maxInputBytes: number;
	/** Most parts a series may have (checked before anything is posted). */
	maxParts: number;
	/** The first part to post (1-based); the earlier ones are neither built nor posted. */
	startFromPart: number;
	/** Rewrite a whole video whose moov is at the end with the moov first (mp4/fastStart.ts). */
	moveIndexToFront: boolean;
	urlHandling: UrlHandling;
	caption: string;
	timeout: number;
	retry: RetryPolicy;
}

interface PostedPart {
	number: number;
	zaapId?: unknown;
	messageId?: unknown;
}

/**
 * Send Video Status with Longer Videos = Split Into Several Statuses or Trim to Maximum Duration:
 * a video within the limits is sent as it is; a longer (or, when splitting, larger) one is cut at
 * keyframes into parts that are posted one after the other, each an ordinary send-video-status
 * call. Everything that can stop the item (sizes, keyframe gaps) is checked before the first post.
 * Returns one output item per posted part.
 */
export async function sendVideoInParts(this: IExecuteFunctions, itemIndex: number, fields: MediaFields, settings: SplitSettings): Promise<IDataObject[]> {
	const source = this.getNodeParameter(fields.source, itemIndex) as string;
	// Input problems name the field the video came from (the Source field itself when it is unknown).
	const label = mediaParameter(fields, source) ?? `${fields.label} Source`;
	const inputKind: MediaKind = { ...VIDEO, maxBytes: settings.maxInputBytes, limitSetBy: 'Options > Largest Video to Split (MB) allows' };

	let index: MovieIndex | undefined;
	let indexError: MediaError | undefined;
	const media = await concerning(label, async (): Promise<PreparedMedia | StreamedMedia> => {
		const read = await readSplittableMedia(this, itemIndex, fields, source, inputKind, settings);
		if (read.kind === 'link') return read;
		// A file that cannot be indexed may still be sent whole; the error matters only if it must be cut.
		index = await readMovieIndex(sourceOf(read), read.bytes).catch((error: unknown) => {
			if (!(error instanceof MediaError)) throw error;
			indexError = error;
			return undefined;
		});
		// Not an MP4 the splitter can read, but small enough to send whole: inspect it like any other file.
		if (!index && read.kind === 'streamed' && !exceedsLimit(read.bytes, STATUS_VIDEO_MAX_BYTES)) return await toInlineMedia(read, inputKind);
		return read;
	});
	if (media.kind === 'link') return [await postWhole.call(this, itemIndex, media, checkOrFail(label, media, undefined, settings), settings)];

	let inspection = index ? inspectIndex(index) : media.kind === 'inline' ? inspectInlineMedia(media) : undefined;
	if (index && inspection && inspection.durationSeconds === undefined) {
		// Fragmented MP4s usually leave the duration out of their header: their fragments tell it.
		const seconds = fragmentedSeconds(index, media.bytes);
		if (seconds !== undefined) inspection = { ...inspection, durationSeconds: seconds, issues: inspection.issues.filter((issue) => !issue.startsWith('movie duration not stored')) };
	}
	const maxSeconds = settings.checks.maxDurationSeconds;
	const tooLong = maxSeconds > 0 && inspection?.durationSeconds !== undefined && inspection.durationSeconds > maxSeconds;
	const tooLarge = exceedsLimit(media.bytes, STATUS_VIDEO_MAX_BYTES);
	const mustCut = tooLong || (tooLarge && settings.mode === 'split');
	// The duration check is this function's own: the others (codec, no video track, unreadable files)
	// apply as usual. Where the source keeps its index does not matter for parts, which are all fast start.
	const checked = inspection && mustCut ? { ...inspection, fastStart: undefined } : inspection;
	const facts = checkOrFail(label, media, checked, settings);

	return await concerning(label, async () => {
		if (!mustCut) {
			if (tooLarge) throw new MediaError(`The video is ${formatBytes(media.bytes)}; WhatsApp Status accepts at most ${formatBytes(STATUS_VIDEO_MAX_BYTES)}`, 'Trimming only shortens videos longer than the Maximum Duration. Set Longer Videos to Split Into Several Statuses, or send a smaller file.');
			refuseStartBeyond(1, settings.startFromPart);
			if (inspection?.durationSeconds === undefined && maxSeconds > 0) {
				facts.warnings.push(`The video's duration could not be read${inspection?.issues.length ? ` (${inspection.issues[0]})` : ''}, so it was sent whole, without splitting or trimming`);
			}
			let whole: InlineMedia | undefined;
			let sentFacts = facts;
			if (settings.moveIndexToFront && inspection?.fastStart === false) {
				const move = await moveIndexToFront(media, index);
				if ('moved' in move) whole = move.moved;
				sentFacts = recordIndexMove(facts, move);
			}
			whole ??= await toInlineMedia(media, inputKind);
			const durationSeconds = inspection?.durationSeconds;
			const item = await postWhole.call(this, itemIndex, whole, sentFacts, settings);
			return [{ ...item, part: partFields(1, 1, 0, durationSeconds, whole.bytes), video: sentFacts as unknown as IDataObject }];
		}
		if (!index) {
			throw indexError ?? new MediaError('The video cannot be split', 'Send an MP4 (H.264) file.');
		}
		if (maxSeconds <= 0) {
			throw new MediaError('The video is larger than 10 MB and Maximum Duration is 0, so there is no part length to split it into', 'Set Options > Maximum Duration (Seconds) to 60 (or less).');
		}
		const split = await prepareSplitFromIndex(index, sourceOf(media), media.bytes, { maxPartSeconds: maxSeconds, mode: settings.mode, maxPartBytes: STATUS_VIDEO_MAX_BYTES });
		const count = split.plan.parts.length;
		refuseTooManyParts(split, settings.maxParts, maxSeconds);
		refuseStartBeyond(count, settings.startFromPart);
		refuseOversizeParts(split, settings.mode, settings.startFromPart);
		facts.warnings.push(
			settings.mode === 'trim'
				? `The video (${seconds(split.plan.sourceSeconds)}) was trimmed to its first ${seconds(split.plan.parts[0].durationSeconds)}`
				: `The video (${seconds(split.plan.sourceSeconds)}) was split into ${count} parts at keyframes`,
		);
		if (split.plan.skippedTracks.length > 0) {
			facts.warnings.push(`Tracks other than video and audio (${[...new Set(split.plan.skippedTracks)].join(', ')}) were left out of the ${settings.mode === 'trim' ? 'trimmed video' : 'parts'}`);
		}
		if (split.plan.skippedVideoTracks.length > 0) {
			const frames = split.plan.skippedVideoTracks.map((count) => `${count} frame${count === 1 ? '' : 's'}`).join(', ');
			facts.warnings.push(
				`The video has ${split.plan.skippedVideoTracks.length + 1} video tracks: the one with the most frames was ${settings.mode === 'trim' ? 'trimmed' : 'split'}, the other${split.plan.skippedVideoTracks.length === 1 ? '' : 's'} (${frames}, such as a motion photo's still picture) left out`,
			);
		}
		if (split.plan.droppedLeadSeconds > 0) {
			facts.warnings.push(`The first ${seconds(split.plan.droppedLeadSeconds)} of audio, before the video's first frame, did not fit in the first part and were left out`);
		}
		if (split.plan.droppedTailSeconds > 0) {
			facts.warnings.push(`The last ${seconds(split.plan.droppedTailSeconds)} of audio run past the end of the video and were left out`);
		}
		return await postParts.call(this, itemIndex, split, media, facts, settings, label);
	});
}

/**
 * What the video checks need, from the movie's index alone (ftyp, moov and an empty mdat): the
 * media data is not read here, so the index pointing past that empty mdat says nothing about the
 * file. A file that really is cut short fails when its parts are read.
 */
function inspectIndex(index: MovieIndex): Mp4Inspection {
	const inspection = inspectMp4(skeletonOf(index));
	return { ...inspection, cutShort: undefined, issues: inspection.issues.filter((issue) => !issue.startsWith('the sample tables point')) };
}

async function readSplittableMedia(
	context: IExecuteFunctions,
	itemIndex: number,
	fields: MediaFields,
	source: string,
	kind: MediaKind,
	settings: SplitSettings,
): Promise<PreparedMedia | StreamedMedia> {
	if (source === 'binary') return await readBinaryForSplit(context, itemIndex, readBinaryPropertyName(context, itemIndex, kind), kind);
	// A link Z-API downloads cannot be cut: it is passed on as usual, within the usual limit. Downloaded
	// links and Base64 text (and unknown sources, which readMediaInput names) are read up to the split limit.
	const passedLink = source === 'url' && settings.urlHandling !== 'download';
	return (await readMediaInput(context, itemIndex, passedLink ? fields : { ...fields, kind }, settings.urlHandling, settings.timeout)).media;
}

function checkOrFail(label: string, media: PreparedMedia | StreamedMedia, inspection: Mp4Inspection | undefined, settings: SplitSettings): VideoFacts {
	const described: PreparedMedia = media.kind === 'streamed' ? { kind: 'inline', mimeType: media.mimeType, bytes: media.bytes } : media;
	const facts = concerning(label, () => checkVideo(described, inspection, { ...settings.checks, maxDurationSeconds: 0 }));
	if (media.kind === 'link') facts.warnings.push('Links that Z-API downloads are sent whole: set URL Handling to Download and Send File to split or trim them');
	return facts;
}

/** A series longer than Maximum Parts stops the item before anything is posted, saying how many it would take. */
function refuseTooManyParts(split: PreparedSplit, maxParts: number, maxSeconds: number): void {
	const count = split.plan.parts.length;
	if (count <= maxParts) return;
	throw new MediaError(
		`The video (${seconds(split.plan.sourceSeconds)}) would take ${count} statuses of at most ${maxSeconds} s; Options > Maximum Parts allows ${maxParts}. Nothing was posted`,
		`Raise Options > Maximum Duration (Seconds) if WhatsApp's limit allows it, set Longer Videos to Trim to Maximum Duration, or cut the video into shorter videos before sending it${maxParts < MAX_SERIES_PARTS ? `, or raise Options > Maximum Parts (at most ${MAX_SERIES_PARTS})` : ''}.`,
	);
}

function refuseStartBeyond(count: number, startFromPart: number): void {
	if (startFromPart <= count) return;
	throw new InputError(
		`Start From Part is ${startFromPart}, but the video makes ${count === 1 ? 'only 1 part' : `${count} parts`}`,
		count === 1 ? 'Set Options > Start From Part to 1 (or remove it): this video is posted as one status.' : `Set Options > Start From Part to a number from 1 to ${count}, or remove it to post every part.`,
		'Start From Part',
	);
}

/** Parts before Start From Part are not posted, so only the others must fit. */
function refuseOversizeParts(split: PreparedSplit, mode: SplitSettings['mode'], startFromPart: number): void {
	split.layouts.forEach((layout, index) => {
		if (index + 1 < startFromPart || !exceedsLimit(layout.bytes, STATUS_VIDEO_MAX_BYTES)) return;
		const part = split.plan.parts[index];
		const what =
			mode === 'trim'
				? `Its first ${seconds(part.durationSeconds)}`
				: `Part ${part.number} of ${split.plan.parts.length} (${seconds(part.startSeconds)} to ${seconds(part.startSeconds + part.durationSeconds)})`;
		throw new MediaError(
			`${what} would be ${formatBytes(layout.bytes)}; WhatsApp Status accepts at most ${formatBytes(STATUS_VIDEO_MAX_BYTES)}. Nothing was posted`,
			'Lower Options > Maximum Duration (Seconds) so each part holds less, or re-encode the video at a lower bitrate (720p H.264 at about 1.5 Mbit/s keeps 60 s under 10 MB).',
		);
	});
}

/** One send-video-status call: the status, or one part of a series. */
export async function postVideoStatus(
	this: IExecuteFunctions,
	itemIndex: number,
	media: PreparedMedia,
	settings: Pick<SplitSettings, 'caption' | 'timeout' | 'retry'>,
): Promise<IDataObject> {
	return await zApiRequest.call(this, itemIndex, {
		method: 'POST',
		endpoint: 'send-video-status',
		body: mediaRequestBody('video', media, settings.caption ? { caption: settings.caption } : {}),
		timeout: settings.timeout,
		validate: requireMessageId,
		retry: settings.retry,
	});
}

async function postWhole(this: IExecuteFunctions, itemIndex: number, media: PreparedMedia, facts: VideoFacts, settings: SplitSettings): Promise<IDataObject> {
	const response = await postVideoStatus.call(this, itemIndex, media, settings);
	return { ...response, video: facts as unknown as IDataObject };
}

/** Posts the parts in order; the first failure stops the item, naming the parts already posted. */
async function postParts(
	this: IExecuteFunctions,
	itemIndex: number,
	split: PreparedSplit,
	source: InlineMedia | StreamedMedia,
	facts: VideoFacts,
	settings: SplitSettings,
	label: string,
): Promise<IDataObject[]> {
	const count = split.plan.parts.length;
	const items: IDataObject[] = [];
	const posted: PostedPart[] = [];
	const first = settings.startFromPart - 1;
	// The parts before Start From Part are never built: the shared pass does not even collect their bytes.
	const streamed = streamParts(sourceOf(source), split.layouts.slice(first), source.bytes);
	let number = 0;
	try {
		for (const [index, part] of split.plan.parts.slice(first).entries()) {
			number = part.number;
			// Each part is read from the source while it is posted (media/partStream.ts).
			const media: InlineMedia = { kind: 'inline', mimeType: source.mimeType, bytes: streamed.parts[index].length, open: streamed.parts[index].open };
			const response = await postVideoStatus.call(this, itemIndex, media, settings);
			posted.push({ number: part.number, zaapId: response.zaapId, messageId: response.messageId });
			items.push({ ...response, part: partFields(part.number, count, part.startSeconds, part.durationSeconds, media.bytes), video: facts as unknown as IDataObject });
		}
	} catch (error) {
		throw partFailure(error, label, number, count, posted);
	} finally {
		// Stops reading the source (after the last part, or when a part failed).
		await streamed.close();
	}
	return items;
}

function partFields(number: number, count: number, startSeconds: number, durationSeconds: number | undefined, bytes: number): IDataObject {
	const round = (value: number) => Math.round(value * 1000) / 1000;
	const fields: IDataObject = { number, count, startSeconds: round(startSeconds) };
	if (durationSeconds !== undefined) fields.durationSeconds = round(durationSeconds);
	fields.bytes = bytes;
	return fields;
}

/**
 * The failure of part `number`, told with the parts that did get posted (their IDs), what was not
 * sent and the Start From Part that posts the rest; with Continue On Fail the error item carries the
 * posted parts and that number as fields. Z-API's answers (n8n errors, already naming the item) and
 * crashes keep their kind with the message extended; an input problem (a file that ends early) stays
 * one, naming its field.
 */
function partFailure(error: unknown, label: string, number: number, count: number, posted: PostedPart[]): unknown {
	const already = posted.length
		? `Already posted: ${posted.map((part) => `part ${part.number} (messageId ${String(part.messageId)}, zaapId ${String(part.zaapId)})`).join(', ')}`
		: 'No part was posted';
	const rest = number === count ? '' : number + 1 === count ? `; part ${count} was not sent` : `; parts ${number + 1} to ${count} were not sent`;
	const resume = number > 1 ? `. Set Start From Part to ${number} to post the rest` : '';
	const advice = number > 1 ? `Once the cause is fixed, run the item again with Options > Start From Part = ${number}: the parts before it are not posted again.` : '';
	const told = (reason: string) => `Part ${number} of ${count} failed: ${reason}. ${already}${rest}${resume}`;
	const itemFields = { postedParts: posted as unknown as IDataObject[], startFromPart: number };
	if (error instanceof InputError) {
		const failure = new InputError(told(error.message), `${error.hint} ${advice}`.trim(), error.parameter ?? label);
		failure.itemFields = itemFields;
		return failure;
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		const item = / \[item \d+\]$/.exec(error.message)?.[0] ?? '';
		error.message = `${told(error.message.slice(0, error.message.length - item.length))}${item}`;
		error.context.itemFields = itemFields;
		error.description = `${error.description ?? ''} ${advice}`.trim();
		return error;
	}
	if (error instanceof Error) error.message = told(error.message);
	return error;
}

const seconds = (value: number) => `${value.toFixed(1)} s`;
