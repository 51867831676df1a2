package hier

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"yiwang/internal/nlp/classify"
)

// ErrBadModel is wrapped by every error about an invalid model file.
var ErrBadModel = errors.New("bad hierarchical classifier model")

// The model file: gzip of one gob-encoded hierFile whose models are
// classify model files (classify.WriteModel). ReadModel refuses other
// versions, but loads a plain classify model file (the level-1 model
// written before this format) as a model without children.
const (
	FileFormat  = "yiwang-nlp-hier"
	FileVersion = 1
)

// maxFileBytes bounds the file ReadModel reads.
const maxFileBytes = 1 << 30

type fileNode struct {
	Path  []string
	Model []byte
}

// hierFile shares only Format and Version with classify's file, so a
// classify file decodes into it with those two set.
type hierFile struct {
	Format    string
	Version   int
	Threshold float64
	Root      []byte
	Nodes     []fileNode
}

func encodeModel(m *classify.Model) ([]byte, error) {
	var b bytes.Buffer
	if err := classify.WriteModel(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteModel writes m in the versioned file format, children in path
// order.
func WriteModel(w io.Writer, m *Model) error {
	f := hierFile{Format: FileFormat, Version: FileVersion, Threshold: m.Threshold}
	var err error
	if f.Root, err = encodeModel(m.Root); err != nil {
		return fmt.Errorf("level-1 model: %w", err)
	}
	keys := make([]string, 0, len(m.Children))
	for k := range m.Children {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, err := encodeModel(m.Children[k])
		if err != nil {
			return fmt.Errorf("child model of %q: %w", strings.ReplaceAll(k, "\x1f", " / "), err)
		}
		f.Nodes = append(f.Nodes, fileNode{Path: strings.Split(k, "\x1f"), Model: b})
	}
	zw := gzip.NewWriter(w)
	if err := gob.NewEncoder(zw).Encode(f); err != nil {
		return fmt.Errorf("encoding model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing model: %w", err)
	}
	return nil
}

// ReadModel reads and validates a file written by WriteModel, or a
// level-1 classify model file (then the model has no children and the
// default threshold).
func ReadModel(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading model: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("model file over %d bytes: %w", maxFileBytes, ErrBadModel)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("opening model: %w: %w", ErrBadModel, err)
	}
	var f hierFile
	if err := gob.NewDecoder(io.LimitReader(zr, maxFileBytes)).Decode(&f); err != nil {
		return nil, fmt.Errorf("decoding model: %w: %w", ErrBadModel, err)
	}
	if f.Format == classify.FileFormat {
		root, err := classify.ReadModel(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("level-1 model file: %w", err)
		}
		return &Model{Root: root, Children: map[string]*classify.Model{}, Threshold: DefaultThreshold}, nil
	}
	if f.Format != FileFormat || f.Version != FileVersion {
		return nil, fmt.Errorf("model is %q version %d, want %q version %d or a %q file: %w", f.Format, f.Version, FileFormat, FileVersion, classify.FileFormat, ErrBadModel)
	}
	if math.IsNaN(f.Threshold) || f.Threshold <= 0 || f.Threshold > 1 {
		return nil, fmt.Errorf("model threshold %v not within (0, 1]: %w", f.Threshold, ErrBadModel)
	}
	root, err := classify.ReadModel(bytes.NewReader(f.Root))
	if err != nil {
		return nil, fmt.Errorf("level-1 model: %w: %w", ErrBadModel, err)
	}
	m := &Model{Root: root, Children: map[string]*classify.Model{}, Threshold: f.Threshold}
	labels := func(path []string) []string { // the labels a node's parent can give
		if len(path) == 1 {
			return root.Labels
		}
		if p := m.Children[Key(path[:len(path)-1])]; p != nil {
			return p.Labels
		}
		return nil
	}
	for i, n := range f.Nodes {
		k := Key(n.Path)
		switch {
		case len(n.Path) == 0 || len(n.Path) >= MaxDepth:
			return nil, fmt.Errorf("child model %d: path of %d labels, want 1 to %d: %w", i, len(n.Path), MaxDepth-1, ErrBadModel)
		case m.Children[k] != nil:
			return nil, fmt.Errorf("child model %d: path %q repeated: %w", i, n.Path, ErrBadModel)
		case !slices.Contains(labels(n.Path), n.Path[len(n.Path)-1]):
			// Written in path order, so a parent always comes first.
			return nil, fmt.Errorf("child model %d: path %q is not a class of the model above it: %w", i, n.Path, ErrBadModel)
		}
		c, err := classify.ReadModel(bytes.NewReader(n.Model))
		if err != nil {
			return nil, fmt.Errorf("child model %q: %w: %w", n.Path, ErrBadModel, err)
		}
		m.Children[k] = c
	}
	return m, nil
}
