package sense

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
)

// Reading is one accepted value of one sensor.
type Reading struct {
	// Sensor is the registry index of the sensor.
	Sensor int32
	// T is the reading's time in nanoseconds since the epoch.
	T int64
	V float64
}

// Batch is a set of readings received together.
type Batch struct {
	Readings []Reading
	// Received is when the batch arrived (the start of alarm latency).
	Received time.Time
	release  func()
}

// Sink processes accepted batches, one at a time, in arrival order.
type Sink interface {
	Process(ctx context.Context, b *Batch)
}

// ErrBusy is returned by Offer when the queue is full.
var ErrBusy = errors.New("ingest queue full")

// Defaults of IngestOptions.
const (
	DefaultQueueBatches = 64
	DefaultMaxPast      = 7 * 24 * time.Hour
	DefaultMaxFuture    = 5 * time.Minute
	DefaultMaxBody      = 8 << 20
)

// IngestOptions configure an Ingester.
type IngestOptions struct {
	Registry *registry.Registry
	Sink     Sink
	// QueueBatches bounds the batches accepted but not yet processed;
	// 0 means DefaultQueueBatches. A full queue answers HTTP with 429.
	QueueBatches int
	// MaxPast and MaxFuture bound a reading's time relative to its arrival.
	MaxPast, MaxFuture time.Duration
	// MaxBody bounds one HTTP request body (bytes).
	MaxBody int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Ingester checks readings against the registry and queues them for its
// Sink, with a bounded queue. It is safe for concurrent use.
type Ingester struct {
	o     IngestOptions
	slots chan struct{}
	queue chan *Batch
	c     counters
	pool  sync.Pool
}

// NewIngester checks the options.
func NewIngester(o IngestOptions) (*Ingester, error) {
	if o.Registry == nil || o.Sink == nil {
		return nil, errors.New("sense: IngestOptions.Registry and Sink are required")
	}
	if o.QueueBatches <= 0 {
		o.QueueBatches = DefaultQueueBatches
	}
	if o.MaxPast <= 0 {
		o.MaxPast = DefaultMaxPast
	}
	if o.MaxFuture <= 0 {
		o.MaxFuture = DefaultMaxFuture
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ing := &Ingester{o: o, slots: make(chan struct{}, o.QueueBatches), queue: make(chan *Batch, o.QueueBatches)}
	ing.pool.New = func() any { return &Batch{Readings: make([]Reading, 0, 1024)} }
	return ing, nil
}

// Stats returns the counters and the quarantine.
func (ing *Ingester) Stats() Stats { return ing.c.snapshot() }

// Run hands queued batches to the sink until ctx ends, and then those
// already queued (they were accepted: a write answered 204).
func (ing *Ingester) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case b := <-ing.queue:
					ing.process(ctx, b)
				default:
					return ctx.Err()
				}
			}
		case b := <-ing.queue:
			ing.process(ctx, b)
		}
	}
}

func (ing *Ingester) process(ctx context.Context, b *Batch) {
	ing.o.Sink.Process(ctx, b)
	ing.c.processed.Add(int64(len(b.Readings)))
	b.release()
}

// NewBatch takes a slot in the queue, or returns ErrBusy when all are
// taken. The batch must be given to Enqueue or Discard.
func (ing *Ingester) NewBatch(received time.Time) (*Batch, error) {
	select {
	case ing.slots <- struct{}{}:
	default:
		ing.c.throttled.Add(1)
		return nil, ErrBusy
	}
	return ing.batch(received), nil
}

// WaitBatch takes a slot, waiting for one until ctx ends (for sources
// that cannot be told to retry, such as MQTT: waiting slows the client).
func (ing *Ingester) WaitBatch(ctx context.Context, received time.Time) (*Batch, error) {
	select {
	case ing.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return ing.batch(received), nil
}

func (ing *Ingester) batch(received time.Time) *Batch {
	b := ing.pool.Get().(*Batch)
	b.Readings, b.Received = b.Readings[:0], received
	b.release = func() { ing.pool.Put(b); <-ing.slots }
	return b
}

// Enqueue queues a batch taken by NewBatch or WaitBatch (never blocks:
// the batch holds a slot). An empty batch is discarded.
func (ing *Ingester) Enqueue(b *Batch) {
	if len(b.Readings) == 0 {
		b.release()
		return
	}
	ing.c.accepted.Add(int64(len(b.Readings)))
	ing.queue <- b
}

// Discard gives a batch's slot back without processing it.
func (ing *Ingester) Discard(b *Batch) { b.release() }

// Reject counts and quarantines a reading refused by a source.
func (ing *Ingester) Reject(source string, r Reason, msg string, input []byte) {
	ing.c.reject(ing.o.Now(), source, r, msg, input)
}

// Check validates one reading of the sensor id and appends it to b.
// unit and kind may be empty (not given). t is nanoseconds; hasTime false
// means the batch's arrival time. It returns false when the reading was
// rejected (counted and quarantined).
func (ing *Ingester) Check(b *Batch, source string, id, unit, kind []byte, t int64, hasTime bool, v float64, input []byte) bool {
	idx, ok := ing.o.Registry.Lookup(unsafe.String(unsafe.SliceData(id), len(id)))
	if !ok {
		ing.c.unknownSensor(id)
		ing.Reject(source, ReasonUnknownSensor, fmt.Sprintf("unknown sensor %q", id), input)
		return false
	}
	s := ing.o.Registry.Sensor(idx)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		ing.Reject(source, ReasonNonFinite, fmt.Sprintf("sensor %s: value %v is not finite", s.ID, v), input)
		return false
	}
	if len(unit) > 0 && string(unit) != s.Unit {
		ing.Reject(source, ReasonUnitMismatch, fmt.Sprintf("sensor %s reports in %q, reading is in %q", s.ID, s.Unit, unit), input)
		return false
	}
	if len(kind) > 0 && string(kind) != string(s.Kind) {
		ing.Reject(source, ReasonKindMismatch, fmt.Sprintf("sensor %s is %s, reading is %q", s.ID, s.Kind, kind), input)
		return false
	}
	rt := b.Received.UnixNano()
	if !hasTime {
		t = rt
	} else if t < rt-int64(ing.o.MaxPast) || t > rt+int64(ing.o.MaxFuture) {
		ing.Reject(source, ReasonTimeRange, fmt.Sprintf("sensor %s: time %s is outside [arrival-%v, arrival+%v]",
			s.ID, time.Unix(0, t).UTC().Format(time.RFC3339Nano), ing.o.MaxPast, ing.o.MaxFuture), input)
		return false
	}
	b.Readings = append(b.Readings, Reading{Sensor: idx, T: t, V: v})
	return true
}

// AddLines parses a line-protocol body into b. The sensor id is the tag
// "sensor"; the unit, when given, the tag "unit"; the measurement must be
// the sensor's kind; the value is the field "value" (or the only field),
// booleans counting 0/1. It returns how many lines were rejected.
func (ing *Ingester) AddLines(b *Batch, ps *lineproto.Parser, body []byte, source string) (rejected int) {
	for len(body) > 0 {
		var line []byte
		line, body = lineproto.Next(body)
		if lineproto.Blank(line) {
			continue
		}
		p, err := ps.Parse(line)
		if err != nil {
			ing.Reject(source, ReasonMalformed, err.Error(), line)
			rejected++
			continue
		}
		id, ok := p.Tag("sensor")
		if !ok {
			ing.Reject(source, ReasonMalformed, `line has no "sensor" tag`, line)
			rejected++
			continue
		}
		f, ok := p.Field("value")
		if !ok && len(p.Fields) == 1 {
			f, ok = &p.Fields[0], true
		}
		if !ok {
			ing.Reject(source, ReasonNotNumber, `line has no "value" field`, line)
			rejected++
			continue
		}
		v, ok := f.Number()
		if !ok {
			ing.Reject(source, ReasonNotNumber, "field "+strconv.Quote(string(f.Key))+" is a string, not a number", line)
			rejected++
			continue
		}
		unit, _ := p.Tag("unit")
		if !ing.Check(b, source, id, unit, p.Measurement, p.Time, p.HasTime, v, line) {
			rejected++
		}
	}
	return rejected
}
