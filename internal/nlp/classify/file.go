package classify

import (
	"compress/gzip"
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"slices"
)

// The model file: gzip of one gob-encoded modelFile. FileVersion changes
// whenever the features or the meaning of a field change; ReadModel refuses
// other versions.
const (
	FileFormat  = "yiwang-nlp-classifier"
	FileVersion = 1
)

// maxModelBytes bounds the decompressed size ReadModel accepts.
const maxModelBytes = 1 << 30

type modelFile struct {
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

// WriteModel writes m in the versioned model file format.
func WriteModel(w io.Writer, m *Model) error {
	if m.feat.seg != nil {
		return fmt.Errorf("%w: a model with word features (Options.Segmenter) has no file format", ErrBadModel)
	}
	zw := gzip.NewWriter(w)
	err := gob.NewEncoder(zw).Encode(modelFile{
		Format: FileFormat, Version: FileVersion, Labels: m.Labels, TitleWeight: m.TitleWeight,
		Temperature: m.Temperature, Hashes: m.hashes, IDF: m.IDF, W: m.W, B: m.B,
	})
	if err != nil {
		return fmt.Errorf("encoding model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing model: %w", err)
	}
	return nil
}

// ReadModel reads and validates a model file written by WriteModel.
func ReadModel(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("opening model: %w: %w", ErrBadModel, err)
	}
	var f modelFile
	if err := gob.NewDecoder(io.LimitReader(zr, maxModelBytes)).Decode(&f); err != nil {
		return nil, fmt.Errorf("decoding model: %w: %w", ErrBadModel, err)
	}
	if f.Format != FileFormat || f.Version != FileVersion {
		return nil, fmt.Errorf("model is %q version %d, want %q version %d: %w", f.Format, f.Version, FileFormat, FileVersion, ErrBadModel)
	}
	C := len(f.Labels)
	switch {
	case C < 2:
		return nil, fmt.Errorf("model has %d labels, need 2: %w", C, ErrBadModel)
	case len(f.IDF) != len(f.Hashes) || len(f.W) != len(f.Hashes)*C || len(f.B) != C:
		return nil, fmt.Errorf("model arrays disagree (%d hashes, %d idf, %d weights, %d biases, %d labels): %w",
			len(f.Hashes), len(f.IDF), len(f.W), len(f.B), C, ErrBadModel)
	case !finite(f.TitleWeight) || f.TitleWeight <= 0 || !finite(f.Temperature) || f.Temperature <= 0:
		return nil, fmt.Errorf("model title weight %v or temperature %v invalid: %w", f.TitleWeight, f.Temperature, ErrBadModel)
	}
	for i, l := range f.Labels {
		if l == "" || slices.Contains(f.Labels[:i], l) {
			return nil, fmt.Errorf("model label %d %q empty or repeated: %w", i, l, ErrBadModel)
		}
	}
	for i := 1; i < len(f.Hashes); i++ {
		if f.Hashes[i] <= f.Hashes[i-1] {
			return nil, fmt.Errorf("model feature hashes not strictly increasing at %d: %w", i, ErrBadModel)
		}
	}
	for _, arr := range [][]float32{f.IDF, f.W, f.B} {
		for _, v := range arr {
			if !finite(float64(v)) {
				return nil, fmt.Errorf("model holds a non-finite number: %w", ErrBadModel)
			}
		}
	}
	m := &Model{Labels: f.Labels, TitleWeight: f.TitleWeight, Temperature: f.Temperature, IDF: f.IDF, W: f.W, B: f.B, hashes: f.Hashes}
	m.index()
	return m, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
