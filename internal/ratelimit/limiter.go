package ratelimit

import (
	"container/list"
	"fmt"
	"math"
	"sync"
	"time"
)

// DefaultMaxClients caps the clients remembered when Config.MaxClients is 0.
const DefaultMaxClients = 100_000

// Config sets the limit every client gets.
type Config struct {
	// Rate is the sustained number of requests per second a client may
	// make. Zero disables rate limiting (New returns a nil *Limiter, which
	// allows everything).
	Rate float64
	// Burst is how many requests a client may make at once after being
	// idle; 0 means max(1, ceil(Rate)).
	Burst int
	// MaxClients caps the buckets kept in memory; 0 means
	// DefaultMaxClients. Past it the least recently seen client is
	// forgotten (it comes back with a full bucket).
	MaxClients int
}

// Enabled reports whether c limits anything.
func (c Config) Enabled() bool { return c.Rate > 0 }

// Validate checks c.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate < 0:
		return fmt.Errorf("ratelimit: rate is %v, must be a finite number ≥ 0", c.Rate)
	case c.Burst < 0:
		return fmt.Errorf("ratelimit: burst is %d, must not be negative", c.Burst)
	case c.MaxClients < 0:
		return fmt.Errorf("ratelimit: max clients is %d, must not be negative", c.MaxClients)
	}
	return nil
}

// Limiter keeps one token bucket per client. It is safe for concurrent
// use. A nil *Limiter allows every request.
type Limiter struct {
	rate  float64
	burst float64
	max   int
	// full is how long an empty bucket takes to fill: a client idle that
	// long is indistinguishable from a new one, so it can be forgotten.
	full time.Duration

	mu      sync.Mutex
	clients map[string]*list.Element // of *bucket
	lru     *list.List               // most recently seen first
}

type bucket struct {
	client string
	tokens float64
	last   time.Time
}

// New returns a limiter for c, or nil when c.Rate is 0 (no limit).
func New(c Config) (*Limiter, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if !c.Enabled() {
		return nil, nil
	}
	if c.Burst == 0 {
		c.Burst = max(1, int(math.Ceil(c.Rate)))
	}
	if c.MaxClients == 0 {
		c.MaxClients = DefaultMaxClients
	}
	return &Limiter{
		rate: c.Rate, burst: float64(c.Burst), max: c.MaxClients,
		full:    time.Duration(float64(c.Burst) / c.Rate * float64(time.Second)),
		clients: map[string]*list.Element{}, lru: list.New(),
	}, nil
}

// Allow takes one token from client's bucket at now. When the bucket is
// empty it returns false and how long until a token is available.
func (l *Limiter) Allow(client string, now time.Time) (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictIdle(now)
	var b *bucket
	if e, found := l.clients[client]; found {
		b = e.Value.(*bucket)
		l.lru.MoveToFront(e)
		if dt := now.Sub(b.last); dt > 0 {
			b.tokens = math.Min(l.burst, b.tokens+dt.Seconds()*l.rate)
			b.last = now
		}
	} else {
		b = &bucket{client: client, tokens: l.burst, last: now}
		l.clients[client] = l.lru.PushFront(b)
		for l.lru.Len() > l.max {
			l.remove(l.lru.Back())
		}
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, max(wait, time.Nanosecond)
}

// evictIdle forgets up to a few of the least recently seen clients whose
// buckets have refilled; amortised over calls this keeps the map to the
// clients active within the fill time.
func (l *Limiter) evictIdle(now time.Time) {
	for range 4 {
		e := l.lru.Back()
		if e == nil || now.Sub(e.Value.(*bucket).last) < l.full {
			return
		}
		l.remove(e)
	}
}

func (l *Limiter) remove(e *list.Element) {
	delete(l.clients, e.Value.(*bucket).client)
	l.lru.Remove(e)
}

// Len returns how many clients the limiter remembers.
func (l *Limiter) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}
