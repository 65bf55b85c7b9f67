/**
 * The movie as the splitter cuts it: refused when encrypted, with the video track's keyframes
 * taken from its samples' own bytes (H.264 IDR, HEVC IRAP) where the codec lets them be read,
 * so that a sync-sample table that is off cannot put a part's start on a picture that cannot be
 * decoded alone. Reads only NAL unit headers: where they are when the node holds the file, else in
 * one pass over the source.
 */
import type { Fragment } from './fragments';
import type { OpenSource } from './partAssembler';
import { MediaError } from '../../InputError';
import type { SampleMovie } from './sampleTables';
import { fragmentsEncrypted, sampleCodec, scanKeyframes, trueSync } from './keyframes';
import { chooseVideoTrack, encryptedError, refuseEncrypted } from './planParts';

export interface CuttableMovie {
	movie: SampleMovie;
	/** Samples the index lists as keyframes whose pictures are not (open-GOP I-frames, a table off by one). */
	deniedKeyframes: number;
}

export async function cuttableMovie(movie: SampleMovie, open: OpenSource, fragments?: Fragment[]): Promise<CuttableMovie> {
	const { video } = chooseVideoTrack(movie);
	refuseEncrypted(movie.tracks.filter((track) => track === video || track.kind === 'audio'));
	if (fragmentsEncrypted(fragments)) throw encryptedError();
	const { nal } = sampleCodec(video);
	if (!nal || video.sampleCount === 0) return { movie, deniedKeyframes: 0 };
	const sync = trueSync(video, await scanKeyframes(open, video, nal))!;
	let deniedKeyframes = 0;
	for (let sample = 0; sample < video.sampleCount; sample++) if ((!video.sync || video.sync[sample] === 1) && sync[sample] !== 1) deniedKeyframes++;
	return { movie: { ...movie, tracks: movie.tracks.map((track) => (track === video ? { ...track, sync } : track)) }, deniedKeyframes };
}

/** A keyframe-gap error told with the listed keyframes a part could not start at, when there are some. */
export function withDeniedKeyframes(error: unknown, deniedKeyframes: number): unknown {
	if (!(error instanceof MediaError) || deniedKeyframes === 0 || !error.message.startsWith('The video has no keyframe between')) return error;
	return new MediaError(
		`${error.message}. Its index also lists ${deniedKeyframes} keyframe${deniedKeyframes === 1 ? '' : 's'} whose pictures a part cannot start at (I-frames of an open GOP, or a wrong keyframe table)`,
		`${error.hint} Re-encoding with closed GOPs (as phones record) makes every keyframe one a part can start at.`,
		error.parameter,
	);
}
