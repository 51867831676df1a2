package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// asyncAckTimeout bounds the wait for one async publish ack; a publish
// that times out is retried (the dedupe id makes that safe).
const asyncAckTimeout = 5 * time.Second

// connect returns a JetStream context on c and a func releasing what
// connect opened.
func connect(c Conn, node string) (*nats.Conn, jetstream.JetStream, func(), error) {
	nc, release := c.NC, func() {}
	if nc == nil {
		var err error
		nc, err = nats.Connect(c.URL, nats.Name("yiwang-"+node), nats.MaxReconnects(-1))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("connecting to %s: %w", c.URL, err)
		}
		release = nc.Close
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(asyncAckTimeout))
	if err != nil {
		release()
		return nil, nil, nil, fmt.Errorf("opening jetstream: %w", err)
	}
	return nc, js, release, nil
}

// streamConfig is the stream Run creates when it does not exist.
func streamConfig(name, subject string, dup time.Duration) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        name,
		Description: "Yiwang committed case events (natsbus)",
		Subjects:    []string{wildcard(subject)},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Duplicates:  dup,
		AllowDirect: true,
	}
}

// ensureStream opens the stream, creating it if missing. An existing
// stream keeps its configuration; it must capture our subjects and dedupe.
func ensureStream(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig, log *slog.Logger) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, cfg.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) { // another node won the race
			s, err = js.Stream(ctx, cfg.Name)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening stream %s: %w", cfg.Name, err)
	}
	have := s.CachedInfo().Config
	if !slices.Contains(have.Subjects, cfg.Subjects[0]) {
		return nil, fmt.Errorf("stream %s captures %v, not %s", cfg.Name, have.Subjects, cfg.Subjects[0])
	}
	if have.Duplicates < cfg.Duplicates {
		log.Warn("natsbus: stream dedupe window shorter than configured",
			"stream", cfg.Name, "have", have.Duplicates, "want", cfg.Duplicates)
	}
	return s, nil
}

// ensureBucket opens the KV bucket, creating it if missing.
func ensureBucket(ctx context.Context, js jetstream.JetStream, bucket string) (jetstream.KeyValue, error) {
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: bucket, Description: "Yiwang natsbus sweep cursors", History: 1, Storage: jetstream.FileStorage,
		})
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.KeyValue(ctx, bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening kv bucket %s: %w", bucket, err)
	}
	return kv, nil
}

// sleepCtx waits d or until ctx ends (retry backoff, not synchronisation).
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff doubles d up to limit.
func backoff(d, limit time.Duration) time.Duration { return min(2*d, limit) }
