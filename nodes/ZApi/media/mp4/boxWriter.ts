/** Writes ISO BMFF boxes into a growing buffer, for the parts' headers (partLayout.ts). */

/** Writes boxes into a growing buffer; open/close fill in the sizes. */
export class BoxWriter {
	private buffer: Uint8Array;
	private view: DataView;
	private length = 0;
	private readonly openBoxes: number[] = [];

	constructor(capacity = 1024) {
		this.buffer = new Uint8Array(capacity);
		this.view = new DataView(this.buffer.buffer);
	}
	/** Full boxes written by fullBox, closed by the next fullBox, open, close or bytes(). */
	private leaf: number | undefined;

	/** Where the next value is written. */
	get position(): number {
		return this.length;
	}

	/** Overwrites a value already written. */
	setU32(position: number, value: number): this {
		this.view.setUint32(position, value >>> 0);
		return this;
	}

	private reserve(bytes: number): void {
		if (this.length + bytes <= this.buffer.length) return;
		let size = this.buffer.length * 2;
		while (size < this.length + bytes) size *= 2;
		const grown = new Uint8Array(size);
		grown.set(this.buffer.subarray(0, this.length));
		this.buffer = grown;
		this.view = new DataView(grown.buffer);
	}

	u32(value: number): this {
		this.reserve(4);
		this.view.setUint32(this.length, value >>> 0);
		this.length += 4;
		return this;
	}

	i32(value: number): this {
		this.reserve(4);
		this.view.setInt32(this.length, value);
		this.length += 4;
		return this;
	}

	u64(value: number): this {
		return this.u32(Math.floor(value / 0x1_0000_0000)).u32(value % 0x1_0000_0000);
	}

	i64(value: number): this {
		if (value >= 0) return this.u64(value);
		return this.u32(0xffff_ffff).u32(value >>> 0);
	}

	type(fourcc: string): this {
		this.reserve(4);
		for (let index = 0; index < 4; index++) this.buffer[this.length + index] = fourcc.charCodeAt(index);
		this.length += 4;
		return this;
	}

	raw(bytes: Uint8Array): this {
		this.endLeaf();
		this.reserve(bytes.length);
		this.buffer.set(bytes, this.length);
		this.length += bytes.length;
		return this;
	}

	open(fourcc: string): this {
		this.endLeaf();
		this.openBoxes.push(this.length);
		return this.u32(0).type(fourcc);
	}

	fullBox(fourcc: string, version: number, flags: number): this {
		this.endLeaf();
		this.leaf = this.length;
		return this.u32(0).type(fourcc).u32(((version & 0xff) << 24) | (flags & 0xff_ffff));
	}

	close(): this {
		if (this.leaf !== undefined) return this.endLeaf();
		const start = this.openBoxes.pop();
		if (start !== undefined) this.view.setUint32(start, this.length - start);
		return this;
	}

	bytes(): Uint8Array {
		this.endLeaf();
		while (this.openBoxes.length) this.close();
		return this.buffer.slice(0, this.length);
	}

	private endLeaf(): this {
		if (this.leaf !== undefined) this.view.setUint32(this.leaf, this.length - this.leaf);
		this.leaf = undefined;
		return this;
	}
}
