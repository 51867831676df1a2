package mqttin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
)

// Defaults of BrokerOptions.
const (
	// DefaultBrokerMaxPacket bounds one packet the embedded broker takes
	// (2 MiB): a larger publish closes the publisher's connection. It is
	// above the 1 MB messages the subscriber must see to count them as
	// oversize (the subscriber's own bound, MaxPayload, is smaller).
	DefaultBrokerMaxPacket = 2 << 20
	// DefaultBrokerReceiveMaximum is how many QoS 1/2 messages an MQTT 5
	// publisher may have unacknowledged (its flow control). Toward each
	// subscriber the broker holds at most 8192 unacknowledged QoS 1/2
	// messages (its inflight bound) and drops, counting them, beyond.
	DefaultBrokerReceiveMaximum = 512
	// DefaultBrokerWritesPending bounds the messages queued to one
	// subscriber that does not keep up; beyond it the broker drops them
	// (and counts them) instead of growing without bound.
	DefaultBrokerWritesPending = 8192
)

// BrokerOptions configure an embedded broker.
type BrokerOptions struct {
	// Listen is the TCP address, e.g. "127.0.0.1:1883"; "127.0.0.1:0"
	// picks a free port (see Broker.Addr). The broker has no sign-in:
	// keep it on a loopback or private address.
	Listen string
	// MaxPacket, ReceiveMaximum, WritesPending: see the defaults.
	MaxPacket      int
	ReceiveMaximum int
	WritesPending  int
	Logger         *slog.Logger
}

// Broker is an embedded MQTT broker (github.com/mochi-mqtt/server/v2,
// MQTT 3.1.1 and 5) for nodes that have no broker of their own. A
// Subscriber connects to it over TCP exactly as to Mosquitto.
type Broker struct {
	srv  *mochi.Server
	addr string
}

// StartBroker listens on o.Listen and serves until Close.
func StartBroker(o BrokerOptions) (*Broker, error) {
	if o.Listen == "" {
		return nil, errors.New("mqttin: BrokerOptions.Listen is required")
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		return nil, fmt.Errorf("mqttin: broker address %q: %w", o.Listen, err)
	}
	if o.MaxPacket <= 0 {
		o.MaxPacket = DefaultBrokerMaxPacket
	}
	if o.ReceiveMaximum <= 0 || o.ReceiveMaximum > 65535 {
		o.ReceiveMaximum = DefaultBrokerReceiveMaximum
	}
	if o.WritesPending <= 0 {
		o.WritesPending = DefaultBrokerWritesPending
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = uint32(o.MaxPacket)
	caps.ReceiveMaximum = uint16(o.ReceiveMaximum)
	caps.MaximumClientWritesPending = int32(o.WritesPending)
	caps.MaximumClients = 10_000
	caps.MaximumSessionExpiryInterval = 3600
	// The broker logs every start step and client at Info and closed
	// connections at Warn: only its errors reach the node's log.
	blog := slog.New(minLevel{o.Logger.Handler(), slog.LevelError}).With("component", "mqtt-broker")
	srv := mochi.New(&mochi.Options{Capabilities: caps, Logger: blog})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		return nil, fmt.Errorf("mqttin: broker: %w", err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "tcp", Address: o.Listen})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("mqttin: broker listening on %s: %w", o.Listen, err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("mqttin: starting broker: %w", err)
	}
	return &Broker{srv: srv, addr: tcp.Address()}, nil
}

// Addr is the address the broker listens on (with the port it picked).
func (b *Broker) Addr() string { return b.addr }

// URL is the broker's URL for Options.Broker, e.g. "tcp://127.0.0.1:1883".
func (b *Broker) URL() string { return "tcp://" + b.addr }

// BrokerStats are the embedded broker's counters.
type BrokerStats struct {
	Clients          int64 `json:"clients"`
	MessagesReceived int64 `json:"messages_received"`
	MessagesSent     int64 `json:"messages_sent"`
	// MessagesDropped were not delivered to a subscriber that did not keep
	// up (WritesPending full) or had gone.
	MessagesDropped int64 `json:"messages_dropped"`
}

// Stats returns the broker's counters.
func (b *Broker) Stats() BrokerStats {
	in := b.srv.Info.Clone()
	return BrokerStats{Clients: in.ClientsConnected, MessagesReceived: in.MessagesReceived,
		MessagesSent: in.MessagesSent, MessagesDropped: in.MessagesDropped}
}

// minLevel passes on records at min or above.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// Close disconnects every client and stops listening.
func (b *Broker) Close() error { return b.srv.Close() }
