package sense

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reason is why a reading was rejected.
type Reason uint8

// The reasons a reading is rejected.
const (
	ReasonMalformed     Reason = iota // not parseable
	ReasonNonFinite                   // NaN or ±Inf
	ReasonNotNumber                   // a string field, or no value field
	ReasonTimeRange                   // too far in the past or the future
	ReasonUnitMismatch                // unit tag disagrees with the sensor's unit
	ReasonKindMismatch                // measurement disagrees with the sensor's kind
	ReasonUnknownSensor               // no such sensor in the registry
	ReasonOversize                    // message or line too large
	ReasonDuplicate                   // same sensor and timestamp stored already
	ReasonTooLate                     // older than the series' reorder window
	numReasons
)

var reasonNames = [numReasons]string{"malformed", "non_finite", "not_a_number", "time_out_of_range", "unit_mismatch",
	"kind_mismatch", "unknown_sensor", "oversize", "duplicate", "too_late"}

func (r Reason) String() string { return reasonNames[r] }

// Stats are the ingest counters since start.
type Stats struct {
	Accepted int64 `json:"accepted"`
	// Processed readings have been stored and evaluated.
	Processed int64            `json:"processed"`
	Rejected  map[string]int64 `json:"rejected"`
	Throttled int64            `json:"throttled_requests"`
	// UnknownSensors counts readings per unknown sensor id (at most
	// MaxUnknownIDs ids; the rest are counted under "…").
	UnknownSensors map[string]int64 `json:"unknown_sensors,omitempty"`
	Quarantine     []Rejection      `json:"quarantine,omitempty"`
}

// Rejection is one quarantined reading: what came in and why it was refused.
type Rejection struct {
	At      time.Time `json:"at"`
	Source  string    `json:"source"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Input   string    `json:"input,omitempty"`
}

// MaxUnknownIDs bounds how many distinct unknown sensor ids are tracked.
const MaxUnknownIDs = 1000

// QuarantineSize is how many recent rejections are kept.
const QuarantineSize = 100

// counters are safe for concurrent use; the hot path only adds atomically.
type counters struct {
	accepted  atomic.Int64
	processed atomic.Int64
	throttled atomic.Int64
	rejected  [numReasons]atomic.Int64

	mu      sync.Mutex
	unknown map[string]int64
	ring    [QuarantineSize]Rejection
	next    int
	full    bool
}

func (c *counters) reject(at time.Time, source string, r Reason, msg string, input []byte) {
	c.rejected[r].Add(1)
	if len(input) > 200 {
		input = input[:200]
	}
	c.mu.Lock()
	c.ring[c.next] = Rejection{At: at, Source: source, Reason: r.String(), Message: msg, Input: string(input)}
	c.next = (c.next + 1) % QuarantineSize
	c.full = c.full || c.next == 0
	c.mu.Unlock()
}

func (c *counters) unknownSensor(id []byte) {
	c.mu.Lock()
	if c.unknown == nil {
		c.unknown = map[string]int64{}
	}
	if _, ok := c.unknown[string(id)]; ok || len(c.unknown) < MaxUnknownIDs {
		c.unknown[string(id)]++
	} else {
		c.unknown["…"]++
	}
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	s := Stats{Accepted: c.accepted.Load(), Processed: c.processed.Load(), Throttled: c.throttled.Load(), Rejected: map[string]int64{}}
	for r := range numReasons {
		if n := c.rejected[r].Load(); n > 0 {
			s.Rejected[r.String()] = n
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.unknown) > 0 {
		s.UnknownSensors = make(map[string]int64, len(c.unknown))
		for k, v := range c.unknown {
			s.UnknownSensors[k] = v
		}
	}
	n := c.next
	if c.full {
		n = QuarantineSize
	}
	for i := range n {
		s.Quarantine = append(s.Quarantine, c.ring[(c.next-n+i+QuarantineSize)%QuarantineSize])
	}
	return s
}

// snapshotRing returns the quarantine's write position and fill.
func (c *counters) snapshotRing() int64 {
	var n int64
	for r := range numReasons {
		n += c.rejected[r].Load()
	}
	return n
}

// since returns up to max messages of the rejections after the count
// before (those still in the ring; concurrent writers may interleave).
func (c *counters) since(before int64, max int) []string {
	n := int(c.snapshotRing() - before)
	n = min(n, max, QuarantineSize)
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, n)
	for i := n; i > 0; i-- {
		r := c.ring[(c.next-i+QuarantineSize)%QuarantineSize]
		out = append(out, r.Reason+": "+r.Message)
	}
	return out
}
