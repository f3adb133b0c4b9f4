/**
 * Work moved off the event loop that sends messages: one worker thread per job kind, called
 * like an async function. Checkpoints use it (histogram summaries and encodings, the JSON of
 * the result), so a send due while a checkpoint is built leaves on time.
 *
 * The worker never keeps the process alive while idle: it is referenced only while it loads
 * and while a call is outstanding. `ready` resolves once it has loaded, so a caller can let it
 * load before the sends begin rather than beside them. If it dies, every call outstanding and every later call rejects; callers treat
 * that like any failed checkpoint (the final result, built on the main thread, decides).
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, type TransferListItem } from 'node:worker_threads';

interface Call<Q> {
  id: number;
  body: Q;
}

type Reply<R> = { id: number; ok: true; body: R } | { id: number; ok: false; message: string };

/** What a worker posts once its module has loaded and it takes calls. */
interface Loaded {
  loaded: true;
}

interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

/** The main thread's end: `call` posts a job and resolves with the worker's answer. */
export class OffThread<Q, R> {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending<R>>();
  #next = 0;
  /** Why no more calls can be answered; null while the worker runs. */
  #gone: Error | null = null;
  #loaded = false;
  #onLoaded: () => void = () => undefined;
  /** Resolves once the worker has loaded, or has failed (its calls then reject): never rejects. */
  readonly ready: Promise<void>;

  constructor(script: URL) {
    this.ready = new Promise((resolve) => {
      this.#onLoaded = resolve;
    });
    this.#worker = new Worker(script);
    this.#worker.on('message', (message: Reply<R> | Loaded) => {
      if ('loaded' in message) this.#markLoaded();
      else this.#answer(message);
    });
    this.#worker.on('error', (error: Error) => this.#fail(error));
    this.#worker.on('exit', (code: number) => this.#fail(new Error(`the worker thread exited (code ${code})`)));
  }

  /** Posts `body` (its `transfer` buffers move, not copied) and resolves with the answer. */
  call(body: Q, transfer: readonly TransferListItem[] = []): Promise<R> {
    if (this.#gone !== null) return Promise.reject(this.#gone);
    const id = this.#next++;
    const answer = new Promise<R>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (this.#pending.size === 1) this.#worker.ref();
    this.#worker.postMessage({ id, body } satisfies Call<Q>, transfer);
    return answer;
  }

  /** Stops the worker; calls still outstanding reject. */
  async close(): Promise<void> {
    this.#fail(new Error('the worker thread was closed'));
    await this.#worker.terminate();
  }

  #markLoaded(): void {
    this.#loaded = true;
    this.#onLoaded();
    if (this.#pending.size === 0) this.#worker.unref();
  }

  #answer(reply: Reply<R>): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0 && this.#loaded) this.#worker.unref();
    if (reply.ok) pending.resolve(reply.body);
    else pending.reject(new Error(reply.message));
  }

  #fail(error: Error): void {
    this.#gone ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#gone);
    this.#pending.clear();
    this.#onLoaded();
    this.#worker.unref();
  }
}

/**
 * The worker's end: answers every call with `handle(body)`; `transfer` names the buffers of the
 * answer to move rather than copy. A job that throws rejects that call only.
 */
export function serve<Q, R>(handle: (body: Q) => R | Promise<R>, transfer: (answer: R) => TransferListItem[] = () => []): void {
  const port = parentPort;
  if (isMainThread || port === null) throw new Error('serve() runs in a worker thread');
  port.on('message', (call: Call<Q>) => {
    void (async (): Promise<void> => {
      try {
        const body = await handle(call.body);
        port.postMessage({ id: call.id, ok: true, body } satisfies Reply<R>, transfer(body));
      } catch (error) {
        port.postMessage({ id: call.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies Reply<R>);
      }
    })();
  });
  port.postMessage({ loaded: true } satisfies Loaded);
}

/** The package root when running the build (dist/), the repository root when running sources. */
const ROOT = new URL('../', import.meta.url);
/** Running from TypeScript sources (vitest), where no worker script sits beside its module. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * Where a worker script is: `script` itself (the build, where it sits beside its caller), or —
 * running from TypeScript sources, which a worker thread cannot load — its compiled twin under
 * dist/ (`npm run build`). Null when neither exists: the caller does the work on its own thread.
 */
export function workerScript(script: URL): URL | null {
  if (existsSync(script)) return script;
  if (!FROM_SOURCES) return null;
  const compiled = pathToFileURL(`${fileURLToPath(ROOT)}dist/${relative(fileURLToPath(ROOT), fileURLToPath(script))}`);
  return existsSync(compiled) ? compiled : null;
}
