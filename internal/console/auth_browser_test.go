package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestSignInInBrowser: a page opened signed out sends the browser to
// signin.html with the way back in ?next=; a wrong password shows the
// server's answer plainly (also in English), the right one lands on the
// page, with who is signed in in its header, and the header's button
// signs out. The rule that keeps ?next= on this site is checked on a
// table of hostile values.
func TestSignInInBrowser(t *testing.T) {
	requireBrowser(t)
	base, reqs := startNode(t)
	dispatcher := signInAPI(t, base, "dispatcher")
	// What the server says for a wrong password, to find on the page.
	status, b := (&apiClient{t: t, base: base, hc: http.DefaultClient}).send(http.MethodPost, "/api/v1/auth/signin",
		`{"login":"dispatcher","password":"not-the-password"}`, false)
	var problem struct{ Type, Detail, Title string }
	if err := json.Unmarshal(b, &problem); err != nil || status != http.StatusUnauthorized || !strings.HasSuffix(problem.Type, "/unauthenticated") {
		t.Fatalf("a wrong password: %d %s; want 401 unauthenticated", status, b)
	}
	said := problem.Detail
	if said == "" {
		said = problem.Title
	}

	p := openPage(t, 1280, 900)
	do, eval, wait := p.do, p.eval, p.wait
	do("open the workbench signed out", chromedp.Navigate(base+"/workbench.html#dispatcher"))
	wait("the sign-in page", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	if got := eval("next", `new URLSearchParams(location.search).get("next")`); got != "/workbench.html#dispatcher" {
		t.Errorf("sent to sign in with next=%q; want /workbench.html#dispatcher", got)
	}

	// The rule that keeps ?next= on this site.
	for _, c := range []struct{ next, want string }{
		{"/workbench.html#handler", "/workbench.html#handler"},
		{"/index.html?area=420102&state=received", "/index.html?area=420102&state=received"},
		{"/%2F%2Fevil.example", "/%2F%2Fevil.example"}, // a path here, not a host
		{"", "/"},
		{"https://evil.example/", "/"},
		{"http://" + strings.TrimPrefix(base, "http://") + "/x", "/"}, // absolute, even to this site
		{"//evil.example/x", "/"},
		{"/\\evil.example", "/"},
		{"/\\/evil.example", "/"},
		{"/.//evil.example", "/"},
		{"/..//evil.example", "/"},
		{"\t//evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"data:text/html,hi", "/"},
		{"http:/evil.example", "/"},
		{"workbench.html", "/"},
		{"/signin.html?next=/workbench.html", "/"},
	} {
		if got := eval("safeNext", "YiwangSignIn.safeNext("+jsString(c.next)+")"); got != c.want {
			t.Errorf("safeNext(%q) = %q; want %q", c.next, got, c.want)
		}
	}

	// A wrong password: the page says so and shows the server's words.
	do("a wrong password",
		chromedp.SendKeys(chromedp.CSS(`#login`), "dispatcher"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "guess-1"),
		chromedp.Click(chromedp.CSS(`#submit`)))
	wait("the refusal", `!document.getElementById('error').hidden && !document.getElementById('submit').disabled`)
	got := eval("refusal", `document.getElementById('error').textContent`)
	if !strings.Contains(got, "账号或密码错误") || !strings.Contains(got, said) {
		t.Errorf("the refusal reads %q; want 账号或密码错误 and the server's %q", got, said)
	}
	if got := eval("password", `document.getElementById('password').value + '|' + document.getElementById('password').getAttribute('aria-invalid') + '|' + location.pathname`); got != "|true|/signin.html" {
		t.Errorf("after a wrong password: password|invalid|path = %q; want it emptied, marked, and still signing in", got)
	}
	do("English", chromedp.Click(chromedp.CSS(`#lang`)))
	if got := eval("English", `document.querySelector('[data-i18n=login]').textContent + '|' + document.getElementById('error').textContent`); !strings.HasPrefix(got, "Login|Wrong login or password.") {
		t.Errorf("in English the form reads %q", got)
	}
	do("中文", chromedp.Click(chromedp.CSS(`#lang`)))
	p.shot("signin-refused.png")

	// The right password lands on the page it came from.
	do("the right password",
		chromedp.SendKeys(chromedp.CSS(`#password`), "demo-dispatcher"),
		chromedp.Click(chromedp.CSS(`#submit`)))
	wait("the workbench", `location.pathname === "/workbench.html" && location.hash === "#dispatcher" && document.body.dataset.user === "dispatcher"`)
	u := dispatcher.me.User
	want := u.Name + "|" + u.UnitName + "|分拨员|退出"
	if got := eval("header", `['session-name', 'session-unit', 'session-roles', 'signout'].map(id => document.getElementById(id).textContent).join('|')`); got != want {
		t.Errorf("the header shows %q; want %q", got, want)
	}
	p.shot("signed-in.png")

	// An absolute ?next= lands on the case list of this site.
	do("sign out", chromedp.Click(chromedp.CSS(`#signout`)))
	wait("signed out", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	if got := reqs.find("POST", "/api/v1/auth/signout"); len(got) != 1 || got[0].Status != http.StatusNoContent || got[0].CSRF == "" {
		t.Errorf("sign-out requests = %+v; want one 204 with the CSRF token", got)
	}
	p.noErrors(expected{401, "/api/v1/auth/me"}, expected{401, "/api/v1/auth/signin"})
}

// TestSignInNextStaysOnSiteInBrowser: signing in from a link whose ?next=
// is an absolute URL elsewhere lands on this site's case list; and after
// repeated wrong passwords the page says the account is locked (423).
func TestSignInNextStaysOnSiteInBrowser(t *testing.T) {
	requireBrowser(t)
	base, reqs := startNode(t)
	p := openPage(t, 1280, 900)
	do, eval, wait := p.do, p.eval, p.wait

	for _, next := range []string{"https://evil.example/steal", "//evil.example/steal"} {
		do("open the sign-in link", chromedp.Navigate(base+"/signin.html?next="+url.QueryEscape(next)))
		wait("the form", `document.body.dataset.ready === "true"`)
		do("sign in",
			chromedp.SendKeys(chromedp.CSS(`#login`), "analyst"),
			chromedp.SendKeys(chromedp.CSS(`#password`), "demo-analyst"),
			chromedp.Click(chromedp.CSS(`#submit`)))
		wait("signed in", `document.body.dataset.user === "analyst"`)
		if got := eval("where", `location.origin + location.pathname`); got != base+"/" {
			t.Errorf("?next=%s landed on %q; want %s/", next, got, base)
		}
		do("sign out", chromedp.Click(chromedp.CSS(`#signout`)))
		wait("signed out", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	}

	// Wrong passwords until the account locks.
	locked := false
	for i := 0; i < 8 && !locked; i++ {
		do("a wrong password",
			chromedp.SetValue(chromedp.CSS(`#login`), "inspector"),
			chromedp.SendKeys(chromedp.CSS(`#password`), fmt.Sprintf("guess-%d", i)),
			chromedp.Click(chromedp.CSS(`#submit`)))
		wait("the refusal", `!document.getElementById('error').hidden && !document.getElementById('submit').disabled`)
		locked = strings.Contains(eval("refusal", `document.getElementById('error').textContent`), "锁定")
	}
	if !locked {
		t.Fatalf("eight wrong passwords and the page never said the account is locked; it says %q", eval("refusal", `document.getElementById('error').textContent`))
	}
	var statuses []int
	for _, r := range reqs.find("POST", "/api/v1/auth/signin") {
		statuses = append(statuses, r.Status)
	}
	if statuses[len(statuses)-1] != http.StatusLocked {
		t.Errorf("sign-in answers %v; want the last 423", statuses)
	}
	p.shot("signin-locked.png")
	p.noErrors(expected{401, "/api/v1/auth/signin"}, expected{423, "/api/v1/auth/signin"})
}

// TestDisabledUserInBrowser: once an administrator disables a user, the
// user's open page is sent to sign in on its next request, and cannot
// sign in again.
func TestDisabledUserInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	admin := signInAPI(t, base, "admin")
	p := openPage(t, 1280, 900)
	p.signIn(base, handlerWuchang, "/workbench.html#handler")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)

	admin.write(http.MethodPatch, "/api/v1/auth/users/"+handlerWuchang, `{"disabled":true}`)
	p.do("refresh", chromedp.Click(chromedp.CSS(`#refresh`)))
	p.wait("the sign-in page", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	if got := p.eval("next", `new URLSearchParams(location.search).get("next")`); got != "/workbench.html#handler" {
		t.Errorf("sent to sign in with next=%q; want /workbench.html#handler", got)
	}
	p.do("sign in again",
		chromedp.SendKeys(chromedp.CSS(`#login`), handlerWuchang),
		chromedp.SendKeys(chromedp.CSS(`#password`), "demo-"+handlerWuchang),
		chromedp.Click(chromedp.CSS(`#submit`)))
	p.wait("the refusal", `!document.getElementById('error').hidden && !document.getElementById('submit').disabled`)
	if got := p.eval("where", `location.pathname`); got != "/signin.html" {
		t.Errorf("a disabled user signed in and went to %s", got)
	}
	p.shot("disabled.png")
	p.noErrors(expected{401, "/api/v1/"}, expected{423, "/api/v1/auth/signin"}, expected{403, "/api/v1/auth/signin"})
}

// TestCaseTextIsTextInBrowser: a case whose every free-text field — title,
// description, address, reporter name, a note — carries markup shows it
// as text in the workbench and in the case list: no element is made and
// nothing runs (the CSP would log an error, which fails the test too).
func TestCaseTextIsTextInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	agent, dispatcher := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher")
	payload := map[string]string{
		"title":       `<img src=x onerror="document.body.dataset.pwned='title'">标题 & "quotes"`,
		"description": `<script>document.body.dataset.pwned='description'</script>描述 <b>粗体</b>`,
		"address":     `<svg onload="document.body.dataset.pwned='address'"></svg>地址 1 号`,
		"name":        `<iframe src="javascript:parent.document.body.dataset.pwned='name'"></iframe>王先生`,
		"note":        `<a href="javascript:document.body.dataset.pwned='note'">备注</a><style>body{display:none}</style>`,
	}
	body, _ := json.Marshal(map[string]any{
		"title": payload["title"], "description": payload["description"], "category": "01",
		"location": map[string]any{"address": payload["address"]},
		"reporter": map[string]any{"phone": "13800138000", "name": payload["name"]},
	})
	id := agent.postJSON("/api/v1/hotline/cases", string(body))
	note, _ := json.Marshal(map[string]any{"action": "note", "note": payload["note"]})
	dispatcher.postJSON("/api/v1/cases/"+id+"/transitions", string(note))

	p := openPage(t, 1280, 1000)
	injected := `String(document.querySelectorAll('#detail img, #detail script, #detail svg, #detail iframe, #detail b, #detail a, #detail style, #rows img').length) + (document.body.dataset.pwned || '')`
	check := func(where string) {
		t.Helper()
		fields := p.eval(where, `JSON.stringify({
			title: document.querySelector('#detail h2').textContent,
			description: document.querySelector('#detail pre').textContent,
			address: [...document.querySelectorAll('#detail dt')].find(e => e.textContent === '地址').nextElementSibling.textContent,
			name: [...document.querySelectorAll('#detail dt')].find(e => e.textContent === '反映人').nextElementSibling.textContent,
			history: document.querySelector('#detail ol').textContent })`)
		var got map[string]string
		if err := json.Unmarshal([]byte(fields), &got); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		for _, k := range []string{"title", "description", "address", "name"} {
			if got[k] != payload[k] {
				t.Errorf("%s shows the %s as %q; want the text %q", where, k, got[k], payload[k])
			}
		}
		if !strings.Contains(got["history"], payload["note"]) {
			t.Errorf("%s shows the history as %q; want the note %q in it as text", where, got["history"], payload["note"])
		}
		if n := p.eval("injected", injected); n != "0" {
			t.Errorf("%s: the markup made elements or ran (count+flag %q)", where, n)
		}
	}

	p.signIn(base, "dispatcher", "/workbench.html?case="+id)
	p.wait("the case", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] ol.timeline li') !== null`, id))
	p.msgs.probe(t, p.ctx)
	check("the workbench")
	p.shot("xss-workbench.png")

	p.do("open the case list", chromedp.Navigate(base+"/index.html"))
	p.wait("the case in the list", fmt.Sprintf(`[...document.querySelectorAll('#rows tr')].some(r => r.firstChild.textContent === %q)`, id))
	p.wait("the row", fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('#rows tr')].find(r => r.firstChild.textContent === %q); if (!r) return false; r.click(); return true; })()`, id))
	p.wait("the detail", `!document.getElementById('detail').hidden && document.querySelector('#detail ol') !== null`)
	check("the case list")
	p.shot("xss-cases.png")
	p.noErrors()
}

// TestCSRFInBrowser: with the session cookie, a POST without the
// X-CSRF-Token header is refused (403, problem type …/csrf) — from the
// browser (XMLHttpRequest, which console.js does not touch) and over
// HTTP — and changes nothing; the page's own requests carry the token and
// go through, also after a new sign-in replaced the token they had.
func TestCSRFInBrowser(t *testing.T) {
	requireBrowser(t)
	base, reqs := startNode(t)
	agent, dispatcher := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher")
	id := agent.manualCase("CSRF 检查")
	path := "/api/v1/cases/" + id + "/transitions"

	status, b := dispatcher.send(http.MethodPost, path, `{"action":"note","note":"over HTTP without the token"}`, false)
	if status != http.StatusForbidden || !strings.Contains(string(b), "/csrf") {
		t.Errorf("POST with the cookie and no token over HTTP: %d %s; want 403 csrf", status, b)
	}

	p := openPage(t, 1280, 900)
	p.signIn(base, "dispatcher", "/workbench.html?case="+id)
	p.wait("the case", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q]') !== null`, id))
	p.msgs.probe(t, p.ctx)
	xhr := fmt.Sprintf(`new Promise((resolve) => { const x = new XMLHttpRequest(); x.open("POST", %q);
		x.setRequestHeader("Content-Type", "application/json");
		x.onload = () => resolve(x.status + "|" + x.responseText);
		x.onerror = () => resolve("error");
		x.send(JSON.stringify({ action: "note", note: "from the browser without the token" })); })`, path)
	got := p.evalAsync("a POST without the token", xhr)
	if !strings.HasPrefix(got, "403|") || !strings.Contains(got, "/csrf") {
		t.Errorf("the browser's POST with the cookie and no token: %q; want 403 csrf", got)
	}
	withToken := fmt.Sprintf(`fetch(%q, { method: "POST", headers: { "Content-Type": "application/json" },
		body: JSON.stringify({ action: "note", note: "from the page with the token" }) }).then((r) => String(r.status))`, path)
	if got := p.evalAsync("the page's POST", withToken); got != "200" && got != "201" {
		t.Errorf("the page's own POST answered %s; want it to go through", got)
	}
	// Signing in again (as in another tab) gives a new session and token:
	// the page's next POST, with the token it had, is refused once, and
	// console.js fetches the new token and sends it again.
	again := `fetch("/api/v1/auth/signin", { method: "POST", headers: { "Content-Type": "application/json" },
		body: JSON.stringify({ login: "dispatcher", password: "demo-dispatcher" }) }).then((r) => String(r.status))`
	if got := p.evalAsync("sign in again", again); got != "200" {
		t.Fatalf("signing in again from the page answered %s", got)
	}
	stale := strings.Replace(withToken, "from the page with the token", "from the page after signing in again, token", 1)
	if got := p.evalAsync("the page's POST with a stale token", stale); got != "200" && got != "201" {
		t.Errorf("the page's POST after signing in again answered %s; want it to go through with the new token", got)
	}

	var notes []string
	for _, e := range dispatcher.history(id) {
		if e.Action == "note" && strings.Contains(e.Note, "token") {
			notes = append(notes, e.Note)
		}
	}
	if strings.Join(notes, ",") != "from the page with the token,from the page after signing in again, token" {
		t.Errorf("notes on the case = %q; want only the page's two", notes)
	}
	var refused, stales, passed int
	for _, r := range reqs.find("POST", path) {
		switch {
		case r.CSRF == "" && r.Status == http.StatusForbidden:
			refused++
		case r.CSRF != "" && r.Status == http.StatusForbidden:
			stales++
		case r.CSRF != "" && r.Status/100 == 2:
			passed++
		default:
			t.Errorf("POST %s with token %q answered %d", path, r.CSRF, r.Status)
		}
	}
	if refused != 2 || stales != 1 || passed != 2 {
		t.Errorf("POSTs: %d refused without the token, %d with the stale one, %d passed; want 2, 1 and 2", refused, stales, passed)
	}
	p.shot("csrf.png")
	p.noErrors(expected{403, path})
}

// TestPagesFollowRolesInBrowser: the pages show what the signed-in user's
// roles may use — an analyst has no workbench view and no links to the
// workbench or the hotline form; a handler on the hotline form is told it
// is the agents' and gets no buttons to take a call. (The server decides;
// the pages only follow.)
func TestPagesFollowRolesInBrowser(t *testing.T) {
	requireBrowser(t)
	base, _ := startNode(t)
	p := openPage(t, 1280, 900)
	visible := func(sel string) string {
		return p.eval("visible "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e === null ? "missing" : String(!e.hidden && e.offsetParent !== null); })()`, sel))
	}

	p.signIn(base, "analyst", "/workbench.html")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	if got := p.eval("tabs", `[...document.querySelectorAll('.tabs button[data-tab]')].filter(b => !b.hidden).length + '|' + document.getElementById('no-views').hidden`); got != "0|false" {
		t.Errorf("an analyst's workbench: visible tabs|note hidden = %q; want no tab and the note", got)
	}
	p.do("the case list", chromedp.Navigate(base+"/"))
	p.wait("signed in", `document.body.dataset.user === "analyst"`)
	for sel, want := range map[string]string{`nav a[href="hotline.html"]`: "false", `nav a[href="workbench.html"]`: "false", `nav a[href="screen.html"]`: "true"} {
		if got := visible(sel); got != want {
			t.Errorf("an analyst sees %s: %s; want %s", sel, got, want)
		}
	}
	p.shot("analyst.png")

	p.do("sign out", chromedp.Click(chromedp.CSS(`#signout`)))
	p.wait("signed out", `location.pathname === "/signin.html" && document.body.dataset.ready === "true"`)
	p.signIn(base, handlerJiangan, "/hotline.html")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	for sel, want := range map[string]string{`.role-note`: "true", `#call-form .actions`: "false"} {
		if got := visible(sel); got != want {
			t.Errorf("a handler on the hotline form sees %s: %s; want %s", sel, got, want)
		}
	}
	if got := p.eval("roles", `document.getElementById('session-roles').textContent`); got != "承办人" {
		t.Errorf("the header shows the roles %q; want 承办人", got)
	}
	p.shot("handler-hotline.png")
	p.noErrors()
}
