import { Container } from '@n8n/di';
import { BinaryDataConfig, BinaryDataService } from 'n8n-core';
import type { BinaryData } from 'n8n-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { ENGINE_BINARY_MODES } from './engine';

/**
 * The binary data modes a workflow can run in:
 * - default: n8n keeps the file as Base64 inside the item (n8n 1.x default, N8N_DEFAULT_BINARY_DATA_MODE=default);
 * - filesystem: files on disk, items carry an id (n8n 2.x default);
 * - offloaded: files in an external store reached only through n8n's manager interface, as in
 *   n8n's database (queue mode), S3 and Azure modes; here an in-memory store stands in for them.
 */
export type BinaryMode = 'default' | 'filesystem' | 'offloaded';

/** The modes the engine line of this run offers (see engine.ts). */
export const BINARY_MODES: BinaryMode[] = ENGINE_BINARY_MODES;

/** The "database" manager's role, played by memory: same interface, no path on disk. */
class MemoryBinaryManager implements BinaryData.Manager {
	private readonly files = new Map<string, { data: Buffer; metadata: BinaryData.Metadata }>();

	private counter = 0;

	async init(): Promise<void> {}

	async store(location: BinaryData.FileLocation, bufferOrStream: Buffer | Readable, metadata: BinaryData.PreWriteMetadata) {
		const data = Buffer.isBuffer(bufferOrStream) ? bufferOrStream : await toBuffer(bufferOrStream);
		const fileId = `${location.type}/${++this.counter}`;
		this.files.set(fileId, { data, metadata: { ...metadata, fileSize: data.length } as BinaryData.Metadata });
		return { fileId, fileSize: data.length };
	}

	getPath(): string {
		throw new Error('offloaded binary data has no file path');
	}

	async getAsBuffer(fileId: string): Promise<Buffer> {
		return this.get(fileId).data;
	}

	async getAsStream(fileId: string, chunkSize = 64 * 1024): Promise<Readable> {
		const { data } = this.get(fileId);
		const fault = storedStreamFault;
		const failAt = fault && ++fault.opened >= fault.fromOpen ? fault.afterBytes : Infinity;
		return Readable.from(
			(function* () {
				for (let offset = 0; offset < data.length; offset += chunkSize) {
					if (offset + chunkSize > failAt) throw new Error('storage read failed (test fault)');
					yield data.subarray(offset, offset + chunkSize);
				}
			})(),
		);
	}

	async getMetadata(fileId: string): Promise<BinaryData.Metadata> {
		return this.get(fileId).metadata;
	}

	async deleteMany(): Promise<void> {}

	async deleteManyByFileId(ids: string[]): Promise<void> {
		for (const id of ids) this.files.delete(id);
	}

	async copyByFileId(targetLocation: BinaryData.FileLocation, sourceFileId: string): Promise<string> {
		const { data, metadata } = this.get(sourceFileId);
		return (await this.store(targetLocation, data, metadata)).fileId;
	}

	async copyByFilePath(): Promise<BinaryData.WriteResult> {
		throw new Error('not needed by these tests');
	}

	async rename(oldFileId: string, newFileId: string): Promise<void> {
		this.files.set(newFileId, this.get(oldFileId));
		this.files.delete(oldFileId);
	}

	private get(fileId: string) {
		const file = this.files.get(fileId);
		if (!file) throw new Error(`no binary data with id ${fileId}`);
		return file;
	}
}

async function toBuffer(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(Buffer.from(chunk));
	return Buffer.concat(chunks);
}

let storedStreamFault: { fromOpen: number; afterBytes: number; opened: number } | undefined;

/**
 * A storage error halfway through a file (offloaded mode only): from the `fromOpen`-th stream
 * opened on, each fails after about `afterBytes` bytes. Undefined turns it off.
 */
export function failStoredStreams(fault?: { fromOpen: number; afterBytes: number }): void {
	storedStreamFault = fault && { ...fault, opened: 0 };
}

let storagePath: string | undefined;

/** Points n8n-core's BinaryDataService (a process-wide singleton) at the given mode. */
export async function useBinaryMode(mode: BinaryMode): Promise<void> {
	const config = Container.get(BinaryDataConfig);
	storagePath ??= mkdtempSync(join(tmpdir(), 'zapi-status-binary-'));
	config.localStoragePath = storagePath;
	config.mode = mode === 'offloaded' ? 'database' : mode;
	const service = Container.get(BinaryDataService);
	await service.init();
	if (mode === 'offloaded') service.setManager('database', new MemoryBinaryManager());
}
