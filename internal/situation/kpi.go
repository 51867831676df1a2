package situation

// KPI identifiers, stable API for clients.
const (
	KPIIntakeToday    = "intake_today"
	KPIResponseRate   = "response_rate"
	KPIResolutionRate = "resolution_rate"
	KPISatisfaction   = "satisfaction_rate"
	KPIOnTimeRate     = "on_time_rate"
	KPIOverdue        = "overdue"
	KPIOpen           = "open"
)

// Definition names and explains one KPI in Chinese and English.
type Definition struct {
	ID     string `json:"id"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	DefZH  string `json:"definition_zh"`
	DefEN  string `json:"definition_en"`
	// Ratio is true for rates (numerator / denominator), false for counts.
	Ratio bool `json:"ratio"`
}

// Definitions lists every KPI of a Snapshot, in display order.
func Definitions() []Definition {
	return []Definition{
		{ID: KPIIntakeToday, NameZH: "今日受理", NameEN: "Intake today",
			DefZH: "本日（北京时间 0 点起）新受理的案件数。",
			DefEN: "Cases created since midnight today, Asia/Shanghai time."},
		{ID: KPIResponseRate, Ratio: true, NameZH: "响应率", NameEN: "Response rate",
			DefZH: "按时签收次数 ÷ 派单次数。派单次数含派单、改派和重办；签收在当时的签收时限之前（或无时限）为按时。",
			DefEN: "Sign-offs within the sign-off deadline in force ÷ dispatches (dispatch, reassignment and reopening each count once). A sign-off with no deadline counts as on time."},
		{ID: KPIResolutionRate, Ratio: true, NameZH: "解决率", NameEN: "Resolution rate",
			DefZH: "已办结案件 ÷ 应办结案件。已办结：当前处于办结、回访或结案；应办结：已办结的加上未办结且已超期的。",
			DefEN: "Resolved cases ÷ cases due. Resolved: now resolved, verified or closed. Due: the resolved ones plus unresolved cases past a deadline."},
		{ID: KPISatisfaction, Ratio: true, NameZH: "满意率", NameEN: "Satisfaction rate",
			DefZH: "（满意 + 基本满意）÷ 全部评价次数（回访结果与群众评价）；不满意导致重办的评价照样计入。",
			DefEN: "(Satisfied + basically satisfied) ÷ every rating given (callback outcomes and citizens' ratings); an unsatisfied rating that reopened its case still counts."},
		{ID: KPIOnTimeRate, Ratio: true, NameZH: "按时办结率", NameEN: "On-time rate",
			DefZH: "在当时的办结时限之前（或无时限）办结的已办结案件 ÷ 已办结案件。批准的延期会推迟时限。",
			DefEN: "Resolved cases whose resolution came by the resolve deadline in force (or had none) ÷ resolved cases. An approved extension moves the deadline."},
		{ID: KPIOverdue, NameZH: "超期案件", NameEN: "Overdue",
			DefZH: "未结案且最早一个未到期的时限（派单、签收、到场、办结、答复或吹哨报到）已过的案件数；挂起或延期审批中的时限暂停。",
			DefEN: "Open cases whose earliest running deadline (dispatch, sign-off, on-site, resolve, reply or a summons) has passed; clocks of suspended cases or cases awaiting an extension stand still."},
		{ID: KPIOpen, NameZH: "在办案件", NameEN: "Open cases",
			DefZH: "未结案、未合并、未作废的案件数，按状态分列。",
			DefEN: "Cases not closed, merged or voided, broken down by state."},
	}
}
