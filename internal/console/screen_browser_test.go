package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/demo"
	"yiwang/internal/platform"
)

// TestSituationScreenInBrowser opens the situation screen in headless
// Chromium on a node seeded with demo data, signed in as the commander
// (the header shows who): the map is drawn, a district click drills down,
// a case created through the API arrives live (SSE), and no JavaScript
// error or exception happens on the way.
func TestSituationScreenInBrowser(t *testing.T) {
	requireBrowser(t)
	base, node := startSeededNode(t)
	agent := signInAPI(t, base, "agent")
	commander := signInAPI(t, base, "commander")
	p := openPage(t, 1920, 1080)
	msgs := p.msgs
	run, wait := p.do, p.wait
	eval := func(js string) string { t.Helper(); return p.eval("evaluating "+js, js) }

	p.signIn(base, "commander", "/screen.html")
	wait("the first render", `document.body.dataset.ready !== undefined`)
	if got := eval(`document.getElementById('session-name').textContent + '|' + document.getElementById('session-unit').textContent + '|' + document.getElementById('session-roles').textContent`); got != commander.me.User.Name+"|"+commander.me.User.UnitName+"|指挥长" {
		t.Errorf("the header shows %q; want the commander's name, unit and role", got)
	}
	// Hot issues: the list holds what GET /api/v1/hotspots answers.
	code, body := commander.send("GET", "/api/v1/hotspots?window=7d&limit=8", "", false)
	var hot struct {
		Cases  int
		Issues []struct{ Name string }
	}
	if err := json.Unmarshal(body, &hot); code != 200 || err != nil {
		t.Fatalf("hotspots: %d %v %s", code, err, body)
	}
	t.Logf("hot issues: %d from %d cases of the last 7 days", len(hot.Issues), hot.Cases)
	wait("the hot issues", `document.querySelectorAll('#hot > li').length > 0`)
	if len(hot.Issues) > 0 {
		if got := eval(`document.querySelector('#hot summary').firstChild.textContent`); got != hot.Issues[0].Name {
			t.Errorf("the first hot issue shows %q, the API names it %q", got, hot.Issues[0].Name)
		}
		if got := eval(`String(document.querySelectorAll('#hot details').length)`); got != fmt.Sprint(len(hot.Issues)) {
			t.Errorf("%s hot issues shown, the API has %d", got, len(hot.Issues))
		}
	}
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
	commander.getJSON("/api/v1/situation", &sit)
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
	id := agent.postJSON("/api/v1/cases", `{"channel":"hotline","title":"路灯不亮","category":"0101","location":{"lat":30.5431,"lon":114.316}}`)
	wait("the live case", fmt.Sprintf(`document.querySelector('#feed li[data-case-id=%q]') !== null`, id))

	// English.
	run("switch to English", chromedp.Click(chromedp.CSS(`#lang`)))
	if got := eval(`document.querySelector('.kpi[data-kpi=response_rate] .name').textContent`); got != "Response rate" {
		t.Errorf("English KPI name = %q", got)
	}
	if got := eval(`document.getElementById('signout').textContent`); got != "Sign out" {
		t.Errorf("the sign-out button in English reads %q", got)
	}
	p.shot("situation-screen.png")
	if errs := msgs.errors(); len(errs) > 0 {
		t.Errorf("JavaScript errors:\n%s", strings.Join(errs, "\n"))
	}
}

func startSeededNode(t *testing.T) (string, *platform.Node) {
	t.Helper()
	base, _, n := serveNode(t, func(ctx context.Context, n *platform.Node) error {
		_, err := demo.Seed(ctx, n.Store, demo.SeedOptions{Now: time.Now(), Limit: 3000,
			Locator: demo.GeoLocator(n.Geo), Router: demo.DispatchRouter(n.Dispatch)})
		return err
	})
	return base, n
}
