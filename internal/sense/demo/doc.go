// Package demo owns the demonstration sensor set of the city's vital
// signs: a GENERATED registry of about 200 sensor points placed at grid
// centroids across Wuhan's 13 districts, owned by the demo units of the
// responsibility list, and the alarm rules that go with it. Nothing here
// is a real sensor: ids start with "GEN-" and the files say so.
//
// The files are written by TestGenerate (go test ./internal/sense/demo
// -run TestGenerate -update) from the embedded geography; every other test
// checks that they still validate with the sense library.
package demo
