package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"yiwang/internal/dispatch"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/unit"
	"yiwang/internal/platform"
	"yiwang/internal/workflow"
)

// fixedUnits is a unit router answering the same unit types for every
// message (the page is under test, not the router).
type fixedUnits []workflow.UnitSuggestion

func (f fixedUnits) RouteUnits(string, string) []workflow.UnitSuggestion { return f }

// demoUnitTypes maps the dispatch kinds to unit types (nlp/unit/kinds.csv).
func demoUnitTypes(t *testing.T) map[dispatch.Kind]string {
	t.Helper()
	kt, err := unit.KindTypes()
	if err != nil {
		t.Fatal(err)
	}
	out := map[dispatch.Kind]string{}
	for k, ty := range kt {
		out[dispatch.Kind(k)] = ty
	}
	return out
}

// xssTitle is the title of a prior case: it must show as text.
const xssTitle = `<img src=x onerror="document.body.dataset.pwned='1'"><script>document.body.dataset.pwned='2'</script>`

// TestHotlineConsoleInBrowser drives hotline.html in headless Chromium
// against a platform node on a temporary SQLite store, signed in as the
// demo 12345 agent: the caller's earlier case appears as soon as the
// number is typed (its hostile title as text), the call is recorded on it
// (by the signed-in agent: the page asks for no actor), then a new case is
// created — once, however often the form is submitted. Any console error
// or exception fails it.
func TestHotlineConsoleInBrowser(t *testing.T) {
	requireBrowser(t)
	base, reqs := startNode(t)
	agent := signInAPI(t, base, "agent")
	admin := signInAPI(t, base, "admin")

	// Two earlier cases: the caller's (hostile title) and a neighbour's, both
	// at the place the caller will give.
	prior := agent.seedCase("13800138000", xssTitle, 30.5431, 114.3160)
	neighbour := agent.seedCase("13900139000", "路灯不亮", 30.5435, 114.3162)
	reqs.reset()

	p := openPage(t, 1280, 900)
	ctx, msgs := p.ctx, p.msgs
	do, eval, wait := p.do, p.eval, p.wait

	p.signIn(base, "agent", "/hotline.html")
	wait("categories", `document.body.dataset.ready === "true"`)
	msgs.probe(t, ctx)
	if got := eval("who", `document.getElementById('session-roles').textContent + '|' + document.querySelector('#call-form .actions').hidden`); got != "12345坐席|false" {
		t.Errorf("header roles and the form's buttons = %q; want the agent role and the buttons shown", got)
	}

	// The caller's number alone brings up the earlier case.
	do("type the phone", chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "138-0013-8000"))
	wait("the caller's earlier case", fmt.Sprintf(`document.querySelector('#phone-cases li[data-case-id=%q]') !== null`, prior))
	if got := eval("prior title", fmt.Sprintf(`document.querySelector('#phone-cases li[data-case-id=%q] .case-title').textContent`, prior)); got != xssTitle {
		t.Errorf("prior case title shows as %q, want the payload as text %q", got, xssTitle)
	}
	if n := eval("injected elements", `String(document.querySelectorAll('#context img, #context script').length) + (document.body.dataset.pwned || "")`); n != "0" {
		t.Errorf("the payload made elements or ran (count+flag %q); want it shown as text only", n)
	}

	// The place adds the open cases nearby: the neighbour's too.
	do("type the place",
		chromedp.SendKeys(chromedp.CSS(`input[name=lat]`), "30.5431"),
		chromedp.SendKeys(chromedp.CSS(`input[name=lon]`), "114.3160"))
	wait("the neighbour's case nearby", fmt.Sprintf(`document.querySelector('#nearby-cases li[data-case-id=%q]') !== null && document.querySelector('#nearby-cases li[data-case-id=%q]') !== null`, neighbour, prior))
	if n := eval("phone list", `String(document.querySelectorAll('#phone-cases li.case').length)`); n != "1" {
		t.Errorf("caller's cases listed = %s, want 1 (the neighbour's case is not the caller's)", n)
	}

	// Record the call on the earlier case instead of creating one.
	const said = "路灯还是不亮，再次来电催办"
	do("fill the call",
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "王先生"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), said),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#phone-cases li[data-case-id=%q] button.merge`, prior))))
	wait("the call recorded", fmt.Sprintf(`document.querySelector('#result[data-outcome="merged"][data-case-id=%q]') !== null`, prior))
	hist := agent.history(prior)
	last := hist[len(hist)-1]
	if last.Action != "note" || last.Actor != "agent" || last.ActorUnit != agent.me.User.Unit || !strings.Contains(last.Note, "【12345来电】") ||
		!strings.Contains(last.Note, said) || !strings.Contains(last.Note, "王先生") {
		t.Errorf("the earlier case's last event = %+v; want the call note by the signed-in agent (%s) with what was said", last, agent.me.User.Unit)
	}
	// The agent sees the caller's number in full (the contract's masking
	// rule); an administrator sees it masked.
	for _, e := range admin.history(prior) {
		if strings.Contains(e.Note, "13800138000") {
			t.Errorf("the administrator sees the caller's full number in %+v; want it masked", e)
		}
	}

	// Now a new case: category found by typing, submitted twice at once and
	// once more after it was created.
	cat := pickCategory(t, agent)
	do("fill the new case",
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "小区门口路灯不亮"),
		chromedp.SendKeys(chromedp.CSS(`input[name=category_filter]`), cat.query),
		chromedp.SendKeys(chromedp.CSS(`input[name=address]`), "武昌区中南路 1 号"),
		chromedp.SetValue(chromedp.CSS(`select[name=severity]`), "urgent"))
	if got := eval("category", `document.querySelector('select[name=category]').value`); got != cat.code {
		t.Fatalf("typing %q selected category %q, want %q", cat.query, got, cat.code)
	}
	eval("double submit", `(() => { const b = document.getElementById('submit'); b.click(); b.click(); return ""; })()`)
	wait("the new case", `document.querySelector('#result[data-outcome="created"]') !== null`)
	id := eval("new case id", `document.getElementById('result-case-id').textContent`)
	if id == "" || id == prior || id == neighbour {
		t.Fatalf("new case id = %q", id)
	}
	unit := eval("unit", `[...document.querySelectorAll('#result dt')].find(e => e.textContent === '承办单位').nextElementSibling.textContent`)
	clocks := eval("clocks", `String(document.querySelectorAll('#result ul.clocks li').length)`)
	if unit == "" || unit == "—" || clocks == "0" {
		t.Errorf("result shows unit %q and %s deadlines; want the assigned unit and its deadlines", unit, clocks)
	}
	do("submit again", chromedp.Click(chromedp.CSS(`#submit`)))
	wait("the repeat answer", fmt.Sprintf(`document.querySelector('#result[data-outcome="repeat"][data-case-id=%q]') !== null`, id))

	var list struct {
		Cases []struct{ ID, Title, Category, Severity string }
	}
	admin.getJSON("/api/v1/cases?limit=50", &list)
	if len(list.Cases) != 3 {
		t.Errorf("store holds %d cases, want 3 (two earlier, one new): %+v", len(list.Cases), list.Cases)
	}
	var c struct{ Title, Category, Severity, Channel string }
	agent.getJSON("/api/v1/cases/"+id, &c)
	if c.Title != "小区门口路灯不亮" || c.Category != cat.code || c.Severity != "urgent" || c.Channel != "hotline" {
		t.Errorf("new case = %+v", c)
	}
	creates := reqs.find("POST", "/api/v1/hotline/cases")
	if len(creates) != 2 || creates[0].IdempotencyKey == "" || creates[0].IdempotencyKey != creates[1].IdempotencyKey {
		t.Errorf("the page's creates = %+v; want two requests with one Idempotency-Key", creates)
	}
	for _, r := range append(creates, reqs.find("POST", "/api/v1/cases/"+prior+"/calls")...) {
		if r.CSRF == "" {
			t.Errorf("the page's %s %s carried no X-CSRF-Token", r.Method, r.Path)
		}
	}

	p.shot("hotline.png")
	p.noErrors()
}

// pickCategory chooses a third-level category and the text the agent
// types to find it: its name, which must select it as the first match
// (the page picks the first category whose code starts with, or whose
// path contains, what is typed).
func pickCategory(t *testing.T, c *apiClient) struct{ code, query string } {
	t.Helper()
	var cats struct {
		Categories []struct{ Code, Name, Path string }
	}
	c.getJSON("/api/v1/categories", &cats)
	for _, c := range cats.Categories {
		if len(c.Code) != 6 {
			continue
		}
		for _, first := range cats.Categories {
			if strings.HasPrefix(first.Code, c.Name) || strings.Contains(strings.ToLower(first.Path), strings.ToLower(c.Name)) {
				if first.Code == c.Code {
					return struct{ code, query string }{c.Code, c.Name}
				}
				break
			}
		}
	}
	t.Fatal("no third-level category is the first match of its own name")
	return struct{ code, query string }{}
}

// TestHotlineSuggestionsInBrowser drives the suggestions of hotline.html:
// as the agent types the message, the classifier's top three categories
// show with their confidence and the words behind them, a click picks one
// into the form, and a similar open case is offered to record the call on
// instead of a new case. The likeliest types of handling unit show too,
// with their confidence, the words behind them and the unit of that type
// at the place typed.
func TestHotlineSuggestionsInBrowser(t *testing.T) {
	requireBrowser(t)
	m, err := nlp.TrainCategory(1)
	if err != nil {
		t.Fatal(err)
	}
	router := fixedUnits{
		{Type: "水利水务", Confidence: 0.55, Terms: []string{"下水道", "污水"}},
		{Type: "街道乡镇", Confidence: 0.25, Terms: []string{"社区小区"}},
		{Type: "公积金", Confidence: 0.05},
	}
	base, reqs, n := serveNode(t, func(_ context.Context, n *platform.Node) error {
		n.Workflow.SetUnitRouter(router, demoUnitTypes(t))
		return n.Workflow.SetSuggester(workflow.ModelSuggester{Model: m, Taxonomy: n.Taxonomy}, 0)
	})
	const lat, lon = 30.5431, 114.3160
	place, err := n.Locate(lat, lon)
	if err != nil {
		t.Fatal(err)
	}
	agent := signInAPI(t, base, "agent")
	const title, said = "小区下水道堵塞污水外溢", "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难。"
	dup := agent.postJSON("/api/v1/hotline/cases", fmt.Sprintf(`{"title":%q,"description":%q,"category":"01","reporter":{"phone":"13900139000"}}`, title, said))
	if err := n.Duplicates.CatchUp(t.Context(), n.Store); err != nil { // the index follows the stream; be sure it has the case
		t.Fatal(err)
	}

	p := openPage(t, 1280, 900)
	p.signIn(base, "agent", "/hotline.html")
	p.wait("categories", `document.body.dataset.ready === "true"`)
	if got := p.eval("panel before typing", `String(document.getElementById('suggest').hidden)`); got != "true" {
		t.Errorf("suggestion panel hidden = %s before anything is typed, want true", got)
	}
	p.do("type the call",
		chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "13800138000"),
		chromedp.SendKeys(chromedp.CSS(`input[name=lat]`), fmt.Sprint(lat)),
		chromedp.SendKeys(chromedp.CSS(`input[name=lon]`), fmt.Sprint(lon)),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), title),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), said))
	p.wait("three suggestions, three units and the similar case", fmt.Sprintf(`document.querySelectorAll('#suggest-categories button.pick').length === 3 &&
		document.querySelectorAll('#suggest-units li.unit').length === 3 &&
		document.querySelector('#suggest-duplicates li[data-case-id=%q]') !== null`, dup))

	// The units: type, confidence, terms; the water unit of the place's
	// district and the place's street office where the directory has them,
	// none for a type it has no unit of.
	type unitView struct{ Type, Name, Confidence, Local, Code, Terms string }
	units := func(what string) []unitView {
		var us []unitView
		if err := json.Unmarshal([]byte(p.eval(what, `JSON.stringify([...document.querySelectorAll('#suggest-units li.unit')].map((li) =>
			({type: li.dataset.unitType, name: li.querySelector('.type').textContent, confidence: li.querySelector('.confidence').textContent,
			  local: (li.querySelector('.local-unit') || {}).textContent || '', code: (li.querySelector('.local-unit') || {dataset: {}}).dataset.unit || '',
			  terms: (li.querySelector('.terms') || {}).textContent || ''})))`)), &us); err != nil {
			t.Fatal(err)
		}
		return us
	}
	us := units("the units")
	wantWater := "shuiwu." + place.District
	if len(us) != 3 || us[0].Type != "水利水务" || us[0].Name != "水利水务" || !strings.Contains(us[0].Confidence, "置信度 55%") ||
		us[0].Code != wantWater || !strings.HasPrefix(us[0].Local, "本地单位：") || us[0].Terms != "依据：下水道、污水" {
		t.Errorf("units %+v; want 水利水务 first at 55%% with its terms and unit %s", us, wantWater)
	}
	if len(us) == 3 && (us[2].Type != "公积金" || us[2].Local != "" || us[2].Terms != "") {
		t.Errorf("third unit %+v; want 公积金 with no unit here and no terms", us[2])
	}
	t.Logf("units at %+v: %+v", place, us)
	p.shot("hotline-units.png")

	var picks []struct{ Category, Text, Terms string }
	if err := json.Unmarshal([]byte(p.eval("the suggestions", `JSON.stringify([...document.querySelectorAll('#suggest-categories button.pick')].map((b) =>
		({category: b.dataset.category, text: b.textContent, terms: (b.querySelector('.terms') || {}).textContent || ''})))`)), &picks); err != nil {
		t.Fatal(err)
	}
	for i, s := range picks {
		if s.Category == "" || !strings.Contains(s.Text, "置信度") || !strings.Contains(s.Text, "%") {
			t.Errorf("suggestion %d = %+v; want a category with its confidence", i+1, s)
		}
	}
	if len(picks) == 3 && !strings.HasPrefix(picks[0].Terms, "依据：") {
		t.Errorf("top suggestion %+v shows no driving terms", picks[0])
	}

	p.do("pick the second suggestion", chromedp.Click(chromedp.CSS(`#suggest-categories li:nth-child(2) button.pick`)))
	if got := p.eval("picked", `document.querySelector('select[name=category]').value + '|' +
		document.querySelector('#suggest-categories li:nth-child(2) button.pick').getAttribute('aria-pressed')`); len(picks) == 3 && got != picks[1].Category+"|true" {
		t.Errorf("after the click the form's category|pressed = %q, want %s|true", got, picks[1].Category)
	}

	// In English the same panel, drawn again: confidence, terms, the
	// similar case and the pick kept.
	p.switchLang("en")
	var en []struct{ Text, Terms, Pressed, Reason, Merge string }
	if err := json.Unmarshal([]byte(p.eval("the suggestions in English", fmt.Sprintf(`JSON.stringify([...document.querySelectorAll('#suggest-categories button.pick')].map((b) =>
		({text: b.textContent, terms: (b.querySelector('.terms') || {}).textContent || '', pressed: b.getAttribute('aria-pressed'),
		  reason: document.querySelector('#suggest-duplicates li[data-case-id=%q] .reason').textContent,
		  merge: document.querySelector('#suggest-duplicates li[data-case-id=%q] button.merge').textContent})))`, dup, dup))), &en); err != nil {
		t.Fatal(err)
	}
	if len(en) != 3 {
		t.Fatalf("%d suggestions after switching to English, want 3", len(en))
	}
	for i, s := range en {
		if !strings.Contains(s.Text, "Confidence ") || strings.Contains(s.Text, "置信度") || s.Pressed != fmt.Sprint(i == 1) ||
			!strings.HasPrefix(s.Reason, "Similarity ") || s.Merge != "Record the call on this case" {
			t.Errorf("English suggestion %d = %+v; want its confidence in English, the second one still picked, the similar case to record the call on", i+1, s)
		}
	}
	if !strings.HasPrefix(en[0].Terms, "Because of: ") {
		t.Errorf("top English suggestion's terms = %q; want them after %q", en[0].Terms, "Because of: ")
	}
	if got := p.eval("status", `document.getElementById('suggest-status').textContent`); !strings.HasPrefix(got, "Click a suggested category") {
		t.Errorf("suggestion status in English = %q", got)
	}
	if us := units("the units in English"); len(us) != 3 || us[0].Name != "Water" || !strings.Contains(us[0].Confidence, "Confidence 55%") ||
		us[0].Code != wantWater || !strings.HasPrefix(us[0].Local, "Unit here: ") || us[0].Terms != "Because of: 下水道, 污水" || us[1].Name != "Street office or township" {
		t.Errorf("units in English %+v", us)
	}
	p.switchLang("zh-CN")
	if got := p.eval("back", `document.querySelector('#suggest-categories .confidence').textContent`); !strings.HasPrefix(got, "置信度 ") {
		t.Errorf("confidence after switching back = %q; want 置信度 …", got)
	}

	p.do("record the call on the similar case", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#suggest-duplicates li[data-case-id=%q] button.merge`, dup))))
	p.wait("the call recorded", fmt.Sprintf(`document.querySelector('#result[data-outcome="merged"][data-case-id=%q]') !== null`, dup))
	hist := agent.history(dup)
	if last := hist[len(hist)-1]; last.Action != "note" || !strings.Contains(last.Note, said) {
		t.Errorf("the similar case's last event = %+v; want the call note", last)
	}
	sugs := reqs.find("POST", "/api/v1/suggest")
	if len(sugs) == 0 {
		t.Fatal("the page never asked for suggestions")
	}
	for _, r := range sugs {
		if r.Status != 200 || r.CSRF == "" {
			t.Errorf("suggest request %+v; want 200 with the CSRF token", r)
		}
	}

	p.do("new call", chromedp.Click(chromedp.CSS(`#new-call`)))
	if got := p.eval("panel after a new call", `String(document.getElementById('suggest').hidden)`); got != "true" {
		t.Errorf("suggestion panel hidden = %s after 新来电, want true", got)
	}
	p.shot("hotline-suggest.png")
	p.noErrors()
}
