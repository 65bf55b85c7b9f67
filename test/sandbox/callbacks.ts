/**
 * The callbacks the sandbox posts, in the shapes of Z-API's documentation (repository
 * Z-API/z-api-docs, branch main unless said otherwise), field for field. Where the docs publish no
 * example, the shape follows what the docs and compatible servers imply, and says so.
 */
import { randomBytes } from 'node:crypto';

export type Callback = Record<string, unknown>;

/** Z-API's message IDs: 20 upper-case hex characters (32 for zaapId). */
export function newMessageId(): string {
	return randomBytes(10).toString('hex').toUpperCase();
}

/** docs/webhooks/on-message-send.md, "200" (DeliveryCallback); `error` as Z-API adds it on failure (shared/reference/zapi.md). */
export function deliveryCallback(fields: { instanceId: string; phone: string; zaapId: string; messageId: string; error?: string }): Callback {
	return {
		phone: fields.phone,
		zaapId: fields.zaapId,
		messageId: fields.messageId,
		type: 'DeliveryCallback',
		instanceId: fields.instanceId,
		...(fields.error ? { error: fields.error } : {}),
	};
}

/** docs/webhooks/on-message-received.md, "Status post response example": someone replied to one of MY statuses. */
export function statusReplyCallback(fields: {
	instanceId: string;
	phone: string;
	senderLid?: string;
	messageId?: string;
	referenceMessageId: string;
	text: string;
	senderName?: string;
	momment?: number;
}): Callback {
	return {
		isStatusReply: true,
		senderLid: fields.senderLid ?? '81896604192873@lid',
		connectedPhone: '554499999999',
		waitingMessage: false,
		isEdit: false,
		isGroup: false,
		isNewsletter: false,
		instanceId: fields.instanceId,
		messageId: fields.messageId ?? newMessageId(),
		phone: fields.phone,
		fromMe: false,
		momment: fields.momment ?? Date.now(),
		status: 'RECEIVED',
		chatName: fields.senderName ?? 'name',
		senderPhoto: 'https://',
		senderName: fields.senderName ?? 'name',
		photo: 'https://',
		broadcast: false,
		referenceMessageId: fields.referenceMessageId,
		messageExpirationSeconds: 0,
		forwarded: false,
		type: 'ReceivedCallback',
		fromApi: false,
		text: { message: fields.text },
		statusImage: {
			imageUrl: 'https://',
			thumbnailUrl: 'https://',
			caption: '',
			mimetype: 'image/jpeg',
			viewOnce: false,
			width: 1080,
			height: 1920,
		},
	};
}

/**
 * A contact posted a status. NO published example: the shape is the documented "Text return
 * example" of docs/webhooks/on-message-received.md in the status chat, as the docs and compatible
 * servers imply: `phone` "status@broadcast" (Z-API's name of the status chat; some servers say
 * "status"), `broadcast` true, the author in participantPhone / participantLid (documented fields,
 * "the group member who sent the message"), the status ID in messageId (reply-status-text: "obtained
 * from the received message webhook").
 */
export function contactStatusCallback(fields: {
	instanceId: string;
	messageId?: string;
	participantPhone?: string | null;
	participantLid?: string | null;
	/** Variants seen on compatible servers: a bare `participant` instead of participantPhone. */
	participant?: string;
	chat?: 'status@broadcast' | 'status';
	text?: string;
	image?: { imageUrl: string; caption: string };
}): Callback {
	const body: Callback = {
		isStatusReply: false,
		senderLid: fields.participantLid ?? null,
		connectedPhone: '554499999999',
		waitingMessage: false,
		isEdit: false,
		isGroup: false,
		isNewsletter: false,
		instanceId: fields.instanceId,
		messageId: fields.messageId ?? newMessageId(),
		phone: fields.chat ?? 'status@broadcast',
		fromMe: false,
		momment: Date.now(),
		status: 'RECEIVED',
		chatName: 'status',
		senderPhoto: 'https://',
		senderName: 'name',
		participantPhone: fields.participantPhone ?? null,
		participantLid: fields.participantLid ?? null,
		photo: 'https://',
		broadcast: true,
		type: 'ReceivedCallback',
	};
	if (fields.participant !== undefined) body.participant = fields.participant;
	if (fields.image) body.image = { mimeType: 'image/jpeg', imageUrl: fields.image.imageUrl, thumbnailUrl: 'https://', caption: fields.image.caption, width: 1080, height: 1920 };
	else body.text = { message: fields.text ?? 'status text' };
	return body;
}

/**
 * A notification (docs/webhooks/on-message-received.md, "Notification Response": a received
 * callback carrying `notification`, e.g. "REVOKE" for a deleted message), field for field as the
 * documented notification examples ("Example of a group join request revoked by user") with the
 * chat, author and code given. In the status chat ("status@broadcast") it is inferred: the docs
 * publish no notification there, and none says which status was deleted.
 */
export function notificationCallback(fields: {
	instanceId: string;
	notification: string;
	phone: string;
	participantPhone?: string | null;
	participantLid?: string | null;
	notificationParameters?: unknown[];
	messageId?: string;
}): Callback {
	const group = /-group$/.test(fields.phone);
	return {
		isGroup: group,
		isNewsletter: false,
		instanceId: fields.instanceId,
		messageId: fields.messageId ?? newMessageId(),
		phone: fields.phone,
		connectedPhone: '5544999999999',
		fromMe: false,
		momment: 1682017970000,
		expiresAt: null,
		status: 'RECEIVED',
		chatName: 'name',
		senderPhoto: 'https://',
		senderName: 'name',
		photo: null,
		broadcast: fields.phone === 'status@broadcast',
		participantPhone: fields.participantPhone ?? null,
		...(fields.participantLid !== undefined ? { participantLid: fields.participantLid } : {}),
		referenceMessageId: null,
		externalAdReply: null,
		forwarded: false,
		type: 'ReceivedCallback',
		notification: fields.notification,
		notificationParameters: fields.notificationParameters ?? [],
		callId: null,
		code: null,
	};
}

/**
 * Someone viewed one of MY statuses. The fields are documented (docs/webhooks/on-whatsapp-message-
 * status-changes.md, READ_BY_ME example; new-doc: docs/webhooks/status-mensagem.md); the status case
 * is inferred from captured receipts, as no example is published: `phone` "status@broadcast", the
 * viewer in `participant` (possibly a bare LID), `ids` my status's ID.
 */
export function statusViewCallback(fields: {
	instanceId: string;
	statusMessageId: string;
	status?: 'READ' | 'PLAYED' | 'READ_BY_ME' | 'RECEIVED';
	participant?: string;
	participantPhone?: string;
	participantLid?: string;
	momment?: number;
}): Callback {
	const body: Callback = {
		instanceId: fields.instanceId,
		status: fields.status ?? 'READ',
		ids: [fields.statusMessageId],
		momment: fields.momment ?? Date.now(),
		phoneDevice: 0,
		phone: 'status@broadcast',
		type: 'MessageStatusCallback',
		isGroup: false,
	};
	if (fields.participant !== undefined) {
		body.participant = fields.participant;
		body.participantDevice = 0;
	}
	if (fields.participantPhone !== undefined) body.participantPhone = fields.participantPhone;
	if (fields.participantLid !== undefined) body.participantLid = fields.participantLid;
	return body;
}

/** docs/webhooks/on-whatsapp-message-status-changes.md, "200": a status change of a chat message. */
export function messageStatusCallback(fields: { instanceId: string; status: string; messageId: string; phone: string }): Callback {
	return { status: fields.status, ids: [fields.messageId], momment: Date.now(), phone: fields.phone, type: 'MessageStatusCallback', instanceId: fields.instanceId };
}

/**
 * Something the instance sent, echoed on the received webhook because "notify sent by me" is on
 * (docs/webhooks/on-message-received-notify-fromme.md): the "Text return example" with fromMe true.
 */
export function ownMessageCallback(fields: { instanceId: string; phone: string; messageId: string; text: string; referenceMessageId?: string }): Callback {
	return {
		isStatusReply: false,
		senderLid: null,
		connectedPhone: '554499999999',
		waitingMessage: false,
		isEdit: false,
		isGroup: false,
		instanceId: fields.instanceId,
		messageId: fields.messageId,
		phone: fields.phone,
		fromMe: true,
		momment: Date.now(),
		status: 'SENT',
		chatName: 'name',
		senderPhoto: null,
		senderName: 'name',
		participantPhone: null,
		participantLid: null,
		photo: 'https://',
		broadcast: fields.phone === 'status@broadcast',
		...(fields.referenceMessageId ? { referenceMessageId: fields.referenceMessageId } : {}),
		type: 'ReceivedCallback',
		fromApi: true,
		text: { message: fields.text },
	};
}

/** docs/webhooks/on-message-received.md, "Text return example" (a message from a contact). */
export function textMessageCallback(fields: { instanceId: string; phone: string; text: string; messageId?: string }): Callback {
	return {
		isStatusReply: false,
		senderLid: '81896604192873@lid',
		connectedPhone: '554499999999',
		waitingMessage: false,
		isEdit: false,
		isGroup: false,
		instanceId: fields.instanceId,
		messageId: fields.messageId ?? newMessageId(),
		phone: fields.phone,
		fromMe: false,
		momment: Date.now(),
		status: 'RECEIVED',
		chatName: 'name',
		senderPhoto: 'https://',
		senderName: 'name',
		participantPhone: null,
		participantLid: null,
		photo: 'https://',
		broadcast: false,
		type: 'ReceivedCallback',
		text: { message: fields.text },
	};
}
