package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"yiwang/internal/platform"
)

// xssTitle is the title of a prior case: it must show as text.
const xssTitle = `<img src=x onerror="document.body.dataset.pwned='1'"><script>document.body.dataset.pwned='2'</script>`

// TestHotlineConsoleInBrowser drives hotline.html in headless Chromium
// against a platform node on a temporary SQLite store: the caller's earlier
// case appears as soon as the number is typed (its hostile title as text),
// the call is recorded on it, then a new case is created — once, however
// often the form is submitted. Any console error or exception fails it.
func TestHotlineConsoleInBrowser(t *testing.T) {
	requireBrowser(t)
	base, creates := startNode(t)

	// Two earlier cases: the caller's (hostile title) and a neighbour's, both
	// at the place the caller will give.
	prior := seedCase(t, base, "13800138000", xssTitle, 30.5431, 114.3160)
	neighbour := seedCase(t, base, "13900139000", "路灯不亮", 30.5435, 114.3162)
	creates.reset()

	p := openPage(t, 1280, 900)
	ctx, msgs := p.ctx, p.msgs
	do, eval, wait := p.do, p.eval, p.wait

	do("open the form", chromedp.Navigate(base+"/hotline.html"))
	wait("categories", `document.body.dataset.ready === "true"`)
	msgs.probe(t, ctx)

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
		chromedp.SendKeys(chromedp.CSS(`input[name=actor]`), "12345-008"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#phone-cases li[data-case-id=%q] button.merge`, prior))))
	wait("the call recorded", fmt.Sprintf(`document.querySelector('#result[data-outcome="merged"][data-case-id=%q]') !== null`, prior))
	var hist struct {
		Events []struct{ Action, Note, Actor string }
	}
	getJSON(t, base+"/api/v1/cases/"+prior+"/history", &hist)
	last := hist.Events[len(hist.Events)-1]
	if last.Action != "note" || last.Actor != "12345-008" || !strings.Contains(last.Note, "【12345来电】") ||
		!strings.Contains(last.Note, said) || !strings.Contains(last.Note, "王先生") {
		t.Errorf("the earlier case's last event = %+v; want the call note by 12345-008 with what was said", last)
	}
	if strings.Contains(last.Note, "13800138000") || strings.Contains(eval("result", `document.getElementById('result').textContent`), "13800138000") {
		t.Errorf("the caller's full number is shown; want it masked")
	}

	// Now a new case: category found by typing, submitted twice at once and
	// once more after it was created.
	cat := pickCategory(t, base)
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
	getJSON(t, base+"/api/v1/cases?limit=50", &list)
	if len(list.Cases) != 3 {
		t.Errorf("store holds %d cases, want 3 (two earlier, one new): %+v", len(list.Cases), list.Cases)
	}
	var c struct{ Title, Category, Severity, Channel string }
	getJSON(t, base+"/api/v1/cases/"+id, &c)
	if c.Title != "小区门口路灯不亮" || c.Category != cat.code || c.Severity != "urgent" || c.Channel != "hotline" {
		t.Errorf("new case = %+v", c)
	}
	keys := creates.keys()
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("the page's creates carried Idempotency-Keys %q; want two requests with one key", keys)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("YIWANG_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "hotline.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
	if bad := msgs.errors(); len(bad) > 0 {
		t.Errorf("the page logged errors or threw:\n%s", strings.Join(bad, "\n"))
	}
}

// createLog records the Idempotency-Key of every browser POST to the
// hotline create endpoint.
type createLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *createLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/v1/hotline/cases" {
			l.mu.Lock()
			l.seen = append(l.seen, r.Header.Get("Idempotency-Key"))
			l.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (l *createLog) reset() { l.mu.Lock(); l.seen = nil; l.mu.Unlock() }
func (l *createLog) keys() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// startNode serves a platform node on a temporary SQLite store.
func startNode(t *testing.T) (string, *createLog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := platform.Open(ctx, platform.Options{
		DB:     "sqlite:" + filepath.Join(t.TempDir(), "hotline.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	log := &createLog{}
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
	return base, log
}

func seedCase(t *testing.T, base, phone, title string, lat, lon float64) string {
	t.Helper()
	body := fmt.Sprintf(`{"title":%q,"description":"earlier call","category":"01","actor":"12345-001",
		"reporter":{"phone":%q},"location":{"lat":%v,"lon":%v}}`, title, phone, lat, lon)
	resp, err := http.Post(base+"/api/v1/hotline/cases", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusCreated || c.ID == "" {
		t.Fatalf("seeding a case: %d %v %+v", resp.StatusCode, err, c)
	}
	return c.ID
}

// pickCategory chooses a third-level category and the text the agent
// types to find it: its name, which must select it as the first match
// (the page picks the first category whose code starts with, or whose
// path contains, what is typed).
func pickCategory(t *testing.T, base string) struct{ code, query string } {
	t.Helper()
	var cats struct {
		Categories []struct{ Code, Name, Path string }
	}
	getJSON(t, base+"/api/v1/categories", &cats)
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
