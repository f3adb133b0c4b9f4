/**
 * One XMPP client stream (RFC 6120) on a socket chatbench builds itself: TCP with TCP_NODELAY
 * set before the first byte, direct TLS (xmpps://) or STARTTLS (xmpp://, when offered, unless
 * the target says `starttls: never`), certificate verification on unless the target turns it
 * off; SASL SCRAM-SHA-1 or PLAIN; in-band registration (XEP-0077) when asked; resource binding;
 * then stream management (XEP-0198): enabled with resumption, or a previous stream resumed.
 *
 * Negotiation reads elements in order (`next()`); once it is over, every element goes straight
 * to the session's handler (`onElement`), with no queue in between.
 */
import net from 'node:net';
import tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { TargetUnreachableError } from '../../core/errors.js';
import { NS } from './ns.js';
import { chooseMechanism } from './sasl.js';
import { StreamParser, child, escapeXml, type XmlElement } from './xml.js';
import type { WireCounter } from '../common/wire.js';
import { bindTo, sourceAddressError } from '../common/source-address.js';

export interface StreamSettings {
  host: string;
  port: number;
  /** xmpps://: TLS from the first byte (XEP-0368). */
  directTls: boolean;
  /** xmpp://: upgrade with STARTTLS when the server offers it ('if-offered'), insist ('required'), or never. */
  starttls: 'if-offered' | 'required' | 'never';
  tlsOptions: tls.ConnectionOptions;
  domain: string;
  /** Printed in messages, credentials removed. */
  display: string;
  /** The source address to connect from (connect.sourceAddresses); absent: the system's choice. */
  localAddress?: string;
}

export interface Login {
  username: string;
  password: string;
  /** Create the account first (XEP-0077 in-band registration). */
  register?: boolean;
}

/** What a finished negotiation gives the session. */
export interface Negotiated {
  /** The full JID the server bound (or the resumed stream's). */
  jid: string;
  /** XEP-0198: the stream id to resume with, when the server allows resumption. */
  smId: string | undefined;
  smEnabled: boolean;
  /** Set when a resume was asked: the server's count of our stanzas it handled (<resumed h>), or null when it refused. */
  resumedH: number | null | undefined;
}

export interface StreamHooks {
  onElement(el: XmlElement): void;
  /** The socket closed (whoever closed it); `error` is the first socket or parse error. */
  onClose(info: { error: Error | undefined; peerEnded: boolean; streamError: string | undefined }): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * How to enable XEP-0198: with resumption (the server keeps a dropped stream, and so announces
 * its unavailable presence only when the resume window ends), and the window the client asks
 * for (`max`, seconds: the server may grant less).
 */
export interface SmRequest {
  resume: boolean;
  maxSeconds?: number;
}

export function enableXml(sm: SmRequest): string {
  if (!sm.resume) return `<enable xmlns='${NS.sm}'/>`;
  return `<enable xmlns='${NS.sm}' resume='true'${sm.maxSeconds === undefined ? '' : ` max='${Math.max(1, Math.round(sm.maxSeconds))}'`}/>`;
}

/** The SASL / stanza error condition: the first child's name that is not <text>. */
export function errorCondition(el: XmlElement | undefined): string {
  return el?.children.find((c) => c.name !== 'text')?.name ?? 'unknown';
}

export class XmppStream {
  private raw: net.Socket | undefined;
  private socket: net.Socket | tls.TLSSocket | undefined;
  private parser: StreamParser | undefined;
  private readonly queue: XmlElement[] = [];
  private waiter: { resolve: (el: XmlElement) => void; reject: (err: Error) => void } | undefined;
  private hooks: StreamHooks | undefined;
  private encrypted = false;
  private failure: Error | undefined;
  private peerFin = false;
  private streamError: string | undefined;
  private closed = false;
  private ended = false;
  /** The peer's </stream:stream> arrived. */
  private peerClosedStream = false;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(
    private readonly settings: StreamSettings,
    private readonly counter: WireCounter,
  ) {}

  get isEncrypted(): boolean {
    return this.encrypted;
  }

  get isOpen(): boolean {
    return !this.closed && !this.ended;
  }

  get streamClosedByPeer(): boolean {
    return this.peerClosedStream;
  }

  /** Writes raw XML; false when the stream is gone. */
  write(xml: string): boolean {
    const s = this.socket;
    if (s === undefined || this.closed || this.ended) return false;
    s.write(xml);
    return true;
  }

  /** True when the socket buffers more than its high-water mark. */
  get backedUp(): boolean {
    return this.socket?.writableNeedDrain ?? false;
  }

  waitDrain(): Promise<void> {
    const s = this.socket;
    if (s === undefined || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  /** Graceful end: </stream:stream>, then the TCP FIN once the server closed its stream too (or after timeoutMs). */
  async end(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    if (!this.ended) {
      this.ended = true;
      this.socket?.write('</stream:stream>');
    }
    await Promise.race([this.whenClosed(), new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    this.socket?.end();
    await Promise.race([this.whenClosed(), new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    if (!this.closed) this.destroy();
  }

  /**
   * Closes the connection without ending the stream (no </stream:stream>), after what was written
   * left: a XEP-0198 session then hibernates on the server, resumable. Bounded by `timeoutMs`.
   */
  async closeWithoutGoodbye(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.ended = true;
    this.socket?.end();
    await Promise.race([this.whenClosed(), new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    if (!this.closed) this.destroy();
  }

  /** Drops the TCP connection with no goodbye (no </stream:stream>, no TLS close_notify). */
  destroy(): void {
    this.ended = true;
    this.raw?.destroy();
    this.socket?.destroy();
  }

  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /**
   * Connects and negotiates up to a bound resource with stream management (or a resumed
   * stream when `resume` is given). Rejects with TargetUnreachableError naming the step that failed.
   */
  async open(login: Login, opts: { resource: string; timeoutMs: number; resume?: { id: string; h: number }; sm?: SmRequest }): Promise<Negotiated> {
    const timer = setTimeout(() => this.fail(new Error(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    let step = 'TCP connect';
    try {
      await this.connectSocket();
      step = this.settings.directTls ? 'TLS handshake' : 'stream header';
      if (this.settings.directTls) await this.startTls();
      step = 'stream features';
      let features = await this.restart();
      if (!this.encrypted && this.settings.starttls !== 'never') {
        const offered = child(features, 'starttls', NS.tls) !== undefined;
        if (offered) {
          step = 'STARTTLS';
          this.write(`<starttls xmlns='${NS.tls}'/>`);
          const answer = await this.next();
          if (answer.name !== 'proceed') throw new Error(`the server answered <starttls/> with <${answer.name}>`);
          step = 'TLS handshake';
          await this.startTls();
          step = 'stream features';
          features = await this.restart();
        } else if (this.settings.starttls === 'required') {
          throw new Error('the server does not offer STARTTLS, and the target requires it (starttls: required)');
        }
      }
      if (login.register) {
        step = 'in-band registration';
        await this.register(login);
      }
      step = 'SASL';
      await this.authenticate(features, login);
      step = 'stream features';
      features = await this.restart();
      const sm = child(features, 'sm', NS.sm) !== undefined;
      if (opts.resume) {
        if (!sm) throw new Error('the server no longer offers stream management: cannot resume');
        step = 'stream resumption';
        this.write(`<resume xmlns='${NS.sm}' h='${opts.resume.h}' previd='${escapeXml(opts.resume.id)}'/>`);
        const answer = await this.next();
        if (answer.name === 'resumed') {
          return { jid: '', smId: opts.resume.id, smEnabled: true, resumedH: Number(answer.attrs['h'] ?? 0) };
        }
        return { jid: '', smId: undefined, smEnabled: false, resumedH: null };
      }
      step = 'resource binding';
      const jid = await this.bind(opts.resource);
      if (child(features, 'session', NS.session) && !child(child(features, 'session', NS.session) ?? features, 'optional')) {
        step = 'session establishment';
        await this.iq(`<session xmlns='${NS.session}'/>`);
      }
      let smId: string | undefined;
      if (sm) {
        step = 'stream management';
        this.write(enableXml(opts.sm ?? { resume: true }));
        const answer = await this.next();
        if (answer.name !== 'enabled') throw new Error(`<enable/> answered with <${answer.name}>: ${errorCondition(answer)}`);
        const resumable = answer.attrs['resume'] === 'true' || answer.attrs['resume'] === '1';
        smId = resumable ? answer.attrs['id'] : undefined;
      }
      return { jid, smId, smEnabled: sm, resumedH: undefined };
    } catch (err) {
      this.destroy();
      const local = sourceAddressError(err as Error, this.settings.localAddress, `cannot open a stream to ${this.settings.display}`);
      if (local) throw local;
      const reason = this.failure && this.failure !== err ? this.failure.message : (err as Error).message;
      throw new TargetUnreachableError(this.settings.display, `${step}: ${this.describe(reason)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** From now on every element goes to `hooks` (queued ones first), and the close is reported. */
  run(hooks: StreamHooks): void {
    this.hooks = hooks;
    for (const el of this.queue.splice(0)) hooks.onElement(el);
    if (this.closed) this.reportClose();
  }

  private describe(reason: string): string {
    const err = this.failure as NodeJS.ErrnoException | undefined;
    if (err?.code === 'ECONNREFUSED') return `connection refused (ECONNREFUSED ${this.settings.host}:${this.settings.port})`;
    if (this.streamError) return `the server sent a stream error: ${this.streamError}`;
    return reason;
  }

  private connectSocket(): Promise<void> {
    const raw = new net.Socket();
    // Before connect(): Node applies the stored flag as the socket connects, so before the first byte.
    raw.setNoDelay(true);
    this.raw = raw;
    this.socket = raw;
    this.counter.add(raw);
    raw.on('error', (err) => this.fail(err));
    raw.once('end', () => {
      if (!this.ended) this.peerFin = true;
    });
    raw.once('close', () => this.onSocketClose());
    raw.on('data', (chunk: Buffer) => {
      if (this.socket === raw) this.parser?.write(chunk);
    });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      raw.once('error', onError);
      raw.connect({ host: this.settings.host, port: this.settings.port, ...bindTo(this.settings.localAddress) }, () => {
        raw.off('error', onError);
        resolve();
      });
    });
  }

  private startTls(): Promise<void> {
    const raw = this.raw;
    if (raw === undefined) return Promise.reject(new Error('no socket'));
    const options = this.settings.tlsOptions;
    // The certificate must name the XMPP domain (RFC 6120 §13.7.2.1), not the address dialled.
    const identity = options.servername ?? this.settings.domain;
    const secure = tls.connect({
      ...options,
      socket: raw,
      host: identity,
      servername: net.isIP(identity) ? undefined : identity,
    });
    this.socket = secure;
    secure.on('error', (err) => this.fail(err));
    secure.on('data', (chunk: Buffer) => this.parser?.write(chunk));
    return new Promise((resolve, reject) => {
      secure.once('secureConnect', () => {
        this.encrypted = true;
        resolve();
      });
      secure.once('error', reject);
    });
  }

  /** A new stream on the same socket (RFC 6120 §4.3.3): a fresh parser, our header, the server's features. */
  private async restart(): Promise<XmlElement> {
    this.parser = new StreamParser({
      onOpen: () => undefined,
      onElement: (el) => this.deliver(el),
      onEnd: () => {
        this.peerClosedStream = true;
        if (!this.ended) this.socket?.end();
      },
      onError: (err) => {
        this.fail(new Error(`the server sent XML that does not parse: ${err.message}`));
        this.destroy();
      },
    });
    this.write(
      `<?xml version='1.0'?><stream:stream to='${escapeXml(this.settings.domain)}' version='1.0' xml:lang='en' xmlns='${NS.client}' xmlns:stream='${NS.stream}'>`,
    );
    const features = await this.next();
    if (features.name !== 'stream:features') throw new Error(`expected <stream:features>, got <${features.name}>`);
    return features;
  }

  private async register(login: Login): Promise<void> {
    const answer = await this.iq(
      `<query xmlns='${NS.register}'><username>${escapeXml(login.username)}</username><password>${escapeXml(login.password)}</password></query>`,
    );
    if (answer.attrs['type'] !== 'result') {
      throw new Error(`the server refused to register ${login.username}: ${errorCondition(child(answer, 'error'))}`);
    }
  }

  private async authenticate(features: XmlElement, login: Login): Promise<void> {
    const offered = child(features, 'mechanisms', NS.sasl)?.children.filter((c) => c.name === 'mechanism').map((c) => c.text.trim()) ?? [];
    const loopback = LOOPBACK.has(this.settings.host);
    const mech = chooseMechanism(offered, login.username, login.password, this.encrypted || loopback);
    if (mech === undefined) {
      throw new Error(`no SASL mechanism in common (server offers ${offered.join(', ') || 'none'}; chatbench: SCRAM-SHA-1, PLAIN${this.encrypted || loopback ? '' : ' only over TLS or loopback'})`);
    }
    this.write(`<auth xmlns='${NS.sasl}' mechanism='${mech.name}'>${mech.initial().toString('base64') || '='}</auth>`);
    for (;;) {
      const el = await this.next();
      const data = Buffer.from(el.text.trim() === '=' ? '' : el.text.trim(), 'base64');
      if (el.name === 'challenge') {
        this.write(`<response xmlns='${NS.sasl}'>${mech.respond(data).toString('base64') || '='}</response>`);
      } else if (el.name === 'success') {
        mech.verify(data);
        return;
      } else if (el.name === 'failure') {
        throw new Error(`${mech.name} login of ${login.username} failed: ${errorCondition(el)}`);
      } else {
        throw new Error(`unexpected <${el.name}> during SASL`);
      }
    }
  }

  private async bind(resource: string): Promise<string> {
    const answer = await this.iq(`<bind xmlns='${NS.bind}'><resource>${escapeXml(resource)}</resource></bind>`);
    const jid = child(child(answer, 'bind', NS.bind) ?? answer, 'jid')?.text;
    if (answer.attrs['type'] !== 'result' || jid === undefined) throw new Error(`resource binding failed: ${errorCondition(child(answer, 'error'))}`);
    return jid;
  }

  private async iq(payload: string): Promise<XmlElement> {
    const id = `n${randomBytes(4).toString('hex')}`;
    this.write(`<iq type='set' id='${id}'>${payload}</iq>`);
    for (;;) {
      const el = await this.next();
      if (el.name === 'iq' && el.attrs['id'] === id) return el;
    }
  }

  private deliver(el: XmlElement): void {
    if (el.name === 'stream:error') {
      this.streamError = errorCondition(el);
    }
    if (this.hooks) {
      this.hooks.onElement(el);
      return;
    }
    const waiter = this.waiter;
    if (waiter && el.name !== 'stream:error') {
      this.waiter = undefined;
      waiter.resolve(el);
    } else {
      this.queue.push(el);
    }
  }

  private next(): Promise<XmlElement> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed || this.failure) return Promise.reject(this.failure ?? new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(err);
  }

  private onSocketClose(): void {
    this.closed = true;
    if (!this.ended || this.waiter) this.fail(new Error(this.streamError ? `the server sent a stream error: ${this.streamError}` : 'connection closed by the server'));
    for (const w of this.closeWaiters.splice(0)) w();
    if (this.hooks) this.reportClose();
  }

  private reportClose(): void {
    const hooks = this.hooks;
    this.hooks = undefined;
    hooks?.onClose({ error: this.failure, peerEnded: this.peerFin, streamError: this.streamError });
  }
}
