package geo

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzLocate: Locate never panics and returns either a full chain or a wrapped sentinel.
func FuzzLocate(f *testing.F) {
	x := testIndex(f)
	for _, s := range [][2]float64{
		{30.5928, 114.3055}, {39.9, 116.4}, {math.NaN(), 0}, {91, 0}, {-90, -180}, {90, 180},
		{30.0, 114.0}, {math.Inf(1), 114}, {30.6, math.SmallestNonzeroFloat64},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, lat, lon float64) {
		c, err := x.Locate(lat, lon)
		if err != nil {
			if !errors.Is(err, ErrOutside) && !errors.Is(err, ErrInvalidPoint) {
				t.Fatalf("Locate(%v, %v): unexpected error %v", lat, lon, err)
			}
			if c != (Chain{}) {
				t.Fatalf("Locate(%v, %v): error with chain %+v", lat, lon, c)
			}
			return
		}
		if c.District.Code == "" || c.Street.Code == "" || c.Community.Code == "" || c.Grid.Code == "" {
			t.Fatalf("Locate(%v, %v): incomplete chain %+v", lat, lon, c)
		}
	})
}

// FuzzParseAdminCodes: the parser never panics, and what it accepts is well formed.
func FuzzParseAdminCodes(f *testing.F) {
	f.Add(adminCodesCSV[:400])
	f.Add([]byte("code,name,parent_code,level\n420100,武汉市,420000,city\n420102002,大智街道,420102,street\n"))
	f.Add([]byte("code,name,parent_code,level\n"))
	f.Add([]byte("code,name\n1,2\n"))
	f.Add([]byte("code,name,parent_code,level\n\"4201\n00\",x,,city\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		codes, err := ParseAdminCodes(bytes.NewReader(data))
		if err != nil {
			return
		}
		if codes.City.Code == "" || !allDigits(codes.City.Code) {
			t.Fatalf("accepted city %+v", codes.City)
		}
		for _, s := range codes.Streets {
			if s.Code == "" || s.Name == "" || s.ParentCode == "" || !allDigits(s.Code) {
				t.Fatalf("accepted street %+v", s)
			}
		}
	})
}

func TestParseAdminCodes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		streets int
		wantErr bool
	}{
		{"embedded", string(adminCodesCSV), 193, false},
		{"minimal", "code,name,parent_code,level\n420100,武汉市,420000,city\n", 0, false},
		{"bad header", "id,name,parent,level\n420100,武汉市,420000,city\n", 0, true},
		{"no city", "code,name,parent_code,level\n420102002,大智街道,420102,street\n", 0, true},
		{"two cities", "code,name,parent_code,level\n1,a,,city\n2,b,,city\n", 0, true},
		{"street without parent", "code,name,parent_code,level\n1,a,,city\n2,b,,street\n", 0, true},
		{"non-digit code", "code,name,parent_code,level\n1,a,,city\n2x,b,1,street\n", 0, true},
		{"duplicate", "code,name,parent_code,level\n1,a,,city\n2,b,1,street\n2,c,1,street\n", 0, true},
		{"short row", "code,name,parent_code,level\n1,a,city\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, err := ParseAdminCodes(bytes.NewReader([]byte(tt.in)))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && len(codes.Streets) != tt.streets {
				t.Errorf("%d streets, want %d", len(codes.Streets), tt.streets)
			}
		})
	}
}
