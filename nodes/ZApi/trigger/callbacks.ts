import type { IDataObject } from 'n8n-workflow';

export type TriggerEvent = 'deliveryResult' | 'statusReply' | 'message';

export interface TriggerFilters {
	zaapId?: string;
	messageId?: string;
	onlyFailures?: boolean;
}

/** What one Z-API callback means for the trigger: an output item, or why it was ignored. */
export type Classified = { accepted: true; item: IDataObject } | { accepted: false; reason: string };

const isRecord = (value: unknown): value is IDataObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a callback Z-API posted to the webhook. Only well-formed callbacks of the configured
 * instance are accepted (anyone who learns the URL could post to it); the item keeps Z-API's fields
 * and adds `event`, plus `published`/`error` for deliveries and `statusMessageId` for status replies.
 */
export function classifyCallback(body: unknown, instanceId: string): Classified {
	if (!isRecord(body) || typeof body.type !== 'string') return { accepted: false, reason: 'not a Z-API callback' };
	if (body.instanceId !== instanceId) return { accepted: false, reason: 'callback for another instance' };

	if (body.type === 'DeliveryCallback') {
		if (typeof body.messageId !== 'string' && typeof body.zaapId !== 'string') {
			return { accepted: false, reason: 'delivery callback without message IDs' };
		}
		const error = typeof body.error === 'string' && body.error.trim() !== '' ? body.error : undefined;
		return { accepted: true, item: { event: 'deliveryResult', published: error === undefined, ...body, ...(error ? { error } : {}) } };
	}
	if (body.type === 'ReceivedCallback') {
		if (body.isStatusReply === true) {
			const statusMessageId = body.statusMessageId ?? body.referenceMessageId;
			return { accepted: true, item: { event: 'statusReply', statusMessageId, ...body } };
		}
		return { accepted: true, item: { event: 'message', ...body } };
	}
	return { accepted: false, reason: `callback type ${body.type} is not handled` };
}

export function matchesFilters(item: IDataObject, filters: TriggerFilters): boolean {
	if (filters.zaapId && item.zaapId !== filters.zaapId.trim()) return false;
	if (filters.messageId) {
		const wanted = filters.messageId.trim();
		if (item.messageId !== wanted && item.statusMessageId !== wanted) return false;
	}
	if (filters.onlyFailures && !(item.event === 'deliveryResult' && item.published === false)) return false;
	return true;
}
