/**
 * mqtt-packet (under MQTT.js, the lean client's control packets and the embedded broker) by
 * default builds, the first time it writes a packet, a table of 65,536 two-byte buffers, one per
 * packet identifier. That is 6 MB of small objects made at once, and V8 copies them when it
 * promotes them: a young-generation pause of 30–45 ms, seen in the middle of a scenario's send
 * phase as schedule lag (a 50/s room scenario's lag p99 went from 0.6 ms to 34 ms). chatbench
 * writes identifiers itself on its hot path, so the table buys nothing; it is switched off for
 * the process as soon as any MQTT runner loads. MQTT.js clients also get `writeCache: false`,
 * which says the same.
 */
import mqttPacket from 'mqtt-packet';

mqttPacket.writeToStream.cacheNumbers = false;
