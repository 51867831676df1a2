package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/console"
)

// The demo users the workbench tests sign in as (internal/auth's demo
// set; every password is "demo-<login>").
const (
	handlerJiangan = "handler-jiangan-cg" // a 江岸区 城管 unit
	handlerWuchang = "handler-wuchang-sw" // a 武昌区 水务 unit
)

// TestWorkbenchInBrowser drives workbench.html in headless Chromium
// against a platform node on a temporary SQLite store, signed in as a
// handler: only the handler's view shows, its inbox is its unit's and
// shows its cases (a hostile title as text), and one case is accepted,
// started and resolved through the action buttons — the API's refusal of
// a merge into itself shows by the form, and a resolve without a reply is
// stopped first. The server records the handler as the actor. Any console
// error or exception fails it.
func TestWorkbenchInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent, dispatcher := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher")
	handler := signInAPI(t, base, handlerJiangan)
	unit := handler.me.User.Unit
	id := agent.manualCase("井盖缺失，夜间危险")
	hostile := agent.manualCase(xssTitle)
	dispatcher.dispatch(id, unit)
	dispatcher.dispatch(hostile, unit)

	p := openPage(t, 1280, 900)
	ctx, msgs := p.ctx, p.msgs
	do, eval, wait := p.do, p.eval, p.wait

	p.signIn(base, handlerJiangan, "/workbench.html#handler")
	wait("the handler's inbox", `document.body.dataset.ready === "true"`)
	msgs.probe(t, ctx)
	if got := eval("tabs", `[...document.querySelectorAll('.tabs button[data-tab]')].filter(b => !b.hidden).map(b => b.dataset.tab).join(',')`); got != "handler" {
		t.Errorf("a handler sees the tabs %q; want only handler", got)
	}
	if got := eval("unit", `document.getElementById('handler-unit').value`); got != unit {
		t.Errorf("the inbox is of unit %q; want the handler's %q", got, unit)
	}
	if got := eval("actor input", `String(document.querySelectorAll('#actor, input[name=actor]').length)`); got != "0" {
		t.Errorf("the page still asks for an actor (%s inputs)", got)
	}
	wait("the cases in the inbox", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q]') !== null && document.querySelector('#q-handler li[data-case-id=%q]') !== null`, id, hostile))
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
	for _, step := range []struct{ action, state string }{{"accept", "accepted"}, {"start", "in_progress"}} {
		p.clickCurrent(step.action, fmt.Sprintf(`#detail button[data-action=%s]`, step.action))
		p.clickCurrent("confirm "+step.action, `#action-form button[type=submit]`)
		wait(step.state, fmt.Sprintf(`document.querySelector('#detail[data-state=%q]') !== null`, step.state))
	}

	// A merge into itself: the API refuses it, and its reason shows by the
	// form with the field marked.
	p.clickCurrent("merge", `#detail button[data-action=merge]`)
	do("merge into itself", chromedp.SendKeys(chromedp.CSS(`#action-form input[name=parent_id]`), id),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("the API's refusal", `!document.getElementById('action-error').hidden`)
	if got := eval("refusal", `document.getElementById('action-error').textContent + '|' + document.querySelector('#action-form input[name=parent_id]').getAttribute('aria-invalid')`); !strings.Contains(got, "merged into itself") || !strings.HasSuffix(got, "|true") {
		t.Errorf("refusal shows %q; want the API's detail and the parent id marked", got)
	}

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

	if got := handler.caseOf(id); got.State != "resolved" || got.Reply != reply {
		t.Errorf("case after the buttons = %+v; want resolved with the reply", got)
	}
	var mine []string
	for _, e := range handler.history(id) {
		if e.Actor == handlerJiangan {
			mine = append(mine, e.Action)
			if e.ActorUnit != unit {
				t.Errorf("event %s by %s recorded unit %q; want %q", e.Action, e.Actor, e.ActorUnit, unit)
			}
		}
	}
	if strings.Join(mine, ",") != "accept,start,resolve" {
		t.Errorf("actions recorded as the signed-in handler = %v; want accept, start, resolve", mine)
	}
	if n := eval("injected", `String(document.querySelectorAll('#queues img, #queues script, #detail img, #detail script').length) + (document.body.dataset.pwned || "")`); n != "0" {
		t.Errorf("the hostile title made elements or ran (count+flag %q)", n)
	}
	// The resolved case left the inbox; the hostile one is still there.
	wait("the inbox refreshed", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q]') === null`, id))

	p.shot("workbench.png")
	merge := expected{422, fmt.Sprintf("/api/v1/cases/%s/transitions", id)}
	bad, seen := msgs.unexpected(merge)
	if seen[merge] != 1 {
		t.Errorf("saw %d refused transitions in the console, want exactly the merge into itself", seen[merge])
	}
	if len(bad) > 0 {
		t.Errorf("the page logged errors or threw:\n%s", strings.Join(bad, "\n"))
	}
}

// TestWorkbenchDispatchAndResolveInBrowser works one case through the
// workbench as two people: the dispatcher (who sees only the dispatcher's
// queues) dispatches a case no rule covers to a handler's unit and signs
// out with the header's button; the handler signs in, finds it in the
// inbox, and accepts, starts and resolves it. The history names each.
func TestWorkbenchDispatchAndResolveInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent := signInAPI(t, base, "agent")
	handler := signInAPI(t, base, handlerJiangan)
	unit := handler.me.User.Unit
	id := agent.manualCase("无地址的诉求：楼道堆放杂物")

	p := openPage(t, 1280, 900)
	do, eval, wait := p.do, p.eval, p.wait
	p.signIn(base, "dispatcher", "/workbench.html")
	wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	if got := eval("tabs", `[...document.querySelectorAll('.tabs button[data-tab]')].filter(b => !b.hidden).map(b => b.dataset.tab).join(',') + '|' + location.hash`); got != "dispatcher|#dispatcher" {
		t.Errorf("a dispatcher sees the tabs and hash %q; want only the dispatcher's", got)
	}
	if got := eval("header", `document.getElementById('session-name').textContent + '|' + document.getElementById('session-roles').textContent`); !strings.HasSuffix(got, "|分拨员") || strings.HasPrefix(got, "|") {
		t.Errorf("the header shows %q; want the dispatcher's name and 分拨员", got)
	}
	wait("the manual case", fmt.Sprintf(`document.querySelector('#q-manual li[data-case-id=%q]') !== null`, id))
	p.clickCurrent("the manual case", fmt.Sprintf(`#q-manual li[data-case-id=%q]`, id))
	p.clickCurrent("its dispatch button", fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=dispatch]`, id))
	do("dispatch it to the handler's unit",
		chromedp.SetValue(chromedp.CSS(`#action-form select[name=unit]`), unit),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)))
	wait("dispatched", `document.querySelector('#detail[data-state="dispatched"]') !== null`)
	wait("the manual queue emptied", fmt.Sprintf(`document.querySelector('#q-manual li[data-case-id=%q]') === null`, id))
	if c := handler.caseOf(id); c.State != "dispatched" || c.Unit != unit {
		t.Fatalf("case after the dispatcher = %+v; want dispatched to %s", c, unit)
	}
	p.shot("dispatcher.png")

	do("sign out", chromedp.Click(chromedp.CSS(`#signout`)))
	wait("the sign-in page", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	p.signIn(base, handlerJiangan, "/workbench.html#handler")
	wait("the case in the inbox", fmt.Sprintf(`document.querySelector('#q-handler li[data-case-id=%q]') !== null`, id))
	p.clickCurrent("open the case", fmt.Sprintf(`#q-handler li[data-case-id=%q]`, id))
	for _, step := range []struct{ action, state string }{{"accept", "accepted"}, {"start", "in_progress"}, {"resolve", "resolved"}} {
		p.clickCurrent(step.action, fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=%s]`, id, step.action))
		if step.action == "resolve" {
			do("the reply", chromedp.SendKeys(chromedp.CSS(`#action-form textarea[name=reply]`), "已清理楼道杂物。"))
		}
		p.clickCurrent("confirm "+step.action, `#action-form button[type=submit]`)
		wait(step.state, fmt.Sprintf(`document.querySelector('#detail[data-state=%q]') !== null`, step.state))
	}
	p.shot("handler.png")

	var got []string
	for _, e := range handler.history(id) {
		got = append(got, e.Action+":"+e.Actor)
	}
	want := "dispatch:dispatcher,accept:" + handlerJiangan + ",start:" + handlerJiangan + ",resolve:" + handlerJiangan
	if !strings.HasSuffix(strings.Join(got, ","), want) {
		t.Errorf("history = %v; want it to end %s", got, want)
	}
	p.noErrors()
}

// TestWorkbenchOtherUnitsCaseInBrowser: a handler who opens another
// unit's case by its id in the address sees "not found" — the API
// answered 404, as for a case that does not exist — while its own unit's
// case opens the same way.
func TestWorkbenchOtherUnitsCaseInBrowser(t *testing.T) {
	requireBrowser(t)
	base, reqs := startNode(t)
	agent, dispatcher := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher")
	mineUnit := signInAPI(t, base, handlerJiangan).me.User.Unit
	otherUnit := signInAPI(t, base, handlerWuchang).me.User.Unit
	own, other := agent.manualCase("本单位案件"), agent.manualCase("他单位案件")
	dispatcher.dispatch(own, mineUnit)
	dispatcher.dispatch(other, otherUnit)

	p := openPage(t, 1280, 900)
	p.signIn(base, handlerJiangan, "/workbench.html?case="+other)
	p.wait("the answer", `document.body.dataset.ready === "true"`)
	p.wait("not found", fmt.Sprintf(`document.querySelector('#detail[data-not-found=%q]') !== null`, other))
	if got := p.eval("message", `document.getElementById('detail').textContent`); !strings.Contains(got, "未找到案件 "+other) {
		t.Errorf("the detail says %q; want 未找到案件 %s", got, other)
	}
	if got := p.eval("leak", `document.getElementById('detail').textContent + document.getElementById('queues').textContent`); strings.Contains(got, "他单位案件") {
		t.Errorf("the other unit's case title shows on the page: %q", got)
	}
	answered := reqs.find("GET", "/api/v1/cases/"+other)
	if len(answered) == 0 {
		t.Fatalf("the page never asked for %s", other)
	}
	for _, r := range answered {
		if r.Status != http.StatusNotFound {
			t.Errorf("GET /api/v1/cases/%s answered %d; want 404", other, r.Status)
		}
	}
	p.shot("not-found.png")

	p.do("open the own case by hash", chromedp.Navigate(base+"/workbench.html#case="+own))
	p.wait("the own case", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] button[data-action=accept]') !== null`, own))
	p.noErrors(expected{404, "/api/v1/cases/" + other})
}

// TestWorkbenchQueuesInBrowser checks the supervisor's view: a case whose
// summoned unit has not reported shows under 吹哨未报到, with the summon
// form on it.
func TestWorkbenchQueuesInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent, supervisor := signInAPI(t, base, "agent"), signInAPI(t, base, "supervisor")
	summoned := agent.seedCase("13800138000", "河道漂浮物", 30.5431, 114.3160)
	var units struct{ Units []struct{ Code string } }
	supervisor.getJSON("/api/v1/dispatch/units", &units)
	if len(units.Units) < 2 {
		t.Fatalf("units = %+v", units)
	}
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	supervisor.postJSON("/api/v1/cases/"+summoned+"/transitions", fmt.Sprintf(`{"action":"summon","payload":{"units":[%q],"due":%q}}`, units.Units[0].Code, due))

	p := openPage(t, 1280, 900)
	p.signIn(base, "supervisor", "/workbench.html#supervisor")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	if got := p.eval("tabs", `[...document.querySelectorAll('.tabs button[data-tab]')].filter(b => !b.hidden).map(b => b.dataset.tab).join(',')`); got != "supervisor" {
		t.Errorf("a supervisor sees the tabs %q; want only supervisor", got)
	}
	p.wait("the summoned case", fmt.Sprintf(`document.querySelector('#q-summons li[data-case-id=%q]') !== null`, summoned))
	p.clickCurrent("the summoned case", fmt.Sprintf(`#q-summons li[data-case-id=%q]`, summoned))
	p.clickCurrent("its summon button", fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=summon]`, summoned))
	p.wait("the summon form", `document.querySelector('#action-form input[name=units]') !== null && document.querySelector('#action-form input[name=due]') !== null`)
	p.shot("workbench-supervisor.png")
	p.noErrors()
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
	for _, want := range []string{`<script src="console.js"></script>` + "\n" + `<script src="workbench.js"></script>`, `href="workbench.css"`, `href="console.css"`, `lang="zh-CN"`} {
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

// TestWorkbenchPagingInBrowser: the workbench's lists come from the API a
// page (50 cases) at a time, most urgent first (sort=due). The
// dispatcher's manual queue holding 60 cases shows 50 and says more
// remain; 加载更多 fetches the other 10 with the cursor, and a refresh
// keeps all 60. The supervisor's lists ask the API for overdue cases and
// open summons a page each, instead of fetching every open case to filter
// in the browser.
func TestWorkbenchPagingInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent := signInAPI(t, base, "agent")
	seeded := map[string]bool{}
	for i := range 60 {
		seeded[agent.manualCase(fmt.Sprintf("待分拨 %d", i))] = true
	}

	p := openPage(t, 1280, 900)
	p.signIn(base, "dispatcher", "/workbench.html#dispatcher")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	p.wait("the first page", `document.getElementById('q-manual').dataset.shown === "50"`)
	got := p.eval("the first page's count", `document.getElementById('q-manual').dataset.more + '|' +
		document.querySelector('#q-manual li.more').textContent + '|' + document.getElementById('status').textContent`)
	if !strings.HasPrefix(got, "true|已显示 50 件，还有更多") || !strings.Contains(got, "待分拨 50+ 件") {
		t.Errorf("first page says %q; want 50 shown, more to come, and 50+ in the status", got)
	}
	p.shot("workbench-paging.png")
	p.clickCurrent("load more", `#q-manual button.load-more`)
	p.wait("the second page", `document.getElementById('q-manual').dataset.shown === "60"`)
	ids := strings.Split(p.eval("the listed cases", `[...document.querySelectorAll('#q-manual li.case')].map(li => li.dataset.caseId).join(',')`), ",")
	listed := map[string]bool{}
	for _, id := range ids {
		listed[id] = true
	}
	if len(ids) != 60 || len(listed) != 60 {
		t.Errorf("after loading more: %d cases listed, %d distinct; want the 60 seeded once each", len(ids), len(listed))
	}
	for id := range seeded {
		if !listed[id] {
			t.Errorf("seeded case %s is not listed after loading every page", id)
		}
	}
	if got := p.eval("the last page's count", `document.getElementById('q-manual').dataset.more + '|' +
		document.querySelector('#q-manual li.more').textContent + '|' + document.querySelectorAll('#q-manual button.load-more').length`); got != "false|共 60 件|0" {
		t.Errorf("after the last page: %q; want no more, 共 60 件 and no button", got)
	}
	// The lists used the API's cursor (no page of 1000).
	const fetched = `performance.getEntriesByType('resource').map(e => e.name).filter(u => u.includes('/api/v1/cases?'))`
	if got := p.eval("list requests", fetched+`.join('\n')`); !strings.Contains(got, "queue=manual&sort=due&limit=50&cursor=") || strings.Contains(got, "limit=1000") {
		t.Errorf("the dispatcher's requests were:\n%s\nwant a page of 50 most urgent first, the next by cursor, and no page of 1000", got)
	}
	p.clickCurrent("refresh", `#refresh`)
	p.wait("the refresh", fetched+`.some(u => u.includes('queue=manual&sort=due&limit=60'))`)
	p.wait("still 60 after the refresh", `document.getElementById('q-manual').dataset.shown === "60"`)
	p.noErrors()

	s := openPage(t, 1280, 900)
	s.signIn(base, "supervisor", "/workbench.html#supervisor")
	s.wait("ready", `document.body.dataset.ready === "true"`)
	s.wait("both lists", `document.getElementById('q-overdue').dataset.shown !== undefined && document.getElementById('q-summons').dataset.shown !== undefined`)
	got = s.eval("supervisor requests", fetched+`.join('\n')`)
	if !strings.Contains(got, "overdue=true&sort=due&limit=50") || !strings.Contains(got, "open_summons=true&sort=due&limit=50") || strings.Contains(got, "state=") {
		t.Errorf("the supervisor's requests were:\n%s\nwant overdue=true and open_summons=true a page each, most urgent first, and no list of open cases", got)
	}
	if got := s.eval("status", `document.getElementById('status').textContent`); got != "超时 0 件，吹哨未报到 0 件" {
		t.Errorf("supervisor status %q; want 超时 0 件，吹哨未报到 0 件 (nothing is overdue or summoned)", got)
	}
	s.noErrors()
}
