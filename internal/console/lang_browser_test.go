package console_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// chineseInChrome is a JavaScript function: given selectors, it lists the
// pieces of the page's own text (element text and the placeholder, title
// and aria-label attributes) that still hold Chinese characters or
// full-width punctuation. Text from the API is left out: the pages put it
// in elements of class "data", and the header's user name and unit are
// the user's. The brand (一网 Yiwang) is bilingual by design, and the
// language switch names the other language (中文).
const chineseInChrome = `((...sels) => {
  const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
  const bad = [];
  for (const sel of sels) for (const root of document.querySelectorAll(sel)) {
    if (root.hidden) continue;
    const c = root.cloneNode(true);
    for (const e of c.querySelectorAll(".data, #session-name, #session-unit, #lang-switch, h1, [hidden]")) e.remove();
    for (const e of [c, ...c.querySelectorAll("*")]) {
      for (const a of ["placeholder", "title", "aria-label"]) {
        if (cjk.test(e.getAttribute(a) || "")) bad.push(e.tagName + "[" + a + "]: " + e.getAttribute(a));
      }
      for (const n of e.childNodes) {
        if (n.nodeType === Node.TEXT_NODE && cjk.test(n.textContent)) bad.push(e.tagName + (e.id ? "#" + e.id : "") + ": " + n.textContent.trim());
      }
    }
  }
  return JSON.stringify(bad);
})`

// noChinese fails the test when the page's own text in the elements the
// selectors find still holds Chinese.
func (p *page) noChinese(when string, sels ...string) {
	p.t.Helper()
	args, _ := json.Marshal(sels)
	var bad []string
	if err := json.Unmarshal([]byte(p.eval("Chinese left "+when, chineseInChrome+"(..."+string(args)+")")), &bad); err != nil {
		p.t.Fatal(err)
	}
	if len(bad) > 0 {
		p.t.Errorf("%s, Chinese is left in the page's own text:\n\t%s", when, strings.Join(bad, "\n\t"))
	}
}

// texts lists the trimmed text of every element the selector finds.
func (p *page) texts(selector string) []string {
	p.t.Helper()
	var out []string
	js := fmt.Sprintf(`JSON.stringify([...document.querySelectorAll(%q)].map((e) => e.textContent.trim()))`, selector)
	if err := json.Unmarshal([]byte(p.eval(selector, js)), &out); err != nil {
		p.t.Fatal(err)
	}
	return out
}

// switchLang clicks the header's language button and waits for the page
// to be in the language wanted ("en" or "zh-CN").
func (p *page) switchLang(want string) {
	p.t.Helper()
	p.clickCurrent("the language switch", `#lang-switch`)
	p.wait("the page in "+want, fmt.Sprintf(`document.documentElement.lang === %q`, want))
}

// TestHotlineEnglishInBrowser switches hotline.html to English with the
// header's button: the form, the caller's earlier cases, the suggestion
// panel, a validation message and the result are English (the cases' own
// titles and names stay as written), a new case is created from the
// English form, the choice survives a reload, and switching back brings
// the Chinese again.
func TestHotlineEnglishInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent := signInAPI(t, base, "agent")
	prior := agent.seedCase("13800138000", "路灯不亮", 30.5431, 114.3160)

	p := openPage(t, 1280, 900)
	p.signIn(base, "agent", "/hotline.html")
	p.wait("categories", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	if got := p.eval("default", `document.getElementById('lang-switch').textContent + '|' + document.querySelector('legend').textContent`); got != "English|来电人" {
		t.Errorf("before the switch, button|first legend = %q; want Chinese first (English|来电人)", got)
	}

	p.switchLang("en")
	if got := p.eval("stored", `localStorage.getItem("yiwang.lang")`); got != "en" {
		t.Errorf("yiwang.lang = %q after the switch, want en", got)
	}
	p.do("type the caller and the place",
		chromedp.SendKeys(chromedp.CSS(`input[name=phone]`), "13800138000"),
		chromedp.SendKeys(chromedp.CSS(`input[name=lat]`), "30.5431"),
		chromedp.SendKeys(chromedp.CSS(`input[name=lon]`), "114.3160"))
	p.wait("the caller's earlier case", fmt.Sprintf(`document.querySelector('#phone-cases li[data-case-id=%q]') !== null &&
		document.querySelector('#nearby-cases li[data-case-id=%q]') !== null`, prior, prior))

	for _, tc := range []struct{ what, js, want string }{
		{"legends", `[...document.querySelectorAll('legend')].map((e) => e.textContent).join('|')`, "Caller|Request|Location"},
		{"labels", `[...document.querySelectorAll('#call-form label > span')].map((e) => e.textContent).join('|')`,
			"Caller's phone number|Name|Title|What the caller says|Filter categories|Category|Urgency|Address|Latitude|Longitude"},
		{"inputs kept", `String(document.querySelectorAll('#call-form input, #call-form select, #call-form textarea').length)`, "10"},
		{"urgency", `[...document.querySelectorAll('select[name=severity] option')].map((e) => e.textContent).join('|')`, "Normal|Urgent|Critical"},
		{"buttons", `document.getElementById('submit').textContent + '|' + document.getElementById('new-call').textContent`, "Accept and dispatch|New call (clear the form)"},
		{"placeholder", `document.querySelector('input[name=phone]').placeholder`, "e.g. 138 0013 8000"},
		{"headings", `[...document.querySelectorAll('#context h2, #context h3')].map((e) => e.textContent).join('|')`, "About this call|Caller's earlier cases|Open cases nearby"},
		{"record on the case", fmt.Sprintf(`document.querySelector('#phone-cases li[data-case-id=%q] button.merge').textContent`, prior), "Record the call on this case"},
		{"case title as written", fmt.Sprintf(`document.querySelector('#phone-cases li[data-case-id=%q] .case-title').textContent`, prior), "路灯不亮"},
		{"header", `document.getElementById('lang-switch').textContent + '|' + document.getElementById('session-roles').textContent + '|' + document.getElementById('signout').textContent`, "中文|12345 agent|Sign out"},
		{"title", `document.title`, "Yiwang · 12345 hotline intake"},
	} {
		if got := p.eval(tc.what, tc.js); got != tc.want {
			t.Errorf("in English, %s = %q; want %q", tc.what, got, tc.want)
		}
	}
	if got := p.eval("status", `document.getElementById('context-status').textContent`); !strings.HasPrefix(got, "Caller's earlier cases: 1") {
		t.Errorf("context status = %q; want the counts in English", got)
	}

	// A validation message, in English, and again after a switch there and back.
	p.do("submit without a title", chromedp.Click(chromedp.CSS(`#submit`)))
	p.wait("the error", `!document.getElementById('form-error').hidden`)
	if got := p.eval("error", `document.getElementById('form-error').textContent`); got != "Fill in the title" {
		t.Errorf("error without a title = %q; want %q", got, "Fill in the title")
	}
	p.switchLang("zh-CN")
	if got := p.eval("error", `document.getElementById('form-error').textContent + '|' + document.querySelector('#phone-cases button.merge').textContent`); got != "请填写标题|并入此案件" {
		t.Errorf("after switching back, error|merge button = %q; want 请填写标题|并入此案件", got)
	}
	p.switchLang("en")

	// The call recorded on the earlier case, in English.
	p.do("what the caller says", chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), "路灯还是不亮"))
	p.clickCurrent("record the call", fmt.Sprintf(`#phone-cases li[data-case-id=%q] button.merge`, prior))
	p.wait("the call recorded", fmt.Sprintf(`document.querySelector('#result[data-outcome="merged"][data-case-id=%q]') !== null`, prior))
	if got := p.eval("merged", `document.querySelector('#result h2').textContent + '|' + document.querySelector('#result h3').textContent`); got != "Call recorded on the case|Call record" {
		t.Errorf("after recording the call, heading|first subheading = %q", got)
	}
	p.noChinese("after recording the call", "header", "#call-form", "aside")
	p.eval("clear what the caller said", `(() => { document.querySelector('textarea[name=description]').value = ""; return ""; })()`)

	// The suggestion panel (no model on this node: it says so) and a new case.
	cat := pickCategory(t, agent)
	p.do("fill the call",
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "小区门口路灯不亮"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), "已经一周了"),
		chromedp.SendKeys(chromedp.CSS(`input[name=category_filter]`), cat.query),
		chromedp.SendKeys(chromedp.CSS(`input[name=address]`), "武昌区中南路 1 号"))
	p.wait("the suggestion panel answered", `!document.getElementById('suggest').hidden && !/…$/.test(document.getElementById('suggest-status').textContent)`)
	if got := p.eval("suggest", `document.querySelector('#suggest h2').textContent + '|' + document.querySelector('#suggest h3').textContent`); got != "Suggested categories and possible duplicates|Open cases that may be the same request" {
		t.Errorf("suggestion panel headings = %q", got)
	}
	if got := p.eval("category", `document.querySelector('select[name=category]').value`); got != cat.code {
		t.Fatalf("typing %q selected category %q, want %q", cat.query, got, cat.code)
	}
	p.noChinese("with the form filled in English", "header", "#call-form", "aside")

	p.do("accept the call", chromedp.Click(chromedp.CSS(`#submit`)))
	p.wait("the new case", `document.querySelector('#result[data-outcome="created"]') !== null`)
	id := p.eval("new case id", `document.getElementById('result-case-id').textContent`)
	if c := agent.caseOf(id); c.ID != id || c.Title != "小区门口路灯不亮" {
		t.Fatalf("the case the English form created = %+v (id %q)", c, id)
	}
	if got := p.eval("result", `document.querySelector('#result h2').textContent + '|' + [...document.querySelectorAll('#result dt')].map((e) => e.textContent).join('|')`); got != "Call accepted: new case|Case number|State|Handling unit|Category|Urgency" {
		t.Errorf("result = %q", got)
	}
	if got := p.eval("deadlines", `document.querySelector('#result h3').textContent + '|' + document.querySelector('#result ul.clocks li').textContent`); !strings.HasPrefix(got, "Deadlines|") || !strings.Contains(got, " by: ") {
		t.Errorf("result deadlines = %q; want them in English", got)
	}
	p.noChinese("after the case was created", "header", "#call-form", "aside")
	p.shot("hotline-en.png")

	// The choice survives a reload.
	p.do("reload", chromedp.Reload())
	p.wait("categories after the reload", `document.body.dataset.ready === "true" && document.getElementById('lang-switch') !== null`)
	if got := p.eval("after reload", `document.documentElement.lang + '|' + document.querySelector('legend').textContent + '|' + document.querySelector('select[name=category] option').textContent`); got != "en|Caller|(choose a category)" {
		t.Errorf("after a reload, lang|legend|first option = %q; want English kept", got)
	}
	p.noChinese("after a reload", "header", "#call-form", "aside")

	// And back to Chinese.
	p.switchLang("zh-CN")
	if got := p.eval("back", `document.querySelector('legend').textContent + '|' + document.getElementById('submit').textContent + '|' + document.querySelector('#context h2').textContent + '|' + document.getElementById('context-status').textContent + '|' + localStorage.getItem('yiwang.lang')`); got != "来电人|受理并派单|来电参考|输入来电号码或地点后，这里显示来电人的历史案件和附近未办结的案件。|zh" {
		t.Errorf("after switching back = %q; want the Chinese", got)
	}
	p.shot("hotline-zh-again.png")
	p.noErrors()
}

// TestCasesEnglishInBrowser switches the case list (index.html) to
// English: filters, column heads, states, channels and the open case's
// details are English, the cases' own titles and units stay as written,
// and switching back brings the Chinese again.
func TestCasesEnglishInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent := signInAPI(t, base, "agent")
	id := agent.seedCase("13800138000", "路灯不亮", 30.5431, 114.3160)
	state := agent.caseOf(id).State
	english := map[string]string{"received": "Received", "dispatched": "Dispatched"}[state]
	if english == "" {
		t.Fatalf("the seeded case is %s; the test expects received or dispatched", state)
	}

	p := openPage(t, 1280, 900)
	p.signIn(base, "admin", "/")
	row := fmt.Sprintf(`#rows tr[data-case-id=%q]`, id)
	p.wait("the case listed", fmt.Sprintf(`document.querySelector(%q) !== null && document.getElementById('lang-switch') !== null`, row))
	p.msgs.probe(t, p.ctx)
	if got := strings.Join(p.texts("thead th"), "|"); got != "编号|标题|状态|渠道|承办单位|受理时间" {
		t.Errorf("column heads before the switch = %q; want Chinese first", got)
	}

	p.switchLang("en")
	p.clickCurrent("open the case", row)
	p.wait("the case open", `!document.getElementById('detail').hidden && document.querySelector('#detail dl') !== null`)
	for _, tc := range []struct{ what, js, want string }{
		{"heads", `[...document.querySelectorAll('thead th')].map((e) => e.textContent).join('|')`, "Case number|Title|State|Channel|Handling unit|Received at"},
		{"filters", `document.querySelector('select[name=state] option').textContent + '|' + document.querySelector('select[name=state]').getAttribute('aria-label') + '|' + document.querySelector('input[name=q]').placeholder + '|' + document.querySelector('#filters button').textContent`, "All states|State|Search titles and descriptions|Search"},
		{"row", fmt.Sprintf(`[...document.querySelectorAll('%s td')].slice(1, 4).map((e) => e.textContent).join('|')`, row), "路灯不亮|" + english + "|12345 hotline"},
		{"nav", `[...document.querySelectorAll('nav.pages a')].map((e) => e.textContent).join('|')`, "Situation screen|12345 hotline intake|Workbench"},
		{"detail", `[...document.querySelectorAll('#detail dt')].map((e) => e.textContent).join('|') + '|' + [...document.querySelectorAll('#detail h3')].map((e) => e.textContent).join('|')`,
			"Category|Channel|Urgency|Handling unit|Area|Address|Reported by|Reporter's phone|Deadlines|History"},
	} {
		if got := p.eval(tc.what, tc.js); got != tc.want {
			t.Errorf("in English, %s = %q; want %q", tc.what, got, tc.want)
		}
	}
	p.noChinese("on the English case list", "header", "#list", "#detail")
	p.shot("cases-en.png")

	p.switchLang("zh-CN")
	if got := p.eval("back", fmt.Sprintf(`document.querySelector('thead th').textContent + '|' + document.querySelector('%s td:nth-child(3)').textContent + '|' + document.querySelector('#detail h3:last-of-type').textContent`, row)); got != "编号|"+map[string]string{"received": "受理", "dispatched": "派单"}[state]+"|办理过程" {
		t.Errorf("after switching back = %q; want the Chinese", got)
	}
	p.noErrors()
}
