package auth

import (
	"testing"

	"yiwang/internal/cases"
)

// TestMayActSystemOnly checks that no role, admin included, may take the
// platform's own actions, while admin keeps every other action.
func TestMayActSystemOnly(t *testing.T) {
	for _, a := range cases.Actions() {
		for _, r := range Roles {
			p := Principal{Roles: []Role{r}}
			if a.SystemOnly() && p.MayAct(a) {
				t.Errorf("role %s may %s, a platform-only action", r, a)
			}
		}
		if got := (Principal{Roles: Roles}).MayAct(a); got == a.SystemOnly() {
			t.Errorf("every role together: MayAct(%s) = %v", a, got)
		}
	}
	if !cases.ActionRelay.SystemOnly() {
		t.Fatal("relay is not platform-only")
	}
}
