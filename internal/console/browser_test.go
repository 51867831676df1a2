package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
	return &page{t: t, ctx: ctx, msgs: msgs, timeout: 15 * time.Second}
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

// wait polls a JavaScript predicate until it is true.
func (p *page) wait(what, predicate string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](predicate,
		chromedp.WithPollingTimeout(p.timeout))); err != nil {
		p.t.Fatalf("waiting for %s: %v\nconsole: %v", what, err, p.msgs.all())
	}
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
			out = append(out, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
		}
	}
	return out
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

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
