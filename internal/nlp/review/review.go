package review

import (
	"math"
	"regexp"
	"time"
	"unicode/utf8"

	"yiwang/internal/nlp/text"
	"yiwang/internal/nlp/unit"
)

// Reply delays of the real replied messages (messages_with_replies.csv,
// 2,816 messages): half are answered within MedianDelay, nine in ten
// within P90Delay.
const (
	MedianDelay = 11 * 24 * time.Hour
	P90Delay    = 41 * 24 * time.Hour
)

// Thresholds below which a component is flagged.
const (
	// WeakRelevance: replies sharing fewer n-grams with the message than
	// this (scaled cosine) are flagged off_topic.
	WeakRelevance = 0.2
	// MinReplyRunes: shorter replies are flagged too_short.
	MinReplyRunes = 60
	// fullCosine is the binary gram cosine counted as fully relevant.
	fullCosine = 0.15
)

// Flags a review may carry.
const (
	FlagOffTopic = "off_topic" // little overlap with the message
	FlagTooShort = "too_short" // fewer than MinReplyRunes characters
	FlagNoUnit   = "no_unit"   // names no responsible unit
	FlagNoAction = "no_action" // no concrete action taken, planned or ordered (not owed to a question answered with its basis)
	FlagNoDate   = "no_date"   // no date or time limit (likewise)
	FlagNoBasis  = "no_basis"  // no finding or rule explained (经核实, 根据 …)
	FlagSlow     = "slow"      // answered after the median delay
	FlagLate     = "late"      // answered after the 90th percentile delay
	FlagNoTimes  = "no_times"  // asked/answered unknown: timeliness not judged
	FlagWeak     = "weak"      // overall score under WeakOverall
)

// WeakOverall is the overall score under which a reply is flagged weak.
const WeakOverall = 0.5

// timelinessNil is the timeliness reported when the times are unknown.
const timelinessNil = 0.5

// Review is the assessment of one reply; every score is in [0, 1].
type Review struct {
	Relevance    float64 `json:"relevance"`
	Completeness float64 `json:"completeness"`
	Timeliness   float64 `json:"timeliness"`
	// Overall weighs relevance and completeness twice as much as timeliness.
	Overall float64 `json:"overall"`
	// Unit is the answering unit named in the reply ("" when none).
	Unit  string   `json:"unit,omitempty"`
	Flags []string `json:"flags"`
}

// actionVerbs are concrete steps a unit takes or orders.
const actionVerbs = `安排|派|组织|责成|要求|督促|完成|整改|处理|处置|清理|清运|修复|维修|拆除|查处|约谈|立案|更换|疏通|协调|落实|恢复|下发|开展|对接|联系|开通|建设|建成|施工|纳入|列入|启动|实施|投入|设置|安装|增设|制定|出台|审批|批复|办理|受理|核查|查实|发放|补|退|支付|解决|整治|上门|告知|通知|制止|取缔|关停|暂停|停止|移交|转交|改造|升级|完善|调整|查勘|勘查|检查|巡查|处罚|罚款|劝导|召开|会商|考虑|研究|推进|跟进|加大|加强|增大|严格|管控|调查|彻查|走访|公示|赶|出警|处警|答复|回复`

var (
	// actionRe: an action taken (已 …, 进行了 …), planned (将/正在/立即
	// … within a clause), granted (予以 …) or ordered (责令, 限期).
	// Recalibrated against the 2,816 real replies: the first version only
	// knew 已 directly before a verb and flagged 63% of them.
	actionRe = regexp.MustCompile(`已(经)?[^，。；！？,;]{0,8}?(` + actionVerbs + `)|(进行|开展)了?[^，。；！？,;]{0,10}?(` + actionVerbs + `)|(将|拟|计划|正在|立即|尽快|抓紧|即将|会同|积极|加快|加强|继续|目前)[^，。；！？,;]{0,10}?(` + actionVerbs + `)|(予以|给予)|责令|限期|下一步|(现场|实地)(查看|核实|勘查|查勘|踏勘|检查)|踏勘`)
	dateRe   = regexp.MustCompile(`\d{4}年|\d{1,2}月(\d{1,2}日|底|初|中旬|上旬|下旬)?|\d+个?(工作)?(日|天|周|月)内|(本|下)(周|月)|月底|年底|年内|前完成|近期|目前|现已`)
	basisRe  = regexp.MustCompile(`经(过)?(核实|调查|了解|查|现场|走访|协调|研究)|据(查|了解|核实)|根据|依据|按照|规定|政策|条例|办法|答复如下|情况如下|原因`)
	// guideRe: guidance for the asker (可以 …, 请您 …, 拨打 …).
	// questionRe: a message asking for information (咨询, 请问, 如何办理 …)
	// is answered by an explanation, not an action.
	guideRe    = regexp.MustCompile(`可以|可凭|可到|可向|可拨打|需要|需持|须|应当|请您|建议您|欢迎您|拨打`)
	questionRe = regexp.MustCompile(`咨询|请问|询问|想问|问一下|问问|请教|能否告知|是否可以|可不可以|能不能|怎么(办|申请|处理|才能)|如何(办理|申请|处理|认定|缴纳|领取)|哪些|哪里|什么时候|何时|多久|多少钱|政策是|有没有`)
)

// questionRunes bounds how much of a message is searched for a question:
// its title and first sentences.
const questionRunes = 80

// IsQuestion reports whether a message asks for information (咨询, 请问,
// 如何办理 … in its first questionRunes runes) rather than for an action.
func IsQuestion(message string) bool {
	return questionRe.MatchString(text.FirstRunes(message, questionRunes))
}

// Score reviews reply as the answer to message; asked and answered are
// when the message came and the reply went (zero when unknown: timeliness
// is then 0.5 and flagged no_times).
func Score(message, reply string, asked, answered time.Time) Review {
	var r Review
	r.Relevance = relevance(message, reply)
	var parts float64
	if u, err := unit.Extract(reply); err == nil {
		r.Unit = u.Name
		parts++
	} else {
		r.Flags = append(r.Flags, FlagNoUnit)
	}
	question := IsQuestion(message)
	for _, c := range []struct {
		re   *regexp.Regexp
		flag string
	}{{actionRe, FlagNoAction}, {dateRe, FlagNoDate}, {basisRe, FlagNoBasis}} {
		switch {
		case c.re.MatchString(reply):
			parts++
		case question && c.flag != FlagNoBasis && (basisRe.MatchString(reply) || guideRe.MatchString(reply)):
			// A question is answered by the rule, finding or guidance
			// given: no action or date is owed.
			parts++
		default:
			r.Flags = append(r.Flags, c.flag)
		}
	}
	r.Completeness = parts / 4
	if n := utf8.RuneCountInString(reply); n < MinReplyRunes {
		r.Flags = append(r.Flags, FlagTooShort)
		r.Completeness *= float64(n) / MinReplyRunes
	}
	if r.Relevance < WeakRelevance {
		r.Flags = append(r.Flags, FlagOffTopic)
	}
	r.Timeliness = timelinessNil
	if asked.IsZero() || answered.IsZero() {
		r.Flags = append(r.Flags, FlagNoTimes)
	} else {
		d := answered.Sub(asked)
		r.Timeliness = Timeliness(d)
		switch {
		case d > P90Delay:
			r.Flags = append(r.Flags, FlagLate)
		case d > MedianDelay:
			r.Flags = append(r.Flags, FlagSlow)
		}
	}
	r.Overall = (2*r.Relevance + 2*r.Completeness + r.Timeliness) / 5
	if r.Overall < WeakOverall {
		r.Flags = append(r.Flags, FlagWeak)
	}
	if r.Flags == nil {
		r.Flags = []string{}
	}
	return r
}

// Timeliness maps a reply delay to [0, 1]: 1 when immediate, 0.75 at the
// median real delay, 0.25 at the 90th percentile, then halving every
// further P90Delay. Negative delays count as immediate.
func Timeliness(d time.Duration) float64 {
	days := max(d.Hours()/24, 0)
	med, p90 := MedianDelay.Hours()/24, P90Delay.Hours()/24
	switch {
	case days <= med:
		return 1 - 0.25*days/med
	case days <= p90:
		return 0.75 - 0.5*(days-med)/(p90-med)
	default:
		return 0.25 * math.Exp2(-(days-p90)/p90)
	}
}

// relevance is the cosine between the sets of character 2- and 3-grams of
// the normalised message and reply, scaled so that fullCosine counts as 1.
func relevance(message, reply string) float64 {
	m, r := gramSet(message), gramSet(reply)
	if len(m) == 0 || len(r) == 0 {
		return 0
	}
	common := 0
	for h := range m {
		if r[h] {
			common++
		}
	}
	cos := float64(common) / math.Sqrt(float64(len(m))*float64(len(r)))
	return min(1, cos/fullCosine)
}

func gramSet(s string) map[uint64]bool {
	norm := text.AppendNormalized(nil, s)
	out := map[uint64]bool{}
	text.Grams(norm, func(h uint64, start, end int) {
		if end-start >= 2 {
			out[h] = true
		}
	})
	return out
}
