package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"yiwang/internal/nlp/hot"
)

func TestParseWindow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"36h", 36 * time.Hour, true},
		{"1h", time.Hour, true},
		{"91d", 0, false},
		{"0d", 0, false},
		{"-1d", 0, false},
		{"59m", 0, false},
		{"99999999999999d", 0, false},
		{"d", 0, false},
		{"七天", 0, false},
		{"", 0, false},
	} {
		got, err := parseWindow(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseWindow(%q) = %v, %v; want %v ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestHotspots: cases about one matter in one district within the window
// form one issue with every member; an older case and a case elsewhere
// about something else do not join it.
func TestHotspots(t *testing.T) {
	h := newHarness(t, newFakeStore())
	mk := func(title, desc, district, phone string) string {
		return h.create(func(m map[string]any) {
			m["title"], m["description"] = title, desc
			m["location"] = map[string]any{"lat": 30.58, "lon": 114.29, "district": district, "address": "x"}
			m["reporter"] = map[string]any{"phone": phone}
		}).ID
	}
	var members []string
	for i := range 4 {
		members = append(members, mk("魅力之城小区楼下烧烤油烟扰民",
			"魅力之城小区临街烧烤店油烟直排，夜间噪音扰民，居民无法开窗休息", "420102", fmt.Sprintf("1380000000%d", i)))
	}
	other := mk("地铁站出口共享单车乱停放", "光谷广场地铁站出口共享单车堆积堵塞人行道", "420111", "13900000001")

	rec := h.do("GET", "/api/v1/hotspots?window=7d", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// The short path the issue names answers the same.
	resp := decode[hotspotsResponse](t, rec)
	if short := decode[hotspotsResponse](t, h.do("GET", "/api/hotspots?window=7d", "")); len(short.Issues) != len(resp.Issues) || short.Cases != resp.Cases ||
		len(resp.Issues) > 0 && (short.Issues[0].Name != resp.Issues[0].Name || !reflect.DeepEqual(short.Issues[0].Members, resp.Issues[0].Members)) {
		t.Errorf("/api/hotspots: %+v, want the /api/v1 answer %+v", short, resp)
	}
	if resp.Cases != 5 || resp.Truncated || resp.Window != "7d" || resp.HeatIndex == "" {
		t.Fatalf("cases %d truncated %v window %q", resp.Cases, resp.Truncated, resp.Window)
	}
	if len(resp.Issues) != 1 {
		t.Fatalf("issues %+v, want one", resp.Issues)
	}
	is := resp.Issues[0]
	got := map[string]bool{}
	for _, m := range is.Members {
		got[m.ID] = true
		if m.Title == "" {
			t.Errorf("member %s has no title", m.ID)
		}
	}
	for _, id := range members {
		if !got[id] {
			t.Errorf("member %s missing from %+v", id, is.Members)
		}
	}
	if got[other] || is.Reporters != 4 || is.Area != "420102" || is.Heat <= 0 || len(is.Terms) == 0 {
		t.Errorf("issue %+v", is)
	}
	// Named by area, place and whole key terms.
	t.Logf("name %q, terms %q", is.Name, is.Terms)
	if want := "420102 魅力之城小区 "; !strings.HasPrefix(is.Name, want) && !strings.HasPrefix(is.Name, is.AreaName+"魅力之城小区 ") {
		t.Errorf("name %q, want it to start with %q (or the area's name and the place)", is.Name, want)
	}

	// Another area sees none of it.
	if resp := decode[hotspotsResponse](t, h.do("GET", "/api/v1/hotspots?area=420111", "")); resp.Cases != 1 || len(resp.Issues) != 0 {
		t.Errorf("area 420111: %d cases, %d issues", resp.Cases, len(resp.Issues))
	}
	for _, q := range []string{"window=100d", "window=abc", "limit=0", "limit=x", "area=a%20b", "size=3"} {
		rec := h.do("GET", "/api/v1/hotspots?"+q, "")
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, rec.Code, rec.Body)
		}
	}
}

func TestWithAreaName(t *testing.T) {
	for _, tc := range []struct {
		is   hot.Issue
		want string
	}{
		{hot.Issue{Name: "420102 魅力之城小区 烧烤油烟扰民", Area: "420102", Place: "魅力之城小区"}, "江岸区魅力之城小区 烧烤油烟扰民"},
		{hot.Issue{Name: "420102 油烟/扰民", Area: "420102"}, "江岸区 油烟/扰民"},
		{hot.Issue{Name: "420102 魅力之城小区", Area: "420102", Place: "魅力之城小区"}, "江岸区魅力之城小区"},
		{hot.Issue{Name: "A市丽发新城 搅拌站", Area: "420102", Place: "丽发新城"}, "A市丽发新城 搅拌站"},
		{hot.Issue{Name: "420102", Area: "420102"}, "江岸区"},
	} {
		if got := withAreaName(tc.is, "江岸区"); got != tc.want {
			t.Errorf("withAreaName(%q) = %q, want %q", tc.is.Name, got, tc.want)
		}
	}
}

func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"7d", "36h", "1h30m", "90d", "-5d", "9223372036854775807d", "1e9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWindow(s)
		if err == nil && (d < time.Hour || d > maxHotspotWindow) {
			t.Fatalf("parseWindow(%q) = %v, outside 1h..90d", s, d)
		}
	})
}
