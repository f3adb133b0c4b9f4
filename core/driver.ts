/**
 * The protocol-neutral Driver interface: chat verbs the engine speaks to every protocol.
 * MQTT maps them onto topics, QoS, retained presence and wills; XMPP onto <message>, MUC,
 * <presence> and XEP-0198 acks. The engine never imports a protocol library.
 */

/** Delivery level, in MQTT's numbering: 0 at most once, 1 at least once, 2 exactly once. */
export type DeliveryLevel = 0 | 1 | 2;
/** Every level, lowest first: the one list results, verdicts and reports iterate. */
export const DELIVERY_LEVELS: readonly DeliveryLevel[] = [0, 1, 2];

/** A protocol's name as its runner registers it (core/target.ts): "mqtt", "xmpp", ... */
export type Protocol = string;

/** Where a received message came from, as the driver saw it on the wire. */
export type MessageSource =
  | { kind: 'room'; room: string }
  | { kind: 'direct' };

/** A chat message as a receiving user got it. */
export interface InboundMessage {
  /** The raw payload, chatbench header first (see core/metrics/header.ts). */
  payload: Uint8Array;
  /** Monotonic receive time in microseconds (core/clock.ts), taken as the driver got the message. */
  receivedAt: number;
  /** Delivery level the message arrived with (MQTT: the QoS of the PUBLISH received). */
  level: DeliveryLevel;
  source: MessageSource;
  /** The server kept it for the receiver while it was away (XMPP: offline storage, marked by XEP-0203 <delay>). */
  stored?: boolean;
  /** It was the destination's retained message, sent because the receiver just joined (MQTT: RETAIN set on delivery). */
  retained?: boolean;
}

/**
 * A presence status as a watcher received it. `tag` identifies the connection that set it (or
 * whose will it is); `sentAt` is the monotonic time (µs) the status was set — absent for a will,
 * whose content is fixed at connect (the engine knows when it dropped that connection).
 */
export interface PresenceUpdate {
  /** Whose presence it is. */
  user: string;
  status: string;
  /** True when the server published it as the user's will (the connection ended without a goodbye). */
  will: boolean;
  tag: string;
  sentAt?: number;
  /** Monotonic receive time, µs. */
  receivedAt: number;
  /** The server sent it as the retained status because the watcher just subscribed. */
  retained: boolean;
}

/** Capabilities a scenario may need beyond plain chat; a driver lists those it has (Driver.features). */
export type DriverFeature =
  | 'persistent-session'
  | 'will'
  | 'presence-watch'
  | 'retained'
  | 'receive-maximum'
  | 'message-expiry'
  | 'takeover'
  | 'slow-consumer'
  /** MQTT 5 Will Delay Interval (PresenceSpec.willDelayMs). */
  | 'will-delay';

export type InboundHandler = (message: InboundMessage) => void;

/** Bytes counted on the sockets themselves (encrypted bytes for TLS, framed bytes for WebSocket). */
export interface WireBytes {
  bytesOut: number;
  bytesIn: number;
}

/** One connected chat user. Every promise resolves when the server acknowledged the verb. */
export interface ChatSession {
  readonly user: string;
  /**
   * Subscribe to a room; resolves once the server acknowledged the subscription (readiness),
   * with the level the server granted (it may grant less than asked: delivery is judged at it).
   */
  joinRoom(room: string, level: DeliveryLevel): Promise<DeliveryLevel>;
  /** The level the server granted for this user's direct-message inbox. */
  readonly inboxLevel: DeliveryLevel;
  leaveRoom(room: string): Promise<void>;
  /**
   * Resolves when the protocol's send completes: written (level 0), PUBACK (1), PUBCOMP (2).
   * `retain`: the server keeps it as the room's last message for later joiners ('retained' feature).
   */
  sendToRoom(room: string, payload: Uint8Array, level: DeliveryLevel, options?: { retain?: boolean }): Promise<void>;
  /** Removes the room's retained message (MQTT: an empty retained PUBLISH) ('retained' feature). */
  clearRetained?(room: string): Promise<void>;
  sendToUser(user: string, payload: Uint8Array, level: DeliveryLevel): Promise<void>;
  /**
   * Announce presence ("online", "away", ...). `stamp` travels with the status so watchers can
   * tell which connection set it and when (PresenceUpdate.tag / sentAt); drivers without it send the status alone.
   */
  setPresence(status: string, stamp?: { tag: string; sentAt: number }): Promise<void>;
  /**
   * Watch another user's presence: resolves once the server acknowledged the watch; every status
   * (and will) of that user then reaches ConnectOptions.onPresence ('presence-watch' feature).
   */
  watchPresence?(user: string): Promise<void>;
  /**
   * graceful: protocol-level goodbye; abrupt: drop the socket (wills / unavailable presence fire).
   * keepSession: a persistent session stays on the server for a later connect with `resume`;
   * without it a graceful goodbye also ends a persistent session (MQTT 5: Session Expiry 0 on
   * DISCONNECT; 3.1.1: a Clean Session connect and goodbye), so nothing is left on the server.
   */
  disconnect(mode: 'graceful' | 'abrupt', options?: { keepSession?: boolean }): Promise<void>;
  /** The server still had this user's session from an earlier connection (MQTT: CONNACK session present). */
  readonly resumed?: boolean;
  /** Stop reading this session's socket for `ms` (a slow consumer; the server's queue grows) ('slow-consumer' feature). */
  pauseReads?(ms: number): void;
  /** Bytes this session's sockets have moved so far. */
  wire(): WireBytes;
  /**
   * The keep-alive interval this session runs at, in seconds (MQTT: the effective keep-alive,
   * which a 5.0 server may set in CONNACK; XMPP: the ping or whitespace interval), recorded
   * beside the idle phase's keep-alive bytes; undefined when the driver keeps none.
   */
  readonly keepAliveSeconds?: number | undefined;
}

/**
 * Who ended a connection that chatbench did not ask to end, and why, with the evidence:
 * - server: the server sent a goodbye (MQTT 5 DISCONNECT, an XMPP stream error) or closed the socket;
 * - network: the socket failed (reset, timeout, TLS alert) without a goodbye from the server;
 * - chatbench: chatbench's own client gave up (its keep-alive timeout, its disconnect timer).
 */
export interface ConnectionEnd {
  by: 'server' | 'network' | 'chatbench';
  /** In words, with the evidence: "server sent DISCONNECT: session taken over (142)". */
  cause: string;
  /** The protocol's reason code when the server sent one. */
  code?: number;
}

/**
 * A send the protocol did not complete. `awaiting` names what never came back (MQTT: "PUBACK",
 * "PUBREC", "PUBCOMP"); `because` says why chatbench stopped expecting it.
 */
export class SendIncompleteError extends Error {
  readonly awaiting: string;
  readonly because: 'connection-closed' | 'stopped-waiting' | 'refused';
  readonly code: number | undefined;
  /**
   * The request left chatbench (written to the socket): the server may have it, so its deliveries
   * stay owed — arriving late, or counted undelivered — unless the server refused it. False when
   * the connection was gone before the send could be written.
   */
  readonly written: boolean;
  constructor(
    message: string, awaiting: string, because: SendIncompleteError['because'], code?: number,
    options?: { cause?: unknown; written?: boolean },
  ) {
    super(message, options);
    this.name = 'SendIncompleteError';
    this.awaiting = awaiting;
    this.because = because;
    this.code = code;
    this.written = options?.written ?? true;
  }

  /** Whether the server may still deliver it: written, and not refused. */
  get mayBeDelivered(): boolean {
    return this.written && this.because !== 'refused';
  }
}

/**
 * The server broke the protocol's acknowledgement flow (MQTT: a QoS 2 PUBLISH answered with a
 * PUBACK), seen on the wire. `seen` lists the packet types observed, in order.
 */
export interface ProtocolAnomaly {
  kind: string;
  detail: string;
  seen: string[];
}

export interface ConnectOptions {
  /** User name inside the run (the driver turns it into a client id / JID unique to the run). */
  user: string;
  /** Open the connection from this local (source) address, e.g. 127.0.0.7: spreads connections past one address's ports. */
  localAddress?: string;
  /** Direct messages for this user arrive at onMessage; the inbox is ready when connect resolves. */
  directLevel: DeliveryLevel;
  onMessage: InboundHandler;
  /** Reject with TargetUnreachableError / RunAbortedError past this many milliseconds. */
  timeoutMs: number;
  /**
   * Called once if the connection ends without disconnect() having been asked for: the server
   * went away, kicked the client, or the network broke. `reason` says which, in words.
   */
  onConnectionLost?: (end: ConnectionEnd) => void;
  /** Called for every acknowledgement-flow anomaly seen on this user's connection. */
  onAnomaly?: (anomaly: ProtocolAnomaly) => void;
  /**
   * The largest message payload (bytes, chatbench header included) this user will send. A
   * driver whose server announces a size limit at connect (MQTT 5 Maximum Packet Size) refuses
   * with InputError when the messages cannot fit, before anything is sent.
   */
  largestPayloadBytes?: number;
  /**
   * Persistent session ('persistent-session'): the server keeps subscriptions and queues messages
   * while the user is away. resume: continue the session an earlier connect of this user left.
   */
  session?: { persistent: boolean; resume: boolean; expirySeconds?: number };
  /** MQTT 5 Message Expiry Interval on every chat message this user sends, seconds ('message-expiry'). */
  messageExpirySeconds?: number;
  /** Presence will ('will'): the server announces `status` for this user if the connection ends without a goodbye. */
  will?: { status: string; tag: string; delaySeconds?: number };
  /** Every presence update of the users this session watches. */
  onPresence?: (update: PresenceUpdate) => void;
  /** MQTT 5 Receive Maximum the client announces ('receive-maximum'). */
  receiveMaximum?: number;
  /**
   * A second device of a user already connected ('takeover'): same identity (MQTT client id), so
   * the server must end the first connection [MQTT-3.1.4-2]; the first session's end is then
   * reported to its onConnectionLost with by: 'server'.
   */
  takeover?: boolean;
}

export interface Driver {
  readonly protocol: Protocol;
  /** e.g. "3.1.1" or "5.0" for MQTT. */
  readonly protocolVersion: string;
  /** The target as it may be printed and stored: credentials removed. */
  readonly displayTarget: string;
  /** Settings the result records, e.g. { tcpNoDelay: true }. */
  readonly socketOptions: { tcpNoDelay: boolean };
  /** What this driver can do beyond plain chat: the engine refuses (exit 2) a scenario needing more, before connecting. */
  readonly features?: ReadonlySet<DriverFeature>;
  /** Which client carries the sessions, where a runner has more than one (MQTT: "lean" or "mqttjs"); the result records it per scenario. */
  readonly client?: string;
  connect(options: ConnectOptions): Promise<ChatSession>;
  /** Closes anything still open. Safe to call twice. */
  close(): Promise<void>;
}

/** What a run records about its target (core/result.ts Target). */
export interface TargetInfo {
  url: string;
  protocol: Protocol;
  protocolVersion: string;
  embedded: boolean;
  tcpNoDelay: boolean;
  /** True when chatbench started this server for the run (--start); absent otherwise. */
  started?: boolean;
  /** How the protocol's runner maps each chat verb and delivery level (e.g. XMPP: "level 2" has no counterpart). */
  mapping?: Readonly<Record<string, string>>;
}

/**
 * An opened target: a running embedded broker or a remote server's address. The engine
 * asks it for a fresh Driver per scenario, each with its own run id (topic namespace).
 */
export interface TargetHandle {
  readonly info: TargetInfo;
  createDriver(runId: string, options?: DriverOptions): Driver;
  /**
   * Starts the loopback proxy for a `network` fault (delay, jitter, loss, duplication) in front of
   * the target; the scenario's driver then connects through it (DriverOptions.via). Absent: the
   * protocol's runner cannot inject network faults (the engine refuses the scenario, exit 2).
   */
  startNetworkFaults?(fault: NetworkFault, onInjected: (event: InjectedDelivery) => void): Promise<NetworkFaultProxy>;
  /** Stops what opening started (the embedded broker); idempotent. */
  close(): Promise<void>;
}

/** Per-scenario driver settings. */
export interface DriverOptions {
  /** Features the scenario needs (core/engine/features.ts): a runner with more than one client may pick the leanest that has them. */
  needs?: readonly DriverFeature[];
  /** Topic / room naming (scenario `topics`); drivers that name rooms without topics ignore it. */
  topics?: { style: 'plain' | 'long' | 'unicode'; bytes?: number };
  /** Connect here instead of the target's own address (a fault proxy); TLS still verifies the target's name. */
  via?: { host: string; port: number };
}

/** A `network` fault as the proxy applies it (core/scenario/types.ts FaultSpec). */
export interface NetworkFault {
  delayMs: number;
  jitterMs: number;
  loss: number;
  duplicate: number;
  /** Seed of the proxy's random draws. */
  seed: number;
}

/** A chat delivery the fault proxy dropped or sent twice, so delivery is judged with it in mind. */
export interface InjectedDelivery {
  action: 'dropped' | 'duplicated';
  /** The user whose connection it was on its way to. */
  receiver: string;
  /** The chat payload (chatbench header first): the recorder reads stream and seq from it. */
  payload: Uint8Array;
  /** Monotonic time, µs. */
  at: number;
}

export interface NetworkFaultProxy {
  /** Where the driver connects instead of the target. */
  readonly via: { host: string; port: number };
  /** What the proxy did so far. */
  stats(): { connections: number; framesDelayed: number; dropped: number; duplicated: number };
  /** Stops listening and closes every proxied connection; idempotent. */
  close(): Promise<void>;
}
