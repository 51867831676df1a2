package auth

import (
	"fmt"
	"slices"

	"yiwang/internal/cases"
)

// Role is what a user does on the platform.
type Role string

// The roles.
const (
	RoleAdmin      Role = "admin"      // manages users, rules; sees everything, personal data masked
	RoleDispatcher Role = "dispatcher" // 分拨员: dispatches cases
	RoleHandler    Role = "handler"    // 承办人: works the cases of its unit
	RoleSupervisor Role = "supervisor" // 督办: supervises and arbitrates
	RoleAgent      Role = "agent"      // 12345 hotline agent
	RoleInspector  Role = "inspector"  // 网格员: grid inspector
	RoleCommander  Role = "commander"  // 指挥长: the situation screen
	RoleAnalyst    Role = "analyst"    // 分析员: statistics
	RoleDevice     Role = "device"     // machines (sensor gateways, load generators); API tokens only
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleDispatcher, RoleHandler, RoleSupervisor, RoleAgent, RoleInspector, RoleCommander, RoleAnalyst, RoleDevice}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// checkRoles validates a user's roles: at least one, each known, no repeats.
func checkRoles(rs []Role) error {
	if len(rs) == 0 {
		return &FieldError{Field: "roles", Reason: fmt.Sprintf("must name at least one role of %v", Roles)}
	}
	for i, r := range rs {
		if !r.Valid() {
			return &FieldError{Field: fmt.Sprintf("roles[%d]", i), Reason: fmt.Sprintf("%q is not a role; known: %v", r, Roles)}
		}
		if slices.Contains(rs[:i], r) {
			return &FieldError{Field: fmt.Sprintf("roles[%d]", i), Reason: fmt.Sprintf("%q is given twice", r)}
		}
	}
	return nil
}

// revealRoles see reporters' phone numbers in full (a handler only on the
// cases in its scope, which are the only ones it can read).
var revealRoles = []Role{RoleAgent, RoleDispatcher, RoleSupervisor, RoleHandler}

// areaRoles see the cases located in their unit's areas, whatever unit
// leads them (every user of a territorial unit does too).
var areaRoles = []Role{RoleDispatcher, RoleSupervisor, RoleCommander, RoleAnalyst, RoleAgent, RoleInspector}

// unitActions are what a handling unit does with its cases.
var unitActions = []cases.Action{cases.ActionAccept, cases.ActionReturn, cases.ActionStart, cases.ActionResolve,
	cases.ActionRequestExtension, cases.ActionReport, cases.ActionNote, cases.ActionMerge}

// ActionRoles says which roles may take which lifecycle action through
// POST /api/v1/cases/{id}/transitions (on a case in their scope; the
// lifecycle then decides whether the case's state allows it). Admin may
// take every action but the platform's own (cases.Action.SystemOnly:
// relay), which no person takes.
var ActionRoles = map[Role][]cases.Action{
	RoleHandler: unitActions,
	RoleDispatcher: {cases.ActionDispatch, cases.ActionReassign, cases.ActionRecategorise, cases.ActionVerify, cases.ActionClose,
		cases.ActionReopen, cases.ActionApproveExtension, cases.ActionRefuseExtension, cases.ActionSuspend, cases.ActionResume,
		cases.ActionSummon, cases.ActionMerge, cases.ActionVoid, cases.ActionNote, cases.ActionSupervise},
	RoleSupervisor: {cases.ActionSupervise, cases.ActionSummon, cases.ActionApproveExtension, cases.ActionRefuseExtension,
		cases.ActionDispatch, cases.ActionReassign, cases.ActionReopen, cases.ActionNote},
	RoleAgent:     {cases.ActionVerify, cases.ActionClose, cases.ActionReopen, cases.ActionNote},
	RoleCommander: {cases.ActionSummon, cases.ActionSupervise, cases.ActionNote},
}

// mayAct reports whether a principal with roles may take action.
func mayAct(roles []Role, a cases.Action) bool {
	if a.SystemOnly() {
		return false
	}
	for _, r := range roles {
		if r == RoleAdmin || slices.Contains(ActionRoles[r], a) {
			return true
		}
	}
	return false
}
