package console_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

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
