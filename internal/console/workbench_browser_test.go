package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/console"
)

// TestWorkbenchInBrowser drives workbench.html in headless Chromium
// against a platform node on a temporary SQLite store: a unit's inbox shows
// its cases (a hostile title as text), and one case is accepted, started
// and resolved through the action buttons — a resolve without a reply is
// refused first, with the API's reason next to the form. Any console error
// or exception fails it.
func TestWorkbenchInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	id := seedCase(t, base, "13800138000", "井盖缺失，夜间危险", 30.5431, 114.3160)
	hostile := seedCase(t, base, "13900139000", xssTitle, 30.5432, 114.3161)
	var c struct{ Unit, State string }
	getJSON(t, base+"/api/v1/cases/"+id, &c)
	var h struct{ Unit, State string }
	getJSON(t, base+"/api/v1/cases/"+hostile, &h)
	if c.Unit == "" || c.State != "dispatched" || h.Unit != c.Unit {
		t.Fatalf("seeded cases: %+v and %+v; want both dispatched to one unit", c, h)
	}

	p := openPage(t, 1280, 900)
	ctx, msgs := p.ctx, p.msgs
	do, eval, wait := p.do, p.eval, p.wait

	do("open the workbench", chromedp.Navigate(base+"/workbench.html"))
	wait("the dispatcher queues", `document.body.dataset.ready === "true"`)
	msgs.probe(t, ctx)
	if got := eval("queues", `String(document.querySelectorAll('#q-manual li, #q-returned li, #q-arbitration li').length)`); got == "0" {
		t.Errorf("the dispatcher queues show nothing, not even that they are empty")
	}

	// The handler inbox of the cases' unit.
	do("open the handler tab", chromedp.Click(chromedp.CSS(`#tab-handler`)))
	eval("pick the unit", fmt.Sprintf(`(() => { const s = document.getElementById('handler-unit');
		s.value = %q; s.dispatchEvent(new Event('change')); return s.value; })()`, c.Unit))
	wait("the case in the inbox", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q]') !== null && document.querySelector('#q-handler li[data-case-id=%q]') !== null`, id, hostile))
	if got := eval("hostile title", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q] .case-title').textContent`, hostile)); got != xssTitle {
		t.Errorf("hostile title shows as %q, want the payload as text", got)
	}
	if got := eval("left", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q] .left').textContent`, id)); !strings.Contains(got, "剩余") && !strings.Contains(got, "超时") {
		t.Errorf("the inbox shows time left %q; want 剩余 or 已超时", got)
	}

	// Open the case and work it through the buttons.
	p.clickCurrent("open the case", fmt.Sprintf(`#q-handler li[data-case-id=%q]`, id))
	wait("the detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] button[data-action=accept]') !== null`, id))
	if got := eval("explanation", `document.querySelector('#detail .explain').textContent`); got == "" || got == "—" {
		t.Errorf("dispatch explanation = %q; want the Chinese text", got)
	}
	do("name the actor", chromedp.SendKeys(chromedp.CSS(`#actor`), "张三"))
	for _, step := range []struct{ action, state string }{{"accept", "accepted"}, {"start", "in_progress"}} {
		do(step.action, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#detail button[data-action=%s]`, step.action))),
			chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
		wait(step.state, fmt.Sprintf(`document.querySelector('#detail[data-state=%q]') !== null`, step.state))
	}

	// A merge into itself: the API refuses it, and its reason shows by the
	// form with the field marked.
	do("merge into itself", chromedp.Click(chromedp.CSS(`#detail button[data-action=merge]`)),
		chromedp.SendKeys(chromedp.CSS(`#action-form input[name=parent_id]`), id),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("the API's refusal", `!document.getElementById('action-error').hidden`)
	if got := eval("refusal", `document.getElementById('action-error').textContent + '|' + document.querySelector('#action-form input[name=parent_id]').getAttribute('aria-invalid')`); !strings.Contains(got, "merged into itself") || !strings.HasSuffix(got, "|true") {
		t.Errorf("refusal shows %q; want the API's detail and the parent id marked", got)
	}
	refused := fmt.Sprintf("%s/api/v1/cases/%s/transitions", base, id)

	// A resolve without a reply is stopped before it is sent.
	do("resolve empty", chromedp.Click(chromedp.CSS(`#detail button[data-action=resolve]`)),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("the missing reply", `!document.getElementById('action-error').hidden`)
	if got := eval("missing reply", `document.querySelector('#action-form textarea[name=reply]').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("an empty reply is not marked (aria-invalid %q)", got)
	}
	const reply = "已安排维修班组更换井盖，现场已恢复通行。"
	do("resolve", chromedp.SendKeys(chromedp.CSS(`#action-form textarea[name=reply]`), reply),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("resolved", `document.querySelector('#detail[data-state="resolved"]') !== null`)

	var got struct{ State, Reply string }
	getJSON(t, base+"/api/v1/cases/"+id, &got)
	if got.State != "resolved" || got.Reply != reply {
		t.Errorf("case after the buttons = %+v; want resolved with the reply", got)
	}
	var hist struct {
		Events []struct{ Action, Actor string }
	}
	getJSON(t, base+"/api/v1/cases/"+id+"/history", &hist)
	var mine []string
	for _, e := range hist.Events {
		if e.Actor == "张三" {
			mine = append(mine, e.Action)
		}
	}
	if strings.Join(mine, ",") != "accept,start,resolve" {
		t.Errorf("actions by the workbench's actor = %v; want accept, start, resolve", mine)
	}
	if n := eval("injected", `String(document.querySelectorAll('#queues img, #queues script, #detail img, #detail script').length) + (document.body.dataset.pwned || "")`); n != "0" {
		t.Errorf("the hostile title made elements or ran (count+flag %q)", n)
	}
	// The resolved case left the inbox; the hostile one is still there.
	wait("the inbox refreshed", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q]') === null`, id))

	saveShot(t, ctx, "workbench.png")

	// Chromium logs every refused request; the one refusal asked for
	// above is expected, anything else is a failure.
	var bad []string
	expected := 0
	for _, m := range msgs.errors() {
		if strings.Contains(m, "status of 422") && strings.Contains(m, refused) {
			expected++
			continue
		}
		bad = append(bad, m)
	}
	if expected != 1 {
		t.Errorf("saw %d refused transitions in the console, want exactly the merge into itself", expected)
	}
	if len(bad) > 0 {
		t.Errorf("the page logged errors or threw:\n%s", strings.Join(bad, "\n"))
	}
}

// TestWorkbenchQueuesInBrowser checks the dispatcher's and the
// supervisor's views: a case no rule covers waits in 待分拨 and is
// dispatched from the page with the unit select; a case whose summoned
// unit has not reported shows under 吹哨未报到.
func TestWorkbenchQueuesInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	manual := postJSON(t, base+"/api/v1/cases", `{"channel":"web","title":"无地址的诉求","description":"没有位置，规则无法覆盖",
		"category":"01","actor":"web-1"}`)
	summoned := seedCase(t, base, "13800138000", "河道漂浮物", 30.5431, 114.3160)
	var units struct{ Units []struct{ Code string } }
	getJSON(t, base+"/api/v1/dispatch/units", &units)
	if len(units.Units) < 2 {
		t.Fatalf("units = %+v", units)
	}
	caller := units.Units[0].Code
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	postJSON(t, base+"/api/v1/cases/"+summoned+"/transitions", fmt.Sprintf(`{"action":"summon","actor":"督办-1",
		"payload":{"units":[%q],"due":%q}}`, caller, due))

	p := openPage(t, 1280, 900)
	ctx, msgs := p.ctx, p.msgs
	do, wait := p.do, p.wait

	clickCurrent := p.clickCurrent

	do("open the workbench", chromedp.Navigate(base+"/workbench.html#dispatcher"))
	wait("ready", `document.body.dataset.ready === "true"`)
	msgs.probe(t, ctx)
	wait("the manual case", fmt.Sprintf(`document.querySelector('#q-manual li[data-case-id=%q]') !== null`, manual))

	target := units.Units[1].Code
	clickCurrent("the manual case", fmt.Sprintf(`#q-manual li[data-case-id=%q]`, manual))
	clickCurrent("its dispatch button", fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=dispatch]`, manual))
	do("dispatch it",
		chromedp.SetValue(chromedp.CSS(`#action-form select[name=unit]`), target),
		chromedp.SendKeys(chromedp.CSS(`#actor`), "分拨员-1"),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("dispatched", `document.querySelector('#detail[data-state="dispatched"]') !== null`)
	wait("the manual queue emptied", fmt.Sprintf(`document.querySelector('#q-manual li[data-case-id=%q]') === null`, manual))
	var c struct{ State, Unit string }
	getJSON(t, base+"/api/v1/cases/"+manual, &c)
	if c.State != "dispatched" || c.Unit != target {
		t.Errorf("manual case after dispatch = %+v; want dispatched to %s", c, target)
	}

	do("open the supervisor tab", chromedp.Click(chromedp.CSS(`#tab-supervisor`)))
	wait("the summoned case", fmt.Sprintf(`document.querySelector('#q-summons li[data-case-id=%q]') !== null`, summoned))
	clickCurrent("the summoned case", fmt.Sprintf(`#q-summons li[data-case-id=%q]`, summoned))
	clickCurrent("its summon button", fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=summon]`, summoned))
	wait("the summon form", `document.querySelector('#action-form input[name=units]') !== null && document.querySelector('#action-form input[name=due]') !== null`)
	saveShot(t, ctx, "workbench-supervisor.png")
	if bad := msgs.errors(); len(bad) > 0 {
		t.Errorf("the page logged errors or threw:\n%s", strings.Join(bad, "\n"))
	}
}

// postJSON posts body and returns the id of the case in the answer (a
// created case, or a transition's case).
func postJSON(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	var v struct {
		ID   string
		Case struct{ ID string }
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	if v.ID == "" {
		return v.Case.ID
	}
	return v.ID
}

// TestWorkbenchPageStatic checks, without a browser, what the CSP and the
// textContent rule demand of the workbench: no inline script, style or
// event handler, and no HTML-parsing sinks in its script.
func TestWorkbenchPageStatic(t *testing.T) {
	h := console.Handler()
	get := func(path string) string {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		return rec.Body.String()
	}
	page := get("/workbench.html")
	for _, want := range []string{`<script src="workbench.js"></script>`, `href="workbench.css"`, `href="console.css"`, `lang="zh-CN"`} {
		if !strings.Contains(page, want) {
			t.Errorf("workbench.html lacks %s", want)
		}
	}
	if regexp.MustCompile(`<script[^>]*>[^<]+</script>|<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Error("workbench.html has an inline script, style or event handler, which the CSP forbids")
	}
	js := get("/workbench.js")
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, sink) {
			t.Errorf("workbench.js uses %s; API text must go in with textContent", sink)
		}
	}
	get("/workbench.css")
	if !strings.Contains(get("/"), `href="workbench.html"`) {
		t.Error("index.html does not link to the workbench")
	}
}

// saveShot saves a full-page PNG in YIWANG_ARTIFACTS (or a temporary directory).
func saveShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("YIWANG_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}
