/**
 * A LID ("Linked ID") is WhatsApp's private ID for a person whose number it does not show. Z-API
 * sends it as "<digits>@lid" and accepts it instead of a phone number in most endpoints (docs:
 * tips/lid); it cannot be converted to a number. The one rule for recognising one, for the
 * action node's Phone fields and for the trigger's contacts alike.
 */
const LID = /^(\d{5,25})@lid$/i;

/** "81896604192873@LID " -> "81896604192873@lid"; undefined when the value is not a LID. */
export function asLid(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const match = LID.exec(value.trim());
	return match ? `${match[1]}@lid` : undefined;
}
