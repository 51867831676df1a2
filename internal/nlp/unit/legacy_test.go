package unit

// The extractor as it was before the refusals and fixes of ce1eade,
// kept verbatim (names prefixed legacy) so that the experiment test can
// measure coverage and router accuracy before and after in one run.

import (
	"regexp"
	"strings"
)

// legacyTypes maps name keywords to unit types; the first matching row wins, so
// specific keywords come before general ones.
var legacyTypes = []struct {
	typ  string
	keys []string
}{
	{"公安", []string{"公安", "派出所", "交警", "警察", "治安"}},
	{"消防应急", []string{"消防", "应急管理", "安监", "安全生产监督"}},
	{"城管", []string{"城管", "城市管理", "综合执法", "行政执法"}},
	{"环保", []string{"生态环境", "环保", "环境保护", "环境监测"}},
	{"教育", []string{"教育", "学校", "中学", "小学", "幼儿园", "招生", "考试院", "学院", "大学"}},
	{"人社", []string{"人力资源", "人社", "社会保障", "社保", "劳动保障", "就业", "劳动监察"}},
	{"医保", []string{"医疗保障", "医保"}},
	{"卫健", []string{"卫生健康", "卫健", "卫生", "计生", "计划生育", "疾控", "医院"}},
	{"市场监管", []string{"市场监督", "市场监管", "工商", "质监", "质量技术监督", "食药", "食品药品", "物价"}},
	{"住建", []string{"住房和城乡建设", "住建", "住房", "房产", "房屋", "建设局", "建委", "不动产", "人防", "物业"}},
	{"自然资源", []string{"自然资源", "国土", "规划"}},
	{"交通", []string{"交通", "运输", "公路", "公交", "轨道", "地铁", "高速", "港航", "客运"}},
	{"公积金", []string{"公积金"}},
	{"水利水务", []string{"水利", "水务", "供水", "自来水", "排水"}},
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
func legacyTypeOf(name string) string {
	// 人民政府 contains 民政: read it as 政府 (区县政府), not as 民政.
	name = strings.ReplaceAll(name, "人民政府", "政府")
	for _, t := range legacyTypes {
		for _, k := range t.keys {
			if strings.Contains(name, k) {
				return t.typ
			}
		}
	}
	return ""
}

// candidate: up to 10 Han characters (an area code like "A3区" may sit
// among them) ending in a unit suffix.
var legacyCandidate = regexp.MustCompile(`(?:[A-Z]\d{0,2}[市区县])?\p{Han}{0,10}?(?:街道办事处|街道办|人民政府|政府|委员会|管理局|分局|局|街道|镇|乡|中心|支队|大队|中队|办公室|管理处|公司|医院|学校|派出所|委|所|院|站|办)`)

// legacyArea is an anonymised area code: a unit name starts there.
var legacyArea = regexp.MustCompile(`[A-Z]\d{0,2}[市区县]`)

// self references name no place but, for some, a type.
var legacySelf = map[string]string{"我镇": "镇", "我乡": "乡", "我街道": "街道", "我办": "街道办"}

// legacyBoundaries end the words before a unit name: the name starts after the
// last of them.
var legacyBoundaries = []string{"立即要求", "要求", "转至", "转交", "转给", "转", "交由", "交", "责成", "由", "向", "对", "经", "请", "联系", "将", "和", "及", "与", "了", "的", "是", "在", "已", "现", "我们", "关于", "根据", "督促", "组织", "会同", "协调", "联合", "安排", "属于", "归", "为", "到", "按"}

// legacyStrong are words right after a unit name that mark it as the answerer.
var legacyStrong = []string{"高度重视", "收到", "已收悉", "立即", "调查", "回复", "答复", "核实", "办复", "处理"}

// Extract returns the answering unit of an official reply: among the unit
// names in it (and self references such as "我镇"), the one of known type
// with the strongest evidence — followed by "高度重视", "调查", "回复" …,
// or named after "转至", "交由" … — earliest first on ties.
func legacyExtract(reply string) (Unit, error) {
	// 乡 ends unit names (蒲稳乡) but not inside 城乡 or 乡村: hide those
	// (鄉 has the same length in UTF-8) while matching.
	masked := legacyMaskQuoted(strings.NewReplacer("城乡", "城鄉", "乡村", "鄉村").Replace(reply))
	best, bestScore := Unit{}, -1
	for _, loc := range legacyCandidate.FindAllStringIndex(masked, -1) {
		name := strings.ReplaceAll(legacyTrim(masked[loc[0]:loc[1]]), "鄉", "乡")
		if name == "" {
			continue
		}
		typ := legacyTypeOf(name)
		if s, ok := legacySelf[name]; ok {
			typ = legacyTypeOf(s)
		}
		if typ == "" {
			continue
		}
		score := 0
		after := reply[loc[1]:min(len(reply), loc[1]+18)]
		for _, w := range legacyStrong {
			if strings.HasPrefix(after, w) {
				score += 2
				break
			}
		}
		before := reply[max(0, loc[0]-9):loc[0]]
		for _, w := range []string{"转至", "转交", "交由", "要求", "责成", "转"} {
			if strings.HasSuffix(before, w) || strings.Contains(reply[loc[0]:loc[1]], w) {
				score += 2
				break
			}
		}
		if len(name) > len("镇") && name[0] >= 'A' && name[0] <= 'Z' {
			score++
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

// trim cuts the words before a unit name (the name starts after the last
// boundary word) and refuses bare suffixes.
func legacyTrim(s string) string {
	if loc := legacyArea.FindStringIndex(s); loc != nil {
		return s[loc[0]:]
	}
	cut := 0
	for _, b := range legacyBoundaries {
		if i := strings.LastIndex(s, b); i >= 0 && i+len(b) > cut && i+len(b) < len(s) {
			cut = i + len(b)
		}
	}
	s = s[cut:]
	if _, ok := legacySelf[s]; ok {
		return s
	}
	if len([]rune(s)) < 2 || strings.HasPrefix(s, "我") {
		return ""
	}
	return s
}

// legacyMaxQuoted bounds a quotation legacyMaskQuoted hides, in bytes: an opening mark
// without a close that near is not taken as a quotation.
const legacyMaxQuoted = 600

// legacyMaskQuoted blanks (byte for byte, so offsets hold) the text inside
// 《…》 and “…”: units named there are cited documents ("《A市人民政府
// 办公厅关于…的通知》") or the quoted message title, not the answerer.
func legacyMaskQuoted(s string) string {
	b := []byte(s)
	for _, q := range [][2]string{{"《", "》"}, {"“", "”"}} {
		for i := 0; i < len(b); {
			open := strings.Index(string(b[i:]), q[0])
			if open < 0 {
				break
			}
			start := i + open + len(q[0])
			end := strings.Index(string(b[start:min(len(b), start+legacyMaxQuoted)]), q[1])
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
