package classify

import (
	"compress/gzip"
	"encoding/gob"
	"fmt"
	"io"
	"math"
	"slices"

	"yiwang/internal/nlp/text"
)

// The model file: gzip of one gob-encoded modelFile. FileVersion changes
// whenever the features or the meaning of a field change. Version 2 added
// the gram lengths and the dense projection (Options.MinGram, MaxGram,
// Dense); ReadModel still reads version 1 files (character 1-3-grams, no
// projection: the same model as before) and refuses any other version.
const (
	FileFormat  = "yiwang-nlp-classifier"
	FileVersion = 2
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
	W           []float32 // (len(Hashes) + DenseK) × len(Labels)
	B           []float32
	// Version 2. MinGram = MaxGram = 0: character 1-3-grams.
	MinGram, MaxGram int
	DenseK           int // 0: no projection
	DenseHashes      []uint64
	DenseIDF         []float32
	DenseV           []float32 // len(DenseHashes) × DenseK
	DenseScale       float64
	DenseRaw         bool
}

// WriteModel writes m in the versioned model file format.
func WriteModel(w io.Writer, m *Model) error {
	if m.feat.seg != nil {
		return fmt.Errorf("%w: a model with word features (Options.Segmenter) has no file format", ErrBadModel)
	}
	f := modelFile{
		Format: FileFormat, Version: FileVersion, Labels: m.Labels, TitleWeight: m.TitleWeight,
		Temperature: m.Temperature, Hashes: m.hashes, IDF: m.IDF, W: m.W, B: m.B,
		MinGram: m.feat.minN, MaxGram: m.feat.maxN,
	}
	if p := m.proj; p != nil {
		f.DenseK, f.DenseHashes, f.DenseIDF, f.DenseV, f.DenseScale, f.DenseRaw = p.k, p.hashes, p.idf, p.v, p.scale, p.raw
	}
	zw := gzip.NewWriter(w)
	err := gob.NewEncoder(zw).Encode(f)
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
	if f.Format != FileFormat || f.Version < 1 || f.Version > FileVersion {
		return nil, fmt.Errorf("model is %q version %d, want %q version 1 to %d: %w", f.Format, f.Version, FileFormat, FileVersion, ErrBadModel)
	}
	if f.Version == 1 && (f.MinGram != 0 || f.MaxGram != 0 || f.DenseK != 0 || len(f.DenseHashes) > 0) {
		return nil, fmt.Errorf("version 1 model has version 2 fields: %w", ErrBadModel)
	}
	C := len(f.Labels)
	switch {
	case C < 2:
		return nil, fmt.Errorf("model has %d labels, need 2: %w", C, ErrBadModel)
	case (f.MinGram == 0) != (f.MaxGram == 0) || f.MinGram < 0 || f.MinGram > f.MaxGram || f.MaxGram > text.MaxGramLen:
		return nil, fmt.Errorf("model gram lengths %d-%d invalid: %w", f.MinGram, f.MaxGram, ErrBadModel)
	case f.DenseK < 0 || len(f.DenseIDF) != len(f.DenseHashes) || len(f.DenseV) != len(f.DenseHashes)*f.DenseK ||
		f.DenseK > 0 && (len(f.DenseHashes) == 0 || !finite(f.DenseScale) || f.DenseScale <= 0):
		return nil, fmt.Errorf("model dense projection invalid (%d dimensions, %d grams, %d idf, %d coordinates, scale %v): %w",
			f.DenseK, len(f.DenseHashes), len(f.DenseIDF), len(f.DenseV), f.DenseScale, ErrBadModel)
	case len(f.IDF) != len(f.Hashes) || len(f.W) != (len(f.Hashes)+f.DenseK)*C || len(f.B) != C:
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
	for _, hs := range [][]uint64{f.Hashes, f.DenseHashes} {
		for i := 1; i < len(hs); i++ {
			if hs[i] <= hs[i-1] {
				return nil, fmt.Errorf("model feature hashes not strictly increasing at %d: %w", i, ErrBadModel)
			}
		}
	}
	for _, arr := range [][]float32{f.IDF, f.W, f.B, f.DenseIDF, f.DenseV} {
		for _, v := range arr {
			if !finite(float64(v)) {
				return nil, fmt.Errorf("model holds a non-finite number: %w", ErrBadModel)
			}
		}
	}
	m := &Model{Labels: f.Labels, TitleWeight: f.TitleWeight, Temperature: f.Temperature, IDF: f.IDF, W: f.W, B: f.B, hashes: f.Hashes,
		feat: featurizer{minN: f.MinGram, maxN: f.MaxGram}}
	m.index()
	if f.DenseK > 0 {
		m.proj = &projection{hashes: f.DenseHashes, idf: f.DenseIDF, v: f.DenseV, k: f.DenseK, scale: f.DenseScale, raw: f.DenseRaw}
		m.proj.index()
	}
	return m, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
