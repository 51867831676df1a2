package natsbus

import (
	"context"
	"errors"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// finalSweepBudget bounds the sweep Run makes when its context ends.
const finalSweepBudget = 5 * time.Second

// Publisher carries the events this node commits from its stream.Bus into
// JetStream and sweeps the store's log so that no committed event is ever
// missing there (see the package doc for the guarantees).
type Publisher struct {
	opts  PublisherOptions
	stats counters
}

// PublisherStats count what a Publisher did since it was made.
type PublisherStats struct {
	// Stored publishes JetStream kept; Duplicates it dropped by dedupe id.
	Stored, Duplicates uint64
	// Retries of failed publishes; Lags of the local subscription.
	Retries, Lags uint64
	// Sweeps run, and those that failed (retried at the next interval).
	Sweeps, SweepErrors uint64
}

// NewPublisher checks opts and fills in the defaults.
func NewPublisher(opts PublisherOptions) (*Publisher, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	return &Publisher{opts: opts}, nil
}

// Stats returns the counters; safe to call while Run runs.
func (p *Publisher) Stats() PublisherStats {
	s := &p.stats
	return PublisherStats{
		Stored: s.stored.Load(), Duplicates: s.dups.Load(), Retries: s.retries.Load(),
		Lags: s.lags.Load(), Sweeps: s.sweeps.Load(), SweepErrors: s.sweepErrs.Load(),
	}
}

// Run ensures the stream and the cursor bucket exist, then publishes until
// ctx ends: every event arriving on the Bus at once (origin = this node),
// and every SweepInterval whatever the log holds that the cursor does not
// cover yet. It returns nil when ctx ends, after a last sweep to the end of
// the log; an error only if it cannot start. Run one Run at a time per
// Publisher.
func (p *Publisher) Run(ctx context.Context) error {
	o := &p.opts
	_, js, release, err := connect(o.Conn, o.Node)
	if err != nil {
		return err
	}
	defer release()
	if _, err := ensureStream(ctx, js, streamConfig(o.Stream, o.Subject, o.Duplicates), o.Logger); err != nil {
		return err
	}
	kv, err := ensureBucket(ctx, js, o.Bucket)
	if err != nil {
		return err
	}
	sw := &sweeper{p: p, kv: kv, key: cursorKey(o.Stream), live: make(map[int64]struct{})}
	w := &window{js: js, max: o.MaxInFlight, stats: &p.stats, log: o.Logger,
		done: func(pd pending, _ bool) {
			if pd.live {
				sw.live[pd.pos] = struct{}{}
			}
		}}
	sub := o.Bus.Subscribe(o.BusBuffer)
	defer func() { sub.Cancel() }()
	busC := sub.C
	tick := time.NewTicker(o.SweepInterval)
	defer tick.Stop()

	p.sweep(ctx, sw, w, 0) // observes the head; the next tick publishes up to it
	for {
		select {
		case <-ctx.Done():
			return p.stop(sw, w)
		case <-tick.C:
			p.sweep(ctx, sw, w, sw.fence)
		case e, ok := <-busC:
			if !ok {
				busC = p.resubscribe(&sub)
				continue
			}
			if err := p.publishLive(ctx, w, e); err != nil {
				continue // ctx ended; the loop returns
			}
			if len(busC) == 0 { // nothing queued: wait for the acks now
				if err := w.flush(ctx); err != nil {
					continue
				}
			}
		}
	}
}

func (p *Publisher) publishLive(ctx context.Context, w *window, e cases.Event) error {
	m, err := encode(p.opts.Subject, e, p.opts.Node, p.opts.Node)
	if err != nil { // cannot happen for a cases.Event; the sweep retries it anyway
		p.opts.Logger.Error("natsbus: dropping unencodable event from the live path", "err", err)
		return nil
	}
	return w.add(ctx, pending{msg: m, pos: e.Pos, live: true})
}

// resubscribe handles the end of the local subscription. After a lag the
// next sweep publishes what was missed; a closed bus only stops the live
// path (sweeps go on until ctx ends).
func (p *Publisher) resubscribe(sub **stream.Subscription) <-chan cases.Event {
	err := (*sub).Err()
	if errors.Is(err, stream.ErrLagged) {
		p.stats.lags.Add(1)
		p.opts.Logger.Warn("natsbus: local subscription lagged; the sweep catches up", "node", p.opts.Node)
		*sub = p.opts.Bus.Subscribe(p.opts.BusBuffer)
		return (*sub).C
	}
	p.opts.Logger.Info("natsbus: local bus closed; sweeping only", "node", p.opts.Node, "err", err)
	return nil
}

func (p *Publisher) sweep(ctx context.Context, sw *sweeper, w *window, fence int64) {
	if err := sw.sweep(ctx, w, fence); err != nil && ctx.Err() == nil {
		p.stats.sweepErrs.Add(1)
		p.opts.Logger.Error("natsbus: sweep failed; retrying next interval", "node", p.opts.Node, "err", err)
	}
}

// stop drains the acks in flight and sweeps to the end of the log, so a
// restarted node resumes at the head instead of republishing.
func (p *Publisher) stop(sw *sweeper, w *window) error {
	ctx, cancel := context.WithTimeout(context.Background(), finalSweepBudget)
	defer cancel()
	if err := sw.sweep(ctx, w, unbounded); err != nil {
		p.opts.Logger.Warn("natsbus: final sweep incomplete; the next start catches up", "node", p.opts.Node, "err", err)
	}
	return nil
}
