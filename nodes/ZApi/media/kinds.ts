/** The rules one kind of media follows: what it must be, how big it may be, how it is named. */
export interface MediaKind {
	/** In messages: "The video is ...", "The image URL ...". */
	noun: 'video' | 'image' | 'sticker';
	/** What the bytes must be. */
	category: 'video' | 'image';
	maxBytes: number;
	/** Who sets the limit, for messages: "WhatsApp Status accepts at most 10.0 MB". */
	limitSetBy: string;
	/**
	 * Formats accepted when the file has a generic type (application/octet-stream) or none, and the
	 * MIME type they are then sent as.
	 */
	genericFormats: Readonly<Record<string, string>>;
	/** "an MP4 video", for the message when a generic file is none of those. */
	genericFormatsLabel: string;
	/** How to fix a file of the wrong kind. */
	wrongKindHint: string;
	/** Shown in the editor and in messages as examples of a good link and a good data URI. */
	example: { url: string; dataUri: string };
}

/** WhatsApp Status accepts a video file of at most 10 MB; Z-API counts the file, not its Base64 text. */
export const STATUS_VIDEO_MAX_BYTES = 10 * 1024 * 1024;

export const VIDEO: MediaKind = {
	noun: 'video',
	category: 'video',
	maxBytes: STATUS_VIDEO_MAX_BYTES,
	limitSetBy: 'WhatsApp Status accepts',
	genericFormats: { mp4: 'video/mp4', quicktime: 'video/mp4', '3gpp': 'video/mp4' },
	genericFormatsLabel: 'an MP4 video',
	wrongKindHint: 'WhatsApp Status videos must be video files, ideally MP4 with H.264. Check which file the previous node passes on.',
	example: { url: 'https://example.com/video.mp4', dataUri: 'data:video/mp4;base64,AAAAIGZ0eXBpc29t...' },
};

/** WhatsApp's limit for media messages; Z-API documents none of its own for images and stickers. */
export const WHATSAPP_MEDIA_MAX_BYTES = 16 * 1024 * 1024;

export const IMAGE: MediaKind = {
	noun: 'image',
	category: 'image',
	maxBytes: WHATSAPP_MEDIA_MAX_BYTES,
	limitSetBy: 'WhatsApp accepts',
	genericFormats: { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' },
	genericFormatsLabel: 'a JPEG, PNG or WebP image',
	wrongKindHint: 'Status images must be image files (JPEG or PNG are safest). Check which file the previous node passes on.',
	example: { url: 'https://example.com/picture.jpg', dataUri: 'data:image/png;base64,iVBORw0KGgo...' },
};

export const STICKER: MediaKind = {
	...IMAGE,
	noun: 'sticker',
	wrongKindHint: 'Stickers must be images (WebP is native; Z-API converts PNG and JPEG). Check which file the previous node passes on.',
};
