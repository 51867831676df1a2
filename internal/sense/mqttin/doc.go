// Package mqttin owns the MQTT way in for sensor readings: it subscribes
// to a topic pattern on a broker (github.com/eclipse/paho.mqtt.golang,
// MQTT 3.1.1) and hands each message to the sense Ingester.
//
// The pattern names the topic level holding the sensor id, e.g.
// "yiwang/sense/{sensor}" (subscribed as "yiwang/sense/+"). A payload is
// a JSON reading ({"value": 3.2, "unit": "m", "time": "RFC 3339"} or
// "time_ns"), a bare number (the reading now), or line protocol (whose
// "sensor" tags name the sensors; the topic's sensor is not used).
// Payloads over MaxPayload are rejected and counted; like every bad
// message they never stop the subscription. When the ingest queue is full
// the message callback waits, which slows the client (MQTT has no 429).
//
// A node without a broker of its own starts an embedded one (StartBroker,
// github.com/mochi-mqtt/server/v2) and subscribes to it over TCP like to
// any other; the broker bounds packets (MaxPacket), unacknowledged QoS 1/2
// messages per client (ReceiveMaximum) and the messages queued to a slow
// subscriber (WritesPending).
package mqttin
