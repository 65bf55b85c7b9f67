'use strict';
/**
 * Measurement side of every contender process (plain JS, so the bare client and the floor load
 * nothing else). The orchestrator talks to it over the fork() IPC channel:
 *
 *   orchestrator -> {type:'setup', spec}        child: imports, warm-up run, GC, idle baseline -> {type:'ready'}
 *   orchestrator -> {type:'run', phase}         phase 'timed': one timed run -> {type:'result'}
 *                                               phase 'memory': untimed run with a forced GC before each item
 *   orchestrator -> {type:'exit'}
 *
 * Peak RSS: Linux's VmHWM, reset to the current RSS at the start of each window by writing 5 to
 * /proc/self/clear_refs, so each window's peak is exact even
 * when the main thread is busy in one long synchronous call. Where that is not allowed, a worker
 * thread samples the RSS every millisecond instead.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

if (typeof global.gc !== 'function') throw new Error('contenders must run with --expose-gc');

function resetPeak() {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

function hwmBytes() {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) * 1024 : NaN;
	} catch {
		return NaN;
	}
}

const exactPeak = resetPeak();

/** Fallback sampler: a worker thread reading the process RSS every millisecond. */
let sampler;
function startSampler() {
	if (exactPeak) return;
	if (!sampler) {
		const { Worker } = require('node:worker_threads');
		const shared = new SharedArrayBuffer(16);
		const view = new Float64Array(shared);
		const worker = new Worker(
			`const { workerData } = require('node:worker_threads');
			 const view = new Float64Array(workerData);
			 setInterval(() => { const rss = process.memoryUsage.rss(); if (rss > view[0]) view[0] = rss; }, 1);`,
			{ eval: true, workerData: shared },
		);
		worker.unref();
		sampler = { view, worker };
	}
	sampler.view[0] = process.memoryUsage.rss();
}

/**
 * Two full collections: V8 frees the memory of dead Buffers on a background sweeper after a GC and
 * only finishes that sweep at the start of the next GC, so one gc() still counts dead Buffers.
 */
function gc() {
	global.gc();
	global.gc();
}

/** Lets sockets of finished requests close (their 'close' comes a tick or more after the answer). */
function settle(ms = 50) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Memory a process holds live: V8 heap in use plus memory outside it (Buffers). */
function snapshot() {
	const m = process.memoryUsage();
	return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, live: m.heapUsed + m.external };
}

/** The window of the run in progress, for mid-send probes. */
let currentWindow;

class Window {
	constructor() {
		this.open = false;
	}

	begin() {
		gc();
		this.start = snapshot();
		currentWindow = this;
		if (exactPeak) resetPeak();
		else startSampler();
		this.open = true;
		this.cpu0 = process.cpuUsage();
		this.t0 = performance.now();
	}

	end() {
		const ms = performance.now() - this.t0;
		const cpu = process.cpuUsage(this.cpu0);
		this.open = false;
		const now = process.memoryUsage.rss();
		// Not process.resourceUsage().maxRSS: after fork+exec, Linux's ru_maxrss starts from the RSS of the
		// forked copy of the parent (the orchestrator), and clear_refs does not reset that part. VmHWM does.
		const peakRss = exactPeak ? Math.max(hwmBytes(), now) : Math.max(sampler.view[0], now);
		// CPU time of the whole process (all threads) in the window: steadier than wall time when other jobs share the cores.
		this.result = { ms, cpuMs: (cpu.user + cpu.system) / 1000, startRss: this.start.rss, startLive: this.start.live, peakRss, endRss: now };
		return this.result;
	}
}

/**
 * Held-memory probes for the memory pass: a forced GC, then what is still live.
 * `probe(label)` is called between items; the result is kept in order.
 */
class Probes {
	constructor() {
		this.points = [];
	}

	/** At most about 10 probes per run: each is two full GCs (of up to a 1 GB heap for the workaround). */
	due(item, total) {
		return item % Math.max(1, Math.ceil(total / 10)) === 0 || item === total;
	}

	take(item) {
		gc();
		const s = snapshot();
		this.points.push({ item, live: s.live, rss: s.rss });
	}
}

/**
 * Runs a contender: `impl.setup(spec)` once, `impl.run({phase, window, probes, warmup})` per request.
 * `run` must call window.begin()/window.end() around exactly the timed work (or let the engine hooks do it)
 * and return { items }.
 */
function serve(impl) {
	let idle;
	const send = (message) => process.send(message);
	process.on('message', async (message) => {
		try {
			if (message.type === 'setup') {
				await impl.setup(message.spec);
				const window = new Window();
				await impl.run({ phase: 'warmup', window, probes: undefined, warmup: true });
				await settle(100);
				gc();
				idle = snapshot();
				send({ type: 'ready', idle, exactPeak, pid: process.pid });
			} else if (message.type === 'run') {
				const window = new Window();
				const probes = message.phase === 'memory' ? new Probes() : undefined;
				const outcome = await impl.run({ phase: message.phase, window, probes, warmup: false });
				if (window.open) throw new Error('the timed window was never closed');
				const measured = window.result;
				send({ type: 'result', phase: message.phase, items: outcome.items, window: measured, probes: probes && probes.points, idle, extra: outcome.extra });
			} else if (message.type === 'flight') {
				// Mid-send: the Z-API front stopped reading halfway through a body. What is live now, beyond the window start.
				gc();
				send({ type: 'flight-result', live: snapshot().live, start: currentWindow ? currentWindow.start.live : NaN });
			} else if (message.type === 'exit') {
				process.exit(0);
			}
		} catch (error) {
			send({ type: 'error', message: error && error.stack ? error.stack : String(error) });
		}
	});
	send({ type: 'hello', pid: process.pid });
}

module.exports = { serve, gc, settle, snapshot, Window, Probes, exactPeak };
