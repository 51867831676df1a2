package classify

import (
	"os"
	"testing"
)

const labeledCSV = "../../../../shared/data/tipdm2020c/messages_labeled.csv"

// labeled returns the real labelled messages, skipping when the reference
// data is not on this machine.
func labeled(t testing.TB) []Example {
	t.Helper()
	f, err := os.Open(labeledCSV)
	if err != nil {
		t.Skipf("reference data not available: %v", err)
	}
	defer f.Close()
	ex, err := ReadCSV(f, "level1")
	if err != nil {
		t.Fatal(err)
	}
	return ex
}
