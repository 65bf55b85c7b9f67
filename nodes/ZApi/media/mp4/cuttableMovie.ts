/**
 * The movie as the splitter cuts it: refused when encrypted, with the video track's keyframes
 * taken from its samples' own bytes (H.264 IDR, HEVC IRAP) where the codec lets them be read,
 * so that a sync-sample table that is off cannot put a part's start on a picture that cannot be
 * decoded alone. Costs one pass over the source, reading only NAL unit headers.
 */
import type { Fragment } from '../mp4Fragments';
import type { OpenSource } from '../mp4PartAssembler';
import type { SampleMovie } from '../mp4SampleTables';
import { fragmentsEncrypted, sampleCodec, scanKeyframes, trueSync } from './keyframes';
import { chooseVideoTrack, encryptedError, refuseEncrypted } from './planParts';

export async function cuttableMovie(movie: SampleMovie, open: OpenSource, fragments?: Fragment[]): Promise<SampleMovie> {
	const { video } = chooseVideoTrack(movie);
	refuseEncrypted(movie.tracks.filter((track) => track === video || track.kind === 'audio'));
	if (fragmentsEncrypted(fragments)) throw encryptedError();
	const { nal } = sampleCodec(video);
	if (!nal || video.sampleCount === 0) return movie;
	const sync = trueSync(video, await scanKeyframes(open, video, nal));
	return { ...movie, tracks: movie.tracks.map((track) => (track === video ? { ...track, sync } : track)) };
}
