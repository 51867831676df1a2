package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// Defaults of Options.
const (
	DefaultMaxAttempts = 5
	DefaultBackoff     = time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultBuffer      = 1024
	DefaultTimeout     = 10 * time.Second
)

// catchUpPage is how many events one Store.Events call returns.
const catchUpPage = 500

// Webhook is one receiver of notifications.
type Webhook struct {
	// URL is an http or https URL.
	URL string
	// Secret signs each body (X-Yiwang-Signature); empty sends no signature.
	Secret string
	// Actions are the actions notified (default: supervise only).
	Actions []cases.Action
}

// EventLog is what the notifier needs of a store: the committed events
// after a position (store.Store.Events).
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]cases.Event, error)
}

// Options configure a Notifier.
type Options struct {
	// Bus is the node's event stream (required).
	Bus *stream.Bus
	// Store is read to catch up after the subscription lagged. Nil means
	// events lost by a lag are logged as missed.
	Store    EventLog
	Webhooks []Webhook
	// Client sends the requests (default: an http.Client with DefaultTimeout).
	Client *http.Client
	// MaxAttempts bounds the attempts per delivery (default DefaultMaxAttempts).
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled for each further
	// one up to MaxBackoff (defaults DefaultBackoff, DefaultMaxBackoff).
	Backoff, MaxBackoff time.Duration
	// Buffer is the size of the subscription and of each webhook's queue
	// (default DefaultBuffer).
	Buffer int
	// After, when > 0, makes Run first catch up from the store with the
	// events after this position (resuming where a previous run stopped).
	After int64
	// OnResult, when set, is called after each delivery ends, delivered or
	// failed, from the webhook's worker goroutine.
	OnResult func(Result)
	Logger   *slog.Logger
}

// Result is the outcome of one delivery.
type Result struct {
	URL        string
	DeliveryID string
	Event      cases.Event
	Attempts   int
	// Status is the last HTTP status received (0 if none).
	Status    int
	Delivered bool
	// Err says why the delivery failed.
	Err error
}

// Stats counts a notifier's work since New.
type Stats struct {
	Delivered, Failed, Retries int64
	// Lags counts subscriptions dropped by the bus; CaughtUp the events
	// read back from the store after them.
	Lags, CaughtUp int64
}

// Body is the JSON body of a notification.
type Body struct {
	// ID is the delivery id "<case>/<seq>", the same on every node.
	ID     string       `json:"id"`
	Action cases.Action `json:"action"`
	CaseID string       `json:"case_id"`
	Event  cases.Event  `json:"event"`
}

// ErrNoBus is returned by New without Options.Bus.
var ErrNoBus = errors.New("notify: options need a bus")

// Notifier delivers notifications; build it with New and start it with Run.
type Notifier struct {
	o     Options
	log   *slog.Logger
	hooks []*hook
	// sub is taken by New and handed over to Run.
	sub     *stream.Subscription
	started atomic.Bool

	delivered, failed, retries, lags, caughtUp atomic.Int64
}

type hook struct {
	Webhook
	queue chan delivery
}

type delivery struct {
	id   string
	ev   cases.Event
	body []byte
}

// New validates o and returns a notifier, subscribed to the bus at once so
// that nothing committed between New and Run is missed.
func New(o Options) (*Notifier, error) {
	if o.Bus == nil {
		return nil, ErrNoBus
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: DefaultTimeout}
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = max(o.Backoff, DefaultMaxBackoff)
	}
	if o.Buffer < 1 {
		o.Buffer = DefaultBuffer
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	n := &Notifier{o: o, log: o.Logger.With("component", "notify")}
	for i, w := range o.Webhooks {
		u, err := url.Parse(w.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("notify: webhook %d: URL %q is not an http(s) URL", i, w.URL)
		}
		if len(w.Actions) == 0 {
			w.Actions = []cases.Action{cases.ActionSupervise}
		}
		n.hooks = append(n.hooks, &hook{Webhook: w, queue: make(chan delivery, o.Buffer)})
	}
	n.sub = o.Bus.Subscribe(o.Buffer)
	return n, nil
}

// Stats returns the counters so far.
func (n *Notifier) Stats() Stats {
	return Stats{Delivered: n.delivered.Load(), Failed: n.failed.Load(), Retries: n.retries.Load(),
		Lags: n.lags.Load(), CaughtUp: n.caughtUp.Load()}
}

// ErrRunning is returned by a second call of Run.
var ErrRunning = errors.New("notify: Run called twice")

// Run follows the bus and delivers until ctx ends or the bus closes; it
// returns nil then. Deliveries in progress are abandoned. Run may be called
// once.
func (n *Notifier) Run(ctx context.Context) error {
	if !n.started.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := n.sub
	defer func() { sub.Cancel() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // stop the workers before waiting for them
	for _, h := range n.hooks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.work(ctx, h)
		}()
	}
	last := n.o.After
	if last > 0 {
		if err := n.catchUp(ctx, &last); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-sub.C:
			if ok {
				if e.Pos > 0 && e.Pos <= last {
					continue // already handled by a catch-up
				}
				if err := n.handle(ctx, e); err != nil {
					return nil
				}
				last = max(last, e.Pos)
				continue
			}
			err := sub.Err()
			if !errors.Is(err, stream.ErrLagged) {
				return nil // the bus closed or the subscription was cancelled
			}
			n.lags.Add(1)
			n.log.Warn("notification stream lagged; catching up from the store", "after", last)
			sub = n.o.Bus.Subscribe(n.o.Buffer)
			if err := n.catchUp(ctx, &last); err != nil {
				return err
			}
		}
	}
}

// catchUp handles the store's events after *last, advancing it.
func (n *Notifier) catchUp(ctx context.Context, last *int64) error {
	if n.o.Store == nil || *last == 0 {
		n.log.Error("notifications may have been missed: no store or no known position to catch up from", "after", *last)
		return nil
	}
	for {
		evs, err := n.o.Store.Events(ctx, *last, catchUpPage)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("notify: catching up after position %d: %w", *last, err)
		}
		for _, e := range evs {
			n.caughtUp.Add(1)
			if err := n.handle(ctx, e); err != nil {
				return nil
			}
			*last = max(*last, e.Pos)
		}
		if len(evs) < catchUpPage {
			return nil
		}
	}
}

// handle queues e for every webhook that wants its action, waiting while a
// queue is full; it fails only when ctx ends.
func (n *Notifier) handle(ctx context.Context, e cases.Event) error {
	var d delivery
	for _, h := range n.hooks {
		if !slices.Contains(h.Actions, e.Action) {
			continue
		}
		if d.body == nil {
			d.id = e.CaseID + "/" + strconv.Itoa(e.Seq)
			d.ev = e
			b, err := json.Marshal(Body{ID: d.id, Action: e.Action, CaseID: e.CaseID, Event: e})
			if err != nil {
				n.log.Error("encoding notification", "delivery", d.id, "err", err)
				return nil
			}
			d.body = b
		}
		select {
		case h.queue <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
