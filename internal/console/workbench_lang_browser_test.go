package console_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/category"
	"yiwang/internal/workflow"
)

// chromeLeft is a page expression: the Chinese left in the workbench's
// visible text (its title and body) once every text the city wrote is
// taken out — unit, category, user and area names, the case's title and
// description and its history's notes and reasons, all fetched from the
// API — and the switch's own "中文". It yields JSON: {"han": ["…"], "text": "what was left"}.
func chromeLeft(id string) string {
	return fmt.Sprintf(`(async () => {
  const flat = (s) => s.replace(/\s+/g, " ");
  const j = (u) => fetch(u, { headers: { Accept: "application/json" } }).then((r) => r.json());
  const [units, cats, me, c, h, areas] = await Promise.all([j("/api/v1/dispatch/units"), j("/api/v1/categories"),
    j("/api/v1/auth/me"), j("/api/v1/cases/" + %[1]q), j("/api/v1/cases/" + %[1]q + "/history"), j("/api/v1/geo/areas?level=district")]);
  const data = [...units.units.map((u) => u.name), ...cats.categories.flatMap((x) => [x.path, x.name]),
    me.user.name, me.user.unit_name, c.title, c.description, ...(areas.features || []).map((f) => f.properties && f.properties.name),
    ...h.events.flatMap((e) => [e.note, (e.payload || {}).reason, (e.payload || {}).reply])]
    .filter((x) => typeof x === "string" && x !== "").map(flat).sort((a, b) => b.length - a.length);
  // The switch names the other language: "中文" on the English page.
  let text = flat(document.title + " " + document.body.innerText).replace(" " + document.getElementById("lang-switch").textContent + " ", " ");
  for (const d of data) text = text.split(d).join("");
  return JSON.stringify({ han: text.match(/[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/g) || [], text });
})()`, id)
}

// TestWorkbenchEnglishInBrowser switches the workbench to English with the
// header's button and back. A dispatcher has a case the classifier held
// (低置信度, with suggestions, a map and a history) open, with the dispatch
// form showing its "choose a unit" error. In English the tab, the queue
// heading, the detail's rows, the action buttons, the form (its error
// and its values kept), the status line and the suggestions are English,
// and no Chinese is left on the page but what the city wrote (case,
// unit, category and area names); the switch fetches no data again. The
// choice survives a reload; switching back restores the Chinese.
func TestWorkbenchEnglishInBrowser(t *testing.T) {
	requireBrowser(t)
	var others []string
	base := serveWorkbenchNode(t, func(tax *category.Taxonomy) []workflow.Suggestion {
		others = firstLevel(tax)
		return []workflow.Suggestion{{Category: "01", Confidence: 0.55, Terms: []string{"垃圾", "清运"}},
			{Category: others[0], Confidence: 0.25}, {Category: others[1], Confidence: 0.1}}
	})
	agent := signInAPI(t, base, "agent")
	held := agent.postJSON("/api/v1/cases", fmt.Sprintf(`{"channel":"web","title":"小区垃圾无人清运",
		"description":"垃圾堆放多日无人清运","category":%q,"location":{"lat":%v,"lon":%v}}`, others[0], placeLat, placeLon))

	p := openPage(t, 1280, 1000)
	p.signIn(base, "dispatcher", "/workbench.html?case="+held)
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	p.wait("the held case listed", fmt.Sprintf(`document.querySelector('#q-lowconf li[data-case-id=%q] button.suggest.top') !== null`, held))
	p.wait("its detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] #detail-suggestions') !== null`, held))
	p.wait("the map drawn", `document.querySelector('#case-map[data-ready="true"] canvas') !== null`)
	// The dispatch form, sent without a unit: its error shows.
	p.clickCurrent("the dispatch button", `#detail button[data-action=dispatch]`)
	p.clickCurrent("confirm without a unit", `#action-form button[type=submit]`)
	p.wait("the missing unit", `!document.getElementById('action-error').hidden`)

	const texts = `[document.getElementById('tab-dispatcher').textContent,
		document.querySelector('#pane-dispatcher h2:nth-of-type(2) span').textContent,
		[...document.querySelectorAll('#detail dt')][0].textContent,
		document.querySelector('#detail .actions button[data-action=dispatch]').textContent,
		document.querySelector('#action-form button[type=submit]').textContent,
		document.getElementById('action-error').textContent,
		document.getElementById('lang-switch').textContent].join('|')`
	if got := p.eval("the Chinese page", texts); got != "分拨员|待分拨|类别|派单|确认派单|请选择单位|English" {
		t.Errorf("the page in Chinese reads %q", got)
	}
	const apiCalls = `String(performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).length)`
	before := p.eval("requests before", apiCalls)

	p.clickCurrent("English", `#lang-switch`)
	p.wait("English", `document.documentElement.lang === "en" && document.getElementById('tab-dispatcher').textContent === "Dispatcher"`)
	if got := p.eval("the English page", texts); got != "Dispatcher|Awaiting dispatch|Category|Dispatch|Confirm: Dispatch|Choose a unit|中文" {
		t.Errorf("the page in English reads %q", got)
	}
	if got := p.eval("more English", `[document.title, document.getElementById('status').textContent.split(',')[0],
		document.querySelector('#detail-suggestions button.suggest.top').textContent.split(':')[0],
		document.querySelector('#action-form select[name=unit]').getAttribute('aria-invalid'),
		localStorage.getItem('yiwang.lang')].join('|')`); got != "Yiwang · Workbench|Low confidence 1|Recategorise as suggested and dispatch|true|en" {
		t.Errorf("title, status, suggestion, marked field and stored choice read %q", got)
	}
	if after := p.eval("requests after", apiCalls); after != before {
		t.Errorf("the switch fetched data again: %s API requests before, %s after", before, after)
	}
	var left struct {
		Han  []string
		Text string
	}
	if err := json.Unmarshal([]byte(p.evalAsync("the Chinese left", chromeLeft(held))), &left); err != nil {
		t.Fatal(err)
	}
	if len(left.Han) > 0 {
		t.Errorf("Chinese left on the English page: %q\nthe page's own text:\n%s", left.Han, left.Text)
	}
	p.shot("workbench-english.png")

	// The choice is kept: a reload comes up in English.
	p.do("reload", chromedp.Navigate(base+"/workbench.html?case="+held))
	p.wait("ready again", `document.body.dataset.ready === "true"`)
	p.wait("the detail in English", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] dt') !== null && document.querySelector('#detail dt').textContent === "Category"`, held))
	p.wait("the status in English", `document.getElementById('status').textContent.startsWith("Low confidence 1")`)

	p.clickCurrent("中文", `#lang-switch`)
	p.wait("Chinese", `document.documentElement.lang === "zh-CN" && document.getElementById('tab-dispatcher').textContent === "分拨员"`)
	if got := p.eval("back in Chinese", `[document.title, document.querySelector('#pane-dispatcher h2:nth-of-type(2) span').textContent,
		document.querySelector('#detail dt').textContent, document.getElementById('status').textContent.split('，')[0],
		document.getElementById('lang-switch').textContent].join('|')`); got != "一网 Yiwang · 工作台|待分拨|类别|低置信度 1 件|English" {
		t.Errorf("back in Chinese the page reads %q", got)
	}
	p.shot("workbench-chinese-again.png")
	p.noErrors()
}

// TestWorkbenchEnglishViewsInBrowser: the handler's inbox and the
// supervisor's view in English, each with a case open — a case in the
// inbox with its clocks, a summoned case with its summons — leave no
// Chinese but the city's own text, and their status lines and list notes
// are English.
func TestWorkbenchEnglishViewsInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent, dispatcher, supervisor := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher"), signInAPI(t, base, "supervisor")
	unit := signInAPI(t, base, handlerJiangan).me.User.Unit
	inbox := agent.manualCase("井盖缺失，夜间危险")
	dispatcher.dispatch(inbox, unit)
	summoned := agent.seedCase("13800138000", "河道漂浮物", placeLat, placeLon)
	due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	supervisor.postJSON("/api/v1/cases/"+summoned+"/transitions", fmt.Sprintf(`{"action":"summon","payload":{"units":[%q],"due":%q}}`, unit, due))

	for _, tc := range []struct {
		login, page, id, list, status, note string
	}{
		{handlerJiangan, "/workbench.html#handler", inbox, "#q-handler", ": 1 open, ", ""},
		{"supervisor", "/workbench.html#supervisor", summoned, "#q-summons", " overdue, 1 summons not answered", "Not reported: "},
	} {
		t.Run(tc.login, func(t *testing.T) {
			p := openPage(t, 1280, 1000)
			p.signIn(base, tc.login, tc.page)
			p.wait("ready", `document.body.dataset.ready === "true"`)
			p.msgs.probe(t, p.ctx)
			item := fmt.Sprintf(`%s li[data-case-id=%q]`, tc.list, tc.id)
			p.clickCurrent("the case", item)
			p.wait("its detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] .actions button') !== null`, tc.id))
			p.clickCurrent("English", `#lang-switch`)
			p.wait("English", `document.documentElement.lang === "en" && document.querySelector('#detail h3').textContent === "Available actions"`)
			if got := p.eval("status", `document.getElementById('status').textContent`); !strings.Contains(got, tc.status) {
				t.Errorf("status %q; want it to contain %q", got, tc.status)
			}
			if tc.note != "" {
				if got := p.eval("list note", fmt.Sprintf(`document.querySelector('%s').textContent`, item)); !strings.Contains(got, tc.note) {
					t.Errorf("the listed case reads %q; want %q in it", got, tc.note)
				}
			}
			var left struct {
				Han  []string
				Text string
			}
			if err := json.Unmarshal([]byte(p.evalAsync("the Chinese left", chromeLeft(tc.id))), &left); err != nil {
				t.Fatal(err)
			}
			if len(left.Han) > 0 {
				t.Errorf("Chinese left on the English page: %q\nthe page's own text:\n%s", left.Han, left.Text)
			}
			p.shot("workbench-english-" + tc.login + ".png")
			p.noErrors()
		})
	}
}
