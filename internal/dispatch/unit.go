package dispatch

import (
	"slices"
	"time"
)

// Kind is the type of a unit, named as Wuhan's departments name themselves.
type Kind string

// Known kinds. NewDirectory refuses any other; add new kinds here.
const (
	KindGovernment       Kind = "人民政府"
	KindUrbanManagement  Kind = "城管"
	KindWater            Kind = "水务"
	KindTraffic          Kind = "交管"
	KindTransport        Kind = "交通运输"
	KindHousing          Kind = "住建"
	KindEcology          Kind = "生态环境"
	KindMarket           Kind = "市场监管"
	KindPolice           Kind = "公安"
	KindPower            Kind = "供电"
	KindGas              Kind = "燃气"
	KindStreetOffice     Kind = "街道办"
	KindCommunity        Kind = "社区居委会"
	KindEducation        Kind = "教育"
	KindHealth           Kind = "卫健"
	KindLabour           Kind = "人社"
	KindCommerce         Kind = "商务"
	KindCultureTourism   Kind = "文旅"
	KindSports           Kind = "体育"
	KindCivilAffairs     Kind = "民政"
	KindNaturalResources Kind = "自然资源和规划"
	KindAgriculture      Kind = "农业农村"
	KindEmergency        Kind = "应急管理"
	KindDevelopment      Kind = "发展改革"
	KindIndustryIT       Kind = "经济和信息化"
	KindJustice          Kind = "司法"
	KindDiscipline       Kind = "纪检监察"
	KindGovService       Kind = "政务服务"
)

var knownKinds = []Kind{
	KindGovernment, KindUrbanManagement, KindWater, KindTraffic, KindTransport,
	KindHousing, KindEcology, KindMarket, KindPolice, KindPower, KindGas,
	KindStreetOffice, KindCommunity, KindEducation, KindHealth, KindLabour,
	KindCommerce, KindCultureTourism, KindSports, KindCivilAffairs,
	KindNaturalResources, KindAgriculture, KindEmergency, KindDevelopment,
	KindIndustryIT, KindJustice, KindDiscipline, KindGovService,
}

// Kinds returns the known kinds.
func Kinds() []Kind { return slices.Clone(knownKinds) }

// Unit is a handling unit (处置单位).
type Unit struct {
	Code string `yaml:"code"` // unique, e.g. "chengguan.420106"
	Name string `yaml:"name"`
	Kind Kind   `yaml:"kind"`
	// Parent is the supervising unit's code, "" for a root. The parent
	// chain is the escalation chain.
	Parent string `yaml:"parent,omitempty"`
	// Areas are the area codes of the unit's jurisdiction (at least one),
	// each inside one of the parent's areas.
	Areas []string `yaml:"areas"`
	// Schedule is "24x7" or daily spans, see ParseSchedule.
	Schedule string `yaml:"schedule"`
	// ReturnWindow is how long after assignment the unit may return
	// (退回) a case it considers misrouted; 0 means it may not.
	ReturnWindow time.Duration `yaml:"return_window"`
	Source       Source        `yaml:"-"`
}

// Covers reports whether one of the unit's areas covers the area code.
func (u Unit) Covers(area string) bool {
	for _, a := range u.Areas {
		if CoversArea(a, area) {
			return true
		}
	}
	return false
}

func (u Unit) clone() Unit {
	u.Areas = slices.Clone(u.Areas)
	return u
}

// checkUnit validates one unit's own fields.
func checkUnit(u Unit) []error {
	var errs []error
	add := func(field string, err error) {
		errs = append(errs, &FieldError{Source: u.Source, Subject: "unit " + quote(u.Code), Field: field, Err: err})
	}
	if err := checkIdent(u.Code); err != nil {
		add("code", err)
	}
	if u.Name == "" {
		add("name", malformed("name is empty"))
	}
	if !slices.Contains(knownKinds, u.Kind) {
		add("kind", malformed("unknown kind %q", u.Kind))
	}
	if u.Parent != "" {
		if err := checkIdent(u.Parent); err != nil {
			add("parent", err)
		}
	}
	if len(u.Areas) == 0 {
		add("areas", malformed("no areas"))
	}
	for _, a := range u.Areas {
		if _, err := AreaLevelOf(a); err != nil {
			add("areas", err)
		}
	}
	if _, err := ParseSchedule(u.Schedule); err != nil {
		add("schedule", err)
	}
	if u.ReturnWindow < 0 || u.ReturnWindow%time.Minute != 0 {
		add("return_window", malformed("return window %v: want whole minutes, e.g. \"2h\" or \"90m\"", u.ReturnWindow))
	}
	return errs
}

// checkIdent validates unit codes and rule ids: 1 to 128 characters, none
// of them a space, a control character, ',' or '|'.
func checkIdent(s string) error {
	if s == "" || len(s) > 128 {
		return malformed("identifier %q: want 1 to 128 characters", s)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == ',' || r == '|' || r == '\uFFFD' {
			return malformed("identifier %q: contains %q", s, r)
		}
	}
	return nil
}
