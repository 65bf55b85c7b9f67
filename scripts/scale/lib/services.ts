/**
 * The shared services of n8n's queue mode, run privately for the scale stage: a PostgreSQL cluster
 * (Debian's binaries, initdb into a temporary folder, TCP on 127.0.0.1 only, socket in that folder)
 * and a Redis server (loopback, no persistence). Both run in their own process groups through
 * scripts/e2e/lib/processes.ts, so the e2e stage's cleanup rules apply to them too.
 *
 * PostgreSQL refuses to run as root: as root, every PostgreSQL binary runs as the `postgres` system
 * user (created by Debian's package) through `setpriv`, which execs in place (no extra parent
 * process), and the cluster folder is chowned to it.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort, sleep, startProcess, stopProcess, type Started } from '../../e2e/lib/processes';

const run = promisify(execFile);

export interface ServiceBinaries {
	pgBinDir: string;
	pgVersion: string;
	redisServer: string;
	redisVersion: string;
}

/** Runs scripts/scale/provision-services.sh (apt-get install when missing) and reads its NAME=value lines. */
export async function provisionServices(scriptPath: string): Promise<ServiceBinaries> {
	const names = ['SCALE_PG_BIN_DIR', 'SCALE_PG_VERSION', 'SCALE_REDIS_SERVER', 'SCALE_REDIS_VERSION'];
	const program = `set -euo pipefail; out=$(bash "$1"); eval "$out"; ${names.map((name) => `printf '%s\\n' "$${name}"`).join('; ')}`;
	const child = execFile('bash', ['-c', program, 'provision', scriptPath], { maxBuffer: 1024 * 1024 });
	child.stderr?.pipe(process.stderr);
	let stdout = '';
	child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? -1)));
	if (code !== 0) throw new Error(`${scriptPath} failed with exit code ${code}`);
	const values = stdout.replace(/\n$/, '').split('\n');
	if (values.length !== names.length || values.some((value) => value === '')) throw new Error(`${scriptPath} did not print ${names.join(', ')}`);
	return { pgBinDir: values[0], pgVersion: values[1], redisServer: values[2], redisVersion: values[3] };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

export interface Postgres {
	host: '127.0.0.1';
	port: number;
	database: string;
	user: string;
	password: string;
	/** The cluster folder (data, socket); removed by stop(). */
	root: string;
	process: Started;
	/** psql -c <sql>: unaligned, tuples only; returns stdout. */
	query(sql: string): Promise<string>;
	/** pg_dump of the whole database (plain SQL, schema and data) into `file`; returns its size. */
	dump(file: string): Promise<number>;
	stop(): Promise<void>;
}

const POSTGRES_USER = 'postgres';

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function systemUserIds(name: string): Promise<{ uid: number; gid: number }> {
	const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
	return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Command and arguments to run a PostgreSQL binary, as the postgres user when we are root. */
function asClusterOwner(binary: string, args: string[]): [string, string[]] {
	if (!isRoot()) return [binary, args];
	return ['setpriv', [`--reuid=${POSTGRES_USER}`, `--regid=${POSTGRES_USER}`, '--init-groups', '--', binary, ...args]];
}

export async function startPostgres(binaries: ServiceBinaries, logDir: string): Promise<Postgres> {
	const root = mkdtempSync(join(tmpdir(), 'zapi-scale-pg-'));
	const data = join(root, 'data');
	const socketDir = join(root, 'socket');
	mkdirSync(socketDir);
	const password = `scale-pg-${Math.random().toString(36).slice(2)}`;
	const passwordFile = join(root, 'password');
	writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
	if (isRoot()) {
		const { uid, gid } = await systemUserIds(POSTGRES_USER);
		for (const path of [root, socketDir, passwordFile]) chownSync(path, uid, gid);
	}
	chmodSync(root, 0o700);

	const pgBin = (name: string) => join(binaries.pgBinDir, name);
	const [initCommand, initArgs] = asClusterOwner(pgBin('initdb'), [
		'-D',
		data,
		'-U',
		'n8n',
		`--pwfile=${passwordFile}`,
		'--auth-local=trust',
		'--auth-host=scram-sha-256',
		'-E',
		'UTF8',
		'--no-locale',
		'--no-sync',
	]);
	try {
		await run(initCommand, initArgs, { cwd: root, maxBuffer: 4 * 1024 * 1024 });
	} catch (error) {
		const failure = error as { stderr?: string; message: string };
		throw new Error(`initdb failed: ${failure.stderr?.trim() || failure.message}`);
	}
	rmSync(passwordFile);

	const port = await freePort();
	const [command, args] = asClusterOwner(pgBin('postgres'), [
		'-D',
		data,
		'-k',
		socketDir,
		'-p',
		String(port),
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'max_connections=100',
	]);
	const started = startProcess(command, args, {
		cwd: root,
		stdoutFile: join(logDir, 'postgres.stdout.txt'),
		stderrFile: join(logDir, 'postgres.stderr.txt'),
	});
	const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
	const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'n8n'];

	const deadline = Date.now() + 30_000;
	for (;;) {
		if (started.child.exitCode !== null) throw new Error(`postgres exited with ${started.child.exitCode} (see ${logDir}/postgres.stderr.txt)`);
		try {
			await run(pgBin('pg_isready'), [...connection, '-d', 'postgres'], { env });
			break;
		} catch {
			if (Date.now() > deadline) throw new Error('postgres did not accept connections within 30 s');
			await sleep(100);
		}
	}
	const psql = async (database: string, sql: string) =>
		(await run(pgBin('psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', ...connection, '-d', database, '-c', sql], { env, maxBuffer: 512 * 1024 * 1024 }))
			.stdout;
	await psql('postgres', 'CREATE DATABASE n8n');

	let stopped = false;
	return {
		host: '127.0.0.1',
		port,
		database: 'n8n',
		user: 'n8n',
		password,
		root,
		process: started,
		query: (sql) => psql('n8n', sql),
		async dump(file) {
			await run(pgBin('pg_dump'), [...connection, '-d', 'n8n', '--no-owner', '-f', file], { env, maxBuffer: 16 * 1024 * 1024 });
			const { stdout } = await run('stat', ['-c', '%s', file]);
			return Number(stdout.trim());
		},
		async stop() {
			if (stopped) return;
			stopped = true;
			// Fast shutdown (SIGINT): a plain SIGTERM would wait for every client to disconnect.
			if (started.child.pid !== undefined && started.child.exitCode === null) {
				try {
					process.kill(started.child.pid, 'SIGINT');
				} catch {
					// gone already
				}
				await Promise.race([started.exited, sleep(15_000)]);
			}
			await stopProcess(started, 5_000);
			rmSync(root, { recursive: true, force: true });
		},
	};
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

export interface Redis {
	host: '127.0.0.1';
	port: number;
	process: Started;
	stop(): Promise<void>;
}

/** Sends PING over a plain socket; true for "+PONG". */
function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ host: '127.0.0.1', port });
		let answer = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
		});
	});
}

export async function startRedis(binaries: ServiceBinaries, logDir: string): Promise<Redis> {
	const dir = mkdtempSync(join(tmpdir(), 'zapi-scale-redis-'));
	const port = await freePort();
	const started = startProcess(
		binaries.redisServer,
		['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir],
		{ cwd: dir, stdoutFile: join(logDir, 'redis.stdout.txt'), stderrFile: join(logDir, 'redis.stderr.txt') },
	);
	const deadline = Date.now() + 15_000;
	while (!(await ping(port))) {
		if (started.child.exitCode !== null) throw new Error(`redis-server exited with ${started.child.exitCode} (see ${logDir}/redis.stdout.txt)`);
		if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 15 s');
		await sleep(100);
	}
	let stopped = false;
	return {
		host: '127.0.0.1',
		port,
		process: started,
		async stop() {
			if (stopped) return;
			stopped = true;
			await stopProcess(started, 5_000);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
