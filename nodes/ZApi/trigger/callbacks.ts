import type { IDataObject } from 'n8n-workflow';

import { contactFields, contactOf } from './contacts';

/**
 * The trigger's events (the values of its "events" parameter). Where each comes from, in Z-API's
 * documentation (Z-API/z-api-docs):
 * - deliveryResult: DeliveryCallback, webhooks/on-message-send (documented example);
 * - statusReply: ReceivedCallback with isStatusReply, webhooks/on-message-received, "Status post
 *   response example" (documented example);
 * - message: any other ReceivedCallback, webhooks/on-message-received (documented examples),
 *   including every notification (a callback carrying `notification`, "Notification Response"),
 *   wherever it is posted: a deleted status is not a new one;
 * - contactStatus: ReceivedCallback in the chat "status@broadcast"; no published example, inferred
 *   from Z-API's status chat name and compatible servers (see docs/pending/issue-11.md);
 * - statusViewed: MessageStatusCallback READ / PLAYED for "status@broadcast",
 *   webhooks/on-whatsapp-message-status-changes (fields documented, the status case inferred).
 */
export type TriggerEvent = 'deliveryResult' | 'statusReply' | 'message' | 'contactStatus' | 'statusViewed';

export interface TriggerFilters {
	zaapId?: string;
	messageId?: string;
	onlyFailures?: boolean;
}

export interface ClassifyOptions {
	/** Messages the instance sent itself (fromMe) start the workflow only when this is on. */
	includeOwnMessages?: boolean;
}

/** What one Z-API callback means for the trigger: an output item, or why it was ignored. */
export type Classified = { accepted: true; item: IDataObject } | { accepted: false; reason: string };

const isRecord = (value: unknown): value is IDataObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** Z-API names the status chat "status@broadcast"; some captures and compatible servers say "status". */
export function isStatusChat(phone: unknown): boolean {
	return typeof phone === 'string' && ['status@broadcast', 'status'].includes(phone.trim().toLowerCase());
}

/**
 * The item: Z-API's fields at the top level (workflows read `phone`, `text.message`, `messageId`
 * ...), then the trigger's own fields, which win a name clash; `zapi` keeps the callback exactly as
 * Z-API posted it, so a field the trigger also uses (such as an `event` of Z-API's) is never lost.
 */
function item(body: IDataObject, own: IDataObject): Classified {
	return { accepted: true, item: { ...body, ...own, zapi: body } };
}

/** What kind of chat `phone` names in a message: a person (by number or LID), a group, ... */
function chatIdKind(phone: unknown): string | null {
	if (typeof phone !== 'string') return null;
	if (/-group$/.test(phone) || /@g\.us$/.test(phone)) return 'group';
	if (/@newsletter$/.test(phone)) return 'newsletter';
	if (/-broadcast$/.test(phone) || isStatusChat(phone)) return 'broadcast';
	return contactOf({ phone: [phone] }).kind ?? 'unknown';
}

function momentAsIso(momment: unknown): string | null {
	const milliseconds = typeof momment === 'number' ? momment : typeof momment === 'string' && /^\d+$/.test(momment) ? Number(momment) : NaN;
	if (!Number.isFinite(milliseconds)) return null;
	// Z-API sends milliseconds; a value in seconds would land in 1970.
	const date = new Date(milliseconds < 1e11 ? milliseconds * 1000 : milliseconds);
	return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function classifyReceived(body: IDataObject, options: ClassifyOptions): Classified {
	if (body.fromMe === true) {
		// Z-API echoes what the instance sends when "notify sent by me" is on; its docs advise
		// filtering on fromMe, or a workflow that answers would start itself again.
		if (!options.includeOwnMessages) return { accepted: false, reason: 'sent by this instance (Include My Own Messages is off)' };
		return item(body, { event: 'message', chatIdKind: chatIdKind(body.phone) });
	}
	const notification = text(body.notification);
	if (notification !== undefined) {
		// A notification (a deleted message is "REVOKE", group and call events...) arrives as a received
		// message carrying `notification` (Z-API docs: webhooks/on-message-received, "Notification
		// Response"). In the status chat it is not a new status (a deleted status, inferred: the docs
		// show no status example), so it never starts a status event: Any Received Message carries it.
		return item(body, { event: 'message', chatIdKind: chatIdKind(body.phone), notification });
	}
	if (body.isStatusReply === true) {
		const from = contactOf({ phone: [body.phone], lid: [body.senderLid, body.chatLid] });
		return item(body, {
			event: 'statusReply',
			...contactFields('from', from),
			replyMessageId: text(body.messageId) ?? null,
			myStatusMessageId: text(body.referenceMessageId) ?? null,
		});
	}
	if (isStatusChat(body.phone)) {
		const statusMessageId = text(body.messageId);
		if (!statusMessageId) return { accepted: false, reason: 'status post without a message ID' };
		const author = contactOf({
			phone: [body.participantPhone],
			lid: [body.participantLid, body.senderLid],
			either: [body.participant],
		});
		return item(body, { event: 'contactStatus', ...contactFields('author', author), statusMessageId });
	}
	return item(body, { event: 'message', chatIdKind: chatIdKind(body.phone) });
}

const VIEWS: Record<string, 'read' | 'played'> = { READ: 'read', PLAYED: 'played' };

function classifyMessageStatus(body: IDataObject): Classified {
	const status = typeof body.status === 'string' ? body.status.toUpperCase() : '';
	// READ_BY_ME on the status chat is the instance viewing a contact's status, not a view of ours.
	if (!isStatusChat(body.phone) || !VIEWS[status]) {
		return { accepted: false, reason: `message status ${status || 'without a status'} is not a view of a status` };
	}
	const ids = Array.isArray(body.ids) ? body.ids.filter((id): id is string => typeof id === 'string' && id !== '') : [];
	if (ids.length === 0) return { accepted: false, reason: 'status view without message IDs' };
	const viewer = contactOf({ phone: [body.participantPhone], lid: [body.participantLid], either: [body.participant] });
	return item(body, {
		event: 'statusViewed',
		...contactFields('viewer', viewer),
		myStatusMessageId: ids[0],
		myStatusMessageIds: ids,
		view: VIEWS[status],
		viewedAt: momentAsIso(body.momment),
	});
}

/**
 * Reads a callback Z-API posted to the webhook. Only well-formed callbacks of the configured
 * instance are accepted.
 */
export function classifyCallback(body: unknown, instanceId: string, options: ClassifyOptions = {}): Classified {
	if (!isRecord(body) || typeof body.type !== 'string') return { accepted: false, reason: 'not a Z-API callback' };
	if (body.instanceId !== instanceId) return { accepted: false, reason: 'callback for another instance' };

	// The docs spell it "ReceivedCallback" in the examples and "ReceivedCallBack" in the field table.
	switch (body.type.toLowerCase()) {
		case 'deliverycallback': {
			if (typeof body.messageId !== 'string' && typeof body.zaapId !== 'string') {
				return { accepted: false, reason: 'delivery callback without message IDs' };
			}
			const error = text(body.error);
			return item(body, { event: 'deliveryResult', published: error === undefined, ...(error ? { error } : {}) });
		}
		case 'receivedcallback':
			return classifyReceived(body, options);
		case 'messagestatuscallback':
			return classifyMessageStatus(body);
		default:
			return { accepted: false, reason: `callback type ${body.type} is not handled` };
	}
}

export function matchesFilters(item: IDataObject, filters: TriggerFilters): boolean {
	if (filters.zaapId && item.zaapId !== filters.zaapId.trim()) return false;
	if (filters.messageId) {
		const wanted = filters.messageId.trim();
		const ids = [item.messageId, item.statusMessageId, item.myStatusMessageId, ...(Array.isArray(item.myStatusMessageIds) ? item.myStatusMessageIds : [])];
		if (!ids.includes(wanted)) return false;
	}
	if (filters.onlyFailures && !(item.event === 'deliveryResult' && item.published === false)) return false;
	return true;
}
