/**
 * Leaves out the fields whose value is unknown, instead of listing them as undefined (n8n would
 * show them as null in the output). Changes the object in place and returns it.
 */
export function definedOnly<T extends object>(value: T): T {
	for (const key of Object.keys(value) as Array<keyof T>) {
		if (value[key] === undefined) delete value[key];
	}
	return value;
}
