package platform

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yiwang/internal/sense/demo"
)

func TestWaterloggingRisk(t *testing.T) {
	for _, c := range []struct{ share, rain, heavy, want float64 }{
		{0, 80, 30, 0},
		{1, 0, 30, 0.5},
		{1, 15, 30, 0.75},
		{1, 90, 30, 1},
		{0.5, 30, 30, 0.5},
		{1, -5, 30, 0.5},
		{0.5, 10, 0, 0.5},
	} {
		if got := WaterloggingRisk(c.share, c.rain, c.heavy); got != c.want {
			t.Errorf("WaterloggingRisk(%g, %g, %g) = %g, want %g", c.share, c.rain, c.heavy, got, c.want)
		}
	}
}

// TestMetrics scrapes /metrics of a node running the demo sensors after
// a district's water-level sensors all went over the line in heavy rain.
func TestMetrics(t *testing.T) {
	n := openTestNode(t)
	p, err := n.Sense(SenseOptions{Sensors: demo.Sensors(), Rules: demo.Rules()})
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
		"rainfall,sensor=GEN-RF-420103-01,unit=mm/h value=45\nwater_level,sensor=NOPE,unit=m value=1\n"
	resp, err := http.Post(srv.URL+SensePrefix+"/write", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var text string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(text, `yiwang_cases_created_total{channel="sensor"} 5`) {
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed the sensor cases:\n%s", text)
		}
		<-time.After(20 * time.Millisecond)
		text = scrape(t, srv.URL+MetricsPath)
	}
	text = scrape(t, srv.URL+MetricsPath) // counts the scrapes before it
	for _, want := range []string{
		`yiwang_sense_readings_accepted_total 5`,
		`yiwang_sense_readings_rejected_total{reason="unknown_sensor"} 1`,
		`yiwang_sense_ingest_queue_readings 0`,
		`yiwang_sense_alarms_active{state="active"} 5`, // 4 sensors and the district's area rule
		`yiwang_vital_water_level_over_warning_ratio{district="420103"} 1`,
		`yiwang_vital_rainfall_max_mm_per_hour{district="420103"} 45`,
		`yiwang_vital_waterlogging_risk{district="420103"} 1`,
		`yiwang_vital_waterlogging_risk{district="420102"} 0`,
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
