package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/demo"
	"yiwang/internal/platform"
)

// TestSituationScreenInBrowser opens the situation screen in headless
// Chromium on a node seeded with demo data: the map is drawn, a district
// click drills down, a case created through the API arrives live (SSE),
// and no JavaScript error or exception happens on the way.
func TestSituationScreenInBrowser(t *testing.T) {
	requireBrowser(t)
	base, node := startSeededNode(t)
	p := openPage(t, 1920, 1080)
	p.timeout = 20 * time.Second
	ctx, msgs := p.ctx, p.msgs
	run, wait := p.do, p.wait
	eval := func(js string) string { t.Helper(); return p.eval("evaluating "+js, js) }

	run("open the screen", chromedp.Navigate(base+"/screen.html"))
	wait("the first render", `document.body.dataset.ready !== undefined`)
	if n := eval(`String(document.querySelectorAll('#kpis .kpi').length)`); n != "7" {
		t.Errorf("KPI tiles = %s, want 7", n)
	}
	if v := eval(`document.querySelector('.kpi[data-kpi=open] .value').textContent`); v == "0" || v == "" {
		t.Errorf("open cases tile shows %q on a seeded node", v)
	}
	// A KPI's definition is one click away.
	run("open a definition", chromedp.Click(chromedp.CSS(`.kpi[data-kpi=response_rate]`)))
	if d := eval(`document.getElementById('def-text').textContent`); !strings.Contains(d, "派单") {
		t.Errorf("response rate definition = %q", d)
	}
	run("close it", chromedp.Click(chromedp.CSS(`#def-close`)))

	// Drill down: click the map where the busiest district is drawn.
	var sit struct {
		Situation struct{ Heat []struct{ Code string } }
	}
	getJSON(t, base+"/api/v1/situation", &sit)
	district := sit.Situation.Heat[0].Code
	pt := node.Geo.RandomPointIn(district, rand.New(rand.NewPCG(1, 2)))
	xy := eval(fmt.Sprintf(`(() => { const c = echarts.getInstanceByDom(document.getElementById('map'));
		const p = c.convertToPixel({seriesIndex: 0}, [%f, %f]); const r = document.getElementById('map').getBoundingClientRect();
		return (r.left + p[0]) + ',' + (r.top + p[1]); })()`, pt.Lon(), pt.Lat()))
	var x, y float64
	if _, err := fmt.Sscanf(xy, "%g,%g", &x, &y); err != nil {
		t.Fatalf("pixel of %v: %q", pt, xy)
	}
	run("click the district", chromedp.MouseClickXY(x, y))
	wait("the district", fmt.Sprintf(`document.body.dataset.area === %q`, district))
	if got := eval(`String(document.querySelectorAll('#crumbs > *').length)`); got != "3" {
		t.Errorf("breadcrumbs after drilling = %s elements, want city › district", got)
	}

	// A new case arrives live.
	id := createCase(t, base)
	wait("the live case", fmt.Sprintf(`document.querySelector('#feed li[data-case-id=%q]') !== null`, id))

	// English.
	run("switch to English", chromedp.Click(chromedp.CSS(`#lang`)))
	if got := eval(`document.querySelector('.kpi[data-kpi=response_rate] .name').textContent`); got != "Response rate" {
		t.Errorf("English KPI name = %q", got)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(os.TempDir(), "yiwang-situation-screen.png")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
	if errs := msgs.errors(); len(errs) > 0 {
		t.Errorf("JavaScript errors:\n%s", strings.Join(errs, "\n"))
	}
}

func startSeededNode(t *testing.T) (string, *platform.Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := platform.Open(ctx, platform.Options{
		DB:     "sqlite:" + filepath.Join(t.TempDir(), "screen.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if _, err := demo.Seed(ctx, n.Store, demo.SeedOptions{Now: time.Now(), Limit: 3000,
		Locator: demo.GeoLocator(n.Geo), Router: demo.DispatchRouter(n.Dispatch)}); err != nil {
		cancel()
		n.Close()
		t.Fatal(err)
	}
	base, stop, err := n.ServeLocal(ctx)
	if err != nil {
		cancel()
		n.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		n.Close()
	})
	return base, n
}

func createCase(t *testing.T, base string) string {
	t.Helper()
	body := `{"channel":"hotline","title":"路灯不亮","category":"0101","location":{"lat":30.5431,"lon":114.316},"actor":"agent1"}`
	resp, err := http.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ ID string }
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &c) != nil || c.ID == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	return c.ID
}
