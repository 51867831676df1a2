package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/attach/attachtest"
	"yiwang/internal/auth"
	"yiwang/internal/category"
	"yiwang/internal/platform"
	"yiwang/internal/workflow"
)

// A place in 武昌区 (420106) where the demo responsibility list covers category
// "01" (seedCase's cases are dispatched there by the rules).
const placeLat, placeLon = 30.5431, 114.3160

// unsureSuggester is a classifier that is never sure: every first-level
// category is coarse, and every message gets the same three suggestions,
// the first below the workflow's threshold. Cases filed under a
// first-level category are held in the manual queue with them.
type unsureSuggester struct{ top []workflow.Suggestion }

func (u unsureSuggester) Suggest(title, body string) []workflow.Suggestion { return u.top }
func (u unsureSuggester) Coarse(code string) bool                          { return len(code) == 2 }

// serveWorkbenchNode serves a node like serveNode, with attachment storage
// (grid reports with photos) and, when top is set, the unsure classifier
// suggesting top.
func serveWorkbenchNode(t *testing.T, top func(*category.Taxonomy) []workflow.Suggestion) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := platform.Open(ctx, platform.Options{
		DB:             "sqlite:" + filepath.Join(t.TempDir(), "console.db"),
		AttachmentsDir: t.TempDir(),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		DemoUsers:      true, PasswordHash: auth.HashParams{Memory: 64, Time: 1, Threads: 1},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if top != nil {
		if err := n.Workflow.SetSuggester(unsureSuggester{top: top(n.Taxonomy)}, 0.8); err != nil {
			cancel()
			n.Close()
			t.Fatal(err)
		}
	}
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
	return base
}

// firstLevel lists the taxonomy's first-level codes but "01".
func firstLevel(tax *category.Taxonomy) []string {
	var out []string
	for _, c := range tax.All() {
		if c.Level == 1 && c.Code != "01" {
			out = append(out, c.Code)
		}
	}
	return out
}

// fullCase is what the detail tests read back of a case.
type fullCase struct {
	ID, State, Unit, Category string
	Tags                      []string
	Attachments               []struct{ URL, Type, SHA256 string }
}

// TestWorkbenchLowConfidenceInBrowser: a case the classifier could not
// route confidently (filed under a first-level category, top suggestion
// 0.55 < 0.8) waits in the 低置信度 list with its three suggestions and
// their confidence, apart from a case no rule covered (待分拨). One click
// on the top suggestion recategorises it; a rule covers the new category
// at its place, so the workflow dispatches it and it leaves the queue.
func TestWorkbenchLowConfidenceInBrowser(t *testing.T) {
	requireBrowser(t)
	var others []string
	base := serveWorkbenchNode(t, func(tax *category.Taxonomy) []workflow.Suggestion {
		others = firstLevel(tax)
		return []workflow.Suggestion{{Category: "01", Confidence: 0.55, Terms: []string{"垃圾", "清运"}},
			{Category: others[0], Confidence: 0.25}, {Category: others[1], Confidence: 0.1}}
	})
	agent, dispatcher := signInAPI(t, base, "agent"), signInAPI(t, base, "dispatcher")
	var held fullCase
	dispatcher.getJSON("/api/v1/cases/"+agent.postJSON("/api/v1/cases", fmt.Sprintf(`{"channel":"web","title":"小区垃圾无人清运",
		"description":"垃圾堆放多日无人清运","category":%q,"location":{"lat":%v,"lon":%v}}`, others[0], placeLat, placeLon)), &held)
	if held.State != "received" {
		t.Fatalf("the unsure case is %s; want received (held in the manual queue)", held.State)
	}
	// A case no rule covers (no place), under a second-level category the
	// classifier leaves alone: 待分拨, not 低置信度.
	var fine string
	var cats struct{ Categories []struct{ Code string } }
	dispatcher.getJSON("/api/v1/categories", &cats)
	for _, c := range cats.Categories {
		if len(c.Code) == 4 {
			fine = c.Code
			break
		}
	}
	uncovered := agent.postJSON("/api/v1/cases", fmt.Sprintf(`{"channel":"web","title":"无地址诉求","description":"没有位置","category":%q}`, fine))

	p := openPage(t, 1280, 900)
	p.signIn(base, "dispatcher", "/workbench.html#dispatcher")
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	p.wait("the held case under 低置信度", fmt.Sprintf(`document.querySelector('#q-lowconf li[data-case-id=%q]') !== null`, held.ID))
	p.wait("the uncovered case under 待分拨", fmt.Sprintf(`document.querySelector('#q-manual li[data-case-id=%q]') !== null`, uncovered))
	if got := p.eval("split", fmt.Sprintf(`String(document.querySelector('#q-manual li[data-case-id=%q]') === null) + '|' + String(document.querySelector('#q-lowconf li[data-case-id=%q]') === null)`, held.ID, uncovered)); got != "true|true" {
		t.Errorf("each case should be in one list only (held not in 待分拨, uncovered not in 低置信度): %s", got)
	}
	sugg := p.eval("suggestions", fmt.Sprintf(`[...document.querySelectorAll('#q-lowconf li[data-case-id=%q] button.suggest')].map(b => b.dataset.category + '=' + b.textContent).join('\n')`, held.ID))
	lines := strings.Split(sugg, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "01=按建议改类派单：01") || !strings.Contains(lines[0], "55%") ||
		!strings.HasPrefix(lines[1], others[0]+"=") || !strings.Contains(lines[1], "25%") || !strings.Contains(lines[2], "10%") {
		t.Errorf("the held case's suggestions show as\n%s\nwant 01 (55%%) first, then %s (25%%) and %s (10%%)", sugg, others[0], others[1])
	}
	if got := p.eval("status", `document.getElementById('status').textContent`); !strings.HasPrefix(got, "低置信度 1 件，待分拨 1 件") {
		t.Errorf("status %q; want 低置信度 1 件，待分拨 1 件 first", got)
	}
	// The list comes from the API's queue, a page most urgent first; the
	// page reads no case's history to find the held ones.
	const requests = `performance.getEntriesByType('resource').map(e => e.name).filter(u => u.includes('/api/v1/cases'))`
	if got := p.eval("requests", requests+`.join('\n')`); !strings.Contains(got, "/api/v1/cases?queue=low_confidence&sort=due&limit=50") ||
		!strings.Contains(got, "/api/v1/cases?queue=manual&sort=due&limit=50") || strings.Contains(got, "/history") {
		t.Errorf("the dispatcher's requests were:\n%s\nwant queue=low_confidence and queue=manual a page each, and no history", got)
	}
	if got := p.eval("the list's count", `document.getElementById('q-lowconf').dataset.shown + '|' + document.getElementById('q-lowconf').dataset.more + '|' +
		document.querySelector('#q-lowconf li.more').textContent`); got != "1|false|共 1 件" {
		t.Errorf("低置信度 list says %q; want 1|false|共 1 件", got)
	}
	// The detail shows the suggestions too; the uncovered case's has none.
	p.clickCurrent("the uncovered case", fmt.Sprintf(`#q-manual li[data-case-id=%q]`, uncovered))
	p.wait("its detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q]') !== null`, uncovered))
	if got := p.eval("no suggestions", `String(document.getElementById('detail-suggestions') === null)`); got != "true" {
		t.Error("the detail of a case no rule covered shows classifier suggestions")
	}
	p.clickCurrent("the held case", fmt.Sprintf(`#q-lowconf li[data-case-id=%q]`, held.ID))
	p.wait("its suggestions in the detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q] #detail-suggestions') !== null && document.querySelectorAll('#detail-suggestions button.suggest').length === 3`, held.ID))
	p.shot("workbench-low-confidence.png")

	p.clickCurrent("the top suggestion", fmt.Sprintf(`#q-lowconf li[data-case-id=%q] button.suggest.top`, held.ID))
	p.wait("the case left the queue", fmt.Sprintf(`document.querySelector('#q-lowconf li[data-case-id=%q]') === null && document.getElementById('status').textContent.includes('并派单至')`, held.ID))
	p.wait("the detail follows", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q][data-state="dispatched"][data-category="01"]') !== null && document.getElementById('detail-suggestions') === null`, held.ID))
	var after fullCase
	dispatcher.getJSON("/api/v1/cases/"+held.ID, &after)
	if after.Category != "01" || after.State != "dispatched" || after.Unit == "" {
		t.Errorf("after one click the case is %+v; want category 01, dispatched by the rules", after)
	}
	if got := p.eval("lists", `document.getElementById('q-lowconf').dataset.shown`); got != "0" {
		t.Errorf("低置信度 still shows %s cases", got)
	}
	// The routed case keeps its suggestions, shown for the record.
	p.wait("the suggestions kept in the detail", fmt.Sprintf(`/^01 .*（55%%），%s.*（25%%），%s.*（10%%）$/.test((document.getElementById('detail-suggested') || {}).textContent || "")`, others[0], others[1]))
	p.shot("workbench-low-confidence-routed.png")
	p.noErrors()
}

// postPhotoReport posts a grid report with a JPEG photo as the signed-in
// inspector and returns the case's id.
func (c *apiClient) postPhotoReport(report string, photo []byte) string {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("report", report); err != nil {
		c.t.Fatal(err)
	}
	w, err := mw.CreateFormFile("photo", "IMG_0001.jpg")
	if err != nil {
		c.t.Fatal(err)
	}
	w.Write(photo)
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/api/v1/grid/reports", &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", c.me.CSRFToken)
	req.AddCookie(&http.Cookie{Name: c.cookie.Name, Value: c.cookie.Value})
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("grid report: %d %s", resp.StatusCode, b)
	}
	var v struct{ Case struct{ ID string } }
	if err := json.Unmarshal(b, &v); err != nil || v.Case.ID == "" {
		c.t.Fatalf("grid report answer %s: %v", b, err)
	}
	return v.Case.ID
}

// TestWorkbenchCaseDetailInBrowser: a grid inspector's report with a
// photo opens in the dispatcher's detail with a map (an ECharts canvas of
// the case's district outline and its point, from the platform's own
// geography) and the photo as a thumbnail fetched from the attachment
// API, which opens full size; the 改类 form's category picker changes
// the case's category, and the detail shows the new one.
func TestWorkbenchCaseDetailInBrowser(t *testing.T) {
	requireBrowser(t)
	base := serveWorkbenchNode(t, nil)
	inspector, dispatcher := signInAPI(t, base, "inspector"), signInAPI(t, base, "dispatcher")
	var cats struct {
		Categories []struct {
			Code  string
			Level int
		}
	}
	dispatcher.getJSON("/api/v1/categories", &cats)
	var from, to string
	for _, c := range cats.Categories {
		if c.Level == 2 && from == "" {
			from = c.Code
		} else if c.Level == 2 && to == "" && c.Code[:2] != from[:2] {
			to = c.Code
		}
	}
	id := inspector.postPhotoReport(fmt.Sprintf(`{"title":"人行道井盖缺失","description":"井盖缺失，有坠落风险","category":%q,
		"inspector":"inspector","grid":"420102002001001","location":{"lat":%v,"lon":%v}}`, from, placeLat, placeLon),
		attachtest.JPEG(64, 48))
	var c fullCase
	dispatcher.getJSON("/api/v1/cases/"+id, &c)
	if len(c.Attachments) != 1 || c.Attachments[0].SHA256 == "" {
		t.Fatalf("the report's case has attachments %+v; want the photo", c.Attachments)
	}

	p := openPage(t, 1280, 1000)
	p.signIn(base, "dispatcher", "/workbench.html?case="+id)
	p.wait("ready", `document.body.dataset.ready === "true"`)
	p.msgs.probe(t, p.ctx)
	p.wait("the detail", fmt.Sprintf(`document.querySelector('#detail[data-case-id=%q]') !== null`, id))
	p.wait("the map drawn", `document.querySelector('#case-map[data-ready="true"] canvas') !== null`)
	if got := p.eval("map", `document.getElementById('case-map').dataset.district + '|' + document.getElementById('case-map').dataset.point`); got == "|false" || !strings.HasSuffix(got, "|true") || strings.HasPrefix(got, "|") {
		t.Errorf("the map shows district|point %q; want the case's district and its point", got)
	}
	p.wait("the thumbnail loaded", `(() => { const i = document.querySelector('#detail ul.attachments img'); return i !== null && i.complete && i.naturalWidth === 64; })()`)
	if got := p.eval("thumbnail src", `new URL(document.querySelector('#detail ul.attachments img').src).pathname`); got != "/api/v1/attachments/"+c.Attachments[0].SHA256 {
		t.Errorf("the thumbnail comes from %q; want the attachment API", got)
	}
	p.shot("workbench-detail.png")
	p.clickCurrent("the thumbnail", `#detail ul.attachments button.thumb`)
	p.wait("the photo full size", `(() => { const v = document.getElementById('photo-view'); const i = v.querySelector('img'); return !v.hidden && i !== null && i.complete && i.naturalWidth === 64; })()`)
	p.shot("workbench-photo.png")
	// The viewer follows the language switch while open.
	p.clickCurrent("English", `#lang-switch`)
	p.wait("the viewer in English", `document.querySelector('#photo-view button.close').textContent === "Close ✕" && document.getElementById('photo-view').getAttribute('aria-label') === "Attachment, full size"`)
	p.clickCurrent("中文", `#lang-switch`)
	p.wait("the viewer in Chinese", `document.querySelector('#photo-view button.close').textContent === "关闭 ✕" && document.getElementById('photo-view').getAttribute('aria-label') === "附件原图"`)
	p.clickCurrent("close the photo", `#photo-view button.close`)
	p.wait("the photo closed", `document.getElementById('photo-view').hidden`)

	// 改类 through the form: the picker lists the categories (not the
	// current one); an empty choice is stopped first.
	p.clickCurrent("the 改类 button", fmt.Sprintf(`#detail[data-case-id=%q] button[data-action=recategorise]`, id))
	p.wait("the category picker", fmt.Sprintf(`document.querySelector('#action-form select[name=category] option[value=%q]') !== null`, to))
	if got := p.eval("current not offered", fmt.Sprintf(`String(document.querySelector('#action-form select[name=category] option[value=%q]') === null)`, from)); got != "true" {
		t.Errorf("the picker offers the current category %s", from)
	}
	p.clickCurrent("confirm without a category", `#action-form button[type=submit]`)
	p.wait("the missing category", `document.querySelector('#action-form select[name=category]').getAttribute('aria-invalid') === "true"`)
	p.wait("choose and confirm", fmt.Sprintf(`(() => { const s = document.querySelector('#action-form select[name=category]'); s.value = %q;
		s.dispatchEvent(new Event('input', { bubbles: true })); document.querySelector('#action-form button[type=submit]').click(); return true; })()`, to))
	p.wait("the new category shown", fmt.Sprintf(`document.querySelector('#detail[data-category=%q]') !== null && document.getElementById('action-ok').textContent.includes(%q)`, to, to))
	if got := p.eval("category row", `[...document.querySelectorAll('#detail dt')].find(d => d.textContent === '类别').nextElementSibling.textContent`); !strings.HasPrefix(got, to+" ") {
		t.Errorf("the detail's 类别 reads %q; want %s with its name", got, to)
	}
	var after fullCase
	dispatcher.getJSON("/api/v1/cases/"+id, &after)
	if after.Category != to {
		t.Errorf("category after the form = %s; want %s", after.Category, to)
	}
	p.shot("workbench-recategorised.png")
	p.noErrors()
}
