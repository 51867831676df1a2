package dispatch

// Severity is a case's severity. In a Rule the empty Severity means "any".
type Severity string

// Severities.
const (
	SeverityAny      Severity = ""
	SeverityNormal   Severity = "normal"
	SeverityUrgent   Severity = "urgent"
	SeverityCritical Severity = "critical"
)

// ParseSeverity accepts "", "normal", "urgent" and "critical".
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case SeverityAny, SeverityNormal, SeverityUrgent, SeverityCritical:
		return Severity(s), nil
	}
	return "", malformed("severity %q: want normal, urgent, critical or empty", s)
}

func severityText(s Severity) string {
	if s == SeverityAny {
		return "any"
	}
	return string(s)
}

var severityZH = map[Severity]string{
	SeverityAny:      "不限",
	SeverityNormal:   "一般",
	SeverityUrgent:   "紧急",
	SeverityCritical: "特急",
}
