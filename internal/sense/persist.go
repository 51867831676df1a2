package sense

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/rules"
	"yiwang/internal/sense/tsdb"
)

// What a pipeline keeps under Options.DataDir.
const (
	// TSDBDir holds the readings (see tsdb.Open, tsdb.DB.Checkpoint).
	TSDBDir = "tsdb"
	// AlarmsFile holds the alarm state (see alarm.Manager.Save).
	AlarmsFile = "alarms.json"
)

// seriesName is the name series i has in the files: its sensor's id, kind
// and unit, which is what keeps a registry slot (a sensor whose kind or
// unit changes gets a new slot, and so a new series). "" for a spare slot.
func (p *Pipeline) seriesName(i int32) string {
	if int(i) >= p.Registry.Len() {
		return ""
	}
	s := p.Registry.Sensor(i)
	return s.ID + "\x1f" + string(s.Kind) + "\x1f" + s.Unit
}

// openDB opens the store: in memory, or read back from o.DataDir.
func (p *Pipeline) openDB(o *Options) (*tsdb.DB, error) {
	if o.DataDir == "" {
		return tsdb.New(o.TSDB)
	}
	o.TSDB.Dir, o.TSDB.Name = filepath.Join(o.DataDir, TSDBDir), p.seriesName
	return tsdb.Open(o.TSDB)
}

// alarmStorage is where the alarms are kept (nil: not kept).
func alarmStorage(dataDir string) alarm.Storage {
	if dataDir == "" {
		return nil
	}
	return alarm.FileStorage(filepath.Join(dataDir, AlarmsFile))
}

// resume continues after a restart over Options.DataDir: the saved alarms
// are loaded, the rules resumed from them and from the stored readings
// (rules.Engine.Resume), and what no longer agrees is settled at once: an
// open alarm whose rule no longer fires (or no longer exists, or went
// silent) clears (after its hold), a rule that fires without an open
// alarm raises one. An alarm that stays open keeps its case: the rule
// firing again only counts (alarm.Manager.Handle).
func (p *Pipeline) resume(ctx context.Context) error {
	if p.o.DataDir == "" {
		return nil
	}
	if err := p.Alarms.Load(ctx); err != nil {
		return fmt.Errorf("sense: %w", err)
	}
	open := p.Alarms.OpenRules()
	p.mu.Lock()
	defer p.mu.Unlock()
	eng := p.engine
	eng.Resume(func(id string) bool { return open[id] }, p.replay)
	now := p.o.Now()
	var trs []rules.Transition
	for j := range int32(eng.Len()) {
		c := eng.Rule(j)
		if c.Silent {
			continue
		}
		switch firing := eng.Firing(j); {
		case open[c.ID] && !firing:
			trs = append(trs, rules.Transition{Rule: j, At: now, Sensor: -1})
		case !open[c.ID] && firing:
			tr := rules.Transition{Rule: j, Firing: true, At: now, Sensor: -1}
			if t, v, ok := p.latest(c.Sensor); ok && t != 0 {
				tr.Sensor, tr.Value = c.Sensor, v
			}
			trs = append(trs, tr)
		}
		delete(open, c.ID)
	}
	p.handle(eng, trs)
	for id := range open { // rules removed or made silent while the node was down
		p.Alarms.Handle(now, alarm.Event{Rule: id})
	}
	return nil
}

// replay feeds fn the stored readings of a sensor within span before its
// newest (rules.Replay).
func (p *Pipeline) replay(sensor int32, span time.Duration, fn func(t int64, v float64)) {
	last, ok := p.DB.Latest(sensor)
	if !ok {
		return
	}
	if span <= 0 {
		fn(last.T, last.V)
		return
	}
	xs, _ := p.DB.Range(sensor, last.T-int64(span), last.T+1)
	for _, x := range xs {
		fn(x.T, x.V)
	}
}

// Checkpoint writes what a restart needs under Options.DataDir (the
// readings' files, the alarm state); Run does it every tick and when it
// ends. Without a DataDir it does nothing.
func (p *Pipeline) Checkpoint(ctx context.Context) error {
	if p.o.DataDir == "" {
		return nil
	}
	return errors.Join(p.DB.Checkpoint(), p.Alarms.Save(ctx))
}

// closeData is Run's last checkpoint: the readings queued before ctx ended
// were processed, the files are closed.
func (p *Pipeline) closeData(ctx context.Context) error {
	if p.o.DataDir == "" {
		return nil
	}
	return errors.Join(p.DB.Close(), p.Alarms.Save(ctx))
}
