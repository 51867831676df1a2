package auth

import (
	"context"
	"errors"
	"fmt"
)

// DemoUser is one user the demo creates; its password is "demo-" + Login.
type DemoUser struct {
	Login, Name, Unit string
	Roles             []Role
}

// Password is the demo user's password.
func (d DemoUser) Password() string { return "demo-" + d.Login }

// DemoUsers are the demo's users, on real units of the demo directory
// (internal/dispatch/data/units.yaml).
var DemoUsers = []DemoUser{
	{"admin", "系统管理员", "zhengfu.420100", []Role{RoleAdmin}},           // 武汉市人民政府 (city root)
	{"dispatcher", "市级分拨员", "zhengwu.420100", []Role{RoleDispatcher}}, // 市政务服务 (12345 centre), city-wide
	{"supervisor", "督办员", "zhengwu.420100", []Role{RoleSupervisor}},
	{"commander", "指挥长", "zhengfu.420100", []Role{RoleCommander}},
	{"analyst", "分析员", "zhengwu.420100", []Role{RoleAnalyst}},
	{"agent", "12345 话务员", "zhengwu.420100", []Role{RoleAgent}},
	{"inspector", "网格员（大智街道）", "jiedao.420102002", []Role{RoleInspector}},       // 江岸区大智街道办事处
	{"handler-jiangan-cg", "江岸区城管承办人", "chengguan.420102", []Role{RoleHandler}}, // 江岸区城管
	{"handler-wuchang-sw", "武昌区水务承办人", "shuiwu.420106", []Role{RoleHandler}},    // 武昌区水务
}

// EnsureDemoUsers creates the demo users that do not exist yet and
// returns the ones it created.
func (s *Service) EnsureDemoUsers(ctx context.Context) ([]DemoUser, error) {
	var made []DemoUser
	for _, d := range DemoUsers {
		if _, err := s.GetUser(ctx, d.Login); err == nil {
			continue
		} else if !errors.Is(err, ErrNoSuchUser) {
			return made, err
		}
		_, err := s.createUser(ctx, NewUser{Login: d.Login, Name: d.Name, Unit: d.Unit, Roles: d.Roles, Password: d.Password()}, "demo")
		if errors.Is(err, ErrUserExists) {
			continue
		}
		if err != nil {
			return made, fmt.Errorf("demo user %q: %w", d.Login, err)
		}
		made = append(made, d)
	}
	return made, nil
}
