/**
 * Who a callback is about. WhatsApp now often identifies people by a LID ("<digits>@lid", a private
 * ID that cannot be turned into a phone number) instead of their number, and Z-API passes on
 * whatever it got: `phone` may itself be a LID, `senderLid` / `participantLid` / `chatLid` carry
 * LIDs, and the `participant` of a message-status callback may be bare digits that are either.
 * (Z-API docs: tips/lid, webhooks/on-message-received.)
 */
import { asLid } from '../lid';

/** 'unknown': bare digits from a field that holds a phone number or a LID without saying which. */
export type IdKind = 'phone' | 'lid' | 'unknown';

export interface ContactId {
	/** What to send to Z-API to reach the person: the phone number when known, else the LID. */
	id: string | null;
	phone: string | null;
	lid: string | null;
	kind: IdKind | null;
}

export interface ContactSources {
	/** Fields that normally hold a phone number (they may hold a LID, recognised by "@lid"). */
	phone?: unknown[];
	/** Fields that hold a LID. */
	lid?: unknown[];
	/** Fields whose bare digits may be either. */
	either?: unknown[];
}

// WhatsApp's JIDs for people; Z-API normally strips the suffix, captures show it sometimes stays.
const PHONE_JID = /^\+?(\d+)(?:@(?:c\.us|s\.whatsapp\.net))?$/i;

function asDigits(value: unknown): string | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const match = PHONE_JID.exec(String(value).trim());
	return match ? match[1] : undefined;
}

export function contactOf(sources: ContactSources): ContactId {
	const all = [...(sources.phone ?? []), ...(sources.lid ?? []), ...(sources.either ?? [])];
	const lid = all.map(asLid).find((value) => value !== undefined) ?? null;
	// In a field that may hold either, only WhatsApp's phone suffix says it is a number.
	const phoneJids = (sources.either ?? []).filter((value) => typeof value === 'string' && value.includes('@'));
	const phone = [...(sources.phone ?? []), ...phoneJids].map(asDigits).find((value) => value !== undefined) ?? null;
	if (phone) return { id: phone, phone, lid, kind: 'phone' };
	if (lid) return { id: lid, phone: null, lid, kind: 'lid' };
	const either = (sources.either ?? []).map(asDigits).find((value) => value !== undefined);
	if (either) return { id: either, phone: null, lid: null, kind: 'unknown' };
	return { id: null, phone: null, lid: null, kind: null };
}

/** The item fields for one person, named after their role: author, from, viewer. */
export function contactFields(role: string, contact: ContactId): Record<string, string | null> {
	return {
		[role]: contact.id,
		[`${role}Phone`]: contact.phone,
		[`${role}Lid`]: contact.lid,
		[`${role}IdKind`]: contact.kind,
	};
}
