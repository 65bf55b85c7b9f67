import { fork, type ChildProcess } from 'node:child_process';

export interface ChildMessage {
	type: string;
	[key: string]: unknown;
}

/** A contender process and its IPC channel: one request at a time, answers in order. */
export class Child {
	private readonly process: ChildProcess;

	private readonly inbox: ChildMessage[] = [];

	private waiter: { resolve: (message: ChildMessage) => void; reject: (error: Error) => void } | undefined;

	private exited: Error | undefined;

	private flightWaiter: ((message: ChildMessage) => void) | undefined;

	constructor(
		readonly label: string,
		script: string,
		execArgv: string[],
		env: NodeJS.ProcessEnv,
	) {
		this.process = fork(script, [], { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		this.process.on('message', (message: ChildMessage) => {
			// Answers to a mid-send probe arrive while a run is in progress: they bypass the queue.
			if (message.type === 'flight-result' && this.flightWaiter) {
				const resolve = this.flightWaiter;
				this.flightWaiter = undefined;
				resolve(message);
				return;
			}
			if (this.waiter) {
				const { resolve } = this.waiter;
				this.waiter = undefined;
				resolve(message);
			} else this.inbox.push(message);
		});
		this.process.on('exit', (code, signal) => {
			this.exited = new Error(`${label} exited (code ${code}, signal ${signal})`);
			if (this.waiter) {
				const { reject } = this.waiter;
				this.waiter = undefined;
				reject(this.exited);
			}
		});
	}

	get pid(): number | undefined {
		return this.process.pid;
	}

	private next(): Promise<ChildMessage> {
		const queued = this.inbox.shift();
		if (queued) return Promise.resolve(queued);
		if (this.exited) return Promise.reject(this.exited);
		return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
	}

	/** Waits for a message of the given type; an 'error' message from the child is thrown. */
	async expect(type: string): Promise<ChildMessage> {
		for (;;) {
			const message = await this.next();
			if (message.type === 'error') throw new Error(`${this.label}: ${String(message.message)}`);
			if (message.type === type) return message;
		}
	}

	async request(message: ChildMessage, answer: string): Promise<ChildMessage> {
		this.process.send(message);
		return await this.expect(answer);
	}

	/** Live memory now (after a forced GC) and at the start of the current window, while a run is in progress. */
	async flight(): Promise<{ live: number; start: number }> {
		const answer = new Promise<ChildMessage>((resolve) => (this.flightWaiter = resolve));
		this.process.send({ type: 'flight' });
		const message = await answer;
		return { live: message.live as number, start: message.start as number };
	}

	async stop(): Promise<void> {
		if (this.exited) return;
		const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
		this.process.send({ type: 'exit' });
		const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
		await gone;
		clearTimeout(timer);
	}
}
