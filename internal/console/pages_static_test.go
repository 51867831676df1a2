package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"yiwang/internal/console"
)

// TestPagesStatic checks, without a browser, what every page owes the CSP,
// the textContent rule and sign-in: no inline script, style or event
// handler; no HTML-parsing sink in any script; every signed-in page loads
// the shared console.js (the session, the CSRF token, the header) before
// its own script, and the sign-in page does not (it needs no session).
func TestPagesStatic(t *testing.T) {
	h := console.Handler()
	get := func(path string) (string, http.Header) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		return rec.Body.String(), rec.Header()
	}
	inline := regexp.MustCompile(`<script[^>]*>[^<]+</script>|<style|\sstyle=|\son[a-z]+=`)
	for _, tc := range []struct {
		page, script string
		shared       bool
	}{
		{"/", "cases.js", true}, // index.html
		{"/screen.html", "screen.js", true},
		{"/workbench.html", "workbench.js", true},
		{"/hotline.html", "hotline.js", true},
		{"/signin.html", "signin.js", false},
	} {
		page, hdr := get(tc.page)
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP = %q", tc.page, csp)
		}
		if inline.MatchString(page) {
			t.Errorf("%s has an inline script, style or event handler, which the CSP forbids", tc.page)
		}
		own := `<script src="` + tc.script + `"></script>`
		shared := `<script src="console.js"></script>`
		switch {
		case !strings.Contains(page, own):
			t.Errorf("%s does not load %s", tc.page, tc.script)
		case tc.shared && !strings.Contains(page, shared+"\n"+own):
			t.Errorf("%s does not load console.js just before %s", tc.page, tc.script)
		case !tc.shared && strings.Contains(page, shared):
			t.Errorf("%s loads console.js, which would send it to sign in", tc.page)
		}
		if !strings.Contains(page, `lang="zh-CN"`) {
			t.Errorf("%s is not marked Chinese first", tc.page)
		}
	}
	for _, js := range []string{"/console.js", "/cases.js", "/screen.js", "/workbench.js", "/hotline.js", "/signin.js"} {
		src, _ := get(js)
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(src, sink) {
				t.Errorf("%s uses %s; API text must go in with textContent", js, sink)
			}
		}
	}
	// Every page's stylesheets are served (the hotline form also uses the
	// shared console.css).
	if page, _ := get("/hotline.html"); !strings.Contains(page, `href="hotline.css"`) || !strings.Contains(page, `href="console.css"`) {
		t.Error("hotline.html does not link hotline.css and console.css")
	}
	for _, css := range []string{"/signin.css", "/hotline.css", "/console.css", "/screen.css", "/workbench.css"} {
		get(css)
	}
	// Pages no longer ask who is acting: the server records the principal.
	for _, p := range []string{"/workbench.html", "/hotline.html"} {
		if page, _ := get(p); strings.Contains(page, `name="actor"`) {
			t.Errorf("%s still asks for an actor", p)
		}
	}
}

// TestPagesStaticBilingual checks that the 12345 form and the case list cannot
// gain Chinese-only text: every piece of Chinese text in hotline.html and
// index.html is inside an element marked data-en (console.js swaps its
// text), every Chinese placeholder, title or aria-label has its
// data-en-* twin, and no element marked data-en holds other elements
// (swapping its text would delete them: a label's text goes in a span).
func TestPagesStaticBilingual(t *testing.T) {
	h := console.Handler()
	for _, path := range []string{"/hotline.html", "/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		marked, problems := bilingual(rec.Body.String())
		for _, p := range problems {
			t.Errorf("%s: %s", path, p)
		}
		if marked < 10 {
			t.Errorf("%s: only %d elements carry data-en; the check found too little to be checking the page", path, marked)
		}
	}
}

// TestStaticBilingualCheck shows that the check above finds what it is for.
func TestStaticBilingualCheck(t *testing.T) {
	for _, tc := range []struct {
		name, html string
		problems   int
	}{
		{"marked", `<p data-en="Caller">来电人</p>`, 0},
		{"inside a marked element", `<button data-en="Search">查询</button>`, 0},
		{"label text in a span", `<label><span data-en="Name">姓名</span> <input name="n" placeholder="可不填" data-en-placeholder="optional"></label>`, 0},
		{"English only", `<p>12345 · Yiwang</p><input placeholder="e.g. 1">`, 0},
		{"brand", `<h1>一网 <small>Yiwang</small></h1>`, 0},
		{"unmarked text", `<p>来电人</p>`, 1},
		{"unmarked option", `<select><option value="a" data-en="A">甲</option><option value="b">乙</option></select>`, 1},
		{"unmarked placeholder", `<input name="n" placeholder="可不填">`, 1},
		{"unmarked aria-label", `<select aria-label="状态" data-en-placeholder="x"></select>`, 1},
		{"label around its input", `<label data-en="Name">姓名 <input name="n"></label>`, 1},
		{"Chinese English", `<p data-en="来电人">来电人</p>`, 1},
		{"unmarked title", `<title>一网 · 案件</title>`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := bilingual(tc.html); len(got) != tc.problems {
				t.Errorf("bilingual(%s) = %q; want %d problems", tc.html, got, tc.problems)
			}
		})
	}
}

var (
	htmlToken = regexp.MustCompile(`(?s)<!--.*?-->|<![^>]*>|</([a-zA-Z0-9]+)\s*>|<([a-zA-Z0-9]+)((?:\s+[^\s=>/]+(?:=(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*/?>|[^<]+`)
	htmlAttr  = regexp.MustCompile(`([^\s=]+)(?:=("[^"]*"|'[^']*'|[^\s>"']+))?`)
	voidTags  = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
		"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}
)

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// bilingual walks a page's markup (the console's own, well-formed pages:
// scripts are external, no inline style) and lists the Chinese it finds
// without an English twin, with the number of elements marked data-en.
// The brand 一网 in the h1 is bilingual as it stands (一网 Yiwang).
func bilingual(page string) (marked int, problems []string) {
	type frame struct {
		tag        string
		en, inside bool // marked data-en; it or an ancestor is
	}
	var stack []frame
	top := func() frame {
		if len(stack) == 0 {
			return frame{}
		}
		return stack[len(stack)-1]
	}
	for _, m := range htmlToken.FindAllStringSubmatch(page, -1) {
		switch {
		case strings.HasPrefix(m[0], "<!"):
		case m[1] != "": // an end tag: close up to its element
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].tag == strings.ToLower(m[1]) {
					stack = stack[:i]
					break
				}
			}
		case m[2] != "": // a start tag
			tag := strings.ToLower(m[2])
			attrs := map[string]string{}
			for _, a := range htmlAttr.FindAllStringSubmatch(m[3], -1) {
				attrs[strings.ToLower(a[1])] = strings.Trim(a[2], `"'`)
			}
			if top().en {
				problems = append(problems, fmt.Sprintf("<%s> is inside <%s data-en>, whose text the switch replaces (put the text in a span)", tag, top().tag))
			}
			en, ok := attrs["data-en"]
			if ok {
				marked++
				if en == "" || hasHan(en) {
					problems = append(problems, fmt.Sprintf("<%s data-en=%q>: the English is empty or Chinese", tag, en))
				}
			}
			for _, a := range []string{"placeholder", "title", "aria-label"} {
				if v := attrs[a]; hasHan(v) {
					if e := attrs["data-en-"+a]; e == "" || hasHan(e) {
						problems = append(problems, fmt.Sprintf("<%s %s=%q> has no English data-en-%s", tag, a, v, a))
					}
				}
			}
			if !voidTags[tag] && !strings.HasSuffix(m[0], "/>") {
				stack = append(stack, frame{tag: tag, en: ok, inside: ok || top().inside})
			}
		default: // text
			text := strings.TrimSpace(m[0])
			if !hasHan(text) || top().inside || top().tag == "script" || top().tag == "style" {
				continue
			}
			if top().tag == "h1" && text == "一网" {
				continue
			}
			problems = append(problems, fmt.Sprintf("%q in <%s> is Chinese only: mark the element data-en=\"English\"", text, top().tag))
		}
	}
	return marked, problems
}
