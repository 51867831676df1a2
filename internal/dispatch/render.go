package dispatch

import (
	"fmt"
	"strings"
)

// Lang selects the language of Explain.
type Lang string

// Languages of Explain.
const (
	LangZH Lang = "zh"
	LangEN Lang = "en"
)

// explainLimit caps each list of rules in Explain.
const explainLimit = 10

var areaLevelZH = [...]string{"", "市", "区", "街道", "社区", "网格"}
var weekdayZH = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// Explain renders the decision for people, in Chinese (LangZH) or English
// (any other Lang). Without an Explanation (from Decide) it states the
// outcome only.
func (d Decision) Explain(lang Lang) string {
	zh := lang == LangZH
	var b strings.Builder
	x := d.Explanation
	switch {
	case d.Manual && zh:
		b.WriteString("无规则覆盖本案，转入派单员人工派单队列。\n")
	case d.Manual:
		b.WriteString("No rule covers this case: it goes to the dispatchers' manual queue.\n")
	case zh:
		fmt.Fprintf(&b, "主办：%s；协办：%s；依据规则 %s。\n", unitText(d.Lead, x, -1), coText(d, x, "无", "、"), d.RuleID)
	default:
		fmt.Fprintf(&b, "Lead: %s; co: %s; by rule %s.\n", unitText(d.Lead, x, -1), coText(d, x, "none", ", "), d.RuleID)
	}
	if x == nil {
		return b.String()
	}
	if x.Winner != nil {
		if zh {
			fmt.Fprintf(&b, "命中理由（具体度 %s）：%s\n", x.Winner.Specificity, reasonsText(x.Winner.Reasons, x, zh))
		} else {
			fmt.Fprintf(&b, "Why (specificity %s): %s\n", x.Winner.Specificity, reasonsText(x.Winner.Reasons, x, zh))
		}
	}
	if len(x.Outranked) > 0 {
		b.WriteString(pick(zh, "同样匹配但不如胜出规则具体：\n", "Also matched, but less specific:\n"))
		for i, o := range x.Outranked {
			if i == explainLimit {
				fmt.Fprintf(&b, pick(zh, "  ……另有 %d 条\n", "  … and %d more\n"), len(x.Outranked)-i)
				break
			}
			fmt.Fprintf(&b, "  - %s → %s: %s\n", o.Rule.ID, o.Rule.Lead, lostText(o, x.Winner, zh))
		}
	}
	if len(x.NearMisses) > 0 {
		b.WriteString(pick(zh, "仅一项不符的规则：\n", "Failed on one criterion only:\n"))
		for i, n := range x.NearMisses {
			if i == explainLimit {
				break
			}
			fmt.Fprintf(&b, "  - %s → %s: %s\n", n.Rule.ID, n.Rule.Lead, reasonText(n.Reasons[n.Failed], x, zh))
		}
		if more := x.NearMissCount - min(len(x.NearMisses), explainLimit); more > 0 {
			fmt.Fprintf(&b, pick(zh, "  ……另有 %d 条\n", "  … and %d more\n"), more)
		}
	}
	return b.String()
}

func pick(zh bool, a, b string) string {
	if zh {
		return a
	}
	return b
}

func unitText(code string, x *Explanation, co int) string {
	name := ""
	if x != nil {
		if co < 0 {
			name = x.LeadName
		} else if co < len(x.CoNames) {
			name = x.CoNames[co]
		}
	}
	if name == "" {
		return code
	}
	return name + " (" + code + ")"
}

func coText(d Decision, x *Explanation, none, sep string) string {
	if len(d.Co) == 0 {
		return none
	}
	parts := make([]string, len(d.Co))
	for i, c := range d.Co {
		parts[i] = unitText(c, x, i)
	}
	return strings.Join(parts, sep)
}

func reasonsText(rs [4]Reason, x *Explanation, zh bool) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = reasonText(r, x, zh)
	}
	return strings.Join(parts, pick(zh, "；", ", "))
}

// reasonText renders one comparison, e.g. "category 0103 ⊂ 01".
func reasonText(r Reason, x *Explanation, zh bool) string {
	name := r.Criterion.String()
	if zh {
		name = criterionZH[r.Criterion]
	}
	switch r.Criterion {
	case CriterionCategory, CriterionArea:
		rel := "⊂"
		switch {
		case !r.OK:
			rel = "⊄"
		case r.Rule == r.Case:
			rel = "="
		}
		return fmt.Sprintf("%s %s %s %s", name, orDash(r.Case), rel, r.Rule)
	case CriterionSeverity:
		sev := func(s string) string {
			if zh {
				if t, ok := severityZH[Severity(s)]; ok {
					return t
				}
			}
			return severityText(Severity(s))
		}
		switch {
		case r.Rule == "":
			return name + " " + sev("")
		case r.OK:
			return fmt.Sprintf("%s %s = %s", name, sev(r.Case), sev(r.Rule))
		}
		return fmt.Sprintf("%s %s ≠ %s", name, sev(r.Case), sev(r.Rule))
	}
	if r.Rule == "" {
		return name + " " + pick(zh, "不限", "any")
	}
	at := r.Case
	if zh && x != nil {
		t := x.Query.At.In(cst)
		at = t.Format("2006-01-02 15:04 ") + weekdayZH[t.Weekday()]
	}
	rel := "∋"
	if !r.OK {
		rel = "∌"
	}
	return fmt.Sprintf("%s %s %s %s", name, r.Rule, rel, at)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lostText says why an outranked rule lost to the winner.
func lostText(o Outranked, w *Match, zh bool) string {
	if w == nil {
		return ""
	}
	r, win := o.Rule, w.Rule
	switch o.LostOn {
	case CriterionCategory:
		return fmt.Sprintf(pick(zh, "类别 %s（%d 级）不如 %s（%d 级）具体", "category %s (depth %d) is less specific than %s (depth %d)"),
			r.Category, o.Specificity.Category, win.Category, w.Specificity.Category)
	case CriterionArea:
		if zh {
			return fmt.Sprintf("区域 %s（%s级）大于 %s（%s级）", r.Area, areaLevelZH[o.Specificity.Area], win.Area, areaLevelZH[w.Specificity.Area])
		}
		return fmt.Sprintf("area %s (%s) is larger than %s (%s)", r.Area, o.Specificity.Area, win.Area, w.Specificity.Area)
	case CriterionSeverity:
		return fmt.Sprintf(pick(zh, "未限定紧急程度，胜出规则限定为 %s", "names no severity, the winner names %s"), win.Severity)
	}
	return fmt.Sprintf(pick(zh, "未限定时段，胜出规则限定为 %s", "has no time window, the winner has %s"), win.Window)
}
