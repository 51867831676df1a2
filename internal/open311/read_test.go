package open311

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

type clientService struct {
	Code        string `json:"service_code" xml:"service_code"`
	Name        string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type clientServicesXML struct {
	XMLName  xml.Name        `xml:"services"`
	Services []clientService `xml:"service"`
}

func TestServices(t *testing.T) {
	f := newFixture(t, Config{})
	var js []clientService
	decodeJSON(t, f.get(t, "services.json"), &js)
	var xs clientServicesXML
	decodeXML(t, f.get(t, "services.xml"), &xs)
	if len(js) != 517 || len(xs.Services) != len(js) {
		t.Fatalf("%d JSON and %d XML services, want 517 (the level-3 categories)", len(js), len(xs.Services))
	}
	names := map[string]bool{}
	for i, s := range js {
		if xs.Services[i] != s {
			t.Fatalf("XML service %+v differs from JSON %+v", xs.Services[i], s)
		}
		if names[s.Group+"/"+s.Name] {
			t.Errorf("service name %q repeated in group %q", s.Name, s.Group)
		}
		names[s.Group+"/"+s.Name] = true
		if s.Type != "realtime" || len(s.Code) != 6 || s.Group == "" || !strings.HasPrefix(s.Description, s.Group+" / ") {
			t.Errorf("service %+v", s)
		}
	}
	byCode := map[string]clientService{}
	for _, s := range js {
		byCode[s.Code] = s
	}
	san := byCode[codeOf(t, pathSanitation)]
	if !san.Metadata || san.Name != "环境卫生" || san.Group != "城乡建设" || !strings.Contains(san.Keywords, "垃圾") {
		t.Errorf("sanitation service %+v", san)
	}
	if plain := byCode[codeOf(t, pathPlain)]; plain.Metadata {
		t.Errorf("a service without attributes has metadata true: %+v", plain)
	}
	other := byCode[codeOf(t, "城乡建设 / 城乡规划 / 其他")]
	if other.Name != "其他（城乡规划）" {
		t.Errorf("repeated name not qualified: %+v", other)
	}
}

type clientDefinitionXML struct {
	XMLName     xml.Name `xml:"service_definition"`
	ServiceCode string   `xml:"service_code"`
	Attributes  []struct {
		Variable            bool   `xml:"variable"`
		Code                string `xml:"code"`
		Datatype            string `xml:"datatype"`
		Required            bool   `xml:"required"`
		DatatypeDescription string `xml:"datatype_description"`
		Order               int    `xml:"order"`
		Description         string `xml:"description"`
		Values              []struct {
			Key  string `xml:"key"`
			Name string `xml:"name"`
		} `xml:"values>value"`
	} `xml:"attributes>attribute"`
}

func TestServiceDefinition(t *testing.T) {
	f := newFixture(t, Config{})
	code := codeOf(t, pathFacility)
	var d clientDefinitionXML
	decodeXML(t, f.get(t, "services/"+code+".xml"), &d)
	if d.ServiceCode != code || len(d.Attributes) != 3 {
		t.Fatalf("definition %+v", d)
	}
	a := d.Attributes[0]
	if a.Code != "facility" || !a.Variable || !a.Required || a.Datatype != "singlevaluelist" || a.Order != 1 || len(a.Values) != 5 ||
		a.Values[1].Key != "manhole" || a.Values[1].Name != "井盖" {
		t.Errorf("first attribute %+v", a)
	}
	if n := d.Attributes[2]; n.Code != "safety_note" || n.Variable || n.Required {
		t.Errorf("informational attribute %+v", n)
	}
	var js Definition
	decodeJSON(t, f.get(t, "services/"+codeOf(t, pathPlain)+".json"), &js)
	if js.Attributes == nil || len(js.Attributes) != 0 {
		t.Errorf("a service without attributes: %+v", js)
	}
	wantErrors(t, f.get(t, "services/999999.json"), 404, "999999")
}

type clientRequest struct {
	ID                string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       string   `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible string   `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice     string   `json:"service_notice" xml:"service_notice"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  string   `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Lat               *float64 `json:"lat" xml:"lat"`
	Long              *float64 `json:"long" xml:"long"`
	MediaURL          string   `json:"media_url" xml:"media_url"`
}

type clientRequestsXML struct {
	XMLName  xml.Name        `xml:"service_requests"`
	Requests []clientRequest `xml:"request"`
}

// seed creates n requests one hour apart and returns their ids, oldest first.
func seed(t *testing.T, f *fixture, n int, code string) []string {
	t.Helper()
	var ids []string
	for i := range n {
		lat, lon := pointIn(t, uint64(10+i))
		form := url.Values{"api_key": {testKey}, "service_code": {code}, "lat": {ftoa(lat)}, "long": {ftoa(lon)},
			"description": {fmt.Sprintf("第 %d 件", i)}}
		rec := f.post(t, "requests.json", form)
		if rec.Code != 200 {
			t.Fatalf("seed %d: %d %s", i, rec.Code, rec.Body)
		}
		var out clientCreated
		decodeJSON(t, rec, &out)
		ids = append(ids, out[0].ID)
		f.clock.Advance(time.Hour)
	}
	return ids
}

func TestGetRequestJSONAndXML(t *testing.T) {
	f := newFixture(t, Config{})
	ids := seed(t, f, 1, codeOf(t, pathPlain))
	var js []clientRequest
	decodeJSON(t, f.get(t, "requests/"+ids[0]+".json"), &js)
	var xs clientRequestsXML
	decodeXML(t, f.get(t, "requests/"+ids[0]+".xml"), &xs)
	if len(js) != 1 || len(xs.Requests) != 1 {
		t.Fatalf("%d JSON, %d XML requests", len(js), len(xs.Requests))
	}
	j, x := js[0], xs.Requests[0]
	if j.ID != ids[0] || j.Status != "open" || j.ServiceName != "事故处理" || j.Description != "第 0 件" || j.AgencyResponsible == "" ||
		j.StatusNotes != "派单 (dispatched)" || j.Lat == nil || j.ExpectedDatetime == "" || j.UpdatedDatetime == "" {
		t.Errorf("JSON request %+v", j)
	}
	if x.ID != j.ID || x.Status != j.Status || x.AgencyResponsible != j.AgencyResponsible || x.Lat == nil || *x.Lat != *j.Lat ||
		x.ExpectedDatetime != j.ExpectedDatetime || x.Description != j.Description {
		t.Errorf("XML request %+v differs from JSON %+v", x, j)
	}
	wantErrors(t, f.get(t, "requests/WH-20260302-999999.json"), 404, "WH-20260302-999999")
}

func TestStatusOf(t *testing.T) {
	want := map[cases.State]string{
		cases.StateReceived: "open", cases.StateDispatched: "open", cases.StateAccepted: "open", cases.StateInProgress: "open",
		cases.StateReturned: "open", cases.StateSuspended: "open",
		cases.StateResolved: "closed", cases.StateVerified: "closed", cases.StateClosed: "closed", cases.StateMerged: "closed",
		cases.StateVoided: "closed",
	}
	for _, s := range cases.States {
		w, ok := want[s]
		if !ok {
			t.Fatalf("state %s has no expected status: decide and add it", s)
		}
		if got := StatusOf(s); got != w {
			t.Errorf("StatusOf(%s) = %s, want %s", s, got, w)
		}
	}
	if len(openStates)+len(closedStates) != len(cases.States) {
		t.Errorf("open and closed states do not partition the %d states", len(cases.States))
	}
}

func TestListRequests(t *testing.T) {
	f := newFixture(t, Config{})
	plain := seed(t, f, 3, codeOf(t, pathPlain)) // 09:30, 10:30, 11:30 on 2 March
	other := codeOf(t, "城乡建设 / 安全生产 / 安全隐患")
	hazard := seed(t, f, 2, other) // 12:30, 13:30
	resolveCase(t, f, plain[1])
	// A web case with a level-1 category: listed, named by its category.
	f.st.Create(context.Background(), store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "网站",
		Description: strings.Repeat("长", 5000), Category: "02", Reporter: cases.Reporter{Phone: "13900001111"}}, Actor: "t"})
	// A 12345 call is between the caller and the city: never listed here,
	// and answered as missing when asked for by id.
	call, _, err := f.st.Create(context.Background(), store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelHotline, Title: "热线来电",
		Description: "我家楼上漏水", Category: "02", Reporter: cases.Reporter{Phone: "13900002222"}}, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}

	ids := func(rec *httptest.ResponseRecorder) []string {
		t.Helper()
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var rs []clientRequest
		decodeJSON(t, rec, &rs)
		out := []string{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		query string
		want  []string // nil: just check the count
		count int
	}{
		{"", nil, 6},
		{"?status=closed", []string{plain[1]}, 1},
		{"?status=open&service_code=" + codeOf(t, pathPlain), []string{plain[2], plain[0]}, 2},
		{"?status=open,closed&service_code=" + codeOf(t, pathPlain), []string{plain[2], plain[1], plain[0]}, 3},
		{"?service_code=" + codeOf(t, pathPlain) + "," + other, []string{hazard[1], hazard[0], plain[2], plain[1], plain[0]}, 5},
		{"?service_code=02", nil, 1},
		{"?start_date=2026-03-02T10:00:00%2B08:00&end_date=2026-03-02T12:30:00%2B08:00", []string{hazard[0], plain[2], plain[1]}, 3},
		// An unencoded "+" arrives as a space; a date alone is a whole day.
		{"?start_date=2026-03-02T10:00:00+08:00&end_date=2026-03-02", nil, 5},
		{"?end_date=2026-03-01", []string{}, 0},
		{"?service_request_id=" + plain[0] + "," + hazard[1] + ",WH-20990101-000001&status=closed", []string{plain[0], hazard[1]}, 2},
		{"?jurisdiction_id=" + DefaultJurisdictionID + "&status=closed", []string{plain[1]}, 1},
	}
	for _, tt := range tests {
		got := ids(f.get(t, "requests.json"+tt.query))
		if len(got) != tt.count || (tt.want != nil && strings.Join(got, ",") != strings.Join(tt.want, ",")) {
			t.Errorf("requests.json%s = %v, want %v (%d)", tt.query, got, tt.want, tt.count)
		}
	}
	if body := f.get(t, "requests.json").Body.String(); strings.Contains(body, call.ID) || strings.Contains(body, "热线来电") {
		t.Errorf("the 12345 call is listed: %.300s", body)
	}
	if rec := f.get(t, "requests/"+call.ID+".json"); rec.Code != http.StatusNotFound {
		t.Errorf("GET requests/%s = %d, want 404 (not a public channel)", call.ID, rec.Code)
	}
	if got := ids(f.get(t, "requests.json?service_request_id="+call.ID+","+plain[0])); strings.Join(got, ",") != plain[0] {
		t.Errorf("ids %v, want only %s", got, plain[0])
	}
	var xs clientRequestsXML
	decodeXML(t, f.get(t, "requests.xml?status=closed"), &xs)
	if len(xs.Requests) != 1 || xs.Requests[0].Status != "closed" || xs.Requests[0].StatusNotes != "已安排清运，垃圾桶已清空。" {
		t.Errorf("closed request in XML: %+v", xs.Requests)
	}
	var hot []clientRequest
	decodeJSON(t, f.get(t, "requests.json?service_code=02"), &hot)
	if len([]rune(hot[0].Description)) != 4000 || hot[0].ServiceName != "党务政务" && hot[0].ServiceName == "" || strings.Contains(f.get(t, "requests.json").Body.String(), "13900001111") {
		t.Errorf("hotline case: %d characters, name %q", len([]rune(hot[0].Description)), hot[0].ServiceName)
	}
	// 90 days on, the default range no longer reaches 2 March.
	f.clock.Advance(91 * 24 * time.Hour)
	if got := ids(f.get(t, "requests.json")); len(got) != 0 {
		t.Errorf("default range lists %v after 91 days", got)
	}
}

func TestListRequestsBadQuery(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		query, text string
		status      int
	}{
		{"?status=pending", `status "pending" must be open or closed`, 400},
		{"?start_date=yesterday", `start_date "yesterday" is not a W3C datetime`, 400},
		{"?end_date=2026-13-01", `end_date "2026-13-01"`, 400},
		{"?start_date=2026-01-01&end_date=2026-06-01", "at most 90 days", 400},
		{"?start_date=2026-03-02&end_date=2026-03-01", "start_date must be before end_date", 400},
		{"?service_code=999999", `service_code "999999" is not a service`, 400},
		{"?status=open&status=closed", "status is given more than once", 400},
		{"?service_request_id=" + strings.Repeat("x,", 101), "at most 100", 400},
		{"?jurisdiction_id=nyc.gov", `jurisdiction_id "nyc.gov" is not served here`, 404},
	}
	for _, tt := range tests {
		wantErrors(t, f.get(t, "requests.json"+tt.query), tt.status, tt.text)
	}
}

func TestTokens(t *testing.T) {
	f := newFixture(t, Config{})
	var out clientCreated
	decodeJSON(t, f.post(t, "requests.json", validForm(t)), &out)
	var tok []struct {
		ID    string `json:"service_request_id"`
		Token string `json:"token"`
	}
	decodeJSON(t, f.get(t, "tokens/"+out[0].Token+".json"), &tok)
	if len(tok) != 1 || tok[0].ID != out[0].ID || tok[0].Token != out[0].Token {
		t.Fatalf("token answer %+v for %+v", tok, out)
	}
	var xs struct {
		Requests []struct {
			ID    string `xml:"service_request_id"`
			Token string `xml:"token"`
		} `xml:"request"`
	}
	decodeXML(t, f.get(t, "tokens/"+out[0].Token+".xml"), &xs)
	if len(xs.Requests) != 1 || xs.Requests[0].ID != out[0].ID {
		t.Fatalf("token XML %+v", xs)
	}
	hot, _, err := f.st.Create(context.Background(), store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelHotline, Title: "x", Category: "01"}, Actor: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"t-WH-20990101-000001", out[0].ID, "t-", "t-" + hot.ID} {
		wantErrors(t, f.get(t, "tokens/"+bad+".json"), 404, "no service request has the token")
	}
}

func TestRouting(t *testing.T) {
	f := newFixture(t, Config{})
	tests := []struct {
		method, path string
		status       int
		allow        string
		xml          bool
	}{
		{"DELETE", "requests.json", 405, "POST, GET", false},
		{"POST", "services.xml", 405, "GET", true},
		{"PUT", "requests/x.json", 405, "GET", false},
		{"GET", "requests", 404, "", false},
		{"GET", "requests.html", 404, "", false},
		{"GET", "nothing.json", 404, "", false},
		{"GET", "services/a/b.json", 404, "", false},
		{"HEAD", "services.json", 200, "", false},
	}
	for _, tt := range tests {
		rec := f.do(t, httptest.NewRequest(tt.method, Prefix+tt.path, nil))
		if rec.Code != tt.status || rec.Header().Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d Allow %q, want %d %q", tt.method, tt.path, rec.Code, rec.Header().Get("Allow"), tt.status, tt.allow)
			continue
		}
		if tt.status == 200 {
			continue
		}
		if tt.xml {
			var errs clientErrorsXML
			decodeXML(t, rec, &errs)
			if len(errs.Errors) != 1 || errs.Errors[0].Code != tt.status {
				t.Errorf("%s %s: %s", tt.method, tt.path, rec.Body)
			}
		} else {
			wantErrors(t, rec, tt.status)
		}
	}
	if rec := f.do(t, httptest.NewRequest(http.MethodGet, "/elsewhere/services.json", nil)); rec.Code != 404 {
		t.Errorf("path outside the prefix: %d", rec.Code)
	}
}
