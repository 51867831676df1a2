package situation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// EventLog is the part of store.Store the aggregates read.
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]cases.Event, error)
}

// pageSize is how many events one catch-up read asks for.
const pageSize = 5000

// CatchUp applies every event of the log after the last applied one.
func (a *Aggregates) CatchUp(ctx context.Context, log EventLog) error {
	for {
		after := a.LastPos()
		evs, err := log.Events(ctx, after, pageSize)
		if err != nil {
			return fmt.Errorf("situation: reading events after %d: %w", after, err)
		}
		if err := a.Apply(evs...); err != nil {
			return err
		}
		if len(evs) < pageSize {
			return nil
		}
	}
}

// Follow keeps the aggregates current until ctx ends or the bus closes:
// it subscribes, catches up from the log (so nothing between the load and
// the subscription is missed), then applies each committed event. When the
// subscription lags it subscribes again and catches up from the log.
// ready, if not nil, is closed after the first catch-up.
func (a *Aggregates) Follow(ctx context.Context, log EventLog, bus *stream.Bus, logger *slog.Logger, ready chan<- struct{}) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for {
		sub := bus.Subscribe(4096)
		if err := a.CatchUp(ctx, log); err != nil {
			sub.Cancel()
			return err
		}
		if ready != nil {
			close(ready)
			ready = nil
		}
		err := a.consume(ctx, sub)
		if !errors.Is(err, stream.ErrLagged) {
			return err
		}
		logger.Info("situation aggregates fell behind the event stream; catching up from the log", "last_pos", a.LastPos())
	}
}

func (a *Aggregates) consume(ctx context.Context, sub *stream.Subscription) error {
	return sub.Each(ctx, func(e cases.Event) error { return a.Apply(e) })
}
