package registry

import (
	"errors"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
)

func fakeLocate(lat, lon float64) (geo.Chain, error) {
	if lat < 30 {
		return geo.Chain{}, geo.ErrOutside
	}
	g := "420102001001001"
	if lon > 114.5 {
		g = "420103002001001"
	}
	return geo.Chain{District: geo.AreaRef{Code: g[:6]}, Street: geo.AreaRef{Code: g[:9]}, Grid: geo.AreaRef{Code: g}}, nil
}

const goodCSV = "id,kind,unit,lat,lon,owner,interval\n" +
	"WL1,water_level,m,30.58,114.30,shuiwu.420102,60\n" +
	"RF1,rainfall,mm,30.59,114.31,shuiwu.420102,5m\n" +
	"GS1,gas_concentration,%LEL,30.60,114.60,ranqi.420103,30s\n"

func TestParseCSVAndNew(t *testing.T) {
	ss, err := ParseCSV(strings.NewReader(goodCSV))
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(ss, Options{Locate: fakeLocate, KnownUnit: func(c string) bool { return strings.Contains(c, ".") }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 3 {
		t.Fatalf("len %d", r.Len())
	}
	s, err := r.Get("RF1")
	if err != nil || s.Interval != 5*time.Minute || s.Grid() != "420102001001001" {
		t.Fatalf("RF1 = %+v, %v", s, err)
	}
	if _, err := r.Get("nope"); !errors.Is(err, ErrUnknownSensor) {
		t.Fatalf("unknown sensor: %v", err)
	}
	for _, tc := range []struct {
		code string
		want int
	}{{"420102", 2}, {"420103", 1}, {"420102001001001", 2}, {"4201", 3}, {"999", 0}} {
		if got := len(r.InArea(tc.code)); got != tc.want {
			t.Errorf("InArea(%s) = %d, want %d", tc.code, got, tc.want)
		}
	}
}

func TestNewRejects(t *testing.T) {
	ok := Sensor{ID: "A", Kind: WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u.1", Interval: time.Minute}
	tests := []struct {
		name string
		mod  func(*Sensor)
		want string
	}{
		{"no id", func(s *Sensor) { s.ID = "" }, "id is required"},
		{"space in id", func(s *Sensor) { s.ID = "a b" }, "may not contain"},
		{"kind", func(s *Sensor) { s.Kind = "weather" }, `unknown kind "weather"`},
		{"unit", func(s *Sensor) { s.Unit = "cm" }, `unit "cm" is not a unit of water_level`},
		{"lat", func(s *Sensor) { s.Lat = 91 }, "out of range"},
		{"owner", func(s *Sensor) { s.Owner = "" }, "owner unit is required"},
		{"unknown owner", func(s *Sensor) { s.Owner = "nobody" }, `unknown owner unit "nobody"`},
		{"interval", func(s *Sensor) { s.Interval = 0 }, "reporting interval"},
		{"outside", func(s *Sensor) { s.Lat = 20 }, "outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.mod(&s)
			_, err := New([]Sensor{s}, Options{Locate: fakeLocate, KnownUnit: func(c string) bool { return c == "u.1" }})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := New([]Sensor{ok, ok}, Options{}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestParseCSVErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "header"},
		{"missing column", "id,kind,unit,lat,lon,owner\n", `lacks column "interval"`},
		{"bad lat", "id,kind,unit,lat,lon,owner,interval\nA,aqi,aqi,x,1,u,60\n", `line 2: lat "x"`},
		{"bad interval", "id,kind,unit,lat,lon,owner,interval\nA,aqi,aqi,1,1,u,soon\n", `interval "soon"`},
		{"huge interval", "id,kind,unit,lat,lon,owner,interval\nA,aqi,aqi,1,1,u,99999999999\n", "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add(goodCSV)
	f.Add("id,kind,unit,lat,lon,owner,interval\n\"a\"\"b\",aqi,aqi,1e3,NaN,u,1h\n")
	f.Fuzz(func(t *testing.T, in string) {
		ss, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		r, err := New(ss, Options{})
		if err != nil {
			return
		}
		for _, s := range r.All() {
			if got, ok := r.Lookup(s.ID); !ok || r.Sensor(got).ID != s.ID {
				t.Fatalf("lookup of %q failed", s.ID)
			}
			if s.Interval < time.Second {
				t.Fatalf("interval %v accepted", s.Interval)
			}
		}
	})
}
