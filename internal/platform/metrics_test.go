package platform

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"yiwang/internal/sense/demo"
)

// TestMetrics scrapes /metrics of a node running the demo sensors after
// a district's water-level sensors all went over the line in heavy rain,
// one of another's did in moderate rain, and a third's traffic slowed; the
// demo's vital-sign indices are computed at an explicit time.
func TestMetrics(t *testing.T) {
	n := openTestNode(t)
	p, err := n.Sense(SenseOptions{Sensors: demo.Sensors(), Rules: demo.Rules(), Indices: demo.Indices()})
	if err != nil {
		t.Fatal(err)
	}
	m := n.NewMetrics(MetricsOptions{Pipeline: p, WaterWarning: demo.WaterWarning, HeavyRain: demo.HeavyRain})
	n.MountSense(p)
	n.MountMetrics(m)
	srv := httptest.NewServer(asAdmin(t, n))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.RunSense(ctx, p, SenseRunOptions{})
	go m.Run(ctx)
	body := "water_level,sensor=GEN-WL-420103-01,unit=m value=2.5\nwater_level,sensor=GEN-WL-420103-02,unit=m value=2.1\n" +
		"water_level,sensor=GEN-WL-420103-03,unit=m value=2.2\nwater_level,sensor=GEN-WL-420103-04,unit=m value=2.3\n" +
		"rainfall,sensor=GEN-RF-420103-01,unit=mm/h value=45\nwater_level,sensor=NOPE,unit=m value=1\n" +
		"water_level,sensor=GEN-WL-420104-01,unit=m value=2.5\nwater_level,sensor=GEN-WL-420104-02,unit=m value=1\n" +
		"water_level,sensor=GEN-WL-420104-03,unit=m value=1\nwater_level,sensor=GEN-WL-420104-04,unit=m value=1\n" +
		"rainfall,sensor=GEN-RF-420104-01,unit=mm/h value=15\n" +
		"traffic_speed,sensor=GEN-TS-420105-01,unit=km/h value=30\ntraffic_flow,sensor=GEN-TF-420105-01,unit=veh/h value=1000\n" +
		"traffic_flow,sensor=GEN-TF-420105-02,unit=veh/h value=3000\n"
	resp, err := http.Post(srv.URL+SensePrefix+"/write", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(text, `yiwang_cases_created_total{channel="sensor"} 6`) {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed the sensor cases:\n%s", text)
		}
		<-time.After(20 * time.Millisecond)
		text = scrape(t, srv.URL+MetricsPath)
	}
	at := time.Now()
	p.ComputeIndices(at)                  // the readings are stored: the cases were created
	text = scrape(t, srv.URL+MetricsPath) // counts the scrapes before it
	for _, want := range []string{
		`yiwang_sense_readings_accepted_total 13`,
		`yiwang_sense_readings_rejected_total{reason="unknown_sensor"} 1`,
		`yiwang_sense_ingest_queue_readings 0`,
		`yiwang_sense_alarms_active{state="active"} 6`, // 5 sensors and 420103's area rule
		`yiwang_vital_water_level_over_warning_ratio{district="420103"} 1`,
		`yiwang_vital_rainfall_max_mm_per_hour{district="420103"} 45`,
		`yiwang_vital_index{area="420103",index="waterlogging_risk"} 1`,
		`yiwang_vital_index{area="420104",index="waterlogging_risk"} 0.1875`, // ¼ × (0.5 + 0.5 × 15/30)
		`yiwang_vital_index{area="420105",index="congestion"} `,
		fmt.Sprintf("yiwang_vital_index_computed_timestamp_seconds %g", float64(at.UnixNano())/1e9),
		`yiwang_cases_open{state=`,
		`yiwang_district_cases_overdue{district="420103"}`,
		`go_goroutines`,
		`yiwang_http_requests_total{code="400",route="/sense/v1/"} 1`, // one unknown sensor,
		`yiwang_http_requests_total{code="200",route="/metrics"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// No value, no sample: 420102 has no reading, 420103 no traffic.
	for _, not := range []string{`yiwang_vital_index{area="420102"`, `yiwang_vital_index{area="420103",index="congestion"}`, `yiwang_vital_waterlogging_risk`} {
		if strings.Contains(text, not) {
			t.Errorf("/metrics has %s", not)
		}
	}
	// 10 × (0.7 × (1 − 30/60) + 0.3 × min(1, 2000/2000)) = 6.5
	_, rest, _ := strings.Cut(text, `yiwang_vital_index{area="420105",index="congestion"} `)
	line, _, _ := strings.Cut(rest, "\n")
	if v, err := strconv.ParseFloat(line, 64); err != nil || math.Abs(v-6.5) > 1e-12 {
		t.Errorf("congestion of 420105 = %q, want 6.5", line)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", url, err, resp.Status)
	}
	return string(b)
}
