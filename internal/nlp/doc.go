// Package nlp is the root of Yiwang's message-reading packages; its own code
// only trains the default category classifier from the embedded labelled
// messages (TrainCategory). Reading a citizen message is split by concern:
//
//   - text: normalisation (width, case, numbers, masking of phone numbers
//     and identity numbers) and character n-gram features — the only way
//     text reaches a model.
//   - classify: a linear classifier (first-level category, unit type) with
//     calibrated confidence and the terms that drove each prediction, its
//     versioned model file, CSV loading and k-fold evaluation.
//   - unit: extraction of the answering unit from official replies and its
//     normalisation to a unit type (the router's labels).
//   - dedup: a SimHash index for near-duplicate messages within an area and
//     a time window.
//   - hot: clustering of recent messages into issues ranked by a heat index.
//
// Everything is pure Go, needs no dictionary or model download, and takes
// time as an input.
package nlp
