package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// Defaults for the options.
const (
	DefaultURL           = nats.DefaultURL // nats://127.0.0.1:4222
	DefaultStream        = "YIWANG_EVENTS"
	DefaultSubject       = "yiwang.events"
	DefaultBucket        = "yiwang_bridge"
	DefaultDuplicates    = 2 * time.Minute
	DefaultSweepInterval = time.Second
	DefaultBusBuffer     = 1024
	DefaultMaxInFlight   = 256
	DefaultFetchBatch    = 64
	DefaultAckWait       = 30 * time.Second
)

// ErrOptions is wrapped by every invalid option.
var ErrOptions = errors.New("invalid natsbus options")

// Source is the durable event log the Publisher catches up from, in Pos
// order. store.Store satisfies it.
type Source interface {
	Events(ctx context.Context, after int64, limit int) ([]cases.Event, error)
}

// Conn says where JetStream is: an open connection (kept open by Run) or a
// URL (Run connects, and closes the connection when it returns).
type Conn struct {
	NC  *nats.Conn
	URL string
}

// PublisherOptions configure a Publisher. Zero fields take the defaults.
type PublisherOptions struct {
	Conn Conn
	// Stream is the JetStream stream name (default YIWANG_EVENTS).
	Stream string
	// Subject is the subject prefix; case events go to "<Subject>.<caseID>"
	// (default yiwang.events).
	Subject string
	// Bucket is the KV bucket holding the shared sweep cursor (default
	// yiwang_bridge); the key is "<Stream>.pos".
	Bucket string
	// Node names this node (letters, digits, - and _); required.
	Node string
	// Source is the store's event log; required.
	Source Source
	// Bus carries the events this node commits; required.
	Bus *stream.Bus
	// Duplicates is the dedupe window set when Run creates the stream
	// (default 2 minutes); it must exceed 4 sweep intervals.
	Duplicates time.Duration
	// SweepInterval is how often the log is swept (default 1 s). A sweep
	// publishes the events that were already in the log one interval ago.
	SweepInterval time.Duration
	// BusBuffer is the local subscription's buffer (default 1024).
	BusBuffer int
	// MaxInFlight bounds publishes awaiting their ack (default 256).
	MaxInFlight int
	Logger      *slog.Logger
}

// FollowerOptions configure a Follower. Zero fields take the defaults.
type FollowerOptions struct {
	Conn    Conn
	Stream  string
	Subject string
	// Node names this node; events whose origin is Node are acked and
	// skipped. Required.
	Node string
	// Durable is the consumer name (default "follow_<Node>").
	Durable string
	// Handler receives the events; required. Returning an error retries the
	// same event (with backoff) before any later one is delivered.
	Handler func(cases.Event) error
	// DeliverNew starts a new durable consumer at the stream's end instead
	// of its beginning. An existing durable resumes where it was either way.
	DeliverNew bool
	// FetchBatch bounds a pull (default 64).
	FetchBatch int
	// AckWait is the server's redelivery timeout (default 30 s).
	AckWait time.Duration
	// Duplicates is the dedupe window used if Run creates the stream.
	Duplicates time.Duration
	Logger     *slog.Logger
}

var (
	nameRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	subjectRE = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
)

func optErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", ErrOptions, field, fmt.Sprintf(format, args...))
}

// common fills and checks the options both sides share.
func common(c *Conn, streamName, subject *string, node string, dup *time.Duration, log **slog.Logger) error {
	if c.NC == nil && c.URL == "" {
		c.URL = DefaultURL
	}
	if *streamName == "" {
		*streamName = DefaultStream
	}
	if *subject == "" {
		*subject = DefaultSubject
	}
	if *dup == 0 {
		*dup = DefaultDuplicates
	}
	if *log == nil {
		*log = slog.Default()
	}
	switch {
	case !nameRE.MatchString(node):
		return optErr("Node", "%q must be 1-64 letters, digits, - or _", node)
	case !nameRE.MatchString(*streamName):
		return optErr("Stream", "%q must be 1-64 letters, digits, - or _", *streamName)
	case !subjectRE.MatchString(*subject):
		return optErr("Subject", "%q must be dot-separated tokens of letters, digits, - or _", *subject)
	case *dup < 0:
		return optErr("Duplicates", "must be positive, got %s", *dup)
	}
	return nil
}

func (o *PublisherOptions) fill() error {
	if err := common(&o.Conn, &o.Stream, &o.Subject, o.Node, &o.Duplicates, &o.Logger); err != nil {
		return err
	}
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = DefaultSweepInterval
	}
	if o.BusBuffer == 0 {
		o.BusBuffer = DefaultBusBuffer
	}
	if o.MaxInFlight == 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	switch {
	case !nameRE.MatchString(o.Bucket):
		return optErr("Bucket", "%q must be 1-64 letters, digits, - or _", o.Bucket)
	case o.Source == nil:
		return optErr("Source", "is required")
	case o.Bus == nil:
		return optErr("Bus", "is required")
	case o.SweepInterval < 0:
		return optErr("SweepInterval", "must be positive, got %s", o.SweepInterval)
	case o.Duplicates <= 4*o.SweepInterval:
		return optErr("Duplicates", "(%s) must exceed 4 sweep intervals (%s)", o.Duplicates, o.SweepInterval)
	case o.BusBuffer < 0 || o.MaxInFlight < 0:
		return optErr("BusBuffer/MaxInFlight", "must be positive")
	}
	return nil
}

func (o *FollowerOptions) fill() error {
	if err := common(&o.Conn, &o.Stream, &o.Subject, o.Node, &o.Duplicates, &o.Logger); err != nil {
		return err
	}
	if o.Durable == "" {
		o.Durable = "follow_" + o.Node
	}
	if o.FetchBatch == 0 {
		o.FetchBatch = DefaultFetchBatch
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	switch {
	case !nameRE.MatchString(o.Durable):
		return optErr("Durable", "%q must be 1-64 letters, digits, - or _", o.Durable)
	case o.Handler == nil:
		return optErr("Handler", "is required")
	case o.FetchBatch < 0:
		return optErr("FetchBatch", "must be positive, got %d", o.FetchBatch)
	case o.AckWait < time.Second:
		return optErr("AckWait", "must be at least 1s, got %s", o.AckWait)
	}
	return nil
}

// cursorKey is the KV key of a stream's sweep cursor.
func cursorKey(streamName string) string { return streamName + ".pos" }

// wildcard is the stream's subject filter.
func wildcard(subject string) string { return strings.TrimSuffix(subject, ".") + ".>" }
