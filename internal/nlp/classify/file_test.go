package classify

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"errors"
	"strings"
	"testing"
)

// unlabeledToy is text for the dense projection of the toy models.
var unlabeledToy = []Example{
	{Title: "物业收费", Body: "小区物业费太高，物业公司乱收费"},
	{Title: "电梯维修", Body: "小区电梯坏了物业不修"},
	{Title: "学校补课", Body: "学校老师组织学生补课收费"},
	{Title: "入学", Body: "幼儿园学位不足，孩子入学难"},
	{Title: "公交", Body: "公交班次太少，公交车站太远"},
	{Title: "出租车", Body: "出租车拒载，司机态度差"},
}

// TestModelFileVersions writes and reads models of every feature setting
// the file holds (gram lengths, dense projection): predictions survive the
// round trip exactly.
func TestModelFileVersions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"grams 1-3", Options{}},
		{"grams 1-4", Options{MaxGram: 4}},
		{"grams 2-4", Options{MinGram: 2, MaxGram: 4}},
		{"dense", Options{Dense: 3, DenseText: unlabeledToy}},
		{"dense raw, grams 1-4", ExpRawOptions(Options{MaxGram: 4, Dense: 2, DenseScale: 0.5, DenseText: unlabeledToy})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.MinDF, o.Seed, o.CalibrationFolds = 1, 2, 3
			m, err := Train(toy, o)
			if err != nil {
				t.Fatal(err)
			}
			if (m.proj != nil) != (o.Dense > 0) {
				t.Fatalf("dense %d, projection %v", o.Dense, m.proj != nil)
			}
			back, _ := roundTrip(t, m)
			if back.feat != m.feat {
				t.Errorf("features %+v after, %+v before", back.feat, m.feat)
			}
			for _, e := range append(toy, Example{Title: "物业电梯", Body: "出租车 学校 公交"}) {
				a, b := m.Predict(e.Title, e.Body, 0), back.Predict(e.Title, e.Body, 0)
				for i := range a {
					if a[i].Label != b[i].Label || a[i].Confidence != b[i].Confidence {
						t.Errorf("%q: %+v before, %+v after", e.Title, a[i], b[i])
					}
				}
			}
		})
	}
}

// TestModelFileVersion1 reads a version 1 file (as written before the gram
// lengths and the projection existed) and refuses an unknown version with
// an error that names it.
func TestModelFileVersion1(t *testing.T) {
	m, err := Train(toy, Options{MinDF: 1, Seed: 2, CalibrationFolds: 1})
	if err != nil {
		t.Fatal(err)
	}
	// v1 is the version 1 file layout, field for field.
	type v1 struct {
		Format      string
		Version     int
		Labels      []string
		TitleWeight float64
		Temperature float64
		Hashes      []uint64
		IDF         []float32
		W           []float32
		B           []float32
	}
	encode := func(v any) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if err := gob.NewEncoder(zw).Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	old := v1{FileFormat, 1, m.Labels, m.TitleWeight, m.Temperature, m.hashes, m.IDF, m.W, m.B}
	back, err := ReadModel(bytes.NewReader(encode(old)))
	if err != nil {
		t.Fatalf("version 1 file: %v", err)
	}
	for _, e := range toy {
		a, b := m.Predict(e.Title, e.Body, 1), back.Predict(e.Title, e.Body, 1)
		if a[0].Label != b[0].Label || a[0].Confidence != b[0].Confidence {
			t.Errorf("%q: %+v before, %+v from version 1", e.Title, a[0], b[0])
		}
	}
	for _, tt := range []struct {
		version int
		want    string
	}{{0, "version 0"}, {3, "version 3"}} {
		f := old
		f.Version = tt.version
		_, err := ReadModel(bytes.NewReader(encode(f)))
		if !errors.Is(err, ErrBadModel) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("version %d: err %v, want ErrBadModel naming %q", tt.version, err, tt.want)
		}
	}
	// A version 1 file cannot carry version 2 fields.
	withGrams := struct {
		Format                   string
		Version                  int
		Labels                   []string
		TitleWeight, Temperature float64
		Hashes                   []uint64
		IDF, W, B                []float32
		MinGram, MaxGram         int
	}{FileFormat, 1, m.Labels, m.TitleWeight, m.Temperature, m.hashes, m.IDF, m.W, m.B, 1, 4}
	if _, err := ReadModel(bytes.NewReader(encode(withGrams))); !errors.Is(err, ErrBadModel) {
		t.Errorf("version 1 with gram lengths: err %v", err)
	}
	withGrams.Version = 2
	if _, err := ReadModel(bytes.NewReader(encode(withGrams))); err != nil {
		t.Errorf("version 2 with gram lengths 1-4: %v", err)
	}
	withGrams.MinGram, withGrams.MaxGram = 3, 2
	if _, err := ReadModel(bytes.NewReader(encode(withGrams))); !errors.Is(err, ErrBadModel) {
		t.Errorf("gram lengths 3-2: err %v", err)
	}
}
