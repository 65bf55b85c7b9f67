/**
 * The shared services of n8n's queue mode, run privately for the scale stage: a PostgreSQL cluster
 * (PostgreSQL 17 from the npm registry, initdb into a temporary folder, TCP on 127.0.0.1 only,
 * socket in that folder; Debian's psql and pg_isready talk to it) and a Redis server (loopback,
 * no persistence). Both run in their own process groups through
 * scripts/e2e/lib/processes.ts, so the e2e stage's cleanup rules apply to them too.
 *
 * PostgreSQL refuses to run as root: as root, the server's binaries run as the `postgres` system
 * user (scripts/scale/provision-services.sh makes sure it exists) through `setpriv`, which execs
 * in place (no extra parent process), and the cluster folder is chowned to it.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { freePort, sleep, startProcess, stopProcess, type Started } from '../../e2e/lib/processes';

const run = promisify(execFile);

export interface ServiceBinaries {
	/** initdb and postgres (the npm registry's PostgreSQL build). */
	pgServerBinDir: string;
	/** The server's release, for example "17.10". */
	pgVersion: string;
	/** psql and pg_isready (Debian's postgresql-client). */
	pgClientBinDir: string;
	pgClientVersion: string;
	redisServer: string;
	redisVersion: string;
}

/** Runs scripts/scale/provision-services.sh (npm and apt-get installs when missing) and reads its NAME=value lines. */
export async function provisionServices(scriptPath: string): Promise<ServiceBinaries> {
	const names = ['SCALE_PG_SERVER_BIN_DIR', 'SCALE_PG_VERSION', 'SCALE_PG_CLIENT_BIN_DIR', 'SCALE_PG_CLIENT_VERSION', 'SCALE_REDIS_SERVER', 'SCALE_REDIS_VERSION'];
	const program = `set -euo pipefail; out=$(bash "$1"); eval "$out"; ${names.map((name) => `printf '%s\\n' "$${name}"`).join('; ')}`;
	const child = execFile('bash', ['-c', program, 'provision', scriptPath], { maxBuffer: 1024 * 1024 });
	child.stderr?.pipe(process.stderr);
	let stdout = '';
	child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	const code = await new Promise<number>((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? -1)));
	if (code !== 0) throw new Error(`${scriptPath} failed with exit code ${code}`);
	const values = stdout.replace(/\n$/, '').split('\n');
	if (values.length !== names.length || values.some((value) => value === '')) throw new Error(`${scriptPath} did not print ${names.join(', ')}`);
	const [pgServerBinDir, pgVersion, pgClientBinDir, pgClientVersion, redisServer, redisVersion] = values;
	return { pgServerBinDir, pgVersion, pgClientBinDir, pgClientVersion, redisServer, redisVersion };
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
	/** The server's version as it reports it (SHOW server_version). */
	serverVersion(): Promise<string>;
	/**
	 * Every row of the database into `file`, in the layout of a plain pg_dump's data section (see
	 * dumpDatabase); returns the file's size.
	 */
	dump(file: string): Promise<number>;
	stop(): Promise<void>;
}

const POSTGRES_USER = 'postgres';
/** psql: no ~/.psqlrc, quiet, unaligned, tuples only, stop at the first error. */
const PSQL_FLAGS = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1'];

/** Every table of every schema but PostgreSQL's own, with its columns; plus the large objects. */
const TABLES_SQL = `
	SELECT format('%I.%I', n.nspname, c.relname), string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
	FROM pg_class c
	JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE (c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%')
		OR (n.nspname = 'pg_catalog' AND c.relname = 'pg_largeobject')
	GROUP BY n.nspname, c.relname
	ORDER BY 1`;

/**
 * Writes each table as a plain pg_dump writes its data: `COPY <table> (<columns>) FROM stdin;`, the
 * rows exactly as the server's COPY TO STDOUT prints them (text format; bytea as \\x hex), then `\.`.
 * pg_dump itself cannot be used: it refuses a server of a newer major version than its own, and
 * neither Debian 12 (15) nor the npm registry's PostgreSQL package (server only) has a pg_dump 17.
 * What is left out is only the schema (CREATE statements, which hold no data) and sequence positions.
 */
async function dumpDatabase(
	file: string,
	tables: Array<{ name: string; columns: string }>,
	copy: (sql: string) => ReturnType<typeof spawn>,
): Promise<void> {
	const out = createWriteStream(file);
	await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
	try {
		for (const table of tables) {
			await write(out, `COPY ${table.name} (${table.columns}) FROM stdin;\n`);
			const child = copy(`COPY ${table.name} TO STDOUT`);
			let stderr = '';
			child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
			child.stdout?.pipe(out, { end: false });
			const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
			if (code !== 0) throw new Error(`COPY ${table.name} TO STDOUT failed (psql exit ${code}): ${stderr.trim()}`);
			await write(out, '\\.\n\n');
		}
	} finally {
		await new Promise<void>((resolve) => out.end(resolve));
	}
}

function write(out: WriteStream, text: string): Promise<void> {
	return new Promise((resolve, reject) => out.write(text, (error) => (error ? reject(error) : resolve())));
}

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

	const serverBin = (name: string) => join(binaries.pgServerBinDir, name);
	const clientBin = (name: string) => join(binaries.pgClientBinDir, name);
	const [initCommand, initArgs] = asClusterOwner(serverBin('initdb'), [
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
	const [command, args] = asClusterOwner(serverBin('postgres'), [
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
			await run(clientBin('pg_isready'), [...connection, '-d', 'postgres'], { env });
			break;
		} catch {
			if (Date.now() > deadline) throw new Error('postgres did not accept connections within 30 s');
			await sleep(100);
		}
	}
	const psql = async (database: string, sql: string) =>
		(await run(clientBin('psql'), [...PSQL_FLAGS, ...connection, '-d', database, '-c', sql], { env, maxBuffer: 512 * 1024 * 1024 })).stdout;
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
		serverVersion: async () => (await psql('n8n', 'SHOW server_version')).trim(),
		async dump(file) {
			const tables = (await psql('n8n', TABLES_SQL))
				.split('\n')
				.filter((line) => line !== '')
				.map((line) => {
					const [name, columns] = line.split('|');
					return { name, columns };
				});
			await dumpDatabase(file, tables, (sql) => spawn(clientBin('psql'), [...PSQL_FLAGS, ...connection, '-d', 'n8n', '-c', sql], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
			return statSync(file).size;
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
