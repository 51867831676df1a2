package open311

import (
	"net/url"
	"testing"
	"time"
)

// BenchmarkParseCreateForm measures the create form parser against its
// baseline, url.ParseQuery of the same body, and reports the ratio.
func BenchmarkParseCreateForm(b *testing.B) {
	body := url.Values{
		"api_key": {testKey}, "service_code": {"010205"}, "lat": {"30.5928"}, "long": {"114.3055"},
		"attribute[waste_type]": {"overflow"}, "attribute[duration_days]": {"3"}, "attribute[tags][]": {"a", "b"},
		"description": {"小区门口垃圾桶满溢，已经三天没人清运，请尽快处理。"}, "first_name": {"小明"}, "last_name": {"王"},
		"email": {"wang@example.com"}, "phone": {"13812345678"}, "device_id": {"device-1"}, "media_url": {"https://img.example.com/a.jpg"},
	}.Encode()
	timeIt := func(f func()) time.Duration {
		start := time.Now()
		for range 2000 {
			f()
		}
		return time.Since(start)
	}
	var base, ours time.Duration
	for b.Loop() {
		if _, err := parseCreateForm(body, nil); err != nil {
			b.Fatal(err)
		}
	}
	base = timeIt(func() { url.ParseQuery(body) })
	ours = timeIt(func() { parseCreateForm(body, nil) })
	b.ReportMetric(float64(ours)/float64(base), "x_parsequery")
}
