package mqttin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"yiwang/internal/sense"
	"yiwang/internal/sense/lineproto"
)

// DefaultMaxPayload bounds one message.
const DefaultMaxPayload = 64 << 10

// Options configure a Subscriber.
type Options struct {
	// Broker is the broker's URL, e.g. "tcp://127.0.0.1:1883".
	Broker   string
	ClientID string
	// Pattern is the topic with "{sensor}" at the sensor id's level.
	Pattern string
	// QoS of the subscription (0, 1 or 2).
	QoS        byte
	MaxPayload int
	Ingester   *sense.Ingester
	Logger     *slog.Logger
	// Now is the clock stamping arrivals; nil means time.Now.
	Now func() time.Time
	// ConnectTimeout bounds the connection attempt (default 5 s).
	ConnectTimeout time.Duration
}

// Topic is a parsed pattern.
type Topic struct {
	// Filter is the subscription filter.
	Filter string
	// Level is the index of the sensor id's level.
	Level int
}

// ParseTopic parses a pattern: levels separated by '/', exactly one
// "{sensor}" level; other "{name}" levels match anything ("+").
func ParseTopic(pattern string) (Topic, error) {
	if pattern == "" || len(pattern) > 1000 {
		return Topic{}, errors.New("mqttin: topic pattern must be 1 to 1000 bytes")
	}
	levels := strings.Split(pattern, "/")
	t := Topic{Level: -1}
	for i, l := range levels {
		switch {
		case l == "{sensor}":
			if t.Level >= 0 {
				return Topic{}, fmt.Errorf("mqttin: topic pattern %q has {sensor} twice", pattern)
			}
			t.Level, levels[i] = i, "+"
		case strings.HasPrefix(l, "{") && strings.HasSuffix(l, "}"):
			levels[i] = "+"
		case strings.ContainsAny(l, "+#{}\x00"):
			return Topic{}, fmt.Errorf("mqttin: topic pattern %q: level %q may not hold wildcards or braces", pattern, l)
		}
	}
	if t.Level < 0 {
		return Topic{}, fmt.Errorf("mqttin: topic pattern %q has no {sensor} level", pattern)
	}
	t.Filter = strings.Join(levels, "/")
	return t, nil
}

// Sensor returns the sensor id in a topic, or false.
func (t Topic) Sensor(topic string) (string, bool) {
	for i := 0; i < t.Level; i++ {
		k := strings.IndexByte(topic, '/')
		if k < 0 {
			return "", false
		}
		topic = topic[k+1:]
	}
	if k := strings.IndexByte(topic, '/'); k >= 0 {
		topic = topic[:k]
	}
	return topic, topic != ""
}

// Subscriber is a running subscription.
type Subscriber struct {
	o      Options
	topic  Topic
	client mqtt.Client
	ctx    context.Context
	cancel context.CancelFunc
	pool   sync.Pool
}

// Start connects and subscribes. Close stops it.
func Start(ctx context.Context, o Options) (*Subscriber, error) {
	if o.Ingester == nil {
		return nil, errors.New("mqttin: Options.Ingester is required")
	}
	t, err := ParseTopic(o.Pattern)
	if err != nil {
		return nil, err
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.ClientID == "" {
		o.ClientID = fmt.Sprintf("yiwang-sense-%d", time.Now().UnixNano())
	}
	s := &Subscriber{o: o, topic: t}
	s.pool.New = func() any { return new(lineproto.Parser) }
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	opts := mqtt.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).SetCleanSession(true).
		SetAutoReconnect(true).SetOrderMatters(true).SetConnectTimeout(o.ConnectTimeout).
		SetOnConnectHandler(func(c mqtt.Client) {
			// (Re)subscribe on every connection.
			tok := c.Subscribe(t.Filter, o.QoS, s.handle)
			if tok.WaitTimeout(o.ConnectTimeout) && tok.Error() != nil {
				o.Logger.Error("mqtt subscribe failed", "filter", t.Filter, "err", tok.Error())
			}
		})
	s.client = mqtt.NewClient(opts)
	tok := s.client.Connect()
	if !tok.WaitTimeout(o.ConnectTimeout) {
		s.cancel()
		return nil, fmt.Errorf("mqttin: connecting to %s: timed out after %v", o.Broker, o.ConnectTimeout)
	}
	if err := tok.Error(); err != nil {
		s.cancel()
		return nil, fmt.Errorf("mqttin: connecting to %s: %w", o.Broker, err)
	}
	return s, nil
}

// Filter is the subscription filter.
func (s *Subscriber) Filter() string { return s.topic.Filter }

// Close unsubscribes and disconnects.
func (s *Subscriber) Close() {
	s.cancel()
	s.client.Unsubscribe(s.topic.Filter).WaitTimeout(time.Second)
	s.client.Disconnect(250)
}

func (s *Subscriber) handle(_ mqtt.Client, m mqtt.Message) {
	s.Handle(m.Topic(), m.Payload())
}

// Handle ingests one message (exported for tests and other transports).
func (s *Subscriber) Handle(topic string, payload []byte) {
	ing := s.o.Ingester
	if len(payload) > s.o.MaxPayload {
		ing.Reject("mqtt", sense.ReasonOversize, fmt.Sprintf("message on %s is %d bytes, more than %d", clip(topic), len(payload), s.o.MaxPayload), nil)
		return
	}
	b, err := ing.WaitBatch(s.ctx, s.o.Now())
	if err != nil {
		return // closing
	}
	defer ing.Enqueue(b)
	p := bytes.TrimSpace(payload)
	if len(p) > 0 && p[0] == '{' {
		s.json(b, topic, p)
		return
	}
	if v, err := strconv.ParseFloat(string(p), 64); err == nil || errors.Is(err, strconv.ErrRange) {
		id, ok := s.topic.Sensor(topic)
		if !ok {
			ing.Reject("mqtt", sense.ReasonMalformed, "topic "+clip(topic)+" has no sensor id", p)
			return
		}
		ing.Check(b, "mqtt", []byte(id), nil, nil, 0, false, v, p)
		return
	}
	ps := s.pool.Get().(*lineproto.Parser)
	ing.AddLines(b, ps, p, "mqtt")
	s.pool.Put(ps)
}

func (s *Subscriber) json(b *sense.Batch, topic string, p []byte) {
	ing := s.o.Ingester
	var r sense.JSONReading
	if err := json.Unmarshal(p, &r); err != nil {
		ing.Reject("mqtt", sense.ReasonMalformed, "JSON reading: "+err.Error(), p)
		return
	}
	if r.Sensor == "" {
		id, ok := s.topic.Sensor(topic)
		if !ok {
			ing.Reject("mqtt", sense.ReasonMalformed, "topic "+clip(topic)+" has no sensor id", p)
			return
		}
		r.Sensor = id
	}
	v, err := strconv.ParseFloat(string(r.Value), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		ing.Reject("mqtt", sense.ReasonNotNumber, fmt.Sprintf("value %q is not a number", r.Value), p)
		return
	}
	t, has := r.TimeNs, r.TimeNs != 0
	if r.Time != "" {
		tt, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			ing.Reject("mqtt", sense.ReasonMalformed, "time: "+err.Error(), p)
			return
		}
		t, has = tt.UnixNano(), true
	}
	ing.Check(b, "mqtt", []byte(r.Sensor), []byte(r.Unit), []byte(r.Kind), t, has, v, p)
}

func clip(s string) string {
	if len(s) > 100 {
		return strings.ToValidUTF8(s[:100], "") + "…"
	}
	return s
}
