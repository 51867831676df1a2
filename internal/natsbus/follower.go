package natsbus

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// fetchWait bounds one pull request; an idle follower re-pulls this often.
const fetchWait = 5 * time.Second

// Follower delivers the events other nodes committed, in stream order, to
// a handler, through a durable pull consumer of its own.
type Follower struct {
	opts                                    FollowerOptions
	delivered, skipped, failures, malformed atomic.Uint64
}

// FollowerStats count what a Follower did since it was made.
type FollowerStats struct {
	// Delivered events the handler accepted; Skipped own-origin events;
	// Failures handler errors (each retried); Malformed messages
	// (terminated, never delivered).
	Delivered, Skipped, Failures, Malformed uint64
}

// NewFollower checks opts and fills in the defaults.
func NewFollower(opts FollowerOptions) (*Follower, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	return &Follower{opts: opts}, nil
}

// Stats returns the counters; safe to call while Run runs.
func (f *Follower) Stats() FollowerStats {
	return FollowerStats{Delivered: f.delivered.Load(), Skipped: f.skipped.Load(),
		Failures: f.failures.Load(), Malformed: f.malformed.Load()}
}

// Run ensures the stream and the durable consumer exist and delivers events
// until ctx ends (then it returns nil). Each event is acked after the
// handler returns nil; on an error the handler gets the same event again,
// with backoff, before any later one, so each case's events stay in stream
// order. A message that does not decode is logged and terminated. Run one
// Run at a time per Follower.
func (f *Follower) Run(ctx context.Context) error {
	o := &f.opts
	_, js, release, err := connect(o.Conn, o.Node)
	if err != nil {
		return err
	}
	defer release()
	if _, err := ensureStream(ctx, js, streamConfig(o.Stream, o.Subject, o.Duplicates), o.Logger); err != nil {
		return err
	}
	policy := jetstream.DeliverAllPolicy
	if o.DeliverNew {
		policy = jetstream.DeliverNewPolicy
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, o.Stream, jetstream.ConsumerConfig{
		Durable:       o.Durable,
		Description:   "Yiwang natsbus follower of node " + o.Node,
		FilterSubject: wildcard(o.Subject),
		DeliverPolicy: policy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: 4 * o.FetchBatch,
	})
	if err != nil {
		return fmt.Errorf("creating consumer %s on %s: %w", o.Durable, o.Stream, err)
	}
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		if err := f.fetch(ctx, cons); err != nil && ctx.Err() == nil {
			o.Logger.Warn("natsbus: fetch failed, retrying", "node", o.Node, "err", err)
			sleepCtx(ctx, wait)
			wait = backoff(wait, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
	}
	return nil
}

// fetch pulls one batch and handles it message by message.
func (f *Follower) fetch(ctx context.Context, cons jetstream.Consumer) error {
	fctx, cancel := context.WithTimeout(ctx, fetchWait)
	defer cancel()
	batch, err := cons.Fetch(f.opts.FetchBatch, jetstream.FetchContext(fctx))
	if err != nil {
		return err
	}
	for m := range batch.Messages() {
		if err := f.handle(ctx, m); err != nil {
			return err // ctx ended; the rest of the batch is redelivered later
		}
	}
	if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
		return err
	}
	return nil
}

// handle delivers one message, retrying the handler until it accepts the
// event or ctx ends (then the message is nak'ed for redelivery and the
// error is ctx's).
func (f *Follower) handle(ctx context.Context, m jetstream.Msg) error {
	o := &f.opts
	if m.Headers().Get(HeaderOrigin) == o.Node {
		f.skipped.Add(1)
		f.ack(m.Ack())
		return nil
	}
	e, err := decode(m.Data(), m.Headers().Get(HeaderMsgID))
	if err != nil {
		f.malformed.Add(1)
		o.Logger.Error("natsbus: terminating malformed message", "subject", m.Subject(), "err", err)
		f.ack(m.Term())
		return nil
	}
	wait := 100 * time.Millisecond
	for {
		err := o.Handler(e)
		if err == nil {
			f.delivered.Add(1)
			f.ack(m.Ack())
			return nil
		}
		f.failures.Add(1)
		o.Logger.Warn("natsbus: handler failed, retrying", "node", o.Node, "msg_id", MsgID(e), "err", err)
		if serr := sleepCtx(ctx, wait); serr != nil {
			m.Nak()
			return serr
		}
		wait = backoff(wait, 5*time.Second)
		m.InProgress() // keep the server from redelivering meanwhile
	}
}

// ack logs a failed acknowledgement: the server then redelivers the
// message after AckWait, and the handler sees it again.
func (f *Follower) ack(err error) {
	if err != nil {
		f.opts.Logger.Warn("natsbus: ack failed; the event will be redelivered", "node", f.opts.Node, "err", err)
	}
}
