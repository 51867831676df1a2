package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"yiwang/internal/dispatch"
	"yiwang/internal/escalate"
	"yiwang/internal/natsbus"
	"yiwang/internal/notify"
)

// BackgroundOptions configure the jobs RunBackground runs.
type BackgroundOptions struct {
	// EscalateInterval is the time between two escalation scans (default
	// escalate.DefaultInterval); Reminders is the supervision schedule.
	EscalateInterval time.Duration
	Reminders        escalate.Schedule
	// NoEscalation turns the scanner off on this node. Scanners on several
	// nodes are safe (each supervision is appended once), so this only
	// saves work.
	NoEscalation bool
	// Webhooks receive notifications; with none the notifier does not run.
	Webhooks []notify.Webhook
	// Notify tunes the notifier; its Bus, Store, Webhooks and Logger are
	// set from the node and the fields above.
	Notify notify.Options
	// NATS, when set, is the NATS server to which every event this node
	// commits is published (JetStream stream YIWANG_EVENTS), under the
	// node name NodeName.
	NATS     string
	NodeName string
	// NATSOptions tunes the publisher (stream, subject, …); its Conn, Node,
	// Source, Bus and Logger are set from the fields above and the node.
	NATSOptions natsbus.PublisherOptions
	// Now is the escalation clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// RunBackground runs the escalation scanner and the notifier until ctx
// ends, then returns nil; it returns an error at once if a job cannot be
// built. The supervising chain is read at every scan from the
// responsibility list in force (Node.Workflow.Engine(), else Node.Dispatch).
func (n *Node) RunBackground(ctx context.Context, o BackgroundOptions) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	var jobs []func(context.Context) error
	if !o.NoEscalation {
		sc, err := escalate.New(escalate.Options{
			Store: n.Store, Directory: n.backgroundDirectory, Now: o.Now,
			Interval: o.EscalateInterval, Reminders: o.Reminders, Logger: o.Logger,
		})
		if err != nil {
			return fmt.Errorf("building escalation scanner: %w", err)
		}
		jobs = append(jobs, sc.Run)
	}
	if len(o.Webhooks) > 0 {
		no := o.Notify
		no.Bus, no.Store, no.Webhooks, no.Logger = n.Bus, n.Store, o.Webhooks, o.Logger
		nt, err := notify.New(no)
		if err != nil {
			return fmt.Errorf("building notifier: %w", err)
		}
		jobs = append(jobs, nt.Run)
	}
	if o.NATS != "" {
		po := o.NATSOptions
		po.Conn, po.Node, po.Source, po.Bus, po.Logger = natsbus.Conn{URL: o.NATS}, o.NodeName, n.Store, n.Bus, o.Logger
		pub, err := natsbus.NewPublisher(po)
		if err != nil {
			return fmt.Errorf("building NATS publisher: %w", err)
		}
		jobs = append(jobs, pub.Run)
	}
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, run := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// backgroundDirectory returns the units of the responsibility list in
// force (the workflow's, else the built-in one), or nil.
func (n *Node) backgroundDirectory() *dispatch.Directory {
	e := n.Dispatch
	if n.Workflow != nil {
		if we := n.Workflow.Engine(); we != nil {
			e = we
		}
	}
	if e == nil {
		return nil
	}
	return e.Directory()
}
