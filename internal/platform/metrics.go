package platform

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/sense"
	"yiwang/internal/sense/registry"
)

// MetricsPath is where MountMetrics serves the Prometheus metrics.
const MetricsPath = "/metrics"

// MetricsOptions configure a node's metrics.
type MetricsOptions struct {
	// Pipeline, when set, adds the sensor ingest figures and the
	// vital-sign indices (yiwang_vital_index, as the pipeline last
	// computed them; see sense.ParseIndices).
	Pipeline *sense.Pipeline
	// WaterWarning is the water level (m) counted as over warning and
	// HeavyRain the rainfall (mm/h) counted as heavy (defaults 2.0 and 30,
	// the demo set's levels) in the raw water gauges beside the indices.
	WaterWarning, HeavyRain float64
	// Fresh is how old a sensor's latest reading may be to count in the
	// raw water gauges (default 1 h).
	Fresh time.Duration
	// Now is the clock of the indices and the situation (default time.Now).
	Now func() time.Time
}

// Metrics are a node's Prometheus metrics, in a registry of their own.
type Metrics struct {
	// Registry holds every metric of the node (and the Go runtime's).
	Registry *prometheus.Registry
	created  *prometheus.CounterVec
	n        *Node
	o        MetricsOptions
	dists    []string
	once     sync.Once
}

// NewMetrics builds the node's metrics; Run counts created cases, and
// the rest is read from the node at every scrape.
func (n *Node) NewMetrics(o MetricsOptions) *Metrics {
	if o.WaterWarning == 0 {
		o.WaterWarning = 2.0
	}
	if o.HeavyRain <= 0 {
		o.HeavyRain = 30
	}
	if o.Fresh <= 0 {
		o.Fresh = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{Registry: prometheus.NewRegistry(), n: n, o: o,
		created: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yiwang_cases_created_total",
			Help: "Cases created since this node started, by channel."}, []string{"channel"})}
	for _, d := range n.Geo.Areas(geo.LevelDistrict) {
		m.dists = append(m.dists, d.Code)
	}
	for _, ch := range []cases.Channel{cases.ChannelSensor} {
		m.created.WithLabelValues(string(ch)) // present from the start
	}
	m.Registry.MustRegister(m.created, collectors.NewGoCollector(), &nodeCollector{m: m})
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// MountMetrics serves m at MetricsPath on the node's handler and counts
// the requests to every route of it (call it after the other mounts).
func (n *Node) MountMetrics(m *Metrics) {
	n.mount(MetricsPath, m.Handler())
	n.Handler = m.instrument(n.Handler)
}

// instrument counts requests by route pattern (as matched by the
// innermost ServeMux) and status, and times them.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "yiwang_http_requests_total",
		Help: "HTTP requests by route pattern and status code."}, []string{"route", "code"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "yiwang_http_request_duration_seconds",
		Help: "HTTP request durations by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9)}, []string{"route"})
	m.Registry.MustRegister(reqs, dur)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		reqs.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		dur.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code; Unwrap keeps
// http.ResponseController (flushing server-sent events) working.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush flushes the underlying writer, if it can.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Run counts the cases created, from the node's event stream, until ctx
// ends.
func (m *Metrics) Run(ctx context.Context) error {
	sub := m.n.Bus.Subscribe(4096)
	defer sub.Cancel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-sub.C:
			if !ok {
				if sub.Err() != nil { // lagged: keep counting from a new subscription
					sub = m.n.Bus.Subscribe(4096)
					continue
				}
				return nil
			}
			if e.Action == cases.ActionCreate && e.Payload.Case != nil {
				m.created.WithLabelValues(string(e.Payload.Case.Channel)).Inc()
			}
		}
	}
}

var (
	descOpen      = prometheus.NewDesc("yiwang_cases_open", "Open cases by state (situation aggregates).", []string{"state"}, nil)
	descDistOpen  = prometheus.NewDesc("yiwang_district_cases_open", "Open cases by district.", []string{"district"}, nil)
	descOverdue   = prometheus.NewDesc("yiwang_district_cases_overdue", "Open cases past their deadline, by district.", []string{"district"}, nil)
	descAccepted  = prometheus.NewDesc("yiwang_sense_readings_accepted_total", "Sensor readings accepted.", nil, nil)
	descProcessed = prometheus.NewDesc("yiwang_sense_readings_processed_total", "Sensor readings stored and evaluated.", nil, nil)
	descRejected  = prometheus.NewDesc("yiwang_sense_readings_rejected_total", "Sensor readings rejected, by reason.", []string{"reason"}, nil)
	descThrottled = prometheus.NewDesc("yiwang_sense_requests_throttled_total", "Sensor write requests refused because the ingest queue was full.", nil, nil)
	descQueue     = prometheus.NewDesc("yiwang_sense_ingest_queue_readings", "Readings accepted but not yet processed.", nil, nil)
	descAlarms    = prometheus.NewDesc("yiwang_sense_alarms_active", "Open alarms, by state (active, acknowledged).", []string{"state"}, nil)
	descAlarmN    = prometheus.NewDesc("yiwang_sense_alarms_total", "Alarm manager events since start, by kind.", []string{"kind"}, nil)
	descShare     = prometheus.NewDesc("yiwang_vital_water_level_over_warning_ratio", "Share of reporting water-level sensors at or over the warning level, by district.", []string{"district"}, nil)
	descRain      = prometheus.NewDesc("yiwang_vital_rainfall_max_mm_per_hour", "Highest latest rainfall intensity, by district.", []string{"district"}, nil)
	descIndex     = prometheus.NewDesc("yiwang_vital_index", "Vital-sign index by index id and area code, as last computed (GET /sense/v1/indices for the definitions); absent where an index has no value.", []string{"index", "area"}, nil)
	descIndexAt   = prometheus.NewDesc("yiwang_vital_index_computed_timestamp_seconds", "When the vital-sign indices were last computed (Unix time).", nil, nil)
)

type nodeCollector struct{ m *Metrics }

func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descDistOpen, descOverdue, descAccepted, descProcessed, descRejected,
		descThrottled, descQueue, descAlarms, descAlarmN, descShare, descRain, descIndex, descIndexAt} {
		ch <- d
	}
}

func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	m, now := c.m, c.m.o.Now()
	if sit := m.n.Situation; sit != nil {
		s := sit.Snapshot("", m.dists, 0, now)
		for _, st := range s.States {
			ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(st.Count), string(st.State))
		}
		for _, h := range s.Heat {
			ch <- prometheus.MustNewConstMetric(descDistOpen, prometheus.GaugeValue, float64(h.Open), h.Code)
			ch <- prometheus.MustNewConstMetric(descOverdue, prometheus.GaugeValue, float64(h.Overdue), h.Code)
		}
	}
	p := m.o.Pipeline
	if p == nil {
		return
	}
	st := p.Ingester.Stats()
	ch <- prometheus.MustNewConstMetric(descAccepted, prometheus.CounterValue, float64(st.Accepted))
	ch <- prometheus.MustNewConstMetric(descProcessed, prometheus.CounterValue, float64(st.Processed))
	ch <- prometheus.MustNewConstMetric(descThrottled, prometheus.CounterValue, float64(st.Throttled))
	ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(max(0, st.Accepted-st.Processed)))
	reasons := make([]string, 0, len(st.Rejected))
	for r := range st.Rejected {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		ch <- prometheus.MustNewConstMetric(descRejected, prometheus.CounterValue, float64(st.Rejected[r]), r)
	}
	states := map[string]int{"active": 0, "acknowledged": 0}
	for _, a := range p.Alarms.Open() {
		states[a.State.String()]++
	}
	for s, k := range states {
		ch <- prometheus.MustNewConstMetric(descAlarms, prometheus.GaugeValue, float64(k), s)
	}
	as := p.Alarms.Stats()
	for k, v := range map[string]int64{"raised": as.Raised, "refired": as.Refired, "cleared": as.Cleared,
		"flaps_suppressed": as.FlapsSuppressed, "cases_created": as.CasesCreated, "case_errors": as.CaseErrors} {
		ch <- prometheus.MustNewConstMetric(descAlarmN, prometheus.CounterValue, float64(v), k)
	}
	for _, d := range m.dists {
		share, rain := districtWater(p.LatestInArea(d), now, m.o)
		ch <- prometheus.MustNewConstMetric(descShare, prometheus.GaugeValue, share, d)
		ch <- prometheus.MustNewConstMetric(descRain, prometheus.GaugeValue, rain, d)
	}
	if s := p.IndexValues(); s != nil {
		ch <- prometheus.MustNewConstMetric(descIndexAt, prometheus.GaugeValue, float64(s.ComputedAt.UnixNano())/1e9)
		for _, iv := range s.Indices {
			for _, v := range iv.Values {
				if v.Value != nil {
					ch <- prometheus.MustNewConstMetric(descIndex, prometheus.GaugeValue, *v.Value, iv.Index.ID, v.Area)
				}
			}
		}
	}
}

// districtWater returns the share of a district's fresh water-level
// readings at or over the warning level and its highest fresh rainfall.
func districtWater(ls []sense.Latest, now time.Time, o MetricsOptions) (share, rain float64) {
	var over, all int
	for _, l := range ls {
		if now.Sub(l.Time) > o.Fresh {
			continue
		}
		switch registry.Kind(l.Kind) {
		case registry.WaterLevel:
			all++
			if l.Value >= o.WaterWarning {
				over++
			}
		case registry.Rainfall:
			rain = max(rain, l.Value)
		}
	}
	if all > 0 {
		share = float64(over) / float64(all)
	}
	return share, rain
}
