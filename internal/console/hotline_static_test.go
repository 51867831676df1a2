package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"yiwang/internal/console"
)

// TestHotlinePageStatic checks, without a browser, what the CSP and the
// textContent rule demand of the hotline page: served with the policy, no
// inline script or style, and no HTML-parsing sinks in its script.
func TestHotlinePageStatic(t *testing.T) {
	h := console.Handler()
	get := func(path string) (string, http.Header) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", path, rec.Code)
		}
		b, _ := io.ReadAll(rec.Body)
		return string(b), rec.Header()
	}
	page, hdr := get("/hotline.html")
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	for _, want := range []string{`<script src="hotline.js"></script>`, `href="hotline.css"`, `href="console.css"`, `lang="zh-CN"`} {
		if !strings.Contains(page, want) {
			t.Errorf("hotline.html lacks %s", want)
		}
	}
	if regexp.MustCompile(`<script[^>]*>[^<]+</script>|<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Error("hotline.html has an inline script, style or event handler, which the CSP forbids")
	}
	js, _ := get("/hotline.js")
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, sink) {
			t.Errorf("hotline.js uses %s; API text must go in with textContent", sink)
		}
	}
	get("/hotline.css")
}
