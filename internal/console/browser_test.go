package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yiwang/internal/auth"
	"yiwang/internal/platform"
)

// The console's browser tests share this harness: Debian's Chromium with a
// fresh profile, the page's console collected (any error fails a test),
// and small helpers that fail the test with what the console said.

const chromiumPath = "/usr/bin/chromium"

// requireBrowser skips the test when Chromium is missing, or fails it when
// YIWANG_REQUIRE_BROWSER=1 (as in CI).
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("YIWANG_REQUIRE_BROWSER") == "1" {
			t.Fatalf("YIWANG_REQUIRE_BROWSER=1 but %s is missing: %v", chromiumPath, err)
		}
		t.Skipf("skipping the browser test: %s is missing (apt-get install chromium; set YIWANG_REQUIRE_BROWSER=1 to make this a failure)", chromiumPath)
	}
}

// page drives one browser tab.
type page struct {
	t       *testing.T
	ctx     context.Context
	msgs    *consoleLog
	timeout time.Duration
}

// openPage starts a browser with a window of the given size.
func openPage(t *testing.T, width, height int) *page {
	t.Helper()
	ctx, msgs := startBrowser(t, width, height)
	// Generous: the machines that run these are shared and often loaded.
	return &page{t: t, ctx: ctx, msgs: msgs, timeout: 30 * time.Second}
}

// do runs steps, failing the test with the console so far.
func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\nconsole: %v", what, err, p.msgs.all())
	}
}

// eval evaluates a JavaScript expression that yields a string.
func (p *page) eval(what, js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// evalAsync evaluates a JavaScript expression that yields a promise of a
// string, and waits for it.
func (p *page) evalAsync(what, js string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// wait polls a JavaScript predicate until it is true. A navigation
// (signing in, being sent to sign in) ends a poll in the old document;
// the poll starts again in the new one, within the same timeout.
func (p *page) wait(what, predicate string) {
	p.t.Helper()
	deadline := time.Now().Add(p.timeout)
	for {
		_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](predicate,
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if !navigated(err) || time.Now().After(deadline) {
			where, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href + " (signed in: " + (document.body.dataset.user || "nobody") + ")"`))
			p.t.Fatalf("waiting for %s: %v\npage: %s\nconsole: %v", what, err, where, p.msgs.all())
		}
	}
}

// navigated reports whether err says the page's document went away.
func navigated(err error) bool {
	s := err.Error()
	return strings.Contains(s, "navigated or closed") || strings.Contains(s, "Execution context was destroyed") ||
		strings.Contains(s, "Cannot find context")
}

// clickCurrent clicks the element the selector finds at the moment it is
// found: lists re-render when their data arrives, so a node looked up
// earlier may already be gone.
func (p *page) clickCurrent(what, selector string) {
	p.t.Helper()
	p.wait(what, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true; })()`, selector))
}

// consoleLog collects what the page writes to its console.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *consoleLog) add(m chromedp.ConsoleMessage) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *consoleLog) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		out = append(out, m.String())
	}
	return out
}

// errors lists console errors and exceptions (browser log entries of
// level error included: a CSP violation or a failed load shows there).
func (c *consoleLog) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, fmt.Sprintf("%s (%s:%d:%d)%s", m, m.URL, m.Line, m.Column, stack(m)))
		}
	}
	return out
}

// stack is an exception's stack, one frame a line, for the failure
// message ("" when there is none).
func stack(m chromedp.ConsoleMessage) string {
	if m.Stack == nil {
		return ""
	}
	var b strings.Builder
	for _, f := range m.Stack.CallFrames {
		fmt.Fprintf(&b, "\n\t\tat %s (%s:%d:%d)", f.FunctionName, f.URL, f.LineNumber, f.ColumnNumber)
	}
	return b.String()
}

// probe writes a console message from the page and waits until the
// listener has it, so "no errors" means the listener was listening.
func (c *consoleLog) probe(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`console.info("hotline-test-probe")`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tick := time.NewTicker(20 * time.Millisecond); ; <-tick.C {
		for _, m := range c.all() {
			if strings.Contains(m, "hotline-test-probe") {
				tick.Stop()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the console listener never saw the probe message")
		}
	}
}

// startBrowser starts headless Chromium with a fresh profile and collects
// its console.
func startBrowser(t *testing.T, width, height int) (context.Context, *consoleLog) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	var out bytes.Buffer
	opts = append(opts, chromedp.CombinedOutput(&out))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v\n%s", chromiumPath, err, out.String())
	}
	msgs := &consoleLog{}
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	seq := chromedp.Console(lctx)
	go func() {
		defer close(done)
		for m, err := range seq {
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					msgs.add(chromedp.ConsoleMessage{Type: chromedp.ConsoleError, Text: "console listener: " + err.Error()})
				}
				return
			}
			msgs.add(m)
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		cancel()
		cancelAlloc()
	})
	return ctx, msgs
}

// expected is a refused request a test asks for: Chromium logs every
// response of 4xx as a console error, and these are not failures.
type expected struct {
	status int
	path   string // the request's URL contains it
}

// unexpected lists the console errors and exceptions other than the
// expected refusals, and how often each expected refusal was seen.
func (c *consoleLog) unexpected(allow ...expected) (bad []string, seen map[expected]int) {
	seen = map[expected]int{}
	for _, m := range c.errors() {
		ok := false
		for _, a := range allow {
			if strings.Contains(m, fmt.Sprintf("status of %d", a.status)) && strings.Contains(m, a.path) {
				seen[a]++
				ok = true
				break
			}
		}
		if !ok {
			bad = append(bad, m)
		}
	}
	return bad, seen
}

// noErrors fails the test on any console error or exception but the
// expected refusals.
func (p *page) noErrors(allow ...expected) {
	p.t.Helper()
	if bad, _ := p.msgs.unexpected(allow...); len(bad) > 0 {
		p.t.Errorf("the page logged errors or threw:\n%s", strings.Join(bad, "\n"))
	}
}

// signIn signs in through signin.html as a demo user (password
// "demo-<login>") and waits until the console shows the page next with
// the user signed in.
func (p *page) signIn(base, login, next string) {
	p.t.Helper()
	p.do("open the sign-in page", chromedp.Navigate(base+"/signin.html?next="+url.QueryEscape(next)))
	p.wait("the sign-in form", `document.body.dataset.ready === "true"`)
	p.do("sign in as "+login,
		chromedp.SendKeys(chromedp.CSS(`#login`), login),
		chromedp.SendKeys(chromedp.CSS(`#password`), "demo-"+login),
		chromedp.Click(chromedp.CSS(`#submit`)))
	p.wait(login+" signed in on "+next, fmt.Sprintf(`location.pathname + location.search + location.hash === %q && document.body.dataset.user === %q`, next, login))
}

// shot saves a full-page PNG of the page as the test's artefact.
func (p *page) shot(name string) {
	p.t.Helper()
	saveShot(p.t, p.ctx, name)
}

// saveShot saves a full-page PNG in YIWANG_ARTIFACTS (as CI sets it), else
// in the test's artefact directory (t.ArtifactDir: kept with go test
// -artifacts, else removed after the test). The log names the file.
func saveShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("YIWANG_ARTIFACTS")
	if dir == "" {
		dir = t.ArtifactDir()
	} else {
		name = strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + "-" + name
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

// startNode serves a platform node with the demo users on a temporary
// SQLite store; the log records every request the node answers.
func startNode(t *testing.T) (string, *reqLog) {
	t.Helper()
	base, log, _ := serveNode(t, nil)
	return base, log
}

// serveNode opens the node (seed, when set, fills its store first) and
// serves it on a loopback port until the test ends.
func serveNode(t *testing.T, seed func(context.Context, *platform.Node) error) (string, *reqLog, *platform.Node) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := platform.Open(ctx, platform.Options{
		DB:     "sqlite:" + filepath.Join(t.TempDir(), "console.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The demo users, with cheap password hashes: the tests sign in often.
		DemoUsers: true, PasswordHash: auth.HashParams{Memory: 64, Time: 1, Threads: 1},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if seed != nil {
		if err := seed(ctx, n); err != nil {
			cancel()
			n.Close()
			t.Fatal(err)
		}
	}
	log := &reqLog{}
	n.Handler = log.wrap(n.Handler)
	base, stop, err := n.ServeLocal(ctx)
	if err != nil {
		cancel()
		n.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		n.Close()
	})
	return base, log, n
}

// request is one request the node answered.
type request struct {
	Method, Path, IdempotencyKey, CSRF string
	Status                             int
}

// reqLog records the requests a node answers.
type reqLog struct {
	mu   sync.Mutex
	seen []request
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes on flushes (the SSE stream needs them).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (l *reqLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		l.seen = append(l.seen, request{Method: r.Method, Path: r.URL.Path, Status: sw.status,
			IdempotencyKey: r.Header.Get("Idempotency-Key"), CSRF: r.Header.Get("X-CSRF-Token")})
		l.mu.Unlock()
	})
}

// reset forgets what was recorded so far.
func (l *reqLog) reset() { l.mu.Lock(); l.seen = nil; l.mu.Unlock() }

// find lists the recorded requests of a method and path.
func (l *reqLog) find(method, path string) []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []request
	for _, r := range l.seen {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// user is the body of GET /api/v1/auth/me and of a sign-in.
type user struct {
	User struct {
		Login, Name, Unit string
		UnitName          string `json:"unit_name"`
		Roles             []string
	}
	CSRFToken string `json:"csrf_token"`
}

// sessionCookie is the name of the session cookie.
const sessionCookie = "yiwang_session"

// apiClient is a demo user signed in over HTTP, with the session cookie
// and the CSRF token. (It keeps the cookie itself: a cookie jar sends a
// Secure cookie only over https, and the test node serves http on
// loopback, where browsers send it.)
type apiClient struct {
	t      *testing.T
	base   string
	hc     *http.Client
	cookie *http.Cookie
	me     user
}

// signInAPI signs a demo user in over HTTP.
func signInAPI(t *testing.T, base, login string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: base, hc: &http.Client{Timeout: 30 * time.Second}}
	status, b := c.send(http.MethodPost, "/api/v1/auth/signin", fmt.Sprintf(`{"login":%q,"password":%q}`, login, "demo-"+login), false)
	if status != http.StatusOK {
		t.Fatalf("signing in as %s: %d %s", login, status, b)
	}
	if err := json.Unmarshal(b, &c.me); err != nil || c.me.CSRFToken == "" || c.me.User.Unit == "" {
		t.Fatalf("signing in as %s: %v %s", login, err, b)
	}
	if c.cookie == nil {
		t.Fatalf("signing in as %s set no %s cookie", login, sessionCookie)
	}
	return c
}

// send sends a request with the session cookie, and with the CSRF token
// when csrf is true; it returns the status and the body.
func (c *apiClient) send(method, path, body string, csrf bool) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if csrf {
		req.Header.Set("X-CSRF-Token", c.me.CSRFToken)
	}
	if c.cookie != nil {
		req.AddCookie(&http.Cookie{Name: c.cookie.Name, Value: c.cookie.Value})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			c.cookie = k
		}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// getJSON gets path and decodes the answer into v; anything but 200 fails
// the test.
func (c *apiClient) getJSON(path string, v any) {
	c.t.Helper()
	status, b := c.send(http.MethodGet, path, "", false)
	if status != http.StatusOK {
		c.t.Fatalf("GET %s as %s: %d %s", path, c.me.User.Login, status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
}

// postJSON posts body and returns the id of the case in the answer (a
// created case, or a transition's case); anything but 2xx fails the test.
func (c *apiClient) postJSON(path, body string) string {
	c.t.Helper()
	return c.write(http.MethodPost, path, body)
}

func (c *apiClient) write(method, path, body string) string {
	c.t.Helper()
	status, b := c.send(method, path, body, true)
	if status/100 != 2 {
		c.t.Fatalf("%s %s as %s: %d %s", method, path, c.me.User.Login, status, b)
	}
	var v struct {
		ID   string
		Case struct{ ID string }
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	if v.ID == "" {
		return v.Case.ID
	}
	return v.ID
}

// caseState is what the tests read back of a case.
type caseState struct {
	ID, Title, State, Unit, Reply string
}

func (c *apiClient) caseOf(id string) caseState {
	c.t.Helper()
	var v caseState
	c.getJSON("/api/v1/cases/"+id, &v)
	return v
}

// seedCase creates a hotline case as the agent (auto-dispatched by the
// rules) and returns its id.
func (c *apiClient) seedCase(phone, title string, lat, lon float64) string {
	c.t.Helper()
	return c.postJSON("/api/v1/hotline/cases", fmt.Sprintf(`{"title":%q,"description":"earlier call","category":"01",
		"reporter":{"phone":%q},"location":{"lat":%v,"lon":%v}}`, title, phone, lat, lon))
}

// manualCase creates a case no rule covers (no place): it waits in the
// dispatchers' manual queue.
func (c *apiClient) manualCase(title string) string {
	c.t.Helper()
	return c.postJSON("/api/v1/cases", fmt.Sprintf(`{"channel":"web","title":%q,"description":"没有位置，规则无法覆盖","category":"01"}`, title))
}

// dispatch sends a received case to a unit.
func (c *apiClient) dispatch(id, unit string) {
	c.t.Helper()
	c.postJSON("/api/v1/cases/"+id+"/transitions", fmt.Sprintf(`{"action":"dispatch","payload":{"unit":%q}}`, unit))
}

// history lists a case's events: action, actor and actor unit.
func (c *apiClient) history(id string) []event {
	c.t.Helper()
	var h struct{ Events []event }
	c.getJSON("/api/v1/cases/"+id+"/history", &h)
	return h.Events
}

type event struct {
	Action, Actor, Note string
	ActorUnit           string `json:"actor_unit"`
}
