package unit

import (
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is returned when a reply names no unit of a known type.
var ErrNotFound = errors.New("no answering unit found")

// Unit is the answering unit named in a reply.
type Unit struct {
	Name string `json:"name"` // as written, e.g. "A3区洋湖街道" or "我镇"
	Type string `json:"type"` // normalised type, e.g. "街道乡镇"
}

// types maps name keywords to unit types; the first matching row wins, so
// specific keywords come before general ones.
var types = []struct {
	typ  string
	keys []string
}{
	{"公安", []string{"公安", "派出所", "交警", "警察", "治安", "交管"}},
	{"消防应急", []string{"消防", "应急管理", "安监", "安全生产监督"}},
	{"城管", []string{"城管", "城市管理", "综合执法", "行政执法", "拆违"}},
	{"环保", []string{"生态环境", "环保", "环境保护", "环境监测"}},
	{"教育", []string{"教育", "学校", "中学", "小学", "幼儿园", "招生", "考试院", "学院", "大学"}},
	{"人社", []string{"人力资源", "人社", "社会保障", "社保", "劳动保障", "就业", "劳动监察", "居保"}},
	{"医保", []string{"医疗保障", "医保", "医疗保险"}},
	{"卫健", []string{"卫生健康", "卫健", "卫生", "计生", "计划生育", "疾控", "医院"}},
	{"市场监管", []string{"市场监督", "市场监管", "工商", "质监", "质量技术监督", "食药", "食品药品", "物价"}},
	{"住建", []string{"住房和城乡建设", "住建", "住房", "房产", "房屋", "建设局", "建委", "不动产", "人防", "物业", "房管"}},
	{"自然资源", []string{"自然资源", "国土", "规划"}},
	{"交通", []string{"交通", "运输", "公路", "公交", "轨道", "地铁", "高速", "港航", "客运"}},
	{"公积金", []string{"公积金"}},
	{"水利水务", []string{"水利", "水务", "供水", "自来水", "排水", "水业"}},
	{"电力燃气", []string{"供电", "电力", "电网", "燃气"}},
	{"民政", []string{"民政", "残联", "老龄"}},
	{"农业农村", []string{"农业", "农村", "畜牧", "水产", "林业", "扶贫"}},
	{"税务财政", []string{"税务", "财政"}},
	{"商务文旅", []string{"商务", "文化", "旅游", "文旅", "体育", "广电"}},
	{"发改", []string{"发改", "发展和改革", "发展改革"}},
	{"街道乡镇", []string{"街道", "镇", "乡", "社区", "村委"}},
	{"区县政府", []string{"区政府", "县政府", "市政府", "人民政府"}},
}

// TypeOf returns the unit type of a unit name, or "" when no keyword of the
// table matches.
func TypeOf(name string) string {
	// 人民政府 contains 民政: read it as 政府 (区县政府), not as 民政.
	name = strings.ReplaceAll(name, "人民政府", "政府")
	// Transport's own law enforcement is transport, not 城管's 行政执法.
	if strings.Contains(name, "交通行政执法") || strings.Contains(name, "交通执法") {
		return "交通"
	}
	for _, t := range types {
		for _, k := range t.keys {
			if strings.Contains(name, k) {
				return t.typ
			}
		}
	}
	return ""
}

// Types lists every unit type TypeOf can return, in table order.
func Types() []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.typ
	}
	return out
}

// candidate: up to 10 Han characters (an area code like "A3区" may sit
// among them) ending in a unit suffix.
var candidate = regexp.MustCompile(`(?:[A-Z]\d{0,2}[市区县])?\p{Han}{0,10}?(?:街道办事处|街道办|人民政府|政府|委员会|管理局|分局|局|街道|镇|乡|中心|支队|大队|中队|办公室|管理处|公司|集团|部门|医院|学校|派出所|委|所|院|站|办)`)

// maxUncoded bounds, in runes, a unit name without an area code: longer
// candidates are clauses ("使沿黄江公路进入黄兴镇"), not names.
const maxUncoded = 9

// area is an anonymised area code: a unit name starts there.
var area = regexp.MustCompile(`[A-Z]\d{0,2}[市区县]`)

// self references name no place but, for some, a type.
var self = map[string]string{"我镇": "镇", "我乡": "乡", "我街道": "街道", "我办": "街道办"}

// boundaries end the words before a unit name: the name starts after the
// last of them.
var boundaries = []string{"立即要求", "要求", "转至", "转交", "转给", "转", "交由", "交", "责成", "由", "向", "对", "经", "请", "联系", "将", "和", "及", "与", "了", "的", "是", "在", "已", "现", "我们", "关于", "根据", "督促", "组织", "会同", "协调", "联合", "安排", "属于", "归", "为", "到", "按", "此"}

// Evidence for and against a candidate unit name, read in the reply
// around it.
var (
	// strong are words right after a unit name that mark it as the
	// answerer.
	strong = []string{"高度重视", "收到", "已收悉", "立即", "调查", "回复", "答复", "核实", "办复", "处理"}
	// forwarded are words right before a unit name that hand the matter
	// to it.
	forwarded = []string{"转至", "转交", "交由", "交办给", "要求", "责成", "转"}
	// signature is a date right after a unit name: the reply's signature
	// ("A7县安沙镇人民政府 2013年2月").
	signature = regexp.MustCompile(`^[\s\p{Zs}]*\d{4}年`)
	// cited are words right before a government's name that cite it (its
	// documents, plans, decisions) rather than make it the answerer.
	cited = []string{"根据", "按照", "依照", "依据", "向", "报", "委、", "委，", "委"}
	// issued are words right after a government's name that make it the
	// issuer of a document or the owner of a plan or project.
	issued = []string{"办公室", "办公厅", "《", "印发", "出台", "职权", "工作安排", "投资", "重点", "融资", "常务会", "网站", "批示"}
	// within are words right after a town's or street's name that make it
	// the location of a smaller place ("陶岭镇邝家村"), not a unit.
	within = []string{"村", "社区", "居委", "中学", "小学", "卫生院", "派出所", "财政所"}
	// government are words right after a town's or street's name that are
	// still its name ("龙潭镇人民政府", "大合坪乡党委、政府"): the
	// evidence is read after them.
	government = []string{"人民政府", "党委、政府", "党委政府", "党委", "政府", "办事处"}
	// thanks are words right before a unit name in the answerer's closing
	// ("感谢您对K4县政府工作的支持").
	thanks = []string{"感谢您对", "感谢你对", "谢谢您对", "感谢您对我们"}
	// generic are town-like words that name no particular unit.
	generic = map[string]bool{"家乡": true, "城镇": true, "乡镇": true, "集镇": true, "村镇": true}
	// superior are words right before a department that make it a higher
	// authority the answerer reports to, not the answerer.
	superior = []string{"上级", "上报"}
	// partnerBefore and partnerAfter mark a unit named among the partners
	// of the answerer ("与县电力局、县亮化办"), not as the answerer.
	partnerBefore = []string{"与", "会同", "配合", "联合"}
	partnerAfter  = []string{"、", "等部门", "等单位"}
	// object are words right after a unit name that make it the object of
	// a step (an approval, an acceptance check, a treatment), not the
	// answerer: "国家发改委审批", "在D7县人民医院治疗".
	object = []string{"审批", "批复", "验收", "治疗", "就诊", "申报", "出具"}
	// notName are words no unit name contains: a clause was taken.
	notName = []string{"你", "您", "以上", "以下"}
)

// Extract returns the answering unit of an official reply: among the unit
// names in it (and self references such as "我镇"), the one of known type
// with the strongest evidence — followed by "高度重视", "调查", "回复" …,
// named after "转至", "交由" …, or signing the reply — earliest first on
// ties. Territorial governments are mentioned far more often than they
// answer (policies, cited documents, "市委、市政府"), so a 区县政府 needs
// strong evidence and a town or street without an area code or a self
// reference needs some; a town named as the location of a village does
// not count.
func Extract(reply string) (Unit, error) {
	// 乡 ends unit names (蒲稳乡) but not inside 城乡 or 乡村: hide those
	// (鄉 has the same length in UTF-8) while matching.
	masked := maskQuoted(strings.NewReplacer("城乡", "城鄉", "乡村", "鄉村").Replace(reply))
	best, bestScore := Unit{}, -1
	for _, loc := range candidate.FindAllStringIndex(masked, -1) {
		trimmed := trim(masked[loc[0]:loc[1]])
		if trimmed == "" || generic[trimmed] || strings.HasPrefix(trimmed, "各") {
			continue
		}
		if area.FindStringIndex(trimmed) == nil && utf8.RuneCountInString(trimmed) > maxUncoded {
			continue // a clause swallowed by the candidate, not a name
		}
		start := loc[1] - len(trimmed) // the name is a suffix of the match
		typ := TypeOf(trimmed)
		name := strings.ReplaceAll(trimmed, "鄉", "乡")
		_, isSelf := self[name]
		if isSelf {
			typ = TypeOf(self[name])
		}
		if typ == "" {
			continue
		}
		end := loc[1]
		if typ == "街道乡镇" {
			for _, w := range government {
				if strings.HasPrefix(reply[end:], w) {
					end += len(w)
					break
				}
			}
		}
		after := reply[end:min(len(reply), end+18)]
		before := reply[max(0, start-18):start]
		if strings.HasSuffix(name, "部门") && hasSuffix(before, superior) {
			continue
		}
		score := 0
		if hasPrefix(after, strong) || signature.MatchString(after) || hasSuffix(before, thanks) {
			score += 2
		}
		if hasSuffix(reply[max(0, loc[0]-9):loc[0]], forwarded) || containsAny(reply[loc[0]:start], forwarded) {
			score += 2
		}
		coded := len(name) > len("镇") && name[0] >= 'A' && name[0] <= 'Z'
		if coded {
			score++
		}
		if strings.HasSuffix(name, "部门") && score < 2 {
			continue // "交警部门将…", "民政部门救助机构…": a kind of unit mentioned, not one answering
		}
		if containsAny(name, notName) {
			continue
		}
		if score < 2 && (hasSuffix(before, partnerBefore) || hasPrefix(after, partnerAfter) || hasPrefix(after, object)) {
			continue // a partner, an approver, a place of treatment
		}
		switch typ {
		case "区县政府":
			if score < 2 || score < 4 && hasSuffix(before, cited) || hasPrefix(after, issued) {
				continue
			}
		case "街道乡镇":
			if !isSelf && (score < 1 || hasPrefix(after, within)) {
				continue
			}
		}
		if score > bestScore {
			best, bestScore = Unit{Name: name, Type: typ}, score
		}
	}
	if bestScore < 0 {
		return Unit{}, ErrNotFound
	}
	return best, nil
}

func hasPrefix(s string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

func hasSuffix(s string, words []string) bool {
	for _, w := range words {
		if strings.HasSuffix(s, w) {
			return true
		}
	}
	return false
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// trim cuts the words before a unit name (the name starts after the last
// boundary word) and refuses bare suffixes.
func trim(s string) string {
	if loc := area.FindStringIndex(s); loc != nil {
		return s[loc[0]:]
	}
	for k := range self {
		if strings.HasSuffix(s, k) {
			return k // "信访人系我镇": the self reference
		}
	}
	cut := 0
	for _, b := range boundaries {
		i := strings.LastIndex(s, b)
		if b == "交" && i >= 0 && hasPrefix(s[i+len(b):], []string{"警", "通", "管"}) {
			continue // 交警, 交通, 交管 are names, not "hand to"
		}
		if i >= 0 && i+len(b) > cut && i+len(b) < len(s) {
			cut = i + len(b)
		}
	}
	s = s[cut:]
	if _, ok := self[s]; ok {
		return s
	}
	if len([]rune(s)) < 2 || strings.HasPrefix(s, "我") {
		return ""
	}
	return s
}

// maxQuoted bounds a quotation maskQuoted hides, in bytes: an opening mark
// without a close that near is not taken as a quotation.
const maxQuoted = 600

// maskQuoted blanks (byte for byte, so offsets hold) the text inside
// 《…》 and “…”: units named there are cited documents ("《A市人民政府
// 办公厅关于…的通知》") or the quoted message title, not the answerer.
func maskQuoted(s string) string {
	b := []byte(s)
	for _, q := range [][2]string{{"《", "》"}, {"“", "”"}} {
		for i := 0; i < len(b); {
			open := strings.Index(string(b[i:]), q[0])
			if open < 0 {
				break
			}
			start := i + open + len(q[0])
			end := strings.Index(string(b[start:min(len(b), start+maxQuoted)]), q[1])
			if end < 0 {
				i = start
				continue
			}
			for k := start; k < start+end; k++ {
				b[k] = ' '
			}
			i = start + end + len(q[1])
		}
	}
	return string(b)
}
