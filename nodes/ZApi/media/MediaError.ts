import { InputError } from '../InputError';

/** A problem with the media an item supplied (its size, type, encoding or link). */
export class MediaError extends InputError {}
