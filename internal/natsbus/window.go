package natsbus

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// pending is one publish awaiting its ack.
type pending struct {
	fut  jetstream.PubAckFuture // nil when the async publish could not start
	msg  *nats.Msg
	pos  int64
	live bool // published from the local bus (the sweep may skip it)
}

// window pipelines publishes: up to max await their acks; acks are
// consumed in publish order and a failed publish is retried until it is
// acked or ctx ends, so nothing is dropped. done sees every acked publish.
type window struct {
	js    jetstream.JetStream
	max   int
	q     []pending
	done  func(p pending, dup bool)
	stats *counters
	log   *slog.Logger
}

// counters are the Publisher's statistics.
type counters struct {
	stored, dups, retries, lags, sweeps, sweepErrs atomic.Uint64
}

func (w *window) add(ctx context.Context, p pending) error {
	fut, err := w.js.PublishMsgAsync(p.msg)
	if err == nil {
		p.fut = fut
	}
	w.q = append(w.q, p)
	for len(w.q) >= w.max {
		if err := w.waitOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

// flush waits for every publish in flight.
func (w *window) flush(ctx context.Context) error {
	for len(w.q) > 0 {
		if err := w.waitOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (w *window) waitOldest(ctx context.Context) error {
	p := w.q[0]
	var ack *jetstream.PubAck
	var err error
	if p.fut == nil {
		err = jetstream.ErrJetStreamPublisherClosed
	} else {
		select {
		case ack = <-p.fut.Ok():
		case err = <-p.fut.Err():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		if ack, err = w.retry(ctx, p, err); err != nil {
			return err
		}
	}
	w.q[0] = pending{}
	w.q = w.q[1:]
	if ack.Duplicate {
		w.stats.dups.Add(1)
	} else {
		w.stats.stored.Add(1)
	}
	if w.done != nil {
		w.done(p, ack.Duplicate)
	}
	return nil
}

// retry republishes p synchronously until JetStream acks it.
func (w *window) retry(ctx context.Context, p pending, cause error) (*jetstream.PubAck, error) {
	wait := 50 * time.Millisecond
	for {
		w.stats.retries.Add(1)
		w.log.Warn("natsbus: publish failed, retrying", "subject", p.msg.Subject,
			"msg_id", p.msg.Header.Get(HeaderMsgID), "err", cause)
		if err := sleepCtx(ctx, wait); err != nil {
			return nil, err
		}
		wait = backoff(wait, 5*time.Second)
		m := nats.NewMsg(p.msg.Subject)
		m.Data, m.Header = p.msg.Data, p.msg.Header
		actx, cancel := context.WithTimeout(ctx, asyncAckTimeout)
		ack, err := w.js.PublishMsg(actx, m)
		cancel()
		if err == nil {
			return ack, nil
		}
		cause = err
	}
}
