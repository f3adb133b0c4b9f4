/**
 * The client side of persistent sessions: MQTT.js keeps a connection's QoS 1/2 state in two
 * stores. The outgoing store holds PUBLISHes not yet acknowledged and PUBRELs not yet
 * completed, replayed on a resumed connection [MQTT-4.4.0-1]; the incoming store holds each
 * QoS 2 PUBLISH answered with PUBREC until its PUBREL, and MQTT.js emits the message only at
 * that PUBREL. A new client with fresh stores would answer a PUBREL that follows a resume with
 * PUBCOMP and never emit the message: lost. So one pair of stores per user lives here, across
 * that user's connections, and is handed to each new client while its session is persistent.
 *
 * The stores are made with `clean: false`, so MQTT.js's end() keeps their contents. A resumed
 * client also gets a message id provider that skips the ids still in the stores, so a new
 * PUBLISH never reuses an id still in flight (5.0 [MQTT-2.2.1-3]; 3.1.1 [MQTT-2.3.1-2]).
 */
import { Store, UniqueMessageIdProvider, type IClientOptions, type MqttClient } from 'mqtt';
import { PerUser } from './run-sessions.js';

type State = Required<Pick<IClientOptions, 'incomingStore' | 'outgoingStore'>>;

function freshState(): State {
  return { incomingStore: new Store({ clean: false }), outgoingStore: new Store({ clean: false }) };
}

export class SessionStates {
  readonly #states = new PerUser(freshState);

  /** The stores for a persistent connection of `user` (run-sessions.ts PerUser), with an id provider that skips ids in flight. */
  forConnect(user: string, resume: boolean): Required<Pick<IClientOptions, 'incomingStore' | 'outgoingStore' | 'messageIdProvider'>> {
    return { ...this.#states.forConnect(user, resume), messageIdProvider: new UniqueMessageIdProvider() };
  }

  /**
   * CONNACK said the server has no session for this client (Session Present 0): the client
   * discards its own state before MQTT.js would replay it into the new session [MQTT-3.2.2-5 in
   * 5.0; 3.1.1 section 3.2.2.2]. Replaying it would deliver stale messages a second time.
   */
  discardFor(user: string, client: MqttClient): void {
    const state = this.#states.renew(user);
    client.incomingStore = state.incomingStore;
    client.outgoingStore = state.outgoingStore;
  }

  forget(user: string): void {
    this.#states.forget(user);
  }

  clear(): void {
    this.#states.clear();
  }
}
